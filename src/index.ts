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
export type { RunSummary, RunResult } from './run.js';
