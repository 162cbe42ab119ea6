// Output failures: a full disk or a destination that fails part-way must end a run with an error (CLI: status 1
// and a one-line message; library: a rejected promise), never a silently short file reported as success.
// Uses /dev/full (Linux: every write fails with ENOSPC) and in-process Writables that fail on a chosen write.
import { describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvSink } from '../../src/csv/csv-sink.js';
import { PcapflowError } from '../../src/errors.js';
import type { FlowRow } from '../../src/flow/flow-engine.js';
import { normalizeOptions } from '../../src/options.js';
import { runFlows } from '../../src/run.js';
import type { RowBatch } from '../../src/stream/flow-stage.js';
import { CLI, SAMPLES_DIR } from '../helpers/paths.js';

const HAVE_DEV_FULL = existsSync('/dev/full');
const sample = (name: string): string => path.join(SAMPLES_DIR, name);
/** The undamaged samples (a damaged input would add exit status 2 to the picture). */
const CLEAN = ['tcp-handshake.pcap', 'icmp-echo.pcap', 'vlan.pcap', 'nanosecond.pcap', 'dns-udp.pcapng', 'ipv6-tcp.pcapng', 'big-endian.pcapng'].map(sample);

function pcapflow(args: string[], stdoutFd?: number): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
    timeout: 60_000,
  });
  return { status: r.status, stderr: r.stderr.toString('utf8') };
}

function pcapflowAsync(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

/** stderr is exactly one pcapflow line naming the failure, and no stack trace. */
function expectOneLineFailure(stderr: string, what: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^pcapflow: /);
  expect(lines[0]).toMatch(what);
  expect(stderr).not.toMatch(/\n\s+at /);
}

(HAVE_DEV_FULL ? describe : describe.skip)('a full disk (/dev/full)', () => {
  // The smallest case matters most: a handful of rows fit in one write, so the failure only shows when the file
  // is closed; reporting success there leaves an empty file behind a "2 flows written" summary.
  it.each([['one small capture', [sample('tcp-handshake.pcap')]], ['every clean sample', CLEAN], ['every clean sample, --jobs 2', [...CLEAN, '--jobs', '2']]])(
    'flows -o /dev/full, %s: status 1 and an ENOSPC message, no summary of success',
    (_name, args) => {
      const r = pcapflow([...args, '-o', '/dev/full']);
      expect(r.status).toBe(1);
      expectOneLineFailure(r.stderr, /ENOSPC/);
    },
  );

  it('flows to a stdout that is /dev/full: status 1', () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const r = pcapflow([sample('tcp-handshake.pcap'), '-q'], fd);
      expect(r.status).toBe(1);
      expectOneLineFailure(r.stderr, /ENOSPC/);
    } finally {
      closeSync(fd);
    }
  });

  it('packets -o /dev/full: status 1', () => {
    const r = pcapflow(['packets', sample('tcp-handshake.pcap'), '-o', '/dev/full']);
    expect(r.status).toBe(1);
    expectOneLineFailure(r.stderr, /ENOSPC/);
  });
});

/** An ENOSPC error like the one fs raises. */
function enospc(): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error('ENOSPC: no space left on device, write');
  e.code = 'ENOSPC';
  e.errno = -28;
  e.syscall = 'write';
  return e;
}

/**
 * A destination that accepts `okWrites` writes, then fails every later one with ENOSPC, asynchronously (as an
 * fs stream does: the write call returns, the error arrives later). Keeps what it accepted.
 */
function failingAfter(okWrites: number): Writable & { accepted: string } {
  let n = 0;
  const w = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, done) {
      if (n++ < okWrites) {
        w.accepted += chunk.toString();
        setImmediate(done);
      } else {
        setImmediate(() => done(enospc()));
      }
    },
  }) as Writable & { accepted: string };
  w.accepted = '';
  return w;
}

function rows(count: number, from = 0): RowBatch {
  const r: FlowRow[] = [];
  for (let i = 0; i < count; i++) r.push({ endIndex: from + i, firstIndex: from + i, line: `flow${from + i},${i}`, packets: 1, startTsUs: 0 });
  return { rows: r };
}

describe('CsvSink over a destination that fails part-way', () => {
  for (const endOutput of [true, false]) {
    it(`fails on the 2nd write (endOutput ${endOutput}): the pipeline rejects with the error`, async () => {
      const out = failingAfter(1);
      const sink = new CsvSink(out, { header: ['a', 'b'], rowsPerWrite: 4, endOutput });
      // 3 batches of 4 rows: the header goes with the first batch (write 1), the next batch is write 2
      const batches = [rows(4, 0), rows(4, 4), rows(4, 8)];
      await expect(pipeline(Readable.from(batches, { objectMode: true }), sink)).rejects.toMatchObject({ code: 'ENOSPC' });
    });

    it(`fails on the last write, the final flush (endOutput ${endOutput}): the pipeline rejects`, async () => {
      const out = failingAfter(1);
      // one batch of 2 rows under rowsPerWrite 512: the header is written at once (write 1), the rows at the end
      const sink = new CsvSink(out, { header: ['a', 'b'], rowsPerWrite: 512, endOutput });
      await expect(pipeline(Readable.from([rows(1, 0), rows(1, 1)], { objectMode: true }), sink)).rejects.toMatchObject({ code: 'ENOSPC' });
    });
  }

  it('fails on the first write: rejects, and nothing counts as written to the destination', async () => {
    const out = failingAfter(0);
    const sink = new CsvSink(out, { header: ['a', 'b'], endOutput: true });
    await expect(pipeline(Readable.from([rows(3)], { objectMode: true }), sink)).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(out.accepted).toBe('');
  });
});

describe('CsvSink: the real error, whichever reaches the sink first', () => {
  /**
   * A destination that fails the way an fs stream does under load: the failure destroys it at once (it keeps the
   * error in `errored`), but its 'error' event reaches listeners only later. The sink's end-of-input end() then
   * meets a destroyed stream and gets ERR_STREAM_DESTROYED ("Cannot call end after a stream was destroyed"),
   * which pcapflow once reported as an internal error instead of ENOSPC.
   */
  class LateErrorEvents extends Writable {
    override _write(_chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
      done();
    }
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'error') {
        setTimeout(() => super.emit(event, ...args), 50);
        return true;
      }
      return super.emit(event, ...args);
    }
  }

  for (const endOutput of [true, false]) {
    it(`end of input after the destination failed: rejects with ENOSPC (endOutput ${endOutput})`, async () => {
      const out = new LateErrorEvents();
      const sink = new CsvSink(out, { header: ['a', 'b'], endOutput });
      async function* batches(): AsyncGenerator<RowBatch> {
        yield rows(2, 0);
        await new Promise((r) => setImmediate(r));
        out.destroy(enospc()); // an in-flight write failed; its 'error' event is still on its way
      }
      await expect(pipeline(Readable.from(batches(), { objectMode: true }), sink)).rejects.toMatchObject({ code: 'ENOSPC' });
    });
  }
});

(HAVE_DEV_FULL ? describe : describe.skip)('a full disk under load: never another message (stress)', () => {
  // The race above showed up in 4 of 120 runs of `-o /dev/full` on two samples (--jobs 1, 2, 4) while three
  // busy loops kept both cores loaded. Repeat the case for --jobs 1, 2 and 4 with two CPU-bound processes running beside it; every run
  // must end with status 1 and the one ENOSPC line. Not timed: only the messages are checked.
  it('30 runs of -o /dev/full with --jobs 1, 2, 4 beside two busy processes', async () => {
    const busy = [0, 1].map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    try {
      const seen = new Map<string, number>();
      for (let round = 0; round < 10; round++) {
        for (const jobs of ['1', '2', '4']) {
          const r = await pcapflowAsync([sample('tcp-handshake.pcap'), sample('vlan.pcap'), '-o', '/dev/full', '--jobs', jobs]);
          const key = `${r.status} ${r.stderr.trimEnd()}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        }
      }
      expect([...seen.keys()]).toEqual(['1 pcapflow: writing /dev/full failed: ENOSPC']);
    } finally {
      for (const b of busy) b.kill('SIGKILL');
    }
  }, 300_000);
});

describe('runFlows (library) over a destination that fails part-way', () => {
  it('rejects with PcapflowError E_OUTPUT naming ENOSPC', async () => {
    const out = failingAfter(1);
    const opts = normalizeOptions({ inputs: CLEAN, output: '-', quiet: true });
    const err = await runFlows(opts, out).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PcapflowError);
    expect((err as PcapflowError).code).toBe('E_OUTPUT');
    expect((err as PcapflowError).message).toMatch(/ENOSPC/);
  });

  it('rejects when the very first write fails too', async () => {
    const out = failingAfter(0);
    const opts = normalizeOptions({ inputs: [sample('tcp-handshake.pcap')], output: '-', quiet: true });
    await expect(runFlows(opts, out)).rejects.toMatchObject({ code: 'E_OUTPUT' });
  });
});
