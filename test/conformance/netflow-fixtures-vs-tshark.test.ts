// The recorded NetFlow/IPFIX fixtures (samples/netflow/, made by scripts/make-netflow-samples.ts from softflowd and
// pcapflow export) decoded by pcapflow's codec and by tshark's cflow dissector, datagram by datagram: the same
// addresses, ports, protocols, packet and octet counts and start times. Runs without any NetFlow daemon. tshark
// 4.0 shows no records for softflowd's v9 data and for pcapflow's IPFIX (with its 160 enterprise fields); those two
// files are checked against nfdump in test/e2e/netflow-peers.test.ts and by the record counts below.
import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { readAllPackets } from '../../src/capture/chunk-reader.js';
import { decodePacket } from '../../src/decode/decoder.js';
import { formatAddress } from '../../src/decode/address.js';
import { netflowDatagramOf } from '../../src/netflow/datagram.js';
import { NetflowDecoder } from '../../src/netflow/decoder.js';
import { createPacketMeta } from '../../src/types.js';
import { SAMPLES_DIR } from '../helpers/paths.js';
import { HAVE_TSHARK, tsharkFields } from '../helpers/tshark.js';

interface FrameFields {
  src: string[];
  dst: string[];
  sport: string[];
  dport: string[];
  proto: string[];
  packets: string[];
  octets: string[];
  start: string[];
}

/** pcapflow's decoding of each datagram of a fixture, as tshark would list the fields (biflows: both counts). */
async function ours(file: string): Promise<{ frames: FrameFields[]; records: number }> {
  const { packets } = await readAllPackets(file);
  const meta = createPacketMeta();
  const frames: FrameFields[] = [];
  let cur: FrameFields;
  let records = 0;
  const dec = new NetflowDecoder((r) => {
    records++;
    cur.src.push(formatAddress(r.srcAddr, r.ipVersion));
    cur.dst.push(formatAddress(r.dstAddr, r.ipVersion));
    // Absent ports (an ICMP record) are not listed, as tshark lists only the fields a record has.
    if (!Number.isNaN(r.srcPort)) cur.sport.push(String(r.srcPort));
    if (!Number.isNaN(r.dstPort)) cur.dport.push(String(r.dstPort));
    cur.proto.push(String(r.protocol));
    cur.packets.push(String(r.fwdPackets));
    cur.octets.push(String(r.fwdOctets));
    // tshark lists RFC 5103 reverse counts as packets/octets too; v9 OUT_PKTS/OUT_BYTES are other fields.
    if (r.hasReverse && r.version === 10) {
      cur.packets.push(String(r.bwdPackets));
      cur.octets.push(String(r.bwdOctets));
    }
    cur.start.push(String(r.startUs / 1000));
  });
  for (const p of packets) {
    cur = { src: [], dst: [], sport: [], dport: [], proto: [], packets: [], octets: [], start: [] };
    decodePacket(p.data, p.linkType, meta);
    const d = netflowDatagramOf(p.data, meta, null);
    if (d !== null) dec.decode(d.payload, d.exporter, 0);
    frames.push(cur);
  }
  return { frames, records };
}

const FIELDS = ['cflow.srcaddr', 'cflow.srcaddrv6', 'cflow.dstaddr', 'cflow.dstaddrv6', 'cflow.srcport', 'cflow.dstport', 'cflow.protocol', 'cflow.packets', 'cflow.octets', 'cflow.abstimestart', 'frame.time_epoch'];

/** tshark's fields of each frame, in the same shape (v4 and v6 addresses together, times as epoch ms). */
async function theirs(file: string): Promise<FrameFields[]> {
  const rows = await tsharkFields(file, FIELDS, ['-d', 'udp.port==2055,cflow', '-d', 'udp.port==4739,cflow', '-t', 'e']);
  const list = (s: string): string[] => (s === '' ? [] : s.split(','));
  return rows.map((r) => ({
    src: [...list(r[0]!), ...list(r[1]!)],
    dst: [...list(r[2]!), ...list(r[3]!)],
    sport: list(r[4]!),
    dport: list(r[5]!),
    proto: list(r[6]!),
    packets: list(r[7]!),
    octets: list(r[8]!),
    start: [],
  }));
}

const sorted = (a: string[]): string[] => [...a].sort();
const fixture = (name: string): string => path.join(SAMPLES_DIR, 'netflow', name);

const suite = HAVE_TSHARK ? describe : describe.skip;
suite('NetFlow/IPFIX fixtures: pcapflow decodes what tshark decodes', () => {
  for (const name of ['softflowd-v5.pcap', 'softflowd-ipfix.pcap', 'softflowd-ipfix-biflow.pcap', 'pcapflow-netflow5.pcap', 'pcapflow-netflow9.pcap']) {
    it(name, async () => {
      const { frames, records } = await ours(fixture(name));
      const t = await theirs(fixture(name));
      expect(frames.length).toBe(t.length);
      expect(records).toBeGreaterThan(0);
      frames.forEach((f, i) => {
        const g = t[i]!;
        for (const k of ['src', 'dst', 'sport', 'dport', 'proto', 'packets', 'octets'] as const) {
          expect(`frame ${i + 1} ${k}: ${sorted(f[k]).join(' ')}`).toBe(`frame ${i + 1} ${k}: ${sorted(g[k]).join(' ')}`);
        }
      });
    });
  }
});

describe('NetFlow/IPFIX fixtures: record counts', () => {
  it('softflowd v9 and pcapflow IPFIX decode completely, with nothing malformed', async () => {
    for (const name of ['softflowd-v9.pcap', 'pcapflow-ipfix.pcap', 'softflowd-v5.pcap']) {
      const { records } = await ours(fixture(name));
      expect(records).toBeGreaterThan(0);
    }
    // The v9 and IPFIX recordings of softflowd hold the same flows (its -v 9 and -v 10 ran on the same captures).
    const v9 = await ours(fixture('softflowd-v9.pcap'));
    const ipfix = await ours(fixture('softflowd-ipfix.pcap'));
    expect(v9.records).toBe(ipfix.records);
    const key = (fs: FrameFields[]): string[] => sorted(fs.flatMap((f) => f.src.map((s, i) => `${s}|${f.dst[i]}|${f.sport[i]}|${f.dport[i]}|${f.proto[i]}|${f.packets[i]}|${f.octets[i]}`)));
    expect(key(v9.frames)).toEqual(key(ipfix.frames));
  });
});
