// Finding NetFlow/IPFIX datagrams inside captured packets (`collect --read`): the UDP payload of a decoded packet,
// accepted when its version and lengths are those of a NetFlow v1/v5/v7/v9 or IPFIX export. Pure: no I/O.
import { formatAddress } from '../decode/address.js';
import { IPPROTO, SKIP, type PacketMeta } from '../types.js';

/**
 * True when `p` has the shape of a NetFlow/IPFIX export: v1/v5/v7 with a record count in range and the matching
 * length, v9 with a 20-byte header and a first flowset id 0/1/>=256, IPFIX with its length field equal to the
 * payload length.
 */
export function looksLikeNetflow(p: Uint8Array): boolean {
  if (p.length < 16) return false;
  const version = (p[0]! << 8) | p[1]!;
  const count = (p[2]! << 8) | p[3]!;
  switch (version) {
    case 1: return count >= 1 && count <= 24 && p.length >= 16 + 48 * count;
    case 5: return count >= 1 && count <= 30 && p.length >= 24 + 48 * count;
    case 7: return count >= 1 && count <= 28 && p.length >= 24 + 52 * count;
    case 9: {
      if (p.length < 24) return false;
      const set = (p[20]! << 8) | p[21]!;
      const len = (p[22]! << 8) | p[23]!;
      return (set === 0 || set === 1 || set >= 256) && len >= 4 && 20 + len <= p.length;
    }
    case 10: {
      if (count !== p.length || p.length < 20) return false;
      const set = (p[16]! << 8) | p[17]!;
      return set === 2 || set === 3 || set >= 256;
    }
    default: return false;
  }
}

/** A UDP payload found in a packet, and who sent it. */
export interface FoundDatagram {
  payload: Uint8Array;
  /** "address:port" ("[v6]:port") of the sender. */
  exporter: string;
  dstPort: number;
}

/**
 * The UDP payload of a decoded packet (bounded by the UDP length and the captured bytes), or null when the packet
 * is not a complete, unfragmented UDP datagram (to `port`, when given) that looks like NetFlow/IPFIX.
 */
export function netflowDatagramOf(frame: Uint8Array, meta: PacketMeta, port: number | null): FoundDatagram | null {
  if (meta.skip !== SKIP.NONE || meta.protocol !== IPPROTO.UDP || !meta.hasPorts || meta.isFragment || meta.l4Offset < 0) return null;
  if (port !== null && meta.dstPort !== port) return null;
  const start = meta.l4Offset + 8;
  const end = Math.min(start + meta.payloadLen, frame.length);
  if (end - start !== meta.payloadLen) return null; // cut by the snapshot length
  const payload = frame.subarray(start, end);
  if (!looksLikeNetflow(payload)) return null;
  const addr = formatAddress(meta.srcAddr, meta.ipVersion);
  return { payload, exporter: meta.ipVersion === 6 ? `[${addr}]:${meta.srcPort}` : `${addr}:${meta.srcPort}`, dstPort: meta.dstPort };
}
