import type { OverlayHop, TraceOverlay } from '../core/topology/overlay';
import { contains, placeBadgeRow, square } from './badge-placement';
import { clear, round, svg } from './dom';
import { Layout, Point, Rect, center, intersects, segmentRoute } from './layout';
import { tunnelPoints } from './render';

/**
 * The trace on the diagram: which elements the active path lights, a numbered marker per hop
 * (data-hop-index, in order), and the packet dot that travels the path. The overlay's element
 * lists already include the links between devices, so following them in order is the path.
 */

export function activePath(overlay: TraceOverlay | undefined, branch: number): OverlayHop[] {
  if (!overlay) return [];
  return [...overlay.hops, ...(overlay.branches[branch]?.hops ?? [])];
}

export function litElements(path: OverlayHop[]): Set<string> {
  const s = new Set<string>();
  for (const h of path) for (const id of h.elements) s.add(id);
  return s;
}

/**
 * Markers: one per hop, the hops of one element in a row beside it, placed where no label and
 * no other box is (`labels` gives the boxes of the texts on screen, in world coordinates).
 */
export function drawMarkers(layer: SVGGElement, layout: Layout, path: OverlayHop[], current: number, k: number, labels: () => Rect[] = () => []): void {
  clear(layer);
  const r = 9 / Math.max(k, 0.05) ** 0.85;
  const byFocus = new Map<string, OverlayHop[]>();
  for (const h of path) {
    if (!layout.rects.has(h.focus)) continue;
    const list = byFocus.get(h.focus);
    if (list) list.push(h);
    else byFocus.set(h.focus, [h]);
  }
  if (!byFocus.size) return;
  const near = nearbyObstacles(layout, [...byFocus.keys()].map((id) => layout.rects.get(id)!), labels(), r);
  const placed: Rect[] = [];
  const centreOf = new Map<OverlayHop, Point>();
  for (const [focus, hops] of byFocus) {
    const box = layout.rects.get(focus)!;
    // Its own pod and node hold it; every other box and every label is in the way.
    const boxes = near.boxes.filter((o) => !contains(o, box));
    const row = placeBadgeRow(box, hops.length, r, { badges: placed, labels: near.labels, boxes });
    hops.forEach((h, i) => {
      centreOf.set(h, row.centres[i]);
      placed.push(square(row.centres[i], r));
    });
  }
  // Drawn in hop order, so the document reads as the path does.
  for (const h of path) {
    const c = centreOf.get(h);
    if (!c) continue;
    const g = svg('g', { class: `pp-marker${h.index === current ? ' pp-marker-current' : ''} pp-action-${h.action}`, 'data-testid': 'hop-marker', 'data-hop-index': h.index, 'data-element': h.focus }, layer);
    svg('circle', { cx: round(c.x), cy: round(c.y), r: round(r) }, g);
    svg('text', { x: round(c.x), y: round(c.y + r * 0.38), 'text-anchor': 'middle', 'font-size': round(r * 1.1), class: 'pp-marker-text' }, g, String(h.index));
  }
}

/** The boxes and labels within reach of any marked element (one pass over the layout's boxes). */
function nearbyObstacles(layout: Layout, marked: Rect[], labels: Rect[], r: number): { boxes: Rect[]; labels: Rect[] } {
  const reach = r * 14;
  const windows = marked.map((b) => ({ x: b.x - reach, y: b.y - reach, w: b.w + 2 * reach, h: b.h + 2 * reach }));
  const inReach = (b: Rect) => windows.some((w) => intersects(w, b));
  const boxes: Rect[] = [];
  const seen = new Set<Rect>();
  for (const b of layout.rects.values()) {
    if (seen.has(b)) continue;
    seen.add(b);
    if (inReach(b)) boxes.push(b);
  }
  return { boxes, labels: labels.filter(inReach) };
}

/** Waypoints of one hop, starting from where the packet is. */
export function hopWaypoints(layout: Layout, hop: OverlayHop, from: Point | undefined, tunnels: Map<string, { from: string; to: string; kind: 'tunnel'; id: string }>): Point[] {
  const out: Point[] = [];
  let at = from;
  const push = (p: Point) => { out.push(p); at = p; };
  const els = hop.elements;
  for (let i = 0; i < els.length; i++) {
    const id = els[i];
    if (!isPlace(id)) continue;
    const seg = layout.segments.find((s) => s.seg.id === id);
    if (seg) {
      const nextLink = els.slice(i + 1).find((x) => x.startsWith('wire:') || x.startsWith('uplink:'));
      const pts = nextLink ? layout.links.get(nextLink) : undefined;
      if (at && pts) {
        const end = nearestEnd(pts, at);
        for (const p of segmentRoute(seg, at, end).slice(1)) push(p);
      }
      continue;
    }
    const tunnel = tunnels.get(id);
    const line = tunnel ? tunnelPoints(layout, tunnel) : layout.links.get(id);
    if (line) {
      const oriented = at && dist(line[line.length - 1], at) < dist(line[0], at) ? [...line].reverse() : line;
      for (const p of oriented) push(p);
      continue;
    }
    const rect = layout.rects.get(id);
    if (rect) push(anchor(rect, at));
  }
  return out;
}

/** Places the packet visits (links and boxes); Services, badges and endpoints are side notes. */
function isPlace(id: string): boolean {
  return /^(dev|pdev|stack|segment|veth|port|up|wire|uplink|tunnel):/.test(id) || id === 'router' || id === 'external' || id === 'exit';
}

/** A wide bar (bridge, stack) is entered straight below or above where the packet is. */
function anchor(r: Rect, at: Point | undefined): Point {
  if (r.w > 260 && at) return { x: Math.min(r.x + r.w - 8, Math.max(r.x + 8, at.x)), y: r.y + r.h / 2 };
  return center(r);
}

function nearestEnd(pts: Point[], at: Point): Point {
  return dist(pts[0], at) <= dist(pts[pts.length - 1], at) ? pts[0] : pts[pts.length - 1];
}

function dist(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/** Moves the dot along waypoints at a steady on-screen speed; resolves when done or stopped. */
export class PacketDot {
  private el?: SVGCircleElement;
  private frame = 0;
  private stopped = false;
  pos?: Point;

  constructor(private readonly layer: () => SVGGElement) {}

  place(p: Point | undefined, k: number): void {
    if (!p) return;
    this.pos = p;
    const el = this.ensure(k);
    el.setAttribute('cx', String(p.x));
    el.setAttribute('cy', String(p.y));
  }

  run(points: Point[], k: number, reduceMotion: boolean): Promise<boolean> {
    cancelAnimationFrame(this.frame);
    this.stopped = false;
    if (!points.length) return Promise.resolve(true);
    const start = this.pos ?? points[0];
    const path = [start, ...points];
    const lengths = path.slice(1).map((p, i) => dist(p, path[i]));
    const total = lengths.reduce((a, b) => a + b, 0);
    if (reduceMotion || total === 0) {
      this.place(points[points.length - 1], k);
      return Promise.resolve(true);
    }
    const screen = total * k;
    const duration = Math.min(1400, Math.max(280, screen / 0.45));
    const t0 = performance.now();
    return new Promise((resolve) => {
      const step = (now: number) => {
        if (this.stopped) return resolve(false);
        const f = Math.min(1, (now - t0) / duration);
        let d = f * total;
        let i = 0;
        while (i < lengths.length - 1 && d > lengths[i]) d -= lengths[i++];
        const a = path[i];
        const b = path[i + 1];
        const u = lengths[i] ? Math.min(1, d / lengths[i]) : 1;
        this.place({ x: a.x + (b.x - a.x) * u, y: a.y + (b.y - a.y) * u }, k);
        if (f < 1) this.frame = requestAnimationFrame(step);
        else resolve(true);
      };
      this.frame = requestAnimationFrame(step);
    });
  }

  stop(): void {
    this.stopped = true;
    cancelAnimationFrame(this.frame);
  }

  remove(): void {
    this.stop();
    this.el?.remove();
    this.el = undefined;
    this.pos = undefined;
  }

  private ensure(k: number): SVGCircleElement {
    if (!this.el || !this.el.isConnected) this.el = svg('circle', { class: 'pp-packet-dot', 'data-testid': 'packet' }, this.layer());
    this.el.setAttribute('r', String(7 / Math.max(k, 0.05) ** 0.85));
    return this.el;
  }
}
