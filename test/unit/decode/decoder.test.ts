// decodePacket as a whole: every PacketMeta field for built frames (expected values counted by hand from the
// header sizes in the RFCs), no field leaking from the previous packet, and real captures from ../shared/testdata
// compared with tshark: typed-in values for a handful of packets, and a per-packet comparison of the outermost
// addresses, protocol and ports when tshark is installed. The capture tests skip when ../shared is absent.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CaptureParser } from '../../../src/capture/capture-parser.js';
import { formatAddress } from '../../../src/decode/address.js';
import { DECODE_DEFAULTS, decodePacket, isSupportedLinkType } from '../../../src/decode/decoder.js';
import { SKIP, SKIP_REASONS, createPacketMeta, type PacketMeta } from '../../../src/types.js';
import { buildFrame, buildIpPacket, wrapLink, type FrameSpec } from '../../helpers/frame-builder.js';
import { HAVE_SHARED, TESTDATA_DIR } from '../../helpers/paths.js';
import { HAVE_TSHARK, tsharkFields } from '../../helpers/tshark.js';

/** A plain copy of a PacketMeta with the address buffers as text, for whole-struct comparisons. */
function view(m: PacketMeta): Record<string, unknown> {
  return { ...m, srcAddr: Array.from(m.srcAddr).join('.'), dstAddr: Array.from(m.dstAddr).join('.') };
}

describe('every field', () => {
  test('Ethernet + 802.1Q + IPv4 + TCP with options', () => {
    const f = buildFrame({
      link: { kind: 'ethernet', encap: [{ kind: 'vlan', vid: 1234 }] },
      ip: { version: 4, src: '10.1.2.3', dst: '172.16.254.1', ttl: 61, tos: 0x10, dontFragment: true },
      l4: { proto: 'tcp', srcPort: 51000, dstPort: 443, seq: 1000, ack: 2000, flags: 0x18, window: 502, options: [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2] },
      payload: 517,
    });
    const m = createPacketMeta();
    expect(decodePacket(f.bytes, 1, m)).toBe(SKIP.NONE);
    // 14 Ethernet + 4 tag = 18; IPv4 20; TCP 20 + 12 = 32; total 20 + 32 + 517 = 569.
    expect(view(m)).toEqual({
      skip: SKIP.NONE,
      truncated: false,
      vlanId: 1234,
      ipVersion: 4,
      srcAddr: '10.1.2.3.' + new Array(12).fill(0).join('.'),
      dstAddr: '172.16.254.1.' + new Array(12).fill(0).join('.'),
      ipOffset: 18,
      ipHeaderLen: 20,
      ipTotalLen: 569,
      ttl: 61,
      tos: 0x10,
      protocol: 6,
      isLaterFragment: false,
      isFragment: false,
      hasPorts: true,
      srcPort: 51000,
      dstPort: 443,
      icmpType: -1,
      icmpCode: -1,
      tcpFlags: 0x18,
      tcpWindow: 502,
      tcpSeq: 1000,
      tcpAck: 2000,
      l4Offset: 38,
      l4HeaderLen: 32,
      capturedL4HeaderLen: 32,
      payloadLen: 517,
      capturedPayloadLen: 517,
      tunnelLayers: 0,
      tunnelKinds: 0,
    });
  });

  test('SLL2 + IPv6 + hop-by-hop + ICMPv6 echo request cut by snaplen', () => {
    const f = buildFrame({
      link: { kind: 'sll2' },
      ip: { version: 6, src: 'fe80::1', dst: 'ff02::1', hopLimit: 1, trafficClass: 0xe0, extensions: [{ type: 0 }] },
      l4: { proto: 'icmpv6', type: 128, code: 0, rest: 0x00010002 },
      payload: 56,
    });
    const m = createPacketMeta();
    // Keep 20 (SLL2) + 40 + 8 + 8 (ICMPv6 header) + 10 payload bytes.
    expect(decodePacket(f.bytes.subarray(0, 86), 276, m)).toBe(SKIP.NONE);
    const fe80 = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1].join('.');
    const ff02 = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1].join('.');
    expect(view(m)).toEqual({
      skip: SKIP.NONE,
      truncated: false, // every header is whole; only payload is missing
      vlanId: -1,
      ipVersion: 6,
      srcAddr: fe80,
      dstAddr: ff02,
      ipOffset: 20,
      ipHeaderLen: 48,
      ipTotalLen: 40 + 8 + 8 + 56,
      ttl: 1,
      tos: 0xe0,
      protocol: 58,
      isLaterFragment: false,
      isFragment: false,
      hasPorts: false,
      srcPort: 0,
      dstPort: 0,
      icmpType: 128,
      icmpCode: 0,
      tcpFlags: 0,
      tcpWindow: 0,
      tcpSeq: 0,
      tcpAck: 0,
      l4Offset: 68,
      l4HeaderLen: 0, // ICMP: no header bytes counted, the 8-byte ICMPv6 header is payload
      capturedL4HeaderLen: 0,
      payloadLen: 64,
      capturedPayloadLen: 18,
      tunnelLayers: 0,
      tunnelKinds: 0,
    });
  });

  test('nothing leaks from the previous packet: after a full TCP/VLAN packet, ARP and a cut frame read as absent', () => {
    const full = buildFrame({
      link: { kind: 'ethernet', encap: [{ kind: 'vlan', vid: 7 }] },
      ip: { version: 6, src: '2001:db8::ff', dst: '2001:db8::ee', extensions: [{ type: 44, more: true }] },
      l4: { proto: 'tcp', srcPort: 1, dstPort: 2, seq: 3, ack: 4, flags: 0xff, window: 5 },
      payload: 10,
    });
    const fresh = view(createPacketMeta());
    const m = createPacketMeta();
    const arp = wrapLink({ kind: 'ethernet' }, 0x0806, 4, new Uint8Array(28)).bytes;
    for (const [other, linkType, skip] of [
      [arp, 1, SKIP.NOT_IP],
      [full.bytes.subarray(0, 10), 1, SKIP.TRUNCATED_LINK],
      [new Uint8Array(40), 9999, SKIP.UNSUPPORTED_LINK_TYPE],
    ] as const) {
      decodePacket(full.bytes, 1, m);
      expect(m.tcpFlags).toBe(0xff);
      expect(decodePacket(other, linkType, m)).toBe(skip);
      expect(view(m)).toEqual({ ...fresh, skip });
    }
    // An IPv4 UDP packet after the IPv6 TCP one: TCP fields, vlan, address bytes 4-15 are all reset.
    decodePacket(full.bytes, 1, m);
    decodePacket(buildFrame({ ip: { version: 4, src: '1.2.3.4', dst: '5.6.7.8' }, l4: { proto: 'udp', srcPort: 9, dstPort: 10 } }).bytes, 1, m);
    expect([m.vlanId, m.tcpFlags, m.tcpSeq, m.tcpAck, m.tcpWindow, m.isFragment, m.icmpType]).toEqual([-1, 0, 0, 0, 0, false, -1]);
    expect(formatAddress(m.srcAddr, 6)).toBe('102:304::');
  });

  test('isSupportedLinkType lists exactly the decoded link types', () => {
    const supported = [];
    for (let lt = 0; lt < 300; lt++) if (isSupportedLinkType(lt)) supported.push(lt);
    expect(supported).toEqual([0, 1, 9, 10, 12, 14, 50, 101, 104, 105, 108, 113, 127, 192, 228, 229, 239, 242, 276]);
  });
});

/** Decodes every packet of a capture in ../shared/testdata into plain copies. */
function decodeCapture(rel: string): { linkType: number; capLen: number; meta: Record<string, unknown>; src: string; dst: string }[] {
  const parser = new CaptureParser({ fileName: rel });
  parser.push(new Uint8Array(readFileSync(path.join(TESTDATA_DIR, rel))));
  const m = createPacketMeta();
  const out = [];
  for (let pkt = parser.next(); pkt !== null; pkt = parser.next()) {
    decodePacket(pkt.data, pkt.linkType, m);
    out.push({
      linkType: pkt.linkType,
      capLen: pkt.capLen,
      meta: view(m),
      src: formatAddress(m.srcAddr, m.ipVersion),
      dst: formatAddress(m.dstAddr, m.ipVersion),
    });
  }
  parser.end();
  return out;
}

(HAVE_SHARED ? describe : describe.skip)('real captures, values checked with tshark 4.0', () => {
  // Each expectation was read from
  //   tshark -n -o ip.defragment:FALSE -r <file> -T fields -E occurrence=f -e vlan.id -e ip.src -e ip.dst
  //     -e ip.proto -e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport -e tcp.flags -e tcp.hdr_len
  //     -e tcp.len -e ip.len -e tcp.seq_raw -e tcp.window_size_value
  test('encap/zeek_http-qinq-0.pcap #1: two 0x8100 tags with VLAN id 0, TCP SYN', () => {
    const p = decodeCapture('encap/zeek_http-qinq-0.pcap')[0];
    expect([p?.src, p?.dst, p?.meta['vlanId'], p?.meta['protocol'], p?.meta['srcPort'], p?.meta['dstPort']]).toEqual([
      '141.142.228.5',
      '192.150.187.43',
      0,
      6,
      59856,
      80,
    ]);
    expect([p?.meta['tcpFlags'], p?.meta['l4HeaderLen'], p?.meta['payloadLen'], p?.meta['ipTotalLen'], p?.meta['tcpSeq'], p?.meta['tcpWindow']]).toEqual([
      0x02, 44, 0, 64, 4263588410, 65535,
    ]);
  });

  test('encap/suri_pppoe-session-http.pcap #1 and #4: PPPoE session', () => {
    const ps = decodeCapture('encap/suri_pppoe-session-http.pcap');
    expect(ps.length).toBe(30);
    expect([ps[0]?.src, ps[0]?.dst, ps[0]?.meta['srcPort'], ps[0]?.meta['dstPort'], ps[0]?.meta['tcpFlags'], ps[0]?.meta['tcpSeq']]).toEqual([
      '10.100.0.0',
      '142.250.179.131',
      57013,
      80,
      0x02,
      3569186388,
    ]);
    expect([ps[3]?.meta['tcpFlags'], ps[3]?.meta['payloadLen'], ps[3]?.meta['ipTotalLen']]).toEqual([0x18, 77, 129]);
  });

  test('linktype/pcpp_sll2-lt276.pcap: all three packets', () => {
    const ps = decodeCapture('linktype/pcpp_sll2-lt276.pcap');
    expect(ps.map((p) => [p.linkType, p.src, p.dst, p.meta['srcPort'], p.meta['dstPort'], p.meta['tcpFlags'], p.meta['payloadLen']])).toEqual([
      [276, '116.63.66.108', '7.249.151.114', 443, 57292, 0x18, 31],
      [276, '116.63.66.108', '7.249.151.114', 443, 57292, 0x11, 0],
      [276, '116.63.66.108', '7.249.151.114', 443, 57292, 0x11, 0],
    ]);
  });

  test('encap/libpcap_ipv6_ext_headers.pcap: 100 extension headers, then UDP 12345 -> 54321', () => {
    // tshark: 2001:db8::1 -> 2001:db8::2, udp.srcport 12345, udp.dstport 54321, payload length 818.
    const [p] = decodeCapture('encap/libpcap_ipv6_ext_headers.pcap');
    expect([p?.meta['skip'], p?.src, p?.dst, p?.meta['protocol'], p?.meta['srcPort'], p?.meta['dstPort']]).toEqual([
      SKIP.NONE,
      '2001:db8::1',
      '2001:db8::2',
      17,
      12345,
      54321,
    ]);
    // 818 = 100 x 8 extension bytes + 8 UDP + 10 payload ("TestPacket").
    expect([p?.meta['ipHeaderLen'], p?.meta['payloadLen']]).toEqual([840, 10]);
  });

  test('encap/pcpp_ip4_fragments.pcap #1 (first fragment, UDP 789 -> 2049) and #2 (offset 185)', () => {
    const ps = decodeCapture('encap/pcpp_ip4_fragments.pcap');
    expect([ps[0]?.meta['isFragment'], ps[0]?.meta['isLaterFragment'], ps[0]?.meta['srcPort'], ps[0]?.meta['dstPort']]).toEqual([true, false, 789, 2049]);
    expect([ps[1]?.meta['isLaterFragment'], ps[1]?.meta['hasPorts'], ps[1]?.meta['protocol'], ps[1]?.meta['payloadLen']]).toEqual([true, false, 17, 1480]);
    expect([ps[1]?.src, ps[1]?.dst]).toEqual(['10.118.213.212', '10.118.213.211']);
  });

  test('flows/zeek_tcp-truncated-header.pcap #1: snaplen 68 cuts the TCP options; the flags are there', () => {
    const ps = decodeCapture('flows/zeek_tcp-truncated-header.pcap');
    // tshark: caplen 68, tcp.hdr_len 40 (only 34 captured), flags 0x00c2 (SYN ECE CWR), window 5840, ip.len 60.
    expect([ps[0]?.meta['skip'], ps[0]?.meta['truncated'], ps[0]?.meta['tcpFlags'], ps[0]?.meta['tcpWindow'], ps[0]?.meta['l4HeaderLen']]).toEqual([
      SKIP.NONE,
      true,
      0xc2,
      5840,
      40,
    ]);
    expect([ps[0]?.meta['payloadLen'], ps[0]?.meta['capturedPayloadLen'], ps[0]?.meta['srcPort'], ps[0]?.meta['dstPort']]).toEqual([0, 0, 60827, 25]);
    // 68 - 14 (Ethernet) - 20 (IPv4) = 34 of the 40 TCP header bytes were captured.
    expect(ps[0]?.meta['capturedL4HeaderLen']).toBe(34);
    // #2: caplen 58 holds the whole 24-byte header.
    expect([ps[1]?.meta['truncated'], ps[1]?.meta['tcpFlags'], ps[1]?.meta['l4HeaderLen']]).toEqual([false, 0x12, 24]);
  });

  test('encap/suri_decode-too-many-layers.pcap: nested MPLS + pseudowire layers are too_many_layers', () => {
    // tshark -V shows MPLS label 16 (S=1), a PW Ethernet control word and an Ethernet header, repeated.
    expect(decodeCapture('encap/suri_decode-too-many-layers.pcap').map((p) => p.meta['skip'])).toEqual([SKIP.TOO_MANY_LAYERS]);
  });
});

/** Captures compared packet by packet with tshark (outermost IP, protocol, ports, ICMP type, TCP flags). */
const TSHARK_CAPTURES = [
  'encap/zeek_http-qinq-0.pcap',
  'encap/zeek_vlan-qinqinq.pcap',
  'encap/tcpdump_802.1ad_QinQ.pcap',
  'encap/pcpp_VlanPackets.pcap',
  'encap/zeek_mpls-in-vlan.pcap',
  'encap/zeek_mixed-vlan-mpls.pcap',
  'encap/pcpp_MplsPackets.pcap',
  'encap/suri_pppoe-session-http.pcap',
  'encap/zeek_pppoe.pcap',
  'encap/zeek_pppoe-over-qinq.pcap',
  'encap/zeek_pbb.pcap',
  'encap/libpcap_ipv6_ext_headers.pcap',
  'encap/suri_ipv6-hdr-keyword-02.pcap',
  'encap/pcpp_ipv6_options.pcap',
  'encap/zeek_ip6_esp.pcap',
  'encap/pcpp_ip4_fragments.pcap',
  'encap/pcpp_ip6_fragments.pcap',
  'encap/zeek_ipv6-fragmented-dns.pcap',
  'encap/cid_sctp.pcap',
  'encap/tcpdump_forces1.pcap',
  'encap/cid_icmp.pcap',
  'encap/cid_icmp6.pcap',
  'encap/zeek_icmp6-destunreach-ip6ext.pcap',
  'encap/zeek_gre-sample.pcap',
  'encap/zeek_4in6.pcap',
  'encap/zeek_6in4.pcap',
  'encap/zeek_Teredo.pcap',
  'encap/zeek_vxlan-encapsulated-http.pcap',
  'encap/libpcap_ah-ipip-ping.pcap',
  'encap/pcpp_IPv4-encapsulated-IPv6.pcap',
  'linktype/pcpp_raw_ip-lt101.pcap',
  'linktype/tcpdump_LINKTYPE_RAW_ipv6.pcap',
  'linktype/pcpp_four_ipv6_http_streams-lt12.pcap',
  'linktype/pcpp_linktype_ipv4-lt228.pcap',
  'linktype/pcpp_linktype_ipv6-lt229.pcap',
  'linktype/pcpp_sll-lt113.pcap',
  'linktype/zeek_linux_dlt_sll2-lt276.pcap',
  'linktype/pcpp_sll2-lt276.pcap',
  'linktype/gopacket_test_loopback-lt0.pcap',
  'linktype/pcpp_null_loopback-lt0.pcap',
  'linktype/tcpdump_icmpv6-RFC2894-RR-lt0-af28.pcap',
  'linktype/zeek_quic-interop-retry-lt9-ppp.pcap',
  'linktype/suri_frag-ppp-ip-tcp-syn-lt9.pcap',
  'linktype/pcpp_CiscoHDLC-lt104.pcap',
  'flows/zeek_tcp-truncated-header.pcap',
];

const FIELDS = [
  'frame.protocols', 'ip.src', 'ip.dst', 'ip.proto', 'ipv6.src', 'ipv6.dst',
  'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'sctp.srcport', 'sctp.dstport',
  'icmp.type', 'icmpv6.type', 'tcp.flags',
];
const PROTO_BY_LAYER: Record<string, number> = { tcp: 6, udp: 17, sctp: 132, icmpv6: 58, esp: 50 };

(HAVE_SHARED && HAVE_TSHARK ? describe : describe.skip)('real captures against tshark, packet by packet', () => {
  test.each(TSHARK_CAPTURES)('%s', async (rel) => {
    const ours = decodeCapture(rel);
    const rows = await tsharkFields(path.join(TESTDATA_DIR, rel), FIELDS, ['-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE']);
    expect(rows.length).toBe(ours.length);
    const problems: string[] = [];
    ours.forEach((p, i) => {
      // The helper asks for every occurrence; the first is the outermost layer's.
      const row = (rows[i] ?? []).map((v, k) => (k === 0 ? v : (v.split(',')[0] ?? '')));
      const [protocols = '', ipSrc, ipDst, ipProto, v6Src, v6Dst, tcpSp, tcpDp, udpSp, udpDp, sctpSp, sctpDp, icmpType, icmp6Type, tcpFlags] = row;
      const layers = protocols.split(':');
      const v4At = layers.indexOf('ip');
      const v6At = layers.indexOf('ipv6');
      const tsharkVersion = v4At < 0 && v6At < 0 ? 0 : v6At < 0 || (v4At >= 0 && v4At < v6At) ? 4 : 6;
      const m = p.meta;
      const skip = SKIP_REASONS[m['skip'] as number];
      const got: unknown[] = [m['ipVersion']];
      const want: unknown[] = [tsharkVersion];
      if (tsharkVersion !== 0 && m['ipVersion'] !== 0) {
        got.push(p.src, p.dst);
        want.push(...(tsharkVersion === 4 ? [ipSrc, ipDst] : [v6Src, v6Dst]));
        if (tsharkVersion === 4) {
          got.push(m['protocol']);
          want.push(Number(ipProto));
        } else {
          // The layer after the IPv6 header and its extension headers, when tshark decoded it.
          let at = v6At + 1;
          while ((layers[at] ?? '').startsWith('ipv6.') || layers[at] === 'ah') at++;
          const proto = PROTO_BY_LAYER[layers[at] ?? ''];
          if (proto !== undefined) {
            got.push(m['protocol']);
            want.push(proto);
          }
        }
        const ports: Record<number, [string | undefined, string | undefined]> = { 6: [tcpSp, tcpDp], 17: [udpSp, udpDp], 132: [sctpSp, sctpDp] };
        const pair = ports[m['protocol'] as number];
        if (pair !== undefined && skip !== 'truncated_transport') {
          got.push(m['hasPorts'] ? [m['srcPort'], m['dstPort']] : []);
          want.push(pair[0] === '' ? [] : [Number(pair[0]), Number(pair[1])]);
        }
        if (m['protocol'] === 6 && m['hasPorts'] === true && tcpFlags !== '') {
          got.push(m['tcpFlags']);
          want.push(Number(tcpFlags));
        }
        const icmp = m['protocol'] === 1 ? icmpType : m['protocol'] === 58 ? icmp6Type : undefined;
        if (icmp !== undefined && icmp !== '') {
          got.push(m['icmpType']);
          want.push(Number(icmp));
        }
      }
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        problems.push(`#${i + 1} ${skip} ${protocols}: pcapflow ${JSON.stringify(got)} tshark ${JSON.stringify(want)}`);
      }
    });
    expect(problems).toEqual([]);
  });
});

describe('CICFlowMeter-4.0 decoder rules (cicflowmeter option)', () => {
  const CIC = { decap: false, cicflowmeter: true };
  const decodeWith = (bytes: Uint8Array, opts: { decap: boolean; cicflowmeter: boolean }): PacketMeta => {
    const m = createPacketMeta();
    decodePacket(bytes, 1, m, opts);
    return m;
  };
  const lengths = (m: PacketMeta): number[] => [m.protocol, m.l4HeaderLen, m.payloadLen, m.capturedPayloadLen];
  const tcp4 = { ip: { version: 4 as const, src: '10.0.0.1', dst: '10.0.0.2' }, l4: { proto: 'tcp' as const, srcPort: 40000, dstPort: 80, flags: 0x18 }, payload: 4 };

  test('rule 1: behind VLAN tags the trailer is payload; behind an untagged Ethernet header it is not', () => {
    const untagged = buildFrame({ ...tcp4, trailer: 6 }).bytes;
    expect(lengths(decodeWith(untagged, CIC))).toEqual([6, 20, 4, 4]);
    for (const encap of [[{ kind: 'vlan' as const, vid: 5 }], [{ kind: 'vlan' as const, vid: 5, tpid: 0x88a8 }, { kind: 'vlan' as const, vid: 6 }]]) {
      const tagged = buildFrame({ ...tcp4, link: { kind: 'ethernet', encap }, trailer: 6 }).bytes;
      expect(lengths(decodeWith(tagged, CIC))).toEqual([6, 20, 10, 10]);
      // The default decoding never counts trailer bytes.
      expect(lengths(decodeWith(tagged, DECODE_DEFAULTS))).toEqual([6, 20, 4, 4]);
    }
    // UDP behind a tag: every byte after the 8-byte header.
    const udp = buildFrame({ link: { kind: 'ethernet', encap: [{ kind: 'vlan', vid: 5 }] }, ip: tcp4.ip, l4: { proto: 'udp', srcPort: 1, dstPort: 2 }, payload: 0, trailer: 2 }).bytes;
    expect(lengths(decodeWith(udp, CIC))).toEqual([17, 8, 2, 2]);
  });

  /** An ICMPv4 error from 10.0.0.2 to 10.0.0.1 quoting the first `quoted` bytes of `original`'s IP datagram. */
  const icmpError = (type: number, code: number, original: FrameSpec, quoted: number, link?: FrameSpec['link'], trailer = 0): Uint8Array =>
    buildFrame({
      ...(link !== undefined ? { link } : {}),
      ip: { version: 4, src: '10.0.0.2', dst: '10.0.0.1' },
      l4: { proto: 'icmp', type, code },
      payload: buildIpPacket(original).bytes.subarray(0, quoted),
      trailer,
    }).bytes;
  const udpOriginal: FrameSpec = { ip: { version: 4, src: '10.0.0.1', dst: '10.0.0.2' }, l4: { proto: 'udp', srcPort: 17000, dstPort: 5060 }, payload: 30 };
  const finOriginal: FrameSpec = { ip: { version: 4, src: '10.0.0.1', dst: '10.0.0.2' }, l4: { proto: 'tcp', srcPort: 41102, dstPort: 8000, flags: 0x11, window: 1024, seq: 5, ack: 6 }, payload: 0 };
  const quotedView = (m: PacketMeta): unknown[] => [
    formatAddress(m.srcAddr, 4), formatAddress(m.dstAddr, 4), m.protocol, m.hasPorts, m.srcPort, m.dstPort, m.tcpFlags, m.tcpWindow, m.l4HeaderLen, m.payloadLen,
  ];

  test('rule 2: ICMP 3 and 12 quoting a UDP header or a 20-byte TCP header read as that packet between the outer addresses', () => {
    // 20-byte IP header + the UDP header only.
    expect(quotedView(decodeWith(icmpError(3, 3, udpOriginal, 28), CIC))).toEqual(['10.0.0.2', '10.0.0.1', 17, true, 17000, 5060, 0, 0, 8, 0]);
    // The whole datagram quoted: its 30 payload bytes are the packet's payload.
    expect(quotedView(decodeWith(icmpError(3, 3, udpOriginal, 58), CIC))).toEqual(['10.0.0.2', '10.0.0.1', 17, true, 17000, 5060, 0, 0, 8, 30]);
    expect(quotedView(decodeWith(icmpError(12, 0, udpOriginal, 28), CIC))[2]).toBe(17);
    // A quoted FIN/ACK: flags and window are the quoted ones.
    expect(quotedView(decodeWith(icmpError(3, 13, finOriginal, 40), CIC))).toEqual(['10.0.0.2', '10.0.0.1', 6, true, 41102, 8000, 0x11, 1024, 20, 0]);
    // Behind a VLAN tag the trailer after the quoted header is payload (rule 1).
    const tagged = icmpError(3, 3, udpOriginal, 28, { kind: 'ethernet', encap: [{ kind: 'vlan', vid: 3 }] }, 6);
    expect(quotedView(decodeWith(tagged, CIC))[9]).toBe(6);
    expect(quotedView(decodeWith(icmpError(3, 3, udpOriginal, 28, undefined, 4), CIC))[9]).toBe(0);
  });

  test('rule 2 does not apply to other ICMP types, to 8 quoted TCP bytes, or without the option', () => {
    const stays = (m: PacketMeta): unknown[] => [m.protocol, m.hasPorts, m.icmpType];
    expect(stays(decodeWith(icmpError(11, 0, udpOriginal, 28), CIC))).toEqual([1, false, 11]);
    expect(stays(decodeWith(icmpError(4, 0, udpOriginal, 28), CIC))).toEqual([1, false, 4]);
    expect(stays(decodeWith(icmpError(5, 1, udpOriginal, 28), CIC))).toEqual([1, false, 5]);
    expect(stays(decodeWith(icmpError(3, 1, finOriginal, 28), CIC))).toEqual([1, false, 3]);
    expect(stays(decodeWith(icmpError(3, 3, udpOriginal, 28), DECODE_DEFAULTS))).toEqual([1, false, 3]);
    // Quoting an ICMP echo request: not a transport header.
    const echo: FrameSpec = { ip: { version: 4, src: '10.0.0.1', dst: '10.0.0.2' }, l4: { proto: 'icmp', type: 8, code: 0 }, payload: 8 };
    expect(stays(decodeWith(icmpError(3, 1, echo, 36), CIC))).toEqual([1, false, 3]);
  });
});
