import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LayeredMap } from '../../src/core/common/layered-map';

/** A small deterministic generator (xorshift32), so the sequence is the same on every run. */
function random(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function contents(m: ReadonlyMap<string, number>): [string, number][] {
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

test('a chain of edits over layered maps answers like a plain map after every edit, and leaves every earlier map as it was', () => {
  const next = random(7);
  let reference = new Map<string, number>();
  for (let i = 0; i < 400; i++) reference.set(`k${i}`, i);
  let current: ReadonlyMap<string, number> = new Map(reference);
  const history: { map: ReadonlyMap<string, number>; expected: [string, number][] }[] = [];
  let layered = 0;
  let plain = 0;
  for (let step = 0; step < 300; step++) {
    // Deletions of present and absent keys, writes of new and existing keys (some deleted in the same step).
    const deletions = Array.from({ length: Math.floor(next() * 6) }, () => `k${Math.floor(next() * 500)}`);
    const writes = Array.from({ length: Math.floor(next() * 6) }, () => [`k${Math.floor(next() * 500)}`, Math.floor(next() * 1e6)] as const);
    current = LayeredMap.from(current, deletions, writes);
    reference = new Map(reference);
    for (const k of deletions) reference.delete(k);
    for (const [k, v] of writes) reference.set(k, v);
    if (current instanceof LayeredMap) layered++;
    else plain++;
    assert.equal(current.size, reference.size, `size after step ${step}`);
    for (let probe = 0; probe < 500; probe++) {
      const k = `k${probe}`;
      assert.equal(current.get(k), reference.get(k), `get ${k} after step ${step}`);
      assert.equal(current.has(k), reference.has(k), `has ${k} after step ${step}`);
    }
    const expected = contents(reference);
    assert.deepEqual(contents(current), expected);
    assert.deepEqual([...current.keys()].sort(), expected.map((e) => e[0]));
    assert.deepEqual([...current.values()].sort((a, b) => a - b), expected.map((e) => e[1]).sort((a, b) => a - b));
    const viaForEach: [string, number][] = [];
    current.forEach((v, k, m) => {
      assert.equal(m, current);
      viaForEach.push([k, v]);
    });
    assert.deepEqual(viaForEach.sort((a, b) => (a[0] < b[0] ? -1 : 1)), expected);
    history.push({ map: current, expected });
  }
  // Both forms were exercised: layers over layers, and the copy once the changes grew.
  assert.ok(layered > 50, `layered ${layered}`);
  assert.ok(plain > 2, `plain ${plain}`);
  for (const h of history) assert.deepEqual(contents(h.map), h.expected);
});

test('a layered map over a small change stays a layer; a change past the share makes a plain copy', () => {
  const base = new Map(Array.from({ length: 80 }, (_, i) => [`k${i}`, i] as const));
  const small = LayeredMap.from(base, ['k1'], [['k2', 20]]);
  assert.ok(small instanceof LayeredMap);
  assert.equal(small.get('k1'), undefined);
  assert.equal(small.has('k1'), false);
  assert.equal(small.get('k2'), 20);
  assert.equal(small.size, 79);
  assert.equal(base.get('k1'), 1);
  assert.equal(base.get('k2'), 2);
  const big = LayeredMap.from(small, [], Array.from({ length: 20 }, (_, i) => [`n${i}`, i] as const));
  assert.ok(!(big instanceof LayeredMap));
  assert.equal(big.size, 99);
  assert.equal(big.get('k2'), 20);
  assert.equal(big.has('k1'), false);
});
