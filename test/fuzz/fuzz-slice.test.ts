import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { test } from 'node:test';
import { caseSeed, makeCase } from './cases';
import { loadSeedGroups } from './corpus';
import { runCase } from './pipeline';

// A fixed-seed slice of `npm run fuzz`: the same 300 mutated cases on every run, each through
// every stage. Any internal error fails with the case number to replay.
test('fuzz slice: 300 mutated cases give findings, never internal errors', () => {
  const groups = loadSeedGroups(path.resolve(__dirname, '..', '..', '..'));
  assert.ok(groups.length >= 5, 'the examples and fixtures are the seeds');
  const failures: string[] = [];
  for (let i = 0; i < 300; i++) {
    const { files, rng } = makeCase(groups, caseSeed(7, i));
    const r = runCase(files, rng);
    if (r.problems.length) failures.push(`case ${i} (npm run fuzz -- --seed 7 --replay ${i}): ${r.problems[0].slice(0, 400)}`);
  }
  assert.deepEqual(failures, []);
});

test('fuzz cases are deterministic for a seed', () => {
  const groups = loadSeedGroups(path.resolve(__dirname, '..', '..', '..'));
  for (const i of [0, 17, 99]) {
    assert.deepEqual(makeCase(groups, caseSeed(3, i)).files, makeCase(groups, caseSeed(3, i)).files);
  }
});
