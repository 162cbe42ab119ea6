// Regenerates pcapflow's committed sample captures in samples/ (deterministic: same bytes every run), so the
// project's own tests and the README's first command work for anyone who clones pcapflow alone.
// Usage: npm run samples   (writes samples/*.pcap, samples/*.pcapng)
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFrame, type FrameSpec, type L4Spec } from '../test/helpers/frame-builder.js';
import { buildPcap, PcapngBuilder, type PcapFrame } from '../test/helpers/pcap-builder.js';
import { TCP_FLAG as F } from '../src/types.js';

const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'samples');
const T0 = 1_700_000_000; // 2023-11-14 22:13:20 UTC

interface Pkt {
  /** Microseconds after T0 (or nanoseconds for the ns sample). */
  t: number;
  spec: FrameSpec;
}

function tcp(src: string, dst: string, sport: number, dport: number, flags: number, payload: number, extra: Partial<Extract<L4Spec, { proto: 'tcp' }>> = {}, v6 = false): FrameSpec {
  return {
    ip: v6 ? { version: 6, src, dst } : { version: 4, src, dst },
    l4: { proto: 'tcp', srcPort: sport, dstPort: dport, flags, window: 64240, ...extra },
    payload,
  };
}

/** A whole TCP conversation: handshake, data both ways, FIN from the client, FIN from the server, last ACK. */
function conversation(c: string, s: string, cport: number, sport: number, start: number, v6 = false): Pkt[] {
  const fwd = (flags: number, n: number, seq: number, ack: number) => tcp(c, s, cport, sport, flags, n, { seq, ack, window: 64240 }, v6);
  const bwd = (flags: number, n: number, seq: number, ack: number) => tcp(s, c, sport, cport, flags, n, { seq, ack, window: 65160 }, v6);
  return [
    { t: start, spec: fwd(F.SYN, 0, 1000, 0) },
    { t: start + 100, spec: bwd(F.SYN | F.ACK, 0, 5000, 1001) },
    { t: start + 200, spec: fwd(F.ACK, 0, 1001, 5001) },
    { t: start + 10_200, spec: fwd(F.PSH | F.ACK, 100, 1001, 5001) },
    { t: start + 10_300, spec: bwd(F.ACK, 0, 5001, 1101) },
    { t: start + 20_300, spec: bwd(F.PSH | F.ACK, 1000, 5001, 1101) },
    { t: start + 20_400, spec: fwd(F.ACK, 0, 1101, 6001) },
    { t: start + 20_500, spec: fwd(F.FIN | F.ACK, 0, 1101, 6001) },
    { t: start + 20_600, spec: bwd(F.FIN | F.ACK, 0, 6001, 1102) },
    { t: start + 20_700, spec: fwd(F.ACK, 0, 1102, 6002) },
  ];
}

function pcapFrames(pkts: Pkt[], nanosecond = false): PcapFrame[] {
  const unit = nanosecond ? 1e9 : 1e6;
  return pkts.map((p) => {
    const f = buildFrame(p.spec);
    const data = f.bytes.length < 60 && f.linkType === 1 ? padTo(f.bytes, 60) : f.bytes;
    return { data, tsSec: T0 + Math.floor(p.t / unit), tsFrac: p.t % unit };
  });
}

/** Ethernet's minimum frame: pad short frames with zeros (padding is not payload). */
function padTo(b: Uint8Array, n: number): Uint8Array {
  if (b.length >= n) return b;
  const out = new Uint8Array(n);
  out.set(b);
  return out;
}

function write(name: string, bytes: Uint8Array): void {
  writeFileSync(path.join(OUT, name), bytes);
  process.stderr.write(`make-samples: ${name} (${bytes.length} bytes)\n`);
}

function udp(src: string, dst: string, sport: number, dport: number, n: number): FrameSpec {
  return { ip: { version: 4, src, dst }, l4: { proto: 'udp', srcPort: sport, dstPort: dport }, payload: n };
}

function icmp(src: string, dst: string, type: number, code: number, id: number, seq: number): FrameSpec {
  return { ip: { version: 4, src, dst }, l4: { proto: 'icmp', type, code, rest: (id << 16) | seq }, payload: 56 };
}

mkdirSync(OUT, { recursive: true });

// tcp-handshake.pcap: one conversation closed by FIN/FIN/ACK and one reset by the server.
const rst: Pkt[] = [
  { t: 100_000, spec: tcp('10.0.0.1', '10.0.0.2', 40001, 443, F.SYN, 0, { seq: 7000 }) },
  { t: 100_100, spec: tcp('10.0.0.2', '10.0.0.1', 443, 40001, F.SYN | F.ACK, 0, { seq: 9000, ack: 7001, window: 65160 }) },
  { t: 100_200, spec: tcp('10.0.0.1', '10.0.0.2', 40001, 443, F.ACK, 0, { seq: 7001, ack: 9001 }) },
  { t: 100_400, spec: tcp('10.0.0.1', '10.0.0.2', 40001, 443, F.PSH | F.ACK, 200, { seq: 7001, ack: 9001 }) },
  { t: 100_500, spec: tcp('10.0.0.2', '10.0.0.1', 443, 40001, F.RST, 0, { seq: 9001, window: 0 }) },
];
const handshake = [...conversation('10.0.0.1', '10.0.0.2', 40000, 80, 0), ...rst].sort((a, b) => a.t - b.t);
write('tcp-handshake.pcap', buildPcap(pcapFrames(handshake)).bytes);

// icmp-echo.pcap: four echo request/reply pairs and a port-unreachable error (one-way for the Community ID).
const echo: Pkt[] = [];
for (let i = 0; i < 4; i++) {
  echo.push({ t: i * 1_000_000, spec: icmp('192.168.1.10', '8.8.8.8', 8, 0, 0x1234, i) });
  echo.push({ t: i * 1_000_000 + 15_000, spec: icmp('8.8.8.8', '192.168.1.10', 0, 0, 0x1234, i) });
}
echo.push({ t: 5_000_000, spec: icmp('192.168.1.1', '192.168.1.10', 3, 3, 0, 0) });
write('icmp-echo.pcap', buildPcap(pcapFrames(echo)).bytes);

// vlan.pcap: a TCP conversation under one 802.1Q tag and a UDP exchange under QinQ (802.1ad outer tag).
const vlanConv = conversation('172.16.0.5', '172.16.0.9', 51000, 8080, 0).map((p) => ({
  t: p.t,
  spec: { ...p.spec, link: { kind: 'ethernet' as const, encap: [{ kind: 'vlan' as const, vid: 100 }] } },
}));
const qinq: Pkt[] = [0, 1, 2, 3].map((i) => ({
  t: 50_000 + i * 2_000,
  spec: {
    ...udp(i % 2 ? '172.16.1.2' : '172.16.1.1', i % 2 ? '172.16.1.1' : '172.16.1.2', i % 2 ? 123 : 40123, i % 2 ? 40123 : 123, 48),
    link: { kind: 'ethernet' as const, encap: [{ kind: 'vlan' as const, vid: 200, tpid: 0x88a8 }, { kind: 'vlan' as const, vid: 300 }] },
  },
}));
write('vlan.pcap', buildPcap(pcapFrames([...vlanConv, ...qinq].sort((a, b) => a.t - b.t))).bytes);

// nanosecond.pcap: the conversation with nanosecond timestamps (t in ns), big-endian for good measure.
const nsConv = conversation('10.1.0.1', '10.1.0.2', 33000, 22, 0).map((p, i) => ({ t: p.t * 1000 + 123 + i, spec: p.spec }));
write('nanosecond.pcap', buildPcap(pcapFrames(nsConv, true), { nanosecond: true, littleEndian: false }).bytes);

// truncated-tail.pcap: the conversation, then a record whose data is cut off by the end of the file.
{
  const full = buildPcap(pcapFrames(conversation('10.2.0.1', '10.2.0.2', 45000, 80, 0)));
  const last = full.recordOffsets[full.recordOffsets.length - 1]!;
  write('truncated-tail.pcap', full.bytes.subarray(0, last + 16 + 20));
}

// dns-udp.pcapng: three DNS-like exchanges, one with a 7 s pause (active/idle periods), nanosecond if_tsresol.
{
  const b = new PcapngBuilder().section().interface({ linkType: 1, snaplen: 65535, tsresol: 9 });
  const q: [number, FrameSpec][] = [
    [0, udp('10.0.0.1', '10.0.0.3', 5353, 53, 30)],
    [1_000_000, udp('10.0.0.3', '10.0.0.1', 53, 5353, 80)],
    [100_000_000, udp('10.0.0.1', '10.0.0.3', 5353, 53, 32)],
    [101_000_000, udp('10.0.0.3', '10.0.0.1', 53, 5353, 82)],
    [7_100_000_000, udp('10.0.0.1', '10.0.0.3', 5353, 53, 31)],
    [7_101_000_000, udp('10.0.0.3', '10.0.0.1', 53, 5353, 81)],
    [200_000_000, udp('10.0.0.4', '1.1.1.1', 40000, 53, 40)],
    [212_000_000, udp('1.1.1.1', '10.0.0.4', 53, 40000, 120)],
  ];
  q.sort((x, y) => x[0] - y[0]);
  for (const [t, spec] of q) b.epb({ ts: BigInt(T0) * 1_000_000_000n + BigInt(t), data: padTo(buildFrame(spec).bytes, 60) });
  write('dns-udp.pcapng', b.bytes());
}

// ipv6-tcp.pcapng: an IPv6 TCP conversation (one packet with a hop-by-hop header) and an ICMPv6 echo.
{
  const b = new PcapngBuilder().section().interface({ linkType: 1, snaplen: 0 });
  const pkts = conversation('2001:db8::1', '2001:db8::2', 40000, 443, 0, true);
  pkts[3] = { t: pkts[3]!.t, spec: { ...pkts[3]!.spec, ip: { ...(pkts[3]!.spec.ip as { version: 6; src: string; dst: string }), extensions: [{ type: 0 }] } } };
  pkts.push({ t: 30_000, spec: { ip: { version: 6, src: 'fe80::1', dst: 'fe80::2' }, l4: { proto: 'icmpv6', type: 128, code: 0, rest: 1 }, payload: 32 } });
  pkts.push({ t: 30_500, spec: { ip: { version: 6, src: 'fe80::2', dst: 'fe80::1' }, l4: { proto: 'icmpv6', type: 129, code: 0, rest: 1 }, payload: 32 } });
  for (const p of pkts) b.epb({ ts: BigInt(T0) * 1_000_000n + BigInt(p.t), data: buildFrame(p.spec).bytes });
  write('ipv6-tcp.pcapng', b.bytes());
}

// big-endian.pcapng: a big-endian section with two interfaces (Ethernet, ns; raw IP, µs), EPBs and a Simple
// Packet Block, then a second, little-endian section.
{
  const b = new PcapngBuilder()
    .section({ littleEndian: false })
    .interface({ linkType: 1, snaplen: 0, tsresol: 9 })
    .interface({ linkType: 101, snaplen: 0 });
  const conv = conversation('10.3.0.1', '10.3.0.2', 50000, 80, 0);
  conv.forEach((p, i) => {
    const raw = i % 2 === 1;
    const spec = raw ? { ...p.spec, link: { kind: 'raw' as const } } : p.spec;
    const ts = raw ? BigInt(T0) * 1_000_000n + BigInt(p.t) : BigInt(T0) * 1_000_000_000n + BigInt(p.t) * 1000n;
    b.epb({ interfaceId: raw ? 1 : 0, ts, data: buildFrame(spec).bytes });
  });
  b.section({ littleEndian: true }).interface({ linkType: 1, snaplen: 0 });
  b.epb({ ts: BigInt(T0 + 1) * 1_000_000n, data: padTo(buildFrame(udp('10.3.0.9', '10.3.0.1', 9999, 514, 20)).bytes, 60) });
  b.spb({ data: padTo(buildFrame(udp('10.3.0.9', '10.3.0.1', 9999, 514, 24)).bytes, 60) });
  write('big-endian.pcapng', b.bytes());
}

// corrupt-block.pcapng: four good packets, then an EPB whose trailing length does not match its header.
{
  const b = new PcapngBuilder().section().interface({ linkType: 1, snaplen: 0 });
  const conv = conversation('10.4.0.1', '10.4.0.2', 41000, 80, 0);
  conv.slice(0, 4).forEach((p) => b.epb({ ts: BigInt(T0) * 1_000_000n + BigInt(p.t), data: buildFrame(p.spec).bytes }));
  const frame = buildFrame(conv[4]!.spec).bytes;
  const body = new Uint8Array(20 + frame.length + ((4 - (frame.length % 4)) % 4));
  const dv = new DataView(body.buffer);
  dv.setUint32(0, 0, true);
  dv.setUint32(4, 0x00060a2b, true);
  dv.setUint32(8, 0x10203040, true);
  dv.setUint32(12, frame.length, true);
  dv.setUint32(16, frame.length, true);
  body.set(frame, 20);
  b.block(6, body, { trailerField: 12 + body.length + 4 });
  conv.slice(5).forEach((p) => b.epb({ ts: BigInt(T0) * 1_000_000n + BigInt(p.t), data: buildFrame(p.spec).bytes }));
  write('corrupt-block.pcapng', b.bytes());
}
