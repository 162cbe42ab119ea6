// The Timestamp column's format (`--time-format cic|iso|epoch-us`) and the exact start time column
// (`--epoch-column`). The default Timestamp stays what each profile's reference prints (cicflowmeter: CICFlowMeter's
// `dd/MM/yyyy hh:mm:ss a`, whole seconds; default: ISO `yyyy-MM-dd HH:mm:ss[.SSS[SSS]]`, UTC). Both are rewritten
// where rows are written, from the flow's start time in µs (FlowRow.startTsUs), never per packet. Pure.
import { formatCicTimestamp, formatIsoTimestamp } from '../csv/timestamp.js';
import { PcapflowError } from '../errors.js';
import type { ProfileName } from '../options.js';

export type TimeFormat = 'cic' | 'iso' | 'epoch-us';
export const TIME_FORMATS: readonly TimeFormat[] = ['cic', 'iso', 'epoch-us'];

/** Name of the --epoch-column column (last): the flow's first packet time, integer µs since the epoch, UTC. */
export const EPOCH_COLUMN = 'Timestamp (epoch us)';

/** The format each profile's reference prints. */
export function profileTimeFormat(profile: ProfileName): TimeFormat {
  return profile === 'cicflowmeter' ? 'cic' : 'iso';
}

export function timeFormatOf(v: string | undefined, profile: ProfileName): TimeFormat {
  if (v === undefined) return profileTimeFormat(profile);
  if (!TIME_FORMATS.includes(v as TimeFormat)) {
    throw new PcapflowError('E_OPTION_INVALID', `--time-format: expected one of ${TIME_FORMATS.join(', ')}, got ${v}`, { layer: 'time-format' });
  }
  return v as TimeFormat;
}

/** The Timestamp text of a start time in `format`. */
export function formatTimestamp(tsUs: number, format: TimeFormat): string {
  return format === 'cic' ? formatCicTimestamp(tsUs) : format === 'iso' ? formatIsoTimestamp(tsUs) : String(tsUs);
}
