// Reads a FlowRow's CSV record back into fields with csv-parse (node-csv's parser, independent of the writer).
import { parse } from 'csv-parse/sync';
import type { FlowRow } from '../../src/flow/flow-engine.js';

/** The fields of one CSV record. */
export function recordFields(line: string): string[] {
  const records = parse(line, { relax_column_count: true }) as string[][];
  if (records.length !== 1) throw new Error(`expected one CSV record, got ${records.length}: ${JSON.stringify(line.slice(0, 80))}`);
  return records[0]!;
}

/** The fields of a row. */
export function rowFields(row: FlowRow): string[] {
  return recordFields(row.line);
}

/** A three-column table (text with a comma, an integer beyond 2^53, a double) for the typed encoders' tests. */
export const TYPED_HEADER = ['name', 'count', 'rate'];
export const TYPED_KINDS = ['string', 'int64', 'double'] as const;

/** `n` rows of TYPED_HEADER: rates cycle NaN, a finite value, -Infinity; start times 1,700,000,000 s + i us. */
export function typedRows(n: number): FlowRow[] {
  const out: FlowRow[] = [];
  for (let i = 0; i < n; i++) {
    const rate = i % 3 === 0 ? 'NaN' : i % 3 === 1 ? `${i}.5E3` : '-Infinity';
    out.push({ endIndex: i, firstIndex: i, line: `"h,${i}",${9007199254740993n + BigInt(i)},${rate}`, packets: 1, startTsUs: 1_700_000_000_000_000 + i });
  }
  return out;
}
