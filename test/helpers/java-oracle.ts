// Test helper: runs test/oracle/JavaDoubleOracle.java (our own program) on the installed JDK so tests can compare
// pcapflow's Java-compatible formatters with real Java output. Compiles once into a temp dir keyed by the source.
// Tests must check HAVE_JAVA first and skip (with JAVA_SKIP_REASON in the title) when javac/java are absent or
// java is not JDK 17.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './paths.js';

const ORACLE_SOURCE = path.join(REPO_ROOT, 'test', 'oracle', 'JavaDoubleOracle.java');

function toolWorks(tool: string): boolean {
  try {
    execFileSync(tool, ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The major version of `java` on PATH (17 for "17.0.15"), or undefined if it does not run. */
function javaMajorVersion(): number | undefined {
  const res = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (res.status !== 0) return undefined;
  const m = /version "(\d+)/.exec(`${res.stderr}${res.stdout}`);
  return m ? Number(m[1]) : undefined;
}

const JAVA_MAJOR = toolWorks('javac') ? javaMajorVersion() : undefined;
/**
 * True when `javac` runs and `java` is JDK 17, the version whose Double.toString pcapflow reproduces
 * (JDK 19+ prints shortest digits, so comparing against it would report real, expected differences).
 */
export const HAVE_JAVA = JAVA_MAJOR === 17;
/** A clear reason to put in a skipped describe's title. */
export const JAVA_SKIP_REASON =
  JAVA_MAJOR === undefined
    ? 'SKIPPED: javac/java not found on PATH, Java oracle comparison not run'
    : `SKIPPED: java on PATH is version ${JAVA_MAJOR}, the oracle needs JDK 17`;

let classDir: string | undefined;

/**
 * Compiles the oracle once into os.tmpdir()/pcapflow-java-oracle-<hash of the source> and reuses it (so runs
 * leave one directory, not one per run). Parallel jest workers compile into private dirs and rename atomically.
 */
function compiledDir(): string {
  if (classDir !== undefined) return classDir;
  const hash = createHash('sha1').update(readFileSync(ORACLE_SOURCE)).digest('hex').slice(0, 12);
  const dir = path.join(os.tmpdir(), `pcapflow-java-oracle-${hash}`);
  if (!existsSync(path.join(dir, 'JavaDoubleOracle.class'))) {
    const work = mkdtempSync(path.join(os.tmpdir(), 'pcapflow-java-oracle-build-'));
    execFileSync('javac', ['-d', work, ORACLE_SOURCE], { stdio: ['ignore', 'ignore', 'inherit'] });
    try {
      renameSync(work, dir);
    } catch {
      rmSync(work, { recursive: true, force: true }); // another worker won the race; its copy is identical
    }
  }
  classDir = dir;
  return dir;
}

/** Runs the oracle in `mode` on the given input lines and returns its output lines (one per input line). */
export function runJavaOracle(mode: 'double' | 'timestamp', lines: readonly string[]): string[] {
  const res = spawnSync('java', ['-Xshare:auto', '-cp', compiledDir(), 'JavaDoubleOracle', mode], {
    input: lines.join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' },
  });
  if (res.status !== 0) throw new Error(`java oracle failed (${String(res.status)}): ${res.stderr}`);
  const out = res.stdout.split('\n');
  out.pop(); // trailing newline
  if (out.length !== lines.length) throw new Error(`java oracle returned ${out.length} lines for ${lines.length}`);
  return out;
}

/** Java's Double.toString for each double, through the oracle (bit patterns travel as hex, nothing is lost). */
export function javaDoubleStrings(values: readonly number[]): string[] {
  const f64 = new Float64Array(1);
  const u32 = new Uint32Array(f64.buffer);
  const lines = values.map((v) => {
    f64[0] = v;
    return (u32[1] as number).toString(16).padStart(8, '0') + (u32[0] as number).toString(16).padStart(8, '0');
  });
  return runJavaOracle('double', lines);
}
