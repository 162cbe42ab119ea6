// Community ID conformance: the 172 vectors of docs/community-id-vectors.json (spec tables, spec baseline JSON,
// reference package tests) and the spec's baseline_*.json tuples, read in place from the shared folder, through
// the library API (text and byte addresses), the reusable hasher and the command's word parser.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { communityId, CommunityIdHasher } from '../../src/community-id.js';
import { communityIdForWords } from '../../src/commands/community-id.js';
import { DOCS_DIR, HAVE_SHARED, TESTDATA_DIR } from '../helpers/paths.js';

interface Vector {
  proto: number;
  saddr: string;
  daddr: string;
  sport: number | null;
  dport: number | null;
  seed: number;
  base64: boolean;
  expected: string;
  source: string;
}
interface BaselineRow {
  proto: number;
  saddr: string;
  daddr: string;
  sport: number | null;
  dport: number | null;
  communityid: string;
}

/**
 * Address text -> bytes, written independently of src/ (plain split and expand) so the byte-form checks do not
 * lean on the parser under test.
 */
function textToBytes(text: string): Uint8Array {
  if (!text.includes(':')) return Uint8Array.from(text.split('.').map(Number));
  const [head = '', tail] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

const NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 46: 'rsvp', 58: 'ipv6-icmp', 132: 'sctp' };

(HAVE_SHARED ? describe : describe.skip)('Community ID vectors (docs/community-id-vectors.json)', () => {
  const vectors = HAVE_SHARED
    ? (JSON.parse(readFileSync(path.join(DOCS_DIR, 'community-id-vectors.json'), 'utf8')) as Vector[])
    : [];
  const title = (v: Vector): string =>
    `${v.proto} ${v.saddr} ${v.daddr} ${v.sport ?? '-'} ${v.dport ?? '-'} seed=${v.seed} b64=${v.base64} (${v.source})`;

  it('holds the 172 vectors the spec doc announces', () => {
    expect(vectors).toHaveLength(172);
  });

  it.each(vectors.map((v) => [title(v), v] as const))('API, text addresses: %s', (_t, v) => {
    expect(communityId(v.proto, v.saddr, v.daddr, v.sport, v.dport, { seed: v.seed, base64: v.base64 })).toBe(
      v.expected,
    );
  });

  it.each(vectors.map((v) => [title(v), v] as const))('API, byte addresses and the hasher: %s', (_t, v) => {
    const s = textToBytes(v.saddr);
    const d = textToBytes(v.daddr);
    const opts = { seed: v.seed, base64: v.base64 };
    expect(communityId(v.proto, s, d, v.sport, v.dport, opts)).toBe(v.expected);
    const len = s.length === 4 ? 4 : 16;
    expect(new CommunityIdHasher(opts).hash(v.proto, s, d, len, v.sport ?? 0, v.dport ?? 0)).toBe(v.expected);
  });

  it.each(vectors.map((v) => [title(v), v] as const))('command words, by number and by name: %s', (_t, v) => {
    const opts = { seed: v.seed, base64: v.base64, tcpdump: false };
    const ports = v.sport === null || v.dport === null ? [] : [String(v.sport), String(v.dport)];
    expect(communityIdForWords([String(v.proto), v.saddr, v.daddr, ...ports], opts)).toBe(v.expected);
    const name = NAMES[v.proto];
    if (name !== undefined) {
      expect(communityIdForWords([name.toUpperCase(), v.saddr, v.daddr, ...ports], opts)).toBe(v.expected);
    }
  });
});

(HAVE_SHARED ? describe : describe.skip)('Community ID spec baseline JSON (testdata/community-id)', () => {
  const load = (file: string): BaselineRow[] =>
    HAVE_SHARED
      ? (JSON.parse(readFileSync(path.join(TESTDATA_DIR, 'community-id', file), 'utf8')) as BaselineRow[])
      : [];
  // Seed and encoding per file, as the spec's make-json.sh produced them (cid_baseline_README.md).
  const files: [string, { seed: number; base64: boolean }][] = [
    ['baseline_deflt.json', { seed: 0, base64: true }],
    ['baseline_seed1.json', { seed: 1, base64: true }],
    ['baseline_nob64.json', { seed: 0, base64: false }],
  ];
  it.each(files)('%s: every tuple gives its ID', (file, opts) => {
    const rows = load(file);
    expect(rows.length).toBeGreaterThanOrEqual(23);
    for (const r of rows) {
      // ICMP rows hold ports after the type mapping; mapping them again is a no-op for two-way types.
      expect([r, communityId(r.proto, r.saddr, r.daddr, r.sport, r.dport, opts)]).toEqual([r, r.communityid]);
    }
  });
});
