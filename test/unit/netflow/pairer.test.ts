// RecordPairer (collect --pair): the two unidirectional records of a flow become one biflow oriented from the one
// that started first; records that do not match (other tuple, no time overlap, other exporter) pass on unpaired,
// in bounded memory.
import { describe, expect, it } from '@jest/globals';
import { formatAddress } from '../../../src/decode/address.js';
import { RecordPairer } from '../../../src/netflow/pairer.js';
import { NetflowRecord } from '../../../src/netflow/record.js';

function rec(src: string, dst: string, sport: number, dport: number, startUs: number, endUs: number, packets: number, exporter = 'e'): NetflowRecord {
  const r = new NetflowRecord();
  r.version = 5;
  r.exporter = exporter;
  r.ipVersion = 4;
  r.srcAddr.set(src.split('.').map(Number));
  r.dstAddr.set(dst.split('.').map(Number));
  r.srcPort = sport;
  r.dstPort = dport;
  r.protocol = 6;
  r.startUs = startUs;
  r.endUs = endUs;
  r.fwdPackets = packets;
  r.fwdOctets = packets * 100;
  r.fwdTcpFlags = packets;
  return r;
}

function run(recs: NetflowRecord[], opts = {}): NetflowRecord[] {
  const out: NetflowRecord[] = [];
  const p = new RecordPairer((r) => out.push(r), opts);
  for (const r of recs) p.push(r);
  p.flush();
  return out;
}

describe('RecordPairer', () => {
  it('joins a flow\'s two directions; the earlier start is the forward side', () => {
    const out = run([rec('10.0.0.2', '10.0.0.1', 80, 4000, 1100, 5000, 7), rec('10.0.0.1', '10.0.0.2', 4000, 80, 1000, 4000, 3)]);
    expect(out).toHaveLength(1);
    const b = out[0]!;
    expect([formatAddress(b.srcAddr, 4), b.srcPort, b.fwdPackets, b.bwdPackets, b.fwdOctets, b.bwdOctets, b.fwdTcpFlags, b.bwdTcpFlags]).toEqual(['10.0.0.1', 4000, 3, 7, 300, 700, 3, 7]);
    expect([b.startUs, b.endUs, b.hasReverse]).toEqual([1000, 5000, true]);
  });

  it('leaves apart records whose times do not overlap, other tuples and other exporters', () => {
    const out = run([
      rec('10.0.0.1', '10.0.0.2', 4000, 80, 1000, 2000, 1),
      rec('10.0.0.2', '10.0.0.1', 80, 4000, 3000, 4000, 1), // after the first ended
      rec('10.0.0.2', '10.0.0.1', 80, 4001, 1000, 2000, 1), // other port
      rec('10.0.0.2', '10.0.0.1', 80, 4000, 1500, 1600, 1, 'other'), // other exporter
    ]);
    expect(out).toHaveLength(4);
    expect(out.every((r) => !r.hasReverse)).toBe(true);
  });

  it('a record waits at most the window (in record time) and the held count is bounded', () => {
    const out: NetflowRecord[] = [];
    const p = new RecordPairer((r) => out.push(r), { windowUs: 1000, maxHeld: 2 });
    p.push(rec('10.0.0.1', '10.0.0.2', 1, 2, 0, 10, 1));
    p.push(rec('10.0.0.3', '10.0.0.4', 1, 2, 500, 510, 1));
    expect(out).toHaveLength(0);
    p.push(rec('10.0.0.5', '10.0.0.6', 1, 2, 1200, 1300, 1)); // the first ended > 1000 µs before this start
    expect(out.map((r) => formatAddress(r.srcAddr, 4))).toEqual(['10.0.0.1']);
    p.push(rec('10.0.0.7', '10.0.0.8', 1, 2, 1300, 1400, 1)); // 3 held > maxHeld 2: the oldest goes
    expect(out.map((r) => formatAddress(r.srcAddr, 4))).toEqual(['10.0.0.1', '10.0.0.3']);
    p.push(rec('10.0.0.9', '10.0.0.10', 1, 2, 1300, 1400, 1));
    expect(out.map((r) => formatAddress(r.srcAddr, 4))).toEqual(['10.0.0.1', '10.0.0.3', '10.0.0.5']);
    p.flush();
    expect(out).toHaveLength(5);
    expect(p.paired).toBe(0);
    expect(p.unpaired).toBe(5);
  });
});
