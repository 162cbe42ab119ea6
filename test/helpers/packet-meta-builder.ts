// Builds decoded-packet values (PacketMeta) for flow-engine tests, without bytes or decoders: a conversation
// between two endpoints described packet by packet (direction, time, flags, payload...). Test-only helper.
import { DEFAULT_ENGINE_OPTIONS, FlowEngine, type FlowEngineOptions, type FlowRow, type ProfileName } from '../../src/flow/flow-engine.js';
import { PacketBatchWriter, type PacketBatch } from '../../src/shard/packet-batch.js';
import { createPacketMeta, IPPROTO, SKIP, TCP_FLAG, type PacketMeta } from '../../src/types.js';
import { rowFields } from './rows.js';

/** TCP flag shorthands: 'S' SYN, 'A' ACK, 'F' FIN, 'R' RST, 'P' PSH, 'U' URG, 'E' ECE, 'C' CWR. */
export function flags(spec: string): number {
  let f = 0;
  for (const ch of spec) {
    if (ch === 'F') f |= TCP_FLAG.FIN;
    else if (ch === 'S') f |= TCP_FLAG.SYN;
    else if (ch === 'R') f |= TCP_FLAG.RST;
    else if (ch === 'P') f |= TCP_FLAG.PSH;
    else if (ch === 'A') f |= TCP_FLAG.ACK;
    else if (ch === 'U') f |= TCP_FLAG.URG;
    else if (ch === 'E') f |= TCP_FLAG.ECE;
    else if (ch === 'C') f |= TCP_FLAG.CWR;
    else throw new Error(`unknown flag letter ${ch}`);
  }
  return f;
}

/** Parse '10.0.0.1' or an IPv6 text with '::' into 4 or 16 bytes (test inputs only). */
export function addr(text: string): Uint8Array {
  if (text.includes(':')) {
    const [head, tail] = text.split('::') as [string, string | undefined];
    const h = head === '' ? [] : head.split(':');
    const t = tail === undefined || tail === '' ? [] : tail.split(':');
    const groups = [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
    const out = new Uint8Array(16);
    groups.forEach((g, i) => {
      const v = parseInt(g, 16);
      out[i * 2] = v >> 8;
      out[i * 2 + 1] = v & 0xff;
    });
    return out;
  }
  return Uint8Array.from(text.split('.').map(Number));
}

/** One packet of a conversation. `dir` 'c2s' goes from the client endpoint to the server endpoint. */
export interface PacketSpec {
  dir: 'c2s' | 's2c';
  /** Capture time in µs. */
  tsUs: number;
  /** TCP flag letters (see `flags`). */
  flags?: string;
  /** L4 payload bytes (both payloadLen and capturedPayloadLen unless `capturedPayload` is given). */
  payload?: number;
  capturedPayload?: number;
  /** TCP header bytes (default 20 for TCP, 8 for UDP, 0 otherwise). */
  header?: number;
  window?: number;
  seq?: number;
  ack?: number;
  icmpType?: number;
  icmpCode?: number;
  /** Override the conversation's protocol for this packet. */
  protocol?: number;
  laterFragment?: boolean;
}

/** Two endpoints and a protocol. */
export interface Conversation {
  client: string;
  server: string;
  clientPort?: number;
  serverPort?: number;
  protocol?: number;
}

/** Fill `out` (a PacketMeta) for one packet of `conv`. */
export function fillMeta(out: PacketMeta, conv: Conversation, p: PacketSpec): PacketMeta {
  const proto = p.protocol ?? conv.protocol ?? IPPROTO.TCP;
  const c = addr(conv.client);
  const s = addr(conv.server);
  const v6 = c.length === 16;
  const fromClient = p.dir === 'c2s';
  out.skip = SKIP.NONE;
  out.truncated = false;
  out.vlanId = -1;
  out.ipVersion = v6 ? 6 : 4;
  out.srcAddr.fill(0);
  out.dstAddr.fill(0);
  out.srcAddr.set(fromClient ? c : s);
  out.dstAddr.set(fromClient ? s : c);
  out.ipOffset = 14;
  out.ipHeaderLen = v6 ? 40 : 20;
  out.protocol = proto;
  out.isLaterFragment = p.laterFragment ?? false;
  out.isFragment = out.isLaterFragment;
  const hasPorts = !out.isLaterFragment && (proto === IPPROTO.TCP || proto === IPPROTO.UDP || proto === IPPROTO.SCTP);
  out.hasPorts = hasPorts;
  const cp = conv.clientPort ?? 40000;
  const sp = conv.serverPort ?? 80;
  out.srcPort = hasPorts ? (fromClient ? cp : sp) : 0;
  out.dstPort = hasPorts ? (fromClient ? sp : cp) : 0;
  const icmp = proto === IPPROTO.ICMP || proto === IPPROTO.ICMPV6;
  out.icmpType = icmp ? (p.icmpType ?? 8) : -1;
  out.icmpCode = icmp ? (p.icmpCode ?? 0) : -1;
  const tcp = proto === IPPROTO.TCP && hasPorts;
  out.tcpFlags = tcp ? flags(p.flags ?? '') : 0;
  out.tcpWindow = tcp ? (p.window ?? 0) : 0;
  out.tcpSeq = tcp ? (p.seq ?? 0) : 0;
  out.tcpAck = tcp ? (p.ack ?? 0) : 0;
  out.l4HeaderLen = tcp ? (p.header ?? 20) : proto === IPPROTO.UDP && hasPorts ? 8 : 0;
  out.capturedL4HeaderLen = -1;
  out.l4Offset = out.ipOffset + out.ipHeaderLen;
  out.payloadLen = p.payload ?? 0;
  out.capturedPayloadLen = p.capturedPayload ?? out.payloadLen;
  out.ipTotalLen = out.ipHeaderLen + out.l4HeaderLen + out.payloadLen;
  return out;
}

/** Engine options with the reference's timeouts. */
export function engineOptions(profile: ProfileName, over: Partial<FlowEngineOptions> = {}): FlowEngineOptions {
  return { ...DEFAULT_ENGINE_OPTIONS, profile, ...over };
}

/** A finished row as a name → field map (for readable assertions). */
export type RowMap = Record<string, string> & { _endIndex: string; _packets: string };

/**
 * Run packets through a fresh FlowEngine and return the rows as maps keyed by column name. Each item is either a
 * [conversation, packet] pair or `{ clock: tsUs }` (a packet another shard owns: only advances the clock).
 */
export function runFlows(
  profile: ProfileName,
  items: ReadonlyArray<readonly [Conversation, PacketSpec] | { clock: number }>,
  over: Partial<FlowEngineOptions> = {},
): { rows: RowMap[]; raw: FlowRow[]; engine: FlowEngine } {
  const raw: FlowRow[] = [];
  const engine = new FlowEngine(engineOptions(profile, over), (r) => raw.push(r));
  const meta = createPacketMeta();
  items.forEach((item, index) => {
    if ('clock' in item) engine.advanceClock(index, item.clock);
    else engine.addPacket(index, item[1].tsUs, fillMeta(meta, item[0], item[1]));
  });
  engine.finish();
  const header = FlowEngine.header(profile);
  // Parsed on first use: csv-parse takes ~0.5 ms a row, and many callers compare `raw` only.
  let rows: RowMap[] | undefined;
  return {
    get rows(): RowMap[] {
      return (rows ??= raw.map((r) => {
        const m: Record<string, string> = { _endIndex: String(r.endIndex), _packets: String(r.packets) };
        const fields = rowFields(r);
        header.forEach((h, i) => (m[h] = fields[i]!));
        return m as RowMap;
      }));
    },
    raw,
    engine,
  };
}

/** Pack (conversation, packet) pairs into PacketBatches of `size` packets for `shards` flow engines, packet i at
 *  global index i. */
export function packBatches(list: ReadonlyArray<readonly [Conversation, PacketSpec]>, size: number, shards = 1): PacketBatch[] {
  const w = new PacketBatchWriter(size, shards);
  const meta = createPacketMeta();
  const out: PacketBatch[] = [];
  list.forEach(([c, p], i) => {
    w.push(i, p.tsUs, fillMeta(meta, c, p));
    if (w.full) out.push(w.take(i, p.tsUs));
  });
  if (w.count > 0) out.push(w.take(list.length - 1, list[list.length - 1]![1].tsUs));
  return out;
}
