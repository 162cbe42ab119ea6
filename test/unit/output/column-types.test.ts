// splitRecord reads back exactly the fields csvRecord wrote (csv-parse, node-csv's own parser, agrees too), and the
// column kinds follow the column tables: text columns are strings, and every long-printed column of the spec is
// INT64 in both profiles.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { csvRecord } from '../../../src/csv/csv-line.js';
import { CICFLOWMETER_COLUMNS, DEFAULT_COLUMNS } from '../../../src/csv/columns.js';
import { columnKinds, splitRecord } from '../../../src/output/column-types.js';
import { recordFields } from '../../helpers/rows.js';

describe('splitRecord', () => {
  it('inverts csvRecord on arbitrary fields (quotes, commas, line breaks, empty fields)', () => {
    const field = fc.string({ unit: fc.constantFrom('a', '1', ',', '"', '\n', '\r', ' ', '.', 'é') });
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 8 }), (fields) => {
        if (fields.length === 1 && fields[0] === '') return; // an empty record is no field at all in CSV
        const line = csvRecord(fields);
        expect(splitRecord(line)).toEqual(fields);
        expect(splitRecord(line)).toEqual(recordFields(line));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads quoted and unquoted fields side by side', () => {
    expect(splitRecord('a,"b,c","d""e",,"",f')).toEqual(['a', 'b,c', 'd"e', '', '', 'f']);
    expect(splitRecord('x,')).toEqual(['x', '']);
  });
});

describe('columnKinds', () => {
  it('has one kind per column, strings exactly for the text columns', () => {
    for (const [profile, cols] of [['default', DEFAULT_COLUMNS], ['cicflowmeter', CICFLOWMETER_COLUMNS]] as const) {
      const kinds = columnKinds(profile);
      expect(kinds.length).toBe(cols.length);
      cols.forEach((c, i) => expect(kinds[i] === 'string').toBe(c.text));
    }
  });

  it('types the counts as INT64 and the statistics as DOUBLE (spec §6)', () => {
    const kindOf = (profile: 'default' | 'cicflowmeter', name: string): string => {
      const cols = profile === 'default' ? DEFAULT_COLUMNS : CICFLOWMETER_COLUMNS;
      const i = cols.findIndex((c) => c.name === name);
      if (i < 0) throw new Error(`no column ${name}`);
      return columnKinds(profile)[i]!;
    };
    for (const p of ['default', 'cicflowmeter'] as const) {
      for (const n of ['Src Port', 'Protocol', 'Flow Duration', 'Total Fwd Packet', 'SYN Flag Count', 'FWD Init Win Bytes']) expect(kindOf(p, n)).toBe('int64');
      for (const n of ['Flow Bytes/s', 'Fwd Packet Length Mean', 'Idle Max', 'Total Length of Fwd Packet', 'Down/Up Ratio']) expect(kindOf(p, n)).toBe('double');
      for (const n of ['Flow ID', 'Src IP', 'Timestamp', 'Label', 'community_id']) expect(kindOf(p, n)).toBe('string');
    }
    // The reference's long divisions (spec §6 rows 62–71 ⚠) are doubles in the corrected profile.
    expect(kindOf('cicflowmeter', 'Subflow Fwd Bytes')).toBe('int64');
    expect(kindOf('default', 'Subflow Fwd Bytes')).toBe('double');
    expect(kindOf('cicflowmeter', 'Fwd Bulk Rate Avg')).toBe('int64');
    expect(kindOf('default', 'Fwd Bulk Rate Avg')).toBe('double');
  });

  it('appends 3N nullable integers for --first-packets N, after the profile\'s kinds', () => {
    for (const p of ['default', 'cicflowmeter'] as const) {
      const plain = columnKinds(p);
      expect(columnKinds(p, 0)).toEqual(plain);
      expect(columnKinds(p, 2)).toEqual([...plain, ...new Array<string>(6).fill('nullable-int64')]);
    }
  });
});
