// JsonlEncoder writes one JSON object per row: keys the header's names in order, numbers exact as printed
// (beyond 2^53 too), NaN and infinities as null, strings as JSON strings.
import { describe, expect, it } from '@jest/globals';
import type { FlowRow } from '../../../src/flow/flow-engine.js';
import { JsonlEncoder } from '../../../src/output/jsonl-sink.js';

const header = ['name', 'count', 'rate'];
const kinds = ['string', 'int64', 'double'] as const;
function rowsOf(n: number): FlowRow[] {
  const out: FlowRow[] = [];
  for (let i = 0; i < n; i++) {
    const rate = i % 3 === 0 ? 'NaN' : i % 3 === 1 ? `${i}.5E3` : '-Infinity';
    out.push({ endIndex: i, firstIndex: i, line: `"h,${i}",${9007199254740993n + BigInt(i)},${rate}`, packets: 1, startTsUs: i });
  }
  return out;
}

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
});
