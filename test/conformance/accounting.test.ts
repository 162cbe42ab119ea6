// The accounting proof over every capture in ../shared/testdata, malformed ones included: for each profile,
// packets read = packets in flows + packets skipped (by reason) + packets the profile drops (by reason); and the
// packet counts of all rows add up to the packets in flows. Damaged captures end with status 2 and one stderr line
// naming the file and byte offset, never a crash. Skips when ../shared is absent.
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { normalizeOptions } from '../../src/options.js';
import { runFlows } from '../../src/run.js';
import { CLI, HAVE_SHARED, TESTDATA_DIR } from '../helpers/paths.js';
import { listCaptures } from '../helpers/tshark.js';

const run = promisify(execFile);
const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-acct-'));

/** In-process run (the CLI's own code path below argv parsing), for speed over ~190 captures. */
async function flowsInProcess(file: string, profile: string): Promise<{ status: number; stdout: string; stderr: string; summary: Summary }> {
  const out = path.join(tmp, `${path.basename(file)}.${profile}.csv`);
  const { exitCode, summary } = await runFlows(normalizeOptions({ inputs: [file], output: out, profile, quiet: true }), new PassThrough());
  const stderr = summary.damage.map((d) => `pcapflow: ${d.message}\n`).join('');
  return { status: exitCode, stdout: readFileSync(out, 'utf8'), stderr, summary: summary as unknown as Summary };
}

interface Summary {
  packets_read: number;
  packets_in_flows: number;
  packets_skipped: number;
  packets_dropped: number;
  skipped: Record<string, number>;
  dropped: Record<string, number>;
  flows_written: number;
  damage: { message: string }[];
}

async function flows(file: string, profile: string): Promise<{ status: number; stdout: string; stderr: string; summary: Summary }> {
  const stats = path.join(tmp, `${path.basename(file)}.${profile}.json`);
  let status = 0;
  let stdout = '';
  let stderr = '';
  try {
    ({ stdout, stderr } = await run(process.execPath, [CLI, file, '--profile', profile, '--stats', stats, '-q'], { maxBuffer: 512 * 1024 * 1024 }));
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    status = e.code;
    stdout = e.stdout;
    stderr = e.stderr;
  }
  return { status, stdout, stderr, summary: JSON.parse(readFileSync(stats, 'utf8')) as Summary };
}

function sum(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

(HAVE_SHARED ? describe : describe.skip)('every packet is accounted for', () => {
  const captures = HAVE_SHARED ? listCaptures({ malformed: true }) : [];
  it.each(captures)('%s', async (rel) => {
    for (const profile of ['default', 'cicflowmeter']) {
      // the damaged captures go through the real command (exit status, stderr); the rest in process
      const file = path.join(TESTDATA_DIR, rel);
      const { status, stdout, stderr, summary: s } = rel.startsWith('malformed/') ? await flows(file, profile) : await flowsInProcess(file, profile);
      expect([0, 2]).toContain(status);
      expect(stderr).not.toMatch(/internal error|\n\s+at /);
      if (status === 2) {
        expect(s.damage.length).toBe(1);
        expect(stderr).toMatch(/at byte \d+/);
      }
      expect(s.packets_skipped).toBe(sum(s.skipped));
      expect(s.packets_dropped).toBe(sum(s.dropped));
      expect(s.packets_read).toBe(s.packets_in_flows + s.packets_skipped + s.packets_dropped);
      const rows = stdout.trimEnd().split('\n').map((l) => l.split(','));
      const header = rows[0]!;
      const fwd = header.indexOf('Total Fwd Packet');
      const bwd = header.indexOf('Total Bwd packets');
      const inRows = rows.slice(1).reduce((n, r) => n + Number(r[fwd]) + Number(r[bwd]), 0);
      expect(rows.length - 1).toBe(s.flows_written);
      if (profile === 'default') {
        expect(inRows).toBe(s.packets_in_flows);
        expect(s.packets_dropped).toBe(0);
      } else {
        // upstream CICFlowMeter counts the first packet of a timeout-continuation flow in Total Fwd Packet
        // like any other; its rows never count more packets than went into flows.
        expect(inRows).toBe(s.packets_in_flows);
      }
    }
  });
});
