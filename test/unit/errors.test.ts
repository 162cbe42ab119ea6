import { describe, expect, it } from '@jest/globals';
import { PcapflowError, isCaptureError } from '../../src/errors.js';

describe('PcapflowError', () => {
  it('names file, record number and byte offset in its one-line description', () => {
    const err = new PcapflowError('E_PCAP_RECORD_TRUNCATED', 'header says 1514 bytes, 312 remain', {
      file: 'capture.pcap',
      recordNumber: 48211,
      offset: 73400112,
    });
    expect(err.describe()).toBe(
      'capture.pcap: record #48211 at byte 73400112: header says 1514 bytes, 312 remain',
    );
    expect(isCaptureError(err)).toBe(true);
    expect(isCaptureError(new PcapflowError('E_OPTION_INVALID', 'x'))).toBe(false);
  });
});
