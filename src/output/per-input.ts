// `--out-dir DIR` without `--shard`: one output per input capture. Where each input's output goes (its path
// relative to its input root, with the output format's extension added), and the refusal of two
// inputs that would write one output. Pure: no I/O.
import path from 'node:path';
import { PcapflowError } from '../errors.js';

/**
 * The output name of a capture: its name with the output format's extension added, a final `.gz` (the input's
 * compression) dropped first: `day1/mon.pcap` -> `day1/mon.pcap.csv`, `x.pcapng.gz` -> `x.pcapng.jsonl.gz` (ext
 * `.jsonl.gz`). The capture's own extension is kept, so `x.pcap` and `x.pcapng` side by side get two outputs.
 * `relPath` is relative (path.sep separators).
 */
export function outputNameFor(relPath: string, ext: string): string {
  const name = relPath.toLowerCase().endsWith('.gz') && path.basename(relPath).length > 3 ? relPath.slice(0, -3) : relPath;
  return name + ext;
}

/** One input and its output. */
export interface PerInputTarget {
  input: string;
  output: string;
}

/**
 * The output of each of `files` under `outDir`: `relPaths[i]` is files[i]'s path relative to its input root (the
 * directory it was found under, or its base name for a file given directly).
 * @throws PcapflowError E_OPTION_INVALID when two inputs would write the same output (naming both).
 */
export function perInputTargets(files: readonly string[], relPaths: readonly string[], outDir: string, ext: string): PerInputTarget[] {
  const byOutput = new Map<string, string>();
  return files.map((input, i) => {
    const output = path.join(outDir, outputNameFor(relPaths[i]!, ext));
    const key = path.normalize(output);
    const other = byOutput.get(key);
    if (other !== undefined) {
      throw new PcapflowError(
        'E_OPTION_INVALID',
        `--out-dir: the inputs ${other} and ${input} would both be written to ${output} (run them with separate --out-dir directories, or write them to one output with -o and --file-column)`,
        { layer: 'out-dir' },
      );
    }
    byOutput.set(key, input);
    return { input, output };
  });
}
