// Capture-format detection from the first four bytes of a file. Owns the table of magic numbers pcapflow
// accepts; it does no I/O and allocates nothing.

import { PcapflowError } from '../errors.js';

/** What the first bytes say the input is. 'gzip' means "decompress first, then sniff again". */
export type CaptureFormat = 'pcap' | 'pcapng' | 'gzip';

/**
 * Classic pcap magic numbers as read big-endian from bytes 0-3 (pcap-savefile(5); draft-ietf-opsawg-pcap §4):
 * a1b2c3d4 µs, a1b23c4d ns, a1b2cd34 Kuznetzov "modified" pcap (libpcap KUZNETZOV_TCPDUMP_MAGIC), each in both
 * byte orders.
 */
const PCAP_MAGICS: readonly number[] = [
  0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0xa1b2cd34, 0x34cdb2a1,
];
/** pcapng Section Header Block type, a palindrome so it reads the same in both byte orders (pcapng §4.1). */
const PCAPNG_SHB = 0x0a0d0d0a;

/**
 * Detect the capture format from the first bytes of a (possibly compressed) capture.
 * @param head at least the first 4 bytes of the file (more are ignored).
 * @returns 'need-more' if `head` holds fewer than 4 bytes.
 * @throws PcapflowError E_CAPTURE_BAD_MAGIC (offset 0) when the bytes are none of pcap, pcapng or gzip.
 */
export function sniffFormat(head: Uint8Array): CaptureFormat | 'need-more' {
  if (head.length < 4) return 'need-more';
  const b0 = head[0] as number;
  const b1 = head[1] as number;
  // gzip member header: ID1 = 0x1f, ID2 = 0x8b (RFC 1952 §2.3.1).
  if (b0 === 0x1f && b1 === 0x8b) return 'gzip';
  const magic = ((b0 << 24) | (b1 << 16) | ((head[2] as number) << 8) | (head[3] as number)) >>> 0;
  if (magic === PCAPNG_SHB) return 'pcapng';
  if (PCAP_MAGICS.includes(magic)) return 'pcap';
  throw new PcapflowError(
    'E_CAPTURE_BAD_MAGIC',
    `not a pcap, pcapng or gzip file (first bytes 0x${magic.toString(16).padStart(8, '0')})`,
    { offset: 0, layer: 'file magic' },
  );
}
