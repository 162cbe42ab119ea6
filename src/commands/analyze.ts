// `pcapflow analyze FILE..`: a text report over flow rows (CSV or JSON Lines, gzip or not) written by the flow
// command or by `collect`: the top connections by bytes (start time, service by port, size, duration, packets,
// the two hosts), then totals by service and by protocol. Offline: names come from a built-in port table, never
// from DNS. The row reading does I/O; aggregation and formatting (AnalyzeReport) are pure.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { expandInputs } from '../capture/chunk-reader.js';
import { parseAddress, formatAddress } from '../decode/address.js';
import { PcapflowError } from '../errors.js';

/** Well-known services by port (IANA service names), for TCP, UDP and SCTP alike. */
const SERVICES: Record<number, string> = {
  20: 'ftp-data', 21: 'ftp', 22: 'ssh', 23: 'telnet', 25: 'smtp', 53: 'domain', 67: 'bootps', 68: 'bootpc', 69: 'tftp',
  80: 'http', 88: 'kerberos', 110: 'pop3', 119: 'nntp', 123: 'ntp', 135: 'epmap', 137: 'netbios-ns',
  138: 'netbios-dgm', 139: 'netbios-ssn', 143: 'imap', 161: 'snmp', 162: 'snmptrap', 179: 'bgp', 389: 'ldap',
  443: 'https', 445: 'microsoft-ds', 465: 'submissions', 500: 'isakmp', 514: 'syslog', 515: 'printer',
  520: 'rip', 546: 'dhcpv6-client', 547: 'dhcpv6-server', 587: 'submission', 636: 'ldaps', 853: 'domain-s',
  873: 'rsync', 993: 'imaps', 995: 'pop3s', 1194: 'openvpn', 1433: 'ms-sql-s', 1701: 'l2tp', 1723: 'pptp',
  1812: 'radius', 1900: 'ssdp', 2049: 'nfs', 2055: 'netflow', 3306: 'mysql', 3389: 'ms-wbt-server',
  3478: 'stun', 4739: 'ipfix', 5060: 'sip', 5061: 'sips', 5353: 'mdns', 5355: 'llmnr', 5432: 'postgresql',
  5900: 'vnc', 6379: 'redis', 6443: 'kube-apiserver', 8080: 'http-alt', 8443: 'https-alt', 9000: 'cslistener',
  9200: 'elasticsearch', 9995: 'netflow', 11211: 'memcache', 27017: 'mongodb',
};

const PROTOCOLS: Record<number, string> = { 1: 'ICMP', 2: 'IGMP', 6: 'TCP', 17: 'UDP', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'ICMPv6', 132: 'SCTP', 136: 'UDPLite' };

/** One flow row, reduced to what the report uses. Bytes: IP bytes when the row has them (collect), otherwise
 *  transport payload bytes (the flow command's Total Length columns). */
export interface AnalyzedFlow {
  time: string;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  protocol: number;
  durationUs: number;
  packets: number;
  bytes: number;
}

export interface AnalyzeOptions {
  top: number;
  minPackets: number;
  /** Only flows with this address on either side (compared as addresses, so ::1 equals 0:0::1). */
  host: string | null;
}

/** The service of a flow: the name of the lower well-known port of the two, else protocol/lower port. */
export function serviceOf(protocol: number, srcPort: number, dstPort: number): string {
  const p = PROTOCOLS[protocol] ?? `proto ${protocol}`;
  if (protocol !== 6 && protocol !== 17 && protocol !== 132 && protocol !== 136) return p.toLowerCase();
  const ports = [srcPort, dstPort].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  for (const port of ports) if (SERVICES[port] !== undefined) return SERVICES[port]!;
  return ports.length > 0 ? `${p.toLowerCase()}/${ports[0]}` : p.toLowerCase();
}

/** 1536 -> "1.5 KiB". */
export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** 1234567 µs -> "1.235 s". */
function humanDuration(us: number): string {
  if (!Number.isFinite(us)) return '';
  if (us < 1000) return `${us} us`;
  if (us < 1e6) return `${(us / 1000).toFixed(1)} ms`;
  return `${(us / 1e6).toFixed(3)} s`;
}

interface Total {
  flows: number;
  packets: number;
  bytes: number;
}

/** Aggregates flows and formats the report (pure). */
export class AnalyzeReport {
  private readonly opts: AnalyzeOptions;
  private readonly hostBytes: Uint8Array | null;
  private top: AnalyzedFlow[] = [];
  private readonly byService = new Map<string, Total>();
  private readonly byProtocol = new Map<string, Total>();
  flows = 0;
  kept = 0;

  constructor(opts: AnalyzeOptions) {
    this.opts = opts;
    this.hostBytes = opts.host === null ? null : parseAddress(opts.host);
    if (opts.host !== null && this.hostBytes === null) throw new PcapflowError('E_OPTION_INVALID', `--host: not an IP address: ${opts.host}`);
  }

  private isHost(ip: string): boolean {
    const h = this.hostBytes!;
    const b = parseAddress(ip);
    return b !== null && b.length === h.length && b.every((x, i) => x === h[i]);
  }

  add(f: AnalyzedFlow): void {
    this.flows++;
    if (f.packets < this.opts.minPackets) return;
    if (this.hostBytes !== null && !this.isHost(f.srcIp) && !this.isHost(f.dstIp)) return;
    this.kept++;
    const add = (m: Map<string, Total>, k: string): void => {
      const t = m.get(k) ?? { flows: 0, packets: 0, bytes: 0 };
      t.flows++;
      t.packets += f.packets;
      t.bytes += f.bytes;
      m.set(k, t);
    };
    add(this.byService, serviceOf(f.protocol, f.srcPort, f.dstPort));
    add(this.byProtocol, PROTOCOLS[f.protocol] ?? `proto ${f.protocol}`);
    // Keep the top N by bytes (ties: the earlier row stays ahead).
    if (this.opts.top > 0 && (this.top.length < this.opts.top || f.bytes > this.top[this.top.length - 1]!.bytes)) {
      let i = this.top.length;
      while (i > 0 && this.top[i - 1]!.bytes < f.bytes) i--;
      this.top.splice(i, 0, f);
      if (this.top.length > this.opts.top) this.top.pop();
    }
  }

  /** The report text. */
  format(): string {
    const lines: string[] = [];
    const table = (head: string[], rows: string[][], right: boolean[]): void => {
      const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      const fmt = (r: string[]): string => r.map((c, i) => (right[i] ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ').trimEnd();
      lines.push(fmt(head));
      for (const r of rows) lines.push(fmt(r));
    };
    lines.push(`${this.kept} of ${this.flows} flows${this.opts.minPackets > 0 ? ` with at least ${this.opts.minPackets} packets` : ''}${this.opts.host !== null ? ` involving ${this.opts.host}` : ''}`);
    lines.push('');
    lines.push(`Top ${this.top.length} connections by bytes`);
    table(
      ['time', 'service', 'size', 'duration', 'packets', 'hosts'],
      this.top.map((f) => [
        f.time,
        serviceOf(f.protocol, f.srcPort, f.dstPort),
        humanBytes(f.bytes),
        humanDuration(f.durationUs),
        String(f.packets),
        `${endpoint(f.srcIp, f.srcPort, f.protocol)} <-> ${endpoint(f.dstIp, f.dstPort, f.protocol)}`,
      ]),
      [false, false, true, true, true, false],
    );
    const totals = (title: string, m: Map<string, Total>): void => {
      lines.push('');
      lines.push(title);
      const rows = [...m.entries()].sort((a, b) => b[1].bytes - a[1].bytes || a[0].localeCompare(b[0]));
      table(
        ['name', 'flows', 'packets', 'bytes'],
        rows.map(([k, t]) => [k, String(t.flows), String(t.packets), humanBytes(t.bytes)]),
        [false, true, true, true],
      );
    };
    totals('Totals by service', this.byService);
    totals('Totals by protocol', this.byProtocol);
    return lines.join('\n') + '\n';
  }
}

function endpoint(ip: string, port: number, protocol: number): string {
  const ported = protocol === 6 || protocol === 17 || protocol === 132 || protocol === 136;
  if (!ported || !Number.isFinite(port)) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Split one CSV line (RFC 4180 quoting; pcapflow's rows never hold line breaks). */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** A flow from a row given as column name -> text (CSV) or value (JSON); null when the row has no tuple. */
export function flowFromRow(get: (name: string) => string | number | null | undefined): AnalyzedFlow | null {
  const num = (name: string): number => {
    const v = get(name);
    return v === null || v === undefined || v === '' ? NaN : Number(v);
  };
  const srcIp = get('Src IP');
  const dstIp = get('Dst IP');
  if (typeof srcIp !== 'string' || typeof dstIp !== 'string' || srcIp === '' || dstIp === '') return null;
  const fwdPk = num('Total Fwd Packet');
  const bwdPk = num('Total Bwd packets');
  const ipF = num('Fwd IP Bytes');
  const ipB = num('Bwd IP Bytes');
  const payF = num('Total Length of Fwd Packet');
  const payB = num('Total Length of Bwd Packet');
  const z = (x: number): number => (Number.isNaN(x) ? 0 : x);
  const bytes = !Number.isNaN(ipF) || !Number.isNaN(ipB) ? z(ipF) + z(ipB) : z(payF) + z(payB);
  return {
    time: String(get('Timestamp') ?? ''),
    srcIp: normalizeIp(srcIp),
    dstIp: normalizeIp(dstIp),
    srcPort: num('Src Port'),
    dstPort: num('Dst Port'),
    protocol: num('Protocol'),
    durationUs: num('Flow Duration'),
    packets: z(fwdPk) + z(bwdPk),
    bytes,
  };
}

function normalizeIp(ip: string): string {
  const b = parseAddress(ip);
  return b === null ? ip : formatAddress(b, b.length === 16 ? 6 : 4);
}

/** Lines of a file, gunzipped when it starts with the gzip magic. */
async function* fileLines(file: string): AsyncGenerator<string> {
  const raw: Readable = file === '-' ? process.stdin : createReadStream(file);
  const first: Buffer = await new Promise((resolve, reject) => {
    raw.once('readable', () => resolve((raw.read(2) as Buffer | null) ?? (raw.read() as Buffer | null) ?? Buffer.alloc(0)));
    raw.once('error', (err: NodeJS.ErrnoException) => reject(new PcapflowError('E_INPUT_NOT_FOUND', `cannot read ${file}: ${err.code ?? err.message}`, { file })));
  });
  const gz = first.length === 2 && first[0] === 0x1f && first[1] === 0x8b;
  raw.unshift(first);
  const stream: Readable = gz ? raw.pipe(createGunzip()) : raw;
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) yield line;
}

/** Run `pcapflow analyze`: the report text. */
export async function runAnalyze(inputs: string[], opts: AnalyzeOptions): Promise<{ report: string; rowsWithoutTuple: number }> {
  const files = await expandInputs(inputs);
  const report = new AnalyzeReport(opts);
  let bad = 0;
  for (const file of files) {
    let header: string[] | null = null;
    let index = new Map<string, number>();
    for await (const line of fileLines(file)) {
      if (line.length === 0) continue;
      let flow: AnalyzedFlow | null;
      if (line[0] === '{') {
        let o: Record<string, string | number | null>;
        try {
          o = JSON.parse(line) as Record<string, string | number | null>;
        } catch {
          bad++;
          continue;
        }
        flow = flowFromRow((n) => o[n]);
      } else if (header === null) {
        header = splitCsvLine(line);
        index = new Map(header.map((h, i) => [h, i]));
        continue;
      } else {
        const v = splitCsvLine(line);
        flow = flowFromRow((n) => {
          const i = index.get(n);
          return i === undefined ? undefined : v[i];
        });
      }
      if (flow === null) bad++;
      else report.add(flow);
    }
  }
  return { report: report.format(), rowsWithoutTuple: bad };
}
