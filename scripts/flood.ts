// pcapflow's flood check (`node build/scripts/flood.js`): shows that memory stays bounded under hostile traffic
// volumes. Generates (scripts/gen-traffic.ts) SYN scans with one distinct flow per packet and a one-flow
// "elephant" capture into .bench/ (gitignored), runs `node dist/cli.js` on each, and prints the peak RSS that
// --stats reports against the packet and flow counts. Measures only; writes nothing outside .bench/.
//
// Usage: node build/scripts/flood.js [--scan 1000000,2500000,5000000] [--elephant 1000000,10000000]
//                                    [--max-flows 100000] [--uncapped-scan 200000] [--delete]
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PcapWriter, writeElephant, writeScan } from './gen-traffic.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BENCH = path.join(ROOT, '.bench');
const CLI = path.join(ROOT, 'dist', 'cli.js');

interface FloodArgs {
  scan: number[];
  elephant: number[];
  maxFlows: number;
  /** Scan sizes also run without --max-flows (to show what the cap saves); empty = none. */
  uncappedScan: number[];
  deleteAfter: boolean;
}

function parseArgs(argv: string[]): FloodArgs {
  const a: FloodArgs = {
    scan: [1_000_000, 2_500_000, 5_000_000],
    elephant: [1_000_000, 10_000_000],
    maxFlows: 100_000,
    // uncapped, every flow of a scan stays live: 200k flows already take about 2 GB, so the reference is small
    uncappedScan: [200_000],
    deleteAfter: false,
  };
  const list = (v: string | undefined): number[] => (v === undefined || v === '' ? [] : v.split(',').map((x) => Number(x)));
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    if (k === '--scan') (a.scan = list(v)), i++;
    else if (k === '--elephant') (a.elephant = list(v)), i++;
    else if (k === '--uncapped-scan') (a.uncappedScan = list(v)), i++;
    else if (k === '--max-flows') (a.maxFlows = Number(v)), i++;
    else if (k === '--delete') a.deleteAfter = true;
    else throw new Error(`flood: unknown argument ${k}`);
  }
  return a;
}

/** Summary fields flood reads from `--stats`. */
interface Stats {
  packets_read: number;
  packets_in_flows: number;
  packets_skipped: number;
  packets_dropped: number;
  flows_written: number;
  elapsed_s: number;
  peak_rss_bytes: number;
}

async function ensure(file: string, make: (w: PcapWriter) => Promise<void>): Promise<void> {
  if (existsSync(file)) return;
  const t0 = Date.now();
  const tmp = `${file}.part`;
  const w = new PcapWriter(createWriteStream(tmp));
  await make(w);
  await w.close();
  renameSync(tmp, file);
  console.log(`  generated ${path.basename(file)}: ${fmt(statSync(file).size / 1e6, 1)} MB in ${fmt((Date.now() - t0) / 1000, 1)} s`);
}

/** One CLI run, output discarded; returns the --stats summary. */
async function cli(file: string, extra: string[]): Promise<Stats> {
  const stats = path.join(BENCH, `flood-stats-${path.basename(file)}.json`);
  await run(process.execPath, [CLI, file, '-o', '/dev/null', '--stats', stats, '-q', ...extra], { maxBuffer: 1 << 20 });
  const s = JSON.parse(readFileSync(stats, 'utf8')) as Stats;
  if (s.packets_read !== s.packets_in_flows + s.packets_skipped + s.packets_dropped) {
    throw new Error(`flood: accounting broken on ${file}: ${JSON.stringify(s)}`);
  }
  return s;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function line(label: string, packets: number, s: Stats): string {
  return (
    `${label.padEnd(26)} ${fmt(packets).padStart(11)} packets  ${fmt(s.flows_written).padStart(10)} flows  ` +
    `peak RSS ${fmt(s.peak_rss_bytes / 2 ** 20).padStart(5)} MiB  ${fmt(s.elapsed_s, 1).padStart(6)} s  ` +
    `${fmt(s.packets_read / s.elapsed_s).padStart(9)} packets/s`
  );
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  mkdirSync(BENCH, { recursive: true });
  if (!existsSync(CLI)) throw new Error(`flood: ${CLI} missing (npm run build first)`);
  console.log(`pcapflow flood: node ${process.version}, CLI ${path.relative(ROOT, CLI)}`);
  const made: string[] = [];

  console.log(`SYN scan (one new flow per packet), --max-flows ${fmt(args.maxFlows)}:`);
  const capped: { packets: number; s: Stats }[] = [];
  for (const n of args.scan) {
    const file = path.join(BENCH, `scan-${n}.pcap`);
    await ensure(file, (w) => writeScan(w, n));
    made.push(file);
    const s = await cli(file, ['--max-flows', String(args.maxFlows)]);
    capped.push({ packets: n, s });
    console.log(line(`  scan, capped`, n, s));
  }
  for (const n of args.uncappedScan) {
    const file = path.join(BENCH, `scan-${n}.pcap`);
    await ensure(file, (w) => writeScan(w, n));
    const s = await cli(file, []);
    console.log(line(`  scan, no cap (reference)`, n, s));
  }
  if (capped.length >= 2) {
    const first = capped[0]!;
    const last = capped[capped.length - 1]!;
    console.log(
      `  capped scan: ${fmt(last.packets / first.packets, 1)}x the flows -> ${fmt(last.s.peak_rss_bytes / first.s.peak_rss_bytes, 2)}x the peak RSS`,
    );
  }

  console.log('Elephant (one TCP flow), no cap:');
  const eleph: { packets: number; s: Stats }[] = [];
  for (const n of args.elephant) {
    const file = path.join(BENCH, `elephant-${n}.pcap`);
    await ensure(file, (w) => writeElephant(w, n));
    made.push(file);
    const s = await cli(file, []);
    eleph.push({ packets: n, s });
    console.log(line(`  elephant`, n, s));
  }
  if (eleph.length >= 2) {
    const first = eleph[0]!;
    const last = eleph[eleph.length - 1]!;
    console.log(
      `  elephant: ${fmt(last.packets / first.packets, 1)}x the packets -> ${fmt(last.s.peak_rss_bytes / first.s.peak_rss_bytes, 2)}x the peak RSS`,
    );
  }
  if (args.deleteAfter) for (const f of made) rmSync(f, { force: true });
}

await main();
