// Link-layer decoding: finds where the outermost IP header starts (and ends) in a frame, through Ethernet
// (VLAN/QinQ tags, MPLS stacks with Ethernet pseudowires, PPPoE sessions, 802.1ah PBB, LLC/SNAP), Linux SLL/SLL2,
// BSD NULL/LOOP, raw IP, PPP, Cisco HDLC, FDDI, 802.11 (bare, radiotap, PPI; see wlan.ts), NFLOG and IPoIB. It
// records the outermost VLAN id and nothing else. No I/O, no allocation per call: results go into a caller-owned
// LinkResult.

import { SKIP, type PacketMeta, type SkipCode } from '../types.js';
import { WlanResult, parsePpi, parseRadiotap, wlanMsdu } from './wlan.js';

/** What sits at LinkResult.l3Offset once decodeLink returned SKIP.NONE. */
export const L3 = {
  /** Raw IP link types: the version nibble (RFC 791 §3.1 / RFC 8200 §3) says which; decodePacket checks it. */
  GUESS: 1,
  IPV4: 4,
  IPV6: 6,
} as const;
export type L3Kind = (typeof L3)[keyof typeof L3];

/**
 * Most encapsulation layers (VLAN tags, MPLS labels, pseudowires, PPPoE, PBB, LLC/SNAP) decodeLink walks before it
 * gives up with too_many_layers. 16 as in Suricata's decoder (`decode-too-many-layers`); real traffic rarely has
 * more than 5 (QinQ + a 3-label MPLS stack).
 */
export const MAX_ENCAP_LAYERS = 16;

/** Result of decodeLink, owned by the caller and overwritten on every call. */
export class LinkResult {
  /** Offset of the outermost IP header in the frame (bytes). */
  l3Offset = 0;
  /** Which IP version to expect there. */
  l3Kind: L3Kind = L3.GUESS;
  /**
   * End (exclusive) of the bytes the IP decoder may read: the frame length, except when the link layer puts
   * something after the datagram (an 802.11 FCS announced by radiotap or PPI; NFLOG TLVs after the payload).
   */
  l3End = 0;
  /**
   * True when the IP header directly follows an 802.1Q / 802.1ad tag (a tagged Ethernet frame). CICFlowMeter's
   * decoder takes the transport payload from the IP length only behind an untagged Ethernet header; behind tags it
   * counts every frame byte after the transport header, trailer included (decodePacket's `cicflowmeter` option).
   */
  afterVlan = false;
}

/** EtherType values (IEEE 802 numbers registry) the walk understands. */
const ETH = {
  IPV4: 0x0800,
  IPV6: 0x86dd,
  VLAN: 0x8100, // IEEE 802.1Q C-tag
  QINQ: 0x88a8, // IEEE 802.1ad S-tag
  QINQ_OLD: 0x9100, // pre-standard QinQ tag
  MPLS_UC: 0x8847,
  MPLS_MC: 0x8848,
  PPPOE_SESSION: 0x8864,
  PBB: 0x88e7, // IEEE 802.1ah I-TAG
} as const;

/** PPP protocol numbers (RFC 1661 §2, RFC 1332, RFC 5072). */
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;

/** The LINKTYPE_* values decodeLink accepts (https://www.tcpdump.org/linktypes.html). */
const LT = {
  NULL: 0,
  ETHERNET: 1,
  PPP: 9,
  FDDI: 10,
  RAW_BSD12: 12,
  RAW_BSD14: 14,
  PPP_HDLC: 50,
  RAW: 101,
  C_HDLC: 104,
  IEEE802_11: 105,
  LOOP: 108,
  LINUX_SLL: 113,
  IEEE802_11_RADIOTAP: 127,
  PPI: 192,
  IPV4: 228,
  IPV6: 229,
  NFLOG: 239,
  IPOIB: 242,
  LINUX_SLL2: 276,
} as const;

/** True for the link types decodeLink understands. */
export function isLinkTypeDecoded(linkType: number): boolean {
  switch (linkType) {
    case LT.NULL:
    case LT.ETHERNET:
    case LT.PPP:
    case LT.FDDI:
    case LT.RAW_BSD12:
    case LT.RAW_BSD14:
    case LT.PPP_HDLC:
    case LT.RAW:
    case LT.C_HDLC:
    case LT.IEEE802_11:
    case LT.LOOP:
    case LT.LINUX_SLL:
    case LT.IEEE802_11_RADIOTAP:
    case LT.PPI:
    case LT.IPV4:
    case LT.IPV6:
    case LT.NFLOG:
    case LT.IPOIB:
    case LT.LINUX_SLL2:
      return true;
    default:
      return false;
  }
}

function u16(d: Uint8Array, at: number): number {
  return ((d[at] ?? 0) << 8) | (d[at + 1] ?? 0);
}

/** Scratch for the radiotap/PPI/802.11 helpers; module-level so decodeLink allocates nothing. */
const wlan = new WlanResult();

/**
 * Walks the link layer of `data` (the captured bytes) for `linkType`. On SKIP.NONE, `res` holds the IP header
 * offset, kind and end; `out.vlanId` holds the outermost VLAN id or -1 (no other field of `out` is touched).
 * Returns unsupported_link_type (also for a PPI header announcing a link type pcapflow does not decode),
 * truncated_link (the capture ends before the IP header starts, including an MPLS stack with no byte left to
 * guess the payload from, and an NFLOG record whose TLVs end before a payload TLV), not_ip (ARP, LLDP, PPPoE
 * discovery, non-IP MPLS payload, LLC without SNAP, 802.11 management/control/null/protected frames, FDDI
 * SMT/MAC frames, NFLOG of a family other than AF_INET/AF_INET6, and link headers whose own fields are
 * inconsistent: a radiotap/PPI length below 8, an NFLOG TLV length below 4, ...) or too_many_layers (including
 * PPI inside PPI). Never throws, never allocates.
 */
export function decodeLink(data: Uint8Array, linkType: number, out: PacketMeta, res: LinkResult): SkipCode {
  return decodeLinkAt(data, 0, data.length, linkType, false, out, res);
}

/**
 * The link header of `linkType` at data[off..end). `nested` is true inside a PPI header, which may not nest.
 * Sets res.l3End = end first; a layer that ends the IP datagram earlier (an 802.11 FCS, NFLOG TLVs after the
 * payload) lowers it on its success path.
 */
function decodeLinkAt(
  data: Uint8Array,
  off: number,
  end: number,
  linkType: number,
  nested: boolean,
  out: PacketMeta,
  res: LinkResult,
): SkipCode {
  const len = end - off;
  res.l3End = end;
  res.afterVlan = false;
  switch (linkType) {
    case LT.ETHERNET:
      // IEEE 802.3 §3.1.1: dst(6) src(6) type/length(2).
      if (len < 14) return SKIP.TRUNCATED_LINK;
      return walkEtherType(data, off + 14, end, u16(data, off + 12), out, res);
    case LT.LINUX_SLL: {
      // https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html: packet type(2) ARPHRD(2) addr len(2)
      // addr(8) protocol(2).
      if (len < 16) return SKIP.TRUNCATED_LINK;
      return sllProtocol(data, off + 16, end, u16(data, off + 2), u16(data, off + 14), out, res);
    }
    case LT.LINUX_SLL2: {
      // https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html: protocol(2) reserved(2) ifindex(4)
      // ARPHRD(2) packet type(1) addr len(1) addr(8).
      if (len < 20) return SKIP.TRUNCATED_LINK;
      return sllProtocol(data, off + 20, end, u16(data, off + 8), u16(data, off), out, res);
    }
    case LT.NULL:
    case LT.LOOP: {
      // LINKTYPE_NULL: 4-byte AF_ value in the capturing host's byte order; LINKTYPE_LOOP: network order.
      if (len < 4) return SKIP.TRUNCATED_LINK;
      const b0 = data[off] ?? 0;
      const b1 = data[off + 1] ?? 0;
      const b2 = data[off + 2] ?? 0;
      const b3 = data[off + 3] ?? 0;
      // Some BSD captures put a Cisco HDLC header (address 0x0F/0x8F, control 0, EtherType) in a NULL link;
      // Wireshark's null dissector decodes it as an EtherType, and so do we.
      if (linkType === LT.NULL && (b0 === 0x0f || b0 === 0x8f) && b1 === 0) {
        return walkEtherType(data, off + 4, end, (b2 << 8) | b3, out, res);
      }
      let family = ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
      // A host-order value written by a little-endian host has its low byte first: AF_ values are < 256, so a
      // non-zero top half means the bytes are swapped (the test tcpdump's print-null.c makes).
      if (linkType === LT.NULL && (family & 0xffff0000) !== 0) {
        family = (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0;
      }
      res.l3Offset = off + 4;
      if (family === 2) {
        res.l3Kind = L3.IPV4; // AF_INET everywhere
        return SKIP.NONE;
      }
      if (family === 24 || family === 28 || family === 30) {
        res.l3Kind = L3.IPV6; // AF_INET6 on NetBSD/OpenBSD (24), FreeBSD (28), Darwin (30)
        return SKIP.NONE;
      }
      return SKIP.NOT_IP;
    }
    case LT.RAW:
    case LT.RAW_BSD12:
    case LT.RAW_BSD14:
      res.l3Offset = off;
      res.l3Kind = L3.GUESS;
      return SKIP.NONE;
    case LT.IPV4:
      res.l3Offset = off;
      res.l3Kind = L3.IPV4;
      return SKIP.NONE;
    case LT.IPV6:
      res.l3Offset = off;
      res.l3Kind = L3.IPV6;
      return SKIP.NONE;
    case LT.PPP:
    case LT.PPP_HDLC:
      return pppProtocol(data, off, end, res);
    case LT.C_HDLC:
      // Cisco HDLC: address(1) control(1) EtherType(2) (LINKTYPE_C_HDLC).
      if (len < 4) return SKIP.TRUNCATED_LINK;
      return walkEtherType(data, off + 4, end, u16(data, off + 2), out, res);
    case LT.FDDI: {
      // LINKTYPE_FDDI (ANSI X3.139 / ISO 9314-2 MAC frame): frame control(1) dst(6) src(6), then 802.2 LLC.
      if (len < 13) return SKIP.TRUNCATED_LINK;
      // Frame control CLFFZZZZ: FF = 01 is an LLC frame; like Wireshark's FDDI dissector, only asynchronous
      // LLC frames with 48-bit addresses (0x50-0x5F) carry LLC; SMT, MAC and token frames do not.
      if (((data[off] ?? 0) & 0xf0) !== 0x50) return SKIP.NOT_IP;
      return walkEtherType(data, off + 13, end, 0, out, res);
    }
    case LT.IEEE802_11: {
      // LINKTYPE_IEEE802_11: the 802.11 frame without FCS (as Wireshark assumes by default).
      const skip = wlanMsdu(data, off, end, false, wlan);
      if (skip !== SKIP.NONE) return skip;
      return walkEtherType(data, wlan.offset, end, 0, out, res);
    }
    case LT.IEEE802_11_RADIOTAP: {
      let skip = parseRadiotap(data, off, end, wlan);
      if (skip !== SKIP.NONE) return skip;
      const wlanEnd = wlan.end; // end minus the FCS when the Flags field announces one
      skip = wlanMsdu(data, wlan.offset, wlanEnd, wlan.dataPad, wlan);
      if (skip !== SKIP.NONE) return skip;
      res.l3End = wlanEnd;
      return walkEtherType(data, wlan.offset, wlanEnd, 0, out, res);
    }
    case LT.PPI: {
      if (nested) return SKIP.TOO_MANY_LAYERS;
      const skip = parsePpi(data, off, end, wlan);
      if (skip !== SKIP.NONE) return skip;
      if (!isLinkTypeDecoded(wlan.dlt)) return SKIP.UNSUPPORTED_LINK_TYPE;
      return decodeLinkAt(data, wlan.offset, wlan.end, wlan.dlt, true, out, res);
    }
    case LT.NFLOG:
      return nflogPayload(data, off, end, res);
    case LT.IPOIB:
      // LINKTYPE_IPOIB: a 40-byte pseudo-header (source and destination InfiniBand addresses, the GRH fields
      // Linux reports; tcpdump print-ipoib.c, Wireshark packet-ipoib.c) then the RFC 4391 §6 encapsulation
      // header: Type (2, an EtherType) and Reserved (2).
      if (len < 44) return SKIP.TRUNCATED_LINK;
      return walkEtherType(data, off + 44, end, u16(data, off + 40), out, res);
    default:
      return SKIP.UNSUPPORTED_LINK_TYPE;
  }
}

/** NFULA_PAYLOAD, the TLV type holding the logged packet (linux/netfilter/nfnetlink_log.h). */
const NFULA_PAYLOAD = 9;

/**
 * LINKTYPE_NFLOG (https://www.tcpdump.org/linktypes/LINKTYPE_NFLOG.html): nflog_family(1) nflog_version(1)
 * nflog_rid(2, big-endian), then TLVs of tlv_length(2) tlv_type(2) in the capturing host's byte order, the length
 * counting the 4-byte TLV header but not the padding to a multiple of 4. NFULA_PAYLOAD holds the packet from its
 * network header on; the family (AF_INET 2, AF_INET6 10) says which IP.
 */
function nflogPayload(data: Uint8Array, off: number, end: number, res: LinkResult): SkipCode {
  if (end - off < 4) return SKIP.TRUNCATED_LINK;
  const family = data[off] ?? 0;
  if (family !== 2 && family !== 10) return SKIP.NOT_IP;
  let p = off + 4;
  if (p + 4 > end) return SKIP.TRUNCATED_LINK;
  // Byte order: little-endian unless the first TLV's length only makes sense read big-endian (a big-endian
  // host). Netlink attribute types are small (NFULA_* < 256) and lengths are at least 4.
  const leLen = (data[p] ?? 0) | ((data[p + 1] ?? 0) << 8);
  const beLen = ((data[p] ?? 0) << 8) | (data[p + 1] ?? 0);
  const big = (leLen < 4 || leLen > end - p) && beLen >= 4 && beLen <= end - p;
  // Each TLV advances p by at least 4, so the walk ends after at most (end - off) / 4 steps.
  while (p + 4 <= end) {
    const b0 = data[p] ?? 0;
    const b1 = data[p + 1] ?? 0;
    const b2 = data[p + 2] ?? 0;
    const b3 = data[p + 3] ?? 0;
    const tlvLen = big ? (b0 << 8) | b1 : b0 | (b1 << 8);
    // The two high bits of a netlink attribute type are the NLA_F_NESTED / NLA_F_NET_BYTEORDER flags.
    const type = (big ? (b2 << 8) | b3 : b2 | (b3 << 8)) & 0x3fff;
    if (tlvLen < 4) return SKIP.NOT_IP; // malformed: no way to find the next TLV
    if (type === NFULA_PAYLOAD) {
      res.l3Offset = p + 4;
      res.l3Kind = family === 2 ? L3.IPV4 : L3.IPV6;
      if (p + tlvLen < end) res.l3End = p + tlvLen;
      return SKIP.NONE;
    }
    p += (tlvLen + 3) & ~3;
  }
  return SKIP.TRUNCATED_LINK;
}

/** SLL/SLL2 protocol field: an EtherType, except for a few ARPHRD types and the small Linux ETH_P_* values. */
function sllProtocol(
  data: Uint8Array,
  off: number,
  end: number,
  arphrd: number,
  protocol: number,
  out: PacketMeta,
  res: LinkResult,
): SkipCode {
  // ARPHRD_NETLINK (824): the protocol field is a netlink family, never IP.
  if (arphrd === 824) return SKIP.NOT_IP;
  // ETH_P_802_2 (4): an 802.2 LLC header follows; other values below 0x0600 are Linux-internal (not IP).
  if (protocol === 4) return walkEtherType(data, off, end, 0, out, res);
  if (protocol < 0x0600) return SKIP.NOT_IP;
  return walkEtherType(data, off, end, protocol, out, res);
}

/** PPP protocol field at `off` (RFC 1661 §2), optionally preceded by the HDLC address/control bytes FF 03 (RFC 1662 §3.1). */
export function pppProtocol(data: Uint8Array, off: number, end: number, res: LinkResult): SkipCode {
  const len = end;
  // 0xFF is never the first byte of a protocol field we accept, so it is the HDLC address byte.
  if (off < len && data[off] === 0xff) {
    if (off + 2 > len) return SKIP.TRUNCATED_LINK;
    if (data[off + 1] === 0x03) off += 2;
  }
  if (off + 1 > len) return SKIP.TRUNCATED_LINK;
  let protocol: number;
  // RFC 1661 §6.5 Protocol-Field-Compression: a 1-byte field has its low bit set.
  if (((data[off] ?? 0) & 1) === 1) {
    protocol = data[off] ?? 0;
    off += 1;
  } else {
    if (off + 2 > len) return SKIP.TRUNCATED_LINK;
    protocol = u16(data, off);
    off += 2;
  }
  res.l3Offset = off;
  if (protocol === PPP_IPV4) {
    res.l3Kind = L3.IPV4;
    return SKIP.NONE;
  }
  if (protocol === PPP_IPV6) {
    res.l3Kind = L3.IPV6;
    return SKIP.NONE;
  }
  return SKIP.NOT_IP;
}

/**
 * Follows EtherType `type` whose payload starts at `off` (and ends at `end`), through tags and shims, to an IP header.
 * A type below 0x0600 is an IEEE 802.3 length: an 802.2 LLC header follows.
 */
export function walkEtherType(data: Uint8Array, off: number, end: number, type: number, out: PacketMeta, res: LinkResult): SkipCode {
  const len = end;
  let depth = 0;
  let tagged = false;
  for (;;) {
    if (type === ETH.IPV4) {
      res.l3Offset = off;
      res.l3Kind = L3.IPV4;
      res.afterVlan = tagged;
      return SKIP.NONE;
    }
    if (type === ETH.IPV6) {
      res.l3Offset = off;
      res.l3Kind = L3.IPV6;
      res.afterVlan = tagged;
      return SKIP.NONE;
    }
    tagged = type === ETH.VLAN || type === ETH.QINQ || type === ETH.QINQ_OLD;
    if (++depth > MAX_ENCAP_LAYERS) return SKIP.TOO_MANY_LAYERS;
    switch (type) {
      case ETH.VLAN:
      case ETH.QINQ:
      case ETH.QINQ_OLD:
        // IEEE 802.1Q §9.6: TCI (PCP 3 bits, DEI 1 bit, VID 12 bits) then the next EtherType.
        if (off + 4 > len) return SKIP.TRUNCATED_LINK;
        if (out.vlanId < 0) out.vlanId = u16(data, off) & 0x0fff;
        type = u16(data, off + 2);
        off += 4;
        continue;
      case ETH.MPLS_UC:
      case ETH.MPLS_MC: {
        // RFC 3032 §2.1: label(20) TC(3) S(1) TTL(8); S=1 marks the bottom of the stack.
        for (;;) {
          if (off + 4 > len) return SKIP.TRUNCATED_LINK;
          const bottom = ((data[off + 2] ?? 0) & 1) === 1;
          off += 4;
          if (bottom) break;
          if (++depth > MAX_ENCAP_LAYERS) return SKIP.TOO_MANY_LAYERS;
        }
        // RFC 3032 §2.1 leaves the payload type to the label; like tcpdump and Wireshark, guess from the first
        // nibble: 4/6 = IP, 0 = the RFC 4385 §3 pseudowire control word (then an Ethernet frame, RFC 4448 §4.4).
        if (off >= len) return SKIP.TRUNCATED_LINK;
        const nibble = (data[off] ?? 0) >> 4;
        if (nibble === 4) {
          res.l3Offset = off;
          res.l3Kind = L3.IPV4;
          return SKIP.NONE;
        }
        if (nibble === 6) {
          res.l3Offset = off;
          res.l3Kind = L3.IPV6;
          return SKIP.NONE;
        }
        if (nibble !== 0) return SKIP.NOT_IP;
        if (++depth > MAX_ENCAP_LAYERS) return SKIP.TOO_MANY_LAYERS;
        if (off + 4 + 14 > len) return SKIP.TRUNCATED_LINK;
        type = u16(data, off + 4 + 12);
        off += 4 + 14;
        continue;
      }
      case ETH.PPPOE_SESSION:
        // RFC 2516 §4: ver/type(1) code(1) session id(2) length(2), then the PPP protocol field (RFC 1661 §2).
        if (off + 8 > len) return SKIP.TRUNCATED_LINK;
        return pppProtocol(data, off + 6, end, res);
      case ETH.PBB:
        // IEEE 802.1ah: I-TAG (4: flags + I-SID) then the customer dst(6) src(6) and EtherType(2).
        if (off + 18 > len) return SKIP.TRUNCATED_LINK;
        type = u16(data, off + 16);
        off += 18;
        continue;
      default:
        break;
    }
    if (type >= 0x0600) return SKIP.NOT_IP;
    // IEEE 802.2 LLC: DSAP(1) SSAP(1) control(1); SNAP (DSAP=SSAP=0xAA, UI control 0x03, RFC 1042) adds OUI(3) and
    // an EtherType, which is meaningful for OUI 00-00-00 (RFC 1042) and 00-00-F8 (802.1H).
    if (off + 3 > len) return SKIP.TRUNCATED_LINK;
    if (data[off] !== 0xaa || data[off + 1] !== 0xaa || data[off + 2] !== 0x03) return SKIP.NOT_IP;
    if (off + 8 > len) return SKIP.TRUNCATED_LINK;
    if (data[off + 3] !== 0 || data[off + 4] !== 0 || (data[off + 5] !== 0 && data[off + 5] !== 0xf8)) {
      return SKIP.NOT_IP;
    }
    type = u16(data, off + 6);
    if (type < 0x0600) return SKIP.NOT_IP; // SNAP never carries a length; stops LLC-in-LLC loops
    off += 8;
  }
}
