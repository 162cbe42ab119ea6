// `collect --pair`: joins the unidirectional records of the two directions of a flow (NetFlow v5, v9 and IPFIX
// without reverse IEs export one record per direction) into one biflow: same tuple reversed, same exporter and
// domain, overlapping times. The record that started first is the forward side (ties: the one received first).
// Memory is bounded: a record waits at most `windowUs` of record time (measured against the newest start seen) and
// at most `maxHeld` records wait; then it is passed on unpaired. Pure: no I/O, no timers.
import type { NetflowRecord } from './record.js';

export interface PairerOptions {
  /** A record waits for its other half until records starting this much later arrive (default 300 s). */
  windowUs?: number;
  /** Records waiting at most (default 200 000); the oldest is passed on unpaired beyond it. */
  maxHeld?: number;
}

interface Held {
  rec: NetflowRecord;
  key: string;
  done: boolean;
}

function hex(a: Uint8Array, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += (a[i]! < 16 ? '0' : '') + a[i]!.toString(16);
  return s;
}

/** Pairs records; `emit` gets biflow rows and unpaired records (copies it may keep). */
export class RecordPairer {
  private readonly emit: (rec: NetflowRecord) => void;
  private readonly windowUs: number;
  private readonly maxHeld: number;
  private readonly byKey = new Map<string, Held[]>();
  private queue: Held[] = [];
  private head = 0;
  private held = 0;
  private newestStartUs = Number.NEGATIVE_INFINITY;
  /** Biflows made, records passed on unpaired, records that could not be paired at all (no tuple or time). */
  paired = 0;
  unpaired = 0;

  constructor(emit: (rec: NetflowRecord) => void, opts: PairerOptions = {}) {
    this.emit = emit;
    this.windowUs = opts.windowUs ?? 300_000_000;
    this.maxHeld = opts.maxHeld ?? 200_000;
  }

  private static key(r: NetflowRecord, reversed: boolean): string {
    const len = r.ipVersion === 6 ? 16 : 4;
    const a = `${hex(r.srcAddr, len)}/${r.srcPort}`;
    const b = `${hex(r.dstAddr, len)}/${r.dstPort}`;
    return `${r.exporter}|${r.domain}|${r.protocol}|${reversed ? b : a}|${reversed ? a : b}`;
  }

  /** Add a record (the decoder's reused struct is copied when it has to wait). */
  push(r: NetflowRecord): void {
    if (r.hasReverse || r.ipVersion === 0 || Number.isNaN(r.protocol) || Number.isNaN(r.startUs) || Number.isNaN(r.endUs)) {
      this.unpaired++;
      this.emit(r.clone());
      return;
    }
    if (r.startUs > this.newestStartUs) this.newestStartUs = r.startUs;
    const other = this.byKey.get(RecordPairer.key(r, true));
    if (other !== undefined) {
      for (let i = 0; i < other.length; i++) {
        const h = other[i]!;
        if (h.rec.startUs <= r.endUs && r.startUs <= h.rec.endUs) {
          other.splice(i, 1);
          if (other.length === 0) this.byKey.delete(h.key);
          h.done = true;
          this.held--;
          this.paired++;
          this.emit(join(h.rec, r));
          this.expire();
          return;
        }
      }
    }
    const key = RecordPairer.key(r, false);
    const h: Held = { rec: r.clone(), key, done: false };
    const list = this.byKey.get(key);
    if (list === undefined) this.byKey.set(key, [h]);
    else list.push(h);
    this.queue.push(h);
    this.held++;
    this.expire();
  }

  /** Pass on every waiting record (end of input), oldest first. */
  flush(): void {
    this.expire(true);
  }

  private expire(all = false): void {
    const q = this.queue;
    while (this.head < q.length) {
      const h = q[this.head]!;
      if (!h.done) {
        const tooOld = h.rec.endUs < this.newestStartUs - this.windowUs;
        if (!all && !tooOld && this.held <= this.maxHeld) break;
        const list = this.byKey.get(h.key)!;
        list.splice(list.indexOf(h), 1);
        if (list.length === 0) this.byKey.delete(h.key);
        h.done = true;
        this.held--;
        this.unpaired++;
        this.emit(h.rec);
      }
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
  }
}

/** The biflow of `a` (received first) and `b` (its reverse); forward = the one that started first. */
function join(a: NetflowRecord, b: NetflowRecord): NetflowRecord {
  const [fwd, rev] = b.startUs < a.startUs ? [b, a] : [a, b];
  const out = fwd.clone();
  out.bwdPackets = rev.fwdPackets;
  out.bwdOctets = rev.fwdOctets;
  out.bwdTcpFlags = rev.fwdTcpFlags;
  out.hasReverse = true;
  out.startUs = Math.min(a.startUs, b.startUs);
  out.endUs = Math.max(a.endUs, b.endUs);
  return out;
}
