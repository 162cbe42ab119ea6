// pcapflow's enterprise-specific IPFIX Information Elements: the CICFlowMeter statistics of the default profile
// that have no IANA IE, exported by `pcapflow export` under an enterprise number (default 32473, the
// documentation PEN of RFC 5612) and mapped back onto the same column names by `pcapflow collect`.
// Directional statistics have a forward IE (id n, the Fwd column) and a reverse variant (id n | 0x4000, the Bwd
// column): RFC 5103 §6.2 leaves reverse enterprise IEs to the enterprise, and bit 14 is the usual convention.
// Every value is a float64 (RFC 7011 §6.1.3), so integers up to 2^53 and every double travel exactly. Pure.
import { IE_TYPE, registerIe } from './ie-registry.js';

/** RFC 5612: the PEN reserved for documentation; pcapflow's default for its own IEs. */
export const PCAPFLOW_PEN = 32473;
/** Added to a directional IE's id for its reverse (Bwd) variant. */
export const REVERSE_ID_BIT = 0x4000;

/**
 * How a column's text is made from the value, as the default profile does (src/csv/columns.ts):
 * `double` Java double text; `long` Java long text; `stat` a statistic group that prints the integer 0 when the
 * group is skipped (carried as NaN); `rate` a rate that prints -1 when the duration is 0 (carried as -1).
 */
export type StatKind = 'double' | 'long' | 'stat' | 'rate';

/** One pcapflow IE: its id, name, the default-profile column(s) it carries and how they are printed. */
export interface PcapflowIe {
  readonly id: number;
  readonly name: string;
  readonly fwdColumn: string;
  /** The Bwd column of a directional statistic (carried by id | REVERSE_ID_BIT); null when not directional. */
  readonly bwdColumn: string | null;
  readonly kind: StatKind;
}

function dir(id: number, name: string, fwd: string, bwd: string, kind: StatKind): PcapflowIe {
  return { id, name, fwdColumn: fwd, bwdColumn: bwd, kind };
}
function one(id: number, name: string, column: string, kind: StatKind): PcapflowIe {
  return { id, name, fwdColumn: column, bwdColumn: null, kind };
}

/** The table. Ids are stable: never renumber (exports in the field depend on them). */
export const PCAPFLOW_IES: readonly PcapflowIe[] = [
  dir(1, 'payloadOctets', 'Total Length of Fwd Packet', 'Total Length of Bwd Packet', 'double'),
  dir(2, 'payloadLengthMax', 'Fwd Packet Length Max', 'Bwd Packet Length Max', 'stat'),
  dir(3, 'payloadLengthMin', 'Fwd Packet Length Min', 'Bwd Packet Length Min', 'stat'),
  dir(4, 'payloadLengthMean', 'Fwd Packet Length Mean', 'Bwd Packet Length Mean', 'stat'),
  dir(5, 'payloadLengthStd', 'Fwd Packet Length Std', 'Bwd Packet Length Std', 'stat'),
  dir(6, 'iatTotal', 'Fwd IAT Total', 'Bwd IAT Total', 'stat'),
  dir(7, 'iatMean', 'Fwd IAT Mean', 'Bwd IAT Mean', 'stat'),
  dir(8, 'iatStd', 'Fwd IAT Std', 'Bwd IAT Std', 'stat'),
  dir(9, 'iatMax', 'Fwd IAT Max', 'Bwd IAT Max', 'stat'),
  dir(10, 'iatMin', 'Fwd IAT Min', 'Bwd IAT Min', 'stat'),
  dir(11, 'pshPacketCount', 'Fwd PSH Flags', 'Bwd PSH Flags', 'long'),
  dir(12, 'urgPacketCount', 'Fwd URG Flags', 'Bwd URG Flags', 'long'),
  dir(13, 'rstPacketCount', 'Fwd RST Flags', 'Bwd RST Flags', 'long'),
  dir(14, 'transportHeaderOctets', 'Fwd Header Length', 'Bwd Header Length', 'long'),
  dir(15, 'packetsPerSecond', 'Fwd Packets/s', 'Bwd Packets/s', 'double'),
  dir(16, 'segmentSizeAvg', 'Fwd Segment Size Avg', 'Bwd Segment Size Avg', 'double'),
  dir(17, 'bulkOctetsAvg', 'Fwd Bytes/Bulk Avg', 'Bwd Bytes/Bulk Avg', 'double'),
  dir(18, 'bulkPacketsAvg', 'Fwd Packet/Bulk Avg', 'Bwd Packet/Bulk Avg', 'double'),
  dir(19, 'bulkRateAvg', 'Fwd Bulk Rate Avg', 'Bwd Bulk Rate Avg', 'double'),
  dir(20, 'subflowPackets', 'Subflow Fwd Packets', 'Subflow Bwd Packets', 'double'),
  dir(21, 'subflowOctets', 'Subflow Fwd Bytes', 'Subflow Bwd Bytes', 'double'),
  dir(22, 'initialWindowOctets', 'FWD Init Win Bytes', 'Bwd Init Win Bytes', 'long'),
  dir(23, 'dataPacketCount', 'Fwd Act Data Pkts', 'Bwd Act Data Pkts', 'long'),
  dir(24, 'segmentSizeMin', 'Fwd Seg Size Min', 'Bwd Seg Size Min', 'long'),
  dir(25, 'tcpRetransmissionCount', 'Fwd TCP Retrans. Count', 'Bwd TCP Retrans. Count', 'long'),
  one(40, 'flowOctetsPerSecond', 'Flow Bytes/s', 'rate'),
  one(41, 'flowPacketsPerSecond', 'Flow Packets/s', 'rate'),
  one(42, 'flowIatMean', 'Flow IAT Mean', 'double'),
  one(43, 'flowIatStd', 'Flow IAT Std', 'double'),
  one(44, 'flowIatMax', 'Flow IAT Max', 'double'),
  one(45, 'flowIatMin', 'Flow IAT Min', 'double'),
  one(46, 'payloadLengthMinAll', 'Packet Length Min', 'stat'),
  one(47, 'payloadLengthMaxAll', 'Packet Length Max', 'stat'),
  one(48, 'payloadLengthMeanAll', 'Packet Length Mean', 'stat'),
  one(49, 'payloadLengthStdAll', 'Packet Length Std', 'stat'),
  one(50, 'payloadLengthVarianceAll', 'Packet Length Variance', 'stat'),
  one(51, 'finPacketCount', 'FIN Flag Count', 'long'),
  one(52, 'synPacketCount', 'SYN Flag Count', 'long'),
  one(53, 'rstPacketCountAll', 'RST Flag Count', 'long'),
  one(54, 'pshPacketCountAll', 'PSH Flag Count', 'long'),
  one(55, 'ackPacketCount', 'ACK Flag Count', 'long'),
  one(56, 'urgPacketCountAll', 'URG Flag Count', 'long'),
  one(57, 'cwrPacketCount', 'CWR Flag Count', 'long'),
  one(58, 'ecePacketCount', 'ECE Flag Count', 'long'),
  one(59, 'downUpRatio', 'Down/Up Ratio', 'double'),
  one(60, 'averagePacketSize', 'Average Packet Size', 'double'),
  one(61, 'activeMean', 'Active Mean', 'stat'),
  one(62, 'activeStd', 'Active Std', 'stat'),
  one(63, 'activeMax', 'Active Max', 'stat'),
  one(64, 'activeMin', 'Active Min', 'stat'),
  one(65, 'idleMean', 'Idle Mean', 'stat'),
  one(66, 'idleStd', 'Idle Std', 'stat'),
  one(67, 'idleMax', 'Idle Max', 'stat'),
  one(68, 'idleMin', 'Idle Min', 'stat'),
  one(69, 'icmpCodeOrMinus1', 'ICMP Code', 'long'),
  one(70, 'icmpTypeOrMinus1', 'ICMP Type', 'long'),
  one(71, 'tcpRetransmissionCountAll', 'Total TCP Retrans. Count', 'long'),
  one(72, 'connectionTimeMicroseconds', 'Total Connection Flow Time', 'long'),
];

/**
 * Statistic slots: every column the table carries gets one (Fwd and Bwd columns apart). A decoded record keeps
 * its pcapflow statistics in a Float64Array indexed by slot.
 */
export const STAT_COLUMNS: readonly string[] = PCAPFLOW_IES.flatMap((ie) => (ie.bwdColumn === null ? [ie.fwdColumn] : [ie.fwdColumn, ie.bwdColumn]));
/** How each slot is printed (parallel to STAT_COLUMNS). */
export const STAT_KINDS: readonly StatKind[] = PCAPFLOW_IES.flatMap((ie) => (ie.bwdColumn === null ? [ie.kind] : [ie.kind, ie.kind]));
/** Slot of a column name. */
export const STAT_SLOT: ReadonlyMap<string, number> = new Map(STAT_COLUMNS.map((c, i) => [c, i]));

/** The slot an IE id of pcapflow's PEN fills (reverse ids: the Bwd slot), or -1 for an id pcapflow never used. */
export function statSlotOfId(id: number): number {
  const reverse = (id & REVERSE_ID_BIT) !== 0;
  const ie = PCAPFLOW_IES.find((x) => x.id === (id & ~REVERSE_ID_BIT));
  if (ie === undefined) return -1;
  if (reverse) return ie.bwdColumn === null ? -1 : STAT_SLOT.get(ie.bwdColumn)!;
  return STAT_SLOT.get(ie.fwdColumn)!;
}

/** Register pcapflow's IEs under `pen` in the IE registry (names for options, JSON and documentation). */
export function registerPcapflowIes(pen: number): void {
  for (const ie of PCAPFLOW_IES) {
    registerIe({ pen, id: ie.id, name: ie.name, type: IE_TYPE.FLOAT });
    if (ie.bwdColumn !== null) {
      registerIe({ pen, id: ie.id | REVERSE_ID_BIT, name: 'reverse' + ie.name[0]!.toUpperCase() + ie.name.slice(1), type: IE_TYPE.FLOAT });
    }
  }
}
