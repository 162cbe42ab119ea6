// Writes pcapflow's hostile sample captures to samples/hostile/ (deterministic: the same bytes every run), one
// capture per hostile value a crafted or corrupted file can carry: 4 GB captured lengths, snaplen 0, pcapng
// interface ids that do not exist, timestamps going backwards, zero-length packets, IPv4 IHL < 5, looping or
// overlong IPv6 extension chains, TCP data offset < 5. test/e2e/hostile.test.ts pins the outcome of each.
// Usage: npm run build:test && node build/scripts/make-hostile-samples.js   (also writes samples/hostile/README.md)
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFrame, type FrameSpec, type Ipv6ExtSpec } from '../test/helpers/frame-builder.js';
import { buildPcap, PcapngBuilder, type PcapFrame } from '../test/helpers/pcap-builder.js';
import { TCP_FLAG as F } from '../src/types.js';

/** 2023-11-14 22:13:20 UTC, the samples' epoch (as in make-samples.ts). */
export const T0 = 1_700_000_000;

/** One hostile capture: its file name, what it holds, and its bytes. */
export interface HostileSample {
  name: string;
  what: string;
  bytes: Uint8Array;
}

/** Ethernet's minimum frame: pad short frames with zeros (padding is not payload). */
function pad60(b: Uint8Array): Uint8Array {
  if (b.length >= 60) return b;
  const out = new Uint8Array(60);
  out.set(b);
  return out;
}

/**
 * A TCP packet 10.0.0.1:40000 <-> 10.0.0.2:80 (fwd = client to server) as a 60-byte Ethernet frame:
 * 14 (Ethernet) + 20 (IPv4) + 20 (TCP) = 54 bytes, padded to 60. Every good packet of the samples has exactly
 * this size, so record offsets can be computed by hand (pcap: 24 + 76 k; pcapng EPB: 92 bytes each).
 */
export function tcpFrame(fwd: boolean, flags: number, seq = 0, ack = 0): Uint8Array {
  const spec: FrameSpec = {
    ip: fwd ? { version: 4, src: '10.0.0.1', dst: '10.0.0.2' } : { version: 4, src: '10.0.0.2', dst: '10.0.0.1' },
    l4: { proto: 'tcp', srcPort: fwd ? 40000 : 80, dstPort: fwd ? 80 : 40000, flags, seq, ack, window: 64240 },
  };
  return pad60(buildFrame(spec).bytes);
}

/** The 7 packets of a complete TCP conversation without data: handshake, FIN, FIN, last ACK (RST-free). */
function conversation(): Uint8Array[] {
  return [
    tcpFrame(true, F.SYN, 1000, 0),
    tcpFrame(false, F.SYN | F.ACK, 5000, 1001),
    tcpFrame(true, F.ACK, 1001, 5001),
    tcpFrame(true, F.FIN | F.ACK, 1001, 5001),
    tcpFrame(false, F.ACK, 5001, 1002),
    tcpFrame(false, F.FIN | F.ACK, 5001, 1002),
    tcpFrame(true, F.ACK, 1002, 5002),
  ];
}

/** Records 1 ms apart from T0. */
function timed(frames: Uint8Array[]): PcapFrame[] {
  return frames.map((data, i) => ({ data, tsSec: T0, tsFrac: i * 1000 }));
}

/** An IPv6 UDP packet (2001:db8::1:5353 -> 2001:db8::2:53) with the given extension chain, in Ethernet. */
function ipv6Frame(extensions: Ipv6ExtSpec[], over: { payloadLength?: number } = {}): Uint8Array {
  return pad60(
    buildFrame({
      ip: { version: 6, src: '2001:db8::1', dst: '2001:db8::2', extensions, ...over },
      l4: { proto: 'udp', srcPort: 5353, dstPort: 53 },
      payload: 8,
    }).bytes,
  );
}

/** Every hostile sample, in a fixed order. */
export function hostileSamples(): HostileSample[] {
  const conv = conversation();
  const out: HostileSample[] = [];

  // 1. A captured length of almost 4 GB (0xFFFFFFF0) in the third record header: it is above tcpdump's maximum
  //    of 262144, so the reader stops there (E_PCAP_CAPLEN_TOO_LARGE) after keeping the two packets before it.
  out.push({
    name: 'caplen-4gb.pcap',
    what: 'two packets, then a record header whose caplen is 0xFFFFFFF0 (about 4 GB), then 60 more bytes',
    bytes: buildPcap(timed([conv[0]!, conv[1]!, conv[2]!]).map((f, i) => (i === 2 ? { ...f, capLenField: 0xfffffff0 } : f))).bytes,
  });

  // 2. The same in pcapng: an EPB whose Captured Packet Length is 0xFFFFFFFF inside a 92-byte block.
  const ng4 = new PcapngBuilder().section().interface();
  ng4.epb({ ts: BigInt(T0) * 1_000_000n, data: conv[0]! }).epb({ ts: BigInt(T0) * 1_000_000n + 1000n, data: conv[1]! });
  ng4.epb({ ts: BigInt(T0) * 1_000_000n + 2000n, data: conv[2]!, capLenField: 0xffffffff });
  out.push({
    name: 'caplen-4gb.pcapng',
    what: 'SHB, IDB, two EPBs, then an EPB whose captured length is 0xFFFFFFFF in a 92-byte block',
    bytes: ng4.bytes(),
  });

  // 3. Snapshot length 0 in the pcap file header (informational only: every record is read).
  out.push({
    name: 'snaplen-0.pcap',
    what: 'a complete TCP conversation (7 packets) under a file header whose snaplen is 0',
    bytes: buildPcap(timed(conv), { snaplen: 0 }).bytes,
  });

  // 4. Snapshot length 0 in a pcapng IDB (§4.2: 0 means no limit), with EPBs and one SPB (whose captured length
  //    then comes from the block size alone).
  const ng0 = new PcapngBuilder().section().interface({ snaplen: 0 });
  conv.slice(0, 6).forEach((data, i) => ng0.epb({ ts: BigInt(T0) * 1_000_000n + BigInt(i * 1000), data }));
  ng0.spb({ data: conv[6]! });
  out.push({
    name: 'snaplen-0.pcapng',
    what: 'IDB with snaplen 0; the conversation as 6 EPBs and a final SPB',
    bytes: ng0.bytes(),
  });

  // 5. pcapng packet blocks naming interfaces the section never defined.
  const ngIf = new PcapngBuilder().section().interface();
  ngIf.epb({ interfaceId: 0, ts: BigInt(T0) * 1_000_000n, data: conv[0]! });
  ngIf.epb({ interfaceId: 0, ts: BigInt(T0) * 1_000_000n + 1000n, data: conv[1]! });
  ngIf.epb({ interfaceId: 7, ts: BigInt(T0) * 1_000_000n + 2000n, data: conv[2]! });
  out.push({
    name: 'unknown-interface.pcapng',
    what: 'one IDB (interface 0), two EPBs on interface 0, then an EPB on interface 7',
    bytes: ngIf.bytes(),
  });
  const ngSpb = new PcapngBuilder().section().spb({ data: conv[0]! });
  out.push({
    name: 'spb-without-interface.pcapng',
    what: 'a Simple Packet Block in a section that has no IDB (an SPB belongs to interface 0)',
    bytes: ngSpb.bytes(),
  });
  const ngPb = new PcapngBuilder().section().interface().pb({ interfaceId: 0xffff, ts: 0n, data: conv[0]! });
  out.push({
    name: 'unknown-interface-pb.pcapng',
    what: 'an obsolete Packet Block whose 16-bit interface id is 65535 (one IDB defined)',
    bytes: ngPb.bytes(),
  });

  // 6. Timestamps going backwards: the conversation's packets at T0+10 s, then +5, +0, +9, a day back (-86400),
  //    +8, +7. The capture clock only moves forward (it stays at T0+10 s) and a flow is split only when the clock
  //    passes its first packet + 120 s, so the seven packets stay one flow, ended by its FINs.
  const back = [10, 5, 0, 9, -86400, 8, 7].map((s, i) => ({ data: conv[i]!, tsSec: T0 + s, tsFrac: 0 }));
  out.push({
    name: 'time-backwards.pcap',
    what: 'the 7-packet conversation with timestamps T0+10, +5, +0, +9, -86400, +8, +7 s (never increasing after the first)',
    bytes: buildPcap(back).bytes,
  });

  // 7. Zero-length packets: caplen 0 with origLen 0 and with origLen 60, between the conversation's packets.
  const zeros: PcapFrame[] = [];
  conv.forEach((data, i) => {
    zeros.push({ data, tsSec: T0, tsFrac: i * 1000 });
    if (i < 3) zeros.push({ data: new Uint8Array(0), tsSec: T0, tsFrac: i * 1000 + 500, origLen: i === 1 ? 60 : 0 });
  });
  out.push({
    name: 'zero-length.pcap',
    what: 'the conversation with three zero-length records (caplen 0; origLen 0, 60, 0) after its first three packets',
    bytes: buildPcap(zeros).bytes,
  });
  const ngZ = new PcapngBuilder().section().interface();
  conv.forEach((data, i) => {
    ngZ.epb({ ts: BigInt(T0) * 1_000_000n + BigInt(i * 1000), data });
    if (i === 0) ngZ.epb({ ts: BigInt(T0) * 1_000_000n + 500n, data: new Uint8Array(0) });
  });
  ngZ.spb({ data: new Uint8Array(0) });
  out.push({
    name: 'zero-length.pcapng',
    what: 'the conversation as EPBs with one zero-length EPB after the first, and a zero-length SPB at the end',
    bytes: ngZ.bytes(),
  });

  // 8. IPv4 IHL 0..4 (RFC 791 §3.1: the minimum value for a correct header is 5), then the good conversation.
  const ihl: Uint8Array[] = [0, 1, 2, 3, 4].map((v) =>
    pad60(buildFrame({ ip: { version: 4, src: '10.0.0.3', dst: '10.0.0.4', ihl: v }, l4: { proto: 'udp', srcPort: 1, dstPort: 2 } }).bytes),
  );
  out.push({
    name: 'ipv4-ihl-below-5.pcap',
    what: 'five IPv4/UDP packets with IHL 0, 1, 2, 3, 4, then the 7-packet conversation',
    bytes: buildPcap(timed([...ihl, ...conv])).bytes,
  });

  // 9. IPv6 extension chains that "loop": 200 Destination Options headers each naming another one (beyond
  //    pcapflow's limit of 128 headers), and 200 Hop-by-Hop headers (RFC 8200 §4.3 allows it only first).
  const loopDst: Ipv6ExtSpec[] = Array.from({ length: 200 }, () => ({ type: 60 as const }));
  const loopHbh: Ipv6ExtSpec[] = Array.from({ length: 200 }, () => ({ type: 0 as const }));
  out.push({
    name: 'ipv6-ext-loop.pcap',
    what: 'an IPv6 packet with 200 chained Destination Options headers, one with 200 Hop-by-Hop headers, then a normal IPv6 UDP packet',
    bytes: buildPcap(timed([ipv6Frame(loopDst), ipv6Frame(loopHbh), ipv6Frame([])])).bytes,
  });

  // 10. IPv6 extension headers that run past the packet: Hdr Ext Len 255 ((255 + 1) x 8 = 2048 bytes) in a
  //     96-byte datagram; and a chain whose last header ends 8 bytes beyond the Payload Length.
  out.push({
    name: 'ipv6-ext-past-end.pcap',
    what: 'IPv6 with a Destination Options header of Hdr Ext Len 255 in a short packet; a Hop-by-Hop + Routing chain 8 bytes longer than Payload Length; then a normal IPv6 UDP packet',
    bytes: buildPcap(
      timed([ipv6Frame([{ type: 60, hdrExtLen: 255 }]), ipv6Frame([{ type: 0 }, { type: 43, length: 16 }], { payloadLength: 16 }), ipv6Frame([])]),
    ).bytes,
  });

  // 11. TCP data offset 0..4 (RFC 9293 §3.1: at least 5 words).
  const doff: Uint8Array[] = [0, 1, 2, 3, 4].map((v) =>
    pad60(buildFrame({ ip: { version: 4, src: '10.0.0.5', dst: '10.0.0.6' }, l4: { proto: 'tcp', srcPort: 1234, dstPort: 80, flags: F.SYN, dataOffset: v } }).bytes),
  );
  out.push({
    name: 'tcp-data-offset-below-5.pcap',
    what: 'five TCP SYNs with data offset 0, 1, 2, 3, 4, then the 7-packet conversation',
    bytes: buildPcap(timed([...doff, ...conv])).bytes,
  });
  return out;
}

function readme(samples: HostileSample[]): string {
  const rows = samples.map((s) => `| \`${s.name}\` | ${s.what} |`).join('\n');
  return (
    '# pcapflow hostile samples\n\n' +
    'Captures that carry one hostile value each, made by `scripts/make-hostile-samples.ts` (deterministic; rebuild\n' +
    'with `npm run build:test && node build/scripts/make-hostile-samples.js`). `test/e2e/hostile.test.ts` runs\n' +
    '`pcapflow` on each and pins the exit status, the damage line (error code, record number, byte offset) and the\n' +
    '`--stats` counters (skip reasons). Good packets are 60-byte Ethernet frames, so offsets are easy to check by hand.\n\n' +
    '| file | what it holds |\n|---|---|\n' +
    rows +
    '\n'
  );
}

function main(): void {
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'samples', 'hostile');
  mkdirSync(dir, { recursive: true });
  const samples = hostileSamples();
  for (const s of samples) writeFileSync(path.join(dir, s.name), s.bytes);
  writeFileSync(path.join(dir, 'README.md'), readme(samples));
  process.stderr.write(`make-hostile-samples: ${samples.length} captures -> ${dir}\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
