// Transport decoding: TCP (RFC 9293 §3.1: ports, seq/ack, data offset, all 8 flags of byte 13, window), UDP
// (RFC 768), UDP-Lite, DCCP and SCTP ports, ICMP/ICMPv6 type and code; header and payload lengths as the flow
// engine counts them; truncation sweeps and data-offset flips. Expected numbers are counted by hand from the RFCs.
import { describe, expect, test } from '@jest/globals';
import { decodePacket } from '../../../src/decode/decoder.js';
import { SKIP, TCP_FLAG, createPacketMeta, type PacketMeta, type SkipCode } from '../../../src/types.js';
import { buildFrame, type FrameSpec } from '../../helpers/frame-builder.js';

const meta = createPacketMeta();
const V4: FrameSpec['ip'] = { version: 4, src: '192.0.2.1', dst: '198.51.100.2' };
const V6: FrameSpec['ip'] = { version: 6, src: '2001:db8::1', dst: '2001:db8::2' };

function decode(spec: FrameSpec): PacketMeta {
  const f = buildFrame(spec);
  decodePacket(f.bytes, f.linkType, meta);
  return meta;
}

describe('TCP', () => {
  test('fields and lengths', () => {
    const m = decode({
      ip: V4,
      l4: { proto: 'tcp', srcPort: 65535, dstPort: 1, seq: 0xfffffffe, ack: 0x80000001, window: 0xabcd, flags: 0x12, options: [2, 4, 5, 0xb4, 1, 1, 4, 2] },
      payload: 100,
    });
    // TCP header 20 + 8 option bytes = 28 (data offset 7).
    expect([m.skip, m.truncated, m.hasPorts, m.srcPort, m.dstPort, m.tcpSeq, m.tcpAck, m.tcpWindow, m.tcpFlags]).toEqual([
      SKIP.NONE,
      false,
      true,
      65535,
      1,
      0xfffffffe,
      0x80000001,
      0xabcd,
      0x12,
    ]);
    expect([m.l4Offset, m.l4HeaderLen, m.payloadLen, m.capturedPayloadLen, m.icmpType, m.icmpCode]).toEqual([34, 28, 100, 100, -1, -1]);
  });

  test('each of the 8 flags of byte 13 is reported alone, and all together', () => {
    for (const [name, bit] of Object.entries(TCP_FLAG)) {
      const m = decode({ ip: V6, l4: { proto: 'tcp', srcPort: 1, dstPort: 2, flags: bit } });
      expect([name, m.tcpFlags]).toEqual([name, bit]);
    }
    expect(decode({ ip: V4, l4: { proto: 'tcp', srcPort: 1, dstPort: 2, flags: 0xff } }).tcpFlags).toBe(0xff);
  });

  test('data offset below 5 is bad_transport_header; above the segment it is clamped', () => {
    for (let dataOffset = 0; dataOffset < 5; dataOffset++) {
      const m = decode({ ip: V4, l4: { proto: 'tcp', srcPort: 1, dstPort: 2, dataOffset }, payload: 10 });
      expect([dataOffset, m.skip]).toEqual([dataOffset, SKIP.BAD_TRANSPORT_HEADER]);
    }
    // Data offset 15 (60 bytes) in a 20 + 10 byte segment: the header is "cut", payload clamps to 0.
    const m = decode({ ip: V4, l4: { proto: 'tcp', srcPort: 1, dstPort: 2, dataOffset: 15 }, payload: 10 });
    expect([m.skip, m.truncated, m.l4HeaderLen, m.payloadLen, m.capturedPayloadLen]).toEqual([SKIP.NONE, true, 60, 0, 0]);
  });

  test('truncation sweep over a TCP header with 12 option bytes (snaplen cuts)', () => {
    const f = buildFrame({
      ip: V4,
      l4: { proto: 'tcp', srcPort: 1000, dstPort: 2000, seq: 11, ack: 22, flags: 0x18, window: 33, options: new Array(12).fill(1) },
      payload: 50,
    });
    const l4 = 34;
    for (let len = l4; len <= f.bytes.length; len++) {
      decodePacket(f.bytes.subarray(0, len), 1, meta);
      const n = len - l4; // TCP bytes captured
      if (n < 4) {
        expect([len, meta.skip]).toEqual([len, SKIP.TRUNCATED_TRANSPORT]);
        continue;
      }
      // Fields present only when their bytes are: seq 4..7, ack 8..11, offset 12, flags 13, window 14..15.
      expect([len, meta.skip, meta.truncated, meta.srcPort, meta.dstPort]).toEqual([len, SKIP.NONE, n < 32, 1000, 2000]);
      expect([len, meta.tcpSeq, meta.tcpAck, meta.tcpFlags, meta.tcpWindow]).toEqual([
        len,
        n >= 8 ? 11 : 0,
        n >= 12 ? 22 : 0,
        n >= 14 ? 0x18 : 0,
        n >= 16 ? 33 : 0,
      ]);
      // Without the offset byte the header counts as 20.
      expect([len, meta.l4HeaderLen, meta.payloadLen, meta.capturedPayloadLen]).toEqual([
        len,
        n >= 13 ? 32 : 20,
        n >= 13 ? 50 : 62,
        n >= 13 ? Math.max(0, n - 32) : Math.max(0, n - 20),
      ]);
    }
  });
});

describe('UDP, UDP-Lite, DCCP, SCTP', () => {
  // [proto, IP protocol, fixed header bytes, l4HeaderLen the flow engine counts]
  const cases: ['udp' | 'udplite' | 'dccp' | 'sctp', number, number, number][] = [
    ['udp', 17, 8, 8],
    ['udplite', 136, 8, 0],
    ['dccp', 33, 12, 0],
    ['sctp', 132, 12, 0],
  ];
  test.each(cases)('%s: ports, lengths and truncation sweep', (proto, number, fixed, counted) => {
    for (const ip of [V4, V6]) {
      const f = buildFrame({ ip, l4: { proto, srcPort: 4321, dstPort: 8765 }, payload: 20 });
      const l4 = f.l4Offset;
      decodePacket(f.bytes, 1, meta);
      expect([meta.skip, meta.protocol, meta.hasPorts, meta.srcPort, meta.dstPort, meta.l4HeaderLen, meta.payloadLen]).toEqual([
        SKIP.NONE,
        number,
        true,
        4321,
        8765,
        counted,
        fixed + 20 - counted,
      ]);
      for (let len = l4; len < f.bytes.length; len++) {
        decodePacket(f.bytes.subarray(0, len), 1, meta);
        const n = len - l4;
        const want: [number, SkipCode, boolean] = n < 4 ? [len, SKIP.TRUNCATED_TRANSPORT, false] : [len, SKIP.NONE, n < fixed];
        expect([len, meta.skip, meta.truncated]).toEqual(want);
        if (n >= 4) expect(meta.capturedPayloadLen).toBe(Math.min(Math.max(0, n - counted), fixed + 20 - counted));
      }
    }
  });

  test('UDP payload comes from the IP length, not the UDP length field or the frame', () => {
    const m = decode({ ip: V4, l4: { proto: 'udp', srcPort: 1, dstPort: 2, length: 9999 }, payload: 30, trailer: 10 });
    expect([m.skip, m.payloadLen, m.capturedPayloadLen]).toEqual([SKIP.NONE, 30, 30]);
  });
});

describe('ICMP and ICMPv6', () => {
  test.each([
    ['icmp', V4, 1, 8, 0],
    ['icmp', V4, 1, 3, 13],
    ['icmpv6', V6, 58, 128, 0],
    ['icmpv6', V6, 58, 1, 4],
  ] as Array<['icmp' | 'icmpv6', typeof V4 | typeof V6, number, number, number]>)('%s type %i/%i', (proto, ip, number, type, code) => {
    const f = buildFrame({ ip, l4: { proto, type: number === 1 ? type : type, code }, payload: 56 });
    decodePacket(f.bytes, 1, meta);
    // l4HeaderLen 0 (CICFlowMeter counts no header bytes for ICMP): the 8-byte ICMP header is payload.
    expect([meta.skip, meta.protocol, meta.icmpType, meta.icmpCode, meta.hasPorts, meta.l4HeaderLen, meta.payloadLen]).toEqual([
      SKIP.NONE,
      number,
      type,
      code,
      false,
      0,
      64,
    ]);
    for (let len = f.l4Offset; len < f.l4Offset + 6; len++) {
      decodePacket(f.bytes.subarray(0, len), 1, meta);
      const n = len - f.l4Offset;
      const want = n < 2 ? [SKIP.TRUNCATED_TRANSPORT, false, -1] : [SKIP.NONE, n < 4, type];
      expect([len, meta.skip, meta.truncated, meta.icmpType]).toEqual([len, ...want]);
    }
  });
});
