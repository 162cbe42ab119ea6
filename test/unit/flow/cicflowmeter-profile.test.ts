// Hand-checked cases for `--profile cicflowmeter` (upstream CICFlowMeter-4.0): each ⚠ quirk of
// cicflowmeter-features.md gets a small packet sequence and the value the reference prints, with the arithmetic.
import { describe, expect, test } from '@jest/globals';
import { runFlows, type Conversation, type PacketSpec } from '../../helpers/packet-meta-builder.js';

const TCP: Conversation = { client: '10.0.0.1', server: '10.0.0.2', clientPort: 40000, serverPort: 80, protocol: 6 };
const UDP: Conversation = { client: '10.0.0.1', server: '10.0.0.3', clientPort: 5353, serverPort: 53, protocol: 17 };
const T0 = 1_700_000_000_000_000; // 2023-11-14 22:13:20 UTC, in µs
const seq = (conv: Conversation, ps: PacketSpec[]): Array<[Conversation, PacketSpec]> => ps.map((p) => [conv, p]);

describe('cicflowmeter profile: hand-checked quirks', () => {
  test('§6 rows 37–40, 58, 72–73, IATs, rates: a 5-packet TCP flow', () => {
    const { rows } = runFlows(
      'cicflowmeter',
      seq(TCP, [
        { dir: 'c2s', tsUs: T0, flags: 'SPU', window: 1000, header: 40 },
        { dir: 's2c', tsUs: T0 + 100, flags: 'SA', window: 2000, header: 40 },
        { dir: 'c2s', tsUs: T0 + 200, flags: 'A', window: 1001 },
        { dir: 'c2s', tsUs: T0 + 300, flags: 'PA', window: 1001, payload: 100 },
        { dir: 's2c', tsUs: T0 + 400, flags: 'PA', window: 2001, payload: 300 },
      ]),
    );
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect(r['Flow ID']).toBe('10.0.0.1-10.0.0.2-40000-80-6');
    expect(r['Timestamp']).toBe('14/11/2023 10:13:20 PM'); // §5: dd/MM/yyyy hh:mm:ss a, UTC
    expect(r['Flow Duration']).toBe('400');
    expect([r['Total Fwd Packet'], r['Total Bwd packets']]).toEqual(['3', '2']);
    expect([r['Total Length of Fwd Packet'], r['Total Length of Bwd Packet']]).toEqual(['100.0', '300.0']);
    // Flow Bytes/s = 400 / (400 / 10^6) = 1e6; Packets/s = 5 / 0.0004 = 12500; Fwd 3/0.0004, Bwd 2/0.0004.
    expect([r['Flow Bytes/s'], r['Flow Packets/s'], r['Fwd Packets/s'], r['Bwd Packets/s']]).toEqual([
      '1000000.0', '12500.0', '7500.0', '5000.0',
    ]);
    // Flow IAT: gaps 100,100,100,100. Fwd IAT: times 0,200,300 → gaps 200,100: total 300, mean 150,
    // std sqrt((50² + 50²) / 1) = 70.71067811865476. Bwd IAT: one gap of 300 (std of one value = 0.0).
    expect([r['Flow IAT Mean'], r['Flow IAT Std'], r['Flow IAT Max'], r['Flow IAT Min']]).toEqual(['100.0', '0.0', '100.0', '100.0']);
    expect([r['Fwd IAT Total'], r['Fwd IAT Mean'], r['Fwd IAT Std'], r['Fwd IAT Max'], r['Fwd IAT Min']]).toEqual([
      '300.0', '150.0', '70.71067811865476', '200.0', '100.0',
    ]);
    expect([r['Bwd IAT Total'], r['Bwd IAT Std']]).toEqual(['300.0', '0.0']);
    // ⚠ PSH/URG: only p₁ is looked at (SYN+PSH+URG here) → Fwd 1/1, Bwd 0/0, although packets 3 and 4 carry PSH.
    expect([r['Fwd PSH Flags'], r['Bwd PSH Flags'], r['Fwd URG Flags'], r['Bwd URG Flags']]).toEqual(['1', '0', '1', '0']);
    expect(r['PSH Flag Count']).toBe('3'); // the total count does see every packet
    expect([r['FIN Flag Count'], r['SYN Flag Count'], r['ACK Flag Count'], r['URG Flag Count']]).toEqual(['0', '2', '4', '1']);
    // ⚠ Down/Up = (double)(2 / 3) with integer division = 0.0.
    expect(r['Down/Up Ratio']).toBe('0.0');
    // Header bytes are L4 only: fwd 40 + 20 + 20, bwd 40 + 20; Fwd Seg Size Min = min(40, 20, 20).
    expect([r['Fwd Header Length'], r['Bwd Header Length'], r['Fwd Seg Size Min']]).toEqual(['80', '60', '20']);
    // FWD Init Win = p₁'s window; ⚠ Bwd Init Win = the LAST backward window (2001, not the SYN-ACK's 2000).
    expect([r['FWD Init Win Bytes'], r['Bwd Init Win Bytes']]).toEqual(['1000', '2001']);
    expect(r['Label']).toBe('NeedManualLabel');
    expect(r['community_id']).toMatch(/^1:/);
  });

  test('§6 rows 45–49, 59, 74 ⚠: p₁ counted twice in packet-length stats, skipped by Fwd Act Data Pkts', () => {
    const { rows } = runFlows(
      'cicflowmeter',
      seq(UDP, [
        { dir: 'c2s', tsUs: T0, payload: 30 },
        { dir: 's2c', tsUs: T0 + 1000, payload: 80 },
        { dir: 'c2s', tsUs: T0 + 2000, payload: 32 },
        { dir: 's2c', tsUs: T0 + 3000, payload: 82 },
      ]),
    );
    const r = rows[0]!;
    // Samples [30, 30, 80, 32, 82]: min 30, max 82, mean 254 / 5 = 50.8, sample variance
    // (20.8² + 20.8² + 29.2² + 18.8² + 31.2²) / 4 = 3044.8 / 4 = 761.2.
    expect([r['Packet Length Min'], r['Packet Length Max']]).toEqual(['30.0', '82.0']);
    expect(Number(r['Packet Length Mean'])).toBeCloseTo(50.8, 12);
    expect(Number(r['Packet Length Variance'])).toBeCloseTo(761.2, 9);
    // Average Packet Size = (sum of those samples) / packets = 254 / 4 = 63.5 (≠ mean).
    expect(r['Average Packet Size']).toBe('63.5');
    // Fwd Act Data Pkts: forward packets with payload ≥ 1, except p₁ → only the 32-byte one.
    expect(r['Fwd Act Data Pkts']).toBe('1');
    expect([r['Fwd Segment Size Avg'], r['Bwd Segment Size Avg']]).toEqual(['31.0', '81.0']);
    expect([r['FWD Init Win Bytes'], r['Bwd Init Win Bytes'], r['Fwd Seg Size Min']]).toEqual(['0', '0', '8']);
  });

  test('§6 rows 62–67 ⚠: bulk — every packet feeds the backward tracker, long divisions', () => {
    // Four client datagrams 0.1 s apart: helper count reaches 4 at the 4th → one bulk of 4 packets,
    // 100+100+100+101 = 401 bytes, duration 0.3 s. Rate = (long)(401 / 0.3) = (long)1336.67 = 1336.
    const { rows } = runFlows(
      'cicflowmeter',
      seq(UDP, [0, 1, 2, 3].map((i) => ({ dir: 'c2s' as const, tsUs: T0 + i * 100_000, payload: i === 3 ? 101 : 100 }))),
    );
    const r = rows[0]!;
    expect([r['Fwd Bytes/Bulk Avg'], r['Fwd Packet/Bulk Avg'], r['Fwd Bulk Rate Avg']]).toEqual(['0', '0', '0']);
    expect([r['Bwd Bytes/Bulk Avg'], r['Bwd Packet/Bulk Avg'], r['Bwd Bulk Rate Avg']]).toEqual(['401', '4', '1336']);
  });

  test('§6.3 rows 68–71 ⚠: subflows = totals / number of >1 s gaps, long division', () => {
    // Gaps 2 s and 2 s → s = 2. Fwd: 2 packets / 2 = 1, (10+20) / 2 = 15; Bwd: 1 / 2 = 0, 30 / 2 = 15.
    const { rows } = runFlows(
      'cicflowmeter',
      seq(UDP, [
        { dir: 'c2s', tsUs: T0, payload: 10 },
        { dir: 'c2s', tsUs: T0 + 2_000_000, payload: 20 },
        { dir: 's2c', tsUs: T0 + 4_000_000, payload: 30 },
      ]),
    );
    const r = rows[0]!;
    expect([r['Subflow Fwd Packets'], r['Subflow Fwd Bytes'], r['Subflow Bwd Packets'], r['Subflow Bwd Bytes']]).toEqual([
      '1', '15', '0', '15',
    ]);
    expect(r['Fwd Act Data Pkts']).toBe('1'); // p₁ skipped (⚠ row 74)
  });

  test('§6.1: active/idle — one idle gap > 5 s, the final active period is never recorded', () => {
    // Packets at 0, 1, 7, 7.5 s. At 7 s: gap 6 s > 5 s → active sample 1 s − 0 = 1e6, idle sample 6e6.
    // The last active period (7 → 7.5 s) is not recorded.
    const { rows } = runFlows(
      'cicflowmeter',
      seq(UDP, [0, 1_000_000, 7_000_000, 7_500_000].map((t) => ({ dir: 'c2s' as const, tsUs: T0 + t, payload: 1 }))),
    );
    const r = rows[0]!;
    expect([r['Active Mean'], r['Active Std'], r['Active Max'], r['Active Min']]).toEqual(['1000000.0', '0.0', '1000000.0', '1000000.0']);
    expect([r['Idle Mean'], r['Idle Std'], r['Idle Max'], r['Idle Min']]).toEqual(['6000000.0', '0.0', '6000000.0', '6000000.0']);
    // Subflow gaps: 1 s is not > 1 s, 6 s is → s = 1: 4 packets / 1.
    expect(r['Subflow Fwd Packets']).toBe('4');
  });

  test('§5: skipped groups print the integer 0; no active sample → 0,0,0,0', () => {
    const { rows } = runFlows('cicflowmeter', seq(UDP, [
      { dir: 'c2s', tsUs: T0, payload: 5 },
      { dir: 'c2s', tsUs: T0 + 10, payload: 5 },
    ]));
    const r = rows[0]!;
    expect([r['Bwd Packet Length Max'], r['Bwd Packet Length Min'], r['Bwd Packet Length Mean'], r['Bwd Packet Length Std']]).toEqual(['0', '0', '0', '0']);
    expect([r['Bwd IAT Total'], r['Bwd IAT Mean'], r['Bwd IAT Std'], r['Bwd IAT Max'], r['Bwd IAT Min']]).toEqual(['0', '0', '0', '0', '0']);
    expect([r['Active Mean'], r['Idle Min']]).toEqual(['0', '0']);
    expect(r['Bwd Packets/s']).toBe('0.0'); // a double-typed getter returning 0
  });

  test('§6 rows 21–22: duration 0 gives Infinity, or NaN with no payload', () => {
    const inf = runFlows('cicflowmeter', seq(UDP, [{ dir: 'c2s', tsUs: T0, payload: 5 }, { dir: 's2c', tsUs: T0, payload: 5 }])).rows[0]!;
    expect([inf['Flow Bytes/s'], inf['Flow Packets/s']]).toEqual(['Infinity', 'Infinity']); // 10 / 0, 2 / 0
    const nan = runFlows('cicflowmeter', seq(UDP, [{ dir: 'c2s', tsUs: T0 }, { dir: 's2c', tsUs: T0 }])).rows[0]!;
    expect([nan['Flow Bytes/s'], nan['Flow Packets/s']]).toEqual(['NaN', 'Infinity']); // 0 / 0, 2 / 0
  });

  test('§4 step 2: first forward FIN kept, forward FIN retransmit dropped, first backward FIN closes', () => {
    const { rows, raw, engine } = runFlows(
      'cicflowmeter',
      seq(TCP, [
        { dir: 'c2s', tsUs: T0, flags: 'S' },
        { dir: 's2c', tsUs: T0 + 10, flags: 'SA' },
        { dir: 'c2s', tsUs: T0 + 20, flags: 'A' },
        { dir: 'c2s', tsUs: T0 + 30, flags: 'FA' },
        { dir: 'c2s', tsUs: T0 + 40, flags: 'FA' }, // retransmitted FIN: silently dropped
        { dir: 's2c', tsUs: T0 + 50, flags: 'FA' }, // first backward FIN: added, flow written here
        { dir: 'c2s', tsUs: T0 + 60, flags: 'A' }, // last ACK: a new 1-packet flow, dropped at the end
      ]),
    );
    expect(rows).toHaveLength(1);
    expect(raw[0]!.endIndex).toBe(5);
    expect(rows[0]!['Total Fwd Packet']).toBe('3');
    expect(rows[0]!['Total Bwd packets']).toBe('2');
    expect(rows[0]!['FIN Flag Count']).toBe('2');
    expect(rows[0]!['Flow Duration']).toBe('50');
    const c = engine.counters;
    expect(c['dropped_fin_retransmit']).toBe(1);
    expect(c['dropped_single_packet_flow']).toBe(1);
    expect(c['packetsInFlows']).toBe(5);
  });

  test('§4: server closes first → the client FIN/ACK and last ACK form a 2-packet "appendix" flow', () => {
    const { rows } = runFlows(
      'cicflowmeter',
      seq(TCP, [
        { dir: 'c2s', tsUs: T0, flags: 'S' },
        { dir: 's2c', tsUs: T0 + 10, flags: 'SA' },
        { dir: 'c2s', tsUs: T0 + 20, flags: 'A' },
        { dir: 's2c', tsUs: T0 + 30, flags: 'FA' },
        { dir: 'c2s', tsUs: T0 + 40, flags: 'FA' },
        { dir: 's2c', tsUs: T0 + 50, flags: 'A' },
      ]),
    );
    expect(rows.map((r) => [r['Src IP'], r['Total Fwd Packet'], r['Total Bwd packets']])).toEqual([
      ['10.0.0.1', '2', '2'],
      ['10.0.0.1', '1', '1'],
    ]);
  });

  test('§4 step 3: RST adds the packet and closes the flow', () => {
    const { rows, raw } = runFlows('cicflowmeter', seq(TCP, [
      { dir: 'c2s', tsUs: T0, flags: 'S' },
      { dir: 's2c', tsUs: T0 + 10, flags: 'RA' },
      { dir: 'c2s', tsUs: T0 + 20, flags: 'S' },
      { dir: 's2c', tsUs: T0 + 30, flags: 'RA' },
    ]));
    expect(raw.map((r) => r.endIndex)).toEqual([1, 3]);
    expect(rows.map((r) => r['RST Flag Count'])).toEqual(['1', '1']);
  });

  test('§4 step 1 ⚠: a timeout continuation keeps Src/Dst and counts its first packet as forward', () => {
    // 120 s active timeout from the first packet. The clock item at +121 s (a packet of another flow) writes
    // the first flow there; the next packet (server → client) starts a continuation that keeps the client as
    // Src but counts that packet as forward; the following client packet is forward too (by IP).
    const { rows, raw } = runFlows('cicflowmeter', [
      [UDP, { dir: 'c2s', tsUs: T0, payload: 10 }],
      [UDP, { dir: 's2c', tsUs: T0 + 1_000_000, payload: 20 }],
      { clock: T0 + 121_000_000 },
      [UDP, { dir: 's2c', tsUs: T0 + 122_000_000, payload: 30 }],
      [UDP, { dir: 'c2s', tsUs: T0 + 123_000_000, payload: 40 }],
    ]);
    expect(raw.map((r) => r.endIndex)).toEqual([2, Number.MAX_SAFE_INTEGER]);
    const second = rows[1]!;
    expect(second['Src IP']).toBe('10.0.0.1');
    expect(second['Flow ID']).toBe('10.0.0.1-10.0.0.3-5353-53-17');
    expect([second['Total Fwd Packet'], second['Total Bwd packets'], second['Total Length of Fwd Packet']]).toEqual(['2', '0', '70.0']);
  });

  test('§4: ≤ 1-packet flows are dropped at timeout and at the end', () => {
    const { rows, engine } = runFlows('cicflowmeter', [
      [UDP, { dir: 'c2s', tsUs: T0, payload: 10 }],
      { clock: T0 + 200_000_000 },
      [TCP, { dir: 'c2s', tsUs: T0 + 200_000_001, flags: 'S' }],
    ]);
    expect(rows).toHaveLength(0);
    expect(engine.counters['dropped_single_packet_flow']).toBe(2);
  });

  test('§2: IPv6 skipped (counted); non-TCP/UDP IPv4 is protocol 0 with ports 0, one flow per host pair', () => {
    const pair = { client: '10.0.0.1', server: '10.0.0.5' };
    const { rows, engine } = runFlows('cicflowmeter', [
      [{ ...pair, protocol: 1 }, { dir: 'c2s', tsUs: T0, icmpType: 8 }],
      [{ ...pair, protocol: 47 }, { dir: 's2c', tsUs: T0 + 100 }],
      [{ ...pair, protocol: 17, serverPort: 53 }, { dir: 'c2s', tsUs: T0 + 200, laterFragment: true, payload: 100 }],
      [{ client: '2001:db8::1', server: '2001:db8::2', protocol: 17 }, { dir: 'c2s', tsUs: T0 + 300 }],
    ]);
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect([r['Flow ID'], r['Protocol'], r['Src Port'], r['Dst Port']]).toEqual(['10.0.0.1-10.0.0.5-0-0-0', '0', '0', '0']);
    expect([r['Total Fwd Packet'], r['Total Bwd packets'], r['Total Length of Fwd Packet']]).toEqual(['2', '1', '0.0']);
    expect(engine.counters['dropped_ipv6_ignored']).toBe(1);
  });

  test('§3: direction is by source IP only — a loopback flow has every packet forward', () => {
    const lo: Conversation = { client: '127.0.0.1', server: '127.0.0.1', clientPort: 43030, serverPort: 8000, protocol: 6 };
    const { rows } = runFlows('cicflowmeter', seq(lo, [
      { dir: 'c2s', tsUs: T0, flags: 'S' },
      { dir: 's2c', tsUs: T0 + 1, flags: 'SA' },
      { dir: 'c2s', tsUs: T0 + 2, flags: 'A' },
    ]));
    expect([rows[0]!['Total Fwd Packet'], rows[0]!['Total Bwd packets']]).toEqual(['3', '0']);
  });

  test('§2: payload is the captured payload (snaplen), header the L4 header', () => {
    const { rows } = runFlows('cicflowmeter', seq(TCP, [
      { dir: 'c2s', tsUs: T0, flags: 'PA', payload: 1400, capturedPayload: 42 },
      { dir: 's2c', tsUs: T0 + 5, flags: 'A' },
    ]));
    expect(rows[0]!['Total Length of Fwd Packet']).toBe('42.0');
  });

  test('§6 row 72 ⚠: in a TCP continuation, FWD Init Win Bytes comes from its first packet even when it is backward', () => {
    const { rows } = runFlows('cicflowmeter', [
      [TCP, { dir: 'c2s', tsUs: T0, flags: 'S', window: 1000 }],
      [TCP, { dir: 's2c', tsUs: T0 + 10, flags: 'SA', window: 2000 }],
      { clock: T0 + 121_000_000 },
      [TCP, { dir: 's2c', tsUs: T0 + 122_000_000, flags: 'A', window: 3000, header: 32 }],
      [TCP, { dir: 'c2s', tsUs: T0 + 123_000_000, flags: 'A', window: 1001 }],
    ]);
    const c = rows[1]!;
    expect([c['Src IP'], c['FWD Init Win Bytes'], c['Bwd Init Win Bytes'], c['Total Bwd packets'], c['Fwd Seg Size Min']]).toEqual([
      '10.0.0.1', '3000', '0', '0', '20',
    ]);
  });

  test('§2: no re-ordering — timestamps going backwards give negative durations and IATs', () => {
    // Packets at +100 µs then +0 µs: D = 0 − 100 = −100; one IAT of −100.
    const { rows } = runFlows('cicflowmeter', seq(UDP, [
      { dir: 'c2s', tsUs: T0 + 100, payload: 1 },
      { dir: 's2c', tsUs: T0, payload: 1 },
    ]));
    const r = rows[0]!;
    expect([r['Flow Duration'], r['Flow IAT Min'], r['Flow IAT Max']]).toEqual(['-100', '-100.0', '-100.0']);
    expect(r['Fwd Packets/s']).toBe('0.0'); // D ≤ 0
    expect(r['Flow Bytes/s']).toBe('-20000.0'); // 2 / (−100 / 10^6)
  });
});
