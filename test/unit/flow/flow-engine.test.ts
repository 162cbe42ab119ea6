// The flow engine's own contract: row order, timeouts on the capture clock (memory freed as the clock passes),
// sharding invariance of advanceClock, maxFlows and idle-timeout policies, counters, determinism.
import { describe, expect, test } from '@jest/globals';
import { FlowEngine, type FlowRow } from '../../../src/flow/flow-engine.js';
import { createPacketMeta, type PacketMeta } from '../../../src/types.js';
import { engineOptions, fillMeta, runFlows, type Conversation, type PacketSpec } from '../../helpers/packet-meta-builder.js';

const T0 = 1_600_000_000_000_000;
const tcp = (i: number): Conversation => ({ client: `10.1.${(i >> 8) & 255}.${i & 255}`, server: '10.0.0.2', clientPort: 1024 + (i % 60000), serverPort: 443, protocol: 6 });

/** A deterministic synthetic stream: `flows` TCP conversations interleaved, `perFlow` packets each, 1 ms apart. */
function stream(flows: number, perFlow: number, gapUs = 1000): Array<[Conversation, PacketSpec]> {
  const out: Array<[Conversation, PacketSpec]> = [];
  let t = T0;
  for (let k = 0; k < perFlow; k++) {
    for (let i = 0; i < flows; i++) {
      const fl = k === 0 ? 'S' : k === 1 ? 'SA' : 'A';
      out.push([tcp(i), { dir: k % 2 === 0 ? 'c2s' : 's2c', tsUs: (t += gapUs), flags: fl, payload: (i * 7 + k) % 100, window: 1000 }]);
    }
  }
  return out;
}

describe('FlowEngine', () => {
  test('rows written at the same packet come in first-packet order; open flows at the end likewise', () => {
    // Three UDP flows started at 0, 1, 2 µs; one packet at +200 s passes all their timeouts at once.
    const c = (n: number): Conversation => ({ client: `10.0.0.${n}`, server: '10.0.0.100', clientPort: 1000, serverPort: 53, protocol: 17 });
    const { raw } = runFlows('default', [
      [c(3), { dir: 'c2s', tsUs: T0 + 2 }],
      [c(1), { dir: 'c2s', tsUs: T0 + 0 }], // earlier timestamp, later index
      [c(2), { dir: 'c2s', tsUs: T0 + 1 }],
      [c(9), { dir: 'c2s', tsUs: T0 + 200_000_000 }],
      [c(8), { dir: 'c2s', tsUs: T0 + 200_000_001 }],
    ]);
    expect(raw.map((r) => [r.endIndex, r.firstIndex])).toEqual([
      [3, 0], [3, 1], [3, 2],
      [Number.MAX_SAFE_INTEGER, 3], [Number.MAX_SAFE_INTEGER, 4],
    ]);
  });

  test('timed-out flows are written and freed as the clock passes, not kept to the end', () => {
    const items = stream(1000, 2);
    const rows: FlowRow[] = [];
    const engine = new FlowEngine(engineOptions('cicflowmeter'), (r) => rows.push(r));
    const meta = createPacketMeta();
    items.forEach(([conv, p], i) => engine.addPacket(i, p.tsUs, fillMeta(meta, conv, p)));
    expect(engine.counters['liveFlows']).toBe(1000);
    expect(rows).toHaveLength(0);
    engine.advanceClock(items.length, T0 + 125_000_000); // a packet another worker owns, 125 s later
    expect(engine.counters['liveFlows']).toBe(0);
    expect(rows).toHaveLength(1000);
    expect(new Set(rows.map((r) => r.endIndex))).toEqual(new Set([items.length]));
    engine.finish();
    expect(rows).toHaveLength(1000);
    expect(engine.counters['packetsInFlows']).toBe(2000);
  });

  test.each([
    ['in order', 0],
    ['with every 7th timestamp 150 s early', 150_000_000],
  ])('sharding: two engines fed every packet (owned → addPacket, others → advanceClock) give the same rows, %s', (_n, jitter) => {
    const items = stream(50, 6, 3_000_000); // 150 s of traffic: timeouts fire mid-stream
    items.forEach(([, p], i) => {
      if (i % 7 === 3) p.tsUs -= jitter;
    });
    const all: FlowRow[] = [];
    const one = new FlowEngine(engineOptions('default'), (r) => all.push(r));
    const shards = [0, 1].map(() => ({ rows: [] as FlowRow[], engine: null as unknown as FlowEngine }));
    for (const s of shards) s.engine = new FlowEngine(engineOptions('default'), (r) => s.rows.push(r));
    const meta: PacketMeta = createPacketMeta();
    items.forEach(([conv, p], i) => {
      fillMeta(meta, conv, p);
      one.addPacket(i, p.tsUs, meta);
      const owner = FlowEngine.shardHash('default', meta) % 2;
      shards.forEach((s, k) => (k === owner ? s.engine.addPacket(i, p.tsUs, meta) : s.engine.advanceClock(i, p.tsUs)));
    });
    one.finish();
    for (const s of shards) s.engine.finish();
    const key = (r: FlowRow): string => `${r.endIndex}|${r.firstIndex}|${r.line}`;
    const merged = shards.flatMap((s) => s.rows).map(key).sort();
    expect(merged).toEqual(all.map(key).sort());
    expect(all.some((r) => r.endIndex < Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  test('the same input always gives the same rows', () => {
    const a = runFlows('cicflowmeter', stream(30, 5)).raw;
    const b = runFlows('cicflowmeter', stream(30, 5)).raw;
    expect(b).toEqual(a);
  });

  test('maxFlows: the flow with the oldest first packet is ended (as at the end of input) and counted', () => {
    const c = (n: number): Conversation => ({ client: `10.0.0.${n}`, server: '10.0.0.100', clientPort: 1000, serverPort: 53, protocol: 17 });
    const { raw, engine } = runFlows('default', [
      [c(1), { dir: 'c2s', tsUs: T0 }],
      [c(2), { dir: 'c2s', tsUs: T0 + 1 }],
      [c(3), { dir: 'c2s', tsUs: T0 + 2 }], // table full (2): flow 1 is ended here
      [c(1), { dir: 's2c', tsUs: T0 + 3 }], // ... so this starts a new flow; flow 2 is ended
    ], { maxFlows: 2 });
    expect(raw.map((r) => [r.endIndex, r.firstIndex])).toEqual([[2, 0], [3, 1], [Number.MAX_SAFE_INTEGER, 2], [Number.MAX_SAFE_INTEGER, 3]]);
    expect(engine.counters['maxflows_evicted']).toBe(2);
  });

  test('idle timeout (optional): a silent flow ends; its next packet starts a fresh flow', () => {
    const u: Conversation = { client: '10.0.0.1', server: '10.0.0.2', clientPort: 1000, serverPort: 53, protocol: 17 };
    const { raw, rows, engine } = runFlows('default', [
      [u, { dir: 'c2s', tsUs: T0 }],
      { clock: T0 + 10_000_000 },
      [u, { dir: 's2c', tsUs: T0 + 12_000_000 }],
    ], { idleTimeoutUs: 5_000_000 });
    expect(raw.map((r) => r.endIndex)).toEqual([1, Number.MAX_SAFE_INTEGER]);
    expect(rows[1]!['Src IP']).toBe('10.0.0.2'); // fresh flow, oriented by its own first packet
    expect(engine.counters['idle_timeouts']).toBe(1);
  });

  test('documented limit: a packet more than the timeout behind the clock joins a continuation', () => {
    // The reference would add the third packet (ts − start = 10 s) to the first flow; the capture clock had
    // already passed start + 120 s (second packet, another flow), so pcapflow wrote and freed that flow.
    const u: Conversation = { client: '10.0.0.1', server: '10.0.0.2', clientPort: 1000, serverPort: 53, protocol: 17 };
    const { raw } = runFlows('default', [
      [u, { dir: 'c2s', tsUs: T0 }],
      [{ ...u, client: '10.0.0.7' }, { dir: 'c2s', tsUs: T0 + 300_000_000 }],
      [u, { dir: 'c2s', tsUs: T0 + 10_000_000 }],
    ]);
    expect(raw.map((r) => [r.endIndex, r.packets])).toEqual([[1, 1], [Number.MAX_SAFE_INTEGER, 1], [Number.MAX_SAFE_INTEGER, 1]]);
  });

  test('counters account for every packet', () => {
    const items = stream(20, 3);
    const { engine, raw } = runFlows('cicflowmeter', items);
    const c = engine.counters;
    expect(c['packetsAdded']).toBe(60);
    expect(c['packetsInFlows']).toBe(raw.reduce((a, r) => a + r.packets, 0));
    expect(c['packetsInFlows']! + (c['dropped_single_packet_flow'] ?? 0) + (c['dropped_fin_retransmit'] ?? 0)).toBe(60);
    expect(c['flowsWritten']).toBe(20);
  });

  test('header(): both profiles end with community_id; 85 and 95 columns', () => {
    expect(FlowEngine.header('cicflowmeter')).toHaveLength(85);
    expect(FlowEngine.header('default')).toHaveLength(95);
    expect(FlowEngine.header('default').at(-1)).toBe('community_id');
  });
});

describe('FlowEngine timeouts with timestamps out of order', () => {
  test('the timeout check looks at the earliest start, not the first created flow (sharding-independent)', () => {
    // Flow Y starts at 0 s but is created after flow X (starts at 100 s). At +121 s Y has timed out, X has not:
    // Y must be written at that packet even though X is older in file order.
    const c = (n: number): Conversation => ({ client: `10.0.0.${n}`, server: '10.0.0.100', clientPort: 1000, serverPort: 53, protocol: 17 });
    const { raw } = runFlows('default', [
      [c(1), { dir: 'c2s', tsUs: T0 + 100_000_000 }],
      [c(2), { dir: 'c2s', tsUs: T0 }],
      [c(3), { dir: 'c2s', tsUs: T0 + 121_000_000 }],
    ]);
    expect(raw.map((r) => [r.endIndex, r.firstIndex])).toEqual([[2, 1], [Number.MAX_SAFE_INTEGER, 0], [Number.MAX_SAFE_INTEGER, 2]]);
  });

  test('finishStep(k) emits exactly what finish() does, k flows per step, and reports when none is left', () => {
    const items = stream(50, 3); // 50 open TCP flows at the end
    const all: FlowRow[] = [];
    const one = new FlowEngine(engineOptions('default'), (r) => all.push(r));
    const stepped: FlowRow[] = [];
    const two = new FlowEngine(engineOptions('default'), (r) => stepped.push(r));
    const meta = createPacketMeta();
    items.forEach(([conv, p], i) => {
      one.addPacket(i, p.tsUs, fillMeta(meta, conv, p));
      two.addPacket(i, p.tsUs, fillMeta(meta, conv, p));
    });
    one.finish();
    const sizes: number[] = [];
    let done = false;
    while (!done) {
      const before = stepped.length;
      done = two.finishStep(16);
      sizes.push(stepped.length - before);
    }
    expect(sizes).toEqual([16, 16, 16, 2]); // 50 flows, 16 per step
    expect(stepped).toEqual(all);
    expect(two.counters['liveFlows']).toBe(0);
    expect(two.finishStep(16)).toBe(true); // nothing left: no more rows
    expect(stepped).toHaveLength(50);
  });

  test('flows started on recycled memory give the same rows as on fresh memory', () => {
    // 300 UDP flows end by idle timeout (their blocks are recycled), then 300 TCP flows (with retransmission
    // rings) start on that memory and end by RST (rings recycled), then 5 more. Each later flow's row must
    // equal the row of the same packets run alone in a new engine (which only ever uses fresh memory).
    const udp = (i: number): Conversation => ({ client: `10.9.${i >> 8}.${i & 255}`, server: '10.0.0.53', clientPort: 2000 + i, serverPort: 53, protocol: 17 });
    const items: Array<readonly [Conversation, PacketSpec]> = [];
    let t = T0;
    for (let i = 0; i < 300; i++) {
      items.push([udp(i), { dir: 'c2s', tsUs: (t += 10), payload: 40 + (i % 9) }]);
      items.push([udp(i), { dir: 's2c', tsUs: (t += 10), payload: 200 + (i % 13) }]);
    }
    t += 10_000_000; // beyond the 5 s idle timeout: every UDP flow ends
    const later: Array<Array<readonly [Conversation, PacketSpec]>> = [];
    for (let i = 0; i < 305; i++) {
      const c = tcp(i);
      const specs: PacketSpec[] = [
        { dir: 'c2s', tsUs: (t += 5), flags: 'S', window: 1000 + i },
        { dir: 's2c', tsUs: (t += 5), flags: 'SA', window: 2000 },
        { dir: 'c2s', tsUs: (t += 5), flags: 'A', payload: i % 50, window: 1000, seq: 1, ack: 1 },
        // The same (seq, ack, length, window) again from the same side: one retransmission.
        { dir: 'c2s', tsUs: (t += 5), flags: 'A', payload: i % 50, window: 1000, seq: 1, ack: 1 },
        { dir: 's2c', tsUs: (t += 5), flags: i < 300 ? 'RA' : 'A', window: 2000 },
      ];
      later.push(specs.map((p) => [c, p] as const));
    }
    // Interleave in order: flow by flow, so each RST frees memory before the next flow starts.
    const all = [...items, ...later.flat()];
    const { rows } = runFlows('default', all, { idleTimeoutUs: 5_000_000 });
    expect(rows).toHaveLength(605);
    const byFirst = new Map(rows.map((r) => [r['Src Port'] + '/' + r['Src IP'] + '/' + r['Protocol'], r]));
    for (const flow of later) {
      const alone = runFlows('default', flow, { idleTimeoutUs: 5_000_000 }).rows;
      expect(alone).toHaveLength(1);
      const a = alone[0]!;
      const c = flow[0]![0];
      const r = byFirst.get(`${c.clientPort}/${c.client}/6`);
      expect(r).toBeDefined();
      const strip = (m: Record<string, string>): Record<string, string> => {
        const { _endIndex: _e, ...rest } = m;
        return rest;
      };
      expect(strip(r!)).toEqual(strip(a));
    }
    // The retransmission was counted on recycled rings too (one per flow, forward).
    expect(rows.slice(300).every((r) => r['Fwd TCP Retrans. Count'] === '1')).toBe(true);
  });
});
