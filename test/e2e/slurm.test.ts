// The Slurm job array of scripts/slurm/, run for real: starts a one-node Slurm cluster by hand (munged, slurmctld
// and slurmd with a slurm.conf in a temporary directory, no systemd), submits an array of 4 shards over a shared
// capture, waits for it, merges the parts and checks the merge against a single run byte for byte, then shuts the
// cluster down. Skips when Slurm or munge is not installed (.ci/run installs them), when not root (the one-node
// cluster runs as SlurmUser root), or without ../shared. Every wait is bounded.
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CLI, HAVE_SHARED, REPO_ROOT, TESTDATA_DIR } from '../helpers/paths.js';

const SBIN = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];
function which(name: string): string | null {
  for (const d of [...(process.env['PATH'] ?? '').split(':'), ...SBIN]) {
    if (d !== '' && existsSync(path.join(d, name))) return path.join(d, name);
  }
  return null;
}

const TOOLS = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'sinfo', 'scontrol'] as const;
const found = Object.fromEntries(TOOLS.map((t) => [t, which(t)])) as Record<(typeof TOOLS)[number], string | null>;
const isRoot = process.getuid?.() === 0;
const HAVE_SLURM = Object.values(found).every((p) => p !== null) && isRoot && HAVE_SHARED;

const CAPTURE = path.join(TESTDATA_DIR, 'realistic', 'suri_output-eve-ftp-data.pcap');
const SCRIPT = path.join(REPO_ROOT, 'scripts', 'slurm', 'pcapflow-array.sbatch');

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Wait for `child` to exit, at most `ms` (the timer does not keep the test process alive); true if it did. */
function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    t.unref();
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Poll `check` every 250 ms until it returns true, for at most `ms`; returns whether it did. */
async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await sleep(250);
  }
  return check();
}

const daemons: ChildProcess[] = [];
let env: NodeJS.ProcessEnv = {};
let dir = '';

function run(cmd: string, args: string[], timeoutMs = 20_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { env, timeout: timeoutMs, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function logs(): string {
  return ['slurmctld.log', 'slurmd.log', 'munged.log']
    .map((f) => path.join(dir, f))
    .filter((f) => existsSync(f))
    .map((f) => `--- ${f}\n${readFileSync(f, 'utf8').split('\n').slice(-15).join('\n')}`)
    .join('\n');
}

function startDaemon(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.resume();
  daemons.push(child);
  return child;
}

/** `scontrol shutdown` stops slurmctld and slurmd; munged (and a daemon that did not stop) gets SIGTERM, then
 *  SIGKILL. Only the daemons this test started are signalled, by their own handles. */
async function stopCluster(): Promise<void> {
  const [munged, ...slurm] = daemons;
  if (slurm.some((d) => d.exitCode === null && d.signalCode === null)) run(found.scontrol!, ['shutdown'], 10_000);
  for (const d of [...slurm, munged]) {
    if (d === undefined) continue;
    if (d !== munged && (await exited(d, 5000))) continue;
    d.kill('SIGTERM');
    if (!(await exited(d, 5000))) d.kill('SIGKILL');
  }
  daemons.length = 0;
}

afterAll(async () => {
  await stopCluster();
}, 30_000);

(HAVE_SLURM ? describe : describe.skip)('Slurm job array (scripts/slurm/pcapflow-array.sbatch)', () => {
  it('4 array tasks, merged, give the single run\'s bytes', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pcapflow-slurm-'));
    chmodSync(dir, 0o755);
    const host = hostname().split('.')[0]!;
    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    for (const d of ['state', 'spool', 'munge']) mkdirSync(path.join(dir, d), { mode: 0o700 });
    const key = path.join(dir, 'munge', 'munge.key');
    writeFileSync(key, randomBytes(1024), { mode: 0o400 });
    const socket = path.join(dir, 'munge', 'munge.socket');
    const conf = path.join(dir, 'slurm.conf');
    writeFileSync(
      conf,
      [
        'ClusterName=pcapflowci',
        `SlurmctldHost=${host}(127.0.0.1)`,
        'SlurmUser=root',
        'SlurmdUser=root',
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${slurmdPort}`,
        'AuthType=auth/munge',
        'CredType=cred/munge',
        `AuthInfo=socket=${socket}`,
        `StateSaveLocation=${path.join(dir, 'state')}`,
        `SlurmdSpoolDir=${path.join(dir, 'spool')}`,
        `SlurmctldPidFile=${path.join(dir, 'slurmctld.pid')}`,
        `SlurmdPidFile=${path.join(dir, 'slurmd.pid')}`,
        `SlurmctldLogFile=${path.join(dir, 'slurmctld.log')}`,
        `SlurmdLogFile=${path.join(dir, 'slurmd.log')}`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core',
        'SchedulerType=sched/builtin',
        'ReturnToService=2',
        'MpiDefault=none',
        'JobCompType=jobcomp/none',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'SlurmctldTimeout=30',
        'SlurmdTimeout=30',
        `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus().length} State=UNKNOWN`,
        `PartitionName=ci Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
        '',
      ].join('\n'),
    );
    env = { ...process.env, SLURM_CONF: conf, PCAPFLOW: `${process.execPath} ${CLI}` };

    startDaemon(found.munged!, ['-F', '--force', `--key-file=${key}`, `--socket=${socket}`, `--pid-file=${path.join(dir, 'munged.pid')}`, `--log-file=${path.join(dir, 'munged.log')}`, `--seed-file=${path.join(dir, 'munge', 'munged.seed')}`]);
    expect(await waitFor(() => existsSync(socket), 15_000)).toBe(true);
    startDaemon(found.slurmctld!, ['-D', '-i', '-f', conf]);
    startDaemon(found.slurmd!, ['-D', '-f', conf, '-N', host]);
    const idle = await waitFor(() => /idle/.test(run(found.sinfo!, ['-h', '-o', '%T'], 5000).stdout), 45_000);
    if (!idle) throw new Error(`the one-node cluster did not come up:\n${logs()}`);

    const out = path.join(dir, 'parts');
    const sub = run(found.sbatch!, ['--parsable', '--array=0-3', '--cpus-per-task=1', `--chdir=${dir}`, `--output=${path.join(dir, 'task-%a.log')}`, SCRIPT, out, CAPTURE]);
    expect(sub.stderr).toBe('');
    expect(sub.status).toBe(0);
    const job = sub.stdout.trim().split(';')[0]!;
    expect(job).toMatch(/^\d+$/);
    const finished = await waitFor(() => run(found.squeue!, ['-h', '-j', job], 5000).stdout.trim() === '', 180_000);
    if (!finished) throw new Error(`job ${job} did not finish in 180 s:\n${run(found.squeue!, ['-j', job]).stdout}\n${logs()}`);

    const taskLogs = [0, 1, 2, 3].map((k) => readFileSync(path.join(dir, `task-${k}.log`), 'utf8'));
    expect(taskLogs).toEqual(['', '', '', '']);
    expect(readdirSync(out).filter((f) => f.endsWith('.csv')).sort()).toEqual([0, 1, 2, 3].map((k) => `part-0000${k}-of-00004.csv`));

    const merged = path.join(dir, 'merged.csv');
    const m = spawnSync(process.execPath, [CLI, 'merge', out, '-o', merged, '-q'], { encoding: 'utf8', timeout: 60_000 });
    expect(m.stderr).toBe('');
    expect(m.status).toBe(0);
    const single = spawnSync(process.execPath, [CLI, CAPTURE, '-q'], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
    expect(single.status).toBe(0);
    expect(single.stdout.split('\n').length).toBeGreaterThan(10);
    expect(readFileSync(merged, 'utf8') === single.stdout).toBe(true);
    await stopCluster();
  }, 300_000);
});
