// The live-flow table and the continuation memory. Flows are found by the key's symmetric hash (Map keyed by a
// small integer, collisions chained and checked on the full tuple), kept in first-packet order (end of input,
// eviction), in a min-heap on start time for the active-timeout check (O(1) to look at the earliest start), and
// optionally in last-seen order (LRU) for the idle timeout. Tombstones remember, for a bounded number of
// timed-out flows, what a continuation flow inherits. Pure: no I/O, no timers.
import type { FlowKey, KeyFields } from './key.js';
import type { FlowState } from './flow-state.js';
import { SHARD_GROUPS } from './hash.js';

/** Bucket keys: the hash masked to 30 bits (a small integer on every V8 build); the full hash is still compared. */
const BUCKET_MASK = 0x3fffffff;

/** Heap order: earlier start time first, then smaller first-packet index. */
function earlier(x: FlowState, y: FlowState): boolean {
  const a = x.startTs;
  const b = y.startTs;
  return a < b || (a === b && x.firstIndex < y.firstIndex);
}

/**
 * Live flows. Owns the chain/age/heap/LRU links of the flows it holds. `oldest` is the flow with the smallest
 * first-packet index (the age list is in insertion order, which is first-packet order); `earliestStart()` the
 * flow with the earliest start time (they differ only when timestamps go backwards).
 */
export class FlowTable {
  /**
   * Chain heads by `hash & mask`; the array doubles when the table holds more flows than it has buckets.
   * Measured against a Map keyed by the masked hash (node 20, 200 k live UDP flows held by one engine): V8 heap
   * per flow 401 → 374 bytes; the bench mix runs at the same speed within this machine's noise.
   */
  private buckets: (FlowState | null)[] = new Array<FlowState | null>(1024).fill(null);
  private mask = 1023;
  /** Binary min-heap on (startTs, firstIndex); FlowState.heapIndex is each flow's position. */
  private readonly heap: FlowState[] = [];
  /** Live flows. */
  count = 0;
  oldest: FlowState | null = null;
  private newest: FlowState | null = null;
  /** Least recently touched flow (only maintained when `trackLru`). */
  lruOldest: FlowState | null = null;
  private lruNewest: FlowState | null = null;

  private readonly trackLru: boolean;
  /** Set by beginDrain(). */
  private draining = false;

  /** @param trackLru keep the last-seen order (needed only for the idle timeout). */
  constructor(trackLru: boolean) {
    this.trackLru = trackLru;
  }

  /** The live flow with exactly this key, or null. */
  find(key: FlowKey): FlowState | null {
    let f = this.buckets[key.hash & this.mask] as FlowState | null;
    while (f !== null) {
      if (f.hash === key.hash && key.matches(f)) return f;
      f = f.chainNext;
    }
    return null;
  }

  /** The live flow with the earliest start time, or null. O(1). */
  earliestStart(): FlowState | null {
    return this.heap.length > 0 ? this.heap[0]! : null;
  }

  /** Add a flow whose key fields and start time are set. It becomes the newest in the age and LRU orders. */
  insert(flow: FlowState): void {
    if (this.draining) throw new Error('FlowTable: insert after the end of input');
    const i = this.heap.length;
    this.heap.push(flow);
    flow.heapIndex = i;
    this.siftUp(i);
    if (this.count >= this.buckets.length) this.grow();
    const b = flow.hash & this.mask;
    flow.chainNext = this.buckets[b]!;
    this.buckets[b] = flow;
    flow.agePrev = this.newest;
    flow.ageNext = null;
    if (this.newest !== null) this.newest.ageNext = flow;
    else this.oldest = flow;
    this.newest = flow;
    if (this.trackLru) {
      flow.lruPrev = this.lruNewest;
      flow.lruNext = null;
      if (this.lruNewest !== null) this.lruNewest.lruNext = flow;
      else this.lruOldest = flow;
      this.lruNewest = flow;
    }
    this.count++;
  }

  /**
   * End of input: no flow will be looked up again, only removed oldest first. Drops the bucket array, the heap and
   * the last-seen order at once, so that each remove() only unlinks the flow from the age list. Measured (2 M-packet
   * bench mix, 95 k flows open at the end, --jobs 1 profile): remove() at the end took 0.27 s, mostly sifting the
   * start-time heap.
   */
  beginDrain(): void {
    if (this.draining) return;
    this.draining = true;
    this.buckets = [null];
    this.mask = 0;
    for (const f of this.heap) {
      f.heapIndex = -1;
      f.chainNext = null;
      f.lruPrev = f.lruNext = null;
    }
    this.heap.length = 0;
    this.lruOldest = this.lruNewest = null;
  }

  /** Remove a live flow (unlinks it from the bucket chain and both orders). */
  remove(flow: FlowState): void {
    if (this.draining) {
      this.unlinkAge(flow);
      this.count--;
      return;
    }
    const b = flow.hash & this.mask;
    let f = this.buckets[b] as FlowState | null;
    let prev: FlowState | null = null;
    while (f !== null && f !== flow) {
      prev = f;
      f = f.chainNext;
    }
    if (f === null) return;
    if (prev === null) {
      this.buckets[b] = flow.chainNext;
    } else {
      prev.chainNext = flow.chainNext;
    }
    flow.chainNext = null;
    this.unlinkAge(flow);
    this.heapRemove(flow);
    if (this.trackLru) {
      if (flow.lruPrev !== null) flow.lruPrev.lruNext = flow.lruNext;
      else this.lruOldest = flow.lruNext;
      if (flow.lruNext !== null) flow.lruNext.lruPrev = flow.lruPrev;
      else this.lruNewest = flow.lruPrev;
      flow.lruPrev = flow.lruNext = null;
    }
    this.count--;
  }

  private unlinkAge(flow: FlowState): void {
    if (flow.agePrev !== null) flow.agePrev.ageNext = flow.ageNext;
    else this.oldest = flow.ageNext;
    if (flow.ageNext !== null) flow.ageNext.agePrev = flow.agePrev;
    else this.newest = flow.agePrev;
    flow.agePrev = flow.ageNext = null;
  }

  /** Double the bucket array and re-chain every flow. */
  private grow(): void {
    const old = this.buckets;
    const size = old.length * 2;
    const mask = size - 1;
    const next = new Array<FlowState | null>(size).fill(null);
    for (let i = 0; i < old.length; i++) {
      let f = old[i] as FlowState | null;
      while (f !== null) {
        const after = f.chainNext;
        const b = f.hash & mask;
        f.chainNext = next[b]!;
        next[b] = f;
        f = after;
      }
    }
    this.buckets = next;
    this.mask = mask;
  }

  private heapRemove(flow: FlowState): void {
    const h = this.heap;
    const i = flow.heapIndex;
    const last = h.pop()!;
    flow.heapIndex = -1;
    if (last === flow) return;
    h[i] = last;
    last.heapIndex = i;
    this.siftUp(i);
    this.siftDown(last.heapIndex);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    const x = h[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent]!;
      if (!earlier(x, p)) break;
      h[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    h[i] = x;
    x.heapIndex = i;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    const x = h[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && earlier(h[c + 1]!, h[c]!)) c++;
      const child = h[c]!;
      if (!earlier(child, x)) break;
      h[i] = child;
      child.heapIndex = i;
      i = c;
    }
    h[i] = x;
    x.heapIndex = i;
  }

  /** Mark a flow as just seen (moves it to the newest end of the LRU order). */
  touch(flow: FlowState): void {
    if (!this.trackLru || this.lruNewest === flow) return;
    if (flow.lruPrev !== null) flow.lruPrev.lruNext = flow.lruNext;
    else this.lruOldest = flow.lruNext;
    flow.lruNext!.lruPrev = flow.lruPrev;
    flow.lruPrev = this.lruNewest;
    flow.lruNext = null;
    this.lruNewest!.lruNext = flow;
    this.lruNewest = flow;
  }
}

/**
 * What a timed-out flow leaves behind so that the next packet of the same tuple can start a continuation flow
 * the way the references do (they keep the key in their table after an active timeout). Small: the key, the
 * orientation and the few values a continuation inherits.
 */
export class Tombstone implements KeyFields {
  hash = 0;
  a0 = 0;
  a1 = 0;
  a2 = 0;
  a3 = 0;
  b0 = 0;
  b1 = 0;
  b2 = 0;
  b3 = 0;
  portA = 0;
  portB = 0;
  keyProto = 0;
  addrLen = 4;
  srcIsA = true;
  lastTs = 0;
  cumulativeUs = 0;
  tcpState = 0;
  retransRing: Uint32Array | null = null;
  ringAt = 0;
  retransPos = 0;
  retransFill = 0;
  /** 32-bit words of the retransmission block the tombstone holds (0 without one): counted against its group's
   *  budget in the store. */
  ringWords = 0;
  /** The flow's shard group (hash.ts SHARD_GROUPS): the FIFO of the store it is kept in. */
  group = 0;
  chainNext: Tombstone | null = null;
  prev: Tombstone | null = null;
  next: Tombstone | null = null;
}

/**
 * Bounded store of tombstones: one FIFO per shard group, each holding at most `perGroup`; adding to a full group
 * forgets that group's oldest. A group's tombstones all live in one flow engine whatever `--jobs` is (the group
 * decides the worker: hash.ts SHARD_GROUPS), and they are added and removed there in capture order, so what is
 * forgotten, and so the output, is the same for any number of workers. (One FIFO per engine made it depend on
 * which other flows shared the engine.)
 */
export class TombstoneStore {
  private readonly buckets = new Map<number, Tombstone>();
  /** Oldest and newest tombstone of each group. */
  private readonly heads: (Tombstone | null)[] = new Array<Tombstone | null>(SHARD_GROUPS).fill(null);
  private readonly tails: (Tombstone | null)[] = new Array<Tombstone | null>(SHARD_GROUPS).fill(null);
  private readonly groupCounts = new Int32Array(SHARD_GROUPS);
  private readonly groupWords = new Float64Array(SHARD_GROUPS);
  count = 0;
  /** Tombstones forgotten because their group was full. */
  evicted = 0;

  /** Most tombstones kept per group (0 = none). */
  readonly perGroup: number;
  /** Most retransmission-block words (Tombstone.ringWords) the tombstones of one group hold together. */
  readonly wordsPerGroup: number;
  private readonly onForget: ((t: Tombstone) => void) | null;

  /**
   * @param wordsPerGroup budget of retransmission-block words per group (a group over it forgets its oldest
   *   tombstones first), unlimited when omitted
   * @param onForget called with every tombstone forgotten to make room, so the caller can recycle what it holds
   */
  constructor(perGroup: number, wordsPerGroup = Number.POSITIVE_INFINITY, onForget: ((t: Tombstone) => void) | null = null) {
    this.perGroup = perGroup;
    this.wordsPerGroup = wordsPerGroup;
    this.onForget = onForget;
  }

  find(key: FlowKey): Tombstone | null {
    let t: Tombstone | null = this.buckets.get(key.hash & BUCKET_MASK) ?? null;
    while (t !== null) {
      if (t.hash === key.hash && key.matches(t)) return t;
      t = t.chainNext;
    }
    return null;
  }

  /**
   * Store `t` (its key fields and group set). A tombstone with the same key must not be present. Its group forgets
   * its oldest tombstones while it holds perGroup of them or their ring words and t's would pass wordsPerGroup (a
   * tombstone bigger than the whole budget is not kept). Returns the tombstone forgotten to make room (the last
   * one when several were; each also goes to onForget), `t` itself when it is not kept, else null; the caller may
   * recycle what a returned tombstone holds.
   */
  add(t: Tombstone): Tombstone | null {
    if (this.perGroup <= 0 || t.ringWords > this.wordsPerGroup) return t;
    const g = t.group;
    let forgotten: Tombstone | null = null;
    while (
      this.heads[g] !== null &&
      (this.groupCounts[g]! >= this.perGroup || this.groupWords[g]! + t.ringWords > this.wordsPerGroup)
    ) {
      forgotten = this.heads[g]!;
      this.remove(forgotten);
      this.evicted++;
      if (this.onForget !== null) this.onForget(forgotten);
    }
    const b = t.hash & BUCKET_MASK;
    t.chainNext = this.buckets.get(b) ?? null;
    this.buckets.set(b, t);
    const tail = this.tails[g]!;
    t.prev = tail;
    t.next = null;
    if (tail !== null) tail.next = t;
    else this.heads[g] = t;
    this.tails[g] = t;
    this.groupCounts[g]!++;
    this.groupWords[g] = this.groupWords[g]! + t.ringWords;
    this.count++;
    return forgotten;
  }

  remove(t: Tombstone): void {
    const b = t.hash & BUCKET_MASK;
    let x = this.buckets.get(b) ?? null;
    let prev: Tombstone | null = null;
    while (x !== null && x !== t) {
      prev = x;
      x = x.chainNext;
    }
    if (x === null) return;
    if (prev === null) {
      if (t.chainNext === null) this.buckets.delete(b);
      else this.buckets.set(b, t.chainNext);
    } else {
      prev.chainNext = t.chainNext;
    }
    t.chainNext = null;
    const g = t.group;
    if (t.prev !== null) t.prev.next = t.next;
    else this.heads[g] = t.next;
    if (t.next !== null) t.next.prev = t.prev;
    else this.tails[g] = t.prev;
    t.prev = t.next = null;
    this.groupCounts[g]!--;
    this.groupWords[g] = this.groupWords[g]! - t.ringWords;
    this.count--;
  }
}
