// IP decoding: IPv4 header fields, options, length rules and fragments (RFC 791), IPv6 header and the
// extension-header walk (RFC 8200 §4, RFC 4302 for AH), the tunnel rule (the outermost header defines the flow),
// truncation sweeps and single-field flips. Expected numbers are header sizes from those RFCs, counted by hand.
import { describe, expect, test } from '@jest/globals';
import { formatAddress } from '../../../src/decode/address.js';
import { decodePacket } from '../../../src/decode/decoder.js';
import { MAX_IPV6_EXT_HEADERS } from '../../../src/decode/ip.js';
import { IPPROTO, SKIP, createPacketMeta, type PacketMeta, type SkipCode } from '../../../src/types.js';
import { buildFrame, buildIpPacket, type FrameSpec, type Ipv4Spec, type Ipv6ExtSpec, type Ipv6Spec } from '../../helpers/frame-builder.js';

const meta = createPacketMeta();
const V4: Ipv4Spec = { version: 4, src: '192.0.2.1', dst: '198.51.100.2' };
const V6: Ipv6Spec = { version: 6, src: '2001:db8::1', dst: '2001:db8::2' };
const UDP: FrameSpec['l4'] = { proto: 'udp', srcPort: 5353, dstPort: 53 };

function decode(bytes: Uint8Array, linkType = 1): PacketMeta {
  decodePacket(bytes, linkType, meta);
  return meta;
}

function cut(bytes: Uint8Array, len: number): [number, SkipCode, boolean] {
  decodePacket(bytes.subarray(0, len), 1, meta);
  return [len, meta.skip, meta.truncated];
}

describe('IPv4', () => {
  test('header fields', () => {
    const f = buildFrame({ ip: { ...V4, ttl: 3, tos: 0xb8 }, l4: UDP, payload: 12 });
    const m = decode(f.bytes);
    expect(m.skip).toBe(SKIP.NONE);
    expect(formatAddress(m.srcAddr, 4)).toBe('192.0.2.1');
    expect(formatAddress(m.dstAddr, 4)).toBe('198.51.100.2');
    // 20 (IPv4) + 8 (UDP) + 12 payload = 40
    expect([m.ipVersion, m.ipOffset, m.ipHeaderLen, m.ipTotalLen, m.ttl, m.tos, m.protocol]).toEqual([4, 14, 20, 40, 3, 0xb8, 17]);
    expect([m.isFragment, m.isLaterFragment, m.l4Offset]).toEqual([false, false, 34]);
    // Address bytes 4-15 are zero for IPv4 (nothing left from an earlier IPv6 packet).
    decode(buildFrame({ ip: { ...V6, src: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' }, l4: UDP }).bytes);
    decode(f.bytes);
    expect(Array.from(meta.srcAddr.subarray(4))).toEqual(new Array(12).fill(0));
  });

  test('options are skipped: IHL 6 and IHL 15 (60-byte header)', () => {
    for (const [opts, hdr] of [
      [[0x94, 0x04, 0, 0], 24], // Router Alert (RFC 2113)
      [new Array(40).fill(1), 60], // 40 NOPs
    ] as const) {
      const m = decode(buildFrame({ ip: { ...V4, options: opts }, l4: UDP, payload: 4 }).bytes);
      expect([m.skip, m.ipHeaderLen, m.ipTotalLen, m.l4Offset, m.srcPort, m.payloadLen]).toEqual([SKIP.NONE, hdr, hdr + 12, 14 + hdr, 5353, 4]);
    }
  });

  test('every version nibble but 4 is bad_ip_header behind EtherType 0x0800', () => {
    for (let v = 0; v < 16; v++) {
      if (v === 4) continue;
      const f = buildFrame({ ip: { ...V4, versionNibble: v }, l4: UDP });
      expect([v, decode(f.bytes).skip]).toEqual([v, SKIP.BAD_IP_HEADER]);
    }
  });

  test('IHL below 5 is bad_ip_header; IHL beyond the total length is bad_ip_header', () => {
    for (let ihl = 0; ihl < 5; ihl++) expect(decode(buildFrame({ ip: { ...V4, ihl }, l4: UDP }).bytes).skip).toBe(SKIP.BAD_IP_HEADER);
    // IHL 15 = 60 bytes but total length 28.
    expect(decode(buildFrame({ ip: { ...V4, ihl: 15 }, l4: UDP }).bytes).skip).toBe(SKIP.BAD_IP_HEADER);
    for (const totalLength of [1, 19]) {
      expect(decode(buildFrame({ ip: { ...V4, totalLength }, l4: UDP }).bytes).skip).toBe(SKIP.BAD_IP_HEADER);
    }
  });

  test('total length, not the frame, bounds the payload: Ethernet padding is not payload', () => {
    // 20 + 20 (TCP) + 0 payload = 40 bytes in a 60-byte minimum Ethernet frame: 6 bytes of padding.
    const f = buildFrame({ ip: V4, l4: { proto: 'tcp', srcPort: 1, dstPort: 2, flags: 0x10 }, trailer: 6 });
    expect(f.bytes.length).toBe(60);
    const m = decode(f.bytes);
    expect([m.ipTotalLen, m.payloadLen, m.capturedPayloadLen]).toEqual([40, 0, 0]);
  });

  test('total length 0 (TSO capture) means all captured bytes', () => {
    const f = buildFrame({ ip: { ...V4, totalLength: 0 }, l4: { proto: 'tcp', srcPort: 1, dstPort: 2 }, payload: 3000 });
    const m = decode(f.bytes);
    expect([m.skip, m.ipTotalLen, m.payloadLen, m.capturedPayloadLen]).toEqual([SKIP.NONE, 20 + 20 + 3000, 3000, 3000]);
  });

  test('total length beyond the capture: payloadLen from IP, capturedPayloadLen what is there', () => {
    const f = buildFrame({ ip: V4, l4: UDP, payload: 1000 });
    const m = decode(f.bytes.subarray(0, 14 + 20 + 8 + 100));
    expect([m.skip, m.truncated, m.ipTotalLen, m.payloadLen, m.capturedPayloadLen]).toEqual([SKIP.NONE, false, 1028, 1000, 100]);
  });

  test('fragments: the first carries ports, later ones keep the protocol only', () => {
    const first = decode(buildFrame({ ip: { ...V4, moreFragments: true }, l4: UDP, payload: 1472 }).bytes);
    expect([first.isFragment, first.isLaterFragment, first.hasPorts, first.srcPort, first.protocol, first.payloadLen]).toEqual([
      true,
      false,
      true,
      5353,
      17,
      1472,
    ]);
    // A middle fragment at offset 185 (x 8 = 1480 bytes): no transport header, its 1480 data bytes are payload.
    const mid = decode(buildFrame({ ip: { ...V4, moreFragments: true, fragmentOffset: 185, protocol: 17 }, payload: 1480 }).bytes);
    expect([mid.skip, mid.isFragment, mid.isLaterFragment, mid.hasPorts, mid.srcPort, mid.protocol]).toEqual([
      SKIP.NONE,
      true,
      true,
      false,
      0,
      17,
    ]);
    expect([mid.l4Offset, mid.l4HeaderLen, mid.payloadLen, mid.capturedPayloadLen]).toEqual([-1, 0, 1480, 1480]);
    // The last fragment (MF clear, offset set) is a later fragment too, even when its bytes look like UDP.
    const last = decode(buildFrame({ ip: { ...V4, fragmentOffset: 370 }, l4: UDP, payload: 10 }).bytes);
    expect([last.isFragment, last.isLaterFragment, last.hasPorts, last.protocol, last.payloadLen]).toEqual([true, true, false, 17, 18]);
    // DF alone is not a fragment.
    const df = decode(buildFrame({ ip: { ...V4, dontFragment: true }, l4: UDP }).bytes);
    expect([df.isFragment, df.isLaterFragment, df.hasPorts]).toEqual([false, false, true]);
  });

  test('tunnels are not entered: IPIP, 6in4, GRE keep the outer header', () => {
    const inner4 = buildIpPacket({ ip: { version: 4, src: '10.9.9.9', dst: '10.8.8.8' }, l4: { proto: 'tcp', srcPort: 7, dstPort: 8 } }).bytes;
    const inner6 = buildIpPacket({ ip: { version: 6, src: 'fd00::9', dst: 'fd00::8' }, l4: UDP }).bytes;
    const gre = Uint8Array.from([0, 0, 0x08, 0x00, ...inner4]); // RFC 2784 base header, protocol IPv4
    for (const [protocol, payload] of [
      [IPPROTO.IPIP, inner4],
      [IPPROTO.IPV6, inner6],
      [IPPROTO.GRE, gre],
    ] as const) {
      const m = decode(buildFrame({ ip: V4, l4: { proto: 'other', protocol }, payload }).bytes);
      expect([m.skip, m.protocol, m.hasPorts, formatAddress(m.srcAddr, 4), m.l4HeaderLen, m.payloadLen]).toEqual([
        SKIP.NONE,
        protocol,
        false,
        '192.0.2.1',
        0,
        payload.length,
      ]);
    }
    const m = decode(buildFrame({ ip: V6, l4: { proto: 'other', protocol: IPPROTO.IPIP }, payload: inner4 }).bytes);
    expect([m.ipVersion, m.protocol, formatAddress(m.srcAddr, 6)]).toEqual([6, 4, '2001:db8::1']);
  });

  test('truncation sweep: IPv4 with 8 option bytes and UDP', () => {
    const f = buildFrame({ ip: { ...V4, options: [1, 1, 1, 1, 1, 1, 1, 0] }, l4: UDP, payload: 5 });
    // IP header 28 bytes at 14; UDP ports at 42..45; UDP header ends at 50.
    for (let len = 14; len < f.bytes.length; len++) {
      let want: [number, SkipCode, boolean];
      if (len < 14 + 20) want = [len, SKIP.TRUNCATED_IP, false];
      else if (len < 42 + 4) want = [len, SKIP.TRUNCATED_TRANSPORT, len < 42]; // options cut -> truncated flag too
      else if (len < 50) want = [len, SKIP.NONE, true];
      else want = [len, SKIP.NONE, false];
      expect(cut(f.bytes, len)).toEqual(want);
    }
    // Without ports (GRE), cut options leave the flow tuple known: none + truncated.
    const g = buildFrame({ ip: { ...V4, options: [1, 1, 1, 0] }, l4: { proto: 'other', protocol: 47 }, payload: 4 });
    expect(cut(g.bytes, 14 + 22)).toEqual([36, SKIP.NONE, true]);
    expect(meta.protocol).toBe(47);
    expect(cut(g.bytes, 14 + 24)).toEqual([38, SKIP.NONE, false]);
  });
});

describe('IPv6', () => {
  test('header fields', () => {
    const f = buildFrame({ ip: { ...V6, hopLimit: 255, trafficClass: 0xa5, flowLabel: 0xfffff }, l4: UDP, payload: 12 });
    const m = decode(f.bytes);
    expect(formatAddress(m.srcAddr, 6)).toBe('2001:db8::1');
    expect(formatAddress(m.dstAddr, 6)).toBe('2001:db8::2');
    // 40 + 8 + 12 = 60
    expect([m.skip, m.ipVersion, m.ipOffset, m.ipHeaderLen, m.ipTotalLen, m.ttl, m.tos, m.protocol, m.l4Offset]).toEqual([
      SKIP.NONE,
      6,
      14,
      40,
      60,
      255,
      0xa5,
      17,
      54,
    ]);
  });

  test('every version nibble but 6 is bad_ip_header behind EtherType 0x86DD', () => {
    for (let v = 0; v < 16; v++) {
      if (v === 6) continue;
      expect([v, decode(buildFrame({ ip: { ...V6, versionNibble: v }, l4: UDP }).bytes).skip]).toEqual([v, SKIP.BAD_IP_HEADER]);
    }
  });

  const chains: [string, Ipv6ExtSpec[], number][] = [
    // [name, chain, header bytes before the transport header]
    ['hop-by-hop', [{ type: 0 }], 48],
    ['hop-by-hop 24 bytes', [{ type: 0, length: 24 }], 64],
    ['routing', [{ type: 43, length: 16 }], 56],
    ['destination options', [{ type: 60 }], 48],
    ['AH: (len + 2) x 4', [{ type: 51, length: 24 }], 64],
    ['mobility', [{ type: 135 }], 48],
    ['HIP', [{ type: 139 }], 48],
    ['SHIM6', [{ type: 140 }], 48],
    ['atomic fragment (offset 0, M 0)', [{ type: 44 }], 48],
    ['hop + routing + frag + dst + AH', [{ type: 0 }, { type: 43, length: 16 }, { type: 44 }, { type: 60 }, { type: 51, length: 16 }], 96],
  ];
  test.each(chains)('extension chain: %s', (_name, extensions, hdr) => {
    const m = decode(buildFrame({ ip: { ...V6, extensions }, l4: UDP, payload: 7 }).bytes);
    expect([m.skip, m.protocol, m.ipHeaderLen, m.l4Offset, m.srcPort, m.dstPort, m.payloadLen, m.isFragment]).toEqual([
      SKIP.NONE,
      17,
      hdr,
      14 + hdr,
      5353,
      53,
      7,
      false,
    ]);
    expect(m.ipTotalLen).toBe(hdr + 8 + 7);
  });

  test('fragment header: first fragment has ports, later fragments keep the protocol only', () => {
    const first = decode(buildFrame({ ip: { ...V6, extensions: [{ type: 44, more: true }] }, l4: UDP, payload: 100 }).bytes);
    expect([first.isFragment, first.isLaterFragment, first.hasPorts, first.protocol, first.ipHeaderLen]).toEqual([true, false, true, 17, 48]);
    const later = decode(
      buildFrame({ ip: { ...V6, extensions: [{ type: 0 }, { type: 44, offset: 100, more: true }] }, l4: UDP, payload: 100 }).bytes,
    );
    // The fragment's data (8 bytes that look like UDP + 100) is all payload.
    expect([later.skip, later.isFragment, later.isLaterFragment, later.hasPorts, later.protocol, later.ipHeaderLen]).toEqual([
      SKIP.NONE,
      true,
      true,
      false,
      17,
      56,
    ]);
    expect([later.l4Offset, later.l4HeaderLen, later.payloadLen, later.srcPort]).toEqual([-1, 0, 108, 0]);
  });

  test('ESP (50) and No Next Header (59) end the walk without ports', () => {
    for (const protocol of [50, 59]) {
      const m = decode(buildFrame({ ip: { ...V6, extensions: [{ type: 0 }] }, l4: { proto: 'other', protocol }, payload: 40 }).bytes);
      expect([m.skip, m.protocol, m.hasPorts, m.ipHeaderLen, m.payloadLen]).toEqual([SKIP.NONE, protocol, false, 48, 40]);
    }
  });

  test('a chain that runs past the payload length is bad_ipv6_ext', () => {
    // Hdr Ext Len 10 claims 88 bytes in a datagram whose payload is 8 + 8 + 2.
    const f = buildFrame({ ip: { ...V6, extensions: [{ type: 60, hdrExtLen: 10 }] }, l4: UDP, payload: 2 });
    expect(decode(f.bytes).skip).toBe(SKIP.BAD_IPV6_EXT);
    // The same with padding bytes after the datagram: the bytes exist but are not part of it.
    const g = buildFrame({ ip: { ...V6, extensions: [{ type: 60, hdrExtLen: 2 }] }, l4: UDP, payload: 2, trailer: 20 }); // 24 > 18
    expect(decode(g.bytes).skip).toBe(SKIP.BAD_IPV6_EXT);
    // Payload length too short for the first extension header's two bytes.
    const h = buildFrame({ ip: { ...V6, payloadLength: 1, extensions: [{ type: 0 }] }, l4: UDP });
    expect(decode(h.bytes).skip).toBe(SKIP.BAD_IPV6_EXT);
    // AH whose Payload Len makes it longer than the datagram.
    const a = buildFrame({ ip: { ...V6, extensions: [{ type: 51, payloadLen: 200 }] }, l4: UDP });
    expect(decode(a.bytes).skip).toBe(SKIP.BAD_IPV6_EXT);
  });

  test(`at most ${MAX_IPV6_EXT_HEADERS} extension headers`, () => {
    const many = (n: number): Ipv6ExtSpec[] => Array.from({ length: n }, () => ({ type: 60 as const }));
    const ok = decode(buildFrame({ ip: { ...V6, extensions: many(MAX_IPV6_EXT_HEADERS) }, l4: UDP }).bytes);
    expect([ok.skip, ok.protocol, ok.ipHeaderLen]).toEqual([SKIP.NONE, 17, 40 + 8 * MAX_IPV6_EXT_HEADERS]);
    expect(decode(buildFrame({ ip: { ...V6, extensions: many(MAX_IPV6_EXT_HEADERS + 1) }, l4: UDP }).bytes).skip).toBe(SKIP.BAD_IPV6_EXT);
  });

  test('payload length 0 (jumbogram / TSO) means all captured bytes', () => {
    const m = decode(buildFrame({ ip: { ...V6, payloadLength: 0 }, l4: UDP, payload: 100 }).bytes);
    expect([m.skip, m.ipTotalLen, m.payloadLen]).toEqual([SKIP.NONE, 148, 100]);
    // ... but an empty No Next Header datagram (54 bytes) padded to the 60-byte Ethernet minimum is 40 bytes.
    const e = decode(buildFrame({ ip: V6, trailer: 6 }).bytes);
    expect([e.skip, e.protocol, e.ipTotalLen, e.payloadLen]).toEqual([SKIP.NONE, 59, 40, 0]);
  });

  test('truncation sweep through hop-by-hop (8) + fragment (8) + routing (16) + UDP', () => {
    const f = buildFrame({ ip: { ...V6, extensions: [{ type: 0 }, { type: 44, more: true }, { type: 43, length: 16 }] }, l4: UDP, payload: 4 });
    // IPv6 header 14..53; hop-by-hop 54..61; fragment 62..69; routing 70..85; UDP 86..93.
    for (let len = 14; len < f.bytes.length; len++) {
      let want: [number, SkipCode, boolean];
      if (len < 54) want = [len, SKIP.TRUNCATED_IP, false];
      else if (len < 56) want = [len, SKIP.TRUNCATED_IP, false]; // hop-by-hop next/len bytes missing
      else if (len < 70) want = [len, SKIP.TRUNCATED_IP, false]; // fragment header needs all 8; then routing's 2
      else if (len < 72) want = [len, SKIP.TRUNCATED_IP, false];
      else if (len < 86 + 4) want = [len, SKIP.TRUNCATED_TRANSPORT, false];
      else if (len < 94) want = [len, SKIP.NONE, true];
      else want = [len, SKIP.NONE, false];
      expect(cut(f.bytes, len)).toEqual(want);
    }
  });
});
