// Where pcapflow's results go, written so that a capture is never destroyed and an output never looks complete
// when it is not:
// - an output that is the same file as an input (same path, a symlink or a hard link to it: same device and
//   inode) is refused before anything is opened for writing;
// - a regular file (or a path that does not exist yet) is written to a temporary file in the destination's
//   directory and renamed over the destination only by commit(), after the data has reached the disk (fsync);
//   abort() removes the temporary file and leaves an existing destination as it was;
// - stdout and special files (/dev/null, pipes, terminals, /dev/full) are written directly.
// Temporary files still present when the process exits (an internal error, a second interrupt) are removed by
// removeTemporaryOutputsSync(), which the CLI calls on its way out. This module does file I/O only.
import { randomBytes } from 'node:crypto';
import { createWriteStream, fstatSync, unlinkSync, type WriteStream } from 'node:fs';
import { open, realpath, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { PcapflowError } from '../errors.js';

/** An open destination. `stream` is ended by whoever writes it (the sinks end files, never stdout). */
export interface OutputFile {
  readonly stream: Writable;
  /** The path the user gave ('-' for stdout). */
  readonly path: string;
  /** True when the stream is ours to end (a file), false for stdout. */
  readonly ownsStream: boolean;
  /** The temporary file being written, or null when writing directly. */
  readonly temporaryPath: string | null;
  /** Make the output visible under its name: wait for the stream to close, fsync, rename. */
  commit(): Promise<void>;
  /** Give up: destroy the stream and remove the temporary file (an existing destination is untouched). */
  abort(): Promise<void>;
}

/** Temporary outputs of this process that are not committed or aborted yet. */
const live = new Set<string>();

/** Suffix and prefix of pcapflow's temporary files: `.<name>.pcapflow-<pid>-<random>.tmp` beside the output. */
const TEMP_PATTERN = /^\..+\.pcapflow-\d+-[0-9a-f]+\.tmp$/;

/** True for a file name pcapflow uses for a temporary output (directory walks skip these). */
export function isTemporaryOutputName(name: string): boolean {
  return TEMP_PATTERN.test(name);
}

function temporaryPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.pcapflow-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** Remove every temporary output of this process, synchronously (safe in an 'exit' handler). */
export function removeTemporaryOutputsSync(): void {
  for (const p of live) {
    try {
      unlinkSync(p);
    } catch {
      // already gone
    }
  }
  live.clear();
}

function outputError(dest: string, err: unknown): PcapflowError {
  if (err instanceof PcapflowError) return err;
  const e = err as NodeJS.ErrnoException;
  return new PcapflowError('E_OUTPUT', `cannot write ${dest}: ${e.code ?? e.message}`, { file: dest });
}

interface FileId {
  dev: number;
  ino: number;
}

async function fileId(p: string): Promise<FileId | null> {
  if (p === '-') {
    // stdin: a regular file redirected into pcapflow (`pcapflow - -o x < x`) has an identity too
    try {
      const st = fstatSync(0);
      return st.isFile() ? { dev: st.dev, ino: st.ino } : null;
    } catch {
      return null;
    }
  }
  try {
    const st = await stat(p);
    return { dev: st.dev, ino: st.ino };
  } catch {
    return null;
  }
}

/**
 * Refuse (PcapflowError E_OUTPUT naming both paths) a destination that is the same file as one of `inputs`:
 * compared by device and inode after following symlinks, so a symlink or a hard link is caught as well as the
 * same path. A destination that does not exist yet cannot be an input. Opens nothing for writing.
 */
export async function assertNotAnInput(dest: string, inputs: readonly string[], what = 'output'): Promise<void> {
  if (dest === '-') return;
  const out = await fileId(dest);
  if (out === null) return;
  for (const input of inputs) {
    const id = await fileId(input);
    if (id !== null && id.dev === out.dev && id.ino === out.ino) {
      const name = input === '-' ? 'stdin' : input;
      throw new PcapflowError('E_OUTPUT', `refusing to write the ${what} ${dest}: it is the input ${name}`);
    }
  }
}

function direct(dest: string, stream: Writable, ownsStream: boolean): OutputFile {
  return {
    stream,
    path: dest,
    ownsStream,
    temporaryPath: null,
    commit: async () => undefined,
    abort: async () => {
      if (ownsStream) stream.destroy();
    },
  };
}

function waitOpen(stream: WriteStream, dest: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err) => reject(outputError(dest, err)));
  });
}

function waitClosed(stream: Writable): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise<void>((resolve) => stream.once('close', () => resolve()));
}

/**
 * Open `dest` for writing ('-' is `stdout`). Regular files go through a temporary file (see the module comment);
 * `inputs` are checked first (assertNotAnInput).
 * @throws (rejects) PcapflowError E_OUTPUT when the destination is an input, a directory, or cannot be written.
 */
export async function openOutputFile(dest: string, stdout: Writable, inputs: readonly string[] = []): Promise<OutputFile> {
  if (dest === '-') return direct(dest, stdout, false);
  await assertNotAnInput(dest, inputs);
  let target = dest;
  let mode = 0o666;
  try {
    const st = await stat(dest);
    if (st.isDirectory()) throw new PcapflowError('E_OUTPUT', `cannot write ${dest}: it is a directory`, { file: dest });
    if (!st.isFile()) {
      // a device, a pipe, a socket: written in place (nothing to replace atomically)
      const stream = createWriteStream(dest);
      await waitOpen(stream, dest);
      return direct(dest, stream, true);
    }
    target = await realpath(dest); // a symlink keeps pointing at the file: the file is replaced, not the link
    mode = st.mode & 0o7777;
  } catch (err) {
    if (err instanceof PcapflowError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw outputError(dest, err);
  }
  const tmp = temporaryPathFor(target);
  const stream = createWriteStream(tmp, { flags: 'wx', mode });
  live.add(tmp);
  try {
    await waitOpen(stream, dest);
  } catch (err) {
    live.delete(tmp);
    throw err;
  }
  let settled = false;
  const file: OutputFile = {
    stream,
    path: dest,
    ownsStream: true,
    temporaryPath: tmp,
    async commit() {
      if (settled) return;
      settled = true;
      try {
        if (!stream.writableFinished && !stream.destroyed) await new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
        await waitClosed(stream);
        if (stream.errored) throw stream.errored;
        // The data reaches the disk before the name points at it: a crash never leaves a short file under it.
        const h = await open(tmp, 'r');
        try {
          await h.sync();
        } finally {
          await h.close();
        }
        await rename(tmp, target);
        live.delete(tmp);
      } catch (err) {
        settled = false;
        await file.abort();
        throw outputError(dest, err);
      }
    },
    async abort() {
      if (settled) return;
      settled = true;
      stream.destroy();
      await waitClosed(stream);
      await unlink(tmp).catch(() => undefined);
      live.delete(tmp);
    },
  };
  return file;
}

/** Write a whole (small) file the same way: refused if it is an input, temporary file, fsync, rename. */
export async function writeFileAtomic(dest: string, text: string, inputs: readonly string[] = []): Promise<void> {
  if (dest === '-') {
    process.stdout.write(text);
    return;
  }
  const out = await openOutputFile(dest, process.stdout, inputs);
  try {
    await new Promise<void>((resolve, reject) => out.stream.end(text, (e?: Error | null) => (e ? reject(e) : resolve())));
  } catch (err) {
    await out.abort();
    throw outputError(dest, err);
  }
  await out.commit();
}
