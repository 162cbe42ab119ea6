import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { RowWriter } from '../../../src/csv/row-writer.js';
import { javaDoubleToStringExact, javaLongToString } from '../../../src/csv/java-format.js';
import { HAVE_JAVA, JAVA_SKIP_REASON, javaDoubleStrings } from '../../helpers/java-oracle.js';
import { prng } from '../../../scripts/gen-traffic.js';
import { fromBits } from '../../helpers/double-bits.js';


function written(f: (w: RowWriter) => void): string {
  const w = new RowWriter(4); // small: every write also exercises growing the buffer
  f(w);
  return w.toString();
}

/**
 * Doubles where RowWriter.double takes its own paths: integers and non-integers in (1, 10^7) and their negatives,
 * as flow statistics make them (ratios of counts, means of sizes, square roots, rates), short decimals, and random
 * bit patterns in that range; plus the values around the path's limits.
 */
function sample(seed: number, n: number): number[] {
  const rnd = prng(seed);
  const int = (k: number): number => Math.floor(rnd() * k);
  const out: number[] = [1, 1e7, 1e7 - 0.5, 9999999.999999998, 1.0000000000000002, 1.5, 0.999, -1.5, -0, 0, 2 ** 52 / 1e9];
  for (let i = 0; i < n; i++) {
    switch (i % 7) {
      case 0: out.push(int(1e7) / (1 + int(1e4))); break; // means
      case 1: out.push(Math.sqrt(int(1e9) / (1 + int(1e4)))); break; // deviations
      case 2: out.push((int(1e6) * 1e6) / (1 + int(1e9))); break; // rates
      case 3: out.push(Number(`${1 + int(9999999)}e-${1 + int(8)}`)); break; // short decimals
      case 4: out.push(fromBits(((1023 + int(24)) << 20) | int(0x100000), int(4294967296))); break; // [1, 2^24)
      case 5: out.push(-(int(1e7) / (1 + int(1e4)))); break;
      default: out.push(int(1e7) + int(1e6) / 1e6); break;
    }
  }
  return out;
}

describe('RowWriter.double', () => {
  test('prints what the JDK-exact formatter prints (200k flow-like values, no String(x) shortcut involved)', () => {
    const bad: string[] = [];
    for (const x of sample(0x5eed, 200_000)) {
      const ours = written((w) => w.double(x));
      const exact = javaDoubleToStringExact(x);
      if (ours !== exact && bad.length < 20) bad.push(`${x}: ${ours} vs ${exact}`);
    }
    expect(bad).toEqual([]);
  });

  (HAVE_JAVA ? test : test.skip)(`prints what Java 17 prints ${HAVE_JAVA ? '' : JAVA_SKIP_REASON}`, () => {
    const values = sample(0xfeed, 40_000);
    const java = javaDoubleStrings(values);
    const bad: string[] = [];
    values.forEach((x, i) => {
      const ours = written((w) => w.double(x));
      if (ours !== java[i] && bad.length < 20) bad.push(`${x}: ${ours} vs java ${java[i]}`);
    });
    expect(bad).toEqual([]);
  });

  test('special values', () => {
    for (const [x, text] of [[0, '0.0'], [-0, '-0.0'], [NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'], [100, '100.0'], [17645272, '1.7645272E7'], [0.00098, '9.8E-4'], [2.5, '2.5'], [-2.5, '-2.5']] as const) {
      expect(written((w) => w.double(x))).toBe(text);
    }
  });
});

describe('RowWriter integers', () => {
  test('uint and long print as Java longs', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 1e6 }), fc.maxSafeNat(), fc.integer({ min: -1e9, max: 1e9 }), fc.constantFrom(0, -0, 9, 10, 999999999, 1e9, 2 ** 53 - 1, -(2 ** 53) + 1, 2 ** 60, -(2 ** 63))), (x) => {
        expect(written((w) => w.long(x))).toBe(javaLongToString(x));
        if (x >= 0 && Number.isSafeInteger(x)) expect(written((w) => w.uint(x))).toBe(javaLongToString(x));
      }),
    );
  });

  test('long refuses what is not a Java long', () => {
    expect(() => written((w) => w.long(1.5))).toThrow(/not a Java long/);
    expect(() => written((w) => w.long(2 ** 63))).toThrow(/not a Java long/);
  });
});

describe('RowWriter text', () => {
  test('a record of fields written by text()/str() is what csv-stringify writes', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('a,b', 'say "x"', 'x\ny', '\r', '10.0.0.1', '')), { minLength: 1, maxLength: 8 }), (fields) => {
        const w = new RowWriter(8);
        fields.forEach((f, i) => {
          if (i > 0) w.comma();
          if (i % 2 === 0) w.text(f);
          else w.str(f);
        });
        const expected = stringify([fields]).slice(0, -1);
        // csv-stringify writes a record of one empty field as "" (so that the line is not empty); pcapflow's rows
        // have ~90 fields.
        if (fields.length === 1 && fields[0] === '') return;
        expect(w.toString()).toBe(expected);
      }),
    );
  });

  test('a writer without quoting gives the raw text (a field on its own)', () => {
    const w = new RowWriter(8, false);
    w.text('say "x", é');
    expect(w.toString()).toBe('say "x", é');
  });

  test('reset starts a new record in the same buffer', () => {
    const w = new RowWriter(8);
    w.text('é,é');
    w.reset();
    w.ascii('abc');
    expect(w.toString()).toBe('abc');
  });
});
