// IP address text <-> bytes: IPv4 dotted quad and IPv6 in RFC 5952 canonical form, matching what tshark prints
// for ip.src / ipv6.src. Used when writing flow records and parsing user input, not on the per-packet path
// (formatAddress returns a new string). No I/O.

const HEX = '0123456789abcdef';

/**
 * Text form of an address.
 * - ipVersion 4: bytes 0-3 as a dotted quad, e.g. `10.0.0.1`.
 * - ipVersion 6: bytes 0-15 in RFC 5952 §4 canonical form: lower-case hex without leading zeros (§4.1, §4.3),
 *   the longest run of two or more zero groups shortened to `::`, the first run on a tie (§4.2.1-§4.2.3), a single
 *   zero group never shortened (§4.2.2). IPv4-mapped addresses `::ffff:0:0/96` end in dotted-quad form (§5),
 *   e.g. `::ffff:1.2.3.4`, as tshark 4.0 prints ipv6.src. tshark also prints the deprecated IPv4-compatible form
 *   `::a.b.c.d` (RFC 4291 §2.5.5.1) when the seventh group is non-zero, so we do too; other embedded forms
 *   (`64:ff9b::/96`, `::ffff:0:a.b.c.d`) stay hex, as in tshark (see address.test.ts).
 * Reads only the first 4 or 16 bytes of `bytes` (PacketMeta address buffers are 16 bytes long for both).
 * Any other ipVersion, or too few bytes, returns '' (never throws).
 */
export function formatAddress(bytes: Uint8Array, ipVersion: number): string {
  if (ipVersion === 4) {
    if (bytes.length < 4) return '';
    return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  }
  if (ipVersion !== 6 || bytes.length < 16) return '';
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 8; i++) groups[i] = ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0);
  // RFC 5952 §5: ::ffff:a.b.c.d for IPv4-mapped addresses (RFC 4291 §2.5.5.2).
  if (
    groups[0] === 0 &&
    groups[1] === 0 &&
    groups[2] === 0 &&
    groups[3] === 0 &&
    groups[4] === 0 &&
    groups[5] === 0xffff
  ) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  // IPv4-compatible form (RFC 4291 §2.5.5.1, deprecated): tshark, like BIND's inet_ntop, prints ::a.b.c.d when
  // the first six groups are zero and the seventh is not (so ::1 and :: stay hex).
  if (
    groups[0] === 0 &&
    groups[1] === 0 &&
    groups[2] === 0 &&
    groups[3] === 0 &&
    groups[4] === 0 &&
    groups[5] === 0 &&
    groups[6] !== 0
  ) {
    return `::${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  // RFC 5952 §4.2: find the longest run (>= 2) of zero groups; the first one wins a tie.
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && groups[i] === 0) {
      if (runStart < 0) runStart = i;
    } else if (runStart >= 0) {
      const len = i - runStart;
      if (len > bestLen) {
        bestStart = runStart;
        bestLen = len;
      }
      runStart = -1;
    }
  }
  if (bestLen < 2) bestStart = -1;
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += '::';
      i += bestLen - 1;
      continue;
    }
    if (text !== '' && !text.endsWith(':')) text += ':';
    text += hex16(groups[i] ?? 0);
  }
  return text;
}

function hex16(v: number): string {
  // RFC 5952 §4.1 (no leading zeros) and §4.3 (lower case).
  if (v === 0) return '0';
  let s = '';
  while (v > 0) {
    s = HEX[v & 0xf] + s;
    v >>>= 4;
  }
  return s;
}

/**
 * Bytes of an address written as text: a dotted quad (4 bytes) or any RFC 4291 §2.2 IPv6 text form, including
 * `::` shortening and a trailing dotted quad (16 bytes). Hex digits may be upper or lower case. Returns null when
 * `text` is not an address (no zone ids, no prefix lengths, no leading zeros in IPv4 parts). Allocates a new array.
 */
export function parseAddress(text: string): Uint8Array | null {
  if (text.includes(':')) return parseIpv6(text);
  const v4 = new Uint8Array(4);
  return parseIpv4Into(text, v4, 0) ? v4 : null;
}

function parseIpv4Into(text: string, out: Uint8Array, at: number): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return false;
    const n = Number(p);
    if (n > 255) return false;
    out[at + i] = n;
  }
  return true;
}

function parseIpv6(text: string): Uint8Array | null {
  const out = new Uint8Array(16);
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : (halves[0] ?? '').split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] ?? '').split(':')) : [];
  // A trailing dotted quad (RFC 4291 §2.2 form 3) stands for two groups.
  const all = halves.length === 2 ? tail : head;
  const last = all[all.length - 1];
  let v4Tail = false;
  if (last !== undefined && last.includes('.')) {
    v4Tail = true;
    all.pop();
  }
  const groupsNeeded = v4Tail ? 6 : 8;
  const groupCount = head.length + (halves.length === 2 ? tail.length : 0);
  if (halves.length === 2 ? groupCount > groupsNeeded - 1 : groupCount !== groupsNeeded) return null;
  const writeGroups = (groups: string[], startGroup: number): boolean => {
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] ?? '';
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
      const v = parseInt(g, 16);
      out[2 * (startGroup + i)] = v >> 8;
      out[2 * (startGroup + i) + 1] = v & 0xff;
    }
    return true;
  };
  if (!writeGroups(head, 0)) return null;
  if (halves.length === 2 && !writeGroups(tail, groupsNeeded - tail.length)) return null;
  if (v4Tail && !parseIpv4Into(last ?? '', out, 12)) return null;
  return out;
}
