// What a user installs: `npm pack` of this package, then `npm install -g --prefix <tmp>` of the tarball (its
// dependencies from the npm registry), gives a working `pcapflow` command that writes Parquet (read back by DuckDB:
// the same cells as the CSV of the same run), a package that an ES module imports and runs flows() from, and
// types that compile a TypeScript consumer (and reject a wrong one). The tarball holds dist/, README.md and
// package.json only. Skipped, saying so, when the npm registry cannot be reached. Needs `npm` on PATH and a built
// dist/ (npm test builds it).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { REPO_ROOT, SAMPLES_DIR } from '../helpers/paths.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-pack-'));
const prefix = path.join(tmp, 'prefix');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

function npm(args: string[], cwd: string, timeoutMs: number): SpawnSyncReturns<Buffer> {
  return spawnSync(NPM, args, { cwd, timeout: timeoutMs, env: npmEnv });
}

const ping = npm(['ping'], tmp, 30_000);
const REGISTRY = ping.status === 0;
if (!REGISTRY) {
  process.stderr.write(`npm-pack.test: SKIPPED: npm cannot reach the registry (npm ping exited ${String(ping.status)}: ${ping.stderr.toString().trim().split('\n').pop() ?? ''})\n`);
}
const maybe = REGISTRY ? it : it.skip;

let tarball = '';
let db: DuckDBInstance;
let con: DuckDBConnection;

beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  con = await db.connect();
  // --ignore-scripts: pack the dist/ that `npm test` built, without rebuilding it under the other tests' feet
  const r = npm(['pack', '--ignore-scripts', '--pack-destination', tmp], REPO_ROOT, 120_000);
  if (r.status !== 0) throw new Error(`npm pack failed: ${r.stderr.toString()}`);
  tarball = path.join(tmp, readdirSync(tmp).find((f) => /^pcapflow-.*\.tgz$/.test(f))!);
  if (REGISTRY) {
    const i = npm(['install', '-g', '--prefix', prefix, tarball, '--no-audit', '--no-fund', '--omit=dev'], tmp, 240_000);
    if (i.status !== 0) throw new Error(`npm install -g failed: ${i.stderr.toString()}`);
  }
}, 400_000);

afterAll(() => {
  con?.closeSync();
  db?.closeSync();
  rmSync(tmp, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships dist/, README.md and package.json, nothing of src/, test/ or build/', () => {
    const r = spawnSync('tar', ['tzf', tarball]);
    expect(r.status).toBe(0);
    const entries = r.stdout.toString().trim().split('\n');
    const other = entries.filter((e) => !e.startsWith('package/dist/'));
    expect(other.sort()).toEqual(['package/README.md', 'package/package.json']);
    for (const needed of ['package/dist/cli.js', 'package/dist/index.js', 'package/dist/index.d.ts', 'package/dist/api/flows.d.ts', 'package/dist/shard/worker.js']) {
      expect(entries).toContain(needed);
    }
  });
});

describe('npm install -g of the tarball', () => {
  const bin = path.join(prefix, 'bin', 'pcapflow');
  const installed = path.join(prefix, 'lib', 'node_modules', 'pcapflow');
  const inputs = ['tcp-handshake.pcap', 'dns-udp.pcapng', 'ipv6-tcp.pcapng', 'icmp-echo.pcap'].map((f) => path.join(SAMPLES_DIR, f));

  maybe('the pcapflow command writes Parquet holding the CSV of the same run, cell for cell', async () => {
    const pq = path.join(tmp, 'x.parquet');
    const csv = path.join(tmp, 'x.csv');
    for (const out of [pq, csv]) {
      const r = spawnSync(bin, [...inputs, '--profile', 'cicflowmeter', '-q', '-o', out], { timeout: 120_000 });
      expect({ status: r.status, stderr: r.stderr.toString() }).toEqual({ status: 0, stderr: '' });
    }
    const rows = parse(readFileSync(csv)) as string[][];
    const header = rows.shift()!;
    const reader = await con.run(`SELECT * FROM read_parquet('${pq.replace(/'/g, "''")}')`);
    const names = reader.columnNames();
    expect(names).toEqual([...header, 'Start Time']);
    const got = (await reader.getRows()) as unknown[][];
    expect(got.length).toBe(rows.length);
    expect(rows.length).toBeGreaterThan(3);
    got.forEach((g, r) => {
      header.forEach((_h, c) => {
        const cell = rows[r]![c]!;
        const v = g[c];
        const same = typeof v === 'string' ? v === cell : typeof v === 'bigint' ? v === BigInt(cell) : Object.is(Number(v), Number(cell)) || Number(v) === Number(cell);
        if (!same) throw new Error(`row ${r} ${header[c]}: Parquet ${String(v)}, CSV ${cell}`);
      });
    });
  });

  maybe('an ES module imports the installed package and runs flows()', () => {
    const app = path.join(tmp, 'app');
    mkdirSync(path.join(app, 'node_modules'), { recursive: true });
    symlinkSync(installed, path.join(app, 'node_modules', 'pcapflow'), 'dir');
    writeFileSync(
      path.join(app, 'main.mjs'),
      `import { flows } from 'pcapflow';\n` +
        `let n = 0; let keys = '';\n` +
        `for await (const r of flows(${JSON.stringify(inputs)}, { jobs: 2 })) { n++; keys ||= Object.keys(r).slice(0, 3).join(','); }\n` +
        `console.log(n, keys);\n`,
    );
    const r = spawnSync(process.execPath, ['main.mjs'], { cwd: app, timeout: 120_000 });
    expect(r.stderr.toString()).toBe('');
    const csv = spawnSync(path.join(prefix, 'bin', 'pcapflow'), [...inputs, '-q'], { timeout: 120_000 });
    const rows = csv.stdout.toString().trim().split('\n').length - 1;
    expect(r.stdout.toString().trim()).toBe(`${rows} flow_id,src_ip,src_port`);
  });

  maybe('its types compile a TypeScript consumer and reject a wrong one', () => {
    const app = path.join(tmp, 'ts-app');
    mkdirSync(path.join(app, 'node_modules', '@types'), { recursive: true });
    symlinkSync(installed, path.join(app, 'node_modules', 'pcapflow'), 'dir');
    symlinkSync(path.join(REPO_ROOT, 'node_modules', '@types', 'node'), path.join(app, 'node_modules', '@types', 'node'), 'dir');
    writeFileSync(path.join(app, 'package.json'), '{ "type": "module" }\n');
    const tsc = (file: string): SpawnSyncReturns<Buffer> =>
      spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', file], { cwd: app, timeout: 120_000 });
    writeFileSync(
      path.join(app, 'good.ts'),
      `import { flows, writeFlows, PcapflowError, type CicflowmeterFlowRecord, type DefaultFlowRecord, type RunSummary } from 'pcapflow';\n` +
        `const byDefault: DefaultFlowRecord[] = [];\n` +
        `for await (const r of flows('x.pcap')) { const port: number = r.dst_port; const ip: string = r.src_ip; const t: number = r.start_time_us; byDefault.push(r); void port; void ip; void t; }\n` +
        `const cic: CicflowmeterFlowRecord[] = [];\n` +
        `for await (const r of flows(['a.pcap', new Uint8Array(0)], { profile: 'cicflowmeter', labels: [{ label: 'x', dst_port: 80 }] })) { const rate: number | bigint = r.fwd_blk_rate_avg; cic.push(r); void rate; }\n` +
        `const res: { rows: number } = await writeFlows(byDefault, { path: 'y.parquet', header: 'snake_case' });\n` +
        `const s: RunSummary | undefined = undefined; void s; void res; void PcapflowError;\n`,
    );
    const good = tsc('good.ts');
    expect(good.stdout.toString() + good.stderr.toString()).toBe('');
    expect(good.status).toBe(0);
    writeFileSync(
      path.join(app, 'bad.ts'),
      `import { flows } from 'pcapflow';\n` +
        `for await (const r of flows('x.pcap', { profile: 'cicflowmeter' })) { const port: string = r.dst_port; const code = r.icmp_code; void port; void code; }\n` +
        `flows('x.pcap', { jobs: 'two' });\n`,
    );
    const bad = tsc('bad.ts');
    const out = bad.stdout.toString();
    expect(bad.status).not.toBe(0);
    // a number is not a string; the cicflowmeter profile has no ICMP columns; jobs is a number
    expect(out).toMatch(/bad\.ts\(2,[0-9]+\): error TS2322: Type 'number' is not assignable to type 'string'/);
    expect(out).toMatch(/bad\.ts\(2,[0-9]+\): error TS2339: Property 'icmp_code' does not exist/);
    expect(out).toMatch(/bad\.ts\(3,[0-9]+\): error TS2322: Type 'string' is not assignable to type 'number/);
  });
});
