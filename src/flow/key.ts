// The bidirectional flow key: a packet's (address, port) endpoints put in canonical order (A = the smaller
// endpoint, compared by address words then port) plus the protocol, with a symmetric numeric hash. One FlowKey
// is filled per packet and reused (no allocation, no strings on the hot path). No I/O.
import { addressWord, combineSymmetric, endpointHash } from './hash.js';

/** Key fields as stored in a flow or tombstone, so a scratch key can be compared against them. */
export interface KeyFields {
  hash: number;
  a0: number;
  a1: number;
  a2: number;
  a3: number;
  b0: number;
  b1: number;
  b2: number;
  b3: number;
  portA: number;
  portB: number;
  keyProto: number;
  addrLen: number;
}

/**
 * A reusable, canonical bidirectional key. After `set`, endpoint A is the smaller of (src, dst) and `srcIsA`
 * says whether the packet's source is A. `hash` is the same for both directions.
 */
export class FlowKey implements KeyFields {
  hash = 0;
  a0 = 0;
  a1 = 0;
  a2 = 0;
  a3 = 0;
  b0 = 0;
  b1 = 0;
  b2 = 0;
  b3 = 0;
  portA = 0;
  portB = 0;
  keyProto = 0;
  /** 4 or 16. */
  addrLen = 4;
  /** True when the packet's source endpoint is endpoint A. */
  srcIsA = true;
  /** True when both endpoints have the same address (loopback-style flows). */
  sameAddr = false;

  /**
   * Fill the key from a packet's tuple. `src`/`dst` hold `addrLen` address bytes (read, not kept).
   * Ports must already be normalised by the caller (0 for port-less protocols).
   */
  set(proto: number, src: Uint8Array, dst: Uint8Array, addrLen: 4 | 16, srcPort: number, dstPort: number): void {
    // Address words are kept as int32 (`| 0`): small integers in V8, never boxed doubles, in every flow and
    // tombstone. The hash is unaffected (Math.imul reads int32 either way); the canonical order compares signed.
    let s1 = 0, s2 = 0, s3 = 0, d1 = 0, d2 = 0, d3 = 0;
    const s0 = addressWord(src, 0) | 0;
    const d0 = addressWord(dst, 0) | 0;
    if (addrLen === 16) {
      s1 = addressWord(src, 1) | 0;
      s2 = addressWord(src, 2) | 0;
      s3 = addressWord(src, 3) | 0;
      d1 = addressWord(dst, 1) | 0;
      d2 = addressWord(dst, 2) | 0;
      d3 = addressWord(dst, 3) | 0;
    }
    // Compare (address words, port) lexicographically: cmp < 0 means src < dst.
    let cmp = s0 - d0;
    if (cmp === 0) cmp = s1 - d1;
    if (cmp === 0) cmp = s2 - d2;
    if (cmp === 0) cmp = s3 - d3;
    this.sameAddr = cmp === 0;
    if (cmp === 0) cmp = srcPort - dstPort;
    const srcIsA = cmp <= 0;
    this.srcIsA = srcIsA;
    this.keyProto = proto;
    this.addrLen = addrLen;
    if (srcIsA) {
      this.a0 = s0; this.a1 = s1; this.a2 = s2; this.a3 = s3; this.portA = srcPort;
      this.b0 = d0; this.b1 = d1; this.b2 = d2; this.b3 = d3; this.portB = dstPort;
    } else {
      this.a0 = d0; this.a1 = d1; this.a2 = d2; this.a3 = d3; this.portA = dstPort;
      this.b0 = s0; this.b1 = s1; this.b2 = s2; this.b3 = s3; this.portB = srcPort;
    }
    this.hash = combineSymmetric(
      endpointHash(this.a0, this.a1, this.a2, this.a3, this.portA),
      endpointHash(this.b0, this.b1, this.b2, this.b3, this.portB),
      proto,
    );
  }

  /** True when `other` holds exactly this key (full tuple compare, used after a hash match). */
  matches(other: KeyFields): boolean {
    return (
      other.a0 === this.a0 &&
      other.b0 === this.b0 &&
      other.portA === this.portA &&
      other.portB === this.portB &&
      other.keyProto === this.keyProto &&
      other.addrLen === this.addrLen &&
      other.a1 === this.a1 &&
      other.a2 === this.a2 &&
      other.a3 === this.a3 &&
      other.b1 === this.b1 &&
      other.b2 === this.b2 &&
      other.b3 === this.b3
    );
  }

  /** Copy the key fields into a flow or tombstone. */
  copyTo(out: KeyFields): void {
    copyKeyFields(this, out);
  }
}

/** Copy the stored key (hash, both endpoints, ports, protocol, address length) from one holder to another. */
export function copyKeyFields(from: KeyFields, out: KeyFields): void {
  out.hash = from.hash;
  out.a0 = from.a0; out.a1 = from.a1; out.a2 = from.a2; out.a3 = from.a3;
  out.b0 = from.b0; out.b1 = from.b1; out.b2 = from.b2; out.b3 = from.b3;
  out.portA = from.portA;
  out.portB = from.portB;
  out.keyProto = from.keyProto;
  out.addrLen = from.addrLen;
}

/** Write endpoint A (`which` = 0) or B (1) of a stored key as address bytes into `out` (4 or 16 bytes). */
export function endpointBytes(k: KeyFields, which: 0 | 1, out: Uint8Array): void {
  const w0 = which === 0 ? k.a0 : k.b0;
  const w1 = which === 0 ? k.a1 : k.b1;
  const w2 = which === 0 ? k.a2 : k.b2;
  const w3 = which === 0 ? k.a3 : k.b3;
  const words = k.addrLen === 16 ? 4 : 1;
  for (let w = 0; w < words; w++) {
    const v = w === 0 ? w0 : w === 1 ? w1 : w === 2 ? w2 : w3;
    out[w * 4] = v >>> 24;
    out[w * 4 + 1] = (v >>> 16) & 0xff;
    out[w * 4 + 2] = (v >>> 8) & 0xff;
    out[w * 4 + 3] = v & 0xff;
  }
}
