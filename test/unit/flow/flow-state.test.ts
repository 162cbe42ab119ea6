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

