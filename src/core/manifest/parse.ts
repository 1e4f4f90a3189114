import { LineCounter, Document, isMap, isSeq, isScalar, isPair, Node as YamlNode, Scalar, parseAllDocuments, visit } from 'yaml';
import type { Tags } from 'yaml';
import { Finding, finding } from '../common/finding';
import { FieldPath, Locator, SourceRange } from '../common/source';
import { LineIndex, compactLocator, compactRootRange } from './compact-locator';
import { DocumentScan, scanDocument } from './document-scan';
import { isKnownKind } from './kinds';
import { PlainDocument, PlainScalars, readPlainYaml } from './plain-yaml';

/** One Kubernetes object as written: plain JS data plus a locator into its YAML. */
export interface RawObject {
  apiVersion: unknown;
  kind: unknown;
  /** Set for items of a typed list (`PodList` …), which carry no kind of their own. */
  fromList?: ListOrigin;
  data: Record<string, unknown>;
  locator: Locator;
}

export interface ParsedFile {
  file: string;
  objects: RawObject[];
  findings: Finding[];
  /** True when the text holds Helm/Go template syntax and was not analysed. */
  template: boolean;
  /** Documents that are not Kubernetes objects (bare scalars or lists in a non-Kubernetes file). */
  ignoredDocuments?: number;
  /** Lists of kinds PodPath does not model (`FooList`): Kubernetes objects, reported and not read. */
  unmodelledLists?: number;
  /**
   * Set when the file is part of a kustomize tree: a kustomization (with the files it names as
   * patches, relative to its folder) or a strategic-merge patch (`$patch`). Neither is a manifest.
   */
  kustomize?: { role: 'kustomization'; patches: string[] } | { role: 'patch' };
  /**
   * The documents of a file read by the plain reader, with the objects each gave: a later text
   * of the same file reads only the documents whose text changed (see `parseManifestText`).
   */
  plainDocuments?: PlainDocumentObjects[];
}

/** One document of the plain reader and the objects it became, with the line it starts on. */
export interface PlainDocumentObjects {
  document: PlainDocument;
  line: number;
  objects: RawObject[];
}

/** The text a file had before, and what it was read as: lets an edit re-read only what changed. */
export interface EarlierParse {
  text: string;
  parsed: ParsedFile;
}

/** Where a RawObject's kind and apiVersion came from, when a `*List` gave them to its items. */
export interface ListOrigin {
  listKind: string;
}

/**
 * Files larger than this many bytes (UTF-8, as on disk) are reported and skipped: no real
 * manifest set comes near it. Readers check the same figure before they read a file.
 */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** Alias expansions allowed per document before it counts as an expansion bomb ("billion laughs"). */
export const MAX_ALIAS_COUNT = 1000;

/**
 * Conversion steps a file may spend beyond the nodes it has written: what aliases and `<<`
 * merge keys make the parser build. Real manifests use a few hundred; a merge-key bomb
 * (a 100,000-key map merged 999 times) asks for 100 million.
 */
export const MAX_EXPANSION_STEPS = 1000000;

/**
 * kubectl turns YAML into JSON with sigs.k8s.io/yaml, which is go-yaml v2: YAML 1.1, so
 * `yes`/`no`/`on`/`off`/`y`/`n` are booleans and `<<` merge keys work (kubernetes/kubernetes#34146,
 * and the note in the Kubernetes "Configuration best practices" page). go-yaml v2 keeps
 * timestamp-looking plain scalars as strings when decoding into interface{} and has no
 * base-60 integers, so those two YAML 1.1 tags are left out.
 */
const KUBECTL_TAGS = (tags: Tags): Tags =>
  tags.filter((t) => typeof t === 'string' || (t.tag !== 'tag:yaml.org,2002:timestamp' && (t as { format?: string }).format !== 'TIME'));

const PARSE_OPTIONS = {
  prettyErrors: false,
  // Repeated keys are found by scanDocument in linear time; the parser's own check compares
  // each key with every earlier key of its mapping (a 100,000-label mapping took minutes).
  uniqueKeys: false,
  strict: false,
  version: '1.1' as const,
  merge: true,
  customTags: KUBECTL_TAGS,
  // A collection used as a key is stringified; the yaml package would say so on the process's
  // stderr (in the editor: the extension host log). PodPath's own findings speak for the input.
  logLevel: 'error' as const,
};

/**
 * Runs the yaml parser with stack capture off. Each syntax error it collects is an Error, and
 * capturing a stack costs far more than the parse step that found it: a hostile file with
 * thousands of errors spent most of its time there. PodPath reads only their messages and
 * positions, never their stacks.
 */
function withoutStackTraces<T>(parse: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parse();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Splits a YAML file into Kubernetes objects (multi-document files and `kind: List` alike),
 * keeping a locator for every object. Never throws: syntax errors become findings and the
 * documents that parse are still returned.
 */
export function parseManifestText(file: string, text: string, options: { plainReader?: boolean; previous?: EarlierParse } = {}): ParsedFile {
  try {
    return parseUnsafe(file, text, options.plainReader ?? true, options.previous);
  } catch (e) {
    // Whatever went wrong (a parser bug, an exhausted stack), the other files still count.
    const whole: SourceRange = { file, start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
    return { file, objects: [], findings: [finding('internal-error', 'error', `PodPath could not read this file: ${firstLine(String((e as Error)?.message ?? e))}`, whole)], template: false };
  }
}

function parseUnsafe(file: string, text: string, plainReader: boolean, previous?: EarlierParse): ParsedFile {
  const out: ParsedFile = { file, objects: [], findings: [], template: false };
  const whole: SourceRange = { file, start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
  if (typeof text !== 'string') {
    out.findings.push(finding('not-yaml', 'error', 'this file has no text content', whole));
    return out;
  }
  const bytes = text.length > MAX_FILE_BYTES ? text.length : utf8Length(text);
  if (bytes > MAX_FILE_BYTES) {
    out.findings.push(finding('file-too-large', 'error', `file is ${(bytes / 1048576).toFixed(1)} MiB; PodPath skips manifests over ${MAX_FILE_BYTES / 1048576} MiB`, whole));
    return out;
  }
  // A lone CR is a line break in YAML (1.2 §5.4, and go-yaml reads it so) but not to the
  // parser used here; turned into LF, which keeps every offset where it was.
  if (text.includes('\r')) text = text.replace(/\r(?!\n)/g, '\n');
  const binaryAt = binaryOffset(text);
  if (binaryAt >= 0) {
    const lc = lineCounterFor(text);
    out.findings.push(finding('not-yaml', 'warning', 'this file looks binary (control characters or invalid UTF-8), not YAML; it is skipped', rangeOf(file, lc, binaryAt, binaryAt + 1)));
    return out;
  }
  // Most manifests are plain YAML, read directly; JSON files and templates take the full parser.
  if (plainReader && !isJsonFile(file) && !text.includes('{{')) {
    const plain = parsePlain(file, text, previous?.parsed.file === file ? previous : undefined);
    if (plain) return plain;
  }
  const { parts, tooDeep: deepChunks } = parseDocuments(text);
  const templateAt = templateMarker(text, parts);
  if (templateAt >= 0) {
    out.template = true;
    out.findings.push(finding('helm-template', 'info', 'this file is a template ({{ … }}); render it with `helm template` first, then PodPath can analyse the output', rangeOf(file, lineCounterFor(text), templateAt, templateAt + 2)));
    return out;
  }
  for (const d of deepChunks) {
    out.findings.push(finding('yaml-too-deep', 'error', 'this document nests too deeply to be read (the YAML parser ran out of stack); it is skipped', rangeOf(file, d.lines, 0, 0)));
  }

  const reading: Reading = { file, text, mayHavePatch: text.includes('$patch'), out, strays: [], kubernetesLike: false };
  const budget = { expansionLeft: MAX_EXPANSION_STEPS };
  for (const part of parts) readYamlDocument(reading, part, budget);
  return finish(reading, parts.length);
}

/**
 * One document as the yaml parser read it: its errors and warnings become findings, and its
 * content an object (or a stray, a kustomization …). `budget` is what alias and merge-key
 * expansion may still spend in this file.
 */
function readYamlDocument(reading: Reading, { doc, lines: lineCounter }: DocPart, budget: { expansionLeft: number }): void {
  const { file, out } = reading;
  let tooDeep = false;
  /** Warnings wait until the document shows it is Kubernetes YAML (see below). */
  const warnings: Finding[] = [];
  for (const err of doc.errors) {
    if (/Maximum call stack size exceeded/.test(err.message)) {
      // The yaml composer recurses per nesting level and reports the overflow as an error;
      // the document is truncated there, so say so once and leave the document out.
      if (!tooDeep) out.findings.push(finding('yaml-too-deep', 'error', 'this document nests too deeply to be read (the YAML parser ran out of stack); it is skipped', rangeOf(file, lineCounter, err.pos[0], err.pos[1])));
      tooDeep = true;
    } else {
      out.findings.push(finding('yaml-syntax', 'error', firstLine(err.message), rangeOf(file, lineCounter, err.pos[0], err.pos[1])));
    }
  }
  if (tooDeep) return;
  let scan: DocumentScan | undefined;
  try {
    scan = doc.contents ? scanDocument(doc, MAX_EXPANSION_STEPS + 1) : undefined;
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    // The scan uses fewer stack frames per level than the conversion: what it cannot walk,
    // the conversion could not read either, and an unpriced document is not converted.
    out.findings.push(finding('yaml-too-deep', 'error', 'this document nests too deeply to be read; it is skipped', nodeRange(file, lineCounter, doc.contents)));
    return;
  }
  for (const d of scan?.duplicates ?? []) {
    warnings.push(finding('duplicate-key', 'warning', `key ${JSON.stringify(d.key)} appears twice in this mapping; the last value is used, as kubectl's YAML-to-JSON conversion does`, rangeOf(file, lineCounter, d.offset, d.offset + 1)));
  }
  for (const warn of doc.warnings) {
    warnings.push(finding('yaml-warning', 'warning', firstLine(warn.message), rangeOf(file, lineCounter, warn.pos[0], warn.pos[1])));
  }
  // Warnings (duplicate keys, unknown tags such as CloudFormation's !Ref) matter only in
  // Kubernetes documents; other YAML in the workspace is none of PodPath's business.
  const flush = (relevant: boolean) => { if (relevant) for (const w of warnings) out.findings.push(w); };
  if (!doc.contents) { flush(true); return; } // empty document between `---` lines
  if (scan && scan.extra > budget.expansionLeft) {
    flush(true);
    const extra = scan.extra > MAX_EXPANSION_STEPS ? `more than ${MAX_EXPANSION_STEPS}` : `${scan.extra}`;
    out.findings.push(finding('yaml-alias-bomb', 'error', `this document's << merge keys would build ${extra} values beyond the ${scan.written} it writes (PodPath allows ${MAX_EXPANSION_STEPS} per file, ${budget.expansionLeft} were left), the shape of an expansion bomb; it is skipped`, nodeRange(file, lineCounter, doc.contents)));
    return;
  }
  if (scan) budget.expansionLeft -= scan.extra;
  let data: unknown;
  try {
    // maxAliasCount guards against alias expansion bombs ("billion laughs").
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    flush(true);
    const message = (e as Error)?.message ?? String(e);
    if (/resource exhaustion|alias count/i.test(message)) {
      out.findings.push(finding('yaml-alias-bomb', 'error', `this document expands aliases (*name) more than ${MAX_ALIAS_COUNT} times, the shape of a "billion laughs" attack; it is skipped`, nodeRange(file, lineCounter, doc.contents)));
    } else if (e instanceof RangeError) {
      out.findings.push(finding('yaml-too-deep', 'error', 'this document nests too deeply to be read; it is skipped', nodeRange(file, lineCounter, doc.contents)));
    } else {
      out.findings.push(finding('yaml-syntax', 'error', `YAML could not be read: ${firstLine(message)}`, nodeRange(file, lineCounter, doc.contents)));
    }
    return;
  }
  if (data === null || data === undefined) { flush(true); return; }
  const root = doc.contents as YamlNode;
  flush(looksLikeObject(data) || (Array.isArray(data) && data.some(looksLikeObject)));
  addDocument(reading, data, { range: () => nodeRange(file, lineCounter, root), locator: (base) => makeLocator(file, lineCounter, root, base) });
}

/** What reading a file's documents collects before the file's findings are final. */
interface Reading {
  file: string;
  text: string;
  /** Whether `$patch` appears anywhere in the file (looked up once, not once per document). */
  mayHavePatch: boolean;
  out: ParsedFile;
  /** Bare scalars and lists: reported only when the file otherwise holds Kubernetes objects. */
  strays: { range: SourceRange; message: string }[];
  kubernetesLike: boolean;
}

/** Where a document's content is: its whole range, and a locator for any path inside it. */
interface RootLocations {
  range(): SourceRange;
  locator(base: FieldPath): Locator;
}

/**
 * A file in the plain subset of YAML (plain-yaml.ts): read directly, with a compact table of
 * offsets per document instead of a syntax tree. Undefined when the file is not in the subset.
 */
function parsePlain(file: string, text: string, previous?: EarlierParse): ParsedFile | undefined {
  const earlier = previous?.parsed.plainDocuments;
  const docs = readPlainYaml(text, PLAIN_SCALARS, earlier ? { text: previous!.text, documents: earlier.map((d) => d.document) } : undefined);
  if (!docs) return undefined;
  const reading: Reading = { file, text, mayHavePatch: text.includes('$patch'), out: { file, objects: [], findings: [], template: false }, strays: [], kubernetesLike: false };
  const kept = new Map(earlier?.map((d) => [d.document, d]));
  const documents: PlainDocumentObjects[] = [];
  let lines: LineIndex | undefined;
  const budget = { expansionLeft: MAX_EXPANSION_STEPS };
  for (const d of docs) {
    lines ??= new LineIndex(text);
    const li = lines;
    if (d.unread) {
      // Read by the yaml parser alone: found too deep, the whole file is (as without this reader).
      if (!readUnreadDocument(reading, li, d, budget)) return undefined;
      continue;
    }
    if (!d.data || !d.locations) continue;
    const loc = d.locations;
    const from = reading.out.objects.length;
    addDocument(reading, d.data, { range: () => compactRootRange(file, li, loc), locator: (base) => compactLocator(file, li, loc, base) });
    const line = li.linePos(d.start).line;
    const before = d.reusedFrom && kept.get(d.reusedFrom);
    d.reusedFrom = undefined;
    const made = reading.out.objects.length - from;
    // The same text starting on the same line (its offset may differ: an edit above it on the
    // same line count): every field is at the same line and column, so the earlier objects and
    // their locators still hold, and whatever was derived from them (decoded manifests, pods,
    // findings) can be recognised and kept.
    if (before && before.line === line && before.objects.length === made) reading.out.objects.splice(from, made, ...before.objects);
    documents.push({ document: d, line, objects: reading.out.objects.slice(from) });
  }
  const out = finish(reading, docs.length);
  // Bookkeeping, not content: left out of comparisons and serialisations of the parse.
  if (out.objects.length > 0) Object.defineProperty(out, 'plainDocuments', { value: documents, enumerable: false });
  return out;
}

/**
 * A document the plain reader left to the yaml parser, parsed from its own text: every
 * document starts at a `---` line (or the file's start) and nothing reaches across one, so its
 * data, ranges and findings are those a parse of the whole file gives. False when the parser
 * finds an error in it or it nests too deeply: the whole-file path reports those its own way.
 */
function readUnreadDocument(reading: Reading, lines: LineIndex, d: PlainDocument, budget: { expansionLeft: number }): boolean {
  const chunk = reading.text.slice(d.start, d.end);
  if (mayNestDeeply(chunk)) return false;
  const chunkLines = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = withoutStackTraces(() => parseAllDocuments(chunk, { ...PARSE_OPTIONS, lineCounter: chunkLines })) as unknown as Document.Parsed[];
  } catch (e) {
    if (e instanceof RangeError) return false;
    throw e;
  }
  docs = Array.from(docs);
  // With an error inside, the document's end is in doubt (a quoted scalar left open runs past the
  // next `---` in the yaml parser): the whole-file path reads it as the parser would.
  if (docs.some((doc) => doc.errors.length > 0)) return false;
  // The chunk starts at the start of a line: columns stay, lines move by the lines before it.
  const shift = lines.linePos(d.start).line - 1;
  const shifted: Lines = { linePos: (o) => { const p = chunkLines.linePos(o); return { line: p.line + shift, col: p.col }; } };
  for (const doc of docs) readYamlDocument(reading, { doc, lines: shifted, offset: d.start }, budget);
  return true;
}

/**
 * Whether a document might nest deeper than any manifest does: flow brackets opened 100 deep,
 * or a line starting with 100 sequence dashes or more. Such a document is left to the whole-file
 * path, which is built to survive the parser's stack running out; a parse begun from deeper in
 * the stack (as here) can hit the limit while V8 compiles a regular expression, and V8 ends the
 * process then instead of throwing.
 */
function mayNestDeeply(text: string): boolean {
  const LIMIT = 100;
  let depth = 0;
  let dashes = 0;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) { if (++depth >= LIMIT) return true; }
    else if ((c === 93 || c === 125) && depth > 0) depth--;
    if (c === 10) { lineStart = true; dashes = 0; continue; }
    if (lineStart) {
      if (c === 45 /* - */) { if (++dashes >= LIMIT) return true; }
      else if (c !== 32) lineStart = false;
    }
  }
  return false;
}

/** The scalar rules of the yaml parser as PodPath configures it, for the plain reader. */
const PLAIN_SCALARS = new PlainScalars(KUBECTL_TAGS);

/** One document's data, turned into objects (or a stray, a kustomization, a patch …). */
function addDocument(reading: Reading, data: unknown, root: RootLocations): void {
  const { file, out } = reading;
  if (typeof data !== 'object' || Array.isArray(data)) {
    // A bare scalar or list at the top is not a Kubernetes object: often a half-typed file,
    // or YAML that is not Kubernetes at all (an Ansible playbook is a list).
    const listOfObjects = Array.isArray(data) && data.some(looksLikeObject);
    if (listOfObjects) reading.kubernetesLike = true;
    reading.strays.push({
      range: root.range(),
      message: listOfObjects
        ? 'this YAML document is a list, not an object; Kubernetes objects go in separate documents (---) or in a `kind: List` with `items:`'
        : 'this YAML document is not a mapping, so it is not a Kubernetes object',
    });
    return;
  }
  const obj = data as Record<string, unknown>;
  if (looksLikeObject(obj)) reading.kubernetesLike = true;
  if (isKustomization(file, obj)) {
    out.kustomize = { role: 'kustomization', patches: kustomizePatches(obj) };
    out.findings.push(finding('kustomize', 'info', 'this is a kustomize tree (kustomization); render it with `kubectl kustomize` first, then PodPath can analyse the output (the files it lists as resources are analysed as they are)', root.range()));
    return;
  }
  if (reading.mayHavePatch && hasPatchDirective(obj)) {
    // A strategic-merge patch fragment: only meaningful applied to its base.
    if (!out.kustomize) {
      out.kustomize = { role: 'patch' };
      out.findings.push(finding('kustomize', 'info', 'this is a kustomize patch ($patch); render the tree with `kubectl kustomize` first, then PodPath can analyse the output', root.range()));
    }
    return;
  }
  if (isListKind(obj)) {
    // `kubectl get … -o yaml` prints `kind: List`; the raw API prints `PodList`, `ServiceList` …
    // whose items carry no kind: the list's kind and apiVersion say what they are.
    const listKind = obj.kind as string;
    const itemKind = listKind === 'List' ? undefined : listKind.slice(0, -'List'.length);
    if (itemKind !== undefined && !isKnownKind(itemKind, obj.apiVersion as string)) {
      out.findings.push(finding('unknown-kind', 'info', `${listKind} (${String(obj.apiVersion)}) is a list of ${itemKind}, which PodPath does not model; it is ignored`, root.locator([]).at(['kind'])));
      out.unmodelledLists = (out.unmodelledLists ?? 0) + 1;
      return;
    }
    const items = obj.items;
    if (items === null || items === undefined) return;
    if (!Array.isArray(items)) {
      const locator = root.locator([]);
      out.findings.push(finding('invalid-type', 'error', `${String(obj.kind)}: items must be a list`, locator.at(['items'])));
      return;
    }
    items.forEach((item, i) => {
      const locator = root.locator(['items', i]);
      if (item && typeof item === 'object' && !Array.isArray(item)) {
        const rec = item as Record<string, unknown>;
        if (itemKind !== undefined && rec.kind === undefined) {
          out.objects.push({ apiVersion: rec.apiVersion ?? obj.apiVersion, kind: itemKind, data: rec, locator, fromList: { listKind } });
        } else {
          out.objects.push({ apiVersion: rec.apiVersion, kind: rec.kind, data: rec, locator });
        }
      } else if (item !== null && item !== undefined) {
        out.findings.push(finding('not-an-object', 'warning', `items[${i}] of this List is not a mapping`, locator.range));
      }
    });
    return;
  }
  out.objects.push({ apiVersion: obj.apiVersion, kind: obj.kind, data: obj, locator: root.locator([]) });
}

/** Findings that depend on the whole file (strays count only next to real objects). */
function finish(reading: Reading, documents: number): ParsedFile {
  const { file, out } = reading;
  let ignored = 0;
  for (const s of reading.strays) {
    if (reading.kubernetesLike) out.findings.push(finding('not-an-object', 'warning', s.message, s.range));
    else ignored++;
  }
  if (ignored) out.ignoredDocuments = ignored;
  if (!reading.kubernetesLike && !out.kustomize && isJsonFile(file)) {
    // package.json, tsconfig.json (with its comments) …: JSON that is not a Kubernetes object
    // is none of PodPath's business, so it is left alone without a word.
    return { file, objects: [], findings: [], template: false, ignoredDocuments: Math.max(1, documents) };
  }
  return out;
}

/** JSON files are read through the same parser (YAML is a superset of JSON), by their name. */
export function isJsonFile(file: string): boolean {
  return /\.json$/i.test(file);
}

/** kustomize reads `kustomization.yaml`, `kustomization.yml` or `Kustomization`, kinds Kustomization and Component. */
function isKustomization(file: string, obj: Record<string, unknown>): boolean {
  const base = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  if (/^kustomization\.ya?ml$|^Kustomization$/.test(base)) return true;
  return (obj.kind === 'Kustomization' || obj.kind === 'Component') && typeof obj.apiVersion === 'string' && obj.apiVersion.startsWith('kustomize.config.k8s.io/');
}

/** Files a kustomization names as patches (patches[].path, patchesStrategicMerge, patchesJson6902[].path). */
function kustomizePatches(obj: Record<string, unknown>): string[] {
  const out: string[] = [];
  const add = (v: unknown) => { if (typeof v === 'string' && v && !v.includes('\n')) out.push(v); };
  for (const field of ['patches', 'patchesJson6902', 'patchesStrategicMerge']) {
    const list = obj[field];
    if (!Array.isArray(list)) continue;
    for (const p of list) {
      if (typeof p === 'string') add(p);
      else if (p && typeof p === 'object') add((p as Record<string, unknown>).path);
    }
  }
  return out;
}

/** True when a `$patch` directive (strategic merge: delete, replace, merge) appears anywhere. */
function hasPatchDirective(v: unknown, depth = 0, seen = new Set<object>()): boolean {
  // Aliases share values: each is looked at once, so the walk stays linear in the written data.
  if (!v || typeof v !== 'object' || depth > 100 || seen.has(v)) return false;
  seen.add(v);
  if (Array.isArray(v)) return v.some((x) => hasPatchDirective(x, depth + 1, seen));
  const r = v as Record<string, unknown>;
  if ('$patch' in r) return true;
  return Object.values(r).some((x) => hasPatchDirective(x, depth + 1, seen));
}

/** Offsets → 1-based line and column; a LineCounter, or one shifted to a chunk of the file. */
interface Lines {
  linePos(offset: number): { line: number; col: number };
}

/** One parsed document, with how to locate its offsets and where its text starts in the file. */
interface DocPart {
  doc: Document.Parsed;
  lines: Lines;
  offset: number;
}

/**
 * Parses every document. The yaml parser recurses once per nesting level; most overflows it
 * catches and reports as an error of the document, but some escape as a RangeError and would
 * take the whole file down. Then the file is split at its document markers (`---` or `...` at
 * the start of a line end a document wherever they appear, YAML 1.2 §9.1.4) and each document
 * is parsed alone, so only the too-deep ones are lost.
 */
function parseDocuments(text: string): { parts: DocPart[]; tooDeep: { lines: Lines }[] } {
  try {
    const lineCounter = new LineCounter();
    const docs = withoutStackTraces(() => parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter })) as unknown as Document.Parsed[];
    return { parts: Array.from(docs, (doc) => ({ doc, lines: lineCounter, offset: 0 })), tooDeep: [] };
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
  }
  const starts = [0];
  const marker = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;
  for (let m = marker.exec(text); m; m = marker.exec(text)) if (m.index > 0) starts.push(m.index);
  const parts: DocPart[] = [];
  const tooDeep: { lines: Lines }[] = [];
  let line = 0;
  let counted = 0;
  for (let i = 0; i < starts.length; i++) {
    const offset = starts[i];
    for (let j = text.indexOf('\n', counted); j >= 0 && j < offset; j = text.indexOf('\n', j + 1)) line++;
    counted = offset;
    const chunk = text.slice(offset, starts[i + 1] ?? text.length);
    const chunkLines = new LineCounter();
    const shift = line;
    const lines: Lines = { linePos: (o) => { const p = chunkLines.linePos(o); return { line: p.line + shift, col: p.col }; } };
    try {
      const docs = withoutStackTraces(() => parseAllDocuments(chunk, { ...PARSE_OPTIONS, lineCounter: chunkLines })) as unknown as Document.Parsed[];
      for (const doc of Array.from(docs)) parts.push({ doc, lines, offset });
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      if (chunkLines.lineStarts.length === 0) chunkLines.addNewLine(0);
      tooDeep.push({ lines });
    }
  }
  return { parts, tooDeep };
}

function looksLikeObject(v: unknown): boolean {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  return typeof r.apiVersion === 'string' && typeof r.kind === 'string';
}

function isListKind(obj: Record<string, unknown>): boolean {
  return typeof obj.kind === 'string' && /^([A-Z]\w*)?List$/.test(obj.kind) && typeof obj.apiVersion === 'string' && 'items' in obj;
}

/**
 * Offset of the first sign that the text is binary (NUL, other C0 controls, or the
 * replacement character a failed UTF-8 decode leaves), or -1. Tabs, CR and LF are text.
 */
function binaryOffset(text: string): number {
  // eslint-disable-next-line no-control-regex
  const m = /[\u0000-\u0008\u000e-\u001a\u001c-\u001f\ufffd]/.exec(text);
  return m ? m.index : -1;
}

const HELM_WORDS = /\.(Values|Release|Chart|Capabilities|Files|Template)\b|\b(include|tpl|toYaml|toJson|required|template|nindent|indent)\b/;

/**
 * Where Helm/Go template syntax makes this file a template rather than YAML, or -1.
 * `{{` counts where YAML would read it as structure or as a plain value; inside a quoted
 * string only when it uses Helm's own names (.Values, .Release, include …); inside a block
 * scalar (`|`, `>`: ConfigMap data such as Alertmanager templates) and in comments never.
 * GitHub Actions expressions (`${{ … }}`) are not templates.
 */
function templateMarker(text: string, parts: DocPart[]): number {
  const markers: number[] = [];
  const re = /\{\{/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > 0 && text[m.index - 1] === '$') continue;
    markers.push(m.index);
    if (markers.length > 10000) break;
  }
  if (markers.length === 0) return -1;
  const block: [number, number][] = [];
  const quoted: [number, number][] = [];
  try {
    for (const { doc, offset } of parts) {
      if (!doc.contents) continue;
      visit(doc, {
        Scalar(_key, node) {
          const r = node.range;
          if (!r) return;
          if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) block.push([offset + r[0], offset + r[1]]);
          else if (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE) quoted.push([offset + r[0], offset + r[1]]);
        },
      });
    }
  } catch {
    // Too deep to visit: judge by the text alone.
  }
  block.sort((a, b) => a[0] - b[0]);
  quoted.sort((a, b) => a[0] - b[0]);
  // Scalars do not overlap: binary search for the last one starting at or before `at`.
  const inside = (ranges: [number, number][], at: number) => {
    let lo = 0, hi = ranges.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid][0] <= at) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found >= 0 && at < ranges[found][1];
  };
  for (const at of markers) {
    if (inside(block, at)) continue;
    const lineStart = text.lastIndexOf('\n', at - 1) + 1;
    if (/^\s*#/.test(text.slice(lineStart, at))) continue;
    if (inside(quoted, at)) {
      const close = text.indexOf('}}', at);
      const body = text.slice(at, close < 0 ? Math.min(text.length, at + 200) : close);
      if (!HELM_WORDS.test(body)) continue;
    }
    return at;
  }
  return -1;
}

/** UTF-8 length of `text` in bytes, without encoding it. */
function utf8Length(text: string): number {
  // Node's count equals the UTF-8 encoding's length (a lone surrogate counts as U+FFFD, 3 bytes).
  return Buffer.byteLength(text, 'utf8');
}

function lineCounterFor(text: string): LineCounter {
  const lc = new LineCounter();
  lc.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lc.addNewLine(i + 1);
  return lc;
}

function firstLine(message: string): string {
  const nl = message.indexOf('\n');
  return (nl < 0 ? message : message.slice(0, nl)).trim();
}

function rangeOf(file: string, lc: Lines, start: number, end: number): SourceRange {
  const s = lc.linePos(start), e = lc.linePos(Math.max(start, end));
  return { file, start: { line: s.line, column: s.col }, end: { line: e.line, column: e.col } };
}

function nodeRange(file: string, lc: Lines, node: YamlNode | null | undefined): SourceRange {
  const r = node?.range;
  if (!r) return rangeOf(file, lc, 0, 0);
  return rangeOf(file, lc, r[0], r[1]);
}

/** Walks the YAML tree along `path`; returns the deepest node reached and its key node. */
function walk(root: YamlNode, path: FieldPath): { node: YamlNode; key?: YamlNode; complete: boolean } {
  let node: YamlNode = root;
  let key: YamlNode | undefined;
  for (const seg of path) {
    if (isMap(node) && typeof seg === 'string') {
      // The last of duplicate keys wins, as in the decoded data.
      let pair: (typeof node.items)[number] | undefined;
      for (let i = node.items.length - 1; i >= 0; i--) {
        const p = node.items[i];
        if (isPair(p) && isScalar(p.key) && String(p.key.value) === seg) { pair = p; break; }
      }
      if (!pair) return { node, key, complete: false };
      key = pair.key as YamlNode;
      // `port:` with nothing after it: point at the key, not at the empty spot after the colon.
      const v = pair.value as YamlNode | null;
      if (!v || (isScalar(v) && v.value === null && (!v.range || v.range[0] === v.range[1]))) return { node: key, key, complete: false };
      node = v;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (!item) return { node, key, complete: false };
      key = undefined;
      node = item as YamlNode;
    } else {
      return { node, key, complete: false };
    }
  }
  return { node, key, complete: true };
}

function makeLocator(file: string, lc: Lines, root: YamlNode, base: FieldPath): Locator {
  const self = walk(root, base).node;
  const range = nodeRange(file, lc, self);
  return {
    file,
    range,
    at(path: FieldPath): SourceRange {
      return nodeRange(file, lc, walk(self, path).node);
    },
    keyAt(path: FieldPath): SourceRange {
      const w = walk(self, path);
      return nodeRange(file, lc, w.complete && w.key ? w.key : w.node);
    },
  };
}
