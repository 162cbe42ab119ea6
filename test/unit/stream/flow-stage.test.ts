// FlowStage: packet batches in, row batches out, in the engine's order; at the end of input the open flows are
// written in pieces, each waiting for the reader, so a slow sink never has every row of a large table at once.
import { describe, expect, test } from '@jest/globals';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FlowStage, type RowBatch } from '../../../src/stream/flow-stage.js';
import { engineOptions, packBatches, runFlows, type Conversation, type PacketSpec } from '../../helpers/packet-meta-builder.js';

const T0 = 1_600_000_000_000_000;

/** `flows` UDP conversations, two packets each (query, answer), all still open at the end. */
function items(flows: number): Array<readonly [Conversation, PacketSpec]> {
  const out: Array<readonly [Conversation, PacketSpec]> = [];
  let t = T0;
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < flows; i++) {
      const c: Conversation = { client: `10.2.${i >> 8}.${i & 255}`, server: '10.0.0.53', clientPort: 3000 + i, serverPort: 53, protocol: 17 };
      out.push([c, { dir: round === 0 ? 'c2s' : 's2c', tsUs: (t += 3), payload: 30 + (i % 17) + round * 100 }]);
    }
  }
  return out;
}

describe('FlowStage', () => {
  test('a slow reader gets every open flow in first-packet order, in pieces, never far behind', async () => {
    const list = items(3000);
    const expected = runFlows('default', list).raw; // the engine alone, finish() in one go
    const stage = new FlowStage(engineOptions('default'));
    const got: RowBatch[] = [];
    let mostBuffered = 0;
    const slow = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(batch: RowBatch, _enc, done) {
        got.push(batch);
        mostBuffered = Math.max(mostBuffered, stage.readableLength);
        setImmediate(done);
      },
    });
    await pipeline(Readable.from(packBatches(list, 1000), { objectMode: true }), stage, slow);
    const rows = got.flatMap((b) => b.rows);
    expect(rows.map((r) => r.line)).toEqual(expected.map((r) => r.line));
    expect(rows.map((r) => r.firstIndex)).toEqual(expected.map((r) => r.firstIndex));
    // 3000 open flows ended 512 at a time: 6 pieces (5 × 512 + 440); the stage's own buffer never holds more
    // than its highWaterMark (2) of them while the reader is slow.
    expect(got.map((b) => b.rows.length)).toEqual([512, 512, 512, 512, 512, 440]);
    expect(mostBuffered).toBeLessThanOrEqual(2);
    expect(stage.counters()['flowsWritten']).toBe(3000);
  });
});
