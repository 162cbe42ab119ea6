// `--out-dir DIR` without `--shard` (one output per input capture) and `--file-column`, from the command line.
// Every per-input output is checked byte for byte against a separate single run of that input (`pcapflow X -o
// ref`), on the committed samples, the shared captures (read in place) and a nested tree of links to them, in every
// format, with --jobs 1 and 2; the refusals; an unreadable input among good ones. The Source File of each flow is
// checked against `pcapflow packets` of every input: the flow's first packet (its start time to the µs, addresses,
// ports, protocol) must be a packet of that file. Runs dist/cli.js.
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { PassThrough } from 'node:stream';
import { normalizeOptions } from '../../src/options.js';
import { runFlows } from '../../src/run.js';
import { CLI, HAVE_SHARED, SAMPLES_DIR, TESTDATA_DIR } from '../helpers/paths.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-outputs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const newDir = (): string => path.join(tmp, `d${dirs++}`);

interface Run {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

function pcapflow(args: string[], input?: Buffer): Run {
  const env = { ...process.env };
  delete env['PCAPFLOW_SHARD'];
  const r = spawnSync(process.execPath, [CLI, ...args], { env, timeout: 120_000, maxBuffer: 256 << 20, ...(input ? { input } : {}) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** Every file under `dir`, relative, sorted. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** A separate single run of `input` written to a file named like `ext`; its bytes and exit status. */
async function singleRun(input: string, ext: string, extra: string[]): Promise<{ bytes: Buffer; status: number | null }> {
  const ref = path.join(newDir() + ext);
  let status: number | null;
  if (extra.length === 0) {
    // in this process (the library's runFlows, as the CLI calls it): the samples' ~60 single runs without ~60 starts
    status = (await runFlows(normalizeOptions({ inputs: [input], output: ref, quiet: true }), new PassThrough())).exitCode;
  } else {
    status = pcapflow([input, '-o', ref, '-q', ...extra]).status;
  }
  return { bytes: existsSync(ref) ? readFileSync(ref) : Buffer.alloc(0), status };
}

/** Classic pcap magics (pcap-savefile(5)), the pcapng Section Header Block type, as big-endian 32-bit words. */
const CAPTURE_MAGICS = [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0xa1b2cd34, 0x34cdb2a1, 0x0a0d0d0a];

/** The files under `dir` a walk reads: those that start like a pcap, a pcapng or gzip holding one (relative). */
/** An input's output name under --out-dir when it has no twin: without a final .gz, its capture extension
 *  replaced (README "One output per input"). */
function stem(rel: string): string {
  return rel.replace(/\.gz$/i, '').replace(/\.(pcap|pcapng|cap|dmp|ntar|snoop)$/i, '');
}

/** `rel -> stem + ext`, or for twins (inputs of one stem: samples/hostile has x.pcap beside x.pcapng) the name
 *  without .gz + ext. */
function outputNames(dir: string, rels: string[], ext: string): Map<string, string> {
  const count = new Map<string, number>();
  for (const f of rels) count.set(stem(f), (count.get(stem(f)) ?? 0) + 1);
  return new Map(rels.map((f) => [path.join(dir, f), count.get(stem(f))! > 1 ? `${f.replace(/\.gz$/i, '')}${ext}` : `${stem(f)}${ext}`]));
}

function capturesUnder(dir: string): string[] {
  return filesUnder(dir).filter((f) => {
    let head = readFileSync(path.join(dir, f));
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) head = gunzipSync(head);
    return head.length >= 4 && CAPTURE_MAGICS.includes(head.readUInt32BE(0));
  });
}

/**
 * Run `--out-dir` over `inputs` and check each output against the single run of its input: the same bytes (gzip:
 * the same bytes once gunzipped), the same exit status recorded in the stats, and the output set exactly as named.
 */
async function checkAgainstSingleRuns(inputs: string[], expected: Map<string, string>, ext: string, extra: string[], jobs: number[]): Promise<void> {
  const refs = new Map<string, { bytes: Buffer; status: number | null }>();
  for (const [input] of expected) refs.set(input, await singleRun(input, ext, extra));
  for (const j of jobs) {
    const dir = newDir();
    const statsFile = `${dir}-stats.json`;
    const r = pcapflow([...inputs, '--out-dir', dir, '--jobs', String(j), '-q', '--stats', statsFile, ...extra]);
    const worst = Math.max(...[...refs.values()].map((x) => x.status ?? 99));
    expect(r.status).toBe(worst);
    expect(filesUnder(dir)).toEqual([...expected.values()].sort());
    const stats = JSON.parse(readFileSync(statsFile, 'utf8'));
    expect(stats.outputs).toHaveLength(expected.size);
    let flows = 0;
    for (const o of stats.outputs) {
      const ref = refs.get(o.input)!;
      expect(path.relative(dir, o.output)).toBe(expected.get(o.input));
      expect(o.written).toBe(true);
      expect(o.exit_status).toBe(ref.status);
      const got = readFileSync(o.output);
      if (ext.endsWith('.gz')) {
        expect(got.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
        expect(gunzipSync(got).equals(gunzipSync(ref.bytes))).toBe(true);
      } else {
        expect(got.equals(ref.bytes)).toBe(true);
      }
      flows += o.flows_written;
    }
    expect(stats.flows_written).toBe(flows);
    expect(stats.files).toBe(expected.size);
  }
}

/** A nested tree of links to real captures: directories two and three deep, a gzip capture, a file that is no capture. */
function makeTree(): { root: string; expected: (input: string) => string | undefined } {
  const root = path.join(tmp, 'tree');
  if (!existsSync(root)) {
    mkdirSync(path.join(root, 'a', 'b', 'c'), { recursive: true });
    symlinkSync(path.join(SAMPLES_DIR, 'tcp-handshake.pcap'), path.join(root, 'top.pcap'));
    symlinkSync(path.join(SAMPLES_DIR, 'dns-udp.pcapng'), path.join(root, 'a', 'dns.pcapng'));
    // a twin: dns.pcap beside dns.pcapng (both would be a/dns.csv)
    symlinkSync(path.join(SAMPLES_DIR, 'icmp-echo.pcap'), path.join(root, 'a', 'dns.pcap'));
    symlinkSync(path.join(SAMPLES_DIR, 'corrupt-block.pcapng'), path.join(root, 'a', 'b', 'corrupt.pcapng'));
    symlinkSync(path.join(SAMPLES_DIR, 'vlan.pcap'), path.join(root, 'a', 'b', 'c', 'vlan.pcap'));
    if (HAVE_SHARED) {
      symlinkSync(path.join(TESTDATA_DIR, 'format', 'zeek_1000-requests-one-dropped-response.pcap.gz'), path.join(root, 'a', 'b', 'c', 'http.pcap.gz'));
      symlinkSync(path.join(TESTDATA_DIR, 'format', 'pcpp_one_tcp_stream.pcap'), path.join(root, 'a', 'b', 'one.pcap'));
    }
    writeFileSync(path.join(root, 'a', 'notes.txt'), 'not a capture\n');
  }
  return { root, expected: (input) => input };
}

describe('pcapflow CAPTURES --out-dir DIR (one output per input)', () => {
  it('writes each sample to DIR/<its path under the directory, new extension>.csv, byte for byte its single run, with --jobs 1 and 2', async () => {
    const inputs = capturesUnder(SAMPLES_DIR);
    expect(inputs.length).toBeGreaterThan(20);
    const expected = outputNames(SAMPLES_DIR, inputs, '.csv');
    await checkAgainstSingleRuns([SAMPLES_DIR], expected, '.csv', [], [1, 2]);
  });

  (HAVE_SHARED ? it : it.skip)('does the same on the shared format captures (pcap, pcapng, gzip), given as a directory', async () => {
    const dir = path.join(TESTDATA_DIR, 'format');
    const inputs = capturesUnder(dir).filter((f) => f !== 'LICENSES');
    const expected = outputNames(dir, inputs, '.csv');
    await checkAgainstSingleRuns([dir], expected, '.csv', [], [2]);
  });

  it('keeps the tree of a walked directory, names a file given directly by its base name, and keeps twins apart', async () => {
    const { root } = makeTree();
    const direct = path.join(SAMPLES_DIR, 'icmp-echo.pcap');
    const expected = new Map<string, string>([
      [path.join(root, 'a', 'b', 'c', 'vlan.pcap'), 'a/b/c/vlan.csv'],
      [path.join(root, 'a', 'b', 'corrupt.pcapng'), 'a/b/corrupt.csv'],
      [path.join(root, 'a', 'dns.pcapng'), 'a/dns.pcapng.csv'],
      [path.join(root, 'a', 'dns.pcap'), 'a/dns.pcap.csv'],
      [path.join(root, 'top.pcap'), 'top.csv'],
      [direct, 'icmp-echo.csv'],
    ]);
    if (HAVE_SHARED) {
      expected.set(path.join(root, 'a', 'b', 'c', 'http.pcap.gz'), 'a/b/c/http.csv');
      expected.set(path.join(root, 'a', 'b', 'one.pcap'), 'a/b/one.csv');
    }
    await checkAgainstSingleRuns([root, direct], expected, '.csv', [], [1, 2]);
  });

  it('writes JSON Lines with --gzip (.jsonl.gz), Parquet, header variants, labels and time columns like single runs', async () => {
    const { root } = makeTree();
    // the tree's twins (a/dns.pcap, a/dns.pcapng) keep their capture extensions
    const names = (ext: string): Map<string, string> =>
      new Map(
        capturesUnder(root)
          .filter((f) => !f.endsWith('.txt'))
          .map((f) => [path.join(root, f), /^a\/dns\./.test(f) ? `${f}${ext}` : `${stem(f)}${ext}`]),
      );
    const rules = path.join(tmp, 'rules.csv');
    writeFileSync(rules, 'label,src,dst,dst_port,protocol,start,end,either\nDNS,,,53,udp,,,yes\nWeb,,,80,tcp,,,yes\n');
    await checkAgainstSingleRuns([root], names('.jsonl.gz'), '.jsonl.gz', ['--format', 'jsonl', '--gzip', '--header', 'snake_case', '--epoch-column'], [2]);
    await checkAgainstSingleRuns([root], names('.parquet'), '.parquet', ['--format', 'parquet', '--labels', rules, '--time-format', 'epoch-us'], [1]);
    await checkAgainstSingleRuns([root], names('.csv.gz'), '.csv.gz', ['--gzip', '--profile', 'cicflowmeter', '--header', 'cic-ids2017'], [1]);
  });

  it('sums the runs in the summary and lists each output', () => {
    const dir = newDir();
    const inputs = ['tcp-handshake.pcap', 'dns-udp.pcapng', 'truncated-tail.pcap'].map((f) => path.join(SAMPLES_DIR, f));
    const r = pcapflow([...inputs, '--out-dir', dir, '--stats', `${dir}.json`]);
    expect(r.status).toBe(2); // truncated-tail.pcap is damaged, as its single run says
    const stats = JSON.parse(readFileSync(`${dir}.json`, 'utf8'));
    const singles = inputs.map((f) => {
      const s = `${newDir()}.json`;
      pcapflow([f, '-o', '/dev/null', '-q', '--stats', s]);
      return JSON.parse(readFileSync(s, 'utf8'));
    });
    for (const k of ['files', 'bytes_read', 'packets_read', 'packets_in_flows', 'packets_skipped', 'flows_written']) {
      expect(stats[k]).toBe(singles.reduce((n, s) => n + s[k], 0));
    }
    expect(stats.damage.map((d: { file: string }) => d.file)).toEqual([inputs[2]]);
    expect(stats.outputs.map((o: { input: string; flows_written: number; exit_status: number }) => [o.input, o.flows_written, o.exit_status])).toEqual(
      singles.map((s, i) => [inputs[i], s.flows_written, i === 2 ? 2 : 0]),
    );
    expect(r.stderr).toMatch(/3 outputs written/);
  });

  it('leaves no output for an input that cannot be read to its end, keeps what was there, and still writes the others', async () => {
    const src = newDir();
    mkdirSync(src);
    // A gzip file cut before its end: it starts as a capture, and gunzip fails while reading (E_GZIP_CORRUPT).
    const gz = gzipSync(readFileSync(path.join(SAMPLES_DIR, 'ipv6-tcp.pcapng')));
    writeFileSync(path.join(src, 'bad.pcapng.gz'), gz.subarray(0, gz.length - 20));
    symlinkSync(path.join(SAMPLES_DIR, 'tcp-handshake.pcap'), path.join(src, 'good.pcap'));
    const dir = newDir();
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'bad.csv'), 'older output\n');
    const r = pcapflow([src, '--out-dir', dir, '--stats', `${dir}.json`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad\.pcapng\.gz: .*gzip.*not written/);
    expect(readFileSync(path.join(dir, 'bad.csv'), 'utf8')).toBe('older output\n');
    expect(readFileSync(path.join(dir, 'good.csv')).equals((await singleRun(path.join(src, 'good.pcap'), '.csv', [])).bytes)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const stats = JSON.parse(readFileSync(`${dir}.json`, 'utf8'));
    expect(stats.outputs.map((o: { written: boolean }) => o.written)).toEqual([false, true]);
  });

  it.each([
    [['-', '--out-dir', 'x'], /--out-dir: .*stdin/],
    [['SAMPLES/tcp-handshake.pcap', 'SAMPLES/quirks/../tcp-handshake.pcap', '--out-dir', 'OUT'], /--out-dir: the inputs .* would both be written to/],
    [['SAMPLES/tcp-handshake.pcap', '--out-dir', 'OUT', '-o', 'y.csv'], /--out-dir: writes one output per input: give --out-dir or -o, not both/],
    [['SAMPLES/tcp-handshake.pcap', '--out-dir', 'OUT', '--format', 'parquet', '--gzip'], /--format: Parquet is compressed inside/],
    [['SAMPLES/tcp-handshake.pcap', '-o', 'OUT.csv', '--gzip'], /--gzip: the output .* is not named \.gz/],
    [['SAMPLES/tcp-handshake.pcap', '--shard', '0/1', '--out-dir', 'OUT', '--gzip'], /--gzip: parts written with --shard and --out-dir are plain CSV/],
  ])('refuses %j before writing anything', (args, message) => {
    const out = newDir();
    const r = pcapflow(args.map((a) => a.replace('SAMPLES', SAMPLES_DIR).replace('OUT', out)));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out) ? filesUnder(out) : []).toEqual([]);
  });

  it('refuses two directories whose captures have the same relative paths, naming both', () => {
    const a = newDir();
    const b = newDir();
    for (const d of [a, b]) {
      mkdirSync(d);
      symlinkSync(path.join(SAMPLES_DIR, 'vlan.pcap'), path.join(d, 'x.pcap'));
    }
    const out = newDir();
    const r = pcapflow([a, b, '--out-dir', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`the inputs ${path.join(a, 'x.pcap')} and ${path.join(b, 'x.pcap')} would both be written to ${path.join(out, 'x.pcap.csv')}`);
    expect(existsSync(out)).toBe(false);
  });

  it('--gzip writes gzip to stdout, the bytes of a .csv.gz output', () => {
    const input = path.join(SAMPLES_DIR, 'dns-udp.pcapng');
    const r = pcapflow([input, '--gzip', '-q']);
    expect(r.status).toBe(0);
    expect(gunzipSync(r.stdout).equals(pcapflow([input, '-q']).stdout)).toBe(true);
  });
});

/** `pcapflow packets` of a file: key (µs time, src, dst, sport, dport, proto) of every packet, both directions
 *  (a continuation row of the cicflowmeter profile keeps the direction of the flow it continues). */
function packetKeys(file: string): Set<string> {
  const r = pcapflow(['packets', file]);
  const keys = new Set<string>();
  for (const line of r.stdout.toString().split('\n').slice(1)) {
    const f = line.split('\t');
    if (f.length < 10) continue;
    const [s, frac] = f[1]!.split('.');
    const us = BigInt(s!) * 1_000_000n + BigInt((frac ?? '').padEnd(9, '0').slice(0, 6));
    keys.add([us, f[5], f[6], f[8], f[9], f[7]].join('|'));
    keys.add([us, f[6], f[5], f[9], f[8], f[7]].join('|'));
  }
  return keys;
}

describe('--file-column', () => {
  function checkFileColumn(inputs: string[], files: string[], extra: string[]): void {
    const keysOf = new Map(files.map((f) => [f, packetKeys(f)]));
    const outputs: Buffer[] = [];
    for (const jobs of ['1', '2']) {
      const r = pcapflow([...inputs, '--file-column', '--epoch-column', '--jobs', jobs, '-q', ...extra]);
      outputs.push(r.stdout);
      const [head, ...rows] = parse(r.stdout) as string[][];
      expect(head!.at(-1)).toBe('Source File');
      const col = (name: string): number => head!.indexOf(name);
      const seen = new Set<string>();
      for (const row of rows) {
        const file = row.at(-1)!;
        expect(keysOf.has(file)).toBe(true);
        // the flow's first packet (forward direction: Src is its source) is a packet of that file
        const key = [row[col('Timestamp (epoch us)')], row[col('Src IP')], row[col('Dst IP')], row[col('Src Port')], row[col('Dst Port')], row[col('Protocol')]].join('|');
        if (!keysOf.get(file)!.has(key)) throw new Error(`flow ${row[0]} starts with ${key}, not a packet of ${file}`);
        seen.add(file);
      }
      expect(seen.size).toBeGreaterThanOrEqual(Math.min(3, files.length));
    }
    expect(outputs[0]!.equals(outputs[1]!)).toBe(true);
  }

  it('holds the input file of each flow\'s first packet, as found by walking the samples, with --jobs 1 and 2', () => {
    // NetFlow export captures: the same exporter-collector flows run on from one file into the next
    const dir = path.join(SAMPLES_DIR, 'netflow');
    const files = capturesUnder(dir).map((f) => path.join(dir, f));
    checkFileColumn([path.join(SAMPLES_DIR, 'tcp-handshake.pcap'), dir, path.join(SAMPLES_DIR, 'quirks', 'cic-continuation-init-win.pcap')], [path.join(SAMPLES_DIR, 'tcp-handshake.pcap'), ...files, path.join(SAMPLES_DIR, 'quirks', 'cic-continuation-init-win.pcap')], ['--profile', 'cicflowmeter']);
  });

  (HAVE_SHARED ? it : it.skip)('holds the right file for two shared captures given one after the other', () => {
    const one = path.join(TESTDATA_DIR, 'format', 'pcpp_one_tcp_stream.pcap');
    const nfs = path.join(TESTDATA_DIR, 'format', 'suri_nfs3-01.pcap');
    checkFileColumn([one, nfs], [one, nfs], []);
  });

  it('quotes paths with commas and quotes as CSV does, and keeps them exact in JSON Lines, with each header variant\'s name', () => {
    const dir = newDir();
    mkdirSync(dir);
    const weird = path.join(dir, 'we,ird "name".pcap');
    symlinkSync(path.join(SAMPLES_DIR, 'dns-udp.pcapng'), weird);
    const plain = path.join(SAMPLES_DIR, 'tcp-handshake.pcap');
    const csv = pcapflow([plain, weird, '--file-column', '-q']).stdout.toString();
    const rows = parse(csv) as string[][];
    expect(new Set(rows.slice(1).map((r) => r.at(-1)))).toEqual(new Set([plain, weird]));
    expect(csv).toContain(`,"${weird.replace(/"/g, '""')}"\n`);
    const jsonl = pcapflow([plain, weird, '--file-column', '--format', 'jsonl', '--header', 'snake_case', '-q']).stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(new Set(jsonl.map((o) => o.source_file))).toEqual(new Set([plain, weird]));
    for (const [variant, name] of [['cic-ids2017', ' Source File'], ['cse-cic-ids2018', 'Source File']]) {
      const head = (parse(pcapflow([plain, '--file-column', '--profile', 'cicflowmeter', '--header', variant!, '-q']).stdout) as string[][])[0]!;
      expect(head.at(-1)).toBe(name);
    }
  });

  it('with --shard parts, merge gives the single run\'s bytes, Source File included', () => {
    const dir = newDir();
    const inputs = [path.join(SAMPLES_DIR, 'netflow'), path.join(SAMPLES_DIR, 'tcp-handshake.pcap')];
    for (const k of [0, 1]) expect(pcapflow([...inputs, '--shard', `${k}/2`, '--out-dir', dir, '--file-column', '-q']).status).toBe(0);
    const merged = `${dir}.csv`;
    expect(pcapflow(['merge', dir, '-o', merged, '-q']).status).toBe(0);
    expect(readFileSync(merged).equals(pcapflow([...inputs, '--file-column', '-q']).stdout)).toBe(true);
  });

  it('with --out-dir, each output\'s Source File is its own input', () => {
    const out = newDir();
    const inputs = ['tcp-handshake.pcap', 'dns-udp.pcapng'].map((f) => path.join(SAMPLES_DIR, f));
    expect(pcapflow([...inputs, '--out-dir', out, '--file-column', '-q']).status).toBe(0);
    for (const input of inputs) {
      const rows = parse(readFileSync(path.join(out, `${stem(path.basename(input))}.csv`))) as string[][];
      expect(rows.length).toBeGreaterThan(1);
      for (const r of rows.slice(1)) expect(r.at(-1)).toBe(input);
    }
  });
});
