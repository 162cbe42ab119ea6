// Applies labelling rules (rules.ts) to written flow rows: reads the flow's addresses, ports and protocol from its
// CSV record and its start time from the row, and replaces the Label field. Runs in the sink, once per written
// flow (never per packet), so the rows of every --jobs value get the same labels. Pure.
import { csvRecord } from '../csv/csv-line.js';
import type { FlowRow } from '../flow/flow-engine.js';
import { splitRecord } from '../output/column-types.js';
import { labelOf, type LabelRule } from './rules.js';

export const DEFAULT_LABEL = 'BENIGN';

/** A function giving each row with its Label field set by `rules` (first match) or `defaultLabel`. */
export function rowLabeller(header: readonly string[], rules: readonly LabelRule[], defaultLabel: string): (row: FlowRow) => FlowRow {
  const at = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`labels: no ${name} column`);
    return i;
  };
  const srcIp = at('Src IP');
  const srcPort = at('Src Port');
  const dstIp = at('Dst IP');
  const dstPort = at('Dst Port');
  const protocol = at('Protocol');
  const label = at('Label');
  return (row) => {
    const fields = splitRecord(row.line);
    fields[label] = labelOf(
      rules,
      {
        srcIp: fields[srcIp]!,
        dstIp: fields[dstIp]!,
        srcPort: Number(fields[srcPort]),
        dstPort: Number(fields[dstPort]),
        protocol: Number(fields[protocol]),
        startTsUs: row.startTsUs,
      },
      defaultLabel,
    );
    return { ...row, line: csvRecord(fields) };
  };
}
