// pcapflow's library entry point: re-exports the public API. Nothing here runs on import.
export { PcapflowError, isCaptureError } from './errors.js';
export type { ErrorCode, PcapflowErrorDetails } from './errors.js';
export * from './types.js';

// Community ID (community-id-spec v1)
export { communityId, CommunityIdHasher } from './community-id.js';
export type { CommunityIdOptions } from './community-id.js';

// Capture reading and decoding (pure, fed bytes)
export { CaptureParser } from './capture/capture-parser.js';
export type { CaptureParserOptions } from './capture/capture-parser.js';
export { sniffFormat } from './capture/sniff.js';
export { openCapture, expandInputs, readAllPackets } from './capture/chunk-reader.js';
export { decodePacket, isSupportedLinkType, decodeOptionsFor, DECODE_DEFAULTS, MAX_TUNNEL_LAYERS } from './decode/decoder.js';
export type { DecodeOptions } from './decode/decoder.js';
export { formatAddress, parseAddress } from './decode/address.js';

// Flows
export { FlowEngine } from './flow/flow-engine.js';
export type { FlowEngineOptions, FlowRow } from './flow/flow-engine.js';
export { normalizeOptions, DEFAULTS } from './options.js';
export { EarlyPackets, earlyColumnNames, FIRST_PACKETS_MAX } from './flow/early-packets.js';
export type { Options, RawOptions, ProfileName } from './options.js';

// The stream pipeline's stages, for programs that compose their own pipeline
export { createCaptureSource } from './stream/capture-source.js';
export type { CaptureChunk } from './stream/capture-source.js';
export { PacketStage } from './stream/packet-stage.js';
export { FlowStage, feedBatch, compareRows } from './stream/flow-stage.js';
export type { RowBatch } from './stream/flow-stage.js';
export { ReadStats } from './stream/read-stats.js';
export { CsvSink } from './csv/csv-sink.js';
export { ShardStage, createShardStage } from './shard/pool.js';
export { PacketBatchWriter, PacketBatchReader } from './shard/packet-batch.js';
export type { PacketBatch } from './shard/packet-batch.js';
export { runFlows, formatSummary } from './run.js';
export type { RunSummary, RunResult, RunControl, PerInputOutput, ProgressHook, ProgressCounters } from './run.js';

// NetFlow v1/v5/v7/v9 and IPFIX (pure codec: decoder, IE registry, encoder) and the commands built on it
export { NetflowDecoder } from './netflow/decoder.js';
export type { DecoderOptions, DecoderCounters, OptionsRecord } from './netflow/decoder.js';
export { NetflowRecord, FLOW_END_REASON, FLOW_END_REASON_NAMES, BIFLOW_DIRECTION } from './netflow/record.js';
export { lookupIe, registerIe, ianaIes, IE_TYPE, REVERSE_PEN } from './netflow/ie-registry.js';
export type { IeInfo, IeType } from './netflow/ie-registry.js';
export { PCAPFLOW_PEN, PCAPFLOW_IES, REVERSE_ID_BIT, STAT_COLUMNS } from './netflow/pcapflow-ies.js';
export type { PcapflowIe, StatKind } from './netflow/pcapflow-ies.js';
export { FlowEncoder } from './netflow/encoder.js';
export type { ExportFlow, ExportProtocol, EncoderOptions, EncodedMessage, EncoderCounters } from './netflow/encoder.js';
export { RecordPairer } from './netflow/pairer.js';
export { RecordRowFormatter, COLLECT_HEADER } from './netflow/record-row.js';
export { looksLikeNetflow, netflowDatagramOf } from './netflow/datagram.js';
export { runCollect } from './commands/collect.js';
export type { CollectOptions, CollectSummary } from './commands/collect.js';
export { runExport } from './commands/export.js';
export type { ExportOptions, ExportSummary } from './commands/export.js';
export { runAnalyze, AnalyzeReport } from './commands/analyze.js';
export type { AnalyzeOptions, AnalyzedFlow } from './commands/analyze.js';

// The library API: flows of captures as typed records, and writing them as the command line does
export { flows, FlowIterable } from './api/flows.js';
export type { CaptureSourceInput, FlowsOptions, LabelRuleSpec } from './api/flows.js';
export { writeFlows } from './api/write-flows.js';
export type { WriteFlowsOptions, WriteFlowsResult } from './api/write-flows.js';
export { DEFAULT_RECORD_COLUMNS, CICFLOWMETER_RECORD_COLUMNS, recordColumns } from './api/records.js';
export type { DefaultFlowRecord, CicflowmeterFlowRecord, FlowRecord, FlowRecordOf, RecordKind, RecordExtraFields, RecordExtras } from './api/records.js';
export type { OutputFormat } from './output/format.js';
export type { HeaderVariant } from './csv/header-variants.js';
export type { TimeFormat } from './output/time-columns.js';
