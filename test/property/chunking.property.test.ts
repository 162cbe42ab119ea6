// Property: however the input bytes are split into chunks, the pipeline writes byte-identical CSV (this checks
// every parser's chunk-boundary handling together with the flow stage), for both profiles.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvSink } from '../../src/csv/csv-sink.js';
import { FlowEngine } from '../../src/flow/flow-engine.js';
import type { ProfileName } from '../../src/options.js';
import type { CaptureChunk } from '../../src/stream/capture-source.js';
import { FlowStage } from '../../src/stream/flow-stage.js';
import { PacketStage } from '../../src/stream/packet-stage.js';
import { ReadStats } from '../../src/stream/read-stats.js';
import { SAMPLES_DIR } from '../helpers/paths.js';

async function csvOf(bytes: Uint8Array, cuts: number[], profile: ProfileName, batchSize: number): Promise<string> {
  const chunks: CaptureChunk[] = [];
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    chunks.push({ fileIndex: 0, file: 'sample', data: Buffer.from(bytes.subarray(at, c)) });
    at = c;
  }
  chunks.push({ fileIndex: 0, file: 'sample', data: null });
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const engine = { profile, flowTimeoutUs: 120e6, activityTimeoutUs: 5e6, idleTimeoutUs: 0, maxFlows: 0, communityIdSeed: 0, communityIdBase64: true };
  await pipeline(
    Readable.from(chunks, { objectMode: true }),
    new PacketStage({ stats: new ReadStats(), batchSize }),
    new FlowStage(engine),
    new CsvSink(out, { header: FlowEngine.header(profile), rowsPerWrite: 1 }),
  );
  return text;
}

describe('random chunk splits give byte-identical CSV', () => {
  for (const name of ['tcp-handshake.pcap', 'big-endian.pcapng', 'dns-udp.pcapng', 'vlan.pcap']) {
    it(name, async () => {
      const bytes = readFileSync(path.join(SAMPLES_DIR, name));
      for (const profile of ['default', 'cicflowmeter'] as ProfileName[]) {
        const whole = await csvOf(bytes, [], profile, 4096);
        expect(whole.split('\n').length).toBeGreaterThan(2);
        await fc.assert(
          fc.asyncProperty(
            fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }).map((a) => a.sort((x, y) => x - y)),
            fc.integer({ min: 1, max: 16 }),
            async (cuts, batchSize) => {
              expect(await csvOf(bytes, cuts, profile, batchSize)).toBe(whole);
            },
          ),
          { numRuns: 25, seed: 20261122 },
        );
      }
    });
  }
});
