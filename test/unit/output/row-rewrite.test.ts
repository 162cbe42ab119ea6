// --file-column: the Source File of a row is the file holding its first packet, found from the row's firstIndex
// among the files' first packet indices; paths are CSV-quoted as csv-stringify quotes them (checked by parsing).
import { describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { fileColumnAppender } from '../../../src/output/row-rewrite.js';
import type { FlowRow } from '../../../src/flow/flow-engine.js';

const row = (firstIndex: number): FlowRow => ({ endIndex: firstIndex + 1, firstIndex, line: 'f1,2,3', packets: 1, startTsUs: 0 });

describe('fileColumnAppender', () => {
  it('maps first packet indices to the file that holds them, files without packets included', () => {
    // a.pcap holds packets 0-4, empty.pcap none (it starts where b.pcap does), b.pcap 5-8, c.pcap from 9
    const starts = [
      { file: 'a.pcap', firstIndex: 0 },
      { file: 'empty.pcap', firstIndex: 5 },
      { file: 'b.pcap', firstIndex: 5 },
      { file: 'c.pcap', firstIndex: 9 },
    ];
    const add = fileColumnAppender(starts);
    const fileOf = (i: number): string => add(row(i)).line.split(',').at(-1)!;
    expect([0, 4, 5, 8, 9, 1e9].map(fileOf)).toEqual(['a.pcap', 'a.pcap', 'b.pcap', 'b.pcap', 'c.pcap', 'c.pcap']);
    expect(add(row(3)).line).toBe('f1,2,3,a.pcap');
  });

  it('sees files added after it was made (the packet stage adds them as it reads)', () => {
    const starts = [{ file: 'a', firstIndex: 0 }];
    const add = fileColumnAppender(starts);
    expect(add(row(7)).line.endsWith(',a')).toBe(true);
    starts.push({ file: 'b', firstIndex: 10 });
    expect(add(row(12)).line.endsWith(',b')).toBe(true);
  });

  it('quotes paths holding commas, quotes or line breaks', () => {
    for (const name of ['dir,x/we "ird".pcap', 'a\nb.pcap', 'plain name.pcap']) {
      const line = fileColumnAppender([{ file: name, firstIndex: 0 }])(row(0)).line;
      expect(parse(line + '\n')).toEqual([['f1', '2', '3', name]]);
    }
  });
});
