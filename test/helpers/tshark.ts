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
