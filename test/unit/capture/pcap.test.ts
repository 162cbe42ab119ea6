// Classic pcap framing: every RawPacket field against hand-computed values, header rules (version, link-type
// bits, magic variants), hostile lengths, and the truncation sweep over every prefix of a file.
import { describe, expect, test } from '@jest/globals';
import { buildPcap, parseAll, testFrame } from '../../helpers/pcap-builder.js';

describe('classic pcap records', () => {
  for (const littleEndian of [true, false]) {
    test(`µs magic, ${littleEndian ? 'LE' : 'BE'}: every field`, () => {
      const a = testFrame(60, 1);
      const b = testFrame(1514, 2);
      const file = buildPcap(
        [
          { data: a, tsSec: 1_600_000_000, tsFrac: 123_456, origLen: 100 },
          { data: b, tsSec: 1_600_000_001, tsFrac: 999_999 },
        ],
        { littleEndian, linkType: 1 },
      );
      const { packets, error } = parseAll(file.bytes, [], 7);
      expect(error).toBeNull();
      expect(packets).toHaveLength(2);
      const [p, q] = packets;
      // offset: 24-byte file header; second record after 16 + 60 bytes.
      expect(p).toEqual({
        index: 7, recordNumber: 1, offset: 24, tsSec: 1_600_000_000, tsNs: 123_456_000,
        tsUs: 1_600_000_000_123_456, tsDigits: 6, hasTimestamp: true, capLen: 60, origLen: 100, linkType: 1, interfaceId: 0, data: a,
      });
      expect(q).toEqual({
        index: 8, recordNumber: 2, offset: 24 + 16 + 60, tsSec: 1_600_000_001, tsNs: 999_999_000,
        tsUs: 1_600_000_001_999_999, tsDigits: 6, hasTimestamp: true, capLen: 1514, origLen: 1514, linkType: 1, interfaceId: 0, data: b,
      });
    });

    test(`ns magic, ${littleEndian ? 'LE' : 'BE'}: tsNs exact, tsUs truncated, 9 digits`, () => {
      const file = buildPcap([{ data: testFrame(42), tsSec: 1_700_000_000, tsFrac: 987_654_321 }], {
        littleEndian, nanosecond: true, linkType: 113,
      });
      const { packets, error } = parseAll(file.bytes);
      expect(error).toBeNull();
      expect(packets[0]).toMatchObject({
        tsSec: 1_700_000_000, tsNs: 987_654_321, tsUs: 1_700_000_000_987_654, tsDigits: 9, linkType: 113,
      });
    });

    test(`modified pcap (a1b2cd34), ${littleEndian ? 'LE' : 'BE'}: 24-byte record headers`, () => {
      const a = testFrame(70, 3);
      const b = testFrame(30, 4);
      const file = buildPcap([{ data: a, tsSec: 5 }, { data: b, tsSec: 6 }], { littleEndian, modified: true });
      const { packets, error } = parseAll(file.bytes);
      expect(error).toBeNull();
      expect(packets.map((p) => p.offset)).toEqual([24, 24 + 24 + 70]);
      expect(packets[1]?.data).toEqual(b);
      expect(packets[0]?.tsDigits).toBe(6);
    });
  }

  test('a header-only file has no packets and ends cleanly', () => {
    const { packets, error, bytesConsumed } = parseAll(buildPcap([]).bytes);
    expect(packets).toHaveLength(0);
    expect(error).toBeNull();
    expect(bytesConsumed).toBe(24);
  });

  test('fraction fields out of range carry into seconds (µs 2_500_000 = 2.5 s; ns 1_000_000_001)', () => {
    const us = parseAll(buildPcap([{ data: testFrame(1), tsSec: 10, tsFrac: 2_500_000 }]).bytes).packets[0];
    expect(us).toMatchObject({ tsSec: 12, tsNs: 500_000_000, tsUs: 12_500_000 });
    const ns = parseAll(buildPcap([{ data: testFrame(1), tsSec: 10, tsFrac: 1_000_000_001 }], { nanosecond: true }).bytes)
      .packets[0];
    expect(ns).toMatchObject({ tsSec: 11, tsNs: 1 });
  });

  test('timestamps going backwards are returned as they are', () => {
    const file = buildPcap([{ data: testFrame(1), tsSec: 100 }, { data: testFrame(1), tsSec: 50 }]);
    expect(parseAll(file.bytes).packets.map((p) => p.tsSec)).toEqual([100, 50]);
  });

  test('seconds are unsigned 32-bit: 0xFFFFFFFF is 4294967295, not -1', () => {
    const p = parseAll(buildPcap([{ data: testFrame(1), tsSec: 0xffffffff }]).bytes).packets[0];
    expect(p?.tsSec).toBe(4294967295);
  });
});

describe('classic pcap header rules', () => {
  test.each([
    [0x00000001, 1],
    [0x30000001, 1], // FCS length 3 in the top 4 bits (tcpdump nfs-attr-oobr.pcap)
    [0x04000071, 113], // P bit set
    [0xf0000000 | 276, 276],
  ])('LinkType field %i -> link type %i', (field, lt) => {
    const { packets, error } = parseAll(buildPcap([{ data: testFrame(14) }], { linkType: field }).bytes);
    expect(error).toBeNull();
    expect(packets[0]?.linkType).toBe(lt);
  });

  test.each([0x00300000, 0x08000001, 0x03ff0001])('reserved LinkType bits %i -> E_PCAP_BAD_LINKTYPE at 0', (field) => {
    const { packets, error } = parseAll(buildPcap([{ data: testFrame(14) }], { linkType: field }).bytes);
    expect(packets).toHaveLength(0);
    expect(error).toMatchObject({ code: 'E_PCAP_BAD_LINKTYPE', offset: 0 });
  });

  test.each([
    [2, 4],
    [2, 5],
    [2, 1],
    [2, 3],
  ])('version %i.%i is accepted', (major, minor) => {
    const file = buildPcap([{ data: testFrame(20) }], { versionMajor: major, versionMinor: minor });
    expect(parseAll(file.bytes).error).toBeNull();
  });

  test.each([
    [1, 4],
    [0, 0],
    [3, 0],
    [543, 0],
  ])('version %i.%i -> E_PCAP_BAD_VERSION at offset 0', (major, minor) => {
    const file = buildPcap([{ data: testFrame(20) }], { versionMajor: major, versionMinor: minor });
    expect(parseAll(file.bytes).error).toMatchObject({ code: 'E_PCAP_BAD_VERSION', offset: 0 });
  });

  test('versions 2.0-2.2 store len before caplen (libpcap swaps them); 2.3 swaps only when caplen > len', () => {
    // A 2.1 writer puts len (100) in the caplen slot and caplen (60) in the len slot.
    const v21 = buildPcap([{ data: testFrame(60), capLenField: 100, origLen: 60 }], { versionMinor: 1 });
    expect(parseAll(v21.bytes).packets[0]).toMatchObject({ capLen: 60, origLen: 100 });
    const v23a = buildPcap([{ data: testFrame(60), origLen: 100 }], { versionMinor: 3 });
    expect(parseAll(v23a.bytes).packets[0]).toMatchObject({ capLen: 60, origLen: 100 });
    const v23b = buildPcap([{ data: testFrame(60), capLenField: 100, origLen: 60 }], { versionMinor: 3 });
    expect(parseAll(v23b.bytes).packets[0]).toMatchObject({ capLen: 60, origLen: 100 });
  });
});

describe('classic pcap hostile lengths', () => {
  test('caplen 262144 is accepted; 262145 is E_PCAP_CAPLEN_TOO_LARGE at that record, earlier packets kept', () => {
    const big = testFrame(262144);
    const ok = parseAll(buildPcap([{ data: big }]).bytes);
    expect(ok.error).toBeNull();
    expect(ok.packets[0]?.capLen).toBe(262144);
    const file = buildPcap([{ data: testFrame(10) }, { data: testFrame(10), capLenField: 262145 }]);
    const bad = parseAll(file.bytes);
    expect(bad.packets).toHaveLength(1);
    expect(bad.error).toMatchObject({
      code: 'E_PCAP_CAPLEN_TOO_LARGE', offset: file.recordOffsets[1], recordNumber: 2, required: 262145, file: 'test.cap',
    });
  });

  test('caplen of 4 GB fails at once, without waiting for (or buffering) 4 GB', () => {
    const file = buildPcap([{ data: testFrame(0), capLenField: 0xffffffff }]);
    // The error must come from next(), before end(): feed only the header bytes.
    const { packets, error } = parseAll(file.bytes.subarray(0, 24 + 16));
    expect(packets).toHaveLength(0);
    expect(error).toMatchObject({ code: 'E_PCAP_CAPLEN_TOO_LARGE', offset: 24, recordNumber: 1 });
  });

  test('caplen > snaplen is tolerated; caplen > origLen is kept as is; snaplen 0 and empty packets are fine', () => {
    const file = buildPcap(
      [{ data: testFrame(100) }, { data: testFrame(60), origLen: 10 }, { data: new Uint8Array(0), origLen: 0 }],
      { snaplen: 0 },
    );
    const { packets, error } = parseAll(file.bytes);
    expect(error).toBeNull();
    expect(packets.map((p) => [p.capLen, p.origLen, p.data.length])).toEqual([[100, 100, 100], [60, 10, 60], [0, 0, 0]]);
  });
});

describe('classic pcap truncation sweep', () => {
  for (const modified of [false, true]) {
    test(`every prefix of a 3-record file${modified ? ' (modified format)' : ''}: clean end or the exact error`, () => {
      const hl = modified ? 24 : 16;
      const file = buildPcap([{ data: testFrame(33) }, { data: testFrame(0) }, { data: testFrame(7) }], { modified });
      const bytes = file.bytes;
      const starts = file.recordOffsets;
      for (let cut = 0; cut < bytes.length; cut++) {
        const { packets, error } = parseAll(bytes.subarray(0, cut));
        if (cut < 24) {
          expect(packets).toHaveLength(0);
          expect(error).toMatchObject({ code: 'E_CAPTURE_TRUNCATED_HEADER', offset: 0, available: cut });
          continue;
        }
        // Records wholly inside the prefix.
        const i = starts.filter((s) => s < cut).length - 1; // record the cut falls in or after
        if (starts.includes(cut) || cut === 24) {
          expect(error).toBeNull();
          expect(packets).toHaveLength(starts.filter((s) => s < cut).length);
          continue;
        }
        const start = starts[i] as number;
        expect(packets).toHaveLength(i);
        expect(error).toMatchObject({
          code: 'E_PCAP_RECORD_TRUNCATED', offset: start, recordNumber: i + 1, available: cut - start,
          layer: cut - start < hl ? 'pcap record header' : 'pcap record data',
        });
      }
      expect(parseAll(bytes).packets).toHaveLength(3);
    });
  }
});
