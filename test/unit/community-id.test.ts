// Unit tests for src/community-id.ts: the spec's edge cases (docs/community-id.md), typed errors, the reusable
// hasher and forPacket. Expected values come from the spec's baseline tables (quoted with their row) or from
// SHA-1 over the spec's byte layout written out by hand here, never from what the module printed.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  communityId,
  CommunityIdHasher,
  icmpCounterpart,
  parseCommunityIdAddress,
} from '../../src/community-id.js';
import { PcapflowError } from '../../src/errors.js';
import { createPacketMeta, SKIP } from '../../src/types.js';

/** `1:` + base64 SHA-1 of the hash input spelled out byte by byte (spec table: seed, saddr, daddr, proto, 0, ports). */
function specId(bytes: number[], hex = false): string {
  const digest = createHash('sha1').update(Uint8Array.from(bytes));
  return '1:' + digest.digest(hex ? 'hex' : 'base64');
}
const be16 = (n: number): number[] => [n >> 8, n & 0xff];

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof PcapflowError) return err.code;
    return `not a PcapflowError: ${String(err)}`;
  }
  return 'no error';
}

const V6_A = [0xfe, 0x80, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x0a, 0x0b, 0x0c, 0x0d]; // fe80:0001:0203:...:0C0D
const V6_B = [0xfe, 0x80, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d];
const V6_A_TEXT = 'fe80:0001:0203:0405:0607:0809:0A0B:0C0D';
const V6_B_TEXT = 'fe80:1011:1213:1415:1617:1819:1A1B:1C1D';

describe('communityId: endpoint order', () => {
  it('compares address bytes, not text: 8.8.8.8 sorts before 192.168.1.52', () => {
    // As text "192..." < "8.8..." but as bytes 8 < 192, so 8.8.8.8:53 is hashed first.
    const expected = specId([0, 0, 8, 8, 8, 8, 192, 168, 1, 52, 17, 0, ...be16(53), ...be16(54585)]);
    // spec baseline_deflt.json, udp.pcap row: 1:d/FP5EW3wiY1vCndhwleRRKHowQ=
    expect(expected).toBe('1:d/FP5EW3wiY1vCndhwleRRKHowQ=');
    expect(communityId(17, '192.168.1.52', '8.8.8.8', 54585, 53)).toBe(expected);
    expect(communityId(17, '8.8.8.8', '192.168.1.52', 53, 54585)).toBe(expected);
    const textOrder = specId([0, 0, 192, 168, 1, 52, 8, 8, 8, 8, 17, 0, ...be16(54585), ...be16(53)]);
    expect(expected).not.toBe(textOrder);
  });

  it('compares IPv6 addresses byte by byte over all 16 bytes', () => {
    // Differ only in the last byte: ::2 > ::1, so ::1 goes first.
    const one = [...Array(15).fill(0), 1];
    const two = [...Array(15).fill(0), 2];
    const expected = specId([0, 0, ...one, ...two, 6, 0, ...be16(443), ...be16(50000)]);
    expect(communityId(6, '::2', '::1', 50000, 443)).toBe(expected);
    expect(communityId(6, '::1', '::2', 443, 50000)).toBe(expected);
  });

  it('with equal addresses, orders by port and swaps when the source port is greater', () => {
    const expected = specId([0, 0, 10, 0, 0, 1, 10, 0, 0, 1, 6, 0, ...be16(80), ...be16(1234)]);
    expect(communityId(6, '10.0.0.1', '10.0.0.1', 1234, 80)).toBe(expected);
    expect(communityId(6, '10.0.0.1', '10.0.0.1', 80, 1234)).toBe(expected);
  });

  it('is the same in both directions for TCP, UDP, SCTP and port-less protocols (property)', () => {
    const addr4 = fc.uint8Array({ minLength: 4, maxLength: 4 });
    const addr16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
    const port = fc.integer({ min: 0, max: 65535 });
    const proto = fc.constantFrom(6, 17, 132, 46, 47, 50, 136);
    fc.assert(
      fc.property(fc.oneof(fc.tuple(addr4, addr4), fc.tuple(addr16, addr16)), port, port, proto, ([a, b], p, q, pr) => {
        expect(communityId(pr, a, b, p, q)).toBe(communityId(pr, b, a, q, p));
      }),
      { numRuns: 300 },
    );
  });
});

describe('communityId: ICMP and ICMPv6', () => {
  it('maps two-way ICMP types to (type, counterpart) so request and reply share the ID', () => {
    // 1.2.3.4 < 5.6.7.8; echo request 8 -> ports (8, 0). Baseline README "ICMP flow treatment": 1:crodRHL2...
    const expected = specId([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 0, ...be16(8), ...be16(0)]);
    expect(expected).toBe('1:crodRHL2FEsHjbv3UkRrfbs4bZ0=');
    expect(communityId(1, '1.2.3.4', '5.6.7.8', 8, 0)).toBe(expected);
    expect(communityId(1, '5.6.7.8', '1.2.3.4', 0, 0)).toBe(expected); // the reply
    expect(communityId(1, '5.6.7.8', '1.2.3.4', 0, 99)).toBe(expected); // code ignored for two-way types
  });

  it('does not swap one-way ICMP types: A->B and B->A differ, ports are (type, code)', () => {
    const ab = specId([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 0, ...be16(11), ...be16(0)]);
    const ba = specId([0, 0, 5, 6, 7, 8, 1, 2, 3, 4, 1, 0, ...be16(11), ...be16(0)]);
    expect(ab).toBe('1:f/YiSyWqczrTgfUCZlBUnvHRcPk='); // baseline README "Unidirectional ICMP treatment"
    expect(communityId(1, '1.2.3.4', '5.6.7.8', 11, 0)).toBe(ab);
    expect(communityId(1, '5.6.7.8', '1.2.3.4', 11, 0)).toBe(ba);
    // Destination unreachable 3/3 from the greater address keeps its order too.
    expect(communityId(1, '10.0.0.9', '10.0.0.1', 3, 3)).toBe(
      specId([0, 0, 10, 0, 0, 9, 10, 0, 0, 1, 1, 0, ...be16(3), ...be16(3)]),
    );
  });

  it('keeps one-way order even for equal addresses', () => {
    // Two-way would swap (5 > 1); one-way must not.
    expect(communityId(1, '10.0.0.1', '10.0.0.1', 5, 1)).toBe(
      specId([0, 0, 10, 0, 0, 1, 10, 0, 0, 1, 1, 0, ...be16(5), ...be16(1)]),
    );
  });

  it('uses the ICMPv6 table for protocol 58, never the ICMPv4 one', () => {
    // ICMPv6 echo 128 <-> 129 (baseline README ICMP6 rows: 1:0bf7hyMJ...).
    const echo6 = specId([0, 0, ...V6_A, ...V6_B, 58, 0, ...be16(128), ...be16(129)]);
    expect(echo6).toBe('1:0bf7hyMJUwt3fMED7z8LIfRpBeo=');
    expect(communityId(58, V6_A_TEXT, V6_B_TEXT, 128, 0)).toBe(echo6);
    expect(communityId(58, V6_B_TEXT, V6_A_TEXT, 129, 0)).toBe(echo6);
    // Type 8 is echo in ICMPv4 but one-way in ICMPv6: (8, code) unmapped, not swapped.
    expect(communityId(58, V6_B_TEXT, V6_A_TEXT, 8, 0)).toBe(
      specId([0, 0, ...V6_B, ...V6_A, 58, 0, ...be16(8), ...be16(0)]),
    );
    // And type 128 over protocol 1 is one-way (ICMPv4 has no type 128 pair).
    expect(communityId(1, '5.6.7.8', '1.2.3.4', 128, 5)).toBe(
      specId([0, 0, 5, 6, 7, 8, 1, 2, 3, 4, 1, 0, ...be16(128), ...be16(5)]),
    );
  });

  it('has exactly the pairs of the spec doc', () => {
    const v4 = [[8, 0], [13, 14], [15, 16], [10, 9], [17, 18]];
    const v6 = [[128, 129], [130, 131], [133, 134], [135, 136], [139, 140], [144, 145]];
    for (let t = 0; t < 256; t++) {
      const p4 = v4.find(([a, b]) => a === t || b === t);
      const p6 = v6.find(([a, b]) => a === t || b === t);
      expect(icmpCounterpart(1, t)).toBe(p4 === undefined ? -1 : p4[0] === t ? p4[1] : p4[0]);
      expect(icmpCounterpart(58, t)).toBe(p6 === undefined ? -1 : p6[0] === t ? p6[1] : p6[0]);
    }
    expect(icmpCounterpart(58, 143)).toBe(-1); // MLDv2 report is one-way
    expect(icmpCounterpart(6, 8)).toBe(-1);
  });
});

describe('communityId: port-less protocols', () => {
  it('hashes 12 bytes for IPv4 and 36 for IPv6, ignoring any ports given', () => {
    const v4 = specId([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 46, 0]); // 12 bytes
    expect(v4).toBe('1:ikv3kmf89luf73WPz1jOs49S768='); // baseline README RSVP row
    expect(communityId(46, '5.6.7.8', '1.2.3.4')).toBe(v4);
    expect(communityId(46, '1.2.3.4', '5.6.7.8', 1, 2)).toBe(v4);
    const v6 = specId([0, 0, ...V6_A, ...V6_B, 46, 0]); // 36 bytes
    expect(v6).toBe('1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=');
    expect(communityId(46, V6_B_TEXT, V6_A_TEXT, null, null)).toBe(v6);
  });

  it('does not hash two zero ports for GRE, ESP, DCCP or UDP-Lite', () => {
    for (const proto of [33, 47, 50, 136]) {
      const id = communityId(proto, '10.0.0.2', '10.0.0.1', 5000, 6000);
      expect(id).toBe(specId([0, 0, 10, 0, 0, 1, 10, 0, 0, 2, proto, 0]));
      expect(id).not.toBe(specId([0, 0, 10, 0, 0, 1, 10, 0, 0, 2, proto, 0, 0, 0, 0, 0]));
    }
  });
});

describe('communityId: addresses, seed, encoding', () => {
  it('keeps IPv4-mapped IPv6 addresses as 16 bytes, giving a different ID from the IPv4 flow', () => {
    const mapped = (a: number[]): number[] => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...a];
    const expected = specId([0, 0, ...mapped([1, 2, 3, 4]), ...mapped([5, 6, 7, 8]), 6, 0, ...be16(1122), ...be16(3344)]);
    const id = communityId(6, '::ffff:1.2.3.4', '::ffff:5.6.7.8', 1122, 3344);
    expect(id).toBe(expected);
    expect(id).not.toBe('1:wCb3OG7yAFWelaUydu0D+125CLM='); // the IPv4 TCP row of the baseline README
    expect(communityId(6, Uint8Array.from(mapped([1, 2, 3, 4])), '::ffff:0506:0708', 1122, 3344)).toBe(expected);
  });

  it('takes addresses as text or bytes alike', () => {
    expect(communityId(6, Uint8Array.from([1, 2, 3, 4]), Uint8Array.from([5, 6, 7, 8]), 1122, 3344)).toBe(
      '1:wCb3OG7yAFWelaUydu0D+125CLM=',
    );
    expect(communityId(58, Uint8Array.from(V6_A), Uint8Array.from(V6_B), 146, 0)).toBe(
      '1:fYC8+pz24E+EhANP1EZhpX0Dw10=', // baseline README ICMP6 "Unidirectional treatment"
    );
  });

  it('puts the seed in front big-endian, up to 65535', () => {
    expect(communityId(6, '1.2.3.4', '5.6.7.8', 1122, 3344, { seed: 1 })).toBe('1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=');
    expect(communityId(6, '1.2.3.4', '5.6.7.8', 1122, 3344, { seed: 0xfffe })).toBe(
      specId([0xff, 0xfe, 1, 2, 3, 4, 5, 6, 7, 8, 6, 0, ...be16(1122), ...be16(3344)]),
    );
    expect(communityId(46, '1.2.3.4', '5.6.7.8', null, null, { seed: 65535 })).toBe(
      specId([0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 46, 0]),
    );
  });

  it('prints lowercase hex without base64', () => {
    expect(communityId(6, '1.2.3.4', '5.6.7.8', 1122, 3344, { base64: false })).toBe(
      '1:c026f7386ef200559e95a53276ed03fb5db908b3', // baseline README "No base64-encoding" TCP row
    );
  });
});

describe('communityId: errors are PcapflowError E_COMMUNITY_ID_INPUT', () => {
  const bad: [string, () => unknown][] = [
    ['seed -1', () => communityId(6, '1.2.3.4', '5.6.7.8', 1, 2, { seed: -1 })],
    ['seed 65536 (no wrap)', () => communityId(6, '1.2.3.4', '5.6.7.8', 1, 2, { seed: 65536 })],
    ['seed 1.5', () => communityId(6, '1.2.3.4', '5.6.7.8', 1, 2, { seed: 1.5 })],
    ['seed NaN', () => communityId(6, '1.2.3.4', '5.6.7.8', 1, 2, { seed: Number.NaN })],
    ['hasher seed 70000', () => new CommunityIdHasher({ seed: 70000 })],
    ['proto 256', () => communityId(256, '1.2.3.4', '5.6.7.8')],
    ['proto -1', () => communityId(-1, '1.2.3.4', '5.6.7.8')],
    ['proto 6.5', () => communityId(6.5, '1.2.3.4', '5.6.7.8', 1, 2)],
    ['port 65536', () => communityId(6, '1.2.3.4', '5.6.7.8', 65536, 2)],
    ['port -1', () => communityId(17, '1.2.3.4', '5.6.7.8', 1, -1)],
    ['port 1.5', () => communityId(17, '1.2.3.4', '5.6.7.8', 1.5, 2)],
    ['port-less proto with port 70000', () => communityId(46, '1.2.3.4', '5.6.7.8', 70000, 1)],
    ['TCP without ports', () => communityId(6, '1.2.3.4', '5.6.7.8')],
    ['ICMP with one port', () => communityId(1, '1.2.3.4', '5.6.7.8', 8, null)],
    ['mixed families', () => communityId(6, '1.2.3.4', '::1', 1, 2)],
    ['mixed families as bytes', () => communityId(46, new Uint8Array(4), new Uint8Array(16))],
    ['5-byte address', () => communityId(46, new Uint8Array(5), new Uint8Array(5))],
    ['three octets', () => communityId(6, '1.2.3', '5.6.7.8', 1, 2)],
    ['octet 256', () => communityId(6, '256.1.1.1', '5.6.7.8', 1, 2)],
    ['leading zero', () => communityId(6, '01.2.3.4', '5.6.7.8', 1, 2)],
    ['zone id', () => communityId(6, 'fe80::1%eth0', 'fe80::2', 1, 2)],
    ['host name', () => communityId(6, 'example.com', '5.6.7.8', 1, 2)],
    ['nine groups', () => communityId(6, '1:2:3:4:5:6:7:8:9', '::1', 1, 2)],
    ['two ::', () => communityId(6, '1::2::3', '::1', 1, 2)],
    ['hasher proto 300', () => new CommunityIdHasher().hash(300, new Uint8Array(4), new Uint8Array(4), 4, 0, 0)],
    ['hasher short address', () => new CommunityIdHasher().hash(6, new Uint8Array(4), new Uint8Array(4), 16, 1, 2)],
  ];
  it.each(bad)('%s', (_name, fn) => {
    expect(codeOf(fn)).toBe('E_COMMUNITY_ID_INPUT');
  });
});

describe('parseCommunityIdAddress', () => {
  it('parses the text forms of RFC 4291 section 2.2', () => {
    expect(Array.from(parseCommunityIdAddress('192.168.0.1') ?? [])).toEqual([192, 168, 0, 1]);
    expect(Array.from(parseCommunityIdAddress('::') ?? [])).toEqual(Array(16).fill(0));
    expect(Array.from(parseCommunityIdAddress('1::') ?? [])).toEqual([0, 1, ...Array(14).fill(0)]);
    expect(Array.from(parseCommunityIdAddress('2001:DB8::ff00:42:8329') ?? [])).toEqual([
      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0x42, 0x83, 0x29,
    ]);
    expect(Array.from(parseCommunityIdAddress('1:2:3:4:5:6:7::') ?? [])).toEqual([
      0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0,
    ]);
    expect(Array.from(parseCommunityIdAddress('::ffff:10.0.0.1') ?? [])).toEqual([
      ...Array(10).fill(0), 0xff, 0xff, 10, 0, 0, 1,
    ]);
  });

  it('accepts exactly what node:net accepts, over strings of address characters (property)', () => {
    // node:net also accepts zone ids (`%eth0`); the alphabet leaves `%` out, since pcapflow rejects them.
    // Valid addresses (8 groups, a run compressed to `::`, maybe a dotted-quad tail), then near misses made by
    // inserting or deleting one character, plus short random strings.
    const hex = fc.stringMatching(/^[0-9a-fA-F]{1,4}$/);
    const octet = fc.integer({ min: 0, max: 255 });
    const valid = fc
      .tuple(fc.array(hex, { minLength: 8, maxLength: 8 }), fc.nat(8), fc.nat(8), fc.option(fc.array(octet, { minLength: 4, maxLength: 4 })))
      .map(([g, i, j, quad]) => {
        const groups = quad === null ? g : [...g.slice(0, 6), quad.join('.')];
        const [lo, hi] = [Math.min(i, j, groups.length), Math.min(Math.max(i, j), groups.length)];
        if (lo === hi) return groups.join(':');
        return groups.slice(0, lo).join(':') + '::' + groups.slice(hi).join(':');
      });
    const v4 = fc.array(octet, { minLength: 4, maxLength: 4 }).map((o) => o.join('.'));
    const alphabet = '0123456789abcdefABCDEF:.';
    const nearMiss = fc
      .tuple(fc.oneof(valid, v4), fc.nat(), fc.constantFrom(...alphabet.split('')), fc.boolean())
      .map(([s, at, ch, insert]) => {
        const k = at % (s.length + 1);
        return insert ? s.slice(0, k) + ch + s.slice(k) : s.slice(0, k) + s.slice(k + 1);
      });
    const text = fc.oneof(valid, v4, nearMiss, fc.string({ unit: fc.constantFrom(...alphabet.split('')), maxLength: 20 }));
    fc.assert(
      fc.property(text, (s) => {
        expect([s, parseCommunityIdAddress(s) !== null]).toEqual([s, isIP(s) !== 0]);
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips random addresses through the URL parser\'s canonical IPv6 text (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const full = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16)).join(':');
        const canonical = new URL(`http://[${full}]/`).hostname.slice(1, -1); // WHATWG form, `::`-compressed
        expect(Array.from(parseCommunityIdAddress(canonical) ?? [])).toEqual(Array.from(bytes));
        expect(Array.from(parseCommunityIdAddress(full) ?? [])).toEqual(Array.from(bytes));
      }),
      { numRuns: 500 },
    );
  });
});

describe('CommunityIdHasher', () => {
  it('gives the same IDs as communityId, whatever the previous call left in its buffer', () => {
    const hasher = new CommunityIdHasher({ seed: 7 });
    const a6 = Uint8Array.from(V6_A);
    const b6 = Uint8Array.from(V6_B);
    const a4 = Uint8Array.from([192, 168, 0, 89]);
    const b4 = Uint8Array.from([192, 168, 0, 1]);
    const calls: [number, Uint8Array, Uint8Array, 4 | 16, number, number][] = [
      [6, a6, b6, 16, 443, 50000],
      [46, a4, b4, 4, 0, 0],
      [1, a4, b4, 4, 8, 0],
      [47, a6, b6, 16, 0, 0],
      [17, a4, b4, 4, 53, 5353],
      [58, b6, a6, 16, 136, 0],
    ];
    for (const [proto, s, d, len, sp, dp] of calls) {
      const ported = proto === 1 || proto === 6 || proto === 17 || proto === 58 || proto === 132;
      expect(hasher.hash(proto, s, d, len, sp, dp)).toBe(
        communityId(proto, s, d, ported ? sp : null, ported ? dp : null, { seed: 7 }),
      );
    }
  });

  it('reads only addrLen bytes of longer buffers (PacketMeta keeps 16-byte address buffers)', () => {
    const s = Uint8Array.from([1, 2, 3, 4, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99]);
    const d = Uint8Array.from([5, 6, 7, 8, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(new CommunityIdHasher().hash(6, s, d, 4, 1122, 3344)).toBe('1:wCb3OG7yAFWelaUydu0D+125CLM=');
  });
});

describe('CommunityIdHasher.forPacket', () => {
  const hasher = new CommunityIdHasher();
  function v4Meta(proto: number, src: number[], dst: number[]) {
    const meta = createPacketMeta();
    meta.ipVersion = 4;
    meta.protocol = proto;
    meta.srcAddr.set(src);
    meta.dstAddr.set(dst);
    meta.srcAddr.fill(0xee, 4); // stale bytes from an earlier IPv6 packet must not count
    return meta;
  }

  it('hashes a TCP packet from its addresses and ports', () => {
    const meta = v4Meta(6, [1, 2, 3, 4], [5, 6, 7, 8]);
    meta.hasPorts = true;
    meta.srcPort = 1122;
    meta.dstPort = 3344;
    expect(hasher.forPacket(meta)).toBe('1:wCb3OG7yAFWelaUydu0D+125CLM=');
  });

  it('hashes ICMP from type and code, and ICMPv6 over IPv6 addresses', () => {
    const meta = v4Meta(1, [5, 6, 7, 8], [1, 2, 3, 4]);
    meta.icmpType = 0;
    meta.icmpCode = 0;
    expect(hasher.forPacket(meta)).toBe('1:crodRHL2FEsHjbv3UkRrfbs4bZ0='); // echo reply of the README row
    const m6 = createPacketMeta();
    m6.ipVersion = 6;
    m6.protocol = 58;
    m6.srcAddr.set(V6_B);
    m6.dstAddr.set(V6_A);
    m6.icmpType = 129;
    m6.icmpCode = 0;
    expect(hasher.forPacket(m6)).toBe('1:0bf7hyMJUwt3fMED7z8LIfRpBeo=');
  });

  it('hashes port-less protocols without ports, also for later fragments and UDP-Lite ports', () => {
    const rsvp = v4Meta(46, [5, 6, 7, 8], [1, 2, 3, 4]);
    rsvp.isFragment = true;
    rsvp.isLaterFragment = true;
    expect(hasher.forPacket(rsvp)).toBe('1:ikv3kmf89luf73WPz1jOs49S768=');
    const lite = v4Meta(136, [10, 0, 0, 1], [10, 0, 0, 2]);
    lite.hasPorts = true;
    lite.srcPort = 1000;
    lite.dstPort = 2000;
    expect(hasher.forPacket(lite)).toBe(specId([0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 136, 0]));
  });

  it("gives '' when there is no IP, the IP layer failed, or a port protocol lacks its ports", () => {
    expect(hasher.forPacket(createPacketMeta())).toBe(''); // ARP and other non-IP: ipVersion 0
    const notIp = v4Meta(6, [1, 2, 3, 4], [5, 6, 7, 8]);
    notIp.skip = SKIP.BAD_IP_HEADER;
    notIp.hasPorts = true;
    expect(hasher.forPacket(notIp)).toBe('');
    const later = v4Meta(17, [1, 2, 3, 4], [5, 6, 7, 8]);
    later.isFragment = true;
    later.isLaterFragment = true;
    later.hasPorts = true; // even with port fields left over from an earlier packet
    later.srcPort = 1;
    later.dstPort = 2;
    expect(hasher.forPacket(later)).toBe('');
    const cut = v4Meta(6, [1, 2, 3, 4], [5, 6, 7, 8]);
    cut.skip = SKIP.TRUNCATED_TRANSPORT;
    expect(hasher.forPacket(cut)).toBe('');
    const icmpCut = v4Meta(1, [1, 2, 3, 4], [5, 6, 7, 8]);
    icmpCut.skip = SKIP.TRUNCATED_TRANSPORT;
    expect(hasher.forPacket(icmpCut)).toBe('');
  });

  it('still hashes a packet whose transport header is odd but whose tuple is known', () => {
    const meta = v4Meta(6, [1, 2, 3, 4], [5, 6, 7, 8]);
    meta.skip = SKIP.BAD_TRANSPORT_HEADER; // TCP data offset < 5: ports were read
    meta.hasPorts = true;
    meta.srcPort = 3344;
    meta.dstPort = 1122;
    meta.srcAddr.set([5, 6, 7, 8]);
    meta.dstAddr.set([1, 2, 3, 4]);
    expect(hasher.forPacket(meta)).toBe('1:wCb3OG7yAFWelaUydu0D+125CLM=');
  });
});
