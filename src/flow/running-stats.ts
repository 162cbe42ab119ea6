// Running (one-pass) summary statistics for the flow engine: count, mean, M2, min, max and sum, updated in O(1)
// per value with the exact floating-point steps of Apache Commons Math's SummaryStatistics (the statistics the
// CICFlowMeter references print), so the digits match. No lists, no allocation after construction, no I/O.

/**
 * Welford running statistics. `push` reproduces Commons Math 3 `SummaryStatistics.addValue` bit for bit
 * (FirstMoment/SecondMoment: dev = x - m1; nDev = dev / n; m1 += nDev; m2 += (n - 1) * dev * nDev), so
 * `mean`, `variance` and `stddev` equal what CICFlowMeter prints. Getters follow Commons Math for small n:
 * n = 0 gives NaN for mean/min/max/variance/stddev; n = 1 gives variance and stddev 0.
 */
export class RunningStats {
  /** Number of values pushed. */
  n = 0;
  /** Running mean (Commons Math's m1); NaN until the first value. */
  mean = Number.NaN;
  /** Sum of squared deviations from the mean (Welford's M2). */
  m2 = Number.NaN;
  /** Smallest and largest value pushed (NaN when n = 0). */
  min = Number.NaN;
  max = Number.NaN;
  /** Plain running sum of the values (Commons Math's Sum; 0 when n = 0). */
  sum = 0;

  /** Add one value. */
  push(x: number): void {
    this.sum += x;
    // Commons Math Min/Max: replace when better or when still NaN (first value).
    if (!(x >= this.min)) this.min = x;
    if (!(x <= this.max)) this.max = x;
    const n = this.n + 1;
    this.n = n;
    if (n === 1) {
      this.mean = 0;
      this.m2 = 0;
    }
    const dev = x - this.mean;
    const nDev = dev / n;
    this.mean += nDev;
    this.m2 += (n - 1) * dev * nDev;
  }

  /**
   * Fold `other` into this (Chan et al.'s parallel update). The result equals pushing both value sequences in
   * one pass up to floating-point rounding (it is not bit-identical to the sequential order).
   */
  merge(other: RunningStats): void {
    if (other.n === 0) return;
    if (this.n === 0) {
      this.copyFrom(other);
      return;
    }
    const na = this.n;
    const nb = other.n;
    const n = na + nb;
    const delta = other.mean - this.mean;
    this.mean = this.mean + (delta * nb) / n;
    this.m2 = this.m2 + other.m2 + (delta * delta * na * nb) / n;
    this.n = n;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /** Make this an exact copy of `other`. */
  copyFrom(other: RunningStats): void {
    this.n = other.n;
    this.mean = other.mean;
    this.m2 = other.m2;
    this.min = other.min;
    this.max = other.max;
    this.sum = other.sum;
  }

  /** Back to the empty state. */
  reset(): void {
    this.n = 0;
    this.mean = Number.NaN;
    this.m2 = Number.NaN;
    this.min = Number.NaN;
    this.max = Number.NaN;
    this.sum = 0;
  }

  /** Sample variance (denominator n - 1); 0 for one value, NaN for none. */
  get variance(): number {
    if (this.n === 0) return Number.NaN;
    if (this.n === 1) return 0;
    return this.m2 / (this.n - 1);
  }

  /** Sample standard deviation: sqrt(variance); 0 for one value, NaN for none. */
  get stddev(): number {
    if (this.n === 0) return Number.NaN;
    if (this.n === 1) return 0;
    return Math.sqrt(this.m2 / (this.n - 1));
  }
}

// ---- The same statistics stored in 6 slots of a Float64Array (used by FlowState to keep all of a flow's numbers
// in one contiguous block). Slot layout at offset o: n, mean, m2, min, max, sum. Arithmetic identical to the class.

/** Slots one statistic occupies in a Float64Array. */
export const STAT_SLOTS = 6;
const N = 0;
const MEAN = 1;
const M2 = 2;
const MIN = 3;
const MAX = 4;
const SUM = 5;

/** Initialise the statistic at offset `o` to the empty state (n = 0, mean/min/max NaN, sum 0). */
export function statReset(a: Float64Array, o: number): void {
  a[o + N] = 0;
  a[o + MEAN] = Number.NaN;
  a[o + M2] = Number.NaN;
  a[o + MIN] = Number.NaN;
  a[o + MAX] = Number.NaN;
  a[o + SUM] = 0;
}

/** RunningStats.push for the statistic at offset `o` (bit-identical arithmetic). */
export function statPush(a: Float64Array, o: number, x: number): void {
  a[o + SUM] = a[o + SUM]! + x;
  if (!(x >= a[o + MIN]!)) a[o + MIN] = x;
  if (!(x <= a[o + MAX]!)) a[o + MAX] = x;
  const n = a[o + N]! + 1;
  a[o + N] = n;
  let mean = a[o + MEAN]!;
  let m2 = a[o + M2]!;
  if (n === 1) {
    mean = 0;
    m2 = 0;
  }
  const dev = x - mean;
  const nDev = dev / n;
  a[o + MEAN] = mean + nDev;
  a[o + M2] = m2 + (n - 1) * dev * nDev;
}

export function statN(a: Float64Array, o: number): number {
  return a[o + N]!;
}
export function statMean(a: Float64Array, o: number): number {
  return a[o + MEAN]!;
}
export function statMin(a: Float64Array, o: number): number {
  return a[o + MIN]!;
}
export function statMax(a: Float64Array, o: number): number {
  return a[o + MAX]!;
}
export function statSum(a: Float64Array, o: number): number {
  return a[o + SUM]!;
}
/** Sample variance (n - 1); 0 for one value, NaN for none. */
export function statVariance(a: Float64Array, o: number): number {
  const n = a[o + N]!;
  if (n === 0) return Number.NaN;
  if (n === 1) return 0;
  return a[o + M2]! / (n - 1);
}
/** Sample standard deviation; 0 for one value, NaN for none. */
export function statStddev(a: Float64Array, o: number): number {
  const n = a[o + N]!;
  if (n === 0) return Number.NaN;
  if (n === 1) return 0;
  return Math.sqrt(a[o + M2]! / (n - 1));
}
