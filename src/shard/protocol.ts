// Messages between the shard pool (main thread) and its workers, discriminated on `kind`. Plain data only.
import type { FlowEngineOptions, FlowRow } from '../flow/flow-engine.js';

/** Sent once, as workerData. */
export interface WorkerInit {
  shard: number;
  shards: number;
  engine: FlowEngineOptions;
}

export type MainToWorker =
  | {
      kind: 'batch';
      seq: number;
      /** This shard's packets of the batch, packed (transferred, not copied). */
      buffer: ArrayBuffer;
      count: number;
      /** Global index of the batch's first packet; the batch covers `clockCount` consecutive packets. */
      firstIndex: number;
      clockCount: number;
      /** Timestamps (µs, Float64Array) of every packet of the batch, shared by all workers (never copied). */
      clock: SharedArrayBuffer;
    }
  /** End of input: write the first FINISH_STEP open flows and answer with 'tail'. */
  | { kind: 'end' }
  /** Write the next FINISH_STEP open flows (sent after a 'tail' whose `last` was false, when the pool wants more). */
  | { kind: 'more' };

/** Open flows a worker ends per 'end'/'more' request at the end of input. */
export const FINISH_STEP = 512;

export type WorkerToMain =
  | { kind: 'rows'; seq: number; rows: FlowRow[] }
  /** Rows of open flows ended at the end of input, in first-packet order; `last` when none is left. */
  | { kind: 'tail'; rows: FlowRow[]; last: boolean }
  | { kind: 'done'; counters: Record<string, number> }
  | { kind: 'error'; message: string; code: string; stack: string };
