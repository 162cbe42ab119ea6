// FlowIdMemory: the default profile's bounded memory of which endpoint named a tuple's first flow. Entries are
// found by the full key (not only its hash), taken once, kept per shard group in FIFO order, and forgotten (and
// counted) when the group's FIFO comes round.
import { describe, expect, test } from '@jest/globals';
import { FlowIdMemory, FLOW_IDS_PER_GROUP } from '../../../src/flow/flow-id-memory.js';
import { FlowKey } from '../../../src/flow/key.js';
import { addr } from '../../helpers/packet-meta-builder.js';

function key(src: string, dst: string, sport: number, dport: number, proto = 17): FlowKey {
  const k = new FlowKey();
  const s = addr(src);
  k.set(proto, s, addr(dst), s.length === 16 ? 16 : 4, sport, dport);
  return k;
}

describe('FlowIdMemory', () => {
  test('remembers the orientation of an ended tuple, for either direction of the tuple, once', () => {
    const m = new FlowIdMemory();
    const k = key('10.0.0.1', '10.0.0.2', 5000, 53);
    expect(m.take(k, 7)).toBe(-1);
    m.put(k, 7, true);
    // The reverse packet's key is the same canonical key.
    expect(m.take(key('10.0.0.2', '10.0.0.1', 53, 5000), 7)).toBe(1);
    expect(m.take(k, 7)).toBe(-1); // taken: the new flow holds it now
    m.put(k, 7, false);
    expect(m.take(k, 7)).toBe(0);
  });

  test('matches the whole key: same hash with another protocol, port or IPv6 address is not the tuple', () => {
    const m = new FlowIdMemory();
    const k = key('2001:db8::1', '2001:db8::2', 1, 2, 6);
    m.put(k, 3, true);
    for (const other of [key('2001:db8::1', '2001:db8::2', 1, 2, 17), key('2001:db8::1', '2001:db8::2', 1, 3, 6), key('2001:db8::1', '2001:db8::3', 1, 2, 6)]) {
      other.hash = k.hash; // force a hash collision
      expect(m.take(other, 3)).toBe(-1);
    }
    expect(m.take(k, 4)).toBe(-1); // another group
    expect(m.take(k, 3)).toBe(1);
  });

  test('each group keeps its last perGroup entries; older ones are forgotten and counted', () => {
    const m = new FlowIdMemory(3);
    const keys = [1, 2, 3, 4].map((n) => key(`10.0.0.${n}`, '10.0.0.9', 1000 + n, 80, 6));
    keys.forEach((k) => m.put(k, 9, true));
    m.put(key('10.0.0.5', '10.0.0.9', 1, 1), 10, false); // another group: forgets nothing of group 9
    expect(m.evicted).toBe(1);
    expect(keys.map((k) => m.take(k, 9))).toEqual([-1, 1, 1, 1]);
    // A taken entry's slot is free, but the FIFO still overwrites in order (no eviction counted for it).
    m.put(keys[0]!, 9, false);
    expect(m.evicted).toBe(1);
    expect(new FlowIdMemory(0).take(keys[0]!, 9)).toBe(-1);
    expect(FLOW_IDS_PER_GROUP).toBe(64);
  });
});
