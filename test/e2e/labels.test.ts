// --labels on the generated samples, whose flows are known (scripts/make-samples.ts): each flow gets the label
// worked out by hand from the rules below, in every format and for every --jobs value; bad rules files exit 1
// naming the line. Runs dist/cli.js.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { CLI, SAMPLES_DIR } from '../helpers/paths.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-labels-'));
const inputs = ['tcp-handshake.pcap', 'ipv6-tcp.pcapng', 'dns-udp.pcapng', 'icmp-echo.pcap'].map((f) => path.join(SAMPLES_DIR, f));
const rulesFile = path.join(tmp, 'rules.csv');
writeFileSync(
  rulesFile,
  'label,src,dst,dst_port,protocol,start,end,either\n' +
    '# the first connection only: it starts at 22:13:20.000, the second at .100\n' +
    'Web,10.0.0.1/32,10.0.0.0/24,80,tcp,2023-11-14T22:13:20Z,2023-11-14T22:13:20.1Z,no\n' +
    'DNS,10.0.0.3,,5353,udp,,,yes\n' +
    'V6,2001:db8::/32,,400-500,6,,,no\n' +
    'Late ping,,192.168.1.10,,icmp,2023-11-14T22:13:21Z,,no\n',
);

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { timeout: 60_000 });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** Flow ID -> Label of a CSV. */
function labels(csv: string): Record<string, string> {
  const [head, ...rows] = parse(csv) as string[][];
  const id = head!.indexOf('Flow ID');
  const label = head!.indexOf('Label');
  return Object.fromEntries(rows.map((r) => [r[id]!, r[label]!]));
}

const EXPECTED: Record<string, string> = {
  '10.0.0.1-10.0.0.2-40000-80-6': 'Web',
  '10.0.0.1-10.0.0.2-40001-443-6': 'Normal', // port 443, and after the window
  '2001:db8::1-2001:db8::2-40000-443-6': 'V6',
  'fe80::1-fe80::2-0-0-58': 'Normal',
  '10.0.0.1-10.0.0.3-5353-53-17': 'DNS', // matched the other way round (src 10.0.0.3:5353)
  '10.0.0.4-1.1.1.1-40000-53-17': 'Normal',
  '192.168.1.10-8.8.8.8-0-0-1': 'Normal', // 192.168.1.10 is the source, not the destination
  '192.168.1.1-192.168.1.10-0-0-1': 'Late ping', // starts 22:13:25
};

describe('--labels', () => {
  it('labels each flow of the samples by the first matching rule, the rest with --default-label', () => {
    const r = run([...inputs, '-q', '--labels', rulesFile, '--default-label', 'Normal']);
    expect(r.status).toBe(0);
    expect(labels(r.stdout)).toEqual(EXPECTED);
    // --jobs 2 labels the same rows the same way (byte for byte).
    expect(run([...inputs, '-q', '--labels', rulesFile, '--default-label', 'Normal', '--jobs', '2']).stdout).toBe(r.stdout);
  });

  it('defaults to BENIGN, and leaves NeedManualLabel alone without --labels', () => {
    const withRules = labels(run([...inputs, '-q', '--labels', rulesFile]).stdout);
    expect(withRules['10.0.0.4-1.1.1.1-40000-53-17']).toBe('BENIGN');
    const without = labels(run([...inputs, '-q']).stdout);
    expect(new Set(Object.values(without))).toEqual(new Set(['NeedManualLabel']));
  });

  it('writes the same labels into JSON Lines', () => {
    const r = run([...inputs, '-q', '--labels', rulesFile, '--default-label', 'Normal', '--format', 'jsonl']);
    const got = Object.fromEntries(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>).map((o) => [o['Flow ID'], o['Label']]));
    expect(got).toEqual(EXPECTED);
  });

  it('refuses a bad rules file with its line number (exit 1), and a missing one', () => {
    const bad = path.join(tmp, 'bad.csv');
    writeFileSync(bad, 'label,src,dst\nA,10.0.0.1,\nB,,10.0.0.0/40\n');
    const r = run([inputs[0]!, '--labels', bad]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`--labels: ${bad} line 3: dst: prefix length must be 0-32: 10.0.0.0/40`);
    expect(r.stdout).toBe('');
    const m = run([inputs[0]!, '--labels', path.join(tmp, 'none.csv')]);
    expect(m.status).toBe(1);
    expect(m.stderr).toMatch(/--labels: cannot read .*none\.csv: ENOENT/);
  });
});
