import type { Rect } from './layout';

/**
 * Pan and zoom: one transform on the viewport group. Wheel zooms about the pointer, dragging
 * the background pans, and the keyboard does both. Listeners are told after every change
 * (the renderer mounts what came into view; the state is saved).
 */
export class Camera {
  x = 0;
  y = 0;
  k = 1;
  static readonly MIN = 0.02;
  static readonly MAX = 4;
  /**
   * True once the user zoomed or panned (wheel, drag, keys, buttons): the view is theirs then,
   * and the page stops refitting it when the panel is resized. Programmatic fits leave it alone.
   */
  user = false;
  private listeners: (() => void)[] = [];
  private drag?: { id: number; x: number; y: number; moved: boolean };

  constructor(private readonly svgEl: SVGSVGElement, private readonly group: SVGGElement) {
    svgEl.addEventListener('wheel', (e) => {
      e.preventDefault();
      const p = this.local(e.clientX, e.clientY);
      this.user = true;
      this.zoomAt(p.x, p.y, Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)));
    }, { passive: false });
    svgEl.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      this.drag = { id: e.pointerId, x: e.clientX, y: e.clientY, moved: false };
    });
    svgEl.addEventListener('pointermove', (e) => {
      const d = this.drag;
      if (!d || d.id !== e.pointerId) return;
      const dx = e.clientX - d.x;
      const dy = e.clientY - d.y;
      if (!d.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      if (!d.moved) svgEl.setPointerCapture(e.pointerId);
      d.moved = true;
      this.user = true;
      d.x = e.clientX;
      d.y = e.clientY;
      this.set(this.x + dx, this.y + dy, this.k);
    });
    const end = (e: PointerEvent) => {
      if (this.drag?.id === e.pointerId) {
        // A drag is not a click: swallow the click that follows it.
        if (this.drag.moved) svgEl.addEventListener('click', (c) => c.stopPropagation(), { capture: true, once: true });
        this.drag = undefined;
      }
    };
    svgEl.addEventListener('pointerup', end);
    svgEl.addEventListener('pointercancel', end);
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  size(): { w: number; h: number } {
    const r = this.svgEl.getBoundingClientRect();
    return { w: Math.max(1, r.width), h: Math.max(1, r.height) };
  }

  /** The world rectangle on screen. */
  visible(): Rect {
    const { w, h } = this.size();
    return { x: -this.x / this.k, y: -this.y / this.k, w: w / this.k, h: h / this.k };
  }

  set(x: number, y: number, k: number): void {
    this.k = Math.min(Camera.MAX, Math.max(Camera.MIN, k));
    this.x = x;
    this.y = y;
    this.group.setAttribute('transform', `translate(${Math.round(this.x * 100) / 100} ${Math.round(this.y * 100) / 100}) scale(${Math.round(this.k * 10000) / 10000})`);
    for (const fn of this.listeners) fn();
  }

  zoomAt(px: number, py: number, factor: number): void {
    const k = Math.min(Camera.MAX, Math.max(Camera.MIN, this.k * factor));
    const f = k / this.k;
    this.set(px - (px - this.x) * f, py - (py - this.y) * f, k);
  }

  zoomBy(factor: number): void {
    this.user = true;
    const { w, h } = this.size();
    this.zoomAt(w / 2, h / 2, factor);
  }

  pan(dx: number, dy: number): void {
    this.user = true;
    this.set(this.x + dx, this.y + dy, this.k);
  }

  /** Show a world rect whole, with a margin; never zoom in past `maxK`. */
  fit(r: Rect, maxK = 1.25): void {
    const { w, h } = this.size();
    const k = Math.min(maxK, fitScale(r, w, h));
    this.set(w / 2 - (r.x + r.w / 2) * k, h / 2 - (r.y + r.h / 2) * k, k);
  }

  /** Bring a world rect into view at a readable zoom, keeping the zoom when it already is. */
  reveal(r: Rect, minK = 0.6): void {
    const { w, h } = this.size();
    const k = Math.max(this.k, Math.min(minK, (w - 48) / Math.max(1, r.w), (h - 48) / Math.max(1, r.h)));
    this.set(w / 2 - (r.x + r.w / 2) * k, h / 2 - (r.y + r.h / 2) * k, k);
  }

  private local(cx: number, cy: number): { x: number; y: number } {
    const r = this.svgEl.getBoundingClientRect();
    return { x: cx - r.left, y: cy - r.top };
  }
}

/** The zoom at which a world rect fills a `w` × `h` view, less a 24 px margin on each side. */
export function fitScale(r: Rect, w: number, h: number, margin = 24): number {
  return Math.max(Camera.MIN, Math.min((w - 2 * margin) / Math.max(1, r.w), (h - 2 * margin) / Math.max(1, r.h)));
}
