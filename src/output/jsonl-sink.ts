// JSON Lines encoding of flow rows: one JSON object per flow, keys = the header's column names in column order,
// values typed from the CSV text the column table printed (column-types.ts): integers and doubles as JSON numbers
// (Java's `1.0E7` is JSON number syntax and is written as printed, so no digit changes), strings as strings.
// JSON has no NaN or infinity: those doubles (the cicflowmeter profile's rates of zero-duration flows) are null, and
// so are the empty cells of nullable integer columns (--first-packets past a flow's last packet).
// Pure: no I/O.
import type { FlowRow } from '../flow/flow-engine.js';
import { splitRecord, type ColumnKind } from './column-types.js';
import type { RowEncoder } from './row-encoder.js';

export class JsonlEncoder implements RowEncoder {
  /** `{"name":` / `,"name":` per column, built once. */
  private readonly keys: string[];
  private readonly kinds: readonly ColumnKind[];

  constructor(header: readonly string[], kinds: readonly ColumnKind[]) {
    this.kinds = kinds;
    if (header.length !== kinds.length) throw new Error('JSON Lines: header and column kinds differ in length');
    this.keys = header.map((name, i) => (i === 0 ? '{' : ',') + JSON.stringify(name) + ':');
  }

  start(): string {
    return '';
  }

  rows(rows: readonly FlowRow[]): string {
    const out = new Array<string>(rows.length);
    for (let r = 0; r < rows.length; r++) out[r] = this.encode(rows[r]!.line);
    return rows.length > 0 ? out.join('\n') + '\n' : '';
  }

  end(): string {
    return '';
  }

  /** One CSV record as a JSON object (no line end). */
  encode(line: string): string {
    const fields = splitRecord(line);
    const kinds = this.kinds;
    if (fields.length !== kinds.length) throw new Error(`JSON Lines: a row has ${fields.length} fields, expected ${kinds.length}`);
    const parts = new Array<string>(fields.length);
    for (let i = 0; i < fields.length; i++) {
      const v = fields[i]!;
      const kind = kinds[i]!;
      let json: string;
      if (kind === 'string') json = JSON.stringify(v);
      else if (kind === 'int64') json = v;
      else if (kind === 'nullable-int64') json = v === '' ? 'null' : v;
      else json = v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? 'null' : v;
      parts[i] = this.keys[i]! + json;
    }
    return parts.join('') + '}';
  }
}
