// The capture readers over the real captures in ../shared/testdata (read in place, skipped when absent):
// packet counts against MANIFEST.tsv, pinned outcomes for every malformed file, a differential test against
// the npm parsers `pcap-parser` (classic µs pcap) and `pcap-ng-parser` (pcapng, on the files it can read).
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Readable } from 'node:stream';
import { readAllPackets } from '../../src/capture/chunk-reader.js';
import { HAVE_SHARED, TESTDATA_DIR } from '../helpers/paths.js';

const require = createRequire(import.meta.url);
const td = (f: string) => path.join(TESTDATA_DIR, f);

interface ManifestRow {
  file: string;
  format: string;
  packets: string;
}
function manifest(): ManifestRow[] {
  const lines = readFileSync(td('MANIFEST.tsv'), 'utf8').split('\n').filter((l) => l.length > 0);
  const head = (lines[0] as string).split('\t');
  const col = (n: string) => head.indexOf(n);
  return lines.slice(1).map((l) => {
    const c = l.split('\t');
    return { file: c[col('file')] as string, format: c[col('format')] as string, packets: c[col('packets')] as string };
  });
}
const isCapture = (r: ManifestRow) => /^(gzip )?pcap/.test(r.format) || r.file.startsWith('malformed/');

/**
 * Outcome of every malformed/* file: packets read before the error, and the error (code, offset, recordNumber).
 * Offsets are of the record/block (or file header) where reading stopped.
 */
const MALFORMED: Record<string, { packets: number; code: string | null; offset?: number; recordNumber?: number; why: string }> = {
  'malformed/suri_http-mime-truncated-CUT.pcap': { packets: 2696, code: 'E_PCAP_RECORD_TRUNCATED', offset: 2715459, recordNumber: 2697, why: '2696 whole records, then 1 stray byte of the next record header (file size 2715460)' },
  'malformed/suri_smtp-to-comma-CORRUPT.pcap': { packets: 18, code: 'E_PCAP_CAPLEN_TOO_LARGE', offset: 3695, recordNumber: 19, why: '18 good records then caplen 3925868813 (3.9e9) at offset 3695' },
  'malformed/suri_bug-6875-fuzz-CORRUPT.pcap': { packets: 1, code: 'E_PCAP_CAPLEN_TOO_LARGE', offset: 228, recordNumber: 2, why: '1 good record then caplen 16711424 at 228; Wireshark resyncs to find a 2nd, pcapflow never resyncs' },
  'malformed/suri_tls_DER-incomplete-header-CORRUPT.pcap': { packets: 6, code: 'E_PCAP_CAPLEN_TOO_LARGE', offset: 5035, recordNumber: 7, why: '6 records then caplen 4325376 (> 262144) at 5035' },
  'malformed/libpcap_shb-option-too-long.pcapng': { packets: 0, code: 'E_PCAPNG_BAD_OPTION', offset: 24, recordNumber: 1, why: 'first SHB option (at 24) claims 12336 bytes in a 52-byte block' },
  'malformed/libpcap_pcapng-invalid-vers-1.pcapng': { packets: 0, code: 'E_PCAPNG_BAD_VERSION', offset: 0, recordNumber: 1, why: 'SHB version 0.1' },
  'malformed/libpcap_pcapng-invalid-vers-2.pcapng': { packets: 0, code: 'E_PCAPNG_BAD_VERSION', offset: 0, recordNumber: 1, why: 'SHB version 1.1 (only 1.0 and 1.2 are read, as libpcap/Wireshark do)' },
  'malformed/libpcap_pcap-invalid-version-1.pcap': { packets: 0, code: 'E_PCAP_BAD_VERSION', offset: 0, why: 'pcap header version 1.4: major must be 2 (libpcap: "archaic pcap savefile format")' },
  'malformed/libpcap_pcap-invalid-version-2.pcap': { packets: 1, code: null, why: 'version 2.5: any 2.x is read (Wireshark reads it; libpcap refuses minor > 4)' },
  'malformed/libpcap_linktype-reserved-field-not-zero.pcap': { packets: 0, code: 'E_PCAP_BAD_LINKTYPE', offset: 0, why: 'LinkType field 0x00300000: Reserved3 bits set, which pcap-savefile(5) says readers SHOULD treat as an error' },
  'malformed/gopacket_test901-le.pcapng': { packets: 1, code: 'E_PCAPNG_BAD_VERSION', offset: 480, recordNumber: 4, why: 'section 1 has 1 packet; the 2nd SHB (block 4, at 480: 0a0d0d0a, version field 0002 0000 at 492) has version 2.0: stop there' },
  'malformed/npm-pcap-parser_malformed.pcap': { packets: 0, code: 'E_CAPTURE_BAD_MAGIC', offset: 0, why: 'ASCII text' },
  'malformed/pcpp_solaris.snoop': { packets: 0, code: 'E_CAPTURE_BAD_MAGIC', offset: 0, why: 'Solaris snoop is not pcap/pcapng (capinfos reads its 250 packets; pcapflow rejects the format)' },
  'malformed/pngtg_empty.pcap': { packets: 0, code: null, why: 'header only' },
  'malformed/tcpdump_stp-heapoverflow-1.pcap': { packets: 14, code: null, why: 'FCS bits in LinkType (masked), junk frames are still whole records' },
  'malformed/zeek_trunc-hdr.pcap': { packets: 1, code: null, why: 'packet-level damage only' },
  'malformed/zeek_ip6-ext-trunc.pcap': { packets: 1, code: null, why: 'packet-level damage only' },
  'malformed/zeek_ipv4-truncated-broken-header.pcap': { packets: 1, code: null, why: 'packet-level damage only' },
  'malformed/zeek_icmp-payload-trunc.pcap': { packets: 4, code: null, why: 'packet-level damage only' },
};

(HAVE_SHARED ? describe : describe.skip)('readers over ../shared/testdata', () => {
  test('packet counts equal MANIFEST.tsv where it gives a plain number (malformed/* pinned below)', async () => {
    const rows = manifest().filter((r) => isCapture(r) && /^\d+$/.test(r.packets) && !r.file.startsWith('malformed/'));
    expect(rows.length).toBeGreaterThan(100);
    for (const r of rows) {
      const { packets, error } = await readAllPackets(td(r.file));
      expect({ file: r.file, n: packets.length, error: error?.code ?? null }).toEqual({ file: r.file, n: Number(r.packets), error: null });
    }
  });

  test('every malformed/* file has its pinned outcome', async () => {
    const files = manifest().filter((r) => r.file.startsWith('malformed/')).map((r) => r.file);
    expect(files.sort()).toEqual(Object.keys(MALFORMED).sort());
    for (const f of files) {
      const want = MALFORMED[f];
      const { packets, error } = await readAllPackets(td(f));
      const got = { file: f, packets: packets.length, code: error?.code ?? null, offset: error?.offset, recordNumber: error?.recordNumber };
      expect(got).toEqual({ file: f, packets: want?.packets, code: want?.code, offset: want?.offset, recordNumber: want?.recordNumber });
    }
  });

  test('timestamps checked against tshark on pcapng files with ns/µs and 2^-8 resolutions', async () => {
    // tshark -r F -T fields -e frame.interface_id -e frame.time_epoch -e frame.cap_len -e frame.len
    const multi = (await readAllPackets(td('format/zeek_pcapng-multi-interface.pcapng'))).packets;
    const fmt = (p: { interfaceId: number; tsSec: number; tsNs: number; capLen: number; origLen: number }) =>
      `${p.interfaceId} ${p.tsSec}.${String(p.tsNs).padStart(9, '0')} ${p.capLen} ${p.origLen}`;
    expect(multi.map(fmt)).toEqual([
      '0 1767663089.500330493 96 96',
      '0 1767663089.514291940 214 214',
      '1 1767663437.111897000 70 70',
      '1 1767663437.126460000 166 166',
      '1 1767663437.128303000 70 70',
      '1 1767663437.140942000 182 182',
    ]);
    const bin = (await readAllPackets(td('format/gopacket_test902-le.pcapng'))).packets[0];
    expect(bin && `${bin.tsSec}.${String(bin.tsNs).padStart(9, '0')}`).toBe('1519128000.195312500');
  });
});

interface OraclePacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}
function pcapParserRead(file: string): Promise<{ packets: OraclePacket[]; error: Error | null }> {
  const lib = require('pcap-parser') as { parse(input: NodeJS.ReadableStream): NodeJS.EventEmitter };
  return new Promise((resolve) => {
    const packets: OraclePacket[] = [];
    let error: Error | null = null;
    const p = lib.parse(Readable.from([readFileSync(file)]));
    p.on('packet', (pk: OraclePacket) => packets.push(pk));
    p.on('error', (e: Error) => (error = e));
    p.on('end', () => resolve({ packets, error }));
  });
}

(HAVE_SHARED ? describe : describe.skip)('differential: pcap-parser (npm) on classic µs pcaps', () => {
  // pcap-parser reads only the a1b2c3d4 magic (µs, both byte orders), so nanosecond, modified, gzip and
  // malformed files are left out.
  test('same count, timestamps, lengths and bytes', async () => {
    const rows = manifest().filter((r) => /^pcap (LE|BE) usec v2/.test(r.format) && !r.file.startsWith('malformed/'));
    expect(rows.length).toBeGreaterThan(60);
    for (const r of rows) {
      const ours = await readAllPackets(td(r.file));
      const theirs = await pcapParserRead(td(r.file));
      expect(theirs.error).toBeNull();
      expect({ f: r.file, n: ours.packets.length }).toEqual({ f: r.file, n: theirs.packets.length });
      ours.packets.forEach((p, i) => {
        const o = theirs.packets[i] as OraclePacket;
        if (p.tsSec !== o.header.timestampSeconds || p.tsNs !== o.header.timestampMicroseconds * 1000 || p.capLen !== o.header.capturedLength || p.origLen !== o.header.originalLength || Buffer.compare(Buffer.from(p.data), o.data) !== 0) {
          throw new Error(`${r.file} packet ${i} differs from pcap-parser`);
        }
      });
    }
  });
});

interface NgPacket {
  interfaceId: number;
  timestampHigh: number;
  timestampLow: number;
  data: Buffer;
}
/**
 * pcap-ng-parser is used on the files it reads correctly: one section, EPBs only. It is left off files whose
 * IDBs carry options it cannot walk (pcpp_pcapng-example, zeek_ldap-gap-data-missing: RangeError), files with
 * SPBs (it drops them silently: testgen 010-012, 016, 018, 100-102, 201, 202), several sections (it keeps the
 * first section's byte order: testgen 200-202) and the malformed files.
 * Timestamp resolution per file (units per second), from its IDBs, checked independently with tshark above.
 */
const NG_FILES: Record<string, (ifId: number) => bigint> = {
  'encap/pcpp_QinQ_802.1_AD.pcapng': () => 1_000_000n,
  'format/gopacket_test902-le.pcapng': () => 256n,
  'format/gopacket_test902-be.pcapng': () => 256n,
  'format/pcpp_many_interfaces-1.pcapng': () => 1_000_000n,
  'format/rusticata_wireshark_samples-test.pcapng': () => 1_000_000_000n,
  'format/zeek_pcapng-multi-interface.pcapng': (i) => (i === 0 ? 1_000_000_000n : 1_000_000n),
  ...Object.fromEntries(
    ['001', '004', '005', '006', '007', '009', '013', '014', '015', '017'].flatMap((n) => [
      [`pcapng-testgen/le_test${n}.pcapng`, () => 1_000_000n],
      [`pcapng-testgen/be_test${n}.pcapng`, () => 1_000_000n],
    ]),
  ),
};

function ngParserRead(file: string): Promise<NgPacket[]> {
  const Ctor = require('pcap-ng-parser') as new () => NodeJS.ReadWriteStream;
  return new Promise((resolve, reject) => {
    const p = new Ctor();
    const packets: NgPacket[] = [];
    p.on('data', (pk: NgPacket) => packets.push(pk));
    p.on('error', reject);
    // Its _flush never calls back (so 'finish' never comes) but emits 'close' itself.
    p.on('close', () => setImmediate(() => resolve(packets)));
    p.write(readFileSync(file));
    p.end();
  });
}

(HAVE_SHARED ? describe : describe.skip)('differential: pcap-ng-parser (npm) on the pcapng files it reads', () => {
  test('same count, interface, timestamp (from the raw 64-bit value) and bytes', async () => {
    for (const [f, unitsPerSec] of Object.entries(NG_FILES)) {
      const ours = await readAllPackets(td(f));
      expect(ours.error).toBeNull();
      const theirs = await ngParserRead(td(f));
      expect({ f, n: ours.packets.length }).toEqual({ f, n: theirs.length });
      ours.packets.forEach((p, i) => {
        const o = theirs[i] as NgPacket;
        const units = (BigInt(o.timestampHigh) << 32n) | BigInt(o.timestampLow);
        const r = unitsPerSec(o.interfaceId);
        const sec = Number(units / r);
        const ns = Number(((units % r) * 1_000_000_000n) / r);
        if (p.interfaceId !== o.interfaceId || p.tsSec !== sec || p.tsNs !== ns || Buffer.compare(Buffer.from(p.data), o.data) !== 0) {
          throw new Error(`${f} packet ${i} differs from pcap-ng-parser`);
        }
      });
    }
  });
});
