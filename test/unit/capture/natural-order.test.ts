// Natural order of file names (directory walks): digit runs compare as numbers, the rest by code unit, and the
// order is total. Checked against a second, independent formulation: every digit run zero-padded to a fixed
// width, then a plain string comparison (valid for the ASCII names generated here).
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { naturalCompare, naturalPathCompare } from '../../../src/capture/natural-order.js';

/** Digit runs padded to 24 digits (leading zeros stripped first), then code-unit order; ties by the raw names. */
function padded(a: string, b: string): number {
  const key = (s: string): string => s.replace(/\d+/g, (d) => d.replace(/^0+(?=\d)/, '').padStart(24, '0'));
  const ka = key(a);
  const kb = key(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

describe('naturalCompare', () => {
  test('rotated captures come in the order they were written', () => {
    const names = ['cap10', 'cap', 'cap2', 'cap1', 'cap11', 'cap9'];
    expect([...names].sort(naturalCompare)).toEqual(['cap', 'cap1', 'cap2', 'cap9', 'cap10', 'cap11']);
    const dated = ['trace_00010_20240101.pcap', 'trace_00002_20240101.pcap', 'trace_00001_20240101.pcap'];
    expect([...dated].sort(naturalCompare)).toEqual(['trace_00001_20240101.pcap', 'trace_00002_20240101.pcap', 'trace_00010_20240101.pcap']);
    expect(naturalCompare('cap2.pcap', 'cap10.pcap')).toBeLessThan(0);
  });

  test('numbers longer than any integer type compare by value', () => {
    expect(naturalCompare('x99999999999999999999999', 'x100000000000000000000000')).toBeLessThan(0);
    expect(naturalCompare('x0010', 'x9')).toBeGreaterThan(0);
  });

  test('equal numbers with different zeros are still ordered, and the order is total', () => {
    expect(naturalCompare('a01', 'a1')).not.toBe(0);
    expect(Math.sign(naturalCompare('a01', 'a1'))).toBe(-Math.sign(naturalCompare('a1', 'a01')));
    expect(naturalCompare('same', 'same')).toBe(0);
  });

  test('agrees with the zero-padding formulation on generated names', () => {
    const name = fc.array(fc.oneof(fc.constantFrom('cap', 'a', 'b', '_', '.', '-', 'pcap'), fc.stringMatching(/^\d{1,6}$/)), { maxLength: 6 }).map((p) => p.join(''));
    fc.assert(
      fc.property(name, name, (a, b) => {
        expect(Math.sign(naturalCompare(a, b))).toBe(Math.sign(padded(a, b)));
      }),
      { numRuns: 2000 },
    );
  });

  test('sorting with it is consistent (antisymmetric and transitive) on generated lists', () => {
    const name = fc.stringMatching(/^[a-c0-9]{0,5}$/);
    fc.assert(
      fc.property(fc.array(name, { maxLength: 30 }), (names) => {
        const sorted = [...names].sort(naturalCompare);
        for (let i = 1; i < sorted.length; i++) expect(naturalCompare(sorted[i - 1]!, sorted[i]!)).toBeLessThanOrEqual(0);
        expect([...names].reverse().sort(naturalCompare)).toEqual(sorted);
      }),
    );
  });
});

describe('naturalPathCompare', () => {
  test('component by component: a directory\'s files stay together, each level in natural order', () => {
    const paths = ['day10/cap1', 'day2/cap10', 'day2/cap9', 'day2.pcap', 'day1/x'];
    expect([...paths].sort((a, b) => naturalPathCompare(a, b))).toEqual(['day1/x', 'day2/cap9', 'day2/cap10', 'day2.pcap', 'day10/cap1']);
  });
});
