// `--jobs N` never changes the output: for every capture in ../shared/testdata (damaged ones included), read
// directory by directory, the CSV bytes, the exit status and the counters are the same for --jobs 1 as for
// --jobs 2, 3 and 8 (default profile: an odd shard count, and more shards than this machine's cores) and 2 and 4
// (the cicflowmeter profile, and both with --decap). Skips when ../shared is absent.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { normalizeOptions } from '../../src/options.js';
import { runFlows } from '../../src/run.js';
import { HAVE_SHARED, TESTDATA_DIR } from '../helpers/paths.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-jobs-'));

async function output(inputs: string[], profile: string, jobs: number, decap = false): Promise<{ csv: string; exitCode: number; counts: unknown }> {
  const out = path.join(tmp, `out-${jobs}.csv`);
  const { exitCode, summary } = await runFlows(normalizeOptions({ inputs, output: out, profile, jobs, quiet: true, decap }), new PassThrough());
  const { elapsed_s: _e, timing: _t, peak_rss_bytes: _r, rss_at_end_of_input_bytes: _s, jobs: _j, ...counts } = summary;
  return { csv: readFileSync(out, 'utf8'), exitCode, counts };
}

/** The captures of one testdata directory (a damaged file stops only itself, so each is its own input). */
function capturesIn(dir: string): string[] {
  return readdirSync(path.join(TESTDATA_DIR, dir))
    .filter((f) => /\.(pcap|pcapng|cap|gz|snoop)$/.test(f))
    .sort()
    .map((f) => path.join(TESTDATA_DIR, dir, f));
}

(HAVE_SHARED ? describe : describe.skip)('--jobs N gives the bytes of --jobs 1', () => {
  const dirs = HAVE_SHARED
    ? readdirSync(TESTDATA_DIR).filter((d) => statSync(path.join(TESTDATA_DIR, d)).isDirectory() && capturesIn(d).length > 0).sort()
    : [];
  it.each(dirs)('%s/', async (dir) => {
    const inputs = capturesIn(dir);
    for (const [profile, decap] of [['default', false], ['cicflowmeter', false], ['default', true], ['cicflowmeter', true]] as const) {
      const ref = await output(inputs, profile, 1, decap);
      expect(ref.csv.split('\n').length).toBeGreaterThan(1);
      for (const jobs of profile === 'default' && !decap ? [2, 3, 8] : [2, 4]) {
        const got = await output(inputs, profile, jobs, decap);
        expect(got.exitCode).toBe(ref.exitCode);
        expect(got.counts).toEqual(ref.counts);
        expect(got.csv === ref.csv).toBe(true);
      }
    }
  });
});
