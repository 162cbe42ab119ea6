// The flow engine: turns decoded packets (in file order) into bidirectional flow rows. Owns the flow table, the
// capture clock (active/idle timeouts, evaluated as the clock passes, so finished flows are freed early), the
// continuation memory and the row order. Profile-specific rules live in profiles/*.ts, column formatting in
// csv/columns.ts. Pure: no I/O, no timers; no allocation per packet except when a flow starts or a row is written.
import { headerOf, writeRecord, type Column, type RowContext } from '../csv/columns.js';
import { RowWriter } from '../csv/row-writer.js';
import { CommunityIdHasher } from '../community-id.js';
import { formatAddress } from '../decode/address.js';
import { PcapflowError } from '../errors.js';
import type { PacketMeta } from '../types.js';
import { EarlyPackets, earlyColumnNames } from './early-packets.js';
import { FlowMemory, FlowState, retransBlockWords, type PacketFacts } from './flow-state.js';
import { FlowIdMemory, FLOW_IDS_PER_GROUP } from './flow-id-memory.js';
import { FlowTable, Tombstone, TombstoneStore } from './flow-table.js';
import { PacketShardHasher, shardGroup } from './hash.js';
import { copyKeyFields, endpointBytes, FlowKey } from './key.js';
import { CicflowmeterProfile } from './profiles/cicflowmeter.js';
import { DefaultProfile } from './profiles/default.js';
import type { EngineOps, FlowProfile, ProfileName } from './profiles/profile.js';

export type { ProfileName } from './profiles/profile.js';

/** Engine settings; times in µs. */
export interface FlowEngineOptions {
  profile: ProfileName;
  /** Active timeout from the flow's first packet (reference: 120e6). */
  flowTimeoutUs: number;
  /** Activity timeout driving Active/Idle (reference: 5e6). */
  activityTimeoutUs: number;
  /** 0 = off; otherwise a flow silent for longer than this is ended (its next packet starts a fresh flow). */
  idleTimeoutUs: number;
  /** 0 = unlimited; otherwise, when a new flow would exceed it, the oldest live flow is ended first. */
  maxFlows: number;
  communityIdSeed: number;
  communityIdBase64: boolean;
  /** Timed-out flows remembered per shard group (default TOMBSTONES_PER_GROUP; 0 = none, every late packet starts
   *  afresh). For tests and memory-bound library use; the CLI keeps the default. */
  tombstonesPerGroup?: number;
  /** Ended tuples whose Flow ID orientation is remembered per shard group (default FLOW_IDS_PER_GROUP; default
   *  profile only). For tests and memory-bound library use; the CLI keeps the default. */
  flowIdsPerGroup?: number;
  /** Column table of the rows instead of the profile's own (library use: `pcapflow export` reads the flows' raw
   *  values through its own table). Only with one engine in this thread: functions do not cross to workers. */
  columns?: readonly Column[];
  /** `--first-packets N`: 3N columns of each flow's first N packets after the others (early-packets.ts); 0 or
   *  absent = off. */
  firstPackets?: number;
}

/** One written flow. */
export interface FlowRow {
  /** Global index of the packet at which the row was written; Number.MAX_SAFE_INTEGER for flows open at the end. */
  endIndex: number;
  /** Global index of the flow's first packet. */
  firstIndex: number;
  /** The row as one CSV record (no record delimiter), fields in column order (community_id last). Formatted
   *  where the flow ended (in a worker with --jobs N), so the sink only joins text. */
  line: string;
  /** Packets counted in this row. */
  packets: number;
  /** The flow's first packet's time, µs since the epoch (typed outputs: Parquet's start time, labels' windows). */
  startTsUs: number;
}

/** Default engine options (the reference's timeouts). */
export const DEFAULT_ENGINE_OPTIONS: FlowEngineOptions = {
  profile: 'default',
  flowTimeoutUs: 120_000_000,
  activityTimeoutUs: 5_000_000,
  idleTimeoutUs: 0,
  maxFlows: 0,
  communityIdSeed: 0,
  communityIdBase64: true,
};

/**
 * Timed-out flows remembered for continuations, per shard group: 64 x 4096 groups = 262,144 in all (about 150
 * bytes each, plus a TCP flow's retransmission ring in the default profile). When more flows of a group time out
 * without their tuple reappearing, the group's oldest memories are forgotten and a late packet of such a tuple
 * starts a fresh flow (counted as tombstones_evicted), the same way for any `--jobs` (see TombstoneStore).
 */
export const TOMBSTONES_PER_GROUP = 64;

/**
 * Retransmission-block words the tombstones of one shard group may hold together: 16,384 words (64 KiB) x 4,096
 * groups = 256 MiB at most, whatever the flows' sizes (a flow's block is 96 bytes to 40 KiB, growing with its
 * distinct segments: flow-state.ts RETRANS_CLASSES). A group over it forgets its oldest tombstones first.
 */
export const TOMBSTONE_RING_WORDS_PER_GROUP = 16_384;

/** Drop reason of the packets of flows a profile does not write (cicflowmeter: ≤ 1 packet). */
const SINGLE_PACKET_FLOW = 'single_packet_flow';

/** The profile object for a name; throws PcapflowError E_OPTION_INVALID for an unknown name. */
function makeProfile(name: ProfileName): FlowProfile {
  if (name === 'cicflowmeter') return new CicflowmeterProfile();
  if (name === 'default') return new DefaultProfile();
  throw new PcapflowError('E_OPTION_INVALID', `unknown profile '${String(name)}' (expected default or cicflowmeter)`);
}

function newFacts(): PacketFacts {
  return {
    index: 0,
    tsUs: 0,
    flags: 0,
    window: 0,
    tcpSeq: 0,
    tcpAck: 0,
    payload: 0,
    header: 0,
    ipBytes: 0,
    icmpType: -1,
    icmpCode: -1,
    realProto: 0,
    realSrcPort: 0,
    realDstPort: 0,
  };
}

/**
 * Bidirectional flow meter. Rows are emitted through `emit` in a defined order: a flow's row is written at the
 * packet that ends it (the FIN/RST packet, the packet whose time passes its timeout, ...); rows written at the
 * same packet are ordered by first-packet index; flows open at the end follow in first-packet order.
 *
 * The capture clock is the largest timestamp seen. Timeouts are evaluated against it, so a flow is written and
 * freed as soon as the clock passes `start + flowTimeoutUs`, and what a continuation inherits is kept in a
 * bounded tombstone (TOMBSTONES_PER_GROUP). With time going forwards the values equal those of the references, which
 * only look at a flow when its next packet arrives. Known difference: a packet whose timestamp lies more than
 * the timeout behind the clock joins a continuation where the reference would add it to the old flow.
 */
export class FlowEngine implements EngineOps {
  readonly facts: PacketFacts = newFacts();
  readonly key = new FlowKey();
  readonly flowTimeoutUs: number;
  readonly activityTimeoutUs: number;
  private readonly idleTimeoutUs: number;
  private readonly maxFlows: number;
  private readonly profile: FlowProfile;
  private readonly table: FlowTable;
  private readonly tombstones: TombstoneStore;
  /** Flow ID orientation of ended tuples (profiles that remember it), else null. */
  private readonly flowIds: FlowIdMemory | null;
  /** Shard hashes of first packets (a flow's group); `meta` is the packet addPacket is handling. */
  private readonly shardHasher = new PacketShardHasher();
  private meta: PacketMeta | null = null;
  /** Typed-array blocks of ended flows, reused by new ones. */
  private readonly memory = new FlowMemory();
  private readonly emit: (row: FlowRow) => void;
  private readonly hasher: CommunityIdHasher;
  private readonly columns: readonly Column[];
  /** The first packets of each flow (--first-packets), or null when off. */
  private readonly early: EarlyPackets | null;
  private clockUs = Number.NEGATIVE_INFINITY;
  private currentIndex = 0;
  /** Rows written while handling the current packet (sorted by first index before emission). */
  private pending: FlowRow[] = [];
  private readonly addrScratchA = new Uint8Array(16);
  private readonly addrScratchB = new Uint8Array(16);
  /** The row being written, and the per-row values its columns read (both reused for every row). */
  private readonly record = new RowWriter(4096);
  private readonly ctx: RowContext = { srcIp: '', dstIp: '', srcPort: 0, dstPort: 0, protocol: 0, communityId: '', flowIdReversed: false };

  // Counters (plain fields on the hot path; `counters` builds the record).
  private flowsWritten = 0;
  private packetsInFlows = 0;
  private packetsAdded = 0;
  private readonly drops = new Map<string, number>();
  private flowTimeouts = 0;
  private idleTimeouts = 0;
  private maxflowsEvicted = 0;
  private continuations = 0;

  constructor(opts: FlowEngineOptions, emit: (row: FlowRow) => void) {
    this.profile = makeProfile(opts.profile);
    this.flowTimeoutUs = opts.flowTimeoutUs;
    this.activityTimeoutUs = opts.activityTimeoutUs;
    this.idleTimeoutUs = opts.idleTimeoutUs;
    this.maxFlows = opts.maxFlows;
    this.table = new FlowTable(opts.idleTimeoutUs > 0);
    this.tombstones = new TombstoneStore(opts.tombstonesPerGroup ?? TOMBSTONES_PER_GROUP, TOMBSTONE_RING_WORDS_PER_GROUP, (t) => {
      if (t.retransRing !== null) {
        this.memory.releaseRing(t.retransRing, t.ringAt);
        t.retransRing = null;
      }
    });
    this.flowIds = this.profile.remembersFlowId ? new FlowIdMemory(opts.flowIdsPerGroup ?? FLOW_IDS_PER_GROUP) : null;
    this.emit = emit;
    this.hasher = new CommunityIdHasher({ seed: opts.communityIdSeed, base64: opts.communityIdBase64 });
    const firstPackets = opts.firstPackets ?? 0;
    this.early = firstPackets > 0 ? new EarlyPackets(firstPackets) : null;
    const columns = opts.columns ?? this.profile.columns;
    this.columns = this.early === null ? columns : [...columns, ...this.early.columns];
  }

  /** The CSV header of a profile (its column names, community_id last; then the `firstPackets` columns). */
  static header(profile: ProfileName, firstPackets = 0): string[] {
    const names = headerOf(makeProfile(profile).columns);
    return firstPackets > 0 ? [...names, ...earlyColumnNames(firstPackets)] : names;
  }

  /**
   * The symmetric 32-bit hash of the flow key a packet belongs to under `profile` (after the profile's
   * normalisation, e.g. protocol 0 for non-TCP/UDP in cicflowmeter), for sharding; -1 when the profile drops the
   * packet. Both directions of a flow give the same value. Allocates one scratch key per call site: pass `scratch`
   * objects from `createShardScratch()` on hot paths.
   */
  static shardHash(profile: ProfileName, meta: PacketMeta, scratch = createShardScratch(profile)): number {
    if (scratch.profile.intake(meta, scratch.facts, scratch.key) !== null) return -1;
    return scratch.key.hash;
  }

  /**
   * Counters. Packets dropped by the profile appear as `dropped_<reason>` (packets): cicflowmeter
   * `dropped_ipv6_ignored`, `dropped_fin_retransmit`, `dropped_single_packet_flow` (packets of flows with ≤ 1
   * packet, not written). Other keys: flowsWritten, packetsInFlows (sum of row packets), packetsAdded (packets
   * the profile accepted), liveFlows, flow_timeouts, continuations, idle_timeouts, maxflows_evicted (flows ended
   * early because the table was full; they are written), tombstones_evicted. After finish():
   * packetsAdded = packetsInFlows + dropped_fin_retransmit + dropped_single_packet_flow.
   */
  get counters(): Record<string, number> {
    const out: Record<string, number> = {
      flowsWritten: this.flowsWritten,
      packetsInFlows: this.packetsInFlows,
      packetsAdded: this.packetsAdded,
      liveFlows: this.table.count,
      flow_timeouts: this.flowTimeouts,
      continuations: this.continuations,
      idle_timeouts: this.idleTimeouts,
      maxflows_evicted: this.maxflowsEvicted,
      tombstones_evicted: this.tombstones.evicted,
      flow_ids_evicted: this.flowIds?.evicted ?? 0,
    };
    for (const [k, v] of this.drops) out[`dropped_${k}`] = v;
    return out;
  }

  /** Advance the capture clock to packet `index` at `tsUs` (ends flows whose timeouts the clock passed). */
  advanceClock(index: number, tsUs: number): void {
    this.currentIndex = index;
    if (tsUs > this.clockUs) {
      this.clockUs = tsUs;
      this.sweep();
    }
    if (this.pending.length > 0) this.flushPending();
  }

  /** Add a decoded packet (meta.skip === SKIP.NONE). Packets must come in file order. */
  addPacket(index: number, tsUs: number, meta: PacketMeta): void {
    this.currentIndex = index;
    if (tsUs > this.clockUs) {
      this.clockUs = tsUs;
      this.sweep();
    }
    const p = this.facts;
    p.index = index;
    p.tsUs = tsUs;
    this.meta = meta;
    const reason = this.profile.intake(meta, p, this.key);
    if (reason !== null) {
      this.drop(reason);
    } else {
      this.packetsAdded++;
      let flow = this.table.find(this.key);
      if (flow !== null && tsUs - flow.startTs > this.flowTimeoutUs) {
        // Unreachable while the sweep runs (clock ≥ tsUs); kept as the reference's own check.
        this.expire(flow);
        flow = null;
      }
      if (flow !== null && this.idleTimeoutUs > 0 && this.clockUs - flow.lastTs > this.idleTimeoutUs) {
        // The idle sweep walks last-touched order, which differs from last-seen order only when timestamps go
        // backwards; this check keeps the values independent of that (and of sharding).
        this.endIdle(flow);
        flow = null;
      }
      if (flow !== null) {
        const dir = flow.allForward ? 0 : this.key.srcIsA === flow.srcIsA ? 0 : 1;
        this.profile.onPacket(this, flow, dir);
      } else {
        const t = this.tombstones.count > 0 ? this.tombstones.find(this.key) : null;
        if (t !== null) {
          this.tombstones.remove(t);
          this.profile.onTombstone(this, t);
          // A continuation took the ring (and cleared it here); a fresh start leaves it to recycle.
          if (t.retransRing !== null) {
            this.memory.releaseRing(t.retransRing, t.ringAt);
            t.retransRing = null;
          }
        } else {
          this.profile.onNewFlow(this);
        }
      }
    }
    if (this.pending.length > 0) this.flushPending();
  }

  /** End of input: write every open flow in first-packet order. */
  finish(): void {
    while (!this.finishStep(Number.POSITIVE_INFINITY));
  }

  /**
   * End of input, in steps: ends (and emits the rows of) at most `maxFlows` open flows, oldest first packet
   * first, and returns true once no flow is left. No packet may be added after the first call. Calling it until
   * it returns true emits exactly what finish() does, in the same order; callers use it to write the rows of a
   * large table in pieces with backpressure instead of holding every row at once (see FlowStage._flush for
   * the measured gain).
   */
  finishStep(maxFlows: number): boolean {
    this.currentIndex = Number.MAX_SAFE_INTEGER;
    this.table.beginDrain();
    let f = this.table.oldest;
    for (let n = 0; f !== null && n < maxFlows; n++) {
      const next = f.ageNext;
      this.table.remove(f);
      this.profile.onEnd(f);
      this.writeRow(f, Number.MAX_SAFE_INTEGER);
      this.retire(f, false);
      f = next;
    }
    if (this.pending.length > 0) this.flushPending();
    return f === null;
  }

  // ---- EngineOps: called by the profile while it handles the current packet; not for other callers ----

  /** For profiles only (EngineOps). */
  addTo(flow: FlowState, dir: number): void {
    if (this.early !== null) this.early.record(flow, this.facts, dir);
    flow.add(this.facts, dir, this.activityTimeoutUs, this.memory);
    this.table.touch(flow);
  }

  /** For profiles only (EngineOps). */
  close(flow: FlowState): void {
    this.table.remove(flow);
    this.writeRow(flow, this.currentIndex);
    this.retire(flow, false);
  }

  /** For profiles only (EngineOps). */
  startFresh(reversed: boolean): FlowState {
    const key = this.key;
    const flow = this.newFlow(reversed ? !key.srcIsA : key.srcIsA);
    const dir = flow.allForward ? 0 : reversed ? 1 : 0;
    if (this.early !== null) this.early.record(flow, this.facts, dir);
    flow.init(this.facts, dir, this.memory);
    this.table.insert(flow);
    this.profile.onFlowStarted(flow, this.facts);
    return flow;
  }

  /** For profiles only (EngineOps). */
  startContinuation(t: Tombstone, forceForward: boolean, inheritRetransmissions: boolean): FlowState {
    const flow = this.newFlow(t.srcIsA);
    if (inheritRetransmissions && t.retransRing !== null && flow.retransRing !== null) {
      this.memory.releaseRing(flow.retransRing, flow.ringAt);
      flow.retransRing = t.retransRing;
      flow.ringAt = t.ringAt;
      t.retransRing = null;
      flow.retransPos = t.retransPos;
      flow.retransFill = t.retransFill;
    }
    const dir = forceForward || flow.allForward ? 0 : this.key.srcIsA === flow.srcIsA ? 0 : 1;
    if (this.early !== null) this.early.record(flow, this.facts, dir);
    flow.init(this.facts, dir, this.memory);
    this.table.insert(flow);
    this.profile.onFlowStarted(flow, this.facts);
    this.continuations++;
    return flow;
  }

  /** For profiles only (EngineOps). */
  drop(reason: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }

  // ---- internals ----

  private newFlow(srcIsA: boolean): FlowState {
    if (this.maxFlows > 0 && this.table.count >= this.maxFlows) {
      // Policy: end the flow with the oldest first packet (as at end of input) and count it.
      const victim = this.table.oldest;
      if (victim !== null) {
        this.table.remove(victim);
        this.profile.onEnd(victim);
        this.maxflowsEvicted++;
        this.writeRow(victim, this.currentIndex);
        this.retire(victim, false);
      }
    }
    const key = this.key;
    const p = this.facts;
    const at = this.memory.takeNumbers();
    const flow = new FlowState(this.memory.slab, at, this.memory.words);
    key.copyTo(flow);
    flow.srcIsA = srcIsA;
    flow.allForward = key.sameAddr && this.profile.directionByAddressOnly;
    flow.bulkAllBackward = this.profile.bulkAllBackward;
    if (this.profile.trackRetransmissions && p.realProto === 6 && key.keyProto === 6) {
      flow.ringAt = this.memory.takeRing();
      flow.retransRing = this.memory.ring;
    }
    flow.cidProto = p.realProto;
    // The group --jobs placed this packet by (the worker that owns the flow), for its tombstone.
    const group = shardGroup(this.shardHasher.hash(this.meta!));
    flow.group = group;
    const idSrcIsA = this.flowIds !== null ? this.flowIds.take(key, group) : -1;
    flow.idSrcIsA = idSrcIsA < 0 ? srcIsA : idSrcIsA === 1;
    flow.cidSrcIsA = key.srcIsA;
    flow.cidSrcPort = p.realSrcPort;
    flow.cidDstPort = p.realDstPort;
    return flow; // inserted by the caller once init() has set its start time (heap order)
  }

  /** End flows whose active (and idle) timeout the clock has passed. O(1) when nothing expires. */
  private sweep(): void {
    const clock = this.clockUs;
    const timeout = this.flowTimeoutUs;
    let f = this.table.earliestStart();
    while (f !== null && clock - f.startTs > timeout) {
      this.expire(f);
      f = this.table.earliestStart();
    }
    if (this.idleTimeoutUs > 0) {
      let g = this.table.lruOldest;
      while (g !== null && clock - g.lastTs > this.idleTimeoutUs) {
        this.endIdle(g);
        g = this.table.lruOldest;
      }
    }
  }

  /** Idle timeout of `flow`: written like at the end of input; its next packet starts a fresh flow. */
  private endIdle(flow: FlowState): void {
    this.table.remove(flow);
    this.profile.onEnd(flow);
    this.idleTimeouts++;
    this.writeRow(flow, this.currentIndex);
    this.retire(flow, false);
  }

  /** Active timeout of `flow`: write it and remember what a continuation inherits. */
  private expire(flow: FlowState): void {
    this.table.remove(flow);
    this.flowTimeouts++;
    const keep = this.profile.onTimeout(flow);
    this.writeRow(flow, this.currentIndex);
    if (keep) {
      const t = new Tombstone();
      copyKeyFields(flow, t);
      t.srcIsA = flow.srcIsA;
      t.lastTs = flow.lastTs;
      t.cumulativeUs = flow.cumulativeUs;
      t.tcpState = flow.tcpState;
      t.retransRing = flow.retransRing;
      t.ringAt = flow.ringAt;
      t.retransPos = flow.retransPos;
      t.retransFill = flow.retransFill;
      t.ringWords = flow.retransRing !== null ? retransBlockWords(flow.ringAt >>> 24) : 0;
      t.group = flow.group;
      // A tombstone the store does not keep comes back; the ones it forgot went through onForget.
      const refused = this.tombstones.add(t);
      if (refused === t && t.retransRing !== null) {
        this.memory.releaseRing(t.retransRing, t.ringAt);
        t.retransRing = null;
      }
    }
    this.retire(flow, keep);
  }

  /**
   * A flow that has been written (or dropped) and left the table gives its blocks back to `memory`; its ring
   * stays with the tombstone when `ringKept`. The FlowState must not be used afterwards.
   */
  private retire(flow: FlowState, ringKept: boolean): void {
    // At the end of input no flow starts again: recycling blocks would only grow the free lists (24 bytes a flow).
    if (this.currentIndex !== Number.MAX_SAFE_INTEGER) {
      if (this.flowIds !== null) this.flowIds.put(flow, flow.group, flow.idSrcIsA);
      this.memory.releaseNumbers(flow.s, flow.w, flow.o);
      if (flow.retransRing !== null && !ringKept) this.memory.releaseRing(flow.retransRing, flow.ringAt);
    }
    flow.retransRing = null;
  }

  private writeRow(flow: FlowState, endIndex: number): void {
    if (!this.profile.writes(flow)) {
      this.drops.set(SINGLE_PACKET_FLOW, (this.drops.get(SINGLE_PACKET_FLOW) ?? 0) + flow.packets);
      return;
    }
    const ipVersion = flow.addrLen === 16 ? 6 : 4;
    const a = this.addrScratchA;
    const b = this.addrScratchB;
    endpointBytes(flow, 0, a);
    endpointBytes(flow, 1, b);
    const ipA = formatAddress(a, ipVersion);
    const ipB = formatAddress(b, ipVersion);
    const srcIsA = flow.srcIsA;
    const len = flow.addrLen === 16 ? 16 : 4;
    const cidSrc = flow.cidSrcIsA ? a : b;
    const cidDst = flow.cidSrcIsA ? b : a;
    const ctx = this.ctx;
    ctx.srcIp = srcIsA ? ipA : ipB;
    ctx.dstIp = srcIsA ? ipB : ipA;
    ctx.srcPort = srcIsA ? flow.portA : flow.portB;
    ctx.dstPort = srcIsA ? flow.portB : flow.portA;
    ctx.protocol = flow.keyProto;
    ctx.communityId = this.hasher.hash(flow.cidProto, cidSrc, cidDst, len, flow.cidSrcPort, flow.cidDstPort);
    ctx.flowIdReversed = flow.idSrcIsA !== srcIsA;
    const packets = flow.packets;
    this.flowsWritten++;
    this.packetsInFlows += packets;
    const record = this.record;
    record.reset();
    writeRecord(this.columns, flow, ctx, record);
    this.pending.push({
      endIndex,
      firstIndex: flow.firstIndex,
      line: record.toString(),
      packets,
      startTsUs: flow.startTs,
    });
  }

  private flushPending(): void {
    const rows = this.pending;
    this.pending = [];
    if (rows.length > 1) rows.sort((x, y) => x.firstIndex - y.firstIndex);
    for (const r of rows) this.emit(r);
  }
}

/** Reusable scratch for FlowEngine.shardHash. */
export interface ShardScratch {
  profile: FlowProfile;
  facts: PacketFacts;
  key: FlowKey;
}

/** Scratch objects for repeated FlowEngine.shardHash calls (no allocation per call). */
export function createShardScratch(profile: ProfileName): ShardScratch {
  return { profile: makeProfile(profile), facts: newFacts(), key: new FlowKey() };
}
