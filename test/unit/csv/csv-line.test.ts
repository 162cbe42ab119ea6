// csvRecord must write exactly what csv-stringify writes for the same fields, whether it takes its direct join or
// hands the row to csv-stringify; and what it writes must read back as the same fields.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { csvRecord, needsQuoting } from '../../../src/csv/csv-line.js';
import { recordFields } from '../../helpers/rows.js';

/** Strings built mostly from the characters that matter to CSV quoting. */
const field = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', '1', '.', '-', ' ', ',', '"', '\n', '\r', ':', 'é'), maxLength: 8 }),
  fc.double().map(String),
  fc.string({ maxLength: 12 }),
);

describe('csvRecord', () => {
  test('equals csv-stringify (default options) without its record delimiter, for arbitrary fields', () => {
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 12 }), (fields) => {
        expect(csvRecord(fields) + '\n').toBe(stringify([fields]));
      }),
      { numRuns: 5000 },
    );
  });

  test('reads back (csv-parse) as the same fields', () => {
    fc.assert(
      fc.property(fc.array(field, { minLength: 2, maxLength: 12 }), (fields) => {
        expect(recordFields(csvRecord(fields))).toEqual(fields);
      }),
      { numRuns: 2000 },
    );
  });

  test('quotes a field holding a delimiter, a quote or a line break, and only such a field', () => {
    expect(csvRecord(['1.0', 'a,b', 'x'])).toBe('1.0,"a,b",x');
    expect(csvRecord(['say "hi"', '2'])).toBe('"say ""hi""",2');
    expect(csvRecord(['line\nbreak', 'cr\r'])).toBe('"line\nbreak","cr\r"');
    expect(csvRecord(['10.0.0.1-10.0.0.2-80-1024-6', '2001:db8::1', '22/11/2026 08:43:51 AM', '1:abc+/='])).toBe(
      '10.0.0.1-10.0.0.2-80-1024-6,2001:db8::1,22/11/2026 08:43:51 AM,1:abc+/=',
    );
    expect(needsQuoting('1.5E-4')).toBe(false);
    expect(needsQuoting('a,b')).toBe(true);
  });
});
