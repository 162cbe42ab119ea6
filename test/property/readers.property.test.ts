// Properties of the capture readers: arbitrary bytes (alone, or after a valid header) give packets or a
// PcapflowError, never another exception and never a hang; any chunking of a valid file gives the same packets.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { CaptureParser } from '../../src/capture/capture-parser.js';
import { PcapflowError } from '../../src/errors.js';
import { PcapngBuilder, buildPcap, parseAll, testFrame } from '../helpers/pcap-builder.js';

/** Feed bytes in the given chunk sizes; count next() calls so a parser that stops making progress fails. */
function feed(bytes: Uint8Array, sizes: number[]): { packets: number; error: PcapflowError | null } {
  const p = new CaptureParser();
  let packets = 0;
  let calls = 0;
  // Each non-null next() consumes >= 1 byte, so more calls than bytes + chunks means a loop.
  const guard = bytes.length + sizes.length + 10;
  try {
    let at = 0;
    let i = 0;
    while (at < bytes.length) {
      const n = sizes.length === 0 ? bytes.length : Math.max(1, sizes[i++ % sizes.length] as number);
      p.push(bytes.subarray(at, at + n));
      at += n;
      for (;;) {
        if (++calls > guard) throw new Error('iteration guard: the parser made no progress');
        if (p.next() === null) break;
        packets++;
      }
    }
    p.end();
  } catch (err) {
    // E_INTERNAL is how CaptureParser wraps an unexpected exception (a bug): it must never happen.
    if (err instanceof PcapflowError && err.code !== 'E_INTERNAL') return { packets, error: err };
    throw err;
  }
  return { packets, error: null };
}

const PCAP_HEADERS = [
  buildPcap([]).bytes,
  buildPcap([], { littleEndian: false, nanosecond: true }).bytes,
  buildPcap([], { modified: true }).bytes,
  new PcapngBuilder().section().interface({ tsresol: 9 }).bytes(),
  new PcapngBuilder().section({ littleEndian: false }).interface().interface({ tsresol: 0x94 }).bytes(),
];

describe('readers on arbitrary input', () => {
  test('arbitrary bytes: packets or a PcapflowError, never another throw or a hang', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 8 }), (bytes, sizes) => {
        feed(bytes, sizes);
      }),
      { numRuns: 300, seed: 20261122 },
    );
  });

  test('a valid header followed by arbitrary bytes: same guarantee', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: PCAP_HEADERS.length - 1 }),
        fc.uint8Array({ maxLength: 800 }),
        fc.array(fc.integer({ min: 1, max: 100 }), { maxLength: 8 }),
        (h, tail, sizes) => {
          const head = PCAP_HEADERS[h] as Uint8Array;
          const bytes = new Uint8Array(head.length + tail.length);
          bytes.set(head);
          bytes.set(tail, head.length);
          const r = feed(bytes, sizes);
          // The whole input and any split agree.
          const one = feed(bytes, []);
          expect(r.packets).toBe(one.packets);
          expect(r.error?.code).toBe(one.error?.code);
          expect(r.error?.offset).toBe(one.error?.offset);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  test('any chunking of a valid file gives the same packets', () => {
    const file = new PcapngBuilder()
      .section()
      .interface({ tsresol: 9 })
      .epb({ ts: 123n, data: testFrame(100) })
      .spb({ data: testFrame(33) })
      .epb({ ts: 1n << 40n, data: testFrame(1) })
      .bytes();
    const whole = parseAll(file);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 20 }), (sizes) => {
        expect(parseAll(file, sizes)).toEqual(whole);
      }),
      { numRuns: 200, seed: 3 },
    );
  });
});
