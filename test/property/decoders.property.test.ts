// Property tests for the decoders (fast-check): arbitrary and mutated bytes for every link type give a skip code
// and never throw, with the PacketMeta invariants intact; any valid frame the builder can describe decodes back
// to the values it was built from.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { formatAddress, parseAddress } from '../../src/decode/address.js';
import { decodePacket, isSupportedLinkType } from '../../src/decode/decoder.js';
import { SKIP, SKIP_REASONS, createPacketMeta, type PacketMeta } from '../../src/types.js';
import { buildFrame, type EncapSpec, type FrameSpec, type L4Spec, type LinkSpec } from '../helpers/frame-builder.js';

const LINK_TYPES = [0, 1, 9, 12, 14, 50, 101, 104, 108, 113, 228, 229, 276, 127, 105];
const PORT_PROTOCOLS = new Set([6, 17, 33, 132, 136]);

/** Invariants every decoded PacketMeta satisfies, whatever the input. Returns the first violation or ''. */
function violation(m: PacketMeta, data: Uint8Array, ret: number): string {
  if (ret !== m.skip) return 'return value differs from out.skip';
  if (!Number.isInteger(m.skip) || m.skip < 0 || m.skip >= SKIP_REASONS.length) return `bad skip ${m.skip}`;
  if (m.skip === SKIP.NONE) {
    if (m.ipVersion !== 4 && m.ipVersion !== 6) return 'NONE without IP';
    if (m.protocol < 0 || m.protocol > 255) return 'NONE without protocol';
    if (m.ipOffset < 0 || m.ipOffset >= data.length) return 'ipOffset outside the frame';
  }
  if (m.payloadLen < 0 || m.capturedPayloadLen < 0 || m.capturedPayloadLen > m.payloadLen) return 'payload lengths';
  if (m.capturedPayloadLen > data.length) return 'captured payload larger than the frame';
  if (m.hasPorts && !PORT_PROTOCOLS.has(m.protocol)) return 'ports for a portless protocol';
  if (m.hasPorts && m.isLaterFragment) return 'ports on a later fragment';
  if (m.isLaterFragment && !m.isFragment) return 'later fragment that is not a fragment';
  if (m.l4HeaderLen < 0 || m.capturedL4HeaderLen > m.l4HeaderLen) return 'header lengths';
  if (m.srcPort < 0 || m.srcPort > 65535 || m.dstPort < 0 || m.dstPort > 65535) return 'port range';
  if (m.tcpFlags < 0 || m.tcpFlags > 255 || m.tcpSeq < 0 || m.tcpSeq > 0xffffffff || m.tcpAck < 0 || m.tcpAck > 0xffffffff) return 'tcp range';
  return '';
}

describe('decodePacket never throws', () => {
  const meta = createPacketMeta();

  test('arbitrary bytes for every link type', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 400 }), (linkType, data) => {
        const ret = decodePacket(data, linkType, meta);
        expect(violation(meta, data, ret)).toBe('');
        if (!isSupportedLinkType(linkType)) expect(ret).toBe(SKIP.UNSUPPORTED_LINK_TYPE);
      }),
      { numRuns: 3000 },
    );
  });

  test('arbitrary bytes behind plausible headers (so the IP and transport decoders see them too)', () => {
    const prefixes: [number, number[]][] = [
      [1, [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x08, 0x00]],
      [1, [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x86, 0xdd]],
      [1, [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x81, 0x00]],
      [1, [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x88, 0x47]],
      [1, [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x88, 0x64, 0x11, 0, 0, 1, 0, 0, 0, 0x21]],
      [101, [0x45]],
      [101, [0x60]],
      [229, [0x60, 0, 0, 0, 0, 0, 0]],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 200 }), ([linkType, prefix], rest) => {
        const data = Uint8Array.from([...prefix, ...rest]);
        expect(violation(meta, data, decodePacket(data, linkType, meta))).toBe('');
      }),
      { numRuns: 3000 },
    );
  });

  test('with --decap and the cicflowmeter rules: arbitrary bytes behind every tunnel header and ICMP errors', () => {
    // Ethernet, then IPv4 with total length 0 (the whole capture is the datagram) and protocol `p`.
    const ip = (p: number): number[] => [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x08, 0x00, 0x45, 0, 0, 0, 0, 0, 0, 0, 64, p, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
    const udp = (port: number): number[] => [...ip(17), 0xc3, 0x50, port >> 8, port & 0xff, 0, 0, 0, 0];
    const prefixes: number[][] = [
      ip(4), ip(41), ip(47), [...ip(47), 0, 0, 0x65, 0x58], [...ip(47), 0x30, 0x81, 0x88, 0x0b], [...ip(47), 0x10, 0, 0x22, 0xeb],
      [...ip(47), 0x20, 0, 0x89, 0x09], udp(4789), udp(6081), udp(2152), udp(3544), udp(6635),
      [...ip(1), 3, 3, 0, 0, 0, 0, 0, 0, 0x45], [...ip(1), 12, 0, 0, 0, 0, 0, 0, 0, 0x46],
      [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x81, 0x00, 0, 1, ...ip(47).slice(12)],
    ];
    const options = [{ decap: true, cicflowmeter: false }, { decap: true, cicflowmeter: true }, { decap: false, cicflowmeter: true }];
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.constantFrom(...options), fc.uint8Array({ maxLength: 300 }), (prefix, opts, rest) => {
        const data = Uint8Array.from([...prefix, ...rest]);
        const ret = decodePacket(data, 1, meta, opts);
        expect(violation(meta, data, ret)).toBe('');
        expect(meta.tunnelLayers).toBeLessThanOrEqual(8);
        if (!opts.decap) expect(meta.tunnelLayers).toBe(0);
      }),
      { numRuns: 6000 },
    );
  });

  test('valid frames with random bytes overwritten, and every prefix of them', () => {
    fc.assert(
      fc.property(
        frameSpec(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        (spec, edits, cutAt) => {
          const f = buildFrame(spec);
          const data = f.bytes.slice();
          for (const [at, v] of edits) data[at % data.length] = v;
          expect(violation(meta, data, decodePacket(data, f.linkType, meta))).toBe('');
          const cut = data.subarray(0, cutAt % (data.length + 1));
          expect(violation(meta, cut, decodePacket(cut, f.linkType, meta))).toBe('');
        },
      ),
      { numRuns: 2000 },
    );
  });
});

/** Arbitrary valid frame descriptions (everything the decoders decode). */
function frameSpec(): fc.Arbitrary<FrameSpec> {
  const encap: fc.Arbitrary<EncapSpec[]> = fc
    .tuple(
      fc.array(fc.record({ kind: fc.constant('vlan' as const), vid: fc.integer({ min: 0, max: 4095 }), tpid: fc.constantFrom(0x8100, 0x88a8, 0x9100) }), {
        maxLength: 3,
      }),
      fc.array(fc.record({ kind: fc.constant('mpls' as const), label: fc.integer({ min: 16, max: 0xfffff }) }), { maxLength: 3 }),
      fc.constantFrom('none', 'pppoe', 'llc-snap', 'pbb', 'pw'),
    )
    .map(([vlans, labels, tail]): EncapSpec[] => {
      if (tail === 'pw') return [...vlans, ...labels, { kind: 'mpls', label: 99 }, { kind: 'pw' }];
      if (labels.length > 0) return [...vlans, ...labels]; // nothing but IP may follow a bottom-of-stack label
      if (tail === 'pppoe') return [...vlans, { kind: 'pppoe', sessionId: 7 }];
      if (tail === 'llc-snap') return [...vlans, { kind: 'llc-snap' }];
      if (tail === 'pbb') return [...vlans, { kind: 'pbb' }];
      return vlans;
    });
  const link: fc.Arbitrary<LinkSpec> = fc.oneof(
    encap.map((e): LinkSpec => ({ kind: 'ethernet', encap: e })),
    fc.constantFrom<LinkSpec>(
      { kind: 'sll' },
      { kind: 'sll2' },
      { kind: 'null' },
      { kind: 'null', byteOrder: 'be' },
      { kind: 'loop' },
      { kind: 'raw' },
      { kind: 'raw', linkType: 12 },
      { kind: 'ppp' },
      { kind: 'ppp-hdlc' },
      { kind: 'c-hdlc' },
    ),
  );
  const port = fc.integer({ min: 0, max: 65535 });
  const l4: fc.Arbitrary<L4Spec | undefined> = fc.oneof(
    fc.record({
      proto: fc.constant('tcp' as const),
      srcPort: port,
      dstPort: port,
      seq: fc.nat({ max: 0xffffffff }),
      ack: fc.nat({ max: 0xffffffff }),
      flags: fc.integer({ min: 0, max: 255 }),
      window: port,
      options: fc.array(fc.constant(1), { maxLength: 40 }),
    }),
    fc.record({ proto: fc.constantFrom('udp' as const, 'udplite' as const, 'dccp' as const, 'sctp' as const), srcPort: port, dstPort: port }),
    fc.record({ proto: fc.constant('icmp' as const), type: fc.integer({ min: 0, max: 255 }), code: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ proto: fc.constant('other' as const), protocol: fc.constantFrom(4, 41, 47, 50, 89, 103) }),
    fc.constant(undefined),
  );
  const v4 = fc.record({
    version: fc.constant(4 as const),
    src: fc.ipV4(),
    dst: fc.ipV4(),
    ttl: fc.integer({ min: 0, max: 255 }),
    tos: fc.integer({ min: 0, max: 255 }),
    options: fc.array(fc.constant(1), { maxLength: 40 }),
    moreFragments: fc.boolean(),
  });
  const ext = fc.oneof(
    fc.record({ type: fc.constantFrom(0 as const, 43 as const, 60 as const, 135 as const, 139 as const, 140 as const), length: fc.integer({ min: 1, max: 4 }).map((n) => n * 8) }),
    fc.record({ type: fc.constant(44 as const), more: fc.boolean() }),
    fc.record({ type: fc.constant(51 as const), length: fc.integer({ min: 3, max: 8 }).map((n) => n * 4) }),
  );
  const v6 = fc.record({
    version: fc.constant(6 as const),
    src: fc.ipV6(),
    dst: fc.ipV6(),
    hopLimit: fc.integer({ min: 0, max: 255 }),
    trafficClass: fc.integer({ min: 0, max: 255 }),
    extensions: fc.array(ext, { maxLength: 5 }),
  });
  return fc
    .record({ link, ip: fc.oneof(v4, v6), l4, payload: fc.integer({ min: 1, max: 300 }), trailer: fc.integer({ min: 0, max: 20 }) })
    .map(({ link, ip, l4, payload, trailer }): FrameSpec => {
      // ICMPv6 belongs with IPv6. Payload >= 1 keeps an IPv6 payload length from being 0 (which means "all
      // captured bytes", trailer included: see decodeIpv6).
      const l4v: L4Spec | undefined = l4?.proto === 'icmp' && ip.version === 6 ? { ...l4, proto: 'icmpv6' } : l4;
      const spec: FrameSpec = { link, ip, payload, trailer };
      if (l4v !== undefined) spec.l4 = l4v;
      return spec;
    });
}

describe('round trip', () => {
  test('a valid built frame decodes to the values it was built from', () => {
    const meta = createPacketMeta();
    fc.assert(
      fc.property(frameSpec(), (spec) => {
        const f = buildFrame(spec);
        expect(decodePacket(f.bytes, f.linkType, meta)).toBe(SKIP.NONE);
        const ip = spec.ip;
        expect([meta.truncated, meta.ipVersion, meta.ipOffset, meta.ipTotalLen, meta.ipHeaderLen]).toEqual([false, ip.version, f.ipOffset, f.ipTotalLen, f.ipHeaderLen]);
        expect(formatAddress(meta.srcAddr, ip.version)).toBe(formatAddress(parseAddress(ip.src) ?? new Uint8Array(16), ip.version));
        expect(formatAddress(meta.dstAddr, ip.version)).toBe(formatAddress(parseAddress(ip.dst) ?? new Uint8Array(16), ip.version));
        expect(meta.ttl).toBe(ip.version === 4 ? ip.ttl : ip.hopLimit);
        expect(meta.tos).toBe(ip.version === 4 ? ip.tos : ip.trafficClass);
        const firstVlan = spec.link?.kind === 'ethernet' ? spec.link.encap?.find((e) => e.kind === 'vlan') : undefined;
        expect(meta.vlanId).toBe(firstVlan?.kind === 'vlan' ? firstVlan.vid : -1);
        const fragment = ip.version === 4 ? ip.moreFragments === true : (ip.extensions ?? []).some((e) => e.type === 44 && e.more === true);
        expect([meta.isFragment, meta.isLaterFragment]).toEqual([fragment, false]);
        const l4 = spec.l4;
        const portful = l4 !== undefined && (l4.proto === 'tcp' || l4.proto === 'udp' || l4.proto === 'udplite' || l4.proto === 'dccp' || l4.proto === 'sctp');
        expect(meta.hasPorts).toBe(portful);
        if (portful) expect([meta.srcPort, meta.dstPort]).toEqual([l4.srcPort, l4.dstPort]);
        if (l4?.proto === 'tcp') {
          expect([meta.protocol, meta.tcpFlags, meta.tcpSeq, meta.tcpAck, meta.tcpWindow]).toEqual([6, l4.flags, l4.seq, l4.ack, l4.window]);
        }
        if (l4?.proto === 'icmp' || l4?.proto === 'icmpv6') expect([meta.icmpType, meta.icmpCode]).toEqual([l4.type, l4.code]);
        else expect([meta.icmpType, meta.icmpCode]).toEqual([-1, -1]);
        // Header bytes counted: TCP data offset x 4, UDP 8, else 0; the rest of the datagram is payload.
        const counted = l4?.proto === 'tcp' || l4?.proto === 'udp' ? f.l4HeaderLen : 0;
        expect([meta.l4Offset, meta.l4HeaderLen, meta.capturedL4HeaderLen]).toEqual([f.l4Offset, counted, counted]);
        expect([meta.payloadLen, meta.capturedPayloadLen]).toEqual([f.ipTotalLen - f.ipHeaderLen - counted, f.ipTotalLen - f.ipHeaderLen - counted]);
      }),
      { numRuns: 2000 },
    );
  });
});
