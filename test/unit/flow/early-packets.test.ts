// The early-flow store (--first-packets N): option bounds, column names, and what the engine's rows hold. The
// expected cells are computed here from the packets fed in (sizes, directions, times), and the store is checked
// against the profile's own counters (Fwd/Bwd packets and lengths, duration) where a flow has at most N packets.
import { describe, expect, test } from '@jest/globals';
import { FlowEngine, type FlowRow } from '../../../src/flow/flow-engine.js';
import { EarlyPackets, earlyColumnNames, firstPacketsOf, FIRST_PACKETS_MAX } from '../../../src/flow/early-packets.js';
import { FlowMemory, FlowState, BLOCK_DOUBLES, type PacketFacts } from '../../../src/flow/flow-state.js';
import { PcapflowError } from '../../../src/errors.js';
import type { ProfileName } from '../../../src/flow/profiles/profile.js';
import { runFlows, type Conversation, type PacketSpec } from '../../helpers/packet-meta-builder.js';
import { rowFields } from '../../helpers/rows.js';

const T0 = 1_600_000_000_000_000;

/** The rows of a run as name -> cell maps, with the early columns' names. */
function rowsOf(raw: FlowRow[], profile: ProfileName, n: number): Record<string, string>[] {
  const header = FlowEngine.header(profile, n);
  return raw.map((r) => {
    const fields = rowFields(r);
    expect(fields).toHaveLength(header.length);
    return Object.fromEntries(header.map((h, i) => [h, fields[i]!]));
  });
}

/** The early cells of a row: [size, iat, dir] per packet 1..n. */
function early(row: Record<string, string>, n: number): string[][] {
  const out: string[][] = [];
  for (let k = 1; k <= n; k++) out.push([row[`Pkt ${k} Size`]!, row[`Pkt ${k} IAT`]!, row[`Pkt ${k} Dir`]!]);
  return out;
}

/** The expected cells of packets (in flow order) seen from the flow's Src `client`: [size, iat, dir] per packet,
 *  '' past the last. */
function expected(packets: readonly PacketSpec[], n: number, srcIsClient = true): string[][] {
  const out: string[][] = [];
  for (let k = 0; k < n; k++) {
    const p = packets[k];
    if (p === undefined) {
      out.push(['', '', '']);
      continue;
    }
    const backward = (p.dir === 'c2s') !== srcIsClient;
    const size = p.payload ?? 0;
    out.push([backward && size > 0 ? `-${size}` : String(size), k === 0 ? '0' : String(p.tsUs - packets[k - 1]!.tsUs), backward ? '1' : '0']);
  }
  return out;
}

describe('--first-packets option', () => {
  test('0 or absent is off; 1 to 255 are taken; anything else is refused naming the option', () => {
    expect(firstPacketsOf(undefined)).toBe(0);
    expect(firstPacketsOf(0)).toBe(0);
    expect(firstPacketsOf(1)).toBe(1);
    expect(firstPacketsOf(FIRST_PACKETS_MAX)).toBe(255);
    for (const bad of [256, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => firstPacketsOf(bad)).toThrow(PcapflowError);
      expect(() => firstPacketsOf(bad)).toThrow(/--first-packets/);
    }
  });

  test('column names: size, IAT, direction, packet by packet', () => {
    expect(earlyColumnNames(2)).toEqual(['Pkt 1 Size', 'Pkt 1 IAT', 'Pkt 1 Dir', 'Pkt 2 Size', 'Pkt 2 IAT', 'Pkt 2 Dir']);
    expect(earlyColumnNames(255)).toHaveLength(765);
    expect(new Set(earlyColumnNames(255)).size).toBe(765);
  });

  test('off: the header and every row are exactly those without the option; on: the same fields, then 3N more', () => {
    const c: Conversation = { client: '10.0.0.1', server: '10.0.0.2', clientPort: 40000, serverPort: 443, protocol: 6 };
    const items: Array<[Conversation, PacketSpec]> = [
      [c, { dir: 'c2s', tsUs: T0, flags: 'S' }],
      [c, { dir: 's2c', tsUs: T0 + 10, flags: 'SA' }],
      [c, { dir: 'c2s', tsUs: T0 + 25, flags: 'A', payload: 100 }],
    ];
    for (const profile of ['default', 'cicflowmeter'] as const) {
      const plain = runFlows(profile, items).raw.map((r) => r.line);
      expect(runFlows(profile, items, { firstPackets: 0 }).raw.map((r) => r.line)).toEqual(plain);
      expect(FlowEngine.header(profile, 0)).toEqual(FlowEngine.header(profile));
      const on = runFlows(profile, items, { firstPackets: 4 }).raw.map((r) => r.line);
      expect(on.map((l) => rowFields({ line: l } as FlowRow).slice(0, -12))).toEqual(plain.map((l) => rowFields({ line: l } as FlowRow)));
    }
  });

  test('EarlyPackets refuses N outside 1..255', () => {
    expect(() => new EarlyPackets(0)).toThrow();
    expect(() => new EarlyPackets(256)).toThrow();
  });
});

describe('EarlyPackets storage', () => {
  const facts = (tsUs: number, payload: number): PacketFacts =>
    ({ index: 0, tsUs, flags: 0, window: 0, tcpSeq: 0, tcpAck: 0, payload, header: 0, ipBytes: 0, icmpType: -1, icmpCode: -1, realProto: 17, realSrcPort: 1, realDstPort: 2 });

  test('flows in blocks of several slabs keep their own packets; a reused block starts an empty list', () => {
    const memory = new FlowMemory();
    const store = new EarlyPackets(3);
    const flows: FlowState[] = [];
    // 2,500 flows: three number slabs of 1,024 blocks, visited round-robin so the slab changes at every packet.
    for (let i = 0; i < 2500; i++) {
      const at = memory.takeNumbers();
      const f = new FlowState(memory.slab, at, memory.words);
      store.record(f, facts(T0 + i, i), i % 2);
      f.init(facts(T0 + i, i), i % 2);
      flows.push(f);
    }
    expect(new Set(flows.map((f) => f.s)).size).toBe(3);
    for (let k = 1; k < 5; k++) {
      flows.forEach((f, i) => {
        const p = facts(T0 + i + k * 1000 + (i % 7), (i * 3 + k) % 1500);
        store.record(f, p, (i + k) % 2);
        f.add(p, (i + k) % 2, 5_000_000);
      });
    }
    flows.forEach((f, i) => {
      expect(store.count(f)).toBe(3);
      expect(store.packet(f, 0)).toEqual({ sizeBytes: i, dir: i % 2, iatUs: 0 });
      expect(store.packet(f, 1)).toEqual({ sizeBytes: (i * 3 + 1) % 1500, dir: (i + 1) % 2, iatUs: 1000 + (i % 7) });
      expect(store.packet(f, 2)).toEqual({ sizeBytes: (i * 3 + 2) % 1500, dir: (i + 2) % 2, iatUs: 1000 });
      expect(store.packet(f, 3)).toBeNull();
    });
    // Give a block back and take it again: the new flow has no packet yet, whatever the old one left.
    const old = flows[1234]!;
    memory.releaseNumbers(old.s, old.w, old.o);
    const at = memory.takeNumbers();
    expect(memory.slab).toBe(old.s);
    expect(at).toBe(old.o);
    const fresh = new FlowState(memory.slab, at, memory.words);
    expect(store.count(fresh)).toBe(0);
    expect(store.packet(fresh, 0)).toBeNull();
    const [size, iat, dir] = store.columns.slice(0, 3).map((c) => c.format(fresh, {} as never));
    expect([size, iat, dir]).toEqual(['', '', '']);
    store.record(fresh, facts(T0, 0), 1);
    fresh.init(facts(T0, 0), 1);
    expect(store.columns.slice(0, 6).map((c) => c.format(fresh, {} as never))).toEqual(['0', '0', '1', '', '', '']);
  });

  test('a standalone flow block (no FlowMemory) works too', () => {
    const store = new EarlyPackets(2);
    const f = new FlowState();
    expect(f.s.length).toBe(BLOCK_DOUBLES);
    store.record(f, facts(T0, 5), 1);
    f.init(facts(T0, 5), 1);
    store.record(f, facts(T0 + 7, 9), 0);
    f.add(facts(T0 + 7, 9), 0, 5_000_000);
    expect(store.columns.map((c) => c.format(f, {} as never))).toEqual(['-5', '0', '1', '9', '7', '0']);
  });
});

describe('engine rows with --first-packets', () => {
  const conv = (i: number, protocol = 6): Conversation => ({ client: `10.1.0.${i}`, server: '10.0.0.2', clientPort: 40000 + i, serverPort: 443, protocol });

  test.each(['default', 'cicflowmeter'] as const)('%s: cells follow the packets fed in; short flows leave empty cells', (profile) => {
    const n = 5;
    const perFlow = new Map<number, PacketSpec[]>();
    const items: Array<[Conversation, PacketSpec]> = [];
    let t = T0;
    // 40 UDP flows of 2..9 packets, interleaved, pseudo-random sizes and gaps.
    for (let round = 0; round < 9; round++) {
      for (let i = 0; i < 40; i++) {
        if (round >= 2 + (i % 8)) continue;
        t += 1 + ((i * 37 + round * 11) % 900);
        const p: PacketSpec = { dir: (i + round * 3) % 4 === 0 || round === 0 ? 'c2s' : 's2c', tsUs: t, payload: (i * 131 + round * 17) % 1400 };
        if (round === 1 && i % 5 === 0) p.payload = 0; // a zero-size packet (backward: printed 0, not -0)
        items.push([conv(i, 17), p]);
        perFlow.set(i, [...(perFlow.get(i) ?? []), p]);
      }
    }
    const rows = rowsOf(runFlows(profile, items, { firstPackets: n }).raw, profile, n);
    expect(rows).toHaveLength(40);
    for (const row of rows) {
      const i = Number(row['Src Port']) - 40000;
      const packets = perFlow.get(i)!;
      expect({ i, cells: early(row, n) }).toEqual({ i, cells: expected(packets, n) });
      if (packets.length <= n) {
        // The profile's own counters agree with the early cells when they hold the whole flow.
        const cells = early(row, n).filter((c) => c[0] !== '');
        expect(cells.filter((c) => c[2] === '0')).toHaveLength(Number(row['Total Fwd Packet']));
        expect(cells.filter((c) => c[2] === '1')).toHaveLength(Number(row['Total Bwd packets']));
        const fwdBytes = cells.filter((c) => c[2] === '0').reduce((s, c) => s + Number(c[0]), 0);
        const bwdBytes = cells.filter((c) => c[2] === '1').reduce((s, c) => s - Number(c[0]), 0);
        expect(fwdBytes).toBe(Number(row['Total Length of Fwd Packet']));
        expect(bwdBytes).toBe(Number(row['Total Length of Bwd Packet']));
        expect(cells.reduce((s, c) => s + Number(c[1]), 0)).toBe(Number(row['Flow Duration']));
      }
    }
  });

  test('default profile: a flow started by a SYN-ACK is oriented the other way, so its first packet is backward', () => {
    const c = conv(1);
    const packets: PacketSpec[] = [
      { dir: 's2c', tsUs: T0, flags: 'SA', payload: 0 },
      { dir: 'c2s', tsUs: T0 + 40, flags: 'A', payload: 10 },
      { dir: 's2c', tsUs: T0 + 90, flags: 'PA', payload: 300 },
    ];
    const rows = rowsOf(runFlows('default', packets.map((p) => [c, p] as const), { firstPackets: 4 }).raw, 'default', 4);
    expect(rows[0]!['Src IP']).toBe('10.1.0.1');
    expect(early(rows[0]!, 4)).toEqual([['0', '0', '1'], ['10', '40', '0'], ['-300', '50', '1'], ['', '', '']]);
  });

  test('a continuation after the active timeout starts its own list', () => {
    const c = conv(2, 17);
    const packets: PacketSpec[] = [
      { dir: 'c2s', tsUs: T0, payload: 1 },
      { dir: 's2c', tsUs: T0 + 1_000_000, payload: 2 },
      { dir: 's2c', tsUs: T0 + 121_000_000, payload: 3 }, // past the 120 s active timeout
      { dir: 'c2s', tsUs: T0 + 121_000_500, payload: 4 },
    ];
    for (const profile of ['default', 'cicflowmeter'] as const) {
      const rows = rowsOf(runFlows(profile, packets.map((p) => [c, p] as const), { firstPackets: 3 }).raw, profile, 3);
      expect(rows).toHaveLength(2);
      expect(early(rows[0]!, 3)).toEqual([['1', '0', '0'], ['-2', '1000000', '1'], ['', '', '']]);
      // cicflowmeter counts a continuation's first packet as forward whatever its direction (its Fwd columns do too).
      const first = profile === 'cicflowmeter' ? ['3', '0', '0'] : ['-3', '0', '1'];
      expect(early(rows[1]!, 3)).toEqual([first, ['4', '500', '0'], ['', '', '']]);
      expect(rows[1]!['Total Fwd Packet']).toBe(profile === 'cicflowmeter' ? '2' : '1');
    }
  });

  test('cicflowmeter: a forward FIN retransmission the profile drops is not an early packet either', () => {
    const c = conv(3);
    const packets: PacketSpec[] = [
      { dir: 'c2s', tsUs: T0, flags: 'A', payload: 5 },
      { dir: 'c2s', tsUs: T0 + 10, flags: 'FA', payload: 0 },
      { dir: 'c2s', tsUs: T0 + 20, flags: 'FA', payload: 0 }, // dropped (fin_retransmit)
      { dir: 's2c', tsUs: T0 + 30, flags: 'A', payload: 7 },
    ];
    const run = runFlows('cicflowmeter', packets.map((p) => [c, p] as const), { firstPackets: 4 });
    expect(run.engine.counters['dropped_fin_retransmit']).toBe(1);
    const rows = rowsOf(run.raw, 'cicflowmeter', 4);
    expect(early(rows[0]!, 4)).toEqual([['5', '0', '0'], ['0', '10', '0'], ['-7', '20', '1'], ['', '', '']]);
  });

  test('blocks recycled from ended flows: a short flow after a long one shows no stale packets', () => {
    // One UDP flow at a time, 2 s apart, with a 1 s idle timeout: each flow ends (and gives its block back) when
    // the next one's first packet moves the clock, and the next flow takes that block.
    const items: Array<[Conversation, PacketSpec]> = [];
    const lengths = [6, 1, 4, 2, 6, 3];
    lengths.forEach((len, i) => {
      for (let k = 0; k < len; k++) items.push([conv(10 + i, 17), { dir: k % 2 === 0 ? 'c2s' : 's2c', tsUs: T0 + i * 2_000_000 + k * 100, payload: 10 * i + k }]);
    });
    for (const profile of ['default', 'cicflowmeter'] as const) {
      const run = runFlows(profile, items, { firstPackets: 6, idleTimeoutUs: 1_000_000 });
      expect(run.engine.counters['idle_timeouts']).toBe(lengths.length - 1);
      const rows = rowsOf(run.raw, profile, 6);
      const written = lengths.map((len, i) => ({ len, i })).filter(({ len }) => profile === 'default' || len > 1);
      expect(rows).toHaveLength(written.length);
      rows.forEach((row, r) => {
        const { len, i } = written[r]!;
        const packets = items.filter(([c]) => c.clientPort === 40010 + i).map(([, p]) => p);
        expect(packets).toHaveLength(len);
        expect(early(row, 6)).toEqual(expected(packets, 6));
      });
    }
  });
});
