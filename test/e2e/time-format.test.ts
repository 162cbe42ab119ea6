// --time-format and --epoch-column on the samples: the epoch column is the exact start time, and each Timestamp
// format names that instant (read back here with Date.UTC, independently of the formatter); asking for the
// profile's own format changes no byte. Runs dist/cli.js.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { parse } from 'csv-parse/sync';
import { CLI, SAMPLES_DIR } from '../helpers/paths.js';

function run(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, SAMPLES_DIR, '-q', ...args], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  expect([0, 2]).toContain(r.status); // the samples include damaged captures on purpose
  return r.stdout.toString();
}

function isoUs(text: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`bad ISO timestamp ${text}`);
  return (Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000) * 1e6 + Number((m[7] ?? '').padEnd(6, '0'));
}

function cicUs(text: string): number {
  const m = /^(\d\d)\/(\d\d)\/(\d{4}) (\d\d):(\d\d):(\d\d) (AM|PM)$/.exec(text);
  if (!m) throw new Error(`bad CIC timestamp ${text}`);
  const h = (+m[4]! % 12) + (m[7] === 'PM' ? 12 : 0);
  return (Date.UTC(+m[3]!, +m[2]! - 1, +m[1]!, h, +m[5]!, +m[6]!) / 1000) * 1e6;
}

describe('--time-format and --epoch-column', () => {
  for (const profile of ['default', 'cicflowmeter']) {
    it(`${profile} profile: every format names the epoch column's instant`, () => {
      const plain = run(['--profile', profile]);
      const own = profile === 'default' ? 'iso' : 'cic';
      expect(run(['--profile', profile, '--time-format', own])).toBe(plain);
      const base = parse(plain) as string[][];
      for (const format of ['iso', 'cic', 'epoch-us']) {
        const rows = parse(run(['--profile', profile, '--time-format', format, '--epoch-column'])) as string[][];
        const head = rows[0]!;
        expect(head).toEqual([...base[0]!, 'Timestamp (epoch us)']);
        const ts = head.indexOf('Timestamp');
        expect(rows.length).toBe(base.length);
        expect(rows.length).toBeGreaterThan(10);
        for (let r = 1; r < rows.length; r++) {
          const row = rows[r]!;
          const epoch = Number(row[row.length - 1]);
          expect(Number.isSafeInteger(epoch)).toBe(true);
          // Every other field is the plain run's.
          expect(row.slice(0, -1).filter((_, i) => i !== ts)).toEqual(base[r]!.filter((_, i) => i !== ts));
          if (format === 'iso') expect(isoUs(row[ts]!)).toBe(epoch);
          else if (format === 'cic') expect(cicUs(row[ts]!)).toBe(Math.floor(epoch / 1e6) * 1e6);
          else expect(row[ts]).toBe(String(epoch));
        }
      }
    }, 300_000);
  }
});
