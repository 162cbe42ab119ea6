// Packs decoded packets (PacketMeta + index + timestamp) into fixed-width records in one ArrayBuffer, so that
// batches cross stream stages and worker_threads as one transferable buffer, never one object per packet.
// Pure: no I/O, no threads. Layout is private to this file: use PacketBatchWriter / PacketBatchReader.
import { PacketShardHasher, pairHash, shardGroup, shardOf, shardProto } from '../flow/hash.js';
import type { PacketMeta } from '../types.js';

/** Bytes per packed packet record. */
export const RECORD_BYTES = 96;
const W = RECORD_BYTES / 4; // 32-bit words per record
const D = RECORD_BYTES / 8; // 64-bit words per record

// Word layout (u32 index within a record):
//  0-1  f64 tsUs          2-3  f64 global packet index
//  4-7  source address    8-11 destination address (bytes as on the wire)
//  12   ipVersion | bits << 4 | tcpFlags << 8 | protocol+1 << 16
//  13   srcPort | dstPort << 16
//  14   tcpSeq             15 tcpAck
//  16   tcpWindow | l4HeaderLen << 16
//  17   payloadLen         18 capturedPayloadLen
//  19   icmpType+1 | icmpCode+1 << 16
//  20   vlanId+1 | skip << 16
//  21   ipTotalLen         22 ipHeaderLen    23 ttl | tos << 8 | capturedL4HeaderLen+1 << 16
const BIT_HAS_PORTS = 1;
const BIT_LATER_FRAGMENT = 2;
const BIT_FRAGMENT = 4;
const BIT_TRUNCATED = 8;
/** Skip code of a record that only moves the capture clock: a packet of a flow of another `--shard` (one job). */
const SKIP_OTHER_SHARD = 0xff;

/**
 * A batch of consecutive packets of the capture, packed for the flow stage or the shards of `--jobs N`.
 * With one shard, `shards[0]` holds every packet read (skipped ones with their skip code: they still move the
 * capture clock). With several, `shards[s]` holds the decoded packets of the flows whose shard hash falls on s,
 * and `clock` gives every packet's timestamp so that each shard follows the clock of the whole capture.
 */
export interface PacketBatch {
  /** Packed records per shard: `counts[s]` records each, from the start (one shard: the buffer may be longer;
   *  transferable). */
  shards: ArrayBuffer[];
  counts: number[];
  /** Global index of the batch's first packet; the batch covers `packets` consecutive packets. */
  firstIndex: number;
  packets: number;
  /** Timestamps (µs, Float64Array) of the batch's `packets` packets (from the start), shared by the shards; null
   *  with one shard. */
  clock: SharedArrayBuffer | null;
  /** Global index and timestamp of the last packet read when the batch was closed (the capture clock). */
  clockIndex: number;
  clockUs: number;
}

/** Per-shard staging area of a PacketBatchWriter. */
interface Staging {
  u32: Uint32Array;
  f64: Float64Array;
  u8: Uint8Array;
  n: number;
}

function staging(records: number): Staging {
  return stagingOver(new ArrayBuffer(records * RECORD_BYTES));
}

function stagingOver(buffer: ArrayBuffer): Staging {
  return { u32: new Uint32Array(buffer), f64: new Float64Array(buffer), u8: new Uint8Array(buffer), n: 0 };
}

/**
 * Batch buffers given back by their consumer (recycleBatch, recycleBatchBuffer, recycleClock), reused as a
 * writer's next staging areas: a batch is handed on without a copy (its staging buffer itself) and comes back once
 * read, from the flow stage of this thread or, transferred back, from a worker. So there is no fresh 384 KiB buffer
 * per 4,096 packets, whose first touch faults on every page on this project's VM (see chunk-reader.ts CHUNK_POOL).
 */
const BATCH_POOL: ArrayBuffer[] = [];
const CLOCK_POOL: SharedArrayBuffer[] = [];
const POOL_MAX = 64;

/** Give back the packed buffer of one shard of a batch once it has been read (nothing may read it afterwards). */
export function recycleBatchBuffer(buffer: ArrayBuffer): void {
  if (BATCH_POOL.length >= POOL_MAX || buffer.byteLength === 0 || BATCH_POOL.includes(buffer)) return;
  BATCH_POOL.push(buffer);
}

/** Give back a batch's clock once every shard has read it. */
export function recycleClock(clock: SharedArrayBuffer): void {
  if (CLOCK_POOL.length >= POOL_MAX || CLOCK_POOL.includes(clock)) return;
  CLOCK_POOL.push(clock);
}

/** Give back `batch.shards[0]` of a one-shard batch once it has been read (nothing may read it afterwards). */
export function recycleBatch(batch: PacketBatch): void {
  if (batch.shards.length === 1) recycleBatchBuffer(batch.shards[0]!);
}

/** A pooled buffer of exactly `bytes` bytes, or null (pooled buffers of another size are dropped). */
function pooled<T extends ArrayBufferLike>(pool: T[], bytes: number): T | null {
  let b = pool.pop();
  while (b !== undefined && b.byteLength !== bytes) b = pool.pop();
  return b ?? null;
}

/**
 * Appends packets to a batch of `capacity` packets, placing each in its shard. One writer per producer; call
 * take() to hand a batch on. Staging buffers are allocated once and reused; take() copies each shard's records
 * into an ArrayBuffer of the exact size (one memcpy), which the receiver owns.
 *
 * Measured (2 M-packet bench mix, --jobs 2, one run each): packing each packet straight into its shard's staging
 * area replaced the pool's second pass (a fresh zeroed batch per 4096 packets, then a record-by-record copy into
 * fresh per-shard buffers, ~400 ms of main-thread profile); the shard hash is taken from the decoded addresses'
 * 32-bit words before anything is written, so each record is written once, where it belongs, and addresses are
 * copied as words (read + decode + pack alone for two shards, 6 interleaved runs each: median wall 1.76 s → 1.47 s
 * for the 2 M packets).
 */
export class PacketBatchWriter {
  readonly capacity: number;
  readonly shardCount: number;
  private readonly stage: Staging[];
  private readonly hasher = new PacketShardHasher();
  private clock: Float64Array;
  private n = 0;
  private first = 0;
  /** `--shard K/N`: the shard groups [groupsLo, groupsHi) whose flows this process keeps (all by default). */
  private readonly groupsLo: number;
  private readonly groupsHi: number;
  private readonly filtered: boolean;

  constructor(capacity = 4096, shards = 1, groups: { lo: number; hi: number } | null = null) {
    this.capacity = capacity;
    this.shardCount = shards;
    this.filtered = groups !== null;
    this.groupsLo = groups?.lo ?? 0;
    this.groupsHi = groups?.hi ?? 0;
    this.stage = Array.from({ length: shards }, () => staging(capacity));
    this.clock = shards > 1 ? new Float64Array(new SharedArrayBuffer(capacity * 8)) : new Float64Array(0);
  }

  /** Packets in the batch so far (every packet read, whatever its shard). */
  get count(): number {
    return this.n;
  }

  get full(): boolean {
    return this.n >= this.capacity;
  }

  /**
   * Append one packet (decoded, or skipped with meta.skip set). The caller checks `full` first. Returns false for
   * a decoded packet whose flow belongs to another `--shard` (it only moves the capture clock), true otherwise.
   */
  push(index: number, tsUs: number, m: PacketMeta): boolean {
    if (this.n === 0) this.first = index;
    this.n++;
    const hasher = this.hasher;
    if (this.shardCount === 1) {
      const st = this.stage[0]!;
      if (this.filtered && m.skip === 0) {
        const g = shardGroup(hasher.hash(m)); // hash() also points src32/dst32 at m
        const mine = g >= this.groupsLo && g < this.groupsHi;
        writeRecord(st, st.n++, index, tsUs, m, hasher.src32, hasher.dst32, mine ? 0 : SKIP_OTHER_SHARD);
        return mine;
      }
      hasher.views(m);
      writeRecord(st, st.n++, index, tsUs, m, hasher.src32, hasher.dst32, m.skip);
      return true;
    }
    this.clock[this.n - 1] = tsUs;
    if (m.skip !== 0) return true; // skipped packets only move the clock: no shard needs them
    const h = hasher.hash(m); // hash() also points src32/dst32 at m
    if (this.filtered) {
      const g = shardGroup(h);
      if (g < this.groupsLo || g >= this.groupsHi) return false;
    }
    const st = this.stage[shardOf(h, this.shardCount)]!;
    writeRecord(st, st.n++, index, tsUs, m, hasher.src32, hasher.dst32, m.skip);
    return true;
  }

  /** Hand the filled batch on and start the next one. */
  take(clockIndex: number, clockUs: number): PacketBatch {
    // Each shard's staging buffer itself is handed on (its first `counts[s]` records), and so is the clock; the
    // next staging areas are recycled buffers of the same sizes when consumers gave some back.
    const shards: ArrayBuffer[] = [];
    const counts: number[] = [];
    const bytes = this.capacity * RECORD_BYTES;
    for (let s = 0; s < this.stage.length; s++) {
      const st = this.stage[s]!;
      shards.push(st.u8.buffer as ArrayBuffer);
      counts.push(st.n);
      const next = pooled(BATCH_POOL, bytes);
      this.stage[s] = next !== null ? stagingOver(next) : staging(this.capacity);
    }
    let clock: SharedArrayBuffer | null = null;
    if (this.shardCount > 1) {
      clock = this.clock.buffer as SharedArrayBuffer;
      this.clock = new Float64Array(pooled(CLOCK_POOL, this.capacity * 8) ?? new SharedArrayBuffer(this.capacity * 8));
    }
    const batch: PacketBatch = { shards, counts, firstIndex: this.first, packets: this.n, clock, clockIndex, clockUs };
    this.n = 0;
    return batch;
  }
}

/** Pack one packet as record `r` of `st` (src32/dst32: the 32-bit words of m's address bytes; `skip`: the skip
 *  code recorded, m.skip or SKIP_OTHER_SHARD). */
function writeRecord(
  st: Staging,
  r: number,
  index: number,
  tsUs: number,
  m: PacketMeta,
  src32: Uint32Array,
  dst32: Uint32Array,
  skip: number,
): void {
  const w = r * W;
  const d = r * D;
  st.f64[d] = tsUs;
  st.f64[d + 1] = index;
  const u32 = st.u32;
  for (let i = 0; i < 4; i++) {
    u32[w + 4 + i] = src32[i]!;
    u32[w + 8 + i] = dst32[i]!;
  }
  const bits =
    (m.hasPorts ? BIT_HAS_PORTS : 0) |
    (m.isLaterFragment ? BIT_LATER_FRAGMENT : 0) |
    (m.isFragment ? BIT_FRAGMENT : 0) |
    (m.truncated ? BIT_TRUNCATED : 0);
  u32[w + 12] = (m.ipVersion | (bits << 4) | (m.tcpFlags << 8) | ((m.protocol + 1) << 16)) >>> 0;
  u32[w + 13] = (m.srcPort | (m.dstPort << 16)) >>> 0;
  u32[w + 14] = m.tcpSeq >>> 0;
  u32[w + 15] = m.tcpAck >>> 0;
  u32[w + 16] = (m.tcpWindow | (m.l4HeaderLen << 16)) >>> 0;
  u32[w + 17] = m.payloadLen;
  u32[w + 18] = m.capturedPayloadLen;
  u32[w + 19] = ((m.icmpType + 1) | ((m.icmpCode + 1) << 16)) >>> 0;
  u32[w + 20] = ((m.vlanId + 1) | (skip << 16)) >>> 0;
  u32[w + 21] = m.ipTotalLen;
  u32[w + 22] = m.ipHeaderLen;
  u32[w + 23] = (m.ttl | (m.tos << 8) | ((m.capturedL4HeaderLen + 1) << 16)) >>> 0;
}

/** Reads packed records back into one reused PacketMeta. */
export class PacketBatchReader {
  private u32: Uint32Array;
  private f64: Float64Array;
  private u8: Uint8Array;
  count: number;

  /** Reads the first `count` records of `buffer` (one shard of a PacketBatch). */
  constructor(buffer: ArrayBuffer, count: number) {
    this.u32 = new Uint32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.u8 = new Uint8Array(buffer);
    this.count = count;
  }

  tsUs(r: number): number {
    return this.f64[r * D]!;
  }

  index(r: number): number {
    return this.f64[r * D + 1]!;
  }

  /** Overwrite every field of `m` with record `r`. */
  read(r: number, m: PacketMeta): void {
    const w = r * W;
    const b = r * RECORD_BYTES;
    const u8 = this.u8;
    const s = m.srcAddr;
    const t = m.dstAddr;
    for (let i = 0; i < 16; i++) {
      s[i] = u8[b + 16 + i]!;
      t[i] = u8[b + 32 + i]!;
    }
    const u32 = this.u32;
    const a = u32[w + 12]!;
    m.ipVersion = a & 0xf;
    m.tcpFlags = (a >>> 8) & 0xff;
    m.protocol = (a >>> 16) - 1;
    const bits = (a >>> 4) & 0xf;
    m.hasPorts = (bits & BIT_HAS_PORTS) !== 0;
    m.isLaterFragment = (bits & BIT_LATER_FRAGMENT) !== 0;
    m.isFragment = (bits & BIT_FRAGMENT) !== 0;
    m.truncated = (bits & BIT_TRUNCATED) !== 0;
    const p = u32[w + 13]!;
    m.srcPort = p & 0xffff;
    m.dstPort = p >>> 16;
    m.tcpSeq = u32[w + 14]!;
    m.tcpAck = u32[w + 15]!;
    const win = u32[w + 16]!;
    m.tcpWindow = win & 0xffff;
    m.l4HeaderLen = win >>> 16;
    m.payloadLen = u32[w + 17]!;
    m.capturedPayloadLen = u32[w + 18]!;
    const ic = u32[w + 19]!;
    m.icmpType = (ic & 0xffff) - 1;
    m.icmpCode = (ic >>> 16) - 1;
    const v = u32[w + 20]!;
    m.vlanId = (v & 0xffff) - 1;
    m.skip = (v >>> 16) as PacketMeta['skip'];
    m.ipTotalLen = u32[w + 21]!;
    m.ipHeaderLen = u32[w + 22]!;
    const tt = u32[w + 23]!;
    m.ttl = tt & 0xff;
    m.tos = (tt >>> 8) & 0xff;
    m.capturedL4HeaderLen = (tt >>> 16) - 1;
    m.ipOffset = -1;
    m.l4Offset = -1;
  }
}


/** The shard hash of record `r`: what PacketShardHasher.hash gives for the packet it holds (for tests). */
export function shardHash(u32: Uint32Array, r: number): number {
  const w = r * W;
  const a = u32[w + 12]!;
  const proto = (a >>> 16) - 1;
  const bits = (a >>> 4) & 0xf;
  const p = u32[w + 13]!;
  const mixed = shardProto(proto, (bits & BIT_HAS_PORTS) !== 0, (bits & BIT_LATER_FRAGMENT) !== 0);
  return pairHash(u32, w + 4, u32, w + 8, mixed, p & 0xffff, p >>> 16);
}


