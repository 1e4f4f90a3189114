/**
 * The only way this page makes elements. Text from the manifests (names, labels, images) is
 * always set with textContent, never parsed as markup; attributes are plain values, and event
 * handler or style attributes are refused outright, so no data can become code or CSS.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

export type Attrs = Record<string, string | number | boolean | undefined>;

function setAttrs(el: Element, attrs: Attrs): void {
  for (const key of Object.keys(attrs)) {
    const v = attrs[key];
    if (v === undefined || v === false) continue;
    const name = key.toLowerCase();
    if (name.startsWith('on') || name === 'style' || name === 'href' || name === 'xlink:href') throw new Error(`refusing attribute ${key}`);
    el.setAttribute(key, v === true ? '' : String(v));
  }
}

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, parent?: Element, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  if (text !== undefined) el.textContent = text;
  if (parent) parent.appendChild(el);
  return el;
}

export function html<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, parent?: Element, text?: string): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  if (text !== undefined) el.textContent = text;
  if (parent) parent.appendChild(el);
  return el;
}

/** Shortens text to roughly fit `width` pixels at `fontSize` (average glyph ≈ 0.6 em). */
export function fit(text: string, width: number, fontSize: number): string {
  const max = Math.max(1, Math.floor(width / (fontSize * 0.6)));
  return text.length <= max ? text : text.slice(0, Math.max(1, max - 1)) + '…';
}

/** An SVG text, shortened to its width, with the full text as a tooltip when shortened. */
export function label(parent: Element, x: number, y: number, text: string, cls: string, width: number, fontSize: number, attrs: Attrs = {}): SVGTextElement {
  const shown = fit(text, width, fontSize);
  const t = svg('text', { x, y, class: cls, ...attrs }, parent, shown);
  if (shown !== text) svg('title', {}, t, text);
  return t;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function points(pts: { x: number; y: number }[]): string {
  return pts.map((p, i) => `${i ? 'L' : 'M'}${round(p.x)} ${round(p.y)}`).join(' ');
}

export function round(n: number): number {
  return Math.round(n * 10) / 10;
}
