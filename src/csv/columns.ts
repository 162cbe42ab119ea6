// THE column table of both profiles: each column's exact header name and how to format its value from a finished
// flow's state. The CSV header and every row come from these tables, so they cannot drift apart. Formatting only
// (Java number formatting via java-format.ts, timestamps via timestamp.ts); called once per written flow, never
// per packet. Pure: no I/O.
import { BULK, FLAG_INDEX, S, W, type FlowState } from '../flow/flow-state.js';
import { statMax, statMean, statMin, statN, statStddev, statSum, statVariance } from '../flow/running-stats.js';
import { RowWriter } from './row-writer.js';
import { formatCicTimestamp, formatIsoTimestamp } from './timestamp.js';

/** Per-row values computed once before the columns are formatted (the engine reuses one object). */
export interface RowContext {
  srcIp: string;
  dstIp: string;
  /** Ports and protocol as the flow key holds them (cicflowmeter: 0/0/0 for non-TCP/UDP). */
  srcPort: number;
  dstPort: number;
  protocol: number;
  communityId: string;
  /** True when the Flow ID names the flow's Dst first (a later flow of a tuple whose first flow ran the other
   *  way, default profile). */
  flowIdReversed?: boolean;
}

/** Writes a column's value into the record being written (RowWriter: digits, Java doubles, text). */
export type ColumnWriter = (f: FlowState, c: RowContext, w: RowWriter) => void;

/**
 * One CSV column: header name and formatter. `format` gives the field's text; the columns of the profiles also
 * have `write`, which puts the same text straight into the record's bytes (formatRecord uses it when present).
 */
export interface Column {
  readonly name: string;
  format(f: FlowState, c: RowContext): string;
  write?: ColumnWriter;
  /** True when the formatter's text comes from strings (addresses, times, labels, IDs) rather than from a number
   *  formatter, so only such a column could ever need CSV quoting (see formatRecord). */
  readonly text: boolean;
}

/** Scratch writer of Column.format (one field at a time). */
const FIELD = new RowWriter(256, false);

/** The text `write` puts into a record, as a string. */
function formatOf(write: ColumnWriter): (f: FlowState, c: RowContext) => string {
  return (f, c) => {
    FIELD.reset();
    write(f, c, FIELD);
    return FIELD.toString();
  };
}

/** A column printed by a number formatter (Java long/double text, decimal integers): never needs quoting. */
export function col(name: string, write: ColumnWriter): Column {
  return { name, format: formatOf(write), write, text: false };
}

/** A column whose text comes from strings (its writer quotes what needs quoting: RowWriter.text). */
export function textCol(name: string, write: ColumnWriter): Column {
  return { name, format: formatOf(write), write, text: true };
}

const LABEL = 'NeedManualLabel';
/** Java's `(long) x` of a double, printed: NaN → 0, beyond ±2^63 (and ±∞) → Long.MAX/MIN, else truncation. */
function javaLongCast(w: RowWriter, x: number): void {
  if (Number.isNaN(x)) return w.uint(0);
  if (x >= 9223372036854775807) return w.ascii('9223372036854775807');
  if (x <= -9223372036854775808) return w.ascii('-9223372036854775808');
  w.long(Math.trunc(x));
}
const duration = (f: FlowState): number => f.lastTs - f.startTs;

/** Statistic readers, by the word that ends their column names. */
const STAT_OF = { Total: statSum, Max: statMax, Min: statMin, Mean: statMean, Std: statStddev, Variance: statVariance } as const;

/**
 * The columns `${prefix} ${stat}` of the running statistic at `slot`, in the order of `stats`: Java double text
 * when `has(f)`, otherwise the integer literal 0 (spec §5: a skipped statistic group).
 */
function statColumns(prefix: string, slot: number, has: (f: FlowState) => boolean, stats: readonly (keyof typeof STAT_OF)[]): Column[] {
  return stats.map((name) => {
    const stat = STAT_OF[name];
    return col(`${prefix} ${name}`, (f, _c, w) => (has(f) ? w.double(stat(f.s, f.o + slot)) : w.uint(0)));
  });
}

/** Columns 1–20, identical in both profiles apart from the Timestamp format (spec §6 rows 1–20). */
function leadingColumns(timestamp: (tsUs: number) => string): Column[] {
  return [
    textCol('Flow ID', (_f, c, w) => {
      const reversed = c.flowIdReversed === true;
      const first = reversed ? c.dstIp : c.srcIp;
      const second = reversed ? c.srcIp : c.dstIp;
      const p1 = reversed ? c.dstPort : c.srcPort;
      const p2 = reversed ? c.srcPort : c.dstPort;
      if (!RowWriter.plain(first) || !RowWriter.plain(second)) return w.text(`${first}-${second}-${p1}-${p2}-${c.protocol}`);
      w.ascii(first);
      w.ascii('-');
      w.ascii(second);
      w.ascii('-');
      w.uint(p1);
      w.ascii('-');
      w.uint(p2);
      w.ascii('-');
      w.uint(c.protocol);
    }),
    textCol('Src IP', (_f, c, w) => w.str(c.srcIp)),
    col('Src Port', (_f, c, w) => w.uint(c.srcPort)),
    textCol('Dst IP', (_f, c, w) => w.str(c.dstIp)),
    col('Dst Port', (_f, c, w) => w.uint(c.dstPort)),
    col('Protocol', (_f, c, w) => w.uint(c.protocol)),
    textCol('Timestamp', (f, _c, w) => w.str(timestamp(f.startTs))),
    col('Flow Duration', (f, _c, w) => w.long(duration(f))),
    col('Total Fwd Packet', (f, _c, w) => w.long(f.fwdPackets)),
    col('Total Bwd packets', (f, _c, w) => w.long(f.bwdPackets)),
    col('Total Length of Fwd Packet', (f, _c, w) => w.double(statSum(f.s, f.o + S.FWD_LEN))),
    col('Total Length of Bwd Packet', (f, _c, w) => w.double(statSum(f.s, f.o + S.BWD_LEN))),
    ...statColumns('Fwd Packet Length', S.FWD_LEN, (f) => f.fwdPackets > 0, ['Max', 'Min', 'Mean', 'Std']),
    ...statColumns('Bwd Packet Length', S.BWD_LEN, (f) => f.bwdPackets > 0, ['Max', 'Min', 'Mean', 'Std']),
  ];
}

/** Fwd/Bwd IAT groups (spec §6 rows 27–36): integer 0s when the direction has fewer than 2 packets. */
function iatColumns(): Column[] {
  return [
    ...statColumns('Fwd IAT', S.FWD_IAT, (f) => f.fwdPackets > 1, ['Total', 'Mean', 'Std', 'Max', 'Min']),
    ...statColumns('Bwd IAT', S.BWD_IAT, (f) => f.bwdPackets > 1, ['Total', 'Mean', 'Std', 'Max', 'Min']),
  ];
}

/** Header lengths, per-direction packet rates, payload-length stats and the 8 flag totals (spec §6 41–57). */
function middleColumns(): Column[] {
  const rate = (w: RowWriter, count: number, f: FlowState): void => {
    const d = duration(f);
    w.double(d > 0 ? count / (d / 1000000) : 0);
  };
  const flag = (name: string, idx: number): Column => col(`${name} Flag Count`, (f, _c, w) => w.long(f.flagTotal(idx)));
  return [
    col('Fwd Header Length', (f, _c, w) => w.long(f.s[f.o + S.FWD_HDR]!)),
    col('Bwd Header Length', (f, _c, w) => w.long(f.s[f.o + S.BWD_HDR]!)),
    col('Fwd Packets/s', (f, _c, w) => rate(w, f.fwdPackets, f)),
    col('Bwd Packets/s', (f, _c, w) => rate(w, f.bwdPackets, f)),
    ...statColumns('Packet Length', S.ALL_LEN, (f) => f.packets > 0, ['Min', 'Max', 'Mean', 'Std', 'Variance']),
    flag('FIN', FLAG_INDEX.FIN),
    flag('SYN', FLAG_INDEX.SYN),
    flag('RST', FLAG_INDEX.RST),
    flag('PSH', FLAG_INDEX.PSH),
    flag('ACK', FLAG_INDEX.ACK),
    flag('URG', FLAG_INDEX.URG),
    flag('CWR', FLAG_INDEX.CWR),
    flag('ECE', FLAG_INDEX.ECE),
  ];
}

function sizeAverageColumns(): Column[] {
  return [
    col('Average Packet Size', (f, _c, w) => w.double(f.packets > 0 ? statSum(f.s, f.o + S.ALL_LEN) / f.packets : 0)),
    col('Fwd Segment Size Avg', (f, _c, w) => w.double(f.fwdPackets !== 0 ? statSum(f.s, f.o + S.FWD_LEN) / f.fwdPackets : 0)),
    col('Bwd Segment Size Avg', (f, _c, w) => w.double(f.bwdPackets !== 0 ? statSum(f.s, f.o + S.BWD_LEN) / f.bwdPackets : 0)),
  ];
}

/** Active/Idle (spec §6.1): integer 0s when there is no sample. */
function activeIdleColumns(): Column[] {
  return [
    ...statColumns('Active', S.ACTIVE, (f) => statN(f.s, f.o + S.ACTIVE) > 0, ['Mean', 'Std', 'Max', 'Min']),
    ...statColumns('Idle', S.IDLE, (f) => statN(f.s, f.o + S.IDLE) > 0, ['Mean', 'Std', 'Max', 'Min']),
  ];
}

const firstHas = (f: FlowState, dir: number, bit: number): number => (f.firstDir === dir && (f.firstFlags & bit) !== 0 ? 1 : 0);
// Seg Size Min = min L4 header over the direction (spec §6 row 75). The fork initialises each direction's
// minimum to 0 unless p₁ travels that way, so only the direction of p₁ can show a non-zero minimum.
const fwdSegMin: ColumnWriter = (f, _c, w) => w.long(f.firstDir === 0 && f.fwdPackets > 0 ? f.count(W.FWD_MIN_HDR) : 0);
const bwdSegMin: ColumnWriter = (f, _c, w) => w.long(f.firstDir === 1 && f.bwdPackets > 0 ? f.count(W.BWD_MIN_HDR) : 0);
/**
 * community_id: the Community ID of the flow's first packet's real tuple (real protocol number, addresses, ports
 * or ICMP type/code). Community IDs are symmetric, so this is the ID of the flow's tuple in flow orientation. In
 * the cicflowmeter profile it deliberately uses the real protocol and ports, not the protocol-0/ports-0 rewrite
 * (a protocol-0 flow mixing ICMP and GRE between two hosts gets the ID of its first packet).
 */
const COMMUNITY_ID = textCol('community_id', (_f, c, w) => w.str(c.communityId));

/**
 * `--profile cicflowmeter`: CICFlowMeter-4.0 (upstream) — its 84 columns, names and quirks (spec §1, §5, §6 ⚠),
 * then community_id.
 */
export const CICFLOWMETER_COLUMNS: readonly Column[] = [
  ...leadingColumns(formatCicTimestamp),
  // Rates divide by D/10^6 with no guard: D = 0 gives NaN or Infinity (spec §6 rows 21–22).
  col('Flow Bytes/s', (f, _c, w) => w.double((statSum(f.s, f.o + S.FWD_LEN) + statSum(f.s, f.o + S.BWD_LEN)) / (duration(f) / 1000000))),
  col('Flow Packets/s', (f, _c, w) => w.double(f.packets / (duration(f) / 1000000))),
  col('Flow IAT Mean', (f, _c, w) => w.double(statMean(f.s, f.o + S.FLOW_IAT))),
  col('Flow IAT Std', (f, _c, w) => w.double(statStddev(f.s, f.o + S.FLOW_IAT))),
  col('Flow IAT Max', (f, _c, w) => w.double(statMax(f.s, f.o + S.FLOW_IAT))),
  col('Flow IAT Min', (f, _c, w) => w.double(statMin(f.s, f.o + S.FLOW_IAT))),
  ...iatColumns(),
  // ⚠ PSH/URG come from the first packet only (spec §6 rows 37–40).
  col('Fwd PSH Flags', (f, _c, w) => w.long(firstHas(f, 0, 0x08))),
  col('Bwd PSH Flags', (f, _c, w) => w.long(firstHas(f, 1, 0x08))),
  col('Fwd URG Flags', (f, _c, w) => w.long(firstHas(f, 0, 0x20))),
  col('Bwd URG Flags', (f, _c, w) => w.long(firstHas(f, 1, 0x20))),
  ...middleColumns(),
  // ⚠ integer division (spec §6 row 58).
  col('Down/Up Ratio', (f, _c, w) => w.double(f.fwdPackets > 0 ? Math.trunc(f.bwdPackets / f.fwdPackets) : 0)),
  ...sizeAverageColumns(),
  // ⚠ bulk: long divisions; all packets were fed to the backward tracker (spec §6 rows 62–67).
  col('Fwd Bytes/Bulk Avg', (f, _c, w) => w.long(f.bulk(0, BULK.STATES) !== 0 ? Math.trunc(f.bulk(0, BULK.BYTES) / f.bulk(0, BULK.STATES)) : 0)),
  col('Fwd Packet/Bulk Avg', (f, _c, w) => w.long(f.bulk(0, BULK.STATES) !== 0 ? Math.trunc(f.bulk(0, BULK.PACKETS) / f.bulk(0, BULK.STATES)) : 0)),
  col('Fwd Bulk Rate Avg', (f, _c, w) =>
    f.bulk(0, BULK.DURATION) !== 0 ? javaLongCast(w, f.bulk(0, BULK.BYTES) / (f.bulk(0, BULK.DURATION) / 1000000)) : w.uint(0),
  ),
  col('Bwd Bytes/Bulk Avg', (f, _c, w) => w.long(f.bulk(1, BULK.STATES) !== 0 ? Math.trunc(f.bulk(1, BULK.BYTES) / f.bulk(1, BULK.STATES)) : 0)),
  col('Bwd Packet/Bulk Avg', (f, _c, w) => w.long(f.bulk(1, BULK.STATES) !== 0 ? Math.trunc(f.bulk(1, BULK.PACKETS) / f.bulk(1, BULK.STATES)) : 0)),
  col('Bwd Bulk Rate Avg', (f, _c, w) =>
    f.bulk(1, BULK.DURATION) !== 0 ? javaLongCast(w, f.bulk(1, BULK.BYTES) / (f.bulk(1, BULK.DURATION) / 1000000)) : w.uint(0),
  ),
  // ⚠ subflows: long division by the number of >1 s gaps (spec §6 rows 68–71, §6.3).
  col('Subflow Fwd Packets', (f, _c, w) => w.long(f.count(W.SF_COUNT) > 0 ? Math.trunc(f.fwdPackets / f.count(W.SF_COUNT)) : 0)),
  col('Subflow Fwd Bytes', (f, _c, w) => w.long(f.count(W.SF_COUNT) > 0 ? Math.trunc(statSum(f.s, f.o + S.FWD_LEN) / f.count(W.SF_COUNT)) : 0)),
  col('Subflow Bwd Packets', (f, _c, w) => w.long(f.count(W.SF_COUNT) > 0 ? Math.trunc(f.bwdPackets / f.count(W.SF_COUNT)) : 0)),
  col('Subflow Bwd Bytes', (f, _c, w) => w.long(f.count(W.SF_COUNT) > 0 ? Math.trunc(statSum(f.s, f.o + S.BWD_LEN) / f.count(W.SF_COUNT)) : 0)),
  col('FWD Init Win Bytes', (f, _c, w) => w.long(f.count(W.FWD_INIT_WIN))),
  // ⚠ window of the last backward packet (spec §6 row 73).
  col('Bwd Init Win Bytes', (f, _c, w) => w.long(f.count(W.BWD_WIN_LAST))),
  // ⚠ the first packet is not counted (spec §6 row 74).
  col('Fwd Act Data Pkts', (f, _c, w) => w.long(f.count(W.ACT_FWD) - (f.firstDir === 0 && f.firstPayload >= 1 ? 1 : 0))),
  col('Fwd Seg Size Min', fwdSegMin),
  ...activeIdleColumns(),
  textCol('Label', (_f, _c, w) => w.ascii(LABEL)),
  COMMUNITY_ID,
];

/** Flow IAT of the maintained fork: NaN (no gap) prints as 0.0 (Java promotes the int 0 to double). */
const iatOrZero = (w: RowWriter, x: number): void => w.double(Number.isNaN(x) ? 0 : x);
/** Rates of the maintained fork: -1 when D = 0 (spec §6 rows 21–22 ✔). */
const rateOrMinus1 = (w: RowWriter, count: number, f: FlowState): void => {
  const d = duration(f);
  if (d !== 0) w.double(count / (d / 1000000));
  else w.ascii('-1');
};

/** `--profile default`: engelen-head's 94 columns (spec §1) with its fixed semantics (✔), then community_id. */
export const DEFAULT_COLUMNS: readonly Column[] = [
  ...leadingColumns(formatIsoTimestamp),
  col('Flow Bytes/s', (f, _c, w) => rateOrMinus1(w, statSum(f.s, f.o + S.FWD_LEN) + statSum(f.s, f.o + S.BWD_LEN), f)),
  col('Flow Packets/s', (f, _c, w) => rateOrMinus1(w, f.packets, f)),
  col('Flow IAT Mean', (f, _c, w) => iatOrZero(w, statMean(f.s, f.o + S.FLOW_IAT))),
  col('Flow IAT Std', (f, _c, w) => iatOrZero(w, statStddev(f.s, f.o + S.FLOW_IAT))),
  col('Flow IAT Max', (f, _c, w) => iatOrZero(w, statMax(f.s, f.o + S.FLOW_IAT))),
  col('Flow IAT Min', (f, _c, w) => iatOrZero(w, statMin(f.s, f.o + S.FLOW_IAT))),
  ...iatColumns(),
  col('Fwd PSH Flags', (f, _c, w) => w.long(f.flagCount(0, FLAG_INDEX.PSH))),
  col('Bwd PSH Flags', (f, _c, w) => w.long(f.flagCount(1, FLAG_INDEX.PSH))),
  col('Fwd URG Flags', (f, _c, w) => w.long(f.flagCount(0, FLAG_INDEX.URG))),
  col('Bwd URG Flags', (f, _c, w) => w.long(f.flagCount(1, FLAG_INDEX.URG))),
  col('Fwd RST Flags', (f, _c, w) => w.long(f.flagCount(0, FLAG_INDEX.RST))),
  col('Bwd RST Flags', (f, _c, w) => w.long(f.flagCount(1, FLAG_INDEX.RST))),
  ...middleColumns(),
  col('Down/Up Ratio', (f, _c, w) => w.double(f.fwdPackets > 0 ? f.bwdPackets / f.fwdPackets : 0)),
  ...sizeAverageColumns(),
  col('Fwd Bytes/Bulk Avg', (f, _c, w) => w.double(f.bulk(0, BULK.STATES) !== 0 ? f.bulk(0, BULK.BYTES) / f.bulk(0, BULK.STATES) : 0)),
  col('Fwd Packet/Bulk Avg', (f, _c, w) => w.double(f.bulk(0, BULK.STATES) !== 0 ? f.bulk(0, BULK.PACKETS) / f.bulk(0, BULK.STATES) : 0)),
  col('Fwd Bulk Rate Avg', (f, _c, w) =>
    w.double(f.bulk(0, BULK.DURATION) !== 0 ? f.bulk(0, BULK.BYTES) / (f.bulk(0, BULK.DURATION) / 1000000) : 0),
  ),
  col('Bwd Bytes/Bulk Avg', (f, _c, w) => w.double(f.bulk(1, BULK.STATES) !== 0 ? f.bulk(1, BULK.BYTES) / f.bulk(1, BULK.STATES) : 0)),
  col('Bwd Packet/Bulk Avg', (f, _c, w) => w.double(f.bulk(1, BULK.STATES) !== 0 ? f.bulk(1, BULK.PACKETS) / f.bulk(1, BULK.STATES) : 0)),
  col('Bwd Bulk Rate Avg', (f, _c, w) =>
    w.double(f.bulk(1, BULK.DURATION) !== 0 ? f.bulk(1, BULK.BYTES) / (f.bulk(1, BULK.DURATION) / 1000000) : 0),
  ),
  col('Subflow Fwd Packets', (f, _c, w) => w.double(f.count(W.SF_COUNT) > 0 ? f.fwdPackets / f.count(W.SF_COUNT) : 0)),
  col('Subflow Fwd Bytes', (f, _c, w) => w.double(f.count(W.SF_COUNT) > 0 ? statSum(f.s, f.o + S.FWD_LEN) / f.count(W.SF_COUNT) : 0)),
  col('Subflow Bwd Packets', (f, _c, w) => w.double(f.count(W.SF_COUNT) > 0 ? f.bwdPackets / f.count(W.SF_COUNT) : 0)),
  col('Subflow Bwd Bytes', (f, _c, w) => w.double(f.count(W.SF_COUNT) > 0 ? statSum(f.s, f.o + S.BWD_LEN) / f.count(W.SF_COUNT) : 0)),
  col('FWD Init Win Bytes', (f, _c, w) => w.long(f.count(W.FWD_INIT_WIN))),
  col('Bwd Init Win Bytes', (f, _c, w) => w.long(f.count(W.BWD_WIN_FIRST_NZ))),
  col('Fwd Act Data Pkts', (f, _c, w) => w.long(f.count(W.ACT_FWD))),
  col('Bwd Act Data Pkts', (f, _c, w) => w.long(f.count(W.ACT_BWD))),
  col('Fwd Seg Size Min', fwdSegMin),
  col('Bwd Seg Size Min', bwdSegMin),
  ...activeIdleColumns(),
  col('ICMP Code', (f, _c, w) => w.long(f.icmpCode)),
  col('ICMP Type', (f, _c, w) => w.long(f.icmpType)),
  col('Fwd TCP Retrans. Count', (f, _c, w) => w.long(f.count(W.RETRANS_FWD))),
  col('Bwd TCP Retrans. Count', (f, _c, w) => w.long(f.count(W.RETRANS_BWD))),
  col('Total TCP Retrans. Count', (f, _c, w) => w.long(f.count(W.RETRANS_FWD) + f.count(W.RETRANS_BWD))),
  col('Total Connection Flow Time', (f, _c, w) => w.long(f.cumulativeUs)),
  textCol('Label', (_f, _c, w) => w.ascii(LABEL)),
  COMMUNITY_ID,
];

/** The header names of a column table. */
export function headerOf(columns: readonly Column[]): string[] {
  return columns.map((c) => c.name);
}

/** Format one flow into CSV fields in column order. */
export function formatRow(columns: readonly Column[], f: FlowState, c: RowContext): string[] {
  const out = new Array<string>(columns.length);
  for (let i = 0; i < columns.length; i++) out[i] = columns[i]!.format(f, c);
  return out;
}

/**
 * Write one flow as a CSV record (no record delimiter) into `w` after what it holds: what csvRecord gives for
 * formatRow's fields. Columns with a writer put their bytes in directly (number writers print digits, '.', 'E',
 * '-', 'NaN' and 'Infinity' only, text writers quote as csv-stringify does); others through their text, quoted
 * when needed (test/unit/csv/columns.test.ts compares with csv-stringify over random flows and fields).
 */
export function writeRecord(columns: readonly Column[], f: FlowState, c: RowContext, w: RowWriter): void {
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) w.comma();
    const col = columns[i]!;
    if (col.write !== undefined) col.write(f, c, w);
    else if (col.text) w.text(col.format(f, c));
    else w.ascii(col.format(f, c));
  }
}

/** Scratch record of formatRecord. */
const RECORD = new RowWriter(4096);

/** Format one flow as a CSV record (no record delimiter): writeRecord's bytes as a string. */
export function formatRecord(columns: readonly Column[], f: FlowState, c: RowContext): string {
  RECORD.reset();
  writeRecord(columns, f, c, RECORD);
  return RECORD.toString();
}
