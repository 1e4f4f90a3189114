import type { Point, Rect } from './layout';

/**
 * Where the numbered hop badges of one diagram element go: in a row beside the element, in
 * space that holds no label and no other box, so a badge never hides the name or address it
 * points at (nor the row above it, as badges lifted over a box's top edge did).
 *
 * Pure geometry, so it is tested without a browser; the diagram supplies the obstacles (the
 * boxes of other elements and the boxes of the labels drawn on screen).
 */

export interface BadgeRow {
  /** Centres, in the order of the hops they number (left to right, or top to bottom). */
  centres: Point[];
  /** What the row still covers, weighted, when no free place was found (0 when it is in free space). */
  overlap: number;
}

/** A placement around the element: the first badge's centre and the direction the row grows. */
interface Candidate { x: number; y: number; dx: number; dy: number }

/** What a badge row must keep clear of, from most to least important. */
export interface BadgeObstacles {
  /** Other badges: one over another hides a number. */
  badges: readonly Rect[];
  /** Texts on screen: a badge over one hides what it points at. */
  labels: readonly Rect[];
  /** Other elements' boxes: a badge over an empty corner of one is only untidy. */
  boxes: readonly Rect[];
}

/** How much worse covering each kind is: a place over box corners beats one over a label. */
const WEIGHT = { badges: 16, labels: 8, boxes: 1 };

/**
 * Places `count` badges of radius `r` beside `box`, trying in turn: right of it, left of it,
 * below and above (right-aligned, then left-aligned), a column at either side, then the same
 * one badge further out. The first place clear of everything wins; when none is, the one
 * covering least (badges and labels weigh most).
 */
export function placeBadgeRow(box: Rect, count: number, r: number, obstacles: BadgeObstacles): BadgeRow {
  const step = r * 2.2;
  const candidates: Candidate[] = [];
  for (const gap of [r * 0.35, r * 0.35 + step]) {
    const midY = box.y + box.h / 2;
    const right = box.x + box.w + gap + r;
    const left = box.x - gap - r;
    const below = box.y + box.h + gap + r;
    const above = box.y - gap - r;
    candidates.push(
      { x: right, y: midY, dx: step, dy: 0 },
      { x: left, y: midY, dx: -step, dy: 0 },
      { x: box.x + box.w - r, y: below, dx: -step, dy: 0 },
      { x: box.x + r, y: below, dx: step, dy: 0 },
      { x: box.x + box.w - r, y: above, dx: -step, dy: 0 },
      { x: box.x + r, y: above, dx: step, dy: 0 },
      { x: right, y: box.y + r, dx: 0, dy: step },
      { x: left, y: box.y + r, dx: 0, dy: step },
    );
  }
  let best: BadgeRow | undefined;
  for (const c of candidates) {
    const centres = Array.from({ length: count }, (_, i) => ({ x: c.x + c.dx * i, y: c.y + c.dy * i }));
    let overlap = 0;
    for (const p of centres) {
      const sq = square(p, r);
      overlap += WEIGHT.badges * covered(sq, obstacles.badges) + WEIGHT.labels * covered(sq, obstacles.labels) + WEIGHT.boxes * covered(sq, obstacles.boxes);
    }
    if (!best || overlap < best.overlap) best = { centres: readingOrder(centres), overlap };
    if (overlap === 0) break;
  }
  return best ?? { centres: [], overlap: 0 };
}

/** The square a badge of radius r occupies (obstacles are boxes; a square is the safe bound). */
export function square(p: Point, r: number): Rect {
  return { x: p.x - r, y: p.y - r, w: 2 * r, h: 2 * r };
}

/** Rows that grow leftwards or upwards still number left to right, top to bottom. */
function readingOrder(centres: Point[]): Point[] {
  return [...centres].sort((a, b) => a.y - b.y || a.x - b.x);
}

function covered(s: Rect, boxes: readonly Rect[]): number {
  let sum = 0;
  for (const b of boxes) {
    const w = Math.min(s.x + s.w, b.x + b.w) - Math.max(s.x, b.x);
    const h = Math.min(s.y + s.h, b.y + b.h) - Math.max(s.y, b.y);
    if (w > 0 && h > 0) sum += w * h;
  }
  return sum;
}

/** Whether `outer` holds `inner` whole (a box's own pod and node are not in its way). */
export function contains(outer: Rect, inner: Rect): boolean {
  return outer.x <= inner.x && outer.y <= inner.y && outer.x + outer.w >= inner.x + inner.w && outer.y + outer.h >= inner.y + inner.h;
}
