import { LineCounter, Document, isMap, isSeq, isScalar, isPair, Node as YamlNode, parseAllDocuments } from 'yaml';
import { Finding, finding } from '../common/finding';
import { FieldPath, Locator, SourceRange } from '../common/source';

/** One Kubernetes object as written: plain JS data plus a locator into its YAML. */
export interface RawObject {
  apiVersion: unknown;
  kind: unknown;
  data: Record<string, unknown>;
  locator: Locator;
}

export interface ParsedFile {
  file: string;
  objects: RawObject[];
  findings: Finding[];
  /** True when the text holds Helm/Go template syntax and was not analysed. */
  template: boolean;
}

/** Files larger than this are reported and skipped: no real manifest set comes near it. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Splits a YAML file into Kubernetes objects (multi-document files and `kind: List` alike),
 * keeping a locator for every object. Never throws: syntax errors become findings and the
 * documents that parse are still returned.
 */
export function parseManifestText(file: string, text: string): ParsedFile {
  const out: ParsedFile = { file, objects: [], findings: [], template: false };
  const whole: SourceRange = { file, start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
  if (text.length > MAX_FILE_BYTES) {
    out.findings.push(finding('file-too-large', 'error', `file is ${(text.length / 1048576).toFixed(1)} MiB; PodPath skips manifests over ${MAX_FILE_BYTES / 1048576} MiB`, whole));
    return out;
  }
  const templateAt = text.search(/\{\{-?\s*[\w.$/"(]/);
  if (templateAt >= 0) {
    out.template = true;
    const lc = new LineCounter();
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lc.addNewLine(i + 1);
    out.findings.push(finding('helm-template', 'info', 'this file is a template ({{ … }}); render it with `helm template` first, then PodPath can analyse the output', rangeOf(file, lc, templateAt, templateAt + 2)));
    return out;
  }
  const lineCounter = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: false }) as Document.Parsed[];
    if (!Array.isArray(docs)) docs = [docs as unknown as Document.Parsed];
  } catch (e) {
    out.findings.push(finding('yaml-syntax', 'error', `YAML could not be read: ${(e as Error).message}`, whole));
    return out;
  }
  for (const doc of docs) {
    for (const err of doc.errors) {
      out.findings.push(finding('yaml-syntax', 'error', firstLine(err.message), rangeOf(file, lineCounter, err.pos[0], err.pos[1])));
    }
    for (const warn of doc.warnings) {
      out.findings.push(finding('yaml-warning', 'warning', firstLine(warn.message), rangeOf(file, lineCounter, warn.pos[0], warn.pos[1])));
    }
    if (!doc.contents) continue; // empty document between `---` lines
    let data: unknown;
    try {
      // maxAliasCount guards against alias expansion bombs ("billion laughs").
      data = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      out.findings.push(finding('yaml-syntax', 'error', `YAML could not be read: ${firstLine((e as Error).message)}`, nodeRange(file, lineCounter, doc.contents)));
      continue;
    }
    if (data === null || data === undefined) continue;
    const root = doc.contents as YamlNode;
    if (typeof data !== 'object' || Array.isArray(data)) {
      // A bare scalar or list at the top is not a Kubernetes object; often a half-typed file.
      out.findings.push(finding('not-an-object', 'warning', 'this YAML document is not a mapping, so it is not a Kubernetes object', nodeRange(file, lineCounter, root)));
      continue;
    }
    const obj = data as Record<string, unknown>;
    if (obj.kind === 'List' && Array.isArray(obj.items)) {
      obj.items.forEach((item, i) => {
        const locator = makeLocator(file, lineCounter, root, ['items', i]);
        if (item && typeof item === 'object' && !Array.isArray(item)) {
          const rec = item as Record<string, unknown>;
          out.objects.push({ apiVersion: rec.apiVersion, kind: rec.kind, data: rec, locator });
        } else {
          out.findings.push(finding('not-an-object', 'warning', `items[${i}] of this List is not a mapping`, locator.range));
        }
      });
      continue;
    }
    out.objects.push({ apiVersion: obj.apiVersion, kind: obj.kind, data: obj, locator: makeLocator(file, lineCounter, root, []) });
  }
  return out;
}

function firstLine(message: string): string {
  const nl = message.indexOf('\n');
  return (nl < 0 ? message : message.slice(0, nl)).trim();
}

function rangeOf(file: string, lc: LineCounter, start: number, end: number): SourceRange {
  const s = lc.linePos(start), e = lc.linePos(Math.max(start, end));
  return { file, start: { line: s.line, column: s.col }, end: { line: e.line, column: e.col } };
}

function nodeRange(file: string, lc: LineCounter, node: YamlNode | null | undefined): SourceRange {
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
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === seg);
      if (!pair) return { node, key, complete: false };
      key = pair.key as YamlNode;
      if (!pair.value) return { node: key, key, complete: false };
      node = pair.value as YamlNode;
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

function makeLocator(file: string, lc: LineCounter, root: YamlNode, base: FieldPath): Locator {
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
