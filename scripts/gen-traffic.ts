// Writes large deterministic synthetic captures for pcapflow's benchmark and flood tests: a realistic mix of TCP
// connections (handshake, data both ways, FIN or RST teardown), DNS-like UDP, ICMP echo, some IPv6 and 802.1Q
// VLAN frames; or a SYN scan of many distinct flows; or one long flow. Streams to disk in 4 MiB pieces.
// Usage: node build/scripts/gen-traffic.js <mix|scan|live|elephant> <packets> <out.pcap>
import { createWriteStream } from 'node:fs';

/** Small fast deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SNAPLEN = 262144;

/** Buffered classic-pcap (µs, little-endian, Ethernet) writer. */
export class PcapWriter {
  private buf = Buffer.alloc(4 << 20);
  private pos = 0;
  packets = 0;
  private readonly out: NodeJS.WritableStream;
  private readonly waits: Promise<void>[] = [];

  constructor(out: NodeJS.WritableStream) {
    this.out = out;
    const h = this.buf;
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeInt32LE(0, 8);
    h.writeUInt32LE(0, 12);
    h.writeUInt32LE(SNAPLEN, 16);
    h.writeUInt32LE(1, 20);
    this.pos = 24;
  }

  /** Reserve a record of `capLen` bytes at time `tsUs`; returns the offset of its data in `buffer`. */
  async record(tsUs: number, capLen: number, origLen = capLen): Promise<number> {
    if (this.pos + 16 + capLen > this.buf.length) await this.flush();
    const b = this.buf;
    const sec = Math.floor(tsUs / 1e6);
    b.writeUInt32LE(sec >>> 0, this.pos);
    b.writeUInt32LE(tsUs - sec * 1e6, this.pos + 4);
    b.writeUInt32LE(capLen, this.pos + 8);
    b.writeUInt32LE(origLen, this.pos + 12);
    const at = this.pos + 16;
    b.fill(0, at, at + capLen);
    this.pos = at + capLen;
    this.packets++;
    return at;
  }

  get buffer(): Buffer {
    return this.buf;
  }

  async flush(): Promise<void> {
    const chunk = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    if (!this.out.write(chunk)) await new Promise<void>((r) => this.out.once('drain', () => r()));
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((r) => this.out.end(() => r()));
  }
}

export interface Endpoints {
  v6: boolean;
  vlan: number; // -1 none
  a: Uint8Array; // 4 or 16 bytes
  b: Uint8Array;
}

/** Write an Ethernet (+VLAN) + IPv4/IPv6 + transport frame; `fwd` false swaps the endpoints. Returns frame length. */
export async function writeFrame(
  w: PcapWriter,
  tsUs: number,
  ep: Endpoints,
  fwd: boolean,
  proto: number,
  sport: number,
  dport: number,
  payload: number,
  tcp?: { flags: number; seq: number; ack: number; win: number },
): Promise<void> {
  const l4 = proto === 6 ? 20 : 8;
  const ipLen = (ep.v6 ? 40 : 20) + l4 + payload;
  const l2 = ep.vlan >= 0 ? 18 : 14;
  const frame = Math.max(l2 + ipLen, 60);
  const at = await w.record(tsUs, frame);
  const b = w.buffer;
  let o = at;
  b[o + 0] = 0x02; b[o + 5] = fwd ? 1 : 2; b[o + 6] = 0x02; b[o + 11] = fwd ? 2 : 1;
  o += 12;
  if (ep.vlan >= 0) {
    b.writeUInt16BE(0x8100, o);
    b.writeUInt16BE(ep.vlan, o + 2);
    o += 4;
  }
  b.writeUInt16BE(ep.v6 ? 0x86dd : 0x0800, o);
  o += 2;
  const src = fwd ? ep.a : ep.b;
  const dst = fwd ? ep.b : ep.a;
  if (ep.v6) {
    b[o] = 0x60;
    b.writeUInt16BE(l4 + payload, o + 4);
    b[o + 6] = proto === 1 ? 58 : proto;
    b[o + 7] = 64;
    b.set(src, o + 8);
    b.set(dst, o + 24);
    o += 40;
  } else {
    b[o] = 0x45;
    b.writeUInt16BE(ipLen, o + 2);
    b[o + 8] = 64;
    b[o + 9] = proto;
    b.set(src, o + 12);
    b.set(dst, o + 16);
    o += 20;
  }
  if (proto === 6 && tcp) {
    b.writeUInt16BE(fwd ? sport : dport, o);
    b.writeUInt16BE(fwd ? dport : sport, o + 2);
    b.writeUInt32BE(tcp.seq >>> 0, o + 4);
    b.writeUInt32BE(tcp.ack >>> 0, o + 8);
    b[o + 12] = 0x50;
    b[o + 13] = tcp.flags;
    b.writeUInt16BE(tcp.win, o + 14);
  } else if (proto === 17) {
    b.writeUInt16BE(fwd ? sport : dport, o);
    b.writeUInt16BE(fwd ? dport : sport, o + 2);
    b.writeUInt16BE(8 + payload, o + 4);
  } else if (proto === 1) {
    b[o] = ep.v6 ? (fwd ? 128 : 129) : fwd ? 8 : 0;
    b.writeUInt16BE(sport, o + 4);
    b.writeUInt16BE(dport, o + 6);
  }
}

function addr(rand: () => number, v6: boolean, net: number): Uint8Array {
  if (!v6) return Uint8Array.of(10, net & 0xff, Math.floor(rand() * 256), 1 + Math.floor(rand() * 254));
  const a = new Uint8Array(16);
  a[0] = 0x20; a[1] = 0x01; a[2] = 0x0d; a[3] = 0xb8; a[5] = net & 0xff;
  for (let i = 8; i < 16; i++) a[i] = Math.floor(rand() * 256);
  return a;
}

interface Conn {
  ep: Endpoints;
  kind: 'tcp' | 'udp' | 'icmp';
  sport: number;
  dport: number;
  step: number;
  steps: number;
  seqA: number;
  seqB: number;
  rst: boolean;
}

const F = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 };

/** The realistic mix: `concurrency` live connections; each finishes after a random number of packets and is
 *  replaced, so flows end steadily. Time advances ~`gapUs` per packet. */
export async function writeMix(w: PcapWriter, packets: number, seed = 1, concurrency = 2000, gapUs = 20): Promise<void> {
  const rand = prng(seed);
  let ts = 1_700_000_000_000_000;
  let port = 1024;
  const newConn = (): Conn => {
    const r = rand();
    const v6 = rand() < 0.1;
    const ep: Endpoints = { v6, vlan: rand() < 0.1 ? 100 + Math.floor(rand() * 8) : -1, a: addr(rand, v6, 1), b: addr(rand, v6, 2) };
    port = port >= 65000 ? 1024 : port + 1;
    if (r < 0.8) {
      return { ep, kind: 'tcp', sport: port, dport: rand() < 0.7 ? 443 : 80, step: 0, steps: 6 + Math.floor(rand() * 40), seqA: Math.floor(rand() * 2 ** 32), seqB: Math.floor(rand() * 2 ** 32), rst: rand() < 0.1 };
    }
    if (r < 0.95) return { ep, kind: 'udp', sport: port, dport: 53, step: 0, steps: 2 + 2 * Math.floor(rand() * 3), seqA: 0, seqB: 0, rst: false };
    return { ep, kind: 'icmp', sport: Math.floor(rand() * 65536), dport: 1, step: 0, steps: 2 * (1 + Math.floor(rand() * 4)), seqA: 0, seqB: 0, rst: false };
  };
  const live: Conn[] = Array.from({ length: concurrency }, newConn);
  for (let n = 0; n < packets; n++) {
    ts += Math.floor(rand() * 2 * gapUs);
    const i = Math.floor(rand() * live.length);
    const c = live[i]!;
    const s = c.step++;
    if (c.kind === 'tcp') {
      const last = c.steps - 1;
      let fwd = true;
      let flags = F.ACK;
      let payload = 0;
      if (s === 0) flags = F.SYN;
      else if (s === 1) { fwd = false; flags = F.SYN | F.ACK; }
      else if (s === 2) flags = F.ACK;
      else if (c.rst && s === last) flags = F.RST | F.ACK;
      else if (c.rst) { fwd = rand() < 0.4; payload = fwd ? Math.floor(rand() * 600) : Math.floor(rand() * 1400); }
      else if (s === last - 3) flags = F.FIN | F.ACK;
      else if (s === last - 2) { fwd = false; flags = F.ACK; }
      else if (s === last - 1) { fwd = false; flags = F.FIN | F.ACK; }
      else if (s === last) flags = F.ACK;
      else { fwd = rand() < 0.4; flags = F.ACK | (rand() < 0.3 ? F.PSH : 0); payload = fwd ? Math.floor(rand() * 600) : Math.floor(rand() * 1400); }
      const seq = fwd ? c.seqA : c.seqB;
      await writeFrame(w, ts, c.ep, fwd, 6, c.sport, c.dport, payload, { flags, seq, ack: fwd ? c.seqB : c.seqA, win: fwd ? 64240 : 65160 });
      if (fwd) c.seqA = (c.seqA + payload + (flags & (F.SYN | F.FIN) ? 1 : 0)) >>> 0;
      else c.seqB = (c.seqB + payload + (flags & (F.SYN | F.FIN) ? 1 : 0)) >>> 0;
      if (s === last) live[i] = newConn();
    } else if (c.kind === 'udp') {
      const fwd = s % 2 === 0;
      await writeFrame(w, ts, c.ep, fwd, 17, c.sport, c.dport, fwd ? 30 + Math.floor(rand() * 30) : 80 + Math.floor(rand() * 300));
      if (s === c.steps - 1) live[i] = newConn();
    } else {
      const fwd = s % 2 === 0;
      await writeFrame(w, ts, c.ep, fwd, 1, c.sport, s >> 1, 56);
      if (s === c.steps - 1) live[i] = newConn();
    }
  }
}

/** A SYN scan: every packet a new flow (distinct source port/address), `packets` flows in all. */
export async function writeScan(w: PcapWriter, packets: number, seed = 2): Promise<void> {
  const rand = prng(seed);
  let ts = 1_700_000_000_000_000;
  const ep: Endpoints = { v6: false, vlan: -1, a: new Uint8Array(4), b: Uint8Array.of(192, 168, 0, 1) };
  for (let n = 0; n < packets; n++) {
    ts += 1 + Math.floor(rand() * 10);
    ep.a = Uint8Array.of(10, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
    await writeFrame(w, ts, ep, true, 6, 40000 + (n % 20000), 1 + (Math.floor(n / 16_000_000) % 1024), 0, { flags: F.SYN, seq: n, ack: 0, win: 1024 });
  }
}

/**
 * A SYN scan answered by resets: `probes` flows of two packets each (a SYN to a closed port, the target's RST+ACK
 * 2 µs later), every probe its own tuple. Rows dominate: each row stands for two packets.
 */
export async function writeAnsweredScan(w: PcapWriter, probes: number, seed = 3): Promise<void> {
  const rand = prng(seed);
  let ts = 1_700_000_000_000_000;
  const ep: Endpoints = { v6: false, vlan: -1, a: Uint8Array.of(192, 168, 0, 1), b: new Uint8Array(4) };
  for (let n = 0; n < probes; n++) {
    ts += 3 + Math.floor(rand() * 10); // after the previous probe's reset
    ep.b = Uint8Array.of(10, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
    const sport = 40000 + (n % 20000);
    const dport = 1 + (n % 1024);
    await writeFrame(w, ts, ep, true, 6, sport, dport, 0, { flags: F.SYN, seq: n, ack: 0, win: 1024 });
    await writeFrame(w, ts + 2, ep, false, 6, sport, dport, 0, { flags: F.RST | F.ACK, seq: 0, ack: n + 1, win: 0 });
  }
}

/** `packets / 2` flows, all live at the end (two packets each, within one second). */
export async function writeLive(w: PcapWriter, packets: number): Promise<void> {
  let ts = 1_700_000_000_000_000;
  const flows = Math.floor(packets / 2);
  const ep: Endpoints = { v6: false, vlan: -1, a: new Uint8Array(4), b: Uint8Array.of(192, 168, 0, 1) };
  for (let round = 0; round < 2; round++) {
    for (let n = 0; n < flows; n++) {
      ts += 1;
      ep.a = Uint8Array.of(10, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
      await writeFrame(w, ts, ep, round === 0, 17, 5000 + (n & 0x3ff), 53, 40);
    }
  }
}

/** One TCP flow of `packets` packets (an elephant), data both ways. */
export async function writeElephant(w: PcapWriter, packets: number): Promise<void> {
  let ts = 1_700_000_000_000_000;
  const ep: Endpoints = { v6: false, vlan: -1, a: Uint8Array.of(10, 0, 0, 1), b: Uint8Array.of(10, 0, 0, 2) };
  let seqA = 1;
  let seqB = 1;
  for (let n = 0; n < packets; n++) {
    ts += 10;
    const fwd = n % 3 !== 0;
    const payload = fwd ? 1400 : 0;
    await writeFrame(w, ts, ep, fwd, 6, 50000, 443, payload, { flags: n === 0 ? F.SYN : F.ACK, seq: fwd ? seqA : seqB, ack: fwd ? seqB : seqA, win: 65535 });
    if (fwd) seqA = (seqA + payload) >>> 0;
    else seqB = (seqB + payload) >>> 0;
  }
}

async function main(): Promise<void> {
  const [kind, countText, out] = process.argv.slice(2);
  if (!kind || !countText || !out) {
    process.stderr.write('usage: gen-traffic <mix|scan|live|elephant> <packets> <out.pcap>\n');
    process.exit(1);
  }
  const w = new PcapWriter(createWriteStream(out));
  const count = Number(countText);
  if (kind === 'mix') await writeMix(w, count);
  else if (kind === 'scan') await writeScan(w, count);
  else if (kind === 'live') await writeLive(w, count);
  else if (kind === 'elephant') await writeElephant(w, count);
  else throw new Error(`unknown kind ${kind}`);
  await w.close();
  process.stderr.write(`gen-traffic: ${w.packets} packets -> ${out}\n`);
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  void main();
}
