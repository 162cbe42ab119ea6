// `--profile default`: the maintained fork's corrected semantics (engelen-head, spec marks ✔): TCP state machine
// (both FINs then the final ACK, or any RST, make a flow ready; it is written when a new SYN arrives, at its
// timeout or at the end), SYN-ACK-first flows reversed, every flow written (1-packet flows too), retransmission
// counts, ICMP type/code, Total Connection Flow Time. Extended beyond the reference: IPv6, SCTP, ICMPv6 and every
// other IP protocol with its real number (ports 0 where it has none). Pure: no I/O, no allocation per packet.
import { DEFAULT_COLUMNS } from '../../csv/columns.js';
import { IPPROTO, TCP_FLAG, type PacketMeta } from '../../types.js';
import { TCP_STATE, type FlowState, type PacketFacts } from '../flow-state.js';
import type { Tombstone } from '../flow-table.js';
import type { FlowKey } from '../key.js';
import { capturedHeader, type EngineOps, type FlowProfile } from './profile.js';

const SYN_ACK = TCP_FLAG.SYN | TCP_FLAG.ACK;
/** Bytes of SCTP's common header (RFC 9260 §3.1: ports, verification tag, checksum). */
const SCTP_COMMON_HEADER = 12;

function isTcpOrUdp(proto: number): boolean {
  return proto === IPPROTO.TCP || proto === IPPROTO.UDP;
}

function isIcmp(proto: number): boolean {
  return proto === IPPROTO.ICMP || proto === IPPROTO.ICMPV6;
}

/** Total Connection Flow Time (engelen-head): TCP/UDP flows add their duration when they end. */
function addDuration(flow: FlowState): void {
  if (isTcpOrUdp(flow.keyProto)) flow.cumulativeUs += flow.lastTs - flow.startTs;
}

/** The maintained fork's semantics, extended to every IP version and protocol. */
export class DefaultProfile implements FlowProfile {
  readonly name = 'default' as const;
  readonly columns = DEFAULT_COLUMNS;
  readonly bulkAllBackward = false;
  readonly trackRetransmissions = true;
  readonly remembersFlowId = true;
  /**
   * Deliberate fix: the fork compares source addresses only, so in a flow between two ports of one address every
   * packet is forward. pcapflow compares (address, port). Identical whenever the addresses differ.
   */
  readonly directionByAddressOnly = true;

  intake(meta: PacketMeta, p: PacketFacts, key: FlowKey): string | null {
    const proto = meta.protocol;
    const addrLen = meta.ipVersion === 6 ? 16 : 4;
    const ports = meta.hasPorts && !meta.isLaterFragment;
    const tcp = proto === IPPROTO.TCP && ports;
    const l4 = ports && isTcpOrUdp(proto);
    p.realProto = proto;
    p.flags = tcp ? meta.tcpFlags : 0;
    p.window = tcp ? meta.tcpWindow : 0;
    p.tcpSeq = tcp ? meta.tcpSeq : 0;
    p.tcpAck = tcp ? meta.tcpAck : 0;
    // §2: payload and header bytes exist for TCP, UDP and SCTP only in the fork (ICMP rows show 0); kept so for
    // all others. SCTP (RFC 9260 §3): the 12-byte common header is the header, every byte after it (chunk headers
    // and chunk padding included) payload, as the fork counts it.
    if (l4) {
      p.payload = meta.capturedPayloadLen;
      p.header = capturedHeader(meta);
    } else if (ports && proto === IPPROTO.SCTP) {
      const sctp = meta.capturedPayloadLen + capturedHeader(meta); // the decoder counts no SCTP header bytes
      p.header = sctp < SCTP_COMMON_HEADER ? sctp : SCTP_COMMON_HEADER;
      p.payload = sctp - p.header;
    } else {
      p.payload = 0;
      p.header = 0;
    }
    p.ipBytes = meta.ipTotalLen;
    p.icmpType = meta.icmpType;
    p.icmpCode = meta.icmpCode;
    const icmp = isIcmp(proto) && meta.icmpType >= 0;
    const sport = ports ? meta.srcPort : 0;
    const dport = ports ? meta.dstPort : 0;
    p.realSrcPort = icmp ? meta.icmpType : sport;
    p.realDstPort = icmp ? meta.icmpCode : dport;
    key.set(proto, meta.srcAddr, meta.dstAddr, addrLen, sport, dport);
    return null;
  }

  onNewFlow(ops: EngineOps): void {
    // §3 ✔: a flow whose first packet is a SYN-ACK is oriented the other way (the SYN-ACK is backward).
    ops.startFresh((ops.facts.flags & SYN_ACK) === SYN_ACK);
  }

  onFlowStarted(_flow: FlowState, _p: PacketFacts): void {}

  onPacket(ops: EngineOps, flow: FlowState, dir: number): void {
    const flags = ops.facts.flags;
    if (flow.tcpState === TCP_STATE.READY && (flags & TCP_FLAG.SYN) !== 0) {
      // §4 ✔: a ready (terminated) connection is written when a new SYN arrives; the SYN starts a new flow.
      addDuration(flow);
      ops.close(flow);
      ops.startFresh((flags & SYN_ACK) === SYN_ACK);
    } else if ((flags & TCP_FLAG.FIN) !== 0) {
      ops.addTo(flow, dir);
      if (flow.tcpState === TCP_STATE.NONE) flow.tcpState = TCP_STATE.FIRST_FIN;
      else if (
        flow.tcpState === TCP_STATE.FIRST_FIN &&
        flow.flagCount(0, 0) > 0 &&
        flow.flagCount(1, 0) > 0
      ) {
        flow.tcpState = TCP_STATE.SECOND_FIN;
      }
    } else if ((flags & TCP_FLAG.RST) !== 0) {
      ops.addTo(flow, dir);
      flow.tcpState = TCP_STATE.READY;
    } else if ((flags & TCP_FLAG.ACK) !== 0) {
      ops.addTo(flow, dir);
      if (flow.tcpState === TCP_STATE.SECOND_FIN) flow.tcpState = TCP_STATE.READY;
    } else if (isIcmp(flow.keyProto) && flow.icmpCode !== ops.facts.icmpCode && flow.icmpType !== ops.facts.icmpType) {
      // ✔ an ICMP packet whose type and code both differ from the flow's first packet starts a new flow.
      ops.close(flow);
      ops.startFresh(false);
    } else {
      ops.addTo(flow, dir);
    }
  }

  onTombstone(ops: EngineOps, t: Tombstone): void {
    const p = ops.facts;
    const fresh =
      (t.tcpState === TCP_STATE.READY && (p.flags & TCP_FLAG.SYN) !== 0) ||
      (t.keyProto === IPPROTO.UDP && p.tsUs - t.lastTs > ops.flowTimeoutUs);
    if (fresh) {
      ops.startFresh((p.flags & SYN_ACK) === SYN_ACK);
      return;
    }
    // ✔ continuation of the same connection: orientation, retransmission memory and connection time carry over
    // (the time includes the gap since the previous piece's last packet).
    const flow = ops.startContinuation(t, false, true);
    flow.cumulativeUs = t.cumulativeUs + (p.tsUs - t.lastTs);
  }

  onTimeout(flow: FlowState): boolean {
    addDuration(flow);
    // Only TCP and UDP connections continue after a timeout; other protocols start afresh.
    return isTcpOrUdp(flow.keyProto);
  }

  onEnd(flow: FlowState): void {
    addDuration(flow);
  }

  writes(flow: FlowState): boolean {
    return flow.packets >= 1;
  }
}
