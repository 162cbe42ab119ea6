// Counters of what pcapflow did with every packet it read, shared by the packet stage, the flow stage and the
// summary. Plain data; no I/O.
import { SKIP_REASONS, TUNNEL_NAMES, type SkipCode } from '../types.js';
import type { PcapflowError } from '../errors.js';

export interface CaptureDamage {
  file: string;
  code: string;
  offset: number | undefined;
  recordNumber: number | undefined;
  message: string;
}

export class ReadStats {
  packetsRead = 0;
  packetsDecoded = 0;
  /** Decoded packets whose headers were cut by the snapshot length (they still go into flows). */
  packetsTruncated = 0;
  readonly skippedByCode: number[] = SKIP_REASONS.map(() => 0);
  files = 0;
  bytesRead = 0;
  /** Bytes of the inputs read as stored: bytesRead before gunzip (compressed bytes of gzip inputs). Counted by
   *  the capture source (one addition per chunk read), read by the progress display. */
  storedBytesRead = 0;
  /** `--shard K/N`: packets read that belong to the flows of another shard (not in packetsRead). */
  otherShard = 0;
  /** `--shard K/N` with K > 0: skipped packets seen here and counted by shard 0 (for --strict). */
  skippedForShard0 = 0;
  readonly damage: CaptureDamage[] = [];
  /** Each input file begun, in order, with the global index its first packet has (or would have: a file with no
   *  packet starts where the next one does). A flow's first packet index finds its file (--file-column). */
  readonly fileStarts: { file: string; firstIndex: number }[] = [];
  /** --decap: decoded packets that went through each tunnel kind (TUNNEL.*), and tunnel layers entered in all. */
  readonly tunnelPackets: number[] = TUNNEL_NAMES.map(() => 0);
  tunnelLayers = 0;
  packetsDecapsulated = 0;

  /** A decoded packet reached through `layers` tunnel layers of the kinds in `kinds` (bits 1 << TUNNEL.*). */
  tunnel(kinds: number, layers: number): void {
    this.packetsDecapsulated++;
    this.tunnelLayers += layers;
    for (let k = 0; k < TUNNEL_NAMES.length; k++) if ((kinds >> k) & 1) this.tunnelPackets[k]!++;
  }

  /** Tunnel counts for the summary: packets_decapsulated, tunnel_layers and packets per kind (zeros left out). */
  tunnelsByName(): Record<string, number> {
    const out: Record<string, number> = { packets_decapsulated: this.packetsDecapsulated, tunnel_layers: this.tunnelLayers };
    this.tunnelPackets.forEach((n, k) => {
      if (n > 0) out[TUNNEL_NAMES[k]!] = n;
    });
    return out;
  }

  skip(code: SkipCode): void {
    this.skippedByCode[code]!++;
  }

  get packetsSkipped(): number {
    let n = 0;
    for (const c of this.skippedByCode) n += c;
    return n;
  }

  /** Skip counts by reason name, reasons with zero left out. */
  skippedByReason(): Record<string, number> {
    const out: Record<string, number> = {};
    this.skippedByCode.forEach((n, code) => {
      if (n > 0) out[SKIP_REASONS[code]!] = n;
    });
    return out;
  }

  addDamage(err: PcapflowError, file: string): void {
    this.damage.push({
      file,
      code: err.code,
      offset: err.offset,
      recordNumber: err.recordNumber,
      message: err.describe(),
    });
  }
}
