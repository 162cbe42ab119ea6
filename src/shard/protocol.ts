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
  /** End of input: send 'tail' pieces of FINISH_STEP open flows each, up to TAIL_WINDOW of them unconsumed. */
  | { kind: 'end' }
  /** The pool has used up one 'tail' piece: the worker may send one more. */
  | { kind: 'more' };

/** Open flows a worker ends per 'tail' piece at the end of input: the single-thread stage's step. */
export { FINISH_STEP } from '../stream/flow-stage.js';

/**
 * 'tail' pieces a worker may have sent and the pool not yet used up. The workers format their tails at the same
 * time, ahead of the merge, and memory stays bounded by jobs x TAIL_WINDOW x FINISH_STEP rows. Measured (2 M-packet
 * bench mix, 95 k flows all open at the end, --jobs 2): one piece per request made the tail phase a ping-pong of
 * 3.2 s after a 3.6 s packet phase; with the window it takes 1.9 s, both workers formatting throughout.
 */
export const TAIL_WINDOW = 4;

export type WorkerToMain =
  /** The rows ended while the batch was read, and the batch's packed buffer given back (transferred) for reuse. */
  | { kind: 'rows'; seq: number; rows: FlowRow[]; buffer: ArrayBuffer }
  /** Rows of open flows ended at the end of input, in first-packet order; `last` when none is left. */
  | { kind: 'tail'; rows: FlowRow[]; last: boolean }
  | { kind: 'done'; counters: Record<string, number> }
  | { kind: 'error'; message: string; code: string; stack: string };
