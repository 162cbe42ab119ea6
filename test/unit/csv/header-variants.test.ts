// Each --header variant's names, for the cicflowmeter profile's 84 reference columns, are the spec's (the table of
// cicflowmeter-features.md §9, read here from the shared docs, ␠ = a leading space); the extra columns keep their
// names or get a snake_case form; the CLI writes them. Skipped without the shared docs where it reads them.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CICFLOWMETER_COLUMNS, DEFAULT_COLUMNS, headerOf } from '../../../src/csv/columns.js';
import { HEADER_VARIANTS, headerVariant, snakeCase } from '../../../src/csv/header-variants.js';
import { earlyColumnNames } from '../../../src/flow/early-packets.js';
import { CLI, DOCS_DIR, SAMPLES_DIR } from '../../helpers/paths.js';

const SPEC = path.join(DOCS_DIR, 'cicflowmeter-features.md');

/** The spec's §9 rows: [upstream, CIC-IDS2017, CSE-CIC-IDS2018, snake_case | null], the duplicate (62) left out. */
function specTable(): (string | null)[][] {
  const rows: (string | null)[][] = [];
  const text = readFileSync(SPEC, 'utf8');
  const section = text.slice(text.indexOf('## 9. Column-name mapping'), text.indexOf('### 9.1'));
  for (const line of section.split('\n')) {
    if (!/^\| \d+ \|/.test(line)) continue;
    const cells = line.split('|').slice(2, 6).map((c) => c.trim());
    rows.push(cells.map((c) => (c === '—' ? null : c.replace(/^`|`$/g, '').replace('␠', ' '))));
  }
  return rows;
}

describe('headerVariant', () => {
  (existsSync(SPEC) ? it : it.skip)('gives the spec table’s names for the 84 reference columns, in every variant', () => {
    const table = specTable();
    expect(table.length).toBe(84);
    const header = headerOf(CICFLOWMETER_COLUMNS);
    expect(header.slice(0, 84)).toEqual(table.map((r) => r[0]));
    const variants = { 'cic-ids2017': 1, 'cse-cic-ids2018': 2, snake_case: 3 } as const;
    for (const [variant, at] of Object.entries(variants)) {
      const names = headerVariant(header, variant as keyof typeof variants);
      expect(names.length).toBe(header.length);
      table.forEach((row, i) => {
        const want = row[at] ?? (variant === 'snake_case' ? snakeCase(row[0]!) : row[0]);
        expect([i, names[i]]).toEqual([i, want]);
      });
      expect(names[84]).toBe('community_id');
    }
    expect(headerVariant(header, 'cic-ids2017')[1]).toBe(' Source IP'); // the leading space is kept
  });

  it('keeps names unique in every variant and profile, and cicflowmeter unchanged', () => {
    for (const cols of [DEFAULT_COLUMNS, CICFLOWMETER_COLUMNS]) {
      const header = headerOf(cols);
      expect(headerVariant(header, 'cicflowmeter')).toEqual(header);
      for (const v of HEADER_VARIANTS) expect(new Set(headerVariant(header, v)).size).toBe(header.length);
    }
    expect(snakeCase('Fwd TCP Retrans. Count')).toBe('fwd_tcp_retrans_count');
    expect(snakeCase('Flow ID')).toBe('flow_id');
  });

  it('is what the CLI writes with --header, and an unknown variant is refused', () => {
    const r = spawnSync(process.execPath, [CLI, path.join(SAMPLES_DIR, 'tcp-handshake.pcap'), '-q', '--profile', 'cicflowmeter', '--header', 'cse-cic-ids2018']);
    expect(r.status).toBe(0);
    const first = r.stdout.toString().split('\n')[0]!;
    expect(first.split(',')).toEqual(headerVariant(headerOf(CICFLOWMETER_COLUMNS), 'cse-cic-ids2018'));
    const bad = spawnSync(process.execPath, [CLI, path.join(SAMPLES_DIR, 'tcp-handshake.pcap'), '--header', 'cic']);
    expect(bad.status).toBe(1);
  });

  it('spells the --first-packets columns in every variant, unique beside the profile\'s names', () => {
    const early = earlyColumnNames(255);
    for (const v of HEADER_VARIANTS) {
      const names = headerVariant([...headerOf(DEFAULT_COLUMNS), ...early], v).slice(-765);
      expect(names.slice(0, 3)).toEqual(v === 'snake_case' ? ['pkt_1_size', 'pkt_1_iat', 'pkt_1_dir'] : ['Pkt 1 Size', 'Pkt 1 IAT', 'Pkt 1 Dir']);
      expect(names.at(-1)).toBe(v === 'snake_case' ? 'pkt_255_dir' : 'Pkt 255 Dir');
      for (const profile of [CICFLOWMETER_COLUMNS, DEFAULT_COLUMNS]) {
        const all = headerVariant([...headerOf(profile), ...early], v);
        expect(new Set(all).size).toBe(all.length);
      }
    }
  });
});
