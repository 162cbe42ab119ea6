// Validated options for a flow run. All defaults live here; normalizeOptions() checks every value before any
// work starts and throws PcapflowError('E_OPTION_INVALID') naming the option. No I/O.
import { PcapflowError } from './errors.js';
import { parseShardSpec, SHARD_BY, type ShardBy, type ShardSpec } from './shard/shard-spec.js';
import { chooseFormat, type OutputFormat } from './output/format.js';
import { headerVariantOf, type HeaderVariant } from './csv/header-variants.js';
import { timeFormatOf, type TimeFormat } from './output/time-columns.js';
import { firstPacketsOf } from './flow/early-packets.js';

export type ProfileName = 'default' | 'cicflowmeter';
export const PROFILES: readonly ProfileName[] = ['default', 'cicflowmeter'];

/** Everything `pcapflow <capture> -o flows.csv` needs, in core units (integer microseconds). */
export interface Options {
  inputs: string[];
  /** Output path; '-' for stdout. */
  output: string;
  profile: ProfileName;
  jobs: number;
  flowTimeoutUs: number;
  activityTimeoutUs: number;
  /** 0 = off. */
  idleTimeoutUs: number;
  /** 0 = unlimited. */
  maxFlows: number;
  communityIdSeed: number;
  communityIdBase64: boolean;
  /** Path for the JSON summary, or null. */
  statsFile: string | null;
  /** Treat any skipped packet as damage (exit status 2). */
  strict: boolean;
  /** Do not print the summary line on stderr. */
  quiet: boolean;
  /** Key flows by the innermost IP header of tunnels (--decap). */
  decap: boolean;
  /** `--shard K/N` (or PCAPFLOW_SHARD): this run is task K of N; null for a whole run. */
  shard: ShardSpec | null;
  /** `--out-dir DIR`: with a shard, write the part DIR/part-KKKKK-of-NNNNN.csv and its DIR/_stats files; without
   *  one, write one output per input capture under DIR (see perInput); null otherwise. */
  outDir: string | null;
  /** `--out-dir DIR` without `--shard`: one output per input file, DIR/<its path relative to its input root, its
   *  capture extension replaced by the format's> (output/per-input.ts). */
  perInput: boolean;
  /** Output format (--format, else the output's name, else csv) and whether it is gzipped (a .gz name, --gzip). */
  format: OutputFormat;
  gzip: boolean;
  /** --labels rules file, or null (the Label column then keeps the profile's NeedManualLabel). */
  labelsFile: string | null;
  /** Label of flows no rule matches (with --labels). */
  defaultLabel: string;
  /** Column-name set of the output (--header). */
  header: HeaderVariant;
  /** Timestamp column format (--time-format; default: the profile's reference format). */
  timeFormat: TimeFormat;
  /** Append the exact start time column (--epoch-column). */
  epochColumn: boolean;
  /** --first-packets N: 3N columns of each flow's first N packets (1 to 255); 0 = off. */
  firstPackets: number;
  /** Append the Source File column: the input file of each flow's first packet (--file-column). */
  fileColumn: boolean;
  /** Progress display on stderr: true (--progress), false (--no-progress), null (when stderr is a terminal and
   *  not --quiet). */
  progress: boolean | null;
}

export const DEFAULTS = {
  output: '-',
  profile: 'default' as ProfileName,
  jobs: 1,
  flowTimeoutS: 120,
  activityTimeoutS: 5,
  idleTimeoutS: 0,
  maxFlows: 0,
  communityIdSeed: 0,
  communityIdBase64: true,
};

/** The raw values a caller (the CLI, a program) may pass; anything omitted takes its default. */
export interface RawOptions {
  inputs?: string[];
  output?: string | undefined;
  profile?: string | undefined;
  jobs?: number | undefined;
  flowTimeout?: number | undefined; // seconds
  activityTimeout?: number | undefined; // seconds
  idleTimeout?: number | undefined; // seconds
  maxFlows?: number | undefined;
  communityIdSeed?: number | undefined;
  base64?: boolean | undefined;
  stats?: string | undefined;
  strict?: boolean | undefined;
  quiet?: boolean | undefined;
  decap?: boolean | undefined;
  /** "K/N" */
  shard?: string | undefined;
  /** Where `shard` came from, for messages (default '--shard'). */
  shardSource?: string | undefined;
  shardBy?: string | undefined;
  outDir?: string | undefined;
  format?: string | undefined;
  labels?: string | undefined;
  defaultLabel?: string | undefined;
  header?: string | undefined;
  timeFormat?: string | undefined;
  epochColumn?: boolean | undefined;
  firstPackets?: number | undefined;
  /** Gzip the output (--gzip; also chosen by a .gz output name). */
  gzip?: boolean | undefined;
  fileColumn?: boolean | undefined;
  progress?: boolean | undefined;
}

function invalid(option: string, why: string): PcapflowError {
  return new PcapflowError('E_OPTION_INVALID', `--${option}: ${why}`, { layer: option });
}

function seconds(option: string, value: number | undefined, fallback: number, allowZero: boolean): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw invalid(option, `expected a ${allowZero ? 'non-negative' : 'positive'} number of seconds, got ${String(value)}`);
  }
  const us = Math.round(v * 1e6);
  if (!Number.isSafeInteger(us)) throw invalid(option, `${String(value)} seconds is too large`);
  return us;
}

function integer(option: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalid(option, `expected an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return v;
}

function defaultLabelOf(v: string | undefined): string {
  if (v === undefined) return 'BENIGN';
  if (v === '' || /[\r\n]/.test(v)) throw invalid('default-label', 'expected a non-empty label on one line');
  return v;
}

/** Check and complete raw options. Throws PcapflowError('E_OPTION_INVALID') naming the first bad option. */
export function normalizeOptions(raw: RawOptions): Options {
  const inputs = raw.inputs ?? [];
  if (inputs.length === 0) throw invalid('input', 'no capture given (use - for stdin)');
  if (inputs.filter((i) => i === '-').length > 1) throw invalid('input', 'stdin (-) can be read only once');
  const profile = raw.profile ?? DEFAULTS.profile;
  if (!PROFILES.includes(profile as ProfileName)) {
    throw invalid('profile', `expected one of ${PROFILES.join(', ')}, got ${profile}`);
  }
  const shardBy = raw.shardBy ?? 'flow';
  if (!SHARD_BY.includes(shardBy as ShardBy)) throw invalid('shard-by', `expected one of ${SHARD_BY.join(', ')}, got ${shardBy}`);
  if (raw.shardBy !== undefined && raw.shard === undefined) throw invalid('shard-by', 'needs --shard K/N (or PCAPFLOW_SHARD)');
  let shard = raw.shard === undefined || raw.shard === '' ? null : parseShardSpec(raw.shard, shardBy as ShardBy, raw.shardSource ?? '--shard');
  const outDir = raw.outDir ?? null;
  if (outDir !== null) {
    if (outDir === '' || outDir === '-') throw invalid('out-dir', 'expected a directory path');
    if (raw.output !== undefined && raw.output !== DEFAULTS.output) {
      throw invalid('out-dir', `${shard === null ? 'writes one output per input' : 'writes its own part file'}: give --out-dir or -o, not both`);
    }
    if (shard === null && inputs.includes('-')) throw invalid('out-dir', 'writes one output per input file: stdin (-) has no name to write it under (use -o)');
  }
  const perInput = outDir !== null && shard === null;
  if (shard !== null) {
    // The rows of the N parts are the single run's rows only if each shard's flows evolve as in the whole run.
    if (shard.by === 'flow' && raw.maxFlows !== undefined && raw.maxFlows > 0) {
      throw invalid('max-flows', 'cannot be used with --shard: the cap ends the oldest flows of the whole table, which no shard sees (run without --shard, or without --max-flows)');
    }
    if (shard.by === 'file' && inputs.includes('-')) throw invalid('shard-by', 'file: stdin (-) has no path to place it by');
  }
  const output = raw.output ?? DEFAULTS.output;
  const { format, gzip } = chooseFormat(raw.format, output, raw.gzip);
  if (outDir !== null && !perInput && format !== 'csv') {
    throw invalid('format', `${format}: parts written with --out-dir are CSV (pcapflow merge joins CSV parts); convert the merged output`);
  }
  if (outDir !== null && !perInput && gzip) throw invalid('gzip', 'parts written with --shard and --out-dir are plain CSV (pcapflow merge joins them); gzip the merged output');
  return {
    inputs,
    output,
    profile: profile as ProfileName,
    jobs: integer('jobs', raw.jobs, DEFAULTS.jobs, 1, 256),
    flowTimeoutUs: seconds('flow-timeout', raw.flowTimeout, DEFAULTS.flowTimeoutS, false),
    activityTimeoutUs: seconds('activity-timeout', raw.activityTimeout, DEFAULTS.activityTimeoutS, false),
    idleTimeoutUs: seconds('idle-timeout', raw.idleTimeout, DEFAULTS.idleTimeoutS, true),
    maxFlows: integer('max-flows', raw.maxFlows, DEFAULTS.maxFlows, 0, 2 ** 31),
    communityIdSeed: integer('community-id-seed', raw.communityIdSeed, DEFAULTS.communityIdSeed, 0, 65535),
    communityIdBase64: raw.base64 ?? DEFAULTS.communityIdBase64,
    statsFile: raw.stats ?? null,
    strict: raw.strict ?? false,
    quiet: raw.quiet ?? false,
    decap: raw.decap ?? false,
    shard,
    outDir,
    perInput,
    format,
    gzip,
    labelsFile: raw.labels ?? null,
    defaultLabel: defaultLabelOf(raw.defaultLabel),
    header: headerVariantOf(raw.header),
    timeFormat: timeFormatOf(raw.timeFormat, profile as ProfileName),
    epochColumn: raw.epochColumn ?? false,
    firstPackets: firstPacketsOf(raw.firstPackets),
    fileColumn: raw.fileColumn ?? false,
    progress: raw.progress ?? null,
  };
}
