import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadgeObstacles, placeBadgeRow, square } from '../../src/webview/badge-placement';
import { intersects } from '../../src/webview/layout';

// Hop badges of the diagram: a row beside the element, in space no label, badge or box uses.

const eth0 = { x: 100, y: 100, w: 80, h: 14 };
const r = 6;
const only = (o: Partial<BadgeObstacles>): BadgeObstacles => ({ badges: [], labels: [], boxes: [], ...o });

test('a free element gets its badges in a row to its right, in hop order, touching nothing', () => {
  const row = placeBadgeRow(eth0, 3, r, only({}));
  assert.equal(row.overlap, 0);
  assert.equal(row.centres.length, 3);
  for (const c of row.centres) assert.ok(c.x - r > eth0.x + eth0.w, 'right of the box');
  assert.deepEqual(row.centres.map((c) => c.y), [107, 107, 107], 'on the box\'s middle line');
  assert.ok(row.centres[0].x < row.centres[1].x && row.centres[1].x < row.centres[2].x, 'numbered left to right');
});

test('a neighbour on the right sends the badges to the left, still numbered left to right', () => {
  const lo = { x: 184, y: 100, w: 30, h: 14 };
  const row = placeBadgeRow(eth0, 2, r, only({ boxes: [lo] }));
  assert.equal(row.overlap, 0);
  for (const c of row.centres) assert.ok(c.x + r < eth0.x, 'left of the box');
  assert.ok(row.centres[0].x < row.centres[1].x);
});

test('boxes at both sides and a label above leave the space below; the label above is never covered', () => {
  const lo = { x: 184, y: 100, w: 30, h: 14 };
  const podEdge = { x: 60, y: 90, w: 38, h: 40 };
  const containerRow = { x: 100, y: 80, w: 110, h: 12 };
  const row = placeBadgeRow(eth0, 3, r, only({ boxes: [lo, podEdge], labels: [containerRow] }));
  assert.equal(row.overlap, 0);
  for (const c of row.centres) {
    assert.ok(c.y - r > eth0.y + eth0.h, 'below the box');
    assert.ok(!intersects(square(c, r), containerRow));
  }
});

test('badges already placed are obstacles too', () => {
  const first = placeBadgeRow(eth0, 2, r, only({}));
  const taken = first.centres.map((c) => square(c, r));
  const second = placeBadgeRow(eth0, 2, r, only({ badges: taken }));
  assert.equal(second.overlap, 0);
  for (const c of second.centres) for (const t of taken) assert.ok(!intersects(square(c, r), t));
});

test('boxed in on every side: the place covering least is taken, and the overlap is reported', () => {
  const around = [
    { x: 0, y: 0, w: 400, h: 99 }, { x: 0, y: 115, w: 400, h: 200 },
    { x: 0, y: 99, w: 99, h: 16 }, { x: 181, y: 99, w: 100, h: 16 },
  ];
  const row = placeBadgeRow(eth0, 1, r, only({ boxes: around }));
  assert.ok(row.overlap > 0);
  const opened = placeBadgeRow(eth0, 1, r, only({ boxes: around.slice(0, 3) }));
  assert.equal(opened.overlap, 0, 'once the right-hand box is gone the place is free');
  assert.ok(opened.centres[0].x > eth0.x + eth0.w);
});

test('with no free place, an empty box corner is covered rather than a label, and a label rather than a badge', () => {
  // Right: a box; left: a label; further out on both sides and above/below: blocked by badges.
  const box = { x: 181, y: 95, w: 60, h: 24 };
  const label = { x: 40, y: 95, w: 59, h: 24 };
  const badges = [{ x: 0, y: 0, w: 400, h: 94 }, { x: 0, y: 120, w: 400, h: 100 }, { x: 242, y: 94, w: 100, h: 26 }, { x: 0, y: 94, w: 39, h: 26 }];
  const row = placeBadgeRow(eth0, 1, r, only({ boxes: [box], labels: [label], badges }));
  assert.ok(row.centres[0].x > eth0.x + eth0.w, 'over the box on the right, not the label on the left');
  const noBox = placeBadgeRow(eth0, 1, r, only({ labels: [label, box], badges }));
  assert.ok(row.overlap < noBox.overlap, 'a label weighs more than a box');
});
