// End-to-end pins of each CICFlowMeter quirk (⚠, --profile cicflowmeter) and each engelen-head fix (✔, default
// profile) of cicflowmeter-features.md: runs dist/cli.js on samples/quirks/*.pcap (made by
// scripts/make-quirk-captures.ts with the packets of test/unit/flow/*-profile.test.ts) and checks the CSV values
// against the spec's arithmetic. Also checks the other profile where the spec says what it prints.
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI, HAVE_SHARED, SAMPLES_DIR, TESTDATA_DIR } from '../helpers/paths.js';

type Row = Record<string, string>;
interface Run {
  rows: Row[];
  /** The --stats JSON: `dropped` counts by reason (without the 'dropped_' prefix), packets_in_flows, ... */
  stats: { dropped: Record<string, number>; packets_in_flows: number; packets_read: number };
}

const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-quirks-'));
let runNo = 0;

/** `node dist/cli.js samples/quirks/<file> --profile <profile> -q --stats <tmp>`; rows keyed by header name. */
function pcapflow(file: string, profile: 'cicflowmeter' | 'default'): Run {
  const statsPath = path.join(tmp, `stats-${runNo++}.json`);
  const r = spawnSync(process.execPath, [CLI, path.join(SAMPLES_DIR, 'quirks', file), '--profile', profile, '-q', '--stats', statsPath], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: 60_000,
  });
  expect(r.stderr.toString('utf8')).toBe('');
  expect(r.status).toBe(0);
  const lines = r.stdout.toString('utf8').trimEnd().split('\n');
  const header = lines[0]!.split(',');
  // The header is the spec's §1 list (84 or 94 columns) plus community_id.
  expect(header.length).toBe(profile === 'cicflowmeter' ? 85 : 95);
  const rows = lines.slice(1).map((line) => {
    const fields = line.split(',');
    expect(fields.length).toBe(header.length);
    const m: Row = {};
    header.forEach((h, i) => (m[h] = fields[i]!));
    return m;
  });
  return { rows, stats: JSON.parse(readFileSync(statsPath, 'utf8')) as Run['stats'] };
}

const cic = (file: string): Run => pcapflow(file, 'cicflowmeter');
const dflt = (file: string): Run => pcapflow(file, 'default');
/** Rows without the flow of the clock packet (10.9.9.9 → 10.9.9.8), which the default profile writes. */
const noClock = (rows: Row[]): Row[] => rows.filter((r) => r['Src IP'] !== '10.9.9.9');
const only = (rows: Row[]): Row => {
  expect(rows).toHaveLength(1);
  return rows[0]!;
};

describe('quirk captures, --profile cicflowmeter (⚠ upstream)', () => {
  test('cic-tcp-five-packets: §5, §6 rows 37–40, 58, 72–73', () => {
    const r = only(cic('cic-tcp-five-packets.pcap').rows);
    expect(r['Flow ID']).toBe('10.0.0.1-10.0.0.2-40000-80-6');
    expect(r['Timestamp']).toBe('14/11/2023 10:13:20 PM'); // §5: dd/MM/yyyy hh:mm:ss a, UTC
    expect(r['Flow Duration']).toBe('400');
    expect([r['Total Fwd Packet'], r['Total Bwd packets']]).toEqual(['3', '2']);
    // §6 rows 11–12: payload only; the 60-byte Ethernet padding of the short frames is not payload (§2).
    expect([r['Total Length of Fwd Packet'], r['Total Length of Bwd Packet']]).toEqual(['100.0', '300.0']);
    // Flow Bytes/s = 400 / (400 / 10^6) = 1e6; Packets/s = 5 / 0.0004 = 12500; Fwd 3 / 0.0004, Bwd 2 / 0.0004.
    expect([r['Flow Bytes/s'], r['Flow Packets/s'], r['Fwd Packets/s'], r['Bwd Packets/s']]).toEqual(['1000000.0', '12500.0', '7500.0', '5000.0']);
    // Flow IAT gaps 100 ×4. Fwd times 0, 200, 300 → gaps 200, 100: total 300, mean 150, sample std
    // sqrt((50² + 50²) / 1) = 70.71067811865476. Bwd: one gap of 300 (std of one value 0.0).
    expect([r['Flow IAT Mean'], r['Flow IAT Std'], r['Flow IAT Max'], r['Flow IAT Min']]).toEqual(['100.0', '0.0', '100.0', '100.0']);
    expect([r['Fwd IAT Total'], r['Fwd IAT Mean'], r['Fwd IAT Std'], r['Fwd IAT Max'], r['Fwd IAT Min']]).toEqual(['300.0', '150.0', '70.71067811865476', '200.0', '100.0']);
    expect([r['Bwd IAT Total'], r['Bwd IAT Std']]).toEqual(['300.0', '0.0']);
    // ⚠ rows 37–40: only p₁ (SYN+PSH+URG) is looked at → Fwd 1/1, Bwd 0/0, though packets 4 and 5 carry PSH.
    expect([r['Fwd PSH Flags'], r['Bwd PSH Flags'], r['Fwd URG Flags'], r['Bwd URG Flags']]).toEqual(['1', '0', '1', '0']);
    expect(r['PSH Flag Count']).toBe('3'); // rows 50–57 count every packet: p₁, p₄, p₅
    expect([r['FIN Flag Count'], r['SYN Flag Count'], r['ACK Flag Count'], r['URG Flag Count']]).toEqual(['0', '2', '4', '1']);
    // ⚠ row 58: (double)(2 / 3) with integer division = 0.0.
    expect(r['Down/Up Ratio']).toBe('0.0');
    // Rows 41–42, 75: L4 headers only: fwd 40 + 20 + 20, bwd 40 + 20; Fwd Seg Size Min = min(40, 20, 20).
    expect([r['Fwd Header Length'], r['Bwd Header Length'], r['Fwd Seg Size Min']]).toEqual(['80', '60', '20']);
    // Row 72: p₁'s window; ⚠ row 73: the LAST backward window (2001, not the SYN-ACK's 2000).
    expect([r['FWD Init Win Bytes'], r['Bwd Init Win Bytes']]).toEqual(['1000', '2001']);
    expect(r['Label']).toBe('NeedManualLabel');
    expect(r['community_id']).toMatch(/^1:/);
  });

  test('cic-tcp-five-packets, default profile: ✔ rows 37–40, 58, 73 count every packet per direction', () => {
    const r = only(dflt('cic-tcp-five-packets.pcap').rows);
    // ✔ PSH: fwd p₁ and p₄, bwd p₅ → 2 / 1; URG: only p₁ (fwd) → 1 / 0.
    expect([r['Fwd PSH Flags'], r['Bwd PSH Flags'], r['Fwd URG Flags'], r['Bwd URG Flags']]).toEqual(['2', '1', '1', '0']);
    expect(r['Down/Up Ratio']).toBe('0.6666666666666666'); // ✔ 2 / 3 as a double
    expect(r['Bwd Init Win Bytes']).toBe('2000'); // ✔ first non-zero backward window (the SYN-ACK)
  });

  test('cic-p1-counted-twice: §6 rows 45–49, 59, 74 ⚠', () => {
    const r = only(cic('cic-p1-counted-twice.pcap').rows);
    // ⚠ samples [30, 30, 80, 32, 82]: min 30, max 82, mean 254 / 5 = 50.8, sample variance
    // (20.8² + 20.8² + 29.2² + 18.8² + 31.2²) / 4 = 3044.8 / 4 = 761.2.
    expect([r['Packet Length Min'], r['Packet Length Max']]).toEqual(['30.0', '82.0']);
    expect(Number(r['Packet Length Mean'])).toBeCloseTo(50.8, 12);
    expect(Number(r['Packet Length Variance'])).toBeCloseTo(761.2, 9);
    // ⚠ row 59: Average Packet Size = 254 / 4 packets = 63.5 (≠ mean).
    expect(r['Average Packet Size']).toBe('63.5');
    // ⚠ row 74: forward packets with payload ≥ 1 except p₁ → only the 32-byte one.
    expect(r['Fwd Act Data Pkts']).toBe('1');
    expect([r['Fwd Segment Size Avg'], r['Bwd Segment Size Avg']]).toEqual(['31.0', '81.0']); // (30+32)/2, (80+82)/2
    // Rows 72–73: 0 for non-TCP; row 75: UDP header 8.
    expect([r['FWD Init Win Bytes'], r['Bwd Init Win Bytes'], r['Fwd Seg Size Min']]).toEqual(['0', '0', '8']);
  });

  test('cic-p1-counted-twice, default profile: ✔ n samples, Act Data includes p₁', () => {
    const r = only(dflt('cic-p1-counted-twice.pcap').rows);
    // ✔ samples [30, 80, 32, 82]: mean 224 / 4 = 56; variance (26² + 24² + 24² + 26²) / 3 = 2504 / 3.
    expect(Number(r['Packet Length Mean'])).toBeCloseTo(56, 12);
    expect(Number(r['Packet Length Variance'])).toBeCloseTo(2504 / 3, 9);
    expect(r['Average Packet Size']).toBe('56.0');
    expect(r['Fwd Act Data Pkts']).toBe('2');
  });

  test('cic-bulk-all-backward: §6 rows 62–67 ⚠, §6.2', () => {
    // Four client datagrams 0.1 s apart: helper count reaches 4 at the 4th → one bulk of 4 packets,
    // 100+100+100+101 = 401 bytes, 0.3 s. ⚠ fed to the backward tracker; rate (long)(401 / 0.3) = 1336.
    const r = only(cic('cic-bulk-all-backward.pcap').rows);
    expect([r['Fwd Bytes/Bulk Avg'], r['Fwd Packet/Bulk Avg'], r['Fwd Bulk Rate Avg']]).toEqual(['0', '0', '0']);
    expect([r['Bwd Bytes/Bulk Avg'], r['Bwd Packet/Bulk Avg'], r['Bwd Bulk Rate Avg']]).toEqual(['401', '4', '1336']);
  });

  test('cic-bulk-all-backward, default profile: ✔ forward bulk in doubles', () => {
    const r = only(dflt('cic-bulk-all-backward.pcap').rows);
    // ✔ 401 / 1 bulk, 4 / 1, 401 / (300000 / 10^6) = 1336.6666666666667.
    expect([r['Fwd Bytes/Bulk Avg'], r['Fwd Packet/Bulk Avg'], r['Fwd Bulk Rate Avg']]).toEqual(['401.0', '4.0', '1336.6666666666667']);
    expect([r['Bwd Bytes/Bulk Avg'], r['Bwd Packet/Bulk Avg'], r['Bwd Bulk Rate Avg']]).toEqual(['0.0', '0.0', '0.0']);
  });

  test('cic-subflow-long-division: §6.3, rows 68–71 ⚠, row 74 ⚠', () => {
    // Gaps 2 s and 2 s → s = 2. Fwd: 2 packets / 2 = 1, (10+20) / 2 = 15; Bwd: 1 / 2 = 0 (long), 30 / 2 = 15.
    const r = only(cic('cic-subflow-long-division.pcap').rows);
    expect([r['Subflow Fwd Packets'], r['Subflow Fwd Bytes'], r['Subflow Bwd Packets'], r['Subflow Bwd Bytes']]).toEqual(['1', '15', '0', '15']);
    expect(r['Fwd Act Data Pkts']).toBe('1'); // p₁ skipped
  });

  test('cic-subflow-long-division, default profile: ✔ rows 68–71 as doubles', () => {
    const r = only(dflt('cic-subflow-long-division.pcap').rows);
    // ✔ 2 / 2, 30 / 2, 1 / 2, 30 / 2 with s still = 2.
    expect([r['Subflow Fwd Packets'], r['Subflow Fwd Bytes'], r['Subflow Bwd Packets'], r['Subflow Bwd Bytes']]).toEqual(['1.0', '15.0', '0.5', '15.0']);
  });

  test('cic-active-idle: §6.1, one idle gap > 5 s; the final active period is never recorded', () => {
    // Packets at 0, 1, 7, 7.5 s. At 7 s: gap 6 s > 5 s → active sample 1 s − 0 = 1e6 µs, idle 6e6 µs.
    const r = only(cic('cic-active-idle.pcap').rows);
    expect([r['Active Mean'], r['Active Std'], r['Active Max'], r['Active Min']]).toEqual(['1000000.0', '0.0', '1000000.0', '1000000.0']);
    expect([r['Idle Mean'], r['Idle Std'], r['Idle Max'], r['Idle Min']]).toEqual(['6000000.0', '0.0', '6000000.0', '6000000.0']);
    expect(r['Subflow Fwd Packets']).toBe('4'); // §6.3: 1 s is not > 1 s, 6 s is → s = 1: 4 / 1
  });

  test('cic-skipped-groups: §5, skipped groups print the integer 0', () => {
    const r = only(cic('cic-skipped-groups.pcap').rows);
    expect([r['Bwd Packet Length Max'], r['Bwd Packet Length Min'], r['Bwd Packet Length Mean'], r['Bwd Packet Length Std']]).toEqual(['0', '0', '0', '0']);
    expect([r['Bwd IAT Total'], r['Bwd IAT Mean'], r['Bwd IAT Std'], r['Bwd IAT Max'], r['Bwd IAT Min']]).toEqual(['0', '0', '0', '0', '0']);
    expect([r['Active Mean'], r['Idle Min']]).toEqual(['0', '0']); // no >5 s gap: no active sample
    expect(r['Bwd Packets/s']).toBe('0.0'); // a double-typed getter: 0 / (10 / 10^6)
  });

  test('cic-zero-duration-*: §6 rows 21–22, D = 0 gives Infinity, or NaN with no payload', () => {
    const inf = only(cic('cic-zero-duration-infinity.pcap').rows);
    expect([inf['Flow Bytes/s'], inf['Flow Packets/s']]).toEqual(['Infinity', 'Infinity']); // 10 / 0, 2 / 0
    const nan = only(cic('cic-zero-duration-nan.pcap').rows);
    expect([nan['Flow Bytes/s'], nan['Flow Packets/s']]).toEqual(['NaN', 'Infinity']); // 0 / 0, 2 / 0
    // ✔ rows 21–22: the fork prints −1 when D = 0.
    const fixed = only(dflt('cic-zero-duration-infinity.pcap').rows);
    expect([fixed['Flow Bytes/s'], fixed['Flow Packets/s']]).toEqual(['-1', '-1']);
  });

  test('cic-fin-retransmit: §4 step 2, forward FIN retransmit dropped, first backward FIN closes', () => {
    const { rows, stats } = cic('cic-fin-retransmit.pcap');
    const r = only(rows);
    // Kept: S, A, FA (fwd) and SA, FA (bwd); the 2nd forward FA is dropped; the last ACK is a 1-packet flow, dropped.
    expect([r['Total Fwd Packet'], r['Total Bwd packets'], r['FIN Flag Count'], r['Flow Duration']]).toEqual(['3', '2', '2', '50']);
    expect(stats.dropped).toEqual({ fin_retransmit: 1, single_packet_flow: 1 });
    expect(stats.packets_in_flows).toBe(5);
  });

  test('cic-tcp-appendix: §4, server closes first → a 2-packet appendix flow', () => {
    const { rows } = cic('cic-tcp-appendix.pcap');
    // Flow 1: S, A | SA, FA(server) → closed by the first backward FIN. Flow 2: client FA (its Src), server A.
    expect(rows.map((r) => [r['Src IP'], r['Total Fwd Packet'], r['Total Bwd packets']])).toEqual([
      ['10.0.0.1', '2', '2'],
      ['10.0.0.1', '1', '1'],
    ]);
  });

  test('cic-rst-closes: §4 step 3, RST adds the packet and closes the flow', () => {
    const { rows } = cic('cic-rst-closes.pcap');
    expect(rows.map((r) => [r['Total Fwd Packet'], r['Total Bwd packets'], r['RST Flag Count']])).toEqual([
      ['1', '1', '1'],
      ['1', '1', '1'],
    ]);
  });

  test('cic-timeout-continuation: §4 step 1 ⚠, the continuation keeps Src/Dst and counts p₁ as forward', () => {
    // 120 s from the first packet: the other-flow packet at +121 s ends flow 1 (2 packets). The server packet at
    // +122 s starts the continuation, kept oriented client → server, but ⚠ counted forward; +123 s is forward.
    const { rows, stats } = cic('cic-timeout-continuation.pcap');
    expect(rows).toHaveLength(2);
    expect([rows[0]!['Total Fwd Packet'], rows[0]!['Total Bwd packets']]).toEqual(['1', '1']);
    const second = rows[1]!;
    expect(second['Src IP']).toBe('10.0.0.1');
    expect(second['Flow ID']).toBe('10.0.0.1-10.0.0.3-5353-53-17');
    expect([second['Total Fwd Packet'], second['Total Bwd packets'], second['Total Length of Fwd Packet']]).toEqual(['2', '0', '70.0']); // 30 + 40
    expect(stats.dropped).toEqual({ single_packet_flow: 1 }); // the clock packet's own 1-packet flow
  });

  test('cic-single-packet-dropped: §4, ≤ 1-packet flows are dropped at timeout and at the end', () => {
    const { rows, stats } = cic('cic-single-packet-dropped.pcap');
    expect(rows).toHaveLength(0);
    // The UDP datagram, the clock datagram (a real packet here, unlike the unit test's clock item) and the SYN.
    expect(stats.dropped).toEqual({ single_packet_flow: 3 });
    // ✔ the fork writes 1-packet flows: all three.
    expect(dflt('cic-single-packet-dropped.pcap').rows).toHaveLength(3);
  });

  test('cic-protocol-zero: §2, IPv6 skipped; non-TCP/UDP IPv4 is protocol 0 with ports 0', () => {
    const { rows, stats } = cic('cic-protocol-zero.pcap');
    const r = only(rows);
    // ICMP echo (c2s), GRE (s2c) and a non-first UDP fragment (c2s) form one flow per host pair.
    expect([r['Flow ID'], r['Protocol'], r['Src Port'], r['Dst Port']]).toEqual(['10.0.0.1-10.0.0.5-0-0-0', '0', '0', '0']);
    expect([r['Total Fwd Packet'], r['Total Bwd packets'], r['Total Length of Fwd Packet']]).toEqual(['2', '1', '0.0']); // payload 0
    expect(stats.dropped['ipv6_ignored']).toBe(1);
  });

  test('cic-loopback-all-forward: §3, direction by source IP only', () => {
    const r = only(cic('cic-loopback-all-forward.pcap').rows);
    expect([r['Total Fwd Packet'], r['Total Bwd packets']]).toEqual(['3', '0']);
  });

  test('cic-snaplen-payload: §2, payload is the captured payload', () => {
    const r = only(cic('cic-snaplen-payload.pcap').rows);
    expect(r['Total Length of Fwd Packet']).toBe('42.0'); // 1400-byte segment, 42 bytes captured
  });

  test('cic-continuation-init-win: §6 row 72 ⚠, p₁ of a TCP continuation gives FWD Init Win even when backward', () => {
    const { rows } = cic('cic-continuation-init-win.pcap');
    expect(rows).toHaveLength(2);
    const c = rows[1]!;
    // p₁ = server ACK (window 3000, 32-byte header) forced forward; the client ACK (window 1001, 20 bytes) too.
    // Bwd Init Win: no backward packet → 0; Fwd Seg Size Min = min(32, 20).
    expect([c['Src IP'], c['FWD Init Win Bytes'], c['Bwd Init Win Bytes'], c['Total Bwd packets'], c['Fwd Seg Size Min']]).toEqual([
      '10.0.0.1', '3000', '0', '0', '20',
    ]);
  });

  test('cic-negative-duration: §2, §10.5 no re-ordering — negative duration and IAT', () => {
    // Packets at +100 µs then +0 µs: D = 0 − 100 = −100; one IAT of −100.
    const r = only(cic('cic-negative-duration.pcap').rows);
    expect([r['Flow Duration'], r['Flow IAT Min'], r['Flow IAT Max']]).toEqual(['-100', '-100.0', '-100.0']);
    expect(r['Fwd Packets/s']).toBe('0.0'); // row 43: 0 when D ≤ 0
    expect(r['Flow Bytes/s']).toBe('-20000.0'); // 2 / (−100 / 10^6)
  });
});

describe('fix captures, default profile (✔ engelen-head)', () => {
  test('default-tcp-flags-per-direction: ✔ §5, rows 37–42, 58, 73', () => {
    const r = only(dflt('default-tcp-flags-per-direction.pcap').rows);
    expect(r['Timestamp']).toBe('2023-11-14 22:13:20.200'); // §5: UTC, .SSS when the fraction is whole ms
    expect([r['Fwd PSH Flags'], r['Bwd PSH Flags'], r['Fwd URG Flags'], r['Bwd URG Flags'], r['Fwd RST Flags'], r['Bwd RST Flags']]).toEqual([
      '1', '1', '0', '1', '0', '1',
    ]);
    expect(r['Down/Up Ratio']).toBe('1.0'); // 3 / 3
    expect([r['FWD Init Win Bytes'], r['Bwd Init Win Bytes']]).toEqual(['1000', '2000']); // first non-zero backward: SYN-ACK
    // Payloads [0, 0, 0, 100, 300, 0], p₁ once: mean 400 / 6.
    expect(Number(r['Packet Length Mean'])).toBeCloseTo(400 / 6, 12);
    expect(r['Average Packet Size']).toBe('66.66666666666667');
    // Fwd Seg Size Min = min(40, 20, 20); Bwd Seg Size Min keeps the fork's initial 0 (p₁ is forward).
    expect([r['Fwd Seg Size Min'], r['Bwd Seg Size Min']]).toEqual(['20', '0']);
    expect([r['Fwd Act Data Pkts'], r['Bwd Act Data Pkts']]).toEqual(['1', '1']);
    expect([r['ICMP Code'], r['ICMP Type']]).toEqual(['-1', '-1']);
    expect(r['Total Connection Flow Time']).toBe('500'); // a TCP flow written at the end: its duration
  });

  test('default-tcp-flags-per-direction, --profile cicflowmeter: ⚠ the same packets', () => {
    const r = only(cic('default-tcp-flags-per-direction.pcap').rows); // §4 step 3: the RST (6th) closes it
    // ⚠ rows 37–40 from p₁ (a bare SYN): all 0. Row 58: (3 / 3) = 1.0. ⚠ row 73: last backward window, the RST's 0.
    expect([r['Fwd PSH Flags'], r['Bwd PSH Flags'], r['Fwd URG Flags'], r['Bwd URG Flags']]).toEqual(['0', '0', '0', '0']);
    expect(r['Down/Up Ratio']).toBe('1.0');
    expect(r['Bwd Init Win Bytes']).toBe('0');
    // ⚠ rows 45–49, 59: 7 samples [0, 0, 0, 0, 100, 300, 0] → mean 400 / 7; Average Packet Size 400 / 6.
    expect(Number(r['Packet Length Mean'])).toBeCloseTo(400 / 7, 12);
    expect(r['Average Packet Size']).toBe('66.66666666666667');
  });

  test('default-bulk-subflow-doubles: ✔ rows 58, 62–71, 74', () => {
    // Client: 4 datagrams 0.1 s apart (one forward bulk, 401 bytes, 0.3 s); then 2 server datagrams after gaps
    // of 2 s and 2 s (two >1 s gaps → s = 2).
    const r = only(dflt('default-bulk-subflow-doubles.pcap').rows);
    expect(r['Down/Up Ratio']).toBe('0.5'); // 2 / 4
    expect([r['Fwd Bytes/Bulk Avg'], r['Fwd Packet/Bulk Avg'], r['Fwd Bulk Rate Avg']]).toEqual(['401.0', '4.0', '1336.6666666666667']);
    expect([r['Bwd Bytes/Bulk Avg'], r['Bwd Packet/Bulk Avg'], r['Bwd Bulk Rate Avg']]).toEqual(['0.0', '0.0', '0.0']);
    // 4 / 2, 401 / 2, 2 / 2, 60 / 2.
    expect([r['Subflow Fwd Packets'], r['Subflow Fwd Bytes'], r['Subflow Bwd Packets'], r['Subflow Bwd Bytes']]).toEqual(['2.0', '200.5', '1.0', '30.0']);
    expect(r['Fwd Act Data Pkts']).toBe('4'); // ✔ includes p₁
  });

  test('default-bulk-subflow-doubles, --profile cicflowmeter: ⚠ rows 58, 62–71, 74', () => {
    const r = only(cic('default-bulk-subflow-doubles.pcap').rows);
    expect(r['Down/Up Ratio']).toBe('0.0'); // ⚠ 2 / 4 in integers
    // ⚠ §6.2 all packets in the backward tracker: the bulk of 4 is born at 0.3 s; the server datagrams come after
    // >1 s gaps, so each restarts the helper. (long)(401 / 0.3) = 1336.
    expect([r['Fwd Bytes/Bulk Avg'], r['Fwd Packet/Bulk Avg'], r['Fwd Bulk Rate Avg']]).toEqual(['0', '0', '0']);
    expect([r['Bwd Bytes/Bulk Avg'], r['Bwd Packet/Bulk Avg'], r['Bwd Bulk Rate Avg']]).toEqual(['401', '4', '1336']);
    // ⚠ long division: 4 / 2, 401 / 2 = 200, 2 / 2, 60 / 2.
    expect([r['Subflow Fwd Packets'], r['Subflow Fwd Bytes'], r['Subflow Bwd Packets'], r['Subflow Bwd Bytes']]).toEqual(['2', '200', '1', '30']);
    expect(r['Fwd Act Data Pkts']).toBe('3'); // ⚠ p₁ skipped
  });

  test('default-down-up-two-thirds: ✔ row 58 a real division (⚠ upstream 0.0)', () => {
    expect(only(dflt('default-down-up-two-thirds.pcap').rows)['Down/Up Ratio']).toBe('0.6666666666666666'); // 2 / 3
    expect(only(cic('default-down-up-two-thirds.pcap').rows)['Down/Up Ratio']).toBe('0.0'); // (double)(2 / 3)
  });

  test('default-fin-ready-then-syn: ✔ §4, FIN/FIN/ACK → ready; a late FIN stays; the new SYN writes it', () => {
    const { rows } = dflt('default-fin-ready-then-syn.pcap');
    // Flow 1: packets 1–7 (4 fwd: S, A, FA, A; 3 bwd: SA, FA, FA). Flow 2: the new SYN and its SYN-ACK.
    expect(rows.map((r) => [r['Total Fwd Packet'], r['Total Bwd packets']])).toEqual([['4', '3'], ['1', '1']]);
    expect(rows[0]!['FIN Flag Count']).toBe('3');
    expect(rows[1]!['SYN Flag Count']).toBe('2');
  });

  test('default-rst-ready: ✔ §4, RST → ready; a later RST stays; the SYN starts a new flow', () => {
    const { rows } = dflt('default-rst-ready.pcap');
    expect(rows.map((r) => [r['Total Fwd Packet'], r['Total Bwd packets'], r['RST Flag Count']])).toEqual([
      ['1', '2', '2'],
      ['1', '0', '0'],
    ]);
  });

  test('default-synack-first: ✔ §3, a flow whose first packet is a SYN-ACK is reversed', () => {
    const r = only(dflt('default-synack-first.pcap').rows);
    expect([r['Src IP'], r['Src Port'], r['Dst Port']]).toEqual(['10.0.0.1', '40000', '80']);
    expect([r['Total Fwd Packet'], r['Total Bwd packets']]).toEqual(['1', '1']);
    // FWD Init Win and Fwd Seg Size Min only from a forward p₁: 0; Bwd ones from the SYN-ACK (5000, 32).
    expect([r['FWD Init Win Bytes'], r['Bwd Init Win Bytes'], r['Fwd Seg Size Min'], r['Bwd Seg Size Min']]).toEqual(['0', '5000', '0', '32']);
    // upstream (§3): the SYN-ACK's sender is Src.
    expect(only(cic('default-synack-first.pcap').rows)['Src IP']).toBe('10.0.0.2');
  });

  test('default-single-packet: ✔ 1-packet flows written; rates −1 and Flow IAT 0.0 when D = 0', () => {
    const r = only(dflt('default-single-packet.pcap').rows);
    expect([r['Flow Bytes/s'], r['Flow Packets/s']]).toEqual(['-1', '-1']);
    expect([r['Flow IAT Mean'], r['Flow IAT Std'], r['Flow IAT Max'], r['Flow IAT Min']]).toEqual(['0.0', '0.0', '0.0', '0.0']);
    expect([r['Fwd IAT Total'], r['Bwd Packet Length Max']]).toEqual(['0', '0']);
    expect(r['Total Connection Flow Time']).toBe('0');
    expect(cic('default-single-packet.pcap').rows).toHaveLength(0); // ⚠ §4: dropped upstream
  });

  test('default-retransmissions: ✔ same side, seq, ack, payload length and window (flags ignored)', () => {
    const r = only(dflt('default-retransmissions.pcap').rows);
    // Fwd: p₂ repeats p₁ (1); p₃ differs in window. Bwd: the FA repeats the A's seq/ack/0/900 (1).
    expect([r['Fwd TCP Retrans. Count'], r['Bwd TCP Retrans. Count'], r['Total TCP Retrans. Count']]).toEqual(['1', '1', '2']);
  });

  test('default-icmp-type-code: ✔ type/code of p₁; type and code both differing start a new flow', () => {
    const { rows } = dflt('default-icmp-type-code.pcap');
    expect(rows.map((r) => [r['Flow ID'], r['ICMP Type'], r['ICMP Code'], r['Total Fwd Packet'], r['Total Bwd packets']])).toEqual([
      ['10.0.0.1-10.0.0.5-0-0-1', '8', '0', '1', '1'],
      ['10.0.0.1-10.0.0.5-0-0-1', '3', '1', '1', '0'],
    ]);
    expect(rows[0]!['Total Connection Flow Time']).toBe('0'); // only TCP/UDP accumulate it
    // ⚠ §2 upstream: one protocol-0 flow for the host pair, 2 fwd + 1 bwd.
    const u = only(cic('default-icmp-type-code.pcap').rows);
    expect([u['Protocol'], u['Total Fwd Packet'], u['Total Bwd packets']]).toEqual(['0', '2', '1']);
  });

  test('default-timeout-continuation: ✔ keeps orientation, p₁ backward, connection time accumulates', () => {
    // Flow 1: 0 s and 10 s (duration 1e7), ended at the other-flow packet at +121 s. Continuation from 122 s
    // (a server packet, backward). Connection time: 1e7 + (122 − 10) s + 1e6 = 1.23e8.
    const rows = noClock(dflt('default-timeout-continuation.pcap').rows);
    expect(rows).toHaveLength(2);
    expect(rows[0]!['Total Connection Flow Time']).toBe('10000000');
    const c = rows[1]!;
    expect([c['Src IP'], c['Total Fwd Packet'], c['Total Bwd packets']]).toEqual(['10.0.0.1', '1', '1']);
    expect(c['Total Connection Flow Time']).toBe('123000000');
  });

  test('default-udp-silent-fresh-flow: ✔ UDP silent > flow timeout starts a fresh flow', () => {
    const { rows } = dflt('default-udp-silent-fresh-flow.pcap');
    expect(rows.map((r) => [r['Src IP'], r['Total Connection Flow Time']])).toEqual([
      ['10.0.0.1', '0'],
      ['10.0.0.3', '0'],
    ]);
  });

  test('default-tcp-continuation-retrans: ✔ a TCP continuation inherits the retransmission memory', () => {
    const { rows } = dflt('default-tcp-continuation-retrans.pcap');
    expect(rows.map((r) => r['Fwd TCP Retrans. Count'])).toEqual(['0', '1']);
  });

  test('default-extension-protocols: IPv6, SCTP, GRE, ICMPv6 keep their numbers; ports 0 without ports', () => {
    const { rows } = dflt('default-extension-protocols.pcap');
    expect(rows.map((r) => r['Flow ID'])).toEqual([
      '2001:db8::1-2001:db8::2-546-547-17',
      '10.0.0.1-10.0.0.9-2905-2905-132',
      '10.0.0.1-10.0.0.9-0-0-47',
      'fe80::1-ff02::1-0-0-58',
    ]);
    expect(rows[3]!['ICMP Type']).toBe('134');
    expect(rows[0]!['Total Length of Fwd Packet']).toBe('46.0');
    // ⚠ §2 upstream: IPv6 ignored; SCTP and GRE between the same hosts are one protocol-0 flow of 2 packets.
    const u = only(cic('default-extension-protocols.pcap').rows);
    expect([u['Flow ID'], u['Total Fwd Packet']]).toEqual(['10.0.0.1-10.0.0.9-0-0-0', '2']);
  });
});

describe('the references\' less visible rules (samples/quirks, README "The references\' less visible rules")', () => {
  test('cic-vlan-trailer: rule 1, trailer bytes are payload behind a VLAN tag only', () => {
    const r = only(cic('cic-vlan-trailer.pcap').rows);
    // Forward: 4 + 6 trailer bytes (tagged), 4 (tagged, no trailer: a 62-byte frame), 4 (untagged: IP length).
    // Backward: a pure ACK with 6 trailer bytes behind the tag.
    expect([r['Total Length of Fwd Packet'], r['Total Length of Bwd Packet']]).toEqual(['18.0', '6.0']);
    expect([r['Fwd Packet Length Max'], r['Fwd Packet Length Min'], r['Bwd Packet Length Max']]).toEqual(['10.0', '4.0', '6.0']);
    // The default profile counts no trailer bytes.
    const d = only(noClock(dflt('cic-vlan-trailer.pcap').rows));
    expect([d['Total Length of Fwd Packet'], d['Total Length of Bwd Packet']]).toEqual(['12.0', '0.0']);
  });

  test('cic-icmp-error-quotes-udp: rule 2, ICMP 3/3 quoting UDP is a UDP packet; ICMP 11/0 is not', () => {
    const rows = cic('cic-icmp-error-quotes-udp.pcap').rows;
    expect(rows.map((r) => r['Flow ID']).sort()).toEqual(['10.0.0.1-10.0.0.3-5353-53-17', '10.0.0.3-10.0.0.1-5353-53-17', '10.0.0.4-10.0.0.1-0-0-0']);
    const err = rows.find((r) => r['Flow ID'] === '10.0.0.3-10.0.0.1-5353-53-17')!;
    // Two packets from the ICMP sender: header 8 each; payload 0 (only the UDP header quoted) and 10 (the whole
    // datagram quoted, its 10 payload bytes after the quoted header).
    expect([err['Total Fwd Packet'], err['Fwd Header Length'], err['Total Length of Fwd Packet'], err['Fwd Packet Length Max']]).toEqual(['2', '16', '10.0', '10.0']);
    // The default profile keeps ICMP as ICMP: one flow per host pair with type 3 / code 3.
    const d = dflt('cic-icmp-error-quotes-udp.pcap').rows.filter((r) => r['Protocol'] === '1');
    expect(d.map((r) => [r['Src IP'], r['ICMP Type'], r['ICMP Code']]).sort()).toEqual([['10.0.0.3', '3', '3'], ['10.0.0.4', '11', '0']]);
  });

  test('default-flow-id-tuple-seen-before: rule 3, the first flow\'s Flow ID, the new flow\'s Src/Dst', () => {
    const rows = noClock(dflt('default-flow-id-tuple-seen-before.pcap').rows);
    expect(rows.map((r) => [r['Flow ID'], r['Src IP'], r['Src Port']])).toEqual([
      ['10.0.0.1-10.0.0.3-5353-53-17', '10.0.0.1', '5353'],
      ['10.0.0.1-10.0.0.3-5353-53-17', '10.0.0.3', '53'],
    ]);
  });

  test('default-sctp-lengths: rule 4, header 12 per packet, payload the bytes after it', () => {
    const r = only(dflt('default-sctp-lengths.pcap').rows);
    expect([r['Fwd Header Length'], r['Bwd Header Length'], r['Total Length of Fwd Packet'], r['Total Length of Bwd Packet']]).toEqual(['24', '12', '20.0', '4.0']);
    expect([r['Fwd Act Data Pkts'], r['Bwd Act Data Pkts'], r['Fwd Seg Size Min']]).toEqual(['1', '1', '12']);
  });

  test('default-retransmission-far-back: rule 5, a repeat 40 distinct segments back counts', () => {
    const r = only(dflt('default-retransmission-far-back.pcap').rows);
    expect([r['Fwd TCP Retrans. Count'], r['Bwd TCP Retrans. Count'], r['Total TCP Retrans. Count']]).toEqual(['1', '0', '1']);
  });
});

/**
 * quirks2 (../shared/testdata/synthetic/quirks2.pcap, expected/quirks2/README.md) through the command line, so the
 * whole pipeline is covered: the cicflowmeter profile's decoder rules (trailers behind VLAN tags, ICMP errors
 * quoting UDP/TCP) applied in the packet stage, the default profile's Flow ID memory, SCTP lengths and
 * retransmission memory in the flow engine, with one and two workers. Every reference row is matched (cicflowmeter
 * byte for byte, default value for value; quirks2 has only protocols the fork prints) and no row is left over.
 */
const QUIRKS2 = path.join(TESTDATA_DIR, 'synthetic', 'quirks2.pcap');
(HAVE_SHARED && existsSync(QUIRKS2) ? describe : describe.skip)('quirks2 through the command line', () => {
  test.each([
    ['cicflowmeter', '1'],
    ['cicflowmeter', '2'],
    ['default', '1'],
    ['default', '2'],
  ])('--profile %s --jobs %s', (profile, jobs) => {
    const r = spawnSync(process.execPath, [CLI, QUIRKS2, '--profile', profile, '--jobs', jobs, '-q'], { maxBuffer: 16 * 1024 * 1024, timeout: 60_000 });
    expect(r.status).toBe(0);
    const ours = r.stdout.toString('utf8').trimEnd().split('\n').slice(1).map((l) => l.slice(0, l.lastIndexOf(',')));
    const expected = readFileSync(path.join(TESTDATA_DIR, 'expected', 'quirks2', profile, 'synthetic__quirks2.pcap.csv'), 'utf8')
      .trimEnd().split('\n').slice(1);
    expect(expected.length).toBe(profile === 'cicflowmeter' ? 78 : 85);
    expect([...ours].sort()).toEqual([...expected].sort());
  });
});
