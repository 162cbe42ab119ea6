// `pcapflow merge PARTS.. -o OUT`: joins the parts of one `--shard K/N` run (their CSVs, named
// part-KKKKK-of-NNNNN.csv, with _stats/part-KKKKK.json and .order beside them) into exactly the bytes the single
// run would have written, and their stats into the single run's summary. Refuses a set of parts that is not one
// whole run: a part missing or given twice, parts of different runs (options, inputs, version, header), a part
// whose task was interrupted, or a part changed after its task finished.
import { open, readdir, readFile, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { PcapflowError } from '../errors.js';
import { openOutputFile } from '../output/output-file.js';
import { addSummaryCounters, type RunSummary, type SummaryCounter, type SummaryCounterMap } from '../run.js';
import { ORDER_RECORD_BYTES } from '../shard/part-order.js';
import { PART_FORMAT, PART_FORMAT_VERSION, type PartStats } from '../shard/part-files.js';
import { parsePartFileName, partOrderName, partStatsName, STATS_DIR } from '../shard/shard-spec.js';

export interface MergeResult {
  /** 0, or 2 when a part's task reported damaged input (or --strict and skipped packets), as the single run. */
  exitCode: number;
  summary: RunSummary;
}

interface Part {
  csv: string;
  order: string;
  statsFile: string;
  stats: PartStats;
}

function mergeError(message: string): PcapflowError {
  return new PcapflowError('E_OPTION_INVALID', `merge: ${message}`, { layer: 'merge' });
}

/** The part CSVs named by `args`: files as given, directories replaced by the part files directly in them. */
async function findParts(args: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const a of args) {
    let st;
    try {
      st = await stat(a);
    } catch (err) {
      throw new PcapflowError('E_INPUT_NOT_FOUND', `merge: cannot read ${a}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file: a });
    }
    if (st.isDirectory()) {
      const names = (await readdir(a)).filter((n) => parsePartFileName(n) !== null).sort();
      if (names.length === 0) throw mergeError(`${a} holds no part-KKKKK-of-NNNNN files`);
      for (const n of names) out.push(path.join(a, n));
    } else {
      if (parsePartFileName(path.basename(a)) === null) throw mergeError(`${a} is not a part file (part-KKKKK-of-NNNNN.csv)`);
      out.push(a);
    }
  }
  return out;
}

async function loadPart(csv: string): Promise<Part> {
  const name = parsePartFileName(path.basename(csv))!;
  const dir = path.dirname(csv);
  const statsFile = path.join(dir, STATS_DIR, partStatsName(name.index));
  let stats: PartStats;
  try {
    stats = JSON.parse(await readFile(statsFile, 'utf8')) as PartStats;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'is missing (the task has not finished, or failed)' : `cannot be read (${e.code ?? e.message})`;
    throw mergeError(`the stats of ${csv}, ${statsFile}, ${why}`);
  }
  const wellFormed =
    stats !== null &&
    typeof stats === 'object' &&
    stats.format === PART_FORMAT &&
    stats.format_version === PART_FORMAT_VERSION &&
    typeof stats.shard === 'object' &&
    stats.shard !== null &&
    Array.isArray(stats.header) &&
    Array.isArray(stats.inputs) &&
    Number.isSafeInteger(stats.rows) &&
    stats.rows >= 0 &&
    Number.isSafeInteger(stats.csv_bytes) &&
    typeof stats.summary === 'object' &&
    stats.summary !== null;
  if (!wellFormed) throw mergeError(`${statsFile} is not a pcapflow part stats file of format version ${PART_FORMAT_VERSION}`);
  if (stats.shard?.index !== name.index || stats.shard?.count !== name.count) {
    throw mergeError(`${csv} is named as part ${name.index} of ${name.count}, but its stats say ${stats.shard?.index}/${stats.shard?.count}`);
  }
  return { csv, order: path.join(dir, STATS_DIR, partOrderName(name.index)), statsFile, stats };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Check that `parts` are all N parts of one run, each complete and unchanged; returns them in part order. */
async function checkParts(parts: Part[]): Promise<Part[]> {
  const first = parts[0]!.stats;
  const n = first.shard.count;
  const byIndex = new Map<number, Part>();
  for (const p of parts) {
    const s = p.stats;
    const differs = (what: string): PcapflowError => mergeError(`${p.csv} is not from the same run as ${parts[0]!.csv}: ${what} differ`);
    if (s.shard.count !== n || s.shard.by !== first.shard.by) throw differs('--shard N or --shard-by');
    if (s.version !== first.version) throw differs(`pcapflow versions (${s.version}, ${first.version})`);
    if (!same(s.options, first.options)) throw differs('options');
    if (!same(s.inputs, first.inputs)) throw differs('inputs (paths or sizes)');
    if (!same(s.header, first.header)) throw differs('headers');
    const dup = byIndex.get(s.shard.index);
    if (dup !== undefined) throw mergeError(`part ${s.shard.index} is given twice: ${dup.csv} and ${p.csv}`);
    if (s.summary['interrupted'] === true) throw mergeError(`${p.csv} was interrupted (${String(s.summary['interrupt_signal'] ?? 'a signal')}): run its task again`);
    const size = await stat(p.csv).then((st) => st.size, () => -1);
    if (size !== s.csv_bytes) throw mergeError(`${p.csv} has ${size} bytes, its stats say ${s.csv_bytes}: it changed after its task ended`);
    const orderSize = await stat(p.order).then((st) => st.size, () => -1);
    if (orderSize !== s.rows * ORDER_RECORD_BYTES) throw mergeError(`${p.order} does not hold the order of the part's ${s.rows} rows`);
    byIndex.set(s.shard.index, p);
  }
  const missing: number[] = [];
  for (let k = 0; k < n; k++) if (!byIndex.has(k)) missing.push(k);
  if (missing.length > 0) {
    const list = missing.length > 10 ? `${missing.slice(0, 10).join(', ')}, ... (${missing.length} in all)` : missing.join(', ');
    throw mergeError(`${n} parts make the run, part${missing.length === 1 ? '' : 's'} ${list} missing`);
  }
  return [...byIndex.keys()].sort((a, b) => a - b).map((k) => byIndex.get(k)!);
}

const READ_BYTES = 1 << 20;

/** Lines of a file (each with its '\n'), read a MiB at a time. */
class LineReader {
  private buf = Buffer.alloc(0);
  private pos = 0;
  private eof = false;
  private readonly fh: FileHandle;
  constructor(fh: FileHandle) {
    this.fh = fh;
  }

  async next(): Promise<Buffer | null> {
    for (;;) {
      const nl = this.buf.indexOf(10, this.pos);
      if (nl >= 0) {
        const line = this.buf.subarray(this.pos, nl + 1);
        this.pos = nl + 1;
        return line;
      }
      if (this.eof) {
        if (this.pos < this.buf.length) throw mergeError('a part ends inside a row');
        return null;
      }
      const chunk = Buffer.allocUnsafe(READ_BYTES);
      const { bytesRead } = await this.fh.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) this.eof = true;
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk.subarray(0, bytesRead)]);
      this.pos = 0;
    }
  }
}

/** (endIndex, firstIndex) pairs of an order file. */
class OrderReader {
  private buf = Buffer.alloc(0);
  private pos = 0;
  end = 0;
  first = 0;
  private readonly fh: FileHandle;
  constructor(fh: FileHandle) {
    this.fh = fh;
  }

  /** Load the next pair into end/first; false at the end of the file. */
  async next(): Promise<boolean> {
    if (this.pos + ORDER_RECORD_BYTES > this.buf.length) {
      const chunk = Buffer.allocUnsafe(4096 * ORDER_RECORD_BYTES);
      const { bytesRead } = await this.fh.read(chunk, 0, chunk.length, null);
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk.subarray(0, bytesRead)]);
      this.pos = 0;
      if (this.buf.length < ORDER_RECORD_BYTES) return false;
    }
    this.end = this.buf.readDoubleLE(this.pos);
    this.first = this.buf.readDoubleLE(this.pos + 8);
    this.pos += ORDER_RECORD_BYTES;
    return true;
  }
}

/** Buffered writes to the output, waiting for 'drain' when the stream asks. */
class OutBuffer {
  private buf = Buffer.allocUnsafe(READ_BYTES);
  private n = 0;
  private readonly out: Writable;
  constructor(out: Writable) {
    this.out = out;
  }

  async add(line: Buffer): Promise<void> {
    if (this.n + line.length > this.buf.length) await this.flush();
    if (line.length > this.buf.length) return this.write(Buffer.from(line));
    line.copy(this.buf, this.n);
    this.n += line.length;
  }

  async flush(): Promise<void> {
    if (this.n === 0) return;
    const bytes = this.buf.subarray(0, this.n);
    this.buf = Buffer.allocUnsafe(READ_BYTES);
    this.n = 0;
    await this.write(bytes);
  }

  private write(bytes: Buffer): Promise<void> {
    if (this.out.write(bytes)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        this.out.off('error', onError);
        resolve();
      };
      const onError = (err: Error): void => {
        this.out.off('drain', onDrain);
        reject(err);
      };
      this.out.once('drain', onDrain);
      this.out.once('error', onError);
    });
  }
}

interface Cursor {
  part: number;
  lines: LineReader;
  order: OrderReader;
  line: Buffer;
}

function before(a: Cursor, b: Cursor): boolean {
  return a.order.end < b.order.end || (a.order.end === b.order.end && (a.order.first < b.order.first || (a.order.first === b.order.first && a.part < b.part)));
}

/** A binary min-heap of cursors on (endIndex, firstIndex, part). */
class CursorHeap {
  readonly items: Cursor[] = [];
  push(c: Cursor): void {
    const h = this.items;
    h.push(c);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  /** Restore the heap after the top's keys grew (or remove it when `drop`). */
  fixTop(drop: boolean): void {
    const h = this.items;
    if (drop) {
      const last = h.pop()!;
      if (h.length === 0) return;
      h[0] = last;
    }
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

/** Write the rows of `parts` (each part's header already checked and skipped) merged on the order keys. */
async function mergeRows(cursors: Cursor[], out: OutBuffer, csvName: (part: number) => string): Promise<void> {
  const heap = new CursorHeap();
  const advance = async (c: Cursor): Promise<boolean> => {
    const prevEnd = c.order.end;
    const prevFirst = c.order.first;
    const hasKey = await c.order.next();
    const line = await c.lines.next();
    if (!hasKey || line === null) {
      if (hasKey !== (line !== null)) throw mergeError(`${csvName(c.part)} and its order file do not have the same number of rows`);
      return false;
    }
    if (c.order.end < prevEnd || (c.order.end === prevEnd && c.order.first < prevFirst)) {
      throw mergeError(`the order file of ${csvName(c.part)} is not in row order`);
    }
    c.line = line;
    return true;
  };
  for (const c of cursors) {
    c.order.end = -1;
    c.order.first = -1;
    if (await advance(c)) heap.push(c);
  }
  while (heap.items.length > 0) {
    const top = heap.items[0]!;
    await out.add(top.line);
    heap.fixTop(!(await advance(top)));
  }
}

const ADDITIVE: readonly SummaryCounter[] = ['packets_read', 'packets_decoded', 'packets_truncated', 'packets_skipped', 'packets_in_flows', 'packets_dropped', 'flows_written'];
/** By file, each part read its own files: their count and bytes add up too (by flow, every part read them all). */
const ADDITIVE_BY_FILE: readonly SummaryCounter[] = [...ADDITIVE, 'files', 'bytes_read'];
const ADDITIVE_MAPS: readonly SummaryCounterMap[] = ['skipped', 'dropped', 'flow_events'];

/** The single run's summary from the parts' (in part order): counters summed, per-run facts from part 0. */
export function mergeSummaries(summaries: RunSummary[], byFile: boolean, elapsedS: number): RunSummary {
  const s0 = summaries[0]!;
  const merged: RunSummary = {
    ...s0,
    skipped: {},
    dropped: {},
    flow_events: {},
    damage: byFile ? summaries.flatMap((s) => s.damage) : s0.damage,
    elapsed_s: elapsedS,
    peak_rss_bytes: Math.max(...summaries.map((s) => s.peak_rss_bytes)),
    rss_at_end_of_input_bytes: Math.max(...summaries.map((s) => s.rss_at_end_of_input_bytes)),
    // The parts' own figures (the slowest part's); parts written before pcapflow reported them have none.
    timing: {
      end_of_input_s: Math.max(...summaries.map((s) => s.timing?.end_of_input_s ?? 0)),
      main_thread_busy: Math.max(...summaries.map((s) => s.timing?.main_thread_busy ?? 0)),
    },
    output_closed_early: false,
    interrupted: false,
  };
  delete merged.shard;
  delete merged.other_shard;
  delete merged.interrupt_signal;
  const additive = byFile ? ADDITIVE_BY_FILE : ADDITIVE;
  for (const k of additive) merged[k] = 0;
  addSummaryCounters(merged, summaries, additive, ADDITIVE_MAPS);
  merged.parts = summaries.length;
  return merged;
}

/**
 * Merge the parts named by `args` (part CSVs or directories of them) into `output` ('-' for stdout; a file is
 * written under a temporary name and renamed when complete).
 */
export async function runMerge(args: readonly string[], output: string, stdout: Writable): Promise<MergeResult> {
  const started = process.hrtime.bigint();
  const csvs = await findParts(args);
  const parts = await checkParts(await Promise.all(csvs.map(loadPart)));
  const byFile = parts[0]!.stats.shard.by === 'file';
  const readOnly = parts.flatMap((p) => [p.csv, p.order, p.statsFile]);
  const out = await openOutputFile(output, stdout, readOnly);
  const handles: FileHandle[] = [];
  try {
    const buffer = new OutBuffer(out.stream);
    const cursors: Cursor[] = [];
    let header: Buffer | null = null;
    for (let k = 0; k < parts.length; k++) {
      const csvHandle = await open(parts[k]!.csv, 'r');
      handles.push(csvHandle);
      const orderHandle = await open(parts[k]!.order, 'r');
      handles.push(orderHandle);
      const lines = new LineReader(csvHandle);
      const h = await lines.next();
      if (h === null) throw mergeError(`${parts[k]!.csv} is empty (no header)`);
      if (header === null) header = Buffer.from(h);
      else if (!header.equals(h)) throw mergeError(`${parts[k]!.csv} has another header than ${parts[0]!.csv}`);
      cursors.push({ part: k, lines, order: new OrderReader(orderHandle), line: h });
    }
    await buffer.add(header!);
    const csvName = (k: number): string => parts[k]!.csv;
    if (byFile) {
      // Whole files went to shards: no row order spans parts (see README), so the parts follow one another.
      for (const c of cursors) await mergeRows([c], buffer, csvName);
    } else {
      await mergeRows(cursors, buffer, csvName);
    }
    await buffer.flush();
    if (out.ownsStream) await new Promise<void>((resolve, reject) => out.stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
  } catch (err) {
    await out.abort();
    throw err instanceof PcapflowError ? err : new PcapflowError('E_IO', `merge: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  } finally {
    for (const h of handles) await h.close().catch(() => undefined);
  }
  await out.commit();
  const summary = mergeSummaries(
    parts.map((p) => p.stats.summary as unknown as RunSummary),
    byFile,
    Number(process.hrtime.bigint() - started) / 1e9,
  );
  const exitCode = parts.some((p) => p.stats.exit_status === 2) ? 2 : 0;
  return { exitCode, summary };
}
