// flows(): the same records from a path, a directory, a Buffer, a gzipped Buffer and a stream; one run's records
// whatever the number of jobs; a slow consumer holds the pipeline back (capture reads included); leaving the loop
// ends the run at once (capture files closed, worker threads gone); errors come out of the iterator as
// PcapflowError; the summary is the run's; rule objects label as a rules file does; an abort signal ends the run
// as an interrupt. Inputs: the project's samples and a generated capture with many flows.
import { describe, expect, it } from '@jest/globals';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { flows, type FlowIterable } from '../../../src/api/flows.js';
import { PcapflowError } from '../../../src/errors.js';
import { buildFrame } from '../../helpers/frame-builder.js';
import { buildPcap } from '../../helpers/pcap-builder.js';
import { SAMPLES_DIR } from '../../helpers/paths.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'pcapflow-api-'));
const sample = (f: string): string => path.join(SAMPLES_DIR, f);
const TCP = sample('tcp-handshake.pcap');
const V6 = sample('ipv6-tcp.pcapng');
const DNS = sample('dns-udp.pcapng');

async function all<R>(it: AsyncIterable<R>): Promise<R[]> {
  const out: R[] = [];
  for await (const r of it) out.push(r);
  return out;
}

/** The records with NaN made comparable by toEqual (it treats NaN as equal already; bigint too). */
const plain = (rs: unknown[]): unknown[] => rs.map((r) => ({ ...(r as object) }));

/** `n` one-packet UDP flows, 10 ms apart (each idle after 10 ms). */
function manyFlows(n: number): Uint8Array {
  const frames = [];
  for (let i = 0; i < n; i++) {
    const f = buildFrame({ ip: { version: 4, src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, dst: '192.0.2.1' }, l4: { proto: 'udp', srcPort: 1024 + (i % 50000), dstPort: 53 }, payload: 20 });
    const t = 1_700_000_000_000_000 + i * 10_000;
    frames.push({ data: f.bytes, tsSec: Math.floor(t / 1e6), tsFrac: t % 1e6 });
  }
  return buildPcap(frames).bytes;
}

describe('inputs', () => {
  it('a path, its bytes, its gzipped bytes, a stream and a directory give the same records', async () => {
    const fromPath = await all(flows(TCP));
    expect(fromPath.length).toBe(2); // scripts/make-samples.ts: two TCP conversations
    const bytes = readFileSync(TCP);
    expect(plain(await all(flows(bytes)))).toEqual(plain(fromPath));
    expect(plain(await all(flows(new Uint8Array(gzipSync(bytes)))))).toEqual(plain(fromPath));
    expect(plain(await all(flows(createReadStream(TCP, { highWaterMark: 100 }))))).toEqual(plain(fromPath));
    const dir = path.join(tmp, 'dir');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'a.pcap'), bytes);
    writeFileSync(path.join(dir, 'notes.txt'), 'not a capture');
    const it = flows(dir);
    expect(plain(await all(it))).toEqual(plain(fromPath));
    expect(it.summary?.files_skipped).toBe(1);
  });

  it('a list of inputs is one run, as several inputs on the command line', async () => {
    const both = await all(flows([TCP, readFileSync(DNS)]));
    const one = await all(flows(TCP));
    const two = await all(flows(DNS));
    expect(both.length).toBe(one.length + two.length);
    expect(new Set(both.map((r) => r.flow_id))).toEqual(new Set([...one, ...two].map((r) => r.flow_id)));
  });

  it('the records are the same with --jobs 3 as with one engine, for both profiles', async () => {
    for (const profile of ['default', 'cicflowmeter'] as const) {
      const inputs = [TCP, V6, DNS, sample('icmp-echo.pcap'), sample('vlan.pcap')];
      const one = await all(flows(inputs, { profile }));
      const three = await all(flows(inputs, { profile, jobs: 3 }));
      expect(one.length).toBeGreaterThan(5);
      expect(plain(three)).toEqual(plain(one));
    }
  });
});

describe('typed values', () => {
  it('numbers are numbers, text is text, start_time_us is the first packet time', async () => {
    const [first] = await all(flows(TCP));
    // scripts/make-samples.ts conversation(): client 10.0.0.1:40000 -> 10.0.0.2:80 at T0 = 1 700 000 000 s;
    // forward SYN, ACK, 100 bytes, ACK, FIN, ACK (6), backward SYN-ACK, ACK, 1000 bytes, FIN (4); 20 700 µs long
    expect(first).toMatchObject({ src_ip: '10.0.0.1', src_port: 40000, dst_ip: '10.0.0.2', dst_port: 80, protocol: 6, tot_fwd_pkts: 6, tot_bwd_pkts: 4, totlen_fwd_pkts: 100, totlen_bwd_pkts: 1000, flow_duration: 20_700, start_time_us: 1_700_000_000_000_000, timestamp: '2023-11-14 22:13:20' });
    expect(typeof first!.flow_byts_s).toBe('number');
    expect(first!.flow_byts_s).toBeCloseTo((1100 / 20_700) * 1e6, 6);
  });

  it('timeFormat changes the timestamp text, not start_time_us', async () => {
    const [iso] = await all(flows(TCP, { profile: 'cicflowmeter', timeFormat: 'iso' }));
    const [cic] = await all(flows(TCP, { profile: 'cicflowmeter' }));
    const [us] = await all(flows(TCP, { timeFormat: 'epoch-us' }));
    expect(cic!.timestamp).toBe('14/11/2023 10:13:20 PM');
    expect(iso!.timestamp).toBe('2023-11-14 22:13:20');
    expect(us!.timestamp).toBe('1700000000000000');
    expect(us!.start_time_us).toBe(1_700_000_000_000_000);
  });

  it('rule objects label as the same rules in a file do; defaultLabel labels the rest', async () => {
    const rulesFile = path.join(tmp, 'rules.csv');
    writeFileSync(rulesFile, 'label,src,dst,dst_port,protocol,start,end,either\nWeb,10.0.0.1,,80,tcp,2023-11-14T22:13:20Z,2023-11-14T22:13:20.1Z,no\nDNS,,10.0.0.3,,udp,,,yes\n');
    const objects = [
      { label: 'Web', src: '10.0.0.1', dst_port: 80, protocol: 'tcp', start: new Date('2023-11-14T22:13:20Z'), end: '2023-11-14T22:13:20.1Z' },
      { label: 'DNS', dst: '10.0.0.3', protocol: 17, either: true },
    ];
    const inputs = [TCP, DNS];
    const byFile = await all(flows(inputs, { labels: rulesFile, defaultLabel: 'Other' }));
    const byObjects = await all(flows(inputs, { labels: objects, defaultLabel: 'Other' }));
    expect(plain(byObjects)).toEqual(plain(byFile));
    // the first TCP conversation starts at 22:13:20.000 (Web), the second at .100 (outside [start, end))
    expect(byFile.filter((r) => r.protocol === 6).map((r) => r.label)).toEqual(['Web', 'Other']);
    // dns-udp.pcapng: 10.0.0.1:5353 <-> 10.0.0.3:53 (DNS), then 10.0.0.4 -> 1.1.1.1 (no rule)
    expect(byFile.filter((r) => r.protocol === 17).map((r) => [r.src_ip, r.label])).toEqual([['10.0.0.1', 'DNS'], ['10.0.0.4', 'Other']]);
  });
});

describe('backpressure', () => {
  it('a consumer that awaits between records holds the capture reads back; at most one batch waits', async () => {
    const bytes = manyFlows(100_000);
    const CHUNK = 16 * 1024;
    const total = Math.ceil(bytes.length / CHUNK);
    let pulled = 0;
    async function* stream(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < bytes.length; at += CHUNK) {
        pulled++;
        yield bytes.subarray(at, at + CHUNK);
      }
    }
    const it = flows(stream(), { idleTimeout: 1 });
    let n = 0;
    let maxWaiting = 0;
    let pulledAt10 = -1;
    for await (const _r of it) {
      n++;
      maxWaiting = Math.max(maxWaiting, it.bufferedRecords);
      if (n === 10) {
        // let everything upstream run as far as it can: only backpressure stops it
        for (let k = 0; k < 500; k++) await new Promise((r) => setImmediate(r));
        pulledAt10 = pulled;
      }
      await new Promise((r) => setImmediate(r));
    }
    expect(n).toBe(100_000);
    // the pipeline holds a few 4096-packet batches and 1 MiB of capture at most (measured: 164 of 715 chunks for
    // 150 000 flows); anything near `total` would mean the rows pile up for the slow consumer
    expect(pulledAt10).toBeLessThan(total / 2);
    expect(maxWaiting).toBeLessThanOrEqual(4096);
  });
});

describe('leaving the loop', () => {
  const captureFds = (): string[] => {
    if (!existsSync('/proc/self/fd')) return [];
    return readdirSync('/proc/self/fd')
      .map((f) => {
        try {
          return readlinkSync(`/proc/self/fd/${f}`);
        } catch {
          return '';
        }
      })
      .filter((p) => p.startsWith(tmp));
  };
  const threads = (): number => (existsSync('/proc/self/task') ? readdirSync('/proc/self/task').length : 0);

  it.each([1, 3])('break with --jobs %i: the capture file is closed and no worker is left when the loop ends', async (jobs) => {
    const big = path.join(tmp, `big-${jobs}.pcap`);
    writeFileSync(big, manyFlows(150_000));
    const before = threads();
    let n = 0;
    let openInLoop: string[] = [];
    let threadsInLoop = 0;
    const it = flows(big, { jobs, idleTimeout: 1 });
    for await (const _r of it) {
      if (++n === 5) {
        openInLoop = captureFds();
        threadsInLoop = threads();
        break;
      }
    }
    expect(openInLoop).toEqual([big]); // the file was still being read
    expect(captureFds()).toEqual([]);
    // each worker is a thread of this process (the other threads, V8's and libuv's pool, stay)
    if (jobs > 1 && before > 0) expect(threads()).toBeLessThanOrEqual(threadsInLoop - jobs);
    expect(it.summary).toBeUndefined();
  });
});

describe('the iterator protocol', () => {
  it('return() before any record ends the run; next() then says done', async () => {
    const iter = flows([TCP, DNS], { jobs: 3 })[Symbol.asyncIterator]();
    await iter.return!();
    expect(await iter.next()).toEqual({ value: undefined, done: true });
  });

  it('next() called again before the previous call settled: every record once, in order', async () => {
    const expected = (await all(flows([TCP, DNS]))).map((r) => r.flow_id);
    const iter = flows([TCP, DNS])[Symbol.asyncIterator]();
    const got = await Promise.all(Array.from({ length: expected.length + 2 }, () => iter.next()));
    expect(got.filter((r) => r.done !== true).map((r) => r.value!.flow_id)).toEqual(expected);
    expect(got.slice(expected.length).every((r) => r.done === true)).toBe(true);
  });
});

describe('errors and summary', () => {
  const codeOf = async (it: FlowIterable<unknown>): Promise<string> => {
    try {
      await all(it);
    } catch (err) {
      expect(err).toBeInstanceOf(PcapflowError);
      return (err as PcapflowError).code;
    }
    return 'none';
  };

  it('come out of the iterator as PcapflowError', async () => {
    expect(await codeOf(flows(path.join(tmp, 'missing.pcap')))).toBe('E_INPUT_NOT_FOUND');
    expect(await codeOf(flows(TCP, { jobs: 0 }))).toBe('E_OPTION_INVALID');
    expect(await codeOf(flows(TCP, { profile: 'nfstream' as never }))).toBe('E_OPTION_INVALID');
    expect(await codeOf(flows(TCP, { labels: [{ label: 'x', src: '10.0.0.300' }] }))).toBe('E_OPTION_INVALID');
    expect(await codeOf(flows(TCP, { labels: path.join(tmp, 'no-rules.csv') }))).toBe('E_OPTION_INVALID');
    expect(await codeOf(flows(42 as never))).toBe('E_OPTION_INVALID');
    const failing = (async function* () {
      yield readFileSync(TCP).subarray(0, 100);
      throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
    })();
    expect(await codeOf(flows(failing))).toBe('E_IO');
  });

  it('a damaged capture is not an error: its flows come out and the summary lists the damage', async () => {
    const got: unknown[] = [];
    const it = flows(sample('truncated-tail.pcap'), { onSummary: (s) => got.push(s) });
    const records = await all(it);
    expect(records.length).toBeGreaterThan(0);
    expect(it.summary!.damage.map((d) => d.code)).toEqual(['E_PCAP_RECORD_TRUNCATED']);
    expect(got).toEqual([it.summary]);
    expect(it.summary!.flows_written).toBe(records.length);
  });

  it('iterates once', async () => {
    const it = flows(TCP);
    await all(it);
    expect(() => it[Symbol.asyncIterator]()).toThrow(PcapflowError);
  });

  it('an abort signal ends the run as an interrupt: the flows open then still come out', async () => {
    const ac = new AbortController();
    const it = flows(manyFlows(50_000), { signal: ac.signal });
    let n = 0;
    for await (const _r of it) {
      if (++n === 1) ac.abort('SIGINT');
    }
    expect(it.summary!.interrupted).toBe(true);
    expect(it.summary!.packets_read).toBeLessThan(50_000);
    expect(n).toBe(it.summary!.flows_written);
    expect(it.summary!.packets_in_flows).toBe(it.summary!.packets_read);
  });
});
