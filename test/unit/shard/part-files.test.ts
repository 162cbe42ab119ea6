// partOptions: the options parts of one run must agree on. --first-packets is among them only when on, so the
// stats of parts written without it are what they were before the option existed.
import { describe, expect, it } from '@jest/globals';
import { normalizeOptions } from '../../../src/options.js';
import { partOptions } from '../../../src/shard/part-files.js';

describe('partOptions', () => {
  it('holds first_packets when --first-packets is on, and no such key when it is off', () => {
    const off = partOptions(normalizeOptions({ inputs: ['x.pcap'] }));
    expect(Object.keys(off)).toEqual(['profile', 'flow_timeout_us', 'activity_timeout_us', 'idle_timeout_us', 'max_flows', 'community_id_seed', 'community_id_base64', 'strict']);
    const on = partOptions(normalizeOptions({ inputs: ['x.pcap'], firstPackets: 10 }));
    expect(on).toEqual({ ...off, first_packets: 10 });
  });
});
