// Writes one CSV record at a time as bytes into a reused buffer: integers as digits, Java doubles through their
// integer fast path (java-format.ts for the rest), text as ASCII or UTF-8 with csv-stringify's quoting rule. The
// row table (columns.ts) writes through it, so a row costs one string (or none) instead of ~95 field strings, an
// array and a join. Pure: no I/O.
//
// Measured (node 20, 2 shared cores, one run each, same machine state): the flow engine's end-of-input drain of
// 300 k single-packet TCP flows (default profile, rows of 384 bytes) took 9.7 us a row with a string per field and
// Array.join; see scripts/bench.ts "rows" for the figures after this writer.
import { needsQuoting } from './csv-line.js';
import { javaDoubleToString, javaLongToString } from './java-format.js';

const COMMA = 0x2c;
const QUOTE = 0x22;
const DOT = 0x2e;
const ZERO = 0x30;
const TWO53 = 9007199254740992;

/** A growable byte buffer holding the record being written. */
export class RowWriter {
  buf: Buffer;
  pos = 0;
  /** True once a non-ASCII character was written (the record is then UTF-8, not Latin-1). */
  private wide = false;
  /** False for a writer of one field's raw text (Column.format): nothing is quoted. */
  private readonly quoting: boolean;

  constructor(initialBytes = 2048, quoting = true) {
    this.buf = Buffer.allocUnsafe(initialBytes);
    this.quoting = quoting;
  }

  /** Start a new record (the buffer is reused). */
  reset(): void {
    this.pos = 0;
    this.wide = false;
  }

  /** Make room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** The field separator. */
  comma(): void {
    this.ensure(1);
    this.buf[this.pos++] = COMMA;
  }

  /** Decimal digits of a non-negative integer below 2^53. */
  uint(x: number): void {
    this.ensure(17);
    const buf = this.buf;
    if (x < 10) {
      buf[this.pos++] = ZERO + x;
      return;
    }
    if (x >= 1e9) {
      const hi = Math.floor(x / 1e9);
      this.uint(hi);
      this.digits9(x - hi * 1e9);
      return;
    }
    let n = x;
    let len = 1;
    for (let t = 10; t <= n; t *= 10) len++;
    let at = this.pos + len;
    this.pos = at;
    while (n >= 10) {
      const q = (n / 10) | 0;
      buf[--at] = ZERO + (n - q * 10);
      n = q;
    }
    buf[--at] = ZERO + n;
  }

  /** Exactly 9 digits (zero-padded) of 0 <= x < 1e9. */
  private digits9(x: number): void {
    this.ensure(9);
    const buf = this.buf;
    let n = x;
    let at = this.pos + 9;
    this.pos = at;
    for (let i = 0; i < 9; i++) {
      const q = (n / 10) | 0;
      buf[--at] = ZERO + (n - q * 10);
      n = q;
    }
  }

  /** Java's `Long.toString` of an integer-valued number (-0 prints 0); throws E_INTERNAL for anything else. */
  long(x: number): void {
    if (x >= 0 && x < TWO53 && Math.floor(x) === x) this.uint(x);
    else this.ascii(javaLongToString(x)); // negatives, beyond 2^53 and the refusals: java-format.ts
  }

  /** Java's `Double.toString` (java-format.ts), with the common values written directly. */
  double(x: number): void {
    // Integers in [1, 10^7): Java prints the decimal digits and '.0' (the shortcut java-format.ts also takes);
    // 0 prints 0.0. Everything else (fractions, NaN, infinities, -0, large and tiny values) goes through the
    // JDK-exact formatter. Tried and dropped: writing the shortest digits of fractions directly when 15 digits
    // suffice (y = round(x * 10^k), y / 10^k === x): 83% of the fractional values of the bench mix's rows need
    // 16-17 digits, and the attempt cost what it saved (259 vs 265 ns a value, 373 k values of real rows).
    if (x >= 1 && x < 1e7 && Math.floor(x) === x) {
      this.uint(x);
      this.ensure(2);
      this.buf[this.pos++] = DOT;
      this.buf[this.pos++] = ZERO;
      return;
    }
    if (x === 0 && 1 / x > 0) {
      this.ensure(3);
      this.buf[this.pos++] = ZERO;
      this.buf[this.pos++] = DOT;
      this.buf[this.pos++] = ZERO;
      return;
    }
    this.ascii(javaDoubleToString(x));
  }

  /** Text known to be ASCII with nothing to quote (numbers' text, addresses, timestamps, Community IDs). */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    let at = this.pos;
    for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
    this.pos = at;
  }

  /**
   * Text that is almost always plain ASCII with nothing to quote (addresses, timestamps, Community IDs): copied
   * byte by byte, or through text() when a character needs it.
   */
  str(s: string): void {
    if (RowWriter.plain(s)) this.ascii(s);
    else this.text(s);
  }

  /** True when str(s) would write `s` as it is (ASCII, nothing to quote). */
  static plain(s: string): boolean {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7e || c === COMMA || c === QUOTE || c === 0x0a || c === 0x0d) return false;
    }
    return true;
  }

  /** Any text: quoted when csv-stringify (default options) would quote it, UTF-8 when it is not ASCII. */
  text(s: string): void {
    const quote = this.quoting && needsQuoting(s);
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    const body = quote ? s.replaceAll('"', '""') : s;
    if (ascii) {
      if (quote) this.byte(QUOTE);
      this.ascii(body);
      if (quote) this.byte(QUOTE);
      return;
    }
    this.wide = true;
    const bytes = Buffer.byteLength(body, 'utf8');
    this.ensure(bytes + 2);
    if (quote) this.buf[this.pos++] = QUOTE;
    this.pos += this.buf.write(body, this.pos, 'utf8');
    if (quote) this.buf[this.pos++] = QUOTE;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** The record written since reset() as a string. */
  toString(): string {
    return this.buf.toString(this.wide ? 'utf8' : 'latin1', 0, this.pos);
  }
}
