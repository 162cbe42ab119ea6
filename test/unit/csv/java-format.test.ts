import { describe, expect, test } from '@jest/globals';
import { javaDoubleToString, javaDoubleToStringExact, javaLongToString } from '../../../src/csv/java-format.js';
import { PcapflowError } from '../../../src/errors.js';
import { HAVE_JAVA, JAVA_SKIP_REASON, javaDoubleStrings } from '../../helpers/java-oracle.js';
import { prng } from '../../../scripts/gen-traffic.js'; // mulberry32: the oracle sample is the same on every run
import { fromBits } from '../../helpers/double-bits.js';

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
/** The double k steps (ulps) away from a finite positive x, walking the bit pattern. */
function stepUlps(x: number, k: number): number {
  F64[0] = x;
  const bits = (U32[1] as number) * 4294967296 + (U32[0] as number) + k;
  return fromBits(Math.floor(bits / 4294967296), bits % 4294967296);
}

describe('javaDoubleToString: hand-checked examples', () => {
  // From the feature spec §5 and Java's Double.toString contract (JLS/Javadoc): at least one digit after the
  // point, plain notation for 1e-3 <= |x| < 1e7, "computerized scientific notation" otherwise.
  test.each([
    [100, '100.0'],
    [17645272, '1.7645272E7'],
    [0.00098, '9.8E-4'],
    [1.7e15, '1.7E15'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    [0, '0.0'],
    [-0, '-0.0'],
    [1, '1.0'],
    [-5.5, '-5.5'],
    [0.001, '0.001'], // lower edge of plain notation
    [0.01, '0.01'],
    [1e7, '1.0E7'], // upper edge: 10^7 itself is scientific
    [9999999, '9999999.0'],
    [1234.5678, '1234.5678'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1 / 3, '0.3333333333333333'],
    [2 / 3, '0.6666666666666666'],
    [Number.MAX_VALUE, '1.7976931348623157E308'],
    [2.2250738585072014e-308, '2.2250738585072014E-308'], // Double.MIN_NORMAL's Javadoc value
  ])('%p -> %s', (x, expected) => {
    expect(javaDoubleToString(x)).toBe(expected);
  });

  // Values where JDK 17 differs from the shortest round-trip form (what JS and JDK >= 19 print). The expected
  // strings were printed by `java` 17.0.15 through test/oracle/JavaDoubleOracle.java; 2^-1074 is
  // Double.MIN_VALUE, whose Javadoc gives it as 4.9e-324.
  test.each([
    [5e-324, '4.9E-324'], // shortest would be 5.0E-324
    [1e23, '9.999999999999999E22'], // shortest would be 1.0E23
  ])('JDK 17 quirk: %p -> %s', (x, expected) => {
    expect(javaDoubleToString(x)).toBe(expected);
  });
});

describe('javaLongToString', () => {
  test.each([
    [0, '0'],
    [-0, '0'], // a Java long has no negative zero
    [-5, '-5'],
    [1500, '1500'],
    [2 ** 53, '9007199254740992'],
    [2 ** 60, '1152921504606846976'], // JS String() would print 1152921504606847000
    [-(2 ** 63), '-9223372036854775808'], // Long.MIN_VALUE
  ])('%p -> %s', (x, expected) => {
    expect(javaLongToString(x)).toBe(expected);
  });

  test.each([[0.5], [NaN], [Infinity], [2 ** 63]])('rejects %p with E_INTERNAL', (x) => {
    expect(() => javaLongToString(x)).toThrow(PcapflowError);
    try {
      javaLongToString(x);
    } catch (err) {
      expect((err as PcapflowError).code).toBe('E_INTERNAL');
    }
  });
});

/** The oracle sample: >= 200k doubles of the kinds flows produce plus every awkward region of the format. */
function oracleSample(): number[] {
  const rnd = prng(0x5eed1234);
  const out: number[] = [];
  const u32 = () => Math.floor(rnd() * 4294967296);
  const int = (n: number) => Math.floor(rnd() * n);
  // Random bit patterns over all exponents (includes subnormals, infinities and NaNs with payloads).
  for (let i = 0; i < 60000; i++) out.push(fromBits(u32(), u32()));
  // Random bit patterns with exponents 2^-12..2^68: JDK's 64-bit path, including its wrap-around of m
  // (about 1% of values near 2^-9 overflow m * 10 there).
  for (let i = 0; i < 20000; i++) out.push(fromBits(((1011 + int(80)) << 20) | int(0x100000), u32()));
  // Uniform doubles in [0, 1e9).
  for (let i = 0; i < 25000; i++) out.push(rnd() * 1e9);
  // Means of small integers, rates (bytes * 1e6 / duration µs, packets * 1e6 / duration) and their std devs.
  for (let i = 0; i < 25000; i++) out.push((1 + int(100000)) / (1 + int(1000)));
  for (let i = 0; i < 20000; i++) out.push(((1 + int(10_000_000)) * 1e6) / (1 + int(120_000_000)));
  for (let i = 0; i < 10000; i++) out.push((1 + int(5000)) / ((1 + int(120_000_000)) / 1e6));
  for (let i = 0; i < 20000; i++) out.push(Math.sqrt((1 + int(1_000_000_000)) / (1 + int(10000))));
  // Integers of every size, including above 2^53 and 2^63 (the integer path and its rounding of low digits).
  for (let i = 0; i < 15000; i++) out.push(Math.floor(rnd() * 2 ** int(70)));
  for (let e = 0; e < 1024; e++) out.push(2 ** e, 2 ** e - 2 ** Math.max(0, e - 53), 3 * 2 ** e);
  // Powers of ten from the subnormal range to the top, and neighbours +-1..20 ulps: this is where the
  // stopping rules and the 1e-3 / 1e7 notation switch act.
  for (let e = -323; e <= 308; e++) {
    const p = Number(`1e${e}`);
    for (let k = -20; k <= 20; k++) out.push(stepUlps(p, k));
  }
  for (const p of [1e-3, 1e7]) for (let k = -2000; k <= 2000; k++) out.push(stepUlps(p, k));
  // Powers of two (asymmetric neighbour spacing) and their neighbours, subnormal to max.
  for (let e = -1074; e <= 1023; e++) {
    const p = 2 ** e;
    for (let k = -2; k <= 2; k++) if (p > 0 && (k >= 0 || e > -1074)) out.push(stepUlps(p, k));
  }
  // Subnormals: the smallest ones (few significant bits) and random ones.
  for (let i = 1; i <= 3000; i++) out.push(i * 5e-324);
  for (let i = 0; i < 5000; i++) out.push(fromBits(int(0x100000), u32()));
  // Short decimals parsed back: boundary cases where shortest and JDK 17 disagree live here.
  for (let i = 0; i < 25000; i++) {
    const digits = 1 + int(17);
    let m = String(1 + int(9));
    for (let d = 1; d < digits; d++) m += String(int(10));
    out.push(Number(`${m}e${int(640) - 330}`));
  }
  // Negative values of a mixed subset, and the special values.
  const n = out.length;
  for (let i = 0; i < 10000; i++) out.push(-(out[int(n)] as number));
  out.push(0, -0, NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, 2.2250738585072014e-308);
  return out;
}

let oracleCache: { values: number[]; java: string[] } | undefined;
/** The sample and Java's output for it, computed once per run (one JVM start). */
function oracleRun(): { values: number[]; java: string[] } {
  if (oracleCache === undefined) {
    const values = oracleSample();
    oracleCache = { values, java: javaDoubleStrings(values) };
  }
  return oracleCache;
}

(HAVE_JAVA ? describe : describe.skip)(`javaDoubleToString matches Java 17 ${HAVE_JAVA ? '' : JAVA_SKIP_REASON}`, () => {
  test('>= 200k doubles (random bits, flow-like ratios, boundaries, subnormals, specials) print as Java prints', () => {
    const { values, java } = oracleRun();
    expect(values.length).toBeGreaterThanOrEqual(200000);
    const mismatches: string[] = [];
    for (let i = 0; i < values.length; i++) {
      const ours = javaDoubleToString(values[i] as number);
      if (ours !== java[i]) {
        F64[0] = values[i] as number;
        mismatches.push(`${(U32[1] as number).toString(16)}:${(U32[0] as number).toString(16)} java=${java[i]} ours=${ours}`);
      }
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(mismatches.length).toBe(0);
  });

  test('the exact digit loop alone (no String(x) shortcut) also matches Java on the same sample', () => {
    const { values, java } = oracleRun();
    let mismatches = 0;
    for (let i = 0; i < values.length; i++) if (javaDoubleToStringExact(values[i] as number) !== java[i]) mismatches++;
    expect(mismatches).toBe(0);
  });
});

// Runs without Java: the shortcut (String(x) digits where JDK 17 provably agrees) must never change a result of
// the exact loop, which the oracle test above ties to Java. A second, differently seeded sample.
/** A seeded sampler, and a check that collects (up to 20) values where javaDoubleToString and the exact loop differ. */
function exactAgreement(seed: number): { int: (n: number) => number; bad: string[]; check: (x: number) => void } {
  const rnd = prng(seed);
  const bad: string[] = [];
  return {
    int: (n) => Math.floor(rnd() * n),
    bad,
    check: (x) => {
      const a = javaDoubleToString(x);
      const b = javaDoubleToStringExact(x);
      if (a !== b && bad.length < 20) bad.push(`${x}: ${a} vs ${b}`);
    },
  };
}

describe('javaDoubleToString shortcut agrees with the exact digit loop', () => {
  test('100k values from random bits, the 64-bit path range, flow-like ratios and short decimals', () => {
    const { int, bad, check } = exactAgreement(0xc0ffee);
    for (let i = 0; i < 30000; i++) check(fromBits(int(4294967296), int(4294967296)));
    for (let i = 0; i < 25000; i++) check(fromBits(((1011 + int(80)) << 20) | int(0x100000), int(4294967296)));
    for (let i = 0; i < 5000; i++) {
      check(int(1e7) / (1 + int(1e4)));
      check(Math.sqrt(int(1e9) / (1 + int(1e4))));
      check((int(1e6) * 1e6) / (1 + int(1e9)));
    }
    for (let i = 0; i < 30000; i++) {
      let m = String(1 + int(9));
      const d = 1 + int(17);
      for (let k = 1; k < d; k++) m += String(int(10));
      check(Number(`${m}e${int(60) - 30}`));
    }
    expect(bad).toEqual([]);
  });
});

describe('javaDoubleToString: plain-range fast path (non-integers with 1 < |x| < 1e7)', () => {
  // String(x) there without the bit analysis: it must agree with the exact loop on the whole range, including
  // its ends, the neighbours of every power of ten and of two inside it, and random bit patterns.
  test('agrees with the exact loop across the range and at its edges', () => {
    const { int, bad, check: one } = exactAgreement(0x1e7);
    const check = (x: number) => {
      one(x);
      one(-x);
    };
    for (let k = 1; k <= 2000; k++) {
      check(stepUlps(1, k));
      check(stepUlps(1e7, -k));
    }
    for (let e = 0; e <= 7; e++) for (let k = -50; k <= 50; k++) if (k !== 0) check(stepUlps(10 ** e, k));
    for (let e = 1; e <= 23; e++) for (let k = -50; k <= 50; k++) if (k !== 0) check(stepUlps(2 ** e, k));
    // Exponent field 0x3ff (1.x) up to 0x416 (2^23 .. 2^24, cut at 1e7): every binary exponent of the range.
    for (let i = 0; i < 40000; i++) {
      const x = fromBits(((0x3ff + int(24)) << 20) | int(0x100000), int(4294967296));
      if (x < 1e7) check(x);
    }
    for (let i = 0; i < 20000; i++) check((1 + int(1e9)) / (1 + int(1e4)));
    expect(bad).toEqual([]);
  });
});

describe('javaDoubleToString: integer fast path', () => {
  // Integers in [1, 10^7) print as their decimal digits plus '.0' in Java's plain layout (Double.toString
  // Javadoc: plain notation for 10^-3 <= |x| < 10^7, at least one digit after the point). The fast path must
  // agree with the exact digit loop everywhere in and around that range, cached small values included.
  test.each([
    [1, '1.0'],
    [65535, '65535.0'],
    [65536, '65536.0'],
    [-42, '-42.0'],
    [9999999, '9999999.0'],
    [-9999999, '-9999999.0'],
    [10000000, '1.0E7'],
    [-10000000, '-1.0E7'],
    [0.5, '0.5'],
  ])('%p -> %s', (x, expected) => {
    expect(javaDoubleToString(x)).toBe(expected);
    expect(javaDoubleToString(x)).toBe(expected); // second call reads the cache
  });

  test('agrees with the exact loop on integers across [-2e7, 2e7] and their neighbours', () => {
    const rand = prng(0x5eed);
    for (let i = 0; i < 20000; i++) {
      const n = Math.floor(rand() * 4e7) - 2e7;
      for (const x of [n, n + 0.5, i, -i]) expect(javaDoubleToString(x)).toBe(javaDoubleToStringExact(x));
    }
  });
});
