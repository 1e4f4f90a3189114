import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesMap, matchesSelector } from '../../src/core/cluster/labels';
import { PodInfo } from '../../src/core/cluster/model';
import { PodLabelIndex } from '../../src/core/cluster/pod-label-index';
import { LabelSelector } from '../../src/core/manifest/types';
import { rng } from '../support/random';

/**
 * The lint tests selectors only on the candidates the index gives: filtering them must give
 * exactly what filtering the whole namespace gives, in the same order, for every kind of
 * selector (matchLabels, In with one or several values, NotIn, Exists, DoesNotExist, plain maps).
 */

const KEYS = ['app', 'tier', 'env'];
const VALUES = ['a', 'b', 'c', 'd'];
const NAMESPACES = ['x', 'y'];

test('filtering the candidates gives what filtering the namespace gives, in its order, on 3,000 random selectors', () => {
  let narrowed = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const r = rng(seed);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
    const byNamespace = new Map<string, PodInfo[]>();
    for (let i = 0; i < 5 + Math.floor(r() * 40); i++) {
      const namespace = pick(NAMESPACES);
      const labels: Record<string, string> = {};
      for (const k of KEYS) if (r() < 0.7) labels[k] = pick(VALUES);
      const pod = { key: `${namespace}/p${i}`, namespace, labels } as PodInfo;
      byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), pod]);
    }
    const index = new PodLabelIndex(byNamespace);
    for (let i = 0; i < 10; i++) {
      const ns = pick([...NAMESPACES, 'absent']);
      const all = byNamespace.get(ns) ?? [];
      const selector: LabelSelector = { matchLabels: {}, matchExpressions: [] };
      if (r() < 0.5) selector.matchLabels[pick(KEYS)] = pick(VALUES);
      if (r() < 0.6) {
        const operator = pick(['In', 'In', 'NotIn', 'Exists', 'DoesNotExist'] as const);
        const values = operator === 'In' || operator === 'NotIn' ? VALUES.filter(() => r() < 0.5) : [];
        selector.matchExpressions.push({ key: pick(KEYS), operator, values });
      }
      const candidates = index.candidates(ns, selector);
      if (candidates.length < all.length) narrowed++;
      assert.deepEqual(candidates.filter((p) => matchesSelector(p.labels, selector)), all.filter((p) => matchesSelector(p.labels, selector)), `seed ${seed}: ${JSON.stringify(selector)} in ${ns}`);
      const map = selector.matchLabels;
      assert.deepEqual(index.candidates(ns, map).filter((p) => matchesMap(p.labels, map)), all.filter((p) => matchesMap(p.labels, map)), `seed ${seed}: map ${JSON.stringify(map)} in ${ns}`);
    }
  }
  // The index must actually narrow most selectors that require a pair.
  assert.ok(narrowed > 1000, `narrowed ${narrowed} of 3000`);
});
