// ParquetEncoder writes a row group each time `groupRows` rows have arrived (memory bounded by one group), and the
// file DuckDB reads back holds every row in order with its types.
import { describe, expect, it } from '@jest/globals';
import { inMemoryDuckDb } from '../../helpers/duckdb.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TYPED_HEADER, TYPED_KINDS, typedRows } from '../../helpers/rows.js';
import { ParquetEncoder } from '../../../src/output/parquet-sink.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-parquet-'));
const duck = inMemoryDuckDb();

const header = TYPED_HEADER;
const kinds = TYPED_KINDS;
const rowsOf = typedRows;

describe('ParquetEncoder', () => {
  it('flushes a row group every groupRows rows; DuckDB reads every row and type back', async () => {
    const enc = new ParquetEncoder(header, [...kinds], 3);
    const rows = rowsOf(10);
    const parts: Uint8Array[] = [enc.start()];
    const sizes: number[] = [];
    for (const r of rows) {
      const b = enc.rows([r]);
      sizes.push(b.length);
      parts.push(b);
    }
    parts.push(enc.end());
    // Bytes leave the encoder when a group is full (after rows 3, 6, 9), not at the end only.
    expect(sizes.map((s) => s > 0)).toEqual([false, false, true, false, false, true, false, false, true, false]);
    const file = path.join(tmp, 'groups.parquet');
    writeFileSync(file, Buffer.concat(parts));
    const meta = await duck.con.runAndReadAll(`SELECT count(DISTINCT row_group_id) AS g FROM parquet_metadata('${file}')`);
    expect(Number(meta.getRowsJS()[0]![0] as bigint)).toBe(4);
    const r = await duck.con.runAndReadAll(`SELECT name, count::VARCHAR, rate, epoch_us("Start Time") FROM read_parquet('${file}')`);
    const got = r.getRowsJS();
    expect(r.columnTypes().map((t) => t.toString())).toEqual(['VARCHAR', 'VARCHAR', 'DOUBLE', 'BIGINT']);
    got.forEach((row, i) => {
      expect(row[0]).toBe(`h,${i}`);
      expect(row[1]).toBe(String(9007199254740993n + BigInt(i))); // exact beyond 2^53
      const rate = row[2] as number;
      if (i % 3 === 0) expect(Number.isNaN(rate)).toBe(true);
      else if (i % 3 === 1) expect(rate).toBe(i * 1000 + 500);
      else expect(rate).toBe(-Infinity);
      expect(row[3]).toBe(BigInt(1_700_000_000_000_000 + i));
    });
    expect(got.length).toBe(10);
  });

  it('writes nullable integer columns (--first-packets) as OPTIONAL INT64: an empty cell is NULL', async () => {
    const enc = new ParquetEncoder(['size', 'iat'], ['nullable-int64', 'nullable-int64'], 2);
    const lines = ['-1500,0', '0,', ',', '7,123456789012'];
    const rows = lines.map((line, i) => ({ endIndex: i, firstIndex: i, line, packets: 1, startTsUs: i }));
    const file = path.join(tmp, 'nullable.parquet');
    writeFileSync(file, Buffer.concat([enc.start(), enc.rows(rows), enc.end()]));
    const r = await duck.con.runAndReadAll(`SELECT size, iat FROM read_parquet('${file}')`);
    expect(r.columnTypes().map((t) => t.toString())).toEqual(['BIGINT', 'BIGINT']);
    expect(r.getRowsJS()).toEqual([[-1500n, 0n], [0n, null], [null, null], [7n, 123456789012n]]);
  });

  it('makes row groups of many nullable integer columns shorter, so that a group stays bounded in memory', async () => {
    // 1 string + 765 nullable columns (--first-packets 255): 2,053 rows a group instead of 65,536.
    const names = ['id', ...Array.from({ length: 765 }, (_v, i) => `c${i}`)];
    const enc = new ParquetEncoder(names, ['string', ...new Array<'nullable-int64'>(765).fill('nullable-int64')]);
    const cells = (r: number): string => Array.from({ length: 765 }, (_v, i) => ((i + r) % 3 === 0 ? '' : String(i - r))).join(',');
    const parts: Uint8Array[] = [enc.start()];
    let firstFlush = -1;
    for (let r = 0; r < 5000; r++) {
      const b = enc.rows([{ endIndex: r, firstIndex: r, line: `r${r},${cells(r)}`, packets: 1, startTsUs: r }]);
      if (b.length > 0 && firstFlush < 0) firstFlush = r + 1;
      parts.push(b);
    }
    parts.push(enc.end());
    expect(firstFlush).toBe(Math.floor((96 * 65536) / (766 + 1 + 3 * 765)));
    const file = path.join(tmp, 'wide.parquet');
    writeFileSync(file, Buffer.concat(parts));
    const meta = await duck.con.runAndReadAll(`SELECT count(DISTINCT row_group_id) AS g FROM parquet_metadata('${file}')`);
    expect(Number(meta.getRowsJS()[0]![0] as bigint)).toBe(3);
    const r = await duck.con.runAndReadAll(`SELECT id, c0, c1, c764 FROM read_parquet('${file}') WHERE id IN ('r0', 'r4999')`);
    const at = (row: number, i: number): bigint | null => ((i + row) % 3 === 0 ? null : BigInt(i - row));
    expect(r.getRowsJS()).toEqual([['r0', at(0, 0), at(0, 1), at(0, 764)], ['r4999', at(4999, 0), at(4999, 1), at(4999, 764)]]);
  });
});
