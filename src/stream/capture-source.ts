// The first stage of pcapflow's stream pipeline: reads every input (files, directories expanded, '-' for stdin)
// in order and emits their bytes as chunks of about 1 MiB, with an end marker per file. Gzip is undone here
// (openCapture), so later stages only see capture bytes. This is one of the few modules that does I/O.
// An AbortSignal stops reading: the stream then ends as if the input had ended there (an interrupt ends a run
// with the flows of the packets read so far), also while a read waits on a pipe whose writer is still open.
import { Readable } from 'node:stream';
import { captureChunks, type StoredBytesCounter } from '../capture/chunk-reader.js';

/** One chunk of one input file's (decompressed) bytes; `data === null` marks the end of that file. */
export interface CaptureChunk {
  fileIndex: number;
  file: string;
  data: Buffer | null;
  /** On the end marker: reading stopped here because the run was interrupted (the file did not end: a record
   *  cut by the stop is not damage). */
  interrupted?: boolean;
}

/** An input that is not a path (the library's streams and buffers): its name for messages, and its bytes. */
export interface CaptureInput {
  name: string;
  /** Open it; `counter`, when given, counts the bytes read as stored (a progress display polls it). */
  open(counter?: StoredBytesCounter): Promise<AsyncGenerator<Buffer>>;
}

export interface CaptureSourceOptions {
  /** Stop reading when aborted. */
  signal?: AbortSignal;
  /** Counts the bytes read as stored (compressed bytes of gzip inputs): what a progress display shows. */
  counter?: StoredBytesCounter;
}

const STOPPED = Symbol('stopped');

/**
 * `read`'s result, or STOPPED as soon as `signal` aborts. The abort listener lives only while the read is pending.
 * Promise.race against one run-long "aborted" promise instead adds a reaction to that promise per read, and each
 * reaction keeps its settled race, and so the chunk it resolved with, reachable until the run ends: 10 GB piped
 * through stdin held 10.5 GB of RSS at the end of input (a file's pooled chunks hid it: see releaseChunk).
 */
function untilAborted<T>(read: Promise<T>, signal: AbortSignal): Promise<T | typeof STOPPED> {
  if (signal.aborted) return Promise.resolve(STOPPED);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(STOPPED);
    signal.addEventListener('abort', onAbort, { once: true });
    read.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}

/** A Readable (object mode) of CaptureChunks over `files`, read one after the other. */
export function createCaptureSource(files: readonly (string | CaptureInput)[], opts: CaptureSourceOptions = {}): Readable {
  const signal = opts.signal;
  async function* chunks(): AsyncGenerator<CaptureChunk> {
    // The input being read: closed (its file handle with it) if the stream is destroyed before it ends.
    let reading: AsyncGenerator<Buffer> | null = null;
    try {
      for (let fileIndex = 0; fileIndex < files.length; fileIndex++) {
        const input = files[fileIndex]!;
        const file = typeof input === 'string' ? input : input.name;
        if (signal?.aborted === true) return;
        const stream = typeof input === 'string' ? await captureChunks(input, opts.counter) : await input.open(opts.counter);
        reading = stream;
        for (;;) {
          const next = stream.next();
          const r = signal === undefined ? await next : await untilAborted(next, signal);
          if (r === STOPPED) {
            // The pending read may never settle (a pipe whose writer is still open): stdin is let go so the
            // process can exit, a file's handle is closed once its read returns.
            reading = null;
            next.then(() => stream.return(undefined), () => undefined);
            if (input === '-') process.stdin.destroy();
            yield { fileIndex, file, data: null, interrupted: true };
            return;
          }
          if (r.done === true) break;
          yield { fileIndex, file, data: r.value };
        }
        reading = null;
        yield { fileIndex, file, data: null };
      }
    } finally {
      await reading?.return(undefined);
    }
  }
  // highWaterMark counts chunks: 4 x 1 MiB read ahead at most.
  return Readable.from(chunks(), { objectMode: true, highWaterMark: 4 });
}
