// Builds classic pcap and pcapng files from frames, for tests, properties and the sample generator.
// Owns nothing in the product: it writes exactly the bytes the specs describe (pcap-savefile(5),
// draft-ietf-opsawg-pcapng) and also lets a test write wrong values on purpose (lengths, versions, magic).
//
// Classic pcap:
//   const file = buildPcap([{ tsSec: 1, tsFrac: 5, data: frame }], { littleEndian: false, nanosecond: true });
//   buildPcap(...).recordOffsets  -> byte offset of every record header
// pcapng (byte order per section, interfaces per section):
//   const b = new PcapngBuilder()
//     .section({ littleEndian: false })
//     .interface({ linkType: 1, snaplen: 0, tsresol: 9, tsoffset: 10 })
//     .epb({ interfaceId: 0, ts: 1_500_000_000_123456789n, data: frame })
//     .spb({ data: frame })
//     .block(PCAPNG_BLOCK_TYPE.ISB, new Uint8Array(8));
//   b.bytes()  -> Uint8Array of the whole file;  b.blocks -> [{ type, offset, length }] for every block.

import { CaptureParser } from '../../src/capture/capture-parser.js';
import { PcapflowError } from '../../src/errors.js';
import type { RawPacket } from '../../src/types.js';

/** Block type codes (pcapng §10.1). */
export const PCAPNG_BLOCK_TYPE = {
  SHB: 0x0a0d0d0a,
  IDB: 1,
  PB: 2,
  SPB: 3,
  NRB: 4,
  ISB: 5,
  EPB: 6,
  SJE: 9,
  DSB: 10,
  CB_COPY: 0x00000bad,
  CB_NOCOPY: 0x40000bad,
} as const;

/** One frame for a classic pcap record. */
export interface PcapFrame {
  data: Uint8Array;
  /** Seconds field (unsigned 32 bits). Default 0. */
  tsSec?: number;
  /** Fraction field, in µs or ns per the file's magic (written as is, even if >= 1e6/1e9). Default 0. */
  tsFrac?: number;
  /** Original length; default data.length. */
  origLen?: number;
  /** Captured-length field to write instead of data.length (to build hostile records). */
  capLenField?: number;
}

export interface PcapOptions {
  /** Byte order of the whole file. Default true (little-endian). */
  littleEndian?: boolean;
  /** Nanosecond magic a1b23c4d instead of a1b2c3d4. */
  nanosecond?: boolean;
  /** Kuznetzov "modified" magic a1b2cd34 with 24-byte record headers (the extra 8 bytes written as zero). */
  modified?: boolean;
  /** Override the magic number entirely (as the value read in the file's byte order). */
  magic?: number;
  versionMajor?: number;
  versionMinor?: number;
  /** Default 262144. */
  snaplen?: number;
  /** The whole 32-bit LinkType-and-additional-information field. Default 1 (Ethernet). */
  linkType?: number;
}

export interface BuiltPcap {
  bytes: Uint8Array;
  /** Offset of each record header, in order. */
  recordOffsets: number[];
}

class ByteSink {
  private buf = new Uint8Array(256);
  private dv = new DataView(this.buf.buffer);
  length = 0;
  readonly le: boolean;
  constructor(le: boolean) {
    this.le = le;
  }
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
    this.dv = new DataView(grown.buffer);
  }
  u8(v: number): this {
    this.ensure(1);
    this.dv.setUint8(this.length, v);
    this.length += 1;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.dv.setUint16(this.length, v, this.le);
    this.length += 2;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.dv.setUint32(this.length, v >>> 0, this.le);
    this.length += 4;
    return this;
  }
  u32be(v: number): this {
    this.ensure(4);
    this.dv.setUint32(this.length, v >>> 0, false);
    this.length += 4;
    return this;
  }
  u64(v: bigint): this {
    const x = BigInt.asUintN(64, v);
    const hi = Number(x >> 32n);
    const lo = Number(x & 0xffffffffn);
    return this.le ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }
  pad4(): this {
    while (this.length % 4 !== 0) this.u8(0);
    return this;
  }
  setU32At(at: number, v: number): void {
    this.dv.setUint32(at, v >>> 0, this.le);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Build a classic pcap file (pcap-savefile(5)): 24-byte header, then one record per frame. */
export function buildPcap(frames: PcapFrame[], opts: PcapOptions = {}): BuiltPcap {
  const le = opts.littleEndian ?? true;
  const s = new ByteSink(le);
  const magic = opts.magic ?? (opts.modified ? 0xa1b2cd34 : opts.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4);
  s.u32(magic)
    .u16(opts.versionMajor ?? 2)
    .u16(opts.versionMinor ?? 4)
    .u32(0)
    .u32(0)
    .u32(opts.snaplen ?? 262144)
    .u32(opts.linkType ?? 1);
  const recordOffsets: number[] = [];
  for (const f of frames) {
    recordOffsets.push(s.length);
    s.u32(f.tsSec ?? 0)
      .u32(f.tsFrac ?? 0)
      .u32(f.capLenField ?? f.data.length)
      .u32(f.origLen ?? f.data.length);
    if (opts.modified) s.u32(0).u16(0).u8(0).u8(0);
    s.bytes(f.data);
  }
  return { bytes: s.result(), recordOffsets };
}

/** One pcapng option (§3.5): code, raw value (padded to 32 bits by the builder). */
export interface PcapngOption {
  code: number;
  value: Uint8Array;
}

/** if_tsresol (code 9): 10^-v seconds, or 2^-(v & 0x7f) when v has bit 0x80 set. */
export function tsresolOption(v: number): PcapngOption {
  return { code: 9, value: Uint8Array.of(v) };
}

/** A UTF-8 string option (comment = code 1, if_name = 2, shb_hardware = 2 in an SHB, ...). */
export function stringOption(code: number, text: string): PcapngOption {
  return { code, value: new TextEncoder().encode(text) };
}

export interface SectionOptions {
  littleEndian?: boolean;
  versionMajor?: number;
  versionMinor?: number;
  /** Section Length; default -1 (unknown). */
  sectionLength?: bigint;
  options?: PcapngOption[];
}

export interface InterfaceOptions {
  linkType?: number;
  snaplen?: number;
  /** if_tsresol byte; omitted -> default 10^-6. */
  tsresol?: number;
  /** if_tsoffset in seconds (signed 64-bit). */
  tsoffset?: bigint | number;
  options?: PcapngOption[];
}

export interface PacketOptions {
  interfaceId?: number;
  /** Timestamp in the interface's units (64 bits). Default 0. */
  ts?: bigint;
  data: Uint8Array;
  origLen?: number;
  /** Captured-length field to write instead of data.length (hostile values). */
  capLenField?: number;
  options?: PcapngOption[];
}

export interface BuiltBlock {
  type: number;
  offset: number;
  length: number;
}

/** Builds a pcapng file block by block; every block goes into the current section's byte order. */
export class PcapngBuilder {
  private parts: Uint8Array[] = [];
  private total = 0;
  private le = true;
  /** Every block written so far, with its offset and total length. */
  readonly blocks: BuiltBlock[] = [];

  /** Start a section: SHB (§4.1) with the given byte order and version (default 1.0). */
  section(o: SectionOptions = {}): this {
    this.le = o.littleEndian ?? true;
    const body = this.sink();
    body.u32(0x1a2b3c4d).u16(o.versionMajor ?? 1).u16(o.versionMinor ?? 0).u64(o.sectionLength ?? -1n);
    this.writeOptions(body, o.options);
    return this.block(PCAPNG_BLOCK_TYPE.SHB, body.result());
  }

  /** IDB (§4.2). */
  interface(o: InterfaceOptions = {}): this {
    const body = this.sink();
    body.u16(o.linkType ?? 1).u16(0).u32(o.snaplen ?? 0);
    const opts: PcapngOption[] = [...(o.options ?? [])];
    if (o.tsresol !== undefined) opts.push(tsresolOption(o.tsresol));
    if (o.tsoffset !== undefined) {
      const v = this.sink().u64(BigInt(o.tsoffset));
      opts.push({ code: 14, value: v.result() });
    }
    this.writeOptions(body, opts);
    return this.block(PCAPNG_BLOCK_TYPE.IDB, body.result());
  }

  /** EPB (§4.3). */
  epb(o: PacketOptions): this {
    const body = this.sink();
    const ts = BigInt.asUintN(64, o.ts ?? 0n);
    body
      .u32(o.interfaceId ?? 0)
      .u32(Number(ts >> 32n))
      .u32(Number(ts & 0xffffffffn))
      .u32(o.capLenField ?? o.data.length)
      .u32(o.origLen ?? o.data.length)
      .bytes(o.data)
      .pad4();
    this.writeOptions(body, o.options);
    return this.block(PCAPNG_BLOCK_TYPE.EPB, body.result());
  }

  /** Obsolete Packet Block (pcapng Appendix A): 16-bit interface id, 16-bit drops count. */
  pb(o: PacketOptions): this {
    const body = this.sink();
    const ts = BigInt.asUintN(64, o.ts ?? 0n);
    body
      .u16(o.interfaceId ?? 0)
      .u16(0)
      .u32(Number(ts >> 32n))
      .u32(Number(ts & 0xffffffffn))
      .u32(o.capLenField ?? o.data.length)
      .u32(o.origLen ?? o.data.length)
      .bytes(o.data)
      .pad4();
    this.writeOptions(body, o.options);
    return this.block(PCAPNG_BLOCK_TYPE.PB, body.result());
  }

  /** SPB (§4.4): original length, then the data (which may be shorter than origLen when snaplen cut it). */
  spb(o: { data: Uint8Array; origLen?: number }): this {
    const body = this.sink();
    body.u32(o.origLen ?? o.data.length).bytes(o.data).pad4();
    return this.block(PCAPNG_BLOCK_TYPE.SPB, body.result());
  }

  /**
   * Any block: type, body (padded to 32 bits), framed with the two total-length fields. `lengthField` and
   * `trailerField` override the written lengths (to build corrupt blocks).
   */
  block(type: number, body: Uint8Array, o: { lengthField?: number; trailerField?: number } = {}): this {
    const s = this.sink();
    const padded = body.length + ((4 - (body.length % 4)) % 4);
    const len = 12 + padded;
    if (type === PCAPNG_BLOCK_TYPE.SHB) s.u32be(type);
    else s.u32(type);
    s.u32(o.lengthField ?? len).bytes(body).pad4().u32(o.trailerField ?? len);
    this.blocks.push({ type, offset: this.total, length: len });
    this.append(s.result());
    return this;
  }

  /** Raw bytes appended as is (no framing). */
  raw(bytes: Uint8Array): this {
    this.append(bytes);
    return this;
  }

  /** The file so far. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.total);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  private append(b: Uint8Array): void {
    this.parts.push(b);
    this.total += b.length;
  }

  private sink(): ByteSink {
    return new ByteSink(this.le);
  }

  private writeOptions(s: ByteSink, options: PcapngOption[] | undefined): void {
    if (options === undefined || options.length === 0) return;
    for (const o of options) s.u16(o.code).u16(o.value.length).bytes(o.value).pad4();
    s.u16(0).u16(0); // opt_endofopt
  }
}

/** A deterministic test frame of `n` bytes whose content depends on `seed` (no Ethernet meaning). */
export function testFrame(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 17 + 7) & 0xff;
  return b;
}

// ---------------------------------------------------------------------------------------------------------
// Reading back (for tests): run bytes through CaptureParser, optionally split into chunks.


export interface ParsedCapture {
  packets: RawPacket[];
  error: PcapflowError | null;
  blockCounts: Record<string, number>;
  bytesConsumed: number;
}

/**
 * Parse `bytes` with a fresh CaptureParser, pushing chunks of the given sizes in turn (cycled; default: one
 * chunk), draining next() after each push, then end(). Packets are copied. A PcapflowError is returned, not
 * thrown; any other exception propagates (that is a bug).
 */
export function parseAll(bytes: Uint8Array, chunkSizes: number[] = [], firstPacketIndex = 0): ParsedCapture {
  const parser = new CaptureParser({ fileName: 'test.cap', firstPacketIndex });
  const packets: RawPacket[] = [];
  let error: PcapflowError | null = null;
  try {
    let at = 0;
    let i = 0;
    while (at < bytes.length) {
      const size = chunkSizes.length === 0 ? bytes.length : Math.max(1, chunkSizes[i++ % chunkSizes.length] as number);
      parser.push(bytes.subarray(at, at + size));
      at += size;
      for (let p = parser.next(); p !== null; p = parser.next()) packets.push({ ...p, data: p.data.slice() });
    }
    parser.end();
  } catch (err) {
    if (!(err instanceof PcapflowError)) throw err;
    error = err;
  }
  return { packets, error, blockCounts: { ...parser.blockCounts }, bytesConsumed: parser.bytesConsumed };
}
