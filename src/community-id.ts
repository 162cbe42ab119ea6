// Community ID v1 (community-id-spec; docs/community-id.md): the SHA-1 flow hash that joins pcapflow's records
// with Zeek, Suricata, Wireshark and Elastic. Owns the canonical endpoint order and the ICMP/ICMPv6 type maps;
// address text is parsed by decode/address.ts. Pure: no I/O, no timers, no `process`; only node:crypto.
import * as nodeCrypto from 'node:crypto';
import { PcapflowError } from './errors.js';
import { SKIP } from './types.js';
import type { PacketMeta } from './types.js';
import { parseAddress } from './decode/address.js';

/** Options shared by communityId() and CommunityIdHasher. */
export interface CommunityIdOptions {
  /** Seed hashed in front of the tuple, an integer 0..65535 (default 0). Out of range is an error, never a wrap. */
  seed?: number;
  /** true (default): `1:` + base64 of the digest (with `=` padding); false: `1:` + lowercase hex. */
  base64?: boolean;
}

/** IP protocol numbers whose tuple carries the two port fields (spec "Protocols with ports"). */
const PROTO_ICMP = 1;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_ICMPV6 = 58;
const PROTO_SCTP = 132;

/** True for the five protocols hashed with port bytes; every other protocol uses the port-less form. */
export function communityIdHasPorts(proto: number): boolean {
  return (
    proto === PROTO_TCP || proto === PROTO_UDP || proto === PROTO_SCTP || proto === PROTO_ICMP || proto === PROTO_ICMPV6
  );
}

/**
 * Two-way ICMP types (spec "ICMP and ICMPv6"; the same tables as Zeek and the reference package): type -> the
 * counterpart type, which replaces the code in the dst-port place so request and reply hash alike. Any type not
 * listed is one-way: ports are (type, code) and the endpoints are never swapped.
 */
const ICMPV4_PAIRS: readonly (readonly [number, number])[] = [
  [8, 0], // echo request <-> echo reply
  [13, 14], // timestamp <-> timestamp reply
  [15, 16], // information request <-> reply
  [10, 9], // router solicitation <-> router advertisement
  [17, 18], // address mask request <-> reply
];
const ICMPV6_PAIRS: readonly (readonly [number, number])[] = [
  [128, 129], // echo request <-> echo reply
  [130, 131], // MLD query <-> MLD report
  [133, 134], // router solicitation <-> router advertisement
  [135, 136], // neighbour solicitation <-> neighbour advertisement
  [139, 140], // node information query <-> response
  [144, 145], // home agent address discovery request <-> reply
];

function counterpartTable(pairs: readonly (readonly [number, number])[]): Int16Array {
  const table = new Int16Array(256).fill(-1);
  for (const [a, b] of pairs) {
    table[a] = b;
    table[b] = a;
  }
  return table;
}
const ICMPV4_COUNTERPART = counterpartTable(ICMPV4_PAIRS);
const ICMPV6_COUNTERPART = counterpartTable(ICMPV6_PAIRS);

/**
 * The counterpart of a two-way ICMP (proto 1) or ICMPv6 (proto 58) type, or -1 when the type is one-way.
 * Each protocol has its own table: the ICMPv4 table never applies to ICMPv6.
 */
export function icmpCounterpart(proto: number, type: number): number {
  if (!Number.isInteger(type) || type < 0 || type > 255) return -1;
  if (proto === PROTO_ICMP) return ICMPV4_COUNTERPART[type] ?? -1;
  if (proto === PROTO_ICMPV6) return ICMPV6_COUNTERPART[type] ?? -1;
  return -1;
}

/**
 * SHA-1 of `data` as base64 or hex. crypto.hash (one-shot) exists from Node 20.12; older Node 20 releases, which
 * package.json's engines field still admits, fall back to createHash.
 */
const sha1: (data: Uint8Array, encoding: 'base64' | 'hex') => string =
  typeof nodeCrypto.hash === 'function'
    ? (data, encoding) => nodeCrypto.hash('sha1', data, encoding)
    : (data, encoding) => nodeCrypto.createHash('sha1').update(data).digest(encoding);

function inputError(message: string): PcapflowError {
  return new PcapflowError('E_COMMUNITY_ID_INPUT', message, { layer: 'community-id' });
}

function checkSeed(seed: number | undefined): number {
  if (seed === undefined) return 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff) {
    throw inputError(`community-id seed must be an integer 0..65535, got ${String(seed)}`);
  }
  return seed;
}

function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffff;
}

/**
 * Parses IP address text to its network-order bytes: 4 bytes for a dotted quad, 16 for any IPv6 form
 * (`::ffff:1.2.3.4` stays 16 bytes: mapped addresses are never folded to IPv4). Returns null for anything else
 * (leading zeros in a dotted quad, zone ids, host names). Allocates the returned array.
 */
export function parseCommunityIdAddress(text: string): Uint8Array | null {
  return parseAddress(text);
}

function addressBytes(addr: Uint8Array | string, which: string): Uint8Array {
  if (typeof addr === 'string') {
    const bytes = parseCommunityIdAddress(addr);
    if (bytes === null) throw inputError(`${which} address "${addr}" is not an IPv4 or IPv6 address`);
    return bytes;
  }
  if (!(addr instanceof Uint8Array) || (addr.length !== 4 && addr.length !== 16)) {
    throw inputError(`${which} address must be 4 or 16 bytes`);
  }
  return addr;
}

/**
 * Reusable Community ID hasher for the hot path. It owns one preallocated 40-byte input buffer and fixed views of
 * it for the four input lengths (12/16 bytes for IPv4 without/with ports, 36/40 for IPv6), so a call allocates
 * nothing but the digest string. Not re-entrant (one buffer); make one per worker.
 */
export class CommunityIdHasher {
  readonly #buf = new Uint8Array(40);
  /** #views[k] is buf[0 .. 12|16|36|40); see #viewFor. */
  readonly #views: readonly Uint8Array[];
  readonly #encoding: 'base64' | 'hex';

  /** Throws PcapflowError('E_COMMUNITY_ID_INPUT') when the seed is not an integer 0..65535. */
  constructor(opts: CommunityIdOptions = {}) {
    const seed = checkSeed(opts.seed);
    this.#encoding = opts.base64 === false ? 'hex' : 'base64';
    // Spec field 1: the seed, 2 bytes big-endian; written once, it never changes.
    this.#buf[0] = seed >>> 8;
    this.#buf[1] = seed & 0xff;
    const b = this.#buf;
    this.#views = [b.subarray(0, 12), b.subarray(0, 16), b.subarray(0, 36), b.subarray(0, 40)];
  }

  /**
   * The Community ID of one tuple, as it appears in a packet (any direction).
   * @param proto IP protocol number 0..255 (after IPv6 extension headers).
   * @param src/dst address bytes in network order; only bytes [0, addrLen) are read. Not retained.
   * @param addrLen 4 (IPv4) or 16 (IPv6).
   * @param srcPort/dstPort ports 0..65535 for TCP/UDP/SCTP; for ICMP (1) and ICMPv6 (58) the raw type and code.
   *   Ignored for every other protocol (port-less form).
   * @returns `1:` + base64 or hex digest.
   * @throws PcapflowError('E_COMMUNITY_ID_INPUT') for a protocol, address length or port out of range.
   */
  hash(proto: number, src: Uint8Array, dst: Uint8Array, addrLen: 4 | 16, srcPort: number, dstPort: number): string {
    if (!Number.isInteger(proto) || proto < 0 || proto > 255) {
      throw inputError(`IP protocol must be an integer 0..255, got ${String(proto)}`);
    }
    if ((addrLen !== 4 && addrLen !== 16) || src.length < addrLen || dst.length < addrLen) {
      throw inputError(`address length must be 4 or 16 and both addresses must hold it`);
    }
    const withPorts = communityIdHasPorts(proto);
    let sport = 0;
    let dport = 0;
    let oneWay = false;
    if (withPorts) {
      if (!isPort(srcPort) || !isPort(dstPort)) {
        throw inputError(`ports (or ICMP type/code) must be integers 0..65535, got ${srcPort} ${dstPort}`);
      }
      sport = srcPort;
      dport = dstPort;
      if (proto === PROTO_ICMP || proto === PROTO_ICMPV6) {
        // Spec "ICMP and ICMPv6": two-way types hash (type, counterpart); one-way types hash (type, code) unswapped.
        const counterpart = icmpCounterpart(proto, srcPort);
        if (counterpart >= 0) dport = counterpart;
        else oneWay = true;
      }
    }
    // Spec "Endpoint order": compare address bytes (never text); equal addresses compare ports.
    let order = 0;
    for (let i = 0; i < addrLen && order === 0; i++) order = (src[i] as number) - (dst[i] as number);
    const swap = !oneWay && (order > 0 || (order === 0 && sport > dport));
    const buf = this.#buf;
    const a = swap ? dst : src;
    const b = swap ? src : dst;
    // Spec fields 2-3: source then destination address, 4 or 16 bytes each, network order.
    for (let i = 0; i < addrLen; i++) {
      buf[2 + i] = a[i] as number;
      buf[2 + addrLen + i] = b[i] as number;
    }
    // Spec fields 4-5: protocol (1 byte), padding (1 zero byte).
    let at = 2 + 2 * addrLen;
    buf[at] = proto;
    buf[at + 1] = 0;
    at += 2;
    if (withPorts) {
      // Spec fields 6-7: source port, destination port, 2 bytes big-endian each (after the swap above).
      const p = swap ? dport : sport;
      const q = swap ? sport : dport;
      buf[at] = p >>> 8;
      buf[at + 1] = p & 0xff;
      buf[at + 2] = q >>> 8;
      buf[at + 3] = q & 0xff;
    }
    const view = this.#views[(addrLen === 16 ? 2 : 0) + (withPorts ? 1 : 0)] as Uint8Array;
    // crypto.hash (one-shot, Node >= 20.12) instead of createHash().update().digest(): 1232 ns -> 440 ns per
    // 16-byte SHA-1 to base64 (node v20.20, best of 3 x 1e6 calls); hash() as a whole costs 577 ns per IPv4 TCP ID.
    return '1:' + sha1(view, this.#encoding);
  }

  /**
   * The Community ID of a decoded packet, or '' when it has none. Reads `meta` only during the call.
   * - No ID (''): no IP header (ipVersion 0), or the IP layer did not decode (skip reason at or below the IP
   *   layer: not_ip, truncated/bad IP header, bad IPv6 extension chain, too many layers).
   * - TCP/UDP/SCTP need the ports (meta.hasPorts) and ICMP/ICMPv6 need the type (meta.icmpType >= 0): a later
   *   fragment or a transport header cut short gives '' rather than a port-less ID that would join nothing
   *   (spec "Fragments": only a first fragment carries ports; a flow hashes the flow's full tuple once).
   * - Every other protocol hashes the port-less form even for later fragments (its tuple is all in the IP header).
   */
  forPacket(meta: PacketMeta): string {
    const version = meta.ipVersion;
    if (version !== 4 && version !== 6) return '';
    const skip = meta.skip;
    if (skip !== SKIP.NONE && skip !== SKIP.TRUNCATED_TRANSPORT && skip !== SKIP.BAD_TRANSPORT_HEADER) return '';
    const proto = meta.protocol;
    if (proto < 0 || proto > 255) return '';
    const addrLen = version === 4 ? 4 : 16;
    if (proto === PROTO_ICMP || proto === PROTO_ICMPV6) {
      if (meta.isLaterFragment || meta.icmpType < 0 || meta.icmpCode < 0) return '';
      return this.hash(proto, meta.srcAddr, meta.dstAddr, addrLen, meta.icmpType, meta.icmpCode);
    }
    if (communityIdHasPorts(proto)) {
      if (meta.isLaterFragment || !meta.hasPorts) return '';
      return this.hash(proto, meta.srcAddr, meta.dstAddr, addrLen, meta.srcPort, meta.dstPort);
    }
    return this.hash(proto, meta.srcAddr, meta.dstAddr, addrLen, 0, 0);
  }
}

/**
 * The Community ID v1 of one flow tuple (any direction; the result is the same for both).
 * @param proto IP protocol number 0..255.
 * @param saddr/daddr address text (`10.0.0.1`, `fe80::1`, `::ffff:1.2.3.4`) or network-order bytes (4 or 16);
 *   both must be the same family. Byte arrays are read, not retained.
 * @param sport/dport ports 0..65535, required for TCP (6), UDP (17), SCTP (132); for ICMP (1) / ICMPv6 (58) the raw
 *   type and code. For every other protocol they are ignored (port-less form) but must be valid when given.
 * @throws PcapflowError('E_COMMUNITY_ID_INPUT') for bad address text, mixed families, a seed, port or protocol out
 *   of range, or missing ports for a protocol that needs them.
 */
export function communityId(
  proto: number,
  saddr: Uint8Array | string,
  daddr: Uint8Array | string,
  sport?: number | null,
  dport?: number | null,
  opts: CommunityIdOptions = {},
): string {
  const hasher = new CommunityIdHasher(opts);
  if (!Number.isInteger(proto) || proto < 0 || proto > 255) {
    throw inputError(`IP protocol must be an integer 0..255, got ${String(proto)}`);
  }
  const src = addressBytes(saddr, 'source');
  const dst = addressBytes(daddr, 'destination');
  if (src.length !== dst.length) throw inputError('source and destination addresses are of different families');
  const given = (p: number | null | undefined): p is number => p !== undefined && p !== null;
  if (given(sport) && !isPort(sport)) throw inputError(`source port must be an integer 0..65535, got ${sport}`);
  if (given(dport) && !isPort(dport)) throw inputError(`destination port must be an integer 0..65535, got ${dport}`);
  if (communityIdHasPorts(proto) && (!given(sport) || !given(dport))) {
    throw inputError(`protocol ${proto} needs both ports (ICMP: type and code)`);
  }
  return hasher.hash(proto, src, dst, src.length === 4 ? 4 : 16, given(sport) ? sport : 0, given(dport) ? dport : 0);
}
