import type { SourcePosition, SourceRange } from '../core/service/types';

/**
 * The core counts lines and columns from 1, as compilers print them; VS Code counts from 0.
 * Every conversion goes through here so an off-by-one can only live in one place.
 * (Columns are UTF-16 code units on both sides: the core measures JavaScript strings.)
 */

export interface EditorPosition {
  line: number;
  character: number;
}

export interface EditorRange {
  start: EditorPosition;
  end: EditorPosition;
}

export function toEditorPosition(p: SourcePosition): EditorPosition {
  return { line: Math.max(0, p.line - 1), character: Math.max(0, p.column - 1) };
}

export function toEditorRange(r: Pick<SourceRange, 'start' | 'end'>): EditorRange {
  return { start: toEditorPosition(r.start), end: toEditorPosition(r.end) };
}

export function toServicePosition(p: EditorPosition): SourcePosition {
  return { line: p.line + 1, column: p.character + 1 };
}

/** `file:line:col` references as trace documents print them (`examples/a.yaml:10:8`). */
export interface LocationReference {
  /** Offset of the reference in the searched text and its length. */
  offset: number;
  length: number;
  file: string;
  position: SourcePosition;
}

const LOCATION = /(?<![\w./-])((?:[\w.@+-]+\/)*[\w.@+-]+\.ya?ml):(\d+)(?::(\d+))?/g;

export function findLocationReferences(text: string): LocationReference[] {
  const out: LocationReference[] = [];
  for (const m of text.matchAll(LOCATION)) {
    out.push({ offset: m.index!, length: m[0].length, file: m[1], position: { line: Number(m[2]), column: m[3] ? Number(m[3]) : 1 } });
  }
  return out;
}
