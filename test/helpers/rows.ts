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
