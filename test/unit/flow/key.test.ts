import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { endpointBytes, FlowKey } from '../../../src/flow/key.js';
import { symmetricHash } from '../../../src/flow/hash.js';
import { FlowTable, Tombstone, TombstoneStore } from '../../../src/flow/flow-table.js';
import { FlowState } from '../../../src/flow/flow-state.js';
import { FlowEngine, createShardScratch } from '../../../src/flow/flow-engine.js';
import { createPacketMeta } from '../../../src/types.js';
import { addr, fillMeta } from '../../helpers/packet-meta-builder.js';

const bytes4 = fc.uint8Array({ minLength: 4, maxLength: 4 });
const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const port = fc.integer({ min: 0, max: 65535 });
const proto = fc.integer({ min: 0, max: 255 });

function keyOf(p: number, s: Uint8Array, d: Uint8Array, len: 4 | 16, sp: number, dp: number): FlowKey {
  const k = new FlowKey();
  k.set(p, s, d, len, sp, dp);
  return k;
}

describe('FlowKey and symmetric hash', () => {
  test('key(A→B) matches key(B→A), hash equal, srcIsA flips (IPv4 and IPv6, property)', () => {
    for (const [bytes, len] of [[bytes4, 4], [bytes16, 16]] as const) {
      fc.assert(
        fc.property(proto, bytes, bytes, port, port, (p, s, d, sp, dp) => {
          const ab = keyOf(p, s, d, len, sp, dp);
          const ba = keyOf(p, d, s, len, dp, sp);
          expect(ab.matches(ba)).toBe(true);
          expect(ab.hash).toBe(ba.hash);
          expect(symmetricHash(p, s, d, len, sp, dp)).toBe(symmetricHash(p, d, s, len, dp, sp));
          expect(symmetricHash(p, s, d, len, sp, dp)).toBe(ab.hash);
          const same = Buffer.compare(Buffer.from(s), Buffer.from(d)) === 0 && sp === dp;
          if (!same) expect(ab.srcIsA).toBe(!ba.srcIsA);
        }),
      );
    }
  });

  test('A is the smaller endpoint (signed address words, then port); endpoints round-trip to bytes', () => {
    const k = keyOf(6, addr('10.0.0.2'), addr('10.0.0.1'), 4, 80, 40000);
    expect(k.srcIsA).toBe(false);
    const out = new Uint8Array(16);
    endpointBytes(k, 0, out);
    expect([...out.subarray(0, 4)]).toEqual([10, 0, 0, 1]);
    expect(k.portA).toBe(40000);
    const same = keyOf(6, addr('127.0.0.1'), addr('127.0.0.1'), 4, 8000, 43030);
    expect(same.sameAddr).toBe(true);
    expect(same.srcIsA).toBe(true); // 8000 < 43030
    const v6 = keyOf(17, addr('2001:db8::2'), addr('2001:db8::1'), 16, 53, 53);
    endpointBytes(v6, 0, out);
    expect([...out]).toEqual([...addr('2001:db8::1')]);
  });

  test('different tuples rarely collide: 200k random IPv4 tuples give ≥ 199990 distinct hashes', () => {
    // With 2^32 buckets the expected number of colliding pairs among 2e5 keys is n²/2^33 ≈ 4.7.
    let seed = 12345;
    const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const seen = new Set<number>();
    const s = new Uint8Array(4);
    const d = new Uint8Array(4);
    for (let i = 0; i < 200_000; i++) {
      new DataView(s.buffer).setUint32(0, rnd());
      new DataView(d.buffer).setUint32(0, rnd());
      seen.add(symmetricHash(6, s, d, 4, rnd() & 0xffff, rnd() & 0xffff));
    }
    expect(seen.size).toBeGreaterThanOrEqual(199_990);
  });

  test('the table keeps colliding keys apart by full-tuple comparison', () => {
    const t = new FlowTable(false);
    const k1 = keyOf(6, addr('10.0.0.1'), addr('10.0.0.2'), 4, 1, 2);
    const k2 = keyOf(6, addr('10.0.0.3'), addr('10.0.0.4'), 4, 3, 4);
    // Force a collision: give the second key the first key's hash.
    k2.hash = k1.hash;
    const f1 = new FlowState();
    k1.copyTo(f1);
    const f2 = new FlowState();
    k2.copyTo(f2);
    f2.firstIndex = 1;
    t.insert(f1);
    t.insert(f2);
    expect(t.find(k1)).toBe(f1);
    expect(t.find(k2)).toBe(f2);
    t.remove(f2);
    expect(t.find(k2)).toBeNull();
    expect(t.find(k1)).toBe(f1);
    t.remove(f1);
    expect(t.find(k1)).toBeNull();
    expect(t.count).toBe(0);
  });

  test('shard hash follows the profile key: ICMP and GRE of one host pair meet in cicflowmeter, not in default', () => {
    const meta = createPacketMeta();
    const conv = { client: '10.0.0.1', server: '10.0.0.5' };
    const icmp = FlowEngine.shardHash('cicflowmeter', fillMeta(meta, { ...conv, protocol: 1 }, { dir: 'c2s', tsUs: 0 }));
    const gre = FlowEngine.shardHash('cicflowmeter', fillMeta(meta, { ...conv, protocol: 47 }, { dir: 's2c', tsUs: 0 }));
    expect(icmp).toBe(gre); // both are protocol 0, ports 0 there (spec §2)
    const scratch = createShardScratch('default');
    const icmpD = FlowEngine.shardHash('default', fillMeta(meta, { ...conv, protocol: 1 }, { dir: 'c2s', tsUs: 0 }), scratch);
    const greD = FlowEngine.shardHash('default', fillMeta(meta, { ...conv, protocol: 47 }, { dir: 'c2s', tsUs: 0 }), scratch);
    expect(icmpD).not.toBe(greD);
    const v6 = FlowEngine.shardHash('cicflowmeter', fillMeta(meta, { client: '::1', server: '::2' }, { dir: 'c2s', tsUs: 0 }));
    expect(v6).toBe(-1); // dropped by the profile
  });

  test('the tombstone store is bounded per shard group: a full group forgets its own oldest memory (FIFO)', () => {
    const store = new TombstoneStore(2);
    const keys = [1, 2, 3, 4, 5].map((n) => keyOf(17, addr(`10.0.0.${n}`), addr('10.0.0.9'), 4, 53, 53));
    const groups = [7, 7, 300, 7, 300];
    const made: Tombstone[] = keys.map((k, i) => {
      const t = new Tombstone();
      k.copyTo(t);
      t.group = groups[i]!;
      return t;
    });
    // Group 7 holds keys 0 and 1; key 2 goes to group 300 and forgets nothing; key 3 fills group 7 past its
    // limit and forgets that group's oldest (key 0); key 4 joins key 2 in group 300.
    // add() hands back the tombstone it forgot so its ring can be recycled.
    expect(made.map((t) => store.add(t))).toEqual([null, null, null, made[0], null]);
    expect(store.count).toBe(4);
    expect(store.evicted).toBe(1);
    expect(keys.map((k) => store.find(k))).toEqual([null, made[1], made[2], made[3], made[4]]);
    // Removing frees a place in its own group only: group 300 takes key 0 back without forgetting anything...
    store.remove(made[2]!);
    made[0]!.group = 300;
    expect(store.add(made[0]!)).toBeNull();
    // ...and group 7's next addition still forgets its oldest (key 1).
    const again = new Tombstone();
    keyOf(17, addr('10.0.0.6'), addr('10.0.0.9'), 4, 53, 53).copyTo(again);
    again.group = 7;
    expect(store.add(again)).toBe(made[1]);
    const none = new TombstoneStore(0);
    expect(none.add(made[1]!)).toBe(made[1]); // a store that keeps nothing hands back what it was given
  });

  test('the tombstone store also bounds the retransmission words a group holds: over the budget it forgets its oldest', () => {
    const forgotten: Tombstone[] = [];
    const store = new TombstoneStore(10, 100, (t) => forgotten.push(t));
    const made = [1, 2, 3, 4].map((n) => {
      const t = new Tombstone();
      keyOf(6, addr(`10.0.1.${n}`), addr('10.0.1.9'), 4, 1000, 80).copyTo(t);
      t.group = 42;
      t.ringWords = 40;
      return t;
    });
    // 40 + 40 fit in 100; the third needs 120: the oldest goes (through onForget too).
    expect(store.add(made[0]!)).toBeNull();
    expect(store.add(made[1]!)).toBeNull();
    expect(store.add(made[2]!)).toBe(made[0]);
    expect(forgotten).toEqual([made[0]]);
    // A 0-word tombstone of the same group costs no budget; one larger than the whole budget is not kept.
    const small = new Tombstone();
    keyOf(17, addr('10.0.1.5'), addr('10.0.1.9'), 4, 53, 53).copyTo(small);
    small.group = 42;
    expect(store.add(small)).toBeNull();
    made[3]!.ringWords = 101;
    expect(store.add(made[3]!)).toBe(made[3]);
    expect(store.count).toBe(3);
    // Removing gives the words back: a 60-word tombstone now fits beside the remaining 40.
    store.remove(made[1]!);
    made[3]!.ringWords = 60;
    expect(store.add(made[3]!)).toBeNull();
    expect(store.evicted).toBe(1);
  });
});
