// pcapflow's benchmark (`npm run bench`): builds synthetic captures once (.bench/), then measures in one run a
// bare record walk (the same reader, no decoding), the full pipeline with --jobs 1, 2 and 4 (packets/s, MB/s,
// peak RSS, and the ratios pipeline/walk and jobs N/jobs 1), and RSS per live flow on a capture whose flows are all
// still open at the end, and N = 2 `--shard` tasks run side by side (plus their merge) against one process with
// --jobs 2 on the same cores, and the cost of the progress display (--progress, stderr to a file) on --jobs 1.
// Each timing is the best of two runs. Ratios are what to compare across machines: these
// machines are shared and noisy.
import { execFile, spawn } from 'node:child_process';
import { closeSync, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CaptureParser } from '../src/capture/capture-parser.js';
import { captureChunks } from '../src/capture/chunk-reader.js';
import { PcapWriter, writeAnsweredScan, writeLive, writeMix } from './gen-traffic.js';
import { benchCollector } from './bench-netflow.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BENCH = path.join(ROOT, '.bench');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const MIX_PACKETS = Number(process.env['BENCH_PACKETS'] ?? 2_000_000);
const LIVE_FLOWS = Number(process.env['BENCH_LIVE_FLOWS'] ?? 1_000_000);
const NETFLOW_RECORDS = Number(process.env['BENCH_NETFLOW_RECORDS'] ?? 1_000_000);
const SCAN_PROBES = Number(process.env['BENCH_SCAN_PROBES'] ?? 200_000);
/** BENCH_ONLY=collector runs the NetFlow/IPFIX collector figures only. */
const ONLY = process.env['BENCH_ONLY'] ?? '';

async function ensure(file: string, make: (w: PcapWriter) => Promise<void>): Promise<void> {
  if (existsSync(file)) return;
  const w = new PcapWriter(createWriteStream(file));
  await make(w);
  await w.close();
}

async function walk(file: string): Promise<{ packets: number; seconds: number }> {
  const t0 = process.hrtime.bigint();
  const parser = new CaptureParser({ fileName: file });
  let packets = 0;
  // The pipeline's own input layer (captureChunks: 1 MiB reads, four in flight) and record parser.
  for await (const chunk of await captureChunks(file)) {
    parser.push(chunk);
    while (parser.next() !== null) packets++;
  }
  parser.end();
  return { packets, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

interface Stats {
  packets_read: number;
  flows_written: number;
  peak_rss_bytes: number;
  rss_at_end_of_input_bytes: number;
  elapsed_s: number;
  timing: { end_of_input_s: number; main_thread_busy: number };
}

async function pipelineRun(
  file: string,
  jobs: number,
  out = path.join(BENCH, `flows-${jobs}.csv`),
  extra: string[] = [],
): Promise<{ stats: Stats; seconds: number; out: string }> {
  const statsFile = path.join(BENCH, `stats-${jobs}.json`);
  const t0 = process.hrtime.bigint();
  await run(process.execPath, [CLI, file, '-o', out, '--jobs', String(jobs), '--stats', statsFile, '--quiet', ...extra], { maxBuffer: 1 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { stats: JSON.parse(readFileSync(statsFile, 'utf8')) as Stats, seconds, out };
}

/** `--jobs 1` on `file`, with or without --progress, stderr to a file (forced progress writes lines there). */
async function progressRun(file: string, progress: boolean): Promise<number> {
  const err = openSync(path.join(BENCH, `stderr-progress-${progress}.txt`), 'w');
  const args = [CLI, file, '-o', path.join(BENCH, `flows-progress-${progress}.csv`), '--jobs', '1', progress ? '--progress' : '--no-progress'];
  const t0 = process.hrtime.bigint();
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', err] });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pcapflow exited with ${String(code)}`))));
    });
  } finally {
    closeSync(err);
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** N `--shard` tasks of `file` at once (each --jobs 1), then `pcapflow merge`; wall time of both. */
async function shardedRun(file: string, n: number): Promise<{ seconds: number; mergeSeconds: number; out: string }> {
  const dir = path.join(BENCH, `parts-${n}`);
  const out = path.join(BENCH, `merged-${n}.csv`);
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: n }, (_v, k) => run(process.execPath, [CLI, file, '--shard', `${k}/${n}`, '--out-dir', dir, '--quiet'], { maxBuffer: 1 << 20 })),
  );
  const t1 = process.hrtime.bigint();
  await run(process.execPath, [CLI, 'merge', dir, '-o', out, '--quiet'], { maxBuffer: 1 << 20 });
  const t2 = process.hrtime.bigint();
  return { seconds: Number(t2 - t0) / 1e9, mergeSeconds: Number(t2 - t1) / 1e9, out };
}

/** softflowd reading `file` as the yardstick does (NetFlow v5 to a port nobody listens on), in seconds;
 *  null when softflowd is not installed. */
async function softflowdRun(file: string): Promise<number | null> {
  const exe = ['/usr/sbin/softflowd', '/usr/bin/softflowd'].find((p) => existsSync(p));
  if (exe === undefined) return null;
  const t0 = process.hrtime.bigint();
  // Exactly the yardstick's arguments: with -r softflowd reads the file in the foreground and prints its statistics
  // (-d -D would add per-flow debug logging: 2x slower here).
  await run(exe, ['-r', file, '-n', '127.0.0.1:9', '-v', '5', '-m', '262144'], { maxBuffer: 64 << 20 });
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<void> {
  mkdirSync(BENCH, { recursive: true });
  if (ONLY === 'collector') return benchCollector(BENCH, CLI, NETFLOW_RECORDS);
  const mix = path.join(BENCH, `mix-${MIX_PACKETS}.pcap`);
  const live = path.join(BENCH, `live-${LIVE_FLOWS}.pcap`);
  const tiny = path.join(BENCH, 'tiny.pcap');
  await ensure(mix, (w) => writeMix(w, MIX_PACKETS));
  await ensure(live, (w) => writeLive(w, LIVE_FLOWS * 2));
  await ensure(tiny, (w) => writeLive(w, 2));
  const mb = statSync(mix).size / 1e6;
  console.log(`pcapflow bench: ${fmt(MIX_PACKETS)} packets, ${fmt(mb, 1)} MB synthetic mix; node ${process.version}; ${(await import('node:os')).cpus().length} cores`);

  // Best of two for every measurement: the first walk also brings the file into the page cache (a cold cache made
  // the walk a disk benchmark), and a shared machine's noise only ever slows a run down.
  const w1 = await walk(mix);
  const w2 = await walk(mix);
  const w = w1.seconds < w2.seconds ? w1 : w2;
  const walkPps = w.packets / w.seconds;
  console.log(`bare record walk     ${fmt(walkPps)} packets/s  ${fmt(mb / w.seconds, 1)} MB/s`);
  const results: { jobs: number; pps: number }[] = [];
  let reference = '';
  // Two rounds over the job counts, interleaved (1, 2, 4, 1, 2, 4), so that a slow or fast spell of the shared
  // machine does not fall on one job count only; each count keeps its faster run.
  const JOBS = [1, 2, 4];
  const rounds: Awaited<ReturnType<typeof pipelineRun>>[][] = [];
  for (let round = 0; round < 2; round++) {
    const runs = [];
    for (const jobs of JOBS) runs.push(await pipelineRun(mix, jobs));
    rounds.push(runs);
  }
  for (const [k, jobs] of JOBS.entries()) {
    const a = rounds[0]![k]!;
    const b = rounds[1]![k]!;
    const r = a.seconds < b.seconds ? a : b;
    const pps = r.stats.packets_read / r.seconds;
    results.push({ jobs, pps });
    const bytes = readFileSync(r.out, 'utf8');
    if (jobs === 1) reference = bytes;
    const same = bytes === reference ? 'identical to --jobs 1' : 'DIFFERS from --jobs 1';
    console.log(
      `pipeline --jobs ${jobs}     ${fmt(pps)} packets/s  ${fmt(mb / r.seconds, 1)} MB/s  peak RSS ${fmt(r.stats.peak_rss_bytes / 2 ** 20)} MiB  ` +
        `${fmt(r.stats.flows_written)} flows  pipeline/walk ${fmt(pps / walkPps, 2)}  jobs ${jobs}/jobs 1 ${fmt(pps / results[0]!.pps, 2)}  (${same})`,
    );
  }
  // softflowd (C) on the same file, best of two, against --jobs 1 (the yardstick: -r FILE -v 5 -m 262144).
  const sf1 = await softflowdRun(mix);
  if (sf1 === null) {
    console.log('softflowd            not installed (apt-get install softflowd): comparison skipped');
  } else {
    const sf2 = (await softflowdRun(mix))!;
    const sfPps = MIX_PACKETS / Math.min(sf1, sf2);
    console.log(`softflowd -r (C)     ${fmt(sfPps)} packets/s  pcapflow --jobs 1 / softflowd ${fmt(results[0]!.pps / sfPps, 2)}`);
  }
  // The main thread's share of a --jobs 2 run (its event loop's busy fraction): with workers doing the flow work,
  // the main thread's own work caps the speed-up any number of cores can give at 1 / busy.
  {
    const a = rounds[0]![1]!.stats.timing;
    const b = rounds[1]![1]!.stats.timing;
    const busy = Math.min(a.main_thread_busy, b.main_thread_busy);
    console.log(`main thread --jobs 2 busy ${fmt(100 * busy, 1)}% of the run: ceiling of the speed-up over one busy main thread ${fmt(1 / busy, 1)}x`);
  }
  // Rows: a capture where every probe is a flow (SYN scan answered by resets, 2 packets a row), each profile and
  // format, --jobs 1. The whole run per row (reading and the flow work included) bounds what a row costs; the
  // default profile writes every row after the end of input, which gives the row-writing phase alone.
  const scan = path.join(BENCH, `scan-${SCAN_PROBES}.pcap`);
  await ensure(scan, (w) => writeAnsweredScan(w, SCAN_PROBES));
  for (const profile of ['default', 'cicflowmeter']) {
    const parts: string[] = [];
    for (const format of ['csv', 'jsonl', 'parquet']) {
      const r = await pipelineRun(scan, 1, path.join(BENCH, `rows.${format}`), ['--profile', profile]);
      const rows = r.stats.flows_written;
      const whole = (1e6 * r.seconds) / rows;
      const phase = profile === 'default' ? `, writing phase ${fmt((1e6 * (r.stats.elapsed_s - r.stats.timing.end_of_input_s)) / rows, 2)}` : '';
      parts.push(`${format} ${fmt(whole, 2)}${phase}`);
    }
    console.log(`rows ${profile.padEnd(12)}    us per row (${fmt(SCAN_PROBES)} rows, whole run): ${parts.join('; ')}`);
  }
  // The progress display polls counters from a timer; it must not cost measurably. Best of two each read 1.07 and
  // 1.12 in two runs on this shared machine while five interleaved pairs read 1-2%: one slow run decides a best of
  // two. So: PROGRESS_ROUNDS pairs, the order flipped every round (so neither side always runs on a warmer
  // machine), and the median of the pairs' ratios beside the best-of ratio.
  const PROGRESS_ROUNDS = 5;
  const plain: number[] = [];
  const shown: number[] = [];
  for (let round = 0; round < PROGRESS_ROUNDS; round++) {
    if (round % 2 === 0) {
      plain.push(await progressRun(mix, false));
      shown.push(await progressRun(mix, true));
    } else {
      shown.push(await progressRun(mix, true));
      plain.push(await progressRun(mix, false));
    }
  }
  const ratios = shown.map((t, i) => t / plain[i]!).sort((x, y) => x - y);
  const sameWithProgress = readFileSync(path.join(BENCH, 'flows-progress-true.csv'), 'utf8') === reference ? 'identical to --jobs 1' : 'DIFFERS from --jobs 1';
  console.log(
    `--progress --jobs 1  ${PROGRESS_ROUNDS} interleaved pairs (stderr to a file): with/without median ${fmt(ratios[PROGRESS_ROUNDS >> 1]!, 3)} ` +
      `(pairs ${fmt(ratios[0]!, 3)}-${fmt(ratios[PROGRESS_ROUNDS - 1]!, 3)}), best ${fmt(Math.min(...shown), 2)} s with / ${fmt(Math.min(...plain), 2)} s without = ` +
      `${fmt(Math.min(...shown) / Math.min(...plain), 3)}  (${sameWithProgress})`,
  );
  // Sharding: two tasks side by side (each --jobs 1, as a batch engine gives each task its cores) and the merge,
  // against one process with --jobs 2, the same two cores. Each task reads and decodes every packet.
  const shardRuns: { seconds: number; mergeSeconds: number; out: string }[] = [];
  const jobs2: Awaited<ReturnType<typeof pipelineRun>>[] = [];
  for (let round = 0; round < 2; round++) {
    jobs2.push(await pipelineRun(mix, 2));
    shardRuns.push(await shardedRun(mix, 2));
  }
  const j2 = jobs2[0]!.seconds < jobs2[1]!.seconds ? jobs2[0]! : jobs2[1]!;
  const sr = shardRuns[0]!.seconds < shardRuns[1]!.seconds ? shardRuns[0]! : shardRuns[1]!;
  const shardSame = readFileSync(sr.out, 'utf8') === reference ? 'identical to --jobs 1' : 'DIFFERS from --jobs 1';
  console.log(
    `--shard 0/2 + 1/2    side by side ${fmt(sr.seconds - sr.mergeSeconds, 2)} s + merge ${fmt(sr.mergeSeconds, 2)} s = ${fmt(sr.seconds, 2)} s, ` +
      `${fmt(MIX_PACKETS / sr.seconds)} packets/s; one process --jobs 2 ${fmt(j2.seconds, 2)} s; ` +
      `speed-up of 2 shards over --jobs 2: ${fmt(j2.seconds / sr.seconds, 2)}  (${shardSame})`,
  );
  const base = await pipelineRun(tiny, 1, '/dev/null');
  try {
    const full = await pipelineRun(live, 1, '/dev/null');
    // RSS when every flow is live (end of input, before the rows are written) over the baseline of a two-packet
    // capture; and the peak of the whole run, which also holds the rows being written (and their garbage).
    const perFlow = (full.stats.rss_at_end_of_input_bytes - base.stats.rss_at_end_of_input_bytes) / LIVE_FLOWS;
    const perFlowPeak = (full.stats.peak_rss_bytes - base.stats.peak_rss_bytes) / LIVE_FLOWS;
    console.log(
      `live flows           ${fmt(LIVE_FLOWS)} flows open at the end: RSS ${fmt(full.stats.rss_at_end_of_input_bytes / 2 ** 20)} MiB ` +
        `at the end of input, ${fmt(perFlow)} bytes per live flow (baseline ${fmt(base.stats.rss_at_end_of_input_bytes / 2 ** 20)} MiB); ` +
        `peak RSS ${fmt(full.stats.peak_rss_bytes / 2 ** 20)} MiB while writing them, ${fmt(perFlowPeak)} bytes per flow; ` +
        `${fmt(LIVE_FLOWS * 2 / full.seconds)} packets/s`,
    );
  } catch (err) {
    // A run that dies (e.g. out of heap) is a result to report, not a reason to lose the lines above.
    const text = String((err as { stderr?: string }).stderr ?? err).split('\n').find((l) => /FATAL|Error/.test(l)) ?? 'failed';
    console.log(`live flows           ${fmt(LIVE_FLOWS)} flows open at the end: FAILED (${text.trim()})`);
  }
  await benchCollector(BENCH, CLI, NETFLOW_RECORDS);
}

await main();
