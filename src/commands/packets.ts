// `pcapflow packets <capture..>`: one tab-separated line per packet (index, time, lengths, link type, outermost
// IP addresses, protocol, ports, optionally the Community ID; with --decap those of the innermost IP header of
// tunnels), like `tshark -T fields`. A debugging tool for users
// and the hook pcapflow's own tests compare against tshark.
import { Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CaptureParser } from '../capture/capture-parser.js';
import { expandInputs } from '../capture/chunk-reader.js';
import { CommunityIdHasher } from '../community-id.js';
import { formatAddress } from '../decode/address.js';
import { decodePacket, type DecodeOptions } from '../decode/decoder.js';
import { PcapflowError } from '../errors.js';
import { openOutput } from '../run.js';
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
      if (chunk.data === null) parser.end();
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

/** Run `pcapflow packets`. Returns the exit status (0, or 2 when a capture is damaged) and the read counters. */
export async function runPackets(opts: PacketsOptions, stdout: Writable): Promise<{ exitCode: 0 | 2; stats: ReadStats; closedEarly: boolean }> {
  const files = await expandInputs(opts.inputs);
  const { out, isFile } = await openOutput(opts.output, stdout);
  const stats = new ReadStats();
  const cid = opts.communityId ? new CommunityIdHasher({ seed: opts.communityIdSeed, base64: opts.communityIdBase64 }) : null;
  const header = [...PACKETS_HEADER, ...(cid ? ['community_id'] : [])].join('\t') + '\n';
  let closedEarly = false;
  out.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') closedEarly = true;
  });
  out.write(header);
  try {
    await pipeline(createCaptureSource(files), new PacketLines(stats, cid, { decap: opts.decap ?? false, cicflowmeter: false }), out, { end: isFile });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (!(closedEarly || e.code === 'EPIPE' || e.code === 'ERR_STREAM_PREMATURE_CLOSE')) {
      if (err instanceof PcapflowError) throw err;
      throw new PcapflowError('E_OUTPUT', `writing ${opts.output === '-' ? 'stdout' : opts.output} failed: ${e.code ?? e.message}`);
    }
    closedEarly = true;
  }
  return { exitCode: stats.damage.length > 0 ? 2 : 0, stats, closedEarly };
}
