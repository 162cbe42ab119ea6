// The library's writing side: `writeFlows(records, { path, format })` writes flow records (from flows(), filtered or
// changed by the program, or built by it) as CSV, JSON Lines or Parquet through the command line's own sink and
// encoders (csv-sink.ts, output/format.ts) and its safe output file (output-file.ts: a temporary file renamed over
// the destination only once everything is on disk; on any error the destination is left as it was). Unchanged
// records are written from the CSV record the flow engine formatted, so the file equals the command line's output
// for the same options byte for byte (records.ts).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvSink } from '../csv/csv-sink.js';
import { PcapflowError } from '../errors.js';
import type { FlowRow } from '../flow/flow-engine.js';
import { headerVariantOf, type HeaderVariant } from '../csv/header-variants.js';
import { PROFILES, type ProfileName } from '../options.js';
import { chooseFormat, encoderFor, gzipInto, type OutputFormat } from '../output/format.js';
import { openOutputFile } from '../output/output-file.js';
import { profileTimeFormat, timeFormatOf, type TimeFormat } from '../output/time-columns.js';
import { outputFailure, rowFormat } from '../run.js';
import { FlowIterable } from './flows.js';
import { firstPacketsOf } from '../flow/early-packets.js';
import { recordOrigin, recordRow, shapeOfKeys, type FlowRecord, type RecordExtras } from './records.js';

export interface WriteFlowsOptions {
  /** The file to write ('-' for stdout). Its name chooses the format (.csv, .jsonl, .parquet; .gz for CSV and
   *  JSON Lines) unless `format` is given. */
  path: string;
  format?: OutputFormat;
  /** The records' profile. Default: the run's when the records come from flows(), else told by their keys. */
  profile?: ProfileName;
  /** The format of the records' `timestamp` field (decides its type in JSON Lines and Parquet). Default: the
   *  run's when the records come from flows(), else the profile's reference format. */
  timeFormat?: TimeFormat;
  /** N of the records' early-flow fields (`pkt_k_size`...; 0 = none). Default: the run's when the records come
   *  from flows(), else told by their keys. */
  firstPackets?: number;
  /** Whether the records carry `source_file` (the last column). Default as for firstPackets. */
  fileColumn?: boolean;
  /** Column names (`--header`); default cicflowmeter. */
  header?: HeaderVariant;
  /** Append the `Timestamp (epoch us)` column from `start_time_us` (`--epoch-column`). */
  epochColumn?: boolean;
  /** Rows per write (default 512, as the command line). */
  rowsPerWrite?: number;
}

/** What writeFlows() wrote. */
export interface WriteFlowsResult {
  path: string;
  format: OutputFormat;
  gzip: boolean;
  rows: number;
}

function invalid(why: string): PcapflowError {
  return new PcapflowError('E_OPTION_INVALID', `writeFlows: ${why}`, { layer: 'writeFlows' });
}

/** Rows per batch handed to the sink. */
const BATCH_ROWS = 512;

/**
 * Write `records` to `options.path`. Resolves once the file is complete under its name; rejects with a
 * PcapflowError (E_OPTION_INVALID for a bad option or record, E_OUTPUT when the file cannot be written, or the
 * error of the records' iterator), the destination then untouched.
 */
export async function writeFlows(records: AsyncIterable<FlowRecord> | Iterable<FlowRecord>, options: WriteFlowsOptions): Promise<WriteFlowsResult> {
  if (options === undefined || typeof options.path !== 'string' || options.path === '') throw invalid('a path is required (- for stdout)');
  const output = options.path;
  const { format, gzip } = chooseFormat(options.format, output);
  const header = headerVariantOf(options.header);
  if (options.profile !== undefined && !PROFILES.includes(options.profile)) throw invalid(`profile: expected one of ${PROFILES.join(', ')}, got ${String(options.profile)}`);

  // The first record (read before anything is opened) tells the profile and time format when nothing else does.
  const it = (Symbol.asyncIterator in records ? (records as AsyncIterable<FlowRecord>)[Symbol.asyncIterator]() : (records as Iterable<FlowRecord>)[Symbol.iterator]()) as AsyncIterator<FlowRecord> | Iterator<FlowRecord>;
  let first: IteratorResult<FlowRecord>;
  try {
    first = await it.next();
  } catch (err) {
    throw err instanceof PcapflowError ? err : invalid(`reading the records failed: ${(err as Error)?.message ?? String(err)}`);
  }
  const close = async (): Promise<void> => {
    try {
      await it.return?.();
    } catch {
      // the records' own clean-up failing does not hide the error being reported
    }
  };
  let profile: ProfileName;
  let timeFormat: TimeFormat;
  let extras: RecordExtras;
  try {
    const origin = first.done === true ? undefined : recordOrigin(first.value);
    const runOpts = records instanceof FlowIterable ? (records.options ?? undefined) : undefined;
    const keysShape = first.done === true || origin !== undefined ? null : shapeOfKeys(first.value);
    profile = options.profile ?? origin?.profile ?? runOpts?.profile ?? keysShape?.profile ?? 'default';
    if (first.done !== true && origin === undefined && keysShape === null && options.profile === undefined) {
      throw invalid('the records have neither the default nor the cicflowmeter profile\'s keys; give options.profile');
    }
    if (origin !== undefined && origin.profile !== profile) throw invalid(`profile ${profile} given, but the records are ${origin.profile} records`);
    timeFormat = options.timeFormat !== undefined ? timeFormatOf(options.timeFormat, profile) : (origin?.timeFormat ?? runOpts?.timeFormat ?? profileTimeFormat(profile));
    const found = origin?.extras ?? (runOpts ? { firstPackets: runOpts.firstPackets, fileColumn: runOpts.fileColumn } : undefined) ?? keysShape?.extras;
    let firstPackets: number;
    try {
      firstPackets = firstPacketsOf(options.firstPackets ?? found?.firstPackets ?? 0);
    } catch (err) {
      throw invalid((err as Error).message);
    }
    extras = { firstPackets, fileColumn: options.fileColumn ?? found?.fileColumn ?? false };
  } catch (err) {
    await close();
    throw err;
  }

  const { kinds, header: names } = rowFormat({ profile, timeFormat, epochColumn: options.epochColumn === true, header, defaultLabel: 'BENIGN', ...extras }, null);
  let out;
  try {
    out = await openOutputFile(output, process.stdout);
  } catch (err) {
    await close();
    throw err;
  }
  let rows = 0;
  const epochColumn = options.epochColumn === true;
  async function* batches(): AsyncGenerator<{ rows: FlowRow[] }> {
    let batch: FlowRow[] = [];
    const add = (r: FlowRecord): void => {
      batch.push(recordRow(r, profile, extras, epochColumn));
      rows++;
    };
    try {
      if (first.done !== true) add(first.value);
      for (;;) {
        const r = await it.next();
        if (r.done === true) break;
        add(r.value);
        if (batch.length >= BATCH_ROWS) {
          yield { rows: batch };
          batch = [];
        }
      }
      if (batch.length > 0) yield { rows: batch };
    } finally {
      await close();
    }
  }
  try {
    const encoder = encoderFor(format, kinds, names);
    const dest = gzip ? gzipInto(out.stream) : out.stream;
    const sink = new CsvSink(dest, { header: names, endOutput: gzip || out.ownsStream, ...(options.rowsPerWrite !== undefined ? { rowsPerWrite: options.rowsPerWrite } : {}), ...(encoder ? { encoder } : {}) });
    await pipeline(Readable.from(batches(), { objectMode: true, highWaterMark: 1 }), sink);
  } catch (err) {
    await out.abort();
    throw outputFailure(err, output, out.stream);
  }
  await out.commit();
  return { path: output, format, gzip, rows };
}
