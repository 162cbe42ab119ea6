// pcapflow's NetFlow/IPFIX commands against real peers: softflowd exports shared captures in four modes, the
// datagrams are recorded once and given both to `pcapflow collect --read` and (replayed over loopback) to nfcapd,
// and the two decodings must agree record for record; `pcapflow export` to nfcapd must give nfdump the flows the
// flow command computes, with no sequence error; `export` into `collect --listen` must give back every column
// the export carries. Skips when softflowd, nfcapd/nfdump or the shared captures are absent.
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { datagramsToPcap, haveTool, nfdumpFlows, nfdumpSequenceFailures, recordSoftflowd, sendDatagrams, startNfcapd, type NfdumpFlow } from '../helpers/netflow-peers.js';
import { CLI, HAVE_SHARED, TESTDATA_DIR } from '../helpers/paths.js';

const HAVE_PEERS = haveTool('softflowd') && haveTool('nfcapd') && haveTool('nfdump');
const HAVE_NFDUMP = haveTool('nfcapd') && haveTool('nfdump');
const CAPTURES = ['realistic/zeek_wikipedia.pcap', 'realistic/pcpp_many-protocols.pcap', 'flows/pcpp_three_http_streams.pcap'];
const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-netflow-peers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function pcapflow(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 256 << 20, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function csvRows(file: string): Record<string, string>[] {
  return parse(readFileSync(file), { columns: true }) as Record<string, string>[];
}

/** µs since the epoch of a default-profile Timestamp (UTC `yyyy-MM-dd HH:mm:ss[.SSS|.SSSSSS]`). */
function isoToUs(ts: string): number {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{3}|\d{6}))?$/.exec(ts);
  if (!m) throw new Error(`not a Timestamp: ${ts}`);
  const frac = (m[3] ?? '').padEnd(6, '0');
  return Date.parse(`${m[1]}T${m[2]}Z`) * 1000 + Number(frac);
}

/** One record for comparison: tuple (ports only where they are ports), ms times, counters both ways. */
function key(r: { src: string; dst: string; srcPort: number; dstPort: number; proto: number; firstMs: number; lastMs: number; inPackets: number; inBytes: number; outPackets: number; outBytes: number }): string {
  const ports = r.proto === 6 || r.proto === 17 || r.proto === 132 ? `${r.srcPort}|${r.dstPort}` : '-';
  return [r.src, r.dst, r.proto, ports, r.firstMs, r.lastMs, r.inPackets, r.inBytes, r.outPackets, r.outBytes].join('|');
}

/** collect's rows as the same comparison records. */
function collectRecords(rows: Record<string, string>[]): NfdumpFlow[] {
  return rows.map((r) => {
    const startUs = isoToUs(r['Timestamp']!);
    const endUs = startUs + Number(r['Flow Duration']);
    const n = (v: string | undefined): number => (v === undefined || v === '' ? 0 : Number(v));
    return {
      src: r['Src IP']!,
      dst: r['Dst IP']!,
      srcPort: n(r['Src Port']),
      dstPort: n(r['Dst Port']),
      proto: Number(r['Protocol']),
      firstMs: Math.floor(startUs / 1000),
      lastMs: Math.floor(endUs / 1000),
      inPackets: n(r['Total Fwd Packet']),
      inBytes: n(r['Fwd IP Bytes']),
      outPackets: n(r['Total Bwd packets']),
      outBytes: n(r['Bwd IP Bytes']),
    };
  });
}

function sortedKeys(rs: NfdumpFlow[]): string[] {
  return rs.map(key).sort();
}

const SOFTFLOWD_MODES: { name: string; args: string[] }[] = [
  { name: 'softflowd -v 5', args: ['-v', '5'] },
  { name: 'softflowd -v 9 -a', args: ['-v', '9', '-a'] },
  { name: 'softflowd -v 10 -A milli', args: ['-v', '10', '-A', 'milli'] },
  { name: 'softflowd -v 10 -b -A milli', args: ['-v', '10', '-b', '-A', 'milli'] },
];

const peers = HAVE_PEERS && HAVE_SHARED ? describe : describe.skip;
peers('softflowd -> pcapflow collect and nfdump, record for record', () => {
  for (const mode of SOFTFLOWD_MODES) {
    it(`${mode.name}: the same records from both decoders`, async () => {
      const summary: string[] = [];
      for (const capture of CAPTURES) {
        const datagrams = await recordSoftflowd(path.join(TESTDATA_DIR, capture), mode.args);
        expect(datagrams.length).toBeGreaterThan(0);
        const pcap = path.join(tmp, `${mode.args.join('')}-${path.basename(capture)}`);
        writeFileSync(pcap, datagramsToPcap(datagrams, 40000, 2055, 1_700_000_000));
        const out = `${pcap}.csv`;
        const r = pcapflow(['collect', '--read', pcap, '-o', out]);
        expect(r.status).toBe(0);
        expect(r.stderr).not.toMatch(/malformed/);
        const ours = collectRecords(csvRows(out));

        const nfcapd = await startNfcapd();
        try {
          await sendDatagrams(nfcapd.port, datagrams);
          const theirs = await nfdumpFlows(await nfcapd.stop());
          expect(ours.length).toBeGreaterThan(0);
          // nfdump reads a v9 LAST_SWITCHED of 0 as "no uptime times" and leaves first/last at the epoch
          // (netflow_v9.c: `if (stack[STACK_MSECLAST] != 0)`); pcapflow reads it as uptime 0, the exporter's boot
          // (RFC 3954 gives 0 no special meaning). Such records are compared without their times.
          const zeroTime = theirs.filter((t) => t.firstMs === 0 && t.lastMs === 0);
          const untimed = (r: NfdumpFlow): string => key({ ...r, firstMs: 0, lastMs: 0 });
          const oursLeft = [...ours];
          for (const z of zeroTime) {
            const i = oursLeft.findIndex((o) => untimed(o) === untimed(z));
            expect(i).toBeGreaterThanOrEqual(0);
            oursLeft.splice(i, 1);
          }
          expect(sortedKeys(oursLeft)).toEqual(sortedKeys(theirs.filter((t) => !zeroTime.includes(t))));
          summary.push(
            `${path.basename(capture)}: pcapflow ${ours.length} records, nfdump ${theirs.length}, identical ${ours.length - zeroTime.length}` +
              (zeroTime.length > 0 ? ` (+${zeroTime.length} equal but for nfdump's time 0 for LAST_SWITCHED 0)` : ''),
          );
        } finally {
          nfcapd.cleanup();
        }
      }
      // The closing figures of the comparison, per mode.
      process.stderr.write(`${mode.name}: ${summary.join('; ')}\n`);
    }, 180_000);
  }
});

/** The flow command's rows of a capture. */
function flowRows(capture: string): Record<string, string>[] {
  const out = path.join(tmp, `${path.basename(capture)}.flows.csv`);
  const r = pcapflow([capture, '-o', out, '-q']);
  expect(r.status).toBe(0);
  return csvRows(out);
}

function flowKey(r: Record<string, string>, withReverse: boolean): string {
  const proto = Number(r['Protocol']);
  const startUs = isoToUs(r['Timestamp']!);
  const endUs = startUs + Number(r['Flow Duration']);
  const ports = proto === 6 || proto === 17 || proto === 132 ? `${r['Src Port']}|${r['Dst Port']}` : '-';
  return [r['Src IP'], r['Dst IP'], proto, ports, Math.floor(startUs / 1000), Math.floor(endUs / 1000), r['Total Fwd Packet'], withReverse ? r['Total Bwd packets'] : ''].join('|');
}

function nfKey(f: NfdumpFlow, withReverse: boolean): string {
  const ports = f.proto === 6 || f.proto === 17 || f.proto === 132 ? `${f.srcPort}|${f.dstPort}` : '-';
  return [f.src, f.dst, f.proto, ports, f.firstMs, f.lastMs, f.inPackets, withReverse ? f.outPackets : ''].join('|');
}

const nfdumpOnly = HAVE_NFDUMP && HAVE_SHARED ? describe : describe.skip;
nfdumpOnly('pcapflow export -> nfcapd', () => {
  // nfcapd names files by 5-minute slot and starts a new, empty one when a run crosses a slot boundary after its
  // last datagram; a stop right after the start gives the same empty file without waiting for the clock.
  it('an nfcapd file without flows reads as no records (a run across a rotation boundary)', async () => {
    const nfcapd = await startNfcapd();
    try {
      const files = await nfcapd.stop();
      expect(files.length).toBe(1);
      expect(await nfdumpFlows(files)).toEqual([]);
      expect(await nfdumpSequenceFailures(files)).toBe(0);
    } finally {
      nfcapd.cleanup();
    }
  }, 60_000);

  for (const protocol of ['ipfix', 'netflow9'] as const) {
    it(`${protocol}: nfdump's records are pcapflow's flows, with no sequence error`, async () => {
      for (const capture of CAPTURES) {
        const file = path.join(TESTDATA_DIR, capture);
        const nfcapd = await startNfcapd();
        try {
          const r = pcapflow(['export', file, '--to', `udp://127.0.0.1:${nfcapd.port}`, '--protocol', protocol, '--rate', '2000']);
          expect(r.status).toBe(0);
          const files = await nfcapd.stop();
          expect(await nfdumpSequenceFailures(files)).toBe(0);
          const theirs = (await nfdumpFlows(files)).map((f) => nfKey(f, true)).sort();
          const ours = flowRows(file).map((f) => flowKey(f, true)).sort();
          expect(ours.length).toBeGreaterThan(0);
          expect(theirs).toEqual(ours);
        } finally {
          nfcapd.cleanup();
        }
      }
    }, 180_000);
  }

  it('netflow5: two unidirectional records per IPv4 flow (one when the responder sent nothing)', async () => {
    const file = path.join(TESTDATA_DIR, CAPTURES[0]!);
    const nfcapd = await startNfcapd();
    try {
      const r = pcapflow(['export', file, '--to', `udp://127.0.0.1:${nfcapd.port}`, '--protocol', 'netflow5']);
      expect(r.status).toBe(0);
      const files = await nfcapd.stop();
      expect(await nfdumpSequenceFailures(files)).toBe(0);
      const theirs = (await nfdumpFlows(files)).map((f) => nfKey(f, false)).sort();
      const expected: string[] = [];
      for (const f of flowRows(file)) {
        if (f['Src IP']!.includes(':')) continue;
        expected.push(flowKey(f, false));
        if (Number(f['Total Bwd packets']) > 0) {
          const rev = { ...f, 'Src IP': f['Dst IP']!, 'Dst IP': f['Src IP']!, 'Src Port': f['Dst Port']!, 'Dst Port': f['Src Port']!, 'Total Fwd Packet': f['Total Bwd packets']! };
          expected.push(flowKey(rev, false));
        }
      }
      // v5 times are the flow's first and last packet of either direction, to the ms.
      expect(theirs).toEqual(expected.sort());
    } finally {
      nfcapd.cleanup();
    }
  }, 120_000);
});

/** Run `collect --listen` on a free port until `send(port)` is done, then SIGTERM it; returns its rows. */
async function collectWhile(extra: string[], out: string, send: (port: number) => Promise<void>): Promise<{ stderr: string; status: number | null }> {
  const child = spawn(process.execPath, [CLI, 'collect', '--listen', 'udp://127.0.0.1:0', '-o', out, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on udp:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    void exited.then(() => reject(new Error(`collect exited: ${stderr}`)));
  });
  await send(port);
  child.kill('SIGTERM');
  const status = await exited;
  return { stderr, status };
}

describe('pcapflow export | pcapflow collect (round trip over loopback)', () => {
  const captures = HAVE_SHARED ? CAPTURES.map((c) => path.join(TESTDATA_DIR, c)) : [];
  captures.push(path.join(path.dirname(CLI), '..', 'samples', 'tcp-handshake.pcap'), path.join(path.dirname(CLI), '..', 'samples', 'ipv6-tcp.pcapng'), path.join(path.dirname(CLI), '..', 'samples', 'icmp-echo.pcap'));
  it('IPFIX: every exported column equals the flow command\'s, row for row, none lost', async () => {
    for (const file of captures) {
      const out = path.join(tmp, `${path.basename(file)}.rt.csv`);
      const { status, stderr } = await collectWhile([], out, async (port) => {
        const r = pcapflow(['export', file, '--to', `udp://127.0.0.1:${port}`, '--rate', '5000']);
        expect(r.status).toBe(0);
      });
      expect(status).toBe(0);
      expect(stderr).toMatch(/sequence gaps 0 \(0 missing\)/);
      const direct = flowRows(file);
      const got = csvRows(out);
      expect(got.length).toBe(direct.length);
      const carried = Object.keys(got[0]!).filter((k) => got[0]![k] !== '');
      // Everything but Label (and the NetFlow-only columns) travels.
      const missing = Object.keys(direct[0]!).filter((k) => !carried.includes(k));
      expect(missing).toEqual(['Label']);
      got.forEach((row, i) => {
        for (const k of Object.keys(direct[i]!)) if (k !== 'Label') expect(`${k}=${row[k]}`).toBe(`${k}=${direct[i]![k]}`);
        expect(row['Flow End Reason']).toMatch(/^(endOfFlowDetected|forcedEnd|activeTimeout)$/);
      });
    }
  }, 180_000);
});
