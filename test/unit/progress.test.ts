// The progress display's text (units, rates, time left) and its sums over several runs (--out-dir, one run per
// input). The expected texts are worked out by hand from the states given.
import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { formatBytes, formatDuration, formatRate, progressLine, ProgressDisplay } from '../../src/progress.js';

describe('progress text', () => {
  it('gives bytes in SI units with one decimal from kB up', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1000)).toBe('1.0 kB');
    expect(formatBytes(1536)).toBe('1.5 kB');
    expect(formatBytes(999_949)).toBe('999.9 kB');
    expect(formatBytes(999_950)).toBe('1.0 MB'); // would print as 1000.0 kB
    expect(formatBytes(919_000_000)).toBe('919.0 MB');
    expect(formatBytes(2.5e12)).toBe('2.5 TB');
  });

  it('gives rates and durations', () => {
    expect(formatRate(0)).toBe('0');
    expect(formatRate(999.4)).toBe('999');
    expect(formatRate(523_100)).toBe('523.1 k');
    expect(formatRate(1_250_000)).toBe('1.3 M');
    expect(formatRate(Number.NaN)).toBe('0');
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(59.6)).toBe('1:00');
    expect(formatDuration(3725)).toBe('1:02:05');
  });

  it('shows the share of the total, the packets per second and the time left at the byte rate so far', () => {
    // 250 of 1000 bytes in 10 s: 25 B/s, 750 bytes left = 30 s; 5000 packets in 10 s = 500/s
    const state = { bytes: 250, totalBytes: 1000, packets: 5000, flows: 1234, elapsedS: 10 };
    expect(progressLine(state)).toBe('pcapflow: [=====---------------] 25.0% | 250 B of 1.0 kB | 5,000 packets, 500/s | 1,234 flows | ETA 0:30');
    // a narrower terminal: a shorter bar, then none; the numbers stay
    const text = '25.0% | 250 B of 1.0 kB | 5,000 packets, 500/s | 1,234 flows | ETA 0:30';
    expect(progressLine(state, 'pcapflow: [] '.length + text.length + 1 + 8)).toBe(`pcapflow: [==------] ${text}`);
    expect(progressLine(state, 80)).toBe(`pcapflow: ${text}`);
    expect(progressLine({ bytes: 0, totalBytes: 1000, packets: 0, flows: 0, elapsedS: 0 })).toMatch(/ 0\.0% .* ETA --$/);
    expect(progressLine({ bytes: 1000, totalBytes: 1000, packets: 7, flows: 2, elapsedS: 1 })).toMatch(/ 100\.0% \| 1\.0 kB of 1\.0 kB \| 7 packets, 7\/s \| 2 flows \| ETA 0:00$/);
    expect(progressLine({ bytes: 0, totalBytes: 0, packets: 0, flows: 0, elapsedS: 1 })).toMatch(/ 100\.0% /); // only empty files
  });

  it('has no share and no time left without a total (stdin)', () => {
    expect(progressLine({ bytes: 3600, totalBytes: null, packets: 23, flows: 4, elapsedS: 2 })).toBe('pcapflow: 3.6 kB | 23 packets, 12/s | 4 flows');
  });
});

describe('ProgressDisplay', () => {
  it('adds the counters of the runs it followed before to those of the current one', () => {
    const err = new PassThrough() as unknown as NodeJS.WriteStream;
    let text = '';
    (err as unknown as PassThrough).on('data', (d: Buffer) => (text += d.toString()));
    const display = new ProgressDisplay(err);
    display.start(300);
    const run = (bytes: number, packets: number, flows: number) => ({ storedBytesRead: () => bytes, packetsRead: () => packets, flowsWritten: () => flows });
    display.follow(run(100, 10, 1));
    display.follow(run(150, 20, 2));
    const s = display.state();
    expect([s.bytes, s.totalBytes, s.packets, s.flows]).toEqual([250, 300, 30, 3]);
    display.finish();
    display.finish(); // once only
    const lines = text.split('\n').filter((l) => l !== '');
    expect(lines.at(-1)).toMatch(/^pcapflow: \[=*-*\] 83\.3% \| 250 B of 300 B \| 30 packets, .* \| 3 flows \| ETA /);
    expect(text.endsWith('\n')).toBe(true);
  });
});
