// RecordRowFormatter: collect's columns. What a record carries fills the default profile's columns, everything else
// stays empty (never 0); pcapflow's statistics print as the default profile prints them; the Community ID is the
// spec's for the tuple (checked against `pcapflow community-id`'s library function with the same tuple).
import { describe, expect, it } from '@jest/globals';
import { communityId } from '../../../src/community-id.js';
import { STAT_SLOT } from '../../../src/netflow/pcapflow-ies.js';
import { NetflowRecord } from '../../../src/netflow/record.js';
import { COLLECT_HEADER, RecordRowFormatter } from '../../../src/netflow/record-row.js';

function base(): NetflowRecord {
  const r = new NetflowRecord();
  r.version = 10;
  r.exporter = '192.0.2.1:4739';
  r.domain = 7;
  r.ipVersion = 4;
  r.srcAddr.set([10, 0, 0, 1]);
  r.dstAddr.set([10, 0, 0, 2]);
  r.srcPort = 40000;
  r.dstPort = 80;
  r.protocol = 6;
  r.startUs = 1_700_000_000_200_000;
  r.endUs = 1_700_000_001_200_500;
  r.fwdPackets = 3;
  r.fwdOctets = 180;
  r.endReason = 3;
  return r;
}

const row = (f: string[]): Record<string, string> => Object.fromEntries(COLLECT_HEADER.map((n, i) => [n, f[i]!]));

describe('RecordRowFormatter', () => {
  const fmt = new RecordRowFormatter({ communityIdSeed: 0, communityIdBase64: true });

  it('header: the default profile\'s names (no Label), then the NetFlow columns, community_id last', () => {
    expect(COLLECT_HEADER.slice(0, 3)).toEqual(['Flow ID', 'Src IP', 'Src Port']);
    expect(COLLECT_HEADER).not.toContain('Label');
    expect(COLLECT_HEADER.slice(-6)).toEqual(['Fwd IP Bytes', 'Bwd IP Bytes', 'Flow End Reason', 'Exporter', 'Observation Domain', 'community_id']);
  });

  it('a unidirectional record: carried columns filled, the reverse side and statistics empty', () => {
    const r = row(fmt.format(base()));
    expect(r).toMatchObject({
      'Flow ID': '10.0.0.1-10.0.0.2-40000-80-6', 'Src IP': '10.0.0.1', 'Dst IP': '10.0.0.2', Protocol: '6',
      Timestamp: '2023-11-14 22:13:20.200', 'Flow Duration': '1000500', 'Total Fwd Packet': '3', 'Total Bwd packets': '',
      'Fwd IP Bytes': '180', 'Bwd IP Bytes': '', 'Flow End Reason': 'endOfFlowDetected', Exporter: '192.0.2.1:4739',
      'Observation Domain': '7', 'Fwd IAT Mean': '', 'FIN Flag Count': '', 'ICMP Type': '',
    });
    expect(r['community_id']).toBe(communityId(6, '10.0.0.1', '10.0.0.2', 40000, 80));
  });

  it('a biflow prints reverse counters (0 when the reverse side sent nothing)', () => {
    const b = base();
    b.hasReverse = true;
    b.bwdPackets = NaN;
    expect(row(fmt.format(b))['Total Bwd packets']).toBe('0');
  });

  it('pcapflow statistics print as the default profile does: NaN statistic -> 0, -1 rate, Java doubles, longs', () => {
    const b = base();
    const set = (col: string, v: number): void => {
      const s = STAT_SLOT.get(col)!;
      b.stats[s] = v;
      b.statsPresent[s] = 1;
      b.hasStats = true;
    };
    set('Fwd IAT Mean', NaN);
    set('Bwd IAT Mean', 1500.5);
    set('Flow Bytes/s', -1);
    set('Flow Packets/s', 2.0);
    set('FIN Flag Count', 2);
    set('Fwd Packet Length Mean', 1e-7);
    const r = row(fmt.format(b));
    expect([r['Fwd IAT Mean'], r['Bwd IAT Mean'], r['Flow Bytes/s'], r['Flow Packets/s'], r['FIN Flag Count'], r['Fwd Packet Length Mean']]).toEqual(['0', '1500.5', '-1', '2.0', '2', '1.0E-7']);
  });

  it('ICMP: type and code columns and the Community ID from them; hostile protocol values give no ID', () => {
    const b = base();
    b.protocol = 1;
    b.srcPort = NaN;
    b.dstPort = NaN;
    b.icmpType = 8;
    b.icmpCode = 0;
    const r = row(fmt.format(b));
    expect([r['ICMP Type'], r['ICMP Code']]).toEqual(['8', '0']);
    expect(r['community_id']).toBe(communityId(1, '10.0.0.1', '10.0.0.2', 8, 0));
    b.protocol = 300;
    expect(row(fmt.format(b))['community_id']).toBe('');
  });
});
