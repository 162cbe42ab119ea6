// Regenerates samples/quirks/*.pcap: one small classic pcap (LE, µs, Ethernet) per CICFlowMeter quirk (⚠) and
// per engelen-head fix (✔) pinned by test/unit/flow/{cicflowmeter,default}-profile.test.ts, with the same packets
// as real frames, plus samples/quirks/README.md. Deterministic (same bytes every run); test/e2e/quirks.test.ts
// runs dist/cli.js on them. Writes only into samples/quirks. Usage: node build/scripts/make-quirk-captures.js
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFrame, buildIpPacket, type FrameSpec, type L4Spec } from '../test/helpers/frame-builder.js';
import { buildPcap, type PcapFrame } from '../test/helpers/pcap-builder.js';
import { TCP_FLAG } from '../src/types.js';

const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'samples', 'quirks');
const T0_S = 1_700_000_000; // 2023-11-14 22:13:20 UTC; packet times below are µs after this second

/** Two endpoints and a protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 132 SCTP, others opaque). */
interface Conv {
  client: string;
  server: string;
  clientPort?: number;
  serverPort?: number;
  protocol: number;
}

/** One packet, in the words of test/helpers/packet-meta-builder.ts (PacketSpec). */
interface Pkt {
  dir: 'c2s' | 's2c';
  /** µs after T0_S. */
  t: number;
  flags?: string;
  payload?: number;
  /** Captured payload bytes (snaplen cut): the record keeps only these, origLen keeps the full frame. */
  captured?: number;
  /** TCP header bytes (20 + NOP options). */
  header?: number;
  window?: number;
  seq?: number;
  ack?: number;
  icmpType?: number;
  icmpCode?: number;
  laterFragment?: boolean;
  /** An 802.1Q tag with this VLAN id. */
  vlan?: number;
  /** Trailer (padding) bytes after the IP datagram; frames without one are still padded to 60 bytes. */
  trailer?: number;
  /** ICMP errors: the datagram quoted (its first `bytes` bytes). */
  quote?: { conv: Conv; pkt: Pkt; bytes: number };
}

/** A packet of another conversation that only moves the capture clock forward (the unit tests' `{ clock }`). */
interface Clock {
  clock: number;
}

type Item = [Conv, Pkt] | Clock;

/** One capture: file name, the profile whose behaviour it pins, the spec section and what it pins. */
export interface QuirkCase {
  name: string;
  profile: 'cicflowmeter' | 'default';
  section: string;
  pins: string;
  items: Item[];
}

const TCP: Conv = { client: '10.0.0.1', server: '10.0.0.2', clientPort: 40000, serverPort: 80, protocol: 6 };
const UDP: Conv = { client: '10.0.0.1', server: '10.0.0.3', clientPort: 5353, serverPort: 53, protocol: 17 };
const CLOCK_CONV: Conv = { client: '10.9.9.9', server: '10.9.9.8', clientPort: 9, serverPort: 9, protocol: 17 };
const MS200 = 200_000; // the default-profile cases start at 22:13:20.200 (unit test T0)

const on = (conv: Conv, ps: Pkt[]): Item[] => ps.map((p) => [conv, p]);

function tcpFlags(spec: string | undefined): number {
  const bit: Record<string, number> = {
    F: TCP_FLAG.FIN, S: TCP_FLAG.SYN, R: TCP_FLAG.RST, P: TCP_FLAG.PSH, A: TCP_FLAG.ACK, U: TCP_FLAG.URG, E: TCP_FLAG.ECE, C: TCP_FLAG.CWR,
  };
  let f = 0;
  for (const ch of spec ?? '') {
    const b = bit[ch];
    if (b === undefined) throw new Error(`make-quirk-captures: unknown flag letter ${ch}`);
    f |= b;
  }
  return f;
}

function frameSpec(conv: Conv, p: Pkt): FrameSpec {
  const c2s = p.dir === 'c2s';
  const src = c2s ? conv.client : conv.server;
  const dst = c2s ? conv.server : conv.client;
  const sport = (c2s ? conv.clientPort : conv.serverPort) ?? 0;
  const dport = (c2s ? conv.serverPort : conv.clientPort) ?? 0;
  const v6 = conv.client.includes(':');
  let l4: L4Spec;
  if (p.laterFragment) l4 = { proto: 'other', protocol: conv.protocol };
  else if (conv.protocol === 6) {
    const header = p.header ?? 20;
    l4 = {
      proto: 'tcp', srcPort: sport, dstPort: dport, flags: tcpFlags(p.flags), window: p.window ?? 0, seq: p.seq ?? 0, ack: p.ack ?? 0,
      ...(header > 20 ? { options: new Array<number>(header - 20).fill(1) } : {}), // NOP options
    };
  } else if (conv.protocol === 17) l4 = { proto: 'udp', srcPort: sport, dstPort: dport };
  else if (conv.protocol === 132) l4 = { proto: 'sctp', srcPort: sport, dstPort: dport };
  else if (conv.protocol === 1) l4 = { proto: 'icmp', type: p.icmpType ?? 8, code: p.icmpCode ?? 0 };
  else if (conv.protocol === 58) l4 = { proto: 'icmpv6', type: p.icmpType ?? 128, code: p.icmpCode ?? 0 };
  else l4 = { proto: 'other', protocol: conv.protocol };
  const payload = p.quote !== undefined ? buildIpPacket(frameSpec(p.quote.conv, p.quote.pkt)).bytes.subarray(0, p.quote.bytes) : (p.payload ?? 0);
  return {
    ...(p.vlan !== undefined ? { link: { kind: 'ethernet' as const, encap: [{ kind: 'vlan' as const, vid: p.vlan }] } } : {}),
    ip: v6 ? { version: 6, src, dst } : { version: 4, src, dst, ...(p.laterFragment ? { fragmentOffset: 185 } : {}) },
    l4,
    payload,
    ...(p.trailer !== undefined ? { trailer: p.trailer } : {}),
  };
}

/** Ethernet's minimum frame: pad short frames with zeros (padding is not payload, §2). */
function padTo(b: Uint8Array, n: number): Uint8Array {
  if (b.length >= n) return b;
  const out = new Uint8Array(n);
  out.set(b);
  return out;
}

function frames(items: Item[]): PcapFrame[] {
  return items.map((item) => {
    const [conv, p]: [Conv, Pkt] = 'clock' in item ? [CLOCK_CONV, { dir: 'c2s', t: item.clock, payload: 4 }] : item;
    const f = buildFrame(frameSpec(conv, p));
    const ts = { tsSec: T0_S + Math.floor(p.t / 1e6), tsFrac: p.t % 1e6 };
    if (p.captured !== undefined) {
      // snaplen cut: keep the headers and `captured` payload bytes; origLen is the whole frame.
      return { ...ts, data: f.bytes.slice(0, f.payloadOffset + p.captured), origLen: f.bytes.length };
    }
    return { ...ts, data: padTo(f.bytes, 60) };
  });
}

const S = 1_000_000;
const udpAt = (ps: Array<[Pkt['dir'], number, number?]>): Item[] =>
  on(UDP, ps.map(([dir, t, payload]) => (payload === undefined ? { dir, t } : { dir, t, payload })));

/** Every case, in the order of the two unit-test files. */
export const CASES: QuirkCase[] = [
  // ---- --profile cicflowmeter (upstream ⚠), unit test cicflowmeter-profile.test.ts ----
  {
    name: 'cic-tcp-five-packets.pcap', profile: 'cicflowmeter', section: '§5, §6 rows 37–40, 58, 72–73',
    pins: 'PSH/URG from p₁ only, integer Down/Up, last backward window as Bwd Init Win, IATs, rates, Timestamp format',
    items: on(TCP, [
      { dir: 'c2s', t: 0, flags: 'SPU', window: 1000, header: 40 },
      { dir: 's2c', t: 100, flags: 'SA', window: 2000, header: 40 },
      { dir: 'c2s', t: 200, flags: 'A', window: 1001 },
      { dir: 'c2s', t: 300, flags: 'PA', window: 1001, payload: 100 },
      { dir: 's2c', t: 400, flags: 'PA', window: 2001, payload: 300 },
    ]),
  },
  {
    name: 'cic-p1-counted-twice.pcap', profile: 'cicflowmeter', section: '§6 rows 45–49, 59, 74',
    pins: 'p₁ counted twice in packet-length stats and Average Packet Size; p₁ skipped by Fwd Act Data Pkts',
    items: udpAt([['c2s', 0, 30], ['s2c', 1000, 80], ['c2s', 2000, 32], ['s2c', 3000, 82]]),
  },
  {
    name: 'cic-bulk-all-backward.pcap', profile: 'cicflowmeter', section: '§6 rows 62–67, §6.2',
    pins: 'forward bulk fed to the backward tracker; long division of the bulk rate',
    items: udpAt([0, 1, 2, 3].map((i) => ['c2s', i * 100_000, i === 3 ? 101 : 100] as [Pkt['dir'], number, number])),
  },
  {
    name: 'cic-subflow-long-division.pcap', profile: 'cicflowmeter', section: '§6.3, §6 rows 68–71, 74',
    pins: 'subflow columns = totals / number of >1 s gaps with long division',
    items: udpAt([['c2s', 0, 10], ['c2s', 2 * S, 20], ['s2c', 4 * S, 30]]),
  },
  {
    name: 'cic-active-idle.pcap', profile: 'cicflowmeter', section: '§6.1',
    pins: 'one idle gap > 5 s; the final active period is never recorded',
    items: udpAt([0, S, 7 * S, 7.5 * S].map((t) => ['c2s', t, 1] as [Pkt['dir'], number, number])),
  },
  {
    name: 'cic-skipped-groups.pcap', profile: 'cicflowmeter', section: '§5',
    pins: 'skipped statistic groups print the integer 0',
    items: udpAt([['c2s', 0, 5], ['c2s', 10, 5]]),
  },
  {
    name: 'cic-zero-duration-infinity.pcap', profile: 'cicflowmeter', section: '§6 rows 21–22',
    pins: 'duration 0 with payload: Flow Bytes/s and Packets/s Infinity',
    items: udpAt([['c2s', 0, 5], ['s2c', 0, 5]]),
  },
  {
    name: 'cic-zero-duration-nan.pcap', profile: 'cicflowmeter', section: '§6 rows 21–22',
    pins: 'duration 0 without payload: Flow Bytes/s NaN, Packets/s Infinity',
    items: udpAt([['c2s', 0], ['s2c', 0]]),
  },
  {
    name: 'cic-fin-retransmit.pcap', profile: 'cicflowmeter', section: '§4 step 2',
    pins: 'forward FIN retransmit dropped, first backward FIN closes, last ACK a dropped 1-packet flow',
    items: on(TCP, [
      { dir: 'c2s', t: 0, flags: 'S' },
      { dir: 's2c', t: 10, flags: 'SA' },
      { dir: 'c2s', t: 20, flags: 'A' },
      { dir: 'c2s', t: 30, flags: 'FA' },
      { dir: 'c2s', t: 40, flags: 'FA' },
      { dir: 's2c', t: 50, flags: 'FA' },
      { dir: 'c2s', t: 60, flags: 'A' },
    ]),
  },
  {
    name: 'cic-tcp-appendix.pcap', profile: 'cicflowmeter', section: '§4',
    pins: 'server closes first: the client FIN/ACK and last ACK form a 2-packet flow',
    items: on(TCP, [
      { dir: 'c2s', t: 0, flags: 'S' },
      { dir: 's2c', t: 10, flags: 'SA' },
      { dir: 'c2s', t: 20, flags: 'A' },
      { dir: 's2c', t: 30, flags: 'FA' },
      { dir: 'c2s', t: 40, flags: 'FA' },
      { dir: 's2c', t: 50, flags: 'A' },
    ]),
  },
  {
    name: 'cic-rst-closes.pcap', profile: 'cicflowmeter', section: '§4 step 3',
    pins: 'RST adds the packet and closes the flow',
    items: on(TCP, [
      { dir: 'c2s', t: 0, flags: 'S' },
      { dir: 's2c', t: 10, flags: 'RA' },
      { dir: 'c2s', t: 20, flags: 'S' },
      { dir: 's2c', t: 30, flags: 'RA' },
    ]),
  },
  {
    name: 'cic-timeout-continuation.pcap', profile: 'cicflowmeter', section: '§4 step 1',
    pins: 'a timeout continuation keeps Src/Dst and counts its first (backward) packet as forward',
    items: [[UDP, { dir: 'c2s', t: 0, payload: 10 }], [UDP, { dir: 's2c', t: S, payload: 20 }], { clock: 121 * S },
      [UDP, { dir: 's2c', t: 122 * S, payload: 30 }], [UDP, { dir: 'c2s', t: 123 * S, payload: 40 }]],
  },
  {
    name: 'cic-single-packet-dropped.pcap', profile: 'cicflowmeter', section: '§4',
    pins: '≤ 1-packet flows are dropped at timeout and at the end',
    items: [[UDP, { dir: 'c2s', t: 0, payload: 10 }], { clock: 200 * S }, [TCP, { dir: 'c2s', t: 200 * S + 1, flags: 'S' }]],
  },
  {
    name: 'cic-protocol-zero.pcap', profile: 'cicflowmeter', section: '§2',
    pins: 'IPv6 ignored; ICMP, GRE and a later UDP fragment form one protocol-0 flow with ports 0',
    items: [
      [{ client: '10.0.0.1', server: '10.0.0.5', protocol: 1 }, { dir: 'c2s', t: 0, icmpType: 8 }],
      [{ client: '10.0.0.1', server: '10.0.0.5', protocol: 47 }, { dir: 's2c', t: 100 }],
      [{ client: '10.0.0.1', server: '10.0.0.5', serverPort: 53, protocol: 17 }, { dir: 'c2s', t: 200, laterFragment: true, payload: 100 }],
      [{ client: '2001:db8::1', server: '2001:db8::2', clientPort: 40000, serverPort: 80, protocol: 17 }, { dir: 'c2s', t: 300 }],
    ],
  },
  {
    name: 'cic-loopback-all-forward.pcap', profile: 'cicflowmeter', section: '§3',
    pins: 'direction by source IP only: a loopback flow has every packet forward',
    items: on({ client: '127.0.0.1', server: '127.0.0.1', clientPort: 43030, serverPort: 8000, protocol: 6 }, [
      { dir: 'c2s', t: 0, flags: 'S' },
      { dir: 's2c', t: 1, flags: 'SA' },
      { dir: 'c2s', t: 2, flags: 'A' },
    ]),
  },
  {
    name: 'cic-snaplen-payload.pcap', profile: 'cicflowmeter', section: '§2',
    pins: 'payload is the captured payload (a 1400-byte segment cut to 42 bytes)',
    items: on(TCP, [{ dir: 'c2s', t: 0, flags: 'PA', payload: 1400, captured: 42 }, { dir: 's2c', t: 5, flags: 'A' }]),
  },
  {
    name: 'cic-continuation-init-win.pcap', profile: 'cicflowmeter', section: '§6 row 72, §4 step 1',
    pins: 'FWD Init Win Bytes of a TCP continuation comes from its first packet even when it is backward',
    items: [
      [TCP, { dir: 'c2s', t: 0, flags: 'S', window: 1000 }],
      [TCP, { dir: 's2c', t: 10, flags: 'SA', window: 2000 }],
      { clock: 121 * S },
      [TCP, { dir: 's2c', t: 122 * S, flags: 'A', window: 3000, header: 32 }],
      [TCP, { dir: 'c2s', t: 123 * S, flags: 'A', window: 1001 }],
    ],
  },
  {
    name: 'cic-negative-duration.pcap', profile: 'cicflowmeter', section: '§2, §10.5',
    pins: 'no re-ordering: a timestamp going backwards gives a negative duration and IAT',
    items: udpAt([['c2s', 100, 1], ['s2c', 0, 1]]),
  },
  // ---- default profile (engelen-head ✔), unit test default-profile.test.ts; times from 22:13:20.200 ----
  {
    name: 'default-tcp-flags-per-direction.pcap', profile: 'default', section: '§5, §6 rows 37–42, 58, 73',
    pins: 'per-direction PSH/URG/RST, real Down/Up, first non-zero backward window, Bwd Seg Size Min',
    items: on(TCP, [
      { dir: 'c2s', t: MS200, flags: 'S', window: 1000, header: 40 },
      { dir: 's2c', t: MS200 + 100, flags: 'SA', window: 2000, header: 40 },
      { dir: 'c2s', t: MS200 + 200, flags: 'A', window: 1001 },
      { dir: 'c2s', t: MS200 + 300, flags: 'PA', window: 1001, payload: 100 },
      { dir: 's2c', t: MS200 + 400, flags: 'PAU', window: 2001, payload: 300 },
      { dir: 's2c', t: MS200 + 500, flags: 'RA', window: 0 },
    ]),
  },
  {
    name: 'default-bulk-subflow-doubles.pcap', profile: 'default', section: '§6 rows 58, 62–71, 74, §6.2, §6.3',
    pins: 'Down/Up 0.5, forward bulk in doubles, subflows as doubles, Fwd Act Data Pkts includes p₁',
    items: udpAt([
      ...[0, 1, 2, 3].map((i) => ['c2s', MS200 + i * 100_000, i === 3 ? 101 : 100] as [Pkt['dir'], number, number]),
      ['s2c', MS200 + 2_300_000, 30], ['s2c', MS200 + 4_300_000, 30],
    ]),
  },
  {
    name: 'default-down-up-two-thirds.pcap', profile: 'default', section: '§6 row 58',
    pins: 'Down/Up Ratio 2 / 3 as a real division',
    items: udpAt([['c2s', MS200, 1], ['c2s', MS200 + 1, 1], ['c2s', MS200 + 2, 1], ['s2c', MS200 + 3, 1], ['s2c', MS200 + 4, 1]]),
  },
  {
    name: 'default-fin-ready-then-syn.pcap', profile: 'default', section: '§4 (engelen-head)',
    pins: 'FINs both ways and the final ACK make the flow ready; a late FIN stays; a new SYN writes it',
    items: on(TCP, [
      { dir: 'c2s', t: MS200, flags: 'S' },
      { dir: 's2c', t: MS200 + 10, flags: 'SA' },
      { dir: 'c2s', t: MS200 + 20, flags: 'A' },
      { dir: 'c2s', t: MS200 + 30, flags: 'FA' },
      { dir: 's2c', t: MS200 + 40, flags: 'FA' },
      { dir: 'c2s', t: MS200 + 50, flags: 'A' },
      { dir: 's2c', t: MS200 + 60, flags: 'FA' },
      { dir: 'c2s', t: MS200 + 1000, flags: 'S' },
      { dir: 's2c', t: MS200 + 1010, flags: 'SA' },
    ]),
  },
  {
    name: 'default-rst-ready.pcap', profile: 'default', section: '§4 (engelen-head)',
    pins: 'RST makes the flow ready; later non-SYN packets stay in it; a SYN writes it',
    items: on(TCP, [
      { dir: 'c2s', t: MS200, flags: 'S' },
      { dir: 's2c', t: MS200 + 10, flags: 'RA' },
      { dir: 's2c', t: MS200 + 20, flags: 'RA' },
      { dir: 'c2s', t: MS200 + 30, flags: 'S' },
    ]),
  },
  {
    name: 'default-synack-first.pcap', profile: 'default', section: '§3 (engelen-head), §6 rows 72–75',
    pins: 'a flow whose first packet is a SYN-ACK is reversed',
    items: on(TCP, [{ dir: 's2c', t: MS200, flags: 'SA', window: 5000, header: 32 }, { dir: 'c2s', t: MS200 + 10, flags: 'A', window: 700 }]),
  },
  {
    name: 'default-single-packet.pcap', profile: 'default', section: '§4, §6 rows 21–26',
    pins: '1-packet flows are written; rates −1 and Flow IAT 0.0 when D = 0',
    items: udpAt([['c2s', MS200, 40]]),
  },
  {
    name: 'default-retransmissions.pcap', profile: 'default', section: '§6 (engelen-head extra columns)',
    pins: 'TCP retransmission = same side, seq, ack, payload length and window; flags ignored',
    items: on(TCP, [
      { dir: 'c2s', t: MS200, flags: 'PA', seq: 1, ack: 1, payload: 100, window: 500 },
      { dir: 'c2s', t: MS200 + 10, flags: 'PA', seq: 1, ack: 1, payload: 100, window: 500 },
      { dir: 'c2s', t: MS200 + 20, flags: 'PA', seq: 1, ack: 1, payload: 100, window: 501 },
      { dir: 's2c', t: MS200 + 30, flags: 'A', seq: 1, ack: 101, window: 900 },
      { dir: 's2c', t: MS200 + 40, flags: 'FA', seq: 1, ack: 101, window: 900 },
    ]),
  },
  {
    name: 'default-icmp-type-code.pcap', profile: 'default', section: '§4, §6 (engelen-head ICMP columns)',
    pins: 'ICMP type/code of p₁; a packet whose type and code both differ starts a new flow',
    items: on({ client: '10.0.0.1', server: '10.0.0.5', protocol: 1 }, [
      { dir: 'c2s', t: MS200, icmpType: 8, icmpCode: 0 },
      { dir: 's2c', t: MS200 + 100, icmpType: 0, icmpCode: 0 },
      { dir: 'c2s', t: MS200 + 200, icmpType: 3, icmpCode: 1 },
    ]),
  },
  {
    name: 'default-timeout-continuation.pcap', profile: 'default', section: '§4 (engelen-head), Total Connection Flow Time',
    pins: 'a timeout continuation keeps orientation, classifies p₁ correctly and accumulates connection time',
    items: [[UDP, { dir: 'c2s', t: MS200, payload: 10 }], [UDP, { dir: 's2c', t: MS200 + 10 * S, payload: 20 }], { clock: MS200 + 121 * S },
      [UDP, { dir: 's2c', t: MS200 + 122 * S, payload: 30 }], [UDP, { dir: 'c2s', t: MS200 + 123 * S, payload: 40 }]],
  },
  {
    name: 'default-udp-silent-fresh-flow.pcap', profile: 'default', section: '§4 (engelen-head)',
    pins: 'UDP silent for more than the flow timeout since its last packet starts a fresh flow',
    items: udpAt([['c2s', MS200, 10], ['s2c', MS200 + 130 * S, 20]]),
  },
  {
    name: 'default-tcp-continuation-retrans.pcap', profile: 'default', section: '§4, §6 (engelen-head retransmissions)',
    pins: 'a TCP continuation inherits the retransmission memory',
    items: on(TCP, [
      { dir: 'c2s', t: MS200, flags: 'PA', seq: 7, ack: 9, payload: 10, window: 50 },
      { dir: 'c2s', t: MS200 + 125 * S, flags: 'PA', seq: 7, ack: 9, payload: 10, window: 50 },
    ]),
  },
  {
    name: 'default-extension-protocols.pcap', profile: 'default', section: 'pcapflow extension (spec header note), §6 row 6',
    pins: 'IPv6, SCTP, GRE and ICMPv6 keep their protocol numbers; ports 0 without ports',
    items: [
      [{ client: '2001:db8::1', server: '2001:db8::2', clientPort: 546, serverPort: 547, protocol: 17 }, { dir: 'c2s', t: MS200, payload: 46 }],
      [{ client: '10.0.0.1', server: '10.0.0.9', clientPort: 2905, serverPort: 2905, protocol: 132 }, { dir: 'c2s', t: MS200 + 1 }],
      [{ client: '10.0.0.1', server: '10.0.0.9', protocol: 47 }, { dir: 'c2s', t: MS200 + 2 }],
      [{ client: 'fe80::1', server: 'ff02::1', protocol: 58 }, { dir: 'c2s', t: MS200 + 3, icmpType: 134, icmpCode: 0 }],
    ],
  },
  // ---- the references' less visible rules (README "The references' less visible rules") ----
  {
    name: 'cic-vlan-trailer.pcap', profile: 'cicflowmeter', section: 'rule 1 (trailers)',
    pins: 'behind an 802.1Q tag every frame byte after the TCP header is payload (6 trailer bytes); untagged frames count the IP length only',
    items: on(TCP, [
      { dir: 'c2s', t: 0, flags: 'PA', payload: 4, vlan: 7, trailer: 6, window: 100 },
      { dir: 's2c', t: 100, flags: 'A', vlan: 7, trailer: 6, window: 200 },
      { dir: 'c2s', t: 200, flags: 'PA', payload: 4, vlan: 7, window: 100 },
      { dir: 'c2s', t: 300, flags: 'PA', payload: 4, trailer: 6, window: 100 },
    ]),
  },
  {
    name: 'cic-icmp-error-quotes-udp.pcap', profile: 'cicflowmeter', section: 'rule 2 (ICMP errors)',
    pins: 'ICMP 3/3 quoting a UDP header counts as UDP between the ICMP addresses with the quoted ports; ICMP 11/0 stays protocol 0',
    items: [
      ...on(UDP, [{ dir: 'c2s', t: 0, payload: 10 }, { dir: 'c2s', t: 100, payload: 10 }]),
      ...on({ client: '10.0.0.1', server: '10.0.0.3', protocol: 1 }, [
        { dir: 's2c', t: 200, icmpType: 3, icmpCode: 3, quote: { conv: UDP, pkt: { dir: 'c2s', t: 0, payload: 10 }, bytes: 28 } },
        { dir: 's2c', t: 300, icmpType: 3, icmpCode: 3, quote: { conv: UDP, pkt: { dir: 'c2s', t: 0, payload: 10 }, bytes: 38 } },
      ]),
      ...on({ client: '10.0.0.1', server: '10.0.0.4', protocol: 1 }, [
        { dir: 's2c', t: 400, icmpType: 11, icmpCode: 0, quote: { conv: UDP, pkt: { dir: 'c2s', t: 0, payload: 10 }, bytes: 28 } },
        { dir: 's2c', t: 500, icmpType: 11, icmpCode: 0, quote: { conv: UDP, pkt: { dir: 'c2s', t: 0, payload: 10 }, bytes: 28 } },
      ]),
    ],
  },
  {
    name: 'default-flow-id-tuple-seen-before.pcap', profile: 'default', section: 'rule 3 (Flow ID)',
    pins: 'a later flow of a tuple (UDP after the flow timeout, started by the server) keeps the first flow\'s Flow ID; Src/Dst are its own',
    items: udpAt([['c2s', MS200, 10], ['s2c', MS200 + 1000, 10], ['s2c', MS200 + 130 * S, 10], ['c2s', MS200 + 130 * S + 1000, 10]]),
  },
  {
    name: 'default-sctp-lengths.pcap', profile: 'default', section: 'rule 4 (SCTP)',
    pins: 'SCTP header length 12 (the common header), payload every byte after it',
    items: on({ client: '10.6.0.1', server: '10.6.0.2', clientPort: 7100, serverPort: 7101, protocol: 132 }, [
      { dir: 'c2s', t: MS200, payload: 20 },
      { dir: 's2c', t: MS200 + 10, payload: 4 },
      { dir: 'c2s', t: MS200 + 20, payload: 0 },
    ]),
  },
  {
    name: 'default-retransmission-far-back.pcap', profile: 'default', section: 'rule 5 (retransmissions)',
    pins: 'a segment repeated after 40 other distinct segments of its side counts (beyond a 32-entry memory)',
    items: on(TCP, [
      ...Array.from({ length: 41 }, (_, i): Pkt => ({ dir: 'c2s', t: MS200 + i * 10, flags: 'PA', seq: 1 + i * 100, ack: 1, payload: 100, window: 500 })),
      { dir: 'c2s', t: MS200 + 1000, flags: 'PA', seq: 1, ack: 1, payload: 100, window: 500 },
    ]),
  },
];

function readme(): string {
  const lines = [
    '# Quirk and fix captures',
    '',
    'One tiny classic pcap (little-endian, µs, Ethernet, short frames padded to 60 bytes) per CICFlowMeter-4.0 quirk (⚠,',
    '`--profile cicflowmeter`) and per engelen-head fix (✔, default profile) of `cicflowmeter-features.md`. Made by',
    '`scripts/make-quirk-captures.ts` (deterministic) from the packet sequences of',
    '`test/unit/flow/cicflowmeter-profile.test.ts` and `test/unit/flow/default-profile.test.ts`; checked by',
    '`test/e2e/quirks.test.ts`. Times start at 2023-11-14 22:13:20 UTC (the default-profile captures at .200).',
    'Where a unit test advances the clock with a packet of another shard, the capture holds one UDP datagram',
    '10.9.9.9:9 → 10.9.9.8:9 at that time.',
    '',
    '| file | profile | spec section | what it pins |',
    '|---|---|---|---|',
  ];
  for (const c of CASES) lines.push(`| \`${c.name}\` | ${c.profile} | ${c.section} | ${c.pins} |`);
  return lines.join('\n') + '\n';
}

mkdirSync(OUT, { recursive: true });
for (const c of CASES) {
  const bytes = buildPcap(frames(c.items)).bytes;
  writeFileSync(path.join(OUT, c.name), bytes);
  process.stderr.write(`make-quirk-captures: ${c.name} (${bytes.length} bytes)\n`);
}
writeFileSync(path.join(OUT, 'README.md'), readme());
