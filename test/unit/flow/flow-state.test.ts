// FlowState's construction on a given number block and FlowMemory's recycling of typed-array blocks: a recycled
// block must start exactly like a fresh one, and blocks handed out at the same time must never overlap.
import { describe, expect, test } from '@jest/globals';
import { BLOCK_DOUBLES, FlowMemory, FlowState, RETRANS_RING, S, W } from '../../../src/flow/flow-state.js';

describe('FlowMemory', () => {
  /** A block handed out by FlowMemory: its slab and offset. */
  const numbers = (m: FlowMemory): [Float64Array, number] => {
    const at = m.takeNumbers();
    return [m.slab, at];
  };
  const ring = (m: FlowMemory): [Uint32Array, number] => {
    const at = m.takeRing();
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

  test('rings hold RETRANS_RING (seq, ack, len|window) triples per direction and never overlap while held', () => {
    const m = new FlowMemory();
    const size = RETRANS_RING * 3 * 2;
    const rings = Array.from({ length: 1500 }, () => ring(m));
    rings.forEach(([slab, at], i) => {
      expect(at + size).toBeLessThanOrEqual(slab.length);
      slab.fill(i, at, at + size);
    });
    rings.forEach(([slab, at], i) => expect(slab.subarray(at, at + size).every((x) => x === i)).toBe(true));
    m.releaseRing(rings[3]![0], rings[3]![1]);
    expect(ring(m)).toEqual(rings[3]);
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
