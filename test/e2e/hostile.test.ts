// End-to-end outcome of every hostile sample (samples/hostile/, made by scripts/make-hostile-samples.ts): runs
// `node dist/cli.js` on each and pins the exit status, the damage line on stderr (record number and byte offset),
// the error code in --stats, and the --stats counters (skip reasons, packets in flows). Also checks that the
// committed samples are exactly what the generator writes.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hostileSamples } from '../../scripts/make-hostile-samples.js';
import { CLI, SAMPLES_DIR } from '../helpers/paths.js';

const HOSTILE_DIR = path.join(SAMPLES_DIR, 'hostile');
const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-hostile-'));

interface Stats {
  packets_read: number;
  packets_in_flows: number;
  packets_skipped: number;
  packets_dropped: number;
  skipped: Record<string, number>;
  flows_written: number;
  damage: { code: string; offset: number; recordNumber: number }[];
}

function run(name: string, profile = 'default'): { status: number | null; stderr: string; stdout: string; stats: Stats } {
  const stats = path.join(tmp, `${name}.${profile}.json`);
  const r = spawnSync(process.execPath, [CLI, path.join(HOSTILE_DIR, name), '--profile', profile, '--stats', stats, '-q'], {
    input: Buffer.alloc(0),
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    status: r.status,
    stderr: r.stderr.toString('utf8'),
    stdout: r.stdout.toString('utf8'),
    stats: JSON.parse(readFileSync(stats, 'utf8')) as Stats,
  };
}

/** Good packets of the samples are 60-byte frames: a pcap record is 16 + 60 = 76 bytes after the 24-byte file
 *  header; a pcapng file starts with a 28-byte SHB (12 framing + 16 body) and a 20-byte IDB (12 + 8), and an EPB
 *  of a 60-byte frame is 12 + 20 + 60 = 92 bytes (draft-ietf-opsawg-pcapng §4.1-4.3). */
const PCAP_RECORD = (k: number): number => 24 + 76 * k;
const PCAPNG_EPB = (k: number): number => 28 + 20 + 92 * k;

interface Damaged {
  name: string;
  code: string;
  /** Byte offset of the bad record/block, and its 1-based number in the file. */
  offset: number;
  recordNumber: number;
  /** Good packets read before it (all of them go into one flow). */
  before: number;
}

const DAMAGED: Damaged[] = [
  // third record header: caplen 0xFFFFFFF0 > 262144 (tcpdump's maximum snaplen)
  { name: 'caplen-4gb.pcap', code: 'E_PCAP_CAPLEN_TOO_LARGE', offset: PCAP_RECORD(2), recordNumber: 3, before: 2 },
  // block 5 (SHB, IDB, EPB, EPB, bad EPB): captured length 0xFFFFFFFF does not fit its 92-byte block
  { name: 'caplen-4gb.pcapng', code: 'E_PCAPNG_BLOCK_LENGTH', offset: PCAPNG_EPB(2), recordNumber: 5, before: 2 },
  // block 5: EPB on interface 7 when only interface 0 exists (§4.3: the id must name an IDB of the section)
  { name: 'unknown-interface.pcapng', code: 'E_PCAPNG_BAD_INTERFACE', offset: PCAPNG_EPB(2), recordNumber: 5, before: 2 },
  // block 2, right after the 28-byte SHB: an SPB belongs to interface 0 (§4.4), which is not defined
  { name: 'spb-without-interface.pcapng', code: 'E_PCAPNG_BAD_INTERFACE', offset: 28, recordNumber: 2, before: 0 },
  // block 3, after SHB (28) and IDB (20): an obsolete PB naming interface 65535
  { name: 'unknown-interface-pb.pcapng', code: 'E_PCAPNG_BAD_INTERFACE', offset: 48, recordNumber: 3, before: 0 },
];

interface Skipping {
  name: string;
  read: number;
  skipped: Record<string, number>;
  /** Packets in flows under the default profile, and flows written. */
  inFlows: number;
  flows: number;
}

const SKIPPING: Skipping[] = [
  // snaplen 0 is informational in pcap and "no limit" in a pcapng IDB: the 7-packet conversation is one flow
  { name: 'snaplen-0.pcap', read: 7, skipped: {}, inFlows: 7, flows: 1 },
  { name: 'snaplen-0.pcapng', read: 7, skipped: {}, inFlows: 7, flows: 1 },
  // the clock only moves forward, so backward timestamps never split the flow (no timeout passes)
  { name: 'time-backwards.pcap', read: 7, skipped: {}, inFlows: 7, flows: 1 },
  // a zero-length Ethernet frame has no 14-byte link header: truncated_link (3 in the pcap, 2 in the pcapng)
  { name: 'zero-length.pcap', read: 10, skipped: { truncated_link: 3 }, inFlows: 7, flows: 1 },
  { name: 'zero-length.pcapng', read: 9, skipped: { truncated_link: 2 }, inFlows: 7, flows: 1 },
  // IHL 0..4 (RFC 791: 5 is the minimum) -> bad_ip_header; the conversation after them is intact
  { name: 'ipv4-ihl-below-5.pcap', read: 12, skipped: { bad_ip_header: 5 }, inFlows: 7, flows: 1 },
  // 200 chained headers exceed the 128-header limit; the last packet is a normal IPv6 UDP packet (1 flow)
  { name: 'ipv6-ext-loop.pcap', read: 3, skipped: { bad_ipv6_ext: 2 }, inFlows: 1, flows: 1 },
  // an extension header longer than the datagram (Payload Length) -> bad_ipv6_ext
  { name: 'ipv6-ext-past-end.pcap', read: 3, skipped: { bad_ipv6_ext: 2 }, inFlows: 1, flows: 1 },
  // data offset 0..4 (RFC 9293 §3.1: at least 5) -> bad_transport_header
  { name: 'tcp-data-offset-below-5.pcap', read: 12, skipped: { bad_transport_header: 5 }, inFlows: 7, flows: 1 },
];

function sum(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

describe('hostile samples', () => {
  it('the committed samples are exactly what make-hostile-samples.ts writes', () => {
    const samples = hostileSamples();
    expect(samples.map((s) => s.name).sort()).toEqual([...DAMAGED.map((d) => d.name), ...SKIPPING.map((s) => s.name)].sort());
    for (const s of samples) expect(Buffer.compare(readFileSync(path.join(HOSTILE_DIR, s.name)), Buffer.from(s.bytes))).toBe(0);
  });

  describe.each(DAMAGED)('$name: stops at the damage', (d) => {
    it.each(['default', 'cicflowmeter'])('profile %s: exit 2, code and offset, earlier packets kept', (profile) => {
      const r = run(d.name, profile);
      expect(r.status).toBe(2);
      // one line: file, record number, byte offset; no stack trace
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      const file = d.name.replace(/[.]/g, '\\.');
      expect(lines[0]).toMatch(new RegExp(`^pcapflow: .*${file}: record #${d.recordNumber} at byte ${d.offset}: `));
      expect(r.stats.damage).toHaveLength(1);
      expect(r.stats.damage[0]).toMatchObject({ code: d.code, offset: d.offset, recordNumber: d.recordNumber });
      expect(r.stats.packets_read).toBe(d.before);
      expect(r.stats.packets_skipped).toBe(0);
      // default keeps one-packet flows; cicflowmeter drops flows of <= 1 packet (the 2 kept packets form one flow)
      expect(r.stats.packets_in_flows).toBe(d.before);
      expect(r.stats.flows_written).toBe(d.before > 0 ? 1 : 0);
      // the CSV is complete: its header and the rows before the damage
      expect(r.stdout.trimEnd().split('\n')).toHaveLength(1 + r.stats.flows_written);
    });
  });

  describe.each(SKIPPING)('$name: read to the end', (s) => {
    it('exit 0, skip reasons and packet accounting pinned', () => {
      const r = run(s.name);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stats.damage).toEqual([]);
      expect(r.stats.packets_read).toBe(s.read);
      expect(r.stats.skipped).toEqual(s.skipped);
      expect(r.stats.packets_skipped).toBe(sum(s.skipped));
      expect(r.stats.packets_in_flows).toBe(s.inFlows);
      expect(r.stats.flows_written).toBe(s.flows);
      expect(r.stats.packets_read).toBe(r.stats.packets_in_flows + r.stats.packets_skipped + r.stats.packets_dropped);
    });

    it('--strict turns skipped packets into exit 2', () => {
      const r = spawnSync(process.execPath, [CLI, path.join(HOSTILE_DIR, s.name), '--strict', '-q', '-o', '/dev/null'], { input: Buffer.alloc(0), timeout: 60_000 });
      expect(r.status).toBe(sum(s.skipped) > 0 ? 2 : 0);
    });
  });
});

describe('community-id on hostile stdin', () => {
  // MAX_LINE_CHARS in src/commands/community-id.ts
  const MAX_LINE = 64 * 1024;

  it('a 10 MB line without a newline is one bad line (status 1, one short message), not unbounded memory', () => {
    const r = spawnSync(process.execPath, [CLI, 'community-id'], { input: Buffer.alloc(10 * 1024 * 1024, 'a'), timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.toString()).toBe(`line 1: longer than ${MAX_LINE} characters\n`);
    // output line N belongs to input line N: one empty line for the bad one
    expect(r.stdout.toString()).toBe('\n');
  });

  it('tuple mode: the lines around an overlong line keep their numbers and IDs', () => {
    const tuple = 'tcp 10.0.0.1 10.0.0.2 1 2';
    const input = `${tuple}\n${'b'.repeat(3 * MAX_LINE)}\n${tuple}\n`;
    const r = spawnSync(process.execPath, [CLI, 'community-id'], { input, timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.toString()).toBe(`line 2: longer than ${MAX_LINE} characters\n`);
    const lines = r.stdout.toString().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^1:[A-Za-z0-9+/]{27}=$/);
    expect(lines[1]).toBe('');
    expect(lines[2]).toBe(lines[0]);
  });

  it('tcpdump mode passes an overlong line through unchanged', () => {
    const packet = '12:00:00.000000 IP 10.0.0.1.1 > 10.0.0.2.2: Flags [S], length 0';
    const long = 'c'.repeat(3 * MAX_LINE + 5);
    const r = spawnSync(process.execPath, [CLI, 'community-id', '--tcpdump'], { input: `${packet}\n${long}\n${packet}\n`, timeout: 60_000 });
    expect(r.status).toBe(0);
    const lines = r.stdout.toString().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe(long);
    expect(lines[0]!.startsWith(`${packet} 1:`)).toBe(true);
    expect(lines[2]).toBe(lines[0]);
  });

  it('an error message quoting a hostile word stays short', () => {
    const r = spawnSync(process.execPath, [CLI, 'community-id'], { input: `tcp 10.0.0.1 10.0.0.2 1 ${'9'.repeat(50_000)}\n`, timeout: 60_000 });
    expect(r.status).toBe(1);
    const err = r.stderr.toString();
    expect(err.startsWith('line 1: ')).toBe(true);
    expect(err.length).toBeLessThan(400);
  });
});
