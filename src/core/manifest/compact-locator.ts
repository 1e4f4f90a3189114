import { FieldPath, Locator, SourceRange } from '../common/source';
import { CompactLocations, EMPTY, MAP, SEQ } from './plain-yaml';

/**
 * Line starts of one file, to turn offsets into 1-based lines and columns on demand (the
 * numbers the `yaml` package's LineCounter gives), in a typed array rather than a syntax tree.
 */
export class LineIndex {
  private readonly starts: Int32Array;

  constructor(text: string) {
    let n = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
    const starts = new Int32Array(n);
    let k = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts[k++] = i + 1;
    this.starts = starts;
  }

  linePos(offset: number): { line: number; col: number } {
    const s = this.starts;
    let lo = 0, hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - s[lo] + 1 };
  }

  range(file: string, start: number, end: number): SourceRange {
    const s = this.linePos(start), e = this.linePos(Math.max(start, end));
    return { file, start: { line: s.line, column: s.col }, end: { line: e.line, column: e.col } };
  }
}

/** A node of a compact table, or a key (which has offsets but no record). */
type Spot = { node: number } | { keyStart: number; keyEnd: number };

/**
 * Follows `path` through a compact table exactly as the `yaml`-tree walk in parse.ts does: the
 * last of repeated keys wins (a plain table has none), a key with nothing after it answers with
 * the key, and a missing step stops at the deepest node reached.
 */
function walk(loc: CompactLocations, from: number, path: FieldPath): { spot: Spot; key?: Spot; complete: boolean } {
  const t = loc.table;
  let node = from;
  let key: Spot | undefined;
  for (const seg of path) {
    const type = t[node];
    if (type === MAP && typeof seg === 'string') {
      const n = t[node + 3];
      let found = -1;
      for (let i = n - 1; i >= 0; i--) {
        if (loc.keys[t[node + 4 + i * 4 + 3]] === seg) { found = node + 4 + i * 4; break; }
      }
      if (found < 0) return { spot: { node }, key, complete: false };
      key = { keyStart: t[found], keyEnd: t[found + 1] };
      const value = t[found + 2];
      if (t[value] === EMPTY) return { spot: key, key, complete: false };
      node = value;
    } else if (type === SEQ && typeof seg === 'number') {
      if (!Number.isInteger(seg) || seg < 0 || seg >= t[node + 3]) return { spot: { node }, key, complete: false };
      key = undefined;
      node = t[node + 4 + seg];
    } else {
      return { spot: { node }, key, complete: false };
    }
  }
  return { spot: { node }, key, complete: true };
}

function spotRange(file: string, lines: LineIndex, loc: CompactLocations, s: Spot): SourceRange {
  if ('node' in s) return lines.range(file, loc.table[s.node + 1], loc.table[s.node + 2]);
  return lines.range(file, s.keyStart, s.keyEnd);
}

/** The range of the whole document's content. */
export function compactRootRange(file: string, lines: LineIndex, loc: CompactLocations): SourceRange {
  return spotRange(file, lines, loc, { node: loc.root });
}

/** A Locator over a compact table, for the node at `base` (the document, or a List item). */
export function compactLocator(file: string, lines: LineIndex, loc: CompactLocations, base: FieldPath): Locator {
  const self = walk(loc, loc.root, base).spot;
  const range = spotRange(file, lines, loc, self);
  // A base that ended on a key has no children to walk into; like the tree walk, stay there.
  const from = 'node' in self ? self.node : -1;
  return {
    file,
    range,
    at(path: FieldPath): SourceRange {
      if (from < 0) return range;
      return spotRange(file, lines, loc, walk(loc, from, path).spot);
    },
    keyAt(path: FieldPath): SourceRange {
      if (from < 0) return range;
      const w = walk(loc, from, path);
      return spotRange(file, lines, loc, w.complete && w.key ? w.key : w.spot);
    },
  };
}
