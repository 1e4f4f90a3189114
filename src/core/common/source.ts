/**
 * Where something came from in the user's files. Lines and columns are 1-based, as editors and
 * compilers print them; the VS Code adapter subtracts one.
 */
export interface SourcePosition {
  line: number;
  column: number;
}

export interface SourceRange {
  file: string;
  start: SourcePosition;
  end: SourcePosition;
}

/** `file:line:column`, the form terminals and editors turn into links. */
export function formatLocation(range: SourceRange | undefined): string {
  if (!range) return '<built-in>';
  return `${range.file}:${range.start.line}:${range.start.column}`;
}

/** A path into a YAML document: keys and sequence indexes, e.g. ['spec', 'ports', 0, 'port']. */
export type FieldPath = readonly (string | number)[];

/**
 * Gives the source range of any field of one object. Objects keep a locator instead of a range
 * per field so that locations cost nothing until someone asks for them.
 */
export interface Locator {
  readonly file: string;
  /** The whole object (the YAML document or list item it came from). */
  readonly range: SourceRange;
  /** The value at `path`, or the nearest ancestor that exists. */
  at(path: FieldPath): SourceRange;
  /** The key of the field at `path` (for "unknown field" style findings), else `at(path)`. */
  keyAt(path: FieldPath): SourceRange;
}

/** A locator for things PodPath made up itself (defaults, generated objects). */
export function builtinLocator(description: string): Locator {
  const range: SourceRange = { file: `<${description}>`, start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
  return { file: range.file, range, at: () => range, keyAt: () => range };
}
