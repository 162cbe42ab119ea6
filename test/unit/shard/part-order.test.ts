import { describe, expect, it } from '@jest/globals';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FlowRow } from '../../../src/flow/flow-engine.js';
import { ORDER_RECORD_BYTES, OrderRecorder } from '../../../src/shard/part-order.js';

const row = (endIndex: number, firstIndex: number): FlowRow => ({ endIndex, firstIndex, line: `${endIndex}-${firstIndex}`, packets: 1 }) as FlowRow;

describe('OrderRecorder', () => {
  it('passes the row batches on unchanged and writes each row\'s (endIndex, firstIndex) as little-endian float64 pairs', async () => {
    const batches = [{ rows: [row(5, 1), row(9, 2)] }, { rows: [] }, { rows: [row(2 ** 40, 2 ** 40 - 7)] }];
    const chunks: Buffer[] = [];
    const out = new PassThrough();
    out.on('data', (c: Buffer) => chunks.push(c));
    const passed: unknown[] = [];
    const rec = new OrderRecorder(out);
    await pipeline(Readable.from(batches), rec, new Writable({ objectMode: true, write: (b, _e, done) => (passed.push(b), done()) }));
    expect(passed).toEqual(batches);
    expect(rec.rows).toBe(3);
    const bytes = Buffer.concat(chunks);
    expect(bytes.length).toBe(3 * ORDER_RECORD_BYTES);
    const pairs = [0, 1, 2].map((i) => [bytes.readDoubleLE(i * 16), bytes.readDoubleLE(i * 16 + 8)]);
    expect(pairs).toEqual([[5, 1], [9, 2], [2 ** 40, 2 ** 40 - 7]]);
  });

  it('waits for the order file to drain (backpressure), and writes every pair of many batches', async () => {
    const n = 50_000;
    const batches = Array.from({ length: n / 500 }, (_v, b) => ({ rows: Array.from({ length: 500 }, (_w, i) => row(b * 500 + i, i)) }));
    let bytes = 0;
    let maxPending = 0;
    const out = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _e, done) {
        bytes += chunk.length;
        maxPending = Math.max(maxPending, this.writableLength);
        setImmediate(done);
      },
    });
    await pipeline(Readable.from(batches), new OrderRecorder(out), new Writable({ objectMode: true, write: (_b, _e, done) => done() }));
    expect(bytes).toBe(n * ORDER_RECORD_BYTES);
    expect(maxPending).toBeLessThanOrEqual(2 * 8192 * ORDER_RECORD_BYTES);
  });
});
