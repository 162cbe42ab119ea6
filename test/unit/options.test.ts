// normalizeOptions: --first-packets (the early-flow columns) is off unless asked, and bounded.
import { describe, expect, it } from '@jest/globals';
import { PcapflowError } from '../../src/errors.js';
import { normalizeOptions } from '../../src/options.js';

describe('normalizeOptions --first-packets', () => {
  it('is 0 (off) when absent or 0, N for 1..255', () => {
    expect(normalizeOptions({ inputs: ['x.pcap'] }).firstPackets).toBe(0);
    expect(normalizeOptions({ inputs: ['x.pcap'], firstPackets: 0 }).firstPackets).toBe(0);
    expect(normalizeOptions({ inputs: ['x.pcap'], firstPackets: 1 }).firstPackets).toBe(1);
    expect(normalizeOptions({ inputs: ['x.pcap'], firstPackets: 255 }).firstPackets).toBe(255);
  });

  it('refuses values outside 0..255 and non-integers with E_OPTION_INVALID', () => {
    for (const bad of [256, -1, 0.5, Number.NaN]) {
      let err: unknown;
      try {
        normalizeOptions({ inputs: ['x.pcap'], firstPackets: bad });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PcapflowError);
      expect((err as PcapflowError).code).toBe('E_OPTION_INVALID');
      expect((err as PcapflowError).message).toMatch(/^--first-packets: expected an integer from 1 to 255 \(0 = off\), got /);
    }
  });
});
