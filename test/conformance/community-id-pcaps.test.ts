// Per-packet Community IDs over real captures: the spec's baseline (community-id-spec, produced by the reference
// package's community-id-pcap over combined.pcap.gz) for seed 0, seed 1 and hex, and tshark's communityid
// dissector at seeds 0 and 1 on every capture in ../shared/testdata. Skips when ../shared (or tshark) is absent.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { runPackets } from '../../src/commands/packets.js';
import { HAVE_SHARED, TESTDATA_DIR } from '../helpers/paths.js';
import { HAVE_TSHARK, listCaptures, tsharkFields } from '../helpers/tshark.js';

interface BaselineEntry {
  proto: number;
  saddr: string;
  daddr: string;
  sport: number | null;
  dport: number | null;
  communityid: string;
}

/** `pcapflow packets --community-id` in process (the command's own code below argv parsing). */
async function ourPackets(file: string, args: string[]): Promise<string[][]> {
  const seedAt = args.indexOf('--community-id-seed');
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  await runPackets(
    { inputs: [file], output: '-', communityId: true, communityIdSeed: seedAt >= 0 ? Number(args[seedAt + 1]) : 0, communityIdBase64: !args.includes('--no-base64') },
    out,
  );
  return text.trimEnd().split('\n').slice(1).map((l) => l.split('\t'));
}

(HAVE_SHARED ? describe : describe.skip)('Community ID baseline captures (community-id-spec)', () => {
  const cases: [string, string[]][] = [
    ['baseline_deflt.json', []],
    ['baseline_seed1.json', ['--community-id-seed', '1']],
    ['baseline_nob64.json', ['--no-base64']],
  ];
  it.each(cases)('%s', async (baseline, args) => {
    const entries = JSON.parse(readFileSync(path.join(TESTDATA_DIR, 'community-id', baseline), 'utf8')) as BaselineEntry[];
    const rows = await ourPackets(path.join(TESTDATA_DIR, 'community-id', 'combined.pcap.gz'), args);
    expect(rows.length).toBeGreaterThan(0);
    const matched = new Set<BaselineEntry>();
    let withId = 0;
    for (const row of rows) {
      const [, , , , , src, dst, proto, sport, dport, id] = row;
      if (!id) continue;
      withId++;
      // The baseline keys ICMP by (type, counterpart) after mapping; match TCP/UDP/SCTP on ports too.
      const candidates = entries.filter(
        (e) => e.saddr === src && e.daddr === dst && String(e.proto) === proto && (sport === '' || (String(e.sport) === sport && String(e.dport) === dport)),
      );
      expect({ row: row.join(' '), ids: candidates.map((c) => c.communityid) }).toEqual({ row: row.join(' '), ids: expect.arrayContaining([id]) });
      for (const c of candidates) if (c.communityid === id) matched.add(c);
    }
    expect(withId).toBeGreaterThan(0);
    // every tuple of the baseline occurs in the capture and got its ID
    expect(entries.filter((e) => !matched.has(e))).toEqual([]);
  });
});

/**
 * Which packets are compared. The rule: every packet tshark hashes with full ports (TCP, UDP, SCTP, and
 * ICMP/ICMPv6 with type and code). Left out, each for a stated reason:
 * - tunnelled packets (a second IP layer not quoted by an ICMP error): tshark hashes the innermost flow, while
 *   pcapflow's flow is defined by the outermost IP header (README), so its per-packet ID is the outer tuple's;
 * - packets without ports on our side (later IP fragments: tshark runs with reassembly off here, as pcapflow reads
 *   each frame on its own; truncated transport headers), which tshark hashes without ports if at all;
 * - tshark's own departures from the spec (the spec wins): IPv6 packets of port-less protocols get no ID from
 *   tshark; UDP-Lite is hashed as UDP with ports by tshark (port-less in the spec); seeds above 65535 wrap in
 *   tshark (pcapflow rejects them, and the test only uses seeds 0 and 1).
 */
function compared(ours: string[], protocols: string): boolean {
  const proto = ours[7] ?? '';
  const hasPorts = (ours[8] ?? '') !== '';
  if (proto === '136') return false;
  if (!(hasPorts || proto === '1' || proto === '58')) return false;
  const layers = protocols.split(':');
  const ipLayers = layers.map((l, i) => (l === 'ip' || l === 'ipv6' ? i : -1)).filter((i) => i >= 0);
  if (ipLayers.length > 1) {
    const quoted = layers.slice(0, ipLayers[1]).some((l) => l === 'icmp' || l === 'icmpv6');
    if (!quoted) return false;
  }
  return true;
}

/** tshark shows pcapng Custom Blocks as frames (protocol 'data', no time); they hold no packet. */
function withoutCustomBlocks(rows: string[][]): string[][] {
  return rows.filter((r) => !(r[0] === '' && r[1] === 'data'));
}

(HAVE_SHARED && HAVE_TSHARK ? describe : describe.skip)('Community ID agrees with tshark per packet', () => {
  const captures = HAVE_SHARED && HAVE_TSHARK ? listCaptures({ malformed: false }) : [];
  it.each(captures)('%s', async (rel) => {
    const file = path.join(TESTDATA_DIR, rel);
    let comparedCount = 0;
    for (const seed of [0, 1]) {
      const [ours, theirs] = await Promise.all([
        ourPackets(file, ['--community-id-seed', String(seed)]),
        tsharkFields(file, ['frame.time_epoch', 'frame.protocols', 'communityid'], [
          '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE',
          '--enable-protocol', 'communityid', '-o', `communityid.seed:${seed}`, '-o', 'communityid.do_base64:TRUE',
        ]).then(withoutCustomBlocks),
      ]);
      expect(ours.length).toBe(theirs.length);
      const diffs: string[] = [];
      ours.forEach((row, i) => {
        const t = (theirs[i]![2] ?? '').split(',')[0] ?? '';
        if (!compared(row, theirs[i]![1] ?? '')) return;
        comparedCount++;
        const o = row[10] ?? '';
        if (o !== t) diffs.push(`frame ${i + 1} seed ${seed}: ours ${o} tshark ${t} (${row.slice(5, 10).join(' ')})`);
      });
      expect(diffs.slice(0, 10)).toEqual([]);
    }
    expect(comparedCount).toBeGreaterThanOrEqual(0);
  });
});
