// Which output format a run writes: `--format csv|jsonl|parquet`, or else the output's name (.csv, .jsonl,
// .parquet; .csv.gz and .jsonl.gz for gzip). Builds the encoder for the chosen format and the gzip stage.
// Pure apart from creating the zlib stream.
import { createGzip } from 'node:zlib';
import { Writable } from 'node:stream';
import { PcapflowError } from '../errors.js';
import type { ColumnKind } from './column-types.js';
import { JsonlEncoder } from './jsonl-sink.js';
import { ParquetEncoder } from './parquet-sink.js';
import type { RowEncoder } from './row-encoder.js';

export type OutputFormat = 'csv' | 'jsonl' | 'parquet';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['csv', 'jsonl', 'parquet'];

export interface FormatChoice {
  format: OutputFormat;
  gzip: boolean;
}

function invalid(why: string): PcapflowError {
  return new PcapflowError('E_OPTION_INVALID', `--format: ${why}`, { layer: 'format' });
}

/** The format of an output name, or null when the name says nothing (stdout, another extension). */
export function formatOfName(output: string): FormatChoice | null {
  const name = output.toLowerCase();
  const gzip = name.endsWith('.gz');
  const base = gzip ? name.slice(0, -3) : name;
  if (base.endsWith('.csv')) return { format: 'csv', gzip };
  if (base.endsWith('.jsonl') || base.endsWith('.ndjson')) return { format: 'jsonl', gzip };
  if (base.endsWith('.parquet')) return { format: 'parquet', gzip };
  return null;
}

/**
 * The format to write: `--format` when given (it must agree with a telling output name), else the name's, else CSV.
 * Gzip follows a `.gz` name, or `gzip` (--gzip, for stdout and --out-dir's outputs, which have no name to tell;
 * it must agree with a telling name); Parquet is compressed inside (snappy) and refuses gzip.
 */
export function chooseFormat(format: string | undefined, output: string, gzipOption?: boolean): FormatChoice {
  const byName = output === '-' ? null : formatOfName(output);
  if (format !== undefined && !OUTPUT_FORMATS.includes(format as OutputFormat)) {
    throw invalid(`expected one of ${OUTPUT_FORMATS.join(', ')}, got ${format}`);
  }
  const chosen = (format as OutputFormat | undefined) ?? byName?.format ?? 'csv';
  if (byName && byName.format !== chosen) {
    throw invalid(`the output ${output} is named like ${byName.format}, but --format ${chosen} was given`);
  }
  if (byName && gzipOption !== undefined && byName.gzip !== gzipOption) {
    throw new PcapflowError(
      'E_OPTION_INVALID',
      gzipOption ? `--gzip: the output ${output} is not named .gz; name it ${output}.gz` : `--no-gzip: the output ${output} is named .gz`,
      { layer: 'gzip' },
    );
  }
  const gzip = byName?.gzip ?? gzipOption ?? false;
  if (gzip && chosen === 'parquet') {
    throw invalid(byName?.gzip === true ? 'Parquet is compressed inside (snappy); name the output .parquet, not .parquet.gz' : 'Parquet is compressed inside (snappy); --gzip applies to csv and jsonl');
  }
  return { format: chosen, gzip };
}

/** The file name extension of a format's output: `.csv`, `.jsonl`, `.parquet`, and `.gz` after it when gzipped. */
export function extensionOf(choice: FormatChoice): string {
  return `.${choice.format}${choice.gzip ? '.gz' : ''}`;
}

/** The encoder for a non-CSV format (undefined for CSV: the sink writes its records as they are). */
export function encoderFor(format: OutputFormat, kinds: readonly ColumnKind[], header: readonly string[]): RowEncoder | undefined {
  if (format === 'csv') return undefined;
  return format === 'jsonl' ? new JsonlEncoder(header, kinds) : new ParquetEncoder(header, kinds);
}

/**
 * A gzip stage in front of `dest`, ended by the sink: its end completes only once `dest` has finished (has every
 * compressed byte, trailer included), so the output is never committed short. An error of `dest` (a full disk)
 * fails the stage too, so the sink sees it instead of waiting for a drain that never comes.
 */
export function gzipInto(dest: Writable): Writable {
  const gz = createGzip();
  gz.pipe(dest);
  let destError: Error | null = null;
  const stage = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (destError) return done(destError);
      if (gz.write(chunk)) done();
      else gz.once('drain', () => done(destError));
    },
    final(done) {
      if (destError) return done(destError);
      let called = false;
      const once = (err: Error | null): void => {
        if (!called) done(err);
        called = true;
      };
      dest.once('finish', () => once(destError));
      dest.once('error', (err) => once(err));
      gz.end();
    },
  });
  dest.on('error', (err) => {
    destError ??= err;
    gz.destroy(err);
    stage.destroy(err);
  });
  gz.on('error', (err) => stage.destroy(err));
  return stage;
}
