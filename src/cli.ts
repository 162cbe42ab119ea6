#!/usr/bin/env node
// pcapflow's command line: parses argv with yargs, validates options (options.ts), runs a command, prints the
// summary and errors on stderr (one line, no stack trace) and maps outcomes to exit statuses:
// 0 clean; 1 usage, option or I/O error; 2 damaged input (output complete up to the damage) or a failed worker;
// 128 + n when interrupted by signal n (SIGINT 130, SIGTERM 143, SIGHUP 129), the output complete up to the stop.
import { constants as osConstants } from 'node:os';
import v8 from 'node:v8';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runCommunityIdStream, communityIdForWords } from './commands/community-id.js';
import { runMerge } from './commands/merge.js';
import { runPackets } from './commands/packets.js';
import { registerNetflowCommands } from './commands/netflow-cli.js';
import { PcapflowError } from './errors.js';
import { DEFAULTS, normalizeOptions, PROFILES } from './options.js';
import { removeTemporaryOutputsSync, writeFileAtomic } from './output/output-file.js';
import { formatSummary, runFlows } from './run.js';
import { ProgressDisplay } from './progress.js';

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

/** The progress display of the running flow command, if any: finished before anything else is printed. */
let progress: ProgressDisplay | null = null;

function say(line: string): void {
  progress?.finish();
  stderr.write(`pcapflow: ${line}\n`);
}

// Temporary output files are never left behind, however the process ends (an internal error, a second interrupt).
process.on('exit', removeTemporaryOutputsSync);

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

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Interrupts end a run cleanly: the first SIGINT, SIGTERM or SIGHUP aborts the returned signal (reading stops, the
 * open flows are written, the output is completed and renamed into place, the summary says "interrupted", and the
 * exit status is the signal's, 128 + n); a second one aborts at once, removing the temporary output.
 */
function interruptOnSignals(): AbortSignal {
  const controller = new AbortController();
  for (const sig of SIGNALS) {
    process.on(sig, () => {
      if (!controller.signal.aborted) {
        controller.abort(sig);
        return;
      }
      removeTemporaryOutputsSync();
      progress?.finish();
      stderr.write(`pcapflow: aborted by a second ${sig}; the output was not written\n`);
      process.exit(128 + (osConstants.signals[sig] ?? 2));
    });
  }
  return controller.signal;
}

// yargs drops a lone '-' positional, so stdin inputs are carried through it under another name.
const STDIN_ARG = '\u0000stdin';
const VALUE_OPTIONS = new Set(['-o', '--output', '--stats', '--profile', '--jobs', '-j', '--seed', '--community-id-seed', '--shard', '--shard-by', '--out-dir']);

function protectStdinArgs(args: string[]): string[] {
  return args.map((a, i) => (a === '-' && !VALUE_OPTIONS.has(args[i - 1] ?? '') ? STDIN_ARG : a));
}

function inputsOf(values: unknown): string[] {
  return ((values as string[] | undefined) ?? []).map((v) => (String(v) === STDIN_ARG ? '-' : String(v)));
}

function reportDamage(damage: { message: string }[]): void {
  for (const d of damage) say(d.message);
}

/** The Community ID options, one name and meaning in every command. */
function communityIdOptions<T>(y: Argv<T>) {
  return y
    .option('community-id-seed', {
      alias: 'seed',
      type: 'number',
      default: DEFAULTS.communityIdSeed,
      describe: 'Community ID seed, 0-65535 (--seed is the same option)',
    })
    .option('base64', { type: 'boolean', default: true, describe: 'Community ID in base64; --no-base64 prints lowercase hex' });
}

function seedOf(value: unknown): number {
  const seed = Number(value);
  if (!Number.isInteger(seed) || seed < 0 || seed > 65535) {
    throw new PcapflowError('E_OPTION_INVALID', `--community-id-seed: expected an integer from 0 to 65535, got ${String(value)}`);
  }
  return seed;
}

async function main(): Promise<void> {
  const y = yargs(protectStdinArgs(hideBin(process.argv)))
    .scriptName('pcapflow')
    .usage('$0 <capture..> [-o flows.csv]\n\nTurn packet captures (pcap, pcapng, gzip, directories, - for stdin) into bidirectional flow records.')
    .command(
      '$0 <inputs..>',
      'write one CSV row per bidirectional flow',
      (y) =>
        communityIdOptions(
          y
            .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'capture files or directories (walked in natural order, files that are not captures skipped), - for stdin' })
            .option('output', { alias: 'o', type: 'string', default: DEFAULTS.output, describe: 'output file (CSV, or as --format / its name says), - for stdout; a file is written under a temporary name and renamed when complete' })
            .option('profile', { type: 'string', choices: PROFILES as string[], default: DEFAULTS.profile, describe: 'column set and semantics: default (corrected CICFlowMeter, 94 columns + IPv6 and all protocols) or cicflowmeter (CICFlowMeter-4.0 exactly, 84 columns)' })
            .option('jobs', { alias: 'j', type: 'number', default: DEFAULTS.jobs, describe: 'worker threads for the flow engine (output is identical for any value)' })
            .option('flow-timeout', { type: 'number', default: DEFAULTS.flowTimeoutS, describe: 'seconds from a flow\'s first packet after which it is split (active timeout)' })
            .option('activity-timeout', { type: 'number', default: DEFAULTS.activityTimeoutS, describe: 'seconds of silence that separate active and idle periods' })
            .option('idle-timeout', { type: 'number', default: DEFAULTS.idleTimeoutS, describe: 'end a flow after this many seconds of silence (0 = off)' })
            .option('max-flows', { type: 'number', default: DEFAULTS.maxFlows, describe: 'cap on live flows; when full the oldest flows are ended (0 = no cap)' })
            .option('stats', { type: 'string', describe: 'also write the summary as JSON to this file' })
            .option('strict', { type: 'boolean', default: false, describe: 'exit with status 2 if any packet was skipped' })
            .option('decap', { type: 'boolean', default: false, describe: 'key flows by the innermost IP header of tunnels (GRE, IP-in-IP, VXLAN, Geneve, GTP-U, Teredo, ERSPAN, MPLS-over-UDP)' })
            .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no summary line on stderr' })
            .option('shard', { type: 'string', describe: 'task K of N (0-based, e.g. 3/8; also PCAPFLOW_SHARD=K/N): keep the flows of this share; pcapflow merge joins the N parts' })
            .option('shard-by', { type: 'string', choices: ['flow', 'file'], describe: 'with --shard: flow (default; every shard reads every input) or file (whole input files per shard, for captures whose flows do not cross files)' })
            .option('out-dir', { type: 'string', describe: 'in place of -o: one output per input capture, DIR/<its path under the directory given, or its name, capture extension replaced by the format\'s>; with --shard, DIR/part-KKKKK-of-NNNNN.csv and DIR/_stats/part-KKKKK.{json,order} (for pcapflow merge)' })
            .option('gzip', { type: 'boolean', describe: 'gzip the output (.csv.gz, .jsonl.gz); for stdout and --out-dir, as a .gz -o name does' })
            .option('file-column', { type: 'boolean', default: false, describe: 'append "Source File": the path of the input file holding the flow\'s first packet (as given, or as found in a directory)' })
            .option('progress', { type: 'boolean', describe: 'progress on stderr (bytes of the total, packets/s, flows, ETA); default: when stderr is a terminal and not --quiet; --no-progress: never' })
            .option('labels', { type: 'string', describe: 'label flows by the ordered rules of this CSV file (label,src,dst,dst_port,protocol,start,end,either; first match wins)' })
            .option('default-label', { type: 'string', describe: 'Label of flows no rule matches (with --labels; default BENIGN)' })
            .option('header', { type: 'string', choices: ['cicflowmeter', 'cic-ids2017', 'cse-cic-ids2018', 'snake_case'], default: 'cicflowmeter', describe: 'column names: CICFlowMeter-4.0\'s, the CIC-IDS2017 or CSE-CIC-IDS2018 CSVs\', or snake_case (same columns, same order)' })
            .option('time-format', { type: 'string', choices: ['cic', 'iso', 'epoch-us'], describe: 'Timestamp column: cic (dd/MM/yyyy hh:mm:ss a), iso (yyyy-MM-dd HH:mm:ss.SSSSSS) or epoch-us (integer µs); default: the profile\'s reference format (cicflowmeter: cic, default: iso)' })
            .option('epoch-column', { type: 'boolean', default: false, describe: 'append "Timestamp (epoch us)": the flow start, exact integer µs since the epoch (UTC)' })
            .option('first-packets', { type: 'number', describe: 'append 3N early-flow columns for each flow\'s first N packets (1 to 255; 0 = off): Pkt k Size (payload bytes, negative backward), Pkt k IAT (µs from the previous packet), Pkt k Dir (0 forward, 1 backward); empty past the last packet' })
            .option('format', { alias: 'f', type: 'string', choices: ['csv', 'jsonl', 'parquet'], describe: 'output format (default: from the -o name: .csv, .jsonl, .parquet, .csv.gz, .jsonl.gz; else csv)' }),
        )
          .example('$0 capture.pcap -o flows.csv', 'flows of one capture (default profile)')
          .example('$0 captures/ -o flows.csv --jobs 4', 'every capture under a directory, four worker threads')
          .example('tcpdump -w - | $0 - -o flows.csv', 'a live capture on stdin; Ctrl-C writes the flows seen so far')
          .example('$0 day1.pcapng --profile cicflowmeter -o day1.csv', 'CICFlowMeter-4.0 columns and quirks')
          .example('$0 x.pcap --flow-timeout 60 --activity-timeout 2 --idle-timeout 30', 'timeouts in seconds')
          .example('$0 scan.pcap --max-flows 100000 --stats stats.json --strict -q', 'a capped table, JSON summary, skipped packets as an error')
          .example('$0 x.pcap --community-id-seed 1 --no-base64', 'community_id with seed 1, in hex')
          .example('$0 tunnels.pcap --decap -o inner.csv', 'flows of the traffic inside GRE, VXLAN, GTP-U, ... tunnels')
          .example('$0 big/ --shard 2/8 --out-dir parts/', 'task 2 of 8 (a Slurm array task, a Kubernetes index); then pcapflow merge parts/ -o flows.csv')
          .example('$0 x.pcap -o flows.parquet', 'Parquet (typed columns, snappy) chosen by the name; .jsonl, .csv.gz, .jsonl.gz too')
          .example('$0 x.pcap --format jsonl | jq .', 'JSON Lines on stdout')
          .example('$0 x.pcap --profile cicflowmeter --header cic-ids2017', 'column names of the CIC-IDS2017 CSVs (also cse-cic-ids2018, snake_case)')
          .example('$0 x.pcap --profile cicflowmeter --time-format iso --epoch-column', 'ISO Timestamp and an exact epoch µs column')
          .example('$0 x.pcap --first-packets 10 -o early.parquet', 'size, inter-arrival time and direction of each flow\'s first 10 packets (30 columns)')
          .example('$0 captures/ --out-dir flows/ --format jsonl --gzip', 'one output per capture: captures/a/x.pcap -> flows/a/x.jsonl.gz')
          .example('$0 mon.pcap tue.pcap --file-column -o week.csv', 'one output, each flow with the path of its capture')
          .example('$0 big.pcap.gz -o flows.csv --progress', 'progress on stderr even when it is not a terminal')
          .example('$0 day.pcap --labels rules.csv --default-label BENIGN -o day.parquet', 'Label column from ordered rules (CIDR, ports, protocol, UTC time window)'),
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
          decap: argv.decap,
          shard: argv.shard ?? process.env['PCAPFLOW_SHARD'],
          shardSource: argv.shard !== undefined ? '--shard' : 'PCAPFLOW_SHARD',
          shardBy: argv['shard-by'],
          outDir: argv['out-dir'],
          format: argv.format,
          labels: argv.labels,
          defaultLabel: argv['default-label'],
          header: argv.header,
          timeFormat: argv['time-format'],
          epochColumn: argv['epoch-column'],
          firstPackets: argv['first-packets'],
          gzip: argv.gzip,
          fileColumn: argv['file-column'],
          progress: argv.progress,
        });
        const signal = interruptOnSignals();
        // --progress and --no-progress decide; else a terminal on stderr and no --quiet.
        if (opts.progress ?? (stderr.isTTY === true && !opts.quiet)) progress = new ProgressDisplay(stderr);
        const { exitCode, summary } = await runFlows(opts, process.stdout, {
          signal,
          alsoWrites: opts.statsFile === null ? [] : [opts.statsFile],
          ...(progress !== null ? { progress } : {}),
        });
        progress?.finish();
        reportDamage(summary.damage);
        if (!opts.quiet) stderr.write(formatSummary(summary) + '\n');
        if (opts.statsFile !== null) await writeFileAtomic(opts.statsFile, JSON.stringify(summary, null, 2) + '\n');
        process.exitCode = exitCode;
      },
    )
    .command(
      'merge <parts..>',
      'join the parts of a --shard K/N run into the bytes the single run writes, and their stats into its summary',
      (y) =>
        y
          .positional('parts', { type: 'string', array: true, demandOption: true, describe: 'part files (part-KKKKK-of-NNNNN.csv) or --out-dir directories holding them' })
          .option('output', { alias: 'o', type: 'string', default: '-', describe: 'merged CSV, - for stdout; a file is written under a temporary name and renamed when complete' })
          .option('stats', { type: 'string', describe: 'also write the merged summary as JSON to this file' })
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no summary line on stderr' })
          .example('$0 merge parts/ -o flows.csv --stats stats.json', 'all parts of one run, checked complete and compatible'),
      async (argv) => {
        const { exitCode, summary } = await runMerge(inputsOf(argv.parts), argv.output, process.stdout);
        reportDamage(summary.damage);
        if (!argv.quiet) stderr.write(formatSummary(summary).replace(/^pcapflow: /, `pcapflow: merged ${summary.parts ?? 0} parts: `) + '\n');
        if (argv.stats !== undefined) await writeFileAtomic(argv.stats, JSON.stringify(summary, null, 2) + '\n');
        process.exitCode = exitCode;
      },
    )
    .command(
      'packets <inputs..>',
      'one tab-separated line per packet: index, time, lengths, link type, addresses, protocol, ports',
      (y) =>
        communityIdOptions(
          y
            .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'capture files or directories, - for stdin' })
            .option('output', { alias: 'o', type: 'string', default: '-', describe: 'output file, - for stdout; a file is written under a temporary name and renamed when complete' })
            .option('community-id', { type: 'boolean', default: false, describe: 'add a community_id column (the packet\'s flow)' })
            .option('decap', { type: 'boolean', default: false, describe: 'addresses, protocol and ports of the innermost IP header of tunnels' }),
        )
          .example('$0 packets capture.pcap', 'index, time, caplen, len, linktype, src, dst, proto, sport, dport')
          .example('$0 packets capture.pcapng -o packets.tsv', 'to a file')
          .example('$0 packets capture.pcap --community-id --community-id-seed 1 --no-base64', 'with each packet\'s Community ID (seed 1, hex)')
          .example('$0 packets tunnels.pcap --decap --community-id', 'the innermost packet of each tunnelled frame'),
      async (argv) => {
        const seed = seedOf(argv['community-id-seed']);
        const signal = interruptOnSignals();
        const { exitCode, stats } = await runPackets(
          { inputs: inputsOf(argv.inputs), output: argv.output, communityId: argv['community-id'], communityIdSeed: seed, communityIdBase64: argv.base64, decap: argv.decap },
          process.stdout,
          { signal },
        );
        reportDamage(stats.damage);
        if (signal.aborted) say(`interrupted by ${String(signal.reason)}: ${stats.packetsRead} packets read`);
        process.exitCode = exitCode;
      },
    )
    .command(
      'community-id [words..]',
      'Community ID of a flow tuple: PROTO SADDR DADDR [SPORT DPORT] (ICMP: type and code); tuples on stdin when none is given',
      (y) =>
        communityIdOptions(y.positional('words', { type: 'string', array: true, describe: 'PROTO SADDR DADDR [SPORT DPORT]; PROTO is a name (tcp, udp, icmp, icmp6, sctp) or a number' }))
          .option('tcpdump', { type: 'boolean', default: false, describe: 'read `tcpdump -n` output on stdin and append the ID to each line' })
          .example('$0 community-id tcp 10.0.0.1 10.0.0.2 1234 80', 'the ID of one TCP tuple')
          .example('$0 community-id icmp 10.0.0.1 10.0.0.2 8 0', 'ICMP: type and code in place of ports')
          .example('printf "udp 10.0.0.1 10.0.0.2 53 5353\\n" | $0 community-id --community-id-seed 1 --no-base64', 'tuples on stdin, seed 1, hex')
          .example('tcpdump -n -r x.pcap | $0 community-id --tcpdump', 'append the ID to tcpdump\'s lines'),
      async (argv) => {
        const opts = { seed: Number(argv['community-id-seed']), base64: argv.base64, tcpdump: argv.tcpdump };
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
    .help('help')
    .alias('help', 'h')
    .version()
    .alias('version', 'V')
    .wrap(Math.min(120, process.stderr.columns ?? 120))
    .fail((msg, err) => {
      if (err) fail(err);
      say(msg ?? 'invalid usage');
      stderr.write('Run pcapflow --help for usage.\n');
      process.exit(1);
    })
    .parseAsync();
}

main().catch(fail);
