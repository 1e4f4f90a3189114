import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SequenceMap } from '../../src/core/policy/sequence-map';
import { IntArena } from '../../src/core/policy/int-arena';
import { ContentMap } from '../../src/core/policy/content-map';
import { PeerCells } from '../../src/core/policy/peer-cells';
import { ClassSequences } from '../../src/core/policy/class-sequences';
import { ClassAddresses } from '../../src/core/policy/class-addresses';
import { cidr, cidrContains, intToIp } from '../../src/core/common/ip';
import type { PeerClass } from '../../src/core/policy/reachability';
import { rng } from '../support/random';

/**
 * Small structures under the class-based policy engine, each against a plain reference: the
 * sequence-keyed map and the content-keyed map against a Map keyed by the joined text, the
 * arena against copies of its own, the peer cells against each peer's lists, the class
 * sequences against each class's list of labels, the address index against testing every class.
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

test('ClassSequences gives classes one node exactly when their label sequences are equal, and reads each sequence back', () => {
  const r = rng(11);
  for (let round = 0; round < 50; round++) {
    const n = 1 + Math.floor(r() * 40);
    const seq = new ClassSequences(n);
    const reference: number[][] = Array.from({ length: n }, () => []);
    const rounds = Math.floor(r() * 12);
    for (let label = 0; label < rounds; label++) {
      seq.startRound(label * 3);
      for (let i = Math.floor(r() * n); i > 0; i--) {
        const id = Math.floor(r() * n);
        // A class added twice in a round gets the label once.
        seq.add(id);
        if (reference[id][reference[id].length - 1] !== label * 3) reference[id].push(label * 3);
      }
    }
    const out: number[] = [];
    for (let a = 0; a < n; a++) {
      const length = seq.sequence(seq.nodeOf[a], out);
      assert.deepEqual(out.slice(0, length), reference[a]);
      assert.equal(seq.nodeOf[a] === 0, reference[a].length === 0);
      for (let b = 0; b < n; b++) assert.equal(seq.nodeOf[a] === seq.nodeOf[b], reference[a].join() === reference[b].join(), `classes ${a} and ${b}`);
    }
    // A node's flag holds exactly when a label of its sequence is flagged.
    const flags = seq.flagNodes((label) => label % 2 === 0);
    for (let a = 0; a < n; a++) assert.equal(flags[seq.nodeOf[a]] === 1, reference[a].some((label) => label % 2 === 0));
  }
});

test('ClassAddresses finds the classes inside CIDRs as testing every class does, in class order, IPv6 included', () => {
  const r = rng(5);
  for (let round = 0; round < 200; round++) {
    const count = Math.floor(r() * 60);
    const classes: PeerClass[] = [];
    const addresses: (number | string)[] = [];
    for (let id = 0; id < count; id++) {
      // Addresses cluster in a few ranges and repeat, as pods on a node's block do.
      addresses.push(r() < 0.1 ? `fd00::${Math.floor(r() * 300).toString(16)}` : (((10 << 24) | (Math.floor(r() * 4) << 8) | Math.floor(r() * 256)) >>> 0) + (r() < 0.05 ? 2 ** 31 : 0));
      classes.push({ id } as PeerClass);
    }
    const index = new ClassAddresses(classes, (c) => addresses[c.id]);
    const blocks = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
      const k = r();
      if (k < 0.1) return cidr('fd00::/120');
      if (k < 0.15) return cidr('0.0.0.0/0');
      const prefix = 20 + Math.floor(r() * 13);
      return cidr(`${intToIp(((10 << 24) | Math.floor(r() * 1024)) >>> 0)}/${prefix}`);
    });
    const expected = classes.filter((c) => blocks.some((b) => cidrContains(b, addresses[c.id])));
    assert.deepEqual(index.inAny(blocks).map((c) => c.id), expected.map((c) => c.id), blocks.map((b) => b.text).join(' '));
  }
});
