// FlowState's construction on a given number block and FlowMemory's recycling of typed-array blocks: a recycled
// block must start exactly like a fresh one, and blocks handed out at the same time must never overlap.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { BLOCK_DOUBLES, FlowMemory, FlowState, RETRANS_CLASSES, RETRANS_LINEAR_MAX, RETRANS_MAX, retransBlockWords, S, W } from '../../../src/flow/flow-state.js';

/** The slab offset of a retransmission block's packed position (its class sits in the top 8 bits). */
const offset = (at: number): number => at & 0xffffff;

describe('FlowMemory', () => {
  /** A block handed out by FlowMemory: its slab and offset. */
  const numbers = (m: FlowMemory): [Float64Array, number] => {
    const at = m.takeNumbers();
    return [m.slab, at];
  };
  const ring = (m: FlowMemory, cls = 0): [Uint32Array, number] => {
    const at = m.takeRing(cls);
    return [m.ring, at];
  };
  test('number blocks are BLOCK_DOUBLES zeroed slots and never overlap while held', () => {
    const m = new FlowMemory();
    // More than one slab (1024 flows per slab) so the slab boundary is crossed.
    const blocks = Array.from({ length: 2100 }, () => numbers(m));
    expect(new Set(blocks.map(([slab]) => slab)).size).toBe(3);
    blocks.forEach(([slab, at], i) => {
      expect(at + BLOCK_DOUBLES).toBeLessThanOrEqual(slab.length);
      expect(slab.subarray(at, at + BLOCK_DOUBLES).every((x) => x === 0)).toBe(true);
      slab.fill(i + 1, at, at + BLOCK_DOUBLES);
    });
    // Each block still holds its own mark: no two blocks share a slot.
    blocks.forEach(([slab, at], i) => expect(slab.subarray(at, at + BLOCK_DOUBLES).every((x) => x === i + 1)).toBe(true));
  });

  test('a released number block is handed out again, zeroed, and its neighbours are left alone', () => {
    const m = new FlowMemory();
    const [slab, a] = numbers(m);
    const [, b] = numbers(m);
    slab.fill(7, a, a + BLOCK_DOUBLES);
    slab.fill(9, b, b + BLOCK_DOUBLES);
    m.releaseNumbers(slab, m.words, a);
    const [again, c] = numbers(m);
    expect(again).toBe(slab);
    expect(c).toBe(a);
    expect(slab.subarray(c, c + BLOCK_DOUBLES).every((x) => x === 0)).toBe(true);
    expect(slab.subarray(b, b + BLOCK_DOUBLES).every((x) => x === 9)).toBe(true);
  });

  test('retransmission blocks of every class hold retransBlockWords words, carry their class and never overlap while held', () => {
    const m = new FlowMemory();
    RETRANS_CLASSES.forEach((cap, cls) => {
      const size = retransBlockWords(cls);
      // Per side: cap triples, and above the linear classes a 2 x cap slot index.
      expect(size).toBe(2 * (3 * cap + (cap > RETRANS_LINEAR_MAX ? 2 * cap : 0)));
      // More blocks than one slab holds, so a slab boundary is crossed.
      const rings = Array.from({ length: 40 }, () => ring(m, cls));
      rings.forEach(([slab, at], i) => {
        expect(at >>> 24).toBe(cls);
        expect(offset(at) + size).toBeLessThanOrEqual(slab.length);
        slab.fill(i + 1, offset(at), offset(at) + size);
      });
      rings.forEach(([slab, at], i) => expect(slab.subarray(offset(at), offset(at) + size).every((x) => x === i + 1)).toBe(true));
      // A released block comes back for its own class only, with both sides' indexes empty.
      m.releaseRing(rings[3]![0], rings[3]![1]);
      if (cls > 0) expect(ring(m, cls - 1)[1] >>> 24).toBe(cls - 1);
      const [again, at] = ring(m, cls);
      expect([again, at]).toEqual(rings[3]);
      for (const side of cap > RETRANS_LINEAR_MAX ? [0, 1] : []) {
        const index = offset(at) + side * 5 * cap + 3 * cap;
        expect(again.subarray(index, index + 2 * cap).every((x) => x === 0)).toBe(true);
      }
    });
  });

  test('a FlowState on a recycled, once dirty block starts exactly like one on a fresh block', () => {
    const m = new FlowMemory();
    const [slab, at] = numbers(m);
    slab.fill(123.5, at, at + BLOCK_DOUBLES);
    m.releaseNumbers(slab, m.words, at);
    const [again, o] = numbers(m);
    const recycled = new FlowState(again, o, m.words);
    const fresh = new FlowState();
    expect(Array.from(recycled.s.subarray(o, o + BLOCK_DOUBLES))).toEqual(Array.from(fresh.s));
    // Spot checks of the constructor's defaults (empty statistics, header minimum not yet set, key bits).
    expect(fresh.num(S.ALL_LEN + 1)).toBeNaN(); // an empty statistic's mean
    expect(recycled.count(W.BWD_MIN_HDR)).toBe(fresh.count(W.BWD_MIN_HDR));
    expect([recycled.srcIsA, recycled.icmpType, recycled.tcpState, recycled.keyProto]).toEqual([true, -1, 0, 0]);
    expect(fresh.packets).toBe(0);
  });
});

describe('FlowState words', () => {
  test('counters are unsigned 32-bit and stop at 2^32 - 1 instead of wrapping', () => {
    const f = new FlowState();
    f.w[f.wo + W.SF_COUNT] = 0x7fffffff; // past the int32 range, read as unsigned
    expect(f.bump(W.SF_COUNT)).toBe(0x80000000);
    f.w[f.wo + W.SF_COUNT] = 0xfffffffe;
    expect(f.bump(W.SF_COUNT)).toBe(0xffffffff);
    expect(f.bump(W.SF_COUNT)).toBe(0xffffffff);
    expect(f.count(W.SF_COUNT)).toBe(4294967295);
  });

  test('packed fields keep their own values: key, ports, first-packet facts, ICMP type/code, state bits', () => {
    const f = new FlowState();
    f.a0 = -1062731775; // 192.168.0.1 as int32
    f.b3 = 0x7f000001;
    f.portA = 65535;
    f.portB = 1;
    f.keyProto = 132;
    f.addrLen = 16;
    f.srcIsA = false;
    f.allForward = true;
    f.firstDir = 1;
    f.firstFlags = 0x12;
    f.tcpState = 3;
    f.icmpType = -1;
    f.icmpCode = 255;
    f.cidSrcPort = 65535;
    f.cidDstPort = 0;
    f.cidSrcIsA = false;
    f.firstIndex = 2 ** 40;
    f.heapIndex = 12345;
    expect([f.a0, f.b3, f.portA, f.portB, f.keyProto, f.addrLen]).toEqual([-1062731775, 0x7f000001, 65535, 1, 132, 16]);
    expect([f.srcIsA, f.allForward, f.bulkAllBackward, f.cidSrcIsA]).toEqual([false, true, false, false]);
    expect([f.firstDir, f.firstFlags, f.tcpState, f.icmpType, f.icmpCode]).toEqual([1, 0x12, 3, -1, 255]);
    expect([f.cidSrcPort, f.cidDstPort, f.firstIndex, f.heapIndex]).toEqual([65535, 0, 2 ** 40, 12345]);
    // Changing one packed field leaves its neighbours alone.
    f.portB = 80;
    f.tcpState = 1;
    f.icmpType = 8;
    expect([f.portA, f.portB, f.keyProto, f.firstFlags, f.tcpState, f.icmpType, f.icmpCode]).toEqual([65535, 80, 132, 0x12, 1, 8, 255]);
  });
});


describe('FlowState retransmission memory', () => {
  /**
   * The documented rule, written plainly: a segment (seq, ack, payload length, window) from one side counts when it
   * equals one of that side's last `keep` distinct segments; otherwise it becomes the newest of them.
   */
  class Model {
    readonly seen: string[][] = [[], []];
    readonly counts = [0, 0];
    private readonly keep: number;
    constructor(keep: number) {
      this.keep = keep;
    }
    add(dir: number, seq: number, ack: number, payload: number, window: number): void {
      const id = `${seq}/${ack}/${payload & 0xffff}/${window & 0xffff}`;
      const list = this.seen[dir]!;
      if (list.includes(id)) {
        this.counts[dir]!++;
        return;
      }
      list.push(id);
      if (list.length > this.keep) list.shift();
    }
  }

  const facts = (): Parameters<FlowState['checkRetransmission']>[0] => ({
    index: 0, tsUs: 0, flags: 0, window: 0, tcpSeq: 0, tcpAck: 0, payload: 0, header: 20, ipBytes: 40, icmpType: -1, icmpCode: -1, realProto: 6, realSrcPort: 1, realDstPort: 2,
  });

  /** A TCP flow with a retransmission block of class `cls` from `m` (first dirtied by another flow, given back). */
  function tcpFlow(m: FlowMemory, cls = 0): FlowState {
    const dirtyAt = m.takeRing(cls);
    m.ring.fill(0xffffffff, offset(dirtyAt), offset(dirtyAt) + retransBlockWords(cls));
    m.releaseRing(m.ring, dirtyAt);
    const flow = new FlowState();
    flow.ringAt = m.takeRing(cls);
    flow.retransRing = m.ring;
    return flow;
  }

  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  // Values that repeat often (a small alphabet, near 0 and near 2^32 so that a sequence number wraps), runs that
  // climb like a real transfer, arbitrary ones, and exact replays of one of the side's recent segments (0 = its
  // latest; up to `reach` back).
  const near = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0xfffffffa, max: 0xffffffff }), u32);
  const segment = (reach: number) =>
    fc.record({
      dir: fc.integer({ min: 0, max: 1 }),
      seq: near,
      ack: near,
      payload: fc.integer({ min: 0, max: 3 }),
      window: fc.integer({ min: 0, max: 2 }),
      climb: fc.integer({ min: 0, max: 3 }),
      replay: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: reach })),
    });

  function run(segments: { dir: number; seq: number; ack: number; payload: number; window: number; climb: number; replay: number }[], memory: FlowMemory | null, keep: number, cls = 0): void {
    const m = new FlowMemory();
    const flow = tcpFlow(m, cls);
    const model = new Model(keep);
    const p = facts();
    const sent: [number, number, number, number][][] = [[], []];
    for (const s of segments) {
      const mine = sent[s.dir]!;
      let seg: [number, number, number, number];
      if (s.replay >= 0 && s.replay < mine.length) {
        seg = mine[mine.length - 1 - s.replay]!;
      } else {
        // climb > 0: continue the side's own run upwards (possibly across 2^32), as data and ACKs do.
        const last = mine.length > 0 ? mine[mine.length - 1]![0] : s.seq;
        seg = [s.climb > 0 ? (last + s.climb * 1000) >>> 0 : s.seq, s.ack, s.payload, s.window];
      }
      mine.push(seg);
      Object.assign(p, { tcpSeq: seg[0], tcpAck: seg[1], payload: seg[2], window: seg[3] });
      flow.checkRetransmission(p, s.dir, memory === null ? null : m);
      model.add(s.dir, ...seg);
    }
    expect([flow.count(W.RETRANS_FWD), flow.count(W.RETRANS_BWD)]).toEqual(model.counts);
  }

  test('without room to grow, a block counts what the last-4-distinct-segments rule counts (forgetting exercised)', () => {
    fc.assert(
      fc.property(fc.array(segment(8), { minLength: 1, maxLength: 300 }), (segments) => run(segments, null, RETRANS_CLASSES[0])),
      { numRuns: 400 },
    );
  });

  test('an indexed class without room to grow counts what the last-64-distinct-segments rule counts (index deletion exercised)', () => {
    const cls = RETRANS_CLASSES.indexOf(64);
    expect(64).toBeGreaterThan(RETRANS_LINEAR_MAX);
    fc.assert(
      fc.property(fc.array(segment(80), { minLength: 1, maxLength: 600 }), (segments) => run(segments, null, 64, cls)),
      { numRuns: 200 },
    );
  });

  test('growing through every class, it counts what the last-RETRANS_MAX-distinct-segments rule counts', () => {
    fc.assert(
      fc.property(fc.array(segment(RETRANS_MAX + 40), { minLength: 1, maxLength: 3000 }), (segments) => run(segments, new FlowMemory(), RETRANS_MAX)),
      { numRuns: 40 },
    );
  });

  test('a repeat RETRANS_MAX distinct segments back counts; one more back does not; the block grows with the flow', () => {
    for (const back of [RETRANS_MAX - 1, RETRANS_MAX]) {
      const m = new FlowMemory();
      const flow = tcpFlow(m);
      const p = facts();
      expect(flow.ringAt >>> 24).toBe(0);
      for (let i = 0; i <= back; i++) {
        Object.assign(p, { tcpSeq: 1000 + i * 100, tcpAck: 7, payload: 100, window: 512 });
        flow.checkRetransmission(p, 0, m);
        if (i === 3) expect(flow.ringAt >>> 24).toBe(0); // 4 distinct segments fit class 0
        if (i === 4) expect(flow.ringAt >>> 24).toBe(1);
      }
      expect(flow.ringAt >>> 24).toBe(RETRANS_CLASSES.length - 1);
      // Segment #0 again: `back` distinct segments of the same side came after it.
      Object.assign(p, { tcpSeq: 1000, tcpAck: 7, payload: 100, window: 512 });
      flow.checkRetransmission(p, 0, m);
      expect(flow.count(W.RETRANS_FWD)).toBe(back < RETRANS_MAX ? 1 : 0);
      expect(flow.count(W.RETRANS_BWD)).toBe(0);
    }
  });
});
