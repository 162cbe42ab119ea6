// Wires pcapflow's pipeline: capture source -> packet stage (parse + decode) -> flow stage (or the worker pool)
// -> CSV sink, joined with stream.pipeline. The only module that knows the whole pipeline. Returns a summary and
// the exit status; printing and exiting are the CLI's job.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { expandInputs } from './capture/chunk-reader.js';
import { CsvSink } from './csv/csv-sink.js';
import { PcapflowError } from './errors.js';
import { decodeOptionsFor } from './decode/decoder.js';
import { FlowEngine, type FlowEngineOptions } from './flow/flow-engine.js';
import type { Options } from './options.js';
import { createCaptureSource } from './stream/capture-source.js';
import { FlowStage } from './stream/flow-stage.js';
import { PacketStage } from './stream/packet-stage.js';
import { ReadStats, type CaptureDamage } from './stream/read-stats.js';
import { createShardStage } from './shard/pool.js';

/** What a run did with every packet; printed as one stderr line and written as JSON by --stats. */
export interface RunSummary {
  files: number;
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
  /** Peak resident set size of the process (all threads), bytes. */
  peak_rss_bytes: number;
  /** Resident set size when the whole input had been read into flows, before the open flows were written:
   *  what the live flows cost (the bench divides it by their number), bytes. */
  rss_at_end_of_input_bytes: number;
  damage: CaptureDamage[];
  output_closed_early: boolean;
}

export interface RunResult {
  exitCode: 0 | 1 | 2;
  summary: RunSummary;
}

/** Open the output before reading any input, so that an unwritable path fails first (exit status 1). */
export async function openOutput(path: string, stdout: Writable): Promise<{ out: Writable; isFile: boolean }> {
  if (path === '-') return { out: stdout, isFile: false };
  const out = createWriteStream(path);
  await new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', (err) =>
      reject(new PcapflowError('E_OUTPUT', `cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { file: path })),
    );
  });
  return { out, isFile: true };
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
  };
}

/** Run `pcapflow <inputs> -o <output>`. Throws PcapflowError for usage/I/O problems (exit status 1). */
export async function runFlows(opts: Options, stdout: Writable): Promise<RunResult> {
  const started = process.hrtime.bigint();
  const files = await expandInputs(opts.inputs);
  const { out, isFile } = await openOutput(opts.output, stdout);
  const stats = new ReadStats();
  const engineOpts = engineOptions(opts);
  // --max-flows ends the oldest flows of the whole table; a per-worker cap would make the output depend on the
  // number of workers, which pcapflow promises it never does. So a capped run uses one flow engine.
  const jobs = opts.maxFlows > 0 ? 1 : opts.jobs;
  const flowStage = jobs > 1 ? createShardStage(engineOpts, jobs) : new FlowStage(engineOpts);
  const sink = new CsvSink(out, { header: FlowEngine.header(opts.profile), endOutput: isFile });
  try {
    await pipeline(createCaptureSource(files), new PacketStage({ stats, shards: jobs, decode: decodeOptionsFor(opts.profile, opts.decap) }), flowStage, sink);
  } catch (err) {
    if (!sink.closedByReader) {
      if (isFile) out.destroy();
      if (err instanceof PcapflowError) throw err;
      const e = err as NodeJS.ErrnoException;
      if (e.code !== undefined && /^E[A-Z]+$/.test(e.code)) {
        throw new PcapflowError('E_OUTPUT', `writing ${opts.output === '-' ? 'stdout' : opts.output} failed: ${e.code}`);
      }
      throw err;
    }
  }
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
    bytes_read: stats.bytesRead,
    packets_read: stats.packetsRead,
    packets_decoded: stats.packetsDecoded,
    packets_truncated: stats.packetsTruncated,
    packets_skipped: stats.packetsSkipped,
    skipped: stats.skippedByReason(),
    packets_in_flows: sink.packetsInRows,
    packets_dropped: packetsDropped,
    dropped,
    flows_written: sink.rowsWritten,
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
    elapsed_s: Number(process.hrtime.bigint() - started) / 1e9,
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    rss_at_end_of_input_bytes: flowStage.rssAtEndOfInput,
    damage: stats.damage,
    output_closed_early: sink.closedByReader,
  };
  const exitCode = stats.damage.length > 0 || (opts.strict && summary.packets_skipped > 0) ? 2 : 0;
  return { exitCode, summary };
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
  const evicted = s.flow_events['maxflows_evicted'] ?? 0;
  if (evicted > 0) parts.push(`${evicted} of them ended early by --max-flows`);
  return `pcapflow: ${parts.join(', ')} in ${s.elapsed_s.toFixed(2)} s`;
}
