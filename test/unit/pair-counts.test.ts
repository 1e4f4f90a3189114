import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PairCountInput, PairRow, countPairs, countPairsDirect, countPairsGrouped } from '../../src/core/policy/pair-counts';
import { rng } from '../support/random';

/**
 * The all-pairs counts from rows, both ways (pair by pair, row by row), against summing every
 * pair from the rows' answers. The rows are random: some shared by many classes, some listing
 * peers in a shared layer that the row's own peers override; answers meet by a random relation
 * that is not symmetric, so an egress answer taken for an ingress one is caught.
 */

function randomInput(r: () => number): PairCountInput {
  const n = 1 + Math.floor(r() * 40);
  const answers = 1 + Math.floor(r() * 6);
  const table = Array.from({ length: answers * answers }, () => r() < 0.5);
  // Some class ids are not counted (as host-networked classes are not).
  const classes = Int32Array.from(Array.from({ length: n }, (_, i) => i).filter(() => r() < 0.85));
  const pods = Float64Array.from({ length: n }, () => 1 + Math.floor(r() * 4));
  const randomSparse = () => {
    const peers = Array.from({ length: n }, (_, i) => i).filter(() => r() < 0.3);
    return { base: Math.floor(r() * answers), peers: Int32Array.from(peers), values: Int32Array.from(peers, () => Math.floor(r() * answers)) };
  };
  const rowPool = (): PairRow[] => {
    const shared = Array.from({ length: 1 + Math.floor(r() * 3) }, randomSparse);
    return Array.from({ length: 1 + Math.floor(r() * (r() < 0.5 ? 3 : n)) }, () => {
      const own = randomSparse();
      return { shared: shared[Math.floor(r() * shared.length)], peers: own.peers, values: own.values };
    });
  };
  const egressPool = rowPool();
  const ingressPool = rowPool();
  return {
    n, classes, pods, answers,
    egress: Array.from({ length: n }, () => egressPool[Math.floor(r() * egressPool.length)]),
    ingress: Array.from({ length: n }, () => ingressPool[Math.floor(r() * ingressPool.length)]),
    answersMeet: { meets: (out, inn) => table[out * answers + inn] },
  };
}

function answerOf(row: PairRow, peer: number): number {
  const own = Array.from(row.peers).indexOf(peer);
  if (own >= 0) return row.values[own];
  const shared = Array.from(row.shared.peers).indexOf(peer);
  return shared >= 0 ? row.shared.values[shared] : row.shared.base;
}

function everyPair(input: PairCountInput): { reachedBy: number[]; reaches: number[] } {
  const reachedBy = new Array<number>(input.n).fill(0);
  const reaches = new Array<number>(input.n).fill(0);
  for (const s of input.classes) {
    for (const d of input.classes) {
      if (!input.answersMeet.meets(answerOf(input.egress[s], d), answerOf(input.ingress[d], s))) continue;
      // Pod by pod: every pod of s to every pod of d but itself.
      const pairs = s === d ? input.pods[s] * (input.pods[s] - 1) : input.pods[s] * input.pods[d];
      if (pairs === 0) continue;
      reaches[s] += s === d ? input.pods[s] - 1 : input.pods[d];
      reachedBy[d] += s === d ? input.pods[d] - 1 : input.pods[s];
    }
  }
  return { reachedBy, reaches };
}

test('pair counts from rows, pair by pair and row by row, equal summing every pair, on 3,000 random sets of rows', () => {
  const r = rng(23);
  for (let i = 0; i < 3000; i++) {
    const input = randomInput(r);
    const want = everyPair(input);
    for (const [name, count] of [['direct', countPairsDirect], ['grouped', countPairsGrouped], ['chosen', countPairs]] as const) {
      const reachedBy = new Float64Array(input.n);
      const reaches = new Float64Array(input.n);
      count(input, reachedBy, reaches);
      assert.deepEqual({ reachedBy: Array.from(reachedBy), reaches: Array.from(reaches) }, want, `${name}, case ${i}`);
    }
  }
});
