// JsonlEncoder writes one JSON object per row: keys the header's names in order, numbers exact as printed
// (beyond 2^53 too), NaN and infinities as null, strings as JSON strings.
import { describe, expect, it } from '@jest/globals';
import { TYPED_HEADER, TYPED_KINDS, typedRows } from '../../helpers/rows.js';
import { JsonlEncoder } from '../../../src/output/jsonl-sink.js';

const header = TYPED_HEADER;
const kinds = TYPED_KINDS;
const rowsOf = typedRows;

describe('JsonlEncoder', () => {
  it('writes one JSON object per row, numbers exact as printed, NaN and infinities as null', () => {
    const text = new JsonlEncoder(header, [...kinds]).rows(rowsOf(3));
    const lines = text.split('\n');
    expect(lines.length).toBe(4);
    expect(lines[3]).toBe('');
    expect(lines[0]).toBe('{"name":"h,0","count":9007199254740993,"rate":null}');
    expect(JSON.parse(lines[1]!)).toEqual({ name: 'h,1', count: 9007199254740994, rate: 1500 });
    expect(JSON.parse(lines[2]!).rate).toBeNull();
  });

  it('writes an empty cell of a nullable integer column (--first-packets) as null, others as printed', () => {
    const enc = new JsonlEncoder(['a', 'b', 'c'], ['nullable-int64', 'nullable-int64', 'nullable-int64']);
    const text = enc.rows([{ endIndex: 0, firstIndex: 0, line: '-1500,,0', packets: 1, startTsUs: 0 }, { endIndex: 1, firstIndex: 1, line: ',,', packets: 1, startTsUs: 0 }]);
    expect(text).toBe('{"a":-1500,"b":null,"c":0}\n{"a":null,"b":null,"c":null}\n');
  });
});
