// `pcapflow collect`: receives NetFlow v1/v5/v7/v9 and IPFIX over UDP (`--listen udp://HOST:PORT`, until SIGINT,
// SIGTERM or `--duration`) or reads the export datagrams inside captures (`--read`), decodes them with the pure
// codec (src/netflow/) and writes one CSV or JSON Lines row per flow record (gzip when the name ends in .gz),
// optionally joining the two directions of unidirectional records (`--pair`). Owns the socket, the signals and the
// output file; the decoding itself does no I/O.
import dgram from 'node:dgram';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { CaptureParser } from '../capture/capture-parser.js';
import { captureChunks, expandInputs } from '../capture/chunk-reader.js';
import { csvRecord } from '../csv/csv-line.js';
import { decodePacket } from '../decode/decoder.js';
import { PcapflowError } from '../errors.js';
import { netflowDatagramOf } from '../netflow/datagram.js';
import { NetflowDecoder, type DecoderCounters, type OptionsRecord } from '../netflow/decoder.js';
import { RecordPairer } from '../netflow/pairer.js';
import type { NetflowRecord } from '../netflow/record.js';
import { COLLECT_HEADER, RecordRowFormatter } from '../netflow/record-row.js';
import { ReadStats, type CaptureDamage } from '../stream/read-stats.js';
import { openOutputFile, type OutputFile } from '../output/output-file.js';
import { createPacketMeta, type RawPacket } from '../types.js';

export type CollectFormat = 'csv' | 'jsonl';

export interface CollectOptions {
  /** `udp://HOST:PORT` to listen on, or null to read captures. */
  listen: string | null;
  /** Captures to read the export datagrams from (with `listen` null). */
  read: string[];
  /** Only datagrams to this UDP port (--read), or null for any. */
  port: number | null;
  output: string;
  format: CollectFormat;
  pair: boolean;
  /** Stop listening after this many seconds (null: until SIGINT/SIGTERM). */
  durationS: number | null;
  communityIdSeed: number;
  communityIdBase64: boolean;
  /** The PEN of pcapflow's statistics IEs. */
  pen: number;
  /** Also write every options data record as one JSON line to this file. */
  optionsFile: string | null;
  /** Called once the socket is bound, with the address really bound (port 0 gets a free port). */
  onListening?: (address: string) => void;
}

/** What a collect run did. */
export interface CollectSummary {
  datagrams_received: number;
  datagrams_ignored: number;
  rows_written: number;
  decoder: DecoderCounters;
  paired: number;
  damage: CaptureDamage[];
  elapsed_s: number;
}

/** Text columns of collect's output: written as JSON strings; every other non-empty cell as a JSON number. */
const TEXT_COLUMNS = new Set(['Flow ID', 'Src IP', 'Dst IP', 'Timestamp', 'Flow End Reason', 'Exporter', 'community_id']);

/** Parses `udp://HOST:PORT` (IPv6 hosts in brackets). Throws E_OPTION_INVALID. */
export function parseUdpUrl(url: string, option: string): { host: string; port: number; family: 4 | 6 } {
  const m = /^udp:\/\/(\[([0-9a-fA-F:.]+)\]|([^:/[\]]+)):(\d{1,5})$/.exec(url);
  const port = m ? Number(m[4]) : NaN;
  if (!m || port > 65535) {
    throw new PcapflowError('E_OPTION_INVALID', `--${option}: expected udp://HOST:PORT (IPv6 as udp://[::1]:PORT), got ${url}`, { layer: option });
  }
  const host = m[2] ?? m[3]!;
  return { host, port, family: m[2] !== undefined ? 6 : 4 };
}

/** Where rows go: a file (gzip when the name ends in .gz) or stdout; buffered, with backpressure for --read. */
class RowWriter {
  private buf = '';
  private readonly out: Writable;
  /** The destination: a file goes through a temporary name, renamed by close() (output-file.ts). */
  private readonly target: OutputFile;
  private readonly jsonl: boolean;
  rows = 0;

  private constructor(out: Writable, target: OutputFile, jsonl: boolean) {
    this.out = out;
    this.target = target;
    this.jsonl = jsonl;
  }

  /** Open `path` ('-' for stdout); refused if it is one of `inputs` (the captures read with --read). */
  static async open(path: string, format: CollectFormat, stdout: Writable, inputs: readonly string[] = []): Promise<RowWriter> {
    const target = await openOutputFile(path, stdout, inputs);
    let out: Writable = target.stream;
    if (target.ownsStream && path.endsWith('.gz')) {
      const gz = createGzip();
      gz.pipe(target.stream);
      out = gz;
    }
    const w = new RowWriter(out, target, format === 'jsonl');
    if (format === 'csv') w.buf = csvRecord(COLLECT_HEADER) + '\n';
    return w;
  }

  /** One line of text (a JSON object) as a row. */
  addLine(line: string): void {
    this.rows++;
    this.buf += line + '\n';
    if (this.buf.length > 1 << 16) this.flushSync();
  }

  add(fields: readonly string[]): void {
    this.rows++;
    if (this.jsonl) {
      const o: Record<string, string | number | null> = {};
      for (let i = 0; i < fields.length; i++) {
        const v = fields[i]!;
        const name = COLLECT_HEADER[i]!;
        if (v === '') o[name] = null;
        else if (TEXT_COLUMNS.has(name)) o[name] = v;
        else {
          const n = Number(v);
          o[name] = Number.isFinite(n) ? n : v;
        }
      }
      this.buf += JSON.stringify(o) + '\n';
    } else this.buf += csvRecord(fields) + '\n';
    if (this.buf.length > 1 << 16) this.flushSync();
  }

  /** Hand the buffered rows to the stream (returns false when the stream wants a pause). */
  flushSync(): boolean {
    if (this.buf.length === 0) return true;
    const ok = this.out.write(this.buf);
    this.buf = '';
    return ok;
  }

  /** Flush and wait until the stream has room. */
  async drain(): Promise<void> {
    if (!this.flushSync()) await new Promise<void>((resolve) => this.out.once('drain', () => resolve()));
  }

  /** Write what is buffered, end a file and rename it into place. */
  async close(): Promise<void> {
    this.flushSync();
    if (!this.target.ownsStream) return;
    const file = this.target.stream;
    const done = new Promise<void>((resolve, reject) => {
      file.once('finish', () => resolve());
      file.once('error', reject);
    });
    this.out.end();
    await done;
    await this.target.commit();
  }

  /** Give up: a file's temporary name is removed, an existing destination left as it was. */
  async abort(): Promise<void> {
    await this.target.abort();
  }
}

/** Run `pcapflow collect`. Throws PcapflowError for option and output problems (exit status 1). */
export async function runCollect(opts: CollectOptions, stdout: Writable): Promise<{ exitCode: 0 | 2; summary: CollectSummary }> {
  const started = process.hrtime.bigint();
  const listen = opts.listen === null ? null : parseUdpUrl(opts.listen, 'listen');
  const files = listen === null ? await expandInputs(opts.read) : [];
  const writer = await RowWriter.open(opts.output, opts.format, stdout, files);
  let options: RowWriter | null = null;
  try {
    options = opts.optionsFile === null ? null : await RowWriter.open(opts.optionsFile, 'jsonl', stdout, files);
    return await collectInto(writer, options, opts, listen, files, started);
  } catch (err) {
    await writer.abort();
    await options?.abort();
    throw err;
  }
}

async function collectInto(
  writer: RowWriter,
  options: RowWriter | null,
  opts: CollectOptions,
  listen: ReturnType<typeof parseUdpUrl> | null,
  files: readonly string[],
  started: bigint,
): Promise<{ exitCode: 0 | 2; summary: CollectSummary }> {
  const formatter = new RecordRowFormatter({ communityIdSeed: opts.communityIdSeed, communityIdBase64: opts.communityIdBase64 });
  const writeRecord = (r: NetflowRecord): void => writer.add(formatter.format(r));
  const pairer = opts.pair ? new RecordPairer(writeRecord) : null;
  const onOptions =
    options === null
      ? null
      : (o: OptionsRecord): void => options.addLine(JSON.stringify(o));
  const decoder = new NetflowDecoder(pairer === null ? writeRecord : (r) => pairer.push(r), onOptions, { pen: opts.pen });
  const stats = new ReadStats();
  let received = 0;
  let ignored = 0;

  if (listen !== null) {
    // Once a second: rows reach the output and held sets past their age are dropped even when no datagram comes.
    const tick = setInterval(() => {
      decoder.expire(Date.now());
      writer.flushSync();
    }, 1000);
    try {
      await listenUdp(listen, opts, (msg, exporter) => {
        received++;
        decoder.decode(msg, exporter, Date.now());
      });
    } finally {
      clearInterval(tick);
    }
  } else {
    const meta = createPacketMeta();
    for (const file of files) {
      stats.files++;
      const parser = new CaptureParser({ fileName: file, firstPacketIndex: 0 });
      try {
        for await (const chunk of await captureChunks(file)) {
          parser.push(chunk as Buffer);
          let pkt: RawPacket | null;
          while ((pkt = parser.next()) !== null) {
            stats.packetsRead++;
            decodePacket(pkt.data, pkt.linkType, meta);
            const d = netflowDatagramOf(pkt.data, meta, opts.port);
            if (d === null) {
              ignored++;
              continue;
            }
            received++;
            decoder.decode(d.payload, d.exporter, Math.floor(pkt.tsUs / 1000));
          }
          await writer.drain();
        }
        parser.end();
      } catch (err) {
        if (!(err instanceof PcapflowError)) throw err;
        if (err.file === undefined) err.file = file;
        stats.addDamage(err, file);
      }
    }
  }
  decoder.finish();
  pairer?.flush();
  await writer.close();
  if (options !== null) await options.close();
  const summary: CollectSummary = {
    datagrams_received: received,
    datagrams_ignored: ignored,
    rows_written: writer.rows,
    decoder: decoder.counters,
    paired: pairer?.paired ?? 0,
    damage: stats.damage,
    elapsed_s: Number(process.hrtime.bigint() - started) / 1e9,
  };
  return { exitCode: stats.damage.length > 0 ? 2 : 0, summary };
}

/**
 * Receive datagrams until SIGINT/SIGTERM or the duration ends; returns how many arrived. The socket's receive
 * buffer is raised (8 MiB asked; the kernel caps it at net.core.rmem_max) so bursts are not dropped while rows
 * are written.
 */
async function listenUdp(
  at: { host: string; port: number; family: 4 | 6 },
  opts: CollectOptions,
  onMessage: (msg: Buffer, exporter: string) => void,
): Promise<number> {
  const sock = dgram.createSocket({ type: at.family === 6 ? 'udp6' : 'udp4', recvBufferSize: 8 << 20 });
  let n = 0;
  sock.on('message', (msg, rinfo) => {
    n++;
    onMessage(msg, rinfo.family === 'IPv6' ? `[${rinfo.address}]:${rinfo.port}` : `${rinfo.address}:${rinfo.port}`);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', (err: NodeJS.ErrnoException) =>
      reject(new PcapflowError('E_OPTION_INVALID', `--listen: cannot bind udp://${at.host}:${at.port}: ${err.code ?? err.message}`)),
    );
    sock.bind(at.port, at.host, () => resolve());
  });
  const a = sock.address();
  opts.onListening?.(a.family === 'IPv6' ? `udp://[${a.address}]:${a.port}` : `udp://${a.address}:${a.port}`);
  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | null = null;
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (timer !== null) clearTimeout(timer);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (opts.durationS !== null) timer = setTimeout(stop, opts.durationS * 1000);
  });
  // Datagrams that reached the socket before the stop are still read: libuv reads a bounded number per readable
  // event, so keep turning the event loop until a whole turn delivers nothing (at most 10 000 turns).
  for (let turns = 0; turns < 10_000; turns++) {
    const before = n;
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    if (n === before) break;
  }
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  return n;
}

/** The one-line stderr summary of a collect run. */
export function formatCollectSummary(s: CollectSummary): string {
  const d = s.decoder;
  const malformed = Object.entries(d.malformed);
  const parts = [
    `${s.datagrams_received} datagrams`,
    `${d.flowRecords} flow records`,
    `${d.optionsRecords} options records`,
    `${s.rows_written} rows written${s.paired > 0 ? ` (${s.paired} paired)` : ''}`,
    `${d.templates} templates`,
    `sequence gaps ${d.sequenceGaps} (${d.sequenceLost} missing)`,
  ];
  if (d.pendingSets > 0) parts.push(`${d.pendingSets} sets before their template (${d.pendingDecoded} decoded, ${d.pendingDropped} dropped)`);
  if (malformed.length > 0) parts.push(`malformed: ${malformed.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return `pcapflow: collect: ${parts.join(', ')} in ${s.elapsed_s.toFixed(2)} s`;
}
