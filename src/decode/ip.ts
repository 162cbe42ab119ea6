// IP-layer decoding: the outermost IPv4 header (RFC 791) or IPv6 header plus its extension-header chain
// (RFC 8200), written into the reused PacketMeta. It never descends into tunnels (IPIP, 6in4, GRE, ...): the
// outermost header defines the flow. No I/O, no allocation.

import { IPPROTO, SKIP, type PacketMeta, type SkipCode } from '../types.js';

/**
 * Most IPv6 extension headers walked before the chain counts as bad_ipv6_ext. Termination does not depend on
 * it (each header is at least 8 bytes); it bounds the work per packet while leaving room for odd but valid
 * chains such as libpcap's ipv6_ext_headers.pcap test capture (100 headers, which tshark decodes to UDP).
 */
export const MAX_IPV6_EXT_HEADERS = 128;

function u16(d: Uint8Array, at: number): number {
  return ((d[at] ?? 0) << 8) | (d[at + 1] ?? 0);
}

/**
 * Decodes the IPv4 header at `off`. Fills ipVersion, ipOffset, srcAddr/dstAddr (bytes 0-3), ipHeaderLen (IHL x 4),
 * ipTotalLen, ttl, tos, protocol, isFragment, isLaterFragment and l4Offset (-1 for a later fragment).
 * - byte 0 missing, or the 20 fixed bytes cut by the capture: truncated_ip;
 * - version != 4, IHL < 5, or 0 < total length < IHL x 4: bad_ip_header;
 * - total length 0 (TSO/LSO captures, where the NIC fills it in later): ipTotalLen = the captured bytes;
 * - options cut by the capture: SKIP.NONE with truncated = true; the transport decoder then finds no bytes.
 * Returns SKIP.NONE when the transport layer may be decoded next (unless isLaterFragment).
 */
export function decodeIpv4(data: Uint8Array, off: number, out: PacketMeta): SkipCode {
  const avail = data.length - off;
  if (avail < 1) return SKIP.TRUNCATED_IP;
  const b0 = data[off] ?? 0;
  // RFC 791 §3.1: Version (4 bits), IHL (4 bits, 32-bit words, minimum 5).
  if (b0 >> 4 !== 4) return SKIP.BAD_IP_HEADER;
  const headerLen = (b0 & 0x0f) * 4;
  if (headerLen < 20) return SKIP.BAD_IP_HEADER;
  if (avail < 20) return SKIP.TRUNCATED_IP;
  // RFC 791 §3.1: Total Length (bytes 2-3) covers header and data.
  let totalLen = u16(data, off + 2);
  if (totalLen === 0) totalLen = avail;
  else if (totalLen < headerLen) return SKIP.BAD_IP_HEADER;
  out.ipVersion = 4;
  out.ipOffset = off;
  out.ipHeaderLen = headerLen;
  out.ipTotalLen = totalLen;
  out.tos = data[off + 1] ?? 0; // Type of Service / DSCP+ECN (RFC 2474, RFC 3168)
  out.ttl = data[off + 8] ?? 0;
  out.protocol = data[off + 9] ?? 0;
  const src = out.srcAddr;
  const dst = out.dstAddr;
  src[0] = data[off + 12] ?? 0;
  src[1] = data[off + 13] ?? 0;
  src[2] = data[off + 14] ?? 0;
  src[3] = data[off + 15] ?? 0;
  dst[0] = data[off + 16] ?? 0;
  dst[1] = data[off + 17] ?? 0;
  dst[2] = data[off + 18] ?? 0;
  dst[3] = data[off + 19] ?? 0;
  // RFC 791 §3.1: Flags (bit 2 = MF) and Fragment Offset (13 bits, 8-byte units) in bytes 6-7.
  const frag = u16(data, off + 6);
  const fragOffset = frag & 0x1fff;
  out.isFragment = fragOffset !== 0 || (frag & 0x2000) !== 0;
  out.isLaterFragment = fragOffset !== 0;
  out.l4Offset = out.isLaterFragment ? -1 : off + headerLen;
  if (avail < headerLen) out.truncated = true;
  return SKIP.NONE;
}

/** True for the next-header values walked as IPv6 extension headers (RFC 8200 §4, RFC 7045 §2). */
function isIpv6Extension(nh: number): boolean {
  return (
    nh === IPPROTO.HOPOPT ||
    nh === IPPROTO.ROUTING ||
    nh === IPPROTO.FRAGMENT ||
    nh === IPPROTO.DSTOPTS ||
    nh === IPPROTO.AH ||
    nh === IPPROTO.MOBILITY ||
    nh === IPPROTO.HIP ||
    nh === IPPROTO.SHIM6
  );
}

/**
 * Decodes the IPv6 header at `off` and walks its extension headers to the transport header. Fills the same
 * fields as decodeIpv4 (addresses in bytes 0-15; ipHeaderLen = 40 + the extension headers walked; tos = traffic
 * class; ttl = hop limit; protocol = the first non-extension next header, or the Fragment header's next header).
 * - byte 0 missing or the 40 fixed bytes cut: truncated_ip; version != 6: bad_ip_header;
 * - payload length 0 (jumbogram, RFC 2675, or a TSO capture): ipTotalLen = the captured bytes, except when the
 *   next header is 59 (No Next Header): then the datagram is the bare 40-byte header;
 * - an extension header that runs past the datagram's own payload length, or more than MAX_IPV6_EXT_HEADERS:
 *   bad_ipv6_ext (the bytes are inconsistent, not missing);
 * - an extension header whose next-header/length bytes lie inside the datagram but beyond the capture:
 *   truncated_ip (the protocol is unknown, so the packet cannot join a flow);
 * - a Fragment header (RFC 8200 §4.5) with a non-zero offset stops the walk: isLaterFragment, l4Offset -1.
 * ESP (50) and No Next Header (59) end the walk like a transport protocol.
 */
export function decodeIpv6(data: Uint8Array, off: number, out: PacketMeta): SkipCode {
  const capEnd = data.length;
  const avail = capEnd - off;
  if (avail < 1) return SKIP.TRUNCATED_IP;
  const b0 = data[off] ?? 0;
  // RFC 8200 §3: Version(4) Traffic Class(8) Flow Label(20) Payload Length(16) Next Header(8) Hop Limit(8)
  // Source(128) Destination(128).
  if (b0 >> 4 !== 6) return SKIP.BAD_IP_HEADER;
  if (avail < 40) return SKIP.TRUNCATED_IP;
  const payloadLen = u16(data, off + 4);
  // Payload length 0: a jumbogram (RFC 2675 §2) or a TSO/BIG TCP capture; the real length is what was captured.
  // With Next Header 59 (RFC 8200 §4.7) a zero length is simply an empty datagram, and bytes after it padding.
  const totalLen = payloadLen === 0 && data[off + 6] !== IPPROTO.NONE ? avail : 40 + payloadLen;
  out.ipVersion = 6;
  out.ipOffset = off;
  out.ipTotalLen = totalLen;
  out.tos = ((b0 & 0x0f) << 4) | ((data[off + 1] ?? 0) >> 4);
  out.ttl = data[off + 7] ?? 0;
  const src = out.srcAddr;
  const dst = out.dstAddr;
  for (let i = 0; i < 16; i++) {
    src[i] = data[off + 8 + i] ?? 0;
    dst[i] = data[off + 24 + i] ?? 0;
  }
  const end = off + totalLen;
  let nh = data[off + 6] ?? 0;
  let cur = off + 40;
  let count = 0;
  while (isIpv6Extension(nh)) {
    if (++count > MAX_IPV6_EXT_HEADERS) return SKIP.BAD_IPV6_EXT;
    // Every extension header starts with Next Header(1) Hdr Ext Len(1); the Fragment header is a fixed 8 bytes
    // whose offset we need, so it needs all 8 (RFC 8200 §4.5).
    const need = nh === IPPROTO.FRAGMENT ? 8 : 2;
    if (cur + need > end) return SKIP.BAD_IPV6_EXT;
    if (cur + need > capEnd) return SKIP.TRUNCATED_IP;
    let extLen: number;
    if (nh === IPPROTO.FRAGMENT) {
      extLen = 8;
      // RFC 8200 §4.5: Fragment Offset (13 bits, 8-byte units) in bytes 2-3, M flag in bit 0 of byte 3.
      const word = u16(data, cur + 2);
      const fragOffset = word >> 3;
      if (fragOffset !== 0 || (word & 1) !== 0) out.isFragment = true;
      if (fragOffset !== 0) {
        out.isLaterFragment = true;
        out.protocol = data[cur] ?? 0;
        out.ipHeaderLen = cur + 8 - off;
        out.l4Offset = -1;
        return SKIP.NONE;
      }
    } else if (nh === IPPROTO.AH) {
      // RFC 4302 §2.2: AH Payload Len is in 32-bit words, minus 2.
      extLen = ((data[cur + 1] ?? 0) + 2) * 4;
    } else {
      // RFC 8200 §4.3-4.6 (and RFC 6275 §6.1.1, RFC 7401 §5.1, RFC 5533 §5.1): Hdr Ext Len in 8-byte units,
      // not counting the first 8 bytes.
      extLen = ((data[cur + 1] ?? 0) + 1) * 8;
    }
    if (cur + extLen > end) return SKIP.BAD_IPV6_EXT;
    nh = data[cur] ?? 0;
    cur += extLen;
  }
  out.protocol = nh;
  out.ipHeaderLen = cur - off;
  out.l4Offset = cur;
  return SKIP.NONE;
}
