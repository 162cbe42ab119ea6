// Flow labelling rules (`--labels rules.csv`): an ordered list; the first rule that matches a flow gives its
// Label, flows no rule matches get the default label. A rules file is CSV with this header (any column order,
// names case-insensitive; every column but `label` may be empty = any):
//
//   label,src,dst,dst_port,protocol,start,end,either
//
// - src, dst: an address or CIDR block (IPv4 or IPv6) the flow's Src IP / Dst IP must be in;
// - dst_port: a port or an inclusive range `1000-2000` the flow's Dst Port must be in;
// - protocol: a number 0-255 or tcp, udp, icmp, icmpv6;
// - start, end: ISO 8601 instants with an explicit UTC offset (`2017-07-07T15:30:00Z`, `...-03:00`); the flow's
//   start time must be in [start, end);
// - either: yes/no (true/false, 1/0): also match the flow the other way round (src against Dst IP, dst against
//   Src IP, dst_port against Src Port).
// Pure: parsing gives PcapflowError('E_LABELS') with the line number; matching does no I/O and no allocation.
import { BlockList, isIP } from 'node:net';
import { PcapflowError } from '../errors.js';

export interface LabelRule {
  label: string;
  /** 1-based line of the rules file. */
  line: number;
  src: BlockList | null;
  dst: BlockList | null;
  portLo: number;
  portHi: number;
  /** -1 = any. */
  protocol: number;
  /** [startUs, endUs) µs since the epoch; ±Infinity when open. */
  startUs: number;
  endUs: number;
  either: boolean;
}

/** The fields of a flow a rule looks at. */
export interface LabelledFlow {
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  protocol: number;
  startTsUs: number;
}

const COLUMNS = ['label', 'src', 'dst', 'dst_port', 'protocol', 'start', 'end', 'either'] as const;
const PROTOCOLS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, 'ipv6-icmp': 58 };

function bad(file: string, line: number, why: string): PcapflowError {
  return new PcapflowError('E_OPTION_INVALID', `--labels: ${file} line ${line}: ${why}`, { layer: 'labels' });
}

function block(file: string, line: number, name: string, v: string): BlockList | null {
  if (v === '' || v === '*') return null;
  const slash = v.indexOf('/');
  const addr = slash < 0 ? v : v.slice(0, slash);
  const family = isIP(addr);
  if (family === 0) throw bad(file, line, `${name}: not an IPv4 or IPv6 address or CIDR block: ${v}`);
  const max = family === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : v.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= max)) throw bad(file, line, `${name}: prefix length must be 0-${max}: ${v}`);
  const list = new BlockList();
  list.addSubnet(addr, prefix, family === 4 ? 'ipv4' : 'ipv6');
  return list;
}

function port(file: string, line: number, v: string): number {
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw bad(file, line, `dst_port: expected a port 0-65535 or a range lo-hi, got ${v}`);
  return Number(v);
}

function instant(file: string, line: number, name: string, v: string): number | null {
  if (v === '') return null;
  // ISO 8601 date-time with seconds optional fraction, and an explicit offset: a local time would be ambiguous.
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|[+-]\d\d:\d\d)$/.test(v)) {
    throw bad(file, line, `${name}: expected an ISO 8601 UTC time such as 2017-07-07T15:30:00Z (or with an offset, -03:00), got ${v}`);
  }
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw bad(file, line, `${name}: not a valid date: ${v}`);
  const frac = /\.(\d+)/.exec(v)?.[1] ?? '';
  // Date.parse keeps milliseconds only; the 4th-6th fraction digits are added back as µs.
  return ms * 1000 + (frac.length > 3 ? Number(frac.slice(3).padEnd(3, '0')) : 0);
}

function yesNo(file: string, line: number, v: string): boolean {
  const t = v.toLowerCase();
  if (t === '' || t === 'no' || t === 'false' || t === '0') return false;
  if (t === 'yes' || t === 'true' || t === '1') return true;
  throw bad(file, line, `either: expected yes or no, got ${v}`);
}

/** Split a CSV text into records of fields (RFC 4180 quoting), each with its 1-based starting line. */
function csvRecords(text: string, file: string): { line: number; fields: string[] }[] {
  const out: { line: number; fields: string[] }[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let v = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) throw bad(file, start, 'unterminated quoted field');
          const ch = text[i]!;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              v += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') line++;
          v += ch;
          i++;
        }
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') v += text[i++];
      }
      fields.push(v);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (i < text.length && text[i] !== '\n') throw bad(file, line, 'text after a quoted field');
      i++;
      line++;
      break;
    }
    const blank = fields.length === 1 && fields[0]!.trim() === '';
    const comment = fields[0]!.trimStart().startsWith('#');
    if (!blank && !comment) out.push({ line: start, fields: fields.map((f) => f.trim()) });
  }
  return out;
}

/** Parse a rules file's text (`file` names it in errors). Throws PcapflowError naming the line. */
export function parseLabelRules(text: string, file: string): LabelRule[] {
  const records = csvRecords(text.replace(/^\uFEFF/, ''), file);
  if (records.length === 0) throw bad(file, 1, `no header; expected ${COLUMNS.join(',')}`);
  const head = records[0]!;
  const index: Partial<Record<(typeof COLUMNS)[number], number>> = {};
  head.fields.forEach((name, i) => {
    const n = name.toLowerCase() as (typeof COLUMNS)[number];
    if (!COLUMNS.includes(n)) throw bad(file, head.line, `unknown column ${name}; the columns are ${COLUMNS.join(', ')}`);
    if (index[n] !== undefined) throw bad(file, head.line, `column ${name} given twice`);
    index[n] = i;
  });
  if (index.label === undefined) throw bad(file, head.line, 'the header has no label column');
  const rules: LabelRule[] = [];
  for (const { line, fields } of records.slice(1)) {
    if (fields.length !== head.fields.length) throw bad(file, line, `${fields.length} fields, the header has ${head.fields.length}`);
    const get = (c: (typeof COLUMNS)[number]): string => (index[c] === undefined ? '' : fields[index[c]]!);
    const label = get('label');
    if (label === '') throw bad(file, line, 'empty label');
    let portLo = 0;
    let portHi = 65535;
    const p = get('dst_port');
    if (p !== '' && p !== '*') {
      const dash = p.indexOf('-');
      portLo = port(file, line, dash < 0 ? p : p.slice(0, dash));
      portHi = dash < 0 ? portLo : port(file, line, p.slice(dash + 1));
      if (portHi < portLo) throw bad(file, line, `dst_port: range ${p} ends before it starts`);
    }
    let protocol = -1;
    const pr = get('protocol').toLowerCase();
    if (pr !== '' && pr !== '*') {
      if (PROTOCOLS[pr] !== undefined) protocol = PROTOCOLS[pr]!;
      else if (/^\d{1,3}$/.test(pr) && Number(pr) <= 255) protocol = Number(pr);
      else throw bad(file, line, `protocol: expected 0-255 or tcp, udp, icmp, icmpv6, got ${get('protocol')}`);
    }
    const startUs = instant(file, line, 'start', get('start')) ?? -Infinity;
    const endUs = instant(file, line, 'end', get('end')) ?? Infinity;
    if (endUs <= startUs) throw bad(file, line, 'end is not after start');
    rules.push({
      label,
      line,
      src: block(file, line, 'src', get('src')),
      dst: block(file, line, 'dst', get('dst')),
      portLo,
      portHi,
      protocol,
      startUs,
      endUs,
      either: yesNo(file, line, get('either')),
    });
  }
  return rules;
}

function inBlock(list: BlockList | null, ip: string): boolean {
  if (list === null) return true;
  const family = isIP(ip);
  return family !== 0 && list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

function matchesOneWay(r: LabelRule, srcIp: string, dstIp: string, dstPort: number): boolean {
  return dstPort >= r.portLo && dstPort <= r.portHi && inBlock(r.src, srcIp) && inBlock(r.dst, dstIp);
}

/** True when `rule` matches `flow` (as it is, or the other way round when the rule says either). */
export function ruleMatches(r: LabelRule, f: LabelledFlow): boolean {
  if (r.protocol >= 0 && f.protocol !== r.protocol) return false;
  if (f.startTsUs < r.startUs || f.startTsUs >= r.endUs) return false;
  if (matchesOneWay(r, f.srcIp, f.dstIp, f.dstPort)) return true;
  return r.either && matchesOneWay(r, f.dstIp, f.srcIp, f.srcPort);
}

/** The label of `flow`: the first matching rule's, else `defaultLabel`. */
export function labelOf(rules: readonly LabelRule[], flow: LabelledFlow, defaultLabel: string): string {
  for (const r of rules) if (ruleMatches(r, flow)) return r.label;
  return defaultLabel;
}
