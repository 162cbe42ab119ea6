// `--profile cicflowmeter`: CICFlowMeter-4.0 (upstream, ahlashkari HEAD) reproduced quirks included (spec §2–§6,
// marked ⚠ there): IPv4 only, non-TCP/UDP as protocol 0 with ports 0, first-backward-FIN / RST termination with
// forward FIN retransmits dropped, timeout continuations that keep the old orientation and count their first
// packet as forward, flows with ≤ 1 packet dropped. Pure: no I/O, no allocation per packet.
import { CICFLOWMETER_COLUMNS } from '../../csv/columns.js';
import { IPPROTO, TCP_FLAG, type PacketMeta } from '../../types.js';
import { W, type FlowState, type PacketFacts } from '../flow-state.js';
import type { Tombstone } from '../flow-table.js';
import type { FlowKey } from '../key.js';
import { capturedHeader, type EngineOps, type FlowProfile } from './profile.js';

/** Reasons of the packets this profile drops (counted as `dropped_<reason>`). */
export const CIC_DROP = {
  IPV6: 'ipv6_ignored',
  FIN_RETRANSMIT: 'fin_retransmit',
} as const;

/** The upstream CICFlowMeter-4.0 semantics. */
export class CicflowmeterProfile implements FlowProfile {
  readonly name = 'cicflowmeter' as const;
  readonly columns = CICFLOWMETER_COLUMNS;
  readonly bulkAllBackward = true;
  readonly trackRetransmissions = false;
  readonly remembersFlowId = false;
  readonly directionByAddressOnly = true;

  intake(meta: PacketMeta, p: PacketFacts, key: FlowKey): string | null {
    // §2: the reference CLI reads IPv4 only; IPv6 packets are discarded (counted).
    if (meta.ipVersion !== 4) return CIC_DROP.IPV6;
    const proto = meta.protocol;
    p.realProto = proto;
    p.icmpType = meta.icmpType;
    p.icmpCode = meta.icmpCode;
    p.ipBytes = meta.ipTotalLen;
    if ((proto === IPPROTO.TCP || proto === IPPROTO.UDP) && meta.hasPorts && !meta.isLaterFragment) {
      // §2: ports, flags, raw window, header = data offset × 4 (UDP 8), payload = captured payload bytes.
      const tcp = proto === IPPROTO.TCP;
      p.flags = tcp ? meta.tcpFlags : 0;
      p.window = tcp ? meta.tcpWindow : 0;
      p.tcpSeq = tcp ? meta.tcpSeq : 0;
      p.tcpAck = tcp ? meta.tcpAck : 0;
      p.payload = meta.capturedPayloadLen;
      p.header = capturedHeader(meta);
      p.realSrcPort = meta.srcPort;
      p.realDstPort = meta.dstPort;
      key.set(proto, meta.srcAddr, meta.dstAddr, 4, meta.srcPort, meta.dstPort);
    } else {
      // §2 ⚠: anything else (ICMP, IGMP, GRE, later fragments...) is protocol 0, ports 0, no payload/header/flags.
      p.flags = 0;
      p.window = 0;
      p.tcpSeq = 0;
      p.tcpAck = 0;
      p.payload = 0;
      p.header = 0;
      const icmp = proto === IPPROTO.ICMP && meta.icmpType >= 0;
      p.realSrcPort = icmp ? meta.icmpType : meta.hasPorts ? meta.srcPort : 0;
      p.realDstPort = icmp ? meta.icmpCode : meta.hasPorts ? meta.dstPort : 0;
      key.set(0, meta.srcAddr, meta.dstAddr, 4, 0, 0);
    }
    return null;
  }

  onNewFlow(ops: EngineOps): void {
    // §3: the first packet's source is the flow's Src.
    ops.startFresh(false);
  }

  onFlowStarted(flow: FlowState, p: PacketFacts): void {
    // §6 rows 45–49 ⚠: firstPacket() adds p₁'s payload to the packet-length statistics a second time.
    flow.pushPacketLength(p.payload);
  }

  onPacket(ops: EngineOps, flow: FlowState, dir: number): void {
    const flags = ops.facts.flags;
    if ((flags & TCP_FLAG.FIN) !== 0) {
      // §4 step 2 (a FIN+RST packet takes this branch).
      if (dir === 0) {
        const fins = flow.bump(W.FIN_FWD);
        if (fins === 1) ops.addTo(flow, 0);
        else ops.drop(CIC_DROP.FIN_RETRANSMIT); // 2nd and later forward FINs are silently dropped
      } else {
        // ⚠ the "both sides sent FIN" test is true on the first backward FIN: add and emit.
        flow.bump(W.FIN_BWD);
        ops.addTo(flow, 1);
        ops.close(flow);
      }
    } else if ((flags & TCP_FLAG.RST) !== 0) {
      // §4 step 3.
      ops.addTo(flow, dir);
      ops.close(flow);
    } else {
      ops.addTo(flow, dir);
    }
  }

  onTombstone(ops: EngineOps, t: Tombstone): void {
    // §4 step 1 ⚠: the new flow keeps the old Src/Dst/ports and counts its first packet as forward.
    ops.startContinuation(t, true, false);
  }

  onTimeout(_flow: FlowState): boolean {
    // The reference keeps the key in its table after a timeout: the next packet continues it.
    return true;
  }

  onEnd(_flow: FlowState): void {}

  writes(flow: FlowState): boolean {
    // §4: flows with ≤ 1 packet are never written.
    return flow.packets > 1;
  }
}
