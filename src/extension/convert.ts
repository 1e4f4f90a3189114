import * as vscode from 'vscode';
import type { SourcePosition, SourceRange } from '../core/service/types';
import { toEditorPosition, toServicePosition } from './positions';

/** positions.ts in VS Code's own types. */
export function toPosition(p: SourcePosition): vscode.Position {
  const e = toEditorPosition(p);
  return new vscode.Position(e.line, e.character);
}

export function toRange(r: Pick<SourceRange, 'start' | 'end'>): vscode.Range {
  return new vscode.Range(toPosition(r.start), toPosition(r.end));
}

export function fromPosition(p: vscode.Position): SourcePosition {
  return toServicePosition({ line: p.line, character: p.character });
}
