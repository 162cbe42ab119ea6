// The IEEE-754 bits of doubles, for tests that build or print exact values (little-endian hosts, as pcapflow's
// java-format.ts requires).
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

/** The double whose high and low 32-bit words are `hi` and `lo`. */
export function fromBits(hi: number, lo: number): number {
  U32[1] = hi >>> 0;
  U32[0] = lo >>> 0;
  return F64[0] as number;
}
