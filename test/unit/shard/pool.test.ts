// The worker pool (--jobs N): rows come back in the same order and with the same bytes as one engine gives,
// including the open flows at the end of input, which the workers hand back in pieces that the pool merges.
import { describe, expect, test } from '@jest/globals';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createShardStage } from '../../../src/shard/pool.js';
import type { RowBatch } from '../../../src/stream/flow-stage.js';
import type { ProfileName } from '../../../src/flow/flow-engine.js';
import { engineOptions, packBatches, runFlows, type Conversation, type PacketSpec } from '../../helpers/packet-meta-builder.js';

const T0 = 1_600_000_000_000_000;

/** `flows` conversations of two packets: UDP, and every 7th a TCP SYN answered by RST. Under the default
 *  profile a reset flow is only "ready" and is written at the next SYN, its timeout or the end (spec §4), so
 *  every flow is still open at the end of this capture. */
function items(flows: number): Array<readonly [Conversation, PacketSpec]> {
  const out: Array<readonly [Conversation, PacketSpec]> = [];
  let t = T0;
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < flows; i++) {
      const tcp = i % 7 === 0;
      const c: Conversation = { client: `10.3.${i >> 8}.${i & 255}`, server: '10.0.0.1', clientPort: 4000 + i, serverPort: tcp ? 443 : 53, protocol: tcp ? 6 : 17 };
      const spec: PacketSpec = { dir: round === 0 ? 'c2s' : 's2c', tsUs: (t += 2), payload: 20 + (i % 11) };
      if (tcp) spec.flags = round === 0 ? 'S' : 'RA';
      out.push([c, spec]);
    }
  }
  return out;
}

describe('ShardStage', () => {
  test.each([2, 3])('--jobs %i: same rows in the same order as one engine, open flows merged in pieces', async (jobs) => {
    const list = items(2500);
    const expected = runFlows('default', list).raw;
    const stage = createShardStage(engineOptions('default'), jobs);
    const got: RowBatch[] = [];
    const slow = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(batch: RowBatch, _enc, done) {
        got.push(batch);
        setImmediate(done);
      },
    });
    await pipeline(Readable.from(packBatches(list, 700, jobs), { objectMode: true }), stage, slow);
    const rows = got.flatMap((b) => b.rows);
    expect(rows.map((r) => [r.endIndex, r.firstIndex])).toEqual(expected.map((r) => [r.endIndex, r.firstIndex]));
    expect(rows.map((r) => r.line)).toEqual(expected.map((r) => r.line));
    // All 2500 flows are open at the end and arrive in batches of at most 512 rows (TAIL_BATCH).
    const tail = got.filter((b) => b.rows[0]!.endIndex === Number.MAX_SAFE_INTEGER);
    expect(tail.reduce((n, b) => n + b.rows.length, 0)).toBe(2500);
    expect(Math.max(...tail.map((b) => b.rows.length))).toBeLessThanOrEqual(512);
    expect(stage.counters()['flowsWritten']).toBe(2500);
  }, 30_000);

  test('a batch packed for another number of shards is refused with an error, not misrouted', async () => {
    const list = items(50);
    const stage = createShardStage(engineOptions('default'), 2);
    const sink = new Writable({ objectMode: true, write: (_b, _e, done) => done() });
    await expect(pipeline(Readable.from(packBatches(list, 100, 1), { objectMode: true }), stage, sink)).rejects.toMatchObject({
      code: 'E_INTERNAL',
      message: expect.stringContaining('packed for 1 shards'),
    });
  }, 30_000);
});

describe('ShardStage: forgetting timed-out flows does not depend on --jobs', () => {
  /**
   * 3000 UDP conversations within 0.3 s: a query, an answer 0.5 s later, then (after the 1 s active timeout ended
   * them) the server speaks again 0.8 s after the answer and the client replies. Under both profiles that late packet continues the old
   * flow if its tombstone is still remembered (default: inherited connection time; cicflowmeter: the old
   * orientation), and starts a fresh flow if it was forgotten. With one tombstone kept per shard group, many
   * groups must forget.
   */
  function lateReturns(): Array<readonly [Conversation, PacketSpec]> {
    const out: Array<[Conversation, PacketSpec]> = [];
    for (let i = 0; i < 3000; i++) {
      const c: Conversation = { client: `10.4.${i >> 8}.${i & 255}`, server: '10.0.0.53', clientPort: 5000 + i, serverPort: 53, protocol: 17 };
      const t = T0 + i * 100;
      out.push(
        [c, { dir: 'c2s', tsUs: t, payload: 30 }],
        [c, { dir: 's2c', tsUs: t + 500_000, payload: 90 }],
        [c, { dir: 's2c', tsUs: t + 1_300_000, payload: 60 + (i % 7) }],
        [c, { dir: 'c2s', tsUs: t + 1_350_000, payload: 20 }],
      );
    }
    return out.sort((a, b) => a[1].tsUs - b[1].tsUs);
  }

  test.each<[ProfileName, number]>([
    ['default', 2],
    ['default', 3],
    ['cicflowmeter', 2],
    ['cicflowmeter', 4],
  ])('%s, --jobs %i: the rows one engine writes', async (profile, jobs) => {
    const list = lateReturns();
    const over = { flowTimeoutUs: 1_000_000, tombstonesPerGroup: 1 };
    const one = runFlows(profile, list, over);
    const counters = one.engine.counters;
    // The scenario really forgets some and continues others, and forgetting changes rows.
    expect(counters['tombstones_evicted']).toBeGreaterThan(100);
    expect(counters['continuations']).toBeGreaterThan(100);
    const remembered = runFlows(profile, list, { ...over, tombstonesPerGroup: 64 });
    expect(remembered.engine.counters['tombstones_evicted']).toBe(0);
    expect(remembered.raw.map((r) => r.line)).not.toEqual(one.raw.map((r) => r.line));

    const stage = createShardStage(engineOptions(profile, over), jobs);
    const got: RowBatch[] = [];
    const sink = new Writable({ objectMode: true, write: (b: RowBatch, _e, done) => (got.push(b), done()) });
    await pipeline(Readable.from(packBatches(list, 700, jobs), { objectMode: true }), stage, sink);
    const rows = got.flatMap((b) => b.rows);
    expect(rows.map((r) => r.line)).toEqual(one.raw.map((r) => r.line));
    expect(rows.map((r) => [r.endIndex, r.firstIndex])).toEqual(one.raw.map((r) => [r.endIndex, r.firstIndex]));
    expect(stage.counters()['tombstones_evicted']).toBe(counters['tombstones_evicted']);
  }, 60_000);
});
