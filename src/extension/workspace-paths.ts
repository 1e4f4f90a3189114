/**
 * Which file names the editor may open on the analysis' or the diagram page's say. Both name
 * files as the language service does: workspace-relative, forward slashes. A name that is
 * absolute, climbs out with `..`, carries a drive letter, a scheme or a control character did
 * not come from a workspace file, and opening it could show a file outside the workspace.
 * Pure, so it is tested without an editor.
 */
export function isWorkspaceRelativePath(file: unknown): file is string {
  if (typeof file !== 'string' || file.length === 0 || file.length > 4096) return false;
  // Controls (NUL, newlines) and backslashes (a second separator on Windows).
  if (/[\u0000-\u001f\u007f\\]/.test(file)) return false;
  // `/abs`, `C:...`, `file:...`, `vscode-remote:...`.
  if (file.startsWith('/') || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(file)) return false;
  return file.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** A source range as a page message may send it: a file name and whole-number positions. */
export function isSourceRangeShaped(range: unknown): range is { file: string; start: { line: number; column: number }; end: { line: number; column: number } } {
  if (!range || typeof range !== 'object') return false;
  const r = range as { file?: unknown; start?: { line?: unknown; column?: unknown }; end?: { line?: unknown; column?: unknown } };
  const position = (p: { line?: unknown; column?: unknown } | undefined) => !!p && Number.isSafeInteger(p.line) && Number.isSafeInteger(p.column);
  return typeof r.file === 'string' && position(r.start) && position(r.end);
}
