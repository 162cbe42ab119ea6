// `--first-packets N` against tshark. The test builds a capture of interleaved TCP and UDP flows over IPv4 and
// IPv6 (2 to 11 packets each, a single-packet flow, random payload sizes and gaps, Ethernet padding on small
// frames, a flow whose first packet is a SYN-ACK), has tshark list every frame (time, addresses, ports, tcp.len or
// udp.length, flags), groups the frames into flows itself and compares every early-flow cell of pcapflow's rows
// with what it computed: size = tcp.len or udp.length - 8 (negative when the packet travels from the flow's Dst),
// IAT = µs from the flow's previous frame (0 for the first), Dir = 0 or 1, empty past the flow's last packet. For
// N = 1, 3, 16, both profiles (cicflowmeter: IPv4 only, flows of 2 or more packets, Src = first packet's source;
// default: a first SYN-ACK makes its destination the Src), --jobs 1 and 2 byte-identical. Then the same columns
// through Parquet and JSON Lines (read back with DuckDB: BIGINT, NULL where the CSV cell is empty), after the
// profile's columns and before --epoch-column, under each --header variant, with --labels, and through --shard
// parts and `pcapflow merge`. Runs dist/cli.js; skips when tshark is missing.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { buildFrame, type FrameSpec } from '../helpers/frame-builder.js';
import { buildPcap, type PcapFrame } from '../helpers/pcap-builder.js';
import { CLI } from '../helpers/paths.js';
import { HAVE_TSHARK, tsharkFields } from '../helpers/tshark.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-first-packets-'));
const capture = path.join(tmp, 'early.pcap');

/** xorshift32: the same capture on every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

const TCP = { ACK: 0x10, PSH: 0x08, SYN: 0x02 } as const;

/** The capture: 36 flows, their packets interleaved in time order. */
function buildCapture(): Uint8Array {
  const rand = rng(14);
  interface Pkt { tsUs: number; spec: FrameSpec }
  const pkts: Pkt[] = [];
  const t0 = 1_700_000_000_000_000;
  for (let f = 0; f < 36; f++) {
    const v6 = f % 4 === 3;
    const udp = f % 3 === 1;
    const client = v6 ? `2001:db8::${f + 1}` : `10.20.${f}.1`;
    const server = v6 ? '2001:db8:ffff::2' : '192.0.2.80';
    const cport = 30000 + f;
    const sport = udp ? 53 : 443;
    const count = f === 5 ? 1 : 2 + Math.floor(rand() * 10);
    let t = t0 + Math.floor(rand() * 2_000_000);
    for (let k = 0; k < count; k++) {
      // The first packet comes from the client, except in flow 8 (a SYN-ACK first: its sender is the server).
      const fromClient = f === 8 ? k % 2 === 1 : k === 0 || rand() < 0.55;
      const small = rand() < 0.3;
      const payload = small ? Math.floor(rand() * 6) : Math.floor(rand() * 1400);
      const flags = f === 8 && k === 0 ? TCP.SYN | TCP.ACK : k === 0 && f % 2 === 0 ? TCP.SYN : TCP.ACK | (payload > 0 ? TCP.PSH : 0);
      const [src, dst, sp, dp] = fromClient ? [client, server, cport, sport] : [server, client, sport, cport];
      const spec: FrameSpec = {
        ip: v6 ? { version: 6, src, dst } : { version: 4, src, dst },
        l4: udp ? { proto: 'udp', srcPort: sp, dstPort: dp } : { proto: 'tcp', srcPort: sp, dstPort: dp, flags, seq: 1000 + k, ack: 1 },
        payload,
        // Ethernet pads frames to 60 bytes: the padding is no payload (the IP length bounds it).
        trailer: small && !v6 ? 10 : 0,
      };
      pkts.push({ tsUs: t, spec });
      t += 1 + Math.floor(rand() < 0.2 ? rand() * 3_000_000 : rand() * 20_000);
    }
  }
  pkts.sort((a, b) => a.tsUs - b.tsUs);
  const frames: PcapFrame[] = pkts.map((p) => ({ data: buildFrame(p.spec).bytes, tsSec: Math.floor(p.tsUs / 1e6), tsFrac: p.tsUs % 1e6 }));
  return buildPcap(frames).bytes;
}

function pcapflow(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`pcapflow ${args.join(' ')} failed (${String(r.status)}): ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** A flow as the test groups tshark's frames: its Src/Dst and its packets' [size, iat, dir] in frame order. */
interface OracleFlow {
  key: string;
  v6: boolean;
  cells: [string, string, string][];
}

/** `frame.time_epoch` (seconds with 9 decimals) as integer µs. */
function epochUs(text: string): number {
  const [s, frac = ''] = text.split('.');
  return Number(s) * 1e6 + Number(frac.padEnd(9, '0').slice(0, 6));
}

let frames: string[][] = [];
const FIELDS = ['frame.time_epoch', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'tcp.len', 'udp.length', 'tcp.flags'];

/** The flows of the capture under `profile`, keyed `Src IP|Src Port|Dst IP|Dst Port|Protocol`. */
function oracle(profile: 'default' | 'cicflowmeter'): Map<string, OracleFlow> {
  const flows = new Map<string, { src: string; dst: string; proto: number; v6: boolean; last: number; cells: [string, string, string][] }>();
  for (const f of frames) {
    const [time, ip4s, ip4d, ip6s, ip6d, tsp, tdp, usp, udp_, tlen, ulen, tflags] = f as [string, string, string, string, string, string, string, string, string, string, string, string];
    const v6 = ip6s !== '';
    if (profile === 'cicflowmeter' && v6) continue; // the profile reads IPv4 only
    const tcp = tsp !== '';
    const proto = tcp ? 6 : 17;
    const a = `${v6 ? ip6s : ip4s}|${tcp ? tsp : usp}`;
    const b = `${v6 ? ip6d : ip4d}|${tcp ? tdp : udp_}`;
    const canon = `${proto}|${[a, b].sort().join('|')}`;
    const size = tcp ? Number(tlen) : Number(ulen) - 8;
    const ts = epochUs(time);
    let flow = flows.get(canon);
    if (flow === undefined) {
      const synAck = tcp && (Number(tflags) & 0x12) === 0x12;
      const reversed = profile === 'default' && synAck;
      flow = { src: reversed ? b : a, dst: reversed ? a : b, proto, v6, last: ts, cells: [] };
      flows.set(canon, flow);
    }
    const dir = a === flow.src ? 0 : 1;
    flow.cells.push([dir === 1 && size > 0 ? `-${size}` : String(size), flow.cells.length === 0 ? '0' : String(ts - flow.last), String(dir)]);
    flow.last = ts;
  }
  const out = new Map<string, OracleFlow>();
  for (const fl of flows.values()) {
    if (profile === 'cicflowmeter' && fl.cells.length < 2) continue; // the profile writes flows of 2+ packets
    const key = `${fl.src}|${fl.dst}|${fl.proto}`;
    out.set(key, { key, v6: fl.v6, cells: fl.cells });
  }
  return out;
}

/** The CSV as header + rows. */
function csv(text: string): { header: string[]; rows: string[][] } {
  const records = parse(text) as string[][];
  return { header: records[0]!, rows: records.slice(1) };
}

/** Compare pcapflow's CSV with the oracle, cell for cell; returns the number of cells compared. */
function compare(text: string, profile: 'default' | 'cicflowmeter', n: number): number {
  const { header, rows } = csv(text);
  const flows = oracle(profile);
  const at = (name: string): number => header.indexOf(name);
  const base = at('community_id') + 1;
  expect(base).toBeGreaterThan(0);
  expect(header.length).toBe(base + 3 * n);
  expect(rows).toHaveLength(flows.size);
  let cells = 0;
  const seen = new Set<string>();
  for (const row of rows) {
    const key = [row[at('Src IP')], row[at('Src Port')], row[at('Dst IP')], row[at('Dst Port')], row[at('Protocol')]].join('|');
    const flow = flows.get(key);
    if (flow === undefined) throw new Error(`${profile}: pcapflow's flow ${key} is not one of the capture's`);
    seen.add(key);
    for (let k = 0; k < n; k++) {
      const want = flow.cells[k] ?? ['', '', ''];
      const got = row.slice(base + 3 * k, base + 3 * k + 3);
      expect(header.slice(base + 3 * k, base + 3 * k + 3)).toEqual([`Pkt ${k + 1} Size`, `Pkt ${k + 1} IAT`, `Pkt ${k + 1} Dir`]);
      if (got.join() !== want.join()) throw new Error(`${profile} N=${n} flow ${key} packet ${k + 1}: pcapflow ${got.join()} vs tshark ${want.join()}`);
      cells += 3;
    }
  }
  expect(seen.size).toBe(flows.size);
  return cells;
}

(HAVE_TSHARK ? describe : describe.skip)('--first-packets N against tshark', () => {
  let db: DuckDBInstance;
  let con: DuckDBConnection;

  beforeAll(async () => {
    writeFileSync(capture, buildCapture());
    frames = await tsharkFields(capture, FIELDS);
    db = await DuckDBInstance.create(':memory:');
    con = await db.connect();
  });
  afterAll(() => {
    con?.closeSync();
    db?.closeSync();
  });

  it('the capture has what the comparison needs', () => {
    const all = oracle('default');
    const counts = [...all.values()].map((f) => f.cells.length);
    expect(all.size).toBe(36);
    expect(Math.min(...counts)).toBe(1);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(8);
    expect(counts.filter((c) => c < 3).length).toBeGreaterThan(0); // empty cells at N = 3
    expect([...all.values()].some((f) => f.cells.some((c) => c[2] === '1' && c[0].startsWith('-')))).toBe(true);
    expect([...all.values()].some((f) => f.cells.some((c) => c[2] === '1' && c[0] === '0'))).toBe(true);
    expect([...all.values()].filter((f) => f.v6).length).toBe(9);
    expect(oracle('cicflowmeter').size).toBe(26); // 27 IPv4 flows, one of them a single packet
  });

  for (const profile of ['default', 'cicflowmeter'] as const) {
    it.each([1, 3, 16])(`${profile} profile, N = %i: every cell is tshark's, --jobs 2 gives the same bytes`, (n) => {
      const one = pcapflow([capture, '-q', '--profile', profile, '--first-packets', String(n)]);
      const two = pcapflow([capture, '-q', '--profile', profile, '--first-packets', String(n), '--jobs', '2']);
      expect(two).toBe(one);
      const cells = compare(one, profile, n);
      expect(cells).toBe(3 * n * oracle(profile).size);
      // Without the option the profile's columns are exactly the same text.
      const plain = csv(pcapflow([capture, '-q', '--profile', profile]));
      const early = csv(one);
      expect(early.header.slice(0, plain.header.length)).toEqual(plain.header);
      expect(early.rows.map((r) => r.slice(0, plain.header.length))).toEqual(plain.rows);
    });
  }

  it.each(['default', 'cicflowmeter'] as const)('%s: Parquet and JSON Lines hold the same values, empty cells as null', async (profile) => {
    const n = 16;
    const base = path.join(tmp, `typed-${profile}`);
    const text = pcapflow([capture, '-q', '--profile', profile, '--first-packets', String(n), '--epoch-column', '-o', `${base}.csv`]) || readFileSync(`${base}.csv`, 'utf8');
    const { header, rows } = csv(text);
    // The early columns come after the profile's and before --epoch-column's.
    expect(header.at(-1)).toBe('Timestamp (epoch us)');
    expect(header.at(-2)).toBe(`Pkt ${n} Dir`);
    expect(header[header.indexOf('community_id') + 1]).toBe('Pkt 1 Size');
    compare(pcapflow([capture, '-q', '--profile', profile, '--first-packets', String(n)]), profile, n);
    pcapflow([capture, '-q', '--profile', profile, '--first-packets', String(n), '--epoch-column', '-o', `${base}.parquet`]);
    pcapflow([capture, '-q', '--profile', profile, '--first-packets', String(n), '--epoch-column', '-o', `${base}.jsonl`]);
    const pq = await con.runAndReadAll(`SELECT * FROM read_parquet('${base}.parquet')`);
    expect(pq.columnNames()).toEqual([...header, 'Start Time']);
    const types = pq.columnTypes().map((t) => t.toString());
    const pqRows = pq.getRowsJS() as unknown as unknown[][];
    const objects = readFileSync(`${base}.jsonl`, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(pqRows).toHaveLength(rows.length);
    expect(objects).toHaveLength(rows.length);
    const first = header.indexOf('Pkt 1 Size');
    let nulls = 0;
    for (let c = first; c < first + 3 * n; c++) {
      expect(types[c]).toBe('BIGINT');
      rows.forEach((row, r) => {
        const text = row[c]!;
        const v = pqRows[r]![c];
        const j = objects[r]![header[c]!];
        if (text === '') {
          nulls++;
          expect(v).toBeNull();
          expect(j).toBeNull();
        } else {
          expect(text).toMatch(/^-?\d+$/);
          expect(v).toBe(BigInt(text));
          expect(j).toBe(Number(text));
        }
      });
    }
    expect(nulls).toBeGreaterThan(0);
  });

  it('header variants spell the early columns; --labels leaves them alone', () => {
    const names = (variant: string): string[] => csv(pcapflow([capture, '-q', '--first-packets', '2', '--header', variant])).header.slice(-6);
    expect(names('snake_case')).toEqual(['pkt_1_size', 'pkt_1_iat', 'pkt_1_dir', 'pkt_2_size', 'pkt_2_iat', 'pkt_2_dir']);
    for (const v of ['cicflowmeter', 'cic-ids2017', 'cse-cic-ids2018']) {
      expect(names(v)).toEqual(['Pkt 1 Size', 'Pkt 1 IAT', 'Pkt 1 Dir', 'Pkt 2 Size', 'Pkt 2 IAT', 'Pkt 2 Dir']);
    }
    const rules = path.join(tmp, 'rules.csv');
    writeFileSync(rules, 'label,src,dst,dst_port,protocol,start,end,either\nWeb,,192.0.2.80,443,tcp,,,yes\n');
    const plain = csv(pcapflow([capture, '-q', '--first-packets', '3']));
    const labelled = csv(pcapflow([capture, '-q', '--first-packets', '3', '--labels', rules]));
    const label = plain.header.indexOf('Label');
    expect(labelled.header).toEqual(plain.header);
    expect(labelled.rows.filter((r) => r[label] === 'Web').length).toBeGreaterThan(0);
    expect(labelled.rows.map((r) => r.slice(label + 1))).toEqual(plain.rows.map((r) => r.slice(label + 1)));
  });

  it('--shard parts merged give the single run\'s bytes; parts of different N are refused', () => {
    for (const profile of ['default', 'cicflowmeter']) {
      const single = pcapflow([capture, '-q', '--profile', profile, '--first-packets', '4']);
      const dir = path.join(tmp, `parts-${profile}`);
      for (const k of [0, 1, 2]) pcapflow([capture, '-q', '--profile', profile, '--first-packets', '4', '--shard', `${k}/3`, '--out-dir', dir]);
      expect(pcapflow(['merge', dir, '-q'])).toBe(single);
    }
    const mixed = path.join(tmp, 'parts-mixed');
    pcapflow([capture, '-q', '--first-packets', '4', '--shard', '0/2', '--out-dir', mixed]);
    pcapflow([capture, '-q', '--first-packets', '5', '--shard', '1/2', '--out-dir', mixed]);
    const r = spawnSync(process.execPath, [CLI, 'merge', mixed, '-q'], { timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.toString()).toMatch(/not from the same run.*options differ/);
  });

  it('refuses N outside 0..255', () => {
    for (const bad of ['256', '-1', '2.5', 'x']) {
      const r = spawnSync(process.execPath, [CLI, capture, '--first-packets', bad], { timeout: 60_000 });
      expect(r.status).toBe(1);
      expect(r.stderr.toString()).toMatch(/--first-packets: expected an integer from 1 to 255 \(0 = off\)/);
    }
    expect(pcapflow([capture, '-q', '--first-packets', '0'])).toBe(pcapflow([capture, '-q']));
  });
});
