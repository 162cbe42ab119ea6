// FlowEncoder: its messages read back by the decoder give the flows it was given (times to the µs with IPFIX's
// NTP fields, to the ms with v9/v5), messages fit the MTU, templates come first and again by count and by time,
// sequence numbers follow RFC 7011 (data records), RFC 3954 (packets) and v5 (flows). Header fields are read with
// Buffer methods at the specs' offsets, not with the decoder.
import { describe, expect, it } from '@jest/globals';
import { formatAddress, parseAddress } from '../../../src/decode/address.js';
import { NetflowDecoder } from '../../../src/netflow/decoder.js';
import { FlowEncoder, type EncodedMessage, type ExportFlow, type ExportProtocol } from '../../../src/netflow/encoder.js';
import { STAT_COLUMNS } from '../../../src/netflow/pcapflow-ies.js';
import type { NetflowRecord } from '../../../src/netflow/record.js';

function flow(i: number, v6 = false): ExportFlow {
  const stats = new Float64Array(STAT_COLUMNS.length).map((_, k) => (k % 5 === 0 ? NaN : k * 0.25 + i));
  return {
    ipVersion: v6 ? 6 : 4,
    srcAddr: parseAddress(v6 ? `2001:db8::${i + 1}` : `10.0.${i >> 8}.${i & 255}`)!,
    dstAddr: parseAddress(v6 ? '2001:db8::ffff' : '192.0.2.1')!,
    srcPort: 40000 + i, dstPort: 443, protocol: 6,
    startUs: 1_700_000_000_123_456 + i * 1000, endUs: 1_700_000_002_654_321 + i * 1000,
    fwdPackets: 10 + i, bwdPackets: 5 + i, fwdOctets: 1000 + i, bwdOctets: 5000 + i, fwdTcpFlags: 0x1b, bwdTcpFlags: 0x12,
    icmpType: -1, icmpCode: -1, endReason: 3, stats,
  };
}

function encodeAll(protocol: ExportProtocol, flows: ExportFlow[], opts: { mtu?: number; refresh?: number; refreshMs?: number; times?: number[] } = {}): EncodedMessage[] {
  const enc = new FlowEncoder({ protocol, mtu: opts.mtu ?? 1500, templateRefreshMessages: opts.refresh ?? 64, templateRefreshMs: opts.refreshMs ?? 10_000 });
  const out: EncodedMessage[] = [];
  flows.forEach((f, i) => out.push(...enc.add(f, opts.times?.[i] ?? 1_000_000)));
  out.push(...enc.flush(1_000_000));
  return out;
}

function decodeAll(msgs: EncodedMessage[]): NetflowRecord[] {
  const recs: NetflowRecord[] = [];
  const dec = new NetflowDecoder((r) => recs.push(r.clone()));
  for (const m of msgs) dec.decode(m.bytes, 'e');
  expect(dec.counters.malformed).toEqual({});
  expect(dec.counters.sequenceGaps).toBe(0);
  expect(dec.counters.pendingSets).toBe(0);
  return recs;
}

describe('IPFIX', () => {
  const flows = [...Array.from({ length: 20 }, (_, i) => flow(i)), flow(99, true)];
  const msgs = encodeAll('ipfix', flows);

  it('templates first; every message within the MTU (1500 - 20 - 8 bytes); header length = message length', () => {
    expect(msgs[0]!.records).toBe(0);
    expect(msgs[0]!.bytes.readUInt16BE(16)).toBe(2); // a template set
    for (const m of msgs) {
      expect(m.bytes.length).toBeLessThanOrEqual(1472);
      expect(m.bytes.readUInt16BE(0)).toBe(10);
      expect(m.bytes.readUInt16BE(2)).toBe(m.bytes.length);
    }
  });

  it('sequence number = data records sent before the message (RFC 7011 §3.1)', () => {
    let sent = 0;
    for (const m of msgs) {
      expect(m.bytes.readUInt32BE(8)).toBe(sent);
      sent += m.records;
    }
    expect(sent).toBe(flows.length);
  });

  it('decodes back to the same flows: biflow counters, µs times, flags, end reason, statistics (NaN kept)', () => {
    const recs = decodeAll(msgs);
    expect(recs).toHaveLength(flows.length);
    recs.forEach((r, i) => {
      const f = flows[i]!;
      expect(formatAddress(r.srcAddr, r.ipVersion)).toBe(formatAddress(f.srcAddr, f.ipVersion));
      expect(formatAddress(r.dstAddr, r.ipVersion)).toBe(formatAddress(f.dstAddr, f.ipVersion));
      expect([r.srcPort, r.dstPort, r.protocol, r.startUs, r.endUs]).toEqual([f.srcPort, f.dstPort, f.protocol, f.startUs, f.endUs]);
      expect([r.fwdPackets, r.bwdPackets, r.fwdOctets, r.bwdOctets, r.fwdTcpFlags, r.bwdTcpFlags, r.endReason, r.biflowDirection]).toEqual([f.fwdPackets, f.bwdPackets, f.fwdOctets, f.bwdOctets, 0x1b, 0x12, 3, 1]);
      expect(Array.from(r.stats)).toEqual(Array.from(f.stats));
      expect(r.statsPresent.every((x) => x === 1)).toBe(true);
    });
  });

  it('templates again after N messages and after T ms', () => {
    const byCount = encodeAll('ipfix', Array.from({ length: 12 }, (_, i) => flow(i)), { refresh: 3 });
    const kinds = byCount.map((m) => (m.records === 0 ? 'T' : 'D')).join('');
    expect(kinds).toMatch(/^T+(DDDT+)+D{0,3}$/);
    const times = Array.from({ length: 6 }, (_, i) => 1_000_000 + i * 4000);
    const byTime = encodeAll('ipfix', Array.from({ length: 6 }, (_, i) => flow(i)), { refresh: 1000, refreshMs: 10_000, times });
    // Flows at 0, 4, 8 s share the first templates; the flow at 12 s (>= 10 s later) brings them again.
    expect(byTime.filter((m) => m.records === 0).length).toBeGreaterThanOrEqual(2 * 1);
    const firstRepeat = byTime.findIndex((m, i) => i > 0 && m.records === 0 && byTime[i - 1]!.records > 0);
    expect(firstRepeat).toBeGreaterThan(0);
    expect(decodeAll(byTime)).toHaveLength(6);
  });

  it('an MTU too small for one record and its templates is refused', () => {
    expect(() => new FlowEncoder({ protocol: 'ipfix', mtu: 576 })).toThrow(RangeError);
  });
});

describe('NetFlow v9', () => {
  const flows = [...Array.from({ length: 40 }, (_, i) => flow(i)), flow(7, true)];
  const msgs = encodeAll('netflow9', flows);
  it('sequence counts packets; header count counts records; flowsets padded to 4 bytes', () => {
    msgs.forEach((m, i) => {
      expect(m.bytes.readUInt16BE(0)).toBe(9);
      expect(m.bytes.readUInt32BE(12)).toBe(i);
      let at = 20;
      while (at < m.bytes.length) {
        const len = m.bytes.readUInt16BE(at + 2);
        expect(len % 4).toBe(0);
        at += len;
      }
      expect(at).toBe(m.bytes.length);
    });
  });
  it('decodes back with IN/OUT counters as both directions and ms times', () => {
    const recs = decodeAll(msgs);
    expect(recs).toHaveLength(flows.length);
    recs.forEach((r, i) => {
      const f = flows[i]!;
      expect([r.fwdPackets, r.bwdPackets, r.fwdOctets, r.bwdOctets, r.hasReverse]).toEqual([f.fwdPackets, f.bwdPackets, f.fwdOctets, f.bwdOctets, true]);
      expect([r.startUs, r.endUs]).toEqual([Math.floor(f.startUs / 1000) * 1000, Math.floor(f.endUs / 1000) * 1000]);
    });
  });
});

describe('NetFlow v5', () => {
  it('two records per IPv4 flow (one without reverse packets), IPv6 skipped and counted, sequence counts flows', () => {
    const flows = [flow(1), { ...flow(2), bwdPackets: 0, bwdOctets: 0 }, flow(3, true), ...Array.from({ length: 30 }, (_, i) => flow(10 + i))];
    const enc = new FlowEncoder({ protocol: 'netflow5' });
    const msgs: EncodedMessage[] = [];
    for (const f of flows) msgs.push(...enc.add(f, 0));
    msgs.push(...enc.flush(0));
    expect(enc.counters.flowsSkipped).toBe(1);
    let before = 0;
    for (const m of msgs) {
      expect(m.bytes.readUInt16BE(2)).toBeLessThanOrEqual(30);
      expect(m.bytes.length).toBe(24 + 48 * m.bytes.readUInt16BE(2));
      expect(m.bytes.readUInt32BE(16)).toBe(before);
      before += m.records;
    }
    const recs = decodeAll(msgs);
    expect(recs).toHaveLength(2 + 1 + 60);
    expect(formatAddress(recs[1]!.srcAddr, 4)).toBe('192.0.2.1');
    expect([recs[1]!.srcPort, recs[1]!.dstPort, recs[1]!.fwdPackets, recs[1]!.fwdTcpFlags]).toEqual([443, 40001, flows[0]!.bwdPackets, 0x12]);
    expect(recs[0]!.startUs).toBe(Math.floor(flows[0]!.startUs / 1000) * 1000);
    expect(recs[0]!.endUs).toBe(Math.floor(flows[0]!.endUs / 1000) * 1000);
  });
});
