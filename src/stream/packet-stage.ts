// Second stage: capture bytes -> packets -> decoded packets, packed into PacketBatch buffers (thousands of
// packets per batch, never one object per packet). A framing error stops reading that file only: the packets
// before it are kept, the damage is recorded in ReadStats, and the next input goes on. No file I/O here.
import { Transform, type TransformCallback } from 'node:stream';
import { CaptureParser } from '../capture/capture-parser.js';
import { releaseChunk } from '../capture/chunk-reader.js';
import { DECODE_DEFAULTS, decodePacket, type DecodeOptions } from '../decode/decoder.js';
import { PcapflowError } from '../errors.js';
import { createPacketMeta, SKIP, type RawPacket } from '../types.js';
import { PacketBatchWriter, type PacketBatch } from '../shard/packet-batch.js';
import type { CaptureChunk } from './capture-source.js';
import type { ReadStats } from './read-stats.js';

export interface PacketStageOptions {
  stats: ReadStats;
  /** Packets per batch (default 4096). */
  batchSize?: number;
  /** Flow engines the batches are packed for (--jobs; default 1). */
  shards?: number;
  /** How packets are decoded (--decap, the cicflowmeter profile's decoder rules); DECODE_DEFAULTS when omitted. */
  decode?: DecodeOptions;
  /** `--shard K/N`: the shard groups [lo, hi) this process keeps, and whether it counts the packets of no flow
   *  (K = 0). Packets of other shards are counted in stats.otherShard and only move the capture clock. */
  shard?: { lo: number; hi: number; countsNoFlow: boolean } | null;
}

/** Transform (object mode): CaptureChunk in, PacketBatch out. Every packet read goes into a batch: decoded
 *  packets with their fields, skipped ones with their skip code (they still advance the capture clock). */
export class PacketStage extends Transform {
  private readonly stats: ReadStats;
  private readonly writer: PacketBatchWriter;
  private readonly meta = createPacketMeta();
  private readonly decode: DecodeOptions;
  private parser: CaptureParser | null = null;
  private parserFile = -1;
  private failedFile = -1;
  private nextIndex = 0;
  private clockIndex = -1;
  private clockUs = 0;
  private readonly countsNoFlow: boolean;

  constructor(opts: PacketStageOptions) {
    super({ objectMode: true, highWaterMark: 4 });
    this.stats = opts.stats;
    this.decode = opts.decode ?? DECODE_DEFAULTS;
    const shard = opts.shard ?? null;
    this.countsNoFlow = shard?.countsNoFlow ?? true;
    this.writer = new PacketBatchWriter(opts.batchSize ?? 4096, opts.shards ?? 1, shard);
  }

  override _transform(chunk: CaptureChunk, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.handle(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.writer.count > 0) this.push(this.writer.take(this.clockIndex, this.clockUs));
    done();
  }

  private handle(chunk: CaptureChunk): void {
    if (chunk.fileIndex === this.failedFile) return; // the rest of a damaged file is not read
    if (chunk.fileIndex !== this.parserFile) {
      this.parser = new CaptureParser({ fileName: chunk.file, firstPacketIndex: this.nextIndex });
      this.parserFile = chunk.fileIndex;
      this.stats.files++;
      this.stats.fileStarts.push({ file: chunk.file, firstIndex: this.nextIndex });
    }
    const parser = this.parser!;
    try {
      if (chunk.data !== null) {
        this.stats.bytesRead += chunk.data.length;
        parser.push(chunk.data);
        this.drain(parser);
        // next() returned null: the parser copied what it keeps of the chunk (a record cut at its end).
        releaseChunk(chunk.data);
      } else if (chunk.interrupted !== true) {
        parser.end(); // a record cut by an interrupt is not damage: the file did not end there
      }
    } catch (err) {
      if (!(err instanceof PcapflowError)) throw err;
      if (err.file === undefined) err.file = chunk.file;
      this.stats.addDamage(err, chunk.file);
      this.failedFile = chunk.fileIndex;
    }
    this.nextIndex = this.clockIndex + 1;
  }

  private drain(parser: CaptureParser): void {
    const meta = this.meta;
    const stats = this.stats;
    const writer = this.writer;
    let pkt: RawPacket | null;
    while ((pkt = parser.next()) !== null) {
      const skip = decodePacket(pkt.data, pkt.linkType, meta, this.decode);
      this.clockIndex = pkt.index;
      this.clockUs = pkt.tsUs;
      const mine = writer.push(pkt.index, pkt.tsUs, meta);
      if (skip === SKIP.NONE) {
        if (mine) {
          stats.packetsRead++;
          stats.packetsDecoded++;
          if (meta.truncated) stats.packetsTruncated++;
          if (meta.tunnelLayers > 0) stats.tunnel(meta.tunnelKinds, meta.tunnelLayers);
        } else {
          stats.otherShard++;
        }
      } else if (this.countsNoFlow) {
        stats.packetsRead++;
        stats.skip(skip);
      } else {
        stats.otherShard++;
        stats.skippedForShard0++;
      }
      if (writer.full) this.push(writer.take(this.clockIndex, this.clockUs) satisfies PacketBatch);
    }
  }
}
