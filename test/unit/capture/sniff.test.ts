// Magic-number detection.
import { describe, expect, test } from '@jest/globals';
import { sniffFormat } from '../../../src/capture/sniff.js';

describe('sniffFormat', () => {
  test.each([
    [[0xd4, 0xc3, 0xb2, 0xa1], 'pcap'], // µs LE
    [[0xa1, 0xb2, 0xc3, 0xd4], 'pcap'], // µs BE
    [[0x4d, 0x3c, 0xb2, 0xa1], 'pcap'], // ns LE
    [[0xa1, 0xb2, 0x3c, 0x4d], 'pcap'], // ns BE
    [[0x34, 0xcd, 0xb2, 0xa1], 'pcap'], // modified LE
    [[0xa1, 0xb2, 0xcd, 0x34], 'pcap'], // modified BE
    [[0x0a, 0x0d, 0x0d, 0x0a], 'pcapng'],
    [[0x1f, 0x8b, 0x08, 0x00], 'gzip'],
  ])('%j -> %s', (bytes, fmt) => {
    expect(sniffFormat(Uint8Array.from(bytes))).toBe(fmt);
  });

  test('fewer than 4 bytes -> need-more', () => {
    expect(sniffFormat(new Uint8Array(0))).toBe('need-more');
    expect(sniffFormat(Uint8Array.of(0xd4, 0xc3, 0xb2))).toBe('need-more');
  });

  test.each([[[0x00, 0x00, 0x00, 0x00]], [[0x73, 0x6e, 0x6f, 0x6f]] /* "snoop" */, [[0xa1, 0xb2, 0xc3, 0xd5]]])(
    '%j -> E_CAPTURE_BAD_MAGIC at offset 0',
    (bytes) => {
      expect(() => sniffFormat(Uint8Array.from(bytes))).toThrow(expect.objectContaining({ code: 'E_CAPTURE_BAD_MAGIC', offset: 0 }));
    },
  );
});
