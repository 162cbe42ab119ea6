// Address text: RFC 5952 canonical IPv6 text and dotted quads, with tshark 4.0's ipv6.src output as the oracle
// for the embedded-IPv4 cases, and parseAddress round trips.
import { describe, expect, test } from '@jest/globals';
import { formatAddress, parseAddress } from '../../../src/decode/address.js';

function v6(text: string): Uint8Array {
  const b = parseAddress(text);
  if (b === null || b.length !== 16) throw new Error(`not IPv6: ${text}`);
  return b;
}

describe('formatAddress', () => {
  test('IPv4 dotted quad from the first 4 bytes of a 16-byte buffer', () => {
    const b = new Uint8Array(16);
    b.set([10, 0, 0, 1, 99, 99]);
    expect(formatAddress(b, 4)).toBe('10.0.0.1');
    expect(formatAddress(Uint8Array.from([255, 255, 255, 255]), 4)).toBe('255.255.255.255');
  });

  // Expected strings are what tshark 4.0.17 printed for ipv6.src of raw-IP frames carrying these addresses
  // (built with frame-builder, `tshark -r addr.pcap -T fields -e ipv6.src`), which agree with RFC 5952 §4-§5.
  test.each([
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'], // §4.2.1 longest run, §4.1 no leading zeros
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2 a single 0 group is not shortened
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3 the longest run wins
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3 first run wins a tie
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:DB8:ABCD::EF', '2001:db8:abcd::ef'], // §4.3 lower case
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'], // §5 IPv4-mapped: dotted quad (tshark too)
    ['::1.2.3.4', '::1.2.3.4'], // IPv4-compatible: tshark prints a dotted quad
    ['fe80::ffff:1.2.3.4', 'fe80::ffff:102:304'], // not mapped: hex (tshark)
    ['::ffff:0:1.2.3.4', '::ffff:0:102:304'], // IPv4-translated: hex (tshark)
    ['64:ff9b::1.2.3.4', '64:ff9b::102:304'], // NAT64 prefix: hex (tshark)
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0'],
    ['1:0:0:0:0:0:0:0', '1::'],
  ])('%s -> %s', (input, expected) => {
    expect(formatAddress(v6(input), 6)).toBe(expected);
  });

  test('unknown version or short buffer gives the empty string', () => {
    expect(formatAddress(new Uint8Array(16), 5)).toBe('');
    expect(formatAddress(new Uint8Array(3), 4)).toBe('');
    expect(formatAddress(new Uint8Array(15), 6)).toBe('');
  });
});

describe('parseAddress', () => {
  test('IPv4', () => {
    expect(parseAddress('192.168.1.20')).toEqual(Uint8Array.from([192, 168, 1, 20]));
    expect(parseAddress('0.0.0.0')).toEqual(new Uint8Array(4));
  });

  test('IPv6 forms of RFC 4291 §2.2', () => {
    const expected = new Uint8Array(16);
    expected[0] = 0x20;
    expected[1] = 0x01;
    expected[2] = 0x0d;
    expected[3] = 0xb8;
    expected[15] = 1;
    expect(parseAddress('2001:db8::1')).toEqual(expected);
    expect(parseAddress('2001:0DB8:0:0:0:0:0:1')).toEqual(expected);
    expect(parseAddress('::')).toEqual(new Uint8Array(16));
    const mapped = new Uint8Array(16);
    mapped.set([0xff, 0xff, 1, 2, 3, 4], 10);
    expect(parseAddress('::ffff:1.2.3.4')).toEqual(mapped);
    expect(parseAddress('0:0:0:0:0:ffff:1.2.3.4')).toEqual(mapped);
  });

  test.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.-4',
    'a.b.c.d',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '12345::',
    'g::1',
    ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7::8',
    '::1.2.3.4.5',
    '::ffff:1.2.3.256',
    '1:2:3:4:5:6:7:1.2.3.4',
    'fe80::1%eth0',
  ])('rejects %j', (text) => {
    expect(parseAddress(text)).toBeNull();
  });

  test('format(parse(x)) is the canonical form for every 16-bit pattern of zero/non-zero groups', () => {
    // All 256 zero/non-zero patterns of 8 groups: the result must parse back to the same bytes and must never
    // contain ':::' or two '::'.
    for (let mask = 0; mask < 256; mask++) {
      const b = new Uint8Array(16);
      for (let g = 0; g < 8; g++) if ((mask >> g) & 1) b[2 * g + 1] = g + 1;
      const text = formatAddress(b, 6);
      expect(parseAddress(text)).toEqual(b);
      expect(text.split('::').length).toBeLessThanOrEqual(2);
      expect(text).not.toContain(':::');
    }
  });
});
