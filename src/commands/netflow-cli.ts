// The yargs definitions of `pcapflow collect`, `pcapflow export` and `pcapflow analyze` (NetFlow/IPFIX): options,
// help with examples, validation into the commands' option objects. cli.ts registers them with
// `registerNetflowCommands(yargs, hooks)`; nothing here exits the process.
import type { Argv } from 'yargs';
import { PcapflowError } from '../errors.js';
import { runAnalyze } from './analyze.js';
import { formatCollectSummary, runCollect, type CollectFormat } from './collect.js';
import { formatExportSummary, runExport } from './export.js';
import type { ExportProtocol } from '../netflow/encoder.js';
import { PCAPFLOW_PEN } from '../netflow/pcapflow-ies.js';

/** What the CLI lends the commands: how to turn positional values into inputs (it protects '-'), and stderr. */
export interface NetflowCliHooks {
  inputsOf(values: unknown): string[];
  say(line: string): void;
}

function invalid(option: string, why: string): PcapflowError {
  return new PcapflowError('E_OPTION_INVALID', `--${option}: ${why}`, { layer: option });
}

function intIn(option: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalid(option, `expected an integer from ${min} to ${max}, got ${String(v)}`);
  return v;
}

function secondsToUs(option: string, v: unknown, allowZero: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw invalid(option, `expected a ${allowZero ? 'non-negative' : 'positive'} number of seconds, got ${String(v)}`);
  }
  return Math.round(v * 1e6);
}

/** Register the three commands on `y`. */
export function registerNetflowCommands<T>(y: Argv<T>, hooks: NetflowCliHooks): Argv<T> {
  return y
    .command(
      'collect',
      'receive NetFlow v1/v5/v7/v9 and IPFIX (UDP, or the export datagrams inside captures) and write one row per flow record',
      (c) =>
        c
          .usage('$0 collect --listen udp://HOST:PORT | --read CAPTURE.. [-o records.csv]')
          .alias('h', 'help')
          .option('listen', { type: 'string', describe: 'receive on this UDP address until SIGINT/SIGTERM or --duration; IPv6: udp://[::1]:2055' })
          .option('read', { type: 'string', array: true, describe: 'read the NetFlow/IPFIX datagrams inside these pcap/pcapng captures instead of listening' })
          .option('port', { type: 'number', describe: 'with --read: only UDP datagrams to this port (default: any datagram that looks like NetFlow/IPFIX)' })
          .option('output', { alias: 'o', type: 'string', default: '-', describe: 'output file (- for stdout); gzip-compressed when the name ends in .gz' })
          .option('format', { type: 'string', choices: ['csv', 'jsonl'], default: 'csv', describe: 'CSV with the default profile\'s column names, or JSON Lines (same names, null for absent values)' })
          .option('pair', { type: 'boolean', default: false, describe: 'join the unidirectional records of both directions of a flow (same tuple reversed, overlapping times) into one biflow row' })
          .option('duration', { type: 'number', describe: 'with --listen: stop after this many seconds' })
          .option('community-id-seed', { alias: 'seed', type: 'number', default: 0, describe: 'Community ID seed, 0-65535' })
          .option('base64', { type: 'boolean', default: true, describe: 'Community ID in base64 (--no-base64: lowercase hex)' })
          .option('pen', { type: 'number', default: PCAPFLOW_PEN, describe: 'enterprise number under which pcapflow\'s own statistics IEs are read' })
          .option('options-output', { type: 'string', describe: 'also write every options data record (exporter metadata) as JSON lines to this file' })
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no summary line on stderr' })
          .example('$0 collect --listen udp://0.0.0.0:2055 -o flows.csv.gz', 'collect until Ctrl-C into gzipped CSV')
          .example('$0 collect --listen udp://[::1]:4739 --duration 60 --format jsonl -o -', 'IPFIX over IPv6 for one minute, JSON Lines on stdout')
          .example('$0 collect --read export.pcapng --port 2055 --pair -o flows.csv', 'decode recorded NetFlow v5 and join both directions'),
      async (argv) => {
        const listen = argv.listen ?? null;
        const read = hooks.inputsOf(argv.read);
        if ((listen === null) === (read.length === 0)) throw invalid('listen', 'give either --listen udp://HOST:PORT or --read CAPTURE..');
        if (argv.duration !== undefined && listen === null) throw invalid('duration', 'only with --listen');
        const durationS = argv.duration === undefined ? null : secondsToUs('duration', argv.duration, false) / 1e6;
        const { exitCode, summary } = await runCollect(
          {
            listen,
            read,
            port: argv.port === undefined ? null : intIn('port', argv.port, 0, 65535),
            output: argv.output,
            format: argv.format as CollectFormat,
            pair: argv.pair,
            durationS,
            communityIdSeed: intIn('community-id-seed', argv['community-id-seed'], 0, 65535),
            communityIdBase64: argv.base64,
            pen: intIn('pen', argv.pen, 1, 0xffffffff),
            optionsFile: argv['options-output'] ?? null,
            onListening: (address) => {
              if (!argv.quiet) hooks.say(`collect: listening on ${address}`);
            },
          },
          process.stdout,
        );
        for (const d of summary.damage) hooks.say(d.message);
        if (!argv.quiet) hooks.say(formatCollectSummary(summary).replace(/^pcapflow: /, ''));
        process.exitCode = exitCode;
      },
    )
    .command(
      'export <inputs..>',
      'compute the flows of captures and send them as IPFIX biflows, NetFlow v9 or NetFlow v5 over UDP',
      (c) =>
        c
          .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'capture files or directories, - for stdin' })
          .alias('h', 'help')
          .option('to', { type: 'string', demandOption: true, describe: 'collector address, udp://HOST:PORT (IPv6: udp://[::1]:4739)' })
          .option('protocol', { type: 'string', choices: ['ipfix', 'netflow9', 'netflow5'], default: 'ipfix', describe: 'ipfix: RFC 5103 biflows with pcapflow\'s statistics; netflow9: IN/OUT counters; netflow5: two records per IPv4 flow' })
          .option('rate', { type: 'number', default: 20000, describe: 'records per second at most (0 = no pacing)' })
          .option('mtu', { type: 'number', default: 1500, describe: 'largest IP packet; every message fits in one' })
          .option('pen', { type: 'number', default: PCAPFLOW_PEN, describe: 'enterprise number of pcapflow\'s statistics IEs (IPFIX)' })
          .option('domain', { type: 'number', default: 1, describe: 'IPFIX observation domain / NetFlow v9 source id / v5 engine id' })
          .option('template-refresh', { type: 'number', default: 64, describe: 'send the templates again after this many messages' })
          .option('template-timeout', { type: 'number', default: 10, describe: '... and after this many seconds' })
          .option('flow-timeout', { type: 'number', default: 120, describe: 'seconds from a flow\'s first packet after which it is split (as the flow command)' })
          .option('activity-timeout', { type: 'number', default: 5, describe: 'seconds of silence that separate active and idle periods' })
          .option('idle-timeout', { type: 'number', default: 0, describe: 'end a flow after this many seconds of silence (0 = off)' })
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no summary line on stderr' })
          .example('$0 export capture.pcap --to udp://127.0.0.1:4739', 'IPFIX biflows with the CICFlowMeter statistics')
          .example('$0 export capture.pcap --to udp://127.0.0.1:2055 --protocol netflow5 --rate 5000', 'NetFlow v5 for an old collector, 5000 records/s'),
      async (argv) => {
        const { exitCode, summary } = await runExport({
          inputs: hooks.inputsOf(argv.inputs),
          to: argv.to,
          protocol: argv.protocol as ExportProtocol,
          rate: (() => {
            const r = argv.rate;
            if (typeof r !== 'number' || !Number.isFinite(r) || r < 0) throw invalid('rate', `expected a non-negative number, got ${String(r)}`);
            return r;
          })(),
          mtu: intIn('mtu', argv.mtu, 576, 65535),
          pen: intIn('pen', argv.pen, 1, 0xffffffff),
          domain: intIn('domain', argv.domain, 0, 0xffffffff),
          templateRefreshMessages: intIn('template-refresh', argv['template-refresh'], 1, 1 << 30),
          templateRefreshS: secondsToUs('template-timeout', argv['template-timeout'], false) / 1e6,
          flowTimeoutUs: secondsToUs('flow-timeout', argv['flow-timeout'], false),
          activityTimeoutUs: secondsToUs('activity-timeout', argv['activity-timeout'], false),
          idleTimeoutUs: secondsToUs('idle-timeout', argv['idle-timeout'], true),
          communityIdSeed: 0,
        });
        for (const d of summary.damage) hooks.say(d.message);
        if (!argv.quiet) hooks.say(formatExportSummary(summary, argv.protocol as ExportProtocol).replace(/^pcapflow: /, ''));
        process.exitCode = exitCode;
      },
    )
    .command(
      'analyze <inputs..>',
      'report over flow rows (CSV or JSON Lines from the flow command or collect): top connections by bytes, totals by service and protocol',
      (c) =>
        c
          .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'CSV or JSON Lines files (gzip too), - for stdin' })
          .alias('h', 'help')
          .option('top', { type: 'number', default: 10, describe: 'how many connections to list' })
          .option('min-packets', { type: 'number', default: 0, describe: 'leave out flows with fewer packets (both directions)' })
          .option('host', { type: 'string', describe: 'only flows with this address on either side' })
          .example('$0 analyze flows.csv --top 20', 'the 20 largest connections, then totals')
          .example('$0 analyze records.jsonl.gz --host 10.0.0.5 --min-packets 10', 'one host\'s flows of 10 packets or more'),
      async (argv) => {
        const { report, rowsWithoutTuple } = await runAnalyze(hooks.inputsOf(argv.inputs), {
          top: intIn('top', argv.top, 0, 1_000_000),
          minPackets: intIn('min-packets', argv['min-packets'], 0, Number.MAX_SAFE_INTEGER),
          host: argv.host ?? null,
        });
        process.stdout.write(report);
        if (rowsWithoutTuple > 0) hooks.say(`analyze: ${rowsWithoutTuple} rows without addresses were left out`);
      },
    );
}
