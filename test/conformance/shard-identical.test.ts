// `--shard K/N` splits a run without changing it: on shared captures (clean, damaged and skipped packets
// included), for N = 1, 2, 3 and 7, in both profiles, with --jobs 1 or 2 inside each shard (both at N = 2), the N parts hold
// exactly the single run's rows, each part in the single run's order, their counters add up to the single run's,
// and `pcapflow merge` writes the single run's bytes and summary. Skips when ../shared is absent.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { runMerge } from '../../src/commands/merge.js';
import { normalizeOptions } from '../../src/options.js';
import { runFlows, type RunSummary } from '../../src/run.js';
import { HAVE_SHARED, TESTDATA_DIR } from '../helpers/paths.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-shard-'));

/** Small shared captures: TCP/UDP/ICMP over v4 and v6, snaplen-cut records, damaged files and skipped packets. */
const INPUTS = HAVE_SHARED
  ? [
      path.join(TESTDATA_DIR, 'flows'),
      path.join(TESTDATA_DIR, 'realistic', 'suri_output-eve-ftp-data.pcap'),
      path.join(TESTDATA_DIR, 'realistic', 'zeek_wikipedia.pcap'),
      path.join(TESTDATA_DIR, 'malformed'),
      path.join(TESTDATA_DIR, 'encap'),
    ]
  : [];

const COUNTERS = ['packets_read', 'packets_decoded', 'packets_truncated', 'packets_skipped', 'packets_in_flows', 'packets_dropped', 'flows_written'] as const;

/** The summary without what differs run to run (time, memory) or by design (jobs, parts). */
function comparable(s: RunSummary): Record<string, unknown> {
  const { elapsed_s: _e, timing: _t, peak_rss_bytes: _p, rss_at_end_of_input_bytes: _r, jobs: _j, parts: _n, ...rest } = s;
  return rest;
}

function lines(csv: string): string[] {
  return csv.split('\n').slice(1, -1);
}

/** True when `sub` appears in `all` in the same order (not necessarily contiguous). */
function isSubsequence(sub: string[], all: string[]): boolean {
  let i = 0;
  for (const line of all) if (i < sub.length && line === sub[i]) i++;
  return i === sub.length;
}

(HAVE_SHARED ? describe : describe.skip)('--shard K/N parts are the single run', () => {
  // (N, --jobs inside each shard): every N, and worker threads inside a shard at an even and an odd N.
  const SPLITS: [number, number][] = [[1, 1], [2, 1], [2, 2], [3, 2], [7, 1]];
  it.each(['default', 'cicflowmeter'])('profile %s: N = 1, 2, 3, 7; --jobs 1 and 2 inside a shard', async (profile) => {
    const singleOut = path.join(tmp, `single-${profile}.csv`);
    const single = await runFlows(normalizeOptions({ inputs: INPUTS, output: singleOut, profile, quiet: true }), new PassThrough());
    const singleCsv = readFileSync(singleOut, 'utf8');
    const singleRows = lines(singleCsv);
    expect(singleRows.length).toBeGreaterThan(100);
    expect(single.summary.packets_skipped).toBeGreaterThan(0);
    expect(single.summary.damage.length).toBeGreaterThan(0);
    for (const [n, jobs] of SPLITS) {
      const dir = path.join(tmp, `parts-${profile}-${n}-${jobs}`);
      const parts: RunSummary[] = [];
      const partRows: string[][] = [];
      for (let k = 0; k < n; k++) {
        const r = await runFlows(normalizeOptions({ inputs: INPUTS, profile, jobs, quiet: true, shard: `${k}/${n}`, outDir: dir }), new PassThrough());
        expect(r.exitCode).toBe(single.exitCode);
        parts.push(r.summary);
        const name = readdirSync(dir).find((f) => f.startsWith(`part-${String(k).padStart(5, '0')}-of-`))!;
        expect(name).toBe(`part-${String(k).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.csv`);
        const csv = readFileSync(path.join(dir, name), 'utf8');
        expect(csv.split('\n')[0]).toBe(singleCsv.split('\n')[0]);
        partRows.push(lines(csv));
      }
      // Rows: together exactly the single run's, each part in the single run's order.
      expect(partRows.flat().sort()).toEqual([...singleRows].sort());
      for (const rows of partRows) expect(isSubsequence(rows, singleRows)).toBe(true);
      if (n > 1) expect(partRows.filter((r) => r.length > 0).length).toBeGreaterThan(1);
      // Counters add up; every shard read every packet (its own + other shards'); only shard 0 counts skips.
      for (const c of COUNTERS) expect(parts.reduce((a, s) => a + s[c], 0)).toBe(single.summary[c]);
      const total = single.summary.packets_read;
      for (const [k, s] of parts.entries()) {
        expect(s.packets_read + (s.other_shard ?? -1)).toBe(total);
        expect(s.damage).toEqual(single.summary.damage);
        if (k > 0) expect(s.packets_skipped).toBe(0);
      }
      // Merge: the single run's bytes and summary.
      const mergedOut = path.join(tmp, `merged-${profile}-${n}-${jobs}.csv`);
      const merged = await runMerge([dir], mergedOut, new PassThrough());
      expect(readFileSync(mergedOut, 'utf8') === singleCsv).toBe(true);
      expect(merged.exitCode).toBe(single.exitCode);
      expect(comparable(merged.summary)).toEqual(comparable(single.summary));
      expect(merged.summary.parts).toBe(n);
      rmSync(dir, { recursive: true });
    }
  });
});
