import { Document, isScalar } from 'yaml';
import type { Tags } from 'yaml';

/**
 * A direct reader for the plain subset of YAML that almost every Kubernetes manifest is written
 * in: block mappings and sequences indented with spaces, single-line flow collections (`{a: b}`,
 * `[1, 2]`), plain and simply quoted scalars, `#` comments at the start of a line or after a
 * value, and `---` between documents.
 *
 * Why it exists: the `yaml` package builds a full syntax tree (tokens, nodes, source strings)
 * for every document, which runs at about 1 MB/s and is most of the memory a large workspace
 * takes. This reader goes from text to plain data in one pass and keeps, per document, only a
 * compact table of offsets from which any field's range is computed when asked.
 *
 * It reads a document only when it is sure to give exactly what the `yaml` package gives (the
 * same data and the same ranges): anything else (anchors, aliases, tags, merge keys, block
 * scalars, multi-line scalars or flow collections, escapes, tabs, comments it cannot place,
 * repeated keys, non-string keys) leaves that document `unread`, for the caller to read with the
 * `yaml` package — a ConfigMap's block scalar does not send its neighbours there too. What
 * reaches across documents (directives, `...` markers, a byte-order mark, CR line ends) or nests
 * too deeply makes it answer `undefined`, and the caller reads the whole file with `yaml`. A
 * differential test holds the two readers to the same answers.
 */

/** One document of a file read by this reader. */
export interface PlainDocument {
  /** The document's content as plain data; `null` for a document with no content or one left unread. */
  data: Record<string, unknown> | null;
  /**
   * Set when this document leaves the subset (a block scalar, an anchor, a tab …) while the rest
   * of the file does not: the caller reads its text, [start, end), with the `yaml` package.
   */
  unread?: true;
  /** Where each node is; absent when `data` is null. */
  locations?: CompactLocations;
  /** Offsets of the document's text in the file: from its first line to the start of the next. */
  start: number;
  end: number;
  /**
   * Set when the document was not read again: the earlier document with the very same text
   * (see `readPlainYaml`'s `previous`), whose data this one shares. The caller clears it.
   */
  reusedFrom?: PlainDocument;
}

/**
 * The offsets of one document's nodes, as a flat table (no objects per node). Each node is a
 * record at an index of `table`:
 *   scalar     [SCALAR, start, end]
 *   empty      [EMPTY, at, at]                 (`key:` with nothing after it)
 *   mapping    [MAP, start, end, n, n × (keyStart, keyEnd, valueNode, keyIndex)]
 *   sequence   [SEQ, start, end, n, n × itemNode]
 * `start`/`end` are the offsets `yaml` reports as a node's range[0] and range[1].
 */
export interface CompactLocations {
  table: Int32Array;
  /** Mapping keys, by `keyIndex`. */
  keys: string[];
  root: number;
}

export const SCALAR = 0;
export const EMPTY = 1;
export const MAP = 2;
export const SEQ = 3;

/**
 * The plain-scalar patterns of YAML 1.1 in the `yaml` package (null, bool, int, float). Each
 * matches only strings starting with one of `-+.0-9~nNyYtTfFoO`, which lets most scalars
 * (names, images, labels) skip the patterns altogether.
 */
const KNOWN_PATTERNS = new Set([
  '/^(?:~|[Nn]ull|NULL)?$/',
  '/^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/',
  '/^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/',
  '/^[-+]?0b[0-1_]+$/',
  '/^[-+]?0[0-7_]+$/',
  '/^[-+]?[0-9][0-9_]*$/',
  '/^[-+]?0x[0-9a-fA-F_]+$/',
  '/^(?:[-+]?\\.(?:inf|Inf|INF)|\\.nan|\\.NaN|\\.NAN)$/',
  '/^[-+]?(?:[0-9][0-9_]*)?(?:\\.[0-9_]*)?[eE][-+]?[0-9]+$/',
  '/^[-+]?(?:[0-9][0-9_]*)?\\.[0-9_]*$/',
]);

/** Per first character (below 128) of a plain scalar: can a pattern above match it? */
const NEVER = 0, WORD = 1, NUMBER = 2;
const MAY_RESOLVE = (() => {
  const table = new Uint8Array(65536);
  for (const c of 'nNyYtTfFoO') table[c.charCodeAt(0)] = WORD;
  for (const c of '-+.0123456789~') table[c.charCodeAt(0)] = NUMBER;
  return table;
})();

/** Thrown inside the reader when the text leaves the subset; never escapes `readPlainYaml`. */
class NotPlain {}
const NOT_PLAIN = new NotPlain();

function bail(): never {
  throw NOT_PLAIN;
}

/** One line of a document: where it starts and ends, its indent, and what it holds. */
const BLANK = 0, COMMENT = 1, CONTENT = 2;

/**
 * The scalar resolution the `yaml` package applies to plain scalars (YAML 1.1 with the given
 * tags): the first default tag whose pattern matches decides, as its composer does.
 */
export class PlainScalars {
  private readonly tags: { test: RegExp; resolve: (s: string, onError: (m: string) => void, o: unknown) => unknown }[];
  private readonly options: unknown;
  private readonly cache = new Map<string, unknown>();

  constructor(customTags: (tags: Tags) => Tags) {
    const doc = new Document(null, { version: '1.1', customTags, merge: true });
    const schema = doc.schema as unknown as { tags: { default?: boolean | 'key'; test?: RegExp; resolve: (s: string, e: (m: string) => void, o: unknown) => unknown }[] };
    this.tags = schema.tags.filter((t) => t.default === true && t.test).map((t) => ({ test: t.test!, resolve: t.resolve }));
    this.options = doc.options;
    // The quick first-character test below is only valid for the patterns it was written for.
    this.unfiltered = this.tags.some((t) => !KNOWN_PATTERNS.has(String(t.test)));
  }

  /** Set when a tag's pattern is not one the quick first-character test was written for. */
  private readonly unfiltered: boolean;

  resolve(s: string): unknown {
    if (!this.unfiltered) {
      const first = s.length ? MAY_RESOLVE[s.charCodeAt(0)] : NEVER;
      // The words (null, booleans) are five letters at most; numbers start with a sign, dot or digit.
      if (first === NEVER || (first === WORD && s.length > 5)) return s;
    }
    const known = this.cache.get(s);
    if (known !== undefined || this.cache.has(s)) return known;
    let value: unknown = s;
    let failed = false;
    for (const t of this.tags) {
      if (t.test.test(s)) {
        value = t.resolve(s, () => { failed = true; }, this.options);
        // Some tags (booleans) answer with a Scalar node that remembers its source text.
        if (isScalar(value)) value = value.value;
        break;
      }
    }
    if (failed) bail();
    if (this.cache.size < 10000) this.cache.set(s, value);
    return value;
  }
}

/**
 * Reads every document of `text`, or answers `undefined` when the text is not entirely in the
 * plain subset (the caller then uses the `yaml` package for the whole file).
 */
export function readPlainYaml(text: string, scalars: PlainScalars, previous?: EarlierText): PlainDocument[] | undefined {
  // Characters whose handling differs in ways not worth repeating here.
  if (text.includes('\r') || text.charCodeAt(0) === 0xfeff) return undefined;
  try {
    return new PlainReader(text, scalars, previous && earlierDocuments(previous)).documents();
  } catch (e) {
    if (e === NOT_PLAIN) return undefined;
    if (e instanceof RangeError) return undefined; // too deep for this reader: let `yaml` report it
    throw e;
  }
}

/** An earlier text of the same file and the documents read from it. */
export interface EarlierText {
  text: string;
  documents: readonly PlainDocument[];
}

/** The earlier documents by their text (from the `---` line to the next one). */
function earlierDocuments(previous: EarlierText): Map<string, PlainDocument> {
  const byText = new Map<string, PlainDocument>();
  for (const d of previous.documents) if (d.data !== null) byText.set(previous.text.slice(d.start, d.end), d);
  return byText;
}

/**
 * A document read earlier, now `delta` characters later (or earlier) in the file: the same data,
 * its offsets moved. A document's text alone decides what it holds (the subset has no anchors,
 * tags or directives reaching across `---`), so an unchanged document is not read again.
 */
function movedDocument(d: PlainDocument, start: number, end: number): PlainDocument {
  const delta = start - d.start;
  if (delta === 0 || !d.locations) return { data: d.data, ...(d.locations ? { locations: d.locations } : {}), start, end, reusedFrom: d };
  const t = Int32Array.from(d.locations.table);
  // The table is a run of records (see CompactLocations): shift every offset in each.
  for (let i = 0; i < t.length;) {
    const type = t[i];
    t[i + 1] += delta;
    t[i + 2] += delta;
    if (type === MAP) {
      const n = t[i + 3];
      for (let k = 0; k < n; k++) {
        t[i + 4 + k * 4] += delta;
        t[i + 5 + k * 4] += delta;
      }
      i += 4 + n * 4;
    } else if (type === SEQ) {
      i += 4 + t[i + 3];
    } else {
      i += 3;
    }
  }
  return { data: d.data, locations: { table: t, keys: d.locations.keys, root: d.locations.root }, start, end, reusedFrom: d };
}

/**
 * Reads documents line by line. Each reading method returns the node's value and leaves where
 * the node is in fields (`node`, `end2`, `nextLine`, `itemStart`, `itemEnd`), read by the
 * caller before it reads anything else: a small object per node for these was, with the
 * arrays of children per collection, most of what the reader made the garbage collector do.
 */
class PlainReader {
  /** Per line of the whole text: start offset, end offset (at '\n' or text end), indent, kind. */
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly indents: Int32Array;
  private readonly kinds: Uint8Array;
  /** The document's records (see CompactLocations), `tableLength` of them used; reused across documents. */
  private table = new Int32Array(1024);
  private tableLength = 0;
  /** Children of the collections being read, innermost last; reused across documents. */
  private stack = new Int32Array(256);
  private stackLength = 0;
  private keys: string[] = [];
  /** Lines of the document being read: [first, last). */
  private last = 0;
  /** Offsets of the next `\` and tab not before the document being read (-1: none left). */
  private nextBackslash: number;
  private nextTab: number;
  /** The node just read: its record's index in `table`. */
  private node = 0;
  /** For a block node: where `yaml` says its text ends (trailing comment and line break included), and the line after it. */
  private end2 = 0;
  private nextLine = 0;
  /** For a node read from one line: its offsets. */
  private itemStart = 0;
  private itemEnd = 0;
  /** The key just read (see `key`): its text, offsets, and the offset after its colon. */
  private keyText = '';
  private keyStart = 0;
  private keyEnd = 0;
  private keyAfter = 0;

  constructor(private readonly text: string, private readonly scalars: PlainScalars, private readonly earlier?: Map<string, PlainDocument>) {
    const t = text;
    this.nextBackslash = t.indexOf('\\');
    this.nextTab = t.indexOf('\t');
    // Typed arrays sized by a first count of the lines: filling growing arrays was a tenth of
    // the reading time on large files.
    let lines = 0;
    for (let s = 0; s < t.length; lines++) {
      const e = t.indexOf('\n', s);
      s = e < 0 ? t.length : e + 1;
    }
    this.starts = new Int32Array(lines);
    this.ends = new Int32Array(lines);
    this.indents = new Int32Array(lines);
    this.kinds = new Uint8Array(lines);
    let s = 0;
    for (let li = 0; li < lines; li++) {
      let e = t.indexOf('\n', s);
      if (e < 0) e = t.length;
      let i = s;
      while (i < e && t.charCodeAt(i) === 32) i++;
      this.starts[li] = s;
      this.ends[li] = e;
      this.indents[li] = i - s;
      this.kinds[li] = i === e ? BLANK : t.charCodeAt(i) === 35 /* # */ ? COMMENT : CONTENT;
      s = e + 1;
    }
  }

  documents(): PlainDocument[] {
    const t = this.text;
    const docs: PlainDocument[] = [];
    let first = 0;
    let docStart = 0;
    const n = this.starts.length;
    for (let li = 0; li <= n; li++) {
      let boundary = li === n;
      if (!boundary && this.indents[li] === 0 && this.kinds[li] === CONTENT) {
        const s = this.starts[li];
        const c = t.charCodeAt(s);
        if (c === 37 /* % */) bail();
        if (t.startsWith('...', s) && (s + 3 === this.ends[li] || t.charCodeAt(s + 3) === 32)) bail();
        if (t.startsWith('---', s) && (s + 3 === this.ends[li] || t.charCodeAt(s + 3) === 32)) {
          // Only a comment may follow the marker on its line.
          const rest = t.slice(s + 3, this.ends[li]).trimStart();
          if (rest && !rest.startsWith('#')) bail();
          boundary = true;
        }
      }
      if (!boundary) continue;
      if (li > first || li === n) {
        const end = li < n ? this.starts[li] : t.length;
        const before = this.earlier?.get(t.slice(docStart, end));
        const doc = before ? movedDocument(before, docStart, end) : this.documentOrUnread(first, li, docStart, end);
        // Documents without content are left out: they hold no object, and no finding either.
        if (doc.data !== null || doc.unread) docs.push(doc);
      }
      first = li + 1;
      docStart = li < n ? this.starts[li] : t.length;
    }
    return docs;
  }

  /** The document, or where it is when it leaves the subset (escapes and tabs are left to `yaml`). */
  private documentOrUnread(first: number, last: number, start: number, end: number): PlainDocument {
    // The next backslash and tab at or after the document's start, each looked up once per pass.
    if (this.nextBackslash >= 0 && this.nextBackslash < start) this.nextBackslash = this.text.indexOf('\\', start);
    if (this.nextTab >= 0 && this.nextTab < start) this.nextTab = this.text.indexOf('\t', start);
    const inside = (i: number) => i >= 0 && i < end;
    if (inside(this.nextBackslash) || inside(this.nextTab)) return { data: null, unread: true, start, end };
    try {
      return this.document(first, last, start, end);
    } catch (e) {
      if (e === NOT_PLAIN) return { data: null, unread: true, start, end };
      throw e;
    }
  }

  private document(first: number, last: number, start: number, end: number): PlainDocument {
    this.last = last;
    let li = first;
    while (li < last && this.kinds[li] !== CONTENT) {
      if (this.kinds[li] === COMMENT && this.indents[li] !== 0) bail();
      li++;
    }
    if (li === last) return { data: null, start, end };
    if (this.indents[li] !== 0) bail();
    this.tableLength = 0;
    this.stackLength = 0;
    this.keys = [];
    const p = this.starts[li];
    if (!this.startsKey(p, this.ends[li])) bail(); // a bare scalar or list: left to `yaml`
    const data = this.blockMap(li, 0, p);
    const root = this.node;
    // After the root mapping only blank lines and comments at the margin may follow.
    for (let k = this.nextLine; k < last; k++) if (this.kinds[k] === CONTENT || (this.kinds[k] === COMMENT && this.indents[k] !== 0)) bail();
    const locations: CompactLocations = { table: this.table.slice(0, this.tableLength), keys: this.keys, root };
    return { data, locations, start, end };
  }

  /** The next line at or after `li` that holds content; comment lines must sit at the margin. */
  private nextContent(li: number): number {
    for (; li < this.last; li++) {
      const k = this.kinds[li];
      if (k === CONTENT) return li;
      if (k === COMMENT && this.indents[li] !== 0) bail();
    }
    return -1;
  }

  /** Like nextContent, but a comment line right after an empty value is not placed here. */
  private nextContentAfterEmpty(li: number): number {
    for (; li < this.last; li++) {
      const k = this.kinds[li];
      if (k === CONTENT) return li;
      if (k === COMMENT) bail();
    }
    return -1;
  }

  /** A block mapping whose first key starts at `p` on line `li`; its keys sit at column `col`. */
  private blockMap(li: number, col: number, p: number): Record<string, unknown> {
    const t = this.text;
    const obj: Record<string, unknown> = {};
    const base = this.stackLength;
    const start = p;
    let end = p;
    for (;;) {
      const lineEnd = this.ends[li];
      this.key(p, lineEnd);
      const keyText = this.keyText, keyStart = this.keyStart, keyEnd = this.keyEnd;
      if (keyText === '__proto__' || Object.prototype.hasOwnProperty.call(obj, keyText)) bail();
      let q = this.keyAfter;
      let value: unknown;
      if (q === lineEnd) {
        const nl = this.nextContentAfterEmpty(li + 1);
        if (nl >= 0 && this.indents[nl] > col) {
          value = this.blockNode(nl);
        } else if (nl >= 0 && this.indents[nl] === col && this.isSeqItem(this.starts[nl] + col, this.ends[nl])) {
          value = this.blockSeq(nl, col);
        } else {
          value = this.empty(q, li + 1);
        }
      } else {
        if (t.charCodeAt(q) !== 32) bail();
        while (t.charCodeAt(q) === 32) q++;
        if (q === lineEnd || t.charCodeAt(q) === 35) bail();
        value = this.inline(q, li);
        const nl = this.nextContent(this.nextLine);
        if (nl >= 0 && this.indents[nl] > col) bail(); // a continuation line of a multi-line scalar
      }
      obj[keyText] = value;
      this.keys.push(keyText);
      this.pushChildren4(keyStart, keyEnd, this.node, this.keys.length - 1);
      end = this.end2;
      const nl = this.nextContent(this.nextLine);
      if (nl < 0 || this.indents[nl] < col) {
        this.collection(MAP, start, end, base, nl < 0 ? this.last : nl);
        return obj;
      }
      if (this.indents[nl] > col) bail();
      li = nl;
      p = this.starts[nl] + col;
      if (!this.startsKey(p, this.ends[nl])) bail();
    }
  }

  /** A block sequence whose dashes sit at column `col`, starting on line `li`. */
  private blockSeq(li: number, col: number): unknown[] {
    const t = this.text;
    const items: unknown[] = [];
    const base = this.stackLength;
    const start = this.starts[li] + col;
    let end = start;
    for (;;) {
      const lineEnd = this.ends[li];
      const dash = this.starts[li] + col;
      let q = dash + 1;
      let item: unknown;
      if (q === lineEnd) {
        const nl = this.nextContentAfterEmpty(li + 1);
        item = nl >= 0 && this.indents[nl] > col ? this.blockNode(nl) : this.empty(q, li + 1);
      } else {
        if (t.charCodeAt(q) !== 32) bail();
        while (t.charCodeAt(q) === 32) q++;
        if (q === lineEnd || t.charCodeAt(q) === 35) bail();
        if (this.isSeqItem(q, lineEnd)) bail(); // `- - x`
        if (this.startsKey(q, lineEnd)) {
          item = this.blockMap(li, q - this.starts[li], q);
        } else {
          item = this.inline(q, li);
          const nl = this.nextContent(this.nextLine);
          if (nl >= 0 && this.indents[nl] > col) bail();
        }
      }
      items.push(item);
      this.pushChild(this.node);
      end = this.end2;
      const itemNextLine = this.nextLine;
      const nl = this.nextContent(itemNextLine);
      if (nl < 0 || this.indents[nl] < col || (this.indents[nl] === col && !this.isSeqItem(this.starts[nl] + col, this.ends[nl]))) {
        // A comment line at the margin after a sequence at the margin: where `yaml` puts it was not worth learning.
        if (col === 0) for (let k = itemNextLine; k < (nl < 0 ? this.last : nl); k++) if (this.kinds[k] === COMMENT) bail();
        this.collection(SEQ, start, end, base, nl < 0 ? this.last : nl);
        return items;
      }
      if (this.indents[nl] > col) bail();
      li = nl;
    }
  }

  private blockNode(li: number): unknown {
    const col = this.indents[li];
    const p = this.starts[li] + col;
    if (this.isSeqItem(p, this.ends[li])) return this.blockSeq(li, col);
    if (this.startsKey(p, this.ends[li])) return this.blockMap(li, col, p);
    return bail(); // a scalar on a line of its own
  }

  private isSeqItem(p: number, lineEnd: number): boolean {
    return this.text.charCodeAt(p) === 45 /* - */ && (p + 1 === lineEnd || this.text.charCodeAt(p + 1) === 32);
  }

  private empty(at: number, nextLine: number): null {
    this.node = this.record3(EMPTY, at, at);
    this.end2 = at;
    this.nextLine = nextLine;
    return null;
  }

  /** Writes a record of three numbers and answers its index. */
  private record3(a: number, b: number, c: number): number {
    const i = this.tableLength;
    if (i + 3 > this.table.length) this.growTable(3);
    const table = this.table;
    table[i] = a;
    table[i + 1] = b;
    table[i + 2] = c;
    this.tableLength = i + 3;
    return i;
  }

  private growTable(more: number): void {
    const grown = new Int32Array(Math.max(this.table.length * 2, this.tableLength + more));
    grown.set(this.table.subarray(0, this.tableLength));
    this.table = grown;
  }

  private pushChild(c: number): void {
    if (this.stackLength === this.stack.length) this.growStack();
    this.stack[this.stackLength++] = c;
  }

  private pushChildren4(a: number, b: number, c: number, d: number): void {
    if (this.stackLength + 4 > this.stack.length) this.growStack();
    const s = this.stack, i = this.stackLength;
    s[i] = a;
    s[i + 1] = b;
    s[i + 2] = c;
    s[i + 3] = d;
    this.stackLength = i + 4;
  }

  private growStack(): void {
    const grown = new Int32Array(this.stack.length * 2);
    grown.set(this.stack);
    this.stack = grown;
  }

  /**
   * Writes a collection's record, its children being the stack above `base` (which it pops),
   * and leaves it as the node just read.
   */
  private collection(type: number, start: number, end: number, base: number, nextLine: number): void {
    const count = this.stackLength - base;
    const i = this.tableLength;
    if (i + 4 + count > this.table.length) this.growTable(4 + count);
    const table = this.table;
    table[i] = type;
    table[i + 1] = start;
    table[i + 2] = end;
    table[i + 3] = type === MAP ? count / 4 : count;
    // A loop, not `set(subarray(…))`: most collections hold a few children, and a view per
    // collection cost more than the copy.
    const stack = this.stack;
    for (let k = 0; k < count; k++) table[i + 4 + k] = stack[base + k];
    this.tableLength = i + 4 + count;
    this.stackLength = base;
    this.node = i;
    this.end2 = end;
    this.nextLine = nextLine;
  }

  /** Does a mapping key (`key:` followed by a space or the line end) start at `p`? */
  private startsKey(p: number, lineEnd: number): boolean {
    const t = this.text;
    const c = t.charCodeAt(p);
    if (c === 34 || c === 39) {
      const close = this.quoteEnd(p, lineEnd);
      return close >= 0 && t.charCodeAt(close) === 58 && (close + 1 === lineEnd || t.charCodeAt(close + 1) === 32);
    }
    if (!plainStart(t, p, lineEnd, false)) return false;
    const colon = this.keyColon(p, lineEnd);
    return colon >= 0;
  }

  /** The ':' ending a plain key that starts at `p`, or -1. */
  private keyColon(p: number, lineEnd: number): number {
    const t = this.text;
    for (let i = p; i < lineEnd; i++) {
      const c = t.charCodeAt(i);
      if (c === 58 && (i + 1 === lineEnd || t.charCodeAt(i + 1) === 32)) return i;
      if (c === 35 && t.charCodeAt(i - 1) === 32) return -1;
    }
    return -1;
  }

  /** Reads the block mapping key at `p` into `keyText`, `keyStart`, `keyEnd` and `keyAfter`. */
  private key(p: number, lineEnd: number): void {
    const t = this.text;
    const c = t.charCodeAt(p);
    if (c === 34 || c === 39) {
      const close = this.quoteEnd(p, lineEnd);
      if (close < 0 || t.charCodeAt(close) !== 58) bail();
      this.keyText = quotedValue(t, p, close);
      this.keyEnd = close;
    } else {
      const colon = this.keyColon(p, lineEnd);
      if (colon < 0 || t.charCodeAt(colon - 1) === 32) bail();
      const text = t.slice(p, colon);
      if (typeof this.scalars.resolve(text) !== 'string' || text === '<<') bail();
      this.keyText = text;
      this.keyEnd = colon;
    }
    this.keyStart = p;
    this.keyAfter = this.keyEnd + 1;
  }

  /** Offset just past the closing quote of a quoted scalar at `p` on this line, or -1. */
  private quoteEnd(p: number, lineEnd: number): number {
    const t = this.text;
    const q = t.charCodeAt(p);
    for (let i = p + 1; i < lineEnd; i++) {
      if (t.charCodeAt(i) !== q) continue;
      if (q === 39 && t.charCodeAt(i + 1) === 39) { i++; continue; } // '' inside '…'
      return i + 1;
    }
    return -1;
  }

  /** A value written on the rest of line `li` from `p`: quoted, flow collection or plain. */
  private inline(p: number, li: number): unknown {
    const t = this.text;
    const lineEnd = this.ends[li];
    const c = t.charCodeAt(p);
    let value: unknown;
    if (c === 34 || c === 39) {
      const close = this.quoteEnd(p, lineEnd);
      if (close < 0) bail();
      value = this.scalar(p, close, quotedValue(t, p, close));
    } else if (c === 123 || c === 91) {
      value = this.flow(p, lineEnd);
    } else {
      if (!plainStart(t, p, lineEnd, false)) bail();
      let e = lineEnd;
      for (let i = p; i < lineEnd; i++) {
        const ch = t.charCodeAt(i);
        if (ch === 35 && t.charCodeAt(i - 1) === 32) { e = i; break; }
        if (ch === 58 && (i + 1 === lineEnd || t.charCodeAt(i + 1) === 32)) bail(); // `a: b: c`
      }
      while (e > p && t.charCodeAt(e - 1) === 32) e--;
      value = this.scalar(p, e, this.scalars.resolve(t.slice(p, e)));
    }
    // Only spaces and a comment may follow the value on its line.
    const valueEnd = this.itemEnd;
    let i = valueEnd;
    while (i < lineEnd && t.charCodeAt(i) === 32) i++;
    if (i < lineEnd && !(t.charCodeAt(i) === 35 && i > valueEnd)) bail();
    this.end2 = lineEnd < t.length ? lineEnd + 1 : lineEnd;
    this.nextLine = li + 1;
    return value;
  }

  /** A scalar on one line: written as a record unless `asNode` is false (a flow mapping's key). */
  private scalar(start: number, end: number, value: unknown, asNode = true): unknown {
    if (asNode) this.node = this.record3(SCALAR, start, end);
    this.itemStart = start;
    this.itemEnd = end;
    return value;
  }

  /** A flow mapping or sequence that closes on the same line. */
  private flow(p: number, lineEnd: number): unknown {
    const t = this.text;
    const open = t.charCodeAt(p);
    const start = p;
    p++;
    const base = this.stackLength;
    while (p < lineEnd && t.charCodeAt(p) === 32) p++;
    if (open === 123) {
      const obj: Record<string, unknown> = {};
      if (t.charCodeAt(p) !== 125) {
        for (;;) {
          const kc = t.charCodeAt(p);
          if (kc === 123 || kc === 91) bail();
          // A key is kept as offsets in its pair, not as a node.
          const keyText = this.flowItem(p, lineEnd, false);
          const keyStart = this.itemStart, keyEnd = this.itemEnd;
          if (typeof keyText !== 'string' || keyText === '<<' || keyText === '__proto__' || Object.prototype.hasOwnProperty.call(obj, keyText)) bail();
          p = keyEnd;
          if (t.charCodeAt(p) !== 58 || t.charCodeAt(p + 1) !== 32) bail();
          p += 2;
          while (p < lineEnd && t.charCodeAt(p) === 32) p++;
          const c = t.charCodeAt(p);
          if (p >= lineEnd || c === 44 || c === 125 || c === 93) bail();
          obj[keyText] = this.flowItem(p, lineEnd);
          this.keys.push(keyText);
          this.pushChildren4(keyStart, keyEnd, this.node, this.keys.length - 1);
          p = this.itemEnd;
          while (p < lineEnd && t.charCodeAt(p) === 32) p++;
          if (t.charCodeAt(p) === 44) {
            p++;
            while (p < lineEnd && t.charCodeAt(p) === 32) p++;
            if (t.charCodeAt(p) === 125) bail(); // a trailing comma
            continue;
          }
          if (t.charCodeAt(p) === 125) break;
          bail();
        }
      }
      this.flowCollection(MAP, start, p + 1, base);
      return obj;
    }
    const list: unknown[] = [];
    if (t.charCodeAt(p) !== 93) {
      for (;;) {
        if (p >= lineEnd) bail();
        list.push(this.flowItem(p, lineEnd));
        this.pushChild(this.node);
        p = this.itemEnd;
        while (p < lineEnd && t.charCodeAt(p) === 32) p++;
        if (t.charCodeAt(p) === 58) bail(); // an implicit pair inside a sequence
        if (t.charCodeAt(p) === 44) {
          p++;
          while (p < lineEnd && t.charCodeAt(p) === 32) p++;
          if (t.charCodeAt(p) === 93) bail();
          continue;
        }
        if (t.charCodeAt(p) === 93) break;
        bail();
      }
    }
    this.flowCollection(SEQ, start, p + 1, base);
    return list;
  }

  /** A flow collection's record, [start, end) on one line (its line's fields are set by `inline`). */
  private flowCollection(type: number, start: number, end: number, base: number): void {
    this.collection(type, start, end, base, this.nextLine);
    this.itemStart = start;
    this.itemEnd = end;
  }

  /**
   * One entry of a flow collection: a nested collection, a quoted or a plain scalar. A mapping
   * key (`asNode` false) is a scalar with no record of its own (a collection there bails earlier).
   */
  private flowItem(p: number, lineEnd: number, asNode = true): unknown {
    const t = this.text;
    const c = t.charCodeAt(p);
    if (c === 123 || c === 91) return this.flow(p, lineEnd);
    if (c === 34 || c === 39) {
      const close = this.quoteEnd(p, lineEnd);
      if (close < 0) bail();
      return this.scalar(p, close, quotedValue(t, p, close), asNode);
    }
    if (!plainStart(t, p, lineEnd, true)) bail();
    let e = p;
    for (; e < lineEnd; e++) {
      const ch = t.charCodeAt(e);
      if (ch === 44 || ch === 91 || ch === 93 || ch === 123 || ch === 125) break;
      if (ch === 58) {
        const next = t.charCodeAt(e + 1);
        if (e + 1 === lineEnd || next === 32 || next === 44 || next === 91 || next === 93 || next === 123 || next === 125) break;
      }
      if (ch === 35 && t.charCodeAt(e - 1) === 32) bail();
    }
    let s = e;
    while (s > p && t.charCodeAt(s - 1) === 32) s--;
    if (s === p) bail();
    return this.scalar(p, s, this.scalars.resolve(t.slice(p, s)), asNode);
  }
}

/** Can a plain scalar start at `p`? (YAML 1.2 §7.3.3 ns-plain-first, kept conservative.) */
function plainStart(t: string, p: number, lineEnd: number, flow: boolean): boolean {
  if (p >= lineEnd) return false;
  const c = t.charCodeAt(p);
  if (c >= 128) return true;
  const kind = PLAIN_FIRST[c];
  if (kind === INDICATOR_IF_SPACED) {
    if (p + 1 >= lineEnd) return false;
    const next = t.charCodeAt(p + 1);
    return next !== 32 && !(flow && next < 128 && PLAIN_FIRST[next] === FLOW_INDICATOR);
  }
  return kind === 0;
}

/** First characters of plain scalars: never (indicators), or only when not followed by a space. */
const INDICATOR = 1, FLOW_INDICATOR = 2, INDICATOR_IF_SPACED = 3;
const PLAIN_FIRST = (() => {
  const table = new Uint8Array(128);
  for (const c of '#&*!|>\'"%@`') table[c.charCodeAt(0)] = INDICATOR;
  for (const c of ',[]{}') table[c.charCodeAt(0)] = FLOW_INDICATOR;
  for (const c of '-?:') table[c.charCodeAt(0)] = INDICATOR_IF_SPACED;
  return table;
})();

/** The value of a quoted scalar spanning [p, close) on one line (double quotes hold no escapes here). */
function quotedValue(t: string, p: number, close: number): string {
  const inner = t.slice(p + 1, close - 1);
  return t.charCodeAt(p) === 39 ? inner.replace(/''/g, "'") : inner;
}
