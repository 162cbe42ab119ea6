// Transport-layer decoding of the outermost IP datagram's first transport header: TCP (ports, flags, seq/ack,
// window, data offset), UDP, UDP-Lite, DCCP and SCTP ports, ICMP/ICMPv6 type and code, and payload lengths taken
// from the IP length fields. Reads only bytes inside the datagram as captured. No I/O, no allocation.

import { IPPROTO, SKIP, type PacketMeta, type SkipCode } from '../types.js';

const DCCP = 33;

function u16(d: Uint8Array, at: number): number {
  return ((d[at] ?? 0) << 8) | (d[at + 1] ?? 0);
}

function u32(d: Uint8Array, at: number): number {
  return (((d[at] ?? 0) << 24) | ((d[at + 1] ?? 0) << 16) | ((d[at + 2] ?? 0) << 8) | (d[at + 3] ?? 0)) >>> 0;
}

/**
 * Decodes the transport header at out.l4Offset for out.protocol; the IP decoder must have filled ipOffset,
 * ipTotalLen, ipHeaderLen, protocol and l4Offset (>= 0). Only bytes before both the capture end and the IP
 * datagram end (ipOffset + ipTotalLen: Ethernet padding is not payload) are read.
 *
 * Header lengths (l4HeaderLen), as the flow engine counts them (CICFlowMeter counts header bytes for TCP and
 * UDP only): TCP = data offset x 4, UDP = 8, every other protocol 0 (so ICMP's, SCTP's, ... own headers count as
 * payload). capturedL4HeaderLen = the part of l4HeaderLen in the capture (a snaplen may cut TCP options).
 * payloadLen = max(0, IP payload - l4HeaderLen); capturedPayloadLen = the part of it in the capture.
 *
 * Outcomes:
 * - TCP/UDP/UDP-Lite/DCCP/SCTP with fewer than 4 bytes (the ports) readable: truncated_transport;
 *   ICMP/ICMPv6 with fewer than 2 (type, code): truncated_transport.
 * - TCP data offset < 5 (RFC 9293 §3.1): bad_transport_header (ports stay filled).
 * - Ports readable but the rest of the fixed header cut (TCP 20 or data offset x 4, UDP/UDP-Lite 8, DCCP 12,
 *   SCTP 12, ICMP 4): SKIP.NONE with truncated = true and every field whose bytes were present; TCP fields that
 *   were not present stay 0, and an unread TCP data offset counts as 5 (20 bytes) for the length arithmetic.
 * - Any other protocol (GRE, ESP, IPIP, ...): no ports, SKIP.NONE.
 */
export function decodeTransport(data: Uint8Array, out: PacketMeta): SkipCode {
  const l4 = out.l4Offset;
  const ipEnd = out.ipOffset + out.ipTotalLen;
  const limit = ipEnd < data.length ? ipEnd : data.length;
  const avail = limit > l4 ? limit - l4 : 0;
  const ipPayload = out.ipTotalLen - out.ipHeaderLen > 0 ? out.ipTotalLen - out.ipHeaderLen : 0;
  const proto = out.protocol;

  if (proto === IPPROTO.TCP) {
    // RFC 9293 §3.1: src port(2) dst port(2) seq(4) ack(4) data offset(4 bits) reserved(4 bits) flags(8)
    // window(2) checksum(2) urgent pointer(2) options.
    if (avail < 4) return SKIP.TRUNCATED_TRANSPORT;
    out.hasPorts = true;
    out.srcPort = u16(data, l4);
    out.dstPort = u16(data, l4 + 2);
    if (avail >= 8) out.tcpSeq = u32(data, l4 + 4);
    if (avail >= 12) out.tcpAck = u32(data, l4 + 8);
    let headerLen = 20;
    if (avail >= 13) {
      const dataOffset = (data[l4 + 12] ?? 0) >> 4;
      if (dataOffset < 5) return SKIP.BAD_TRANSPORT_HEADER;
      headerLen = dataOffset * 4;
    }
    if (avail >= 14) out.tcpFlags = data[l4 + 13] ?? 0; // CWR ECE URG ACK PSH RST SYN FIN (RFC 9293 §3.1)
    if (avail >= 16) out.tcpWindow = u16(data, l4 + 14);
    if (avail < headerLen) out.truncated = true;
    setLengths(out, headerLen, ipPayload, avail);
    return SKIP.NONE;
  }

  if (proto === IPPROTO.UDP || proto === IPPROTO.UDPLITE || proto === DCCP || proto === IPPROTO.SCTP) {
    // Ports first in all four: RFC 768, RFC 3828 §3.1, RFC 4340 §5.1, RFC 9260 §3.1.
    if (avail < 4) return SKIP.TRUNCATED_TRANSPORT;
    out.hasPorts = true;
    out.srcPort = u16(data, l4);
    out.dstPort = u16(data, l4 + 2);
    const fixedLen = proto === IPPROTO.UDP || proto === IPPROTO.UDPLITE ? 8 : 12;
    if (avail < fixedLen) out.truncated = true;
    setLengths(out, proto === IPPROTO.UDP ? 8 : 0, ipPayload, avail);
    return SKIP.NONE;
  }

  if (proto === IPPROTO.ICMP || proto === IPPROTO.ICMPV6) {
    // RFC 792 / RFC 4443 §2.1: type(1) code(1) checksum(2) first.
    if (avail < 2) return SKIP.TRUNCATED_TRANSPORT;
    out.icmpType = data[l4] ?? 0;
    out.icmpCode = data[l4 + 1] ?? 0;
    if (avail < 4) out.truncated = true;
    setLengths(out, 0, ipPayload, avail);
    return SKIP.NONE;
  }

  setLengths(out, 0, ipPayload, avail);
  return SKIP.NONE;
}

function setLengths(out: PacketMeta, headerLen: number, ipPayload: number, avail: number): void {
  out.l4HeaderLen = headerLen;
  out.capturedL4HeaderLen = avail < headerLen ? avail : headerLen;
  const payload = ipPayload - headerLen;
  out.payloadLen = payload > 0 ? payload : 0;
  const present = avail - headerLen;
  out.capturedPayloadLen = present <= 0 ? 0 : present < out.payloadLen ? present : out.payloadLen;
}

/**
 * Payload lengths for a packet with no transport header to read (an IP fragment after the first): the whole
 * fragment data is payload, l4HeaderLen and capturedL4HeaderLen 0.
 */
export function setFragmentLengths(data: Uint8Array, out: PacketMeta): void {
  const start = out.ipOffset + out.ipHeaderLen;
  const ipEnd = out.ipOffset + out.ipTotalLen;
  const limit = ipEnd < data.length ? ipEnd : data.length;
  const avail = limit > start ? limit - start : 0;
  const ipPayload = out.ipTotalLen - out.ipHeaderLen > 0 ? out.ipTotalLen - out.ipHeaderLen : 0;
  setLengths(out, 0, ipPayload, avail);
}
