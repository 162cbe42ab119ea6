// How `pcapflow collect` writes a decoded NetFlow/IPFIX record: the default profile's column names (the ones a
// record can carry get values, every other cell stays empty: never 0 for "unknown"), then Fwd IP Bytes, Bwd IP
// Bytes, Flow End Reason, Exporter, Observation Domain and community_id. pcapflow's own enterprise statistics are
// printed the way the default profile prints them (src/csv/columns.ts), so `export | collect` gives the flow
// command's text back. Pure: no I/O.
import { CommunityIdHasher } from '../community-id.js';
import { DEFAULT_COLUMNS } from '../csv/columns.js';
import { javaDoubleToString as dbl, javaLongToString as lng } from '../csv/java-format.js';
import { formatIsoTimestamp } from '../csv/timestamp.js';
import { formatAddress } from '../decode/address.js';
import { STAT_KINDS, STAT_SLOT } from './pcapflow-ies.js';
import { FLOW_END_REASON_NAMES, type NetflowRecord } from './record.js';

/** The columns after the default profile's: what NetFlow/IPFIX carries that the flow command does not print. */
export const COLLECT_EXTRA_COLUMNS = ['Fwd IP Bytes', 'Bwd IP Bytes', 'Flow End Reason', 'Exporter', 'Observation Domain'] as const;

/** The default profile's column names `collect` writes (all but Label and community_id, which is last). */
const PROFILE_NAMES = DEFAULT_COLUMNS.map((c) => c.name).filter((n) => n !== 'Label' && n !== 'community_id');

/** collect's header: the default profile's names, the extra columns, community_id. */
export const COLLECT_HEADER: readonly string[] = [...PROFILE_NAMES, ...COLLECT_EXTRA_COLUMNS, 'community_id'];

const IDX = new Map(COLLECT_HEADER.map((n, i) => [n, i]));
const at = (name: string): number => IDX.get(name)!;
const C = {
  flowId: at('Flow ID'), srcIp: at('Src IP'), srcPort: at('Src Port'), dstIp: at('Dst IP'), dstPort: at('Dst Port'),
  protocol: at('Protocol'), timestamp: at('Timestamp'), duration: at('Flow Duration'), fwdPkts: at('Total Fwd Packet'),
  bwdPkts: at('Total Bwd packets'), fwdIpBytes: at('Fwd IP Bytes'), bwdIpBytes: at('Bwd IP Bytes'),
  endReason: at('Flow End Reason'), exporter: at('Exporter'), domain: at('Observation Domain'),
  icmpType: at('ICMP Type'), icmpCode: at('ICMP Code'), cid: at('community_id'),
};
/** Header index of each statistic slot (-1 when the profile has no such column). */
const SLOT_COLUMN: number[] = [];
for (const [name, slot] of STAT_SLOT) SLOT_COLUMN[slot] = IDX.get(name) ?? -1;

function num(x: number): string {
  return Number.isNaN(x) ? '' : String(x);
}

/** Formats records as rows of COLLECT_HEADER fields (one reused array of strings). */
export class RecordRowFormatter {
  private readonly hasher: CommunityIdHasher;
  private readonly fields: string[] = new Array<string>(COLLECT_HEADER.length).fill('');

  constructor(opts: { communityIdSeed: number; communityIdBase64: boolean }) {
    this.hasher = new CommunityIdHasher({ seed: opts.communityIdSeed, base64: opts.communityIdBase64 });
  }

  /** The record's fields in header order (the array is reused: valid until the next call). */
  format(r: NetflowRecord): string[] {
    const f = this.fields;
    f.fill('');
    const hasTuple = r.ipVersion !== 0 && !Number.isNaN(r.protocol);
    const src = r.ipVersion !== 0 ? formatAddress(r.srcAddr, r.ipVersion) : '';
    const dst = r.ipVersion !== 0 ? formatAddress(r.dstAddr, r.ipVersion) : '';
    f[C.srcIp] = src;
    f[C.dstIp] = dst;
    f[C.srcPort] = num(r.srcPort);
    f[C.dstPort] = num(r.dstPort);
    f[C.protocol] = num(r.protocol);
    if (hasTuple) f[C.flowId] = `${src}-${dst}-${num(r.srcPort)}-${num(r.dstPort)}-${r.protocol}`;
    if (!Number.isNaN(r.startUs)) f[C.timestamp] = formatIsoTimestamp(r.startUs);
    if (!Number.isNaN(r.startUs) && !Number.isNaN(r.endUs)) f[C.duration] = lng(r.endUs - r.startUs);
    f[C.fwdPkts] = num(r.fwdPackets);
    f[C.bwdPkts] = r.hasReverse ? num(Number.isNaN(r.bwdPackets) ? 0 : r.bwdPackets) : '';
    f[C.fwdIpBytes] = num(r.fwdOctets);
    f[C.bwdIpBytes] = r.hasReverse ? num(Number.isNaN(r.bwdOctets) ? 0 : r.bwdOctets) : '';
    if (!Number.isNaN(r.endReason)) f[C.endReason] = FLOW_END_REASON_NAMES[r.endReason] ?? String(r.endReason);
    f[C.exporter] = r.exporter;
    f[C.domain] = String(r.domain);
    const icmp = r.protocol === 1 || r.protocol === 58;
    if (icmp && !Number.isNaN(r.icmpType)) {
      f[C.icmpType] = String(r.icmpType);
      f[C.icmpCode] = String(r.icmpCode);
    }
    if (r.hasStats) {
      const present = r.statsPresent;
      for (let slot = 0; slot < present.length; slot++) {
        const col = SLOT_COLUMN[slot]!;
        if (present[slot] === 0 || col < 0) continue;
        const v = r.stats[slot]!;
        switch (STAT_KINDS[slot]) {
          case 'long': f[col] = lng(v); break;
          case 'stat': f[col] = Number.isNaN(v) ? '0' : dbl(v); break;
          case 'rate': f[col] = v === -1 ? '-1' : dbl(v); break;
          default: f[col] = dbl(v);
        }
      }
    }
    if (hasTuple) {
      const sp = icmp ? r.icmpType : r.srcPort;
      const dp = icmp ? r.icmpCode : r.dstPort;
      try {
        // Port-less protocols ignore the ports; an ICMP record without type/code, or a TCP/UDP record without
        // ports, gets no ID rather than a wrong one.
        if (!Number.isNaN(sp) && !Number.isNaN(dp)) f[C.cid] = this.hasher.hash(r.protocol, r.srcAddr, r.dstAddr, r.ipVersion === 6 ? 16 : 4, sp, dp);
        else if (!icmp && r.protocol !== 6 && r.protocol !== 17 && r.protocol !== 132) {
          f[C.cid] = this.hasher.hash(r.protocol, r.srcAddr, r.dstAddr, r.ipVersion === 6 ? 16 : 4, 0, 0);
        }
      } catch {
        // A protocol or port out of range (a hostile record): no ID.
      }
    }
    return f;
  }
}
