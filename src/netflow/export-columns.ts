// How `pcapflow export` reads the flows the flow engine computes: a column table (the engine's `columns` option)
// made of the default profile's columns (their exact text, so the CICFlowMeter statistics travel as the values
// the flow command prints) followed by the raw facts NetFlow/IPFIX needs and the CSV does not show (µs times, IP
// bytes and TCP flags per direction, the termination state). `parseExportRow` turns such a row into an
// ExportFlow. Pure: no I/O.
import type { Column } from '../csv/columns.js';
import { DEFAULT_COLUMNS } from '../csv/columns.js';
import { parseAddress } from '../decode/address.js';
import { S, TCP_STATE, type FlowState } from '../flow/flow-state.js';
import type { ExportFlow } from './encoder.js';
import { STAT_COLUMNS, STAT_KINDS } from './pcapflow-ies.js';
import { FLOW_END_REASON } from './record.js';

function raw(name: string, format: (f: FlowState) => string): Column {
  return { name, format: (f) => format(f), text: false };
}

function flagBits(f: FlowState, dir: number): number {
  let bits = 0;
  for (let i = 0; i < 8; i++) if (f.flagCount(dir, i) > 0) bits |= 1 << i;
  return bits;
}

const EXTRA: Column[] = [
  raw('startUs', (f) => String(f.startTs)),
  raw('endUs', (f) => String(f.lastTs)),
  raw('fwdIpBytes', (f) => String(f.s[f.o + S.FWD_IP_BYTES]!)),
  raw('bwdIpBytes', (f) => String(f.s[f.o + S.BWD_IP_BYTES]!)),
  raw('fwdFlags', (f) => String(flagBits(f, 0))),
  raw('bwdFlags', (f) => String(flagBits(f, 1))),
  raw('terminated', (f) => (f.tcpState === TCP_STATE.READY ? '1' : '0')),
];

/** The column table export gives the flow engine (default profile columns, then EXTRA). */
export const EXPORT_COLUMNS: readonly Column[] = [...DEFAULT_COLUMNS, ...EXTRA];

const NAMES = EXPORT_COLUMNS.map((c) => c.name);
const idx = (n: string): number => NAMES.indexOf(n);
const I = {
  src: idx('Src IP'), sport: idx('Src Port'), dst: idx('Dst IP'), dport: idx('Dst Port'), proto: idx('Protocol'),
  fwdPkts: idx('Total Fwd Packet'), bwdPkts: idx('Total Bwd packets'), icmpType: idx('ICMP Type'), icmpCode: idx('ICMP Code'),
  startUs: idx('startUs'), endUs: idx('endUs'), fwdIp: idx('fwdIpBytes'), bwdIp: idx('bwdIpBytes'),
  fwdFlags: idx('fwdFlags'), bwdFlags: idx('bwdFlags'), terminated: idx('terminated'),
};
const STAT_INDEX = STAT_COLUMNS.map((c) => idx(c));

/**
 * An ExportFlow from one row of EXPORT_COLUMNS (`line`, fields never need CSV quoting: numbers, addresses and
 * timestamps). `openAtEnd`: the flow was still open at the end of input (flowEndReason forcedEnd).
 */
export function parseExportRow(line: string, openAtEnd: boolean): ExportFlow {
  const v = line.split(',');
  const src = parseAddress(v[I.src]!)!;
  const dst = parseAddress(v[I.dst]!)!;
  const v6 = src.length === 16;
  const protocol = Number(v[I.proto]);
  const icmp = protocol === 1 || protocol === 58;
  const stats = new Float64Array(STAT_COLUMNS.length);
  for (let s = 0; s < STAT_INDEX.length; s++) {
    const text = v[STAT_INDEX[s]!]!;
    // A statistic group the profile skipped prints the integer 0 (not 0.0): carried as NaN.
    stats[s] = STAT_KINDS[s] === 'stat' && text === '0' ? NaN : Number(text);
  }
  const terminated = v[I.terminated] === '1';
  return {
    ipVersion: v6 ? 6 : 4,
    srcAddr: src,
    dstAddr: dst,
    srcPort: Number(v[I.sport]),
    dstPort: Number(v[I.dport]),
    protocol,
    startUs: Number(v[I.startUs]),
    endUs: Number(v[I.endUs]),
    fwdPackets: Number(v[I.fwdPkts]),
    bwdPackets: Number(v[I.bwdPkts]),
    fwdOctets: Number(v[I.fwdIp]),
    bwdOctets: Number(v[I.bwdIp]),
    fwdTcpFlags: Number(v[I.fwdFlags]),
    bwdTcpFlags: Number(v[I.bwdFlags]),
    icmpType: icmp ? Number(v[I.icmpType]) : -1,
    icmpCode: icmp ? Number(v[I.icmpCode]) : -1,
    endReason: terminated ? FLOW_END_REASON.END_OF_FLOW : openAtEnd ? FLOW_END_REASON.FORCED_END : FLOW_END_REASON.ACTIVE_TIMEOUT,
    stats,
  };
}
