// Where --out-dir puts each input's output, and the refusal of two inputs that would share one. Expected names
// are written out by hand.
import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { outputNameFor, perInputTargets } from '../../../src/output/per-input.js';

describe('outputNameFor', () => {
  it('replaces the capture\'s extension by the format\'s, dropping the input\'s .gz', () => {
    expect(outputNameFor('mon.pcap', '.csv')).toBe('mon.csv');
    expect(outputNameFor(path.join('day1', 'mon.pcapng'), '.jsonl.gz')).toBe(path.join('day1', 'mon.jsonl.gz'));
    expect(outputNameFor('x.pcap.gz', '.parquet')).toBe('x.parquet');
    expect(outputNameFor('X.PCAP.GZ', '.csv')).toBe('X.csv');
    expect(outputNameFor('old.cap', '.csv')).toBe('old.csv');
    expect(outputNameFor('v1.2.snoop', '.csv')).toBe('v1.2.csv');
  });

  it('adds the extension to a name without a capture extension, and to a name that is only one', () => {
    expect(outputNameFor('trace', '.csv')).toBe('trace.csv');
    expect(outputNameFor('trace.dump', '.csv')).toBe('trace.dump.csv');
    expect(outputNameFor('.gz', '.csv')).toBe('.gz.csv');
    expect(outputNameFor('.pcap', '.csv')).toBe('.pcap.csv');
    expect(outputNameFor(path.join('d', '.pcap'), '.csv')).toBe(path.join('d', '.pcap.csv'));
  });

  it('keeps the capture\'s extension when asked', () => {
    expect(outputNameFor('x.pcap', '.csv', true)).toBe('x.pcap.csv');
    expect(outputNameFor('x.pcapng.gz', '.jsonl', true)).toBe('x.pcapng.jsonl');
  });
});

describe('perInputTargets', () => {
  it('places each input under the directory by its relative path', () => {
    expect(perInputTargets(['caps/a/x.pcap', 'y.pcapng'], [path.join('a', 'x.pcap'), 'y.pcapng'], 'out', '.csv')).toEqual([
      { input: 'caps/a/x.pcap', output: path.join('out', 'a', 'x.csv') },
      { input: 'y.pcapng', output: path.join('out', 'y.csv') },
    ]);
  });

  it('twins that differ only in their capture extension keep it in their names', () => {
    expect(perInputTargets(['x.pcap', 'x.pcapng', 'y.pcap'], ['x.pcap', 'x.pcapng', 'y.pcap'], 'out', '.csv')).toEqual([
      { input: 'x.pcap', output: path.join('out', 'x.pcap.csv') },
      { input: 'x.pcapng', output: path.join('out', 'x.pcapng.csv') },
      { input: 'y.pcap', output: path.join('out', 'y.csv') },
    ]);
    // a capture without extension beside its twin: x -> x.csv, x.pcap -> x.pcap.csv
    expect(perInputTargets(['x', 'x.pcap'], ['x', 'x.pcap'], 'out', '.csv').map((t) => t.output)).toEqual([path.join('out', 'x.csv'), path.join('out', 'x.pcap.csv')]);
  });

  it('refuses two inputs that would still write one output, naming both', () => {
    expect(() => perInputTargets(['d1/x.pcap', 'd2/x.pcap'], ['x.pcap', 'x.pcap'], 'out', '.csv')).toThrow(/the inputs d1\/x\.pcap and d2\/x\.pcap would both be written to out\/x\.pcap\.csv/);
    expect(() => perInputTargets(['x.pcap', 'x.pcap.gz'], ['x.pcap', 'x.pcap.gz'], 'out', '.csv')).toThrow(/would both be written/);
    expect(() => perInputTargets(['x.pcap', 'x.pcapng'], ['x.pcap', 'x.pcapng'], 'out', '.csv')).not.toThrow();
  });
});
