// The record columns of the library API against the column tables: the keys are the snake_case header variant's
// names (the spec table of ../shared/docs/cicflowmeter-features.md, as --header snake_case prints them), in
// column order, and the value types follow the typed outputs' column kinds (column-types.ts). recordRow() gives
// back the engine's CSV record byte for byte for an unchanged record, and formats changed values as Java would.
import { describe, expect, it } from '@jest/globals';
import { CICFLOWMETER_RECORD_COLUMNS, DEFAULT_RECORD_COLUMNS, RecordMaker, profileOfKeys, recordColumns, recordOrigin, recordRow } from '../../../src/api/records.js';
import { headerVariant } from '../../../src/csv/header-variants.js';
import { FlowEngine, type FlowRow } from '../../../src/flow/flow-engine.js';
import { columnKinds } from '../../../src/output/column-types.js';
import type { ProfileName } from '../../../src/options.js';

const PROFILES: ProfileName[] = ['default', 'cicflowmeter'];

/** A row of `profile` whose cells are given by name (others: '0'). */
function rowOf(profile: ProfileName, cells: Record<string, string>, startTsUs = 1_700_000_000_123_456): FlowRow {
  const names = FlowEngine.header(profile);
  const line = names.map((n) => cells[n] ?? (n === 'Label' ? 'NeedManualLabel' : n.endsWith('IP') || n === 'Flow ID' || n === 'Timestamp' || n === 'Community ID' ? 'x' : '0')).join(',');
  return { line, startTsUs, packets: 3, endIndex: 1, firstIndex: 0 };
}

describe('record columns', () => {
  it.each(PROFILES)('%s: the snake_case header names, in column order, typed as the column kinds', (profile) => {
    const cols = recordColumns(profile);
    const names = FlowEngine.header(profile);
    expect(cols.map(([k]) => k)).toEqual(headerVariant(names, 'snake_case'));
    const kinds = columnKinds(profile);
    cols.forEach(([key, kind], i) => {
      const expected = kinds[i] === 'string' ? 'string' : kinds[i] === 'double' ? 'double' : profile === 'cicflowmeter' && /_blk_rate_avg$/.test(key) ? 'long' : 'int';
      expect([key, kind]).toEqual([key, expected]);
    });
    expect(new Set(cols.map(([k]) => k)).size).toBe(cols.length);
    expect(cols.some(([k]) => k === 'start_time_us')).toBe(false);
  });

  it('the profiles have 95 and 85 columns', () => {
    expect(DEFAULT_RECORD_COLUMNS.length).toBe(95);
    expect(CICFLOWMETER_RECORD_COLUMNS.length).toBe(85);
  });
});

describe('RecordMaker and recordRow', () => {
  it('types the cells and gives back the same CSV record', () => {
    const row = rowOf('default', { 'Src IP': '10.0.0.1', 'Src Port': '443', 'Flow Bytes/s': 'Infinity', 'Flow Packets/s': 'NaN', 'Flow IAT Mean': '1.0E7', Label: '"a,b"' });
    // a quoted label: the row's line is a CSV record
    const rec = new RecordMaker('default', 'iso').make(row) as unknown as Record<string, unknown>;
    expect(rec['src_ip']).toBe('10.0.0.1');
    expect(rec['src_port']).toBe(443);
    expect(rec['flow_byts_s']).toBe(Infinity);
    expect(rec['flow_pkts_s']).toBeNaN();
    expect(rec['flow_iat_mean']).toBe(1e7);
    expect(rec['label']).toBe('a,b');
    expect(rec['start_time_us']).toBe(1_700_000_000_123_456);
    expect(Object.keys(rec).length).toBe(96);
    expect(recordOrigin(rec)).toEqual({ profile: 'default', timeFormat: 'iso', extras: { firstPackets: 0, fileColumn: false } });
    expect(recordRow(rec as never, 'default').line).toBe(row.line);
    expect(profileOfKeys({ ...rec })).toBe('default');
  });

  it('a bulk rate beyond 2^53 (Java saturating at Long.MAX_VALUE) is an exact bigint', () => {
    const row = rowOf('cicflowmeter', { 'Fwd Bulk Rate Avg': '9223372036854775807', 'Bwd Bulk Rate Avg': '9007199254740991' });
    const rec = new RecordMaker('cicflowmeter', 'cic').make(row) as unknown as Record<string, unknown>;
    expect(rec['fwd_blk_rate_avg']).toBe(9223372036854775807n);
    expect(rec['bwd_blk_rate_avg']).toBe(9007199254740991);
    expect(recordRow(rec as never, 'cicflowmeter').line).toBe(row.line);
  });

  it('changed values are formatted (Java double text, integers, strings), the other cells kept as written', () => {
    // '0' is how the engine prints a skipped statistic in a double column: kept as '0' while unchanged
    const row = rowOf('default', { 'Flow IAT Std': '0', 'Flow IAT Mean': '2.5' });
    const rec = new RecordMaker('default', 'iso').make(row) as unknown as Record<string, unknown>;
    rec['flow_iat_mean'] = 10_000_000;
    rec['label'] = 'Attack, of the kind "x"';
    rec['dst_port'] = 8080;
    const fields = FlowEngine.header('default');
    const out = recordRow(rec as never, 'default').line;
    const expected = row.line.split(',');
    expected[fields.indexOf('Flow IAT Mean')] = '1.0E7';
    expected[fields.indexOf('Dst Port')] = '8080';
    expected[fields.indexOf('Label')] = '"Attack, of the kind ""x"""';
    expect(out).toBe(expected.join(','));
    expect(out.split(',')[fields.indexOf('Flow IAT Std')]).toBe('0');
  });

  it('refuses records with a missing field or a value of the wrong type', () => {
    const rec = new RecordMaker('default', 'iso').make(rowOf('default', {})) as unknown as Record<string, unknown>;
    expect(() => recordRow({ ...rec, dst_port: '80' } as never, 'default')).toThrow(/dst_port: expected a number/);
    expect(() => recordRow({ ...rec, dst_port: 80.5 } as never, 'default')).toThrow(/dst_port: expected an integer/);
    const { label: _drop, ...noLabel } = rec;
    expect(() => recordRow(noLabel as never, 'default')).toThrow(/label: missing/);
    expect(() => recordRow({ ...rec, start_time_us: 'x' } as never, 'default')).toThrow(/start_time_us/);
  });
});
