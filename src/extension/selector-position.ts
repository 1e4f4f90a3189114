import type { SourcePosition, SourceRange } from '../core/service/types';

/**
 * Where to ask the service for "the objects this selector matches" inside a Service or policy:
 * a position in the value of its own `selector:` (a Service) or `podSelector:` (a policy: the
 * least indented one, spec.podSelector, not a peer's). The "N endpoints" and "selects N pods"
 * lenses use it until the service sends the matched objects with the lens itself.
 * `lines` are the document's lines; the result is 1-based, as the service expects.
 */
export function selectorValuePosition(lines: readonly string[], range: Pick<SourceRange, 'start' | 'end'>, key: 'selector' | 'podSelector'): SourcePosition | undefined {
  const pattern = new RegExp(`^(\\s*(?:-\\s+)?)${key}:[ \\t]*(.?)`);
  let best: { line: number; indent: number; valueColumn?: number } | undefined;
  const last = Math.min(range.end.line, lines.length);
  for (let line = range.start.line; line <= last; line++) {
    const m = pattern.exec(lines[line - 1]);
    if (!m || (best && best.indent <= m[1].length)) continue;
    const inline = m[2] !== '' && m[2] !== '#';
    best = { line, indent: m[1].length, ...(inline ? { valueColumn: m[0].length } : {}) };
  }
  if (!best) return undefined;
  if (best.valueColumn !== undefined) return { line: best.line, column: best.valueColumn };
  // A block mapping: its value starts at the first key of the next content line.
  for (let line = best.line + 1; line <= lines.length; line++) {
    const text = lines[line - 1];
    const at = text.search(/\S/);
    if (at < 0 || text[at] === '#') continue;
    return { line, column: at + 1 };
  }
  return undefined;
}
