// pcapflow's long fuzzing session (`npm run fuzz`): mutates the committed samples and the shared captures (bit
// flips, byte insert/delete, random length fields in pcap record headers and pcapng block headers and options,
// truncation, splices of two files) and runs each input through the whole pipeline in process (CaptureParser ->
// decodePacket -> FlowEngine -> CSV rows, both profiles), and one input in five is a NetFlow/IPFIX sequence for the
// codec (scripts/fuzz-netflow.ts). Owns the mutators and the per-input checks (also used by
// test/property/fuzz.property.test.ts); the session runs in a worker thread that the main thread watches, so an
// input that hangs is caught, saved and skipped. Writes only to .fuzz-findings/.
//
// Usage: node build/scripts/fuzz.js [--minutes 10] [--seed S] [--max-inputs N] [--heap-every 200] [--heap-limit-mb 768]
//        node build/scripts/fuzz.js --replay INPUT_SEED [--base NAME --other NAME]   (re-run one input, print the outcome)
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { CaptureParser } from '../src/capture/capture-parser.js';
import { decodePacket } from '../src/decode/decoder.js';
import { PcapflowError } from '../src/errors.js';
import { FlowEngine, type FlowRow } from '../src/flow/flow-engine.js';
import type { ProfileName } from '../src/options.js';
import { createPacketMeta, SKIP } from '../src/types.js';
import { prng } from './gen-traffic.js';
import { loadNetflowCorpus, makeNetflowInput, runNetflow, type NetflowInput } from './fuzz-netflow.js';

/** One input in five is a NetFlow/IPFIX input (scripts/fuzz-netflow.ts), chosen by its seed so --replay finds it. */
export function isNetflowSeed(inputSeed: number): boolean {
  return inputSeed % 5 === 0;
}

/** A NetFlow input's datagrams as bytes for a finding file: 16-bit length, then the datagram, for each. */
function netflowBytes(input: NetflowInput): Uint8Array {
  const parts: Buffer[] = [];
  for (const d of input.datagrams) {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(Math.min(d.data.length, 65535));
    parts.push(len, Buffer.from(d.data.subarray(0, 65535)));
  }
  return Buffer.concat(parts);
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SAMPLES = path.join(ROOT, 'samples');
const SHARED_TESTDATA = path.join(process.env['PCAPFLOW_SHARED'] ?? path.resolve(ROOT, '..', 'shared'), 'testdata');
const FINDINGS = path.join(ROOT, '.fuzz-findings');
const PROFILES: ProfileName[] = ['default', 'cicflowmeter'];
/** Corpus files are cut to this many bytes: keeps inputs small and the rate high (the cut is itself a case). */
const MAX_CORPUS_BYTES = 512 * 1024;
/** An input whose processing takes longer than this is a finding (the watchdog). */
export const WATCHDOG_MS = 2000;

// ---------------------------------------------------------------------------------------------------------
// The per-input check

/** A broken guarantee: what a fuzz input must never cause. */
export class FuzzViolation extends Error {
  readonly kind: 'exception' | 'bad-error' | 'accounting' | 'row' | 'no-progress';
  constructor(kind: FuzzViolation['kind'], message: string) {
    super(`${kind}: ${message}`);
    this.name = 'FuzzViolation';
    this.kind = kind;
  }
}

/** What one input did, per profile. */
export interface PipelineResult {
  packetsRead: number;
  packetsSkipped: number;
  /** The capture-level error that stopped reading (a PcapflowError with code and offset), or null. */
  error: PcapflowError | null;
  /** Per profile: rows written, packets in rows, packets dropped by the profile. */
  profiles: { profile: ProfileName; rows: number; inFlows: number; dropped: number }[];
}

const HEADERS = new Map<ProfileName, number>(PROFILES.map((p) => [p, FlowEngine.header(p).length]));

function engineFor(profile: ProfileName, rows: FlowRow[]): FlowEngine {
  return new FlowEngine(
    { profile, flowTimeoutUs: 120e6, activityTimeoutUs: 5e6, idleTimeoutUs: 0, maxFlows: 0, communityIdSeed: 0, communityIdBase64: true },
    (r) => rows.push(r),
  );
}

/**
 * Run `bytes` through CaptureParser -> decodePacket -> FlowEngine (both profiles) -> CSV text, pushing the bytes
 * in chunks of the given sizes (cycled; default one chunk). Returns what happened; throws FuzzViolation when a
 * guarantee breaks: an exception other than a PcapflowError with a code (not E_INTERNAL) and an offset inside the
 * input, a parser that stops making progress, packet accounting (read = in flows + skipped + dropped) that does
 * not hold, or a row whose field count differs from the header.
 */
export function runPipeline(bytes: Uint8Array, chunkSizes: number[] = []): PipelineResult {
  const parser = new CaptureParser({ fileName: 'fuzz-input' });
  const meta = createPacketMeta();
  const engines = PROFILES.map((profile) => {
    const rows: FlowRow[] = [];
    return { profile, rows, engine: engineFor(profile, rows) };
  });
  let packetsRead = 0;
  let packetsSkipped = 0;
  let error: PcapflowError | null = null;
  // Every next() that returns a packet consumes at least one byte: more calls than bytes + pushes is a loop.
  let calls = 0;
  const guard = bytes.length + (chunkSizes.length === 0 ? 1 : bytes.length) + 10;
  try {
    let at = 0;
    let i = 0;
    while (at < bytes.length) {
      const n = chunkSizes.length === 0 ? bytes.length : Math.max(1, chunkSizes[i++ % chunkSizes.length] as number);
      parser.push(bytes.subarray(at, at + n));
      at += n;
      for (;;) {
        if (++calls > guard) throw new FuzzViolation('no-progress', `more than ${guard} next() calls on ${bytes.length} bytes`);
        let pkt;
        try {
          pkt = parser.next();
        } catch (err) {
          throw checkedCaptureError(err, bytes.length);
        }
        if (pkt === null) break;
        packetsRead++;
        let skipped = false;
        for (const e of engines) {
          // decoded again for each engine, so that neither sees what the other's profile may have done to the struct
          const skip = decodePacket(pkt.data, pkt.linkType, meta);
          skipped = skip !== SKIP.NONE;
          if (skipped) e.engine.advanceClock(pkt.index, pkt.tsUs);
          else e.engine.addPacket(pkt.index, pkt.tsUs, meta);
        }
        if (skipped) packetsSkipped++;
      }
    }
    try {
      parser.end();
    } catch (err) {
      throw checkedCaptureError(err, bytes.length);
    }
  } catch (err) {
    if (err instanceof PcapflowError) error = err;
    else if (err instanceof FuzzViolation) throw err;
    else throw new FuzzViolation('exception', describeThrown(err));
  }
  const profiles: PipelineResult['profiles'] = [];
  for (const e of engines) {
    try {
      e.engine.finish();
    } catch (err) {
      throw new FuzzViolation('exception', `${e.profile} finish(): ${describeThrown(err)}`);
    }
    const width = HEADERS.get(e.profile) as number;
    let inFlows = 0;
    for (const r of e.rows) {
      const fields = (parse(r.line) as string[][])[0] ?? [];
      if (fields.length !== width) throw new FuzzViolation('row', `${e.profile}: a row has ${fields.length} fields, the header ${width}`);
      if (!(r.packets >= 1)) throw new FuzzViolation('row', `${e.profile}: a row counts ${r.packets} packets`);
      inFlows += r.packets;
    }
    let dropped = 0;
    const counters = e.engine.counters;
    for (const [k, v] of Object.entries(counters)) if (k.startsWith('dropped_')) dropped += v;
    if (counters['liveFlows'] !== 0) throw new FuzzViolation('accounting', `${e.profile}: ${counters['liveFlows']} flows live after finish()`);
    if (packetsRead !== inFlows + packetsSkipped + dropped) {
      throw new FuzzViolation(
        'accounting',
        `${e.profile}: read ${packetsRead} != in flows ${inFlows} + skipped ${packetsSkipped} + dropped ${dropped}`,
      );
    }
    profiles.push({ profile: e.profile, rows: e.rows.length, inFlows, dropped });
  }
  return { packetsRead, packetsSkipped, error, profiles };
}

function describeThrown(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err);
}

/** The thrown value must be a PcapflowError with a stable code (not E_INTERNAL) and an offset in the input. */
function checkedCaptureError(err: unknown, inputLength: number): unknown {
  if (!(err instanceof PcapflowError)) return new FuzzViolation('exception', describeThrown(err));
  if (err.code === 'E_INTERNAL') return new FuzzViolation('bad-error', `E_INTERNAL: ${err.message}`);
  if (typeof err.offset !== 'number' || !Number.isInteger(err.offset) || err.offset < 0 || err.offset > inputLength) {
    return new FuzzViolation('bad-error', `${err.code} with offset ${String(err.offset)} (input ${inputLength} bytes)`);
  }
  return err;
}

// ---------------------------------------------------------------------------------------------------------
// Structure of a capture, for the structure-aware mutators

/** A length field that a mutator may rewrite: its offset and byte order (32- or 16-bit). */
export interface LengthField {
  at: number;
  le: boolean;
  bits: 16 | 32;
}

/**
 * The length fields of a capture: pcap record caplen/len (pcap-savefile(5)); pcapng block total lengths leading
 * and trailing (§3.1), EPB/PB captured and original lengths (§4.3), SPB original length (§4.4), and the length
 * of every option in SHB, IDB and EPB (§3.5). Walks as far as the structure holds together.
 */
export function lengthFields(b: Uint8Array): LengthField[] {
  const out: LengthField[] = [];
  if (b.length < 24) return out;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const m = dv.getUint32(0, true);
  const pcapLe = [0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34].includes(m);
  const pcapBe = [0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34].includes(dv.getUint32(0, false));
  if (pcapLe || pcapBe) {
    const le = pcapLe;
    const hl = (le ? m : dv.getUint32(0, false)) === 0xa1b2cd34 ? 24 : 16;
    let pos = 24;
    while (pos + hl <= b.length && out.length < 4096) {
      out.push({ at: pos + 8, le, bits: 32 }, { at: pos + 12, le, bits: 32 });
      const cap = dv.getUint32(pos + 8, le);
      if (cap > 262144) break;
      pos += hl + cap;
    }
    return out;
  }
  if (m !== 0x0a0d0d0a) return out;
  let pos = 0;
  let le = true;
  while (pos + 12 <= b.length && out.length < 4096) {
    const typeLe = dv.getUint32(pos, true);
    if (typeLe === 0x0a0d0d0a) le = dv.getUint32(pos + 8, true) === 0x1a2b3c4d;
    const type = dv.getUint32(pos, le);
    const len = dv.getUint32(pos + 4, le);
    if (len < 12 || len % 4 !== 0 || pos + len > b.length) break;
    out.push({ at: pos + 4, le, bits: 32 }, { at: pos + len - 4, le, bits: 32 });
    let opts = -1;
    if (type === 0x0a0d0d0a) opts = pos + 24;
    else if (type === 1) opts = pos + 16;
    else if ((type === 6 || type === 2) && len >= 32) {
      out.push({ at: pos + 20, le, bits: 32 }, { at: pos + 24, le, bits: 32 });
      const cap = dv.getUint32(pos + 20, le);
      opts = pos + 28 + cap + ((4 - (cap % 4)) % 4);
    } else if (type === 3) out.push({ at: pos + 8, le, bits: 32 });
    const end = pos + len - 4;
    while (opts >= 0 && opts + 4 <= end) {
      out.push({ at: opts + 2, le, bits: 16 });
      const code = dv.getUint16(opts, le);
      const olen = dv.getUint16(opts + 2, le);
      if (code === 0) break;
      opts += 4 + olen + ((4 - (olen % 4)) % 4);
    }
    pos += len;
  }
  return out;
}

const INTERESTING = [
  0, 1, 2, 3, 4, 7, 8, 11, 12, 13, 15, 16, 20, 24, 28, 31, 32, 40, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0xffff, 0x10000,
  262143, 262144, 262145, 0xffffff, 0x1000000, 0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffc, 0xffffffff,
];

/** A value for a length field: an interesting boundary, the old value nudged, or random. */
function lengthValue(rand: () => number, old: number, bits: 16 | 32): number {
  const r = rand();
  let v: number;
  if (r < 0.45) v = INTERESTING[Math.floor(rand() * INTERESTING.length)] as number;
  else if (r < 0.8) v = old + Math.floor(rand() * 17) - 8;
  else if (r < 0.9) v = old * 2;
  else v = Math.floor(rand() * 2 ** bits);
  return bits === 16 ? v & 0xffff : v >>> 0;
}

/** Set one length field (chosen by `pick` in [0, 1)) of `b` in place; false when the capture has none. */
export function setLengthField(b: Uint8Array, pick: number, value: (old: number, bits: 16 | 32) => number): boolean {
  const fields = lengthFields(b);
  if (fields.length === 0) return false;
  const f = fields[Math.min(fields.length - 1, Math.floor(pick * fields.length))] as LengthField;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (f.bits === 32) dv.setUint32(f.at, value(dv.getUint32(f.at, f.le), 32) >>> 0, f.le);
  else dv.setUint16(f.at, value(dv.getUint16(f.at, f.le), 16) & 0xffff, f.le);
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Mutators

/** The mutation operators, by name. Each returns a new array (inputs are never modified). */
export const MUTATORS = {
  bitflip(rand: () => number, b: Uint8Array): Uint8Array {
    const out = b.slice();
    if (out.length === 0) return out;
    const n = 1 + Math.floor(rand() * 8);
    for (let i = 0; i < n; i++) {
      const at = Math.floor(rand() * out.length);
      out[at] = (out[at] as number) ^ (1 << Math.floor(rand() * 8));
    }
    return out;
  },
  /** Many flips (16-64) spread over the file: mostly packet bytes, so decoders and flows see odd headers. */
  dataflips(rand: () => number, b: Uint8Array): Uint8Array {
    const out = b.slice();
    if (out.length === 0) return out;
    const n = 16 + Math.floor(rand() * 49);
    for (let i = 0; i < n; i++) {
      const at = Math.floor(rand() * out.length);
      out[at] = (out[at] as number) ^ (1 << Math.floor(rand() * 8));
    }
    return out;
  },
  insert(rand: () => number, b: Uint8Array): Uint8Array {
    const at = Math.floor(rand() * (b.length + 1));
    const n = 1 + Math.floor(rand() * 16);
    const out = new Uint8Array(b.length + n);
    out.set(b.subarray(0, at));
    for (let i = 0; i < n; i++) out[at + i] = rand() < 0.3 ? 0 : Math.floor(rand() * 256);
    out.set(b.subarray(at), at + n);
    return out;
  },
  delete(rand: () => number, b: Uint8Array): Uint8Array {
    if (b.length === 0) return b.slice();
    const at = Math.floor(rand() * b.length);
    const n = 1 + Math.floor(rand() * Math.min(32, b.length - at));
    const out = new Uint8Array(b.length - n);
    out.set(b.subarray(0, at));
    out.set(b.subarray(at + n), at);
    return out;
  },
  length(rand: () => number, b: Uint8Array): Uint8Array {
    const out = b.slice();
    const n = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) setLengthField(out, rand(), (old, bits) => lengthValue(rand, old, bits));
    return out;
  },
  truncate(rand: () => number, b: Uint8Array): Uint8Array {
    return b.slice(0, Math.floor(rand() * (b.length + 1)));
  },
  splice(rand: () => number, b: Uint8Array, other: Uint8Array): Uint8Array {
    const x = Math.floor(rand() * (b.length + 1));
    const y = Math.floor(rand() * (other.length + 1));
    const out = new Uint8Array(x + other.length - y);
    out.set(b.subarray(0, x));
    out.set(other.subarray(y), x);
    return out;
  },
} as const;
export type MutatorName = keyof typeof MUTATORS;
const MUTATOR_NAMES = Object.keys(MUTATORS) as MutatorName[];
/** Structure-aware length mutations are the ones that find framing bugs: pick them more often. */
const WEIGHTED: MutatorName[] = [...MUTATOR_NAMES, 'length', 'bitflip', 'dataflips'];

/** One generated input: its bytes, the chunk sizes it is pushed in, and how it was made. */
export interface FuzzInput {
  bytes: Uint8Array;
  chunks: number[];
  ops: MutatorName[];
}

/**
 * The input for `inputSeed` from a base capture and a second one (for splices). Deterministic: the same seed and
 * the same two captures give the same input.
 */
export function makeInput(inputSeed: number, base: Uint8Array, other: Uint8Array): FuzzInput {
  const rand = prng(inputSeed ^ 0x5bd1e995);
  let bytes = base;
  const ops: MutatorName[] = [];
  const n = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) {
    const op = WEIGHTED[Math.floor(rand() * WEIGHTED.length)] as MutatorName;
    bytes = MUTATORS[op](rand, bytes, other);
    ops.push(op);
  }
  const chunks: number[] = [];
  if (rand() < 0.5) {
    const k = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < k; i++) chunks.push(1 + Math.floor(rand() * Math.max(1, bytes.length / 2)));
  }
  return { bytes, chunks, ops };
}

/** The seed of input `i` of a session. */
export function inputSeedOf(sessionSeed: number, i: number): number {
  return (Math.imul(sessionSeed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(i + 1, 0xc2b2ae35)) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------
// Corpus

export interface CorpusEntry {
  name: string;
  bytes: Uint8Array;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

/** samples/ (and samples/hostile/), plus every capture in ../shared/testdata when present, sorted by name. */
export function loadCorpus(): CorpusEntry[] {
  const files = listFiles(SAMPLES).filter((f) => /\.(pcap|pcapng)$/.test(f));
  if (existsSync(SHARED_TESTDATA)) {
    files.push(...listFiles(SHARED_TESTDATA).filter((f) => /\.(pcap|pcapng|cap|ntar|gz)$/.test(f) && statSync(f).size > 0));
  }
  const entries: CorpusEntry[] = [];
  for (const f of files.sort()) {
    let bytes: Uint8Array = readFileSync(f);
    if (f.endsWith('.gz')) {
      try {
        bytes = gunzipSync(bytes);
      } catch {
        continue;
      }
    }
    entries.push({ name: path.relative(ROOT, f), bytes: bytes.subarray(0, MAX_CORPUS_BYTES) });
  }
  return entries;
}

/** Base and splice partner of input `inputSeed`. */
export function pickPair(inputSeed: number, corpus: CorpusEntry[]): [CorpusEntry, CorpusEntry] {
  const rand = prng(inputSeed);
  return [corpus[Math.floor(rand() * corpus.length)] as CorpusEntry, corpus[Math.floor(rand() * corpus.length)] as CorpusEntry];
}

// ---------------------------------------------------------------------------------------------------------
// Session: a worker runs inputs; the main thread watches it

interface WorkerJob {
  sessionSeed: number;
  from: number;
  maxInputs: number;
  deadline: number;
  heapEvery: number;
  heapLimitBytes: number;
  progress: SharedArrayBuffer;
}

type FromWorker =
  | { kind: 'finding'; i: number; inputSeed: number; base: string; other: string; ops: string[]; reason: string; bytes: Uint8Array }
  | { kind: 'progress'; done: number; heapUsed: number }
  | { kind: 'done'; done: number; maxHeap: number; slowestMs: number };

function workerMain(job: WorkerJob): void {
  const port = parentPort!;
  const corpus = loadCorpus();
  const nfCorpus = loadNetflowCorpus(SAMPLES);
  const now = new Int32Array(job.progress); // [0] = index of the input being run, [1] = 1 while running one
  let i = job.from;
  let maxHeap = 0;
  let slowestMs = 0;
  let lastReport = Date.now();
  while (i < job.maxInputs && Date.now() < job.deadline) {
    const inputSeed = inputSeedOf(job.sessionSeed, i);
    if (isNetflowSeed(inputSeed)) {
      const nf = makeNetflowInput(inputSeed, nfCorpus);
      Atomics.store(now, 0, i);
      Atomics.store(now, 1, 1);
      let nfReason: string | null = null;
      const t0 = Date.now();
      try {
        runNetflow(nf);
      } catch (err) {
        nfReason = err instanceof Error ? err.message : String(err);
      }
      const ms = Date.now() - t0;
      Atomics.store(now, 1, 0);
      if (nfReason === null && ms > WATCHDOG_MS) nfReason = `slow: ${ms} ms (watchdog ${WATCHDOG_MS} ms)`;
      if (nfReason !== null) {
        port.postMessage({ kind: 'finding', i, inputSeed, base: 'netflow', other: '-', ops: nf.ops, reason: nfReason, bytes: netflowBytes(nf) } satisfies FromWorker);
      }
      i++;
      continue;
    }
    const [base, other] = pickPair(inputSeed, corpus);
    const input = makeInput(inputSeed, base.bytes, other.bytes);
    Atomics.store(now, 0, i);
    Atomics.store(now, 1, 1);
    const t0 = Date.now();
    let reason: string | null = null;
    try {
      runPipeline(input.bytes, input.chunks);
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
    }
    const ms = Date.now() - t0;
    Atomics.store(now, 1, 0);
    if (ms > slowestMs) slowestMs = ms;
    if (reason === null && ms > WATCHDOG_MS) reason = `slow: ${ms} ms (watchdog ${WATCHDOG_MS} ms)`;
    if ((i - job.from + 1) % job.heapEvery === 0) {
      const heap = process.memoryUsage().heapUsed;
      if (heap > maxHeap) maxHeap = heap;
      if (reason === null && heap > job.heapLimitBytes) reason = `memory: heap ${Math.round(heap / 2 ** 20)} MiB above ${Math.round(job.heapLimitBytes / 2 ** 20)} MiB`;
    }
    if (reason !== null) {
      port.postMessage({ kind: 'finding', i, inputSeed, base: base.name, other: other.name, ops: input.ops, reason, bytes: input.bytes } satisfies FromWorker);
    }
    i++;
    if (Date.now() - lastReport > 1000) {
      lastReport = Date.now();
      port.postMessage({ kind: 'progress', done: i, heapUsed: process.memoryUsage().heapUsed } satisfies FromWorker);
    }
  }
  port.postMessage({ kind: 'done', done: i, maxHeap, slowestMs } satisfies FromWorker);
}

interface SessionArgs {
  minutes: number;
  seed: number;
  maxInputs: number;
  heapEvery: number;
  heapLimitMb: number;
  replay: number | null;
  base: string | null;
  other: string | null;
}

function parseArgs(argv: string[]): SessionArgs {
  const a: SessionArgs = {
    minutes: 10,
    seed: (Date.now() ^ (process.pid << 16)) >>> 0,
    maxInputs: Number.MAX_SAFE_INTEGER,
    heapEvery: 200,
    heapLimitMb: 768,
    replay: null,
    base: null,
    other: null,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    const v = argv[i + 1] ?? '';
    if (k === '--minutes') a.minutes = Number(v);
    else if (k === '--seed') a.seed = Number(v) >>> 0;
    else if (k === '--max-inputs') a.maxInputs = Number(v);
    else if (k === '--heap-every') a.heapEvery = Number(v);
    else if (k === '--heap-limit-mb') a.heapLimitMb = Number(v);
    else if (k === '--replay') a.replay = Number(v) >>> 0;
    else if (k === '--base') a.base = v;
    else if (k === '--other') a.other = v;
    else throw new Error(`fuzz: unknown argument ${k}`);
  }
  return a;
}

function replay(a: SessionArgs): void {
  const corpus = loadCorpus();
  const seed = a.replay as number;
  if (isNetflowSeed(seed)) {
    const nf = makeNetflowInput(seed, loadNetflowCorpus(SAMPLES));
    console.log(`replay ${seed}: NetFlow input, ops ${nf.ops.join('+')}, ${nf.datagrams.length} datagrams`);
    const r = runNetflow(nf);
    console.log(`ok: ${r.records} records, ${r.malformed} malformed counted`);
    return;
  }
  let [base, other] = pickPair(seed, corpus);
  const byName = (n: string): CorpusEntry => {
    const e = corpus.find((c) => c.name === n);
    if (e === undefined) throw new Error(`fuzz: ${n} is not in the corpus`);
    return e;
  };
  if (a.base !== null) base = byName(a.base);
  if (a.other !== null) other = byName(a.other);
  const input = makeInput(seed, base.bytes, other.bytes);
  console.log(`replay ${seed}: base ${base.name}, other ${other.name}, ops ${input.ops.join('+')}, ${input.bytes.length} bytes, chunks [${input.chunks.join(',')}]`);
  const t0 = Date.now();
  const r = runPipeline(input.bytes, input.chunks);
  console.log(
    `ok in ${Date.now() - t0} ms: ${r.packetsRead} packets read, ${r.packetsSkipped} skipped, error ${r.error ? `${r.error.code} at ${r.error.offset}` : 'none'}; ` +
      r.profiles.map((p) => `${p.profile}: ${p.rows} rows, ${p.inFlows} in flows, ${p.dropped} dropped`).join('; '),
  );
}

async function session(a: SessionArgs): Promise<number> {
  const corpus = loadCorpus();
  console.log(
    `pcapflow fuzz: seed ${a.seed}, ${a.minutes} min, corpus ${corpus.length} captures (${existsSync(SHARED_TESTDATA) ? 'samples + shared testdata' : 'samples only; shared testdata absent'}), watchdog ${WATCHDOG_MS} ms, heap checked every ${a.heapEvery} inputs`,
  );
  const started = Date.now();
  const deadline = started + a.minutes * 60_000;
  const findings: string[] = [];
  const progress = new SharedArrayBuffer(8);
  const now = new Int32Array(progress);
  let done = 0;
  let maxHeap = 0;
  let slowestMs = 0;
  let from = 0;
  let lastPrint = started;

  const save = (i: number, inputSeed: number, base: string, other: string, ops: string[], reason: string, bytes: Uint8Array): void => {
    mkdirSync(FINDINGS, { recursive: true });
    const stem = `seed-${inputSeed}`;
    writeFileSync(path.join(FINDINGS, `${stem}.bin`), bytes);
    writeFileSync(path.join(FINDINGS, `${stem}.json`), JSON.stringify({ sessionSeed: a.seed, input: i, inputSeed, base, other, ops, reason }, null, 2) + '\n');
    findings.push(stem);
    console.log(`FINDING #${findings.length}: input ${i} (session seed ${a.seed}), input seed ${inputSeed}: ${reason.split('\n')[0]}`);
    console.log(`  base ${base}, other ${other}, ops ${ops.join('+')}; saved ${path.relative(ROOT, path.join(FINDINGS, stem))}.bin`);
    console.log(`  replay: node build/scripts/fuzz.js --replay ${inputSeed} --base ${base} --other ${other}`);
  };

  while (from < a.maxInputs && Date.now() < deadline) {
    const job: WorkerJob = {
      sessionSeed: a.seed,
      from,
      maxInputs: a.maxInputs,
      deadline,
      heapEvery: a.heapEvery,
      heapLimitBytes: a.heapLimitMb * 2 ** 20,
      progress,
    };
    Atomics.store(now, 0, from);
    Atomics.store(now, 1, 0);
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { fuzzJob: job } });
    const outcome = await new Promise<{ next: number }>((resolve) => {
      let watchedIndex = -1;
      let watchedSince = Date.now();
      let settled = false;
      const finish = (next: number): void => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        resolve({ next });
      };
      const timer = setInterval(() => {
        const idx = Atomics.load(now, 0);
        const running = Atomics.load(now, 1) === 1;
        if (!running || idx !== watchedIndex) {
          watchedIndex = idx;
          watchedSince = Date.now();
          return;
        }
        if (Date.now() - watchedSince > WATCHDOG_MS * 2) {
          // Hung: stop the worker, regenerate the input here, save it, and go on after it.
          const inputSeed = inputSeedOf(a.seed, idx);
          const [base, other] = pickPair(inputSeed, corpus);
          const input = makeInput(inputSeed, base.bytes, other.bytes);
          save(idx, inputSeed, base.name, other.name, input.ops, `hang: no result after ${Date.now() - watchedSince} ms`, input.bytes);
          void w.terminate();
          finish(idx + 1);
        }
      }, 250);
      w.on('message', (m: FromWorker) => {
        if (m.kind === 'finding') save(m.i, m.inputSeed, m.base, m.other, m.ops, m.reason, m.bytes);
        else if (m.kind === 'progress') {
          done = m.done;
          if (m.heapUsed > maxHeap) maxHeap = m.heapUsed;
          if (Date.now() - lastPrint >= 30_000) {
            lastPrint = Date.now();
            const s = (Date.now() - started) / 1000;
            console.log(`  ${Math.round(s)} s: ${done} inputs, ${Math.round(done / s)} inputs/s, heap ${Math.round(m.heapUsed / 2 ** 20)} MiB, ${findings.length} findings`);
          }
        } else {
          done = m.done;
          if (m.maxHeap > maxHeap) maxHeap = m.maxHeap;
          if (m.slowestMs > slowestMs) slowestMs = m.slowestMs;
          finish(a.maxInputs); // the worker stops only at the deadline or the input limit
        }
      });
      w.on('error', (err) => {
        // An uncaught error escaping runPipeline's guards (e.g. a stack overflow in the worker): a finding.
        const idx = Atomics.load(now, 0);
        const inputSeed = inputSeedOf(a.seed, idx);
        const [base, other] = pickPair(inputSeed, corpus);
        const input = makeInput(inputSeed, base.bytes, other.bytes);
        save(idx, inputSeed, base.name, other.name, input.ops, `worker error: ${err.message}`, input.bytes);
        finish(idx + 1);
      });
      w.on('exit', () => finish(Math.max(done, Atomics.load(now, 0) + 1)));
    });
    from = outcome.next;
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `pcapflow fuzz: ${done} inputs in ${seconds.toFixed(0)} s (${Math.round(done / seconds)} inputs/s), ${findings.length} findings, ` +
      `max heap ${Math.round(maxHeap / 2 ** 20)} MiB, slowest input ${slowestMs} ms; seed ${a.seed}`,
  );
  return findings.length === 0 ? 0 : 1;
}

if (!isMainThread && (workerData as { fuzzJob?: WorkerJob } | null)?.fuzzJob !== undefined) {
  workerMain((workerData as { fuzzJob: WorkerJob }).fuzzJob);
} else if (isMainThread && process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = parseArgs(process.argv.slice(2));
  if (args.replay !== null) replay(args);
  else process.exitCode = await session(args);
}
