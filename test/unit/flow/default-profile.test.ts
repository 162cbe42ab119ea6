// Hand-checked cases for `--profile default` (the maintained fork, engelen-head, ✔ in cicflowmeter-features.md)
// and pcapflow's extensions (IPv6, real protocol numbers). Each case pins a value with the arithmetic.
import { describe, expect, test } from '@jest/globals';
import { runFlows, type Conversation, type PacketSpec } from '../../helpers/packet-meta-builder.js';

const TCP: Conversation = { client: '10.0.0.1', server: '10.0.0.2', clientPort: 40000, serverPort: 80, protocol: 6 };
const UDP: Conversation = { client: '10.0.0.1', server: '10.0.0.3', clientPort: 5353, serverPort: 53, protocol: 17 };
const T0 = 1_700_000_000_200_000; // 2023-11-14 22:13:20.200 UTC
const seq = (conv: Conversation, ps: PacketSpec[]): Array<[Conversation, PacketSpec]> => ps.map((p) => [conv, p]);

describe('default profile: hand-checked fixes', () => {
  test('✔ rows 37–42, 58, 73: per-direction PSH/URG/RST, real Down/Up, first non-zero backward window', () => {
    const { rows } = runFlows('default', seq(TCP, [
      { dir: 'c2s', tsUs: T0, flags: 'S', window: 1000, header: 40 },
      { dir: 's2c', tsUs: T0 + 100, flags: 'SA', window: 2000, header: 40 },
      { dir: 'c2s', tsUs: T0 + 200, flags: 'A', window: 1001 },
      { dir: 'c2s', tsUs: T0 + 300, flags: 'PA', window: 1001, payload: 100 },
      { dir: 's2c', tsUs: T0 + 400, flags: 'PAU', window: 2001, payload: 300 },
      { dir: 's2c', tsUs: T0 + 500, flags: 'RA', window: 0 },
    ]));
    const r = rows[0]!;
    expect(r['Timestamp']).toBe('2023-11-14 22:13:20.200'); // §5: UTC, .SSS when the fraction is whole ms
    expect([r['Fwd PSH Flags'], r['Bwd PSH Flags'], r['Fwd URG Flags'], r['Bwd URG Flags'], r['Fwd RST Flags'], r['Bwd RST Flags']]).toEqual([
      '1', '1', '0', '1', '0', '1',
    ]);
    // Down/Up = 3 / 3 = 1.0; a real division in general (see the 2-vs-3 case below).
    expect(r['Down/Up Ratio']).toBe('1.0');
    // Bwd Init Win: the first backward window that is not 0 = the SYN-ACK's 2000.
    expect([r['FWD Init Win Bytes'], r['Bwd Init Win Bytes']]).toEqual(['1000', '2000']);
    // Packet Length stats over the 6 payloads [0,0,0,100,300,0] (p₁ once): mean 400 / 6.
    expect(Number(r['Packet Length Mean'])).toBeCloseTo(400 / 6, 12);
    expect(r['Average Packet Size']).toBe('66.66666666666667'); // 400 / 6
    // Fwd Seg Size Min = min(40, 20, 20); ✔ Bwd Seg Size Min keeps the fork's initial 0 (p₁ is forward).
    expect([r['Fwd Seg Size Min'], r['Bwd Seg Size Min']]).toEqual(['20', '0']);
    expect([r['Fwd Act Data Pkts'], r['Bwd Act Data Pkts']]).toEqual(['1', '1']);
    expect([r['ICMP Code'], r['ICMP Type']]).toEqual(['-1', '-1']);
    // Total Connection Flow Time of a TCP flow written at the end = its duration, 500 µs.
    expect(r['Total Connection Flow Time']).toBe('500');
  });

  test('✔ row 58: Down/Up 2 / 3 = 0.6666666666666666; rows 62–71: bulk per direction and subflows as doubles', () => {
    // Client: 4 datagrams 0.1 s apart (one forward bulk: 4 packets, 401 bytes, 0.3 s → 401 / 0.3 B/s),
    // then 2 server datagrams after gaps of 2 s and 2 s (two >1 s gaps → s = 2).
    const ps: PacketSpec[] = [0, 1, 2, 3].map((i) => ({ dir: 'c2s' as const, tsUs: T0 + i * 100_000, payload: i === 3 ? 101 : 100 }));
    ps.push({ dir: 's2c', tsUs: T0 + 2_300_000, payload: 30 }, { dir: 's2c', tsUs: T0 + 4_300_000, payload: 30 });
    const r = runFlows('default', seq(UDP, ps)).rows[0]!;
    expect(r['Down/Up Ratio']).toBe('0.5'); // 2 / 4
    expect([r['Fwd Bytes/Bulk Avg'], r['Fwd Packet/Bulk Avg'], r['Fwd Bulk Rate Avg']]).toEqual(['401.0', '4.0', '1336.6666666666667']);
    expect([r['Bwd Bytes/Bulk Avg'], r['Bwd Packet/Bulk Avg'], r['Bwd Bulk Rate Avg']]).toEqual(['0.0', '0.0', '0.0']);
    // Subflows: 4 / 2, 401 / 2, 2 / 2, 60 / 2.
    expect([r['Subflow Fwd Packets'], r['Subflow Fwd Bytes'], r['Subflow Bwd Packets'], r['Subflow Bwd Bytes']]).toEqual([
      '2.0', '200.5', '1.0', '30.0',
    ]);
    // ✔ Fwd Act Data Pkts includes p₁: 4.
    expect(r['Fwd Act Data Pkts']).toBe('4');
    const r3 = runFlows('default', seq(UDP, [
      { dir: 'c2s', tsUs: T0, payload: 1 }, { dir: 'c2s', tsUs: T0 + 1, payload: 1 }, { dir: 'c2s', tsUs: T0 + 2, payload: 1 },
      { dir: 's2c', tsUs: T0 + 3, payload: 1 }, { dir: 's2c', tsUs: T0 + 4, payload: 1 },
    ])).rows[0]!;
    expect(r3['Down/Up Ratio']).toBe('0.6666666666666666');
  });

  test('✔ §4: FINs both ways then the final ACK make the flow ready; late packets stay; a new SYN writes it', () => {
    const { rows, raw } = runFlows('default', seq(TCP, [
      { dir: 'c2s', tsUs: T0, flags: 'S' },
      { dir: 's2c', tsUs: T0 + 10, flags: 'SA' },
      { dir: 'c2s', tsUs: T0 + 20, flags: 'A' },
      { dir: 'c2s', tsUs: T0 + 30, flags: 'FA' }, // FIRST_FIN
      { dir: 's2c', tsUs: T0 + 40, flags: 'FA' }, // SECOND_FIN (FINs from both sides)
      { dir: 'c2s', tsUs: T0 + 50, flags: 'A' }, // final ACK → READY
      { dir: 's2c', tsUs: T0 + 60, flags: 'FA' }, // retransmitted FIN: still this connection
      { dir: 'c2s', tsUs: T0 + 1000, flags: 'S' }, // new connection on the same ports: the old flow is written here
      { dir: 's2c', tsUs: T0 + 1010, flags: 'SA' },
    ]));
    expect(raw.map((r) => [r.endIndex, r.packets])).toEqual([[7, 7], [Number.MAX_SAFE_INTEGER, 2]]);
    expect(rows[0]!['FIN Flag Count']).toBe('3');
    expect(rows[1]!['SYN Flag Count']).toBe('2');
  });

  test('✔ §4: RST makes the flow ready; later non-SYN packets stay in it', () => {
    const { raw } = runFlows('default', seq(TCP, [
      { dir: 'c2s', tsUs: T0, flags: 'S' },
      { dir: 's2c', tsUs: T0 + 10, flags: 'RA' },
      { dir: 's2c', tsUs: T0 + 20, flags: 'RA' },
      { dir: 'c2s', tsUs: T0 + 30, flags: 'S' },
    ]));
    expect(raw.map((r) => [r.endIndex, r.packets])).toEqual([[3, 3], [Number.MAX_SAFE_INTEGER, 1]]);
  });

  test('✔ §3: a flow whose first packet is a SYN-ACK is reversed (the SYN-ACK is backward)', () => {
    const { rows } = runFlows('default', seq(TCP, [
      { dir: 's2c', tsUs: T0, flags: 'SA', window: 5000, header: 32 },
      { dir: 'c2s', tsUs: T0 + 10, flags: 'A', window: 700 },
    ]));
    const r = rows[0]!;
    expect([r['Src IP'], r['Src Port'], r['Dst Port']]).toEqual(['10.0.0.1', '40000', '80']);
    expect([r['Total Fwd Packet'], r['Total Bwd packets']]).toEqual(['1', '1']);
    // The fork sets FWD Init Win and Fwd Seg Size Min only from a forward p₁: both stay 0 here;
    // Bwd Init Win and Bwd Seg Size Min come from the SYN-ACK.
    expect([r['FWD Init Win Bytes'], r['Bwd Init Win Bytes'], r['Fwd Seg Size Min'], r['Bwd Seg Size Min']]).toEqual(['0', '5000', '0', '32']);
  });

  test('✔ 1-packet flows are written; rates −1 and Flow IAT 0.0 when D = 0', () => {
    const { rows } = runFlows('default', seq(UDP, [{ dir: 'c2s', tsUs: T0, payload: 40 }]));
    const r = rows[0]!;
    expect([r['Flow Bytes/s'], r['Flow Packets/s']]).toEqual(['-1', '-1']);
    expect([r['Flow IAT Mean'], r['Flow IAT Std'], r['Flow IAT Max'], r['Flow IAT Min']]).toEqual(['0.0', '0.0', '0.0', '0.0']);
    expect([r['Fwd IAT Total'], r['Bwd Packet Length Max']]).toEqual(['0', '0']);
    expect(r['Total Connection Flow Time']).toBe('0');
  });

  test('✔ retransmissions: same side, seq, ack, payload length and window (flags ignored)', () => {
    const { rows } = runFlows('default', seq(TCP, [
      { dir: 'c2s', tsUs: T0, flags: 'PA', seq: 1, ack: 1, payload: 100, window: 500 },
      { dir: 'c2s', tsUs: T0 + 10, flags: 'PA', seq: 1, ack: 1, payload: 100, window: 500 }, // retransmission
      { dir: 'c2s', tsUs: T0 + 20, flags: 'PA', seq: 1, ack: 1, payload: 100, window: 501 }, // window differs
      { dir: 's2c', tsUs: T0 + 30, flags: 'A', seq: 1, ack: 101, window: 900 },
      { dir: 's2c', tsUs: T0 + 40, flags: 'FA', seq: 1, ack: 101, window: 900 }, // same fields: counts
    ]));
    const r = rows[0]!;
    expect([r['Fwd TCP Retrans. Count'], r['Bwd TCP Retrans. Count'], r['Total TCP Retrans. Count']]).toEqual(['1', '1', '2']);
  });

  test('✔ ICMP: type/code of p₁; a packet whose type and code both differ starts a new flow', () => {
    const icmp: Conversation = { client: '10.0.0.1', server: '10.0.0.5', protocol: 1 };
    const { rows } = runFlows('default', seq(icmp, [
      { dir: 'c2s', tsUs: T0, icmpType: 8, icmpCode: 0 },
      { dir: 's2c', tsUs: T0 + 100, icmpType: 0, icmpCode: 0 }, // code equal → same flow
      { dir: 'c2s', tsUs: T0 + 200, icmpType: 3, icmpCode: 1 }, // both differ → new flow
    ]));
    expect(rows.map((r) => [r['Flow ID'], r['ICMP Type'], r['ICMP Code'], r['Total Fwd Packet'], r['Total Bwd packets']])).toEqual([
      ['10.0.0.1-10.0.0.5-0-0-1', '8', '0', '1', '1'],
      ['10.0.0.1-10.0.0.5-0-0-1', '3', '1', '1', '0'],
    ]);
    expect(rows[0]!['Total Connection Flow Time']).toBe('0'); // only TCP/UDP accumulate it
  });

  test('✔ timeout continuation keeps orientation, classifies p₁ correctly, accumulates connection time', () => {
    // Flow 1: 0 s and 10 s (duration 1e7). Timeout at the clock item (+121 s). The continuation starts at 122 s
    // with a server packet (112 s after the last one, so UDP continues), which is backward here.
    // Connection time: 1e7 (piece 1) + (122 − 10) s gap + 1e6 (piece 2) = 1.23e8.
    const { rows, raw } = runFlows('default', [
      [UDP, { dir: 'c2s', tsUs: T0, payload: 10 }],
      [UDP, { dir: 's2c', tsUs: T0 + 10_000_000, payload: 20 }],
      { clock: T0 + 121_000_000 },
      [UDP, { dir: 's2c', tsUs: T0 + 122_000_000, payload: 30 }],
      [UDP, { dir: 'c2s', tsUs: T0 + 123_000_000, payload: 40 }],
    ]);
    expect(raw.map((r) => r.endIndex)).toEqual([2, Number.MAX_SAFE_INTEGER]);
    expect(rows[0]!['Total Connection Flow Time']).toBe('10000000');
    const c = rows[1]!;
    expect([c['Src IP'], c['Total Fwd Packet'], c['Total Bwd packets']]).toEqual(['10.0.0.1', '1', '1']);
    expect(c['Total Connection Flow Time']).toBe('123000000');
  });

  test('✔ UDP silent for more than the timeout since its last packet starts a fresh flow', () => {
    const { rows } = runFlows('default', [
      [UDP, { dir: 'c2s', tsUs: T0, payload: 10 }],
      [UDP, { dir: 's2c', tsUs: T0 + 130_000_000, payload: 20 }],
    ]);
    expect(rows.map((r) => [r['Src IP'], r['Total Connection Flow Time']])).toEqual([
      ['10.0.0.1', '0'],
      ['10.0.0.3', '0'],
    ]);
  });

  test('✔ TCP continuation inherits the retransmission memory', () => {
    const { rows } = runFlows('default', seq(TCP, [
      { dir: 'c2s', tsUs: T0, flags: 'PA', seq: 7, ack: 9, payload: 10, window: 50 },
      { dir: 'c2s', tsUs: T0 + 125_000_000, flags: 'PA', seq: 7, ack: 9, payload: 10, window: 50 },
    ]));
    expect(rows.map((r) => r['Fwd TCP Retrans. Count'])).toEqual(['0', '1']);
  });

  test('extension: IPv6, SCTP and other protocols keep their numbers; ports 0 without ports', () => {
    const { rows } = runFlows('default', [
      [{ client: '2001:db8::1', server: '2001:db8::2', clientPort: 546, serverPort: 547, protocol: 17 }, { dir: 'c2s', tsUs: T0, payload: 46 }],
      [{ client: '10.0.0.1', server: '10.0.0.9', clientPort: 2905, serverPort: 2905, protocol: 132 }, { dir: 'c2s', tsUs: T0 + 1 }],
      [{ client: '10.0.0.1', server: '10.0.0.9', protocol: 47 }, { dir: 'c2s', tsUs: T0 + 2 }],
      [{ client: 'fe80::1', server: 'ff02::1', protocol: 58 }, { dir: 'c2s', tsUs: T0 + 3, icmpType: 134, icmpCode: 0 }],
    ]);
    expect(rows.map((r) => r['Flow ID'])).toEqual([
      '2001:db8::1-2001:db8::2-546-547-17',
      '10.0.0.1-10.0.0.9-2905-2905-132',
      '10.0.0.1-10.0.0.9-0-0-47',
      'fe80::1-ff02::1-0-0-58',
    ]);
    expect(rows[3]!['ICMP Type']).toBe('134');
    expect(rows[0]!['Total Length of Fwd Packet']).toBe('46.0');
  });
});

describe('default profile: the fork\'s Flow ID, SCTP and retransmission rules', () => {
  const ICMP: Conversation = { client: '10.0.26.151', server: '151.101.1.69', protocol: 1 };
  const flowIds = (rows: Record<string, string>[]): string[][] => rows.map((r) => [r['Flow ID']!, r['Src IP']!, r['Dst IP']!]);

  test('rule 3: a later flow of a tuple keeps the Flow ID text of the tuple\'s first flow; Src/Dst are its own', () => {
    // UDP: the client speaks first; after a gap longer than the flow timeout the server does.
    const udp = runFlows('default', seq(UDP, [
      { dir: 'c2s', tsUs: T0, payload: 10 },
      { dir: 's2c', tsUs: T0 + 1000, payload: 10 },
      { dir: 's2c', tsUs: T0 + 130_000_000, payload: 10 },
      { dir: 'c2s', tsUs: T0 + 130_001_000, payload: 10 },
    ])).rows;
    expect(flowIds(udp)).toEqual([
      ['10.0.0.1-10.0.0.3-5353-53-17', '10.0.0.1', '10.0.0.3'],
      ['10.0.0.1-10.0.0.3-5353-53-17', '10.0.0.3', '10.0.0.1'],
    ]);
    // ICMP: type and code both change (echo request, then 3/1 back), which starts a new flow from the other side.
    const icmp = runFlows('default', seq(ICMP, [
      { dir: 'c2s', tsUs: T0, icmpType: 8, icmpCode: 0 },
      { dir: 's2c', tsUs: T0 + 10, icmpType: 3, icmpCode: 1 },
      { dir: 'c2s', tsUs: T0 + 20, icmpType: 8, icmpCode: 0 },
    ])).rows;
    expect(flowIds(icmp)).toEqual([
      ['10.0.26.151-151.101.1.69-0-0-1', '10.0.26.151', '151.101.1.69'],
      ['10.0.26.151-151.101.1.69-0-0-1', '151.101.1.69', '10.0.26.151'],
      // The echo request differs from 3/1 in type and code again: a third flow, still the first Flow ID.
      ['10.0.26.151-151.101.1.69-0-0-1', '10.0.26.151', '151.101.1.69'],
    ]);
    // TCP: RST, then a new connection opened by the other side: the third flow still has the first Flow ID.
    const tcp = runFlows('default', seq(TCP, [
      { dir: 'c2s', tsUs: T0, flags: 'S' },
      { dir: 's2c', tsUs: T0 + 10, flags: 'R' },
      { dir: 's2c', tsUs: T0 + 20, flags: 'S' },
      { dir: 'c2s', tsUs: T0 + 30, flags: 'R' },
      { dir: 's2c', tsUs: T0 + 40, flags: 'S' },
    ])).rows;
    expect(flowIds(tcp).map((r) => r[0])).toEqual(new Array(3).fill('10.0.0.1-10.0.0.2-40000-80-6'));
    expect(flowIds(tcp).map((r) => r[1])).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.2']);
  });

  test('rule 3 bound: a tuple its group forgot starts over with its own Flow ID (flowIdsPerGroup 0 remembers none)', () => {
    const rows = runFlows('default', seq(ICMP, [
      { dir: 'c2s', tsUs: T0, icmpType: 8, icmpCode: 0 },
      { dir: 's2c', tsUs: T0 + 10, icmpType: 3, icmpCode: 1 },
    ]), { flowIdsPerGroup: 0 }).rows;
    expect(flowIds(rows).map((r) => r[0])).toEqual(['10.0.26.151-151.101.1.69-0-0-1', '151.101.1.69-10.0.26.151-0-0-1']);
    // The cicflowmeter profile keeps no such memory: the upstream tool's second flow is named after its own Src.
    const cic = runFlows('cicflowmeter', seq(UDP, [
      { dir: 'c2s', tsUs: T0, payload: 1 }, { dir: 'c2s', tsUs: T0 + 1, payload: 1 },
    ])).rows;
    expect(cic[0]!['Flow ID']).toBe('10.0.0.1-10.0.0.3-5353-53-17');
  });

  test('rule 4: SCTP header length is the 12-byte common header, payload every byte after it', () => {
    const SCTP: Conversation = { client: '10.6.0.1', server: '10.6.0.2', clientPort: 7100, serverPort: 7101, protocol: 132 };
    // The decoder counts every SCTP byte as payload (l4HeaderLen 0): 12 + a 20-byte INIT chunk, 12 + a 4-byte
    // COOKIE ACK, then 12 + a DATA chunk of 16 header bytes + 7 user bytes + 1 padding byte.
    const r = runFlows('default', seq(SCTP, [
      { dir: 'c2s', tsUs: T0, payload: 32 },
      { dir: 's2c', tsUs: T0 + 10, payload: 16 },
      { dir: 'c2s', tsUs: T0 + 20, payload: 36 },
    ])).rows[0]!;
    expect([r['Fwd Header Length'], r['Bwd Header Length']]).toEqual(['24', '12']);
    expect([r['Total Length of Fwd Packet'], r['Total Length of Bwd Packet']]).toEqual(['44.0', '4.0']);
    expect([r['Fwd Seg Size Min'], r['Fwd Act Data Pkts'], r['Bwd Act Data Pkts']]).toEqual(['12', '2', '1']);
    // A bare common header (no chunk) carries no payload.
    const bare = runFlows('default', seq(SCTP, [{ dir: 'c2s', tsUs: T0, payload: 12 }])).rows[0]!;
    expect([bare['Fwd Header Length'], bare['Total Length of Fwd Packet'], bare['Fwd Act Data Pkts']]).toEqual(['12', '0.0', '0']);
  });

  test('rule 5: a segment repeated after hundreds of distinct segments counts; memory carries over a timeout, not into a new connection', () => {
    const data = (i: number, tsUs: number): PacketSpec => ({ dir: 'c2s', tsUs, flags: 'PA', seq: 1 + i * 100, ack: 1, payload: 100, window: 500 });
    const ps: PacketSpec[] = [{ dir: 'c2s', tsUs: T0, flags: 'S' }];
    for (let i = 0; i < 600; i++) ps.push(data(i, T0 + 10 + i));
    ps.push(data(0, T0 + 1000)); // segment #0 again, 599 distinct client segments later
    expect(runFlows('default', seq(TCP, ps)).rows[0]!['Fwd TCP Retrans. Count']).toBe('1');
    // Across the flow timeout: the continuation remembers segment #0.
    const timeout = runFlows('default', seq(TCP, [data(0, T0), data(1, T0 + 10), data(0, T0 + 125_000_000)])).rows;
    expect(timeout.map((r) => r['Fwd TCP Retrans. Count'])).toEqual(['0', '1']);
    // After a RST a new SYN is a new connection: its identical SYN is not a retransmission.
    const rst = runFlows('default', seq(TCP, [
      { dir: 'c2s', tsUs: T0, flags: 'S', seq: 7 },
      { dir: 's2c', tsUs: T0 + 10, flags: 'R' },
      { dir: 'c2s', tsUs: T0 + 20, flags: 'S', seq: 7 },
    ])).rows;
    expect(rst.map((r) => r['Total TCP Retrans. Count'])).toEqual(['0', '0']);
  });
});
