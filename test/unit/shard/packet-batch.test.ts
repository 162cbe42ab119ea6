import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { PacketBatchReader, PacketBatchWriter, shardHash, RECORD_BYTES } from '../../../src/shard/packet-batch.js';
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

describe('PacketBatch', () => {
  it('gives back every PacketMeta field it was given (offsets are not carried)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(metaArb, fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: -1e15, max: 4e15 })), { minLength: 1, maxLength: 20 }), (items) => {
        const w = new PacketBatchWriter(32);
        const metas = items.map(([v]) => toMeta(v));
        items.forEach(([, index, ts], i) => w.push(index, ts, metas[i]!));
        const batch = w.take(7, 8);
        expect(batch.count).toBe(items.length);
        expect(batch.buffer.byteLength).toBe(32 * RECORD_BYTES);
        const r = new PacketBatchReader(batch);
        const out = createPacketMeta();
        items.forEach(([, index, ts], i) => {
          r.read(i, out);
          expect(r.index(i)).toBe(index);
          expect(r.tsUs(i)).toBe(ts);
          const want = { ...metas[i]!, ipOffset: -1, l4Offset: -1 };
          expect(out).toEqual(want);
        });
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
        const u32 = new Uint32Array(b.buffer);
        expect(shardHash(u32, 0)).toBe(shardHash(u32, 1));
      }),
      { numRuns: 300 },
    );
  });

  it('shard hash spreads different ports of one host pair over shards (TCP)', () => {
    const w = new PacketBatchWriter(64);
    const m = createPacketMeta();
    m.ipVersion = 4;
    m.protocol = 6;
    m.hasPorts = true;
    m.srcAddr.set([10, 0, 0, 1]);
    m.dstAddr.set([10, 0, 0, 2]);
    for (let i = 0; i < 64; i++) {
      m.srcPort = 40000 + i;
      m.dstPort = 80;
      w.push(i, 0, m);
    }
    const u32 = new Uint32Array(w.take(63, 0).buffer);
    const seen = new Set<number>();
    for (let i = 0; i < 64; i++) seen.add(shardHash(u32, i) % 4);
    expect(seen.size).toBe(4);
  });
});
