// End-to-end tests of the pcapflow command on the committed samples: exit statuses, stderr lines, headers,
// determinism, stdin/gzip/directory inputs, --jobs, closed pipes and failing workers. Runs dist/cli.js.
import { describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildFrame, buildIpPacket, concat } from '../helpers/frame-builder.js';
import { CLI, SAMPLES_DIR } from '../helpers/paths.js';
import { buildPcap } from '../helpers/pcap-builder.js';

const sample = (name: string): string => path.join(SAMPLES_DIR, name);
const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-e2e-'));

function pcapflow(args: string[], opts: { input?: Buffer; env?: Record<string, string> } = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input: opts.input ?? Buffer.alloc(0),
    env: { ...process.env, ...(opts.env ?? {}) },
    maxBuffer: 256 * 1024 * 1024,
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

function parseCsv(text: string): string[][] {
  return text.trimEnd().split('\n').map((l) => l.split(','));
}

describe('pcapflow <capture> (flows)', () => {
  it('writes a header and one row per flow, exit 0, and a summary line on stderr', () => {
    const r = pcapflow([sample('tcp-handshake.pcap')]);
    expect(r.status).toBe(0);
    const rows = parseCsv(r.stdout);
    // default profile: the maintained fork's 94 columns plus community_id
    expect(rows[0]!.length).toBe(95);
    expect(rows[0]![0]).toBe('Flow ID');
    expect(rows[0]![94]).toBe('community_id');
    // two connections, each ended by FIN/FIN/ACK or RST: exactly two flows
    expect(rows.length - 1).toBe(2);
    for (const row of rows.slice(1)) expect(row.length).toBe(95);
    expect(r.stderr).toMatch(/^pcapflow: 15 packets read, 15 in flows, 0 skipped, 2 flows written in [\d.]+ s\n$/);
  });

  it('cicflowmeter profile: 84 reference columns plus community_id', () => {
    const r = pcapflow([sample('tcp-handshake.pcap'), '--profile', 'cicflowmeter', '-q']);
    expect(r.status).toBe(0);
    const header = parseCsv(r.stdout)[0]!;
    expect(header.length).toBe(85);
    expect(header.slice(0, 3)).toEqual(['Flow ID', 'Src IP', 'Src Port']);
    expect(header[83]).toBe('Label');
    expect(r.stderr).toBe('');
  });

  it('is deterministic: two runs give the same bytes, and --jobs 1 equals --jobs 4', () => {
    const a = pcapflow([SAMPLES_DIR, '-q']);
    const b = pcapflow([SAMPLES_DIR, '-q']);
    const c = pcapflow([SAMPLES_DIR, '-q', '--jobs', '4']);
    expect(a.stdout).toBe(b.stdout);
    expect(c.stdout).toBe(a.stdout);
    expect(c.status).toBe(a.status);
  });

  it('reads stdin (-) and gzip-compressed input to the same rows as the file', () => {
    const file = pcapflow([sample('vlan.pcap'), '-q']);
    const stdin = pcapflow(['-', '-q'], { input: readFileSync(sample('vlan.pcap')) });
    const gz = path.join(tmp, 'vlan.cap');
    writeFileSync(gz, gzipSync(readFileSync(sample('vlan.pcap'))));
    const gzipped = pcapflow([gz, '-q']);
    expect(stdin.status).toBe(0);
    expect(stdin.stdout).toBe(file.stdout);
    expect(gzipped.stdout).toBe(file.stdout);
  });

  it('writes -o FILE and --stats FILE; every packet is accounted for', () => {
    const out = path.join(tmp, 'flows.csv');
    const stats = path.join(tmp, 'stats.json');
    const r = pcapflow([SAMPLES_DIR, '-o', out, '--stats', stats, '-q']);
    expect(r.stdout).toBe('');
    const s = JSON.parse(readFileSync(stats, 'utf8')) as Record<string, number>;
    expect(s['packets_read']).toBe(s['packets_in_flows']! + s['packets_skipped']! + s['packets_dropped']!);
    const rows = parseCsv(readFileSync(out, 'utf8'));
    expect(rows.length - 1).toBe(s['flows_written']);
    const fwd = rows[0]!.indexOf('Total Fwd Packet');
    const bwd = rows[0]!.indexOf('Total Bwd packets');
    const sum = rows.slice(1).reduce((n, row) => n + Number(row[fwd]) + Number(row[bwd]), 0);
    expect(sum).toBe(s['packets_in_flows']);
    // Memory figures: the RSS with every flow still live is measured within the run, so it cannot exceed the peak.
    expect(s['rss_at_end_of_input_bytes']).toBeGreaterThan(0);
    expect(s['rss_at_end_of_input_bytes']).toBeLessThanOrEqual(s['peak_rss_bytes']!);
  });

  it('--max-flows ends the oldest flows when the table is full, writes them and counts them', () => {
    const stats = path.join(tmp, 'maxflows.json');
    const capped = pcapflow([sample('vlan.pcap'), '--max-flows', '1', '--stats', stats]);
    expect(capped.status).toBe(0);
    const s = JSON.parse(readFileSync(stats, 'utf8')) as { flows_written: number; packets_read: number; packets_in_flows: number; flow_events: Record<string, number> };
    // vlan.pcap holds a TCP conversation (VLAN 100), then a UDP exchange (QinQ). With room for one flow, the UDP
    // exchange's first packet finds the table full and ends the TCP flow (still in the table: the default profile
    // closes a finished TCP flow only at a new SYN or at the end); nothing is lost.
    expect(s.flow_events['maxflows_evicted']).toBe(1);
    expect(s.packets_in_flows).toBe(s.packets_read);
    expect(parseCsv(capped.stdout).length - 1).toBe(s.flows_written);
    expect(capped.stderr).toMatch(/, 1 of them ended early by --max-flows in /);
    const free = pcapflow([sample('vlan.pcap'), '-q', '--stats', stats]);
    expect((JSON.parse(readFileSync(stats, 'utf8')) as typeof s).flow_events['maxflows_evicted']).toBe(0);
    expect(free.stdout.split('\n')[0]).toBe(capped.stdout.split('\n')[0]);
  });

  it('damaged pcap: exit 2, one line naming file, record and offset, earlier flows still written', () => {
    const r = pcapflow([sample('truncated-tail.pcap'), '-q']);
    expect(r.status).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(/^pcapflow: .*truncated-tail\.pcap: record #10 at byte \d+: /);
    const rows = parseCsv(r.stdout);
    expect(rows.length).toBeGreaterThan(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('damaged pcapng block: exit 2 naming the block and its offset', () => {
    const r = pcapflow([sample('corrupt-block.pcapng'), '-q']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/corrupt-block\.pcapng: record #7 at byte \d+: /);
    expect(parseCsv(r.stdout).length).toBeGreaterThan(1);
  });

  it('usage and I/O errors: exit 1 with one line and no stack trace', () => {
    const missing = pcapflow([path.join(tmp, 'nope.pcap')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr.trimEnd().split('\n').length).toBe(1);
    const badOpt = pcapflow([sample('vlan.pcap'), '--community-id-seed', '70000']);
    expect(badOpt.status).toBe(1);
    expect(badOpt.stderr).toMatch(/community-id-seed/);
    const badProfile = pcapflow([sample('vlan.pcap'), '--profile', 'nope']);
    expect(badProfile.status).toBe(1);
    const notCapture = path.join(tmp, 'text.pcap');
    writeFileSync(notCapture, 'this is not a capture file at all\n');
    const bad = pcapflow([notCapture, '-q']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/text\.pcap: .*at byte 0/);
  });

  it('an unwritable output fails before any input is read (stdin left open: no hang)', async () => {
    const child = spawn(process.execPath, [CLI, '-', '-o', path.join(tmp, 'no', 'such', 'dir', 'x.csv')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.stdin.destroy();
    expect(status).toBe(1);
    expect(stderr).toMatch(/^pcapflow: .*cannot write/);
  });

  it('a failing worker ends the run with a clear error and a non-zero status, never a hang', () => {
    for (const fault of ['throw', 'exit']) {
      const r = pcapflow([SAMPLES_DIR, '--jobs', '2', '-q'], { env: { PCAPFLOW_WORKER_FAULT: fault } });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/^pcapflow: .*worker/);
      // a thrown error reaches the user with its own message: Node delivers a worker's last messages before its
      // 'exit' event (lib/internal/worker.js drains the ports on exit), so the pool's generic "exited with status"
      // never hides the report
      if (fault === 'throw') expect(r.stderr).toMatch(/injected worker fault/);
      else expect(r.stderr).toMatch(/exited with status 3/);
    }
  });
});

describe('pcapflow packets', () => {
  it('prints the header and one line per packet with the fields the sample was built with', () => {
    const r = pcapflow(['packets', sample('tcp-handshake.pcap')]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => l.split('\t'));
    expect(lines[0]).toEqual(['index', 'time', 'caplen', 'len', 'linktype', 'src', 'dst', 'proto', 'sport', 'dport']);
    expect(lines.length - 1).toBe(15);
    // first packet: the client's SYN at 2023-11-14 22:13:20 UTC, a 54-byte frame padded to 60
    expect(lines[1]).toEqual(['1', '1700000000.000000000', '60', '60', '1', '10.0.0.1', '10.0.0.2', '6', '40000', '80']);
  });

  it('prints nanosecond timestamps exactly and IPv6 addresses in RFC 5952 form', () => {
    const ns = pcapflow(['packets', sample('nanosecond.pcap')]).stdout.split('\n');
    // built as 123 ns after the start for the first packet
    expect(ns[1]!.split('\t')[1]).toBe('1700000000.000000123');
    const v6 = pcapflow(['packets', sample('ipv6-tcp.pcapng')]).stdout.split('\n');
    expect(v6[1]!.split('\t').slice(5, 8)).toEqual(['2001:db8::1', '2001:db8::2', '6']);
  });

  it('adds a community_id column on request (spec table value for the TCP tuple)', () => {
    const r = pcapflow(['packets', '--community-id', sample('icmp-echo.pcap')]);
    const lines = r.stdout.trimEnd().split('\n').map((l) => l.split('\t'));
    expect(lines[0]![10]).toBe('community_id');
    // an echo request and its reply share one ID
    expect(lines[1]![10]).toMatch(/^1:/);
    expect(lines[2]![10]).toBe(lines[1]![10]);
  });

  it('a reader closing the pipe early ends quietly with status 0', async () => {
    const child = spawn(process.execPath, [CLI, 'packets', SAMPLES_DIR, SAMPLES_DIR, SAMPLES_DIR, SAMPLES_DIR], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const status = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    expect([0, 2]).toContain(status); // 2 only because the samples include damaged captures
    expect(stderr).not.toMatch(/EPIPE|Error/);
  });
});

describe('pcapflow community-id', () => {
  it('computes the spec table values for a tuple and for tuples on stdin', () => {
    // community-id-spec baseline table: TCP 1.2.3.4:1122 -> 5.6.7.8:3344 (and the reverse) at seed 0
    const r = pcapflow(['community-id', 'tcp', '1.2.3.4', '5.6.7.8', '1122', '3344']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('1:wCb3OG7yAFWelaUydu0D+125CLM=\n');
    const many = pcapflow(['community-id', '--seed', '1'], { input: Buffer.from('tcp 5.6.7.8 1.2.3.4 3344 1122\n6 1.2.3.4 5.6.7.8 1122 3344\n') });
    expect(many.stdout).toBe('1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=\n1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=\n');
  });
});

describe('--decap', () => {
  // Built here: three VXLAN frames (RFC 7348) carrying a TCP handshake 192.168.1.10:40000 <-> 192.168.1.20:443
  // between the tunnel endpoints 10.0.0.1 and 10.0.0.2 (each endpoint sends from its own UDP source port), and
  // two GRE frames carrying a DNS exchange 172.16.0.1:33000 <-> 172.16.0.2:53.
  const eth = (type: number): Uint8Array => Uint8Array.from([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, type >> 8, type & 0xff]);
  const tcp = (src: string, dst: string, sp: number, dp: number, flags: number): Uint8Array =>
    buildIpPacket({ ip: { version: 4, src, dst }, l4: { proto: 'tcp', srcPort: sp, dstPort: dp, flags } }).bytes;
  const vxlan = (fromA: boolean, inner: Uint8Array): Uint8Array =>
    buildFrame({
      ip: { version: 4, src: fromA ? '10.0.0.1' : '10.0.0.2', dst: fromA ? '10.0.0.2' : '10.0.0.1' },
      l4: { proto: 'udp', srcPort: fromA ? 50000 : 50001, dstPort: 4789 },
      payload: concat(Uint8Array.from([0x08, 0, 0, 0, 0, 0, 1, 0]), eth(0x0800), inner),
    }).bytes;
  const gre = (inner: Uint8Array): Uint8Array =>
    buildFrame({ ip: { version: 4, src: '10.0.0.3', dst: '10.0.0.4' }, l4: { proto: 'other', protocol: 47 }, payload: concat(Uint8Array.from([0, 0, 0x08, 0x00]), inner) }).bytes;
  const dns = (query: boolean): Uint8Array =>
    buildIpPacket({ ip: { version: 4, src: query ? '172.16.0.1' : '172.16.0.2', dst: query ? '172.16.0.2' : '172.16.0.1' }, l4: { proto: 'udp', srcPort: query ? 33000 : 53, dstPort: query ? 53 : 33000 }, payload: 20 }).bytes;
  const frames = [
    vxlan(true, tcp('192.168.1.10', '192.168.1.20', 40000, 443, 0x02)),
    vxlan(false, tcp('192.168.1.20', '192.168.1.10', 443, 40000, 0x12)),
    vxlan(true, tcp('192.168.1.10', '192.168.1.20', 40000, 443, 0x10)),
    gre(dns(true)),
    gre(dns(false)),
  ];
  const file = path.join(tmp, 'tunnels.pcap');
  writeFileSync(file, buildPcap(frames.map((data, i) => ({ data, tsSec: 1_700_000_000 + i }))).bytes);

  it('keys flows by the inner packets and counts the tunnels in --stats', () => {
    const stats = path.join(tmp, 'decap-stats.json');
    const r = pcapflow([file, '--decap', '-q', '--stats', stats]);
    expect(r.status).toBe(0);
    const rows = parseCsv(r.stdout).slice(1);
    expect(rows.map((row) => row.slice(1, 6).join(' ')).sort()).toEqual(['172.16.0.1 33000 172.16.0.2 53 17', '192.168.1.10 40000 192.168.1.20 443 6']);
    const s = JSON.parse(readFileSync(stats, 'utf8')) as { tunnels: Record<string, number>; packets_in_flows: number };
    expect(s.tunnels).toEqual({ packets_decapsulated: 5, tunnel_layers: 5, vxlan: 3, gre: 2 });
    expect(s.packets_in_flows).toBe(5);
    // Without --decap: the tunnels' own flows (two VXLAN UDP flows, one per source port, and the GRE flow).
    const outer = parseCsv(pcapflow([file, '-q']).stdout).slice(1);
    expect(outer.map((row) => `${row[1]} ${row[3]} ${row[5]}`).sort()).toEqual(['10.0.0.1 10.0.0.2 17', '10.0.0.2 10.0.0.1 17', '10.0.0.3 10.0.0.4 47']);
    // The cicflowmeter profile takes the inner packets too.
    const cic = parseCsv(pcapflow([file, '--decap', '-q', '--profile', 'cicflowmeter']).stdout).slice(1);
    expect(cic.map((row) => row[0]).sort()).toEqual(['172.16.0.1-172.16.0.2-33000-53-17', '192.168.1.10-192.168.1.20-40000-443-6']);
  });

  it('pcapflow packets --decap prints the inner addresses, protocol and ports', () => {
    const lines = pcapflow(['packets', file, '--decap']).stdout.trimEnd().split('\n').slice(1).map((l) => l.split('\t').slice(5).join(' '));
    expect(lines).toEqual([
      '192.168.1.10 192.168.1.20 6 40000 443',
      '192.168.1.20 192.168.1.10 6 443 40000',
      '192.168.1.10 192.168.1.20 6 40000 443',
      '172.16.0.1 172.16.0.2 17 33000 53',
      '172.16.0.2 172.16.0.1 17 53 33000',
    ]);
    expect(pcapflow(['packets', file]).stdout.split('\n')[1]!.split('\t').slice(5).join(' ')).toBe('10.0.0.1 10.0.0.2 17 50000 4789');
  });
});
