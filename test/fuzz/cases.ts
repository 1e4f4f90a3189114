import { FuzzFile, mutateFile } from './mutate';
import { Random } from './random';

/** The seed of case `index` in a run started with `runSeed`: any case replays on its own. */
export function caseSeed(runSeed: number, index: number): number {
  let h = (runSeed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ index, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Builds the files of one case: a seed group with one to three files mutated one to three times each. */
export function makeCase(groups: readonly FuzzFile[][], seed: number): { files: FuzzFile[]; rng: Random } {
  const rng = new Random(seed);
  const files = [...rng.pick(groups)];
  for (let m = rng.int(1, 3); m > 0; m--) {
    const i = rng.int(0, files.length - 1);
    files[i] = mutateFile(rng, files[i], rng.int(1, 3));
  }
  return { files, rng };
}
