// The README's "Library" examples run as they are written: every ```js block of that section is extracted from
// README.md and executed with node in a directory that holds the project's samples/ and resolves 'pcapflow' to
// this package (its package.json "exports", dist/). The iterating example prints the two flows of
// tcp-handshake.pcap; the Parquet example's file, read back by DuckDB, holds exactly the TCP rows of the command
// line's CSV of samples/, relabelled as the example says.
import { describe, expect, it } from '@jest/globals';
import { inMemoryDuckDb } from '../helpers/duckdb.js';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { CLI, REPO_ROOT, SAMPLES_DIR } from '../helpers/paths.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-readme-'));
mkdirSync(path.join(tmp, 'node_modules'));
symlinkSync(REPO_ROOT, path.join(tmp, 'node_modules', 'pcapflow'), 'dir');
symlinkSync(SAMPLES_DIR, path.join(tmp, 'samples'), 'dir');

/** The ```js blocks of the README section `## Library`. */
function libraryBlocks(): string[] {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Library\n');
  expect(start).toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

function runBlock(code: string, name: string): string {
  const file = path.join(tmp, `${name}.mjs`);
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, [file], { cwd: tmp, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${name} exited ${String(r.status)}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

const duck = inMemoryDuckDb();

describe('README Library examples', () => {
  const blocks = libraryBlocks();

  it('has the iterating and the Parquet examples', () => {
    expect(blocks.filter((b) => b.includes('for await (const flow of flows(')).length).toBe(1);
    expect(blocks.filter((b) => b.includes('writeFlows(')).length).toBe(1);
  });

  it('every block runs', () => {
    blocks.forEach((b, i) => runBlock(b, `block-${i}`));
  });

  it('the iterating example prints the two flows of tcp-handshake.pcap', () => {
    const out = runBlock(blocks.find((b) => b.includes('for await (const flow of flows('))!, 'iterate');
    // scripts/make-samples.ts: 10.0.0.1 -> :80 at T0, and 10.0.0.1 -> :443 at T0 + 0.1 s (SYN, ACK, data: 3
    // forward packets, then the server's RST); the first ends at the server's FIN (the flow-ending packet, README
    // "Profiles"), after 5 forward packets: SYN, ACK, data, ACK, FIN (the client's last ACK comes after the end)
    const lines = out.trim().split('\n').map((l) => l.split(' '));
    expect(lines.map((l) => l.slice(0, 3))).toEqual([
      ['10.0.0.1', '80', '5'],
      ['10.0.0.1', '443', '3'],
    ]);
    expect(lines.map((l) => l[4])).toEqual(['2023-11-14T22:13:20.000Z', '2023-11-14T22:13:20.100Z']);
  });

  it('the Parquet example writes the TCP rows of samples/, relabelled', async () => {
    const out = runBlock(blocks.find((b) => b.includes('writeFlows('))!, 'parquet');
    const csv = path.join(tmp, 'reference.csv');
    const r = spawnSync(process.execPath, [CLI, SAMPLES_DIR, '-q', '-o', csv], { timeout: 120_000 });
    expect([0, 2]).toContain(r.status); // samples/ holds damaged captures on purpose
    const rows = parse(readFileSync(csv)) as string[][];
    const header = rows.shift()!;
    const at = (n: string): number => header.indexOf(n);
    const tcp = rows.filter((row) => row[at('Protocol')] === '6');
    const web = (row: string[]): boolean => {
      const p = [Number(row[at('Src Port')]), Number(row[at('Dst Port')])];
      return p.some((x) => x >= 80 && x <= 443);
    };
    expect(out).toContain(`${tcp.length} TCP flows written to tcp-flows.parquet`);
    const file = path.join(tmp, 'tcp-flows.parquet').replace(/'/g, "''");
    const got = (await (await duck.con.run(`SELECT "Flow ID", "Protocol", "Label" FROM read_parquet('${file}')`)).getRows()) as unknown[][];
    expect(got.map((g) => [g[0], Number(g[1]), g[2]])).toEqual(tcp.map((row) => [row[at('Flow ID')], 6, web(row) ? 'Web' : 'Other TCP']));
    expect(got.length).toBeGreaterThan(5);
  });
});
