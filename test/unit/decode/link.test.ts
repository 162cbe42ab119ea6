// Link-layer decoding: every supported link type and Ethernet encapsulation reaches the right IP header; cuts at
// every length inside the link header give truncated_link; non-IP payloads give not_ip; deep stacks give
// too_many_layers. Frames come from frame-builder; expected offsets are the header sizes of the specs cited.
// The real captures of the less common link types (802.11, PPI, FDDI, NFLOG, IPoIB) are compared with tshark;
// 802.11 frame shapes are tested in wlan.test.ts.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CaptureParser } from '../../../src/capture/capture-parser.js';
import { formatAddress } from '../../../src/decode/address.js';
import { decodePacket, isSupportedLinkType } from '../../../src/decode/decoder.js';
import { L3, LinkResult, MAX_ENCAP_LAYERS, decodeLink } from '../../../src/decode/link.js';
import { SKIP, createPacketMeta, type SkipCode } from '../../../src/types.js';
import { buildFrame, wrapLink, type EncapSpec, type FrameSpec, type Ipv4Spec, type LinkSpec } from '../../helpers/frame-builder.js';
import { HAVE_SHARED, TESTDATA_DIR } from '../../helpers/paths.js';
import { HAVE_TSHARK, tsharkFields } from '../../helpers/tshark.js';

const meta = createPacketMeta();
const V4: FrameSpec['ip'] = { version: 4, src: '192.0.2.1', dst: '198.51.100.2' };
const V6: FrameSpec['ip'] = { version: 6, src: '2001:db8::1', dst: '2001:db8::2' };
const TCP: FrameSpec['l4'] = { proto: 'tcp', srcPort: 40000, dstPort: 443, flags: 0x18 };

describe('link types', () => {
  // [spec, IPv4 link header length, IPv6 link header length] per https://www.tcpdump.org/linktypes.html
  const cases: [string, LinkSpec, number, number][] = [
    ['Ethernet (1): 14', { kind: 'ethernet' }, 14, 14],
    ['Linux SLL (113): 16', { kind: 'sll' }, 16, 16],
    ['Linux SLL2 (276): 20', { kind: 'sll2' }, 20, 20],
    ['NULL (0) little-endian family: 4', { kind: 'null' }, 4, 4],
    ['NULL (0) big-endian family: 4', { kind: 'null', byteOrder: 'be' }, 4, 4],
    ['LOOP (108): 4', { kind: 'loop' }, 4, 4],
    ['RAW (101): 0', { kind: 'raw' }, 0, 0],
    ['RAW (12): 0', { kind: 'raw', linkType: 12 }, 0, 0],
    ['RAW (14): 0', { kind: 'raw', linkType: 14 }, 0, 0],
    ['PPP (9) with FF 03: 4', { kind: 'ppp' }, 4, 4],
    ['PPP (9) without FF 03: 2', { kind: 'ppp', addressControl: false }, 2, 2],
    ['PPP_HDLC (50): 4', { kind: 'ppp-hdlc' }, 4, 4],
    ['Cisco HDLC (104): 4', { kind: 'c-hdlc' }, 4, 4],
    ['FDDI (10): frame control 1 + 2 x 6 + LLC/SNAP 8 = 21', { kind: 'fddi' }, 21, 21],
    ['FDDI (10) asynchronous LLC, priority 7 (frame control 0x57)', { kind: 'fddi', frameControl: 0x57 }, 21, 21],
    ['IPoIB (242): 40-byte pseudo-header + RFC 4391 type/reserved 4 = 44', { kind: 'ipoib' }, 44, 44],
    // NFLOG: header 4 + NFULA_PACKET_HDR 8 + NFULA_PREFIX 13 padded to 16 + NFULA_PAYLOAD TLV header 4 = 32.
    ['NFLOG (239) little-endian TLVs: 32', { kind: 'nflog' }, 32, 32],
    ['NFLOG (239) big-endian TLVs: 32', { kind: 'nflog', byteOrder: 'be' }, 32, 32],
    ['NFLOG (239) TLV after the payload: 32', { kind: 'nflog', trailingTlv: true }, 32, 32],
    ['PPI (192) around Cisco HDLC: 32 + 4', { kind: 'ppi', inner: { kind: 'c-hdlc' } }, 36, 36],
  ];
  test.each(cases)('%s', (_name, link, hdr4, hdr6) => {
    const f4 = buildFrame({ link, ip: V4, l4: TCP });
    expect(isSupportedLinkType(f4.linkType)).toBe(true);
    expect(decodePacket(f4.bytes, f4.linkType, meta)).toBe(SKIP.NONE);
    expect([meta.ipVersion, meta.ipOffset, meta.srcPort, meta.dstPort, meta.vlanId]).toEqual([4, hdr4, 40000, 443, -1]);
    const f6 = buildFrame({ link, ip: V6, l4: TCP });
    expect(decodePacket(f6.bytes, f6.linkType, meta)).toBe(SKIP.NONE);
    expect([meta.ipVersion, meta.ipOffset, meta.srcPort, meta.dstPort]).toEqual([6, hdr6, 40000, 443]);
    // Every cut inside the link header: truncated_link; raw IP has no link header, so a 0-byte frame is an
    // IP header cut short.
    for (let len = 0; len < hdr4; len++) {
      expect([len, decodePacket(f4.bytes.subarray(0, len), f4.linkType, meta)]).toEqual([len, SKIP.TRUNCATED_LINK]);
    }
    if (hdr4 === 0) expect(decodePacket(new Uint8Array(0), f4.linkType, meta)).toBe(SKIP.TRUNCATED_IP);
    // The first byte after the link header: the IP header is cut.
    expect(decodePacket(f4.bytes.subarray(0, hdr4 + 1), f4.linkType, meta)).toBe(SKIP.TRUNCATED_IP);
  });

  test('LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229) insist on their version', () => {
    const f4 = buildFrame({ link: { kind: 'raw', linkType: 228 }, ip: V4, l4: TCP });
    const f6 = buildFrame({ link: { kind: 'raw', linkType: 229 }, ip: V6, l4: TCP });
    expect(decodePacket(f4.bytes, 228, meta)).toBe(SKIP.NONE);
    expect(meta.ipVersion).toBe(4);
    expect(decodePacket(f6.bytes, 229, meta)).toBe(SKIP.NONE);
    expect(meta.ipVersion).toBe(6);
    expect(decodePacket(f6.bytes, 228, meta)).toBe(SKIP.BAD_IP_HEADER);
    expect(decodePacket(f4.bytes, 229, meta)).toBe(SKIP.BAD_IP_HEADER);
    expect(decodePacket(new Uint8Array(0), 228, meta)).toBe(SKIP.TRUNCATED_IP);
  });

  test('raw IP with a version nibble other than 4 or 6 is bad_ip_header', () => {
    const f = buildFrame({ link: { kind: 'raw' }, ip: { ...V4, versionNibble: 5 } as FrameSpec['ip'], l4: TCP });
    expect(decodePacket(f.bytes, 101, meta)).toBe(SKIP.BAD_IP_HEADER);
  });

  test('unsupported link types', () => {
    // 147 (USER0), 163 (802.11 AVS), 253 (NETLINK), 119 (PRISM), 189 (USB_LINUX), and non-values.
    for (const lt of [147, 163, 253, 119, 189, 11, -1, 65536, 105.5]) {
      expect(isSupportedLinkType(lt)).toBe(false);
      expect(decodePacket(new Uint8Array(64), lt, meta)).toBe(SKIP.UNSUPPORTED_LINK_TYPE);
    }
  });

  test('NULL/LOOP: AF_INET6 values 24, 28, 30 are IPv6; other families are not IP', () => {
    for (const family of [24, 28, 30]) {
      const f = buildFrame({ link: { kind: 'null', family }, ip: V6, l4: TCP });
      expect(decodePacket(f.bytes, 0, meta)).toBe(SKIP.NONE);
      const g = buildFrame({ link: { kind: 'loop', family }, ip: V6, l4: TCP });
      expect(decodePacket(g.bytes, 108, meta)).toBe(SKIP.NONE);
    }
    for (const family of [0, 1, 7, 10, 17, 23]) {
      const f = buildFrame({ link: { kind: 'null', family }, ip: V4, l4: TCP });
      expect(decodePacket(f.bytes, 0, meta)).toBe(SKIP.NOT_IP);
    }
    // A Cisco HDLC header inside a NULL link (as in PcapPlusPlus' null_loopback.pcap #3): EtherType at 2.
    const ip = buildFrame({ link: { kind: 'raw' }, ip: V4, l4: TCP }).bytes;
    expect(decodePacket(Uint8Array.from([0x0f, 0x00, 0x08, 0x00, ...ip]), 0, meta)).toBe(SKIP.NONE);
    expect([meta.ipOffset, meta.srcPort]).toEqual([4, 40000]);
    // LOOP is network byte order only: a little-endian AF_INET reads as 0x02000000.
    const le = buildFrame({ link: { kind: 'null', family: 2, byteOrder: 'le' }, ip: V4, l4: TCP });
    expect(decodePacket(le.bytes, 108, meta)).toBe(SKIP.NOT_IP);
  });

  test('SLL/SLL2: non-IP protocols, netlink, and 802.2 LLC carrying SNAP/IP', () => {
    const arp = buildFrame({ link: { kind: 'sll', protocol: 0x0806 }, ip: V4, l4: TCP });
    expect(decodePacket(arp.bytes, 113, meta)).toBe(SKIP.NOT_IP);
    const netlink = buildFrame({ link: { kind: 'sll2', arphrd: 824 }, ip: V4, l4: TCP });
    expect(decodePacket(netlink.bytes, 276, meta)).toBe(SKIP.NOT_IP);
    const small = buildFrame({ link: { kind: 'sll', protocol: 0x0003 }, ip: V4, l4: TCP });
    expect(decodePacket(small.bytes, 113, meta)).toBe(SKIP.NOT_IP);
    // ETH_P_802_2 (4): LLC/SNAP AA AA 03 00 00 00 08 00 then IPv4 at 16 + 8.
    const ip = buildFrame({ link: { kind: 'raw' }, ip: V4, l4: TCP }).bytes;
    const snap = Uint8Array.from([0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00, ...ip]);
    const llc = wrapLink({ kind: 'sll', protocol: 4 }, 0x0800, 4, snap);
    expect(decodePacket(llc.bytes, 113, meta)).toBe(SKIP.NONE);
    expect(meta.ipOffset).toBe(24);
  });

  test('PPP: LCP/IPCP are not IP; protocol-field compression (RFC 1661 §6.5) is understood', () => {
    const ip = buildFrame({ link: { kind: 'raw' }, ip: V4, l4: TCP }).bytes;
    const lcp = Uint8Array.from([0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 4]);
    expect(decodePacket(lcp, 9, meta)).toBe(SKIP.NOT_IP);
    const compressed = Uint8Array.from([0x21, ...ip]);
    expect(decodePacket(compressed, 9, meta)).toBe(SKIP.NONE);
    expect(meta.ipOffset).toBe(1);
    expect(decodePacket(Uint8Array.from([0xff, 0x03, 0x00]), 9, meta)).toBe(SKIP.TRUNCATED_LINK);
  });
});

describe('Ethernet encapsulations', () => {
  const stacks: [string, EncapSpec[], number, number][] = [
    // [name, stack, expected IP offset, expected vlanId]
    ['802.1Q', [{ kind: 'vlan', vid: 100 }], 14 + 4, 100],
    ['QinQ 802.1ad + 802.1Q records the outer id', [{ kind: 'vlan', vid: 300, tpid: 0x88a8 }, { kind: 'vlan', vid: 7 }], 22, 300],
    ['0x9100 + 0x8100 + 0x8100', [{ kind: 'vlan', vid: 4095, tpid: 0x9100 }, { kind: 'vlan', vid: 1 }, { kind: 'vlan', vid: 2 }], 26, 4095],
    ['VLAN id 0 (priority tag) is recorded as 0', [{ kind: 'vlan', vid: 0, pcp: 5 }], 18, 0],
    ['MPLS one label', [{ kind: 'mpls', label: 16 }], 18, -1],
    ['MPLS three labels', [{ kind: 'mpls', label: 16 }, { kind: 'mpls', label: 17 }, { kind: 'mpls', label: 18 }], 26, -1],
    ['VLAN + MPLS', [{ kind: 'vlan', vid: 10 }, { kind: 'mpls', label: 16 }], 22, 10],
    ['MPLS + pseudowire CW + Ethernet', [{ kind: 'mpls', label: 16 }, { kind: 'pw' }], 18 + 4 + 14, -1],
    ['MPLS + PW + inner VLAN', [{ kind: 'mpls', label: 16 }, { kind: 'pw' }, { kind: 'vlan', vid: 55 }], 40, 55],
    ['PPPoE session', [{ kind: 'pppoe', sessionId: 0x1234 }], 14 + 6 + 2, -1],
    ['QinQ + PPPoE', [{ kind: 'vlan', vid: 9, tpid: 0x88a8 }, { kind: 'vlan', vid: 8 }, { kind: 'pppoe' }], 30, 9],
    ['802.1ah PBB', [{ kind: 'pbb' }], 14 + 18, -1],
    ['VLAN + PBB + VLAN', [{ kind: 'vlan', vid: 20 }, { kind: 'pbb' }, { kind: 'vlan', vid: 30 }], 18 + 18 + 4, 20],
    ['802.3 length + LLC/SNAP', [{ kind: 'llc-snap' }], 14 + 8, -1],
    ['VLAN + LLC/SNAP', [{ kind: 'vlan', vid: 3 }, { kind: 'llc-snap' }], 26, 3],
  ];

  test.each(stacks)('%s', (_name, encap, ipOffset, vlanId) => {
    for (const ip of [V4, V6]) {
      const f = buildFrame({ link: { kind: 'ethernet', encap }, ip, l4: TCP, payload: 3 });
      expect(f.ipOffset).toBe(ipOffset); // the builder agrees with the hand count
      expect(decodePacket(f.bytes, 1, meta)).toBe(SKIP.NONE);
      expect([meta.ipOffset, meta.vlanId, meta.ipVersion, meta.srcPort, meta.payloadLen]).toEqual([
        ipOffset,
        vlanId,
        ip.version,
        40000,
        3,
      ]);
      // Cuts before the IP header starts: truncated_link; a cut at or inside the IP header: truncated_ip,
      // except that an MPLS stack with no byte left to guess its payload from is still a link-layer cut.
      const mplsLast = encap[encap.length - 1]?.kind === 'mpls';
      for (let len = 0; len < ipOffset + 2; len++) {
        const got = decodePacket(f.bytes.subarray(0, len), 1, meta);
        const want: SkipCode = len > ipOffset || (len === ipOffset && !mplsLast) ? SKIP.TRUNCATED_IP : SKIP.TRUNCATED_LINK;
        expect([len, got]).toEqual([len, want]);
      }
    }
  });

  test('not IP: ARP, LLDP, PPPoE discovery, PPPoE LCP, LLC without SNAP, SNAP with a foreign OUI', () => {
    const arp = wrapLink({ kind: 'ethernet' }, 0x0806, 4, new Uint8Array(28));
    expect(decodePacket(arp.bytes, 1, meta)).toBe(SKIP.NOT_IP);
    expect(meta.protocol).toBe(-1);
    expect(decodePacket(wrapLink({ kind: 'ethernet' }, 0x88cc, 4, new Uint8Array(30)).bytes, 1, meta)).toBe(SKIP.NOT_IP);
    expect(decodePacket(wrapLink({ kind: 'ethernet' }, 0x8863, 4, new Uint8Array(30)).bytes, 1, meta)).toBe(SKIP.NOT_IP);
    const lcp = Uint8Array.from([0x11, 0, 0, 1, 0, 6, 0xc0, 0x21, 1, 1, 0, 4]);
    expect(decodePacket(wrapLink({ kind: 'ethernet' }, 0x8864, 4, lcp).bytes, 1, meta)).toBe(SKIP.NOT_IP);
    const stp = Uint8Array.from([0x42, 0x42, 0x03, 0, 0, 0, 0, 0]);
    expect(decodePacket(wrapLink({ kind: 'ethernet' }, stp.length, 4, stp).bytes, 1, meta)).toBe(SKIP.NOT_IP);
    const cisco = Uint8Array.from([0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00]);
    expect(decodePacket(wrapLink({ kind: 'ethernet' }, cisco.length, 4, cisco).bytes, 1, meta)).toBe(SKIP.NOT_IP);
  });

  test('MPLS payload whose first nibble is neither 0, 4 nor 6 is not IP', () => {
    const f = buildFrame({ link: { kind: 'ethernet', encap: [{ kind: 'mpls', label: 16 }] }, ip: V4, l4: TCP });
    const bytes = f.bytes.slice();
    bytes[f.ipOffset] = 0x50;
    expect(decodePacket(bytes, 1, meta)).toBe(SKIP.NOT_IP);
  });

  test(`depth limit: ${MAX_ENCAP_LAYERS} layers decode, one more is too_many_layers`, () => {
    const vlans = (n: number): EncapSpec[] => Array.from({ length: n }, (_, i) => ({ kind: 'vlan' as const, vid: i + 1 }));
    const ok = buildFrame({ link: { kind: 'ethernet', encap: vlans(MAX_ENCAP_LAYERS) }, ip: V4, l4: TCP });
    expect(decodePacket(ok.bytes, 1, meta)).toBe(SKIP.NONE);
    expect(meta.vlanId).toBe(1);
    const deep = buildFrame({ link: { kind: 'ethernet', encap: vlans(MAX_ENCAP_LAYERS + 1) }, ip: V4, l4: TCP });
    expect(decodePacket(deep.bytes, 1, meta)).toBe(SKIP.TOO_MANY_LAYERS);
    const labels = (n: number): EncapSpec[] => Array.from({ length: n }, (_, i) => ({ kind: 'mpls' as const, label: 16 + i }));
    expect(decodePacket(buildFrame({ link: { kind: 'ethernet', encap: labels(MAX_ENCAP_LAYERS) }, ip: V4, l4: TCP }).bytes, 1, meta)).toBe(SKIP.NONE);
    expect(decodePacket(buildFrame({ link: { kind: 'ethernet', encap: labels(MAX_ENCAP_LAYERS + 1) }, ip: V4, l4: TCP }).bytes, 1, meta)).toBe(
      SKIP.TOO_MANY_LAYERS,
    );
    // Nested pseudowires: each MPLS label and each PW counts one layer (8 x 2 = 16 fine, 9 x 2 = 18 not).
    const pw = (n: number): EncapSpec[] => Array.from({ length: n }, () => [{ kind: 'mpls' as const, label: 16 }, { kind: 'pw' as const }]).flat();
    expect(decodePacket(buildFrame({ link: { kind: 'ethernet', encap: pw(8) }, ip: V4, l4: TCP }).bytes, 1, meta)).toBe(SKIP.NONE);
    expect(decodePacket(buildFrame({ link: { kind: 'ethernet', encap: pw(9) }, ip: V4, l4: TCP }).bytes, 1, meta)).toBe(SKIP.TOO_MANY_LAYERS);
  });

  test('decodeLink reports offset and kind and touches only vlanId', () => {
    const res = new LinkResult();
    const out = createPacketMeta();
    const f = buildFrame({ link: { kind: 'ethernet', encap: [{ kind: 'vlan', vid: 42 }] }, ip: V6, l4: TCP });
    expect(decodeLink(f.bytes, 1, out, res)).toBe(SKIP.NONE);
    expect([res.l3Offset, res.l3Kind, out.vlanId, out.ipVersion, out.protocol]).toEqual([18, L3.IPV6, 42, 0, -1]);
    const raw = buildFrame({ link: { kind: 'raw' }, ip: V6, l4: TCP });
    expect(decodeLink(raw.bytes, 101, out, res)).toBe(SKIP.NONE);
    expect([res.l3Offset, res.l3Kind]).toEqual([0, L3.GUESS]);
  });
});

describe('FDDI, NFLOG and IPoIB', () => {
  const ip = buildFrame({ link: { kind: 'raw' }, ip: V4, l4: TCP }).bytes;

  test('FDDI: only asynchronous LLC frames (frame control 0x50-0x5F) carry LLC', () => {
    // ANSI X3.139 frame control CLFFZZZZ: 0x41 SMT info, 0x4F SMT next-station, 0xC2 MAC beacon, 0x80 token,
    // 0xD0 synchronous LLC (Wireshark's FDDI dissector hands only 0x50-0x5F to LLC; so do we).
    for (const fc of [0x41, 0x4f, 0xc2, 0x80, 0xd0, 0x60]) {
      const f = buildFrame({ link: { kind: 'fddi', frameControl: fc }, ip: V4, l4: TCP });
      expect([fc, decodePacket(f.bytes, 10, meta)]).toEqual([fc, SKIP.NOT_IP]);
    }
    const arp = wrapLink({ kind: 'fddi' }, 0x0806, 4, new Uint8Array(28));
    expect(decodePacket(arp.bytes, 10, meta)).toBe(SKIP.NOT_IP);
  });

  test('NFLOG: families other than AF_INET/AF_INET6 are not IP; a family and IP version disagreeing is bad_ip_header', () => {
    for (const family of [0, 7, 1]) {
      const f = buildFrame({ link: { kind: 'nflog', family }, ip: V4, l4: TCP });
      expect([family, decodePacket(f.bytes, 239, meta)]).toEqual([family, SKIP.NOT_IP]);
    }
    // AF_INET6 with an IPv4 payload: the IPv6 decoder sees version 4.
    const f = buildFrame({ link: { kind: 'nflog', family: 10 }, ip: V4, l4: TCP });
    expect(decodePacket(f.bytes, 239, meta)).toBe(SKIP.BAD_IP_HEADER);
  });

  test('NFLOG: the TLV after the payload is not read as IP bytes', () => {
    // IPv4 total length 0 means "all captured bytes": 20 + 20 + 10 = 50, not + 2 padding + 8 (NFULA_UID).
    const tso: Ipv4Spec = { ...V4, totalLength: 0 };
    const f = buildFrame({ link: { kind: 'nflog', trailingTlv: true }, ip: tso, l4: TCP, payload: 10 });
    expect(f.bytes.length).toBe(32 + 50 + 2 + 8);
    expect(decodePacket(f.bytes, 239, meta)).toBe(SKIP.NONE);
    expect([meta.ipTotalLen, meta.payloadLen]).toEqual([50, 10]);
  });

  test('NFLOG: a TLV length below 4 is not_ip; TLVs that end before a payload TLV are truncated_link', () => {
    const f = buildFrame({ link: { kind: 'nflog' }, ip: V4, l4: TCP });
    const zero = f.bytes.slice();
    zero[12] = 0; // NFULA_PREFIX length 16 -> 0
    expect(decodePacket(zero, 239, meta)).toBe(SKIP.NOT_IP);
    // Only the header and NFULA_PACKET_HDR: the walk runs out of TLVs.
    expect(decodePacket(f.bytes.subarray(0, 12), 239, meta)).toBe(SKIP.TRUNCATED_LINK);
    // NFULA_PREFIX's length claims more than the record: the walk steps past the end.
    const long = f.bytes.slice();
    long[12] = 0xfc;
    long[13] = 0x00;
    expect(decodePacket(long, 239, meta)).toBe(SKIP.TRUNCATED_LINK);
  });

  test('IPoIB: ARP and RARP are not IP', () => {
    expect(decodePacket(wrapLink({ kind: 'ipoib' }, 0x0806, 4, new Uint8Array(28)).bytes, 242, meta)).toBe(SKIP.NOT_IP);
    expect(decodePacket(wrapLink({ kind: 'ipoib' }, 0x8035, 4, ip).bytes, 242, meta)).toBe(SKIP.NOT_IP);
  });

  test('decodeLink reports where the datagram ends', () => {
    const res = new LinkResult();
    const out = createPacketMeta();
    const plain = buildFrame({ link: { kind: 'ethernet' }, ip: V4, l4: TCP, trailer: 6 });
    expect(decodeLink(plain.bytes, 1, out, res)).toBe(SKIP.NONE);
    expect(res.l3End).toBe(plain.bytes.length); // Ethernet padding is left to the IP length fields
    const fcs = buildFrame({ link: { kind: 'radiotap', fcs: true }, ip: V4, l4: TCP });
    expect(decodeLink(fcs.bytes, 127, out, res)).toBe(SKIP.NONE);
    expect([res.l3Offset, res.l3End]).toEqual([fcs.ipOffset, fcs.bytes.length - 4]);
    const nflog = buildFrame({ link: { kind: 'nflog', trailingTlv: true }, ip: V6, l4: TCP, payload: 1 });
    expect(decodeLink(nflog.bytes, 239, out, res)).toBe(SKIP.NONE);
    expect([res.l3Offset, res.l3Kind, res.l3End]).toEqual([32, L3.IPV6, 32 + nflog.ipTotalLen]);
  });
});

const ENABLED = HAVE_SHARED && HAVE_TSHARK;

(ENABLED ? describe : describe.skip)('real captures of the less common link types agree with tshark', () => {
  test.each([
    // [file, packets, of which tshark finds IP in] (counts typed in from tshark's frame.protocols)
    ['linktype/zeek_radiotap-lt127.pcap', 3, 3],
    ['linktype/libpcap_wpa-Induction-lt127.pcap', 10, 0], // EAPOL, protected data, management, control
    ['linktype/zeek_wlanmon-lt105.pcap', 3, 3],
    ['linktype/libpcap_http_PPI-lt192.pcap', 5, 3],
    ['linktype/zeek_llc-lt10-fddi.pcap', 1333, 1333], // 1210 of them cut by the 8195-byte snaplen
    ['linktype/zeek_nflog-http-lt239.pcap', 13, 13],
    ['linktype/tcpdump_ipoib-lt242.pcap', 30, 26], // big-endian pcap; 4 ARP
  ])('%s', async (rel, packets, withIp) => {
    const file = path.join(TESTDATA_DIR, rel);
    const ours = decodeFile(file);
    const theirs = await tsharkOutermost(file);
    expect(ours.length).toBe(packets);
    expect(ours.filter((r) => r.src !== '').length).toBe(withIp);
    expect(ours).toEqual(theirs);
  });
});

interface Outer {
  src: string;
  dst: string;
  proto: string;
  sport: string;
  dport: string;
}

/** Every packet of `file` through CaptureParser + decodePacket: outermost addresses, protocol and ports. */
function decodeFile(file: string): Outer[] {
  const parser = new CaptureParser({ fileName: file });
  parser.push(new Uint8Array(readFileSync(file)));
  const m = createPacketMeta();
  const rows: Outer[] = [];
  for (let pkt = parser.next(); pkt !== null; pkt = parser.next()) {
    decodePacket(pkt.data, pkt.linkType, m);
    const hasIp = m.ipVersion !== 0;
    rows.push({
      src: hasIp ? formatAddress(m.srcAddr, m.ipVersion) : '',
      dst: hasIp ? formatAddress(m.dstAddr, m.ipVersion) : '',
      proto: hasIp ? String(m.protocol) : '',
      sport: m.hasPorts ? String(m.srcPort) : '',
      dport: m.hasPorts ? String(m.dstPort) : '',
    });
  }
  parser.end();
  return rows;
}

const PROTO_BY_NAME: Record<string, string> = { tcp: '6', udp: '17', sctp: '132', icmpv6: '58', icmp: '1' };

/** The same columns from tshark: the first ip/ipv6 layer in frame.protocols, its addresses, protocol and ports. */
async function tsharkOutermost(file: string): Promise<Outer[]> {
  const fields = ['frame.protocols', 'ip.src', 'ip.dst', 'ip.proto', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport'];
  const rows = await tsharkFields(file, fields, ['-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE']);
  const first = (v: string | undefined): string => (v ?? '').split(',')[0] ?? '';
  return rows.map(([protos, ipSrc, ipDst, ipProto, v6Src, v6Dst, tcpS, tcpD, udpS, udpD]) => {
    const layers = (protos ?? '').split(':');
    const at = layers.findIndex((l) => l === 'ip' || l === 'ipv6');
    if (at < 0) return { src: '', dst: '', proto: '', sport: '', dport: '' };
    const v6 = layers[at] === 'ipv6';
    const next = layers[at + 1] ?? '';
    const ports = next === 'tcp' ? [tcpS, tcpD] : next === 'udp' ? [udpS, udpD] : ['', ''];
    return {
      src: first(v6 ? v6Src : ipSrc),
      dst: first(v6 ? v6Dst : ipDst),
      proto: v6 ? (PROTO_BY_NAME[next] ?? next) : first(ipProto),
      sport: first(ports[0]),
      dport: first(ports[1]),
    };
  });
}
