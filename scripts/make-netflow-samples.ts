// Records the NetFlow/IPFIX fixtures in samples/netflow/: what softflowd exports from pcapflow's own sample captures
// in four modes (-v 5; -v 9 -a; -v 10 -A milli; -v 10 -b -A milli) and what `pcapflow export` sends (ipfix,
// netflow9, netflow5), each written as a pcap of raw IPv4/UDP datagrams. Needs softflowd on PATH and dist/ built
// (`npm run build`). Run: npm run build && npm run build:test && node build/scripts/make-netflow-samples.js
// The files are recordings (softflowd stamps export times from the clock), so a re-run gives equivalent, not
// identical, bytes; the tests check them against tshark's decoder, not against pinned bytes.
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { datagramsToPcap, recordSoftflowd } from '../test/helpers/netflow-peers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = path.join(ROOT, 'samples', 'netflow');
const SAMPLES = ['tcp-handshake.pcap', 'dns-udp.pcapng', 'ipv6-tcp.pcapng', 'icmp-echo.pcap'];
/** Sample times start at 2023-11-14 22:13:20 UTC (make-samples.ts); the recordings are stamped from there. */
const TS_S = 1_700_000_000;

const MODES: { file: string; args: string[] }[] = [
  { file: 'softflowd-v5.pcap', args: ['-v', '5'] },
  { file: 'softflowd-v9.pcap', args: ['-v', '9', '-a'] },
  { file: 'softflowd-ipfix.pcap', args: ['-v', '10', '-A', 'milli'] },
  { file: 'softflowd-ipfix-biflow.pcap', args: ['-v', '10', '-b', '-A', 'milli'] },
];

/** Records what `pcapflow export` sends for `capture` with `protocol`. */
async function recordPcapflow(capture: string, protocol: string): Promise<Buffer[]> {
  const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
  const got: Buffer[] = [];
  sock.on('message', (m) => got.push(Buffer.from(m)));
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  // The export runs to its end while this loop waits; its datagrams queue in the socket buffer meanwhile.
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'export', capture, '--to', `udp://127.0.0.1:${sock.address().port}`, '--protocol', protocol], { encoding: 'utf8' });
  const m = / in (\d+) messages/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`pcapflow export failed: ${r.stderr}`);
  const want = Number(m[1]);
  const deadline = Date.now() + 10_000;
  while (got.length < want && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
  sock.close();
  if (got.length < want) throw new Error(`received ${got.length} of ${want} datagrams`);
  return got;
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  for (const mode of MODES) {
    const frames: Buffer[][] = [];
    for (const s of SAMPLES) frames.push(await recordSoftflowd(path.join(ROOT, 'samples', s), mode.args));
    // One exporter port per sample capture (softflowd ran once per capture: separate sequence streams).
    const pcaps = frames.map((d, i) => datagramsToPcap(d, 40000 + i, 2055, TS_S + i * 10));
    writeFileSync(path.join(OUT, mode.file), mergePcaps(pcaps));
    console.log(`${mode.file}: ${frames.reduce((n, f) => n + f.length, 0)} datagrams`);
  }
  for (const protocol of ['ipfix', 'netflow9', 'netflow5']) {
    const frames: Buffer[][] = [];
    for (const s of SAMPLES) frames.push(await recordPcapflow(path.join(ROOT, 'samples', s), protocol));
    const pcaps = frames.map((d, i) => datagramsToPcap(d, 41000 + i, 4739, TS_S + i * 10));
    const file = `pcapflow-${protocol}.pcap`;
    writeFileSync(path.join(OUT, file), mergePcaps(pcaps));
    console.log(`${file}: ${frames.reduce((n, f) => n + f.length, 0)} datagrams`);
  }
}

/** Concatenate classic pcaps of the same link type (one header, every record). */
function mergePcaps(pcaps: Uint8Array[]): Buffer {
  return Buffer.concat([Buffer.from(pcaps[0]!.subarray(0, 24)), ...pcaps.map((p) => Buffer.from(p.subarray(24)))]);
}

await main();
