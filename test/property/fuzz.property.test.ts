// The short fuzzing session of the test suite (the long one is `npm run fuzz`, scripts/fuzz.ts): every prefix of
// every sample, ~200 cut points of a few shared captures and ~48 of every other one, give no crash and exactly the packets a full read
// gives before the cut; single-bit flips and random length fields in valid captures give no crash and no hang,
// with the packet accounting intact (scripts/fuzz.ts runPipeline checks both profiles). Replays the seeds pinned
// in test/property/regressions.json.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CaptureParser } from '../../src/capture/capture-parser.js';
import { PcapflowError } from '../../src/errors.js';
import { makeInput, MUTATORS, runPipeline, setLengthField } from '../../scripts/fuzz.js';
import { prng } from '../../scripts/gen-traffic.js';
import { HAVE_SHARED, REPO_ROOT, SAMPLES_DIR, TESTDATA_DIR } from '../helpers/paths.js';
import { listCaptures } from '../helpers/tshark.js';

/** One packet as a full read sees it: the offset just past its record/block, and every field and byte of it. */
interface Seen {
  end: number;
  /** offset, record number, time, lengths and link type, as one string (cheap to compare). */
  sig: string;
  /** A copy of the packet's bytes (compared with Buffer.compare: a latin1 string of them per packet made the
   *  reads ~20x slower, 386 vs 17 ms a full read of a 6.8 MB capture). */
  data: Uint8Array;
}

interface Read {
  packets: Seen[];
  error: PcapflowError | null;
  consumed: number;
}

/** Read `bytes` in one chunk with CaptureParser; any exception other than PcapflowError propagates (a bug). */
function read(bytes: Uint8Array): Read {
  const p = new CaptureParser({ fileName: 'prefix' });
  const packets: Seen[] = [];
  let error: PcapflowError | null = null;
  try {
    if (bytes.length > 0) p.push(bytes);
    for (let pkt = p.next(); pkt !== null; pkt = p.next()) {
      packets.push({
        end: p.bytesConsumed,
        sig: `${pkt.offset}/${pkt.recordNumber}/${pkt.tsUs}/${pkt.capLen}/${pkt.origLen}/${pkt.linkType}`,
        data: pkt.data.slice(),
      });
    }
    p.end();
  } catch (err) {
    if (!(err instanceof PcapflowError) || err.code === 'E_INTERNAL') throw err;
    error = err;
  }
  return { packets, error, consumed: p.bytesConsumed };
}

const TRUNCATION = ['E_CAPTURE_TRUNCATED_HEADER', 'E_PCAP_RECORD_TRUNCATED', 'E_PCAPNG_BLOCK_TRUNCATED'];

/**
 * The prefix rule: a prefix of `cut` bytes yields exactly the full read's packets whose record/block ends at or
 * before the cut. It stops either cleanly on a unit boundary, or with a truncation error at the start of the unit
 * the cut falls in; past the full read's own damage it reports that damage's offset, or, when the damage lies
 * inside a unit the cut falls in (a bad option inside a pcapng block), a truncation error at that unit's start.
 */
function checkPrefix(bytes: Uint8Array, full: Read, cut: number): void {
  const r = read(bytes.subarray(0, cut));
  let count = 0;
  while (count < full.packets.length && (full.packets[count] as Seen).end <= cut) count++;
  // full.packets are in file order, so the expected packets are its first `count`
  expect(r.packets.length).toBe(count);
  for (let i = 0; i < count; i++) {
    const got = r.packets[i] as Seen;
    const want = full.packets[i] as Seen;
    if (got.sig !== want.sig || got.end !== want.end || Buffer.compare(got.data, want.data) !== 0) {
      expect({ cut, packet: i, ...got, data: Buffer.from(got.data).toString('hex') }).toEqual({ cut, packet: i, ...want, data: Buffer.from(want.data).toString('hex') });
    }
  }
  const damageAt = full.error?.offset ?? Number.POSITIVE_INFINITY;
  if (cut > damageAt) {
    if (r.error?.offset !== damageAt) {
      expect(TRUNCATION).toContain(r.error?.code);
      expect(r.error!.offset).toBe(r.consumed);
      expect(r.consumed).toBeLessThanOrEqual(damageAt);
    }
    return;
  }
  if (r.error === null) {
    expect(r.consumed).toBe(cut);
  } else {
    expect(TRUNCATION).toContain(r.error.code);
    expect(r.error.offset).toBe(r.consumed);
    expect(r.consumed).toBeLessThanOrEqual(cut);
  }
  // The whole pipeline on the prefix: no violation, and it reads the same number of packets.
  if (cut % 11 === 0) expect(runPipeline(bytes.subarray(0, cut)).packetsRead).toBe(count);
}

const SAMPLE_NAMES = [
  'tcp-handshake.pcap',
  'icmp-echo.pcap',
  'vlan.pcap',
  'nanosecond.pcap',
  'truncated-tail.pcap',
  'dns-udp.pcapng',
  'ipv6-tcp.pcapng',
  'big-endian.pcapng',
  'corrupt-block.pcapng',
];
const samples = SAMPLE_NAMES.map((name) => ({ name, bytes: new Uint8Array(readFileSync(path.join(SAMPLES_DIR, name))) }));

/** A few shared captures of different shapes: pcap LE, pcap BE 2.1, pcapng with 2 and with 126 interfaces, real traffic. */
const SHARED = [
  'format/pcpp_one_tcp_stream.pcap',
  'format/suri_nfs3-01.pcap',
  'format/pcpp_pcapng-example.pcapng',
  'format/zeek_ldap-gap-data-missing.pcapng',
  'realistic/zeek_wikipedia.pcap',
];

describe('every prefix gives exactly the packets before the cut', () => {
  it.each(samples)('$name (every prefix length)', ({ bytes }) => {
    const full = read(bytes);
    expect(full.packets.length).toBeGreaterThan(0);
    for (let cut = 0; cut <= bytes.length; cut++) checkPrefix(bytes, full, cut);
  });

  (HAVE_SHARED ? describe : describe.skip)('shared captures, ~200 cut points each', () => {
    it.each(SHARED)('%s', (rel) => {
      const bytes = new Uint8Array(readFileSync(path.join(TESTDATA_DIR, rel)));
      const full = read(bytes);
      expect(full.packets.length).toBeGreaterThan(0);
      // cut points: 100 spread evenly, and at, before and after the end of ~33 units chosen at random
      const cuts = new Set<number>();
      for (let k = 0; k <= 100; k++) cuts.add(Math.floor((bytes.length * k) / 100));
      const rand = prng(20261122);
      for (let k = 0; k < 33; k++) {
        const p = full.packets[Math.floor(rand() * full.packets.length)] as Seen;
        for (const d of [-1, 0, 1]) if (p.end + d >= 0 && p.end + d <= bytes.length) cuts.add(p.end + d);
      }
      for (const cut of [...cuts].sort((a, b) => a - b)) checkPrefix(bytes, full, cut);
    });
  });

  // Every other shared capture (gzip ones are read after decompression elsewhere): 24 evenly spread cuts and the
  // edges of 8 random units, so that each capture of ../shared/testdata has its prefixes checked in the suite;
  // `npm run fuzz` truncates all of them at random points for as long as it runs.
  (HAVE_SHARED ? describe : describe.skip)('every shared capture, ~48 cut points each', () => {
    const others = HAVE_SHARED ? listCaptures({ malformed: true }).filter((rel) => !rel.endsWith('.gz') && !SHARED.includes(rel)) : [];
    it.each(others)('%s', (rel) => {
      const bytes = new Uint8Array(readFileSync(path.join(TESTDATA_DIR, rel)));
      const full = read(bytes);
      const cuts = new Set<number>();
      for (let k = 0; k <= 24; k++) cuts.add(Math.floor((bytes.length * k) / 24));
      const rand = prng(20261123);
      for (let k = 0; k < 8 && full.packets.length > 0; k++) {
        const p = full.packets[Math.floor(rand() * full.packets.length)] as Seen;
        for (const d of [-1, 0, 1]) if (p.end + d >= 0 && p.end + d <= bytes.length) cuts.add(p.end + d);
      }
      for (const cut of [...cuts].sort((a, b) => a - b)) checkPrefix(bytes, full, cut);
    });
  });
});

const valid = samples.filter((s) => !s.name.startsWith('truncated') && !s.name.startsWith('corrupt'));

describe('mutated valid captures: no crash, no hang, accounting holds (both profiles)', () => {
  it('single-bit flips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: valid.length - 1 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 0, max: 7 }), (s, where, bit) => {
        const bytes = (valid[s] as (typeof valid)[number]).bytes.slice();
        const at = Math.floor(where * bytes.length);
        bytes[at] = (bytes[at] as number) ^ (1 << bit);
        runPipeline(bytes);
      }),
      { numRuns: 400, seed: 20261122 },
    );
  });

  it('random length fields (pcap caplen/len, pcapng block lengths, captured lengths, option lengths), any chunking', () => {
    const interesting = fc.constantFrom(0, 1, 3, 4, 8, 11, 12, 13, 16, 28, 32, 0xffff, 262144, 262145, 0x7fffffff, 0xfffffffc, 0xffffffff);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: valid.length - 1 }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.oneof(interesting, fc.nat({ max: 0xffffffff }), fc.integer({ min: -8, max: 8 }))), { minLength: 1, maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 4 }),
        (s, edits, chunks) => {
          const bytes = (valid[s] as (typeof valid)[number]).bytes.slice();
          for (const [pick, v] of edits) {
            // small v: nudge the old value; otherwise write v
            // (false once an earlier edit broke the structure so far that no length field can be found: fine)
            setLengthField(bytes, pick, (old, bits) => (v >= -8 && v <= 8 ? old + v : v) & (bits === 16 ? 0xffff : 0xffffffff));
          }
          const whole = runPipeline(bytes);
          const split = runPipeline(bytes, chunks);
          // chunking never changes what is read
          expect(split.packetsRead).toBe(whole.packetsRead);
          expect(split.error?.code).toBe(whole.error?.code);
          expect(split.error?.offset).toBe(whole.error?.offset);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it('the long session\'s mutators (flips, insert/delete, truncation, splices) on the samples', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.integer({ min: 0, max: valid.length - 1 }), fc.integer({ min: 0, max: valid.length - 1 }), (seed, a, b) => {
        const input = makeInput(seed, (valid[a] as (typeof valid)[number]).bytes, (valid[b] as (typeof valid)[number]).bytes);
        runPipeline(input.bytes, input.chunks);
      }),
      { numRuns: 300, seed: 11 },
    );
    // each mutator leaves its input untouched
    const before = Buffer.from((valid[0] as (typeof valid)[number]).bytes).toString('hex');
    for (const m of Object.values(MUTATORS)) m(prng(1), (valid[0] as (typeof valid)[number]).bytes, (valid[1] as (typeof valid)[number]).bytes);
    expect(Buffer.from((valid[0] as (typeof valid)[number]).bytes).toString('hex')).toBe(before);
  });
});

/** Findings of `npm run fuzz`, pinned: each input is rebuilt from its seed and its two captures and re-run. */
interface Regression {
  inputSeed: number;
  base: string;
  other: string;
  reason: string;
  fixed: string;
}

const regressions = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test', 'property', 'regressions.json'), 'utf8')) as { fuzz: Regression[] };

describe('pinned fuzz findings (test/property/regressions.json)', () => {
  const load = (rel: string): Uint8Array | null => {
    const file = path.join(REPO_ROOT, rel);
    if (!existsSync(file)) return null; // a shared capture, absent here
    const b = readFileSync(file);
    return new Uint8Array(rel.endsWith('.gz') ? gunzipSync(b) : b).subarray(0, 512 * 1024);
  };
  it('the file lists findings with a seed and the two captures they came from', () => {
    for (const r of regressions.fuzz) {
      expect(Number.isInteger(r.inputSeed)).toBe(true);
      expect(typeof r.base).toBe('string');
      expect(typeof r.other).toBe('string');
    }
  });
  for (const r of regressions.fuzz) {
    it(`seed ${r.inputSeed} (${r.reason})`, () => {
      const base = load(r.base);
      const other = load(r.other);
      if (base === null || other === null) return; // the shared captures are absent
      const input = makeInput(r.inputSeed, base, other);
      runPipeline(input.bytes, input.chunks);
    });
  }
});
