// The value type of every flow column, for the typed outputs (JSON Lines, Parquet). The CSV is the reference: a
// typed value is always read back from the CSV text the column table printed (columns.ts), so every format holds
// the same values. Text columns (Column.text) are strings; the columns printed by Java's long formatter are
// 64-bit integers; every other number column is a double. The --first-packets columns are integers that are empty
// past a flow's last packet: 'nullable-int64', null in the typed outputs. Pure: no I/O.
import { CICFLOWMETER_COLUMNS, DEFAULT_COLUMNS, type Column } from '../csv/columns.js';
import type { ProfileName } from '../options.js';

export type ColumnKind = 'string' | 'int64' | 'double' | 'nullable-int64';

/** Columns printed as Java longs in both profiles (spec §6: counts, ports, header lengths, flag counts...). */
const INT64_BOTH = new Set([
  'Src Port', 'Dst Port', 'Protocol', 'Flow Duration', 'Total Fwd Packet', 'Total Bwd packets',
  'Fwd PSH Flags', 'Bwd PSH Flags', 'Fwd URG Flags', 'Bwd URG Flags', 'Fwd RST Flags', 'Bwd RST Flags',
  'Fwd Header Length', 'Bwd Header Length',
  'FIN Flag Count', 'SYN Flag Count', 'RST Flag Count', 'PSH Flag Count', 'ACK Flag Count', 'URG Flag Count',
  'CWR Flag Count', 'ECE Flag Count',
  'FWD Init Win Bytes', 'Bwd Init Win Bytes', 'Fwd Act Data Pkts', 'Bwd Act Data Pkts',
  'Fwd Seg Size Min', 'Bwd Seg Size Min', 'ICMP Code', 'ICMP Type',
  'Fwd TCP Retrans. Count', 'Bwd TCP Retrans. Count', 'Total TCP Retrans. Count', 'Total Connection Flow Time',
]);

/** The cicflowmeter profile's long divisions (spec §6 rows 62–71 ⚠): doubles in the default profile. */
const INT64_CICFLOWMETER = new Set([
  'Fwd Bytes/Bulk Avg', 'Fwd Packet/Bulk Avg', 'Fwd Bulk Rate Avg',
  'Bwd Bytes/Bulk Avg', 'Bwd Packet/Bulk Avg', 'Bwd Bulk Rate Avg',
  'Subflow Fwd Packets', 'Subflow Fwd Bytes', 'Subflow Bwd Packets', 'Subflow Bwd Bytes',
]);

function kindOf(c: Column, profile: ProfileName): ColumnKind {
  if (c.text) return 'string';
  if (INT64_BOTH.has(c.name) || (profile === 'cicflowmeter' && INT64_CICFLOWMETER.has(c.name))) return 'int64';
  return 'double';
}

/** The kinds of a profile's columns, in column order, then those of the `firstPackets` (3N) early-flow columns. */
export function columnKinds(profile: ProfileName, firstPackets = 0): ColumnKind[] {
  const columns = profile === 'cicflowmeter' ? CICFLOWMETER_COLUMNS : DEFAULT_COLUMNS;
  const kinds = columns.map((c) => kindOf(c, profile));
  for (let i = 0; i < 3 * firstPackets; i++) kinds.push('nullable-int64');
  return kinds;
}

/**
 * Split one CSV record (csv-line.ts output, no record delimiter) into its fields. Number columns never need
 * quoting, so most records have no '"' and split on commas; a quoted field ("" for a quote) is read per RFC 4180.
 */
export function splitRecord(line: string): string[] {
  if (line.indexOf('"') < 0) return line.split(',');
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 34) {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quoted CSV field');
        v += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34) {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(v);
    } else {
      const c = line.indexOf(',', i);
      out.push(line.slice(i, c < 0 ? line.length : c));
      i = c < 0 ? line.length : c;
    }
    if (i >= line.length) return out;
    i++; // the comma
    if (i === line.length) {
      out.push('');
      return out;
    }
  }
}

/** A Java double's text (`1.0E7`, `NaN`, `-Infinity`) as a number. */
export function parseJavaDouble(text: string): number {
  return Number(text);
}
