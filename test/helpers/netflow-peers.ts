// NetFlow/IPFIX peers for tests and fixture scripts: records what softflowd exports from a capture, writes
// datagrams into a pcap (raw IPv4/UDP), replays them over loopback, and runs nfcapd (on 127.0.0.1, a free port, a
// temporary directory; always killed) and nfdump as the independent decoder. Every wait is bounded and ends on
// an event (a process exit, a datagram count), never on a sleep.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildPcap } from './pcap-builder.js';

const run = promisify(execFile);

/** True when `tool` runs (found on PATH). */
export function haveTool(tool: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}

/** Wait for `ms` at most for `cond`, polling on every event-loop turn (bounded; rejects on timeout). */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Datagrams softflowd exports for `capture` with `args` (e.g. ['-v', '9', '-a']), in the order received. */
export async function recordSoftflowd(capture: string, args: string[]): Promise<Buffer[]> {
  const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
  const got: Buffer[] = [];
  sock.on('message', (m) => got.push(Buffer.from(m)));
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  const port = sock.address().port;
  const dir = mkdtempSync(path.join(tmpdir(), 'pcapflow-softflowd-'));
  try {
    const { stdout } = await run(
      'softflowd',
      // `-c none`: in -r mode softflowd 1.1.0 tests poll results it never filled (softflowd.c main loop: `pl` is
      // only set for live capture) and may block in accept() on its control socket; without one it cannot.
      ['-r', capture, '-n', `127.0.0.1:${port}`, ...args, '-d', '-p', path.join(dir, 'pid'), '-c', 'none'],
      { timeout: 60_000 },
    );
    // softflowd prints "Flows exported: N (R records) in P packets (F failures)".
    const m = /Flows exported: \d+ \(\d+ records\) in (\d+) packets \((\d+) failures\)/.exec(stdout);
    if (!m) throw new Error(`softflowd did not report its exports:\n${stdout}`);
    const packets = Number(m[1]);
    await until(() => got.length >= packets, 10_000, `${packets} datagrams from softflowd`);
    return got;
  } finally {
    sock.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Build one raw IPv4/UDP datagram (LINKTYPE_IPV4 228) from 127.0.0.1:`srcPort` to 127.0.0.1:`dstPort`. */
function ipv4Udp(payload: Uint8Array, srcPort: number, dstPort: number): Uint8Array {
  const b = Buffer.alloc(28 + payload.length);
  b[0] = 0x45;
  b.writeUInt16BE(28 + payload.length, 2);
  b[8] = 64;
  b[9] = 17;
  b.set([127, 0, 0, 1], 12);
  b.set([127, 0, 0, 1], 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += b.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  b.writeUInt16BE(~sum & 0xffff, 10);
  b.writeUInt16BE(srcPort, 20);
  b.writeUInt16BE(dstPort, 22);
  b.writeUInt16BE(8 + payload.length, 24);
  b.set(payload, 28);
  return b;
}

/** A pcap (raw IPv4, LINKTYPE 228) of `datagrams` sent from 127.0.0.1:`srcPort` to :`dstPort`, one per ms
 *  from `tsSec`. */
export function datagramsToPcap(datagrams: Uint8Array[], srcPort: number, dstPort: number, tsSec: number): Uint8Array {
  return buildPcap(
    datagrams.map((d, i) => ({ data: ipv4Udp(d, srcPort, dstPort), tsSec: tsSec + Math.floor(i / 1000), tsFrac: (i % 1000) * 1000 })),
    { linkType: 228 },
  ).bytes;
}

/** Send datagrams to 127.0.0.1:`port` one after the other (each send completes before the next), pacing at
 *  `perSecond` datagrams/s so a collector's socket buffer never overflows. */
export async function sendDatagrams(port: number, datagrams: Uint8Array[], perSecond = 2000): Promise<void> {
  const sock = dgram.createSocket('udp4');
  const start = performance.now();
  try {
    for (let i = 0; i < datagrams.length; i++) {
      const due = start + (i * 1000) / perSecond;
      const now = performance.now();
      if (due > now + 1) await new Promise((r) => setTimeout(r, due - now));
      await new Promise<void>((resolve, reject) => sock.send(datagrams[i]!, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    }
  } finally {
    sock.close();
  }
}

/**
 * Wait until the UDP socket bound to 127.0.0.1:`port` has read every datagram queued for it (its rx_queue in
 * /proc/net/udp is 0), so a daemon stopped next has seen everything sent before. Linux only; elsewhere returns at
 * once.
 */
export async function waitUdpDrained(port: number): Promise<void> {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const queued = (): boolean => {
    let text: string;
    try {
      text = readFileSync('/proc/net/udp', 'utf8');
    } catch {
      return false;
    }
    for (const line of text.split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f[1] === local && f[4] !== undefined && !f[4].endsWith(':00000000')) return true;
    }
    return false;
  };
  await until(() => !queued(), 10_000, `the socket on port ${port} to read its datagrams`);
}

/** A free UDP port on 127.0.0.1 (bound and released; nothing else binds loopback ports in the tests). */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A running nfcapd on 127.0.0.1 writing into a temporary directory. */
export interface Nfcapd {
  port: number;
  dir: string;
  /** Stop it (SIGTERM: it writes its file) and return the paths of the files it wrote. */
  stop(): Promise<string[]>;
  /** Kill it if still running and remove the directory. */
  cleanup(): void;
}

/**
 * Start nfcapd on a free port; resolves once it says it started. Its socket gets a 4 MiB receive buffer (-B; the
 * kernel caps it at net.core.rmem_max): with the default 208 KiB, an nfcapd kept off the CPU for ~30 ms by a
 * loaded machine (a full test suite on 2 cores) overflowed at the export tests' paced rate, and the lost
 * datagram showed as an nfdump sequence failure in about one run in three.
 */
export async function startNfcapd(): Promise<Nfcapd> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcapflow-nfcapd-'));
  const port = await freeUdpPort();
  const args = ['-b', '127.0.0.1', '-p', String(port), '-w', dir, '-B', String(4 << 20)];
  const child: ChildProcess = spawn('nfcapd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  let exited = false;
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  await until(() => log.includes('Startup') || exited, 10_000, 'nfcapd to start');
  if (exited) throw new Error(`nfcapd did not start:\n${log}`);
  return {
    port,
    dir,
    async stop(): Promise<string[]> {
      // nfcapd drops what it has not read when it terminates: let it read everything first.
      await waitUdpDrained(port);
      child.kill('SIGTERM');
      // The timer is cleared once nfcapd exits: a pending one kept the jest worker alive 10 s after its tests.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exit, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
      clearTimeout(timer);
      if (!exited) throw new Error('nfcapd did not stop');
      const files: string[] = [];
      const walk = (d: string): void => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          const p = path.join(d, e.name);
          if (e.isDirectory()) walk(p);
          else if (/^nfcapd\.\d+$/.test(e.name)) files.push(p);
        }
      };
      walk(dir);
      return files.sort();
    },
    cleanup(): void {
      if (!exited) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One flow record as nfdump shows it (`-o json`, times in UTC ms). */
export interface NfdumpFlow {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  proto: number;
  firstMs: number;
  lastMs: number;
  inPackets: number;
  inBytes: number;
  outPackets: number;
  outBytes: number;
}

/**
 * The records of `nfdump -o json` output. A file without flows prints `[`, `No matching flows`, `]` (nfdump 1.7.1):
 * nfcapd writes such a file whenever a run crosses its 5-minute rotation boundary after the last datagram (the
 * new slot's file is empty), so an empty file is zero records, not an error.
 */
export function parseNfdumpJson(stdout: string): Record<string, unknown>[] {
  const text = stdout.trim();
  if (text === '' || /^\[\s*No matching flows\s*\]$/.test(text)) return [];
  return JSON.parse(text.startsWith('[') ? text : `[${text}]`) as Record<string, unknown>[];
}

/** The flow records of nfcapd files, decoded by nfdump (every file: a run may span a rotation). */
export async function nfdumpFlows(files: string[]): Promise<NfdumpFlow[]> {
  const out: NfdumpFlow[] = [];
  for (const f of files) {
    const { stdout } = await run('nfdump', ['-r', f, '-o', 'json'], { env: { ...process.env, TZ: 'UTC' }, maxBuffer: 1 << 28 });
    const records = parseNfdumpJson(stdout);
    for (const r of records) {
      if (r['type'] !== 'FLOW') continue;
      const ms = (t: unknown): number => Date.parse(`${String(t)}Z`);
      out.push({
        src: String(r['src4_addr'] ?? r['src6_addr']),
        dst: String(r['dst4_addr'] ?? r['dst6_addr']),
        srcPort: Number(r['src_port'] ?? 0),
        dstPort: Number(r['dst_port'] ?? 0),
        proto: Number(r['proto']),
        firstMs: ms(r['first']),
        lastMs: ms(r['last']),
        inPackets: Number(r['in_packets'] ?? 0),
        inBytes: Number(r['in_bytes'] ?? 0),
        outPackets: Number(r['out_packets'] ?? 0),
        outBytes: Number(r['out_bytes'] ?? 0),
      });
    }
  }
  return out;
}

/** nfdump's count of sequence failures over the files (`nfdump -I`). */
export async function nfdumpSequenceFailures(files: string[]): Promise<number> {
  let n = 0;
  for (const f of files) {
    const { stdout } = await run('nfdump', ['-r', f, '-I']);
    const m = /Sequence failures:\s*(\d+)/.exec(stdout);
    if (!m) throw new Error(`nfdump -I printed no sequence failures line:\n${stdout}`);
    n += Number(m[1]);
  }
  return n;
}
