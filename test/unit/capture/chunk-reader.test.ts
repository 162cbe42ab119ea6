// The I/O layer: gzip found by magic (not by name), 'not found' and directory errors, damaged gzip, and the
// directory walk. Files are written to a fresh temporary directory.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CHUNK_SIZE, captureChunks, expandInputs, findInputs, looksLikeCapture, openCapture, readAllPackets } from '../../../src/capture/chunk-reader.js';
import { buildPcap, testFrame } from '../../helpers/pcap-builder.js';
import { SAMPLES_DIR } from '../../helpers/paths.js';

let dir = '';
const frames = Array.from({ length: 500 }, (_, i) => ({ data: testFrame(200 + (i % 50), i), tsSec: i }));
const pcap = buildPcap(frames).bytes;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pcapflow-readers-'));
  writeFileSync(path.join(dir, 'plain.pcap'), pcap);
  writeFileSync(path.join(dir, 'compressed.pcap'), gzipSync(pcap)); // gzip content, misleading name
  writeFileSync(path.join(dir, 'cut.pcap.gz'), gzipSync(pcap).subarray(0, 3000));
  mkdirSync(path.join(dir, 'tree', 'b', 'c'), { recursive: true });
  mkdirSync(path.join(dir, 'tree', 'a'));
  writeFileSync(path.join(dir, 'tree', 'b', 'c', 'z.pcap'), pcap);
  writeFileSync(path.join(dir, 'tree', 'b', 'y.pcap'), pcap);
  writeFileSync(path.join(dir, 'tree', 'a', 'x.pcap'), pcap);
  symlinkSync(path.join(dir, 'plain.pcap'), path.join(dir, 'tree', 'link.pcap'));
  symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'tree', 'dangling.pcap'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openCapture / readAllPackets', () => {
  test('plain and gzip (found by magic, whatever the name) give the same bytes and packets', async () => {
    const chunks: Buffer[] = [];
    for await (const c of await openCapture(path.join(dir, 'compressed.pcap'))) chunks.push(c);
    expect(Buffer.compare(Buffer.concat(chunks), Buffer.from(pcap))).toBe(0);
    const a = await readAllPackets(path.join(dir, 'plain.pcap'));
    const b = await readAllPackets(path.join(dir, 'compressed.pcap'));
    expect(a.error).toBeNull();
    expect(a.packets).toHaveLength(500);
    expect(b).toEqual(a);
    expect(Uint8Array.from(a.packets[499]!.data)).toEqual(testFrame(249, 499));
  });

  test('a cut gzip file: the packets before the damage, then E_GZIP_CORRUPT', async () => {
    const r = await readAllPackets(path.join(dir, 'cut.pcap.gz'));
    expect(r.error).toMatchObject({ code: 'E_GZIP_CORRUPT', file: path.join(dir, 'cut.pcap.gz') });
    expect(r.packets.length).toBeLessThan(500);
  });

  test('missing file -> E_INPUT_NOT_FOUND; directory -> E_IO (both name the file)', async () => {
    const missing = path.join(dir, 'missing.pcap');
    await expect(openCapture(missing)).rejects.toMatchObject({ code: 'E_INPUT_NOT_FOUND', file: missing });
    await expect(openCapture(dir)).rejects.toMatchObject({ code: 'E_IO', file: dir });
  });
});

describe('captureChunks on a regular file (reads kept in flight ahead of the consumer)', () => {
  async function chunksOf(file: string): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for await (const c of await captureChunks(file)) out.push(c);
    return out;
  }

  test.each([
    ['empty', 0],
    ['shorter than a chunk', 1000],
    ['an exact number of chunks', 3 * CHUNK_SIZE],
    ['more chunks than reads in flight, then a partial one', 6 * CHUNK_SIZE + 12345],
  ])('%s: the same bytes, in full chunks then the rest', async (_name, size) => {
    const bytes = randomBytes(size);
    const file = path.join(dir, `sized-${size}.bin`);
    writeFileSync(file, bytes);
    const chunks = await chunksOf(file);
    expect(Buffer.compare(Buffer.concat(chunks), bytes)).toBe(0);
    expect(chunks.slice(0, -1).every((c) => c.length === CHUNK_SIZE)).toBe(true);
    expect(chunks.every((c) => c.length > 0)).toBe(true);
    expect(chunks).toHaveLength(Math.ceil(size / CHUNK_SIZE));
  });

  test('a file that grows while it is read is read to its new end, without a gap', async () => {
    const first = randomBytes(2 * CHUNK_SIZE + 500);
    const more = randomBytes(CHUNK_SIZE + 7);
    const file = path.join(dir, 'growing.bin');
    writeFileSync(file, first);
    const out: Buffer[] = [];
    let appended = false;
    for await (const c of await captureChunks(file)) {
      out.push(c);
      if (!appended) {
        // The reads beyond the first chunk were issued before this append: whether they saw it or came back
        // short, the bytes must follow on without a hole.
        await new Promise((r) => setTimeout(r, 20));
        appendFileSync(file, more);
        appended = true;
      }
    }
    expect(Buffer.compare(Buffer.concat(out), Buffer.concat([first, more]))).toBe(0);
  });

  test('a consumer that stops early: the file is closed and can be read again', async () => {
    const file = path.join(dir, `sized-${6 * CHUNK_SIZE + 12345}.bin`);
    const it = await captureChunks(file);
    const r = await it.next();
    expect(r.done).toBe(false);
    await it.return(undefined);
    expect(Buffer.concat(await chunksOf(file)).length).toBe(6 * CHUNK_SIZE + 12345);
  });
});

describe('expandInputs', () => {
  test('files as given; directories walked recursively, sorted by path, regular files and links to them only', async () => {
    const tree = path.join(dir, 'tree');
    const got = await expandInputs([path.join(dir, 'plain.pcap'), tree, '-']);
    expect(got).toEqual([
      path.join(dir, 'plain.pcap'),
      path.join(tree, 'a', 'x.pcap'),
      path.join(tree, 'b', 'c', 'z.pcap'),
      path.join(tree, 'b', 'y.pcap'),
      path.join(tree, 'link.pcap'),
      '-',
    ]);
  });

  test('a path that does not exist -> E_INPUT_NOT_FOUND', async () => {
    await expect(expandInputs([path.join(dir, 'nope')])).rejects.toMatchObject({ code: 'E_INPUT_NOT_FOUND' });
  });
});

describe('findInputs: what a directory walk reads', () => {
  let walk = '';
  beforeAll(() => {
    walk = path.join(dir, 'walk');
    mkdirSync(path.join(walk, 'sub'), { recursive: true });
    // tcpdump -C names its files cap, cap1, cap2, ..., cap10: written in that order, read in that order
    for (const name of ['cap', 'cap1', 'cap2', 'cap10', 'cap11', 'cap9']) writeFileSync(path.join(walk, name), pcap);
    writeFileSync(path.join(walk, 'README.md'), '# captures of the lab network\n');
    writeFileSync(path.join(walk, 'flows.csv'), 'Flow ID,Src IP\n1,10.0.0.1\n');
    writeFileSync(path.join(walk, 'empty.pcap'), Buffer.alloc(0));
    writeFileSync(path.join(walk, 'three.pcap'), pcap.subarray(0, 3)); // too short to say
    writeFileSync(path.join(walk, 'notes.txt.gz'), gzipSync(Buffer.from('gzip, but not of a capture\n')));
    writeFileSync(path.join(walk, 'sub', 'day2.pcap.gz'), gzipSync(pcap));
    writeFileSync(path.join(walk, 'sub', 'day10.pcapng'), readFileSync(path.join(SAMPLES_DIR, 'dns-udp.pcapng')));
    writeFileSync(path.join(walk, '.flows.csv.pcapflow-123-00ff.tmp'), pcap); // a temporary output's name
  });

  test('captures in natural order; README, CSV, empty and non-capture gzip files skipped and listed', async () => {
    const { files, skipped } = await findInputs([walk], { skipName: (n) => n.endsWith('.tmp') });
    const rel = files.map((f) => path.relative(walk, f));
    expect(rel).toEqual(['cap', 'cap1', 'cap2', 'cap9', 'cap10', 'cap11', path.join('sub', 'day2.pcap.gz'), path.join('sub', 'day10.pcapng')]);
    expect(skipped.map((f) => path.relative(walk, f)).sort()).toEqual(
      ['.flows.csv.pcapflow-123-00ff.tmp', 'README.md', 'empty.pcap', 'flows.csv', 'notes.txt.gz', 'three.pcap'].sort(),
    );
  });

  test('a file named explicitly is kept whatever it holds (reading it reports the damage)', async () => {
    const readme = path.join(walk, 'README.md');
    const { files, skipped } = await findInputs([readme, walk]);
    expect(files[0]).toBe(readme);
    expect(skipped).toContain(readme); // the walk of the directory passes over it
    expect(await expandInputs([readme])).toEqual([readme]);
  });

  test('looksLikeCapture: by content, not by name; a cut gzip of a capture still counts', async () => {
    expect(await looksLikeCapture(path.join(dir, 'compressed.pcap'))).toBe(true);
    expect(await looksLikeCapture(path.join(dir, 'cut.pcap.gz'))).toBe(true);
    expect(await looksLikeCapture(path.join(walk, 'notes.txt.gz'))).toBe(false);
    expect(await looksLikeCapture(path.join(walk, 'README.md'))).toBe(false);
    expect(await looksLikeCapture(path.join(dir, 'nope'))).toBe(false);
  });
});

describe('openCapture early stop', () => {
  test('a consumer that stops after the first chunk does not leave the stream hanging', async () => {
    const s = await openCapture(path.join(dir, 'compressed.pcap'));
    for await (const c of s) {
      expect(c.length).toBeGreaterThan(0);
      break;
    }
    const again = await readAllPackets(path.join(dir, 'plain.pcap'));
    expect(again.packets).toHaveLength(500);
  });
});

describe('openCapture on stdin', () => {
  test("'-' reads stdin, gzip detected by magic", () => {
    const reader = new URL('../../../src/capture/chunk-reader.js', import.meta.url).href;
    const parser = new URL('../../../src/capture/capture-parser.js', import.meta.url).href;
    const script = `
      const { openCapture } = await import(${JSON.stringify(reader)});
      const { CaptureParser } = await import(${JSON.stringify(parser)});
      const p = new CaptureParser({ fileName: '-' }); let n = 0;
      for await (const c of await openCapture('-')) { p.push(c); while (p.next()) n++; }
      p.end(); process.stdout.write(String(n));`;
    const run = (input: Uint8Array) => execFileSync(process.execPath, ['--input-type=module', '-e', script], { input }).toString();
    expect(run(pcap)).toBe('500');
    expect(run(gzipSync(pcap))).toBe('500');
  });
});
