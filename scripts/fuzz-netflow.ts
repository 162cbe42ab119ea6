// NetFlow/IPFIX inputs for `npm run fuzz` (and test/property/netflow.property.test.ts): the datagrams of the
// samples/netflow/ recordings mutated (bit flips, truncation, random set/template length fields, splices), and
// hostile sequences built on purpose: truncated sets, template loops (one id redefined over and over, data sets
// pointing at options templates), zero-length and 65535-length fields, a template for every id, set lengths past
// the end. Each input runs through a fresh NetflowDecoder with small bounds; the check fails when the decoder
// throws, counts an internal error, or holds more templates or data sets than its bounds allow.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CaptureParser } from '../src/capture/capture-parser.js';
import { decodePacket } from '../src/decode/decoder.js';
import { netflowDatagramOf } from '../src/netflow/datagram.js';
import { NetflowDecoder } from '../src/netflow/decoder.js';
import { createPacketMeta } from '../src/types.js';
import { prng } from './gen-traffic.js';

/** The decoder bounds used while fuzzing (small, so exceeding them is quick to reach). */
export const FUZZ_BOUNDS = { maxPendingSets: 32, maxPendingBytes: 256 * 1024, maxTemplates: 512, maxSessions: 16, maxPendingAgeMs: 60_000 };

/** The UDP payloads of every datagram in samples/netflow/*.pcap, by file. */
export function loadNetflowCorpus(samplesDir: string): { name: string; datagrams: Uint8Array[] }[] {
  const dir = path.join(samplesDir, 'netflow');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.pcap')).sort();
  } catch {
    return [];
  }
  return names.map((name) => {
    const parser = new CaptureParser({ fileName: name });
    parser.push(readFileSync(path.join(dir, name)));
    const meta = createPacketMeta();
    const datagrams: Uint8Array[] = [];
    for (let p = parser.next(); p !== null; p = parser.next()) {
      decodePacket(p.data, p.linkType, meta);
      const d = netflowDatagramOf(p.data, meta, null);
      if (d !== null) datagrams.push(d.payload.slice());
    }
    parser.end();
    return { name, datagrams };
  });
}

const u16 = (b: Uint8Array, at: number, v: number): void => {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
};

function ipfixHeader(len: number, seq: number): Uint8Array {
  const b = new Uint8Array(16);
  u16(b, 0, 10);
  u16(b, 2, len);
  b[11] = seq & 0xff;
  return b;
}

function message(...sets: Uint8Array[]): Uint8Array {
  const len = 16 + sets.reduce((n, s) => n + s.length, 0);
  const out = new Uint8Array(len);
  out.set(ipfixHeader(Math.min(len, 65535), 0), 0);
  let at = 16;
  for (const s of sets) {
    out.set(s, at);
    at += s.length;
  }
  return out;
}

/** A set with id and fields given as (ie, len) pairs of one template record. */
function templateSet(setId: number, templateId: number, fields: [number, number][], setLenOverride?: number): Uint8Array {
  const b = new Uint8Array(4 + 4 + fields.length * 4);
  u16(b, 0, setId);
  u16(b, 2, setLenOverride ?? b.length);
  u16(b, 4, templateId);
  u16(b, 6, fields.length);
  fields.forEach(([ie, len], i) => {
    u16(b, 8 + 4 * i, ie);
    u16(b, 10 + 4 * i, len);
  });
  return b;
}

function dataSet(id: number, body: Uint8Array, setLenOverride?: number): Uint8Array {
  const b = new Uint8Array(4 + body.length);
  u16(b, 0, id);
  u16(b, 2, setLenOverride ?? b.length);
  b.set(body, 4);
  return b;
}

/** The hostile sequences, by name; `rand` picks their sizes. */
export const HOSTILE: Record<string, (rand: () => number) => Uint8Array[]> = {
  truncatedSets: (rand) => {
    const m = message(templateSet(2, 256, [[8, 4], [12, 4], [1, 8]]), dataSet(256, new Uint8Array(64)));
    return [m.subarray(0, 16 + Math.floor(rand() * (m.length - 16)))];
  },
  setLengthPastEnd: () => [message(templateSet(2, 256, [[8, 4]]), dataSet(256, new Uint8Array(8), 65535))],
  zeroLengthFields: () => [message(templateSet(2, 256, [[1, 0], [2, 0], [82, 0]])), message(dataSet(256, new Uint8Array(4000)))],
  maxLengthFields: () => [message(templateSet(2, 256, [[82, 65535], [83, 65534], [1, 65535]])), message(dataSet(256, new Uint8Array(1200).fill(0xff)))],
  templateForEveryId: () => {
    const out: Uint8Array[] = [];
    for (let id = 256; id <= 65535; id += 160) {
      const sets: Uint8Array[] = [];
      for (let k = 0; k < 160 && id + k <= 65535; k++) sets.push(templateSet(2, id + k, [[8, 4], [12, 4]]));
      out.push(message(...sets));
    }
    return out;
  },
  templateLoop: (rand) => {
    // The same id redefined with alternating layouts, with data between, and a data set whose id is an options
    // template's: none of it may grow state.
    const out: Uint8Array[] = [];
    const n = 50 + Math.floor(rand() * 200);
    for (let i = 0; i < n; i++) {
      out.push(message(templateSet(2, 300, i % 2 === 0 ? [[8, 4]] : [[8, 4], [82, 65535]]), dataSet(300, new Uint8Array(9)), dataSet(301 + (i % 7), new Uint8Array(40))));
    }
    return out;
  },
  pendingFlood: (rand) => Array.from({ length: 200 + Math.floor(rand() * 200) }, (_, i) => message(dataSet(256 + (i % 3000), new Uint8Array(1400)))),
  manyExporterDomains: () => Array.from({ length: 100 }, (_, i) => {
    const m = message(templateSet(2, 256, [[8, 4]]));
    m[15] = i; // observation domain
    return m;
  }),
};
const HOSTILE_NAMES = Object.keys(HOSTILE);

/** One NetFlow fuzz input: datagrams (each from a named exporter) and the steps that made them. */
export interface NetflowInput {
  datagrams: { data: Uint8Array; exporter: string }[];
  ops: string[];
}

/** The input of `inputSeed` (deterministic): a hostile sequence, or a mutated recording. */
export function makeNetflowInput(inputSeed: number, corpus: { name: string; datagrams: Uint8Array[] }[]): NetflowInput {
  const rand = prng(inputSeed);
  const ops: string[] = [];
  const out: { data: Uint8Array; exporter: string }[] = [];
  if (corpus.length === 0 || rand() < 0.3) {
    const name = HOSTILE_NAMES[Math.floor(rand() * HOSTILE_NAMES.length)]!;
    ops.push(`hostile:${name}`);
    for (const d of HOSTILE[name]!(rand)) out.push({ data: d, exporter: `e${Math.floor(rand() * 3)}` });
    return { datagrams: out, ops };
  }
  const base = corpus[Math.floor(rand() * corpus.length)]!;
  ops.push(`base:${base.name}`);
  for (const d of base.datagrams) {
    const b = d.slice();
    const r = rand();
    if (r < 0.3) {
      const flips = 1 + Math.floor(rand() * 8);
      for (let i = 0; i < flips; i++) b[Math.floor(rand() * b.length)]! ^= 1 << Math.floor(rand() * 8);
      ops.push('bitflip');
    } else if (r < 0.5) {
      // A 16-bit length/count field at a random even offset set to an interesting value.
      const at = 2 * Math.floor(rand() * Math.floor(b.length / 2 - 1));
      u16(b, at, [0, 1, 3, 4, 5, 255, 256, 65535, b.length, b.length - 1][Math.floor(rand() * 10)]! & 0xffff);
      ops.push('length');
    } else if (r < 0.6) {
      out.push({ data: b.subarray(0, Math.floor(rand() * b.length)), exporter: 'x' });
      ops.push('truncate');
      continue;
    }
    out.push({ data: b, exporter: rand() < 0.9 ? 'x' : 'y' });
  }
  if (rand() < 0.2) {
    out.reverse(); // data before templates
    ops.push('reverse');
  }
  return { datagrams: out, ops };
}

/** Result of one NetFlow input. */
export interface NetflowRunResult {
  records: number;
  malformed: number;
}

/** Run one input through a fresh decoder; throws an Error naming the violation. */
export function runNetflow(input: NetflowInput): NetflowRunResult {
  let records = 0;
  const dec = new NetflowDecoder(() => records++, () => undefined, FUZZ_BOUNDS);
  let t = 0;
  for (const d of input.datagrams) {
    try {
      dec.decode(d.data, d.exporter, (t += 10));
    } catch (err) {
      throw new Error(`netflow: decode threw ${(err as Error).message}`);
    }
    if (dec.templatesHeld > FUZZ_BOUNDS.maxTemplates) throw new Error(`netflow: ${dec.templatesHeld} templates held, bound ${FUZZ_BOUNDS.maxTemplates}`);
    if (dec.pendingHeld > FUZZ_BOUNDS.maxPendingSets) throw new Error(`netflow: ${dec.pendingHeld} sets held, bound ${FUZZ_BOUNDS.maxPendingSets}`);
  }
  dec.finish();
  const c = dec.counters;
  const internal = (c.malformed['internal'] ?? 0) + (c.malformed['internal_range'] ?? 0);
  if (internal > 0) throw new Error(`netflow: ${internal} internal errors (a decoder bug)`);
  if (c.pendingSets !== c.pendingDecoded + c.pendingDropped) {
    throw new Error(`netflow: held sets not accounted for: ${c.pendingSets} held, ${c.pendingDecoded} decoded, ${c.pendingDropped} dropped`);
  }
  return { records, malformed: Object.values(c.malformed).reduce((a, b) => a + b, 0) };
}
