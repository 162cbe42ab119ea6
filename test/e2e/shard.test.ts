// `pcapflow --shard K/N --out-dir DIR` and `pcapflow merge` from the command line, on the committed samples:
// PCAPFLOW_SHARD, the refusals (options that would make the parts differ from the single run, a bad K/N, a set of
// parts that is not one whole run), part and stats naming, retried tasks, and --shard-by file. Runs dist/cli.js.
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, writeFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI, SAMPLES_DIR } from '../helpers/paths.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-shard-e2e-'));
let dirs = 0;
const newDir = (): string => path.join(tmp, `d${dirs++}`);

function pcapflow(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const e: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (env['PCAPFLOW_SHARD'] === undefined) delete e['PCAPFLOW_SHARD'];
  const r = spawnSync(process.execPath, [CLI, ...args], { env: e, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Run all N shards into `dir` (by --shard, or by PCAPFLOW_SHARD when `viaEnv`). */
function shards(n: number, dir: string, extra: string[] = [], viaEnv = false): void {
  for (let k = 0; k < n; k++) {
    const r = viaEnv ? pcapflow([SAMPLES_DIR, '--out-dir', dir, '-q', ...extra], { PCAPFLOW_SHARD: `${k}/${n}` }) : pcapflow([SAMPLES_DIR, '--shard', `${k}/${n}`, '--out-dir', dir, '-q', ...extra]);
    expect(r.stderr).not.toMatch(/error|invalid/i);
  }
}

const single = (extra: string[] = []): string => pcapflow([SAMPLES_DIR, '-q', ...extra]).stdout;

describe('pcapflow --shard K/N --out-dir DIR', () => {
  it('writes part-KKKKK-of-NNNNN.csv and _stats/part-KKKKK.{json,order}; the stats name options, inputs, version, counters', () => {
    const dir = newDir();
    shards(3, dir);
    expect(readdirSync(dir).sort()).toEqual(['_stats', 'part-00000-of-00003.csv', 'part-00001-of-00003.csv', 'part-00002-of-00003.csv']);
    expect(readdirSync(path.join(dir, '_stats')).sort()).toEqual(['part-00000.json', 'part-00000.order', 'part-00001.json', 'part-00001.order', 'part-00002.json', 'part-00002.order']);
    const stats = JSON.parse(readFileSync(path.join(dir, '_stats', 'part-00001.json'), 'utf8'));
    const pkg = JSON.parse(readFileSync(path.join(SAMPLES_DIR, '..', 'package.json'), 'utf8'));
    expect(stats.version).toBe(pkg.version);
    expect(stats.shard).toEqual({ index: 1, count: 3, by: 'flow' });
    expect(stats.options.profile).toBe('default');
    expect(stats.inputs.length).toBeGreaterThan(5);
    expect(stats.inputs[0].size_bytes).toBeGreaterThan(0);
    expect(stats.summary.packets_read + stats.summary.other_shard).toBeGreaterThan(stats.summary.packets_read);
    expect(stats.rows).toBe(stats.summary.flows_written);
    expect(readFileSync(path.join(dir, '_stats', 'part-00001.order')).length).toBe(16 * stats.rows);
  });

  it('PCAPFLOW_SHARD=K/N does what --shard does, and merge gives the single run\'s bytes', () => {
    const dir = newDir();
    shards(2, dir, [], true);
    const out = path.join(tmp, 'env-merged.csv');
    const m = pcapflow(['merge', dir, '-o', out, '-q']);
    const ref = pcapflow([SAMPLES_DIR, '-q']);
    expect(m.stderr).toBe(ref.stderr); // the damaged sample's message, as the single run prints it
    expect(m.status).toBe(ref.status);
    expect(readFileSync(out, 'utf8')).toBe(ref.stdout);
  });

  it('merge: stdout by default, cicflowmeter profile, parts named one by one in any order, merged --stats', () => {
    const dir = newDir();
    shards(3, dir, ['--profile', 'cicflowmeter', '--jobs', '2']);
    const parts = readdirSync(dir).filter((f) => f.endsWith('.csv')).reverse().map((f) => path.join(dir, f));
    const statsFile = path.join(tmp, 'merged-stats.json');
    const m = pcapflow(['merge', ...parts, '--stats', statsFile]);
    expect(m.stdout).toBe(single(['--profile', 'cicflowmeter']));
    expect(m.stderr).toMatch(/^pcapflow: merged 3 parts: \d+ packets read/m);
    const ref = JSON.parse(readFileSync(path.join(dir, '_stats', 'part-00000.json'), 'utf8')).summary;
    const merged = JSON.parse(readFileSync(statsFile, 'utf8'));
    expect(merged.parts).toBe(3);
    expect(merged.other_shard).toBeUndefined();
    expect(merged.packets_read).toBe(ref.packets_read + ref.other_shard);
  });

  it('a retried task replaces its own part only', () => {
    const dir = newDir();
    shards(2, dir);
    const before = readFileSync(path.join(dir, 'part-00000-of-00002.csv'));
    const r = pcapflow([SAMPLES_DIR, '--shard', '1/2', '--out-dir', dir, '-q']);
    expect(r.status).not.toBeNull();
    expect(readFileSync(path.join(dir, 'part-00000-of-00002.csv')).equals(before)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith('.')).length).toBe(0); // no temporary file left
    const m = pcapflow(['merge', dir]);
    expect(m.stdout).toBe(single());
  });

  it.each([
    [['--shard', '2/2'], /--shard: K must be below N/],
    [['--shard', 'x'], /--shard: expected K\/N/],
    [['--shard', '0/2', '--max-flows', '10'], /--max-flows: cannot be used with --shard/],
    [['--shard-by', 'file'], /--shard-by: needs --shard/],
    [['--shard', '0/2', '--out-dir', 'x', '-o', 'y.csv'], /--out-dir: .*not both/],
    [['--shard', '0/2', '--out-dir', 'x', '--format', 'parquet'], /--format: parquet: parts written with --out-dir are CSV/],
  ])('refuses %j with a message and exit status 1', (args, message) => {
    const r = pcapflow([SAMPLES_DIR, ...args]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('refuses a bad PCAPFLOW_SHARD, naming it', () => {
    const r = pcapflow([SAMPLES_DIR], { PCAPFLOW_SHARD: '5/4' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/PCAPFLOW_SHARD: K must be below N/);
  });
});

describe('pcapflow merge refuses what is not one whole run', () => {
  const dir = newDir();
  shards(3, dir);

  it('a missing part (its stats missing too: the task did not finish)', () => {
    const r = pcapflow(['merge', path.join(dir, 'part-00000-of-00003.csv'), path.join(dir, 'part-00002-of-00003.csv')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/3 parts make the run, part 1 missing/);
    const stats = path.join(dir, '_stats', 'part-00001.json');
    renameSync(stats, stats + '.away');
    const s = pcapflow(['merge', dir]);
    renameSync(stats + '.away', stats);
    expect(s.status).toBe(1);
    expect(s.stderr).toMatch(/part-00001\.json, is missing/);
  });

  it('a part given twice', () => {
    const p = path.join(dir, 'part-00001-of-00003.csv');
    const r = pcapflow(['merge', dir, p]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/part 1 is given twice/);
  });

  it('parts of runs with other options', () => {
    const other = newDir();
    shards(3, other, ['--idle-timeout', '7']);
    const r = pcapflow(['merge', path.join(dir, 'part-00000-of-00003.csv'), path.join(other, 'part-00001-of-00003.csv'), path.join(dir, 'part-00002-of-00003.csv')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not from the same run .*: options differ/);
  });

  it('a part changed after its task ended, and an output that is a part', () => {
    const copy = newDir();
    shards(2, copy);
    const p = path.join(copy, 'part-00001-of-00002.csv');
    const r0 = pcapflow(['merge', copy, '-o', p]);
    expect(r0.status).toBe(1);
    expect(r0.stderr).toMatch(/refusing to write the output/);
    appendFileSync(p, 'x\n');
    const r = pcapflow(['merge', copy]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/changed after its task ended/);
  });
});

describe('pcapflow merge and damaged stats', () => {
  it.each(['', '{', '[1]', 'null', '{"format":"pcapflow-part","format_version":1,"shard":{"index":0,"count":2}}'])('stats %j: refused with a message, exit status 1', (text) => {
    const dir = newDir();
    shards(2, dir);
    writeFileSync(path.join(dir, '_stats', 'part-00000.json'), text);
    const r = pcapflow(['merge', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^pcapflow: merge: /);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stdout).toBe('');
  });
});

describe('an interrupted task', () => {
  it('writes its part and stats saying so, and merge refuses the part', async () => {
    const dir = newDir();
    const capture = readFileSync(path.join(SAMPLES_DIR, 'tcp-handshake.pcap'));
    // Task 1 whole, from stdin; task 0 reads a stdin that stays open and is interrupted.
    const whole = spawnSync(process.execPath, [CLI, '-', '--shard', '1/2', '--out-dir', dir, '-q'], { input: capture, timeout: 60_000 });
    expect(whole.status).toBe(0);
    const child = spawn(process.execPath, [CLI, '-', '--shard', '0/2', '--out-dir', dir, '-q'], { stdio: ['pipe', 'ignore', 'pipe'] });
    child.stdin.write(capture);
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The run has installed its signal handlers once its temporary order file exists (opened after them).
    const until = Date.now() + 30_000;
    while (!readdirSync(path.join(dir, '_stats')).some((f) => f.startsWith('.part-00000.order')) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGINT');
    const code = await exited;
    child.stdin.destroy();
    expect(code).toBe(130);
    expect(stderr).toBe('');
    const stats = JSON.parse(readFileSync(path.join(dir, '_stats', 'part-00000.json'), 'utf8'));
    expect(stats.summary.interrupted).toBe(true);
    expect(stats.exit_status).toBe(130);
    const m = pcapflow(['merge', dir]);
    expect(m.status).toBe(1);
    expect(m.stderr).toMatch(/part-00000-of-00002\.csv was interrupted \(SIGINT\): run its task again/);
  }, 60_000);
});

describe('--shard-by file', () => {
  it('gives every capture to exactly one shard; the parts hold the rows of their files', () => {
    const dir = newDir();
    // The top-level samples: captures whose flows do not cross files.
    const files = readdirSync(SAMPLES_DIR).filter((f) => /\.(pcap|pcapng)$/.test(f)).map((f) => path.join(SAMPLES_DIR, f));
    for (let k = 0; k < 3; k++) pcapflow([...files, '--shard', `${k}/3`, '--shard-by', 'file', '--out-dir', dir, '-q']);
    const stats = [0, 1, 2].map((k) => JSON.parse(readFileSync(path.join(dir, '_stats', `part-0000${k}.json`), 'utf8')));
    const read = stats.reduce((a, s) => a + s.summary.files, 0);
    expect(stats[0].inputs.length).toBe(files.length);
    expect(read).toBe(files.length);
    expect(stats.filter((s) => s.summary.files > 0).length).toBeGreaterThan(1);
    for (const s of stats) expect(s.summary.other_shard).toBe(0);
    // Each part is the run of its own files alone.
    const m = pcapflow(['merge', dir]);
    expect(m.status).not.toBe(1);
    const rows = m.stdout.split('\n').slice(1, -1).sort();
    const singleRows = pcapflow([...files, '-q']).stdout.split('\n').slice(1, -1);
    expect(singleRows.length).toBeGreaterThan(10);
    // Flows of the samples do not cross files: the same rows as the single run.
    expect(rows).toEqual([...singleRows].sort());
  });

  it('refuses stdin', () => {
    const r = pcapflow(['-', '--shard', '0/2', '--shard-by', 'file']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--shard-by: file: stdin/);
  });
});

afterAll(() => {
  if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
});
