// `pcapflow packets --decap --community-id` against tshark's communityid dissector, per frame, on every capture in
// ../shared/testdata/encap/ (tunnels of every kind --decap enters, and VLAN/MPLS/PPPoE/fragment captures that
// have no tunnel, where --decap must change nothing). tshark hashes the innermost flow of a tunnelled frame, as
// --decap does. Skips when ../shared or tshark is absent.
//
// Frames compared: every frame whose innermost packet has ports (TCP, UDP, SCTP) or is ICMP/ICMPv6, the rule of
// community-id-pcaps.test.ts. Frames left out, each for a stated reason:
// - packets without ports on our side: later IP fragments (tshark runs with reassembly off, as pcapflow reads
//   each frame alone, and hashes them without ports), IPv4 AH (protocol 51: pcapflow's transport protocol, not a
//   tunnel; tshark walks it: libpcap_ah-ipip-ping.pcap frame 4), ESP, OSPF and other port-less protocols of IPv6,
//   which tshark gives no ID;
// - tunnelled frames whose innermost packet is port-less (PIM, IPv6 with No Next Header, GRE keepalives): where
//   tshark's ID differs from pcapflow's, tshark is wrong. It hashes the inner addresses with the OUTER protocol and ports (tcpdump_various_gre.pcap frames 67 and 73:
//   PIM in IPv4 in Cisco MetaData in GRE, hashed as protocol 47; zeek_Teredo.pcap frame 31: an IPv6 bubble with
//   No Next Header in Teredo, hashed as UDP 3544 -> 3797), which no flow has. The test checks that this is exactly
//   what tshark did on each such frame, and that pcapflow hashes the inner packet alone.
import { describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { runPackets } from '../../src/commands/packets.js';
import { communityId } from '../../src/community-id.js';
import { HAVE_SHARED, TESTDATA_DIR } from '../helpers/paths.js';
import { HAVE_TSHARK, tsharkFields } from '../helpers/tshark.js';

const ENCAP = path.join(TESTDATA_DIR, 'encap');

/** `pcapflow packets --community-id [--decap]` in process: the fields of each frame's line. */
async function ourPackets(file: string, decap: boolean): Promise<string[][]> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  await runPackets({ inputs: [file], output: '-', communityId: true, communityIdSeed: 0, communityIdBase64: true, decap }, out);
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.slice(1).map((l) => l.split('\t'));
}

function captures(): string[] {
  if (!HAVE_SHARED || !HAVE_TSHARK) return [];
  return readdirSync(ENCAP).filter((f) => /\.(pcap|pcapng|cap|gz)$/.test(f)).sort();
}

/** Totals over all captures, checked at the end. */
const totals = { compared: 0, tunnelled: 0, tsharkMixed: 0 };

(HAVE_SHARED && HAVE_TSHARK ? describe : describe.skip)('--decap Community ID agrees with tshark per frame (encap/)', () => {
  it.each(captures())('%s', async (name) => {
    const file = path.join(ENCAP, name);
    const [ours, outer, theirs] = await Promise.all([
      ourPackets(file, true),
      ourPackets(file, false),
      tsharkFields(file, ['frame.protocols', 'communityid'], [
        '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE',
        '--enable-protocol', 'communityid', '-o', 'communityid.seed:0', '-o', 'communityid.do_base64:TRUE',
      ]),
    ]);
    expect(ours.length).toBe(theirs.length);
    const diffs: string[] = [];
    ours.forEach((row, i) => {
      const [, , , , , src, dst, proto, sport, dport, id] = row;
      const o = outer[i]!;
      const t = theirs[i]![1] ?? '';
      const tunnelled = src !== o[5] || dst !== o[6] || proto !== o[7];
      if (tunnelled) totals.tunnelled++;
      const hasPorts = sport !== '';
      if (hasPorts || proto === '1' || proto === '58') {
        totals.compared++;
        if ((id ?? '') !== t) diffs.push(`frame ${i + 1}: ours ${id} tshark ${t} (${row.slice(5, 10).join(' ')})`);
        return;
      }
      if (tunnelled && t !== '' && t !== id) {
        // tshark's mix: inner addresses, outer protocol and ports.
        totals.tsharkMixed++;
        const mixed = communityId(Number(o[7]), src!, dst!, o[8] === '' ? 0 : Number(o[8]), o[9] === '' ? 0 : Number(o[9]));
        expect({ frame: i + 1, tshark: t }).toEqual({ frame: i + 1, tshark: mixed });
        expect(id).toBe(communityId(Number(proto), src!, dst!, 0, 0));
      }
    });
    expect(diffs).toEqual([]);
  });

  it('the captures hold tunnelled frames, nearly all of them compared', () => {
    if (captures().length === 0) return;
    // 807 tunnelled frames, 1,397 compared (796 of them tunnelled) on the set of 2026-12.
    expect(totals.tunnelled).toBeGreaterThanOrEqual(800);
    expect(totals.compared).toBeGreaterThanOrEqual(1300);
    expect(totals.tsharkMixed).toBe(3);
  });
});
