// Header variants (`--header`): the column names of the datasets models are trained on, for the same columns in
// the same order. cicflowmeter = CICFlowMeter-4.0's names (the column tables' own, the default); cic-ids2017 = the
// CIC-IDS2017 CSVs' names (with their leading spaces); cse-cic-ids2018 = the CSE-CIC-IDS2018 CSVs' abbreviations;
// snake_case = the Python port's names. The table is the spec's (cicflowmeter-features.md §9); columns it does not
// list (the default profile's extra columns, community_id) keep their names, or in snake_case are lower-cased
// with every run of other characters made `_`. Renames only: the CIC-IDS2017 CSVs' second `Fwd Header Length`
// column is not added. Pure.
import { PcapflowError } from '../errors.js';

export type HeaderVariant = 'cicflowmeter' | 'cic-ids2017' | 'cse-cic-ids2018' | 'snake_case';
export const HEADER_VARIANTS: readonly HeaderVariant[] = ['cicflowmeter', 'cic-ids2017', 'cse-cic-ids2018', 'snake_case'];

/** [CICFlowMeter-4.0, CIC-IDS2017, CSE-CIC-IDS2018, snake_case (null: none in the spec)] per column. */
const NAMES: readonly (readonly [string, string, string, string | null])[] = [
  ['Flow ID', 'Flow ID', 'Flow ID', null],
  ['Src IP', ' Source IP', 'Src IP', 'src_ip'],
  ['Src Port', ' Source Port', 'Src Port', 'src_port'],
  ['Dst IP', ' Destination IP', 'Dst IP', 'dst_ip'],
  ['Dst Port', ' Destination Port', 'Dst Port', 'dst_port'],
  ['Protocol', ' Protocol', 'Protocol', 'protocol'],
  ['Timestamp', ' Timestamp', 'Timestamp', 'timestamp'],
  ['Flow Duration', ' Flow Duration', 'Flow Duration', 'flow_duration'],
  ['Total Fwd Packet', ' Total Fwd Packets', 'Tot Fwd Pkts', 'tot_fwd_pkts'],
  ['Total Bwd packets', ' Total Backward Packets', 'Tot Bwd Pkts', 'tot_bwd_pkts'],
  ['Total Length of Fwd Packet', 'Total Length of Fwd Packets', 'TotLen Fwd Pkts', 'totlen_fwd_pkts'],
  ['Total Length of Bwd Packet', ' Total Length of Bwd Packets', 'TotLen Bwd Pkts', 'totlen_bwd_pkts'],
  ['Fwd Packet Length Max', ' Fwd Packet Length Max', 'Fwd Pkt Len Max', 'fwd_pkt_len_max'],
  ['Fwd Packet Length Min', ' Fwd Packet Length Min', 'Fwd Pkt Len Min', 'fwd_pkt_len_min'],
  ['Fwd Packet Length Mean', ' Fwd Packet Length Mean', 'Fwd Pkt Len Mean', 'fwd_pkt_len_mean'],
  ['Fwd Packet Length Std', ' Fwd Packet Length Std', 'Fwd Pkt Len Std', 'fwd_pkt_len_std'],
  ['Bwd Packet Length Max', 'Bwd Packet Length Max', 'Bwd Pkt Len Max', 'bwd_pkt_len_max'],
  ['Bwd Packet Length Min', ' Bwd Packet Length Min', 'Bwd Pkt Len Min', 'bwd_pkt_len_min'],
  ['Bwd Packet Length Mean', ' Bwd Packet Length Mean', 'Bwd Pkt Len Mean', 'bwd_pkt_len_mean'],
  ['Bwd Packet Length Std', ' Bwd Packet Length Std', 'Bwd Pkt Len Std', 'bwd_pkt_len_std'],
  ['Flow Bytes/s', 'Flow Bytes/s', 'Flow Byts/s', 'flow_byts_s'],
  ['Flow Packets/s', ' Flow Packets/s', 'Flow Pkts/s', 'flow_pkts_s'],
  ['Flow IAT Mean', ' Flow IAT Mean', 'Flow IAT Mean', 'flow_iat_mean'],
  ['Flow IAT Std', ' Flow IAT Std', 'Flow IAT Std', 'flow_iat_std'],
  ['Flow IAT Max', ' Flow IAT Max', 'Flow IAT Max', 'flow_iat_max'],
  ['Flow IAT Min', ' Flow IAT Min', 'Flow IAT Min', 'flow_iat_min'],
  ['Fwd IAT Total', 'Fwd IAT Total', 'Fwd IAT Tot', 'fwd_iat_tot'],
  ['Fwd IAT Mean', ' Fwd IAT Mean', 'Fwd IAT Mean', 'fwd_iat_mean'],
  ['Fwd IAT Std', ' Fwd IAT Std', 'Fwd IAT Std', 'fwd_iat_std'],
  ['Fwd IAT Max', ' Fwd IAT Max', 'Fwd IAT Max', 'fwd_iat_max'],
  ['Fwd IAT Min', ' Fwd IAT Min', 'Fwd IAT Min', 'fwd_iat_min'],
  ['Bwd IAT Total', 'Bwd IAT Total', 'Bwd IAT Tot', 'bwd_iat_tot'],
  ['Bwd IAT Mean', ' Bwd IAT Mean', 'Bwd IAT Mean', 'bwd_iat_mean'],
  ['Bwd IAT Std', ' Bwd IAT Std', 'Bwd IAT Std', 'bwd_iat_std'],
  ['Bwd IAT Max', ' Bwd IAT Max', 'Bwd IAT Max', 'bwd_iat_max'],
  ['Bwd IAT Min', ' Bwd IAT Min', 'Bwd IAT Min', 'bwd_iat_min'],
  ['Fwd PSH Flags', 'Fwd PSH Flags', 'Fwd PSH Flags', 'fwd_psh_flags'],
  ['Bwd PSH Flags', ' Bwd PSH Flags', 'Bwd PSH Flags', 'bwd_psh_flags'],
  ['Fwd URG Flags', ' Fwd URG Flags', 'Fwd URG Flags', 'fwd_urg_flags'],
  ['Bwd URG Flags', ' Bwd URG Flags', 'Bwd URG Flags', 'bwd_urg_flags'],
  ['Fwd Header Length', ' Fwd Header Length', 'Fwd Header Len', 'fwd_header_len'],
  ['Bwd Header Length', ' Bwd Header Length', 'Bwd Header Len', 'bwd_header_len'],
  ['Fwd Packets/s', 'Fwd Packets/s', 'Fwd Pkts/s', 'fwd_pkts_s'],
  ['Bwd Packets/s', ' Bwd Packets/s', 'Bwd Pkts/s', 'bwd_pkts_s'],
  ['Packet Length Min', ' Min Packet Length', 'Pkt Len Min', 'pkt_len_min'],
  ['Packet Length Max', ' Max Packet Length', 'Pkt Len Max', 'pkt_len_max'],
  ['Packet Length Mean', ' Packet Length Mean', 'Pkt Len Mean', 'pkt_len_mean'],
  ['Packet Length Std', ' Packet Length Std', 'Pkt Len Std', 'pkt_len_std'],
  ['Packet Length Variance', ' Packet Length Variance', 'Pkt Len Var', 'pkt_len_var'],
  ['FIN Flag Count', 'FIN Flag Count', 'FIN Flag Cnt', 'fin_flag_cnt'],
  ['SYN Flag Count', ' SYN Flag Count', 'SYN Flag Cnt', 'syn_flag_cnt'],
  ['RST Flag Count', ' RST Flag Count', 'RST Flag Cnt', 'rst_flag_cnt'],
  ['PSH Flag Count', ' PSH Flag Count', 'PSH Flag Cnt', 'psh_flag_cnt'],
  ['ACK Flag Count', ' ACK Flag Count', 'ACK Flag Cnt', 'ack_flag_cnt'],
  ['URG Flag Count', ' URG Flag Count', 'URG Flag Cnt', 'urg_flag_cnt'],
  ['CWR Flag Count', ' CWE Flag Count', 'CWE Flag Count', 'cwr_flag_count'],
  ['ECE Flag Count', ' ECE Flag Count', 'ECE Flag Cnt', 'ece_flag_cnt'],
  ['Down/Up Ratio', ' Down/Up Ratio', 'Down/Up Ratio', 'down_up_ratio'],
  ['Average Packet Size', ' Average Packet Size', 'Pkt Size Avg', 'pkt_size_avg'],
  ['Fwd Segment Size Avg', ' Avg Fwd Segment Size', 'Fwd Seg Size Avg', 'fwd_seg_size_avg'],
  ['Bwd Segment Size Avg', ' Avg Bwd Segment Size', 'Bwd Seg Size Avg', 'bwd_seg_size_avg'],
  ['Fwd Bytes/Bulk Avg', 'Fwd Avg Bytes/Bulk', 'Fwd Byts/b Avg', 'fwd_byts_b_avg'],
  ['Fwd Packet/Bulk Avg', ' Fwd Avg Packets/Bulk', 'Fwd Pkts/b Avg', 'fwd_pkts_b_avg'],
  ['Fwd Bulk Rate Avg', ' Fwd Avg Bulk Rate', 'Fwd Blk Rate Avg', 'fwd_blk_rate_avg'],
  ['Bwd Bytes/Bulk Avg', ' Bwd Avg Bytes/Bulk', 'Bwd Byts/b Avg', 'bwd_byts_b_avg'],
  ['Bwd Packet/Bulk Avg', ' Bwd Avg Packets/Bulk', 'Bwd Pkts/b Avg', 'bwd_pkts_b_avg'],
  ['Bwd Bulk Rate Avg', 'Bwd Avg Bulk Rate', 'Bwd Blk Rate Avg', 'bwd_blk_rate_avg'],
  ['Subflow Fwd Packets', 'Subflow Fwd Packets', 'Subflow Fwd Pkts', 'subflow_fwd_pkts'],
  ['Subflow Fwd Bytes', ' Subflow Fwd Bytes', 'Subflow Fwd Byts', 'subflow_fwd_byts'],
  ['Subflow Bwd Packets', ' Subflow Bwd Packets', 'Subflow Bwd Pkts', 'subflow_bwd_pkts'],
  ['Subflow Bwd Bytes', ' Subflow Bwd Bytes', 'Subflow Bwd Byts', 'subflow_bwd_byts'],
  ['FWD Init Win Bytes', 'Init_Win_bytes_forward', 'Init Fwd Win Byts', 'init_fwd_win_byts'],
  ['Bwd Init Win Bytes', ' Init_Win_bytes_backward', 'Init Bwd Win Byts', 'init_bwd_win_byts'],
  ['Fwd Act Data Pkts', ' act_data_pkt_fwd', 'Fwd Act Data Pkts', 'fwd_act_data_pkts'],
  ['Fwd Seg Size Min', ' min_seg_size_forward', 'Fwd Seg Size Min', 'fwd_seg_size_min'],
  ['Active Mean', 'Active Mean', 'Active Mean', 'active_mean'],
  ['Active Std', ' Active Std', 'Active Std', 'active_std'],
  ['Active Max', ' Active Max', 'Active Max', 'active_max'],
  ['Active Min', ' Active Min', 'Active Min', 'active_min'],
  ['Idle Mean', 'Idle Mean', 'Idle Mean', 'idle_mean'],
  ['Idle Std', ' Idle Std', 'Idle Std', 'idle_std'],
  ['Idle Max', ' Idle Max', 'Idle Max', 'idle_max'],
  ['Idle Min', ' Idle Min', 'Idle Min', 'idle_min'],
  ['Label', ' Label', 'Label', null],
  // --file-column (not a CICFlowMeter column): each variant's spelling
  ['Source File', ' Source File', 'Source File', 'source_file'],
];

const BY_NAME = new Map(NAMES.map((row) => [row[0], row]));

/** snake_case of a name the spec table does not list: `Fwd TCP Retrans. Count` -> `fwd_tcp_retrans_count`. */
export function snakeCase(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
}

/** The names of `header` (the column tables' names) in `variant`. */
export function headerVariant(header: readonly string[], variant: HeaderVariant): string[] {
  if (variant === 'cicflowmeter') return [...header];
  const at = variant === 'cic-ids2017' ? 1 : variant === 'cse-cic-ids2018' ? 2 : 3;
  return header.map((name) => {
    const row = BY_NAME.get(name);
    const mapped = row?.[at] ?? null;
    if (mapped !== null) return mapped;
    return variant === 'snake_case' ? snakeCase(name) : name;
  });
}

/** Check a --header value. */
export function headerVariantOf(v: string | undefined): HeaderVariant {
  if (v === undefined) return 'cicflowmeter';
  if (!HEADER_VARIANTS.includes(v as HeaderVariant)) {
    throw new PcapflowError('E_OPTION_INVALID', `--header: expected one of ${HEADER_VARIANTS.join(', ')}, got ${v}`, { layer: 'header' });
  }
  return v as HeaderVariant;
}
