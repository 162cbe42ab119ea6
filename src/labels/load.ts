// Reads a --labels rules file (the only I/O of labelling) and parses it with rules.ts.
import { readFile } from 'node:fs/promises';
import { PcapflowError } from '../errors.js';
import { parseLabelRules, type LabelRule } from './rules.js';

export async function loadLabelRules(file: string): Promise<LabelRule[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PcapflowError('E_OPTION_INVALID', `--labels: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { layer: 'labels' });
  }
  return parseLabelRules(text, file);
}
