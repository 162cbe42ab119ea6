// The files of one `--shard` task under `--out-dir DIR`: DIR/part-KKKKK-of-NNNNN.csv (the rows), and under
// DIR/_stats/ part-KKKKK.json (what `pcapflow merge` checks: options, inputs, version, header, counters) and
// part-KKKKK.order (each row's keys in the single run's order, see part-order.ts). Every file is written through
// a temporary file renamed at the end, so a retried task replaces its own part and never touches another's.
import { readFileSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { PcapflowError } from '../errors.js';
import type { Options } from '../options.js';
import { fileShard, partFileName, partOrderName, partStatsName, relativeToInputRoots, STATS_DIR, type ShardSpec } from './shard-spec.js';

/** The `format` field of a part's stats file, and its version. */
export const PART_FORMAT = 'pcapflow-part';
export const PART_FORMAT_VERSION = 1;

/** pcapflow's version, from its package.json (two levels up from dist/shard/, three from build/src/shard/). */
export const PCAPFLOW_VERSION: string = (() => {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pcapflow' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not there: try the next level
    }
  }
  return 'unknown';
})();

/** The paths of one part. */
export interface PartPaths {
  csv: string;
  stats: string;
  order: string;
}

export function partPaths(dir: string, shard: ShardSpec): PartPaths {
  return {
    csv: path.join(dir, partFileName(shard.index, shard.count)),
    stats: path.join(dir, STATS_DIR, partStatsName(shard.index)),
    order: path.join(dir, STATS_DIR, partOrderName(shard.index)),
  };
}

/** Create DIR and DIR/_stats (tasks of one array may race here: recursive mkdir does not fail on either). */
export async function preparePartDir(dir: string): Promise<void> {
  try {
    await mkdir(path.join(dir, STATS_DIR), { recursive: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new PcapflowError('E_OUTPUT', `cannot create the output directory ${dir}: ${e.code ?? e.message}`, { file: dir });
  }
}

/** `--shard-by file`: the files of `shard` among `files` (in their order), placed by fileShard. */
export function filesOfShard(files: readonly string[], inputs: readonly string[], shard: ShardSpec): string[] {
  const rel = relativeToInputRoots(files, inputs);
  return files.filter((_f, i) => fileShard(rel[i]!, shard.count) === shard.index);
}

/** One input as recorded in a part's stats: the path as found, and its size (null for stdin or if unreadable). */
export interface PartInput {
  path: string;
  size_bytes: number | null;
}

export async function describeInputs(files: readonly string[]): Promise<PartInput[]> {
  const out: PartInput[] = [];
  for (const f of files) {
    let size: number | null = null;
    if (f !== '-') {
      try {
        size = (await stat(f)).size;
      } catch {
        size = null;
      }
    }
    out.push({ path: f, size_bytes: size });
  }
  return out;
}

/** The options that decide a part's rows; parts of one run must agree on all of them. */
export function partOptions(opts: Options): Record<string, unknown> {
  return {
    profile: opts.profile,
    flow_timeout_us: opts.flowTimeoutUs,
    activity_timeout_us: opts.activityTimeoutUs,
    idle_timeout_us: opts.idleTimeoutUs,
    max_flows: opts.maxFlows,
    community_id_seed: opts.communityIdSeed,
    community_id_base64: opts.communityIdBase64,
    strict: opts.strict,
    // Only when on, so that the stats of parts without the option stay as they were.
    ...(opts.firstPackets > 0 ? { first_packets: opts.firstPackets } : {}),
  };
}

/** The stats file of one part. `summary` is the part's RunSummary. */
export interface PartStats {
  format: typeof PART_FORMAT;
  format_version: number;
  version: string;
  shard: ShardSpec;
  options: Record<string, unknown>;
  /** Every input of the run (all shards read the same list; with --shard-by file each reads its own share). */
  inputs: PartInput[];
  header: string[];
  /** Rows in the part (also the order file's records). */
  rows: number;
  /** Bytes of the part's CSV, header included: a part replaced or cut after its stats were written is refused. */
  csv_bytes: number;
  exit_status: number;
  summary: Record<string, unknown>;
}
