// How a sink turns rows into bytes for formats other than the CSV (jsonl-sink.ts, parquet-sink.ts). The CSV sink
// (csv/csv-sink.ts) owns the destination, batching, backpressure and write errors; an encoder only produces the
// text or bytes to write. Pure: no I/O.
import type { FlowRow } from '../flow/flow-engine.js';

export interface RowEncoder {
  /** What the output starts with (a header line, a magic number); '' for nothing. */
  start(): string | Uint8Array;
  /** The encoding of these rows, in order; may hold rows back (a Parquet row group fills) and return ''. */
  rows(rows: readonly FlowRow[]): string | Uint8Array;
  /** Everything still held back, and the format's end (a Parquet footer). Called once, after the last rows. */
  end(): string | Uint8Array;
}
