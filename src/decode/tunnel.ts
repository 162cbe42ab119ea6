// Tunnel decapsulation for `--decap`: given the decoded outer IP and transport headers of a packet, finds the IP
// header the tunnel carries (IP-in-IP, GRE incl. PPTP's enhanced GRE, GRE carrying Ethernet or MPLS, ERSPAN
// I/II/III, VXLAN, Geneve, GTP-U, Teredo, MPLS-over-UDP). One layer per call: decodePacket calls it again on the
// inner packet, up to its depth limit. Reads only bytes inside the outer datagram as captured. No I/O, no
// allocation.

import { IPPROTO, SKIP, TUNNEL, type PacketMeta } from '../types.js';
import { L3, type LinkResult, pppProtocol, walkEtherType } from './link.js';

/** EtherType / GRE protocol type values (IEEE 802 numbers registry) a tunnel may carry. */
const ETH = {
  IPV4: 0x0800,
  IPV6: 0x86dd,
  TEB: 0x6558, // Transparent Ethernet Bridging: an Ethernet frame (RFC 1701, RFC 7637)
  PPP: 0x880b, // PPP, as PPTP's enhanced GRE carries it (RFC 2637 §4.1)
  MPLS_UC: 0x8847,
  MPLS_MC: 0x8848,
  ERSPAN_II: 0x88be, // ERSPAN type I (no header) / II (8-byte header, sequence bit set)
  ERSPAN_III: 0x22eb,
  CMD: 0x8909, // Cisco MetaData (Security Group Tag), as Cisco routers put it in GRE
} as const;

/** UDP ports of the UDP-based tunnels (IANA service names registry). */
export const TUNNEL_UDP_PORT = {
  VXLAN: 4789, // RFC 7348 §5
  GENEVE: 6081, // RFC 8926 §3.3
  GTP_U: 2152, // 3GPP TS 29.281 §4.4.2.3
  TEREDO: 3544, // RFC 4380 §2.1
  MPLS_UDP: 6635, // RFC 7510 §3
} as const;

/** Most GTP-U extension headers walked before the header counts as not a tunnel. */
const MAX_GTP_EXTENSIONS = 16;

function u16(d: Uint8Array, at: number): number {
  return ((d[at] ?? 0) << 8) | (d[at + 1] ?? 0);
}

/** The UDP tunnel kind of a port, or -1. */
function udpTunnel(port: number): number {
  switch (port) {
    case TUNNEL_UDP_PORT.VXLAN:
      return TUNNEL.VXLAN;
    case TUNNEL_UDP_PORT.GENEVE:
      return TUNNEL.GENEVE;
    case TUNNEL_UDP_PORT.GTP_U:
      return TUNNEL.GTP_U;
    case TUNNEL_UDP_PORT.TEREDO:
      return TUNNEL.TEREDO;
    case TUNNEL_UDP_PORT.MPLS_UDP:
      return TUNNEL.MPLS_UDP;
    default:
      return -1;
  }
}

/**
 * The tunnel whose outer headers `out` holds (a decoded IPv4/IPv6 packet whose transport header starts at
 * out.l4Offset; not a fragment): returns its TUNNEL kind with `res.l3Offset` / `res.l3Kind` / `res.l3End` at the
 * inner IP header, or -1 when the packet is not a tunnel pcapflow enters or its payload holds no IP header (a
 * PPTP acknowledgement without payload, compressed PPP, ARP inside VXLAN, a header cut by the capture...).
 * Inner Ethernet headers (VXLAN, Geneve, GRE/TEB, ERSPAN) are walked like the outer link (VLAN tags, MPLS, ...);
 * their VLAN ids may land in out.vlanId, which the caller restores.
 *
 * UDP tunnels are recognised by port as Wireshark does: the lower of the two ports is tried first, so a DNS
 * query sent from port 4789 stays DNS; the higher port is a tunnel port only when the lower one is 1024 or more
 * (an ephemeral port, as the source port of VXLAN, Geneve and Teredo clients is) or 0 (no service; some Geneve
 * senders use it). In every case the payload must hold a well-formed tunnel header and an IP header.
 */
export function findTunnel(data: Uint8Array, out: PacketMeta, res: LinkResult): number {
  const l4 = out.l4Offset;
  const ipEnd = out.ipOffset + out.ipTotalLen;
  const end = ipEnd < data.length ? ipEnd : data.length;
  res.l3End = end;
  const proto = out.protocol;
  if (proto === IPPROTO.IPIP || proto === IPPROTO.IPV6) {
    // RFC 2003 §3 (IPv4 in IPv4, protocol 4), RFC 4213 §3.5 (IPv6 in IPv4, protocol 41), RFC 2473 §3 (in IPv6).
    if (l4 >= end) return -1;
    res.l3Offset = l4;
    res.l3Kind = proto === IPPROTO.IPIP ? L3.IPV4 : L3.IPV6;
    return TUNNEL.IP_IN_IP;
  }
  if (proto === IPPROTO.GRE) return gre(data, l4, end, out, res);
  if (proto !== IPPROTO.UDP || l4 + 8 > end) return -1;
  const sport = u16(data, l4);
  const dport = u16(data, l4 + 2);
  const low = sport < dport ? sport : dport;
  const high = sport < dport ? dport : sport;
  let kind = udpTunnel(low);
  if (kind < 0 && (low >= 1024 || low === 0)) kind = udpTunnel(high);
  if (kind < 0) return -1;
  const p = l4 + 8;
  switch (kind) {
    case TUNNEL.VXLAN:
      // RFC 7348 §5: flags(1) reserved(3) VNI(3) reserved(1), then the inner Ethernet frame.
      return ethernet(data, p + 8, end, out, res) ? kind : -1;
    case TUNNEL.GENEVE: {
      // RFC 8926 §3.4: Ver(2) Opt Len(6, 4-byte words) O C Rsvd(6) Protocol Type(16) VNI(24) Reserved(8), options.
      if (p + 8 > end) return -1;
      const b0 = data[p] ?? 0;
      if (b0 >> 6 !== 0) return -1;
      const inner = p + 8 + (b0 & 0x3f) * 4;
      return payloadOfType(data, inner, end, u16(data, p + 2), out, res) ? kind : -1;
    }
    case TUNNEL.GTP_U:
      return gtpU(data, p, end, res) ? kind : -1;
    case TUNNEL.TEREDO:
      return teredo(data, p, end, res) ? kind : -1;
    default:
      // RFC 7510 §3: an MPLS label stack right after the UDP header.
      return walkEtherType(data, p, end, ETH.MPLS_UC, out, res) === SKIP.NONE ? kind : -1;
  }
}

/** An Ethernet header at `off` (then tags, MPLS, ... as on the outer link) leading to IP. */
function ethernet(data: Uint8Array, off: number, end: number, out: PacketMeta, res: LinkResult): boolean {
  if (off + 14 > end) return false;
  return walkEtherType(data, off + 14, end, u16(data, off + 12), out, res) === SKIP.NONE;
}

/** The payload of protocol type `type` (IPv4, IPv6, Ethernet, MPLS) at `off`. */
function payloadOfType(data: Uint8Array, off: number, end: number, type: number, out: PacketMeta, res: LinkResult): boolean {
  if (off >= end) return false;
  if (type === ETH.IPV4 || type === ETH.IPV6) {
    res.l3Offset = off;
    res.l3Kind = type === ETH.IPV4 ? L3.IPV4 : L3.IPV6;
    return true;
  }
  if (type === ETH.TEB) return ethernet(data, off, end, out, res);
  if (type === ETH.MPLS_UC || type === ETH.MPLS_MC) return walkEtherType(data, off, end, type, out, res) === SKIP.NONE;
  return false;
}

/**
 * GRE (RFC 2784 §2.1 with RFC 2890's key and sequence number; version 1 is PPTP's enhanced GRE, RFC 2637 §4.1)
 * at `off`. Returns TUNNEL.GRE, TUNNEL.ERSPAN or -1.
 */
function gre(data: Uint8Array, off: number, end: number, out: PacketMeta, res: LinkResult): number {
  if (off + 4 > end) return -1;
  const f0 = data[off] ?? 0; // C R K S s Recur(3)
  const f1 = data[off + 1] ?? 0; // A Flags(4) Ver(3)
  const greType = u16(data, off + 2);
  let p = off + 4;
  const version = f1 & 0x07;
  if (version === 1) {
    // RFC 2637 §4.1: Key present (payload length(2) call id(2)), optional sequence and acknowledgement numbers.
    if (greType !== ETH.PPP || (f0 & 0x20) === 0) return -1;
    const payloadLen = u16(data, p);
    p += 4;
    if ((f0 & 0x10) !== 0) p += 4;
    if ((f1 & 0x80) !== 0) p += 4;
    if (payloadLen === 0 || p >= end) return -1; // an acknowledgement only
    return pppProtocol(data, p, end, res) === SKIP.NONE ? TUNNEL.GRE : -1;
  }
  if (version !== 0) return -1;
  // RFC 1701's routing field (R bit) is obsolete and variable-length: not walked.
  if ((f0 & 0x40) !== 0) return -1;
  if ((f0 & 0x80) !== 0) p += 4; // checksum + reserved
  if ((f0 & 0x20) !== 0) p += 4; // key
  if ((f0 & 0x10) !== 0) p += 4; // sequence number
  if (p >= end) return -1;
  let type = greType;
  if (type === ETH.CMD) {
    // Cisco MetaData inside GRE: EtherType(2) version(1) length(1) option(2) SGT(2), then the payload of that
    // EtherType (the layout Wireshark's packet-cmd.c decodes after GRE; on Ethernet the EtherType comes last).
    if (p + 8 > end) return -1;
    type = u16(data, p);
    p += 8;
  }
  if (type === ETH.ERSPAN_II) {
    // ERSPAN type II has an 8-byte header and sets GRE's sequence bit; type I has neither (draft-foschiano-erspan
    // §4.1, §4.2; as Wireshark's packet-erspan.c tells them apart).
    if ((f0 & 0x10) !== 0) p += 8;
    return ethernet(data, p, end, out, res) ? TUNNEL.ERSPAN : -1;
  }
  if (type === ETH.ERSPAN_III) {
    // Type III (draft-foschiano-erspan §4.3): a 12-byte header whose last bit (O) announces an 8-byte
    // platform-specific subheader.
    if (p + 12 > end) return -1;
    const optional = ((data[p + 11] ?? 0) & 1) !== 0;
    p += 12 + (optional ? 8 : 0);
    return ethernet(data, p, end, out, res) ? TUNNEL.ERSPAN : -1;
  }
  if (type === ETH.PPP) return pppProtocol(data, p, end, res) === SKIP.NONE ? TUNNEL.GRE : -1;
  return payloadOfType(data, p, end, type, out, res) ? TUNNEL.GRE : -1;
}

/**
 * GTP-U (3GPP TS 29.281 §5.1): version 1, protocol type GTP, message type 255 (G-PDU) carries a user IP packet.
 * Flags(1: version(3) PT E S PN) type(1) length(2) TEID(4); with any of E, S, PN, sequence(2) N-PDU(1) next
 * extension type(1); each extension header: length(1, 4-byte units) ... next type(1).
 */
function gtpU(data: Uint8Array, p: number, end: number, res: LinkResult): boolean {
  if (p + 8 > end) return false;
  const flags = data[p] ?? 0;
  if (flags >> 5 !== 1 || (flags & 0x10) === 0 || data[p + 1] !== 0xff) return false;
  let q = p + 8;
  if ((flags & 0x07) !== 0) {
    if (q + 4 > end) return false;
    let next = (flags & 0x04) !== 0 ? (data[q + 3] ?? 0) : 0;
    q += 4;
    for (let n = 0; next !== 0; n++) {
      if (n === MAX_GTP_EXTENSIONS || q >= end) return false;
      const len = (data[q] ?? 0) * 4;
      if (len === 0 || q + len > end) return false;
      next = data[q + len - 1] ?? 0;
      q += len;
    }
  }
  if (q >= end) return false;
  const version = (data[q] ?? 0) >> 4;
  if (version !== 4 && version !== 6) return false;
  res.l3Offset = q;
  res.l3Kind = version === 4 ? L3.IPV4 : L3.IPV6;
  return true;
}

/**
 * Teredo (RFC 4380 §5.1.1): an IPv6 packet, optionally preceded by an authentication indicator (0x0001, ID length,
 * auth length, ID, auth, nonce(8), confirmation(1)) and/or an origin indication (0x0000, port(2), address(4)).
 * A UDP payload that is not IPv6 (a qualification exchange gone wrong, other traffic on the port) is not entered.
 */
function teredo(data: Uint8Array, p: number, end: number, res: LinkResult): boolean {
  if (p + 2 <= end && u16(data, p) === 0x0001) {
    if (p + 4 > end) return false;
    p += 4 + (data[p + 2] ?? 0) + (data[p + 3] ?? 0) + 9;
  }
  if (p + 2 <= end && u16(data, p) === 0x0000) p += 8;
  if (p + 40 > end || (data[p] ?? 0) >> 4 !== 6) return false;
  res.l3Offset = p;
  res.l3Kind = L3.IPV6;
  return true;
}
