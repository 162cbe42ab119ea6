// Symmetric 32-bit hashing of a flow tuple: A->B and B->A give the same value. The flow table uses it as its
// bucket key and the worker pool uses it to pick a shard, so both directions of a flow meet in one place.
// Pure arithmetic on numbers (Math.imul); no allocation per call, no I/O.
import type { PacketMeta } from '../types.js';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixWord(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Murmur3's 32-bit finaliser: spreads every input bit over the whole word. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Hash of one endpoint: its address as four 32-bit big-endian words (IPv4: w0 only, w1-w3 zero) and its port.
 * Murmur3's block mixing; the result is an int32.
 */
export function endpointHash(w0: number, w1: number, w2: number, w3: number, port: number): number {
  let h = 0x9747b28c;
  h = mixWord(h, w0);
  h = mixWord(h, w1);
  h = mixWord(h, w2);
  h = mixWord(h, w3);
  h = mixWord(h, port);
  return h;
}

/**
 * Combine two endpoint hashes and the protocol into an unsigned 32-bit value with an operation that is
 * commutative in the endpoints (sum, xor and product of the two), so swapping them gives the same hash.
 */
export function combineSymmetric(hA: number, hB: number, proto: number): number {
  const h = ((hA + hB) | 0) ^ Math.imul(hA ^ hB, 0x27d4eb2d) ^ Math.imul(hA, hB) ^ Math.imul(proto + 1, 0x165667b1);
  return fmix32(h);
}

/** Big-endian 32-bit word `w` (0..3) of an address held in `bytes` (4 or 16 bytes used). */
export function addressWord(bytes: Uint8Array, w: number): number {
  const o = w << 2;
  return ((bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!) >>> 0;
}

/**
 * Symmetric 32-bit hash of a tuple given as address bytes: symmetricHash(p, a, b, n, x, y) ===
 * symmetricHash(p, b, a, n, y, x). `addrLen` is 4 or 16; ports are 0 for port-less protocols.
 * The caller must pass the tuple the flow key uses (FlowEngine.shardHash applies the profile's normalisation).
 */
export function symmetricHash(
  proto: number,
  src: Uint8Array,
  dst: Uint8Array,
  addrLen: 4 | 16,
  srcPort: number,
  dstPort: number,
): number {
  let hs: number;
  let hd: number;
  if (addrLen === 4) {
    hs = endpointHash(addressWord(src, 0), 0, 0, 0, srcPort);
    hd = endpointHash(addressWord(dst, 0), 0, 0, 0, dstPort);
  } else {
    hs = endpointHash(addressWord(src, 0), addressWord(src, 1), addressWord(src, 2), addressWord(src, 3), srcPort);
    hd = endpointHash(addressWord(dst, 0), addressWord(dst, 1), addressWord(dst, 2), addressWord(dst, 3), dstPort);
  }
  return combineSymmetric(hs, hd, proto);
}

/**
 * Flows fall into SHARD_GROUPS groups by their shard hash, and `--jobs N` places group g on worker g % N: each
 * group lives in exactly one worker, whatever N is, so state kept per group (the tombstone store's bounded FIFOs)
 * evolves the same way for any number of workers.
 */
export const SHARD_GROUPS = 4096;

/** The group of a shard hash (see SHARD_GROUPS). */
export function shardGroup(hash: number): number {
  return hash & (SHARD_GROUPS - 1);
}

/** The worker (of `shards`) that owns the flows of a shard hash. */
export function shardOf(hash: number, shards: number): number {
  return shardGroup(hash) % shards;
}

/**
 * The shard hash of two endpoints (address words at sa[s..s+4) and da[d..d+4), as read from the address bytes);
 * ports count when `proto` >= 0. Symmetric: each endpoint is hashed alone and the two are added, which commutes.
 */
export function pairHash(sa: Uint32Array, s: number, da: Uint32Array, d: number, proto: number, sport: number, dport: number): number {
  let ha = 0x9747b28c;
  let hb = 0x9747b28c;
  for (let i = 0; i < 4; i++) {
    ha = fmix32(ha ^ sa[s + i]!);
    hb = fmix32(hb ^ da[d + i]!);
  }
  if (proto >= 0) {
    ha = fmix32(ha ^ sport ^ (proto << 16));
    hb = fmix32(hb ^ dport ^ (proto << 16));
  }
  return (ha + hb) >>> 0;
}

/**
 * The protocol a packet's shard hash mixes in with its ports (pairHash's `proto`): TCP and UDP packets that carry
 * ports; -1 (addresses only) for every other packet.
 */
export function shardProto(protocol: number, hasPorts: boolean, laterFragment: boolean): number {
  return (protocol === 6 || protocol === 17) && hasPorts && !laterFragment ? protocol : -1;
}

/**
 * Shard hashes of decoded packets. Ports take part only for TCP and UDP packets that carry them; every other
 * packet is placed by its address pair alone, because profiles may merge such packets into one flow per host pair
 * (CICFlowMeter's "protocol 0" flows), and a flow must never be split across shards. Addresses are read as four
 * 32-bit words of their 16 bytes (bytes a 4-byte IPv4 address does not fill count as zero): through views made
 * once per PacketMeta when its address arrays are 16 bytes on 4-byte boundaries (as createPacketMeta makes them),
 * otherwise copied for each packet.
 */
export class PacketShardHasher {
  private srcBytes: Uint8Array | null = null;
  private dstBytes: Uint8Array | null = null;
  private copying = false;
  private readonly srcCopy = new Uint32Array(4);
  private readonly dstCopy = new Uint32Array(4);
  private readonly srcCopyBytes = new Uint8Array(this.srcCopy.buffer);
  private readonly dstCopyBytes = new Uint8Array(this.dstCopy.buffer);
  /** The 32-bit words of the address bytes of the PacketMeta last passed to hash() or views(). */
  src32: Uint32Array = this.srcCopy;
  dst32: Uint32Array = this.dstCopy;

  /** The shard hash of `m` (a decoded packet). */
  hash(m: PacketMeta): number {
    this.views(m);
    return pairHash(this.src32, 0, this.dst32, 0, shardProto(m.protocol, m.hasPorts, m.isLaterFragment), m.srcPort, m.dstPort);
  }

  /** Make src32/dst32 hold `m`'s address words. */
  views(m: PacketMeta): void {
    if (m.srcAddr !== this.srcBytes || m.dstAddr !== this.dstBytes) {
      this.srcBytes = m.srcAddr;
      this.dstBytes = m.dstAddr;
      this.copying = !wordAligned(m.srcAddr) || !wordAligned(m.dstAddr);
      this.src32 = this.copying ? this.srcCopy : new Uint32Array(m.srcAddr.buffer, m.srcAddr.byteOffset, 4);
      this.dst32 = this.copying ? this.dstCopy : new Uint32Array(m.dstAddr.buffer, m.dstAddr.byteOffset, 4);
    }
    if (this.copying) {
      copyAddress(m.srcAddr, this.srcCopyBytes);
      copyAddress(m.dstAddr, this.dstCopyBytes);
    }
  }
}

function wordAligned(b: Uint8Array): boolean {
  return b.byteOffset % 4 === 0 && b.length >= 16;
}

/** Up to 16 address bytes into the 16 bytes `out` (which a view of 32-bit words reads as a view of `b` would), zeros after. */
function copyAddress(b: Uint8Array, out: Uint8Array): void {
  const n = Math.min(16, b.length);
  for (let i = 0; i < 16; i++) out[i] = i < n ? b[i]! : 0;
}
