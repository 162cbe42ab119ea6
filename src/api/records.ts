// The typed flow records of the library API (flows(), writeFlows()): one object per flow whose keys are the
// snake_case header variant's names (csv/header-variants.ts, `--header snake_case`) and whose values are the CSV's
// cells typed: text columns as strings, Java-long columns as numbers, every other number column as a double
// (NaN and the infinities kept), plus `start_time_us`, the flow's first packet time (µs since the epoch, UTC).
// With `firstPackets: N` a record also has the 3N early-flow fields (`pkt_k_size`, `pkt_k_iat`, `pkt_k_dir`:
// integers, null past the flow's end), and with `fileColumn` the `source_file` field, as the CSV's columns.
// The CSV stays the reference: a record's values are read back from the CSV record the flow engine wrote, and the
// record keeps that record (under a symbol key, which Object.keys and JSON do not list) so that writeFlows()
// writes its cells as they were unless the program changed a value. The column lists below are checked against the column tables by
// test/unit/api/records.test.ts, and the record types are derived from them. Pure: no I/O.
import { csvRecord } from '../csv/csv-line.js';
import { javaDoubleToString } from '../csv/java-format.js';
import { PcapflowError } from '../errors.js';
import type { FlowRow } from '../flow/flow-engine.js';
import type { ProfileName } from '../options.js';
import { splitRecord } from '../output/column-types.js';
import type { TimeFormat } from '../output/time-columns.js';

/**
 * How a column's value is typed in a record:
 * - 'string': addresses, ids, the timestamp text, the label;
 * - 'int': a Java long that is a count, a port, a duration in µs, a header length...: a safe integer number (each
 *   is bounded by the packets and bytes of one flow, or by the capture's own timestamps, far below 2^53);
 * - 'long': the cicflowmeter profile's bulk rates (`(long) (bytes / seconds)`, Java's cast): bytes per second of
 *   a bulk that may last one microsecond, so 9 GB in a bulk would pass 2^53, and Java's cast saturates at
 *   Long.MAX_VALUE; a number while it is a safe integer, else a bigint holding the CSV's digits exactly;
 * - 'double': every other number column (statistics, rates, ratios);
 * - 'nullable-int': the early-flow columns: a safe integer, or null where the CSV cell is empty (past the flow's
 *   end).
 */
export type RecordKind = 'string' | 'int' | 'long' | 'double' | 'nullable-int';

/** The first 40 columns, the same in both profiles (spec §6 rows 1-40). */
const LEADING_RECORD_COLUMNS = [
  ['flow_id', 'string'],
  ['src_ip', 'string'],
  ['src_port', 'int'],
  ['dst_ip', 'string'],
  ['dst_port', 'int'],
  ['protocol', 'int'],
  ['timestamp', 'string'],
  ['flow_duration', 'int'],
  ['tot_fwd_pkts', 'int'],
  ['tot_bwd_pkts', 'int'],
  ['totlen_fwd_pkts', 'double'],
  ['totlen_bwd_pkts', 'double'],
  ['fwd_pkt_len_max', 'double'],
  ['fwd_pkt_len_min', 'double'],
  ['fwd_pkt_len_mean', 'double'],
  ['fwd_pkt_len_std', 'double'],
  ['bwd_pkt_len_max', 'double'],
  ['bwd_pkt_len_min', 'double'],
  ['bwd_pkt_len_mean', 'double'],
  ['bwd_pkt_len_std', 'double'],
  ['flow_byts_s', 'double'],
  ['flow_pkts_s', 'double'],
  ['flow_iat_mean', 'double'],
  ['flow_iat_std', 'double'],
  ['flow_iat_max', 'double'],
  ['flow_iat_min', 'double'],
  ['fwd_iat_tot', 'double'],
  ['fwd_iat_mean', 'double'],
  ['fwd_iat_std', 'double'],
  ['fwd_iat_max', 'double'],
  ['fwd_iat_min', 'double'],
  ['bwd_iat_tot', 'double'],
  ['bwd_iat_mean', 'double'],
  ['bwd_iat_std', 'double'],
  ['bwd_iat_max', 'double'],
  ['bwd_iat_min', 'double'],
  ['fwd_psh_flags', 'int'],
  ['bwd_psh_flags', 'int'],
  ['fwd_urg_flags', 'int'],
  ['bwd_urg_flags', 'int'],
] as const;

/** Header lengths through the segment size averages: the same columns in both profiles. */
const MIDDLE_RECORD_COLUMNS = [
  ['fwd_header_len', 'int'],
  ['bwd_header_len', 'int'],
  ['fwd_pkts_s', 'double'],
  ['bwd_pkts_s', 'double'],
  ['pkt_len_min', 'double'],
  ['pkt_len_max', 'double'],
  ['pkt_len_mean', 'double'],
  ['pkt_len_std', 'double'],
  ['pkt_len_var', 'double'],
  ['fin_flag_cnt', 'int'],
  ['syn_flag_cnt', 'int'],
  ['rst_flag_cnt', 'int'],
  ['psh_flag_cnt', 'int'],
  ['ack_flag_cnt', 'int'],
  ['urg_flag_cnt', 'int'],
  ['cwr_flag_count', 'int'],
  ['ece_flag_cnt', 'int'],
  ['down_up_ratio', 'double'],
  ['pkt_size_avg', 'double'],
  ['fwd_seg_size_avg', 'double'],
  ['bwd_seg_size_avg', 'double'],
] as const;

/** The active and idle period statistics: the same columns in both profiles. */
const ACTIVE_IDLE_RECORD_COLUMNS = [
  ['active_mean', 'double'],
  ['active_std', 'double'],
  ['active_max', 'double'],
  ['active_min', 'double'],
  ['idle_mean', 'double'],
  ['idle_std', 'double'],
  ['idle_max', 'double'],
  ['idle_min', 'double'],
] as const;

export const DEFAULT_RECORD_COLUMNS = [
  ...LEADING_RECORD_COLUMNS,
  ['fwd_rst_flags', 'int'],
  ['bwd_rst_flags', 'int'],
  ...MIDDLE_RECORD_COLUMNS,
  ['fwd_byts_b_avg', 'double'],
  ['fwd_pkts_b_avg', 'double'],
  ['fwd_blk_rate_avg', 'double'],
  ['bwd_byts_b_avg', 'double'],
  ['bwd_pkts_b_avg', 'double'],
  ['bwd_blk_rate_avg', 'double'],
  ['subflow_fwd_pkts', 'double'],
  ['subflow_fwd_byts', 'double'],
  ['subflow_bwd_pkts', 'double'],
  ['subflow_bwd_byts', 'double'],
  ['init_fwd_win_byts', 'int'],
  ['init_bwd_win_byts', 'int'],
  ['fwd_act_data_pkts', 'int'],
  ['bwd_act_data_pkts', 'int'],
  ['fwd_seg_size_min', 'int'],
  ['bwd_seg_size_min', 'int'],
  ...ACTIVE_IDLE_RECORD_COLUMNS,
  ['icmp_code', 'int'],
  ['icmp_type', 'int'],
  ['fwd_tcp_retrans_count', 'int'],
  ['bwd_tcp_retrans_count', 'int'],
  ['total_tcp_retrans_count', 'int'],
  ['total_connection_flow_time', 'int'],
  ['label', 'string'],
  ['community_id', 'string'],
] as const;

export const CICFLOWMETER_RECORD_COLUMNS = [
  ...LEADING_RECORD_COLUMNS,
  ...MIDDLE_RECORD_COLUMNS,
  ['fwd_byts_b_avg', 'int'],
  ['fwd_pkts_b_avg', 'int'],
  ['fwd_blk_rate_avg', 'long'],
  ['bwd_byts_b_avg', 'int'],
  ['bwd_pkts_b_avg', 'int'],
  ['bwd_blk_rate_avg', 'long'],
  ['subflow_fwd_pkts', 'int'],
  ['subflow_fwd_byts', 'int'],
  ['subflow_bwd_pkts', 'int'],
  ['subflow_bwd_byts', 'int'],
  ['init_fwd_win_byts', 'int'],
  ['init_bwd_win_byts', 'int'],
  ['fwd_act_data_pkts', 'int'],
  ['fwd_seg_size_min', 'int'],
  ...ACTIVE_IDLE_RECORD_COLUMNS,
  ['label', 'string'],
  ['community_id', 'string'],
] as const;


type Columns = readonly (readonly [string, RecordKind])[];
type ValueOf<K extends RecordKind> = K extends 'string' ? string : K extends 'long' ? number | bigint : number;
type RecordShape<C extends Columns> = { [E in C[number] as E[0]]: ValueOf<E[1]> } & {
  /** The flow's first packet time, µs since the epoch (UTC): the Timestamp column's instant, exact. */
  start_time_us: number;
};

/**
 * The fields flows() adds on request: with `firstPackets: N`, for k = 1..N, the k-th packet's signed payload
 * size (negative backward), its inter-arrival time (µs) and direction (0 forward, 1 backward), null past the
 * flow's end (`--first-packets`); with `fileColumn`, the capture of the flow's first packet (`--file-column`).
 */
export interface RecordExtraFields {
  [early: `pkt_${number}_size` | `pkt_${number}_iat` | `pkt_${number}_dir`]: number | null;
  source_file?: string;
}

/** Which extra fields the records of a run carry. */
export interface RecordExtras {
  /** N of `firstPackets` (0 = none). */
  firstPackets: number;
  fileColumn: boolean;
}

const NO_EXTRAS: RecordExtras = { firstPackets: 0, fileColumn: false };

const EARLY_KEY = /^pkt_([1-9]\d*)_(size|iat|dir)$/;

/** A flow of the default profile (`profile: 'default'`, 95 columns). */
export interface DefaultFlowRecord extends RecordShape<typeof DEFAULT_RECORD_COLUMNS>, RecordExtraFields {}
/** A flow of the cicflowmeter profile (`profile: 'cicflowmeter'`, CICFlowMeter-4.0's 84 columns and community_id). */
export interface CicflowmeterFlowRecord extends RecordShape<typeof CICFLOWMETER_RECORD_COLUMNS>, RecordExtraFields {}
/** The record type of a profile. */
export type FlowRecordOf<P extends ProfileName> = P extends 'cicflowmeter' ? CicflowmeterFlowRecord : DefaultFlowRecord;
/** A record of either profile. */
export type FlowRecord = DefaultFlowRecord | CicflowmeterFlowRecord;

const columnsCache = new Map<string, Columns>();

/** The record columns of a profile, in column order, then the extras' (the CSV's order). */
export function recordColumns(profile: ProfileName, extras: RecordExtras = NO_EXTRAS): Columns {
  const base = profile === 'cicflowmeter' ? CICFLOWMETER_RECORD_COLUMNS : DEFAULT_RECORD_COLUMNS;
  if (extras.firstPackets === 0 && !extras.fileColumn) return base;
  const id = `${profile}/${extras.firstPackets}/${extras.fileColumn}`;
  let cols = columnsCache.get(id);
  if (cols === undefined) {
    const out: (readonly [string, RecordKind])[] = [...base];
    for (let k = 1; k <= extras.firstPackets; k++) out.push([`pkt_${k}_size`, 'nullable-int'], [`pkt_${k}_iat`, 'nullable-int'], [`pkt_${k}_dir`, 'nullable-int']);
    if (extras.fileColumn) out.push(['source_file', 'string']);
    cols = out;
    columnsCache.set(id, cols);
  }
  return cols;
}

/** What a record remembers of where it came from. Printed as `[pcapflow row]` by console.log / util.inspect. */
class Origin {
  /** The CSV record its values were read from. */
  readonly line: string;
  readonly profile: ProfileName;
  readonly timeFormat: TimeFormat;
  readonly extras: RecordExtras;

  constructor(line: string, profile: ProfileName, timeFormat: TimeFormat, extras: RecordExtras) {
    this.line = line;
    this.profile = profile;
    this.timeFormat = timeFormat;
    this.extras = extras;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[pcapflow row]';
  }
}

/**
 * The key of a record's origin: a symbol, so Object.keys, for...in and JSON.stringify never see it, while object
 * spread (`{ ...record, label: 'x' }`) and Object.assign copy it: a changed copy is still written from the engine's
 * cells, its changed values apart.
 */
export const RECORD_ORIGIN: unique symbol = Symbol('pcapflow.recordOrigin');

function originOf(record: object): Origin | undefined {
  const o = (record as { [RECORD_ORIGIN]?: unknown })[RECORD_ORIGIN];
  return o instanceof Origin ? o : undefined;
}

/** The profile, time format and extra fields of a record made by flows() (or a copy of one), or undefined for
 *  another object. */
export function recordOrigin(record: object): { profile: ProfileName; timeFormat: TimeFormat; extras: RecordExtras } | undefined {
  const o = originOf(record);
  return o === undefined ? undefined : { profile: o.profile, timeFormat: o.timeFormat, extras: o.extras };
}

function cellValue(text: string, kind: RecordKind): string | number | bigint | null {
  if (kind === 'string') return text;
  if (kind === 'nullable-int' && text === '') return null;
  const n = Number(text);
  if (kind === 'long' && !Number.isSafeInteger(n)) return BigInt(text);
  return n;
}

/** Builds the records of one profile from the flow engine's rows (after any --labels / --time-format rewrite). */
export class RecordMaker {
  private readonly columns: Columns;
  private readonly profile: ProfileName;
  private readonly timeFormat: TimeFormat;
  private readonly extras: RecordExtras;

  constructor(profile: ProfileName, timeFormat: TimeFormat, extras: RecordExtras = NO_EXTRAS) {
    this.profile = profile;
    this.timeFormat = timeFormat;
    this.extras = { firstPackets: extras.firstPackets, fileColumn: extras.fileColumn };
    this.columns = recordColumns(profile, this.extras);
  }

  make(row: FlowRow): FlowRecord {
    const cells = splitRecord(row.line);
    const columns = this.columns;
    if (cells.length !== columns.length) throw new PcapflowError('E_INTERNAL', `a ${this.profile} row has ${cells.length} fields, expected ${columns.length}`);
    const rec: Record<string, string | number | bigint | null> = {};
    for (let i = 0; i < columns.length; i++) {
      const [key, kind] = columns[i]!;
      rec[key] = cellValue(cells[i]!, kind);
    }
    rec['start_time_us'] = row.startTsUs;
    (rec as { [RECORD_ORIGIN]?: Origin })[RECORD_ORIGIN] = new Origin(row.line, this.profile, this.timeFormat, this.extras);
    return rec as unknown as FlowRecord;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

function badValue(key: string, why: string): PcapflowError {
  return new PcapflowError('E_OPTION_INVALID', `writeFlows: record field ${key}: ${why}`, { layer: 'record' });
}

/** A value the program set, as CSV text of its kind (Java's Long.toString / Double.toString, as the engine). */
function formatValue(key: string, v: unknown, kind: RecordKind): string {
  if (kind === 'string') {
    if (typeof v !== 'string') throw badValue(key, `expected a string, got ${typeof v}`);
    return v;
  }
  if (kind === 'nullable-int' && (v === null || v === undefined)) return '';
  if (typeof v === 'bigint') {
    if (kind === 'double') throw badValue(key, 'expected a number, got a bigint');
    return String(v);
  }
  if (typeof v !== 'number') throw badValue(key, `expected a number, got ${typeof v}`);
  if (kind === 'double') return javaDoubleToString(v);
  if (!Number.isInteger(v)) throw badValue(key, `expected an integer, got ${v}`);
  return String(v);
}

function sameExtras(a: RecordExtras, b: RecordExtras): boolean {
  return a.firstPackets === b.firstPackets && a.fileColumn === b.fileColumn;
}

/**
 * A record as a FlowRow for the output encoders: its CSV record is the one the flow engine wrote when no value was
 * changed (byte for byte), else the changed cells are formatted from their values and the others kept. With
 * `epochColumn` the start time in µs is added where `--epoch-column` puts it (before `source_file`).
 */
export function recordRow(record: FlowRecord, profile: ProfileName, extras: RecordExtras = NO_EXTRAS, epochColumn = false): FlowRow {
  const r = record as unknown as Record<string, unknown>;
  const startTsUs = r['start_time_us'];
  if (typeof startTsUs !== 'number' || !Number.isSafeInteger(startTsUs)) throw badValue('start_time_us', 'expected an integer number of µs');
  const columns = recordColumns(profile, extras);
  const origin = originOf(record);
  const cells = origin !== undefined && origin.profile === profile && sameExtras(origin.extras, extras) ? splitRecord(origin.line) : null;
  let changed = cells === null;
  const out = new Array<string>(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const [key, kind] = columns[i]!;
    if (!(key in r)) throw badValue(key, `missing (a ${profile} record has ${columns.length} fields)`);
    const v = r[key];
    const cell = cells?.[i];
    if (cell !== undefined && sameValue(v, cellValue(cell, kind))) out[i] = cell;
    else {
      out[i] = formatValue(key, v, kind);
      changed = true;
    }
  }
  let line: string;
  if (!epochColumn) line = changed ? csvRecord(out) : origin!.line;
  else if (!extras.fileColumn) line = `${changed ? csvRecord(out) : origin!.line},${startTsUs}`;
  else {
    out.splice(out.length - 1, 0, String(startTsUs));
    line = csvRecord(out);
  }
  return { line, startTsUs, packets: 0, endIndex: 0, firstIndex: 0 };
}

/** The profile and extra fields whose keys `record` has (for records not made by flows()), or null. */
export function shapeOfKeys(record: object): { profile: ProfileName; extras: RecordExtras } | null {
  let early = 0;
  let maxK = 0;
  for (const k of Object.keys(record)) {
    const m = EARLY_KEY.exec(k);
    if (m !== null) {
      early++;
      maxK = Math.max(maxK, Number(m[1]));
    }
  }
  const extras: RecordExtras = { firstPackets: early === 3 * maxK ? maxK : -1, fileColumn: 'source_file' in record };
  if (extras.firstPackets < 0) return null;
  for (const profile of ['default', 'cicflowmeter'] as const) {
    const cols = recordColumns(profile, extras);
    if (cols.every(([k]) => k in record) && Object.keys(record).length === cols.length + 1) return { profile, extras };
  }
  return null;
}

/** The profile whose record keys `record` has (for records not made by flows()), or null. */
export function profileOfKeys(record: object): ProfileName | null {
  return shapeOfKeys(record)?.profile ?? null;
}
