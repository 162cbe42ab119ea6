// The capture readers' only I/O: opening a file or stdin as a stream of decompressed 1 MiB chunks (gzip found
// by its magic bytes, not by the name), expanding directory inputs, and a convenience reader for tests/tools.
// Parsing itself stays in the pure CaptureParser; this module never interprets capture bytes.

import { open, readdir, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip, gunzipSync, constants as zlibConstants } from 'node:zlib';
import { PcapflowError } from '../errors.js';
import type { RawPacket } from '../types.js';
import { CaptureParser } from './capture-parser.js';
import { naturalPathCompare } from './natural-order.js';
import { sniffFormat } from './sniff.js';

/** Read size: 1 MiB chunks (fewer, larger chunks mean fewer records straddling a chunk boundary). */
export const CHUNK_SIZE = 1 << 20;

/**
 * Reads of a regular file kept in flight at once. A ReadStream has one read in flight and starts the next only
 * when the event loop gets a turn; the pipeline works through each chunk synchronously (decode, flows), so with a
 * ReadStream it waited for every read in turn. Measured (--cpu-prof of `--jobs 1` on the 919 MB bench mix): the
 * main thread sat idle 1.1 s of the 6 s of input with a ReadStream, 0.03 s with 4 positioned reads in flight;
 * wall time, best of 4 interleaved runs, 7.74 -> 7.28 s (this shared 2-core machine's noise is of that order).
 */
const READ_AHEAD = 4;

/**
 * Chunk buffers given back by their consumer (releaseChunk), reused by the next reads instead of fresh ones.
 * Fresh memory is what costs here: on this project's 2-core VM every first touch of a page faults (about 10 µs
 * per 4 KiB: touching 228 MB took 545-609 ms the first time, 2-3 ms the second), so a 1 MiB chunk that is new
 * each time costs ~2.5 ms before a byte of it is read. Measured, --jobs 1 on the 500 k-packet bench mix (230 MB),
 * with this pool and the batch pool of shard/packet-batch.ts: minor page faults 99,905 -> 41-44 k, peak RSS 382 ->
 * 152-158 MB.
 */
const CHUNK_POOL: Buffer[] = [];
/** Buffers this reader allocated (only those go back to the pool). */
const POOLED = new WeakSet<ArrayBufferLike>();
/** Buffers kept for reuse at most: the reads in flight plus the chunks queued between the pipeline's stages. */
const CHUNK_POOL_MAX = 12;

function takeChunkBuffer(): Buffer {
  const b = CHUNK_POOL.pop();
  if (b !== undefined) return b;
  const fresh = Buffer.allocUnsafeSlow(CHUNK_SIZE);
  POOLED.add(fresh.buffer);
  return fresh;
}

/**
 * Give a chunk that captureChunks yielded back for reuse, once nothing reads it any more (CaptureParser: after
 * next() returned null). Chunks not given back are simply garbage; anything else is ignored.
 */
export function releaseChunk(chunk: Uint8Array): void {
  const buf = chunk.buffer;
  if (!POOLED.has(buf) || CHUNK_POOL.length >= CHUNK_POOL_MAX || buf.byteLength !== CHUNK_SIZE) return;
  for (const b of CHUNK_POOL) if (b.buffer === buf) return; // given back twice
  CHUNK_POOL.push(Buffer.from(buf, 0, CHUNK_SIZE));
}

/**
 * A regular file's bytes as CHUNK_SIZE Buffers (the last one shorter), with READ_AHEAD positioned reads in
 * flight. Reads until a read returns no bytes, like a ReadStream (after a short read the reads issued beyond it
 * are dropped and reading resumes where the data ended, so a file that grows while read is not left with a gap).
 * Closes the handle when done, on error, or when the consumer stops early.
 */
async function* readAhead(handle: FileHandle): AsyncGenerator<Buffer> {
  interface Pending { result: Promise<number>; buffer: Buffer }
  const pending: Pending[] = [];
  let position = 0;
  const issue = (): void => {
    const buffer = takeChunkBuffer();
    const result = handle.read(buffer, 0, CHUNK_SIZE, position).then((r) => r.bytesRead);
    result.catch(() => undefined); // awaited below; this only keeps a read that is dropped from going unhandled
    pending.push({ result, buffer });
    position += CHUNK_SIZE;
  };
  try {
    for (;;) {
      while (pending.length < READ_AHEAD) issue();
      const { result, buffer } = pending.shift()!;
      const bytes = await result;
      if (bytes === 0) return;
      if (bytes < CHUNK_SIZE) {
        // Short read: what was issued beyond it read past the end of the data seen so far.
        position -= CHUNK_SIZE * (pending.length + 1) - bytes;
        await Promise.allSettled(pending.map((p) => p.result));
        pending.length = 0;
        yield buffer.subarray(0, bytes);
      } else {
        yield buffer;
      }
    }
  } finally {
    await Promise.allSettled(pending.map((p) => p.result));
    await handle.close();
  }
}

/** Bytes of the inputs read as stored (before gunzip), added per chunk read (a progress display polls it). */
export interface StoredBytesCounter {
  storedBytesRead: number;
}

/** Errors from fs/zlib mapped onto pcapflow's codes, naming the file. */
function ioError(err: unknown, file: string): PcapflowError {
  if (err instanceof PcapflowError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const msg = err instanceof Error ? err.message : String(err);
  if (code === 'ENOENT') return new PcapflowError('E_INPUT_NOT_FOUND', `no such file: ${file}`, { file });
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new PcapflowError('E_GZIP_CORRUPT', `gzip data is damaged: ${msg}`, { file, layer: 'gzip' });
  }
  return new PcapflowError('E_IO', `cannot read ${file}: ${msg}`, { file });
}

/** Yields the source's chunks, gunzipped when the first two bytes are the gzip magic 1f 8b (RFC 1952). Read errors
 *  surface as PcapflowError naming `file` (E_IO, E_GZIP_CORRUPT). Also used for the library's streams and buffers.
 *  `counter`, when given, counts the bytes read as stored (compressed bytes for a gzip file). */
export async function* decompressed(source: AsyncIterable<Buffer>, file: string, counter?: StoredBytesCounter): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headLen = 0;
  let done = false;
  try {
    while (headLen < 2) {
      const r = await it.next();
      if (r.done === true) {
        done = true;
        break;
      }
      head.push(r.value);
      headLen += r.value.length;
      if (counter !== undefined) counter.storedBytesRead += r.value.length;
    }
  } catch (err) {
    throw ioError(err, file);
  }
  const first = head.length === 1 ? head[0] : Buffer.concat(head);
  const isGzip = first !== undefined && first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
  async function* rest(): AsyncGenerator<Buffer> {
    if (first !== undefined && first.length > 0) yield first;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done === true) return;
      if (counter !== undefined) counter.storedBytesRead += r.value.length;
      yield r.value;
    }
  }
  try {
    if (!isGzip) {
      yield* rest();
      return;
    }
    // gunzip handles multi-member files (concatenated .gz) as gzip(1) does.
    const gunzip = createGunzip({ chunkSize: CHUNK_SIZE });
    const feed = Readable.from(rest());
    feed.on('error', (err) => gunzip.destroy(ioError(err, file)));
    feed.pipe(gunzip);
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } finally {
      feed.destroy();
      gunzip.destroy();
    }
  } catch (err) {
    throw ioError(err, file);
  } finally {
    // Close the source (and its file handle) also when the consumer stops early.
    await it.return?.();
  }
}

/**
 * Open a capture file, or stdin for '-', as an async generator of decompressed bytes (gzip detected by magic
 * 1f 8b, not by extension; 1 MiB reads, READ_AHEAD in flight for a regular file). Each chunk is a Buffer the
 * consumer may keep: the stream reuses a chunk only once the consumer gives it back (releaseChunk). `counter`, when given, counts the bytes read as stored
 * (compressed bytes for a gzip file).
 * @throws (rejects) PcapflowError E_INPUT_NOT_FOUND when the file does not exist, E_IO when it cannot be opened
 *   or is a directory. Later read errors surface while iterating: E_IO, or E_GZIP_CORRUPT for damaged gzip.
 */
export async function captureChunks(file: string, counter?: StoredBytesCounter): Promise<AsyncGenerator<Buffer>> {
  let source: AsyncIterable<Buffer>;
  if (file === '-') {
    source = process.stdin;
  } else {
    let handle;
    let regular: boolean;
    try {
      handle = await open(file, 'r');
      const st = await handle.stat();
      regular = st.isFile();
      if (!regular && !st.isFIFO() && !st.isCharacterDevice()) {
        await handle.close();
        throw new PcapflowError('E_IO', `not a regular file: ${file}`, { file });
      }
    } catch (err) {
      throw ioError(err, file);
    }
    source = regular ? readAhead(handle) : handle.createReadStream({ highWaterMark: CHUNK_SIZE, autoClose: true });
  }
  return decompressed(source, file, counter);
}

/**
 * Open a capture file, or stdin for '-', as a Readable of decompressed bytes: captureChunks wrapped in a stream
 * (same chunks, same errors).
 */
export async function openCapture(file: string): Promise<NodeJS.ReadableStream & AsyncIterable<Buffer>> {
  return Readable.from(await captureChunks(file)) as NodeJS.ReadableStream & AsyncIterable<Buffer>;
}

/** What a walk of the inputs found: the captures to read, in order, and the files it passed over. */
export interface FoundInputs {
  /** Files named on the command line (and '-') as given, in the given order, each directory replaced by the
   *  captures under it in natural order. */
  files: string[];
  /** Files found by walking a directory that are not captures (their first bytes are not pcap, pcapng, or gzip
   *  holding one), or whose name `skipName` rejects; not read. */
  skipped: string[];
}

/** Bytes of a gzip file inflated to see what it holds (the first member's first bytes). */
const GZIP_PEEK_BYTES = 64 * 1024;

/**
 * True when the file's first bytes are those of a capture pcapflow reads: pcap or pcapng, or gzip whose
 * decompressed first bytes are. Reads at most GZIP_PEEK_BYTES; never throws for content (unreadable: false).
 */
export async function looksLikeCapture(file: string): Promise<boolean> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, 'r');
    const head = Buffer.alloc(GZIP_PEEK_BYTES);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    let bytes = head.subarray(0, bytesRead);
    let format = sniffOrNull(bytes);
    if (format === 'gzip') {
      // A truncated deflate stream inflates as far as it goes with a sync flush instead of failing.
      bytes = gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      format = sniffOrNull(bytes);
      return format === 'pcap' || format === 'pcapng';
    }
    return format !== null;
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

function sniffOrNull(head: Uint8Array): ReturnType<typeof sniffFormat> | null {
  try {
    const f = sniffFormat(head);
    return f === 'need-more' ? null : f;
  } catch {
    return null;
  }
}

/**
 * Find the captures to read. Files (and '-') are kept as given, in the given order, whatever they hold (a file
 * named explicitly that is not a capture is an error when it is read). Each directory is walked recursively
 * (symlinks to files included, symlinked directories not followed) and replaced by the captures under it in
 * natural order (naturalPathCompare: cap2.pcap before cap10.pcap, path component by component); the files under
 * it that are not captures, and those whose base name `opts.skipName` rejects (the CLI passes its temporary
 * outputs' pattern), are left out and listed in `skipped`.
 * @throws (rejects) PcapflowError E_INPUT_NOT_FOUND for a path that does not exist, E_IO if it cannot be read.
 */
export async function findInputs(paths: readonly string[], opts: { skipName?: (name: string) => boolean } = {}): Promise<FoundInputs> {
  const files: string[] = [];
  const skipped: string[] = [];
  for (const p of paths) {
    if (p === '-') {
      files.push(p);
      continue;
    }
    let st;
    try {
      st = await stat(p);
    } catch (err) {
      throw ioError(err, p);
    }
    if (!st.isDirectory()) {
      files.push(p);
      continue;
    }
    const found: string[] = [];
    await walk(p, found);
    const rel = (f: string): string => path.relative(p, f);
    found.sort((a, b) => naturalPathCompare(rel(a), rel(b), path.sep));
    for (const f of found) {
      if (!(opts.skipName?.(path.basename(f)) ?? false) && (await looksLikeCapture(f))) files.push(f);
      else skipped.push(f);
    }
  }
  return { files, skipped };
}

/** findInputs' files alone (the captures to read). */
export async function expandInputs(paths: string[]): Promise<string[]> {
  return (await findInputs(paths)).files;
}

async function walk(dir: string, found: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw ioError(err, dir);
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) await walk(full, found);
    else if (e.isFile()) found.push(full);
    else if (e.isSymbolicLink()) {
      try {
        if ((await stat(full)).isFile()) found.push(full);
      } catch {
        // a dangling link is not an input
      }
    }
  }
}

/** A packet whose `data` is an owned copy. */
export type CopiedPacket = Omit<RawPacket, 'data'> & { data: Uint8Array };

/**
 * Convenience for tests and tools: every packet of a file (data copied), with the PcapflowError that stopped
 * reading if the file is damaged (the packets before it are kept).
 * @throws (rejects) E_INPUT_NOT_FOUND / E_IO when the file cannot be opened at all.
 */
export async function readAllPackets(file: string): Promise<{ packets: CopiedPacket[]; error: PcapflowError | null }> {
  const stream = await openCapture(file);
  const parser = new CaptureParser({ fileName: file });
  const packets: CopiedPacket[] = [];
  try {
    for await (const chunk of stream) {
      parser.push(chunk);
      for (let p = parser.next(); p !== null; p = parser.next()) packets.push({ ...p, data: p.data.slice() });
    }
    parser.end();
  } catch (err) {
    if (err instanceof PcapflowError) return { packets, error: err };
    throw err;
  }
  return { packets, error: null };
}
