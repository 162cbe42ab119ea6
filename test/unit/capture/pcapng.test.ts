// pcapng framing: both byte orders, every block type, if_tsresol (10^-k and 2^-k) and if_tsoffset, several
// interfaces and sections, the error rules of §3.1/§4, and the truncation sweep. Expected timestamps are
// computed by hand in the comments (units / resolution).
import { describe, expect, test } from '@jest/globals';
import { PCAPNG_BLOCK_TYPE, PcapngBuilder, parseAll, stringOption, testFrame } from '../../helpers/pcap-builder.js';

const SEC = 1_600_000_000n;

/** One section, one interface with the given if_tsresol, one EPB with timestamp `ts` units. */
function oneEpb(littleEndian: boolean, tsresol: number | undefined, ts: bigint, tsoffset?: number) {
  const b = new PcapngBuilder().section({ littleEndian });
  b.interface({
    linkType: 1,
    ...(tsresol !== undefined ? { tsresol } : {}),
    ...(tsoffset !== undefined ? { tsoffset } : {}),
  });
  b.epb({ interfaceId: 0, ts, data: testFrame(64), origLen: 80 });
  return { builder: b, parsed: parseAll(b.bytes()) };
}

for (const littleEndian of [true, false]) {
  const order = littleEndian ? 'LE' : 'BE';
  describe(`pcapng ${order}`, () => {
    test('EPB with the default resolution (µs): every field', () => {
      const { builder, parsed } = oneEpb(littleEndian, undefined, SEC * 1_000_000n + 123_456n);
      expect(parsed.error).toBeNull();
      const epb = builder.blocks[2];
      expect(parsed.packets).toEqual([
        {
          index: 0, recordNumber: 3, offset: epb?.offset, tsSec: 1_600_000_000, tsNs: 123_456_000,
          tsUs: 1_600_000_000_123_456, tsDigits: 6, hasTimestamp: true, capLen: 64, origLen: 80, linkType: 1, interfaceId: 0,
          data: testFrame(64),
        },
      ]);
    });

    test.each([
      // [if_tsresol, units, tsSec, tsNs, tsDigits]
      [9, SEC * 1_000_000_000n + 123_456_789n, 1_600_000_000, 123_456_789, 9], // 10^-9
      [3, SEC * 1000n + 123n, 1_600_000_000, 123_000_000, 3], // 10^-3: 123 ms
      [0, SEC, 1_600_000_000, 0, 0], // 10^0: whole seconds
      [0x88, SEC * 256n + 128n, 1_600_000_000, 500_000_000, 3], // 2^-8: 128/256 s; ceil(8 log10 2) = 3
      [0x94, SEC * 1_048_576n + 1n, 1_600_000_000, 953, 7], // 2^-20: 1e9/2^20 = 953.67 ns; ceil(20*0.30103) = 7
      [0xa0, SEC * 4_294_967_296n + 2_147_483_648n, 1_600_000_000, 500_000_000, 9], // 2^-32: half a second
      [12, 1_600_000n * 1_000_000_000_000n + 123_456_789_012n, 1_600_000, 123_456_789, 9], // 10^-12 (BigInt path), truncated; 2^64 units at 10^-12 is only 18446744 s
      [0xa8, 1_000_000n * 2n ** 40n + 2n ** 39n + 1n, 1_000_000, 500_000_000, 9], // 2^-40 (BigInt path): 0.5 s + 1/2^40 s (0.9 ps, truncated)
    ])('if_tsresol %i', (tsresol, units, tsSec, tsNs, digits) => {
      const { parsed } = oneEpb(littleEndian, tsresol, units);
      expect(parsed.error).toBeNull();
      expect(parsed.packets[0]).toMatchObject({ tsSec, tsNs, tsDigits: digits, tsUs: tsSec * 1e6 + Math.floor(tsNs / 1000) });
    });

    test('64-bit µs timestamps beyond 2^53 units convert exactly', () => {
      // 2^64 - 1 µs = 18446744073709.551615 s
      const { parsed } = oneEpb(littleEndian, 6, 2n ** 64n - 1n);
      expect(parsed.packets[0]).toMatchObject({ tsSec: 18_446_744_073_709, tsNs: 551_615_000 });
      // 2^63 ns = 9223372036.854775808 s
      const ns = oneEpb(littleEndian, 9, 2n ** 63n).parsed;
      expect(ns.packets[0]).toMatchObject({ tsSec: 9_223_372_036, tsNs: 854_775_808 });
    });

    test('if_tsoffset adds seconds (positive and negative)', () => {
      expect(oneEpb(littleEndian, 6, 1_500_000n, 100).parsed.packets[0]).toMatchObject({ tsSec: 101, tsNs: 500_000_000 });
      expect(oneEpb(littleEndian, 6, 7_000_000n, -5).parsed.packets[0]).toMatchObject({ tsSec: 2, tsNs: 0 });
    });

    test('several interfaces: each its own link type, snaplen and resolution', () => {
      const b = new PcapngBuilder()
        .section({ littleEndian })
        .interface({ linkType: 1, options: [stringOption(2, 'eth0')] })
        .interface({ linkType: 113, tsresol: 9, snaplen: 128 })
        .epb({ interfaceId: 1, ts: 5_000_000_001n, data: testFrame(10) })
        .epb({ interfaceId: 0, ts: 5_000_001n, data: testFrame(11) });
      const { packets, error } = parseAll(b.bytes());
      expect(error).toBeNull();
      expect(packets.map((p) => [p.interfaceId, p.linkType, p.tsSec, p.tsNs, p.tsDigits, p.recordNumber])).toEqual([
        [1, 113, 5, 1, 9, 4],
        [0, 1, 5, 1000, 6, 5],
      ]);
    });

    test('SPB: caplen = min(origLen, snaplen, block space); timestamp of the previous packet of the section', () => {
      const b = new PcapngBuilder()
        .section({ littleEndian })
        .interface({ linkType: 1, snaplen: 64 })
        .spb({ data: testFrame(64), origLen: 100 }) // snaplen-truncated: 64 of 100
        .epb({ ts: 3_250_000n, data: testFrame(20) })
        .spb({ data: testFrame(10) }) // origLen 10, block space 12 (padded): 10
        .spb({ data: testFrame(30), origLen: 30 });
      const { packets, error } = parseAll(b.bytes());
      expect(error).toBeNull();
      expect(packets.map((p) => [p.capLen, p.origLen, p.tsSec, p.tsNs, p.data.length, p.hasTimestamp])).toEqual([
        [64, 100, 0, 0, 64, false], // first packet of the section: no earlier timestamp
        [20, 20, 3, 250_000_000, 20, true],
        [10, 10, 3, 250_000_000, 10, false], // an SPB carries no time of its own (pcapng §4.4)
        [30, 30, 3, 250_000_000, 30, false],
      ]);
      expect(packets[0]?.data).toEqual(testFrame(64));
    });

    test('SPB with snaplen 0 (unlimited) keeps the whole block payload up to origLen', () => {
      const b = new PcapngBuilder().section({ littleEndian }).interface({ snaplen: 0 }).spb({ data: testFrame(99), origLen: 1500 });
      expect(parseAll(b.bytes()).packets[0]).toMatchObject({ capLen: 100, origLen: 1500 }); // 99 padded to 100
    });

    test('obsolete Packet Block (type 2) with a 16-bit interface id', () => {
      const b = new PcapngBuilder()
        .section({ littleEndian })
        .interface({ linkType: 1 })
        .interface({ linkType: 101 })
        .pb({ interfaceId: 1, ts: 2_000_001n, data: testFrame(40), origLen: 41 });
      expect(parseAll(b.bytes()).packets[0]).toMatchObject({ interfaceId: 1, linkType: 101, tsSec: 2, tsNs: 1000, capLen: 40, origLen: 41 });
    });

    test('every other block type is skipped by its length and counted', () => {
      const b = new PcapngBuilder()
        .section({ littleEndian, options: [stringOption(2, 'hw'), stringOption(3, 'os')] })
        .block(PCAPNG_BLOCK_TYPE.NRB, new Uint8Array(4))
        .interface({ linkType: 1 })
        .block(PCAPNG_BLOCK_TYPE.ISB, new Uint8Array(12))
        .block(PCAPNG_BLOCK_TYPE.CB_COPY, new Uint8Array([0, 0, 0x7e, 0x57, 1, 2, 3]))
        .block(PCAPNG_BLOCK_TYPE.CB_NOCOPY, new Uint8Array(8))
        .block(PCAPNG_BLOCK_TYPE.DSB, new Uint8Array(8))
        .block(PCAPNG_BLOCK_TYPE.SJE, new Uint8Array(0))
        .block(0x12345678, new Uint8Array(20))
        .block(0x80000001, new Uint8Array(4)) // local-use block type
        .epb({ data: testFrame(5) });
      const { packets, error, blockCounts } = parseAll(b.bytes());
      expect(error).toBeNull();
      expect(packets).toHaveLength(1);
      expect(packets[0]?.recordNumber).toBe(11);
      expect(blockCounts).toEqual({ NRB: 1, ISB: 1, CB: 2, DSB: 1, SJE: 1, unknown: 2 });
    });
  });
}

describe('pcapng sections', () => {
  test('sections with different byte orders each define their own interfaces', () => {
    const b = new PcapngBuilder()
      .section({ littleEndian: true })
      .interface({ linkType: 1 })
      .epb({ ts: 1_000_000n, data: testFrame(10) })
      .section({ littleEndian: false })
      .interface({ linkType: 101, tsresol: 9 })
      .epb({ ts: 2_000_000_000n, data: testFrame(11) })
      .section({ littleEndian: true, versionMinor: 2 }) // 1.2 is accepted, as libpcap and Wireshark do
      .interface({ linkType: 113 })
      .spb({ data: testFrame(12) });
    const { packets, error } = parseAll(b.bytes());
    expect(error).toBeNull();
    expect(packets.map((p) => [p.linkType, p.tsSec, p.tsDigits, p.capLen])).toEqual([
      [1, 1, 6, 10],
      [101, 2, 9, 11],
      [113, 0, 6, 12], // SPB first in its section: timestamp 0 (not the previous section's)
    ]);
  });

  test('an interface id from an earlier section is E_PCAPNG_BAD_INTERFACE', () => {
    const b = new PcapngBuilder()
      .section()
      .interface()
      .interface()
      .section({ littleEndian: false })
      .interface()
      .epb({ interfaceId: 1, data: testFrame(4) });
    const { error } = parseAll(b.bytes());
    expect(error).toMatchObject({ code: 'E_PCAPNG_BAD_INTERFACE', offset: b.blocks[5]?.offset, recordNumber: 6 });
  });
});

describe('pcapng errors', () => {
  const base = () => new PcapngBuilder().section().interface().epb({ data: testFrame(8) });

  test.each([
    ['below 12', 8],
    ['not a multiple of 4', 30],
    ['0', 0],
    ['over the 16 MiB limit', 0x7ffffff0],
  ])('block length %s -> E_PCAPNG_BLOCK_LENGTH at the block', (_name, lengthField) => {
    const b = base().block(PCAPNG_BLOCK_TYPE.ISB, new Uint8Array(8), { lengthField });
    const { packets, error } = parseAll(b.bytes());
    expect(packets).toHaveLength(1);
    expect(error).toMatchObject({ code: 'E_PCAPNG_BLOCK_LENGTH', offset: b.blocks[3]?.offset, recordNumber: 4 });
  });

  test('block too short for its type (EPB of 28) -> E_PCAPNG_BLOCK_LENGTH', () => {
    const b = base().block(PCAPNG_BLOCK_TYPE.EPB, new Uint8Array(16));
    expect(parseAll(b.bytes()).error).toMatchObject({ code: 'E_PCAPNG_BLOCK_LENGTH', offset: b.blocks[3]?.offset });
  });

  test('trailer differing from the header length -> E_PCAPNG_BLOCK_TRAILER at the block', () => {
    const b = base().block(PCAPNG_BLOCK_TYPE.NRB, new Uint8Array(4), { trailerField: 20 });
    const { packets, error } = parseAll(b.bytes());
    expect(packets).toHaveLength(1);
    expect(error).toMatchObject({ code: 'E_PCAPNG_BLOCK_TRAILER', offset: b.blocks[3]?.offset, recordNumber: 4 });
  });

  test('a bad trailer on an EPB loses that packet (it is not returned)', () => {
    const b = new PcapngBuilder().section().interface();
    b.block(PCAPNG_BLOCK_TYPE.EPB, new Uint8Array(24), { trailerField: 4 });
    const { packets, error } = parseAll(b.bytes());
    expect(packets).toHaveLength(0);
    expect(error?.code).toBe('E_PCAPNG_BLOCK_TRAILER');
  });

  test.each([
    [0, 1],
    [1, 1],
    [2, 0],
  ])('SHB version %i.%i -> E_PCAPNG_BAD_VERSION at the SHB', (versionMajor, versionMinor) => {
    const b = base().section({ versionMajor, versionMinor }).interface().epb({ data: testFrame(3) });
    const { packets, error } = parseAll(b.bytes());
    expect(packets).toHaveLength(1);
    expect(error).toMatchObject({ code: 'E_PCAPNG_BAD_VERSION', offset: b.blocks[3]?.offset, recordNumber: 4 });
  });

  test('an option running past its block -> E_PCAPNG_BAD_OPTION at the option', () => {
    // IDB body: linktype(2) reserved(2) snaplen(4), then option code 2, length 100, with 4 bytes of value.
    const body = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 100, 0, 0x61, 0x62, 0x63, 0x64]);
    const b = new PcapngBuilder().section().block(PCAPNG_BLOCK_TYPE.IDB, body);
    const idb = b.blocks[1]?.offset as number;
    expect(parseAll(b.bytes()).error).toMatchObject({ code: 'E_PCAPNG_BAD_OPTION', offset: idb + 16, recordNumber: 2 });
  });

  test('EPB whose captured length does not fit in its block -> E_PCAPNG_BLOCK_LENGTH', () => {
    const b = new PcapngBuilder().section().interface().epb({ data: testFrame(16), capLenField: 17 });
    expect(parseAll(b.bytes()).error).toMatchObject({ code: 'E_PCAPNG_BLOCK_LENGTH', offset: b.blocks[2]?.offset });
  });

  test('hostile EPB caplen of 4 GB -> E_PCAPNG_BLOCK_LENGTH (bounded by the block), nothing buffered', () => {
    const b = new PcapngBuilder().section().interface().epb({ data: testFrame(8), capLenField: 0xffffffff });
    expect(parseAll(b.bytes()).error).toMatchObject({ code: 'E_PCAPNG_BLOCK_LENGTH', offset: b.blocks[2]?.offset, recordNumber: 3 });
  });

  test('zero-length EPB and timestamps going backwards are returned as they are', () => {
    const b = new PcapngBuilder().section().interface().epb({ ts: 9_000_000n, data: new Uint8Array(0), origLen: 0 }).epb({ ts: 1_000_000n, data: testFrame(1) });
    const { packets, error } = parseAll(b.bytes());
    expect(error).toBeNull();
    expect(packets.map((p) => [p.tsSec, p.capLen, p.data.length])).toEqual([[9, 0, 0], [1, 1, 1]]);
  });

  test('EPB or SPB before any IDB -> E_PCAPNG_BAD_INTERFACE', () => {
    expect(parseAll(new PcapngBuilder().section().epb({ data: testFrame(4) }).bytes()).error?.code).toBe('E_PCAPNG_BAD_INTERFACE');
    expect(parseAll(new PcapngBuilder().section().spb({ data: testFrame(4) }).bytes()).error?.code).toBe('E_PCAPNG_BAD_INTERFACE');
  });

  test('unknown byte-order magic in a later SHB -> E_CAPTURE_BAD_MAGIC at that block', () => {
    const b = base();
    const shb = new PcapngBuilder().section().bytes();
    shb[8] = 0x11; // corrupt the BOM
    const file = new Uint8Array([...b.bytes(), ...shb]);
    expect(parseAll(file).error).toMatchObject({ code: 'E_CAPTURE_BAD_MAGIC', offset: b.bytes().length });
  });
});

describe('pcapng truncation sweep', () => {
  for (const littleEndian of [true, false]) {
    test(`every prefix (${littleEndian ? 'LE' : 'BE'}): clean end at block boundaries, else the exact error`, () => {
      const b = new PcapngBuilder()
        .section({ littleEndian, options: [stringOption(4, 'pcapflow test')] })
        .interface({ linkType: 1, tsresol: 9 })
        .epb({ ts: 1n, data: testFrame(13) })
        .block(PCAPNG_BLOCK_TYPE.ISB, new Uint8Array(8))
        .spb({ data: testFrame(5) })
        .pb({ data: testFrame(2) });
      const bytes = b.bytes();
      const blocks = b.blocks;
      const isPacket = (t: number) => t === PCAPNG_BLOCK_TYPE.EPB || t === PCAPNG_BLOCK_TYPE.SPB || t === PCAPNG_BLOCK_TYPE.PB;
      for (let cut = 0; cut <= bytes.length; cut++) {
        const { packets, error } = parseAll(bytes.subarray(0, cut));
        const whole = blocks.filter((x) => x.offset + x.length <= cut);
        expect(packets).toHaveLength(whole.filter((x) => isPacket(x.type)).length);
        const boundary = cut === bytes.length || blocks.some((x) => x.offset === cut);
        if (cut === 0) expect(error).toMatchObject({ code: 'E_CAPTURE_TRUNCATED_HEADER', offset: 0 });
        else if (boundary) expect(error).toBeNull();
        else if (whole.length === 0) expect(error).toMatchObject({ code: 'E_CAPTURE_TRUNCATED_HEADER', offset: 0, available: cut });
        else {
          const blk = blocks[whole.length];
          expect(error).toMatchObject({
            code: 'E_PCAPNG_BLOCK_TRUNCATED', offset: blk?.offset, recordNumber: whole.length + 1,
            available: cut - (blk?.offset as number), required: cut - (blk?.offset as number) < 12 ? 12 : blk?.length,
          });
        }
      }
    });
  }
});
