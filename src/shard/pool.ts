// The worker pool behind `--jobs N`: posts each shard's packed buffer of a PacketBatch (packed per shard by the
// symmetric shard hash as the packets were read) to its worker (transferred, never copied), shares the batch's
// timestamps with every worker so all shards follow one capture clock, and merges the rows back in the engine's
// defined order (end packet, then first packet), so the output is the same bytes for any N. Backpressure: at most MAX_IN_FLIGHT batches are unanswered at a time.
import type { TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { PcapflowError } from '../errors.js';
import type { FlowEngineOptions, FlowRow } from '../flow/flow-engine.js';
import { compareRows, RowStage, type RowBatch } from '../stream/flow-stage.js';
import { recycleBatchBuffer, recycleClock, type PacketBatch } from './packet-batch.js';
import type { MainToWorker, WorkerInit, WorkerToMain } from './protocol.js';

/** Batches sent and not yet answered by every worker. */
const MAX_IN_FLIGHT = 4;

interface Pending {
  seq: number;
  answers: number;
  rows: FlowRow[];
  /** The batch's clock, given back for reuse once every worker has answered. */
  clock: SharedArrayBuffer;
}

/** One worker's rows of open flows at the end of input, in first-packet order (see mergeTails). */
interface Tail {
  /** The piece being merged. */
  rows: FlowRow[];
  pos: number;
  /** Pieces received and not yet merged (at most TAIL_WINDOW). */
  queue: FlowRow[][];
  /** The worker's last piece has arrived. */
  last: boolean;
}

/** Rows per RowBatch pushed while merging the workers' tails. */
const TAIL_BATCH = 512;

/** A Transform with the FlowStage interface (PacketBatch in, RowBatch out) running `jobs` worker threads. */
export class ShardStage extends RowStage {
  private readonly workers: Worker[] = [];
  private readonly jobs: number;
  private readonly pending = new Map<number, Pending>();
  private nextSeq = 0;
  private nextOut = 0;
  private waitingDone: TransformCallback | null = null;
  private finishing: TransformCallback | null = null;
  private doneCount = 0;
  private readonly totals: Record<string, number> = {};
  private failed = false;
  /** Set when every worker reported 'done': complete() then terminates them, which exits them with status 1. */
  private completed = false;
  /** Per worker, at the end of input; null before. */
  private tails: Tail[] | null = null;
  private tailsDone = false;

  constructor(engine: FlowEngineOptions, jobs: number) {
    super();
    this.jobs = jobs;
    const url = new URL('./worker.js', import.meta.url);
    for (let shard = 0; shard < jobs; shard++) {
      const init: WorkerInit = { shard, shards: jobs, engine };
      const worker = new Worker(url, { workerData: init });
      worker.on('message', (msg: WorkerToMain) => this.onMessage(msg, shard));
      worker.on('error', (err) => this.fail(new PcapflowError('E_WORKER_CRASHED', `worker ${shard} failed: ${err.message}`)));
      worker.on('exit', (code) => {
        if (code !== 0 && !this.failed && !this.completed) this.fail(new PcapflowError('E_WORKER_CRASHED', `worker ${shard} exited with status ${code}`));
      });
      this.workers.push(worker);
    }
  }

  /** Counters summed over the workers (valid once the stage has finished). */
  counters(): Record<string, number> {
    return { ...this.totals };
  }

  override _transform(batch: PacketBatch, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.failed) return done();
    if (batch.shards.length !== this.jobs || batch.clock === null) {
      return done(new PcapflowError('E_INTERNAL', `a batch packed for ${batch.shards.length} shards reached a pool of ${this.jobs}`));
    }
    const seq = this.nextSeq++;
    this.pending.set(seq, { seq, answers: 0, rows: [], clock: batch.clock });
    for (let s = 0; s < this.jobs; s++) {
      const buffer = batch.shards[s]!;
      const msg: MainToWorker = {
        kind: 'batch',
        seq,
        buffer,
        count: batch.counts[s]!,
        firstIndex: batch.firstIndex,
        clockCount: batch.packets,
        clock: batch.clock,
      };
      this.workers[s]!.postMessage(msg, [buffer]);
    }
    if (this.pending.size >= MAX_IN_FLIGHT) this.waitingDone = done;
    else done();
  }

  /**
   * End of input: every worker ends its open flows FINISH_STEP at a time and sends them as pieces, at most
   * TAIL_WINDOW pieces ahead of the merge; the pool merges the pieces by first packet (each worker's rows already
   * come in that order), gives a worker one more credit each time it uses up one of its pieces, and pushes on
   * only while the reader keeps up. Measured on a 500 k-packet bench mix (all 24.7 k flows open at the end),
   * --jobs 2: peak RSS 406 → 306 MB (each worker used to send every row in one message); same bytes as --jobs 1.
   */
  override _flush(done: TransformCallback): void {
    if (this.failed) return done();
    this.noteEndOfInput();
    this.finishing = done;
    this.tails = this.workers.map(() => ({ rows: [], pos: 0, queue: [], last: false }));
    for (const w of this.workers) w.postMessage({ kind: 'end' } satisfies MainToWorker);
  }

  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    this.failed = true;
    // The stage closes once its workers have exited, so a pipeline destroyed early (a library caller leaving its
    // loop) has no thread left when it settles.
    void Promise.allSettled(this.workers.map((w) => w.terminate())).then(() => cb(err));
  }

  private onMessage(msg: WorkerToMain, shard: number): void {
    if (this.failed) return;
    if (msg.kind === 'error') {
      this.fail(new PcapflowError('E_WORKER_CRASHED', `a worker failed: ${msg.message}`));
      return;
    }
    if (msg.kind === 'done') {
      for (const [k, v] of Object.entries(msg.counters)) this.totals[k] = (this.totals[k] ?? 0) + v;
      if (++this.doneCount === this.jobs && this.tailsDone) this.complete();
      return;
    }
    if (msg.kind === 'tail') {
      const t = this.tails?.[shard];
      if (t === undefined) return;
      t.queue.push(msg.rows);
      if (msg.last) t.last = true;
      if (!this.waitingForRead) this.mergeTails();
      return;
    }
    const p = this.pending.get(msg.seq);
    if (p === undefined) return;
    for (const row of msg.rows) p.rows.push(row);
    recycleBatchBuffer(msg.buffer); // read to the end by the worker: the packet stage's next staging area
    if (++p.answers === this.jobs) recycleClock(p.clock);
    this.release();
  }

  /** Push the rows of every batch all workers have answered, in sequence order. */
  private release(): void {
    for (;;) {
      const p = this.pending.get(this.nextOut);
      if (p === undefined || p.answers < this.jobs) break;
      this.pending.delete(this.nextOut);
      this.nextOut++;
      if (p.rows.length > 0) this.push({ rows: p.rows.sort(compareRows) } satisfies RowBatch);
    }
    if (this.waitingDone !== null && this.pending.size < MAX_IN_FLIGHT) {
      const d = this.waitingDone;
      this.waitingDone = null;
      d();
    }
  }

  /**
   * Merge the workers' tails by first-packet index (all their rows end at the end of input, so this is the
   * output order of compareRows). A row is pushed only once every worker with flows left has a piece at hand;
   * a worker whose piece is used up gets a credit for one more. Every batch's rows were pushed before: a worker
   * answers all its batches before its first tail, and release() pushes each batch once all have answered.
   */
  private mergeTails(): void {
    const tails = this.tails;
    if (tails === null || this.failed || this.tailsDone) return;
    let out: FlowRow[] = [];
    for (;;) {
      let blocked = false;
      let best: Tail | null = null;
      for (let s = 0; s < tails.length; s++) {
        const t = tails[s]!;
        while (t.pos >= t.rows.length && t.queue.length > 0) {
          t.rows = t.queue.shift()!;
          t.pos = 0;
          if (!t.last) this.workers[s]!.postMessage({ kind: 'more' } satisfies MainToWorker);
        }
        if (t.pos < t.rows.length) {
          if (best === null || t.rows[t.pos]!.firstIndex < best.rows[best.pos]!.firstIndex) best = t;
        } else if (!t.last) {
          blocked = true;
        }
      }
      if (blocked || best === null || out.length >= TAIL_BATCH) {
        const more = out.length === 0 || this.push({ rows: out } satisfies RowBatch);
        out = [];
        if (blocked) return; // resumed by the next 'tail'
        if (best === null) {
          this.tailsDone = true;
          if (this.doneCount === this.jobs) this.complete();
          return;
        }
        if (!more) {
          this.afterRead(() => this.mergeTails());
          return;
        }
      }
      out.push(best.rows[best.pos++]!);
    }
  }

  private complete(): void {
    // A worker that sent 'done' may not have exited yet; terminate() makes it exit with status 1, which is no
    // failure (it was reported as "worker N exited with status 1": twice in about 300 runs of the --jobs identity
    // test's configurations before this flag).
    this.completed = true;
    for (const w of this.workers) void w.terminate();
    const f = this.finishing;
    this.finishing = null;
    if (f) f();
  }

  private fail(err: PcapflowError): void {
    if (this.failed) return;
    this.destroy(err);
  }
}

/** The stage `--jobs N` (N > 1) uses in place of FlowStage. */
export function createShardStage(engine: FlowEngineOptions, jobs: number): ShardStage {
  return new ShardStage(engine, jobs);
}
