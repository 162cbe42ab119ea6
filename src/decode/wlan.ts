// IEEE 802.11 framing for the link decoder: the radiotap and PPI capture headers and the 802.11 MAC header of a
// data frame, up to the start of its LLC header (which link.ts walks like any other 802.2 payload). It owns
// nothing else: no IP, no LLC. No I/O, never throws, no allocation per call: results go into a caller-owned
// WlanResult.

import { SKIP, type SkipCode } from '../types.js';

/** Result of the helpers below, owned by the caller and overwritten on every call. */
export class WlanResult {
  /** Offset of what follows the parsed header (802.11 frame, PPI payload, or the LLC header of an MSDU). */
  offset = 0;
  /** End (exclusive) of the bytes the next layer may read: the caller's end, minus a 4-byte FCS when present. */
  end = 0;
  /** Radiotap: the Flags field's DATAPAD bit (802.11 header padded to 32 bits). PPI: always false. */
  dataPad = false;
  /** PPI: the DLT of the packet that follows the PPI header. */
  dlt = 0;
}

/** Radiotap Flags field bits (https://www.radiotap.org/fields/Flags). */
export const RADIOTAP_FLAGS = {
  /** "frame includes FCS": the last 4 bytes of the frame are the 802.11 FCS. */
  FCS: 0x10,
  /** "frame has padding between 802.11 header and payload (to 32-bit boundary)". */
  DATA_PAD: 0x20,
} as const;

function le16(d: Uint8Array, at: number): number {
  return (d[at] ?? 0) | ((d[at + 1] ?? 0) << 8);
}

function le32(d: Uint8Array, at: number): number {
  return ((d[at] ?? 0) | ((d[at + 1] ?? 0) << 8) | ((d[at + 2] ?? 0) << 16) | ((d[at + 3] ?? 0) << 24)) >>> 0;
}

/**
 * Parses the radiotap header at data[off..end) (LINKTYPE_IEEE802_11_RADIOTAP, 127). On SKIP.NONE, `r.offset` is
 * where the 802.11 frame starts (off + it_len), `r.end` is `end` minus 4 when the Flags field says the frame
 * ends with an FCS, and `r.dataPad` is the Flags field's DATAPAD bit.
 * Returns truncated_link when the capture ends inside the header, not_ip for a header that is not radiotap
 * version 0 or whose length field or present bitmaps are inconsistent. Never throws.
 */
export function parseRadiotap(data: Uint8Array, off: number, end: number, r: WlanResult): SkipCode {
  // https://www.radiotap.org/ "Header": it_version(1) it_pad(1) it_len(2, little-endian, whole header)
  // it_present(4, little-endian; bit 31 = another it_present word follows).
  if (end - off < 8) return SKIP.TRUNCATED_LINK;
  if (data[off] !== 0) return SKIP.NOT_IP; // only version 0 is defined
  const itLen = le16(data, off + 2);
  if (itLen < 8) return SKIP.NOT_IP;
  if (end - off < itLen) return SKIP.TRUNCATED_LINK;
  const hdrEnd = off + itLen;
  const present0 = le32(data, off + 4);
  // radiotap.org "Extended presence masks": skip every further it_present word; the fields start after the last.
  let p = off + 4;
  let word = present0;
  while ((word & 0x80000000) !== 0) {
    p += 4;
    if (p + 4 > hdrEnd) return SKIP.NOT_IP;
    word = le32(data, p);
  }
  p += 4;
  let flags = 0;
  // Bit 1 of the first word (radiotap namespace) is Flags (u8). Only TSFT (bit 0: u64, aligned to 8 bytes from
  // the start of the header, radiotap.org "Alignment in Radiotap") can come before it.
  if ((present0 & 0x2) !== 0) {
    let rel = p - off;
    if ((present0 & 0x1) !== 0) rel = ((rel + 7) & ~7) + 8;
    if (rel >= itLen) return SKIP.NOT_IP;
    flags = data[off + rel] ?? 0;
  }
  r.offset = hdrEnd;
  r.end = (flags & RADIOTAP_FLAGS.FCS) !== 0 ? end - 4 : end;
  r.dataPad = (flags & RADIOTAP_FLAGS.DATA_PAD) !== 0;
  return SKIP.NONE;
}

/** PPI field type of the 802.11-Common field (PPI specification, "802.11-Common"). */
const PPI_80211_COMMON = 2;
/** 802.11-Common Flags bit 0: "FCS present". */
const PPI_COMMON_FCS = 0x0001;

/**
 * Parses the PPI header at data[off..end) (LINKTYPE_PPI, 192; CACE "Per-Packet Information Header
 * Specification" 1.0.10). On SKIP.NONE, `r.offset` is where the encapsulated packet starts (off + pph_len),
 * `r.dlt` its LINKTYPE (pph_dlt), and `r.end` is `end` minus 4 when the DLT is 802.11 (105) and an 802.11-Common
 * field says the frame has an FCS. Returns truncated_link when the capture ends inside the header, not_ip for a version other than 0 or a
 * header length below 8. Fields past pph_len are ignored. Never throws.
 */
export function parsePpi(data: Uint8Array, off: number, end: number, r: WlanResult): SkipCode {
  // Packet header: pph_version(1) pph_flags(1; bit 0 = fields 32-bit aligned) pph_len(2, LE, whole header) pph_dlt(4, LE).
  if (end - off < 8) return SKIP.TRUNCATED_LINK;
  if (data[off] !== 0) return SKIP.NOT_IP;
  const aligned = ((data[off + 1] ?? 0) & 0x1) !== 0;
  const pphLen = le16(data, off + 2);
  if (pphLen < 8) return SKIP.NOT_IP;
  if (end - off < pphLen) return SKIP.TRUNCATED_LINK;
  const hdrEnd = off + pphLen;
  let fcs = false;
  // Field headers: pfh_type(2, LE) pfh_datalen(2, LE) then the data, padded to 4 when the header is aligned.
  // Each step advances at least 4 bytes, so the walk ends.
  let p = off + 8;
  while (p + 4 <= hdrEnd) {
    const type = le16(data, p);
    const len = le16(data, p + 2);
    if (p + 4 + len > hdrEnd) break;
    // 802.11-Common: TSF-Timer(8) Flags(2, LE) Rate(2) Channel-Freq(2) Channel-Flags(2) FHSS(2) dBm(2).
    if (type === PPI_80211_COMMON && len >= 20) fcs = (le16(data, p + 4 + 8) & PPI_COMMON_FCS) !== 0;
    p += 4 + (aligned ? (len + 3) & ~3 : len);
  }
  r.offset = hdrEnd;
  r.dlt = le32(data, off + 4);
  // The flag describes an 802.11 frame (Wireshark hands it to its 802.11 dissector only); other DLTs keep it all.
  r.end = fcs && r.dlt === 105 ? end - 4 : end;
  r.dataPad = false;
  return SKIP.NONE;
}

/**
 * Finds the MSDU of the 802.11 frame at data[off..end) (IEEE Std 802.11-2020 §9.2.3, §9.3.2.1). On SKIP.NONE
 * `r.offset` is where its 802.2 LLC header starts (for an A-MSDU, the first subframe's), `r.end` = `end`.
 * `dataPad`: radiotap's DATAPAD flag, which rounds the MAC header up to a multiple of 4 bytes.
 * Returns not_ip for management, control and extension frames, data frames without a payload (Null, QoS Null,
 * CF-Ack/Poll only), protected (encrypted) frames, fragments after the first, and protocol versions other than
 * 0; truncated_link when the capture ends inside the MAC header (or the A-MSDU subframe header). Never throws.
 */
export function wlanMsdu(data: Uint8Array, off: number, end: number, dataPad: boolean, r: WlanResult): SkipCode {
  if (end - off < 2) return SKIP.TRUNCATED_LINK;
  // §9.2.4.1.1 Frame Control, first octet: Protocol Version (b0-b1), Type (b2-b3), Subtype (b4-b7);
  // second octet: To DS (b8), From DS (b9), More Fragments (b10), Retry, Power Mgmt, More Data,
  // Protected Frame (b14), +HTC/Order (b15).
  const fc0 = data[off] ?? 0;
  const fc1 = data[off + 1] ?? 0;
  if ((fc0 & 0x03) !== 0) return SKIP.NOT_IP;
  if (((fc0 >> 2) & 0x03) !== 2) return SKIP.NOT_IP; // §9.2.4.1.3 Table 9-1: type 2 = Data
  const subtype = fc0 >> 4;
  // Table 9-1: subtype bit 2 set = no Frame Body (Null, CF-Ack, CF-Poll, QoS Null, ...).
  if ((subtype & 0x4) !== 0) return SKIP.NOT_IP;
  if ((fc1 & 0x40) !== 0) return SKIP.NOT_IP; // §9.2.4.1.9: the body is encrypted
  // §9.3.2.1: Frame Control(2) Duration/ID(2) Address 1-3 (18) Sequence Control(2) = 24, Address 4 (6) when
  // both To DS and From DS are set, QoS Control (2) in QoS data subtypes (bit 3), HT Control (4) when a QoS
  // data frame has the +HTC/Order bit set (§9.2.4.1.10).
  let hdr = 24;
  if ((fc1 & 0x03) === 0x03) hdr += 6;
  const qosAt = off + hdr;
  const qos = (subtype & 0x8) !== 0;
  if (qos) {
    hdr += 2;
    if ((fc1 & 0x80) !== 0) hdr += 4;
  }
  const padded = dataPad ? (hdr + 3) & ~3 : hdr;
  if (end - off < padded) return SKIP.TRUNCATED_LINK;
  // §9.2.4.4 Sequence Control: Fragment Number in the low 4 bits. Later fragments carry no LLC header.
  if (((data[off + 22] ?? 0) & 0x0f) !== 0) return SKIP.NOT_IP;
  let msdu = off + padded;
  // §9.2.4.5.9: QoS Control bit 7 = A-MSDU Present; §9.3.2.2.2 A-MSDU subframe header: DA(6) SA(6) Length(2).
  if (qos && ((data[qosAt] ?? 0) & 0x80) !== 0) {
    msdu += 14;
    if (msdu > end) return SKIP.TRUNCATED_LINK;
  }
  r.offset = msdu;
  r.end = end;
  return SKIP.NONE;
}
