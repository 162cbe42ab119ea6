// Third stage (one thread): PacketBatch in, RowBatch out. Runs the flow engine over every packet of a batch and
// passes on the rows of the flows that ended, in the engine's defined order. Pure computation over batches.
import { Transform, type TransformCallback } from 'node:stream';
import { FlowEngine, type FlowEngineOptions, type FlowRow } from '../flow/flow-engine.js';
import { PacketBatchReader, recycleBatch, type PacketBatch } from '../shard/packet-batch.js';
import { createPacketMeta, SKIP } from '../types.js';

/** Open flows ended per step at the end of input (FlowStage._flush; a worker's 'tail' piece with --jobs N). */
export const FINISH_STEP = 512;

/** Rows of finished flows, in output order. */
export interface RowBatch {
  rows: FlowRow[];
}

/** Order of rows in pcapflow's output: by the packet that ended the flow, ties by the flow's first packet.
 *  The engine emits rows in this order already; stages sort each batch's rows anyway so that one thread and a
 *  pool of workers give the same bytes by construction. */
export function compareRows(a: FlowRow, b: FlowRow): number {
  return a.endIndex - b.endIndex || a.firstIndex - b.firstIndex;
}

/** Feed one batch into an engine: decoded packets are added, skipped ones only advance the capture clock. */
export function feedBatch(engine: FlowEngine, batch: PacketBatch, meta = createPacketMeta()): void {
  const reader = new PacketBatchReader(batch.shards[0]!, batch.counts[0]!);
  for (let r = 0; r < reader.count; r++) {
    reader.read(r, meta);
    if (meta.skip === SKIP.NONE) engine.addPacket(reader.index(r), reader.tsUs(r), meta);
    else engine.advanceClock(reader.index(r), reader.tsUs(r));
  }
}

/**
 * What the flow stages (one engine here, or the worker pool) share: PacketBatch in, RowBatch out, at most two row
 * batches buffered (see CsvSink), the end-of-input RSS, and a way to wait until the reader wants more rows.
 */
export abstract class RowStage extends Transform {
  /** Resident set size when the whole input had been handed to the flow engine(s) (every open flow still live),
   *  bytes; set at the end of input. */
  rssAtEndOfInput = 0;
  /** process.hrtime.bigint() at the end of input (when the open flows start being written); 0n before. */
  endOfInputNs = 0n;
  /** Work waiting for the reader (push() returned false), run by the next _read. */
  private readWaiter: (() => void) | null = null;

  constructor() {
    super({ objectMode: true, highWaterMark: 2 }); // row batches; see CsvSink for the measured effect
  }

  /** Counters of the flow engine(s): flows written, packets dropped by reason, ... */
  abstract counters(): Record<string, number>;

  /** Run `next` once the reader asks for more rows. */
  protected afterRead(next: () => void): void {
    this.readWaiter = next;
  }

  /** True while work waits for the reader. */
  protected get waitingForRead(): boolean {
    return this.readWaiter !== null;
  }

  /** Record the RSS with every open flow live (call at the end of input). */
  protected noteEndOfInput(): void {
    this.rssAtEndOfInput = process.memoryUsage.rss();
    this.endOfInputNs = process.hrtime.bigint();
  }

  override _read(size: number): void {
    super._read(size);
    const w = this.readWaiter;
    if (w !== null) {
      this.readWaiter = null;
      w();
    }
  }
}

/** Transform (object mode) running one FlowEngine in this thread. */
export class FlowStage extends RowStage {
  readonly engine: FlowEngine;
  private pending: FlowRow[] = [];
  private readonly meta = createPacketMeta();

  constructor(opts: FlowEngineOptions) {
    super();
    this.engine = new FlowEngine(opts, (row) => this.pending.push(row));
  }

  override _transform(batch: PacketBatch, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      feedBatch(this.engine, batch, this.meta);
      recycleBatch(batch); // read to the end: its buffer becomes the packet stage's next batch
      this.emitPending();
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  /** The engine's counters (flows written, packets dropped by reason, ...). */
  counters(): Record<string, number> {
    return { ...this.engine.counters };
  }

  /**
   * End of input: the open flows are written FINISH_STEP at a time, and the next step waits until the reader
   * asks for more (push() returned false), so only a few batches of rows exist at once (and the ended flows'
   * memory is recycled as it goes). Measured, --jobs 1: a 500 k-packet bench mix (24.7 k flows, all still open
   * at the end under the default profile) peak RSS 443 → 308 MB, same bytes; the bench's 1 M live-flow capture
   * ran out of the 4 GB heap while formatting every row at once, and now completes (2.4 GB peak RSS).
   */
  override _flush(done: TransformCallback): void {
    this.noteEndOfInput();
    const step = (): void => {
      try {
        for (;;) {
          const finished = this.engine.finishStep(FINISH_STEP);
          const more = this.emitPending();
          if (finished) return done();
          if (!more) {
            this.afterRead(step);
            return;
          }
        }
      } catch (err) {
        done(err as Error);
      }
    };
    step();
  }

  /** Push the rows gathered so far; returns false when the readable side is full (wait for _read). */
  private emitPending(): boolean {
    if (this.pending.length === 0) return true;
    const rows = this.pending;
    this.pending = [];
    return this.push({ rows: rows.sort(compareRows) } satisfies RowBatch);
  }
}
