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
  | { kind: 'end' };

export type WorkerToMain =
  | { kind: 'rows'; seq: number; rows: FlowRow[] }
  | { kind: 'done'; counters: Record<string, number> }
  | { kind: 'error'; message: string; code: string; stack: string };
