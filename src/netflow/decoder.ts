// NetFlow v1/v5/v7/v9 and IPFIX datagram decoder. Owns the template state of every (exporter, version, observation
// domain / source id) session, the buffer of data sets that came before their template, sequence-number tracking,
// and the counters of everything it refused. Pure: no I/O, no timers (the caller passes the receive time); a
// malformed datagram is counted under a reason and never throws. Records are handed out in one reused struct.
//
// Specs: NetFlow v5/v7/v1 (Cisco "NetFlow Export Datagram Format"), NetFlow v9 (RFC 3954), IPFIX (RFC 7011 for the
// message format, RFC 7012 for the IEs and data types, RFC 5103 for biflows).
import { IE_TYPE, lookupIe, REVERSE_PEN, type IeType } from './ie-registry.js';
import { PCAPFLOW_PEN, statSlotOfId, registerPcapflowIes } from './pcapflow-ies.js';
import { NetflowRecord } from './record.js';

/** Seconds between the NTP epoch (1900) and the Unix epoch (RFC 7011 §6.1.9 timestamps). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;
const TWO32 = 4294967296;

/** What a decoder keeps and how long; the defaults suit a collector of a few dozen exporters. */
export interface DecoderOptions {
  /** The PEN under which pcapflow's own statistics IEs are read (default 32473). */
  pen?: number;
  /** Data sets held while their template is unknown, over all sessions (default 1024). */
  maxPendingSets?: number;
  /** Bytes of such sets held at most (default 8 MiB). */
  maxPendingBytes?: number;
  /** A held set older than this (by receive time) is dropped and counted (default 60 s). */
  maxPendingAgeMs?: number;
  /** Templates kept over all sessions (default 16384); more are refused and counted. */
  maxTemplates?: number;
  /** Fields of one template (default 1024); a longer template is refused (RFC 7011 allows ~16 k in a set). */
  maxTemplateFields?: number;
  /** Sessions (exporter, version, domain) kept (default 4096); the least recently seen one is forgotten. */
  maxSessions?: number;
}

/** One options data record (RFC 7011 §3.4.2.2, RFC 3954 §6.2): kept apart from flows. Values are numbers
 *  (unsigned, signed, float, times in ms), address text, MAC text, strings, or hex for octet arrays. */
export interface OptionsRecord {
  version: number;
  exporter: string;
  domain: number;
  templateId: number;
  scope: Record<string, number | string>;
  fields: Record<string, number | string>;
}

/** Decoder counters (monotonic). `malformed` holds one counter per reason. */
export interface DecoderCounters {
  datagrams: number;
  /** Datagrams by version: v1, v5, v7, v9, ipfix. */
  byVersion: Record<string, number>;
  flowRecords: number;
  optionsRecords: number;
  templates: number;
  templateRedefinitions: number;
  templateWithdrawals: number;
  /** Data sets held for a template not yet seen; decoded later; dropped (over the count/bytes bound, too old,
   *  or still waiting at the end). */
  pendingSets: number;
  pendingDecoded: number;
  pendingDropped: number;
  /** Sequence tracking (RFC 7011 §3.1, RFC 3954 §5.1, v5 flow_sequence): gaps seen, records (v9: datagrams)
   *  missing in them, and numbers that went backwards (reordering or an exporter restart). */
  sequenceGaps: number;
  sequenceLost: number;
  sequenceBackwards: number;
  malformed: Record<string, number>;
}

/** Header facts a data set needs (copied into held sets). */
interface HeaderContext {
  version: number;
  exporter: string;
  domain: number;
  /** Export time, ms since the epoch (v5/v7/v1: secs + nsecs). */
  exportMs: number;
  /** v5/v7/v1/v9: the exporter's uptime at export, ms; NaN for IPFIX. */
  sysUptimeMs: number;
}

// Field targets: what a template field fills in the record.
const F = {
  SKIP: 0, SRC4: 1, DST4: 2, SRC6: 3, DST6: 4, SPORT: 5, DPORT: 6, PROTO: 7, TOS: 8, FLAGS: 9, PKTS: 10,
  OCTETS: 11, R_PKTS: 12, R_OCTETS: 13, R_FLAGS: 14, START_UP: 15, END_UP: 16, START_S: 17, END_S: 18,
  START_MS: 19, END_MS: 20, START_NTP_US: 21, END_NTP_US: 22, START_NTP_NS: 23, END_NTP_NS: 24,
  START_DELTA_US: 25, END_DELTA_US: 26, SYSINIT_MS: 27, DUR_MS: 28, DUR_US: 29, END_REASON: 30, BIFLOW_DIR: 31,
  ICMP_TC: 32, ICMP_TYPE: 33, ICMP_CODE: 34, VLAN: 35, IN_IF: 36, OUT_IF: 37, SRC_AS: 38, DST_AS: 39,
  STAT: 40, R_ICMP_TC: 41,
} as const;

/** The target of IANA IE `id` in a v9 (true) or IPFIX (false) template. */
function ianaTarget(id: number, v9: boolean): number {
  switch (id) {
    case 1: case 85: return F.OCTETS;
    case 2: case 86: return F.PKTS;
    case 4: return F.PROTO;
    case 5: return F.TOS;
    case 6: return F.FLAGS;
    case 7: case 180: case 182: return F.SPORT;
    case 8: return F.SRC4;
    case 10: return F.IN_IF;
    case 11: case 181: case 183: return F.DPORT;
    case 12: return F.DST4;
    case 14: return F.OUT_IF;
    case 16: return F.SRC_AS;
    case 17: return F.DST_AS;
    case 21: return F.END_UP;
    case 22: return F.START_UP;
    // RFC 3954 §8: OUT_BYTES / OUT_PKTS; pcapflow's and nfdump's reading: the reverse direction's counters.
    // In IPFIX 23/24 are post-processing counters (RFC 7012): not the reverse direction.
    case 23: return v9 ? F.R_OCTETS : F.SKIP;
    case 24: return v9 ? F.R_PKTS : F.SKIP;
    case 27: return F.SRC6;
    case 28: return F.DST6;
    case 32: case 139: return F.ICMP_TC;
    case 58: return F.VLAN;
    case 136: return F.END_REASON;
    case 150: return F.START_S;
    case 151: return F.END_S;
    case 152: return F.START_MS;
    case 153: return F.END_MS;
    case 154: return F.START_NTP_US;
    case 155: return F.END_NTP_US;
    case 156: return F.START_NTP_NS;
    case 157: return F.END_NTP_NS;
    case 158: return F.START_DELTA_US;
    case 159: return F.END_DELTA_US;
    case 160: return F.SYSINIT_MS;
    case 161: return F.DUR_MS;
    case 162: return F.DUR_US;
    case 176: case 178: return F.ICMP_TYPE;
    case 177: case 179: return F.ICMP_CODE;
    case 231: return F.OCTETS; // initiatorOctets (RFC 5103 §6.4 with biflowDirection)
    case 232: return F.R_OCTETS;
    case 239: return F.BIFLOW_DIR;
    case 298: return F.PKTS;
    case 299: return F.R_PKTS;
    default: return F.SKIP;
  }
}

/** Reverse IEs (PEN 29305) pcapflow reads: the counters and flags of the reverse direction (RFC 5103 §6.1). */
function reverseTarget(id: number): number {
  switch (id) {
    case 1: case 85: return F.R_OCTETS;
    case 2: case 86: return F.R_PKTS;
    case 6: return F.R_FLAGS;
    case 32: case 139: return F.R_ICMP_TC;
    default: return F.SKIP;
  }
}

/** A compiled template: per field its target, length (65535 = variable) and statistic slot. */
interface Template {
  id: number;
  /** Options templates: the number of scope fields (>= 1); 0 for a flow template. */
  scopeCount: number;
  targets: Int32Array;
  lengths: Int32Array;
  slots: Int32Array;
  /** The IEs, for options records (names and types). */
  pens: Int32Array;
  ids: Int32Array;
  types: Uint8Array;
  /** Bytes of a record with every variable-length field empty (each takes at least its 1-byte length). */
  minLen: number;
  hasVarLen: boolean;
  /** The template's definition bytes (to tell a redefinition from a refresh). */
  signature: string;
}

/** A data set held until its template arrives. */
interface PendingSet {
  session: Session;
  templateId: number;
  bytes: Uint8Array;
  receivedMs: number;
  ctx: HeaderContext;
}

/** Template and sequence state of one (exporter, version, domain). */
interface Session {
  key: string;
  templates: Map<number, Template>;
  /** Next expected sequence number, or -1 when unknown. */
  expectedSeq: number;
  /** IPFIX: systemInitTimeMilliseconds learned from options data (for flow*SysUpTime), NaN when unknown. */
  sysInitMs: number;
}

function readUint(b: Uint8Array, o: number, len: number): number {
  switch (len) {
    case 1: return b[o]!;
    case 2: return (b[o]! << 8) | b[o + 1]!;
    case 4: return ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
    default: {
      let v = 0;
      for (let i = 0; i < len; i++) v = v * 256 + b[o + i]!;
      return v;
    }
  }
}

function readInt(b: Uint8Array, o: number, len: number): number {
  if (len === 0) return 0;
  const u = readUint(b, o, len);
  const signBit = 2 ** (8 * len - 1);
  return u >= signBit ? u - 2 * signBit : u;
}

/** Scratch for float reads: one DataView over 8 bytes, filled per read. A DataView per field over the datagram
 *  cost an allocation each: pcapflow's IPFIX records (83 float64 statistics) decoded at 99 k records/s that way,
 *  and at the figure in the README's bench table this way. */
const FLOAT_BYTES = new Uint8Array(8);
const FLOAT_VIEW = new DataView(FLOAT_BYTES.buffer);

function readFloat(b: Uint8Array, o: number, len: number): number {
  if (len === 8) {
    for (let i = 0; i < 8; i++) FLOAT_BYTES[i] = b[o + i]!;
    return FLOAT_VIEW.getFloat64(0);
  }
  if (len === 4) {
    for (let i = 0; i < 4; i++) FLOAT_BYTES[i] = b[o + i]!;
    return FLOAT_VIEW.getFloat32(0);
  }
  return NaN;
}

/** NTP timestamp (RFC 7011 §6.1.9) to µs since the Unix epoch; 8 bytes. */
function ntpToUs(b: Uint8Array, o: number): number {
  const sec = readUint(b, o, 4) - NTP_UNIX_OFFSET_S;
  const frac = readUint(b, o + 4, 4);
  return sec * 1e6 + Math.round((frac * 1e6) / TWO32);
}

/** Length of a field's value for a type that must have one size; -1 for free-size types. */
function fixedSize(type: IeType): number {
  switch (type) {
    case IE_TYPE.IPV4: return 4;
    case IE_TYPE.IPV6: return 16;
    case IE_TYPE.MAC: return 6;
    case IE_TYPE.DATETIME_MICROSECONDS: case IE_TYPE.DATETIME_NANOSECONDS: return 8;
    case IE_TYPE.BOOLEAN: return 1;
    default: return -1;
  }
}

/**
 * Decoder of NetFlow v1/v5/v7/v9 and IPFIX datagrams from any number of exporters. `decode()` never throws: a
 * datagram or set it cannot read is counted in `counters.malformed` under a reason and the rest of the datagram is
 * still read where its framing allows.
 */
export class NetflowDecoder {
  readonly counters: DecoderCounters = {
    datagrams: 0,
    byVersion: {},
    flowRecords: 0,
    optionsRecords: 0,
    templates: 0,
    templateRedefinitions: 0,
    templateWithdrawals: 0,
    pendingSets: 0,
    pendingDecoded: 0,
    pendingDropped: 0,
    sequenceGaps: 0,
    sequenceLost: 0,
    sequenceBackwards: 0,
    malformed: {},
  };
  private readonly onRecord: (rec: NetflowRecord) => void;
  private readonly onOptions: ((rec: OptionsRecord) => void) | null;
  private readonly rec = new NetflowRecord();
  private readonly pen: number;
  private readonly maxPendingSets: number;
  private readonly maxPendingBytes: number;
  private readonly maxPendingAgeMs: number;
  private readonly maxTemplates: number;
  private readonly maxTemplateFields: number;
  private readonly maxSessions: number;
  private readonly sessions = new Map<string, Session>();
  private templateCount = 0;
  private pending: PendingSet[] = [];
  private pendingBytes = 0;
  private readonly ctx: HeaderContext = { version: 0, exporter: '', domain: 0, exportMs: 0, sysUptimeMs: NaN };
  /** Per-record time pieces (ms / µs / uptime ms / deltas), reset per record. */
  private t = new Float64Array(16);

  /**
   * `onRecord` gets each flow record (the struct is reused: valid until it returns); `onOptions` each options
   * data record (a fresh object).
   */
  constructor(onRecord: (rec: NetflowRecord) => void, onOptions: ((rec: OptionsRecord) => void) | null = null, opts: DecoderOptions = {}) {
    this.onRecord = onRecord;
    this.onOptions = onOptions;
    this.pen = opts.pen ?? PCAPFLOW_PEN;
    registerPcapflowIes(this.pen);
    this.maxPendingSets = opts.maxPendingSets ?? 1024;
    this.maxPendingBytes = opts.maxPendingBytes ?? 8 * 1024 * 1024;
    this.maxPendingAgeMs = opts.maxPendingAgeMs ?? 60_000;
    this.maxTemplates = opts.maxTemplates ?? 16384;
    this.maxTemplateFields = opts.maxTemplateFields ?? 1024;
    this.maxSessions = opts.maxSessions ?? 4096;
  }

  /** Templates currently known (all sessions). */
  get templatesHeld(): number {
    return this.templateCount;
  }

  /** Data sets currently held for a template. */
  get pendingHeld(): number {
    return this.pending.length;
  }

  /**
   * Decode one datagram (a UDP payload) from `exporter` received at `receivedMs` (ms since the epoch; only used to
   * age held sets). Never throws.
   */
  decode(data: Uint8Array, exporter: string, receivedMs = 0): void {
    this.counters.datagrams++;
    this.expire(receivedMs);
    if (data.length < 2) return this.bad('short_header');
    const version = (data[0]! << 8) | data[1]!;
    try {
      switch (version) {
        case 1: this.decodeV1V5V7(data, exporter, 1, 16, 48, 24); break;
        case 5: this.decodeV1V5V7(data, exporter, 5, 24, 48, 30); break;
        case 7: this.decodeV1V5V7(data, exporter, 7, 24, 52, 28); break;
        case 9: this.decodeV9(data, exporter, receivedMs); break;
        case 10: this.decodeIpfix(data, exporter, receivedMs); break;
        default: this.bad('unknown_version');
      }
    } catch (err) {
      // A RangeError from a read past the end would be a decoder bug; count it rather than crash a collector.
      this.bad(err instanceof RangeError ? 'internal_range' : 'internal');
    }
  }

  /** Drop held sets older than the age bound (call now and then when no datagrams arrive). */
  expire(nowMs: number): void {
    if (this.pending.length === 0) return;
    const keep: PendingSet[] = [];
    for (const p of this.pending) {
      if (nowMs - p.receivedMs > this.maxPendingAgeMs) this.dropPending(p);
      else keep.push(p);
    }
    this.pending = keep;
  }

  /** End of input: every set still waiting for its template is dropped (and counted). */
  finish(): void {
    for (const p of this.pending) this.dropPending(p);
    this.pending = [];
  }

  private dropPending(p: PendingSet): void {
    this.counters.pendingDropped++;
    this.pendingBytes -= p.bytes.length;
  }

  private bad(reason: string): void {
    this.counters.malformed[reason] = (this.counters.malformed[reason] ?? 0) + 1;
  }

  private countVersion(name: string): void {
    this.counters.byVersion[name] = (this.counters.byVersion[name] ?? 0) + 1;
  }

  private session(exporter: string, version: number, domain: number): Session {
    const key = `${exporter}|${version}|${domain}`;
    let s = this.sessions.get(key);
    if (s !== undefined) {
      // Least recently seen first: re-insert on use.
      this.sessions.delete(key);
      this.sessions.set(key, s);
      return s;
    }
    if (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.values().next().value as Session;
      this.templateCount -= oldest.templates.size;
      this.sessions.delete(oldest.key);
      this.pending = this.pending.filter((p) => (p.session === oldest ? (this.dropPending(p), false) : true));
      this.bad('session_evicted');
    }
    s = { key, templates: new Map(), expectedSeq: -1, sysInitMs: NaN };
    this.sessions.set(key, s);
    return s;
  }

  /** Sequence check: `seq` this datagram's number, `advance` what it adds (-1: unknown, stop tracking). */
  private sequence(s: Session, seq: number, advance: number): void {
    if (s.expectedSeq >= 0 && seq !== s.expectedSeq) {
      const ahead = (seq - s.expectedSeq + TWO32) % TWO32;
      if (ahead < 0x80000000) {
        this.counters.sequenceGaps++;
        this.counters.sequenceLost += ahead;
      } else this.counters.sequenceBackwards++;
    }
    s.expectedSeq = advance < 0 ? -1 : (seq + advance) % TWO32;
  }

  // ---- NetFlow v1 / v5 / v7 (fixed formats) ----

  private decodeV1V5V7(b: Uint8Array, exporter: string, version: number, headerLen: number, recLen: number, maxCount: number): void {
    this.countVersion(`v${version}`);
    if (b.length < headerLen) return this.bad('short_header');
    const count = readUint(b, 2, 2);
    if (count === 0 || count > maxCount) return this.bad('bad_count');
    if (b.length < headerLen + count * recLen) return this.bad('length_mismatch');
    const uptime = readUint(b, 4, 4);
    const exportMs = readUint(b, 8, 4) * 1000 + Math.floor(readUint(b, 12, 4) / 1e6);
    const domain = version === 5 ? (b[20]! << 8) | b[21]! : 0;
    if (version !== 1) this.sequence(this.session(exporter, version, domain), readUint(b, 16, 4), count);
    const r = this.rec;
    for (let i = 0; i < count; i++) {
      const o = headerLen + i * recLen;
      r.reset();
      r.version = version;
      r.exporter = exporter;
      r.domain = domain;
      r.templateId = 0;
      r.ipVersion = 4;
      copyBytes(b, o, r.srcAddr, 4);
      copyBytes(b, o + 4, r.dstAddr, 4);
      r.inputInterface = readUint(b, o + 12, 2);
      r.outputInterface = readUint(b, o + 14, 2);
      r.fwdPackets = readUint(b, o + 16, 4);
      r.fwdOctets = readUint(b, o + 20, 4);
      const first = readUint(b, o + 24, 4);
      const last = readUint(b, o + 28, 4);
      // Uptimes wrap at 2^32 ms (49.7 days): a time is "so many ms before the export".
      r.startUs = (exportMs - ((uptime - first + TWO32) % TWO32)) * 1000;
      r.endUs = (exportMs - ((uptime - last + TWO32) % TWO32)) * 1000;
      r.srcPort = readUint(b, o + 32, 2);
      r.dstPort = readUint(b, o + 34, 2);
      if (version === 1) {
        r.protocol = b[o + 38]!;
        r.tos = b[o + 39]!;
        r.fwdTcpFlags = b[o + 40]!;
      } else {
        r.fwdTcpFlags = b[o + 37]!;
        r.protocol = b[o + 38]!;
        r.tos = b[o + 39]!;
        r.srcAs = readUint(b, o + 40, 2);
        r.dstAs = readUint(b, o + 42, 2);
      }
      this.icmpFromPorts(r);
      this.counters.flowRecords++;
      this.onRecord(r);
    }
  }

  /** v1/v5/v7 and v9 exporters without ICMP IEs put type << 8 | code in the destination port. */
  private icmpFromPorts(r: NetflowRecord): void {
    if ((r.protocol === 1 || r.protocol === 58) && Number.isNaN(r.icmpType) && !Number.isNaN(r.dstPort)) {
      r.icmpType = r.dstPort >> 8;
      r.icmpCode = r.dstPort & 0xff;
    }
  }

  // ---- NetFlow v9 (RFC 3954) ----

  private decodeV9(b: Uint8Array, exporter: string, receivedMs: number): void {
    this.countVersion('v9');
    if (b.length < 20) return this.bad('short_header');
    const uptime = readUint(b, 4, 4);
    const exportS = readUint(b, 8, 4);
    const seq = readUint(b, 12, 4);
    const domain = readUint(b, 16, 4);
    const s = this.session(exporter, 9, domain);
    // RFC 3954 §5.1: the sequence number counts export packets of this source id.
    this.sequence(s, seq, 1);
    const ctx = this.ctx;
    ctx.version = 9;
    ctx.exporter = exporter;
    ctx.domain = domain;
    ctx.exportMs = exportS * 1000;
    ctx.sysUptimeMs = uptime;
    this.walkSets(b, 20, s, ctx, receivedMs, 0, 1);
  }

  // ---- IPFIX (RFC 7011) ----

  private decodeIpfix(b: Uint8Array, exporter: string, receivedMs: number): void {
    this.countVersion('ipfix');
    if (b.length < 16) return this.bad('short_header');
    const len = readUint(b, 2, 2);
    if (len < 16 || len > b.length) return this.bad('length_mismatch');
    const exportS = readUint(b, 4, 4);
    const seq = readUint(b, 8, 4);
    const domain = readUint(b, 12, 4);
    const s = this.session(exporter, 10, domain);
    const ctx = this.ctx;
    ctx.version = 10;
    ctx.exporter = exporter;
    ctx.domain = domain;
    ctx.exportMs = exportS * 1000;
    ctx.sysUptimeMs = NaN;
    const records = this.walkSets(b.subarray(0, len), 16, s, ctx, receivedMs, 2, 3);
    // RFC 7011 §3.1: the sequence number counts Data Records sent before this message in this domain.
    this.sequence(s, seq, records);
  }

  /**
   * Walk the sets (v9 flowsets) from `pos`: template sets (`tplSet`), options template sets (`optSet`), data sets
   * (id >= 256). Returns the data records decoded, or -1 when some could not be counted (a held set).
   */
  private walkSets(b: Uint8Array, pos: number, s: Session, ctx: HeaderContext, receivedMs: number, tplSet: number, optSet: number): number {
    let records = 0;
    let uncounted = false;
    while (pos < b.length) {
      if (b.length - pos < 4) {
        // v9 allows padding after the last flowset; IPFIX does not, but a zero tail is harmless.
        if (ctx.version === 10) this.bad('set_truncated');
        break;
      }
      const setId = readUint(b, pos, 2);
      const setLen = readUint(b, pos + 2, 2);
      if (setLen < 4 || pos + setLen > b.length) {
        this.bad(setLen < 4 ? 'set_length_short' : 'set_length_past_end');
        return -1;
      }
      const body = b.subarray(pos + 4, pos + setLen);
      if (setId === tplSet) this.readTemplates(body, s, ctx, false);
      else if (setId === optSet) this.readTemplates(body, s, ctx, true);
      else if (setId >= 256) {
        const t = s.templates.get(setId);
        if (t === undefined) {
          this.hold(s, setId, body, ctx, receivedMs);
          uncounted = true;
        } else records += this.readData(body, t, s, ctx);
      } else this.bad('set_id_reserved');
      pos += setLen;
    }
    return uncounted ? -1 : records;
  }

  private hold(s: Session, templateId: number, body: Uint8Array, ctx: HeaderContext, receivedMs: number): void {
    this.counters.pendingSets++;
    while (this.pending.length > 0 && (this.pending.length >= this.maxPendingSets || this.pendingBytes + body.length > this.maxPendingBytes)) {
      this.dropPending(this.pending.shift()!);
    }
    if (body.length > this.maxPendingBytes) {
      this.counters.pendingDropped++;
      return;
    }
    this.pending.push({ session: s, templateId, bytes: body.slice(), receivedMs, ctx: { ...ctx } });
    this.pendingBytes += body.length;
  }

  /** Template or options template records of one set (RFC 7011 §3.4.1-2, RFC 3954 §5.2-3). */
  private readTemplates(body: Uint8Array, s: Session, ctx: HeaderContext, options: boolean): void {
    const v9 = ctx.version === 9;
    let pos = 0;
    // A record needs at least id + count (4 bytes); what is left below that is padding.
    while (body.length - pos >= 4) {
      const id = readUint(body, pos, 2);
      const count = readUint(body, pos + 2, 2);
      if (id === 0 && count === 0 && v9) break; // padding
      if (id < 256) {
        // IPFIX withdrawal of all templates (§8.1): id = set id, count 0.
        if (!v9 && count === 0 && id === (options ? 3 : 2)) {
          this.withdrawAll(s, options);
          pos += 4;
          continue;
        }
        this.bad('template_id_reserved');
        return;
      }
      if (!v9 && count === 0) {
        // RFC 7011 §8.1: a (options) template record with no fields withdraws template `id`.
        this.withdraw(s, id);
        pos += 4;
        continue;
      }
      let fieldCount: number;
      let scopeCount: number;
      let p: number;
      if (options && v9) {
        // RFC 3954 §6.1: option scope length and option length are in bytes (4 per field).
        if (body.length - pos < 6) return this.bad('template_truncated');
        const scopeLen = count;
        const optLen = readUint(body, pos + 4, 2);
        if (scopeLen % 4 !== 0 || optLen % 4 !== 0 || scopeLen === 0) return this.bad('options_template_lengths');
        scopeCount = scopeLen / 4;
        fieldCount = scopeCount + optLen / 4;
        p = pos + 6;
      } else if (options) {
        if (body.length - pos < 6) return this.bad('template_truncated');
        fieldCount = count;
        scopeCount = readUint(body, pos + 4, 2);
        if (scopeCount === 0 || scopeCount > fieldCount) return this.bad('options_template_scope');
        p = pos + 6;
      } else {
        fieldCount = count;
        scopeCount = 0;
        p = pos + 4;
      }
      if (fieldCount === 0) return this.bad('template_empty');
      if (fieldCount > this.maxTemplateFields) return this.bad('template_too_many_fields');
      const targets = new Int32Array(fieldCount);
      const lengths = new Int32Array(fieldCount);
      const slots = new Int32Array(fieldCount).fill(-1);
      const pens = new Int32Array(fieldCount);
      const ids = new Int32Array(fieldCount);
      const types = new Uint8Array(fieldCount);
      let minLen = 0;
      let hasVarLen = false;
      const start = pos;
      for (let i = 0; i < fieldCount; i++) {
        if (body.length - p < 4) return this.bad('template_truncated');
        let ie = readUint(body, p, 2);
        const len = readUint(body, p + 2, 2);
        p += 4;
        let pen = 0;
        if (!v9 && (ie & 0x8000) !== 0) {
          if (body.length - p < 4) return this.bad('template_truncated');
          pen = readUint(body, p, 4);
          p += 4;
          ie &= 0x7fff;
        }
        const info = options && v9 && i < scopeCount ? null : lookupIe(pen, ie);
        const type = info === null ? IE_TYPE.UNSIGNED : info.type;
        if (len === 65535) {
          if (v9) return this.bad('template_variable_length_v9');
          hasVarLen = true;
          minLen += 1;
        } else {
          const want = fixedSize(type);
          // A fixed-size type with another length cannot be read (RFC 7011 §6.2 allows reduced size for
          // integers and float64 only).
          if (want > 0 && len !== want && !(type === IE_TYPE.IPV6 && len === 0)) return this.bad('field_length_for_type');
          if ((type === IE_TYPE.UNSIGNED || type === IE_TYPE.SIGNED || type === IE_TYPE.DATETIME_SECONDS || type === IE_TYPE.DATETIME_MILLISECONDS) && len > 8) {
            return this.bad('field_length_for_type');
          }
          if (type === IE_TYPE.FLOAT && len !== 4 && len !== 8) return this.bad('field_length_for_type');
          minLen += len;
        }
        pens[i] = pen;
        ids[i] = ie;
        types[i] = type;
        lengths[i] = len;
        if (options) continue;
        if (pen === 0) targets[i] = ianaTarget(ie, v9);
        else if (pen === REVERSE_PEN) targets[i] = reverseTarget(ie);
        else if (pen === this.pen) {
          const slot = statSlotOfId(ie);
          if (slot >= 0 && len === 8) {
            targets[i] = F.STAT;
            slots[i] = slot;
          }
        }
        // Addresses, times and ports must have the size that target reads; otherwise the field is skipped.
        const tg = targets[i]!;
        if ((tg === F.SRC4 || tg === F.DST4) && len !== 4) targets[i] = F.SKIP;
        if ((tg === F.SRC6 || tg === F.DST6) && len !== 16) targets[i] = F.SKIP;
      }
      if (minLen === 0) return this.bad('template_zero_length_record');
      const signature = Buffer.from(body.subarray(start, p)).toString('latin1');
      this.define(s, { id, scopeCount, targets, lengths, slots, pens, ids, types, minLen, hasVarLen, signature });
      pos = p;
    }
  }

  private define(s: Session, t: Template): void {
    const old = s.templates.get(t.id);
    if (old === undefined) {
      if (this.templateCount >= this.maxTemplates) return this.bad('too_many_templates');
      this.templateCount++;
    } else if (old.signature !== t.signature) this.counters.templateRedefinitions++;
    s.templates.set(t.id, t);
    this.counters.templates++;
    // Held data sets of this template can be read now, in the order they came.
    if (this.pending.length > 0) {
      const ready: PendingSet[] = [];
      this.pending = this.pending.filter((p) => (p.session === s && p.templateId === t.id ? (ready.push(p), false) : true));
      for (const p of ready) {
        this.pendingBytes -= p.bytes.length;
        this.counters.pendingDecoded++;
        this.readData(p.bytes, t, s, p.ctx);
      }
    }
  }

  private withdraw(s: Session, id: number): void {
    if (s.templates.delete(id)) {
      this.templateCount--;
      this.counters.templateWithdrawals++;
    } else this.bad('withdrawal_unknown_template');
  }

  private withdrawAll(s: Session, options: boolean): void {
    for (const [id, t] of s.templates) {
      if ((t.scopeCount > 0) === options) {
        s.templates.delete(id);
        this.templateCount--;
        this.counters.templateWithdrawals++;
      }
    }
  }

  /** The data records of one set; returns how many were read. */
  private readData(body: Uint8Array, t: Template, s: Session, ctx: HeaderContext): number {
    let pos = 0;
    let n = 0;
    const len = body.length;
    // Padding (RFC 7011 §3.3.1, RFC 3954 §5.3) is shorter than the smallest record.
    while (len - pos >= t.minLen) {
      const next = t.scopeCount > 0 ? this.readOptionsRecord(body, pos, t, s, ctx) : this.readFlowRecord(body, pos, t, s, ctx);
      if (next < 0) {
        this.bad('record_truncated');
        break;
      }
      pos = next;
      n++;
    }
    return n;
  }

  /** Length of the variable-length field at `pos` (RFC 7011 §7): its value's offset in `varOff`. -1 if short. */
  private varLen(b: Uint8Array, pos: number, end: number): number {
    if (pos >= end) return -1;
    const l = b[pos]!;
    if (l < 255) {
      this.varOff = pos + 1;
      return l;
    }
    if (pos + 3 > end) return -1;
    this.varOff = pos + 3;
    return (b[pos + 1]! << 8) | b[pos + 2]!;
  }
  private varOff = 0;

  private readFlowRecord(b: Uint8Array, pos: number, tpl: Template, s: Session, ctx: HeaderContext): number {
    const r = this.rec;
    r.reset();
    r.version = ctx.version;
    r.exporter = ctx.exporter;
    r.domain = ctx.domain;
    r.templateId = tpl.id;
    const t = this.t;
    t.fill(NaN);
    const end = b.length;
    const targets = tpl.targets;
    const lengths = tpl.lengths;
    for (let i = 0; i < targets.length; i++) {
      let l = lengths[i]!;
      let o = pos;
      if (l === 65535) {
        l = this.varLen(b, pos, end);
        if (l < 0) return -1;
        o = this.varOff;
      }
      if (o + l > end) return -1;
      pos = o + l;
      switch (targets[i]!) {
        case F.SKIP: break;
        case F.SRC4: r.ipVersion = 4; copyBytes(b, o, r.srcAddr, 4); break;
        case F.DST4: r.ipVersion = 4; copyBytes(b, o, r.dstAddr, 4); break;
        case F.SRC6: r.ipVersion = 6; copyBytes(b, o, r.srcAddr, 16); break;
        case F.DST6: r.ipVersion = 6; copyBytes(b, o, r.dstAddr, 16); break;
        case F.SPORT: r.srcPort = readUint(b, o, l); break;
        case F.DPORT: r.dstPort = readUint(b, o, l); break;
        case F.PROTO: r.protocol = readUint(b, o, l); break;
        case F.TOS: r.tos = readUint(b, o, l); break;
        case F.FLAGS: r.fwdTcpFlags = readUint(b, o, l) & 0xff; break;
        case F.PKTS: r.fwdPackets = readUint(b, o, l); break;
        case F.OCTETS: r.fwdOctets = readUint(b, o, l); break;
        case F.R_PKTS: r.bwdPackets = readUint(b, o, l); r.hasReverse = true; break;
        case F.R_OCTETS: r.bwdOctets = readUint(b, o, l); r.hasReverse = true; break;
        case F.R_FLAGS: r.bwdTcpFlags = readUint(b, o, l) & 0xff; r.hasReverse = true; break;
        case F.START_UP: t[0] = readUint(b, o, l); break;
        case F.END_UP: t[1] = readUint(b, o, l); break;
        case F.START_S: t[2] = readUint(b, o, l) * 1e6; break;
        case F.END_S: t[3] = readUint(b, o, l) * 1e6; break;
        case F.START_MS: t[2] = readUint(b, o, l) * 1000; break;
        case F.END_MS: t[3] = readUint(b, o, l) * 1000; break;
        case F.START_NTP_US: case F.START_NTP_NS: if (l === 8) t[4] = ntpToUs(b, o); break;
        case F.END_NTP_US: case F.END_NTP_NS: if (l === 8) t[5] = ntpToUs(b, o); break;
        case F.START_DELTA_US: t[6] = readUint(b, o, l); break;
        case F.END_DELTA_US: t[7] = readUint(b, o, l); break;
        case F.SYSINIT_MS: t[8] = readUint(b, o, l); break;
        case F.DUR_MS: t[9] = readUint(b, o, l) * 1000; break;
        case F.DUR_US: t[9] = readUint(b, o, l); break;
        case F.END_REASON: r.endReason = readUint(b, o, l); break;
        case F.BIFLOW_DIR: r.biflowDirection = readUint(b, o, l); break;
        case F.ICMP_TC: { const v = readUint(b, o, l); r.icmpType = v >> 8; r.icmpCode = v & 0xff; break; }
        case F.R_ICMP_TC: break;
        case F.ICMP_TYPE: r.icmpType = readUint(b, o, l); break;
        case F.ICMP_CODE: r.icmpCode = readUint(b, o, l); break;
        case F.VLAN: r.vlanId = readUint(b, o, l) & 0xfff; break;
        case F.IN_IF: r.inputInterface = readUint(b, o, l); break;
        case F.OUT_IF: r.outputInterface = readUint(b, o, l); break;
        case F.SRC_AS: r.srcAs = readUint(b, o, l); break;
        case F.DST_AS: r.dstAs = readUint(b, o, l); break;
        case F.STAT: {
          const slot = tpl.slots[i]!;
          r.stats[slot] = readFloat(b, o, 8);
          r.statsPresent[slot] = 1;
          r.hasStats = true;
          break;
        }
      }
    }
    // Times, most precise first: NTP µs/ns, then absolute s/ms, then deltas from the export time, then uptimes.
    const exportUs = ctx.exportMs * 1000;
    let start = !Number.isNaN(t[4]!) ? t[4]! : !Number.isNaN(t[2]!) ? t[2]! : !Number.isNaN(t[6]!) ? exportUs - t[6]! : NaN;
    let endT = !Number.isNaN(t[5]!) ? t[5]! : !Number.isNaN(t[3]!) ? t[3]! : !Number.isNaN(t[7]!) ? exportUs - t[7]! : NaN;
    if (Number.isNaN(start) || Number.isNaN(endT)) {
      // Uptime-based: v9 header uptime (RFC 3954 §5.1), IPFIX systemInitTimeMilliseconds (record or options).
      const bootMs = !Number.isNaN(t[8]!) ? t[8]! : ctx.version === 10 ? s.sysInitMs : NaN;
      if (Number.isNaN(start) && !Number.isNaN(t[0]!)) start = uptimeToUs(t[0]!, bootMs, ctx);
      if (Number.isNaN(endT) && !Number.isNaN(t[1]!)) endT = uptimeToUs(t[1]!, bootMs, ctx);
    }
    if (!Number.isNaN(t[9]!)) {
      if (Number.isNaN(endT) && !Number.isNaN(start)) endT = start + t[9]!;
      else if (Number.isNaN(start) && !Number.isNaN(endT)) start = endT - t[9]!;
    }
    r.startUs = start;
    r.endUs = endT;
    this.icmpFromPorts(r);
    // RFC 5103 §6.3: a biflow whose reverse direction initiated is turned around so Src is the initiator.
    if (r.biflowDirection === 2 && r.hasReverse) swapDirections(r);
    this.counters.flowRecords++;
    this.onRecord(r);
    return pos;
  }

  private readOptionsRecord(b: Uint8Array, pos: number, tpl: Template, s: Session, ctx: HeaderContext): number {
    const scope: Record<string, number | string> = {};
    const fields: Record<string, number | string> = {};
    const end = b.length;
    for (let i = 0; i < tpl.lengths.length; i++) {
      let l = tpl.lengths[i]!;
      let o = pos;
      if (l === 65535) {
        l = this.varLen(b, pos, end);
        if (l < 0) return -1;
        o = this.varOff;
      }
      if (o + l > end) return -1;
      pos = o + l;
      const isScope = i < tpl.scopeCount;
      let name: string;
      let value: number | string;
      if (isScope && ctx.version === 9) {
        name = V9_SCOPES[tpl.ids[i]!] ?? `scope${tpl.ids[i]}`;
        value = l <= 8 ? readUint(b, o, l) : hex(b, o, l);
      } else {
        const info = lookupIe(tpl.pens[i]!, tpl.ids[i]!);
        name = info.name;
        value = readValue(b, o, l, tpl.types[i] as IeType);
      }
      (isScope ? scope : fields)[name] = value;
    }
    // RFC 7011 §3.4.2.2 / softflowd: the exporter's boot time, for flow*SysUpTime in IPFIX flow records.
    const init = fields['systemInitTimeMilliseconds'];
    if (typeof init === 'number') s.sysInitMs = init;
    this.counters.optionsRecords++;
    if (this.onOptions !== null) this.onOptions({ version: ctx.version, exporter: ctx.exporter, domain: ctx.domain, templateId: tpl.id, scope, fields });
    return pos;
  }
}

/** Copy `n` bytes (no subarray view: this runs for every address of every record). */
function copyBytes(from: Uint8Array, at: number, to: Uint8Array, n: number): void {
  for (let i = 0; i < n; i++) to[i] = from[at + i]!;
}

/** An uptime (ms) as µs since the epoch: from the boot time when known (IPFIX systemInitTimeMilliseconds), else
 *  as "so many ms before the export" by the header's uptime (v9, RFC 3954 §5.1; wraps at 2^32). NaN if neither. */
function uptimeToUs(up: number, bootMs: number, ctx: HeaderContext): number {
  if (!Number.isNaN(bootMs)) return (bootMs + up) * 1000;
  if (!Number.isNaN(ctx.sysUptimeMs)) return (ctx.exportMs - ((ctx.sysUptimeMs - up + TWO32) % TWO32)) * 1000;
  return NaN;
}

/** RFC 3954 §6.1 scope field types. */
const V9_SCOPES: Record<number, string> = { 1: 'system', 2: 'interface', 3: 'lineCard', 4: 'cache', 5: 'template' };

function hex(b: Uint8Array, o: number, l: number): string {
  return Buffer.from(b.subarray(o, o + l)).toString('hex');
}

/** A value of an options record, by type (times as ms since the epoch). */
function readValue(b: Uint8Array, o: number, l: number, type: IeType): number | string {
  switch (type) {
    case IE_TYPE.UNSIGNED: case IE_TYPE.BOOLEAN: return l <= 8 ? readUint(b, o, l) : hex(b, o, l);
    case IE_TYPE.SIGNED: return l <= 8 ? readInt(b, o, l) : hex(b, o, l);
    case IE_TYPE.FLOAT: return readFloat(b, o, l);
    case IE_TYPE.DATETIME_SECONDS: return readUint(b, o, l) * 1000;
    case IE_TYPE.DATETIME_MILLISECONDS: return readUint(b, o, l);
    case IE_TYPE.DATETIME_MICROSECONDS: case IE_TYPE.DATETIME_NANOSECONDS: return l === 8 ? ntpToUs(b, o) / 1000 : hex(b, o, l);
    case IE_TYPE.IPV4: return l === 4 ? `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}` : hex(b, o, l);
    case IE_TYPE.MAC: return Array.from(b.subarray(o, o + l), (x) => x.toString(16).padStart(2, '0')).join(':');
    case IE_TYPE.STRING: return Buffer.from(b.subarray(o, o + l)).toString('utf8');
    default: return hex(b, o, l);
  }
}

/** Swap the two directions of a biflow record (addresses, ports, counters, flags, pcapflow statistics stay: they
 *  are written by pcapflow's exporter in initiator order already). */
function swapDirections(r: NetflowRecord): void {
  const a = r.srcAddr.slice();
  r.srcAddr.set(r.dstAddr);
  r.dstAddr.set(a);
  [r.srcPort, r.dstPort] = [r.dstPort, r.srcPort];
  [r.fwdPackets, r.bwdPackets] = [r.bwdPackets, r.fwdPackets];
  [r.fwdOctets, r.bwdOctets] = [r.bwdOctets, r.fwdOctets];
  [r.fwdTcpFlags, r.bwdTcpFlags] = [r.bwdTcpFlags, r.fwdTcpFlags];
  r.biflowDirection = 1;
}
