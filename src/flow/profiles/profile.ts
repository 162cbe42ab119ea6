// The contract between the flow engine and a profile. Everything that differs between `cicflowmeter` and
// `default` lives in a FlowProfile implementation (intake rules, direction of new flows, termination and
// timeout-continuation rules, which flows are written, column table); the engine and FlowState only provide
// the mechanisms. Types only: no I/O.
import type { Column } from '../../csv/columns.js';
import type { PacketMeta } from '../../types.js';
import type { FlowState, PacketFacts } from '../flow-state.js';
import type { Tombstone } from '../flow-table.js';
import type { FlowKey } from '../key.js';

/** The profile names pcapflow knows. */
export type ProfileName = 'default' | 'cicflowmeter';

/** What a profile may do to the engine while handling one packet (the current packet is `facts`/`key`). */
export interface EngineOps {
  readonly facts: PacketFacts;
  readonly key: FlowKey;
  readonly flowTimeoutUs: number;
  readonly activityTimeoutUs: number;
  /** Add the current packet to `flow` in direction `dir` (active/idle update first, as the references do). */
  addTo(flow: FlowState, dir: number): void;
  /** End `flow` now: remove it from the table and write its row (if the profile writes it). */
  close(flow: FlowState): void;
  /** Start a new flow with the current packet; `reversed` makes the packet's destination the flow's Src. */
  startFresh(reversed: boolean): FlowState;
  /**
   * Start a continuation of a timed-out flow: the flow keeps the tombstone's orientation. `forceForward` counts
   * the first packet as forward whatever its direction (upstream ⚠); `inheritRetransmissions` carries the
   * retransmission memory over (maintained fork).
   */
  startContinuation(t: Tombstone, forceForward: boolean, inheritRetransmissions: boolean): FlowState;
  /** Count a dropped packet under `reason`. */
  drop(reason: string): void;
}

/** A profile: the one place where pcapflow's two output semantics differ. */
export interface FlowProfile {
  readonly name: ProfileName;
  readonly columns: readonly Column[];
  /** Upstream ⚠: all packets go to the backward bulk tracker. */
  readonly bulkAllBackward: boolean;
  /** Keep the TCP retransmission memory (maintained fork's retransmission columns). */
  readonly trackRetransmissions: boolean;
  /**
   * The Flow ID text of a tuple's first flow is kept by its later flows (maintained fork: its flow map is keyed
   * by that text, never dropped), within the engine's bounded FlowIdMemory.
   */
  readonly remembersFlowId: boolean;
  /** Direction by source address only, as the references compare (loopback flows: every packet forward). */
  readonly directionByAddressOnly: boolean;
  /**
   * Fill `facts` and `key` from a decoded packet. Returns null to accept, or the name of the counter under which
   * the packet is dropped (e.g. 'ipv6_ignored').
   */
  intake(meta: PacketMeta, facts: PacketFacts, key: FlowKey): string | null;
  /** A packet that matches no live flow and no tombstone: start a flow (decides its orientation). */
  onNewFlow(ops: EngineOps): void;
  /** Called once right after a flow was started (hook for first-packet quirks). */
  onFlowStarted(flow: FlowState, facts: PacketFacts): void;
  /** A packet of live flow `flow` in direction `dir` (the active timeout was already checked). */
  onPacket(ops: EngineOps, flow: FlowState, dir: number): void;
  /** A packet whose tuple matches a timed-out flow's tombstone (already removed from the store). */
  onTombstone(ops: EngineOps, t: Tombstone): void;
  /** `flow` reached its active timeout; update end-of-flow values. Returns true to leave a tombstone. */
  onTimeout(flow: FlowState): boolean;
  /** `flow` ends at end of input, by the idle timeout or by eviction; update end-of-flow values. */
  onEnd(flow: FlowState): void;
  /** Whether a finished flow is written (upstream drops flows with ≤ 1 packet). */
  writes(flow: FlowState): boolean;
}

/**
 * Header bytes the references count (spec §2: jnetpcap's header length is the bytes present, so a snaplen that
 * cuts a TCP header inside its options counts only the captured part). Falls back to l4HeaderLen when the decoder
 * does not report capturedL4HeaderLen.
 */
export function capturedHeader(meta: PacketMeta): number {
  const c = meta.capturedL4HeaderLen;
  return c >= 0 && c < meta.l4HeaderLen ? c : meta.l4HeaderLen;
}
