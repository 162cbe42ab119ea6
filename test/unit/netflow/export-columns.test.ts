// EXPORT_COLUMNS + parseExportRow: what `pcapflow export` reads from the flow engine. IP bytes per direction are
// the sums of the frames' IP lengths (as the frame builder computed them, IPv4 options and IPv6 extension headers
// included), TCP flags are ORed per direction, a terminated connection ends as endOfFlowDetected, an open one as
// forcedEnd, and a statistic group the profile skipped (printed 0) travels as NaN.
import { describe, expect, it } from '@jest/globals';
import { formatAddress } from '../../../src/decode/address.js';
import { decodePacket } from '../../../src/decode/decoder.js';
import { DEFAULT_ENGINE_OPTIONS, FlowEngine, type FlowRow } from '../../../src/flow/flow-engine.js';
import { EXPORT_COLUMNS, parseExportRow } from '../../../src/netflow/export-columns.js';
import { STAT_SLOT } from '../../../src/netflow/pcapflow-ies.js';
import { createPacketMeta, TCP_FLAG as F } from '../../../src/types.js';
import { buildFrame, type FrameSpec } from '../../helpers/frame-builder.js';

function run(frames: { spec: FrameSpec; tsUs: number }[]): { rows: FlowRow[]; ipLens: number[] } {
  const rows: FlowRow[] = [];
  const engine = new FlowEngine({ ...DEFAULT_ENGINE_OPTIONS, columns: EXPORT_COLUMNS }, (r) => rows.push(r));
  const meta = createPacketMeta();
  const ipLens: number[] = [];
  frames.forEach(({ spec, tsUs }, i) => {
    const f = buildFrame(spec);
    ipLens.push(f.ipTotalLen);
    decodePacket(f.bytes, f.linkType, meta);
    engine.addPacket(i, tsUs, meta);
  });
  engine.finish();
  return { rows, ipLens };
}

const c2s = (flags: number, payload: number, options?: number[]): FrameSpec => ({ ip: { version: 4, src: '10.0.0.1', dst: '10.0.0.2', ...(options ? { options } : {}) }, l4: { proto: 'tcp', srcPort: 40000, dstPort: 80, flags }, payload });
const s2c = (flags: number, payload: number): FrameSpec => ({ ip: { version: 4, src: '10.0.0.2', dst: '10.0.0.1' }, l4: { proto: 'tcp', srcPort: 80, dstPort: 40000, flags }, payload });

describe('export columns', () => {
  it('a terminated TCP connection: IP bytes and flags per direction, µs times, endOfFlowDetected', () => {
    const T = 1_700_000_000_000_000;
    const { rows, ipLens } = run([
      { spec: c2s(F.SYN, 0, [1, 1, 1, 1]), tsUs: T },
      { spec: s2c(F.SYN | F.ACK, 0), tsUs: T + 100 },
      { spec: c2s(F.ACK | F.PSH, 100), tsUs: T + 200 },
      { spec: s2c(F.ACK | F.PSH, 1000), tsUs: T + 300 },
      { spec: c2s(F.FIN | F.ACK, 0), tsUs: T + 400 },
      { spec: s2c(F.FIN | F.ACK, 0), tsUs: T + 500 },
      { spec: c2s(F.ACK, 0), tsUs: T + 600 },
    ]);
    expect(rows).toHaveLength(1);
    const f = parseExportRow(rows[0]!.line, rows[0]!.endIndex === Number.MAX_SAFE_INTEGER);
    expect([formatAddress(f.srcAddr, 4), f.srcPort, formatAddress(f.dstAddr, 4), f.dstPort, f.protocol]).toEqual(['10.0.0.1', 40000, '10.0.0.2', 80, 6]);
    expect([f.startUs, f.endUs]).toEqual([T, T + 600]);
    expect([f.fwdPackets, f.bwdPackets]).toEqual([4, 3]);
    expect(f.fwdOctets).toBe(ipLens[0]! + ipLens[2]! + ipLens[4]! + ipLens[6]!);
    expect(f.bwdOctets).toBe(ipLens[1]! + ipLens[3]! + ipLens[5]!);
    expect(ipLens[0]).toBe(20 + 4 + 20); // the options count
    expect(f.fwdTcpFlags).toBe(F.SYN | F.ACK | F.PSH | F.FIN);
    expect(f.bwdTcpFlags).toBe(F.SYN | F.ACK | F.PSH | F.FIN);
    expect(f.endReason).toBe(3);
    expect(f.icmpType).toBe(-1);
    expect(f.stats[STAT_SLOT.get('Total Length of Fwd Packet')!]).toBe(100);
    expect(f.stats[STAT_SLOT.get('Bwd Packet Length Max')!]).toBe(1000);
  });

  it('a one-packet flow still open at the end: forcedEnd, skipped statistic groups as NaN', () => {
    const { rows } = run([{ spec: { ip: { version: 6, src: '2001:db8::1', dst: '2001:db8::2', extensions: [{ type: 0, length: 8 }] } as FrameSpec['ip'], l4: { proto: 'udp', srcPort: 5353, dstPort: 53 }, payload: 30 }, tsUs: 5 }]);
    const f = parseExportRow(rows[0]!.line, rows[0]!.endIndex === Number.MAX_SAFE_INTEGER);
    expect(f.ipVersion).toBe(6);
    expect(f.fwdOctets).toBe(40 + 8 + 8 + 30);
    expect([f.bwdPackets, f.bwdOctets, f.endReason]).toEqual([0, 0, 4]);
    expect(Number.isNaN(f.stats[STAT_SLOT.get('Bwd Packet Length Max')!]!)).toBe(true);
    expect(Number.isNaN(f.stats[STAT_SLOT.get('Fwd IAT Mean')!]!)).toBe(true);
    expect(f.stats[STAT_SLOT.get('Flow Bytes/s')!]).toBe(-1);
  });
});
