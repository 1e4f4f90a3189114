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
