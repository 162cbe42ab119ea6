import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { RunningStats, STAT_SLOTS, statMax, statMean, statMin, statN, statPush, statReset, statStddev, statSum, statVariance } from '../../../src/flow/running-stats.js';

/** Naive two-pass statistics (mean first, then squared deviations), sample variance n - 1. */
function twoPass(xs: number[]): { n: number; mean: number; variance: number; min: number; max: number; sum: number } {
  const n = xs.length;
  const sum = xs.reduce((a, b) => a + b, 0);
  const mean = sum / n;
  const ss = xs.reduce((a, x) => a + (x - mean) * (x - mean), 0);
  return { n, mean, variance: n > 1 ? ss / (n - 1) : 0, min: Math.min(...xs), max: Math.max(...xs), sum };
}

function of(xs: number[]): RunningStats {
  const s = new RunningStats();
  for (const x of xs) s.push(x);
  return s;
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

describe('RunningStats', () => {
  test('empty and single-value conventions (Commons Math: NaN for none, 0 spread for one)', () => {
    const s = new RunningStats();
    expect(s.n).toBe(0);
    expect(s.mean).toBeNaN();
    expect(s.stddev).toBeNaN();
    expect(s.variance).toBeNaN();
    expect(s.max).toBeNaN();
    expect(s.sum).toBe(0);
    s.push(7);
    expect([s.mean, s.variance, s.stddev, s.min, s.max, s.sum]).toEqual([7, 0, 0, 7, 7, 7]);
  });

  test('hand-computed sample: 0, 0, 0, 100, 0', () => {
    // mean = 100 / 5 = 20; squared deviations 400·4 + 6400 = 8000; sample variance 8000 / 4 = 2000;
    // std = sqrt(2000) = 44.721359549995796 (the cic-tiny reference's Fwd Packet Length Std).
    const s = of([0, 0, 0, 100, 0]);
    expect(s.mean).toBe(20);
    expect(s.variance).toBe(2000);
    expect(s.stddev).toBe(44.721359549995796);
    expect(s.min).toBe(0);
    expect(s.max).toBe(100);
  });

  test('the Welford steps give the digits CICFlowMeter prints (mean 39.99999999999999, not 40)', () => {
    // cic-tiny reference, flow 10.0.0.4:50000: payloads with p₁ counted twice (0 twice, then the rest);
    // Commons Math prints Packet Length Mean 39.99999999999999 while sum/n is exactly 40: the running-mean
    // update m1 += (x - m1) / n rounds differently, and RunningStats must reproduce it.
    const xs = [0, 0, 0, 0, 48, 64, 48, 64, 48, 64, 48, 64, 48, 64];
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBe(40);
    expect(of(xs).mean).toBe(39.99999999999999);
  });

  test('agrees with a naive two-pass computation (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), { minLength: 1, maxLength: 200 }), (xs) => {
        const s = of(xs);
        const r = twoPass(xs);
        expect(s.n).toBe(r.n);
        expect(s.sum).toBe(r.sum);
        expect(s.min).toBe(r.min);
        expect(s.max).toBe(r.max);
        // Welford's running mean carries rounding of the size of the inputs, not of the mean: for
        // [-999999974, -4, 999999976] the mean is -2/3 but each update rounds at ~1e9 * 2^-53. Bound the
        // difference by n ulps of the largest input (and of its square for the variance).
        const big = Math.max(1, ...xs.map(Math.abs));
        const tol = xs.length * 2 ** -50;
        expect(Math.abs(s.mean - r.mean)).toBeLessThanOrEqual(tol * big);
        expect(Math.abs(s.variance - r.variance)).toBeLessThanOrEqual(tol * big * big);
        expect(Math.abs(s.stddev - Math.sqrt(r.variance))).toBeLessThanOrEqual(Math.sqrt(tol) * big);
      }),
      { examples: [[[-999999974, -4, 999999976]]] },
    );
  });

  test('merge equals pushing both sequences in one pass (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -100000, max: 100000 }), { maxLength: 100 }),
        fc.array(fc.integer({ min: -100000, max: 100000 }), { maxLength: 100 }),
        (xs, ys) => {
          const a = of(xs);
          a.merge(of(ys));
          const all = of([...xs, ...ys]);
          expect(a.n).toBe(all.n);
          expect(a.sum).toBe(all.sum);
          if (all.n === 0) return;
          expect(a.min).toBe(all.min);
          expect(a.max).toBe(all.max);
          expect(close(a.mean, all.mean)).toBe(true);
          expect(close(a.variance, all.variance)).toBe(true);
        },
      ),
    );
  });

  test('reset and copyFrom', () => {
    const a = of([1, 2, 3]);
    const b = new RunningStats();
    b.copyFrom(a);
    expect([b.n, b.mean, b.variance]).toEqual([3, 2, 1]);
    a.reset();
    expect(a.n).toBe(0);
    expect(a.mean).toBeNaN();
  });

  test('the Float64Array form (statPush & co.) is bit-identical to the class (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e12, max: 1e12, noNaN: true }), { maxLength: 100 }), (xs) => {
        const a = new Float64Array(2 * STAT_SLOTS);
        statReset(a, STAT_SLOTS);
        const s = new RunningStats();
        for (const x of xs) {
          statPush(a, STAT_SLOTS, x);
          s.push(x);
        }
        const o = STAT_SLOTS;
        expect([statN(a, o), statSum(a, o), statMin(a, o), statMax(a, o), statMean(a, o), statVariance(a, o), statStddev(a, o)]).toEqual([
          s.n, s.sum, s.min, s.max, s.mean, s.variance, s.stddev,
        ]);
      }),
    );
  });
});
