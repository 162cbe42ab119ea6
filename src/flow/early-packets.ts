// Early-flow features (`--first-packets N`): for the first N packets a flow counts, in the flow's own packet order,
// the signed payload size (the payload bytes the profile counts for the Fwd/Bwd length columns, negative for
// backward packets), the inter-arrival time from the flow's previous packet (µs, 0 for the first packet) and the
// direction (0 forward, 1 backward): NFStream's "splt" idea (splt_ps, splt_piat_ms, splt_direction), as 3N
// columns appended to the profile's. The flow engine calls record() before each packet is added to a flow; the
// columns read the store when the row is written.
//
// Storage: one slot of N doubles (the inter-arrival times) and N 32-bit words (the size, bit-inverted for a
// backward packet, so the word also holds the direction) per flow block. The slots live in slabs parallel to
// FlowMemory's number slabs: the block at offset `o` of a number slab owns slot floor(o / BLOCK_DOUBLES) of that
// slab's early slab. So a flow's slot is found from its block without a field in the flow, comes and goes with the
// block (recycled with it when the flow ends, no free list of its own), and a continuation, which gets a block of
// its own, starts its own list. The number of packets recorded is the flow's packet count (capped at N), so
// nothing is cleared when a slot is reused. Nothing exists when the option is off (the engine holds no store).
// Pure: no I/O; no allocation per packet (a slab per 1,024 flow blocks, when the first flow of one is seen).
// Measured (200 k live UDP flows of 3 packets held by one engine, node 20, heap + external per flow): off 799 bytes
// (RSS 998), N = 10 920 (RSS 1,095), N = 255 3,875 (RSS 4,050): the slot's 12 N bytes and nothing else. addPacket
// over 50 k TCP flows round-robin (2 M packets), 5 interleaved runs at a load of 7 on 2 cores: before the hook
// 0.26-0.54 M packets/s, option off 0.31-0.43, N = 10 0.29-0.76: within this machine's noise.
import { col, type Column } from '../csv/columns.js';
import type { RowWriter } from '../csv/row-writer.js';
import { PcapflowError } from '../errors.js';
import { BLOCK_DOUBLES, type FlowState, type PacketFacts } from './flow-state.js';

/** Largest N of `--first-packets` (3 x 255 = 765 columns; a slot then takes 3 KiB per flow). */
export const FIRST_PACKETS_MAX = 255;

/** Largest payload size a word holds (sizes above it, impossible from pcap's 32-bit lengths bounded by the IP
 *  length fields, would be clamped). */
const SIZE_MAX = 0x7fffffff;

/** Column names of packet k (1-based): size, inter-arrival time, direction. */
export function earlyPacketNames(k: number): [string, string, string] {
  return [`Pkt ${k} Size`, `Pkt ${k} IAT`, `Pkt ${k} Dir`];
}

/** The 3N column names, packet by packet (`Pkt 1 Size`, `Pkt 1 IAT`, `Pkt 1 Dir`, `Pkt 2 Size`, ...). */
export function earlyColumnNames(n: number): string[] {
  const out: string[] = [];
  for (let k = 1; k <= n; k++) out.push(...earlyPacketNames(k));
  return out;
}

/** Check a --first-packets value: 0 or absent = off, else an integer from 1 to FIRST_PACKETS_MAX. */
export function firstPacketsOf(v: number | undefined): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > FIRST_PACKETS_MAX) {
    throw new PcapflowError('E_OPTION_INVALID', `--first-packets: expected an integer from 1 to ${FIRST_PACKETS_MAX} (0 = off), got ${String(v)}`, {
      layer: 'first-packets',
    });
  }
  return v;
}

/** The early slab of one number slab: the slots as doubles (times) and as 32-bit words (sizes). */
interface EarlySlab {
  times: Float64Array;
  words: Int32Array;
}

/** The first N packets of every flow of one engine, and the columns that print them. */
export class EarlyPackets {
  /** N: packets kept per flow. */
  readonly n: number;
  /** The 3N columns, in earlyColumnNames order. */
  readonly columns: readonly Column[];
  /** Doubles per slot: N times, then N words (two per double). */
  private readonly slotDoubles: number;
  /** Early slabs by number slab. Weak: a number slab nobody holds any more takes its early slab with it. */
  private readonly slabs = new WeakMap<Float64Array, EarlySlab>();
  // The last slab looked up (flows of one number slab come in runs: its 1,024 blocks are handed out in order).
  private lastKey: Float64Array | null = null;
  private lastTimes: Float64Array = new Float64Array(0);
  private lastWords: Int32Array = new Int32Array(0);

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1 || n > FIRST_PACKETS_MAX) throw new Error(`EarlyPackets: N must be from 1 to ${FIRST_PACKETS_MAX}, got ${n}`);
    this.n = n;
    this.slotDoubles = n + Math.ceil(n / 2);
    const columns: Column[] = [];
    for (let k = 0; k < n; k++) {
      const [size, iat, dir] = earlyPacketNames(k + 1);
      // Number columns written straight into the row's bytes (csv/row-writer.ts); col() derives their text.
      columns.push(
        col(size, (f, _c, w) => this.writeSize(f, k, w)),
        col(iat, (f, _c, w) => this.writeIat(f, k, w)),
        col(dir, (f, _c, w) => this.writeDir(f, k, w)),
      );
    }
    this.columns = columns;
  }

  /**
   * Remember packet `p` travelling in direction `dir` if it is among the first N of `flow`. Called right before
   * the flow counts it (FlowState.init / add): `flow.packets` is then the packet's 0-based position and
   * `flow.lastTs` the previous packet's time.
   */
  record(flow: FlowState, p: PacketFacts, dir: number): void {
    const k = flow.packets;
    if (k >= this.n) return;
    const slot = this.slotOf(flow);
    this.lastTimes[slot + k] = k === 0 ? 0 : p.tsUs - flow.lastTs;
    const size = p.payload > SIZE_MAX ? SIZE_MAX : p.payload;
    this.lastWords[(slot + this.n) * 2 + k] = dir === 0 ? size : ~size;
  }

  /** Packets recorded for `flow` (its packet count, at most N). */
  count(flow: FlowState): number {
    const c = flow.packets;
    return c < this.n ? c : this.n;
  }

  /** Packet k (0-based) of `flow`: its payload bytes, direction and inter-arrival time (µs); null past the last. */
  packet(flow: FlowState, k: number): { sizeBytes: number; dir: number; iatUs: number } | null {
    if (k >= this.count(flow)) return null;
    const slot = this.slotOf(flow);
    const w = this.lastWords[(slot + this.n) * 2 + k]!;
    return { sizeBytes: w < 0 ? ~w : w, dir: w < 0 ? 1 : 0, iatUs: this.lastTimes[slot + k]! };
  }

  /** Offset (in doubles) of the flow's slot in its early slab, which becomes lastTimes / lastWords. */
  private slotOf(flow: FlowState): number {
    const key = flow.s;
    if (key !== this.lastKey) {
      let slab = this.slabs.get(key);
      if (slab === undefined) {
        const times = new Float64Array(Math.ceil(key.length / BLOCK_DOUBLES) * this.slotDoubles);
        slab = { times, words: new Int32Array(times.buffer) };
        this.slabs.set(key, slab);
      }
      this.lastKey = key;
      this.lastTimes = slab.times;
      this.lastWords = slab.words;
    }
    // Blocks of BLOCK_DOUBLES never overlap, so floor(o / BLOCK_DOUBLES) differs between blocks of one slab.
    return Math.floor(flow.o / BLOCK_DOUBLES) * this.slotDoubles;
  }

  private word(f: FlowState, k: number): number {
    const slot = this.slotOf(f); // first: it may switch lastWords
    return this.lastWords[(slot + this.n) * 2 + k]!;
  }

  private writeSize(f: FlowState, k: number, out: RowWriter): void {
    if (k >= this.count(f)) return;
    const w = this.word(f, k);
    if (w >= 0) return out.uint(w);
    if (w !== -1) out.ascii('-');
    out.uint(~w);
  }

  private writeIat(f: FlowState, k: number, out: RowWriter): void {
    if (k >= this.count(f)) return;
    const slot = this.slotOf(f);
    out.long(this.lastTimes[slot + k]!);
  }

  private writeDir(f: FlowState, k: number, out: RowWriter): void {
    if (k >= this.count(f)) return;
    out.ascii(this.word(f, k) < 0 ? '1' : '0');
  }

}
