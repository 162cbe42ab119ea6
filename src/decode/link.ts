// Link-layer decoding: finds where the outermost IP header starts in a frame, through Ethernet (VLAN/QinQ tags,
// MPLS stacks with Ethernet pseudowires, PPPoE sessions, 802.1ah PBB, LLC/SNAP), Linux SLL/SLL2, BSD NULL/LOOP,
// raw IP, PPP and Cisco HDLC. It records the outermost VLAN id and nothing else. No I/O, no allocation per call:
// results go into a caller-owned LinkResult.

import { SKIP, type PacketMeta, type SkipCode } from '../types.js';

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
  RAW_BSD12: 12,
  RAW_BSD14: 14,
  PPP_HDLC: 50,
  RAW: 101,
  C_HDLC: 104,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/** True for the link types decodeLink understands. */
export function isLinkTypeDecoded(linkType: number): boolean {
  switch (linkType) {
    case LT.NULL:
    case LT.ETHERNET:
    case LT.PPP:
    case LT.RAW_BSD12:
    case LT.RAW_BSD14:
    case LT.PPP_HDLC:
    case LT.RAW:
    case LT.C_HDLC:
    case LT.LOOP:
    case LT.LINUX_SLL:
    case LT.IPV4:
    case LT.IPV6:
    case LT.LINUX_SLL2:
      return true;
    default:
      return false;
  }
}

function u16(d: Uint8Array, at: number): number {
  return ((d[at] ?? 0) << 8) | (d[at + 1] ?? 0);
}

/**
 * Walks the link layer of `data` (the captured bytes) for `linkType`. On SKIP.NONE, `res` holds the IP header
 * offset and kind; `out.vlanId` holds the outermost VLAN id or -1 (no other field of `out` is touched).
 * Returns unsupported_link_type, truncated_link (the capture ends before the IP header starts, including an MPLS
 * stack with no byte left to guess the payload from), not_ip (ARP, LLDP, PPPoE discovery, non-IP MPLS payload,
 * LLC without SNAP, ...) or too_many_layers. Never throws.
 */
export function decodeLink(data: Uint8Array, linkType: number, out: PacketMeta, res: LinkResult): SkipCode {
  const len = data.length;
  switch (linkType) {
    case LT.ETHERNET:
      // IEEE 802.3 §3.1.1: dst(6) src(6) type/length(2).
      if (len < 14) return SKIP.TRUNCATED_LINK;
      return walkEtherType(data, 14, u16(data, 12), out, res);
    case LT.LINUX_SLL: {
      // https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html: packet type(2) ARPHRD(2) addr len(2)
      // addr(8) protocol(2).
      if (len < 16) return SKIP.TRUNCATED_LINK;
      return sllProtocol(data, 16, u16(data, 2), u16(data, 14), out, res);
    }
    case LT.LINUX_SLL2: {
      // https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html: protocol(2) reserved(2) ifindex(4)
      // ARPHRD(2) packet type(1) addr len(1) addr(8).
      if (len < 20) return SKIP.TRUNCATED_LINK;
      return sllProtocol(data, 20, u16(data, 8), u16(data, 0), out, res);
    }
    case LT.NULL:
    case LT.LOOP: {
      // LINKTYPE_NULL: 4-byte AF_ value in the capturing host's byte order; LINKTYPE_LOOP: network order.
      if (len < 4) return SKIP.TRUNCATED_LINK;
      // Some BSD captures put a Cisco HDLC header (address 0x0F/0x8F, control 0, EtherType) in a NULL link;
      // Wireshark's null dissector decodes it as an EtherType, and so do we.
      if (linkType === LT.NULL && (data[0] === 0x0f || data[0] === 0x8f) && data[1] === 0) {
        return walkEtherType(data, 4, u16(data, 2), out, res);
      }
      let family = (((data[0] ?? 0) << 24) | ((data[1] ?? 0) << 16) | u16(data, 2)) >>> 0;
      // A host-order value written by a little-endian host has its low byte first: AF_ values are < 256, so a
      // non-zero top half means the bytes are swapped (the test tcpdump's print-null.c makes).
      if (linkType === LT.NULL && (family & 0xffff0000) !== 0) {
        family = ((data[0] ?? 0) | ((data[1] ?? 0) << 8) | ((data[2] ?? 0) << 16) | ((data[3] ?? 0) << 24)) >>> 0;
      }
      res.l3Offset = 4;
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
      res.l3Offset = 0;
      res.l3Kind = L3.GUESS;
      return SKIP.NONE;
    case LT.IPV4:
      res.l3Offset = 0;
      res.l3Kind = L3.IPV4;
      return SKIP.NONE;
    case LT.IPV6:
      res.l3Offset = 0;
      res.l3Kind = L3.IPV6;
      return SKIP.NONE;
    case LT.PPP:
    case LT.PPP_HDLC:
      return pppProtocol(data, 0, res);
    case LT.C_HDLC:
      // Cisco HDLC: address(1) control(1) EtherType(2) (LINKTYPE_C_HDLC).
      if (len < 4) return SKIP.TRUNCATED_LINK;
      return walkEtherType(data, 4, u16(data, 2), out, res);
    default:
      return SKIP.UNSUPPORTED_LINK_TYPE;
  }
}

/** SLL/SLL2 protocol field: an EtherType, except for a few ARPHRD types and the small Linux ETH_P_* values. */
function sllProtocol(
  data: Uint8Array,
  off: number,
  arphrd: number,
  protocol: number,
  out: PacketMeta,
  res: LinkResult,
): SkipCode {
  // ARPHRD_NETLINK (824): the protocol field is a netlink family, never IP.
  if (arphrd === 824) return SKIP.NOT_IP;
  // ETH_P_802_2 (4): an 802.2 LLC header follows; other values below 0x0600 are Linux-internal (not IP).
  if (protocol === 4) return walkEtherType(data, off, 0, out, res);
  if (protocol < 0x0600) return SKIP.NOT_IP;
  return walkEtherType(data, off, protocol, out, res);
}

/** PPP protocol field at `off` (RFC 1661 §2), optionally preceded by the HDLC address/control bytes FF 03 (RFC 1662 §3.1). */
function pppProtocol(data: Uint8Array, off: number, res: LinkResult): SkipCode {
  const len = data.length;
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
 * Follows EtherType `type` whose payload starts at `off`, through tags and shims, to an IP header.
 * A type below 0x0600 is an IEEE 802.3 length: an 802.2 LLC header follows.
 */
function walkEtherType(data: Uint8Array, off: number, type: number, out: PacketMeta, res: LinkResult): SkipCode {
  const len = data.length;
  let depth = 0;
  for (;;) {
    if (type === ETH.IPV4) {
      res.l3Offset = off;
      res.l3Kind = L3.IPV4;
      return SKIP.NONE;
    }
    if (type === ETH.IPV6) {
      res.l3Offset = off;
      res.l3Kind = L3.IPV6;
      return SKIP.NONE;
    }
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
        return pppProtocol(data, off + 6, res);
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
