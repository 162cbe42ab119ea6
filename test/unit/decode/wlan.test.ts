// 802.11 link types (bare 105, radiotap 127, PPI 192): data frames of every header shape reach the right IP
// header; cuts at every length give the exact skip code; the FCS that radiotap or PPI announce is not read as IP
// bytes; encrypted, management, control, null and fragment frames are not_ip; malformed capture headers never
// throw. Expected offsets are hand counts from the specs cited. (The real 802.11 captures are compared with
// tshark in link.test.ts, with the other link types.)
import { describe, expect, test } from '@jest/globals';
import { formatAddress } from '../../../src/decode/address.js';
import { decodePacket, isSupportedLinkType } from '../../../src/decode/decoder.js';
import { WlanResult, parsePpi, parseRadiotap, wlanMsdu } from '../../../src/decode/wlan.js';
import { SKIP, createPacketMeta, type SkipCode } from '../../../src/types.js';
import { buildFrame, wrapLink, type FrameSpec, type Ipv4Spec, type LinkSpec, type WlanSpec } from '../../helpers/frame-builder.js';

const meta = createPacketMeta();
const V4: Ipv4Spec = { version: 4, src: '192.0.2.1', dst: '198.51.100.2' };
const V6: FrameSpec['ip'] = { version: 6, src: '2001:db8::1', dst: '2001:db8::2' };
const TCP: FrameSpec['l4'] = { proto: 'tcp', srcPort: 40000, dstPort: 443, flags: 0x18 };
const UDP: FrameSpec['l4'] = { proto: 'udp', srcPort: 5353, dstPort: 53 };

// Hand counts. 802.11 MAC header (IEEE 802.11-2020 §9.3.2.1): 24; +6 Address 4; +2 QoS Control; +4 HT Control.
// LLC/SNAP (RFC 1042): 8. A-MSDU subframe header (§9.3.2.2.2): 14.
// Radiotap (radiotap.org) as the builder lays it out: 8 fixed + TSFT (u64 at 8) + Flags (u8 at 16) + Rate (u8 at 17)
// + Channel (2 x u16 at 18) = 22; without TSFT 8 + 1 + 1 + 4 = 14; one extra it_present word moves TSFT to 16
// (aligned to 8), so 16 + 8 + 1 + 1 + 4 = 30.
// PPI: 8 fixed + 802.11-Common field (4 + 20) = 32; with the aligned flag and a 3-byte field before it, + 4 + 4 = 40.
const cases: [string, LinkSpec, number, number][] = [
  // [name, link, IP offset, FCS bytes after the datagram]
  ['105 Data, To DS: 24 + 8', { kind: 'wlan' }, 32, 0],
  ['105 Data, From DS', { kind: 'wlan', wlan: { toDs: false, fromDs: true } }, 32, 0],
  ['105 QoS Data: 26 + 8', { kind: 'wlan', wlan: { qos: true } }, 34, 0],
  ['105 4-address QoS Data: 30 + 2 + 8', { kind: 'wlan', wlan: { qos: true, toDs: true, fromDs: true } }, 40, 0],
  ['105 QoS Data with +HTC/Order: 26 + 4 + 8', { kind: 'wlan', wlan: { qos: true, htc: true } }, 38, 0],
  ['105 4-address QoS + HTC: 30 + 2 + 4 + 8', { kind: 'wlan', wlan: { qos: true, htc: true, fromDs: true } }, 44, 0],
  ['105 Order bit on non-QoS Data carries no HT Control: 24 + 8', { kind: 'wlan', wlan: { htc: true } }, 32, 0],
  ['105 A-MSDU: 26 + 14 + 8', { kind: 'wlan', wlan: { qos: true, amsdu: true } }, 48, 0],
  ['127 radiotap 22 + QoS Data 26 + 8', { kind: 'radiotap', wlan: { qos: true } }, 56, 0],
  ['127 radiotap without TSFT: 14 + 24 + 8', { kind: 'radiotap', tsft: false }, 46, 0],
  ['127 radiotap without Flags: 8 + 8 (TSFT) + 1 (Rate) + 1 (pad) + 4 = 22, + 24 + 8', { kind: 'radiotap', omitFlags: true }, 54, 0],
  ['127 extended it_present: 30 + 24 + 8', { kind: 'radiotap', extraPresentWords: 1 }, 62, 0],
  ['127 two extended it_present words: 16 + 8 + 1 + 1 + 4 = 30', { kind: 'radiotap', extraPresentWords: 2 }, 62, 0],
  ['127 with FCS', { kind: 'radiotap', fcs: true, wlan: { qos: true } }, 56, 4],
  ['127 DATAPAD: QoS header 26 padded to 28', { kind: 'radiotap', dataPad: true, wlan: { qos: true } }, 22 + 28 + 8, 0],
  ['127 DATAPAD, 4-address QoS 32 stays 32, FCS', { kind: 'radiotap', dataPad: true, fcs: true, wlan: { qos: true, fromDs: true } }, 22 + 32 + 8, 4],
  ['127 DATAPAD + A-MSDU: 22 + 28 + 14 + 8', { kind: 'radiotap', dataPad: true, wlan: { qos: true, amsdu: true } }, 72, 0],
  ['192 PPI 32 + Data 24 + 8', { kind: 'ppi' }, 64, 0],
  ['192 PPI with FCS + QoS Data', { kind: 'ppi', fcs: true, inner: { kind: 'wlan', wlan: { qos: true } } }, 66, 4],
  ['192 PPI aligned fields: 40 + 24 + 8, FCS', { kind: 'ppi', aligned: true, fcs: true }, 72, 4],
  ['192 PPI around Ethernet: 32 + 14', { kind: 'ppi', inner: { kind: 'ethernet' } }, 46, 0],
];

describe('802.11 data frames', () => {
  test.each(cases)('%s', (_name, link, ipOffset, fcs) => {
    for (const [ip, l4] of [
      [V4, TCP],
      [V6, UDP],
    ] as const) {
      const f = buildFrame({ link, ip, l4, payload: 5 });
      expect(f.ipOffset).toBe(ipOffset); // the builder agrees with the hand count
      expect(f.bytes.length).toBe(ipOffset + f.ipTotalLen + fcs);
      expect(isSupportedLinkType(f.linkType)).toBe(true);
      expect(decodePacket(f.bytes, f.linkType, meta)).toBe(SKIP.NONE);
      expect([meta.ipVersion, meta.ipOffset, meta.srcPort, meta.dstPort, meta.payloadLen, meta.truncated]).toEqual([
        ip.version,
        ipOffset,
        l4.srcPort,
        l4.dstPort,
        5,
        false,
      ]);
      expect(formatAddress(meta.srcAddr, ip.version)).toBe(ip.src);
      expect(formatAddress(meta.dstAddr, ip.version)).toBe(ip.dst);
      // Every prefix: the link layer (and, with an FCS, the 4 bytes the FCS is assumed to take from the end) is
      // cut before the IP header starts -> truncated_link; then the fixed IP header is cut -> truncated_ip.
      const fixed = ip.version === 4 ? 20 : 40;
      for (let len = 0; len < ipOffset + fcs + fixed; len++) {
        const want: SkipCode = len < ipOffset + fcs ? SKIP.TRUNCATED_LINK : SKIP.TRUNCATED_IP;
        expect([len, decodePacket(f.bytes.subarray(0, len), f.linkType, meta)]).toEqual([len, want]);
      }
    }
  });
});

describe('FCS stripping', () => {
  // An IPv4 total length of 0 (TSO captures) makes the decoder take "all captured bytes" as the datagram, so a
  // stray FCS would show up in ipTotalLen and payloadLen: 20 (IP) + 20 (TCP) + 10 payload = 50 exactly.
  const tso: FrameSpec = { ip: { ...V4, totalLength: 0 }, l4: TCP, payload: 10 };
  test.each<[string, LinkSpec]>([
    ['radiotap Flags "FCS at end"', { kind: 'radiotap', fcs: true }],
    ['radiotap FCS with DATAPAD and extended present words', { kind: 'radiotap', fcs: true, dataPad: true, extraPresentWords: 2, wlan: { qos: true } }],
    ['PPI 802.11-Common "FCS present"', { kind: 'ppi', fcs: true }],
    ['PPI FCS with aligned fields', { kind: 'ppi', fcs: true, aligned: true }],
  ])('%s', (_name, link) => {
    const f = buildFrame({ ...tso, link });
    expect(decodePacket(f.bytes, f.linkType, meta)).toBe(SKIP.NONE);
    expect([meta.ipTotalLen, meta.payloadLen, meta.capturedPayloadLen]).toEqual([50, 10, 10]);
  });

  test('without the flag the 4 trailing bytes are part of the frame', () => {
    // The same 4 bytes as a trailer, but no FCS bit: 54 captured bytes after the link header.
    const f = buildFrame({ ...tso, link: { kind: 'radiotap' }, trailer: 4 });
    expect(decodePacket(f.bytes, f.linkType, meta)).toBe(SKIP.NONE);
    expect([meta.ipTotalLen, meta.payloadLen]).toEqual([54, 14]);
    const g = buildFrame({ ...tso, link: { kind: 'wlan' }, trailer: 4 }); // bare 802.11: never an FCS
    expect(decodePacket(g.bytes, g.linkType, meta)).toBe(SKIP.NONE);
    expect(meta.ipTotalLen).toBe(54);
  });

  test('PPI applies its FCS flag to 802.11 only', () => {
    // Around Ethernet (DLT 1) the flag is ignored, as Wireshark does: 4 trailing bytes stay in the frame.
    const f = buildFrame({ ...tso, link: { kind: 'ppi', fcs: true, inner: { kind: 'ethernet' } } });
    expect(decodePacket(f.bytes, f.linkType, meta)).toBe(SKIP.NONE);
    expect(meta.ipTotalLen).toBe(54);
  });

  test('a VLAN tag inside the 802.11 LLC/SNAP survives the decode that stops before the FCS', () => {
    // SNAP EtherType 0x8100, TCI (VID 77), EtherType 0x0800, then the IPv4 datagram with total length 0.
    const ip = buildFrame({ ...tso, link: { kind: 'raw' } }).bytes;
    const tagged = Uint8Array.from([0x00, 77, 0x08, 0x00, ...ip]);
    const f = wrapLink({ kind: 'radiotap', fcs: true }, 0x8100, 4, tagged);
    expect(decodePacket(f.bytes, 127, meta)).toBe(SKIP.NONE);
    expect([meta.vlanId, meta.ipOffset, meta.ipTotalLen, meta.payloadLen]).toEqual([77, f.l3Offset + 4, 50, 10]);
  });

  test('a payload cut by the capture length stays cut after the FCS is taken off', () => {
    const f = buildFrame({ link: { kind: 'radiotap', fcs: true }, ip: V4, l4: TCP, payload: 100 });
    // Keep the headers and 30 payload bytes plus 4 bytes the decoder takes for the FCS.
    const cut = f.bytes.subarray(0, f.payloadOffset + 30 + 4);
    expect(decodePacket(cut, f.linkType, meta)).toBe(SKIP.NONE);
    expect([meta.payloadLen, meta.capturedPayloadLen]).toEqual([100, 30]);
  });
});

describe('802.11 frames that carry no IP', () => {
  const body = buildFrame({ link: { kind: 'raw' }, ip: V4, l4: TCP }).bytes;
  // [name, 802.11 header spec] per IEEE 802.11-2020 §9.2.4.1.3 Table 9-1 and §9.2.4.1.9.
  const notIp: [string, WlanSpec][] = [
    ['protected (encrypted) Data', { protected: true }],
    ['protected QoS Data', { qos: true, protected: true }],
    ['Beacon (management, subtype 8)', { type: 0, subtype: 8, toDs: false }],
    ['Action (management, subtype 13)', { type: 0, subtype: 13, toDs: false }],
    ['Ack (control, subtype 13)', { type: 1, subtype: 13, toDs: false }],
    ['Null (data subtype 4)', { subtype: 4 }],
    ['QoS Null (data subtype 12)', { subtype: 12, qos: true }],
    ['CF-Ack (data subtype 1) still has a body', { subtype: 1 }],
    ['extension frame (type 3)', { type: 3, subtype: 0 }],
    ['second fragment', { fragment: 1 }],
  ];
  test.each(notIp)('%s', (name, wlan) => {
    for (const link of [
      { kind: 'wlan', wlan },
      { kind: 'radiotap', wlan, fcs: true },
      { kind: 'ppi', inner: { kind: 'wlan', wlan } },
    ] as LinkSpec[]) {
      const f = wrapLink(link, 0x0800, 4, body);
      const lt = buildFrame({ link, ip: V4 }).linkType;
      if (name.startsWith('CF-Ack')) {
        // Subtype 1 (Data + CF-Ack) has a Frame Body (Table 9-1: bit 2 clear), so it decodes.
        expect(decodePacket(f.bytes, lt, meta)).toBe(SKIP.NONE);
        continue;
      }
      expect(decodePacket(f.bytes, lt, meta)).toBe(SKIP.NOT_IP);
      expect(meta.protocol).toBe(-1);
      // Frame Control alone decides for all but the fragment number (Sequence Control, bytes 22-23): the
      // capture header and 2 bytes of 802.11 are enough to say not_ip; with an FCS, 4 more bytes.
      const fcAt = f.l3Offset - 8 - macHeaderLen(wlan);
      const fcs = link.kind === 'radiotap' ? 4 : 0;
      const decided = (name === 'second fragment' ? fcAt + macHeaderLen(wlan) : fcAt + 2) + fcs;
      for (let len = 0; len < f.bytes.length; len++) {
        const want: SkipCode = len < decided ? SKIP.TRUNCATED_LINK : SKIP.NOT_IP;
        expect([len, decodePacket(f.bytes.subarray(0, len), lt, meta)]).toEqual([len, want]);
      }
    }
  });

  test('LLC/SNAP carrying EAPOL, or LLC without SNAP, is not IP', () => {
    const eapol = wrapLink({ kind: 'radiotap', wlan: { qos: true } }, 0x888e, 4, new Uint8Array(99));
    expect(decodePacket(eapol.bytes, 127, meta)).toBe(SKIP.NOT_IP);
    const f = buildFrame({ link: { kind: 'wlan' }, ip: V4, l4: TCP });
    const stp = f.bytes.slice();
    stp.set([0x42, 0x42, 0x03], 24); // DSAP/SSAP 0x42 (spanning tree), UI
    expect(decodePacket(stp, 105, meta)).toBe(SKIP.NOT_IP);
  });

  test('protocol version other than 0 is not decoded', () => {
    const f = buildFrame({ link: { kind: 'wlan' }, ip: V4, l4: TCP });
    const bad = f.bytes.slice();
    bad[0] = (bad[0] ?? 0) | 0x01;
    expect(decodePacket(bad, 105, meta)).toBe(SKIP.NOT_IP);
  });
});

/** MAC header length of a WlanSpec (for the offsets of the not-IP tests), per §9.3.2.1. */
function macHeaderLen(w: { qos?: boolean; htc?: boolean; toDs?: boolean; fromDs?: boolean }): number {
  return 24 + ((w.toDs ?? true) && w.fromDs === true ? 6 : 0) + (w.qos === true ? 2 + (w.htc === true ? 4 : 0) : 0);
}

describe('malformed capture headers', () => {
  const r = new WlanResult();
  const rt = buildFrame({ link: { kind: 'radiotap', fcs: true }, ip: V4, l4: TCP });

  test('radiotap: version, it_len below 8, present bitmaps or Flags past it_len: not_ip', () => {
    const v1 = rt.bytes.slice();
    v1[0] = 1;
    expect(decodePacket(v1, 127, meta)).toBe(SKIP.NOT_IP);
    const short = rt.bytes.slice();
    short[2] = 7;
    short[3] = 0;
    expect(decodePacket(short, 127, meta)).toBe(SKIP.NOT_IP);
    // it_len 8 but it_present says TSFT + Flags: Flags would sit at 16, outside the header.
    const noRoom = rt.bytes.slice();
    noRoom[2] = 8;
    expect(parseRadiotap(noRoom, 0, noRoom.length, r)).toBe(SKIP.NOT_IP);
    // bit 31 set in every it_present word up to it_len: the chain runs out of the header.
    const chain = Uint8Array.from([0, 0, 16, 0, 0, 0, 0, 0x80, 0, 0, 0, 0x80, 0, 0, 0, 0x80, 0x88, 0x01]);
    expect(parseRadiotap(chain, 0, chain.length, r)).toBe(SKIP.NOT_IP);
    // it_len larger than the capture: truncated.
    const long = rt.bytes.slice(0, 30);
    long[2] = 200;
    expect(decodePacket(long, 127, meta)).toBe(SKIP.TRUNCATED_LINK);
  });

  test('radiotap: fields are reported as the header says', () => {
    expect(parseRadiotap(rt.bytes, 0, rt.bytes.length, r)).toBe(SKIP.NONE);
    expect([r.offset, r.end, r.dataPad]).toEqual([22, rt.bytes.length - 4, false]);
    // The same header parsed at an offset inside a larger buffer: alignment counts from the header start.
    const shifted = new Uint8Array(rt.bytes.length + 3);
    shifted.set(rt.bytes, 3);
    expect(parseRadiotap(shifted, 3, shifted.length, r)).toBe(SKIP.NONE);
    expect([r.offset, r.end]).toEqual([25, shifted.length - 4]);
  });

  test('PPI: version, pph_len below 8, unsupported or nested DLT', () => {
    const f = buildFrame({ link: { kind: 'ppi', fcs: true }, ip: V4, l4: TCP });
    expect(parsePpi(f.bytes, 0, f.bytes.length, r)).toBe(SKIP.NONE);
    expect([r.offset, r.dlt, r.end]).toEqual([32, 105, f.bytes.length - 4]);
    const v1 = f.bytes.slice();
    v1[0] = 1;
    expect(decodePacket(v1, 192, meta)).toBe(SKIP.NOT_IP);
    const short = f.bytes.slice();
    short[2] = 4;
    expect(decodePacket(short, 192, meta)).toBe(SKIP.NOT_IP);
    const usb = f.bytes.slice();
    usb[4] = 189; // LINKTYPE_USB_LINUX: not decoded
    expect(decodePacket(usb, 192, meta)).toBe(SKIP.UNSUPPORTED_LINK_TYPE);
    const nested = buildFrame({ link: { kind: 'ppi', inner: { kind: 'ppi' } }, ip: V4, l4: TCP });
    expect(decodePacket(nested.bytes, 192, meta)).toBe(SKIP.TOO_MANY_LAYERS);
    // A field whose length runs past pph_len ends the field walk; the packet still decodes (no FCS known).
    const odd = f.bytes.slice();
    odd[10] = 0xff;
    expect(parsePpi(odd, 0, odd.length, r)).toBe(SKIP.NONE);
    expect(r.end).toBe(odd.length);
  });

  test('wlanMsdu works at an offset and reports the LLC start', () => {
    const f = buildFrame({ link: { kind: 'wlan', wlan: { qos: true, amsdu: true, fromDs: true } }, ip: V4, l4: TCP });
    expect(wlanMsdu(f.bytes, 0, f.bytes.length, false, r)).toBe(SKIP.NONE);
    expect(r.offset).toBe(30 + 2 + 14); // 4-address QoS header + A-MSDU subframe header; LLC starts here
  });

  test('random bytes under each 802.11 link type never throw', () => {
    let seed = 12345;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    const bases = [rt.bytes, buildFrame({ link: { kind: 'ppi', fcs: true }, ip: V6, l4: UDP }).bytes];
    for (let i = 0; i < 4000; i++) {
      const base = bases[i & 1]!;
      const b = base.slice(0, rnd() % (base.length + 1));
      for (let k = 0; k < 3; k++) if (b.length > 0) b[rnd() % b.length] = rnd();
      for (const lt of [105, 127, 192]) {
        const got = decodePacket(b, lt, meta);
        expect(got).toBe(meta.skip);
        if (got === SKIP.NONE) expect(meta.ipOffset).toBeLessThan(b.length);
      }
    }
  });
});
