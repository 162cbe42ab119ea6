// The library's reading side: `flows(input, options)` runs pcapflow's pipeline (run.ts: capture source, packet
// stage, flow stage or worker pool, the rows' label / time rewriting) and hands the flows to the program as typed
// records (records.ts) through an async iterator instead of writing an output. The iterator is the pipeline's
// last stage: it takes a batch of rows only when the program has taken every record of the previous one, so a
// slow consumer holds the whole pipeline back (capture reads included) and at most one batch of records waits
// for it. Leaving the loop (break, return, throw) destroys the pipeline: reading stops, capture files are
// closed, workers are terminated, before the loop statement completes.
import { performance } from 'node:perf_hooks';
import { once } from 'node:events';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decompressed, findInputs, CHUNK_SIZE } from '../capture/chunk-reader.js';
import { PcapflowError } from '../errors.js';
import type { FlowRow } from '../flow/flow-engine.js';
import { loadLabelRules } from '../labels/load.js';
import { parseLabelRules, type LabelRule } from '../labels/rules.js';
import { csvRecord } from '../csv/csv-line.js';
import { normalizeOptions, type Options, type ProfileName } from '../options.js';
import { isTemporaryOutputName } from '../output/output-file.js';
import type { TimeFormat } from '../output/time-columns.js';
import { createFlowStages, rowFormat, summarize, type RunSummary } from '../run.js';
import { createCaptureSource, type CaptureInput } from '../stream/capture-source.js';
import type { RowBatch } from '../stream/flow-stage.js';
import { RecordMaker, type FlowRecordOf } from './records.js';

/** One capture: a path (file or directory, '-' for stdin), the bytes of a whole capture, or a stream of its bytes
 *  (a Node Readable, a web ReadableStream, any async iterable of byte chunks). Gzip is detected by magic. */
export type CaptureSourceInput = string | Uint8Array | AsyncIterable<Uint8Array>;

/** A labelling rule given as an object: the columns of a `--labels` rules file (see README "Labels"). */
export interface LabelRuleSpec {
  label: string;
  /** Address or CIDR block of the flow's Src IP. */
  src?: string;
  /** Address or CIDR block of the flow's Dst IP. */
  dst?: string;
  /** A port, or an inclusive range `'1000-2000'`. */
  dst_port?: number | string;
  /** 0-255 or tcp, udp, icmp, icmpv6. */
  protocol?: number | string;
  /** [start, end) of the flow's start time: a Date, or ISO 8601 with an explicit offset. */
  start?: Date | string;
  end?: Date | string;
  /** Also match the flow the other way round. */
  either?: boolean;
}

/** The options of flows(): the command line's, with the same defaults (README "Flow options"). */
export interface FlowsOptions<P extends ProfileName = ProfileName> {
  profile?: P;
  /** Seconds. */
  flowTimeout?: number;
  activityTimeout?: number;
  idleTimeout?: number;
  /** Worker threads for the flow engines (the records are the same for any number). */
  jobs?: number;
  maxFlows?: number;
  /** A rules file's path (`--labels`) or the rules themselves, first match wins. */
  labels?: string | readonly LabelRuleSpec[];
  defaultLabel?: string;
  decap?: boolean;
  communityIdSeed?: number;
  /** Community ID in base64 (default true). */
  base64?: boolean;
  /** The `timestamp` field's format (`--time-format`; default: the profile's reference format). */
  timeFormat?: TimeFormat;
  /** Early-flow features of the first N packets of each flow (`--first-packets N`, 1-255): the records get
   *  `pkt_k_size`, `pkt_k_iat`, `pkt_k_dir` for k = 1..N (null past the flow's end). */
  firstPackets?: number;
  /** Each record gets `source_file`: the input its flow's first packet came from (`--file-column`; buffers and
   *  streams are named `<buffer i>` / `<stream i>` by their place in the input list). */
  fileColumn?: boolean;
  /** Aborting stops reading, as an interrupt does on the command line: the flows open then are ended and still
   *  come out of the iterator, which then ends normally (summary.interrupted is true). */
  signal?: AbortSignal;
  /** Called with the run's summary (the command line's `--stats` counters) once the last record is taken. */
  onSummary?: (summary: RunSummary) => void;
}

const NAME_OF_RULES = 'labels option';

/** Rule objects as the text of a rules file, parsed by the same parser (so the same checks and messages; line 1
 *  is the header, rule i is on line i + 2). */
function rulesOf(specs: readonly LabelRuleSpec[]): LabelRule[] {
  const iso = (v: Date | string | undefined): string => (v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v));
  const lines = ['label,src,dst,dst_port,protocol,start,end,either'];
  for (const r of specs) {
    if (typeof r?.label !== 'string') throw new PcapflowError('E_OPTION_INVALID', '--labels: every rule needs a label string', { layer: 'labels' });
    lines.push(
      csvRecord([
        r.label,
        r.src ?? '',
        r.dst ?? '',
        r.dst_port === undefined ? '' : String(r.dst_port),
        r.protocol === undefined ? '' : String(r.protocol),
        iso(r.start),
        iso(r.end),
        r.either === true ? 'yes' : 'no',
      ]),
    );
  }
  return parseLabelRules(lines.join('\n') + '\n', NAME_OF_RULES);
}

/** A buffer or stream input as the capture source reads it. */
function captureInput(input: Uint8Array | AsyncIterable<Uint8Array>, index: number): CaptureInput {
  const isBytes = input instanceof Uint8Array;
  const name = `<${isBytes ? 'buffer' : 'stream'} ${index}>`;
  const toBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));
  async function* chunks(): AsyncGenerator<Buffer> {
    if (isBytes) {
      // Chunks of the size files are read in, so the pipeline's backpressure works on buffers as on files.
      for (let at = 0; at < input.length; at += CHUNK_SIZE) yield toBuffer(input.subarray(at, at + CHUNK_SIZE));
      return;
    }
    for await (const c of input) {
      if (!(c instanceof Uint8Array)) throw new PcapflowError('E_IO', `${name}: a chunk is not bytes (${typeof c})`, { file: name });
      yield toBuffer(c);
    }
  }
  return { name, open: async (counter) => decompressed(chunks(), name, counter) };
}

/** What a run updates on its FlowIterable. */
interface RunState {
  summary: RunSummary | undefined;
  options: Options | undefined;
  bufferedRecords: number;
}

/** The records of a run, in the command line's output order. Iterate it once. */
export class FlowIterable<R> implements AsyncIterable<R>, RunState {
  /** The run's counters, once the iterator has ended (undefined before, and after an error or an early exit). */
  summary: RunSummary | undefined;
  /** The options of the run, validated (after the first next(): undefined before). */
  options: Options | undefined;
  private started = false;
  private readonly start: (state: RunState) => AsyncIterator<R>;
  /** Records made and not taken yet (at most one batch of rows; diagnostics and tests). */
  bufferedRecords = 0;

  /** @internal */
  constructor(start: (state: RunState) => AsyncIterator<R>) {
    this.start = start;
  }

  [Symbol.asyncIterator](): AsyncIterator<R> {
    if (this.started) throw new PcapflowError('E_OPTION_INVALID', 'flows(): the records of a run can be iterated once; call flows() again');
    this.started = true;
    return this.start(this);
  }
}

/** Last stage: row batches become records, handed out by take(). A batch is accepted once the previous one has
 *  been taken whole. */
class RecordSink extends Writable {
  rows = 0;
  packetsInRows = 0;
  private queue: unknown[] = [];
  private head = 0;
  private held: (() => void) | null = null;
  private readonly onRecords: () => void;
  private readonly make: (row: FlowRow) => unknown;
  private readonly counter: { bufferedRecords: number };

  constructor(make: (row: FlowRow) => unknown, onRecords: () => void, counter: { bufferedRecords: number }) {
    super({ objectMode: true, highWaterMark: 1 });
    this.make = make;
    this.onRecords = onRecords;
    this.counter = counter;
  }

  override _write(batch: RowBatch, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    try {
      for (const row of batch.rows) {
        this.queue.push(this.make(row));
        this.packetsInRows += row.packets;
      }
    } catch (err) {
      return done(err as Error);
    }
    this.rows += batch.rows.length;
    this.counter.bufferedRecords = this.queue.length - this.head;
    if (this.head < this.queue.length) {
      this.held = () => done();
      this.onRecords();
    } else done();
  }

  /** The next record, or undefined when none is waiting. */
  take(): unknown {
    if (this.head >= this.queue.length) return undefined;
    const r = this.queue[this.head];
    this.queue[this.head++] = undefined;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
      const h = this.held;
      this.held = null;
      h?.();
    }
    this.counter.bufferedRecords = this.queue.length - this.head;
    return r;
  }
}

function asPcapflowError(err: unknown): PcapflowError {
  if (err instanceof PcapflowError) return err;
  const e = err as NodeJS.ErrnoException;
  return new PcapflowError('E_INTERNAL', `flows(): ${e?.message ?? String(err)}`);
}

/**
 * The flows of captures as typed records (README "Library"). `input`: a path (file, directory, '-' for stdin), a
 * Buffer / Uint8Array of a whole capture, a stream of its bytes, or a list of those read one after the other as
 * one run (as several inputs on the command line). Nothing is read before the iteration starts; every error (bad
 * options, unreadable input, a failed worker) rejects a next() call as a PcapflowError. Damaged captures are not
 * errors: their flows come out, and the summary lists the damage (the command line's exit status 2).
 */
export function flows<P extends ProfileName = 'default'>(
  input: CaptureSourceInput | readonly CaptureSourceInput[],
  options: FlowsOptions<P> = {},
): FlowIterable<FlowRecordOf<P>> {
  const inputs: CaptureSourceInput[] = typeof input === 'string' || input instanceof Uint8Array || !Array.isArray(input) ? [input as CaptureSourceInput] : [...(input as readonly CaptureSourceInput[])];
  return new FlowIterable<FlowRecordOf<P>>((it) => {
    type R = FlowRecordOf<P>;
    let sink: RecordSink | null = null;
    let failure: PcapflowError | null = null;
    let finished = false;
    /** next() calls waiting for records or the end (a program may call next() again before the last settled). */
    let waiters: (() => void)[] = [];
    const notify = (): void => {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    };
    /** Set when the program leaves the loop: the run is being torn down, its errors are not the program's. */
    let leaving = false;
    let stages: (Readable | Writable)[] = [];

    async function run(): Promise<void> {
      const started = process.hrtime.bigint();
      const loopAtStart = performance.eventLoopUtilization();
      const labels = options.labels;
      const paths = inputs.filter((i): i is string => typeof i === 'string');
      const opts = normalizeOptions({
        inputs: paths.length > 0 ? paths : ['<library input>'],
        profile: options.profile,
        jobs: options.jobs,
        flowTimeout: options.flowTimeout,
        activityTimeout: options.activityTimeout,
        idleTimeout: options.idleTimeout,
        maxFlows: options.maxFlows,
        communityIdSeed: options.communityIdSeed,
        base64: options.base64,
        decap: options.decap,
        labels: typeof labels === 'string' ? labels : undefined,
        defaultLabel: options.defaultLabel,
        timeFormat: options.timeFormat,
        firstPackets: options.firstPackets,
        fileColumn: options.fileColumn,
      });
      opts.inputs = paths;
      it.options = opts;
      const rules = labels === undefined ? null : typeof labels === 'string' ? await loadLabelRules(labels) : rulesOf(labels);
      const sources: (string | CaptureInput)[] = [];
      const skipped: string[] = [];
      for (let i = 0; i < inputs.length; i++) {
        const x = inputs[i]!;
        if (typeof x === 'string') {
          const found = await findInputs([x], { skipName: isTemporaryOutputName });
          sources.push(...found.files);
          skipped.push(...found.skipped);
        } else if (x instanceof Uint8Array || (x !== null && typeof x === 'object' && Symbol.asyncIterator in x)) {
          sources.push(captureInput(x, i));
        } else {
          throw new PcapflowError('E_OPTION_INVALID', `flows(): input ${i} is not a path, bytes or a stream of bytes`);
        }
      }
      // The program may have left the loop while the inputs were looked up: start nothing (no worker threads).
      if (leaving) throw new Error('left before the start');
      const { packetStage, flowStage, stats, jobs } = createFlowStages(opts);
      const { mapRow } = rowFormat({ ...opts, epochColumn: false }, rules, stats.fileStarts);
      const maker = new RecordMaker(opts.profile, opts.timeFormat, { firstPackets: opts.firstPackets, fileColumn: opts.fileColumn });
      const make = mapRow === undefined ? (row: FlowRow) => maker.make(row) : (row: FlowRow) => maker.make(mapRow(row));
      const s = new RecordSink(make, notify, it);
      sink = s;
      const signal = options.signal;
      // Leaving the loop destroys the sink, and pipeline() destroys every stage; return() then waits for each to
      // close (pipeline() settles on their errors, before a stage's clean-up has run).
      stages = [createCaptureSource(sources, signal ? { signal } : {}), packetStage, flowStage, s];
      await pipeline(stages);
      it.summary = summarize({ opts, started, loopAtStart, stats, skipped, flowStage, jobs, signal, rows: s.rows, packetsInRows: s.packetsInRows, closedByReader: false });
    }

    const running = run().then(
      () => {
        finished = true;
        notify();
      },
      (err: unknown) => {
        failure = leaving ? null : asPcapflowError(err);
        finished = true;
        notify();
      },
    );

    let summaryReported = false;
    const iterator: AsyncIterator<R> = {
      async next(): Promise<IteratorResult<R>> {
        for (;;) {
          const r = sink?.take();
          if (r !== undefined) return { value: r as R, done: false };
          if (finished) {
            if (failure !== null) {
              const f = failure;
              failure = null;
              it.summary = undefined;
              throw f;
            }
            if (!summaryReported && it.summary !== undefined) {
              summaryReported = true;
              options.onSummary?.(it.summary);
            }
            return { value: undefined, done: true };
          }
          await new Promise<void>((resolve) => waiters.push(resolve));
        }
      },
      async return(): Promise<IteratorResult<R>> {
        if (!finished) {
          leaving = true;
          sink?.destroy(new PcapflowError('E_INTERNAL', 'flows(): the program left the loop'));
          await running;
          // Each stage has closed once its clean-up is done: the capture source's files closed (its generator's
          // finally), the worker pool's threads exited (ShardStage._destroy).
          await Promise.all(stages.map((st) => (st.closed ? undefined : once(st, 'close').catch(() => undefined))));
        }
        return { value: undefined, done: true };
      },
    };
    return iterator;
  });
}
