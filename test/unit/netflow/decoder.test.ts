// NetflowDecoder on datagrams built byte by byte from the specs (test/helpers/netflow-builder.ts): v1/v5/v7 layouts
// and times, IPFIX/v9 templates scoped per (exporter, domain, id), withdrawal, options kept apart, variable-length
// and reduced-size fields, RFC 5103 reverse IEs, data held until its template (bounded), sequence tracking, and
// malformed input counted without a throw.
import { describe, expect, it } from '@jest/globals';
import { NetflowDecoder, type OptionsRecord } from '../../../src/netflow/decoder.js';
import { formatAddress } from '../../../src/decode/address.js';
import type { NetflowRecord } from '../../../src/netflow/record.js';
import { Bytes, ipfixMessage, ipfixOptionsTemplate, ipfixSet, ipfixTemplate, v1Packet, v5Packet, v7Packet, v9DataFlowset, v9Packet, v9TemplateFlowset, type TField } from '../../helpers/netflow-builder.js';

interface Seen {
  src: string; dst: string; srcPort: number; dstPort: number; protocol: number; startUs: number; endUs: number;
  fwdPackets: number; fwdOctets: number; bwdPackets: number; bwdOctets: number; exporter: string; domain: number;
  templateId: number; hasReverse: boolean; fwdTcpFlags: number; bwdTcpFlags: number;
}

function collector(opts = {}): { dec: NetflowDecoder; recs: Seen[]; options: OptionsRecord[] } {
  const recs: Seen[] = [];
  const options: OptionsRecord[] = [];
  const dec = new NetflowDecoder(
    (r: NetflowRecord) =>
      recs.push({
        src: formatAddress(r.srcAddr, r.ipVersion), dst: formatAddress(r.dstAddr, r.ipVersion), srcPort: r.srcPort, dstPort: r.dstPort,
        protocol: r.protocol, startUs: r.startUs, endUs: r.endUs, fwdPackets: r.fwdPackets, fwdOctets: r.fwdOctets,
        bwdPackets: r.bwdPackets, bwdOctets: r.bwdOctets, exporter: r.exporter, domain: r.domain, templateId: r.templateId,
        hasReverse: r.hasReverse, fwdTcpFlags: r.fwdTcpFlags, bwdTcpFlags: r.bwdTcpFlags,
      }),
    (o) => options.push(o),
    opts,
  );
  return { dec, recs, options };
}

const T0_S = 1_700_000_000;
const BASIC: TField[] = [
  { id: 8, len: 4 }, { id: 12, len: 4 }, { id: 7, len: 2 }, { id: 11, len: 2 }, { id: 4, len: 1 },
  { id: 152, len: 8 }, { id: 153, len: 8 }, { id: 2, len: 8 }, { id: 1, len: 8 },
];
function basicRecord(src: string, dst: string, sport: number, dport: number, startMs: number, endMs: number, pkts: number, octets: number): Buffer {
  return new Bytes().ip4(src).ip4(dst).u16(sport).u16(dport).u8(6).u64(startMs).u64(endMs).u64(pkts).u64(octets).done();
}

describe('NetFlow v1, v5, v7', () => {
  const recs = [
    { src: '10.0.0.1', dst: '10.0.0.2', packets: 10, octets: 1500, firstUptime: 1000, lastUptime: 4000, srcPort: 40000, dstPort: 80, proto: 6, tcpFlags: 0x1b },
    { src: '10.0.0.3', dst: '192.0.2.9', packets: 1, octets: 84, firstUptime: 9000, lastUptime: 9000, srcPort: 0, dstPort: 0x0800, proto: 1 },
  ];
  // export at unix 1700000000.250 with uptime 10000 ms: boot at 1699999990.250 s
  const exportMs = T0_S * 1000 + 250;
  for (const [name, pkt] of [
    ['v5', v5Packet({ uptimeMs: 10_000, unixS: T0_S, unixNs: 250_000_000, seq: 0, engineType: 1, engineId: 2 }, recs)],
    ['v1', v1Packet({ uptimeMs: 10_000, unixS: T0_S, unixNs: 250_000_000 }, recs)],
    ['v7', v7Packet({ uptimeMs: 10_000, unixS: T0_S, unixNs: 250_000_000, seq: 0 }, recs)],
  ] as const) {
    it(`${name}: fields at their offsets, first/last switched as export time minus (uptime - switched)`, () => {
      const { dec, recs: got } = collector();
      dec.decode(pkt, '192.0.2.1:2055');
      expect(got).toHaveLength(2);
      expect(got[0]).toMatchObject({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 40000, dstPort: 80, protocol: 6, fwdPackets: 10, fwdOctets: 1500, fwdTcpFlags: 0x1b, hasReverse: false });
      expect(got[0]!.startUs).toBe((exportMs - 9000) * 1000);
      expect(got[0]!.endUs).toBe((exportMs - 6000) * 1000);
      expect(got[1]).toMatchObject({ src: '10.0.0.3', protocol: 1, fwdPackets: 1, fwdOctets: 84 });
      if (name === 'v5') expect(got[0]!.domain).toBe(0x0102);
      expect(dec.counters.malformed).toEqual({});
    });
  }

  it('v5: an uptime that wrapped past 2^32 ms still gives a time before the export', () => {
    const { dec, recs: got } = collector();
    dec.decode(v5Packet({ uptimeMs: 500, unixS: T0_S, unixNs: 0, seq: 0 }, [{ ...recs[0]!, firstUptime: 2 ** 32 - 1500, lastUptime: 100 }]), 'e');
    expect(got[0]!.startUs).toBe((T0_S * 1000 - 2000) * 1000);
    expect(got[0]!.endUs).toBe((T0_S * 1000 - 400) * 1000);
  });

  it('v5: flow_sequence gaps are counted in flows, per exporter and engine', () => {
    const { dec } = collector();
    const one = [recs[0]!];
    dec.decode(v5Packet({ uptimeMs: 10_000, unixS: T0_S, unixNs: 0, seq: 100 }, [...one, ...one]), 'a');
    dec.decode(v5Packet({ uptimeMs: 10_000, unixS: T0_S, unixNs: 0, seq: 102 }, one), 'a'); // expected
    dec.decode(v5Packet({ uptimeMs: 10_000, unixS: T0_S, unixNs: 0, seq: 0 }, one), 'b'); // another exporter
    dec.decode(v5Packet({ uptimeMs: 10_000, unixS: T0_S, unixNs: 0, seq: 108 }, one), 'a'); // 5 flows missing
    expect(dec.counters.sequenceGaps).toBe(1);
    expect(dec.counters.sequenceLost).toBe(5);
  });

  it('a count that disagrees with the length, or is out of range, is counted and nothing is emitted', () => {
    const { dec, recs: got } = collector();
    const pkt = v5Packet({ uptimeMs: 1, unixS: T0_S, unixNs: 0, seq: 0 }, recs);
    dec.decode(pkt.subarray(0, pkt.length - 1), 'e');
    const bad = Buffer.from(pkt);
    bad.writeUInt16BE(31, 2);
    dec.decode(bad, 'e');
    expect(got).toHaveLength(0);
    expect(dec.counters.malformed).toEqual({ length_mismatch: 1, bad_count: 1 });
  });
});

describe('IPFIX templates and data', () => {
  it('decodes a record by its template: addresses, ports, protocol, ms times, counters', () => {
    const { dec, recs } = collector();
    dec.decode(
      ipfixMessage({ exportS: T0_S, seq: 0, domain: 7 }, ipfixSet(2, ipfixTemplate(256, BASIC)), ipfixSet(256, basicRecord('10.1.1.1', '10.2.2.2', 1234, 443, 1_700_000_000_123, 1_700_000_001_456, 5, 700))),
      '192.0.2.1:4739',
    );
    expect(recs).toEqual([
      expect.objectContaining({ src: '10.1.1.1', dst: '10.2.2.2', srcPort: 1234, dstPort: 443, protocol: 6, startUs: 1_700_000_000_123_000, endUs: 1_700_000_001_456_000, fwdPackets: 5, fwdOctets: 700, domain: 7, templateId: 256, exporter: '192.0.2.1:4739' }),
    ]);
  });

  it('templates are scoped per exporter and observation domain: the same id means different layouts', () => {
    const { dec, recs } = collector();
    const swapped: TField[] = [{ id: 12, len: 4 }, { id: 8, len: 4 }, ...BASIC.slice(2)];
    dec.decode(ipfixMessage({ exportS: T0_S, seq: 0, domain: 1 }, ipfixSet(2, ipfixTemplate(300, BASIC))), 'A:1');
    dec.decode(ipfixMessage({ exportS: T0_S, seq: 0, domain: 1 }, ipfixSet(2, ipfixTemplate(300, swapped))), 'B:1');
    dec.decode(ipfixMessage({ exportS: T0_S, seq: 0, domain: 2 }, ipfixSet(2, ipfixTemplate(300, swapped))), 'A:1');
    const data = basicRecord('10.0.0.1', '10.0.0.2', 1, 2, 0, 0, 1, 1);
    dec.decode(ipfixMessage({ exportS: T0_S, seq: 0, domain: 1 }, ipfixSet(300, data)), 'A:1');
    dec.decode(ipfixMessage({ exportS: T0_S, seq: 0, domain: 1 }, ipfixSet(300, data)), 'B:1');
    dec.decode(ipfixMessage({ exportS: T0_S, seq: 0, domain: 2 }, ipfixSet(300, data)), 'A:1');
    expect(recs.map((r) => `${r.exporter}/${r.domain}:${r.src}`)).toEqual(['A:1/1:10.0.0.1', 'B:1/1:10.0.0.2', 'A:1/2:10.0.0.2']);
  });

  it('a withdrawn template no longer decodes: its data waits for a new definition', () => {
    const { dec, recs } = collector();
    const m = { exportS: T0_S, seq: 0, domain: 1 };
    dec.decode(ipfixMessage(m, ipfixSet(2, ipfixTemplate(256, BASIC))), 'e');
    dec.decode(ipfixMessage(m, ipfixSet(2, new Bytes().u16(256).u16(0).done())), 'e'); // RFC 7011 §8.1
    expect(dec.counters.templateWithdrawals).toBe(1);
    expect(dec.templatesHeld).toBe(0);
    dec.decode(ipfixMessage(m, ipfixSet(256, basicRecord('10.0.0.1', '10.0.0.2', 1, 2, 0, 0, 1, 1))), 'e');
    expect(recs).toHaveLength(0);
    expect(dec.pendingHeld).toBe(1);
    // A redefinition (another layout) decodes the held set with the new layout.
    dec.decode(ipfixMessage(m, ipfixSet(2, ipfixTemplate(256, [{ id: 12, len: 4 }, { id: 8, len: 4 }, ...BASIC.slice(2)]))), 'e');
    expect(recs.map((r) => r.src)).toEqual(['10.0.0.2']);
    // Withdraw all templates (id 2, count 0).
    dec.decode(ipfixMessage(m, ipfixSet(2, new Bytes().u16(2).u16(0).done())), 'e');
    expect(dec.templatesHeld).toBe(0);
  });

  it('options data is kept apart from flows and exposed; its systemInitTimeMilliseconds dates flow*SysUpTime', () => {
    const { dec, recs, options } = collector();
    const m = { exportS: T0_S, seq: 0, domain: 1 };
    const bootMs = 1_699_999_000_000;
    dec.decode(
      ipfixMessage(
        m,
        ipfixSet(3, ipfixOptionsTemplate(257, [{ id: 143, len: 4 }], [{ id: 160, len: 8 }, { id: 34, len: 4 }])),
        ipfixSet(257, new Bytes().u32(9).u64(bootMs).u32(100).done()),
        ipfixSet(2, ipfixTemplate(256, [{ id: 8, len: 4 }, { id: 12, len: 4 }, { id: 4, len: 1 }, { id: 22, len: 4 }, { id: 21, len: 4 }, { id: 2, len: 4 }])),
        ipfixSet(256, new Bytes().ip4('10.0.0.1').ip4('10.0.0.2').u8(17).u32(5000).u32(7000).u32(3).done()),
      ),
      'e',
    );
    expect(options).toEqual([{ version: 10, exporter: 'e', domain: 1, templateId: 257, scope: { meteringProcessId: 9 }, fields: { systemInitTimeMilliseconds: bootMs, samplingInterval: 100 } }]);
    expect(recs).toHaveLength(1);
    expect(recs[0]!.startUs).toBe((bootMs + 5000) * 1000);
    expect(recs[0]!.endUs).toBe((bootMs + 7000) * 1000);
    expect(dec.counters.optionsRecords).toBe(1);
    expect(dec.counters.flowRecords).toBe(1);
  });

  it('variable-length fields (1- and 3-byte lengths) and reduced-size integers of any width', () => {
    const { dec, recs } = collector();
    const tpl: TField[] = [{ id: 8, len: 4 }, { id: 82, len: 65535 }, { id: 12, len: 4 }, { id: 1, len: 3 }, { id: 2, len: 5 }, { id: 4, len: 1 }, { id: 7, len: 1 }, { id: 11, len: 2 }];
    const long = Buffer.alloc(300, 0x61);
    const rec1 = new Bytes().ip4('10.0.0.1').u8(3).raw([0x65, 0x74, 0x68]).ip4('10.0.0.2').uint(0x010203, 3).uint(2 ** 33 + 5, 5).u8(17).u8(53).u16(5353).done();
    const rec2 = new Bytes().ip4('10.0.0.3').u8(255).u16(300).raw(long).ip4('10.0.0.4').uint(7, 3).uint(1, 5).u8(6).u8(99).u16(80).done();
    dec.decode(ipfixMessage({ exportS: T0_S, seq: 0, domain: 0 }, ipfixSet(2, ipfixTemplate(256, tpl)), ipfixSet(256, Buffer.concat([rec1, rec2]))), 'e');
    expect(recs.map((r) => [r.src, r.dst, r.fwdOctets, r.fwdPackets, r.protocol, r.srcPort, r.dstPort])).toEqual([
      ['10.0.0.1', '10.0.0.2', 0x010203, 2 ** 33 + 5, 17, 53, 5353],
      ['10.0.0.3', '10.0.0.4', 7, 1, 6, 99, 80],
    ]);
  });

  it('RFC 5103 reverse IEs (PEN 29305) fill the reverse direction; biflowDirection 2 turns the record around', () => {
    const { dec, recs } = collector();
    const tpl: TField[] = [...BASIC, { id: 2, len: 4, pen: 29305 }, { id: 1, len: 4, pen: 29305 }, { id: 6, len: 1 }, { id: 6, len: 1, pen: 29305 }, { id: 239, len: 1 }];
    const body = (dir: number): Buffer =>
      Buffer.concat([basicRecord('10.0.0.1', '10.0.0.2', 1000, 80, 1, 2, 3, 300), new Bytes().u32(4).u32(4000).u8(0x02).u8(0x12).u8(dir).done()]);
    dec.decode(ipfixMessage({ exportS: T0_S, seq: 0, domain: 0 }, ipfixSet(2, ipfixTemplate(256, tpl)), ipfixSet(256, Buffer.concat([body(1), body(2)]))), 'e');
    expect(recs[0]).toMatchObject({ src: '10.0.0.1', srcPort: 1000, fwdPackets: 3, fwdOctets: 300, bwdPackets: 4, bwdOctets: 4000, fwdTcpFlags: 2, bwdTcpFlags: 0x12, hasReverse: true });
    expect(recs[1]).toMatchObject({ src: '10.0.0.2', srcPort: 80, fwdPackets: 4, fwdOctets: 4000, bwdPackets: 3, bwdOctets: 300, fwdTcpFlags: 0x12, bwdTcpFlags: 2 });
  });

  it('data before its template is held and decoded when the template arrives, in order', () => {
    const { dec, recs } = collector();
    const m = { exportS: T0_S, seq: 0, domain: 0 };
    dec.decode(ipfixMessage(m, ipfixSet(256, basicRecord('10.0.0.1', '10.0.0.9', 1, 2, 0, 0, 1, 1))), 'e', 1000);
    dec.decode(ipfixMessage(m, ipfixSet(256, basicRecord('10.0.0.2', '10.0.0.9', 1, 2, 0, 0, 1, 1))), 'e', 1001);
    expect(recs).toHaveLength(0);
    dec.decode(ipfixMessage(m, ipfixSet(2, ipfixTemplate(256, BASIC))), 'e', 1002);
    expect(recs.map((r) => r.src)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(dec.counters).toMatchObject({ pendingSets: 2, pendingDecoded: 2, pendingDropped: 0 });
  });

  it('held data is bounded in count and in age, and what is dropped is counted', () => {
    const { dec, recs } = collector({ maxPendingSets: 3, maxPendingAgeMs: 5000 });
    const m = { exportS: T0_S, seq: 0, domain: 0 };
    for (let i = 0; i < 5; i++) dec.decode(ipfixMessage(m, ipfixSet(256, basicRecord(`10.0.0.${i}`, '10.0.0.9', 1, 2, 0, 0, 1, 1))), 'e', 1000 + i);
    expect(dec.pendingHeld).toBe(3);
    expect(dec.counters.pendingDropped).toBe(2);
    dec.expire(1000 + 5001); // the first kept one (received at 1002) is not yet too old; 1000, 1001 were dropped
    expect(dec.pendingHeld).toBe(3);
    dec.expire(1002 + 5001);
    expect(dec.pendingHeld).toBe(2);
    dec.decode(ipfixMessage(m, ipfixSet(2, ipfixTemplate(256, BASIC))), 'e', 1004 + 1);
    expect(recs.map((r) => r.src)).toEqual(['10.0.0.3', '10.0.0.4']);
    dec.decode(ipfixMessage(m, ipfixSet(999, Buffer.alloc(8))), 'e', 9000);
    dec.finish();
    expect(dec.counters.pendingDropped).toBe(4);
  });

  it('sequence numbers count data records per domain (RFC 7011 §3.1): gaps and records missing', () => {
    const { dec } = collector();
    const set = ipfixSet(256, Buffer.concat([basicRecord('10.0.0.1', '10.0.0.2', 1, 2, 0, 0, 1, 1), basicRecord('10.0.0.1', '10.0.0.2', 1, 2, 0, 0, 1, 1)]));
    dec.decode(ipfixMessage({ exportS: T0_S, seq: 0, domain: 0 }, ipfixSet(2, ipfixTemplate(256, BASIC))), 'e');
    dec.decode(ipfixMessage({ exportS: T0_S, seq: 0, domain: 0 }, set), 'e'); // 2 records
    dec.decode(ipfixMessage({ exportS: T0_S, seq: 2, domain: 0 }, set), 'e'); // in order
    dec.decode(ipfixMessage({ exportS: T0_S, seq: 10, domain: 0 }, set), 'e'); // 6 missing
    dec.decode(ipfixMessage({ exportS: T0_S, seq: 3, domain: 0 }, set), 'e'); // went backwards
    expect(dec.counters).toMatchObject({ sequenceGaps: 1, sequenceLost: 6, sequenceBackwards: 1 });
  });

  it('template records the decoder cannot use are refused and counted: zero-length records, bad sizes, too many', () => {
    const { dec } = collector({ maxTemplates: 10 });
    const m = { exportS: T0_S, seq: 0, domain: 0 };
    dec.decode(ipfixMessage(m, ipfixSet(2, ipfixTemplate(256, [{ id: 1, len: 0 }]))), 'e');
    dec.decode(ipfixMessage(m, ipfixSet(2, ipfixTemplate(257, [{ id: 8, len: 3 }]))), 'e');
    const many = Buffer.concat(Array.from({ length: 20 }, (_, i) => ipfixTemplate(300 + i, BASIC)));
    dec.decode(ipfixMessage(m, ipfixSet(2, many)), 'e');
    expect(dec.templatesHeld).toBe(10);
    expect(dec.counters.malformed).toEqual({ template_zero_length_record: 1, field_length_for_type: 1, too_many_templates: 10 });
  });

  it('every prefix and every single-byte corruption of a message is counted, never thrown', () => {
    const msg = ipfixMessage(
      { exportS: T0_S, seq: 0, domain: 0 },
      ipfixSet(2, ipfixTemplate(256, [...BASIC, { id: 82, len: 65535 }])),
      ipfixSet(256, Buffer.concat([basicRecord('10.0.0.1', '10.0.0.2', 1, 2, 0, 0, 1, 1), Buffer.from([2, 0x61, 0x62])])),
    );
    for (let n = 0; n < msg.length; n++) {
      const { dec } = collector();
      expect(() => dec.decode(msg.subarray(0, n), 'e')).not.toThrow();
      expect(dec.counters.flowRecords).toBe(0);
    }
    for (let i = 0; i < msg.length; i++) {
      for (const v of [0, 0xff, msg[i]! ^ 0x80]) {
        const bad = Buffer.from(msg);
        bad[i] = v;
        const { dec } = collector();
        expect(() => dec.decode(bad, 'e')).not.toThrow();
        expect(dec.counters.malformed['internal'] ?? 0).toBe(0);
        expect(dec.counters.malformed['internal_range'] ?? 0).toBe(0);
      }
    }
  });
});

describe('NetFlow v9', () => {
  it('template and data flowsets with padding; OUT_BYTES/OUT_PKTS as the reverse direction; uptime times', () => {
    const { dec, recs } = collector();
    const tpl: TField[] = [{ id: 8, len: 4 }, { id: 12, len: 4 }, { id: 4, len: 1 }, { id: 22, len: 4 }, { id: 21, len: 4 }, { id: 1, len: 4 }, { id: 2, len: 4 }, { id: 23, len: 4 }, { id: 24, len: 4 }];
    const rec = new Bytes().ip4('10.9.9.1').ip4('10.9.9.2').u8(17).u32(1000).u32(3000).u32(500).u32(5).u32(800).u32(6).done();
    // 33-byte record: the data flowset is padded with 3 zero bytes, which must not become a record.
    dec.decode(v9Packet({ count: 2, uptimeMs: 10_000, unixS: T0_S, seq: 0, sourceId: 3 }, v9TemplateFlowset(260, tpl), v9DataFlowset(260, rec)), 'e');
    expect(recs).toEqual([
      expect.objectContaining({ src: '10.9.9.1', dst: '10.9.9.2', protocol: 17, fwdOctets: 500, fwdPackets: 5, bwdOctets: 800, bwdPackets: 6, hasReverse: true, domain: 3, startUs: (T0_S * 1000 - 9000) * 1000, endUs: (T0_S * 1000 - 7000) * 1000 }),
    ]);
    expect(dec.counters.malformed).toEqual({});
  });

  it('sequence numbers count export packets per source id (RFC 3954 §5.1)', () => {
    const { dec } = collector();
    const p = (seq: number, sourceId: number): Buffer => v9Packet({ count: 1, uptimeMs: 1, unixS: T0_S, seq, sourceId }, v9TemplateFlowset(256, BASIC));
    dec.decode(p(7, 1), 'e');
    dec.decode(p(8, 1), 'e');
    dec.decode(p(0, 2), 'e');
    dec.decode(p(12, 1), 'e');
    expect(dec.counters).toMatchObject({ sequenceGaps: 1, sequenceLost: 3 });
  });
});
