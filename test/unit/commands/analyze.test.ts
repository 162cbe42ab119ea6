// pcapflow analyze's pure parts: services by port, CSV splitting, rows to flows (IP bytes preferred over payload
// bytes), the top-N list and the totals, the --host and --min-packets filters.
import { describe, expect, it } from '@jest/globals';
import { AnalyzeReport, flowFromRow, humanBytes, serviceOf, splitCsvLine, type AnalyzedFlow } from '../../../src/commands/analyze.js';

const f = (srcIp: string, dstIp: string, dstPort: number, bytes: number, packets: number, protocol = 6): AnalyzedFlow => ({
  time: '2023-11-14 22:13:20', srcIp, dstIp, srcPort: 40000, dstPort, protocol, durationUs: 1500, packets, bytes,
});

describe('analyze helpers', () => {
  it('serviceOf: the lower well-known port, else protocol/port; port-less protocols by name', () => {
    expect(serviceOf(6, 51000, 443)).toBe('https');
    expect(serviceOf(17, 53, 40000)).toBe('domain');
    expect(serviceOf(6, 50000, 50001)).toBe('tcp/50000');
    expect(serviceOf(1, 0, 0)).toBe('icmp');
    expect(serviceOf(47, 0, 0)).toBe('gre');
  });
  it('humanBytes', () => {
    expect(humanBytes(512)).toBe('512 B');
    expect(humanBytes(1536)).toBe('1.5 KiB');
    expect(humanBytes(3 * 2 ** 30)).toBe('3.0 GiB');
  });
  it('splitCsvLine follows RFC 4180 quoting', () => {
    expect(splitCsvLine('a,"b,c","d""e",')).toEqual(['a', 'b,c', 'd"e', '']);
  });
  it('flowFromRow: IP bytes (collect) when present, else payload bytes (flow command); no addresses -> null', () => {
    const row: Record<string, string> = { 'Src IP': '10.0.0.1', 'Dst IP': '2001:db8:0::1', 'Src Port': '1', 'Dst Port': '80', Protocol: '6', 'Total Fwd Packet': '3', 'Total Bwd packets': '', 'Total Length of Fwd Packet': '100.0', 'Fwd IP Bytes': '220', 'Bwd IP Bytes': '' };
    expect(flowFromRow((n) => row[n])).toMatchObject({ packets: 3, bytes: 220, dstIp: '2001:db8::1' });
    delete row['Fwd IP Bytes'];
    expect(flowFromRow((n) => row[n])).toMatchObject({ bytes: 100 });
    expect(flowFromRow(() => undefined)).toBeNull();
  });
});

describe('AnalyzeReport', () => {
  const flows = [f('10.0.0.1', '10.0.0.2', 443, 5000, 10), f('10.0.0.3', '10.0.0.2', 80, 9000, 20), f('10.0.0.1', '10.0.0.4', 53, 100, 2, 17), f('10.0.0.5', '10.0.0.6', 443, 7000, 1)];
  it('lists the top N by bytes and totals by service and protocol, largest first', () => {
    const r = new AnalyzeReport({ top: 2, minPackets: 0, host: null });
    for (const x of flows) r.add(x);
    const text = r.format();
    const top = text.split('\n').slice(4, 6).join('\n');
    expect(top).toMatch(/http .*8\.8 KiB.*10\.0\.0\.3:40000 <-> 10\.0\.0\.2:80/);
    expect(top.split('\n')[1]).toMatch(/https .*6\.8 KiB.*10\.0\.0\.5/);
    const services = text.slice(text.indexOf('Totals by service'), text.indexOf('Totals by protocol'));
    expect(services.split('\n').slice(2, 5).map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual(['https 2 11', 'http 1 20', 'domain 1 2']);
    expect(text).toMatch(/TCP\s+3\s+31\s+20\.5 KiB/);
  });
  it('--host keeps flows with the address on either side; --min-packets drops small flows', () => {
    const r = new AnalyzeReport({ top: 10, minPackets: 2, host: '10.0.0.2' });
    for (const x of flows) r.add(x);
    expect([r.flows, r.kept]).toEqual([4, 2]);
    expect(() => new AnalyzeReport({ top: 1, minPackets: 0, host: 'nope' })).toThrow(/--host/);
  });
});
