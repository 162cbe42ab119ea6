// looksLikeNetflow / netflowDatagramOf (collect --read): UDP payloads accepted by version and length checks only.
import { describe, expect, it } from '@jest/globals';
import { decodePacket } from '../../../src/decode/decoder.js';
import { looksLikeNetflow, netflowDatagramOf } from '../../../src/netflow/datagram.js';
import { createPacketMeta } from '../../../src/types.js';
import { buildFrame } from '../../helpers/frame-builder.js';
import { ipfixMessage, ipfixSet, ipfixTemplate, v5Packet, v9Packet, v9TemplateFlowset } from '../../helpers/netflow-builder.js';

const v5 = v5Packet({ uptimeMs: 1, unixS: 1, unixNs: 0, seq: 0 }, [{ src: '10.0.0.1', dst: '10.0.0.2', packets: 1, octets: 40, firstUptime: 0, lastUptime: 0, srcPort: 1, dstPort: 2, proto: 6 }]);
const v9 = v9Packet({ count: 1, uptimeMs: 1, unixS: 1, seq: 0, sourceId: 0 }, v9TemplateFlowset(256, [{ id: 8, len: 4 }]));
const ipfix = ipfixMessage({ exportS: 1, seq: 0, domain: 0 }, ipfixSet(2, ipfixTemplate(256, [{ id: 8, len: 4 }])));

describe('looksLikeNetflow', () => {
  it('accepts v5, v9 and IPFIX exports', () => {
    for (const p of [v5, v9, ipfix]) expect(looksLikeNetflow(p)).toBe(true);
  });
  it('refuses wrong lengths, counts and set ids, and other protocols', () => {
    expect(looksLikeNetflow(v5.subarray(0, v5.length - 1))).toBe(false);
    const badIpfix = Buffer.from(ipfix);
    badIpfix.writeUInt16BE(ipfix.length + 1, 2);
    expect(looksLikeNetflow(badIpfix)).toBe(false);
    const badV9 = Buffer.from(v9);
    badV9.writeUInt16BE(7, 20);
    expect(looksLikeNetflow(badV9)).toBe(false);
    expect(looksLikeNetflow(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toBe(false);
  });
});

describe('netflowDatagramOf', () => {
  const frame = (payload: Uint8Array, dstPort: number): { data: Uint8Array; linkType: number } => {
    const f = buildFrame({ ip: { version: 4, src: '192.0.2.7', dst: '192.0.2.9' }, l4: { proto: 'udp', srcPort: 5555, dstPort }, payload });
    return { data: f.bytes, linkType: f.linkType };
  };
  it('gives the payload and the sender; --port restricts', () => {
    const { data, linkType } = frame(ipfix, 4739);
    const meta = createPacketMeta();
    decodePacket(data, linkType, meta);
    const d = netflowDatagramOf(data, meta, null)!;
    expect(d.exporter).toBe('192.0.2.7:5555');
    expect(Buffer.from(d.payload)).toEqual(ipfix);
    expect(netflowDatagramOf(data, meta, 2055)).toBeNull();
    expect(netflowDatagramOf(data, meta, 4739)).not.toBeNull();
  });
  it('a datagram cut by the snapshot length is not used', () => {
    const { data, linkType } = frame(ipfix, 4739);
    const cut = data.subarray(0, data.length - 3);
    const meta = createPacketMeta();
    decodePacket(cut, linkType, meta);
    expect(netflowDatagramOf(cut, meta, null)).toBeNull();
  });
});
