// FlowState's construction on a given number block and FlowMemory's recycling of typed-array blocks: a recycled
// block must start exactly like a fresh one, and blocks handed out at the same time must never overlap.
import { describe, expect, test } from '@jest/globals';
import { FlowMemory, FlowState, RETRANS_RING, S } from '../../../src/flow/flow-state.js';

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

  test('number blocks are S.SIZE zeroed slots and never overlap while held', () => {
    const m = new FlowMemory();
    // More than one slab (1024 flows per slab) so the slab boundary is crossed.
    const blocks = Array.from({ length: 2100 }, () => numbers(m));
    expect(new Set(blocks.map(([slab]) => slab)).size).toBe(3);
    blocks.forEach(([slab, at], i) => {
      expect(at + S.SIZE).toBeLessThanOrEqual(slab.length);
      expect(slab.subarray(at, at + S.SIZE).every((x) => x === 0)).toBe(true);
      slab.fill(i + 1, at, at + S.SIZE);
    });
    // Each block still holds its own mark: no two blocks share a slot.
    blocks.forEach(([slab, at], i) => expect(slab.subarray(at, at + S.SIZE).every((x) => x === i + 1)).toBe(true));
  });

  test('a released number block is handed out again, zeroed, and its neighbours are left alone', () => {
    const m = new FlowMemory();
    const [slab, a] = numbers(m);
    const [, b] = numbers(m);
    slab.fill(7, a, a + S.SIZE);
    slab.fill(9, b, b + S.SIZE);
    m.releaseNumbers(slab, a);
    const [again, c] = numbers(m);
    expect(again).toBe(slab);
    expect(c).toBe(a);
    expect(slab.subarray(c, c + S.SIZE).every((x) => x === 0)).toBe(true);
    expect(slab.subarray(b, b + S.SIZE).every((x) => x === 9)).toBe(true);
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
    slab.fill(123.5, at, at + S.SIZE);
    m.releaseNumbers(slab, at);
    const [again, o] = numbers(m);
    const recycled = new FlowState(again, o);
    const fresh = new FlowState();
    expect(Array.from(recycled.s.subarray(o, o + S.SIZE))).toEqual(Array.from(fresh.s));
    // Spot checks of the constructor's defaults (spec: no subflow seen yet, header minimum not yet set).
    expect(fresh.num(S.SF_LAST)).toBe(-1);
    expect(recycled.num(S.FWD_MIN_HDR)).toBe(Number.POSITIVE_INFINITY);
    expect(fresh.packets).toBe(0);
  });
});
