#!/usr/bin/env node
// pcapflow's command line: parses argv with yargs, validates options (options.ts), runs a command, prints the
// summary and errors on stderr (one line, no stack trace) and maps outcomes to exit statuses:
// 0 clean; 1 usage, option or I/O error; 2 damaged input (output complete up to the damage) or a failed worker.
import { writeFile } from 'node:fs/promises';
import v8 from 'node:v8';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runCommunityIdStream, communityIdForWords } from './commands/community-id.js';
import { runPackets } from './commands/packets.js';
import { registerNetflowCommands } from './commands/netflow-cli.js';
import { PcapflowError } from './errors.js';
import { DEFAULTS, normalizeOptions, PROFILES } from './options.js';
import { formatSummary, runFlows } from './run.js';

const stderr = process.stderr;

// A young generation of fixed, larger semi-spaces (16-32 MiB; V8 starts at 1 MiB and adapts): fewer scavenges,
// and rows formatted at the end of input die young instead of being promoted into the old generation as garbage.
// Measured (node 20, 2 M-packet bench mix, --jobs 1, three interleaved runs each): CPU 9.1-9.9 s -> 8.5-9.2 s.
// (Also tried: --heap-growing-percent=50 lowered the peak RSS of writing 1 M open flows at the end of input from
// 1.1-1.5 GB to 1.0-1.1 GB but cost 0.5-1 s of GC CPU on the mix; not kept.) V8 flags are per process: the
// worker threads get the same. A user's own semi-space flags win.
const userFlags = `${process.execArgv.join(' ')} ${process.env['NODE_OPTIONS'] ?? ''}`;
if (!userFlags.includes('semi-space')) {
  v8.setFlagsFromString('--min-semi-space-size=16');
  v8.setFlagsFromString('--max-semi-space-size=32');
}

function say(line: string): void {
  stderr.write(`pcapflow: ${line}\n`);
}

// A reader that goes away (`pcapflow x.pcap | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

function fail(err: unknown): never {
  if (err instanceof PcapflowError) {
    say(err.describe());
    process.exit(err.code === 'E_WORKER_CRASHED' ? 2 : 1);
  }
  const e = err as NodeJS.ErrnoException;
  say(`internal error: ${e?.message ?? String(err)}`);
  if (process.env['PCAPFLOW_DEBUG']) stderr.write(`${e?.stack ?? ''}\n`);
  process.exit(1);
}

// yargs drops a lone '-' positional, so stdin inputs are carried through it under another name.
const STDIN_ARG = '\u0000stdin';
const VALUE_OPTIONS = new Set(['-o', '--output', '--stats', '--profile', '--jobs', '-j', '--seed', '--community-id-seed']);

function protectStdinArgs(args: string[]): string[] {
  return args.map((a, i) => (a === '-' && !VALUE_OPTIONS.has(args[i - 1] ?? '') ? STDIN_ARG : a));
}

function inputsOf(values: unknown): string[] {
  return ((values as string[] | undefined) ?? []).map((v) => (String(v) === STDIN_ARG ? '-' : String(v)));
}

function reportDamage(damage: { message: string }[]): void {
  for (const d of damage) say(d.message);
}

async function main(): Promise<void> {
  const y = yargs(protectStdinArgs(hideBin(process.argv)))
    .scriptName('pcapflow')
    .usage('$0 <capture..> [-o flows.csv]\n\nTurn packet captures (pcap, pcapng, gzip, directories, - for stdin) into bidirectional flow records.')
    .command(
      '$0 <inputs..>',
      'write one CSV row per bidirectional flow',
      (y) =>
        y
          .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'capture files or directories, - for stdin' })
          .option('output', { alias: 'o', type: 'string', default: DEFAULTS.output, describe: 'CSV output file, - for stdout' })
          .option('profile', { type: 'string', choices: PROFILES as string[], default: DEFAULTS.profile, describe: 'column set and semantics: default (corrected CICFlowMeter, 94 columns + IPv6 and all protocols) or cicflowmeter (CICFlowMeter-4.0 exactly, 84 columns)' })
          .option('jobs', { alias: 'j', type: 'number', default: DEFAULTS.jobs, describe: 'worker threads for the flow engine (output is identical for any value)' })
          .option('flow-timeout', { type: 'number', default: DEFAULTS.flowTimeoutS, describe: 'seconds from a flow\'s first packet after which it is split (active timeout)' })
          .option('activity-timeout', { type: 'number', default: DEFAULTS.activityTimeoutS, describe: 'seconds of silence that separate active and idle periods' })
          .option('idle-timeout', { type: 'number', default: DEFAULTS.idleTimeoutS, describe: 'end a flow after this many seconds of silence (0 = off)' })
          .option('max-flows', { type: 'number', default: DEFAULTS.maxFlows, describe: 'cap on live flows; when full the oldest flows are ended (0 = no cap)' })
          .option('community-id-seed', { type: 'number', default: DEFAULTS.communityIdSeed, describe: 'Community ID seed, 0-65535' })
          .option('base64', { type: 'boolean', default: true, describe: 'Community ID in base64 (--no-base64: lowercase hex)' })
          .option('stats', { type: 'string', describe: 'also write the summary as JSON to this file' })
          .option('strict', { type: 'boolean', default: false, describe: 'exit with status 2 if any packet was skipped' })
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no summary line on stderr' }),
      async (argv) => {
        const opts = normalizeOptions({
          inputs: inputsOf(argv.inputs),
          output: argv.output,
          profile: argv.profile,
          jobs: argv.jobs,
          flowTimeout: argv['flow-timeout'],
          activityTimeout: argv['activity-timeout'],
          idleTimeout: argv['idle-timeout'],
          maxFlows: argv['max-flows'],
          communityIdSeed: argv['community-id-seed'],
          base64: argv.base64,
          stats: argv.stats,
          strict: argv.strict,
          quiet: argv.quiet,
        });
        const { exitCode, summary } = await runFlows(opts, process.stdout);
        reportDamage(summary.damage);
        if (!opts.quiet) stderr.write(formatSummary(summary) + '\n');
        if (opts.statsFile !== null) await writeFile(opts.statsFile, JSON.stringify(summary, null, 2) + '\n');
        process.exitCode = exitCode;
      },
    )
    .command(
      'packets <inputs..>',
      'one tab-separated line per packet: index, time, lengths, link type, addresses, protocol, ports',
      (y) =>
        y
          .positional('inputs', { type: 'string', array: true, demandOption: true })
          .option('output', { alias: 'o', type: 'string', default: '-' })
          .option('community-id', { type: 'boolean', default: false, describe: 'add a community_id column' })
          .option('community-id-seed', { type: 'number', default: 0 })
          .option('base64', { type: 'boolean', default: true, describe: '--no-base64: Community ID in hex' }),
      async (argv) => {
        const seed = argv['community-id-seed'];
        if (!Number.isInteger(seed) || seed < 0 || seed > 65535) {
          throw new PcapflowError('E_OPTION_INVALID', `--community-id-seed: expected an integer from 0 to 65535, got ${seed}`);
        }
        const { exitCode, stats } = await runPackets(
          { inputs: inputsOf(argv.inputs), output: argv.output, communityId: argv['community-id'], communityIdSeed: seed, communityIdBase64: argv.base64 },
          process.stdout,
        );
        reportDamage(stats.damage);
        process.exitCode = exitCode;
      },
    )
    .command(
      'community-id [words..]',
      'Community ID of a flow tuple: PROTO SADDR DADDR [SPORT DPORT] (ICMP: type and code); tuples on stdin when none is given',
      (y) =>
        y
          .positional('words', { type: 'string', array: true })
          .option('seed', { type: 'number', default: 0, describe: 'seed, 0-65535' })
          .option('base64', { type: 'boolean', default: true, describe: '--no-base64: lowercase hex' })
          .option('tcpdump', { type: 'boolean', default: false, describe: 'read `tcpdump -n` output on stdin and append the ID to each line' }),
      async (argv) => {
        const opts = { seed: argv.seed, base64: argv.base64, tcpdump: argv.tcpdump };
        const words = (argv.words ?? []).map(String);
        if (words.length > 0 && !opts.tcpdump) {
          process.stdout.write(communityIdForWords(words, opts) + '\n');
          return;
        }
        const bad = await runCommunityIdStream(process.stdin, process.stdout, process.stderr, opts);
        if (bad > 0) process.exitCode = 1;
      },
    );
  await registerNetflowCommands(y, { inputsOf, say })
    .strictOptions()
    .parserConfiguration({ 'parse-positional-numbers': false })
    .help()
    .version()
    .fail((msg, err) => {
      if (err) fail(err);
      say(msg ?? 'invalid usage');
      stderr.write('Run pcapflow --help for usage.\n');
      process.exit(1);
    })
    .parseAsync();
}

main().catch(fail);
