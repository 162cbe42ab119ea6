// Properties of the NetFlow/IPFIX decoder over hostile and mutated datagrams (the fuzzer's inputs, scripts/
// fuzz-netflow.ts) and arbitrary bytes: never a throw, never an internal error, state within its bounds, every held
// data set decoded or counted as dropped.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { HOSTILE, loadNetflowCorpus, makeNetflowInput, runNetflow } from '../../scripts/fuzz-netflow.js';
import { NetflowDecoder } from '../../src/netflow/decoder.js';
import { SAMPLES_DIR } from '../helpers/paths.js';

const corpus = loadNetflowCorpus(SAMPLES_DIR);

describe('NetflowDecoder under hostile input', () => {
  it('the recorded fixtures are in the corpus', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(7);
    for (const c of corpus) expect(c.datagrams.length).toBeGreaterThan(0);
  });

  for (const name of Object.keys(HOSTILE)) {
    it(`hostile sequence ${name}: counted, bounded, no throw`, () => {
      for (let seed = 1; seed <= 5; seed++) {
        const datagrams = HOSTILE[name]!(() => ((seed * 9301 + 49297) % 233280) / 233280).map((data) => ({ data, exporter: 'e' }));
        expect(() => runNetflow({ datagrams, ops: [name] })).not.toThrow();
      }
    });
  }

  it('mutated recordings and hostile sequences (fuzzer inputs): no violation', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        runNetflow(makeNetflowInput(seed, corpus));
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes with a NetFlow version in front: no throw', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 5, 7, 9, 10), fc.uint8Array({ maxLength: 2000 }), (version, rest) => {
        const d = new Uint8Array(2 + rest.length);
        d[1] = version;
        d.set(rest, 2);
        const dec = new NetflowDecoder(() => undefined);
        dec.decode(d, 'e');
        expect(dec.counters.malformed['internal'] ?? 0).toBe(0);
        expect(dec.counters.malformed['internal_range'] ?? 0).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });
});
