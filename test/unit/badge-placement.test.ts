import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overlaps, placeBadgeRow, square } from '../../src/webview/badge-placement';

// Hop badges of the diagram: a row beside the element, in space no label or box uses.

const eth0 = { x: 100, y: 100, w: 80, h: 14 };
const r = 6;

test('a free element gets its badges in a row to its right, in hop order, touching nothing', () => {
  const row = placeBadgeRow(eth0, 3, r, [], []);
  assert.equal(row.overlap, 0);
  assert.equal(row.centres.length, 3);
  for (const c of row.centres) assert.ok(c.x - r > eth0.x + eth0.w, 'right of the box');
  assert.deepEqual(row.centres.map((c) => c.y), [107, 107, 107], 'on the box\'s middle line');
  assert.ok(row.centres[0].x < row.centres[1].x && row.centres[1].x < row.centres[2].x, 'numbered left to right');
});

test('a neighbour on the right sends the badges to the left, still numbered left to right', () => {
  const lo = { x: 184, y: 100, w: 30, h: 14 };
  const row = placeBadgeRow(eth0, 2, r, [lo], []);
  assert.equal(row.overlap, 0);
  for (const c of row.centres) assert.ok(c.x + r < eth0.x, 'left of the box');
  assert.ok(row.centres[0].x < row.centres[1].x);
});

test('labels above and boxes at both sides leave the space below; the row above (a container label) is never covered', () => {
  const lo = { x: 184, y: 100, w: 30, h: 14 };
  const podEdge = { x: 60, y: 90, w: 38, h: 40 };
  const containerRow = { x: 100, y: 80, w: 110, h: 12 };
  const row = placeBadgeRow(eth0, 3, r, [lo, podEdge, containerRow], []);
  assert.equal(row.overlap, 0);
  for (const c of row.centres) {
    assert.ok(c.y - r > eth0.y + eth0.h, 'below the box');
    assert.ok(!overlaps(square(c, r), containerRow));
  }
});

test('badges already placed are obstacles too', () => {
  const first = placeBadgeRow(eth0, 2, r, [], []);
  const taken = first.centres.map((c) => square(c, r));
  const second = placeBadgeRow(eth0, 2, r, [], taken);
  assert.equal(second.overlap, 0);
  for (const c of second.centres) for (const t of taken) assert.ok(!overlaps(square(c, r), t));
});

test('boxed in on every side: the place covering least is taken, and the overlap is reported', () => {
  const around = [
    { x: 0, y: 0, w: 400, h: 99 }, { x: 0, y: 115, w: 400, h: 200 },
    { x: 0, y: 99, w: 99, h: 16 }, { x: 181, y: 99, w: 20, h: 16 },
  ];
  const row = placeBadgeRow(eth0, 1, r, around, []);
  assert.ok(row.overlap > 0);
  // The only partly free side is the right (a box 1 px away): the badge goes there, least covered.
  assert.ok(row.centres[0].x > eth0.x + eth0.w);
  const opened = placeBadgeRow(eth0, 1, r, around.slice(0, 3), []);
  assert.equal(opened.overlap, 0, 'once the right-hand box is gone the place is free');
});
