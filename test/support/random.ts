/**
 * A small seeded generator for tests that draw random cases: the same seed gives the same
 * numbers on every run, so a failure can be replayed. Returns numbers in [0, 1).
 */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    s ^= s >>> 12;
    return (s >>> 0) / 0x100000000;
  };
}
