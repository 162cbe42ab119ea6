// Packet decoding entry point: one frame's bytes -> the reused PacketMeta (link -> outermost IP -> transport, or
// with the `decap` option the innermost IP header of tunnels -> its transport).
// It owns the reset of every PacketMeta field, so nothing leaks from the previous packet. Pure: no I/O, never
// throws, no allocation per packet (one module-level LinkResult is reused).

import { IPPROTO, SKIP, type PacketMeta, type SkipCode } from '../types.js';
import { decodeIpv4, decodeIpv6 } from './ip.js';
import { L3, LinkResult, decodeLink, isLinkTypeDecoded } from './link.js';
import { decodeTransport, setFragmentLengths } from './transport.js';
import { findTunnel } from './tunnel.js';

const link = new LinkResult();
/** Where the IP header inside a tunnel starts (findTunnel's result); module-level, reused. */
const inner = new LinkResult();

/**
 * Most tunnel layers `decap` enters (GRE in GRE in IP-in-IP ... ); a packet nested deeper is skipped as
 * too_many_layers, so a crafted packet cannot make the decoder walk its whole length. Real traffic rarely has more
 * than 3 (e.g. GTP-U in GRE in IPsec-stripped IP); Zeek's default limit (Tunnel::max_depth) is 2, which the
 * shared test set already exceeds with 6in6in6.
 */
export const MAX_TUNNEL_LAYERS = 8;

/** How decodePacket reads a frame beyond the defaults. */
export interface DecodeOptions {
  /**
   * Enter tunnels (`--decap`): the innermost IP header of IP-in-IP, GRE, ERSPAN, VXLAN, Geneve, GTP-U, Teredo
   * and MPLS-over-UDP traffic defines the packet's addresses, protocol, ports and lengths; the layers entered
   * are reported in tunnelLayers / tunnelKinds. Off: the outermost IP header does.
   */
  readonly decap: boolean;
  /**
   * CICFlowMeter-4.0's decoder rules (its jnetpcap decoder), for `--profile cicflowmeter`:
   * 1. behind 802.1Q / 802.1ad tags the transport payload is every frame byte after the transport header, trailer
   *    (padding) included; behind an untagged Ethernet header (and every other link) it comes from the IP length;
   * 2. an ICMPv4 destination unreachable (type 3) or parameter problem (type 12) quoting an IPv4 datagram whose
   *    UDP header (8 bytes) or TCP header (at least 20 bytes) is quoted reads as that UDP/TCP packet: the outer
   *    addresses, the quoted ports, TCP flags, sequence numbers and window, header length 8 or data offset x 4,
   *    and as payload the frame's bytes after the quoted header (rule 1 for the trailer).
   */
  readonly cicflowmeter: boolean;
}

/** The defaults: the outermost IP header, lengths from the IP length fields. */
export const DECODE_DEFAULTS: DecodeOptions = { decap: false, cicflowmeter: false };

/** The decode options of a flow run under `profile` ('default' | 'cicflowmeter'), with or without --decap. */
export function decodeOptionsFor(profile: string, decap: boolean): DecodeOptions {
  return { decap, cicflowmeter: profile === 'cicflowmeter' };
}

/**
 * Decode one frame into `out`, overwriting every field. `data` holds the captured bytes (capLen = data.length);
 * it is only read during the call, so a reader's short-lived view is fine. Returns out.skip.
 *
 * The outermost IP header defines the flow; tunnels (GRE, IPIP, 6in4, VXLAN, GTP, Teredo, ...) are entered only
 * with opts.decap (see DecodeOptions; then the innermost IP header does). opts.cicflowmeter applies
 * CICFlowMeter-4.0's decoder rules to the lengths and to ICMP errors (DecodeOptions).
 * Lengths come from the IP length fields, never from the frame size (Ethernet padding is not payload), except
 * that an IPv4 total length or IPv6 payload length of 0 (TSO captures, jumbograms) means "all captured bytes"
 * (IPv6 with Next Header 59 excepted). Later fragments keep their protocol but have hasPorts = false and
 * isLaterFragment = true. A header cut by the capture length after the flow tuple is known gives SKIP.NONE with
 * truncated = true; see decodeLink, decodeIpv4, decodeIpv6 and decodeTransport for the exact skip reason of every
 * other case. When skip is not NONE, the fields of the layers decoded before the problem stay filled (e.g. the
 * addresses for bad_ipv6_ext, the ports for bad_transport_header); all others hold their absent values.
 * Bytes the link layer places after the datagram (an 802.11 FCS that radiotap or PPI announce, NFLOG TLVs after
 * the payload TLV) are not read as IP bytes. Never throws; allocates nothing except, for a datagram that reaches
 * into such bytes (IP length 0, a capture cut inside it), one subarray view.
 */
export function decodePacket(data: Uint8Array, linkType: number, out: PacketMeta, opts: DecodeOptions = DECODE_DEFAULTS): SkipCode {
  reset(out);
  let skip = decodeLink(data, linkType, out, link);
  if (skip === SKIP.NONE) {
    const maxTunnels = opts.decap ? MAX_TUNNEL_LAYERS : 0;
    skip = decodeNetwork(data, out, maxTunnels);
    // A link layer can put bytes after the datagram (an 802.11 FCS that radiotap or PPI announce, NFLOG TLVs after
    // the payload TLV): link.l3End < data.length. The IP and transport decoders read nothing past
    // ipOffset + ipTotalLen except to fill in a length field of 0 or to find a header cut, so when the decoded
    // datagram ends by l3End the result is already right; otherwise decode again over a view that stops there.
    // Measured gain of skipping the view on the common path (radiotap + FCS + QoS Data + IPv4/TCP, Node 20, best
    // of 5 x 5e6 decodes, 3 runs, 2 shared cores): a view on every such frame 194-212 ns per packet, this
    // 123-126 ns; the same frame without the FCS bit 93-145 ns.
    const end = link.l3End;
    if (end < data.length && (out.ipVersion === 0 || out.ipOffset + out.ipTotalLen > end)) {
      const vlanId = out.vlanId;
      reset(out);
      out.vlanId = vlanId;
      skip = decodeNetwork(data.subarray(0, end > 0 ? end : 0), out, maxTunnels);
    }
    if (skip === SKIP.NONE && opts.cicflowmeter) referenceLengths(data, out, link.afterVlan ? end : -1);
  }
  // Address bytes the IP decoder did not write (all 16 without IP, 4-15 for IPv4) must not keep the previous
  // packet's. Done here, with a plain loop over only those bytes, instead of two fill(0) calls in reset():
  // measured on Node 20 (Ethernet/IPv4/TCP frame, 1e7 decodes), 261 -> 189 ns per packet.
  const src = out.srcAddr;
  const dst = out.dstAddr;
  for (let i = out.ipVersion === 6 ? 16 : out.ipVersion === 4 ? 4 : 0; i < 16; i++) {
    src[i] = 0;
    dst[i] = 0;
  }
  out.skip = skip;
  return skip;
}

/** The IP header at `off` of kind `kind` (L3.*). */
function decodeIp(data: Uint8Array, off: number, kind: number, out: PacketMeta): SkipCode {
  if (kind === L3.GUESS) {
    // Raw IP link types: the version nibble decides (RFC 791 §3.1, RFC 8200 §3).
    if (off >= data.length) return SKIP.TRUNCATED_IP;
    kind = (data[off] ?? 0) >> 4;
    if (kind !== 4 && kind !== 6) return SKIP.BAD_IP_HEADER;
  }
  return kind === 4 ? decodeIpv4(data, off, out) : decodeIpv6(data, off, out);
}

/**
 * The IP and transport layers of `data`, whose IP header link.l3Offset / link.l3Kind locate, entering at most
 * `maxTunnels` tunnel layers. A tunnel whose inner IP header cannot be decoded (cut by the capture, bad) is not
 * entered: the packet is decoded again stopping at the layer above it. More layers than MAX_TUNNEL_LAYERS (with
 * decap on): too_many_layers.
 */
function decodeNetwork(data: Uint8Array, out: PacketMeta, maxTunnels: number): SkipCode {
  const skip = decodeIp(data, link.l3Offset, link.l3Kind, out);
  if (skip !== SKIP.NONE) return skip;
  if (maxTunnels > 0) {
    let layers = 0;
    while (!out.isLaterFragment && out.l4Offset >= 0) {
      const vlanId = out.vlanId;
      const kind = findTunnel(data, out, inner);
      out.vlanId = vlanId; // an inner Ethernet header's tag is not the outermost VLAN id
      if (kind < 0) break;
      if (layers === MAX_TUNNEL_LAYERS) return SKIP.TOO_MANY_LAYERS;
      if (layers === maxTunnels) break;
      const kinds = out.tunnelKinds | (1 << kind);
      const truncated = out.truncated;
      resetNetwork(out);
      if (decodeIp(data, inner.l3Offset, inner.l3Kind, out) !== SKIP.NONE) {
        // The inner header is unusable (cut by the capture, bad): stay with the tunnel's own packet.
        resetNetwork(out);
        return decodeNetwork(data, out, layers);
      }
      if (truncated) out.truncated = true;
      layers++;
      out.tunnelLayers = layers;
      out.tunnelKinds = kinds;
    }
  }
  if (out.isLaterFragment) {
    setFragmentLengths(data, out);
    return SKIP.NONE;
  }
  return decodeTransport(data, out);
}

/** Link types decodePacket understands (LINKTYPE_* values, https://www.tcpdump.org/linktypes.html). */
export function isSupportedLinkType(linkType: number): boolean {
  return isLinkTypeDecoded(linkType);
}

/**
 * CICFlowMeter-4.0's length rules (DecodeOptions.cicflowmeter) on a decoded packet. `frameEnd` is the end of the
 * frame's bytes when the IP header follows a VLAN tag (the trailer then counts as payload), -1 otherwise.
 */
function referenceLengths(data: Uint8Array, out: PacketMeta, frameEnd: number): void {
  if (out.isLaterFragment || out.l4Offset < 0) return;
  if (out.protocol === IPPROTO.ICMP && (out.icmpType === 3 || out.icmpType === 12) && out.ipVersion === 4) {
    quotedTransport(data, out, frameEnd);
    return;
  }
  if (!out.hasPorts) return;
  const ipEnd = out.ipOffset + out.ipTotalLen;
  if (frameEnd > ipEnd) {
    const payload = frameEnd - (out.l4Offset + out.l4HeaderLen);
    out.payloadLen = out.capturedPayloadLen = payload > 0 ? payload : 0;
  }
}

/**
 * Rule 2 of DecodeOptions.cicflowmeter: an ICMP error (RFC 792: type(1) code(1) checksum(2) unused(4), then the
 * original IP header and at least 8 bytes of its data) whose quoted IPv4 datagram's UDP header or 20-byte TCP
 * header is quoted becomes that UDP/TCP packet, between the ICMP packet's own addresses.
 */
function quotedTransport(data: Uint8Array, out: PacketMeta, frameEnd: number): void {
  const ipEnd = out.ipOffset + out.ipTotalLen;
  const limit = ipEnd < data.length ? ipEnd : data.length;
  const q = out.l4Offset + 8;
  if (q + 20 > limit) return;
  const b0 = data[q] ?? 0;
  const ihl = (b0 & 0x0f) * 4;
  if (b0 >> 4 !== 4 || ihl < 20) return;
  // A quoted later fragment carries no transport header (RFC 791 §3.1: fragment offset in bytes 6-7).
  if ((((data[q + 6] ?? 0) << 8) | (data[q + 7] ?? 0)) & 0x1fff) return;
  const proto = data[q + 9] ?? 0;
  const t = q + ihl;
  const avail = limit - t;
  let headerLen: number;
  if (proto === IPPROTO.UDP && avail >= 8) {
    headerLen = 8;
  } else if (proto === IPPROTO.TCP && avail >= 20) {
    headerLen = ((data[t + 12] ?? 0) >> 4) * 4;
    if (headerLen < 20) return;
    out.tcpSeq = (((data[t + 4] ?? 0) << 24) | ((data[t + 5] ?? 0) << 16) | ((data[t + 6] ?? 0) << 8) | (data[t + 7] ?? 0)) >>> 0;
    out.tcpAck = (((data[t + 8] ?? 0) << 24) | ((data[t + 9] ?? 0) << 16) | ((data[t + 10] ?? 0) << 8) | (data[t + 11] ?? 0)) >>> 0;
    out.tcpFlags = data[t + 13] ?? 0;
    out.tcpWindow = ((data[t + 14] ?? 0) << 8) | (data[t + 15] ?? 0);
  } else {
    return;
  }
  out.protocol = proto;
  out.hasPorts = true;
  out.srcPort = ((data[t] ?? 0) << 8) | (data[t + 1] ?? 0);
  out.dstPort = ((data[t + 2] ?? 0) << 8) | (data[t + 3] ?? 0);
  out.l4Offset = t;
  out.l4HeaderLen = headerLen;
  out.capturedL4HeaderLen = avail < headerLen ? avail : headerLen;
  const end = frameEnd > limit ? frameEnd : limit;
  const payload = end - (t + headerLen);
  out.payloadLen = out.capturedPayloadLen = payload > 0 ? payload : 0;
}

/** The IP and transport fields of `out` at their "absent" values (before decoding a tunnel's inner packet). */
function resetNetwork(out: PacketMeta): void {
  out.truncated = false;
  out.ipVersion = 0;
  out.ipOffset = -1;
  out.ipHeaderLen = 0;
  out.ipTotalLen = 0;
  out.ttl = 0;
  out.tos = 0;
  out.protocol = -1;
  out.isLaterFragment = false;
  out.isFragment = false;
  out.hasPorts = false;
  out.srcPort = 0;
  out.dstPort = 0;
  out.icmpType = -1;
  out.icmpCode = -1;
  out.tcpFlags = 0;
  out.tcpWindow = 0;
  out.tcpSeq = 0;
  out.tcpAck = 0;
  out.l4Offset = -1;
  out.l4HeaderLen = 0;
  out.capturedL4HeaderLen = -1;
  out.payloadLen = 0;
  out.capturedPayloadLen = 0;
  out.tunnelLayers = 0;
  out.tunnelKinds = 0;
}

/** Puts every field of `out` at its documented "absent" value (as createPacketMeta does), without allocating. */
function reset(out: PacketMeta): void {
  out.skip = SKIP.NONE;
  out.vlanId = -1;
  resetNetwork(out);
}
