// Parquet encoding of flow rows through hyparquet-writer: one REQUIRED column per flow column, typed from the
// CSV text the column table printed (column-types.ts): strings as UTF8 byte arrays, Java longs as INT64, every
// other number as DOUBLE (NaN and infinities kept), nullable integers (--first-packets) as OPTIONAL INT64 with an
// empty cell as null, then one more column, `Start Time`, the flow's first packet
// time as TIMESTAMP(MICROS, UTC). Rows are gathered column by column and written as a row group each time
// ROW_GROUP_ROWS have arrived, so memory stays bounded by one row group whatever the capture; snappy compression.
// Pure: returns bytes, the sink writes them.
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { FlowRow } from '../flow/flow-engine.js';
import { splitRecord, type ColumnKind } from './column-types.js';
import type { RowEncoder } from './row-encoder.js';

/** Name of the Parquet-only start time column (TIMESTAMP(MICROS), UTC). */
export const START_TIME_COLUMN = 'Start Time';

/** Rows per row group. 64 Ki rows x 95 columns hold ~60 MB of values while they fill (measured below in the bench
 *  note of the README); large enough for good compression and column statistics. */
export const ROW_GROUP_ROWS = 65536;

/**
 * Cells a row group of nullable integer columns (--first-packets) may hold while it fills: the default profile's
 * 96 columns x ROW_GROUP_ROWS, a nullable cell counting 4 (a BigInt or null in an array where other integers take
 * 8 bytes in a typed array). Measured (70 k rows, default profile + 3N early columns, groups of ROW_GROUP_ROWS
 * rows): peak RSS 151 MiB without them, 241 MiB at N = 10 and 1,213 MiB at N = 100, so a group of a wide row is
 * made shorter instead. Outputs without such columns keep ROW_GROUP_ROWS.
 */
const NULLABLE_GROUP_CELLS = 96 * ROW_GROUP_ROWS;

type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];
type ColumnValues = string[] | Float64Array | BigInt64Array | (bigint | null)[];

export class ParquetEncoder implements RowEncoder {
  private readonly bytes = new ByteWriter();
  private readonly writer: ParquetWriter;
  private readonly names: string[];
  private columns: ColumnValues[] = [];
  private n = 0;
  private readonly kinds: readonly ColumnKind[];
  private readonly groupRows: number;

  constructor(header: readonly string[], kinds: readonly ColumnKind[], groupRows: number = ROW_GROUP_ROWS) {
    this.kinds = kinds;
    const nullable = kinds.filter((k) => k === 'nullable-int64').length;
    this.groupRows = nullable === 0 ? groupRows : Math.min(groupRows, Math.max(1024, Math.floor(NULLABLE_GROUP_CELLS / (kinds.length + 1 + 3 * nullable))));
    if (header.length !== kinds.length) throw new Error('Parquet: header and column kinds differ in length');
    this.names = [...header, START_TIME_COLUMN];
    const schema: SchemaElement[] = [{ name: 'root', num_children: this.names.length }];
    header.forEach((name, i) => {
      const kind = kinds[i]!;
      if (kind === 'string') schema.push({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' });
      else if (kind === 'int64') schema.push({ name, type: 'INT64', repetition_type: 'REQUIRED' });
      else if (kind === 'nullable-int64') schema.push({ name, type: 'INT64', repetition_type: 'OPTIONAL' });
      else schema.push({ name, type: 'DOUBLE', repetition_type: 'REQUIRED' });
    });
    schema.push({
      name: START_TIME_COLUMN,
      type: 'INT64',
      repetition_type: 'REQUIRED',
      converted_type: 'TIMESTAMP_MICROS',
      logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
    });
    this.writer = new ParquetWriter({ writer: this.bytes, schema, codec: 'SNAPPY', createdBy: 'pcapflow' });
    this.reset();
  }

  start(): Uint8Array {
    return this.take(); // the PAR1 magic the writer put first
  }

  rows(rows: readonly FlowRow[]): Uint8Array {
    const kinds = this.kinds;
    for (const row of rows) {
      const fields = splitRecord(row.line);
      if (fields.length !== kinds.length) throw new Error(`Parquet: a row has ${fields.length} fields, expected ${kinds.length}`);
      const at = this.n;
      for (let i = 0; i < fields.length; i++) {
        const kind = kinds[i]!;
        const col = this.columns[i]!;
        if (kind === 'string') (col as string[])[at] = fields[i]!;
        else if (kind === 'int64') (col as BigInt64Array)[at] = BigInt(fields[i]!);
        else if (kind === 'nullable-int64') (col as (bigint | null)[])[at] = fields[i] === '' ? null : BigInt(fields[i]!);
        else (col as Float64Array)[at] = Number(fields[i]!);
      }
      (this.columns[kinds.length] as BigInt64Array)[at] = BigInt(row.startTsUs);
      this.n++;
      if (this.n === this.groupRows) this.flushGroup();
    }
    return this.take();
  }

  end(): Uint8Array {
    this.flushGroup();
    void this.writer.finish(); // ByteWriter's finish() is synchronous
    return this.take();
  }

  private reset(): void {
    const n = this.groupRows;
    this.columns = this.kinds.map((k) =>
      k === 'string' ? new Array<string>(n) : k === 'int64' ? new BigInt64Array(n) : k === 'nullable-int64' ? new Array<bigint | null>(n) : new Float64Array(n),
    );
    this.columns.push(new BigInt64Array(n));
    this.n = 0;
  }

  private flushGroup(): void {
    if (this.n === 0) return;
    const n = this.n;
    const columnData = this.names.map((name, i) => {
      const c = this.columns[i]!;
      return { name, data: n === this.groupRows ? c : c.slice(0, n) };
    });
    void this.writer.write({ columnData, rowGroupSize: n });
    this.reset();
  }

  /** The bytes encoded since the last call (copied out; the writer's buffer is reused). */
  private take(): Uint8Array {
    const b = this.bytes;
    if (b.index === 0) return new Uint8Array(0);
    const out = new Uint8Array(b.index);
    out.set(new Uint8Array(b.buffer, 0, b.index));
    b.index = 0;
    return out;
  }
}
