// The library API against the command line, which stays the reference: flows() gives the CSV's rows as records
// (same rows, same order, each value the CSV cell typed: strings equal, numbers equal as doubles, NaN and
// infinities included), and writeFlows() of those records writes the very bytes `pcapflow -o` writes for the same
// options, in every format (CSV, JSON Lines, gzip, Parquet), for both profiles, with --jobs, labels, header
// variants and time options; filtered and changed records are written as the CSV's lines filtered and changed;
// a failed write leaves the destination as it was. On the samples and on shared captures (skipped when absent).
// Loads the built package (dist/index.js) and runs dist/cli.js.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import type { DefaultFlowRecord } from '../../src/index.js';
import { CLI, HAVE_SHARED, REPO_ROOT, SAMPLES_DIR, TESTDATA_DIR } from '../helpers/paths.js';

type Api = typeof import('../../src/index.js');
const api = (await import(path.join(REPO_ROOT, 'dist', 'index.js'))) as Api;

const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-library-'));
const SAMPLE_FILES = ['tcp-handshake.pcap', 'ipv6-tcp.pcapng', 'dns-udp.pcapng', 'icmp-echo.pcap', 'vlan.pcap', 'nanosecond.pcap', 'truncated-tail.pcap', 'big-endian.pcapng', 'corrupt-block.pcapng'].map((f) => path.join(SAMPLES_DIR, f));
const rulesFile = path.join(tmp, 'rules.csv');
writeFileSync(rulesFile, 'label,src,dst,dst_port,protocol,start,end,either\nWeb,10.0.0.0/8,,80,tcp,,,yes\n"DNS, ""udp""",,,53,udp,,,yes\nV6,2001:db8::/32,,,,,,no\n');

function cli(inputs: string[], out: string, args: string[]): void {
  const r = spawnSync(process.execPath, [CLI, ...inputs, '-q', '-o', out, ...args], { timeout: 300_000 });
  // 0 clean, 2 damaged input (some samples are damaged on purpose): both write every flow
  if (r.status !== 0 && r.status !== 2) throw new Error(`pcapflow ${args.join(' ')} failed (${String(r.status)}): ${r.stderr.toString()}`);
}

/** The CLI options of a case as flows() options and as arguments. */
interface Case {
  name: string;
  profile: 'default' | 'cicflowmeter';
  args: string[];
  flowsOpts: Parameters<Api['flows']>[1];
  writeOpts: { header?: 'cicflowmeter' | 'cic-ids2017' | 'cse-cic-ids2018' | 'snake_case'; epochColumn?: boolean };
  /** The extra record fields the options ask for (firstPackets, fileColumn). */
  extras?: { firstPackets: number; fileColumn: boolean };
}

const CASES: Case[] = [
  { name: 'default', profile: 'default', args: [], flowsOpts: {}, writeOpts: {} },
  { name: 'cicflowmeter', profile: 'cicflowmeter', args: ['--profile', 'cicflowmeter'], flowsOpts: { profile: 'cicflowmeter' }, writeOpts: {} },
  {
    name: 'default, jobs 2, labels, epoch-us, snake_case, epoch column',
    profile: 'default',
    args: ['--jobs', '2', '--labels', rulesFile, '--default-label', 'Normal', '--time-format', 'epoch-us', '--header', 'snake_case', '--epoch-column'],
    flowsOpts: { jobs: 2, labels: rulesFile, defaultLabel: 'Normal', timeFormat: 'epoch-us' },
    writeOpts: { header: 'snake_case', epochColumn: true },
  },
  {
    name: 'cicflowmeter, labels, iso, cic-ids2017, timeouts, seed',
    profile: 'cicflowmeter',
    args: ['--profile', 'cicflowmeter', '--labels', rulesFile, '--time-format', 'iso', '--header', 'cic-ids2017', '--flow-timeout', '30', '--activity-timeout', '1', '--community-id-seed', '7'],
    flowsOpts: { profile: 'cicflowmeter', labels: rulesFile, timeFormat: 'iso', flowTimeout: 30, activityTimeout: 1, communityIdSeed: 7 },
    writeOpts: { header: 'cic-ids2017' },
  },
  {
    name: 'default, first packets 4, file column, epoch column',
    profile: 'default',
    args: ['--first-packets', '4', '--file-column', '--epoch-column'],
    flowsOpts: { firstPackets: 4, fileColumn: true },
    writeOpts: { epochColumn: true },
    extras: { firstPackets: 4, fileColumn: true },
  },
  {
    name: 'cicflowmeter, jobs 2, first packets 2, file column, cse-cic-ids2018',
    profile: 'cicflowmeter',
    args: ['--profile', 'cicflowmeter', '--jobs', '2', '--first-packets', '2', '--file-column', '--header', 'cse-cic-ids2018'],
    flowsOpts: { profile: 'cicflowmeter', jobs: 2, firstPackets: 2, fileColumn: true },
    writeOpts: { header: 'cse-cic-ids2018' },
    extras: { firstPackets: 2, fileColumn: true },
  },
];

async function records(inputs: string[], opts: Case['flowsOpts']): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const r of api.flows(inputs, opts)) out.push(r as unknown as Record<string, unknown>);
  return out;
}

function sameCell(value: unknown, cell: string, kind: string): boolean {
  if (kind === 'string') return value === cell;
  if (kind === 'nullable-int') return cell === '' ? value === null : Number.isSafeInteger(value) && value === Number(cell);
  if (typeof value === 'bigint') return kind === 'long' && value === BigInt(cell) && !Number.isSafeInteger(Number(cell));
  if (typeof value !== 'number') return false;
  const n = Number(cell); // Java's NaN / Infinity / 1.0E7 spellings are JS number syntax
  if (kind !== 'double' && !Number.isInteger(value)) return false;
  return Object.is(value, n) || value === n;
}

describe('flows() records are the CSV rows, typed', () => {
  const check = async (inputs: string[], c: Case): Promise<number> => {
    const csv = path.join(tmp, `ref-${c.name.replace(/\W+/g, '_')}-${inputs.length}.csv`);
    // the record keys are the snake_case names: compare with a snake_case CSV of the same run
    const args = c.args.filter((a, i, all) => a !== '--header' && all[i - 1] !== '--header' && a !== '--epoch-column');
    cli(inputs, csv, [...args, '--header', 'snake_case']);
    const rows = parse(readFileSync(csv), { relax_quotes: false }) as string[][];
    const header = rows.shift()!;
    const recs = await records(inputs, c.flowsOpts);
    expect(recs.length).toBe(rows.length);
    const columns = api.recordColumns(c.profile, c.extras);
    expect(columns.map(([k]) => k)).toEqual(header);
    recs.forEach((rec, r) => {
      expect(Object.keys(rec)).toEqual([...header, 'start_time_us']);
      columns.forEach(([key, kind], i) => {
        if (!sameCell(rec[key], rows[r]![i]!, kind)) throw new Error(`row ${r} ${key}: record ${String(rec[key])} (${typeof rec[key]}), CSV ${rows[r]![i]}`);
      });
      expect(Number.isSafeInteger(rec['start_time_us'])).toBe(true);
    });
    return recs.length;
  };
  for (const c of CASES) {
    it(`samples, ${c.name}`, async () => {
      expect(await check(SAMPLE_FILES, c)).toBeGreaterThan(10);
    });
  }
  for (const c of CASES.slice(0, 2)) {
    (HAVE_SHARED ? it : it.skip)(`shared realistic/, ${c.name}`, async () => {
      const dir = path.join(TESTDATA_DIR, 'realistic');
      expect(await check([dir], c)).toBeGreaterThan(100);
    });
  }
});

describe('writeFlows() writes the bytes the command line writes', () => {
  const FORMATS = ['csv', 'csv.gz', 'jsonl', 'jsonl.gz', 'parquet'];
  for (const c of CASES) {
    it(`samples, ${c.name}: ${FORMATS.join(', ')}`, async () => {
      for (const ext of FORMATS) {
        const ref = path.join(tmp, `cli-${c.name.replace(/\W+/g, '_')}.${ext}`);
        const mine = path.join(tmp, `api-${c.name.replace(/\W+/g, '_')}.${ext}`);
        cli(SAMPLE_FILES, ref, c.args);
        const res = await api.writeFlows(api.flows(SAMPLE_FILES, c.flowsOpts), { path: mine, ...c.writeOpts });
        const a = readFileSync(ref);
        const b = readFileSync(mine);
        expect(res.rows).toBeGreaterThan(10);
        expect({ ext, size: b.length, same: Buffer.compare(a, b) === 0 }).toEqual({ ext, size: a.length, same: true });
      }
    });
  }
  (HAVE_SHARED ? it : it.skip)('shared realistic/, both profiles, CSV and Parquet', async () => {
    const dir = path.join(TESTDATA_DIR, 'realistic');
    for (const profile of ['default', 'cicflowmeter'] as const) {
      for (const ext of ['csv', 'parquet']) {
        const ref = path.join(tmp, `cli-real-${profile}.${ext}`);
        const mine = path.join(tmp, `api-real-${profile}.${ext}`);
        cli([dir], ref, ['--profile', profile]);
        await api.writeFlows(api.flows(dir, { profile }), { path: mine });
        expect(Buffer.compare(readFileSync(ref), readFileSync(mine))).toBe(0);
      }
    }
  });

  it('filtered and changed records: the CSV lines filtered, the changed cell only changed', async () => {
    const ref = path.join(tmp, 'all.csv');
    cli(SAMPLE_FILES, ref, []);
    const lines = readFileSync(ref, 'utf8').trimEnd().split('\n');
    const header = parse(lines[0]!)[0] as string[];
    const dport = header.indexOf('Dst Port');
    const label = header.indexOf('Label');
    const keep = lines.slice(1).filter((l) => (parse(l)[0] as string[])[dport] !== '53');
    expect(keep.length).toBeLessThan(lines.length - 1);
    async function* notDns(): AsyncGenerator<DefaultFlowRecord> {
      for await (const r of api.flows(SAMPLE_FILES)) if (r.dst_port !== 53) yield { ...r, label: r.protocol === 6 ? 'TCP, reviewed' : r.label };
    }
    const out = path.join(tmp, 'filtered.csv');
    // a changed copy ({ ...r, label }) keeps the engine's cells of its unchanged values (a skipped statistic's
    // '0' stays '0', where the Java double text of 0 would be '0.0')
    await api.writeFlows(notDns(), { path: out });
    const expected = [lines[0]!, ...keep.map((l) => {
      const cells = parse(l)[0] as string[];
      if (cells[header.indexOf('Protocol')] !== '6') return l;
      cells[label] = 'TCP, reviewed';
      return cells.map((v) => (/[,"\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',');
    })];
    expect(readFileSync(out, 'utf8')).toBe(expected.join('\n') + '\n');
  });

  it('a bad record fails the write and leaves the destination as it was, with no temporary file', async () => {
    const out = path.join(tmp, 'kept.jsonl.gz');
    writeFileSync(out, 'previous contents');
    async function* bad(): AsyncGenerator<DefaultFlowRecord> {
      let n = 0;
      for await (const r of api.flows(SAMPLE_FILES)) yield n++ < 3 ? r : { ...r, dst_port: 'eighty' as unknown as number };
    }
    await expect(api.writeFlows(bad(), { path: out })).rejects.toMatchObject({ code: 'E_OPTION_INVALID', message: expect.stringMatching(/dst_port/) as unknown as string });
    expect(readFileSync(out, 'utf8')).toBe('previous contents');
    expect(readdirSync(tmp).filter((f) => f.includes('.pcapflow-'))).toEqual([]);
    await expect(api.writeFlows(api.flows(SAMPLE_FILES), { path: path.join(tmp, 'x.parquet.gz') })).rejects.toMatchObject({ code: 'E_OPTION_INVALID' });
    await expect(api.writeFlows(api.flows(SAMPLE_FILES), { path: path.join(tmp, 'x.csv'), format: 'jsonl' })).rejects.toMatchObject({ code: 'E_OPTION_INVALID' });
  });

  it('plain objects with early-flow and source_file keys: told by their keys, written as the command line', async () => {
    const ref = path.join(tmp, 'plain-ref.csv');
    cli(SAMPLE_FILES, ref, ['--first-packets', '3', '--file-column']);
    const out = path.join(tmp, 'plain.csv');
    const plain: Record<string, unknown>[] = [];
    // Object.entries drops the record's origin: writeFlows sees plain objects and must read N and source_file
    // from the keys
    for await (const r of api.flows(SAMPLE_FILES, { firstPackets: 3, fileColumn: true })) plain.push(Object.fromEntries(Object.entries(r)));
    expect(plain[0]!['pkt_3_dir']).not.toBeUndefined();
    await api.writeFlows(plain as unknown as DefaultFlowRecord[], { path: out });
    const a = parse(readFileSync(ref)) as string[][];
    const b = parse(readFileSync(out)) as string[][];
    expect(b[0]).toEqual(a[0]);
    expect(b.length).toBe(a.length);
    const early = a[0]!.map((name, i) => (/^Pkt \d Size|^Pkt \d IAT|^Pkt \d Dir|^Source File$/.test(name) ? i : -1)).filter((i) => i >= 0);
    expect(early.length).toBe(10);
    for (let r = 1; r < a.length; r++) expect(early.map((i) => b[r]![i])).toEqual(early.map((i) => a[r]![i]));
    // a null early value of a changed copy is an empty cell; a wrong key count is refused
    const changed = { ...plain[0]!, pkt_1_size: null };
    await api.writeFlows([changed as unknown as DefaultFlowRecord], { path: out });
    expect((parse(readFileSync(out)) as string[][])[1]![a[0]!.indexOf('Pkt 1 Size')]).toBe('');
    const broken = { ...plain[0]! };
    delete broken['pkt_2_iat'];
    await expect(api.writeFlows([broken as unknown as DefaultFlowRecord], { path: out })).rejects.toMatchObject({ code: 'E_OPTION_INVALID' });
  });

  it('no records: the header alone, as the command line writes for a capture without flows', async () => {
    const out = path.join(tmp, 'empty.csv.gz');
    await api.writeFlows([], { path: out, profile: 'cicflowmeter' });
    const header = gunzipSync(readFileSync(out)).toString();
    expect(header.split(',')[0]).toBe('Flow ID');
    expect(header.trimEnd().split(',').length).toBe(85);
  });
});
