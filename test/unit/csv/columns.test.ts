import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { CICFLOWMETER_COLUMNS, DEFAULT_COLUMNS, formatRecord, formatRow, headerOf, type Column, type RowContext } from '../../../src/csv/columns.js';
import { csvRecord, needsQuoting } from '../../../src/csv/csv-line.js';
import { BULK, FlowState, S } from '../../../src/flow/flow-state.js';
import { DOCS_DIR, HAVE_SHARED } from '../../helpers/paths.js';

/** The upstream header as spec §1 prints it (typed in: irregular spellings are part of the contract). */
const UPSTREAM_84 =
  'Flow ID,Src IP,Src Port,Dst IP,Dst Port,Protocol,Timestamp,Flow Duration,Total Fwd Packet,Total Bwd packets,' +
  'Total Length of Fwd Packet,Total Length of Bwd Packet,Fwd Packet Length Max,Fwd Packet Length Min,' +
  'Fwd Packet Length Mean,Fwd Packet Length Std,Bwd Packet Length Max,Bwd Packet Length Min,Bwd Packet Length Mean,' +
  'Bwd Packet Length Std,Flow Bytes/s,Flow Packets/s,Flow IAT Mean,Flow IAT Std,Flow IAT Max,Flow IAT Min,' +
  'Fwd IAT Total,Fwd IAT Mean,Fwd IAT Std,Fwd IAT Max,Fwd IAT Min,Bwd IAT Total,Bwd IAT Mean,Bwd IAT Std,Bwd IAT Max,' +
  'Bwd IAT Min,Fwd PSH Flags,Bwd PSH Flags,Fwd URG Flags,Bwd URG Flags,Fwd Header Length,Bwd Header Length,' +
  'Fwd Packets/s,Bwd Packets/s,Packet Length Min,Packet Length Max,Packet Length Mean,Packet Length Std,' +
  'Packet Length Variance,FIN Flag Count,SYN Flag Count,RST Flag Count,PSH Flag Count,ACK Flag Count,URG Flag Count,' +
  'CWR Flag Count,ECE Flag Count,Down/Up Ratio,Average Packet Size,Fwd Segment Size Avg,Bwd Segment Size Avg,' +
  'Fwd Bytes/Bulk Avg,Fwd Packet/Bulk Avg,Fwd Bulk Rate Avg,Bwd Bytes/Bulk Avg,Bwd Packet/Bulk Avg,Bwd Bulk Rate Avg,' +
  'Subflow Fwd Packets,Subflow Fwd Bytes,Subflow Bwd Packets,Subflow Bwd Bytes,FWD Init Win Bytes,Bwd Init Win Bytes,' +
  'Fwd Act Data Pkts,Fwd Seg Size Min,Active Mean,Active Std,Active Max,Active Min,Idle Mean,Idle Std,Idle Max,' +
  'Idle Min,Label';

/** engelen-head's 94 columns, built from spec §1's description of the insertions. */
function forkHeader(): string[] {
  const h = UPSTREAM_84.split(',');
  const insertAfter = (after: string, ...names: string[]): void => {
    h.splice(h.indexOf(after) + 1, 0, ...names);
  };
  insertAfter('Bwd URG Flags', 'Fwd RST Flags', 'Bwd RST Flags');
  insertAfter('Fwd Act Data Pkts', 'Bwd Act Data Pkts');
  insertAfter('Fwd Seg Size Min', 'Bwd Seg Size Min');
  h.splice(h.indexOf('Label'), 0, 'ICMP Code', 'ICMP Type', 'Fwd TCP Retrans. Count', 'Bwd TCP Retrans. Count',
    'Total TCP Retrans. Count', 'Total Connection Flow Time');
  return h;
}

const ctx: RowContext = { srcIp: '10.0.0.1', dstIp: '10.0.0.2', srcPort: 1, dstPort: 2, protocol: 6, communityId: '1:x' };

describe('column tables', () => {
  test('cicflowmeter: the 84 upstream names in order, then community_id', () => {
    expect(headerOf(CICFLOWMETER_COLUMNS)).toEqual([...UPSTREAM_84.split(','), 'community_id']);
  });

  test('default: the 94 engelen-head names in order, then community_id', () => {
    const h = forkHeader();
    expect(h).toHaveLength(94);
    expect(headerOf(DEFAULT_COLUMNS)).toEqual([...h, 'community_id']);
  });

  (HAVE_SHARED ? test : test.skip)('the typed-in header equals the one in the spec document', () => {
    const spec = readFileSync(path.join(DOCS_DIR, 'cicflowmeter-features.md'), 'utf8');
    expect(spec).toContain(`\n${UPSTREAM_84}\n`);
  });

  test('Flow ID is Src-Dst-SrcPort-DstPort-Protocol (spec §3)', () => {
    const f = new FlowState();
    expect(CICFLOWMETER_COLUMNS[0]!.format(f, ctx)).toBe('10.0.0.1-10.0.0.2-1-2-6');
  });

  test('bulk rate: upstream casts to long (truncates), the fork prints the double', () => {
    // 1000 bytes in one bulk lasting 3 µs: 1000 / (3 / 10^6) = 333333333.33… B/s; as a double that is
    // 333333333.3333333 (16 significant digits), which Java prints in scientific notation (≥ 10^7).
    const f = new FlowState();
    f.setBulk(1, BULK.STATES, 1); // backward tracker
    f.setBulk(1, BULK.PACKETS, 4);
    f.setBulk(1, BULK.BYTES, 1000);
    f.setBulk(1, BULK.DURATION, 3); // µs
    const cic = Object.fromEntries(headerOf(CICFLOWMETER_COLUMNS).map((n, i) => [n, formatRow(CICFLOWMETER_COLUMNS, f, ctx)[i]]));
    const def = Object.fromEntries(headerOf(DEFAULT_COLUMNS).map((n, i) => [n, formatRow(DEFAULT_COLUMNS, f, ctx)[i]]));
    expect([cic['Bwd Bytes/Bulk Avg'], cic['Bwd Packet/Bulk Avg'], cic['Bwd Bulk Rate Avg']]).toEqual(['1000', '4', '333333333']);
    expect([def['Bwd Bytes/Bulk Avg'], def['Bwd Packet/Bulk Avg'], def['Bwd Bulk Rate Avg']]).toEqual(['1000.0', '4.0', '3.333333333333333E8']);
  });

  test('an empty flow state formats without throwing; empty groups print the integer 0', () => {
    const f = new FlowState();
    const row = formatRow(DEFAULT_COLUMNS, f, ctx);
    expect(row).toHaveLength(DEFAULT_COLUMNS.length);
    const m = Object.fromEntries(headerOf(DEFAULT_COLUMNS).map((n, i) => [n, row[i]]));
    expect([m['Fwd Packet Length Max'], m['Packet Length Mean'], m['Active Mean'], m['Fwd IAT Total']]).toEqual(['0', '0', '0', '0']);
    expect(m['Label']).toBe('NeedManualLabel');
    expect(m['community_id']).toBe('1:x');
  });
});

describe('formatRecord', () => {
  /** A flow state whose every number slot holds an arbitrary double (NaN, infinities, negatives, huge values). */
  const anyNumbers = fc.array(fc.oneof(fc.double(), fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.constantFrom(Number.NaN, Infinity, -Infinity, 2 ** 63, -0)), {
    minLength: S.SIZE,
    maxLength: S.SIZE,
  });
  const flowOf = (values: number[], firstDir: number, icmp: number): FlowState => {
    const f = new FlowState();
    f.s.set(values);
    f.firstDir = firstDir;
    f.icmpType = icmp;
    f.icmpCode = icmp;
    return f;
  };

  const tables: Array<[string, readonly Column[]]> = [
    ['cicflowmeter', CICFLOWMETER_COLUMNS],
    ['default', DEFAULT_COLUMNS],
  ];
  test.each(tables)('%s: number columns never print a character CSV must quote', (_name, columns) => {
    fc.assert(
      fc.property(anyNumbers, fc.integer({ min: 0, max: 1 }), fc.integer({ min: -1, max: 255 }), (values, dir, icmp) => {
        const f = flowOf(values, dir, icmp);
        let printed = 0;
        columns.forEach((c) => {
          if (c.text) return;
          let text: string;
          try {
            text = c.format(f, ctx);
          } catch {
            return; // a long column given a fraction (no real flow holds one) refuses to print: nothing to check
          }
          printed++;
          expect(needsQuoting(text)).toBe(false);
          expect(text).toMatch(/^(-?[0-9]+(\.[0-9]+)?(E-?[0-9]+)?|-?Infinity|NaN)$/);
        });
        expect(printed).toBeGreaterThan(columns.length / 3);
      }),
      { numRuns: 300 },
    );
  });

  test('equals csvRecord of the row, also when a text column needs quoting', () => {
    const f = new FlowState();
    for (const c of [ctx, { ...ctx, srcIp: 'a,b', communityId: 'say "x"' }]) {
      for (const columns of [CICFLOWMETER_COLUMNS, DEFAULT_COLUMNS]) {
        expect(formatRecord(columns, f, c)).toBe(csvRecord(formatRow(columns, f, c)));
      }
    }
    expect(formatRecord(DEFAULT_COLUMNS, f, { ...ctx, srcIp: 'a,b' })).toContain('"a,b"');
  });
});
