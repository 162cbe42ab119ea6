// `pcapflow packets <capture..>`: one tab-separated line per packet (index, time, lengths, link type, outermost
// IP addresses, protocol, ports, optionally the Community ID; with --decap those of the innermost IP header of
// tunnels), like `tshark -T fields`. A debugging tool for users
// and the hook pcapflow's own tests compare against tshark.
import { Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CaptureParser } from '../capture/capture-parser.js';
import { CommunityIdHasher } from '../community-id.js';
import { formatAddress } from '../decode/address.js';
import { decodePacket, type DecodeOptions } from '../decode/decoder.js';
import { PcapflowError } from '../errors.js';
import { interruptStatus, outputFailure, prepareRun, type RunControl } from '../run.js';
import { createCaptureSource, type CaptureChunk } from '../stream/capture-source.js';
import { ReadStats } from '../stream/read-stats.js';
import { createPacketMeta, SKIP, type PacketMeta, type RawPacket } from '../types.js';

export interface PacketsOptions {
  inputs: string[];
  output: string;
  communityId: boolean;
  communityIdSeed: number;
  communityIdBase64: boolean;
  /** Addresses, protocol and ports of the innermost IP header of tunnels (--decap). */
  decap?: boolean;
}

export const PACKETS_HEADER = ['index', 'time', 'caplen', 'len', 'linktype', 'src', 'dst', 'proto', 'sport', 'dport'];

/** Epoch seconds with 9 decimals, exact: the integer seconds and nanoseconds are printed, never a float. */
export function formatEpoch(tsSec: number, tsNs: number): string {
  if (tsSec < 0 && tsNs > 0) {
    // -1.25 s is stored as tsSec -2, tsNs 750000000.
    const ns = 1e9 - tsNs;
    return `-${-tsSec - 1}.${String(ns).padStart(9, '0')}`;
  }
  return `${tsSec}.${String(tsNs).padStart(9, '0')}`;
}

/** The fields of one packet line (without the trailing newline). */
export function formatPacketLine(pkt: RawPacket, meta: PacketMeta, cid: CommunityIdHasher | null): string {
  const hasIp = meta.ipVersion !== 0 && meta.skip !== SKIP.TRUNCATED_IP && meta.skip !== SKIP.BAD_IP_HEADER;
  const ports = hasIp && meta.hasPorts;
  let line =
    `${pkt.index + 1}\t${pkt.hasTimestamp ? formatEpoch(pkt.tsSec, pkt.tsNs) : ''}\t${pkt.capLen}\t${pkt.origLen}\t${pkt.linkType}\t` +
    (hasIp
      ? `${formatAddress(meta.srcAddr, meta.ipVersion)}\t${formatAddress(meta.dstAddr, meta.ipVersion)}\t${meta.protocol}\t`
      : '\t\t\t') +
    (ports ? `${meta.srcPort}\t${meta.dstPort}` : '\t');
  if (cid !== null) line += `\t${meta.skip === SKIP.NONE ? cid.forPacket(meta) : ''}`;
  return line;
}

class PacketLines extends Transform {
  private parser: CaptureParser | null = null;
  private parserFile = -1;
  private failedFile = -1;
  private nextIndex = 0;
  private readonly meta = createPacketMeta();
  private readonly stats: ReadStats;
  private readonly cid: CommunityIdHasher | null;
  private readonly decode: DecodeOptions;

  constructor(stats: ReadStats, cid: CommunityIdHasher | null, decode: DecodeOptions) {
    super({ writableObjectMode: true, readableObjectMode: false });
    this.stats = stats;
    this.cid = cid;
    this.decode = decode;
  }

  override _transform(chunk: CaptureChunk, _enc: BufferEncoding, done: TransformCallback): void {
    if (chunk.fileIndex === this.failedFile) return done();
    if (chunk.fileIndex !== this.parserFile) {
      this.parser = new CaptureParser({ fileName: chunk.file, firstPacketIndex: this.nextIndex });
      this.parserFile = chunk.fileIndex;
      this.stats.files++;
    }
    const parser = this.parser!;
    let text = '';
    try {
      if (chunk.data === null) {
        if (chunk.interrupted !== true) parser.end();
      }
      else {
        parser.push(chunk.data);
        let pkt: RawPacket | null;
        while ((pkt = parser.next()) !== null) {
          this.stats.packetsRead++;
          const skip = decodePacket(pkt.data, pkt.linkType, this.meta, this.decode);
          if (skip === SKIP.NONE) {
            this.stats.packetsDecoded++;
            if (this.meta.tunnelLayers > 0) this.stats.tunnel(this.meta.tunnelKinds, this.meta.tunnelLayers);
          }
          else this.stats.skip(skip);
          text += formatPacketLine(pkt, this.meta, this.cid) + '\n';
          this.nextIndex = pkt.index + 1;
        }
      }
    } catch (err) {
      if (!(err instanceof PcapflowError)) return done(err as Error);
      if (err.file === undefined) err.file = chunk.file;
      this.stats.addDamage(err, chunk.file);
      this.failedFile = chunk.fileIndex;
    }
    if (text.length > 0) this.push(text);
    done();
  }
}

/** Run `pcapflow packets`. Returns the exit status (0; 2 when a capture is damaged; 128 + n when interrupted by
 *  signal n: reading stops and the lines so far are kept) and the read counters. The output goes through the same
 *  safe path as the flow command's (refused if it is an input, temporary file renamed at the end). */
export async function runPackets(
  opts: PacketsOptions,
  stdout: Writable,
  control: RunControl = {},
): Promise<{ exitCode: number; stats: ReadStats; closedEarly: boolean; skippedFiles: string[] }> {
  const { files, skipped, out } = await prepareRun(opts.inputs, opts.output, stdout);
  const stats = new ReadStats();
  const cid = opts.communityId ? new CommunityIdHasher({ seed: opts.communityIdSeed, base64: opts.communityIdBase64 }) : null;
  const header = [...PACKETS_HEADER, ...(cid ? ['community_id'] : [])].join('\t') + '\n';
  let closedEarly = false;
  out.stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') closedEarly = true;
  });
  out.stream.write(header);
  const signal = control.signal;
  try {
    await pipeline(
      createCaptureSource(files, signal ? { signal } : {}),
      new PacketLines(stats, cid, { decap: opts.decap ?? false, cicflowmeter: false }),
      out.stream,
      { end: out.ownsStream },
    );
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (!(closedEarly || e.code === 'EPIPE' || e.code === 'ERR_STREAM_PREMATURE_CLOSE')) {
      await out.abort();
      throw outputFailure(err, opts.output, out.stream);
    }
    closedEarly = true;
  }
  await out.commit();
  const exitCode = signal?.aborted === true ? interruptStatus(signal.reason) : stats.damage.length > 0 ? 2 : 0;
  return { exitCode, stats, closedEarly, skippedFiles: skipped };
}
