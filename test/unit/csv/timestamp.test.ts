import { describe, expect, test } from '@jest/globals';
import { formatCicTimestamp, formatIsoTimestamp } from '../../../src/csv/timestamp.js';
import { HAVE_JAVA, JAVA_SKIP_REASON, runJavaOracle } from '../../helpers/java-oracle.js';

describe('formatCicTimestamp (dd/MM/yyyy hh:mm:ss a, UTC)', () => {
  // Spec example (cicflowmeter-features.md §5): 1700000000.2 s is 2023-11-14 22:13:20.2 UTC.
  test('spec example', () => {
    expect(formatCicTimestamp(1_700_000_000_200_000)).toBe('14/11/2023 10:13:20 PM');
  });
  // Hand-computed: 2023-11-14 is day 19675 since 1970-01-01 (19675 * 86400 = 1699920000 s).
  test.each([
    [1_699_920_000_000_000, '14/11/2023 12:00:00 AM'], // midnight is 12 AM
    [1_699_920_000_000_000 + 43_200_000_000, '14/11/2023 12:00:00 PM'], // noon is 12 PM
    [1_699_920_000_000_000 + 43_199_999_999, '14/11/2023 11:59:59 AM'],
    [1_699_920_000_000_000 + 3_600_000_000, '14/11/2023 01:00:00 AM'],
    [1_699_920_000_000_000 + 46_800_000_000, '14/11/2023 01:00:00 PM'],
    [0, '01/01/1970 12:00:00 AM'],
    [951_782_400_000_000, '29/02/2000 12:00:00 AM'], // leap day of a /400 year: 11016 days
  ])('%p µs -> %s', (tsUs, expected) => {
    expect(formatCicTimestamp(tsUs)).toBe(expected);
  });
  // CICFlowMeter converts µs to ms with Java long division (towards zero), so -500 µs is still 00:00:00, while
  // -1000 µs is -1 ms, which the date formatter places in the previous second.
  test('negative µs: truncation to ms towards zero, then floor to the second', () => {
    expect(formatCicTimestamp(-500)).toBe('01/01/1970 12:00:00 AM');
    expect(formatCicTimestamp(-1000)).toBe('31/12/1969 11:59:59 PM');
  });
});

describe('formatIsoTimestamp (Instant.toString minus T/Z)', () => {
  test.each([
    [1_700_000_000_200_000, '2023-11-14 22:13:20.200'], // spec example
    [1_700_000_000_000_100, '2023-11-14 22:13:20.000100'], // spec: not a whole ms -> 6 digits
    [1_700_000_000_000_000, '2023-11-14 22:13:20'], // spec: exact second -> no fraction
    [1_700_000_000_123_456, '2023-11-14 22:13:20.123456'],
    [1_700_000_000_010_000, '2023-11-14 22:13:20.010'],
    [-1, '1969-12-31 23:59:59.999999'], // the fraction is taken with floor, as Instant does
    [-1000, '1969-12-31 23:59:59.999'],
  ])('%p µs -> %s', (tsUs, expected) => {
    expect(formatIsoTimestamp(tsUs)).toBe(expected);
  });
});

(HAVE_JAVA ? describe : describe.skip)(`timestamps match Java 17 ${HAVE_JAVA ? '' : JAVA_SKIP_REASON}`, () => {
  test('random µs (1900..2255, negative included), noon/midnight/second edges: SimpleDateFormat and Instant', () => {
    let a = 0x7157a3b;
    const rnd = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const lo = -2_208_988_800_000_000; // 1900-01-01
    const hi = 9_000_000_000_000_000; // 2255-03-14, the end of exact µs in a double
    const values: number[] = [];
    for (let i = 0; i < 20000; i++) values.push(lo + Math.floor(rnd() * (hi - lo)));
    // Whole ms / whole s, to hit the .SSS and no-fraction forms.
    for (let i = 0; i < 5000; i++) values.push((lo + Math.floor(rnd() * (hi - lo))) - ((lo + Math.floor(rnd() * (hi - lo))) % 1000));
    for (let i = 0; i < 5000; i++) values.push(Math.floor((lo + rnd() * (hi - lo)) / 1e6) * 1e6);
    // Around midnight and noon of random days, and around 0 (negative values near the epoch).
    for (let i = 0; i < 2000; i++) {
      const day = Math.floor(rnd() * 100000) - 25000;
      for (const base of [day * 86_400_000_000, day * 86_400_000_000 + 43_200_000_000]) {
        for (const d of [-1_000_001, -1_000_000, -999_999, -1001, -1000, -999, -1, 0, 1, 999, 1000, 999_999, 1_000_000]) {
          values.push(base + d);
        }
      }
    }
    for (let d = -3000; d <= 3000; d++) values.push(d);
    const java = runJavaOracle('timestamp', values.map((v) => String(v)));
    const bad: string[] = [];
    values.forEach((v, i) => {
      const [cic, instant] = (java[i] as string).split('\t') as [string, string];
      const iso = instant.replace('T', ' ').replace(/Z$/, '');
      const ours = `${formatCicTimestamp(v)} | ${formatIsoTimestamp(v)}`;
      if (ours !== `${cic} | ${iso}` && bad.length < 20) bad.push(`${v}: java=${cic} | ${iso} ours=${ours}`);
    });
    expect(bad).toEqual([]);
  });
});
