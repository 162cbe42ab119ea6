// chooseFormat's gzip choice: a .gz output name, or --gzip / --no-gzip where the name says nothing, and the
// refusals when they disagree or ask gzip of Parquet.
import { describe, expect, it } from '@jest/globals';
import { chooseFormat, extensionOf } from '../../../src/output/format.js';

describe('chooseFormat and gzip', () => {
  it('takes gzip from the name, or from --gzip for stdout', () => {
    expect(chooseFormat(undefined, 'x.csv.gz')).toEqual({ format: 'csv', gzip: true });
    expect(chooseFormat(undefined, 'x.csv.gz', true)).toEqual({ format: 'csv', gzip: true });
    expect(chooseFormat('jsonl', '-', true)).toEqual({ format: 'jsonl', gzip: true });
    expect(chooseFormat(undefined, '-', true)).toEqual({ format: 'csv', gzip: true });
    expect(chooseFormat(undefined, '-', false)).toEqual({ format: 'csv', gzip: false });
    expect(chooseFormat(undefined, 'flows.out', true)).toEqual({ format: 'csv', gzip: true }); // a name that tells nothing
  });

  it('refuses --gzip against a telling name, --no-gzip against a .gz name, and gzip for Parquet', () => {
    expect(() => chooseFormat(undefined, 'x.csv', true)).toThrow(/--gzip: the output x\.csv is not named \.gz; name it x\.csv\.gz/);
    expect(() => chooseFormat(undefined, 'x.jsonl.gz', false)).toThrow(/--no-gzip: the output x\.jsonl\.gz is named \.gz/);
    expect(() => chooseFormat('parquet', '-', true)).toThrow(/Parquet is compressed inside/);
    expect(() => chooseFormat(undefined, 'x.parquet.gz')).toThrow(/name the output \.parquet, not \.parquet\.gz/);
  });

  it('names the extension of each choice', () => {
    expect(extensionOf({ format: 'csv', gzip: false })).toBe('.csv');
    expect(extensionOf({ format: 'jsonl', gzip: true })).toBe('.jsonl.gz');
    expect(extensionOf({ format: 'parquet', gzip: false })).toBe('.parquet');
  });
});
