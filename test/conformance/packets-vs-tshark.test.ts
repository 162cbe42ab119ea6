// `pcapflow packets --community-id` against tshark on every capture in ../shared/testdata (malformed ones
// excepted): the same packet count and, per packet, the same time, caplen, len, outermost IP addresses, protocol
// and ports where tshark decodes them, and the same Community ID (seed 0) as tshark's communityid dissector where
// communityIdCompared says the two hash the same tuple. One tshark run per capture serves both checks (tshark's
// start-up is most of the suite's time; community-id-pcaps.test.ts checks seed 1). Skips when ../shared or tshark
// is absent.
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLI, HAVE_SHARED, TESTDATA_DIR } from '../helpers/paths.js';
import { communityIdCompared, HAVE_TSHARK, listCaptures, tsharkCommunityIdArgs, tsharkFields } from '../helpers/tshark.js';

const run = promisify(execFile);
const ENABLED = HAVE_SHARED && HAVE_TSHARK;

const FIELDS = [
  'frame.time_epoch', 'frame.cap_len', 'frame.len', 'frame.protocols',
  'ip.src', 'ip.dst', 'ip.proto', 'ipv6.src', 'ipv6.dst',
  'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'sctp.srcport', 'sctp.dstport', 'communityid',
];
// Reassembly off: every frame is judged on its own bytes, as pcapflow does.
const TSHARK_ARGS = ['-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE', '-o', 'tcp.desegment_tcp_streams:FALSE', ...tsharkCommunityIdArgs(0)];

const PROTO_BY_NAME: Record<string, number> = {
  tcp: 6, udp: 17, sctp: 132, icmp: 1, icmpv6: 58, esp: 50, gre: 47, igmp: 2, ip: 4, ipv6: 41, udplite: 136,
  pim: 103, vrrp: 112, ospf: 89, rsvp: 46, dccp: 33,
};

/**
 * Where tshark and pcapflow are allowed to differ, per capture, and why. Everything else must agree exactly.
 * Keys are capture paths relative to testdata; values name the reason.
 */
const KNOWN_DIFFERENCES: Record<string, string> = {};

interface Mismatch {
  frame: number;
  field: string;
  ours: string;
  tshark: string;
}

function first(v: string | undefined): string {
  return (v ?? '').split(',')[0] ?? '';
}

/** tshark shows pcapng Custom Blocks as frames (protocol 'data', no time); they hold no packet and pcapflow,
 *  like the capture's own manifest, does not count them. Everything else tshark lists is compared. */
function withoutCustomBlocks(rows: string[][]): string[][] {
  return rows.filter((r) => !(r[0] === '' && r[3] === 'data'));
}

function compareFile(ours: string[][], theirs: string[][]): Mismatch[] {
  const out: Mismatch[] = [];
  const n = Math.min(ours.length, theirs.length);
  for (let i = 0; i < n; i++) {
    const o = ours[i]!;
    const t = theirs[i]!;
    const [, time, caplen, len, , src, dst, proto, sport, dport, communityId] = o;
    const [tTime, tCap, tLen, protos, ipSrc, ipDst, ipProto, v6Src, v6Dst, tcpS, tcpD, udpS, udpD, sctpS, sctpD, tCommunityId] = t;
    const check = (field: string, a: string | undefined, b: string | undefined): void => {
      if ((a ?? '') !== (b ?? '')) out.push({ frame: i + 1, field, ours: a ?? '', tshark: b ?? '' });
    };
    check('time', time, tTime);
    if (communityIdCompared(proto ?? '', sport ?? '', protos ?? '')) check('community_id', communityId, first(tCommunityId));
    check('caplen', caplen, tCap);
    check('len', len, tLen);
    const layers = (protos ?? '').split(':');
    const outer = layers.findIndex((l) => l === 'ip' || l === 'ipv6');
    if (outer < 0) {
      // tshark found no IP header: neither may we.
      check('src', src, '');
      continue;
    }
    const v6 = layers[outer] === 'ipv6';
    check('src', src, first(v6 ? v6Src : ipSrc));
    check('dst', dst, first(v6 ? v6Dst : ipDst));
    let next = outer + 1;
    while (next < layers.length && (layers[next]!.startsWith('ipv6.') || (v6 && layers[next] === 'ah'))) next++;
    const nextName = layers[next] ?? '';
    if (!v6) check('proto', proto, first(ipProto));
    else if (PROTO_BY_NAME[nextName] !== undefined) check('proto', proto, String(PROTO_BY_NAME[nextName]));
    const ports: Record<string, [string | undefined, string | undefined]> = {
      tcp: [tcpS, tcpD], udp: [udpS, udpD], sctp: [sctpS, sctpD],
    };
    const p = ports[nextName];
    if (p !== undefined && first(p[0]) !== '') {
      check('sport', sport, first(p[0]));
      check('dport', dport, first(p[1]));
    }
  }
  return out;
}

(ENABLED ? describe : describe.skip)('pcapflow packets agrees with tshark', () => {
  const captures = ENABLED ? listCaptures({ malformed: false }) : [];
  const summary: { file: string; packets: number; mismatches: number }[] = [];

  it.each(captures)('%s', async (rel) => {
    const file = path.join(TESTDATA_DIR, rel);
    const [{ stdout }, theirs] = await Promise.all([
      run(process.execPath, [CLI, 'packets', file, '--community-id'], { maxBuffer: 512 * 1024 * 1024 }),
      tsharkFields(file, FIELDS, TSHARK_ARGS).then(withoutCustomBlocks),
    ]);
    const ours = stdout.split('\n').slice(1).filter((l) => l.length > 0).map((l) => l.split('\t'));
    const mismatches = compareFile(ours, theirs);
    summary.push({ file: rel, packets: ours.length, mismatches: mismatches.length });
    if (KNOWN_DIFFERENCES[rel] !== undefined) return;
    expect(ours.length).toBe(theirs.length);
    expect(mismatches.slice(0, 10)).toEqual([]);
  });
});
