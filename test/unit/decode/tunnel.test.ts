// --decap (decodePacket's `decap` option, tunnel.ts) on hand-built tunnels: every tunnel kind reaches the inner
// IP header (addresses, protocol, ports, lengths as if the inner packet stood alone), layers and kinds are
// reported, a tunnel whose payload holds no usable IP header is not entered, and nesting past the depth limit is
// skipped as too_many_layers. Header layouts from the RFCs named in src/decode/tunnel.ts; expected values are the
// inner packet's own, as built.
import { describe, expect, test } from '@jest/globals';
import { DECODE_DEFAULTS, decodePacket, MAX_TUNNEL_LAYERS } from '../../../src/decode/decoder.js';
import { formatAddress } from '../../../src/decode/address.js';
import { SKIP, TUNNEL, createPacketMeta, type PacketMeta } from '../../../src/types.js';
import { buildFrame, buildIpPacket, concat, type FrameSpec } from '../../helpers/frame-builder.js';

const DECAP = { decap: true, cicflowmeter: false };

/** The inner packet every test carries: TCP 192.168.1.10:40000 -> 192.168.1.20:443 with 7 payload bytes. */
const INNER: FrameSpec = {
  ip: { version: 4, src: '192.168.1.10', dst: '192.168.1.20' },
  l4: { proto: 'tcp', srcPort: 40000, dstPort: 443, flags: 0x18, seq: 11, ack: 22, window: 333 },
  payload: 7,
};
const INNER6: FrameSpec = {
  ip: { version: 6, src: '2001:db8::10', dst: '2001:db8::20' },
  l4: { proto: 'udp', srcPort: 5353, dstPort: 53 },
  payload: 5,
};

function be16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}

/** An Ethernet header (addresses arbitrary) with EtherType `type`, as VXLAN/Geneve/TEB/ERSPAN carry. */
function eth(type: number): Uint8Array {
  return Uint8Array.from([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, ...be16(type)]);
}

/** An outer IPv4 packet from 10.0.0.1 to 10.0.0.2 with IP protocol `protocol` and `payload`, in Ethernet. */
function overIp(protocol: number, payload: Uint8Array, version: 4 | 6 = 4): Uint8Array {
  const ip = version === 4 ? { version: 4 as const, src: '10.0.0.1', dst: '10.0.0.2' } : { version: 6 as const, src: 'fd00::1', dst: 'fd00::2' };
  return buildFrame({ ip, l4: { proto: 'other', protocol }, payload }).bytes;
}

/** An outer UDP datagram 10.0.0.1:sport -> 10.0.0.2:dport carrying `payload`, in Ethernet. */
function overUdp(sport: number, dport: number, payload: Uint8Array): Uint8Array {
  return buildFrame({ ip: { version: 4, src: '10.0.0.1', dst: '10.0.0.2' }, l4: { proto: 'udp', srcPort: sport, dstPort: dport }, payload }).bytes;
}

function decode(frame: Uint8Array, opts = DECAP): PacketMeta {
  const m = createPacketMeta();
  decodePacket(frame, 1, m, opts);
  return m;
}

/** What a decoded packet says about its flow, for comparisons with the inner packet decoded alone. */
function tuple(m: PacketMeta): unknown[] {
  return [
    m.skip, formatAddress(m.srcAddr, m.ipVersion), formatAddress(m.dstAddr, m.ipVersion), m.protocol, m.srcPort, m.dstPort,
    m.tcpFlags, m.tcpSeq, m.tcpAck, m.tcpWindow, m.ipTotalLen, m.l4HeaderLen, m.payloadLen, m.capturedPayloadLen,
  ];
}

/** The inner packet decoded on its own (raw IP link). */
function alone(spec: FrameSpec): unknown[] {
  const m = createPacketMeta();
  decodePacket(buildIpPacket(spec).bytes, 101, m);
  return tuple(m);
}

const inner4 = buildIpPacket(INNER).bytes;
const inner6 = buildIpPacket(INNER6).bytes;

describe('each tunnel kind reaches the inner packet', () => {
  const cases: [string, Uint8Array, FrameSpec, number][] = [
    ['4in4 (IP protocol 4)', overIp(4, inner4), INNER, TUNNEL.IP_IN_IP],
    ['6in4 (IP protocol 41)', overIp(41, inner6), INNER6, TUNNEL.IP_IN_IP],
    ['4in6', overIp(4, inner4, 6), INNER, TUNNEL.IP_IN_IP],
    ['6in6', overIp(41, inner6, 6), INNER6, TUNNEL.IP_IN_IP],
    // RFC 2784: flags/version 0, protocol type.
    ['GRE carrying IPv4', overIp(47, concat(Uint8Array.from([0, 0, 0x08, 0x00]), inner4)), INNER, TUNNEL.GRE],
    // C, K and S bits: checksum+reserved, key, sequence number (RFC 2784 §2.1, RFC 2890 §2).
    ['GRE with checksum, key and sequence number carrying IPv6', overIp(47, concat(Uint8Array.from([0xb0, 0, 0x86, 0xdd, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1]), inner6)), INNER6, TUNNEL.GRE],
    // Transparent Ethernet Bridging with an 802.1Q tag in the inner frame.
    ['GRE carrying Ethernet (0x6558) with a VLAN tag', overIp(47, concat(Uint8Array.from([0, 0, 0x65, 0x58]), eth(0x8100), Uint8Array.from([0, 5, 0x08, 0x00]), inner4)), INNER, TUNNEL.GRE],
    // RFC 2637 §4.1: version 1, K and S set, A set, protocol 0x880B, payload length, call id, seq, ack, then PPP.
    ['PPTP enhanced GRE with PPP (FF 03 0021)', overIp(47, concat(Uint8Array.from([0x30, 0x81, 0x88, 0x0b, ...be16(inner4.length + 4), 0, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0x03, 0x00, 0x21]), inner4)), INNER, TUNNEL.GRE],
    ['PPTP enhanced GRE with a compressed PPP protocol field (0x57: IPv6)', overIp(47, concat(Uint8Array.from([0x30, 0x01, 0x88, 0x0b, ...be16(inner6.length + 1), 0, 9, 0, 0, 0, 1, 0x57]), inner6)), INNER6, TUNNEL.GRE],
    ['GRE carrying MPLS', overIp(47, concat(Uint8Array.from([0, 0, 0x88, 0x47, 0, 0x01, 0x01, 64]), inner4)), INNER, TUNNEL.GRE],
    // ERSPAN type I: no ERSPAN header, no sequence bit.
    ['ERSPAN type I', overIp(47, concat(Uint8Array.from([0, 0, 0x88, 0xbe]), eth(0x0800), inner4)), INNER, TUNNEL.ERSPAN],
    // Type II: sequence bit, 8-byte header.
    ['ERSPAN type II', overIp(47, concat(Uint8Array.from([0x10, 0, 0x88, 0xbe, 0, 0, 0, 1, 0x10, 0x01, 0, 0, 0, 0, 0, 0]), eth(0x0800), inner4)), INNER, TUNNEL.ERSPAN],
    // Type III: 12-byte header; the last bit (O) adds an 8-byte platform-specific subheader.
    ['ERSPAN type III with the optional subheader', overIp(47, concat(Uint8Array.from([0x10, 0, 0x22, 0xeb, 0, 0, 0, 1, 0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]), new Uint8Array(8), eth(0x86dd), inner6)), INNER6, TUNNEL.ERSPAN],
    // RFC 7348 §5: I flag, VNI, then Ethernet.
    ['VXLAN', overUdp(51234, 4789, concat(Uint8Array.from([0x08, 0, 0, 0, 0, 0, 0x2a, 0]), eth(0x0800), inner4)), INNER, TUNNEL.VXLAN],
    // RFC 8926 §3.4: one 8-byte option (Opt Len 2), protocol type Ethernet.
    ['Geneve with an option', overUdp(40001, 6081, concat(Uint8Array.from([0x02, 0, 0x65, 0x58, 0, 0, 1, 0]), new Uint8Array(8), eth(0x86dd), inner6)), INNER6, TUNNEL.GENEVE],
    ['Geneve carrying IPv4 directly', overUdp(40001, 6081, concat(Uint8Array.from([0, 0, 0x08, 0x00, 0, 0, 1, 0]), inner4)), INNER, TUNNEL.GENEVE],
    // TS 29.281 §5.1: version 1, PT, S flag (4 more bytes), G-PDU.
    ['GTP-U G-PDU with a sequence number', overUdp(2152, 2152, concat(Uint8Array.from([0x32, 0xff, ...be16(inner4.length + 4), 0, 0, 0, 1, 0, 7, 0, 0]), inner4)), INNER, TUNNEL.GTP_U],
    // E flag: one PDU Session Container extension header (length 1 = 4 bytes), next type 0.
    ['GTP-U with an extension header', overUdp(2152, 2152, concat(Uint8Array.from([0x34, 0xff, ...be16(inner6.length + 8), 0, 0, 0, 1, 0, 0, 0, 0x85, 1, 0x10, 9, 0]), inner6)), INNER6, TUNNEL.GTP_U],
    // RFC 4380 §5.1.1: origin indication (0x0000, port, address) before the IPv6 packet.
    ['Teredo with an origin indication', overUdp(3544, 50000, concat(Uint8Array.from([0, 0, 0xc3, 0x50, 0x3f, 0xff, 0xff, 0xfe]), inner6)), INNER6, TUNNEL.TEREDO],
    ['Teredo with an authentication indicator', overUdp(3544, 50000, concat(Uint8Array.from([0, 1, 2, 1, 0xaa, 0xbb, 0xcc, 1, 2, 3, 4, 5, 6, 7, 8, 0]), inner6)), INNER6, TUNNEL.TEREDO],
    // RFC 7510: a label stack (bottom of stack set on the second label).
    ['MPLS-over-UDP', overUdp(49152, 6635, concat(Uint8Array.from([0, 0x10, 0x00, 64, 0, 0x20, 0x01, 64]), inner4)), INNER, TUNNEL.MPLS_UDP],
  ];
  test.each(cases)('%s', (_name, frame, spec, kind) => {
    const m = decode(frame);
    expect(tuple(m)).toEqual(alone(spec));
    expect([m.tunnelLayers, m.tunnelKinds]).toEqual([1, 1 << kind]);
    // Without --decap the same frame is the tunnel's own packet.
    const outer = decode(frame, DECODE_DEFAULTS);
    expect(formatAddress(outer.srcAddr, outer.ipVersion)).toMatch(/^(10\.0\.0\.1|fd00::1)$/);
    expect([outer.tunnelLayers, outer.tunnelKinds]).toEqual([0, 0]);
  });
});

describe('what is not entered', () => {
  test('a UDP tunnel port counts only as the lower port, or as the higher one beside an ephemeral port', () => {
    const vxlan = concat(Uint8Array.from([0x08, 0, 0, 0, 0, 0, 0x2a, 0]), eth(0x0800), inner4);
    // DNS answered to a client that happened to use port 4789: the lower port (53) is not a tunnel.
    expect(decode(overUdp(53, 4789, vxlan)).protocol).toBe(17);
    expect(decode(overUdp(4789, 53, vxlan)).tunnelLayers).toBe(0);
    expect(decode(overUdp(60000, 4789, vxlan)).tunnelLayers).toBe(1);
  });

  test('a tunnel without an IP packet inside stays the tunnel packet', () => {
    const outerOnly = (frame: Uint8Array): unknown[] => {
      const m = decode(frame);
      return [m.skip, formatAddress(m.srcAddr, 4), m.tunnelLayers];
    };
    const expected = [SKIP.NONE, '10.0.0.1', 0];
    // PPTP acknowledgement only (payload length 0, A bit).
    expect(outerOnly(overIp(47, Uint8Array.from([0x20, 0x81, 0x88, 0x0b, 0, 0, 0, 9, 0, 0, 0, 2])))).toEqual(expected);
    // PPTP carrying compressed data (PPP protocol 0x00FD, CCP).
    expect(outerOnly(overIp(47, concat(Uint8Array.from([0x30, 0x01, 0x88, 0x0b, 0, 20, 0, 9, 0, 0, 0, 1, 0x00, 0xfd]), new Uint8Array(18))))).toEqual(expected);
    // ARP inside VXLAN.
    expect(outerOnly(overUdp(51234, 4789, concat(new Uint8Array(8), eth(0x0806), new Uint8Array(28))))).toEqual(expected);
    // GTP-U signalling (Echo Request, message type 1), not a G-PDU.
    expect(outerOnly(overUdp(2152, 2152, Uint8Array.from([0x32, 0x01, 0, 4, 0, 0, 0, 0, 0, 1, 0, 0])))).toEqual(expected);
    // GRE with the obsolete routing bit; GRE version 2.
    expect(outerOnly(overIp(47, concat(Uint8Array.from([0x40, 0, 0x08, 0x00, 0, 0, 0, 0]), inner4)))).toEqual(expected);
    expect(outerOnly(overIp(47, concat(Uint8Array.from([0, 2, 0x08, 0x00]), inner4)))).toEqual(expected);
    // IP-in-IP whose inner header is cut by the capture: the outer packet, not a skip.
    const cut = overIp(4, inner4);
    expect(outerOnly(cut.subarray(0, cut.length - inner4.length + 10))).toEqual(expected);
    // A later fragment of a tunnel packet carries no tunnel header.
    const later = buildFrame({ ip: { version: 4, src: '10.0.0.1', dst: '10.0.0.2', fragmentOffset: 8 }, l4: { proto: 'other', protocol: 4 }, payload: inner4 }).bytes;
    expect(outerOnly(later)).toEqual(expected);
  });

  test('a first fragment of a tunnel packet is entered: its inner headers are whole (as tshark reads it)', () => {
    const first = buildFrame({ ip: { version: 4, src: '10.0.0.1', dst: '10.0.0.2', moreFragments: true }, l4: { proto: 'other', protocol: 4 }, payload: inner4 }).bytes;
    const m = decode(first);
    expect(tuple(m)).toEqual(alone(INNER));
    expect(m.tunnelLayers).toBe(1);
  });

  test('nesting: every layer is entered up to MAX_TUNNEL_LAYERS; one more is too_many_layers', () => {
    const nest = (depth: number): Uint8Array => {
      let ip = inner4;
      for (let i = 0; i < depth - 1; i++) ip = buildIpPacket({ ip: { version: 4, src: `10.9.${i}.1`, dst: `10.9.${i}.2` }, l4: { proto: 'other', protocol: 4 }, payload: ip }).bytes;
      return overIp(4, ip);
    };
    const deepest = decode(nest(MAX_TUNNEL_LAYERS));
    expect(tuple(deepest)).toEqual(alone(INNER));
    expect(deepest.tunnelLayers).toBe(MAX_TUNNEL_LAYERS);
    expect(decode(nest(MAX_TUNNEL_LAYERS + 1)).skip).toBe(SKIP.TOO_MANY_LAYERS);
    // Without --decap the same packet is an ordinary IPv4 packet of protocol 4.
    expect(decode(nest(MAX_TUNNEL_LAYERS + 1), DECODE_DEFAULTS).protocol).toBe(4);
  });

  test('kinds accumulate over layers: IPv6 in GRE in VXLAN', () => {
    const gre = buildIpPacket({ ip: { version: 4, src: '172.16.0.1', dst: '172.16.0.2' }, l4: { proto: 'other', protocol: 47 }, payload: concat(Uint8Array.from([0, 0, 0x86, 0xdd]), inner6) }).bytes;
    const m = decode(overUdp(50000, 4789, concat(new Uint8Array(8), eth(0x0800), gre)));
    expect(tuple(m)).toEqual(alone(INNER6));
    expect([m.tunnelLayers, m.tunnelKinds]).toEqual([2, (1 << TUNNEL.VXLAN) | (1 << TUNNEL.GRE)]);
  });

  test('the outermost VLAN id stays the outer frame\'s (an inner Ethernet header\'s tag is not it)', () => {
    const teb = concat(Uint8Array.from([0, 0, 0x65, 0x58]), eth(0x8100), Uint8Array.from([0, 77, 0x08, 0x00]), inner4);
    expect(decode(overIp(47, teb)).vlanId).toBe(-1);
    const tagged = buildFrame({ link: { kind: 'ethernet', encap: [{ kind: 'vlan', vid: 12 }] }, ip: { version: 4, src: '10.0.0.1', dst: '10.0.0.2' }, l4: { proto: 'other', protocol: 47 }, payload: teb }).bytes;
    expect(decode(tagged).vlanId).toBe(12);
  });
});
