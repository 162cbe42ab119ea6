import { describe, expect, it } from '@jest/globals';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createCaptureSource, type CaptureChunk } from '../../../src/stream/capture-source.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** An input of `n` fresh 64 KiB chunks, each watched through a WeakRef. */
function watchedInput(n: number, refs: WeakRef<Buffer>[]): { name: string; open: () => Promise<AsyncGenerator<Buffer>> } {
  async function* gen(): AsyncGenerator<Buffer> {
    for (let i = 0; i < n; i++) {
      const b = Buffer.alloc(65536, i & 0xff);
      refs.push(new WeakRef(b));
      yield b;
    }
  }
  return { name: 'watched', open: async () => gen() };
}

describe('createCaptureSource', () => {
  it('does not keep the chunks it has handed on while a run with an abort signal goes on', async () => {
    const refs: WeakRef<Buffer>[] = [];
    const controller = new AbortController();
    const source = createCaptureSource([watchedInput(64, refs)], { signal: controller.signal });
    const it = source[Symbol.asyncIterator]() as AsyncIterator<CaptureChunk>;
    for (let i = 0; i < 48; i++) {
      const r = await it.next();
      expect(r.done).toBe(false);
      expect(r.value.data?.length).toBe(65536);
    }
    // The consumer keeps no chunk; the stream reads a few ahead. Before the fix every chunk read so far stayed
    // reachable through the abort race (48 of 48 alive here).
    for (let i = 0; i < 3; i++) {
      await tick();
      gc();
    }
    const alive = refs.slice(0, 40).filter((r) => r.deref() !== undefined).length;
    expect(alive).toBe(0);
    // Aborting still ends the input at once, marked as interrupted.
    controller.abort('SIGINT');
    let last: CaptureChunk | undefined;
    for (;;) {
      const r = await it.next();
      if (r.done === true) break;
      last = r.value;
    }
    expect(last?.data).toBeNull();
    expect(last?.interrupted).toBe(true);
  });
});
