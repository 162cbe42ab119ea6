// The progress display of a flow run (--progress; by default when stderr is a terminal and not --quiet): bytes
// read of the inputs' total (as stored: compressed bytes of gzip inputs), packets and packets per second, flows
// written, and the time left; for stdin (no total) bytes, packets and flows only. Drawn by cli-progress from its
// own timer (a few times a second on a terminal, once a second as plain lines elsewhere), which is unref'd so it
// never keeps the process alive; each drawing polls the run's counters (ProgressCounters), so the pipeline does
// nothing per packet for it. finish() draws the final state and ends the line before the summary line.
import cliProgress from 'cli-progress';
import type { ProgressCounters, ProgressHook } from './run.js';

/** Redraws per second on a terminal. */
const FPS = 4;
/** Milliseconds between lines when stderr is not a terminal (--progress forced onto a file or a pipe). */
const NOT_TTY_MS = 1000;
const BAR_CELLS = 20;

/** `1536` -> `1.5 kB` (SI units, one decimal from kB up). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n / 1000;
  let u = 0;
  while (v >= 999.95 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]!}`;
}

/** `1234567` -> `1.2 M` (a rate), plain below 1000. */
export function formatRate(perS: number): string {
  if (!Number.isFinite(perS) || perS < 0) return '0';
  if (perS < 1000) return perS.toFixed(0);
  if (perS < 1e6) return `${(perS / 1e3).toFixed(1)} k`;
  return `${(perS / 1e6).toFixed(1)} M`;
}

/** Seconds as `m:ss` or `h:mm:ss`. */
export function formatDuration(s: number): string {
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const ss = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** What one drawing shows. */
export interface ProgressState {
  bytes: number;
  /** Null: no total (stdin). */
  totalBytes: number | null;
  packets: number;
  flows: number;
  elapsedS: number;
}

/**
 * The text of one drawing, at most `width` characters when it can: the bar (up to BAR_CELLS cells) gets what the
 * numbers leave, and is left out below 5 cells.
 */
export function progressLine(s: ProgressState, width = 120): string {
  const rate = s.elapsedS > 0 ? s.packets / s.elapsedS : 0;
  const counts = `${s.packets.toLocaleString('en-US')} packets, ${formatRate(rate)}/s | ${s.flows.toLocaleString('en-US')} flows`;
  if (s.totalBytes === null) return `pcapflow: ${formatBytes(s.bytes)} | ${counts}`;
  const fraction = s.totalBytes > 0 ? Math.min(1, s.bytes / s.totalBytes) : 1;
  const byteRate = s.elapsedS > 0 ? s.bytes / s.elapsedS : 0;
  const eta = fraction >= 1 ? '0:00' : byteRate > 0 ? formatDuration((s.totalBytes - s.bytes) / byteRate) : '--';
  const text = `${(fraction * 100).toFixed(1)}% | ${formatBytes(s.bytes)} of ${formatBytes(s.totalBytes)} | ${counts} | ETA ${eta}`;
  const cells = Math.min(BAR_CELLS, width - 1 - 'pcapflow: [] '.length - text.length);
  if (cells < 5) return `pcapflow: ${text}`;
  const full = Math.round(fraction * cells);
  return `pcapflow: [${'='.repeat(full)}${'-'.repeat(cells - full)}] ${text}`;
}

/** cli-progress's bar whose timer does not keep the process alive. */
class UnrefBar extends cliProgress.SingleBar {
  override render(): void {
    super.render();
    (this as unknown as { timer: NodeJS.Timeout | null }).timer?.unref();
  }
}

export class ProgressDisplay implements ProgressHook {
  private bar: UnrefBar | null = null;
  private totalBytes: number | null = null;
  private done = { bytes: 0, packets: 0, flows: 0 };
  private current: ProgressCounters | null = null;
  private startedMs = 0;
  private readonly stream: NodeJS.WriteStream;

  constructor(stream: NodeJS.WriteStream) {
    this.stream = stream;
  }

  start(totalBytes: number | null): void {
    if (this.bar !== null) return;
    this.totalBytes = totalBytes;
    this.startedMs = Date.now();
    const tty = this.stream.isTTY === true;
    this.bar = new UnrefBar({
      stream: this.stream,
      fps: FPS,
      noTTYOutput: true,
      notTTYSchedule: NOT_TTY_MS,
      synchronousUpdate: false,
      linewrap: true, // cut at the terminal's width (no escape that turns wrapping off and must be undone)
      hideCursor: false,
      gracefulExit: false, // pcapflow's own signal handling ends the run and calls finish()
      clearOnComplete: !tty, // on a terminal the final state stays; as plain lines, no empty line after it
      format: (_options, params) => progressLine(this.state(), params.maxWidth),
    });
    this.bar.start(1, 0);
  }

  follow(counters: ProgressCounters): void {
    const c = this.current;
    if (c !== null) {
      this.done.bytes += c.storedBytesRead();
      this.done.packets += c.packetsRead();
      this.done.flows += c.flowsWritten();
    }
    this.current = counters;
  }

  /** The counters now. */
  state(): ProgressState {
    const c = this.current;
    return {
      bytes: this.done.bytes + (c?.storedBytesRead() ?? 0),
      totalBytes: this.totalBytes,
      packets: this.done.packets + (c?.packetsRead() ?? 0),
      flows: this.done.flows + (c?.flowsWritten() ?? 0),
      elapsedS: (Date.now() - this.startedMs) / 1000,
    };
  }

  /** Draw the final state and end the display's line (before the summary line or an error). Idempotent. */
  finish(): void {
    const bar = this.bar;
    if (bar === null) return;
    this.bar = null;
    bar.stop();
  }
}
