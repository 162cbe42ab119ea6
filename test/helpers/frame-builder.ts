// Builds link-layer frames from a declarative description, for decoder tests, property tests and the sample
// generator: any link type pcapflow decodes (including 802.11 bare, under radiotap or PPI, FDDI, NFLOG and
// IPoIB), any Ethernet encapsulation stack (VLAN/QinQ, MPLS, pseudowire, PPPoE, PBB, LLC/SNAP), IPv4 with
// options/fragments, IPv6 with extension headers, and TCP/UDP/UDP-Lite/DCCP/SCTP/ICMP/ICMPv6 or an opaque
// protocol. Test-only: allocates freely, throws on a description it cannot build.
//
// Example:
//   const f = buildFrame({
//     link: { kind: 'ethernet', encap: [{ kind: 'vlan', vid: 10 }, { kind: 'vlan', vid: 20, tpid: 0x8100 }] },
//     ip: { version: 4, src: '10.0.0.1', dst: '10.0.0.2' },
//     l4: { proto: 'tcp', srcPort: 1234, dstPort: 80, flags: TCP_FLAG.SYN },
//     payload: 100,
//   });
//   decodePacket(f.bytes, f.linkType, meta);
//
// Fields that are derived (lengths, checksums, next-header values) are computed unless an override is given;
// overrides exist so tests can build malformed packets (ihl: 4, dataOffset: 3, totalLength: 10, ...).

import { parseAddress } from '../../src/decode/address.js';

/** One layer of an Ethernet encapsulation stack, outermost first. */
export type EncapSpec =
  /** IEEE 802.1Q / 802.1ad tag; tpid 0x8100 (default), 0x88a8 or 0x9100. */
  | { kind: 'vlan'; vid: number; tpid?: number; pcp?: number }
  /** One MPLS label stack entry (RFC 3032); the bottom-of-stack bit is set on the last of consecutive labels. */
  | { kind: 'mpls'; label: number; tc?: number; ttl?: number }
  /** After an MPLS stack: RFC 4385 control word (0) and an inner Ethernet header (RFC 4448). */
  | { kind: 'pw' }
  /** PPPoE session header (RFC 2516) and PPP protocol field; must be the last entry. */
  | { kind: 'pppoe'; sessionId?: number }
  /** IEEE 802.1ah I-TAG and inner MAC addresses. */
  | { kind: 'pbb'; isid?: number }
  /** IEEE 802.3 length field instead of an EtherType, then LLC/SNAP (AA AA 03, OUI 00-00-00, EtherType). */
  | { kind: 'llc-snap' };

/** The link layer and thus the LINKTYPE_* of the frame. */
export type LinkSpec =
  /** LINKTYPE_ETHERNET (1). */
  | { kind: 'ethernet'; encap?: EncapSpec[]; dstMac?: string; srcMac?: string }
  /** LINKTYPE_LINUX_SLL (113); protocol defaults to the IP EtherType, arphrd to 1 (Ethernet). */
  | { kind: 'sll'; protocol?: number; arphrd?: number }
  /** LINKTYPE_LINUX_SLL2 (276). */
  | { kind: 'sll2'; protocol?: number; arphrd?: number }
  /** LINKTYPE_NULL (0): AF_ value in host order; family defaults to 2 / 30 (Darwin AF_INET6). */
  | { kind: 'null'; family?: number; byteOrder?: 'le' | 'be' }
  /** LINKTYPE_LOOP (108): AF_ value in network order; IPv6 family defaults to 24 (OpenBSD). */
  | { kind: 'loop'; family?: number }
  /** Raw IP: LINKTYPE_RAW 101 (default), 12, 14, or 228 (IPv4) / 229 (IPv6). */
  | { kind: 'raw'; linkType?: 12 | 14 | 101 | 228 | 229 }
  /** LINKTYPE_PPP (9) with or without the FF 03 address/control bytes (default: with). */
  | { kind: 'ppp'; addressControl?: boolean }
  /** LINKTYPE_PPP_HDLC (50): FF 03 then the PPP protocol. */
  | { kind: 'ppp-hdlc' }
  /** LINKTYPE_C_HDLC (104): address 0x0F, control 0, EtherType. */
  | { kind: 'c-hdlc' }
  /** LINKTYPE_IEEE802_11 (105): an 802.11 data frame (no FCS), LLC/SNAP, then the datagram. */
  | { kind: 'wlan'; wlan?: WlanSpec }
  /**
   * LINKTYPE_IEEE802_11_RADIOTAP (127): radiotap header (TSFT unless tsft: false, Flags unless omitFlags, Rate,
   * Channel), then the 'wlan' frame. fcs appends 4 FCS bytes and sets the Flags FCS bit; dataPad pads the MAC
   * header to a multiple of 4 and sets the DATAPAD bit; extraPresentWords adds that many it_present words.
   */
  | { kind: 'radiotap'; wlan?: WlanSpec; fcs?: boolean; dataPad?: boolean; tsft?: boolean; omitFlags?: boolean; extraPresentWords?: number }
  /**
   * LINKTYPE_PPI (192): PPI header with an 802.11-Common field, then `inner` (default: a 'wlan' frame), whose
   * link type goes in pph_dlt. fcs appends 4 FCS bytes and sets the 802.11-Common "FCS present" flag; aligned sets
   * the header's alignment flag (fields padded to 4 bytes, with a 3-byte field to show it).
   */
  | { kind: 'ppi'; inner?: LinkSpec; fcs?: boolean; aligned?: boolean }
  /** LINKTYPE_FDDI (10): frame control (default 0x50, async LLC), dst(6), src(6), LLC/SNAP. */
  | { kind: 'fddi'; frameControl?: number }
  /**
   * LINKTYPE_NFLOG (239): nflog header, NFULA_PACKET_HDR and NFULA_PREFIX TLVs, NFULA_PAYLOAD, and with
   * trailingTlv an NFULA_UID TLV after the payload. family defaults to AF_INET (2) / AF_INET6 (10); TLV lengths
   * and types are little-endian unless byteOrder is 'be'.
   */
  | { kind: 'nflog'; family?: number; byteOrder?: 'le' | 'be'; trailingTlv?: boolean }
  /** LINKTYPE_IPOIB (242): 40-byte address pseudo-header, EtherType(2), reserved(2). */
  | { kind: 'ipoib' };

/** The 802.11 MAC header of the WLAN link kinds (IEEE Std 802.11-2020 §9.2.4.1, §9.3.2.1). */
export interface WlanSpec {
  /** Frame Control type (default 2, data) and subtype (default 8 = QoS Data when qos, else 0 = Data). */
  type?: number;
  subtype?: number;
  /** Distribution-system bits; both set gives a 4-address header. Default: toDs only. */
  toDs?: boolean;
  fromDs?: boolean;
  /** QoS Control field (and QoS Data subtype unless subtype is given). */
  qos?: boolean;
  /** +HTC/Order bit; a QoS frame then carries a 4-byte HT Control field. */
  htc?: boolean;
  /** Protected Frame bit (the body would be encrypted; the builder leaves it in clear). */
  protected?: boolean;
  /** Fragment number in Sequence Control. */
  fragment?: number;
  /** A-MSDU Present bit in QoS Control (needs qos); the MSDU gets a 14-byte subframe header. */
  amsdu?: boolean;
}

/** IPv4 header (RFC 791). */
export interface Ipv4Spec {
  version: 4;
  src: string;
  dst: string;
  ttl?: number; // default 64
  tos?: number;
  id?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** Fragment offset in 8-byte units. */
  fragmentOffset?: number;
  /** Raw option bytes; padded with zeros (End of Option List) to a multiple of 4. */
  options?: ArrayLike<number>;
  /** Overrides, for malformed packets. */
  protocol?: number;
  ihl?: number;
  totalLength?: number;
  versionNibble?: number;
}

/** One IPv6 extension header (RFC 8200 §4). `length` is the header's full size in bytes. */
export type Ipv6ExtSpec =
  /** Hop-by-hop (0), Routing (43), Destination options (60), Mobility (135), HIP (139), SHIM6 (140): length a
   *  multiple of 8, default 8; options headers are filled with one PadN option. */
  | { type: 0 | 43 | 60 | 135 | 139 | 140; length?: number; hdrExtLen?: number }
  /** Fragment header (RFC 8200 §4.5): offset in 8-byte units. */
  | { type: 44; offset?: number; more?: boolean; id?: number }
  /** Authentication header (RFC 4302): length a multiple of 4, at least 12 (default 12). */
  | { type: 51; length?: number; payloadLen?: number };

/** IPv6 header (RFC 8200 §3). */
export interface Ipv6Spec {
  version: 6;
  src: string;
  dst: string;
  hopLimit?: number; // default 64
  trafficClass?: number;
  flowLabel?: number;
  extensions?: Ipv6ExtSpec[];
  /** Overrides, for malformed packets. */
  payloadLength?: number;
  nextHeader?: number;
  versionNibble?: number;
}

/** The transport header. Ports, type and code are required; the rest defaults to 0 unless said. */
export type L4Spec =
  | {
      proto: 'tcp';
      srcPort: number;
      dstPort: number;
      seq?: number;
      ack?: number;
      /** Byte 13: TCP_FLAG bits. */
      flags?: number;
      window?: number; // default 65535
      urgent?: number;
      /** Raw option bytes, padded with zeros to a multiple of 4. */
      options?: ArrayLike<number>;
      /** Override of the data offset nibble. */
      dataOffset?: number;
    }
  | { proto: 'udp'; srcPort: number; dstPort: number; length?: number }
  | { proto: 'udplite'; srcPort: number; dstPort: number }
  | { proto: 'dccp'; srcPort: number; dstPort: number }
  | { proto: 'sctp'; srcPort: number; dstPort: number; verificationTag?: number }
  | { proto: 'icmp'; type: number; code: number; rest?: number }
  | { proto: 'icmpv6'; type: number; code: number; rest?: number }
  /** No transport header: `protocol` goes in the IP header and the payload follows the IP header(s). */
  | { proto: 'other'; protocol: number };

export interface FrameSpec {
  /** Default: plain Ethernet. */
  link?: LinkSpec;
  ip: Ipv4Spec | Ipv6Spec;
  /** Default: no transport header, protocol 59 (IPv6 No Next Header) / 253 (IPv4, RFC 3692 experiment). */
  l4?: L4Spec;
  /** Payload bytes, or a length to fill with a repeating pattern (i & 0xff). */
  payload?: Uint8Array | number;
  /** Bytes appended after the IP datagram (Ethernet padding); they are not part of any IP length. */
  trailer?: number;
}

export interface BuiltFrame {
  bytes: Uint8Array;
  linkType: number;
  /** Offsets in `bytes` of the outermost IP header, the transport header and the payload. */
  ipOffset: number;
  l4Offset: number;
  payloadOffset: number;
  /** Lengths, for assertions: IP datagram (header + ext + transport + payload), transport header, payload. */
  ipTotalLen: number;
  ipHeaderLen: number;
  l4HeaderLen: number;
  payloadLen: number;
}

/** LINKTYPE_* numbers for each LinkSpec kind. */
export function linkTypeOf(link: LinkSpec): number {
  switch (link.kind) {
    case 'ethernet':
      return 1;
    case 'sll':
      return 113;
    case 'sll2':
      return 276;
    case 'null':
      return 0;
    case 'loop':
      return 108;
    case 'raw':
      return link.linkType ?? 101;
    case 'ppp':
      return 9;
    case 'ppp-hdlc':
      return 50;
    case 'c-hdlc':
      return 104;
    case 'wlan':
      return 105;
    case 'radiotap':
      return 127;
    case 'ppi':
      return 192;
    case 'fddi':
      return 10;
    case 'nflog':
      return 239;
    case 'ipoib':
      return 242;
  }
}

const IP_PROTO = { tcp: 6, udp: 17, udplite: 136, dccp: 33, sctp: 132, icmp: 1, icmpv6: 58 } as const;

/** Builds a whole frame. Throws when the spec cannot be built (bad address text, PPPoE not last, ...). */
export function buildFrame(spec: FrameSpec): BuiltFrame {
  const ip = buildIpPacket(spec);
  const link = spec.link ?? { kind: 'ethernet' };
  const etherType = spec.ip.version === 4 ? 0x0800 : 0x86dd;
  const trailer = new Uint8Array(spec.trailer ?? 0);
  const { bytes, l3Offset } = wrapLink(link, etherType, spec.ip.version, concat(ip.bytes, trailer));
  return {
    bytes,
    linkType: linkTypeOf(link),
    ipOffset: l3Offset,
    l4Offset: l3Offset + ip.l4Offset,
    payloadOffset: l3Offset + ip.payloadOffset,
    ipTotalLen: ip.bytes.length,
    ipHeaderLen: ip.l4Offset,
    l4HeaderLen: ip.payloadOffset - ip.l4Offset,
    payloadLen: ip.bytes.length - ip.payloadOffset,
  };
}

/**
 * Wraps arbitrary network-layer bytes (`l3`, announced as EtherType `etherType`, e.g. 0x0806 for ARP) in a link
 * layer. For IP, `ipVersion` picks the NULL/LOOP family and the PPP protocol. Returns the frame and the offset
 * of `l3` in it.
 */
export function wrapLink(
  link: LinkSpec,
  etherType: number,
  ipVersion: number,
  l3: Uint8Array,
): { bytes: Uint8Array; l3Offset: number } {
  const pppProto = etherType === 0x0800 ? 0x0021 : etherType === 0x86dd ? 0x0057 : 0x0000;
  let head: number[];
  switch (link.kind) {
    case 'ethernet':
      return ethernet(link, etherType, pppProto, l3);
    case 'sll':
      // packet type 0 (to us), ARPHRD, addr len 6, addr(8), protocol.
      head = [0, 0, ...be16(link.arphrd ?? 1), 0, 6, 0, 1, 2, 3, 4, 5, 0, 0, ...be16(link.protocol ?? etherType)];
      break;
    case 'sll2':
      // protocol, reserved, ifindex, ARPHRD, packet type, addr len, addr(8).
      head = [...be16(link.protocol ?? etherType), 0, 0, 0, 0, 0, 1, ...be16(link.arphrd ?? 1), 0, 6, 0, 1, 2, 3, 4, 5, 0, 0];
      break;
    case 'null': {
      const family = link.family ?? (ipVersion === 6 ? 30 : 2);
      head = link.byteOrder === 'be' ? be32(family) : be32(family).reverse();
      break;
    }
    case 'loop':
      head = be32(link.family ?? (ipVersion === 6 ? 24 : 2));
      break;
    case 'raw':
      head = [];
      break;
    case 'ppp':
      head = link.addressControl === false ? be16(pppProto) : [0xff, 0x03, ...be16(pppProto)];
      break;
    case 'ppp-hdlc':
      head = [0xff, 0x03, ...be16(pppProto)];
      break;
    case 'c-hdlc':
      head = [0x0f, 0x00, ...be16(etherType)];
      break;
    case 'wlan':
      head = wlanHeader(link.wlan ?? {}, false, etherType, l3.length);
      break;
    case 'radiotap': {
      head = [...radiotapHeader(link), ...wlanHeader(link.wlan ?? {}, link.dataPad === true, etherType, l3.length)];
      return withFcs(head, l3, link.fcs === true);
    }
    case 'ppi': {
      const inner = wrapLink(link.inner ?? { kind: 'wlan' }, etherType, ipVersion, l3);
      const ppi = ppiHeader(link, linkTypeOf(link.inner ?? { kind: 'wlan' }));
      const fcs = link.fcs === true ? FCS : [];
      return { bytes: concat(Uint8Array.from(ppi), inner.bytes, Uint8Array.from(fcs)), l3Offset: ppi.length + inner.l3Offset };
    }
    case 'fddi':
      // frame control, dst, src (ANSI X3.139), then RFC 1042 LLC/SNAP.
      head = [link.frameControl ?? 0x50, ...mac('02:00:00:00:00:02'), ...mac('02:00:00:00:00:01'), ...snap(etherType)];
      break;
    case 'nflog':
      return nflog(link, ipVersion, l3);
    case 'ipoib': {
      // 20 bytes of source address information (zero: not valid), destination QPN (4) and GID (16).
      const pseudo = [...new Array<number>(20).fill(0), 0x00, 0x00, 0x05, 0x50, 0xfe, 0x80, ...new Array<number>(6).fill(0), 0, 0x10, 0xe0, 0, 0x66, 0x4a, 0xb4, 0x51];
      head = [...pseudo, ...be16(etherType), 0, 0]; // RFC 4391 §6: Type, Reserved
      break;
    }
  }
  return { bytes: concat(Uint8Array.from(head), l3), l3Offset: head.length };
}

/** A made-up FCS: the decoders never check it, they only strip it. */
const FCS = [0xde, 0xad, 0xbe, 0xef];

function withFcs(head: number[], l3: Uint8Array, fcs: boolean): { bytes: Uint8Array; l3Offset: number } {
  return { bytes: concat(Uint8Array.from(head), l3, Uint8Array.from(fcs ? FCS : [])), l3Offset: head.length };
}

/** RFC 1042 LLC/SNAP header: DSAP AA, SSAP AA, UI 03, OUI 00-00-00, EtherType. */
function snap(etherType: number): number[] {
  return [0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, ...be16(etherType)];
}

/** 802.11 MAC header (+ data padding, + A-MSDU subframe header) and LLC/SNAP, for an MSDU of `l3Len` bytes. */
function wlanHeader(w: WlanSpec, dataPad: boolean, etherType: number, l3Len: number): number[] {
  const qos = w.qos === true;
  const type = w.type ?? 2;
  const subtype = w.subtype ?? (qos ? 8 : 0);
  const toDs = w.toDs ?? true;
  const fromDs = w.fromDs === true;
  // §9.2.4.1.1: protocol version 0, type, subtype; To DS, From DS, Protected Frame (0x40), +HTC/Order (0x80).
  const fc1 = (toDs ? 0x01 : 0) | (fromDs ? 0x02 : 0) | (w.protected === true ? 0x40 : 0) | (w.htc === true ? 0x80 : 0);
  const h: number[] = [((subtype & 0xf) << 4) | ((type & 3) << 2), fc1, 0x2c, 0x00];
  h.push(...mac('02:00:00:00:0a:01'), ...mac('02:00:00:00:0a:02'), ...mac('02:00:00:00:0a:03'));
  h.push((w.fragment ?? 0) & 0x0f, 0x01); // Sequence Control: fragment number, sequence number 16
  if (toDs && fromDs) h.push(...mac('02:00:00:00:0a:04'));
  if (qos) h.push(0x05 | (w.amsdu === true ? 0x80 : 0), 0x00); // QoS Control: TID 5, A-MSDU Present
  if (qos && w.htc === true) h.push(0x01, 0x02, 0x03, 0x04); // HT Control
  if (dataPad) while (h.length % 4 !== 0) h.push(0);
  const llc = snap(etherType);
  if (w.amsdu === true) h.push(...mac('02:00:00:00:0b:01'), ...mac('02:00:00:00:0b:02'), ...be16(llc.length + l3Len));
  return [...h, ...llc];
}

/** Radiotap header (https://www.radiotap.org): present TSFT(0) Flags(1) Rate(2) Channel(3), as asked. */
function radiotapHeader(link: { fcs?: boolean; dataPad?: boolean; tsft?: boolean; omitFlags?: boolean; extraPresentWords?: number }): number[] {
  const tsft = link.tsft !== false;
  const flagsOn = link.omitFlags !== true;
  const ext = link.extraPresentWords ?? 0;
  let present = (tsft ? 0x1 : 0) | (flagsOn ? 0x2 : 0) | 0x4 | 0x8;
  if (ext > 0) present |= 0x80000000;
  const h: number[] = [0, 0, 0, 0, ...le32(present >>> 0)];
  for (let i = 0; i < ext; i++) h.push(...le32(i < ext - 1 ? 0x80000000 : 0));
  if (tsft) {
    while (h.length % 8 !== 0) h.push(0); // u64, aligned to 8 from the header start
    h.push(1, 2, 3, 4, 5, 6, 7, 8);
  }
  if (flagsOn) h.push((link.fcs === true ? 0x10 : 0) | (link.dataPad === true ? 0x20 : 0));
  h.push(0x0c); // Rate: 6 Mb/s
  while (h.length % 2 !== 0) h.push(0);
  h.push(...le16(2437), ...le16(0x00a0)); // Channel: 2437 MHz, 2 GHz OFDM
  h[2] = h.length & 0xff;
  h[3] = h.length >> 8;
  return h;
}

/** PPI header with one 802.11-Common field (and, when aligned, a 3-byte field padded to 4 before it). */
function ppiHeader(link: { fcs?: boolean; aligned?: boolean }, dlt: number): number[] {
  const fields: number[] = [];
  if (link.aligned === true) fields.push(...le16(0x7777), ...le16(3), 1, 2, 3, 0); // unknown type, padded
  // 802.11-Common: TSF(8) Flags(2; bit 0 = FCS present) Rate(2) Freq(2) Channel flags(2) FHSS(2) dBm(2).
  fields.push(...le16(2), ...le16(20), 0, 0, 0, 0, 0, 0, 0, 0, ...le16(link.fcs === true ? 1 : 0), ...le16(12), ...le16(2437), ...le16(0x00a0), 0, 0, 0xd8, 0xa0);
  return [0, link.aligned === true ? 1 : 0, ...le16(8 + fields.length), ...le32(dlt), ...fields];
}

/** NFLOG record (https://www.tcpdump.org/linktypes/LINKTYPE_NFLOG.html). */
function nflog(link: { family?: number; byteOrder?: 'le' | 'be'; trailingTlv?: boolean }, ipVersion: number, l3: Uint8Array): { bytes: Uint8Array; l3Offset: number } {
  const order = link.byteOrder === 'be' ? be16 : le16;
  const tlv = (type: number, value: number[]): number[] => {
    const t = [...order(4 + value.length), ...order(type), ...value];
    while (t.length % 4 !== 0) t.push(0);
    return t;
  };
  const head = [link.family ?? (ipVersion === 6 ? 10 : 2), 0, ...be16(0x2a)];
  head.push(...tlv(1, [...be16(ipVersion === 6 ? 0x86dd : 0x0800), 3, 0])); // NFULA_PACKET_HDR
  head.push(...tlv(10, [...'pcapflow'].map((c) => c.charCodeAt(0)).concat(0))); // NFULA_PREFIX, 13 bytes -> 16
  head.push(...order(4 + l3.length), ...order(9)); // NFULA_PAYLOAD
  const pad = new Array<number>((4 - (l3.length % 4)) % 4).fill(0);
  const tail = link.trailingTlv === true ? [...pad, ...tlv(11, [0, 0, 0, 0])] : []; // NFULA_UID
  return { bytes: concat(Uint8Array.from(head), l3, Uint8Array.from(tail)), l3Offset: head.length };
}

function ethernet(
  link: { encap?: EncapSpec[]; dstMac?: string; srcMac?: string },
  etherType: number,
  pppProto: number,
  l3: Uint8Array,
): { bytes: Uint8Array; l3Offset: number } {
  const out: number[] = [...mac(link.dstMac ?? '02:00:00:00:00:02'), ...mac(link.srcMac ?? '02:00:00:00:00:01')];
  const encap = link.encap ?? [];
  /** Index in `out` of a 2-byte type slot still to fill, or -1 when the previous layer has no type field. */
  let slot = out.length;
  out.push(0, 0);
  const lengthSlots: number[] = [];
  const fill = (at: number, value: number): void => {
    out[at] = value >> 8;
    out[at + 1] = value & 0xff;
  };
  for (let i = 0; i < encap.length; i++) {
    const e = encap[i];
    if (e === undefined) continue;
    const typeOf: Record<EncapSpec['kind'], number> = {
      vlan: e.kind === 'vlan' ? (e.tpid ?? 0x8100) : 0,
      mpls: 0x8847,
      pw: -1,
      pppoe: 0x8864,
      pbb: 0x88e7,
      'llc-snap': -2,
    };
    const t = typeOf[e.kind];
    if (slot >= 0) {
      if (t === -1) throw new Error('frame-builder: a pseudowire must follow an MPLS label');
      if (t === -2) lengthSlots.push(slot);
      else fill(slot, t);
    } else if (e.kind !== 'mpls' && e.kind !== 'pw') {
      throw new Error(`frame-builder: ${e.kind} cannot follow an MPLS bottom-of-stack label`);
    }
    slot = -1;
    switch (e.kind) {
      case 'vlan': {
        out.push(...be16((((e.pcp ?? 0) & 7) << 13) | (e.vid & 0x0fff)));
        slot = out.length;
        out.push(0, 0);
        break;
      }
      case 'mpls': {
        const bottom = encap[i + 1]?.kind !== 'mpls';
        const word = ((e.label & 0xfffff) << 12) | (((e.tc ?? 0) & 7) << 9) | (bottom ? 0x100 : 0) | ((e.ttl ?? 64) & 0xff);
        out.push(...be32(word >>> 0));
        break;
      }
      case 'pw':
        out.push(0, 0, 0, 0, ...mac('02:00:00:00:01:02'), ...mac('02:00:00:00:01:01'));
        slot = out.length;
        out.push(0, 0);
        break;
      case 'pppoe': {
        if (i !== encap.length - 1) throw new Error('frame-builder: pppoe must be the last encapsulation');
        // ver 1 type 1, code 0 (session data), session id, length = PPP protocol + payload.
        out.push(0x11, 0x00, ...be16(e.sessionId ?? 1), ...be16(2 + l3.length), ...be16(pppProto));
        const bytes = concat(Uint8Array.from(out), l3);
        return { bytes, l3Offset: out.length };
      }
      case 'pbb':
        out.push(0, ...be24(e.isid ?? 0x100), ...mac('02:00:00:00:02:02'), ...mac('02:00:00:00:02:01'));
        slot = out.length;
        out.push(0, 0);
        break;
      case 'llc-snap':
        out.push(0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00);
        slot = out.length;
        out.push(0, 0);
        break;
    }
  }
  if (slot >= 0) fill(slot, etherType);
  const l3Offset = out.length;
  for (const at of lengthSlots) fill(at, l3Offset + l3.length - (at + 2)); // IEEE 802.3 length: bytes after it
  return { bytes: concat(Uint8Array.from(out), l3), l3Offset };
}

/** The IP datagram alone (what LINKTYPE_RAW carries), with offsets relative to its start. */
export function buildIpPacket(spec: FrameSpec): { bytes: Uint8Array; l4Offset: number; payloadOffset: number } {
  const payload =
    spec.payload instanceof Uint8Array
      ? spec.payload
      : Uint8Array.from({ length: spec.payload ?? 0 }, (_, i) => i & 0xff);
  const l4 = spec.l4;
  const protocol = l4 === undefined ? (spec.ip.version === 6 ? 59 : 253) : l4.proto === 'other' ? l4.protocol : IP_PROTO[l4.proto];
  const src = addr(spec.ip.src, spec.ip.version);
  const dst = addr(spec.ip.dst, spec.ip.version);
  const l4Header = l4 === undefined ? new Uint8Array(0) : transportHeader(l4, payload.length);
  const segment = concat(l4Header, payload);
  if (l4 !== undefined) fillTransportChecksum(l4, segment, src, dst, spec.ip.version === 6);
  if (spec.ip.version === 4) {
    const ip = spec.ip;
    const options = padTo(Uint8Array.from(ip.options ?? []), 4);
    const headerLen = 20 + options.length;
    const h = new Uint8Array(headerLen);
    h[0] = ((ip.versionNibble ?? 4) << 4) | ((ip.ihl ?? headerLen / 4) & 0x0f);
    h[1] = ip.tos ?? 0;
    h.set(be16(ip.totalLength ?? headerLen + segment.length), 2);
    h.set(be16(ip.id ?? 0x1234), 4);
    const flags = (ip.dontFragment === true ? 0x4000 : 0) | (ip.moreFragments === true ? 0x2000 : 0);
    h.set(be16(flags | ((ip.fragmentOffset ?? 0) & 0x1fff)), 6);
    h[8] = ip.ttl ?? 64;
    h[9] = ip.protocol ?? protocol;
    h.set(src, 12);
    h.set(dst, 16);
    h.set(options, 20);
    h.set(be16(internetChecksum(h)), 10);
    return { bytes: concat(h, segment), l4Offset: headerLen, payloadOffset: headerLen + l4Header.length };
  }
  const ip = spec.ip;
  const exts = ip.extensions ?? [];
  const extBytes: Uint8Array[] = [];
  for (let i = 0; i < exts.length; i++) {
    const e = exts[i];
    if (e === undefined) continue;
    const next = exts[i + 1]?.type ?? protocol;
    extBytes.push(extensionHeader(e, next));
  }
  const chain = concat(...extBytes);
  const h = new Uint8Array(40);
  const vtf = (((ip.versionNibble ?? 6) & 0xf) << 28) | (((ip.trafficClass ?? 0) & 0xff) << 20) | ((ip.flowLabel ?? 0) & 0xfffff);
  h.set(be32(vtf >>> 0), 0);
  h.set(be16(ip.payloadLength ?? chain.length + segment.length), 4);
  h[6] = ip.nextHeader ?? exts[0]?.type ?? protocol;
  h[7] = ip.hopLimit ?? 64;
  h.set(src, 8);
  h.set(dst, 24);
  return { bytes: concat(h, chain, segment), l4Offset: 40 + chain.length, payloadOffset: 40 + chain.length + l4Header.length };
}

function extensionHeader(e: Ipv6ExtSpec, next: number): Uint8Array {
  if (e.type === 44) {
    const b = new Uint8Array(8);
    b[0] = next;
    b.set(be16((((e.offset ?? 0) & 0x1fff) << 3) | (e.more === true ? 1 : 0)), 2);
    b.set(be32(e.id ?? 0xabcd), 4);
    return b;
  }
  if (e.type === 51) {
    const len = e.length ?? 12;
    if (len % 4 !== 0 || len < 12) throw new Error('frame-builder: AH length must be a multiple of 4, >= 12');
    const b = new Uint8Array(len);
    b[0] = next;
    b[1] = e.payloadLen ?? len / 4 - 2; // RFC 4302 §2.2
    b.set(be32(0x100), 4); // SPI
    b.set(be32(1), 8); // sequence number
    return b;
  }
  const len = e.length ?? 8;
  if (len % 8 !== 0 || len < 8) throw new Error('frame-builder: extension length must be a multiple of 8, >= 8');
  const b = new Uint8Array(len);
  b[0] = next;
  b[1] = e.hdrExtLen ?? len / 8 - 1; // RFC 8200 §4.3
  if (e.type === 0 || e.type === 60) {
    b[2] = 1; // PadN option (RFC 8200 §4.2) covering the rest
    b[3] = len - 4;
  } else if (e.type === 43) {
    b[2] = 253; // routing type 253 (RFC 4727 experiment), segments left 0: nothing to visit, any length
  } else if (e.type === 135) {
    b[2] = 59; // RFC 6275 §6.1.1: payload proto 59 inside the mobility header
  }
  return b;
}

function transportHeader(l4: L4Spec, payloadLen: number): Uint8Array {
  switch (l4.proto) {
    case 'tcp': {
      const options = padTo(Uint8Array.from(l4.options ?? []), 4);
      const h = new Uint8Array(20 + options.length);
      h.set(be16(l4.srcPort), 0);
      h.set(be16(l4.dstPort), 2);
      h.set(be32((l4.seq ?? 0) >>> 0), 4);
      h.set(be32((l4.ack ?? 0) >>> 0), 8);
      h[12] = ((l4.dataOffset ?? h.length / 4) & 0xf) << 4;
      h[13] = l4.flags ?? 0;
      h.set(be16(l4.window ?? 65535), 14);
      h.set(be16(l4.urgent ?? 0), 18);
      h.set(options, 20);
      return h;
    }
    case 'udp':
    case 'udplite': {
      const h = new Uint8Array(8);
      h.set(be16(l4.srcPort), 0);
      h.set(be16(l4.dstPort), 2);
      // UDP: length (RFC 768); UDP-Lite: checksum coverage 0 = whole datagram (RFC 3828 §3.1).
      h.set(be16(l4.proto === 'udp' ? (l4.length ?? 8 + payloadLen) : 0), 4);
      return h;
    }
    case 'dccp': {
      const h = new Uint8Array(12);
      h.set(be16(l4.srcPort), 0);
      h.set(be16(l4.dstPort), 2);
      h[4] = 3; // data offset in 32-bit words (RFC 4340 §5.1)
      h[8] = 2 << 1; // type 2 = DCCP-Data, X = 0 (24-bit sequence number)
      h.set(be24(1), 9);
      return h;
    }
    case 'sctp': {
      const h = new Uint8Array(12);
      h.set(be16(l4.srcPort), 0);
      h.set(be16(l4.dstPort), 2);
      h.set(be32((l4.verificationTag ?? 1) >>> 0), 4);
      return h; // CRC32c checksum left 0
    }
    case 'icmp':
    case 'icmpv6': {
      const h = new Uint8Array(8);
      h[0] = l4.type;
      h[1] = l4.code;
      h.set(be32((l4.rest ?? 0) >>> 0), 4);
      return h;
    }
    case 'other':
      return new Uint8Array(0);
  }
}

/** Fills the checksum of TCP, UDP, UDP-Lite, DCCP, ICMP and ICMPv6 (RFC 9293, 768, 3828, 4340, 1071; RFC 8200 §8.1
 *  pseudo-header). SCTP's CRC32c is left 0. */
function fillTransportChecksum(l4: L4Spec, segment: Uint8Array, src: Uint8Array, dst: Uint8Array, v6: boolean): void {
  const at = l4.proto === 'tcp' ? 16 : l4.proto === 'udp' || l4.proto === 'udplite' || l4.proto === 'dccp' ? 6 : l4.proto === 'icmp' || l4.proto === 'icmpv6' ? 2 : -1;
  if (at < 0 || segment.length < at + 2) return;
  let sum: number;
  if (l4.proto === 'icmp') {
    sum = internetChecksum(segment);
  } else if (l4.proto !== 'other') {
    const proto = IP_PROTO[l4.proto];
    const pseudo = v6
      ? concat(src, dst, Uint8Array.from(be32(segment.length)), Uint8Array.from([0, 0, 0, proto]))
      : concat(src, dst, Uint8Array.from([0, proto, ...be16(segment.length)]));
    sum = internetChecksum(concat(pseudo, segment));
    if (sum === 0 && l4.proto === 'udp') sum = 0xffff; // RFC 768: 0 means "no checksum"
  } else {
    return;
  }
  segment.set(be16(sum), at);
}

/** RFC 1071 Internet checksum of `bytes` (odd length padded with a zero byte). */
export function internetChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function addr(text: string, version: 4 | 6): Uint8Array {
  const a = parseAddress(text);
  if (a === null || a.length !== (version === 4 ? 4 : 16)) throw new Error(`frame-builder: bad IPv${version} address ${text}`);
  return a;
}

function mac(text: string): number[] {
  const parts = text.split(':').map((p) => parseInt(p, 16));
  if (parts.length !== 6 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`frame-builder: bad MAC ${text}`);
  return parts;
}

function be16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}
function le16(v: number): number[] {
  return [v & 0xff, (v >> 8) & 0xff];
}
function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
function be24(v: number): number[] {
  return [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
}
function be32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

function padTo(b: Uint8Array, multiple: number): Uint8Array {
  const len = Math.ceil(b.length / multiple) * multiple;
  if (len === b.length) return b;
  const out = new Uint8Array(len);
  out.set(b);
  return out;
}

/** Concatenates byte arrays into a new one. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
