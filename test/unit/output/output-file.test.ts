// Output files: an output that is an input is refused (same path, symlink, hard link, stdin), a regular file is
// written under a temporary name and renamed by commit(), abort() leaves an existing destination as it was, and
// special files are written in place. Each test works in a fresh temporary directory.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, openSync, linkSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import {
  assertNotAnInput,
  isTemporaryOutputName,
  openOutputFile,
  removeTemporaryOutputsSync,
  writeFileAtomic,
} from '../../../src/output/output-file.js';
import { REPO_ROOT } from '../../helpers/paths.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pcapflow-output-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const at = (name: string): string => path.join(dir, name);
const CAPTURE = Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex');

function end(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => stream.end(text, () => resolve()));
}

describe('an output that is an input is refused before anything is opened for writing', () => {
  test.each([
    ['the same path', (cap: string) => cap],
    ['the same path spelled differently', (cap: string) => path.join(path.dirname(cap), '.', path.basename(cap))],
    ['a symlink to it', (cap: string) => {
      symlinkSync(cap, at('link.csv'));
      return at('link.csv');
    }],
    ['a hard link to it', (cap: string) => {
      linkSync(cap, at('hard.csv'));
      return at('hard.csv');
    }],
  ])('%s', async (_name, makeDest) => {
    const cap = at('cap.pcap');
    writeFileSync(cap, CAPTURE);
    const dest = makeDest(cap);
    await expect(openOutputFile(dest, new PassThrough(), [cap])).rejects.toMatchObject({
      code: 'E_OUTPUT',
      message: expect.stringContaining(`it is the input ${cap}`),
    });
    expect(readFileSync(cap)).toEqual(CAPTURE);
    expect(readdirSync(dir).filter(isTemporaryOutputName)).toEqual([]);
  });

  test('stdin redirected from the output file counts as that input', () => {
    const cap = at('cap.pcap');
    writeFileSync(cap, CAPTURE);
    // a child whose fd 0 is the file: assertNotAnInput(cap, ['-']) must refuse
    const mod = pathToFileURL(path.join(REPO_ROOT, 'build', 'src', 'output', 'output-file.js')).href;
    const script = `import(${JSON.stringify(mod)}).then((m) => m.assertNotAnInput(${JSON.stringify(cap)}, ['-'])).then(() => console.log('accepted'), (e) => console.log(e.code))`;
    const r = spawnSync(process.execPath, ['-e', script], { input: '' });
    expect(r.stdout.toString().trim()).toBe('accepted'); // a pipe on stdin is no file
    const fd = openSync(cap, 'r');
    const fromFile = spawnSync(process.execPath, ['-e', script], { stdio: [fd, 'pipe', 'pipe'] });
    closeSync(fd);
    expect(fromFile.stdout.toString().trim()).toBe('E_OUTPUT');
  });

  test('a destination that does not exist, or is another file, is accepted', async () => {
    writeFileSync(at('cap.pcap'), CAPTURE);
    writeFileSync(at('other.csv'), 'x');
    await expect(assertNotAnInput(at('new.csv'), [at('cap.pcap')])).resolves.toBeUndefined();
    await expect(assertNotAnInput(at('other.csv'), [at('cap.pcap'), '-'])).resolves.toBeUndefined();
  });
});

describe('regular files: a temporary file, renamed by commit()', () => {
  test('nothing appears under the name until commit; then exactly what was written', async () => {
    const dest = at('flows.csv');
    const out = await openOutputFile(dest, new PassThrough());
    expect(out.ownsStream).toBe(true);
    expect(path.dirname(out.temporaryPath!)).toBe(dir);
    expect(isTemporaryOutputName(path.basename(out.temporaryPath!))).toBe(true);
    await end(out.stream, 'a,b\n1,2\n');
    expect(existsSync(dest)).toBe(false);
    await out.commit();
    expect(readFileSync(dest, 'utf8')).toBe('a,b\n1,2\n');
    expect(readdirSync(dir)).toEqual(['flows.csv']);
  });

  test('abort() removes the temporary file and leaves an existing destination as it was', async () => {
    const dest = at('flows.csv');
    writeFileSync(dest, 'the previous run\n');
    const out = await openOutputFile(dest, new PassThrough());
    out.stream.write('half of a new run\n');
    await out.abort();
    expect(readFileSync(dest, 'utf8')).toBe('the previous run\n');
    expect(readdirSync(dir)).toEqual(['flows.csv']);
  });

  test('replacing a file keeps its permission bits; a symlinked destination stays a symlink', async () => {
    const real = at('real.csv');
    writeFileSync(real, 'old\n');
    chmodSync(real, 0o640);
    symlinkSync(real, at('link.csv'));
    const out = await openOutputFile(at('link.csv'), new PassThrough());
    await end(out.stream, 'new\n');
    await out.commit();
    expect(readFileSync(real, 'utf8')).toBe('new\n');
    expect(statSync(real).mode & 0o777).toBe(0o640);
    expect(readFileSync(at('link.csv'), 'utf8')).toBe('new\n');
  });

  test('removeTemporaryOutputsSync removes what was never committed (the CLI\'s way out)', async () => {
    const out = await openOutputFile(at('flows.csv'), new PassThrough());
    out.stream.write('partial\n');
    await new Promise((r) => setImmediate(r));
    expect(existsSync(out.temporaryPath!)).toBe(true);
    removeTemporaryOutputsSync();
    expect(existsSync(out.temporaryPath!)).toBe(false);
    out.stream.destroy();
  });

  test('a directory, or a path in a missing directory: E_OUTPUT, nothing created', async () => {
    await expect(openOutputFile(dir, new PassThrough())).rejects.toMatchObject({ code: 'E_OUTPUT' });
    await expect(openOutputFile(at('no/such/flows.csv'), new PassThrough())).rejects.toMatchObject({ code: 'E_OUTPUT' });
    expect(readdirSync(dir)).toEqual([]);
  });

  test('writeFileAtomic writes the whole text under the name, refusing an input', async () => {
    await writeFileAtomic(at('stats.json'), '{"a":1}\n');
    expect(readFileSync(at('stats.json'), 'utf8')).toBe('{"a":1}\n');
    writeFileSync(at('cap.pcap'), CAPTURE);
    await expect(writeFileAtomic(at('cap.pcap'), '{}', [at('cap.pcap')])).rejects.toMatchObject({ code: 'E_OUTPUT' });
    expect(readFileSync(at('cap.pcap'))).toEqual(CAPTURE);
  });
});

describe('special files are written in place', () => {
  test('/dev/null: no temporary file, commit is a no-op', async () => {
    const out = await openOutputFile('/dev/null', new PassThrough());
    expect(out.temporaryPath).toBeNull();
    await end(out.stream, 'discarded\n');
    await out.commit();
  });

  test("'-' is the given stdout, not ours to end", async () => {
    const stdout = new PassThrough();
    const out = await openOutputFile('-', stdout);
    expect(out.stream).toBe(stdout);
    expect(out.ownsStream).toBe(false);
  });
});
