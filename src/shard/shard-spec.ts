// `--shard K/N`: task K of N of one run, as batch engines number their tasks (Slurm array task IDs, Kubernetes
// completion indexes, Spark partitions). Parsing and validation of the spec, the contiguous range of flow shard
// groups a task keeps, the stable per-file placement of `--shard-by file`, and the names of a task's part files.
// Pure: no I/O.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { PcapflowError } from '../errors.js';
import { SHARD_GROUPS } from '../flow/hash.js';

/** How flows are given to shards: by the flow's shard group (every shard reads every input), or whole files. */
export type ShardBy = 'flow' | 'file';
export const SHARD_BY: readonly ShardBy[] = ['flow', 'file'];

/** Task `index` (0-based) of `count`. */
export interface ShardSpec {
  index: number;
  count: number;
  by: ShardBy;
}

/** Part names carry K and N on five digits. */
export const MAX_SHARDS = 99999;

/**
 * Parse "K/N" (0 <= K < N). `source` names where it came from ('--shard' or 'PCAPFLOW_SHARD') in the error.
 * With `by` 'flow', N may not exceed the number of shard groups (a shard with no group would have no flow).
 * @throws PcapflowError E_OPTION_INVALID
 */
export function parseShardSpec(text: string, by: ShardBy = 'flow', source = '--shard'): ShardSpec {
  const m = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/.exec(text);
  const bad = (why: string): PcapflowError =>
    new PcapflowError('E_OPTION_INVALID', `${source}: ${why}`, { layer: 'shard' });
  if (m === null) throw bad(`expected K/N (task K of N, 0-based, e.g. 0/4), got ${JSON.stringify(text)}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw bad(`N must be at least 1, got ${text}`);
  if (index >= count) throw bad(`K must be below N (tasks are numbered 0 to N-1), got ${text}`);
  const max = by === 'flow' ? SHARD_GROUPS : MAX_SHARDS;
  if (count > max) throw bad(`N may be at most ${max}${by === 'flow' ? ' (the number of flow shard groups)' : ''}, got ${count}`);
  return { index, count, by };
}

/**
 * The flow shard groups [lo, hi) of task `index` of `count`: contiguous, as equal as integers allow, together
 * every group exactly once. Contiguous ranges keep `--jobs J` inside a shard busy: the group-to-worker placement
 * (g % J) spreads any range of at least J groups over all J workers.
 */
export function groupRange(index: number, count: number): { lo: number; hi: number } {
  return { lo: Math.floor((index * SHARD_GROUPS) / count), hi: Math.floor(((index + 1) * SHARD_GROUPS) / count) };
}

/**
 * The shard of a file for `--shard-by file`: the first 32 bits of the SHA-256 of its path relative to its input
 * root (with '/' separators, UTF-8), modulo `count`. The same on every machine and under any mount point.
 */
export function fileShard(relativePath: string, count: number): number {
  const digest = createHash('sha256').update(relativePath.split(path.sep).join('/'), 'utf8').digest();
  return digest.readUInt32BE(0) % count;
}

/**
 * Each file's path relative to its input root: the directory argument it was found under, or for a file named
 * on the command line, its own directory (so the base name).
 */
export function relativeToInputRoots(files: readonly string[], inputs: readonly string[]): string[] {
  const dirs = inputs.filter((i) => i !== '-').map((i) => path.normalize(i));
  return files.map((f) => {
    const nf = path.normalize(f);
    for (const d of dirs) {
      const rel = path.relative(d, nf);
      if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel;
    }
    return path.basename(nf);
  });
}

const pad5 = (n: number): string => String(n).padStart(5, '0');

/** `part-KKKKK-of-NNNNN.<ext>`. */
export function partFileName(index: number, count: number, ext = 'csv'): string {
  return `part-${pad5(index)}-of-${pad5(count)}.${ext}`;
}

/** Parse a part file name back; null when it is not one. */
export function parsePartFileName(name: string): { index: number; count: number; ext: string } | null {
  const m = /^part-(\d{5})-of-(\d{5})\.([A-Za-z0-9]+)$/.exec(name);
  if (m === null) return null;
  return { index: Number(m[1]), count: Number(m[2]), ext: m[3]! };
}

/** The folder beside the parts for their stats and order files (skipped by Spark, Hadoop, DuckDB: `_` prefix). */
export const STATS_DIR = '_stats';

/** `_stats/part-KKKKK.json`: options, inputs, version, counters of one part. */
export function partStatsName(index: number): string {
  return `part-${pad5(index)}.json`;
}

/** `_stats/part-KKKKK.order`: each row's place in the single run's order (see part-order.ts). */
export function partOrderName(index: number): string {
  return `part-${pad5(index)}.order`;
}
