// `pcapflow export CAPTURE.. --to udp://HOST:PORT`: computes the flows of the captures with pcapflow's own flow
// engine (default profile, one engine in this thread) and sends one record per flow as IPFIX biflows (with the
// CICFlowMeter statistics under pcapflow's enterprise number), NetFlow v9 or NetFlow v5, paced at `--rate`
// records/s. Owns the UDP socket and the pacing clock; the encoding is pure (src/netflow/encoder.ts).
import dgram from 'node:dgram';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expandInputs } from '../capture/chunk-reader.js';
import { PcapflowError } from '../errors.js';
import { FlowEncoder, type EncodedMessage, type EncoderCounters, type ExportProtocol } from '../netflow/encoder.js';
import { EXPORT_COLUMNS, parseExportRow } from '../netflow/export-columns.js';
import { createCaptureSource } from '../stream/capture-source.js';
import { FlowStage, type RowBatch } from '../stream/flow-stage.js';
import { PacketStage } from '../stream/packet-stage.js';
import { ReadStats, type CaptureDamage } from '../stream/read-stats.js';
import { parseUdpUrl } from './collect.js';

export interface ExportOptions {
  inputs: string[];
  to: string;
  protocol: ExportProtocol;
  /** Records per second at most (0: as fast as the socket takes them). */
  rate: number;
  mtu: number;
  pen: number;
  domain: number;
  templateRefreshMessages: number;
  templateRefreshS: number;
  flowTimeoutUs: number;
  activityTimeoutUs: number;
  idleTimeoutUs: number;
  communityIdSeed: number;
}

export interface ExportSummary {
  packets_read: number;
  flows: number;
  records_sent: number;
  messages_sent: number;
  template_messages: number;
  bytes_sent: number;
  flows_skipped: number;
  encoder: EncoderCounters;
  damage: CaptureDamage[];
  elapsed_s: number;
}

/** Sends messages over one UDP socket, no faster than `rate` records/s (measured from the first message). */
class PacedSender {
  private readonly sock: dgram.Socket;
  private readonly port: number;
  private readonly host: string;
  private readonly rate: number;
  private startMs = -1;
  private records = 0;
  bytes = 0;

  constructor(sock: dgram.Socket, host: string, port: number, rate: number) {
    this.sock = sock;
    this.host = host;
    this.port = port;
    this.rate = rate;
  }

  /** Send one message carrying `records` data records; waits first when sending it now would exceed the rate. */
  async send(msg: Buffer, records: number): Promise<void> {
    const now = performance.now();
    if (this.startMs < 0) this.startMs = now;
    if (this.rate > 0) {
      const dueMs = this.startMs + (this.records * 1000) / this.rate;
      if (dueMs > now + 1) await new Promise((r) => setTimeout(r, dueMs - now));
    }
    this.records += records;
    this.bytes += msg.length;
    await new Promise<void>((resolve, reject) => {
      this.sock.send(msg, this.port, this.host, (err) =>
        err ? reject(new PcapflowError('E_IO', `sending to udp://${this.host}:${this.port} failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`)) : resolve(),
      );
    });
  }
}

/** Run `pcapflow export`. Throws PcapflowError for option, input and socket problems. */
export async function runExport(opts: ExportOptions): Promise<{ exitCode: 0 | 2; summary: ExportSummary }> {
  const started = process.hrtime.bigint();
  const to = parseUdpUrl(opts.to, 'to');
  const files = await expandInputs(opts.inputs);
  let encoder: FlowEncoder;
  try {
    encoder = new FlowEncoder({
      protocol: opts.protocol,
      mtu: opts.mtu,
      pathIpVersion: to.family,
      domain: opts.domain,
      pen: opts.pen,
      templateRefreshMessages: opts.templateRefreshMessages,
      templateRefreshMs: opts.templateRefreshS * 1000,
    });
  } catch (err) {
    throw new PcapflowError('E_OPTION_INVALID', `--mtu: ${(err as Error).message}`);
  }
  const sock = dgram.createSocket(to.family === 6 ? 'udp6' : 'udp4');
  const sender = new PacedSender(sock, to.host, to.port, opts.rate);
  const sendAll = async (msgs: EncodedMessage[]): Promise<void> => {
    for (const m of msgs) await sender.send(m.bytes, m.records);
  };
  const stats = new ReadStats();
  const flowStage = new FlowStage({
    profile: 'default',
    flowTimeoutUs: opts.flowTimeoutUs,
    activityTimeoutUs: opts.activityTimeoutUs,
    idleTimeoutUs: opts.idleTimeoutUs,
    maxFlows: 0,
    communityIdSeed: opts.communityIdSeed,
    communityIdBase64: true,
    columns: EXPORT_COLUMNS,
  });
  const sink = new Writable({
    objectMode: true,
    highWaterMark: 2,
    write(batch: RowBatch, _enc, done): void {
      (async () => {
        for (const row of batch.rows) {
          const flow = parseExportRow(row.line, row.endIndex === Number.MAX_SAFE_INTEGER);
          await sendAll(encoder.add(flow, Date.now()));
        }
      })().then(() => done(), done);
    },
    final(done): void {
      sendAll(encoder.flush(Date.now())).then(() => done(), done);
    },
  });
  try {
    await pipeline(createCaptureSource(files), new PacketStage({ stats }), flowStage, sink);
  } finally {
    sock.close();
  }
  const c = encoder.counters;
  const summary: ExportSummary = {
    packets_read: stats.packetsRead,
    flows: c.flows,
    records_sent: c.records,
    messages_sent: c.messages,
    template_messages: c.templateMessages,
    bytes_sent: sender.bytes,
    flows_skipped: c.flowsSkipped,
    encoder: c,
    damage: stats.damage,
    elapsed_s: Number(process.hrtime.bigint() - started) / 1e9,
  };
  return { exitCode: stats.damage.length > 0 ? 2 : 0, summary };
}

/** The one-line stderr summary of an export run. */
export function formatExportSummary(s: ExportSummary, protocol: ExportProtocol): string {
  const skipped = s.flows_skipped > 0 ? `, ${s.flows_skipped} IPv6 flows not sent (NetFlow v5 carries IPv4 only)` : '';
  return (
    `pcapflow: export: ${s.packets_read} packets read, ${s.flows} flows, ${s.records_sent} ${protocol} records in ` +
    `${s.messages_sent} messages (${s.template_messages} with templates), ${s.bytes_sent} bytes${skipped} in ${s.elapsed_s.toFixed(2)} s`
  );
}
