// FlowState's construction on a given number block and FlowMemory's recycling of typed-array blocks: a recycled
// block must start exactly like a fresh one, and blocks handed out at the same time must never overlap.
import { describe, expect, test } from '@jest/globals';
import { FlowMemory, FlowState, RETRANS_RING, S } from '../../../src/flow/flow-state.js';

describe('FlowMemory', () => {
  test('number blocks are S.SIZE zeroed slots and never overlap while held', () => {
    const m = new FlowMemory();
    // More than one slab (1024 flows per slab) so the slab boundary is crossed.
    const blocks = Array.from({ length: 2100 }, () => m.takeNumbers());
    blocks.forEach((b, i) => {
      expect(b.length).toBe(S.SIZE);
      expect(b.every((x) => x === 0)).toBe(true);
      b.fill(i + 1);
    });
    // Each block still holds its own mark: no two views share a slot.
    blocks.forEach((b, i) => expect(b.every((x) => x === i + 1)).toBe(true));
  });

  test('a released number block is handed out again, zeroed', () => {
    const m = new FlowMemory();
    const a = m.takeNumbers();
    a.fill(7);
    m.releaseNumbers(a);
    const b = m.takeNumbers();
    expect(b).toBe(a); // the same view object is reused: no allocation
    expect(b.every((x) => x === 0)).toBe(true);
  });

  test('rings hold RETRANS_RING (seq, ack, len|window) triples per direction and never overlap while held', () => {
    const m = new FlowMemory();
    const rings = Array.from({ length: 1500 }, () => m.takeRing());
    rings.forEach((r, i) => {
      expect(r.length).toBe(RETRANS_RING * 3 * 2);
      r.fill(i);
    });
    rings.forEach((r, i) => expect(r.every((x) => x === i)).toBe(true));
    m.releaseRing(rings[3]!);
    expect(m.takeRing()).toBe(rings[3]);
  });

  test('a FlowState on a recycled, once dirty block starts exactly like one on a fresh block', () => {
    const m = new FlowMemory();
    const dirty = m.takeNumbers();
    dirty.fill(123.5);
    m.releaseNumbers(dirty);
    const recycled = new FlowState(m.takeNumbers());
    const fresh = new FlowState();
    expect(Array.from(recycled.s)).toEqual(Array.from(fresh.s));
    // Spot checks of the constructor's defaults (spec: no subflow seen yet, header minimum not yet set).
    expect(fresh.s[S.SF_LAST]).toBe(-1);
    expect(fresh.s[S.FWD_MIN_HDR]).toBe(Number.POSITIVE_INFINITY);
    expect(fresh.packets).toBe(0);
  });
});
