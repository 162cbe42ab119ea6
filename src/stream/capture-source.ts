// The first stage of pcapflow's stream pipeline: reads every input (files, directories expanded, '-' for stdin)
// in order and emits their bytes as chunks of about 1 MiB, with an end marker per file. Gzip is undone here
// (openCapture), so later stages only see capture bytes. This is one of the few modules that does I/O.
import { Readable } from 'node:stream';
import { captureChunks } from '../capture/chunk-reader.js';

/** One chunk of one input file's (decompressed) bytes; `data === null` marks the end of that file. */
export interface CaptureChunk {
  fileIndex: number;
  file: string;
  data: Buffer | null;
}

/** A Readable (object mode) of CaptureChunks over `files`, read one after the other. */
export function createCaptureSource(files: readonly string[]): Readable {
  async function* chunks(): AsyncGenerator<CaptureChunk> {
    for (let fileIndex = 0; fileIndex < files.length; fileIndex++) {
      const file = files[fileIndex]!;
      const stream = await captureChunks(file);
      for await (const data of stream) {
        yield { fileIndex, file, data: data as Buffer };
      }
      yield { fileIndex, file, data: null };
    }
  }
  // highWaterMark counts chunks: 4 x 1 MiB read ahead at most.
  return Readable.from(chunks(), { objectMode: true, highWaterMark: 4 });
}
