// `pcapflow collect`, `export` and `analyze` as a user runs them (dist/cli.js): --read on the recorded fixtures,
// JSON Lines gzip output, --port, IPv6 --listen ended by SIGINT, --duration, option errors, help text, analyze on
// the flow command's and collect's outputs.
import { describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { COLLECT_HEADER } from '../../src/netflow/record-row.js';
import { CLI, SAMPLES_DIR } from '../helpers/paths.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-netflow-cli-'));
const fixture = (n: string): string => path.join(SAMPLES_DIR, 'netflow', n);

function pcapflow(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

describe('pcapflow collect --read', () => {
  it('CSV: header, one row per record, exit 0, a summary line', () => {
    const r = pcapflow(['collect', '--read', fixture('softflowd-ipfix-biflow.pcap')]);
    expect(r.status).toBe(0);
    const rows = parse(r.stdout) as string[][];
    expect(rows[0]).toEqual(COLLECT_HEADER);
    expect(rows.length - 1).toBeGreaterThan(0);
    expect(r.stderr).toMatch(new RegExp(`^pcapflow: collect: 4 datagrams, ${rows.length - 1} flow records, \\d+ options records, ${rows.length - 1} rows written`));
  });

  it('JSON Lines, gzip by the .gz name: the same rows, absent values null', () => {
    const csv = parse(pcapflow(['collect', '--read', fixture('softflowd-v9.pcap'), '-q']).stdout, { columns: true }) as Record<string, string>[];
    const out = path.join(tmp, 'v9.jsonl.gz');
    expect(pcapflow(['collect', '--read', fixture('softflowd-v9.pcap'), '--format', 'jsonl', '-o', out, '-q']).status).toBe(0);
    const lines = gunzipSync(readFileSync(out)).toString().trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(csv.length);
    lines.forEach((o, i) => {
      expect(Object.keys(o)).toEqual(COLLECT_HEADER);
      for (const k of COLLECT_HEADER) {
        const want = csv[i]![k]!;
        if (want === '') expect(o[k]).toBeNull();
        else expect(String(o[k])).toBe(want);
      }
    });
  });

  it('--port keeps only datagrams to that port; --pair joins v5 halves', () => {
    const none = pcapflow(['collect', '--read', fixture('softflowd-v5.pcap'), '--port', '9999']);
    expect(parse(none.stdout)).toHaveLength(1);
    const all = parse(pcapflow(['collect', '--read', fixture('softflowd-v5.pcap'), '--port', '2055', '-q']).stdout, { columns: true }) as Record<string, string>[];
    const paired = parse(pcapflow(['collect', '--read', fixture('softflowd-v5.pcap'), '--pair', '-q']).stdout, { columns: true }) as Record<string, string>[];
    expect(paired.length).toBeLessThan(all.length);
    const sum = (rows: Record<string, string>[], k: string): number => rows.reduce((n, r) => n + Number(r[k] || 0), 0);
    expect(sum(paired, 'Total Fwd Packet') + sum(paired, 'Total Bwd packets')).toBe(sum(all, 'Total Fwd Packet'));
  });

  it('needs exactly one of --listen and --read (exit 1, one line)', () => {
    const r = pcapflow(['collect']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^pcapflow: --listen: give either --listen udp:\/\/HOST:PORT or --read CAPTURE\.\.\n/);
    expect(pcapflow(['collect', '--listen', 'tcp://1.2.3.4:5']).status).toBe(1);
  });
});

async function listen(args: string[], send: (port: number, family: 4 | 6) => Promise<void>, stop: NodeJS.Signals | null): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'collect', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on udp:\/\/(\[[^\]]+\]|[\d.]+):(\d+)/.exec(stderr);
      if (m) resolve(Number(m[2]));
    });
    void exited.then(() => reject(new Error(stderr)));
  });
  await send(port, args.some((a) => a.includes('[')) ? 6 : 4);
  if (stop !== null) child.kill(stop);
  const status = await exited;
  return { status, stdout, stderr };
}

async function sendFixture(port: number, family: 4 | 6, name: string): Promise<void> {
  const { loadNetflowCorpus } = await import('../../scripts/fuzz-netflow.js');
  const datagrams = loadNetflowCorpus(SAMPLES_DIR).find((c) => c.name === name)!.datagrams;
  const sock = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  for (const d of datagrams) await new Promise<void>((r, j) => sock.send(d, port, family === 6 ? '::1' : '127.0.0.1', (e) => (e ? j(e) : r())));
  sock.close();
}

const hasIpv6Loopback = ((): boolean => {
  const r = spawnSync(process.execPath, ['-e', "const s=require('dgram').createSocket('udp6');s.on('error',()=>process.exit(1));s.bind(0,'::1',()=>process.exit(0))"]);
  return r.status === 0;
})();

describe('pcapflow collect --listen', () => {
  (hasIpv6Loopback ? it : it.skip)('IPv6: receives until SIGINT, then writes every record and exits 0', async () => {
    const r = await listen(['--listen', 'udp://[::1]:0'], (port, fam) => sendFixture(port, fam, 'softflowd-ipfix.pcap'), 'SIGINT');
    expect(r.status).toBe(0);
    const rows = parse(r.stdout, { columns: true }) as Record<string, string>[];
    const direct = parse(pcapflow(['collect', '--read', fixture('softflowd-ipfix.pcap'), '-q']).stdout, { columns: true }) as Record<string, string>[];
    expect(rows.length).toBe(direct.length);
    expect(rows[0]!['Exporter']).toMatch(/^\[::1\]:\d+$/);
    expect(r.stderr).toMatch(/collect: 4 datagrams/);
  }, 30_000);

  it('--duration ends the run by itself (exit 0); SIGTERM does too', async () => {
    const a = await listen(['--listen', 'udp://127.0.0.1:0', '--duration', '0.3'], async () => undefined, null);
    expect(a.status).toBe(0);
    expect(parse(a.stdout)).toHaveLength(1);
    const b = await listen(['--listen', 'udp://127.0.0.1:0'], (port, fam) => sendFixture(port, fam, 'pcapflow-netflow9.pcap'), 'SIGTERM');
    expect(b.status).toBe(0);
    expect((parse(b.stdout) as string[][]).length).toBeGreaterThan(1);
  }, 30_000);
});

describe('help and analyze', () => {
  for (const cmd of ['collect', 'export', 'analyze']) {
    it(`${cmd} -h describes every option and gives examples`, () => {
      const r = pcapflow([cmd, '-h']);
      expect(pcapflow([cmd, '--help']).stdout).toBe(r.stdout);
      expect(r.status).toBe(0);
      const lines = r.stdout.split('\n');
      const start = lines.findIndex((l) => l.startsWith('Options:'));
      const end = lines.findIndex((l) => l.startsWith('Examples:'));
      expect(start).toBeGreaterThan(-1);
      expect(end).toBeGreaterThan(start);
      expect(lines.slice(end + 1).filter((l) => l.includes('pcapflow ')).length).toBeGreaterThanOrEqual(2);
      // Every option line (starting with --name or -x, --name) carries text after the name.
      for (const l of lines.slice(start + 1, end)) {
        const m = /^\s+(-\w, )?--[\w-]+(, --[\w-]+)?\s+(\S.*)$/.exec(l);
        if (/^\s+(-\w, )?--/.test(l)) expect(m).not.toBeNull();
      }
    });
  }

  it('analyze reads the flow command\'s CSV and collect\'s JSON Lines', () => {
    const flows = path.join(tmp, 'flows.csv');
    expect(pcapflow([path.join(SAMPLES_DIR, 'tcp-handshake.pcap'), '-o', flows, '-q']).status).toBe(0);
    const a = pcapflow(['analyze', flows, '--top', '1']);
    expect(a.status).toBe(0);
    expect(a.stdout).toMatch(/^2 of 2 flows\n\nTop 1 connections by bytes\n/);
    expect(a.stdout).toMatch(/http .*10\.0\.0\.1:40000 <-> 10\.0\.0\.2:80/);
    const j = path.join(tmp, 'r.jsonl');
    pcapflow(['collect', '--read', fixture('softflowd-ipfix.pcap'), '--format', 'jsonl', '-o', j, '-q']);
    const b = pcapflow(['analyze', j, '--host', '10.0.0.2']);
    expect(b.status).toBe(0);
    expect(b.stdout).toMatch(/Totals by protocol\nname\s+flows\s+packets\s+bytes\nTCP\s+\d+/);
  });

  it('export to NetFlow v5 says how many IPv6 flows it could not send', () => {
    const sock = dgram.createSocket('udp4');
    return new Promise<void>((resolve) => {
      sock.bind(0, '127.0.0.1', () => {
        const port = sock.address().port;
        const child = spawn(process.execPath, [CLI, 'export', path.join(SAMPLES_DIR, 'ipv6-tcp.pcapng'), '--to', `udp://127.0.0.1:${port}`, '--protocol', 'netflow5'], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.once('exit', (code) => {
          sock.close();
          expect(code).toBe(0);
          expect(err).toMatch(/2 IPv6 flows not sent \(NetFlow v5 carries IPv4 only\)/);
          resolve();
        });
      });
    });
  });
});
