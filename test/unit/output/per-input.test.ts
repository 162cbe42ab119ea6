// Where --out-dir puts each input's output, and the refusal of two inputs that would share one. Expected names
// are written out by hand.
import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { outputNameFor, perInputTargets } from '../../../src/output/per-input.js';

describe('outputNameFor', () => {
  it('adds the format\'s extension to the capture\'s name, dropping the input\'s .gz', () => {
    expect(outputNameFor('mon.pcap', '.csv')).toBe('mon.pcap.csv');
    expect(outputNameFor(path.join('day1', 'mon.pcapng'), '.jsonl.gz')).toBe(path.join('day1', 'mon.pcapng.jsonl.gz'));
    expect(outputNameFor('x.pcap.gz', '.parquet')).toBe('x.pcap.parquet');
    expect(outputNameFor('X.PCAP.GZ', '.csv')).toBe('X.PCAP.csv');
    expect(outputNameFor('trace', '.csv')).toBe('trace.csv');
    expect(outputNameFor('.gz', '.csv')).toBe('.gz.csv'); // a name that is only the suffix keeps it
  });
});

describe('perInputTargets', () => {
  it('places each input under the directory by its relative path', () => {
    expect(perInputTargets(['caps/a/x.pcap', 'y.pcapng'], [path.join('a', 'x.pcap'), 'y.pcapng'], 'out', '.csv')).toEqual([
      { input: 'caps/a/x.pcap', output: path.join('out', 'a', 'x.pcap.csv') },
      { input: 'y.pcapng', output: path.join('out', 'y.pcapng.csv') },
    ]);
  });

  it('refuses two inputs that would write one output, naming both', () => {
    expect(() => perInputTargets(['d1/x.pcap', 'd2/x.pcap'], ['x.pcap', 'x.pcap'], 'out', '.csv')).toThrow(/the inputs d1\/x\.pcap and d2\/x\.pcap would both be written to out\/x\.pcap\.csv/);
    expect(() => perInputTargets(['x.pcap', 'x.pcap.gz'], ['x.pcap', 'x.pcap.gz'], 'out', '.csv')).toThrow(/would both be written/);
    expect(() => perInputTargets(['x.pcap', 'x.pcapng'], ['x.pcap', 'x.pcapng'], 'out', '.csv')).not.toThrow();
  });
});
