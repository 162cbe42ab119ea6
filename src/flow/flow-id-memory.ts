// The Flow ID memory of the default profile: for tuples whose flow has ended, which endpoint was the source of the
// tuple's first flow, so that a later flow of the same tuple prints that first flow's Flow ID text (the maintained
// fork keys its flow map by that text and never drops the key). Bounded: one small FIFO per shard group. Pure: no
// I/O; allocation only the first time a group remembers something.
import type { FlowKey, KeyFields } from './key.js';
import { SHARD_GROUPS } from './hash.js';

/**
 * Ended tuples remembered per shard group: 64 x 4,096 groups = 262,144 in all (48 bytes each, 12 MiB when every
 * group is full). The group of a tuple decides the worker that owns it for any `--jobs` (hash.ts SHARD_GROUPS), and
 * a group's entries are added and used in capture order, so what is forgotten, and so the output, is the same for
 * every number of workers.
 */
export const FLOW_IDS_PER_GROUP = 64;

/** Words of one entry: hash, a0..a3, b0..b3, portA << 16 | portB, keyProto | addrLen 16 | live | A is the source. */
const ENTRY_WORDS = 11;
const F_ADDR16 = 1 << 8;
const F_LIVE = 1 << 9;
const F_SRC_IS_A = 1 << 10;

/**
 * Per shard group, a FIFO of the last `perGroup` ended flows' (key, Flow ID orientation). `take` finds and removes
 * a tuple's entry (its new flow carries the orientation until it ends and `put` stores it again). Lookups scan
 * the group's entries comparing the 32-bit key hash first: at most `perGroup` word compares, once per new flow.
 */
export class FlowIdMemory {
  private readonly groups: (Int32Array | null)[] = new Array<Int32Array | null>(SHARD_GROUPS).fill(null);
  /** Next FIFO slot of each group. */
  private readonly next = new Uint16Array(SHARD_GROUPS);
  /** Live entries overwritten because their group's FIFO came round to them. */
  evicted = 0;
  readonly perGroup: number;

  /** @param perGroup entries per group, 0..65535 (0 remembers nothing). */
  constructor(perGroup = FLOW_IDS_PER_GROUP) {
    this.perGroup = perGroup;
  }

  /**
   * The remembered orientation of `key`'s tuple in group `group`: 1 when endpoint A was the source of the tuple's
   * first flow, 0 when B was, -1 when nothing is remembered. A found entry is removed.
   */
  take(key: FlowKey, group: number): number {
    const g = this.groups[group];
    if (g === undefined || g === null) return -1;
    const hash = key.hash | 0;
    for (let e = 0; e < g.length; e += ENTRY_WORDS) {
      if (g[e] !== hash) continue;
      const bits = g[e + 10]!;
      if ((bits & F_LIVE) === 0) continue;
      if (
        g[e + 1] === key.a0 && g[e + 5] === key.b0 && g[e + 9] === ((key.portA << 16) | key.portB) &&
        (bits & 0xff) === key.keyProto && ((bits & F_ADDR16) !== 0) === (key.addrLen === 16) &&
        g[e + 2] === key.a1 && g[e + 3] === key.a2 && g[e + 4] === key.a3 &&
        g[e + 6] === key.b1 && g[e + 7] === key.b2 && g[e + 8] === key.b3
      ) {
        g[e + 10] = 0;
        return (bits & F_SRC_IS_A) !== 0 ? 1 : 0;
      }
    }
    return -1;
  }

  /** Remember that the Flow ID of tuple `k` (group `group`) has endpoint A as its source when `srcIsA`. */
  put(k: KeyFields, group: number, srcIsA: boolean): void {
    if (this.perGroup === 0) return;
    let g = this.groups[group] ?? null;
    if (g === null) {
      g = new Int32Array(this.perGroup * ENTRY_WORDS);
      this.groups[group] = g;
    }
    const slot = this.next[group]!;
    this.next[group] = slot + 1 === this.perGroup ? 0 : slot + 1;
    const e = slot * ENTRY_WORDS;
    if ((g[e + 10]! & F_LIVE) !== 0) this.evicted++;
    g[e] = k.hash | 0;
    g[e + 1] = k.a0;
    g[e + 2] = k.a1;
    g[e + 3] = k.a2;
    g[e + 4] = k.a3;
    g[e + 5] = k.b0;
    g[e + 6] = k.b1;
    g[e + 7] = k.b2;
    g[e + 8] = k.b3;
    g[e + 9] = (k.portA << 16) | k.portB;
    g[e + 10] = (k.keyProto & 0xff) | (k.addrLen === 16 ? F_ADDR16 : 0) | F_LIVE | (srcIsA ? F_SRC_IS_A : 0);
  }
}
