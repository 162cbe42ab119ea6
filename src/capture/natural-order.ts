// The order pcapflow reads the files of a directory in: "natural" order, where runs of digits compare as
// numbers, so rotated captures (`tcpdump -C` writes cap, cap1, cap2, ..., cap10) are read in the order they were
// written, and cap2.pcap comes before cap10.pcap. Locale-independent (the same order on every machine), so the
// output of a directory run does not depend on where it runs. Pure; no I/O.

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Compare two names naturally: digit runs by numeric value (any length: compared as digit strings without their
 * leading zeros, by length then digits), everything else by UTF-16 code unit. Names equal under that rule (a01 and
 * a1) fall back to plain code-unit order, so the order is total and stable.
 */
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      let ei = i;
      while (ei < a.length && isDigit(a.charCodeAt(ei))) ei++;
      let ej = j;
      while (ej < b.length && isDigit(b.charCodeAt(ej))) ej++;
      let si = i;
      while (si < ei - 1 && a.charCodeAt(si) === 48) si++;
      let sj = j;
      while (sj < ej - 1 && b.charCodeAt(sj) === 48) sj++;
      const la = ei - si;
      const lb = ej - sj;
      if (la !== lb) return la - lb;
      for (let k = 0; k < la; k++) {
        const d = a.charCodeAt(si + k) - b.charCodeAt(sj + k);
        if (d !== 0) return d;
      }
      i = ei;
      j = ej;
      continue;
    }
    if (ca !== cb) return ca - cb;
    i++;
    j++;
  }
  if (i < a.length || j < b.length) return i < a.length ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compare two relative paths component by component (`/` or the platform separator), each naturally. */
export function naturalPathCompare(a: string, b: string, sep = '/'): number {
  const pa = a.split(sep);
  const pb = b.split(sep);
  const n = Math.min(pa.length, pb.length);
  for (let k = 0; k < n; k++) {
    const c = naturalCompare(pa[k]!, pb[k]!);
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}
