// The order file of a `--shard` part (`_stats/part-KKKKK.order`): for each row of the part, in the part's order,
// the two keys of the single run's row order (stream/flow-stage.ts compareRows): the global index of the packet
// that ended the flow and of its first packet, as little-endian float64 pairs (16 bytes a row; packet indexes are
// integers below 2^53). `pcapflow merge` merges the parts on these keys, so the part CSV stays a plain CSV.
import { Transform, type TransformCallback, type Writable } from 'node:stream';
import type { RowBatch } from '../stream/flow-stage.js';

/** Bytes per row in an order file. */
export const ORDER_RECORD_BYTES = 16;

/** Pairs gathered before one write. */
const PAIRS_PER_WRITE = 8192;

/**
 * A pass-through (object mode) of RowBatches that writes each row's order keys to `out`, honouring its
 * backpressure, and ends `out` at the end.
 */
export class OrderRecorder extends Transform {
  rows = 0;
  private buf = Buffer.allocUnsafe(PAIRS_PER_WRITE * ORDER_RECORD_BYTES);
  private n = 0;
  private readonly out: Writable;

  constructor(out: Writable) {
    super({ objectMode: true, highWaterMark: 2 });
    this.out = out;
  }

  override _transform(batch: RowBatch, _enc: BufferEncoding, done: TransformCallback): void {
    let wait = false;
    for (const row of batch.rows) {
      this.buf.writeDoubleLE(row.endIndex, this.n * ORDER_RECORD_BYTES);
      this.buf.writeDoubleLE(row.firstIndex, this.n * ORDER_RECORD_BYTES + 8);
      this.rows++;
      if (++this.n === PAIRS_PER_WRITE) wait = !this.flushPairs() || wait;
    }
    this.push(batch);
    if (wait && !this.out.writableNeedDrain) wait = false;
    if (!wait) return done();
    const onDrain = (): void => {
      this.out.off('error', onError);
      done();
    };
    const onError = (err: Error): void => {
      this.out.off('drain', onDrain);
      done(err);
    };
    this.out.once('drain', onDrain);
    this.out.once('error', onError);
  }

  override _flush(done: TransformCallback): void {
    this.flushPairs();
    this.out.end((err?: Error | null) => done(err ?? null));
  }

  /** Write the gathered pairs; false when `out` wants a drain first. */
  private flushPairs(): boolean {
    if (this.n === 0) return true;
    const bytes = this.buf.subarray(0, this.n * ORDER_RECORD_BYTES);
    this.buf = Buffer.allocUnsafe(PAIRS_PER_WRITE * ORDER_RECORD_BYTES); // the written one belongs to the stream now
    this.n = 0;
    return this.out.write(bytes);
  }
}
