// CaptureParser: chunk boundaries (any split gives the same packets), packet numbering, the sticky error,
// bytesConsumed/format, and what it does with input that is not a capture.
import { describe, expect, test } from '@jest/globals';
import { CaptureParser } from '../../../src/capture/capture-parser.js';
import { PcapflowError } from '../../../src/errors.js';
import { PCAPNG_BLOCK_TYPE, PcapngBuilder, buildPcap, parseAll, testFrame } from '../../helpers/pcap-builder.js';

/** Deterministic xorshift PRNG so that failures reproduce. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const pcapFile = buildPcap(
  Array.from({ length: 40 }, (_, i) => ({ data: testFrame((i * 37) % 300, i), tsSec: 1000 + i, tsFrac: i * 1000 })),
  { nanosecond: true },
).bytes;
const ngFile = (() => {
  const b = new PcapngBuilder().section({ littleEndian: false }).interface({ linkType: 1, tsresol: 9 }).interface({ linkType: 101 });
  for (let i = 0; i < 30; i++) {
    if (i % 7 === 3) b.block(PCAPNG_BLOCK_TYPE.ISB, new Uint8Array(16));
    if (i % 5 === 0) b.spb({ data: testFrame(i + 1, i) });
    else b.epb({ interfaceId: i % 2, ts: BigInt(i) * 1_000_000_007n, data: testFrame((i * 53) % 400, i) });
  }
  b.section({ littleEndian: true }).interface({ linkType: 113 }).epb({ ts: 5n, data: testFrame(9) });
  return b.bytes();
})();

describe('CaptureParser chunking', () => {
  for (const [name, file] of [['pcap', pcapFile], ['pcapng', ngFile]] as const) {
    test(`${name}: random chunk splits (1..300 bytes, and 1-byte chunks) give the same packets`, () => {
      const whole = parseAll(file);
      expect(whole.error).toBeNull();
      expect(whole.packets.length).toBeGreaterThan(25);
      const r = rng(42);
      for (let trial = 0; trial < 30; trial++) {
        const sizes = Array.from({ length: 50 }, () => 1 + Math.floor(r() * 300));
        expect(parseAll(file, sizes)).toEqual(whole);
      }
      expect(parseAll(file, [1])).toEqual(whole);
      // A truncated file gives the same error whatever the split.
      const cut = file.subarray(0, file.length - 3);
      expect(parseAll(cut, [7, 1, 300]).error).toEqual(parseAll(cut).error);
    });
  }

  test('index starts at firstPacketIndex; format and bytesConsumed', () => {
    const p = new CaptureParser({ firstPacketIndex: 100 });
    expect(p.format).toBeNull();
    p.push(pcapFile.subarray(0, 3));
    expect(p.next()).toBeNull();
    expect(p.format).toBeNull();
    p.push(pcapFile.subarray(3));
    expect(p.next()?.index).toBe(100);
    expect(p.format).toBe('pcap');
    expect(p.next()?.index).toBe(101);
    expect(p.packetsRead).toBe(2);
    // header 24 + record 0 (16 + 0 bytes) + record 1 (16 + 37 bytes)
    expect(p.bytesConsumed).toBe(24 + 16 + 0 + 16 + 37);
  });

  test('after an error, every later call throws the same error', () => {
    const bad = buildPcap([{ data: testFrame(4) }, { data: testFrame(4), capLenField: 300000 }]).bytes;
    const p = new CaptureParser({ fileName: 'x.pcap' });
    p.push(bad);
    expect(p.next()).not.toBeNull();
    let first: unknown;
    try {
      p.next();
    } catch (e) {
      first = e;
    }
    expect(first).toBeInstanceOf(PcapflowError);
    expect(first).toMatchObject({ code: 'E_PCAP_CAPLEN_TOO_LARGE', file: 'x.pcap', recordNumber: 2 });
    expect(() => p.next()).toThrow(first as Error);
    expect(() => p.end()).toThrow(first as Error);
  });

  test('not a capture: bad magic, gzip magic (compressed twice), empty input', () => {
    expect(parseAll(new TextEncoder().encode('hello, this is text')).error).toMatchObject({ code: 'E_CAPTURE_BAD_MAGIC', offset: 0 });
    expect(parseAll(Uint8Array.of(0x1f, 0x8b, 8, 0, 0)).error).toMatchObject({ code: 'E_CAPTURE_BAD_MAGIC', offset: 0 });
    expect(parseAll(new Uint8Array(0)).error).toMatchObject({ code: 'E_CAPTURE_TRUNCATED_HEADER', offset: 0, available: 0 });
  });

  test('the tail never holds more than one unit: a 2 MB file in 1 KiB chunks parses with small tails', () => {
    const frames = Array.from({ length: 1500 }, (_, i) => ({ data: testFrame(1400, i) }));
    const file = buildPcap(frames).bytes;
    const p = new CaptureParser();
    let n = 0;
    for (let at = 0; at < file.length; at += 1024) {
      p.push(file.subarray(at, at + 1024));
      while (p.next() !== null) n++;
      // Unconsumed bytes are at most one record (16 + 1400) plus the chunk just pushed.
      expect(at + 1024 - p.bytesConsumed).toBeLessThan(1416 + 1024);
    }
    p.end();
    expect(n).toBe(1500);
  });
});
