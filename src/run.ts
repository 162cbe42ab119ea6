// Wires pcapflow's pipeline: capture source -> packet stage (parse + decode) -> flow stage (or the worker pool)
// -> CSV sink, joined with stream.pipeline. The only module that knows the whole pipeline. Returns a summary and
// the exit status; printing and exiting are the CLI's job.
import { pipeline } from 'node:stream/promises';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Transform, Writable } from 'node:stream';
import { findInputs } from './capture/chunk-reader.js';
import { CsvSink } from './csv/csv-sink.js';
import { PcapflowError } from './errors.js';
import { decodeOptionsFor } from './decode/decoder.js';
import { FlowEngine, type FlowEngineOptions, type FlowRow } from './flow/flow-engine.js';
import type { Options } from './options.js';
import { assertNotAnInput, isTemporaryOutputName, openOutputFile, writeFileAtomic, type OutputFile } from './output/output-file.js';
import { encoderFor, extensionOf, gzipInto } from './output/format.js';
import { perInputTargets } from './output/per-input.js';
import { loadLabelRules } from './labels/load.js';
import { FILE_COLUMN, fileColumnAppender, rowRewriter } from './output/row-rewrite.js';
import { columnKinds, type ColumnKind } from './output/column-types.js';
import type { LabelRule } from './labels/rules.js';
import { EPOCH_COLUMN, profileTimeFormat } from './output/time-columns.js';
import { headerVariant } from './csv/header-variants.js';
import { createCaptureSource } from './stream/capture-source.js';
import { FlowStage } from './stream/flow-stage.js';
import { PacketStage } from './stream/packet-stage.js';
import { ReadStats, type CaptureDamage } from './stream/read-stats.js';
import { createShardStage } from './shard/pool.js';
import { OrderRecorder } from './shard/part-order.js';
import { describeInputs, filesOfShard, PART_FORMAT, PART_FORMAT_VERSION, partOptions, partPaths, PCAPFLOW_VERSION, preparePartDir, type PartStats } from './shard/part-files.js';
import { groupRange, relativeToInputRoots, type ShardSpec } from './shard/shard-spec.js';
import { SKIP_REASONS } from './types.js';

/** What a run did with every packet; printed as one stderr line and written as JSON by --stats. */
export interface RunSummary {
  files: number;
  /** Files found by walking a directory that were not read: not captures (or pcapflow's temporary outputs). */
  files_skipped: number;
  /** Their paths. */
  skipped_files: string[];
  bytes_read: number;
  packets_read: number;
  packets_decoded: number;
  packets_truncated: number;
  packets_skipped: number;
  skipped: Record<string, number>;
  packets_in_flows: number;
  packets_dropped: number;
  dropped: Record<string, number>;
  flows_written: number;
  /** How flows ended or were held: flow_timeouts, idle_timeouts, continuations, maxflows_evicted (flows ended early
   *  because --max-flows was reached; they are written), tombstones_evicted. */
  flow_events: Record<string, number>;
  /** --decap: packets by tunnel kind entered (a packet counts once per kind), and all tunnel layers entered. */
  tunnels: Record<string, number>;
  profile: string;
  jobs: number;
  elapsed_s: number;
  /** Where the time went (not counters: they differ run to run). end_of_input_s: seconds from the start until
   *  the input had been read into flows (the rest of elapsed_s wrote the flows still open then); main_thread_busy:
   *  the fraction of elapsed_s the main thread's event loop was busy (reading, decoding, packing, writing). */
  timing: { end_of_input_s: number; main_thread_busy: number };
  /** Peak resident set size of the process (all threads), bytes. */
  peak_rss_bytes: number;
  /** Resident set size when the whole input had been read into flows, before the open flows were written:
   *  what the live flows cost (the bench divides it by their number), bytes. */
  rss_at_end_of_input_bytes: number;
  damage: CaptureDamage[];
  output_closed_early: boolean;
  /** The run was stopped by an interrupt (a signal): reading stopped early, and every flow open then was ended
   *  and written as at the end of input. */
  interrupted: boolean;
  /** The signal's name ('SIGINT', 'SIGTERM', 'SIGHUP'), when there was one. */
  interrupt_signal?: string;
  /** `--shard K/N`: this task. */
  shard?: ShardSpec;
  /** `--shard K/N`: packets read that belong to other shards (read to follow the capture clock; not in
   *  packets_read, which counts this shard's packets: its flows', and with K = 0 those of no flow). */
  other_shard?: number;
  /** `pcapflow merge`: the number of parts merged. */
  parts?: number;
  /** `--out-dir DIR` without `--shard`: each input's output, in the order read (the counters above are their
   *  sums). */
  outputs?: PerInputOutput[];
}

/** One input of a `--out-dir` run without `--shard` and what became of it. */
export interface PerInputOutput {
  input: string;
  output: string;
  /** False when the input could not be read to its end (an I/O error, gzip damage): its output was not written
   *  (an existing file of that name is left as it was). */
  written: boolean;
  /** The exit status a single run of this input would have had (0, 2, or 128 + n when interrupted). */
  exit_status: number;
  bytes_read: number;
  packets_read: number;
  packets_skipped: number;
  flows_written: number;
  damage: CaptureDamage[];
}

export interface RunResult {
  /** 0 clean, 2 damaged input (or --strict and skipped packets), 128 + n when interrupted by signal n. */
  exitCode: number;
  summary: RunSummary;
}

/** How a caller controls a run besides its options. */
export interface RunControl {
  /** Aborting it stops reading: the run ends as at the end of input, with the flows seen so far. Its reason, a
   *  signal name such as 'SIGINT', sets the exit status (128 + the signal's number). */
  signal?: AbortSignal;
  /** Other files the caller will write (--stats): refused, like the output, if one is an input. */
  alsoWrites?: readonly string[];
  /** A progress display (--progress): told the total input size, then polls the counters of the running run. */
  progress?: ProgressHook;
}

/** Counters a progress display polls (a few times a second; never called per packet). */
export interface ProgressCounters {
  /** Bytes of the inputs read as stored (compressed bytes of gzip inputs). */
  storedBytesRead(): number;
  packetsRead(): number;
  flowsWritten(): number;
}

export interface ProgressHook {
  /** The inputs are known: their total size as stored, bytes, or null when one is not a regular file (stdin, a
   *  pipe): no total, no ETA. */
  start(totalBytes: number | null): void;
  /** A run starts reading (one per input with --out-dir and no --shard): poll its counters until the next call;
   *  the display adds them to those of the runs before it. */
  follow(counters: ProgressCounters): void;
}

/** The inputs' total size as stored, or null when one is not a regular file. */
async function totalInputBytes(files: readonly string[]): Promise<number | null> {
  let total = 0;
  for (const f of files) {
    if (f === '-') return null;
    try {
      const st = await stat(f);
      if (!st.isFile()) return null;
      total += st.size;
    } catch {
      return null;
    }
  }
  return total;
}

/** Exit status of a process ended by a signal, as shells report it. */
const SIGNAL_STATUS: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** The exit status for an interrupt with this abort reason. */
export function interruptStatus(reason: unknown): number {
  return SIGNAL_STATUS[String(reason)] ?? 130;
}

/**
 * Walk the inputs and open the output: the output is refused if it is one of the captures to read (including
 * those found in directories), and is opened before any capture is read, so an unwritable path fails first.
 */
export async function prepareRun(
  inputs: readonly string[],
  output: string,
  stdout: Writable,
  alsoWrites: readonly string[] = [],
): Promise<{ files: string[]; skipped: string[]; out: OutputFile }> {
  const { files, skipped } = await findInputs(inputs, { skipName: isTemporaryOutputName });
  for (const other of alsoWrites) await assertNotAnInput(other, files, 'file');
  const out = await openOutputFile(output, stdout, files);
  return { files, skipped, out };
}

/**
 * A failed pipeline's error as the user should see it: PcapflowErrors as they are, write failures as E_OUTPUT
 * naming the real cause (ERR_STREAM_DESTROYED only echoes the error that destroyed the destination, which the
 * destination keeps in `errored`).
 */
export function outputFailure(err: unknown, output: string, destination?: Writable): unknown {
  if (err instanceof PcapflowError) return err;
  let e = err as NodeJS.ErrnoException;
  if (e.code === 'ERR_STREAM_DESTROYED' && destination?.errored) e = destination.errored as NodeJS.ErrnoException;
  if (e.code !== undefined && (/^E[A-Z]+$/.test(e.code) || e.code === 'ERR_STREAM_DESTROYED')) {
    const why = e.code === 'ERR_STREAM_DESTROYED' ? 'the destination was closed' : e.code;
    return new PcapflowError('E_OUTPUT', `writing ${output === '-' ? 'stdout' : output} failed: ${why}`);
  }
  return err;
}

export function engineOptions(opts: Options): FlowEngineOptions {
  return {
    profile: opts.profile,
    flowTimeoutUs: opts.flowTimeoutUs,
    activityTimeoutUs: opts.activityTimeoutUs,
    idleTimeoutUs: opts.idleTimeoutUs,
    maxFlows: opts.maxFlows,
    communityIdSeed: opts.communityIdSeed,
    communityIdBase64: opts.communityIdBase64,
    ...(opts.firstPackets > 0 ? { firstPackets: opts.firstPackets } : {}),
  };
}

/**
 * Run `pcapflow <inputs> -o <output>`. Throws PcapflowError for usage/I/O problems (exit status 1); the output
 * file is then left as it was (see output-file.ts). With an output file, the result appears under its name only
 * when the run has written everything: after a clean end, damaged input (exit status 2) or an interrupt.
 */
export async function runFlows(opts: Options, stdout: Writable, control: RunControl = {}): Promise<RunResult> {
  if (opts.perInput) return runPerInput(opts, stdout, control);
  return runOne(opts, stdout, control, true);
}

/** One run: every input into one output (or one --shard part). `announce`: tell control.progress the total. */
async function runOne(opts: Options, stdout: Writable, control: RunControl, announce: boolean): Promise<RunResult> {
  const started = process.hrtime.bigint();
  const loopAtStart = performance.eventLoopUtilization();
  const rules = opts.labelsFile === null ? null : await loadLabelRules(opts.labelsFile);
  const shard = opts.shard;
  const part = opts.outDir !== null && shard !== null ? partPaths(opts.outDir, shard) : null;
  if (opts.outDir !== null) await preparePartDir(opts.outDir);
  const output = part?.csv ?? opts.output;
  const alsoWrites = part === null ? control.alsoWrites : [...(control.alsoWrites ?? []), part.stats, part.order];
  const { files: allFiles, skipped, out } = await prepareRun(opts.inputs, output, stdout, alsoWrites);
  const files = shard?.by === 'file' ? filesOfShard(allFiles, opts.inputs, shard) : allFiles;
  let orderOut: OutputFile | null = null;
  if (part !== null) {
    try {
      orderOut = await openOutputFile(part.order, stdout, allFiles);
    } catch (err) {
      await out.abort();
      throw err;
    }
  }
  if (announce && control.progress !== undefined) {
    try {
      control.progress.start(await totalInputBytes(files));
    } catch (err) {
      await out.abort();
      await orderOut?.abort();
      throw err;
    }
  }
  let flowStage: FlowStages['flowStage'];
  let packetStage: PacketStage;
  let stats: ReadStats;
  let jobs: number;
  let sink: CsvSink;
  const signal = control.signal;
  try {
    ({ flowStage, packetStage, stats, jobs } = createFlowStages(opts));
    const { header, kinds, mapRow } = rowFormat(opts, rules, stats.fileStarts);
    const encoder = encoderFor(opts.format, kinds, header);
    // A gzip stage is ours to end even in front of stdout (its end writes the gzip trailer).
    const dest = opts.gzip ? gzipInto(out.stream) : out.stream;
    sink = new CsvSink(dest, { header, endOutput: opts.gzip || out.ownsStream, ...(encoder ? { encoder } : {}), ...(mapRow ? { mapRow } : {}) });
  } catch (err) {
    await out.abort();
    await orderOut?.abort();
    throw err;
  }
  const recorder = orderOut === null ? null : new OrderRecorder(orderOut.stream);
  const stages: Transform[] = recorder === null ? [packetStage, flowStage] : [packetStage, flowStage, recorder];
  const sinkRef = sink;
  control.progress?.follow({
    storedBytesRead: () => stats.storedBytesRead,
    packetsRead: () => stats.packetsRead,
    flowsWritten: () => sinkRef.rowsWritten,
  });
  try {
    await pipeline([createCaptureSource(files, { ...(signal ? { signal } : {}), counter: stats }), ...stages, sink]);
  } catch (err) {
    if (!sink.closedByReader) {
      await out.abort();
      await orderOut?.abort();
      throw outputFailure(err, output, out.stream);
    }
  }
  if (orderOut !== null) await orderOut.commit();
  await out.commit();
  const summary = summarize({ opts, started, loopAtStart, stats, skipped, flowStage, jobs, signal, rows: sink.rowsWritten, packetsInRows: sink.packetsInRows, closedByReader: sink.closedByReader });
  const exitCode = summary.interrupted
    ? interruptStatus(signal?.reason)
    : stats.damage.length > 0 || (opts.strict && summary.packets_skipped + stats.skippedForShard0 > 0)
      ? 2
      : 0;
  if (part !== null && shard !== null) {
    const partStats: PartStats = {
      format: PART_FORMAT,
      format_version: PART_FORMAT_VERSION,
      version: PCAPFLOW_VERSION,
      shard,
      options: partOptions(opts),
      inputs: await describeInputs(allFiles),
      header: FlowEngine.header(opts.profile, opts.firstPackets),
      rows: recorder?.rows ?? 0,
      csv_bytes: (await stat(part.csv)).size,
      exit_status: exitCode,
      summary: summary as unknown as Record<string, unknown>,
    };
    // Written last: a part counts as complete once its stats exist.
    await writeFileAtomic(part.stats, JSON.stringify(partStats, null, 2) + '\n', allFiles);
  }
  return { exitCode, summary };
}

/**
 * `--out-dir DIR` without `--shard`: each input capture into its own output under DIR (perInputTargets), each a
 * complete run of its own (its own flow table, rows and output file, written under a temporary name and renamed
 * when complete), one after the other. Every output is checked against every input before anything is written. An
 * input that cannot be read to its end (an I/O error, damaged gzip) leaves no output under its name and makes the
 * exit status 2, as damaged input does; the others are still written. An output that cannot be written stops the
 * run (exit status 1), as an interrupt does (its status). The summary sums the runs' and lists each in `outputs`.
 */
async function runPerInput(opts: Options, stdout: Writable, control: RunControl): Promise<RunResult> {
  const started = process.hrtime.bigint();
  const outDir = opts.outDir!;
  if (opts.labelsFile !== null) await loadLabelRules(opts.labelsFile); // a bad rules file fails before any output
  const { files, skipped } = await findInputs(opts.inputs, { skipName: isTemporaryOutputName });
  const targets = perInputTargets(files, relativeToInputRoots(files, opts.inputs), outDir, extensionOf(opts));
  for (const other of control.alsoWrites ?? []) {
    await assertNotAnInput(other, files, 'file');
    if (targets.some((t) => path.resolve(t.output) === path.resolve(other))) {
      throw new PcapflowError('E_OPTION_INVALID', `--stats: ${other} is also the output of an input under --out-dir ${outDir}`);
    }
  }
  for (const t of targets) await assertNotAnInput(t.output, files);
  control.progress?.start(await totalInputBytes(files));
  const signal = control.signal;
  const summaries: RunSummary[] = [];
  const outputs: PerInputOutput[] = [];
  const damage: CaptureDamage[] = [];
  for (const t of targets) {
    if (signal?.aborted === true) break;
    try {
      await mkdir(path.dirname(t.output), { recursive: true });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new PcapflowError('E_OUTPUT', `cannot create the output directory ${path.dirname(t.output)}: ${e.code ?? e.message}`, { file: t.output });
    }
    const one: Options = { ...opts, inputs: [t.input], output: t.output, outDir: null, perInput: false, statsFile: null };
    const oneControl: RunControl = { ...(signal ? { signal } : {}), ...(control.progress ? { progress: control.progress } : {}) };
    try {
      const { exitCode, summary } = await runOne(one, stdout, oneControl, false);
      summaries.push(summary);
      damage.push(...summary.damage);
      outputs.push({
        input: t.input,
        output: t.output,
        written: true,
        exit_status: exitCode,
        bytes_read: summary.bytes_read,
        packets_read: summary.packets_read,
        packets_skipped: summary.packets_skipped,
        flows_written: summary.flows_written,
        damage: summary.damage,
      });
    } catch (err) {
      // Reading failed (the output was not written): damaged input; anything else (the output, a worker) stops.
      if (!(err instanceof PcapflowError) || err.code === 'E_OUTPUT' || err.code === 'E_WORKER_CRASHED' || err.code === 'E_OPTION_INVALID') throw err;
      const d: CaptureDamage = { file: t.input, code: err.code, offset: err.offset, recordNumber: err.recordNumber, message: `${err.describe()} (${t.output} not written)` };
      damage.push(d);
      outputs.push({ input: t.input, output: t.output, written: false, exit_status: 2, bytes_read: 0, packets_read: 0, packets_skipped: 0, flows_written: 0, damage: [d] });
    }
  }
  const summary = sumSummaries(summaries, opts, skipped, damage, Number(process.hrtime.bigint() - started) / 1e9);
  summary.outputs = outputs;
  if (signal?.aborted === true) {
    summary.interrupted = true;
    if (typeof signal.reason === 'string') summary.interrupt_signal = signal.reason;
  }
  const exitCode = summary.interrupted ? interruptStatus(signal?.reason) : outputs.some((o) => o.exit_status !== 0) ? 2 : 0;
  return { exitCode, summary };
}

/** The packet and flow counters of a summary, and its maps of counters by reason. */
export type SummaryCounter = 'files' | 'bytes_read' | 'packets_read' | 'packets_decoded' | 'packets_truncated' | 'packets_skipped' | 'packets_in_flows' | 'packets_dropped' | 'flows_written';
export type SummaryCounterMap = 'skipped' | 'dropped' | 'flow_events' | 'tunnels';

/**
 * Add the `counters` and the maps `maps` of `summaries` into `into` (a map's keys in the order first seen), then
 * put its skip reasons in the order a single run lists them. Shared by the sum of --out-dir's runs and by
 * `pcapflow merge`.
 */
export function addSummaryCounters(into: RunSummary, summaries: readonly RunSummary[], counters: readonly SummaryCounter[], maps: readonly SummaryCounterMap[]): void {
  for (const s of summaries) {
    for (const k of counters) into[k] += s[k];
    for (const m of maps) for (const [k, v] of Object.entries(s[m])) into[m][k] = (into[m][k] ?? 0) + v;
  }
  into.skipped = Object.fromEntries(SKIP_REASONS.filter((r) => into.skipped[r] !== undefined).map((r) => [r, into.skipped[r]!]));
}

const SUMMED: readonly SummaryCounter[] = ['files', 'bytes_read', 'packets_read', 'packets_decoded', 'packets_truncated', 'packets_skipped', 'packets_in_flows', 'packets_dropped', 'flows_written'];
const SUMMED_MAPS: readonly SummaryCounterMap[] = ['skipped', 'dropped', 'flow_events', 'tunnels'];

/** The summary of a set of runs: counters summed, the largest memory figures. */
function sumSummaries(summaries: readonly RunSummary[], opts: Options, skipped: string[], damage: CaptureDamage[], elapsedS: number): RunSummary {
  const sum: RunSummary = {
    files: 0,
    files_skipped: skipped.length,
    skipped_files: skipped,
    bytes_read: 0,
    packets_read: 0,
    packets_decoded: 0,
    packets_truncated: 0,
    packets_skipped: 0,
    skipped: {},
    packets_in_flows: 0,
    packets_dropped: 0,
    dropped: {},
    flows_written: 0,
    flow_events: { flow_timeouts: 0, idle_timeouts: 0, continuations: 0, maxflows_evicted: 0, tombstones_evicted: 0, flow_ids_evicted: 0 },
    tunnels: { packets_decapsulated: 0, tunnel_layers: 0 },
    profile: opts.profile,
    jobs: opts.maxFlows > 0 ? 1 : opts.jobs,
    elapsed_s: elapsedS,
    // The runs' reading time added up, and the main thread's busy share over all of them.
    timing: {
      end_of_input_s: summaries.reduce((t, s) => t + s.timing.end_of_input_s, 0),
      main_thread_busy:
        summaries.reduce((t, s) => t + s.timing.main_thread_busy * s.elapsed_s, 0) / Math.max(1e-9, summaries.reduce((t, s) => t + s.elapsed_s, 0)),
    },
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    rss_at_end_of_input_bytes: Math.max(0, ...summaries.map((s) => s.rss_at_end_of_input_bytes)),
    damage,
    output_closed_early: false,
    interrupted: false,
  };
  addSummaryCounters(sum, summaries, SUMMED, SUMMED_MAPS);
  return sum;
}

/** The packet and flow stages of a run, and the statistics the packet stage keeps. */
export interface FlowStages {
  packetStage: PacketStage;
  flowStage: ReturnType<typeof createShardStage> | FlowStage;
  stats: ReadStats;
  /** The number of flow engines (1 with --max-flows). */
  jobs: number;
}

/** The stages between the capture source and a sink: parse + decode, then one flow engine or the worker pool. */
export function createFlowStages(opts: Options): FlowStages {
  const shard = opts.shard;
  const stats = new ReadStats();
  const engineOpts = engineOptions(opts);
  // --max-flows ends the oldest flows of the whole table; a per-worker cap would make the output depend on the
  // number of workers, which pcapflow promises it never does. So a capped run uses one flow engine.
  const jobs = opts.maxFlows > 0 ? 1 : opts.jobs;
  const flowStage = jobs > 1 ? createShardStage(engineOpts, jobs) : new FlowStage(engineOpts);
  const shardGroups =
    shard !== null && shard.by === 'flow' && shard.count > 1 ? { ...groupRange(shard.index, shard.count), countsNoFlow: shard.index === 0 } : null;
  const packetStage = new PacketStage({ stats, shards: jobs, shard: shardGroups, decode: decodeOptionsFor(opts.profile, opts.decap) });
  return { packetStage, flowStage, stats, jobs };
}

/** What the options make of the flow engine's rows: column names and kinds, the header, and the rewriting. */
export interface RowFormat {
  /** The profile's column names (before --header and --epoch-column). */
  columnNames: string[];
  /** The value kind of every output column (--epoch-column's included). */
  kinds: ColumnKind[];
  /** The output's column names (--header variant, --epoch-column's included). */
  header: string[];
  /** Rewrites rows for --labels, --time-format, --epoch-column; undefined when rows stay as the engine wrote them. */
  mapRow: ((row: FlowRow) => FlowRow) | undefined;
}

export function rowFormat(
  opts: Pick<Options, 'profile' | 'timeFormat' | 'epochColumn' | 'header' | 'defaultLabel' | 'firstPackets' | 'fileColumn'>,
  rules: readonly LabelRule[] | null,
  fileStarts: ReadStats['fileStarts'] = [],
): RowFormat {
  const columnNames = FlowEngine.header(opts.profile, opts.firstPackets);
  const kinds = columnKinds(opts.profile, opts.firstPackets);
  if (opts.timeFormat === 'epoch-us') kinds[columnNames.indexOf('Timestamp')] = 'int64';
  const names = opts.epochColumn ? [...columnNames, EPOCH_COLUMN] : [...columnNames];
  if (opts.epochColumn) kinds.push('int64');
  if (opts.fileColumn) {
    names.push(FILE_COLUMN);
    kinds.push('string');
  }
  const header = headerVariant(names, opts.header);
  const rewrite = rowRewriter({
    columnNames,
    labels: rules === null ? null : { rules, defaultLabel: opts.defaultLabel },
    timeFormat: opts.timeFormat === profileTimeFormat(opts.profile) ? null : opts.timeFormat,
    epochColumn: opts.epochColumn,
  });
  // --file-column: the input of each row's first packet, appended after the other rewrites (fileStarts fills in
  // as the packet stage opens each input, before any row of it can reach the sink).
  const addFile = opts.fileColumn ? fileColumnAppender(fileStarts) : null;
  const mapRow = addFile === null ? (rewrite ?? undefined) : rewrite === null ? addFile : (row: FlowRow) => addFile(rewrite(row));
  return { columnNames, kinds, header, mapRow };
}

/** What summarize() reads besides the stages. */
export interface SummaryInputs extends Pick<FlowStages, 'flowStage' | 'stats' | 'jobs'> {
  opts: Options;
  /** process.hrtime.bigint() at the start of the run. */
  started: bigint;
  /** performance.eventLoopUtilization() at the start of the run. */
  loopAtStart: EventLoopUtilization;
  skipped: string[];
  signal: AbortSignal | undefined;
  /** Rows the sink received, and the packets counted in them. */
  rows: number;
  packetsInRows: number;
  closedByReader: boolean;
}

/** The summary of a finished pipeline. */
export function summarize(r: SummaryInputs): RunSummary {
  const { opts, stats, skipped, flowStage, jobs, signal } = r;
  const shard = opts.shard;
  const counters = flowStage.counters();
  const dropped: Record<string, number> = {};
  let packetsDropped = 0;
  for (const [k, v] of Object.entries(counters)) {
    if (k.startsWith('dropped_') && v > 0) {
      dropped[k.slice('dropped_'.length)] = v;
      packetsDropped += v;
    }
  }
  const summary: RunSummary = {
    files: stats.files,
    files_skipped: skipped.length,
    skipped_files: skipped,
    bytes_read: stats.bytesRead,
    packets_read: stats.packetsRead,
    packets_decoded: stats.packetsDecoded,
    packets_truncated: stats.packetsTruncated,
    packets_skipped: stats.packetsSkipped,
    skipped: stats.skippedByReason(),
    packets_in_flows: r.packetsInRows,
    packets_dropped: packetsDropped,
    dropped,
    flows_written: r.rows,
    flow_events: {
      flow_timeouts: counters['flow_timeouts'] ?? 0,
      idle_timeouts: counters['idle_timeouts'] ?? 0,
      continuations: counters['continuations'] ?? 0,
      maxflows_evicted: counters['maxflows_evicted'] ?? 0,
      tombstones_evicted: counters['tombstones_evicted'] ?? 0,
      flow_ids_evicted: counters['flow_ids_evicted'] ?? 0,
    },
    tunnels: stats.tunnelsByName(),
    profile: opts.profile,
    jobs,
    elapsed_s: Number(process.hrtime.bigint() - r.started) / 1e9,
    timing: {
      end_of_input_s: flowStage.endOfInputNs > 0n ? Number(flowStage.endOfInputNs - r.started) / 1e9 : 0,
      main_thread_busy: performance.eventLoopUtilization(r.loopAtStart).utilization,
    },
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    rss_at_end_of_input_bytes: flowStage.rssAtEndOfInput,
    damage: stats.damage,
    output_closed_early: r.closedByReader,
    interrupted: signal?.aborted === true,
  };
  if (signal?.aborted === true && typeof signal.reason === 'string') summary.interrupt_signal = signal.reason;
  if (shard !== null) {
    summary.shard = shard;
    summary.other_shard = stats.otherShard;
  }
  return summary;
}

/** The one-line stderr summary. */
export function formatSummary(s: RunSummary): string {
  const list = (r: Record<string, number>): string =>
    Object.entries(r)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const parts = [
    `${s.packets_read} packets read`,
    `${s.packets_in_flows} in flows`,
    `${s.packets_skipped} skipped${s.packets_skipped > 0 ? ` (${list(s.skipped)})` : ''}`,
  ];
  if (s.packets_dropped > 0) parts.push(`${s.packets_dropped} dropped by the ${s.profile} profile (${list(s.dropped)})`);
  parts.push(`${s.flows_written} flows written`);
  if (s.shard !== undefined) parts.push(`shard ${s.shard.index}/${s.shard.count}${s.shard.by === 'file' ? ' by file' : ''} (${s.other_shard ?? 0} packets of other shards)`);
  const evicted = s.flow_events['maxflows_evicted'] ?? 0;
  if (evicted > 0) parts.push(`${evicted} of them ended early by --max-flows`);
  if (s.outputs !== undefined) {
    const written = s.outputs.filter((o) => o.written).length;
    parts.push(`${written} output${written === 1 ? '' : 's'} written${written < s.outputs.length ? ` (${s.outputs.length - written} not: unreadable input)` : ''}`);
  }
  if (s.files_skipped > 0) parts.push(`${s.files_skipped} file${s.files_skipped === 1 ? '' : 's'} skipped (not captures)`);
  const head = s.interrupted ? `interrupted by ${s.interrupt_signal ?? 'a signal'}: ` : '';
  return `pcapflow: ${head}${parts.join(', ')} in ${s.elapsed_s.toFixed(2)} s`;
}
