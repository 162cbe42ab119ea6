// Shard hashing (hash.ts): the hash that places a packet on a worker is symmetric, reads an address the same way
// whatever array holds it, counts ports only where flows are keyed by them, and every shard group lies in one
// worker for any number of workers (what keeps per-group state independent of --jobs).
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { PacketShardHasher, SHARD_GROUPS, shardGroup, shardOf } from '../../../src/flow/hash.js';
import { createPacketMeta, type PacketMeta } from '../../../src/types.js';

const v4 = fc.uint8Array({ minLength: 4, maxLength: 4 });
const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const port = fc.integer({ min: 0, max: 65535 });
const tuple = fc.record({
  ipv6: fc.boolean(),
  a4: v4,
  b4: v4,
  a6: v6,
  b6: v6,
  protocol: fc.constantFrom(1, 6, 17, 47, 58, 132),
  sport: port,
  dport: port,
  hasPorts: fc.boolean(),
  laterFragment: fc.boolean(),
});
type Tuple = typeof tuple extends fc.Arbitrary<infer T> ? T : never;

/** A PacketMeta from createPacketMeta holding `t`, in direction A->B or B->A. */
function meta(t: Tuple, reverse: boolean, out: PacketMeta = createPacketMeta()): PacketMeta {
  const a = t.ipv6 ? t.a6 : t.a4;
  const b = t.ipv6 ? t.b6 : t.b4;
  out.srcAddr.fill(0);
  out.dstAddr.fill(0);
  out.srcAddr.set(reverse ? b : a);
  out.dstAddr.set(reverse ? a : b);
  out.ipVersion = t.ipv6 ? 6 : 4;
  out.protocol = t.protocol;
  out.srcPort = reverse ? t.dport : t.sport;
  out.dstPort = reverse ? t.sport : t.dport;
  out.hasPorts = t.hasPorts;
  out.isLaterFragment = t.laterFragment;
  return out;
}

describe('PacketShardHasher', () => {
  test('both directions of a tuple get the same hash', () => {
    const h = new PacketShardHasher();
    const m = createPacketMeta();
    fc.assert(
      fc.property(tuple, (t) => {
        const forward = h.hash(meta(t, false, m));
        expect(h.hash(meta(t, true, m))).toBe(forward);
      }),
    );
  });

  test('addresses in arrays of any size or alignment hash as in createPacketMeta arrays', () => {
    const views = new PacketShardHasher();
    const copies = new PacketShardHasher();
    fc.assert(
      fc.property(tuple, fc.integer({ min: 1, max: 3 }), (t, shift) => {
        const aligned = meta(t, false);
        const odd = { ...aligned };
        // Exactly the address bytes (4 for IPv4), or 16 bytes at an offset that is not a multiple of 4.
        const backing = new Uint8Array(40);
        odd.srcAddr = t.ipv6 ? backing.subarray(shift, shift + 16) : Uint8Array.from(t.a4);
        odd.dstAddr = t.ipv6 ? backing.subarray(20 + shift, 20 + shift + 16) : Uint8Array.from(t.b4);
        if (t.ipv6) {
          odd.srcAddr.set(t.a6);
          odd.dstAddr.set(t.b6);
        }
        expect(copies.hash(odd)).toBe(views.hash(aligned));
      }),
    );
  });

  test('ports count for TCP and UDP packets that carry them, never for other protocols or later fragments', () => {
    const h = new PacketShardHasher();
    fc.assert(
      fc.property(tuple, port, (t, other) => {
        fc.pre(other !== t.sport);
        const base = h.hash(meta(t, false));
        const moved = h.hash(meta({ ...t, sport: other }, false));
        const keyedByPorts = (t.protocol === 6 || t.protocol === 17) && t.hasPorts && !t.laterFragment;
        if (!keyedByPorts) expect(moved).toBe(base);
        return keyedByPorts ? moved !== base : true;
      }),
    );
  });
});

describe('shard groups', () => {
  test('a group lies in one worker for every worker count: shardOf depends on the group only', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 64 }), (h1, h2, n) => {
        const s = shardOf(h1, n);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThan(n);
        // Same group (same low bits), whatever the high bits: same worker.
        const sameGroup = ((h2 & ~(SHARD_GROUPS - 1)) | shardGroup(h1)) >>> 0;
        expect(shardOf(sameGroup, n)).toBe(s);
      }),
    );
  });

  test('with the worker counts people use, every worker owns some of the groups', () => {
    for (let n = 1; n <= 16; n++) {
      const owned = new Set<number>();
      for (let g = 0; g < SHARD_GROUPS; g++) owned.add(shardOf(g, n));
      expect(owned.size).toBe(n);
    }
  });
});
