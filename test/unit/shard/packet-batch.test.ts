import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { PacketBatchReader, recycleBatch, recycleBatchBuffer, recycleClock, PacketBatchWriter, shardHash, RECORD_BYTES } from '../../../src/shard/packet-batch.js';
import { shardGroup, shardOf } from '../../../src/flow/hash.js';
import { createPacketMeta, type PacketMeta, type SkipCode } from '../../../src/types.js';

const metaArb = fc.record({
  skip: fc.integer({ min: 0, max: 9 }),
  truncated: fc.boolean(),
  vlanId: fc.integer({ min: -1, max: 4095 }),
  ipVersion: fc.constantFrom(0, 4, 6),
  src: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  dst: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  ipHeaderLen: fc.integer({ min: 0, max: 65535 }),
  ipTotalLen: fc.integer({ min: 0, max: 0xffffffff }),
  ttl: fc.integer({ min: 0, max: 255 }),
  tos: fc.integer({ min: 0, max: 255 }),
  protocol: fc.integer({ min: -1, max: 255 }),
  isLaterFragment: fc.boolean(),
  isFragment: fc.boolean(),
  hasPorts: fc.boolean(),
  srcPort: fc.integer({ min: 0, max: 65535 }),
  dstPort: fc.integer({ min: 0, max: 65535 }),
  icmpType: fc.integer({ min: -1, max: 255 }),
  icmpCode: fc.integer({ min: -1, max: 255 }),
  tcpFlags: fc.integer({ min: 0, max: 255 }),
  tcpWindow: fc.integer({ min: 0, max: 65535 }),
  tcpSeq: fc.integer({ min: 0, max: 0xffffffff }),
  tcpAck: fc.integer({ min: 0, max: 0xffffffff }),
  l4HeaderLen: fc.integer({ min: 0, max: 65535 }),
  payloadLen: fc.integer({ min: 0, max: 0xffffffff }),
  capturedPayloadLen: fc.integer({ min: 0, max: 0xffffffff }),
  capturedL4HeaderLen: fc.integer({ min: -1, max: 60 }),
});

type MetaValue = typeof metaArb extends fc.Arbitrary<infer T> ? T : never;

function toMeta(v: MetaValue): PacketMeta {
  const m = createPacketMeta();
  const { src, dst, ...rest } = v as unknown as Record<string, unknown> & { src: Uint8Array; dst: Uint8Array };
  Object.assign(m, rest);
  m.skip = (v as { skip: number }).skip as SkipCode;
  m.srcAddr.set(src);
  m.dstAddr.set(dst);
  return m;
}

/** A decoded IPv4 packet from 10.0.0.1 to 10.0.0.2 of protocol `proto`, with ports. */
function hostPair(proto: number): PacketMeta {
  const m = createPacketMeta();
  m.ipVersion = 4;
  m.protocol = proto;
  m.hasPorts = true;
  m.srcAddr.set([10, 0, 0, 1]);
  m.dstAddr.set([10, 0, 0, 2]);
  return m;
}

describe('PacketBatch', () => {
  it('gives back every PacketMeta field it was given (offsets are not carried)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(metaArb, fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: -1e15, max: 4e15 })), { minLength: 1, maxLength: 20 }), (items) => {
        const w = new PacketBatchWriter(32);
        const metas = items.map(([v]) => toMeta(v));
        items.forEach(([, index, ts], i) => w.push(index, ts, metas[i]!));
        const batch = w.take(7, 8);
        expect(batch.packets).toBe(items.length);
        expect(batch.counts).toEqual([items.length]);
        // One shard: the writer's staging buffer is handed on as it is (its first counts[0] records).
        expect(batch.shards[0]!.byteLength).toBe(32 * RECORD_BYTES);
        expect(batch.clock).toBeNull();
        const r = new PacketBatchReader(batch.shards[0]!, batch.counts[0]!);
        const out = createPacketMeta();
        items.forEach(([, index, ts], i) => {
          r.read(i, out);
          expect(r.index(i)).toBe(index);
          expect(r.tsUs(i)).toBe(ts);
          const want = { ...metas[i]!, ipOffset: -1, l4Offset: -1 };
          expect(out).toEqual(want);
        });
        // Given back, the buffer becomes the staging area after the current one, and that batch reads its own
        // packets.
        recycleBatch(batch);
        const given = batch.shards[0]!;
        w.push(98, 99, metas[0]!);
        expect(w.take(98, 99).shards[0]).not.toBe(given);
        w.push(99, 100, metas[0]!);
        const next = w.take(99, 100);
        expect(next.shards[0]).toBe(given);
        const r2 = new PacketBatchReader(next.shards[0]!, next.counts[0]!);
        r2.read(0, out);
        expect(r2.index(0)).toBe(99);
        expect(out).toEqual({ ...metas[0]!, ipOffset: -1, l4Offset: -1 });
      }),
      { numRuns: 200 },
    );
  });

  it('shard hash is symmetric: both directions of a TCP/UDP flow, and all non-port packets of a host pair, agree', () => {
    fc.assert(
      fc.property(metaArb, (v) => {
        const m = toMeta(v);
        const rev = toMeta(v);
        rev.srcAddr.set(m.dstAddr);
        rev.dstAddr.set(m.srcAddr);
        rev.srcPort = m.dstPort;
        rev.dstPort = m.srcPort;
        const w = new PacketBatchWriter(2);
        w.push(0, 0, m);
        w.push(1, 0, rev);
        const b = w.take(1, 0);
        const u32 = new Uint32Array(b.shards[0]!);
        expect(shardHash(u32, 0)).toBe(shardHash(u32, 1));
      }),
      { numRuns: 300 },
    );
  });

  it('shard hash spreads different ports of one host pair over shards (TCP)', () => {
    const w = new PacketBatchWriter(64);
    const m = hostPair(6);
    for (let i = 0; i < 64; i++) {
      m.srcPort = 40000 + i;
      m.dstPort = 80;
      w.push(i, 0, m);
    }
    const u32 = new Uint32Array(w.take(63, 0).shards[0]!);
    const seen = new Set<number>();
    for (let i = 0; i < 64; i++) seen.add(shardOf(shardHash(u32, i), 4));
    expect(seen.size).toBe(4);
  });

  it('packed for N shards: each decoded packet in the shard of its hash, in order, skipped ones in the clock only', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }),
        fc.array(fc.tuple(metaArb, fc.integer({ min: -1e15, max: 4e15 })), { minLength: 1, maxLength: 40 }),
        (shards, items) => {
          const one = new PacketBatchWriter(64);
          const many = new PacketBatchWriter(64, shards);
          const metas = items.map(([v]) => toMeta(v));
          items.forEach(([, ts], i) => {
            one.push(1000 + i, ts, metas[i]!);
            many.push(1000 + i, ts, metas[i]!);
          });
          const all = one.take(0, 0);
          const split = many.take(0, 0);
          expect(split.firstIndex).toBe(1000);
          expect(split.packets).toBe(items.length);
          // The clock is the writer's staging clock handed on: its first `packets` entries are the batch's.
          expect(Array.from(new Float64Array(split.clock!, 0, split.packets))).toEqual(items.map(([, ts]) => ts));
          // Expected placement, from the single-shard records (hash of each record).
          const u32 = new Uint32Array(all.shards[0]!);
          const want: number[][] = Array.from({ length: shards }, () => []);
          items.forEach((_, i) => {
            if (metas[i]!.skip === 0) want[shardOf(shardHash(u32, i), shards)]!.push(i);
          });
          expect(split.counts).toEqual(want.map((l) => l.length));
          const whole = new PacketBatchReader(all.shards[0]!, all.counts[0]!);
          const a = createPacketMeta();
          const b = createPacketMeta();
          want.forEach((list, s) => {
            const r = new PacketBatchReader(split.shards[s]!, split.counts[s]!);
            expect(split.shards[s]!.byteLength).toBe(64 * RECORD_BYTES); // the staging buffer, counts[s] records used
            list.forEach((i, k) => {
              r.read(k, a);
              whole.read(i, b);
              expect(r.index(k)).toBe(1000 + i);
              expect(r.tsUs(k)).toBe(items[i]![1]);
              expect(a).toEqual(b);
            });
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a writer is reused batch after batch: each batch holds only its own packets', () => {
    const w = new PacketBatchWriter(4, 2);
    const m = hostPair(17);
    for (let i = 0; i < 4; i++) w.push(i, i * 10, m);
    expect(w.full).toBe(true);
    const first = w.take(3, 30);
    w.push(4, 40, m);
    const second = w.take(4, 40);
    expect(first.counts.reduce((x, y) => x + y, 0)).toBe(4);
    expect(second.counts.reduce((x, y) => x + y, 0)).toBe(1);
    expect(second.firstIndex).toBe(4);
    expect(Array.from(new Float64Array(second.clock!, 0, second.packets))).toEqual([40]);
    expect(second.clock).not.toBe(first.clock);
    expect(second.shards[0]).not.toBe(first.shards[0]);
    // Given back (as the pool does once every worker has read them), they hold a later batch's packets.
    for (const b of first.shards) recycleBatchBuffer(b);
    recycleClock(first.clock!);
    w.push(5, 50, m);
    w.take(5, 50); // the staging areas taken after `second` was handed on
    w.push(6, 60, m);
    const fourth = w.take(6, 60);
    expect(fourth.clock).toBe(first.clock);
    expect(first.shards).toContain(fourth.shards[0]);
    expect(Array.from(new Float64Array(fourth.clock!, 0, fourth.packets))).toEqual([60]);
    const t = fourth.counts.findIndex((n) => n === 1);
    expect(new PacketBatchReader(fourth.shards[t]!, 1).index(0)).toBe(6);
    const s = second.counts.findIndex((n) => n === 1);
    expect(new PacketBatchReader(second.shards[s]!, 1).index(0)).toBe(4);
  });

  it('--shard K/N: keeps the packets of its group range (placed by group % jobs), the rest only move the clock', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 4095 }),
        fc.integer({ min: 1, max: 4096 }),
        fc.array(fc.tuple(metaArb, fc.integer({ min: -1e15, max: 4e15 })), { minLength: 1, maxLength: 40 }),
        (jobs, a, b, items) => {
          const lo = Math.min(a, b);
          const hi = Math.max(a, b);
          const whole = new PacketBatchWriter(64);
          const part = new PacketBatchWriter(64, jobs, { lo, hi });
          const metas = items.map(([v]) => toMeta(v));
          const mine = items.map(([, ts], i) => {
            whole.push(i, ts, metas[i]!);
            return part.push(i, ts, metas[i]!);
          });
          const all = whole.take(0, 0);
          const u32 = new Uint32Array(all.shards[0]!);
          const group = (i: number): number => shardGroup(shardHash(u32, i));
          items.forEach((_, i) => expect(mine[i]).toBe(metas[i]!.skip !== 0 || (group(i) >= lo && group(i) < hi)));
          const split = part.take(0, 0);
          const got = createPacketMeta();
          if (jobs === 1) {
            // One engine: every packet is in the batch (for the clock); other shards' ones carry a skip code.
            expect(split.counts).toEqual([items.length]);
            const r = new PacketBatchReader(split.shards[0]!, items.length);
            items.forEach((_, i) => {
              r.read(i, got);
              if (metas[i]!.skip !== 0) expect(got.skip).toBe(metas[i]!.skip);
              else expect(got.skip === 0).toBe(mine[i]);
            });
          } else {
            const want: number[][] = Array.from({ length: jobs }, () => []);
            items.forEach((_, i) => {
              if (metas[i]!.skip === 0 && mine[i]) want[group(i) % jobs]!.push(i);
            });
            expect(split.counts).toEqual(want.map((l) => l.length));
            want.forEach((list, s) => {
              const r = new PacketBatchReader(split.shards[s]!, list.length);
              list.forEach((i, k) => expect(r.index(k)).toBe(i));
            });
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
