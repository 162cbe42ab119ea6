// Runs tshark (Wireshark's CLI), the independent oracle for pcapflow's readers, decoders and Community ID.
// Tests that need it skip when it is not installed (CI installs it with apt).
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { TESTDATA_DIR } from './paths.js';

const run = promisify(execFile);

export const HAVE_TSHARK = (() => {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** One row per frame: the requested fields in order ('' where tshark has none). */
export async function tsharkFields(file: string, fields: string[], extraArgs: string[] = []): Promise<string[][]> {
  const args = ['-n', '-r', file, ...extraArgs, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const f of fields) args.push('-e', f);
  const { stdout } = await run('tshark', args, { maxBuffer: 512 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } });
  const lines = stdout.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => {
    const cols = l.split('\t');
    while (cols.length < fields.length) cols.push('');
    return cols;
  });
}

/** Every capture file under ../shared/testdata (relative paths), sorted, excluding the expected outputs, texts
 *  and licences; `malformed/` included only when asked. */
export function listCaptures(opts: { malformed: boolean }): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const rel = path.relative(TESTDATA_DIR, full);
      if (statSync(full).isDirectory()) {
        if (['expected', 'LICENSES'].includes(rel)) continue;
        if (rel === 'malformed' && !opts.malformed) continue;
        walk(full);
      } else if (/\.(pcap|pcapng|cap|gz|snoop)$/.test(name)) {
        out.push(rel);
      }
    }
  };
  walk(TESTDATA_DIR);
  return out;
}

/** tshark options that add its communityid dissector's field at `seed` (base64, as pcapflow's default). */
export function tsharkCommunityIdArgs(seed: number): string[] {
  return ['--enable-protocol', 'communityid', '-o', `communityid.seed:${seed}`, '-o', 'communityid.do_base64:TRUE'];
}

/**
 * Whether a packet's Community ID is compared with tshark's (`proto` and `sport` from `pcapflow packets`,
 * `protocols` = tshark's frame.protocols). The rule: every packet tshark hashes with full ports (TCP, UDP, SCTP,
 * and ICMP/ICMPv6 with type and code). Left out, each for a stated reason:
 * - tunnelled packets (a second IP layer not quoted by an ICMP error): tshark hashes the innermost flow, while
 *   pcapflow's flow is defined by the outermost IP header (README), so its per-packet ID is the outer tuple's;
 * - packets without ports on our side (later IP fragments: tshark runs with reassembly off here, as pcapflow reads
 *   each frame on its own; truncated transport headers), which tshark hashes without ports if at all;
 * - tshark's own departures from the spec (the spec wins): IPv6 packets of port-less protocols get no ID from
 *   tshark; UDP-Lite is hashed as UDP with ports by tshark (port-less in the spec); seeds above 65535 wrap in
 *   tshark (pcapflow rejects them, and the tests only use seeds 0 and 1).
 */
export function communityIdCompared(proto: string, sport: string, protocols: string): boolean {
  if (proto === '136') return false;
  if (!(sport !== '' || proto === '1' || proto === '58')) return false;
  const layers = protocols.split(':');
  const ipLayers = layers.map((l, i) => (l === 'ip' || l === 'ipv6' ? i : -1)).filter((i) => i >= 0);
  if (ipLayers.length > 1) {
    const quoted = layers.slice(0, ipLayers[1]).some((l) => l === 'icmp' || l === 'icmpv6');
    if (!quoted) return false;
  }
  return true;
}
