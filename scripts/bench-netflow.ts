// The collector figures of `npm run bench`: (1) records/s decoded, on one core, from a recording of a large export
// (>= 1 M flow records as IPFIX biflows, NetFlow v9 and v5, written as a pcap of UDP datagrams in .bench/), read
// the way `collect --read` reads it, and from memory (the codec alone); (2) records/s a `collect --listen` process
// receives over loopback with none lost, at paced rates, the loss read from its own counters.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CaptureParser } from '../src/capture/capture-parser.js';
import { decodePacket } from '../src/decode/decoder.js';
import { netflowDatagramOf } from '../src/netflow/datagram.js';
import { NetflowDecoder } from '../src/netflow/decoder.js';
import { FlowEncoder, type ExportFlow, type ExportProtocol } from '../src/netflow/encoder.js';
import { STAT_COLUMNS } from '../src/netflow/pcapflow-ies.js';
import { createPacketMeta } from '../src/types.js';
import { datagramsToPcap } from '../test/helpers/netflow-peers.js';
import { prng } from './gen-traffic.js';

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** `n` synthetic flows (10% IPv6, TCP/UDP/ICMP) encoded as `protocol` messages; deterministic. */
function recordExport(n: number, protocol: ExportProtocol, stats: boolean): Buffer[] {
  const rand = prng(12345);
  const enc = new FlowEncoder({ protocol, stats, templateRefreshMessages: 1000, templateRefreshMs: Number.POSITIVE_INFINITY });
  const out: Buffer[] = [];
  const v4s = new Uint8Array(4);
  const v4d = new Uint8Array(4);
  const v6s = new Uint8Array(16);
  const v6d = new Uint8Array(16);
  const st = new Float64Array(STAT_COLUMNS.length).map((_, i) => i * 1.5);
  let flows = 0;
  for (let i = 0; flows < n; i++) {
    const v6 = protocol !== 'netflow5' && rand() < 0.1;
    const src = v6 ? v6s : v4s;
    const dst = v6 ? v6d : v4d;
    for (let k = 0; k < src.length; k++) {
      src[k] = Math.floor(rand() * 256);
      dst[k] = Math.floor(rand() * 256);
    }
    const r = rand();
    const protocolNo = r < 0.7 ? 6 : r < 0.95 ? 17 : v6 ? 58 : 1;
    const startUs = 1_700_000_000_000_000 + i * 1000;
    const f: ExportFlow = {
      ipVersion: v6 ? 6 : 4, srcAddr: src, dstAddr: dst, srcPort: Math.floor(rand() * 65536), dstPort: [80, 443, 53, 22][i % 4]!,
      protocol: protocolNo, startUs, endUs: startUs + Math.floor(rand() * 5e6), fwdPackets: 1 + Math.floor(rand() * 50),
      bwdPackets: Math.floor(rand() * 50), fwdOctets: 40 + Math.floor(rand() * 60000), bwdOctets: Math.floor(rand() * 60000),
      fwdTcpFlags: 0x1b, bwdTcpFlags: 0x12, icmpType: protocolNo === 1 || protocolNo === 58 ? 8 : -1, icmpCode: 0, endReason: 3, stats: st,
    };
    for (const m of enc.add(f, 1_700_000_000_000)) out.push(m.bytes);
    flows += protocol === 'netflow5' && f.bwdPackets > 0 ? 2 : 1;
  }
  for (const m of enc.flush(1_700_000_000_000)) out.push(m.bytes);
  return out;
}

/** Decode a recording pcap the way `collect --read` does; records/s. */
function decodeRecording(file: string): { records: number; seconds: number } {
  const t0 = process.hrtime.bigint();
  let records = 0;
  const dec = new NetflowDecoder(() => records++);
  const parser = new CaptureParser({ fileName: file });
  parser.push(readFileSync(file));
  const meta = createPacketMeta();
  for (let p = parser.next(); p !== null; p = parser.next()) {
    decodePacket(p.data, p.linkType, meta);
    const d = netflowDatagramOf(p.data, meta, null);
    if (d !== null) dec.decode(d.payload, d.exporter, 0);
  }
  parser.end();
  return { records, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** The codec alone over datagrams in memory. */
function decodeMemory(datagrams: Buffer[]): { records: number; seconds: number } {
  let records = 0;
  const dec = new NetflowDecoder(() => records++);
  const t0 = process.hrtime.bigint();
  for (const d of datagrams) dec.decode(d, '192.0.2.1:2055', 0);
  return { records, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** Send `datagrams` to a `collect --listen` child at `recordsPerS`; returns its flow record count and gaps. */
async function loopback(cli: string, datagrams: Buffer[], recordsPerDatagram: number, recordsPerS: number): Promise<{ sent: number; received: number; gaps: number; seconds: number }> {
  const child = spawn(process.execPath, [cli, 'collect', '--listen', 'udp://127.0.0.1:0', '-o', '/dev/null'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on udp:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
  });
  const sock = dgram.createSocket('udp4');
  const perS = recordsPerS / recordsPerDatagram;
  const t0 = performance.now();
  for (let i = 0; i < datagrams.length; i++) {
    const due = t0 + (i * 1000) / perS;
    const now = performance.now();
    if (due > now + 2) await new Promise((r) => setTimeout(r, due - now));
    await new Promise<void>((resolve) => sock.send(datagrams[i]!, port, '127.0.0.1', () => resolve()));
  }
  const seconds = (performance.now() - t0) / 1000;
  sock.close();
  child.kill('SIGTERM');
  await exited;
  const m = /(\d+) flow records.*sequence gaps (\d+) \((\d+) missing\)/.exec(stderr);
  return { sent: datagrams.length, received: m ? Number(m[1]) : 0, gaps: m ? Number(m[3]) : -1, seconds };
}

/** Print the collector lines of the bench. */
export async function benchCollector(benchDir: string, cli: string, records: number): Promise<void> {
  console.log(`collector: recordings of ${fmt(records)} flow records each (synthetic flows, 10% IPv6)`);
  for (const [protocol, stats] of [['ipfix', false], ['netflow9', false], ['netflow5', false], ['ipfix', true]] as const) {
    const name = `${protocol}${stats ? '-stats' : ''}`;
    const datagrams = recordExport(records, protocol, stats);
    const file = path.join(benchDir, `export-${name}-${records}.pcap`);
    if (!existsSync(file)) writeFileSync(file, datagramsToPcap(datagrams, 40000, 2055, 1_700_000_000));
    const a = [decodeRecording(file), decodeRecording(file)].sort((x, y) => x.seconds - y.seconds)[0]!;
    const b = [decodeMemory(datagrams), decodeMemory(datagrams)].sort((x, y) => x.seconds - y.seconds)[0]!;
    console.log(
      `decode ${name.padEnd(12)} ${fmt(a.records)} records from ${fmt(datagrams.length)} datagrams: ${fmt(a.records / a.seconds)} records/s from the pcap, ` +
        `${fmt(b.records / b.seconds)} records/s codec alone`,
    );
  }
  // Loopback: IPFIX biflows (standard IEs), 100 k records per run, rising rates until records are lost.
  const datagrams = recordExport(100_000, 'ipfix', false).filter((d) => d.readUInt16BE(16) !== 2);
  const perDatagram = 100_000 / datagrams.length;
  const templates = recordExport(1, 'ipfix', false).filter((d) => d.readUInt16BE(16) === 2);
  for (const rate of [50_000, 100_000, 200_000, 400_000]) {
    const r = await loopback(cli, [...templates, ...datagrams], perDatagram, rate);
    const lost = 100_000 - r.received;
    // Lost = sent - decoded. The collector's own gap count misses losses at the tail (no later datagram shows them).
    console.log(`loopback collect     paced at ${fmt(rate)} records/s: ${fmt(r.received)} of 100,000 received in ${fmt(r.seconds, 2)} s (${fmt(r.received / r.seconds)} records/s), ${fmt(lost)} lost (${r.gaps} seen as sequence gaps)`);
    if (lost > 0) break;
  }
}
