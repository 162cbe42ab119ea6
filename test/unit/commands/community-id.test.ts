// Unit tests for src/commands/community-id.ts: word parsing, the tuple stream and the tcpdump-text stream.
// Expected IDs are the spec baseline's (README tables, baseline_deflt.json) or the reference package's tests,
// quoted with their source; tcpdump lines follow tcpdump's -n output format (print-tcp.c, print-icmp.c, ...).
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { communityId } from '../../../src/community-id.js';
import {
  annotateTcpdumpLine,
  communityIdForWords,
  runCommunityIdStream,
} from '../../../src/commands/community-id.js';
import { CommunityIdHasher } from '../../../src/community-id.js';
import { PcapflowError } from '../../../src/errors.js';

const OPTS = { seed: 0, base64: true, tcpdump: false };

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof PcapflowError ? err.code : `not a PcapflowError: ${String(err)}`;
  }
  return 'no error';
}

/** A Writable collecting text; `slow` completes each write on a later tick with a 16-byte high-water mark. */
function sink(slow = false): { stream: Writable; text: () => string; writesWhileFull: () => number } {
  const parts: string[] = [];
  let whileFull = 0;
  const stream = new Writable({
    highWaterMark: slow ? 16 : 16384,
    decodeStrings: false,
    write(chunk: string | Buffer, _enc, cb) {
      parts.push(chunk.toString());
      if (slow) setImmediate(cb);
      else cb();
    },
  });
  const write = stream.write.bind(stream) as (chunk: string) => boolean;
  // Count writes made while the stream had asked the writer to wait for 'drain'.
  (stream as unknown as { write: (c: string) => boolean }).write = (chunk: string) => {
    if (stream.writableNeedDrain) whileFull++;
    return write(chunk);
  };
  return { stream, text: () => parts.join(''), writesWhileFull: () => whileFull };
}

describe('communityIdForWords', () => {
  it('prints the ID of PROTO SADDR DADDR SPORT DPORT', () => {
    // Reference package test_communityid (CLI): tcp 10.0.0.1 10.0.0.2 10 20.
    expect(communityIdForWords(['tcp', '10.0.0.1', '10.0.0.2', '10', '20'], OPTS)).toBe(
      '1:9j2Dzwrw7T9E+IZi4b4IVT66HBI=',
    );
  });

  it('takes protocol names in any case, or numbers', () => {
    const tcp = '1:wCb3OG7yAFWelaUydu0D+125CLM='; // baseline README TCP row
    for (const p of ['tcp', 'TCP', 'Tcp', '6']) {
      expect(communityIdForWords([p, '1.2.3.4', '5.6.7.8', '1122', '3344'], OPTS)).toBe(tcp);
    }
    const echo6 = '1:0bf7hyMJUwt3fMED7z8LIfRpBeo='; // baseline README ICMP6 echo row
    const a = 'fe80:0001:0203:0405:0607:0809:0A0B:0C0D';
    const b = 'fe80:1011:1213:1415:1617:1819:1A1B:1C1D';
    for (const p of ['icmp6', 'ICMPv6', 'ipv6-icmp', '58']) {
      expect(communityIdForWords([p, a, b, '128', '0'], OPTS)).toBe(echo6);
    }
    expect(communityIdForWords(['sctp', '1.2.3.4', '5.6.7.8', '1122', '3344'], OPTS)).toBe(
      '1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=',
    );
    expect(communityIdForWords(['icmp', '5.6.7.8', '1.2.3.4', '0', '0'], OPTS)).toBe(
      '1:crodRHL2FEsHjbv3UkRrfbs4bZ0=',
    );
  });

  it('hashes port-less protocols from three words, ignoring ports when five are given', () => {
    const rsvp = '1:ikv3kmf89luf73WPz1jOs49S768='; // baseline README RSVP row
    expect(communityIdForWords(['rsvp', '1.2.3.4', '5.6.7.8'], OPTS)).toBe(rsvp);
    expect(communityIdForWords(['46', '5.6.7.8', '1.2.3.4', '7', '9'], OPTS)).toBe(rsvp);
    expect(communityIdForWords(['gre', '1.2.3.4', '5.6.7.8'], OPTS)).toBe(communityId(47, '1.2.3.4', '5.6.7.8'));
  });

  it("accepts Zeek's log order SADDR SPORT DADDR DPORT PROTO", () => {
    expect(communityIdForWords(['1.2.3.4', '1122', '5.6.7.8', '3344', 'tcp'], OPTS)).toBe(
      '1:wCb3OG7yAFWelaUydu0D+125CLM=',
    );
  });

  it('applies seed and hex options', () => {
    expect(communityIdForWords(['udp', '1.2.3.4', '5.6.7.8', '1122', '3344'], { ...OPTS, seed: 1 })).toBe(
      '1:OShq+iKDAMVouh/4bMxB9Sz4amw=',
    );
    expect(communityIdForWords(['udp', '1.2.3.4', '5.6.7.8', '1122', '3344'], { ...OPTS, base64: false })).toBe(
      '1:d0cbbd227431eb3e1988264cffb1d78b658c84e8',
    );
  });

  const bad: [string, string[], typeof OPTS][] = [
    ['four words', ['tcp', '1.2.3.4', '5.6.7.8', '1'], OPTS],
    ['no words', [], OPTS],
    ['unknown protocol name', ['tcpp', '1.2.3.4', '5.6.7.8', '1', '2'], OPTS],
    ['protocol 256', ['256', '1.2.3.4', '5.6.7.8'], OPTS],
    ['TCP without ports', ['tcp', '1.2.3.4', '5.6.7.8'], OPTS],
    ['ICMP without type and code', ['icmp', '1.2.3.4', '5.6.7.8'], OPTS],
    ['port 65536', ['udp', '1.2.3.4', '5.6.7.8', '65536', '2'], OPTS],
    ['port text', ['udp', '1.2.3.4', '5.6.7.8', 'http', '2'], OPTS],
    ['negative port', ['udp', '1.2.3.4', '5.6.7.8', '-1', '2'], OPTS],
    ['bad address', ['udp', '1.2.3.400', '5.6.7.8', '1', '2'], OPTS],
    ['mixed families', ['udp', '1.2.3.4', '::1', '1', '2'], OPTS],
    ['seed out of range', ['udp', '1.2.3.4', '5.6.7.8', '1', '2'], { ...OPTS, seed: 65536 }],
  ];
  it.each(bad)('%s is E_COMMUNITY_ID_INPUT', (_name, words, opts) => {
    expect(codeOf(() => communityIdForWords(words, opts))).toBe('E_COMMUNITY_ID_INPUT');
  });
});

describe('runCommunityIdStream, tuple lines', () => {
  it('writes one output line per input line, reports bad lines by number and goes on', async () => {
    const input = Readable.from([
      'tcp 1.2.3.4 5.6.7.8 1122 3344\r\nudp 5.6.7.8 1',
      '.2.3.4 3344 1122\n\nfoo 1.2.3.4 5.6.7.8\n# a comment\ntcp 1.2.3.4 5.6.7.8\nrsvp 1.2.3.4 5.6.7.8',
    ]);
    const out = sink();
    const err = sink();
    const bad = await runCommunityIdStream(input, out.stream, err.stream, OPTS);
    expect(bad).toBe(2);
    expect(out.text()).toBe(
      [
        '1:wCb3OG7yAFWelaUydu0D+125CLM=', // TCP row (CRLF line end)
        '1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=', // UDP "and back" row, split across two chunks
        '', // blank
        '', // line 4: unknown protocol
        '', // comment
        '', // line 6: TCP without ports
        '1:ikv3kmf89luf73WPz1jOs49S768=', // RSVP row, last line without a newline
        '',
      ].join('\n'),
    );
    const errLines = err.text().trimEnd().split('\n');
    expect(errLines).toHaveLength(2);
    expect(errLines[0]).toMatch(/\bline 4\b/);
    expect(errLines[1]).toMatch(/\bline 6\b/);
  });

  it('rejects a bad seed before reading', async () => {
    const input = Readable.from(['tcp 1.2.3.4 5.6.7.8 1 2\n']);
    await expect(runCommunityIdStream(input, sink().stream, sink().stream, { ...OPTS, seed: -1 })).rejects.toMatchObject(
      { code: 'E_COMMUNITY_ID_INPUT' },
    );
  });

  it('waits for drain: never writes to an output that asked it to wait, and loses nothing', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 6000; i++) lines.push(`udp 10.0.${i >> 8}.${i & 0xff} 10.1.0.1 ${1000 + i} 53`);
    const input = Readable.from(lines.map((l) => l + '\n'));
    const out = sink(true);
    const bad = await runCommunityIdStream(input, out.stream, sink().stream, OPTS);
    expect(bad).toBe(0);
    const got = out.text().split('\n');
    expect(got).toHaveLength(6001);
    expect(got[5999]).toBe(communityId(17, '10.0.23.111', '10.1.0.1', 1000 + 5999, 53));
    expect(out.writesWhileFull()).toBe(0);
  });
});

describe('runCommunityIdStream, tcpdump text', () => {
  // Lines in tcpdump -n's format; IDs from the spec baseline (baseline_deflt.json / README tables).
  const cases: [string, string][] = [
    [
      '10:00:00.000000 IP 128.232.110.120.34855 > 66.35.250.204.80: Flags [S], seq 2142398740, win 5840, options [mss 1460,sackOK,TS val 2431401 ecr 0,nop,wscale 2], length 0',
      '1:LQU9qZlK+B5F3KDmev6m5PMibrg=',
    ],
    [
      '10:00:00.100000 IP 66.35.250.204.80 > 128.232.110.120.34855: Flags [S.], seq 1, ack 2142398741, win 5792, length 0',
      '1:LQU9qZlK+B5F3KDmev6m5PMibrg=',
    ],
    ['10:00:01.000000 IP 192.168.1.52.54585 > 8.8.8.8.53: 12345+ A? example.com. (29)', '1:d/FP5EW3wiY1vCndhwleRRKHowQ='],
    ['10:00:01.020000 IP 8.8.8.8.53 > 192.168.1.52.54585: 12345 1/0/0 A 93.184.216.34 (45)', '1:d/FP5EW3wiY1vCndhwleRRKHowQ='],
    ['10:00:02.000000 IP 1.2.3.4.1122 > 5.6.7.8.3344: UDP, length 10', '1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg='],
    ['10:00:03.000000 IP 192.168.0.89 > 192.168.0.1: ICMP echo request, id 1, seq 1, length 64', '1:X0snYXpgwiv9TZtqg64sgzUn6Dk='],
    ['10:00:03.000400 IP 192.168.0.1 > 192.168.0.89: ICMP echo reply, id 1, seq 1, length 64', '1:X0snYXpgwiv9TZtqg64sgzUn6Dk='],
    ['10:00:04.000000 IP 10.0.0.1 > 10.0.0.2: ICMP time exceeded in-transit, length 36', '1:YHxtAirCG//0OzkcVAukqKQN9xM='],
    [
      '10:00:05.000000 IP6 2001:470:e5bf:dead:4957:2174:e82c:4887.63943 > 2607:f8b0:400c:c03::1a.25: Flags [S], seq 1, win 65535, length 0',
      '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=',
    ],
    [
      '10:00:06.000000 IP6 fe80::200:86ff:fe05:80da > fe80::260:97ff:fe07:69ea: ICMP6, neighbor solicitation, who has fe80::260:97ff:fe07:69ea, length 32',
      '1:dGHyGvjMfljg6Bppwm3bg0LO8TY=',
    ],
    [
      '10:00:06.000100 IP6 fe80::260:97ff:fe07:69ea > fe80::200:86ff:fe05:80da: ICMP6, neighbor advertisement, tgt is fe80::260:97ff:fe07:69ea, length 32',
      '1:dGHyGvjMfljg6Bppwm3bg0LO8TY=',
    ],
    [
      '10:00:07.000000 IP6 3ffe:501:410:0:2c0:dfff:fe47:33e > 3ffe:507:0:1:200:86ff:fe05:80da: ICMP6, destination unreachable, unreachable port, 3ffe:507:0:1:200:86ff:fe05:80da udp port 33434, length 64',
      '1:hLZd0XGWojozrvxqE0dWB1iM6R0=', // baseline_deflt.json: type 1, code 4
    ],
    ['10:00:08.000000 IP 192.168.170.8.7 > 192.168.170.56.7: sctp (1) [INIT] [init tag: 1] [rwnd: 1] [OS: 1] [MIS: 1] [init TSN: 1]', '1:MP2EtRCAUIZvTw6MxJHLV7N7JDs='],
    ['10:00:09.000000 IP 10.1.12.1 > 10.1.12.2: RSVPv1 Path Message (1), Flags: [none], length: 164', '1:KHlLkgoJW7ifUTyTSgyVfkFHzKw='],
    [
      '10:00:10.000000 00:11:22:33:44:55 > 66:77:88:99:aa:bb, ethertype IPv4 (0x0800), length 74: 1.2.3.4.1122 > 5.6.7.8.3344: Flags [S], seq 1, win 512, length 0',
      '1:wCb3OG7yAFWelaUydu0D+125CLM=',
    ],
  ];
  const passThrough = [
    '10:00:11.000000 ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28',
    '10:00:12.000000 IP 10.0.0.1 > 10.0.0.2: ip-proto-17', // later fragment of UDP: no ports to hash
    '10:00:13.000000 IP host-a.example.1234 > host-b.example.80: Flags [S], seq 1, win 512, length 0',
    '10:00:14.000000 IP 10.0.0.1.1234 > 10.0.0.2.5000: some-unknown-printer', // ported, but neither TCP nor UDP known
    'reading from file trace.pcap, link-type EN10MB (Ethernet), snapshot length 262144',
    '',
  ];

  it('appends the ID to each packet line and passes other lines through unchanged', async () => {
    const lines = [...cases.map(([l]) => l), ...passThrough];
    const out = sink();
    const bad = await runCommunityIdStream(Readable.from([lines.join('\n') + '\n']), out.stream, sink().stream, {
      ...OPTS,
      tcpdump: true,
    });
    expect(bad).toBe(0);
    const got = out.text().split('\n');
    cases.forEach(([line, id], i) => expect(got[i]).toBe(`${line} ${id}`));
    passThrough.forEach((line, i) => expect(got[cases.length + i]).toBe(line));
  });

  it('reads the protocol from a -v IPv4 header line for the indented line after it', async () => {
    const text = [
      '10:00:00.000000 IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 38)',
      '    1.2.3.4.1122 > 5.6.7.8.3344: [udp sum ok] UDP, length 10',
      '10:00:01.000000 IP (tos 0x0, ttl 64, id 2, offset 0, flags [DF], proto UDP (17), length 38)',
      '    1.2.3.4.1122 > 5.6.7.8.3344: [udp sum ok] some-app-printer',
    ].join('\n');
    const out = sink();
    await runCommunityIdStream(Readable.from([text]), out.stream, sink().stream, { ...OPTS, tcpdump: true });
    const got = out.text().split('\n');
    expect(got[0]).not.toMatch(/1:/);
    expect(got[1]).toBe('    1.2.3.4.1122 > 5.6.7.8.3344: [udp sum ok] UDP, length 10 1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=');
    expect(got[3]).toBe('    1.2.3.4.1122 > 5.6.7.8.3344: [udp sum ok] some-app-printer 1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=');
  });

  it('maps tcpdump ICMP texts to type and code', () => {
    const h = new CommunityIdHasher();
    const id = (line: string): string => annotateTcpdumpLine(line, h).slice(line.length + 1);
    const pre = 'IP 10.0.0.9 > 10.0.0.1: ICMP ';
    // Port unreachable is type 3 code 3, one-way, hashed in packet order.
    expect(id(`${pre}10.0.0.9 udp port 33434 unreachable, length 36`)).toBe(communityId(1, '10.0.0.9', '10.0.0.1', 3, 3));
    expect(id(`${pre}host 10.0.0.7 unreachable - admin prohibited filter, length 36`)).toBe(
      communityId(1, '10.0.0.9', '10.0.0.1', 3, 13),
    );
    expect(id(`${pre}10.0.0.7 unreachable - need to frag (mtu 1400), length 556`)).toBe(
      communityId(1, '10.0.0.9', '10.0.0.1', 3, 4),
    );
    expect(id(`${pre}ip reassembly time exceeded, length 36`)).toBe(communityId(1, '10.0.0.9', '10.0.0.1', 11, 1));
    expect(id(`${pre}time stamp query id 1 seq 2, length 20`)).toBe(communityId(1, '10.0.0.9', '10.0.0.1', 13, 0));
    const pre6 = 'IP6 fe80::1 > ff02::1: ICMP6, ';
    expect(id(`${pre6}multicast listener report v2, 1 group record(s), length 28`)).toBe(
      communityId(58, 'fe80::1', 'ff02::1', 143, 0),
    );
    expect(id(`${pre6}time exceeded in-transit (reassembly), length 64`)).toBe(
      communityId(58, 'fe80::1', 'ff02::1', 3, 1),
    );
    // A one-way type whose code tcpdump does not show cannot be hashed: the line passes through.
    const unknown = `${pre}type-#42, length 8`;
    expect(annotateTcpdumpLine(unknown, h)).toBe(unknown);
  });
});
