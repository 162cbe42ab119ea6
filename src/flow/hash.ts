// Symmetric 32-bit hashing of a flow tuple: A->B and B->A give the same value. The flow table uses it as its
// bucket key and the worker pool uses it to pick a shard, so both directions of a flow meet in one place.
// Pure arithmetic on numbers (Math.imul); no allocation, no I/O.

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
