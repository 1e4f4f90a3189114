/**
 * Export of the current view. The live diagram is styled by the theme's CSS variables, which
 * mean nothing outside VS Code, so the copy gets each element's computed paint as plain
 * presentation attributes (never a style attribute: the page's CSP forbids inline styles,
 * and presentation attributes need no exception).
 */

const PROPS = [
  'fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-opacity', 'stroke-dasharray', 'opacity',
  'font-family', 'font-size', 'font-weight', 'font-style', 'text-anchor', 'dominant-baseline', 'visibility',
] as const;

export function exportSvg(live: SVGSVGElement, background: string): { text: string; width: number; height: number } {
  const rect = live.getBoundingClientRect();
  const width = Math.max(1, Math.round(rect.width));
  const height = Math.max(1, Math.round(rect.height));
  const copy = live.cloneNode(true) as SVGSVGElement;
  const a = live.querySelectorAll('*');
  const b = copy.querySelectorAll('*');
  for (let i = 0; i < a.length; i++) {
    const src = a[i];
    const dst = b[i];
    const cs = getComputedStyle(src);
    if (cs.display === 'none') {
      dst.remove();
      continue;
    }
    for (const p of PROPS) {
      const v = cs.getPropertyValue(p);
      if (v) dst.setAttribute(p, v);
    }
    // Interaction hooks mean nothing in a file.
    for (const attr of ['tabindex', 'role', 'aria-label', 'aria-expanded', 'class']) dst.removeAttribute(attr);
  }
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  copy.setAttribute('viewBox', `0 0 ${width} ${height}`);
  copy.removeAttribute('class');
  copy.removeAttribute('tabindex');
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  for (const [k, v] of [['x', '0'], ['y', '0'], ['width', String(width)], ['height', String(height)], ['fill', background]]) bg.setAttribute(k, v);
  copy.insertBefore(bg, copy.firstChild);
  return { text: new XMLSerializer().serializeToString(copy), width, height };
}

/** Rasterises the exported SVG (drawn from a blob: URL, which the CSP's img-src allows). */
export async function svgToPngBase64(svgText: string, width: number, height: number, scale = 2): Promise<string> {
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.decoding = 'async';
    const loaded = new Promise<void>((resolve, reject) => {
      img.addEventListener('load', () => resolve(), { once: true });
      img.addEventListener('error', () => reject(new Error('the exported SVG could not be rasterised')), { once: true });
    });
    img.src = url;
    await loaded;
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0, width, height);
    const data = canvas.toDataURL('image/png');
    return data.slice(data.indexOf(',') + 1);
  } finally {
    URL.revokeObjectURL(url);
  }
}
