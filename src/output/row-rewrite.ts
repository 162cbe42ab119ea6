// Changes written rows where an option asks for it: the Label (--labels), the Timestamp format (--time-format) and
// the exact start time column (--epoch-column). One split and one join per written flow, and nothing at all when
// no such option is given (the rows then reach the output exactly as the flow engine formatted them). Pure.
import { csvRecord } from '../csv/csv-line.js';
import type { FlowRow } from '../flow/flow-engine.js';
import { labelOf, type LabelRule } from '../labels/rules.js';
import { splitRecord } from './column-types.js';
import { formatTimestamp, type TimeFormat } from './time-columns.js';

export interface RowRewrite {
  /** The profile's column names (before any --header variant). */
  columnNames: readonly string[];
  labels: { rules: readonly LabelRule[]; defaultLabel: string } | null;
  /** A Timestamp format other than the profile's, or null to keep it. */
  timeFormat: TimeFormat | null;
  epochColumn: boolean;
}

/** The rewriting function for these options, or null when rows stay as they are. */
export function rowRewriter(opts: RowRewrite): ((row: FlowRow) => FlowRow) | null {
  if (opts.labels === null && opts.timeFormat === null && !opts.epochColumn) return null;
  const at = (name: string): number => {
    const i = opts.columnNames.indexOf(name);
    if (i < 0) throw new Error(`no ${name} column`);
    return i;
  };
  const [srcIp, srcPort, dstIp, dstPort, protocol, label, timestamp] = ['Src IP', 'Src Port', 'Dst IP', 'Dst Port', 'Protocol', 'Label', 'Timestamp'].map(at) as [number, number, number, number, number, number, number];
  const { labels, timeFormat, epochColumn } = opts;
  return (row) => {
    const fields = splitRecord(row.line);
    if (labels !== null) {
      fields[label] = labelOf(
        labels.rules,
        {
          srcIp: fields[srcIp]!,
          dstIp: fields[dstIp]!,
          srcPort: Number(fields[srcPort]),
          dstPort: Number(fields[dstPort]),
          protocol: Number(fields[protocol]),
          startTsUs: row.startTsUs,
        },
        labels.defaultLabel,
      );
    }
    if (timeFormat !== null) fields[timestamp] = formatTimestamp(row.startTsUs, timeFormat);
    if (epochColumn) fields.push(String(row.startTsUs));
    return { ...row, line: csvRecord(fields) };
  };
}

/** The Source File column's name (--file-column), before any --header variant. */
export const FILE_COLUMN = 'Source File';

/**
 * --file-column: appends to each row the path of the input file that holds the flow's first packet, found from
 * the row's firstIndex among `fileStarts` (each file begun so far with its first packet's global index, in order:
 * the packet stage adds a file before any of its packets reaches a flow). The path is CSV-quoted when it needs it
 * (csvRecord's rule), once per file. One string concatenation per row.
 */
export function fileColumnAppender(fileStarts: readonly { file: string; firstIndex: number }[]): (row: FlowRow) => FlowRow {
  const fields: string[] = [];
  return (row) => {
    // the last file whose first index is <= the row's: files with no packet share their start with the next one
    let lo = 0;
    let hi = fileStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (fileStarts[mid]!.firstIndex <= row.firstIndex) lo = mid;
      else hi = mid - 1;
    }
    const field = (fields[lo] ??= csvRecord([fileStarts[lo]?.file ?? '']));
    return { ...row, line: `${row.line},${field}` };
  };
}
