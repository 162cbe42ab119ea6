// The typed outputs hold the CSV's rows: DuckDB (an independent Parquet and CSV reader) reads the CSV and the
// Parquet of the same captures and they agree cell for cell (strings equal, numbers equal as doubles, NaN and
// infinities included), same columns in the same order, same rows in the same order, for both profiles; the
// Parquet's Start Time equals the Timestamp column's instant; the JSON Lines and the gzipped outputs hold the same
// values again. On the project's samples and on the shared captures (skipped when absent). Runs dist/cli.js.
import { describe, expect, it } from '@jest/globals';
import { inMemoryDuckDb } from '../helpers/duckdb.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { CLI, HAVE_SHARED, SAMPLES_DIR, TESTDATA_DIR } from '../helpers/paths.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-formats-'));
const duck = inMemoryDuckDb();

function run(inputs: string[], args: string[]): void {
  const r = spawnSync(process.execPath, [CLI, ...inputs, '-q', ...args], { timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
  // 0 clean, 2 damaged input (the samples include damaged captures on purpose): both write every flow.
  if (r.status !== 0 && r.status !== 2) throw new Error(`pcapflow ${args.join(' ')} failed (${String(r.status)}): ${r.stderr.toString()}`);
}

const sq = (p: string): string => `'${p.replace(/'/g, "''")}'`;

/** A cell as a double the way a reader of the CSV would take it (Java's NaN / Infinity spellings included). */
function num(text: string): number {
  return Number(text);
}

function sameNumber(a: number, b: number): boolean {
  return Object.is(a, b) || (a === b) || (Number.isNaN(a) && Number.isNaN(b));
}

/** The instant a Timestamp cell names, µs (default profile: `yyyy-MM-dd HH:mm:ss[.SSS[SSS]]` UTC; cicflowmeter:
 *  `dd/MM/yyyy hh:mm:ss AM|PM` UTC, whole seconds). */
function timestampUs(text: string, profile: string): number {
  if (profile === 'default') {
    const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(text);
    if (!m) throw new Error(`bad ISO timestamp ${text}`);
    const s = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
    return s * 1e6 + Number((m[7] ?? '').padEnd(6, '0'));
  }
  const m = /^(\d\d)\/(\d\d)\/(\d{4}) (\d\d):(\d\d):(\d\d) (AM|PM)$/.exec(text);
  if (!m) throw new Error(`bad CIC timestamp ${text}`);
  const h = (+m[4]! % 12) + (m[7] === 'PM' ? 12 : 0);
  return (Date.UTC(+m[3]!, +m[2]! - 1, +m[1]!, h, +m[5]!, +m[6]!) / 1000) * 1e6;
}

async function check(name: string, inputs: string[], profile: string, extra: string[] = []): Promise<number> {
  const base = path.join(tmp, `${name}-${profile}`);
  run(inputs, ['--profile', profile, '-o', `${base}.csv`, ...extra]);
  run(inputs, ['--profile', profile, '-o', `${base}.parquet`, ...extra]);
  run(inputs, ['--profile', profile, '-o', `${base}.jsonl`, ...extra]);
  run(inputs, ['--profile', profile, '-o', `${base}.jsonl.gz`, ...extra]);
  run(inputs, ['--profile', profile, '-o', `${base}.csv.gz`, ...extra]);

  const csvText = readFileSync(`${base}.csv`, 'utf8');
  expect(gunzipSync(readFileSync(`${base}.csv.gz`)).toString('utf8')).toBe(csvText);
  const records = parse(csvText) as string[][];
  const header = records[0]!;
  const rows = records.slice(1);

  // DuckDB reads both files; the CSV as text so that every cell is compared from its printed form.
  const csvReader = await duck.con.runAndReadAll(`SELECT * FROM read_csv(${sq(base + '.csv')}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')`);
  const pq = await duck.con.runAndReadAll(`SELECT *, epoch_us("Start Time") AS start_us FROM read_parquet(${sq(base + '.parquet')})`);
  const pqNames = pq.columnNames();
  expect(pqNames).toEqual([...header, 'Start Time', 'start_us']);
  expect(csvReader.columnNames()).toEqual(header);
  const csvRows = csvReader.getRowsJS() as unknown as (string | null)[][];
  const pqRows = pq.getRowsJS() as unknown as unknown[][];
  expect(csvRows.length).toBe(rows.length);
  expect(pqRows.length).toBe(rows.length);
  const types = pq.columnTypes().map((t) => t.toString());
  expect(types[header.length]).toBe('TIMESTAMP WITH TIME ZONE');
  const tsCol = header.indexOf('Timestamp');

  const jsonl = readFileSync(`${base}.jsonl`, 'utf8');
  expect(gunzipSync(readFileSync(`${base}.jsonl.gz`)).toString('utf8')).toBe(jsonl);
  const objects = jsonl.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(objects.length).toBe(rows.length);

  // Per cell, plain comparisons that throw with the place (jest's expect() per cell made the shared captures'
  // cases ~50 s each; the same checks as plain comparisons take a few seconds).
  const kinds = header.map((_h, c) => types[c]!);
  for (const t of kinds) expect(['VARCHAR', 'BIGINT', 'DOUBLE']).toContain(t);
  const headerKeys = header.join('\u0000');
  for (let r = 0; r < rows.length; r++) {
    const fromCsv = csvRows[r]!;
    const fromPq = pqRows[r]!;
    const obj = objects[r]!;
    if (Object.keys(obj).join('\u0000') !== headerKeys) throw new Error(`${name} ${profile} row ${r + 1}: JSON keys ${Object.keys(obj).join(',')}`);
    for (let c = 0; c < header.length; c++) {
      const text = fromCsv[c]!;
      const where = `${name} ${profile} row ${r + 1} column ${header[c]}`;
      // DuckDB's CSV reading agrees with csv-parse
      if (text !== rows[r]![c]) throw new Error(`${where}: DuckDB read the CSV cell as ${String(text)}, csv-parse as ${rows[r]![c]}`);
      const v = fromPq[c];
      const j = obj[header[c]!];
      if (kinds[c] === 'VARCHAR') {
        if (v !== text) throw new Error(`${where}: Parquet ${String(v)} vs CSV ${text}`);
        if (j !== text) throw new Error(`${where}: JSON ${String(j)} vs CSV ${text}`);
      } else {
        const pn = typeof v === 'bigint' ? Number(v) : (v as number);
        if (!sameNumber(pn, num(text))) throw new Error(`${where}: Parquet ${String(v)} vs CSV ${text}`);
        if (kinds[c] === 'BIGINT' && !/^-?\d+$/.test(text)) throw new Error(`${where}: a BIGINT column holds ${text}`);
        if (Number.isFinite(num(text))) {
          if (!sameNumber(j as number, num(text))) throw new Error(`${where}: JSON ${String(j)} vs CSV ${text}`);
        } else if (j !== null) throw new Error(`${where}: JSON ${String(j)} for the non-finite CSV ${text}`);
      }
    }
    // The start time column names the instant the Timestamp column prints (to the second in cicflowmeter's format).
    const startUs = Number(fromPq[header.length + 1] as bigint);
    const printedUs = timestampUs(rows[r]![tsCol]!, profile);
    const expectedUs = profile === 'default' ? startUs : Math.floor(startUs / 1e6) * 1e6;
    if (expectedUs !== printedUs) throw new Error(`${name} ${profile} row ${r + 1}: Start Time ${startUs} µs, Timestamp ${rows[r]![tsCol]}`);
  }
  return rows.length;
}

describe('CSV, Parquet and JSON Lines of one run agree (read back by DuckDB)', () => {
  for (const profile of ['default', 'cicflowmeter']) {
    it(`samples/, ${profile} profile`, async () => {
      expect(await check('samples', [SAMPLES_DIR], profile)).toBeGreaterThan(10);
    }, 300_000);
    it(`samples/ with --jobs 2, ${profile} profile`, async () => {
      expect(await check('samples-j2', [SAMPLES_DIR], profile, ['--jobs', '2'])).toBeGreaterThan(10);
    }, 300_000);
  }
  for (const dir of ['realistic', 'linktype']) {
    for (const profile of ['default', 'cicflowmeter']) {
      (HAVE_SHARED ? it : it.skip)(`shared ${dir}/, ${profile} profile`, async () => {
        expect(await check(dir, [path.join(TESTDATA_DIR, dir)], profile)).toBeGreaterThan(0);
      }, 600_000);
    }
  }
});

describe('format choice', () => {
  it('refuses a --format that contradicts the output name, and .parquet.gz', () => {
    const a = spawnSync(process.execPath, [CLI, path.join(SAMPLES_DIR, 'tcp-handshake.pcap'), '-o', path.join(tmp, 'x.csv'), '--format', 'parquet']);
    expect(a.status).toBe(1);
    expect(a.stderr.toString()).toMatch(/--format: the output .*x\.csv is named like csv, but --format parquet was given/);
    const b = spawnSync(process.execPath, [CLI, path.join(SAMPLES_DIR, 'tcp-handshake.pcap'), '-o', path.join(tmp, 'x.parquet.gz')]);
    expect(b.status).toBe(1);
    expect(b.stderr.toString()).toMatch(/--format: Parquet is compressed inside/);
  });

  it('writes Parquet to stdout with --format parquet (magic number at both ends)', () => {
    const r = spawnSync(process.execPath, [CLI, path.join(SAMPLES_DIR, 'tcp-handshake.pcap'), '-q', '--format', 'parquet']);
    expect(r.status).toBe(0);
    expect(r.stdout.subarray(0, 4).toString('latin1')).toBe('PAR1');
    expect(r.stdout.subarray(-4).toString('latin1')).toBe('PAR1');
  });
});
