// Labelling rules: parsing (every field, errors naming the line) and matching (CIDR v4/v6, port ranges, protocol,
// [start, end) windows in µs, either direction, first match wins), checked on hand-made flows.
import { describe, expect, it } from '@jest/globals';
import { PcapflowError } from '../../../src/errors.js';
import { labelOf, parseLabelRules, type LabelledFlow } from '../../../src/labels/rules.js';

const HEAD = 'label,src,dst,dst_port,protocol,start,end,either\n';
const T0 = Date.UTC(2017, 6, 7, 15, 30) * 1000; // 2017-07-07T15:30:00Z in µs

function flow(over: Partial<LabelledFlow> = {}): LabelledFlow {
  return { srcIp: '172.16.0.1', dstIp: '192.168.10.50', srcPort: 40000, dstPort: 80, protocol: 6, startTsUs: T0, ...over };
}

function errorOf(text: string): string {
  try {
    parseLabelRules(text, 'r.csv');
  } catch (e) {
    expect(e).toBeInstanceOf(PcapflowError);
    return (e as Error).message;
  }
  throw new Error('no error');
}

describe('parseLabelRules', () => {
  it('reads every field; empty fields match anything; comments and blank lines are skipped', () => {
    const rules = parseLabelRules(
      HEAD + '# DDoS\n\nDDoS,172.16.0.1,192.168.10.50/32,80,tcp,2017-07-07T15:30:00Z,2017-07-07T16:00:00.000001Z,yes\nAny,,,,,,,\n',
      'r.csv',
    );
    expect(rules.length).toBe(2);
    const r = rules[0]!;
    expect(r).toMatchObject({ label: 'DDoS', line: 4, portLo: 80, portHi: 80, protocol: 6, startUs: T0, endUs: T0 + 30 * 60e6 + 1, either: true });
    expect(rules[1]).toMatchObject({ label: 'Any', line: 5, src: null, dst: null, portLo: 0, portHi: 65535, protocol: -1, startUs: -Infinity, endUs: Infinity, either: false });
  });

  it('takes columns in any order, names case-insensitive, only label required; offsets are converted to UTC', () => {
    const rules = parseLabelRules('Start,LABEL\n2017-07-07T12:30:00-03:00,X\n', 'r.csv');
    expect(rules[0]!.startUs).toBe(T0);
    expect(rules[0]!.label).toBe('X');
  });

  it('names the file and line of each mistake', () => {
    expect(errorOf(HEAD + 'A,,,,,,,\nB,10.0.0.256,,,,,,\n')).toBe('--labels: r.csv line 3: src: not an IPv4 or IPv6 address or CIDR block: 10.0.0.256');
    expect(errorOf(HEAD + 'B,,10.0.0.0/33,,,,,\n')).toMatch(/line 2: dst: prefix length must be 0-32/);
    expect(errorOf(HEAD + 'B,,,70000,,,,\n')).toMatch(/line 2: dst_port: expected a port/);
    expect(errorOf(HEAD + 'B,,,90-80,,,,\n')).toMatch(/line 2: dst_port: range 90-80 ends before it starts/);
    expect(errorOf(HEAD + 'B,,,,sctpx,,,\n')).toMatch(/line 2: protocol: expected 0-255/);
    expect(errorOf(HEAD + 'B,,,,,2017-07-07 15:30,,\n')).toMatch(/line 2: start: expected an ISO 8601 UTC time/);
    expect(errorOf(HEAD + 'B,,,,,2017-07-07T15:30:00Z,2017-07-07T15:30:00Z,\n')).toMatch(/line 2: end is not after start/);
    expect(errorOf(HEAD + 'B,,,,,,,maybe\n')).toMatch(/line 2: either: expected yes or no/);
    expect(errorOf(HEAD + 'B,,,\n')).toMatch(/line 2: 4 fields, the header has 8/);
    expect(errorOf(HEAD + ',,,,,,,\n')).toMatch(/line 2: empty label/);
    expect(errorOf('label,port\nA,1\n')).toMatch(/line 1: unknown column port/);
    expect(errorOf('src\n1.2.3.4\n')).toMatch(/line 1: the header has no label column/);
    expect(errorOf('')).toMatch(/line 1: no header/);
    expect(errorOf(HEAD + '"A\n,,,,,,,\n')).toMatch(/line 2: unterminated quoted field/);
  });
});

describe('labelOf', () => {
  it('matches CIDR blocks, port ranges, protocol and the [start, end) window; first match wins', () => {
    const rules = parseLabelRules(
      HEAD +
        'Early,,,,,,2017-07-07T15:30:00Z,\n' + // ends before T0: never for flows at T0
        'Web,172.16.0.0/12,192.168.10.0/24,80-81,tcp,2017-07-07T15:30:00Z,2017-07-07T15:31:00Z,no\n' +
        'Later,172.16.0.1,,,,,,\n',
      'r.csv',
    );
    expect(labelOf(rules, flow(), 'BENIGN')).toBe('Web');
    expect(labelOf(rules, flow({ dstPort: 81 }), 'BENIGN')).toBe('Web');
    expect(labelOf(rules, flow({ dstPort: 82 }), 'BENIGN')).toBe('Later');
    expect(labelOf(rules, flow({ protocol: 17 }), 'BENIGN')).toBe('Later');
    expect(labelOf(rules, flow({ startTsUs: T0 + 60e6 }), 'BENIGN')).toBe('Later'); // end is exclusive
    expect(labelOf(rules, flow({ startTsUs: T0 + 60e6 - 1 }), 'BENIGN')).toBe('Web');
    expect(labelOf(rules, flow({ startTsUs: T0 - 1 }), 'BENIGN')).toBe('Early');
    expect(labelOf(rules, flow({ srcIp: '172.32.0.1' }), 'BENIGN')).toBe('BENIGN'); // outside 172.16/12
    expect(labelOf(rules, flow({ srcIp: '172.31.255.255', dstIp: '192.168.11.1' }), 'X')).toBe('X');
  });

  it('matches the other direction only when the rule says either', () => {
    const rules = parseLabelRules(HEAD + 'One,192.168.10.50,172.16.0.1,40000,,,,no\nBoth,192.168.10.50,172.16.0.1,40000,,,,yes\n', 'r.csv');
    // The flow runs 172.16.0.1:40000 -> 192.168.10.50:80: only its reverse matches the rules.
    expect(labelOf(rules, flow(), 'BENIGN')).toBe('Both');
    expect(labelOf(rules.slice(0, 1), flow(), 'BENIGN')).toBe('BENIGN');
  });

  it('matches IPv6 blocks and never mixes families', () => {
    const rules = parseLabelRules(HEAD + 'V6,2001:db8::/32,,,,,,\nV4all,0.0.0.0/0,,,,,,\n', 'r.csv');
    expect(labelOf(rules, flow({ srcIp: '2001:db8:1::5' }), 'BENIGN')).toBe('V6');
    expect(labelOf(rules, flow({ srcIp: '2001:db9::5' }), 'BENIGN')).toBe('BENIGN');
    expect(labelOf(rules, flow({ srcIp: '10.1.2.3' }), 'BENIGN')).toBe('V4all');
  });
});
