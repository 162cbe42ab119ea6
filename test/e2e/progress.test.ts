// The progress display from the command line: forced with --progress on a pipe (plain lines), its final state
// against the run's --stats (packets, flows) and the inputs' sizes on disk (bytes; compressed bytes for gzip), the
// stdin form without a total, its absence without --progress on a pipe, with --no-progress, and with --quiet on a
// terminal; on a real terminal through script(1) (util-linux; skipped when missing). The output never changes.
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatBytes } from '../../src/progress.js';
import { CLI, HAVE_SHARED, SAMPLES_DIR, TESTDATA_DIR } from '../helpers/paths.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-progress-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const file = (ext: string): string => path.join(tmp, `f${n++}${ext}`);

function pcapflow(args: string[], input?: Buffer): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { timeout: 120_000, maxBuffer: 64 << 20, ...(input ? { input } : {}) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

const PROGRESS = /^pcapflow: (\[|[\d.]+ [kMGTP]?B \|)/;
const progressLines = (stderr: string): string[] => stderr.split('\n').filter((l) => PROGRESS.test(l));

/** The numbers of a progress line: bytes text, total text, packets, flows. */
function parseLine(line: string): { bytes: string; total: string | null; packets: number; flows: number } {
  const m = /^pcapflow: (?:\[[=-]*\] [\d.]+% \| (.+) of (.+?)|(.+?)) \| ([\d,]+) packets, .+\/s \| ([\d,]+) flows/.exec(line);
  if (m === null) throw new Error(`not a progress line: ${line}`);
  const num = (s: string): number => Number(s.replace(/,/g, ''));
  return { bytes: m[1] ?? m[3]!, total: m[2] ?? null, packets: num(m[4]!), flows: num(m[5]!) };
}

const INPUTS = ['tcp-handshake.pcap', 'dns-udp.pcapng', 'ipv6-tcp.pcapng', 'truncated-tail.pcap'].map((f) => path.join(SAMPLES_DIR, f));
const sizeOf = (files: string[]): number => files.reduce((s, f) => s + statSync(f).size, 0);

describe('--progress', () => {
  it('on a pipe writes plain lines, the last one the final state: all bytes of the inputs, the packets and flows of the summary', () => {
    const stats = file('.json');
    const out = file('.csv');
    const r = pcapflow([...INPUTS, '-o', out, '--progress', '--stats', stats]);
    expect(r.status).toBe(2); // truncated-tail.pcap
    const s = JSON.parse(readFileSync(stats, 'utf8'));
    const lines = progressLines(r.stderr);
    expect(lines.length).toBeGreaterThanOrEqual(2); // the first drawing and the final one
    const last = parseLine(lines.at(-1)!);
    const total = formatBytes(sizeOf(INPUTS));
    expect(last).toEqual({ bytes: total, total, packets: s.packets_read, flows: s.flows_written });
    expect(lines.at(-1)).toMatch(/ 100\.0% .* ETA 0:00$/);
    for (const l of lines) expect(parseLine(l).total).toBe(total);
    // the summary line comes after the display, on its own line
    const all = r.stderr.trimEnd().split('\n');
    expect(all.at(-1)).toMatch(/^pcapflow: \d+ packets read, /);
    expect(all.indexOf(lines.at(-1)!)).toBeLessThan(all.length - 1);
    expect(readFileSync(out).equals(pcapflow([...INPUTS, '-q']).stdout)).toBe(true);
  });

  (HAVE_SHARED ? it : it.skip)('counts the compressed bytes of a gzip input', () => {
    const gz = path.join(TESTDATA_DIR, 'format', 'zeek_1000-requests-one-dropped-response.pcap.gz');
    const stats = file('.json');
    const r = pcapflow([gz, '-o', '/dev/null', '--progress', '--stats', stats]);
    const s = JSON.parse(readFileSync(stats, 'utf8'));
    expect(s.bytes_read).toBeGreaterThan(statSync(gz).size); // the summary counts the capture's bytes
    const last = parseLine(progressLines(r.stderr).at(-1)!);
    expect(last).toEqual({ bytes: formatBytes(statSync(gz).size), total: formatBytes(statSync(gz).size), packets: s.packets_read, flows: s.flows_written });
  });

  it('for stdin shows bytes and packets, no share and no time left', () => {
    const input = readFileSync(INPUTS[1]!);
    const stats = file('.json');
    const r = pcapflow(['-', '--progress', '--stats', stats], input);
    const s = JSON.parse(readFileSync(stats, 'utf8'));
    const lines = progressLines(r.stderr);
    for (const l of lines) expect(l).not.toMatch(/%|ETA/);
    expect(parseLine(lines.at(-1)!)).toEqual({ bytes: formatBytes(input.length), total: null, packets: s.packets_read, flows: s.flows_written });
    expect(r.stdout.equals(pcapflow([INPUTS[1]!, '-q']).stdout)).toBe(true);
  });

  it('sums the inputs of an --out-dir run', () => {
    const dir = file('');
    const stats = file('.json');
    const r = pcapflow([...INPUTS, '--out-dir', dir, '--progress', '--stats', stats, '--jobs', '2']);
    const s = JSON.parse(readFileSync(stats, 'utf8'));
    const total = formatBytes(sizeOf(INPUTS));
    expect(parseLine(progressLines(r.stderr).at(-1)!)).toEqual({ bytes: total, total, packets: s.packets_read, flows: s.flows_written });
  });

  it('is absent on a pipe without --progress, and with --no-progress', () => {
    for (const extra of [[], ['--no-progress']]) {
      const r = pcapflow([...INPUTS, '-o', '/dev/null', ...extra]);
      expect(progressLines(r.stderr)).toEqual([]);
      expect(r.stderr).toMatch(/packets read/);
    }
  });
});

/** script(1) of util-linux runs a command on a pseudo-terminal; null when it cannot here. */
const HAVE_SCRIPT = spawnSync('script', ['-qfec', 'true', '/dev/null'], { timeout: 10_000 }).status === 0;

function onTerminal(args: string[]): string {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('script', ['-qfec', quoted, '/dev/null'], { timeout: 120_000 });
  expect(r.status).toBe(2); // truncated-tail.pcap's damage, passed on by script -e
  return r.stdout.toString();
}

(HAVE_SCRIPT ? describe : describe.skip)('on a terminal', () => {
  it('shows the progress by default, its final state before the summary, and writes the same output', () => {
    const out = file('.csv');
    const text = onTerminal([...INPUTS, '-o', out]);
    const total = formatBytes(sizeOf(INPUTS));
    expect(text).toContain(`100.0% | ${total} of ${total}`);
    expect(text.lastIndexOf('100.0%')).toBeLessThan(text.lastIndexOf('packets read'));
    expect(readFileSync(out).equals(pcapflow([...INPUTS, '-q']).stdout)).toBe(true);
  });

  it('shows none with --quiet or --no-progress', () => {
    for (const extra of [['-q'], ['--no-progress']]) {
      const text = onTerminal([...INPUTS, '-o', '/dev/null', ...extra]);
      expect(text).not.toMatch(/%|ETA|packets, /);
    }
  });
});
