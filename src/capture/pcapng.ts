// pcapng framing (draft-ietf-opsawg-pcapng, "PCAP Now Generic"): sections (SHB), interfaces (IDB) with their
// link type, snaplen, if_tsresol and if_tsoffset, and the packet blocks EPB, SPB and the obsolete PB. Every
// other block is skipped by its length and counted. Pure: handed bytes by CaptureParser, no I/O, no copies of
// packet bytes, no allocation per packet (BigInt only for timestamp resolutions finer than 1 ns).

import { PcapflowError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { RawPacket } from '../types.js';
import type { FramingParser } from './capture-parser.js';

/** Block type codes (pcapng §4 and §10.1 "Block Type Codes"). */
export const PCAPNG_BLOCK = {
  SHB: 0x0a0d0d0a,
  IDB: 0x00000001,
  PB: 0x00000002, // obsolete Packet Block (pcapng Appendix A)
  SPB: 0x00000003,
  NRB: 0x00000004,
  ISB: 0x00000005,
  EPB: 0x00000006,
  SJE: 0x00000009, // systemd Journal Export
  DSB: 0x0000000a, // Decryption Secrets
  CB_COPY: 0x00000bad, // Custom Block that rewriters may copy (§4.8)
  CB_NOCOPY: 0x40000bad, // Custom Block that rewriters should not copy
} as const;

/**
 * Largest block pcapflow buffers: 16 MiB. A packet block needs at most 32 + 262144 (tcpdump's maximum snaplen)
 * + options; anything bigger is almost surely a corrupt length, and refusing it bounds the memory a hostile
 * file can make the reader hold (the block must be buffered whole to check its trailer).
 */
export const PCAPNG_MAX_BLOCK_LEN = 16 * 1024 * 1024;

const BOM_BE = 0x1a2b3c4d; // Byte-Order Magic as read big-endian from a big-endian section (§4.1)
const BOM_LE = 0x4d3c2b1a; // ... and from a little-endian one
const TWO_32 = 4294967296;

/** Timestamp conversion kinds per interface. */
const TS_DECIMAL = 0; // if_tsresol 10^-k, k <= 9: split arithmetic
const TS_BINARY = 1; // if_tsresol 2^-k, k <= 32: shifts + one exact multiply
const TS_BIGINT = 2; // finer than the two above: BigInt (rare)

/** Name under which skipped block types are counted in `blockCounts`. */
function skippedBlockName(type: number): string {
  switch (type) {
    case PCAPNG_BLOCK.NRB:
      return 'NRB';
    case PCAPNG_BLOCK.ISB:
      return 'ISB';
    case PCAPNG_BLOCK.SJE:
      return 'SJE';
    case PCAPNG_BLOCK.DSB:
      return 'DSB';
    case PCAPNG_BLOCK.CB_COPY:
    case PCAPNG_BLOCK.CB_NOCOPY:
      return 'CB';
    default:
      return 'unknown';
  }
}

/**
 * Incremental pcapng framer; one instance per file, many sections allowed (each with its own byte order and
 * its own interfaces). See FramingParser for the step protocol.
 *
 * Simple Packet Blocks carry no timestamp (§4.4). tshark shows none (frame.time_epoch is empty for them), which
 * a number cannot say; pcapflow gives an SPB the timestamp of the previous packet of the same section (0 if it
 * is the first), so time never runs backwards because of an SPB and flow timeouts are not disturbed.
 */
export class PcapngParser implements FramingParser {
  need = 0;
  hasPacket = false;
  private readonly pkt: RawPacket;
  private readonly file: string | undefined;
  private readonly counts: Record<string, number>;
  private le = true;
  private inSection = false;
  /** Blocks fully parsed so far (the 1-based number of the last block). */
  private blocks = 0;
  // Per-interface state of the current section, indexed by interface id (arrays reused across sections).
  private ifCount = 0;
  private readonly ifLinkType: number[] = [];
  private readonly ifSnaplen: number[] = [];
  private readonly ifTsKind: number[] = [];
  /** TS_DECIMAL: 10^k; TS_BINARY and TS_BIGINT: k (the exponent). */
  private readonly ifTsParam: number[] = [];
  /** TS_DECIMAL: 10^(9-k), the factor from units to ns; TS_BIGINT: 1 for binary, 0 for decimal. */
  private readonly ifTsMul: number[] = [];
  private readonly ifTsDigits: number[] = [];
  private readonly ifTsOffset: number[] = [];
  private lastSec = 0;
  private lastNs = 0;
  private tsSec = 0;
  private tsNs = 0;

  constructor(pkt: RawPacket, blockCounts: Record<string, number>, fileName?: string) {
    this.pkt = pkt;
    this.counts = blockCounts;
    this.file = fileName;
  }

  /**
   * Parse one block at buf[pos..end). Returns its length (> 0), or 0 when `need` bytes from pos are required.
   * Sets `hasPacket` when the block was EPB, SPB or PB.
   * @throws PcapflowError E_PCAPNG_BLOCK_LENGTH, E_PCAPNG_BLOCK_TRAILER, E_PCAPNG_BAD_VERSION,
   *   E_PCAPNG_BAD_OPTION, E_PCAPNG_BAD_INTERFACE, E_CAPTURE_BAD_MAGIC (unknown byte-order magic)
   */
  step(buf: Uint8Array, dv: DataView, pos: number, end: number, abs: number): number {
    this.hasPacket = false;
    const avail = end - pos;
    // Every block starts with type(4) + total length(4) (§3.1); an SHB needs 4 more for its byte-order magic.
    if (avail < 12) {
      this.need = 12;
      return 0;
    }
    let le = this.le;
    const type = dv.getUint32(pos, le); // the SHB type reads the same in both byte orders
    if (type === PCAPNG_BLOCK.SHB) {
      const bom = dv.getUint32(pos + 8, false);
      if (bom === BOM_BE) le = false;
      else if (bom === BOM_LE) le = true;
      else {
        throw this.error('E_CAPTURE_BAD_MAGIC', 'pcapng section header has an unknown byte-order magic', abs, 'SHB');
      }
    } else if (!this.inSection) {
      throw this.error('E_PCAPNG_NO_SECTION', 'pcapng block before any section header', abs, 'pcapng block');
    }
    const len = dv.getUint32(pos + 4, le); // Block Total Length (§3.1)
    if (len < 12 || len % 4 !== 0 || len > PCAPNG_MAX_BLOCK_LEN) {
      throw this.error(
        'E_PCAPNG_BLOCK_LENGTH',
        len > PCAPNG_MAX_BLOCK_LEN
          ? `block length ${len} exceeds pcapflow's limit of ${PCAPNG_MAX_BLOCK_LEN}`
          : `block length ${len} is ${len < 12 ? 'below 12' : 'not a multiple of 4'}`,
        abs,
        'pcapng block',
        12,
        len,
      );
    }
    const minLen = minBlockLen(type);
    if (len < minLen) {
      throw this.error('E_PCAPNG_BLOCK_LENGTH', `block length ${len} is too short for its type (needs ${minLen})`, abs, 'pcapng block', minLen, len);
    }
    if (avail < len) {
      this.need = len;
      return 0;
    }
    const bodyEnd = pos + len - 4;
    switch (type) {
      case PCAPNG_BLOCK.EPB:
        this.packetBlock(buf, dv, pos, bodyEnd, abs, le, dv.getUint32(pos + 8, le), 28);
        break;
      case PCAPNG_BLOCK.PB:
        // Obsolete Packet Block: Interface ID is 16 bits, followed by a 16-bit drops count (Appendix A).
        this.packetBlock(buf, dv, pos, bodyEnd, abs, le, dv.getUint16(pos + 8, le), 28);
        break;
      case PCAPNG_BLOCK.SPB:
        this.simplePacketBlock(buf, dv, pos, bodyEnd, abs, le);
        break;
      case PCAPNG_BLOCK.IDB:
        this.interfaceBlock(dv, pos, bodyEnd, abs, le);
        break;
      case PCAPNG_BLOCK.SHB:
        this.sectionBlock(dv, pos, bodyEnd, abs, le);
        break;
      default: {
        const name = skippedBlockName(type);
        this.counts[name] = (this.counts[name] ?? 0) + 1;
      }
    }
    // Trailing Block Total Length (§3.1), checked after the body so that a broken option inside a block is
    // reported as such (as Wireshark does).
    const trailer = dv.getUint32(bodyEnd, le);
    if (trailer !== len) {
      this.hasPacket = false;
      throw this.error('E_PCAPNG_BLOCK_TRAILER', `block trailer length ${trailer} differs from header length ${len}`, abs, 'pcapng block', len, trailer);
    }
    this.blocks++;
    if (this.hasPacket) this.pkt.recordNumber = this.blocks;
    return len;
  }

  /** The error for input that ended with `available` bytes of an incomplete block at `abs`. */
  truncated(available: number, abs: number): PcapflowError {
    const required = available < 12 ? 12 : this.need;
    if (this.blocks === 0) {
      return this.error('E_CAPTURE_TRUNCATED_HEADER', `pcapng section header cut short: needs ${required} bytes, ${available} remain`, abs, 'SHB', required, available);
    }
    return this.error(
      'E_PCAPNG_BLOCK_TRUNCATED',
      `truncated pcapng block: ${available < 12 ? 'block header' : 'block'} needs ${required} bytes, ${available} remain`,
      abs,
      available < 12 ? 'pcapng block header' : 'pcapng block',
      required,
      available,
    );
  }

  /** EPB (§4.3) and obsolete PB: ifid, ts high, ts low, caplen (+20), origlen (+24), data (+28), options. */
  private packetBlock(buf: Uint8Array, dv: DataView, pos: number, bodyEnd: number, abs: number, le: boolean, ifId: number, dataOff: number): void {
    if (ifId >= this.ifCount) throw this.badInterface(ifId, abs);
    const capLen = dv.getUint32(pos + 20, le);
    const origLen = dv.getUint32(pos + 24, le);
    // Captured data is padded to 32 bits and must fit before the trailer.
    const padded = capLen + ((4 - (capLen & 3)) & 3);
    if (padded > bodyEnd - pos - dataOff) {
      throw this.error('E_PCAPNG_BLOCK_LENGTH', `captured length ${capLen} does not fit in a block of ${bodyEnd - pos + 4} bytes`, abs, 'packet block', dataOff + padded + 4, bodyEnd - pos + 4);
    }
    this.convertTs(ifId, dv.getUint32(pos + 12, le), dv.getUint32(pos + 16, le));
    // Packet options (epb_flags, comments, hashes ...) are not read, so they are not validated either.
    this.emit(buf, pos + dataOff, capLen, origLen, ifId, abs);
  }

  /** SPB (§4.4): original length (+8), data (+12). Captured length = min(origLen, snaplen, space in block). */
  private simplePacketBlock(buf: Uint8Array, dv: DataView, pos: number, bodyEnd: number, abs: number, le: boolean): void {
    if (this.ifCount === 0) throw this.badInterface(0, abs);
    const origLen = dv.getUint32(pos + 8, le);
    const space = bodyEnd - (pos + 12);
    const snap = this.ifSnaplen[0] as number;
    let capLen = origLen < space ? origLen : space;
    if (snap !== 0 && snap < capLen) capLen = snap;
    this.tsSec = this.lastSec;
    this.tsNs = this.lastNs;
    this.emit(buf, pos + 12, capLen, origLen, 0, abs);
    this.pkt.hasTimestamp = false;
  }

  private emit(buf: Uint8Array, dataPos: number, capLen: number, origLen: number, ifId: number, abs: number): void {
    const p = this.pkt;
    p.offset = abs;
    p.tsSec = this.tsSec;
    p.tsNs = this.tsNs;
    p.tsUs = this.tsSec * 1e6 + Math.floor(this.tsNs / 1000);
    p.tsDigits = this.ifTsDigits[ifId] as number;
    p.hasTimestamp = true;
    p.capLen = capLen;
    p.origLen = origLen;
    p.linkType = this.ifLinkType[ifId] as number;
    p.interfaceId = ifId;
    p.data = new Uint8Array(buf.buffer, buf.byteOffset + dataPos, capLen); // a plain view: see pcap.ts
    this.lastSec = this.tsSec;
    this.lastNs = this.tsNs;
    this.hasPacket = true;
  }

  /**
   * 64-bit timestamp (high, low) in the interface's units -> this.tsSec / this.tsNs, plus if_tsoffset.
   * Exact for every resolution: decimal 10^-k (k <= 9) by long division in 16-bit steps, so no intermediate
   * exceeds 2^53; binary 2^-k (k <= 32) by shifts and frac * 1e9 / 2^k = frac * 1953125 / 2^(k-9), whose product
   * stays below 2^53. Seconds above 2^53 (only with a resolution of 1 s or 2^-k for tiny k) lose precision.
   */
  private convertTs(ifId: number, hi: number, lo: number): void {
    const kind = this.ifTsKind[ifId] as number;
    const param = this.ifTsParam[ifId] as number;
    let sec: number;
    let ns: number;
    if (kind === TS_DECIMAL) {
      const d = param;
      const qh = Math.floor(hi / d);
      const rh = hi - qh * d;
      const t1 = rh * 65536 + (lo >>> 16);
      const q1 = Math.floor(t1 / d);
      const t2 = (t1 - q1 * d) * 65536 + (lo & 0xffff);
      const q2 = Math.floor(t2 / d);
      sec = qh * TWO_32 + q1 * 65536 + q2;
      ns = (t2 - q2 * d) * (this.ifTsMul[ifId] as number);
    } else if (kind === TS_BINARY) {
      const k = param;
      let frac: number;
      if (k === 0) {
        sec = hi * TWO_32 + lo;
        frac = 0;
      } else if (k === 32) {
        sec = hi;
        frac = lo;
      } else {
        const loSec = Math.floor(lo / 2 ** k);
        sec = hi * 2 ** (32 - k) + loSec;
        frac = lo - loSec * 2 ** k;
      }
      ns = k <= 9 ? frac * 1953125 * 2 ** (9 - k) : Math.floor((frac * 1953125) / 2 ** (k - 9));
    } else {
      const units = (BigInt(hi) << 32n) | BigInt(lo);
      const k = BigInt(param);
      const div = (this.ifTsMul[ifId] as number) === 1 ? 1n << k : 10n ** k;
      sec = Number(units / div);
      ns = Number(((units % div) * 1_000_000_000n) / div);
    }
    this.tsSec = sec + (this.ifTsOffset[ifId] as number);
    this.tsNs = ns;
  }

  /** SHB (§4.1): BOM (+8), major (+12), minor (+14), section length (+16, 64 bits), options (+24). */
  private sectionBlock(dv: DataView, pos: number, bodyEnd: number, abs: number, le: boolean): void {
    const major = dv.getUint16(pos + 12, le);
    const minor = dv.getUint16(pos + 14, le);
    // Version 1.0 is current; 1.2 was written by some old tools and is read by libpcap and Wireshark.
    // Anything else (0.1, 1.1, 2.0 ...) may lay blocks out differently: stop (E_PCAPNG_BAD_VERSION).
    if (major !== 1 || (minor !== 0 && minor !== 2)) {
      throw this.error('E_PCAPNG_BAD_VERSION', `unsupported pcapng section version ${major}.${minor}`, abs, 'SHB');
    }
    this.walkOptions(dv, pos + 24, bodyEnd, abs - pos, le, -1);
    this.le = le;
    this.inSection = true;
    this.ifCount = 0;
    this.lastSec = 0;
    this.lastNs = 0;
  }

  /** IDB (§4.2): LinkType (+8, 16 bits), reserved (+10), SnapLen (+12), options (+16). */
  private interfaceBlock(dv: DataView, pos: number, bodyEnd: number, abs: number, le: boolean): void {
    const id = this.ifCount;
    this.ifLinkType[id] = dv.getUint16(pos + 8, le);
    this.ifSnaplen[id] = dv.getUint32(pos + 12, le);
    this.setResolution(id, 6); // default if_tsresol: 10^-6 (§4.2)
    this.ifTsOffset[id] = 0;
    this.walkOptions(dv, pos + 16, bodyEnd, abs - pos, le, id);
    this.ifCount = id + 1;
  }

  /**
   * Walk options (§3.5: code(2), length(2), value padded to 32 bits) in [p, end); validates that each fits.
   * For an IDB (ifId >= 0) applies if_tsresol (code 9, 1 byte) and if_tsoffset (code 14, signed 64-bit seconds).
   * @param base abs - pos: added to a buffer position gives the absolute offset.
   */
  private walkOptions(dv: DataView, p: number, end: number, base: number, le: boolean, ifId: number): void {
    while (p + 4 <= end) {
      const code = dv.getUint16(p, le);
      const olen = dv.getUint16(p + 2, le);
      if (code === 0) return; // opt_endofopt
      const valueEnd = p + 4 + olen;
      if (valueEnd > end) {
        throw this.error('E_PCAPNG_BAD_OPTION', `option ${code} of length ${olen} runs past the end of its block`, base + p, 'pcapng option', olen, end - p - 4);
      }
      if (ifId >= 0) {
        if (code === 9 && olen === 1) this.setResolution(ifId, dv.getUint8(p + 4));
        else if (code === 14 && olen === 8) {
          const hi = dv.getInt32(p + 4 + (le ? 4 : 0), le);
          const lo = dv.getUint32(p + 4 + (le ? 0 : 4), le);
          this.ifTsOffset[ifId] = hi * TWO_32 + lo;
        }
      }
      p = valueEnd + ((4 - (olen & 3)) & 3);
    }
  }

  /** if_tsresol (§4.2): MSB 0 -> 10^-v seconds, MSB 1 -> 2^-(v & 0x7f) seconds. */
  private setResolution(id: number, v: number): void {
    if ((v & 0x80) === 0) {
      this.ifTsDigits[id] = v > 9 ? 9 : v;
      if (v <= 9) {
        this.ifTsKind[id] = TS_DECIMAL;
        this.ifTsParam[id] = 10 ** v;
        this.ifTsMul[id] = 10 ** (9 - v);
      } else {
        this.ifTsKind[id] = TS_BIGINT;
        this.ifTsParam[id] = v;
        this.ifTsMul[id] = 0;
      }
    } else {
      const k = v & 0x7f;
      // Decimal digits a 2^-k resolution justifies: ceil(k * log10 2), at most 9.
      const digits = Math.ceil(k * Math.log10(2));
      this.ifTsDigits[id] = digits > 9 ? 9 : digits;
      this.ifTsKind[id] = k <= 32 ? TS_BINARY : TS_BIGINT;
      this.ifTsParam[id] = k;
      this.ifTsMul[id] = 1;
    }
  }

  private badInterface(ifId: number, abs: number): PcapflowError {
    return this.error('E_PCAPNG_BAD_INTERFACE', `packet refers to interface ${ifId}, but the section defines ${this.ifCount}`, abs, 'packet block');
  }

  private error(code: ErrorCode, message: string, offset: number, layer: string, required?: number, available?: number): PcapflowError {
    const e = new PcapflowError(code, message, { offset, layer, recordNumber: this.blocks + 1 });
    if (required !== undefined) e.required = required;
    if (available !== undefined) e.available = available;
    if (this.file !== undefined) e.file = this.file;
    return e;
  }
}

/** Smallest legal total length per block type (fixed fields + 12 bytes of framing). */
function minBlockLen(type: number): number {
  switch (type) {
    case PCAPNG_BLOCK.SHB:
      return 28;
    case PCAPNG_BLOCK.IDB:
      return 20;
    case PCAPNG_BLOCK.EPB:
    case PCAPNG_BLOCK.PB:
      return 32;
    case PCAPNG_BLOCK.SPB:
      return 16;
    default:
      return 12;
  }
}
