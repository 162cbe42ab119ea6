// `--out-dir DIR` without `--shard`: one output per input capture. Where each input's output goes (its path
// relative to its input root, the capture's extension replaced by the output format's), and the refusal of two
// inputs that would write one output. Pure: no I/O.
import path from 'node:path';
import { PcapflowError } from '../errors.js';

/** File name extensions of captures, replaced by the output's (`mon.pcap` -> `mon.csv`); any other is kept. */
const CAPTURE_EXTENSION = /\.(pcap|pcapng|cap|dmp|ntar|snoop)$/i;

/**
 * The output name of a capture: a final `.gz` (the input's compression) dropped, then its capture extension
 * (.pcap, .pcapng, .cap, .dmp, .ntar, .snoop) replaced by the output format's: `day1/mon.pcap` ->
 * `day1/mon.csv`, `x.pcapng.gz` -> `x.jsonl.gz` (ext `.jsonl.gz`); a name without one gets the extension added
 * (`trace` -> `trace.csv`). With `keepCaptureExtension` the capture's extension stays (`x.pcap` -> `x.pcap.csv`):
 * perInputTargets uses that form for inputs that would otherwise share an output (`x.pcap` beside `x.pcapng`).
 * `relPath` is relative (path.sep separators).
 */
export function outputNameFor(relPath: string, ext: string, keepCaptureExtension = false): string {
  let name = relPath.toLowerCase().endsWith('.gz') && path.basename(relPath).length > 3 ? relPath.slice(0, -3) : relPath;
  if (!keepCaptureExtension) {
    const m = CAPTURE_EXTENSION.exec(name);
    if (m !== null && path.basename(name).length > m[0].length) name = name.slice(0, -m[0].length);
  }
  return name + ext;
}

/** One input and its output. */
export interface PerInputTarget {
  input: string;
  output: string;
}

/**
 * The output of each of `files` under `outDir`: `relPaths[i]` is files[i]'s path relative to its input root (the
 * directory it was found under, or its base name for a file given directly). Inputs whose outputs would share a
 * name once their capture extensions are replaced (`x.pcap`, `x.pcapng`) keep their extensions in it
 * (`x.pcap.csv`, `x.pcapng.csv`), so the names do not depend on which other inputs a run has beyond such twins.
 * @throws PcapflowError E_OPTION_INVALID when two inputs would still write the same output (naming both).
 */
export function perInputTargets(files: readonly string[], relPaths: readonly string[], outDir: string, ext: string): PerInputTarget[] {
  const key = (rel: string, keep: boolean): string => path.normalize(path.join(outDir, outputNameFor(rel, ext, keep)));
  const sharing = new Map<string, number>();
  for (const rel of relPaths) sharing.set(key(rel, false), (sharing.get(key(rel, false)) ?? 0) + 1);
  const byOutput = new Map<string, string>();
  return files.map((input, i) => {
    const rel = relPaths[i]!;
    const keep = sharing.get(key(rel, false))! > 1;
    const output = path.join(outDir, outputNameFor(rel, ext, keep));
    const other = byOutput.get(path.normalize(output));
    if (other !== undefined) {
      throw new PcapflowError(
        'E_OPTION_INVALID',
        `--out-dir: the inputs ${other} and ${input} would both be written to ${output} (run them with separate --out-dir directories, or write them to one output with -o and --file-column)`,
        { layer: 'out-dir' },
      );
    }
    byOutput.set(path.normalize(output), input);
    return { input, output };
  });
}
