// Builds NetFlow v1/v5/v7/v9 and IPFIX datagrams byte by byte from the specs' layouts (RFC 7011 §3, RFC 3954 §5,
// Cisco's v1/v5/v7 formats), independently of pcapflow's encoder, for decoder tests.

/** Big-endian byte writer. */
export class Bytes {
  private readonly parts: number[] = [];
  u8(v: number): this { this.parts.push(v & 0xff); return this; }
  u16(v: number): this { return this.u8(v >>> 8).u8(v); }
  u32(v: number): this { return this.u16(Math.floor(v / 65536)).u16(v % 65536); }
  u64(v: number): this { return this.u32(Math.floor(v / 2 ** 32)).u32(v % 2 ** 32); }
  /** An unsigned integer in `len` bytes (reduced-size encoding). */
  uint(v: number, len: number): this {
    for (let i = len - 1; i >= 0; i--) this.u8(Math.floor(v / 2 ** (8 * i)) % 256);
    return this;
  }
  ip4(a: string): this { for (const p of a.split('.')) this.u8(Number(p)); return this; }
  raw(b: ArrayLike<number>): this { for (let i = 0; i < b.length; i++) this.u8(b[i]!); return this; }
  f64(v: number): this { const b = Buffer.alloc(8); b.writeDoubleBE(v); return this.raw(b); }
  get length(): number { return this.parts.length; }
  done(): Buffer { return Buffer.from(this.parts); }
}

/** A template field: IE id, length (65535 = variable), enterprise number (IPFIX). */
export interface TField { id: number; len: number; pen?: number }

/** IPFIX set: id + body; the set header is added. */
export function ipfixSet(id: number, body: Buffer): Buffer {
  return new Bytes().u16(id).u16(body.length + 4).raw(body).done();
}

/** IPFIX template record(s) body for set 2. */
export function ipfixTemplate(id: number, fields: TField[]): Buffer {
  const b = new Bytes().u16(id).u16(fields.length);
  for (const f of fields) {
    if (f.pen !== undefined) b.u16(f.id | 0x8000).u16(f.len).u32(f.pen);
    else b.u16(f.id).u16(f.len);
  }
  return b.done();
}

/** IPFIX options template record body for set 3. */
export function ipfixOptionsTemplate(id: number, scope: TField[], fields: TField[]): Buffer {
  const b = new Bytes().u16(id).u16(scope.length + fields.length).u16(scope.length);
  for (const f of [...scope, ...fields]) {
    if (f.pen !== undefined) b.u16(f.id | 0x8000).u16(f.len).u32(f.pen);
    else b.u16(f.id).u16(f.len);
  }
  return b.done();
}

/** An IPFIX message: header (RFC 7011 §3.1) + sets. */
export function ipfixMessage(opts: { exportS: number; seq: number; domain: number }, ...sets: Buffer[]): Buffer {
  const body = Buffer.concat(sets);
  return new Bytes().u16(10).u16(16 + body.length).u32(opts.exportS).u32(opts.seq).u32(opts.domain).raw(body).done();
}

/** A NetFlow v9 packet: header (RFC 3954 §5.1) + flowsets (given whole). */
export function v9Packet(opts: { count: number; uptimeMs: number; unixS: number; seq: number; sourceId: number }, ...flowsets: Buffer[]): Buffer {
  return new Bytes().u16(9).u16(opts.count).u32(opts.uptimeMs).u32(opts.unixS).u32(opts.seq).u32(opts.sourceId).raw(Buffer.concat(flowsets)).done();
}

/** A v9 template flowset (id 0) holding one template. */
export function v9TemplateFlowset(id: number, fields: TField[]): Buffer {
  const b = new Bytes().u16(0).u16(4 + 4 + 4 * fields.length).u16(id).u16(fields.length);
  for (const f of fields) b.u16(f.id).u16(f.len);
  return b.done();
}

/** A v9 data flowset, padded to 4 bytes (RFC 3954 §5.3). */
export function v9DataFlowset(id: number, records: Buffer, pad = true): Buffer {
  const padLen = pad ? (4 - ((records.length + 4) % 4)) % 4 : 0;
  return new Bytes().u16(id).u16(4 + records.length + padLen).raw(records).raw(new Array(padLen).fill(0)).done();
}

/** One v5 flow record (48 bytes). */
export interface V5Rec {
  src: string; dst: string; nextHop?: string; input?: number; output?: number; packets: number; octets: number;
  firstUptime: number; lastUptime: number; srcPort: number; dstPort: number; tcpFlags?: number; proto: number; tos?: number;
  srcAs?: number; dstAs?: number;
}

/** A v5 datagram (header 24 bytes + 48 per record). */
export function v5Packet(opts: { uptimeMs: number; unixS: number; unixNs: number; seq: number; engineType?: number; engineId?: number }, recs: V5Rec[]): Buffer {
  const b = new Bytes().u16(5).u16(recs.length).u32(opts.uptimeMs).u32(opts.unixS).u32(opts.unixNs).u32(opts.seq)
    .u8(opts.engineType ?? 0).u8(opts.engineId ?? 0).u16(0);
  for (const r of recs) {
    b.ip4(r.src).ip4(r.dst).ip4(r.nextHop ?? '0.0.0.0').u16(r.input ?? 0).u16(r.output ?? 0).u32(r.packets).u32(r.octets)
      .u32(r.firstUptime).u32(r.lastUptime).u16(r.srcPort).u16(r.dstPort).u8(0).u8(r.tcpFlags ?? 0).u8(r.proto).u8(r.tos ?? 0)
      .u16(r.srcAs ?? 0).u16(r.dstAs ?? 0).u8(0).u8(0).u16(0);
  }
  return b.done();
}

/** A v1 datagram (header 16 bytes + 48 per record: ports at 32, proto 38, tos 39, flags 40). */
export function v1Packet(opts: { uptimeMs: number; unixS: number; unixNs: number }, recs: V5Rec[]): Buffer {
  const b = new Bytes().u16(1).u16(recs.length).u32(opts.uptimeMs).u32(opts.unixS).u32(opts.unixNs);
  for (const r of recs) {
    b.ip4(r.src).ip4(r.dst).ip4(r.nextHop ?? '0.0.0.0').u16(r.input ?? 0).u16(r.output ?? 0).u32(r.packets).u32(r.octets)
      .u32(r.firstUptime).u32(r.lastUptime).u16(r.srcPort).u16(r.dstPort).u16(0).u8(r.proto).u8(r.tos ?? 0).u8(r.tcpFlags ?? 0)
      .raw([0, 0, 0, 0, 0, 0, 0]);
  }
  return b.done();
}

/** A v7 datagram (header 24 bytes + 52 per record: flags1 at 36, tcp flags 37, router_sc at 48). */
export function v7Packet(opts: { uptimeMs: number; unixS: number; unixNs: number; seq: number }, recs: V5Rec[]): Buffer {
  const b = new Bytes().u16(7).u16(recs.length).u32(opts.uptimeMs).u32(opts.unixS).u32(opts.unixNs).u32(opts.seq).u32(0);
  for (const r of recs) {
    b.ip4(r.src).ip4(r.dst).ip4(r.nextHop ?? '0.0.0.0').u16(r.input ?? 0).u16(r.output ?? 0).u32(r.packets).u32(r.octets)
      .u32(r.firstUptime).u32(r.lastUptime).u16(r.srcPort).u16(r.dstPort).u8(0).u8(r.tcpFlags ?? 0).u8(r.proto).u8(r.tos ?? 0)
      .u16(r.srcAs ?? 0).u16(r.dstAs ?? 0).u8(0).u8(0).u16(0).ip4('192.0.2.254');
  }
  return b.done();
}
