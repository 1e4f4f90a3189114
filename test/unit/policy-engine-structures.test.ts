import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SequenceMap } from '../../src/core/policy/sequence-map';
import { IntArena } from '../../src/core/policy/int-arena';
import { ContentMap } from '../../src/core/policy/content-map';
import { PeerCells } from '../../src/core/policy/peer-cells';
import { rng } from '../support/random';

/**
 * Small structures under the class-based policy engine, each against a plain reference: the
 * sequence-keyed map and the content-keyed map against a Map keyed by the joined text, the
 * arena against copies of its own, the peer cells against each peer's lists.
 */

test('SequenceMap answers as a Map keyed by the joined sequence does, prefixes included', () => {
  const r = rng(7);
  const map = new SequenceMap<number>();
  const reference = new Map<string, number>();
  const randomKey = (): number[] => Array.from({ length: Math.floor(r() * 5) }, () => Math.floor(r() * 6) - 1);
  for (let i = 0; i < 4000; i++) {
    const key = randomKey();
    if (r() < 0.5) {
      // Some writes file the value under a prefix of the key only.
      const length = r() < 0.3 ? Math.floor(r() * (key.length + 1)) : key.length;
      map.set(key, i, length);
      reference.set(key.slice(0, length).join(','), i);
    }
    const probe = randomKey();
    const length = Math.floor(r() * (probe.length + 1));
    assert.equal(map.get(probe, length), reference.get(probe.slice(0, length).join(',')), `[${probe.slice(0, length)}] after ${i} steps`);
    assert.equal(map.get(probe), reference.get(probe.join(',')));
    assert.equal(map.size, reference.size);
  }
  // Sequences that share text when joined without a separator are still different keys.
  const m = new SequenceMap<string>();
  m.set([1, 2], 'a');
  m.set([12], 'b');
  m.set([], 'root');
  assert.deepEqual([m.get([1, 2]), m.get([12]), m.get([1]), m.get([])], ['a', 'b', undefined, 'root']);
  // Typed arrays are keys like plain arrays.
  assert.equal(m.get(Int32Array.from([1, 2])), 'a');
});

test('IntArena hands out views that keep their values while later ones fill and overflow its buffers', () => {
  const r = rng(11);
  for (const chunk of [1, 8, 1024]) {
    const arena = new IntArena(chunk);
    const scratch = new Int32Array(300);
    const kept: { view: Int32Array; want: number[] }[] = [];
    for (let i = 0; i < 500; i++) {
      const length = Math.floor(r() * (r() < 0.1 ? 300 : 20));
      for (let j = 0; j < scratch.length; j++) scratch[j] = Math.floor(r() * 1e6) - 5e5;
      const view = arena.copy(scratch, length);
      kept.push({ view, want: Array.from(scratch.subarray(0, length)) });
    }
    for (const { view, want } of kept) assert.deepEqual(Array.from(view), want, `chunk ${chunk}`);
  }
});

test('ContentMap answers as a Map keyed by the joined sequence does, with long keys, a reused key buffer and prefixes', () => {
  const r = rng(13);
  // All 32 bits of the hash, and none: there every key shares one bucket with all others.
  for (const mask of [-1, 0]) {
    const map = new ContentMap<number>(mask);
    const reference = new Map<string, number>();
    const buffer = new Int32Array(400);
    // Few distinct values and lengths, so keys recur and differ in one element or in length only.
    const fill = (): number => {
      const length = r() < 0.2 ? Math.floor(r() * 400) : Math.floor(r() * 4);
      for (let i = 0; i < length; i++) buffer[i] = Math.floor(r() * 3) - 1;
      return length;
    };
    for (let i = 0; i < 3000; i++) {
      const length = fill();
      const text = Array.from(buffer.subarray(0, length)).join(',');
      if (r() < 0.5) {
        map.set(buffer, i, length);
        reference.set(text, i);
      }
      assert.equal(map.get(buffer, length), reference.get(text), `[${text}] after ${i} steps`);
      assert.equal(map.size, reference.size);
    }
  }
  // The map copied its keys: writing over the caller's buffer changes no stored key.
  const m = new ContentMap<string>();
  const key = Int32Array.from([5, 6, 7]);
  m.set(key, 'a');
  key[0] = 9;
  assert.deepEqual([m.get([5, 6, 7]), m.get(key), m.get([5, 6]), m.get([])], ['a', undefined, undefined, undefined]);
  m.set([], 'empty');
  m.set([5, 6, 7], 'b');
  assert.deepEqual([m.get([]), m.get([5, 6, 7]), m.size], ['empty', 'b', 2]);
});

test('PeerCells puts peers in one cell exactly when the same lists name them, and lists each list\'s cells', () => {
  const r = rng(17);
  const n = 60;
  const cells = new PeerCells(n);
  for (let round = 0; round < 500; round++) {
    const lists = Array.from({ length: Math.floor(r() * 7) }, () => {
      const density = r();
      return Int32Array.from(Array.from({ length: n }, (_, i) => i).filter(() => r() < density * 0.5));
    });
    cells.split(lists);
    const membership = (y: number) => lists.map((l, i) => (l.includes(y) ? i : -1)).filter((i) => i >= 0).join(',');
    const named = Array.from({ length: n }, (_, y) => y).filter((y) => lists.some((l) => l.includes(y)));
    assert.deepEqual(Array.from(cells.named.subarray(0, cells.namedCount)).sort((a, b) => a - b), named, `round ${round}`);
    for (let y = 0; y < n; y++) assert.equal(cells.marks[y] === cells.mark, named.includes(y));
    const cellOf = (y: number) => cells.cellOf[y];
    for (const a of named) {
      assert.ok(cellOf(a) >= 0 && cellOf(a) < cells.cellCount);
      for (const b of named) assert.equal(cellOf(a) === cellOf(b), membership(a) === membership(b), `peers ${a} and ${b}, round ${round}`);
    }
    lists.forEach((l, i) => {
      const listed = new Set(Array.from(cells.cells.subarray(cells.cellStart[i], cells.cellStart[i + 1])));
      assert.deepEqual([...listed].sort(), [...new Set(Array.from(l, cellOf))].sort(), `cells of list ${i}, round ${round}`);
    });
  }
});
