// The flow record pcapflow's NetFlow/IPFIX decoder produces: one reusable struct with the facts a NetFlow v1/v5/v7,
// v9 or IPFIX data record can carry, normalised (absolute times in µs since the epoch, forward and reverse
// counters apart). Absent values are NaN (never 0: 0 is a value). Pure data; no I/O.
import { STAT_COLUMNS } from './pcapflow-ies.js';

/** RFC 5102 §5.11.3 flowEndReason values. */
export const FLOW_END_REASON = { IDLE_TIMEOUT: 1, ACTIVE_TIMEOUT: 2, END_OF_FLOW: 3, FORCED_END: 4, LACK_OF_RESOURCES: 5 } as const;

/** The names of the flowEndReason values (RFC 5102 §5.11.3), by value. */
export const FLOW_END_REASON_NAMES: Readonly<Record<number, string>> = {
  1: 'idleTimeout',
  2: 'activeTimeout',
  3: 'endOfFlowDetected',
  4: 'forcedEnd',
  5: 'lackOfResources',
};

/** RFC 5103 §6.3 biflowDirection values. */
export const BIFLOW_DIRECTION = { ARBITRARY: 0, INITIATOR: 1, REVERSE_INITIATOR: 2, PERIMETER: 3 } as const;

/**
 * One decoded flow record. The decoder owns and reuses it: it is valid until the callback returns (copy it with
 * `clone()` to keep it). Counters are plain numbers: exact up to 2^53 (an unsigned64 above that is rounded).
 */
export class NetflowRecord {
  /** NetFlow version of the datagram: 1, 5, 7, 9 or 10 (IPFIX). */
  version = 0;
  /** The exporter, "address:port" ("[v6]:port") as the collector saw it, or a name given by the caller. */
  exporter = '';
  /** IPFIX Observation Domain ID, v9 Source ID; v5/v7: engine type << 8 | engine id; v1: 0. */
  domain = 0;
  /** Template ID of a v9/IPFIX record; 0 for v1/v5/v7. */
  templateId = 0;
  /** 4 or 6, or 0 when the record carries no addresses. */
  ipVersion = 0;
  /** Source and destination addresses (IPv4 in bytes 0-3). */
  readonly srcAddr = new Uint8Array(16);
  readonly dstAddr = new Uint8Array(16);
  srcPort = NaN;
  dstPort = NaN;
  protocol = NaN;
  /** Flow start and end, µs since the Unix epoch. */
  startUs = NaN;
  endUs = NaN;
  /** Forward (source to destination) and reverse (RFC 5103) counters; octets are IP bytes as exported. */
  fwdPackets = NaN;
  fwdOctets = NaN;
  bwdPackets = NaN;
  bwdOctets = NaN;
  /** OR of the TCP flags seen, per direction. */
  fwdTcpFlags = NaN;
  bwdTcpFlags = NaN;
  icmpType = NaN;
  icmpCode = NaN;
  /** RFC 5102 flowEndReason, RFC 5103 biflowDirection. */
  endReason = NaN;
  biflowDirection = NaN;
  tos = NaN;
  vlanId = NaN;
  inputInterface = NaN;
  outputInterface = NaN;
  srcAs = NaN;
  dstAs = NaN;
  /** True when the record carries reverse-direction counters (an RFC 5103 biflow, or v9 IN/OUT counters). */
  hasReverse = false;
  /** pcapflow's enterprise statistics by slot (pcapflow-ies.ts STAT_COLUMNS), and which slots were carried. */
  readonly stats = new Float64Array(STAT_COLUMNS.length);
  readonly statsPresent = new Uint8Array(STAT_COLUMNS.length);
  hasStats = false;

  /** Back to "nothing carried". */
  reset(): void {
    this.ipVersion = 0;
    this.srcPort = this.dstPort = this.protocol = NaN;
    this.startUs = this.endUs = NaN;
    this.fwdPackets = this.fwdOctets = this.bwdPackets = this.bwdOctets = NaN;
    this.fwdTcpFlags = this.bwdTcpFlags = NaN;
    this.icmpType = this.icmpCode = this.endReason = this.biflowDirection = NaN;
    this.tos = this.vlanId = this.inputInterface = this.outputInterface = this.srcAs = this.dstAs = NaN;
    this.hasReverse = false;
    if (this.hasStats) {
      this.statsPresent.fill(0);
      this.hasStats = false;
    }
  }

  /** An independent copy. */
  clone(): NetflowRecord {
    const r = new NetflowRecord();
    Object.assign(r, this);
    (r as { srcAddr: Uint8Array }).srcAddr = this.srcAddr.slice();
    (r as { dstAddr: Uint8Array }).dstAddr = this.dstAddr.slice();
    (r as { stats: Float64Array }).stats = this.stats.slice();
    (r as { statsPresent: Uint8Array }).statsPresent = this.statsPresent.slice();
    return r;
  }
}
