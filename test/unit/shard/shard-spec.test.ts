import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { SHARD_GROUPS } from '../../../src/flow/hash.js';
import {
  fileShard,
  groupRange,
  parsePartFileName,
  parseShardSpec,
  partFileName,
  partOrderName,
  partStatsName,
  relativeToInputRoots,
} from '../../../src/shard/shard-spec.js';

describe('parseShardSpec', () => {
  it('reads K/N, 0-based', () => {
    expect(parseShardSpec('0/1')).toEqual({ index: 0, count: 1, by: 'flow' });
    expect(parseShardSpec('6/7')).toEqual({ index: 6, count: 7, by: 'flow' });
    expect(parseShardSpec(' 3 / 8 ', 'file')).toEqual({ index: 3, count: 8, by: 'file' });
  });

  it.each(['', '1', '1/', '/4', 'a/b', '-1/4', '1.5/4', '4/4', '5/4', '0/0', '1/2/3'])('refuses %j with E_OPTION_INVALID', (text) => {
    expect(() => parseShardSpec(text)).toThrow(expect.objectContaining({ code: 'E_OPTION_INVALID' }));
  });

  it('names where the spec came from', () => {
    expect(() => parseShardSpec('4/4', 'flow', 'PCAPFLOW_SHARD')).toThrow(/PCAPFLOW_SHARD: K must be below N/);
  });

  it('allows as many flow shards as groups, more only by file (up to the five digits of part names)', () => {
    expect(parseShardSpec(`0/${SHARD_GROUPS}`).count).toBe(SHARD_GROUPS);
    expect(() => parseShardSpec(`0/${SHARD_GROUPS + 1}`)).toThrow(/at most 4096/);
    expect(parseShardSpec(`0/${SHARD_GROUPS + 1}`, 'file').count).toBe(SHARD_GROUPS + 1);
    expect(() => parseShardSpec('0/100000', 'file')).toThrow(/at most 99999/);
  });
});

describe('groupRange', () => {
  it.each([1, 2, 3, 7, 100, 4095, 4096])('N = %i: contiguous ranges covering every group once, sizes differing by at most one', (n) => {
    let next = 0;
    const sizes: number[] = [];
    for (let k = 0; k < n; k++) {
      const { lo, hi } = groupRange(k, n);
      expect(lo).toBe(next);
      expect(hi).toBeGreaterThan(lo);
      sizes.push(hi - lo);
      next = hi;
    }
    expect(next).toBe(SHARD_GROUPS);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('a range of at least J groups reaches all J workers of --jobs J (g % J)', () => {
    for (const n of [2, 3, 7]) {
      for (let k = 0; k < n; k++) {
        const { lo, hi } = groupRange(k, n);
        for (const jobs of [2, 4, 8]) {
          const workers = new Set<number>();
          for (let g = lo; g < hi; g++) workers.add(g % jobs);
          expect(workers.size).toBe(jobs);
        }
      }
    }
  });
});

describe('fileShard', () => {
  it('is the first 32 bits of SHA-256 of the path, modulo N (FIPS 180-2 vector: SHA-256("abc") = ba7816bf...)', () => {
    expect(fileShard('abc', 1000)).toBe(0xba7816bf % 1000);
    expect(fileShard('abc', 1)).toBe(0);
  });

  it('hashes the path with / separators whatever the platform separator is', () => {
    expect(fileShard(['day1', 'a.pcap'].join(path.sep), 97)).toBe(fileShard('day1/a.pcap', 97));
  });

  it('spreads many files over the shards', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[fileShard(`sensor/2024-01-${i}.pcap`, 4)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });
});

describe('relativeToInputRoots', () => {
  it('a file under a directory argument is relative to it; a named file is its base name', () => {
    const got = relativeToInputRoots(['/data/caps/d1/a.pcap', '/data/caps/b.pcap', '/elsewhere/c.pcap'], ['/data/caps', '/elsewhere/c.pcap']);
    expect(got).toEqual([path.join('d1', 'a.pcap'), 'b.pcap', 'c.pcap']);
  });

  it('does not depend on where the inputs are mounted', () => {
    const a = relativeToInputRoots(['/mnt/x/caps/d1/a.pcap'], ['/mnt/x/caps']);
    const b = relativeToInputRoots(['/scratch/caps/d1/a.pcap'], ['/scratch/caps/']);
    expect(a).toEqual(b);
  });
});

describe('part names', () => {
  it('part-KKKKK-of-NNNNN.ext, and back', () => {
    expect(partFileName(3, 7)).toBe('part-00003-of-00007.csv');
    expect(partStatsName(12)).toBe('part-00012.json');
    expect(partOrderName(12)).toBe('part-00012.order');
    expect(parsePartFileName('part-00003-of-00007.csv')).toEqual({ index: 3, count: 7, ext: 'csv' });
    expect(parsePartFileName('part-3-of-7.csv')).toBeNull();
    expect(parsePartFileName('.part-00003-of-00007.csv.pcapflow-1-ab.tmp')).toBeNull();
  });
});
