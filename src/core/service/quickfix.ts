import { Finding } from '../common/finding';
import { SourceRange } from '../common/source';
import { FieldPath, Locator } from '../common/source';
import { ManifestSet } from '../manifest/types';
import { QuickFix, TextEdit } from './types';
import { fieldRange } from './objects';

/**
 * Quick fixes for findings whose fix is clear. Edits are computed on the text as written, keep
 * its style (flow `{…}` or block mappings), and never touch anything but the field they fix.
 */
/** The codes `fixesFor` may answer with fixes; each fix reads other files than the finding's. */
export const FIXABLE_CODES: ReadonlySet<string> = new Set(['service-selects-nothing', 'egress-blocks-dns']);

export function fixesFor(f: Finding, manifests: ManifestSet, texts: Map<string, string>): QuickFix[] {
  if (!FIXABLE_CODES.has(f.code)) return [];
  if (f.code === 'service-selects-nothing') return [...addMissingLabels(f, manifests, texts), ...followRenamedLabel(f, manifests)];
  if (f.code === 'egress-blocks-dns') return allowDns(f, manifests, texts);
  return [];
}

/** "Add the missing label to the pod template": the workload closest to the Service's selector. */
function addMissingLabels(f: Finding, m: ManifestSet, texts: Map<string, string>): QuickFix[] {
  const svc = m.services.find((s) => f.range && s.locator.file === f.range.file && contains(s.locator.range, f.range));
  if (!svc?.selector) return [];
  const selector = svc.selector;
  const candidates = labelledObjects(m, svc.meta.namespace);
  const fixes: QuickFix[] = [];
  for (const c of candidates) {
    const shared = Object.keys(selector).filter((k) => c.labels[k] === selector[k]).length;
    const conflicting = Object.keys(selector).filter((k) => k in c.labels && c.labels[k] !== selector[k]);
    const missing = Object.keys(selector).filter((k) => !(k in c.labels));
    if (shared === 0 || conflicting.length > 0 || missing.length === 0) continue;
    const range = fieldRange(c.locator, c.path);
    const text = texts.get(c.locator.file);
    if (!range || text === undefined) continue;
    const edit = addToMapping(text, range, missing.map((k) => [k, selector[k]]));
    if (edit) fixes.push({ title: `Add label ${missing.map((k) => `${k}=${selector[k]}`).join(', ')} to ${c.name}`, edits: [edit], code: f.code });
  }
  return fixes.slice(0, 3);
}

interface LabelledObject {
  /** How a title names it: `the pod template of Deployment web`, `Pod apiserver`. */
  name: string;
  labels: Record<string, string>;
  locator: Locator;
  path: FieldPath;
  /** A workload's own selector, which must keep matching its template. */
  selector?: { matchLabels: Record<string, string>; path: FieldPath };
}

/** The objects whose labels a Service in `namespace` selects: workload templates and bare Pods. */
function labelledObjects(m: ManifestSet, namespace: string): LabelledObject[] {
  return [
    ...m.workloads.filter((w) => w.meta.namespace === namespace).map((w): LabelledObject => ({
      name: `the pod template of ${w.kind} ${w.meta.name}`, labels: w.template.labels, locator: w.locator, path: [...w.templatePath, 'metadata', 'labels'],
      ...(w.selector ? { selector: { matchLabels: w.selector.matchLabels, path: ['spec', 'selector', ...(w.kind === 'ReplicationController' ? [] : ['matchLabels'])] } } : {}),
    })),
    ...m.pods.filter((p) => p.meta.namespace === namespace && p.meta.ownerReferences.length === 0).map((p): LabelledObject => ({ name: `Pod ${p.meta.name}`, labels: p.meta.labels, locator: p.locator, path: ['metadata', 'labels'] })),
  ];
}

/**
 * A one-key selector whose pods were relabelled (`app: frontend` after the pods became
 * `app: frontend-v2`): select the pods by their new value, or give them the old one back.
 * Labelling a workload's pods also changes its own selector where it names the same label, so
 * the workload keeps its pods.
 */
function followRenamedLabel(f: Finding, m: ManifestSet): QuickFix[] {
  const svc = m.services.find((s) => f.range && s.locator.file === f.range.file && contains(s.locator.range, f.range));
  const keys = Object.keys(svc?.selector ?? {});
  if (!svc?.selector || keys.length !== 1) return [];
  const [key] = keys;
  const wanted = svc.selector[key];
  const fixes: QuickFix[] = [];
  const relabelled = labelledObjects(m, svc.meta.namespace).filter((c) => key in c.labels && c.labels[key] !== wanted);
  const svcValue = fieldRange(svc.locator, ['spec', 'selector', key]);
  for (const value of [...new Set(relabelled.map((c) => c.labels[key]))].sort()) {
    if (!svcValue) break;
    fixes.push({ title: `Select the pods labelled ${key}=${value}`, edits: [{ file: svcValue.file, range: svcValue, newText: labelValue(value) }], code: f.code });
  }
  for (const c of relabelled) {
    const at = fieldRange(c.locator, [...c.path, key]);
    if (!at) continue;
    const edits: TextEdit[] = [{ file: at.file, range: at, newText: labelValue(wanted) }];
    const own = c.selector && c.selector.matchLabels[key] === c.labels[key] ? fieldRange(c.locator, [...c.selector.path, key]) : undefined;
    if (own) edits.push({ file: own.file, range: own, newText: labelValue(wanted) });
    fixes.push({ title: `Label the pods ${key}=${wanted} (${c.name})`, edits, code: f.code });
  }
  return fixes.slice(0, 4);
}

/** A label value as YAML reads it back as the same string (YAML 1.1 booleans and numbers quoted). */
function labelValue(v: string): string {
  return v === '' || /^(true|false|yes|no|on|off|y|n|null|~)$/i.test(v) || /^[-+.\d]/.test(v) ? JSON.stringify(v) : v;
}

const DNS_RULE = { to: '[{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]', ports: '[{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]' };

/** The same rule in block style, for block mappings (its first line follows `- `). */
const DNS_RULE_BLOCK = [
  'to:',
  '  - namespaceSelector: {}',
  '    podSelector:',
  '      matchLabels:',
  '        k8s-app: kube-dns',
  'ports:',
  '  - protocol: UDP',
  '    port: 53',
  '  - protocol: TCP',
  '    port: 53',
];

/** "Allow DNS egress": an egress rule to kube-dns on UDP and TCP 53. */
function allowDns(f: Finding, m: ManifestSet, texts: Map<string, string>): QuickFix[] {
  const pol = m.policies.find((p) => f.range && p.locator.file === f.range.file && contains(p.locator.range, f.range));
  if (!pol) return [];
  const text = texts.get(pol.locator.file);
  if (text === undefined) return [];
  const title = 'Allow DNS egress (UDP and TCP 53 to kube-dns)';
  const egress = fieldRange(pol.locator, ['spec', 'egress']);
  if (egress) {
    const edit = appendToSequence(text, egress, `{to: ${DNS_RULE.to}, ports: ${DNS_RULE.ports}}`, DNS_RULE_BLOCK);
    return edit ? [{ title, edits: [edit], code: f.code }] : [];
  }
  const spec = fieldRange(pol.locator, ['spec']);
  if (!spec) return [];
  const edit = addToMapping(text, spec, [['egress', null]], [`- ${DNS_RULE_BLOCK[0]}`, ...DNS_RULE_BLOCK.slice(1).map((l) => `  ${l}`)]);
  return edit ? [{ title, edits: [edit], code: f.code }] : [];
}

function contains(outer: SourceRange, inner: SourceRange): boolean {
  const before = (a: SourceRange['start'], b: SourceRange['start']) => a.line < b.line || (a.line === b.line && a.column <= b.column);
  return before(outer.start, inner.start) && before(inner.end, outer.end);
}

/** The last line holding content of a block node (its range may end at the start of the next line). */
function lastLineOf(text: string, range: SourceRange): number {
  let line = range.end.column === 1 && range.end.line > range.start.line ? range.end.line - 1 : range.end.line;
  while (line > range.start.line && /^\s*(#.*)?$/.test(lineText(text, line))) line--;
  return line;
}

function lineText(text: string, line: number): string {
  let start = 0;
  for (let i = 1; i < line; i++) {
    start = text.indexOf('\n', start) + 1;
    if (start === 0) return '';
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? undefined : end);
}

/**
 * Adds keys to a mapping. Flow `{a: b}`: the pair goes before `}`. Block: new lines after the last
 * entry, at the mapping's indentation. A null value opens a nested block (`children` lines below).
 */
function addToMapping(text: string, range: SourceRange, pairs: [string, string | null][], children: string[] = []): TextEdit | undefined {
  const first = lineText(text, range.start.line).slice(range.start.column - 1);
  if (first.startsWith('{')) {
    const last = lineText(text, range.end.line);
    const close = range.end.column - 2;
    if (last[close] !== '}') return undefined;
    const empty = /^\{\s*\}$/.test(first.trim());
    const added = pairs.filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`).join(', ');
    const at = { line: range.end.line, column: range.end.column - 1 };
    return { file: range.file, range: { file: range.file, start: at, end: at }, newText: empty ? added : `, ${added}` };
  }
  const indent = ' '.repeat(range.start.column - 1);
  const endLine = lastLineOf(text, range);
  const lines: string[] = [];
  for (const [k, v] of pairs) {
    lines.push(`${indent}${k}:${v === null ? '' : ` ${v}`}`);
    if (v === null) for (const c of children) lines.push(`${indent}  ${c}`);
  }
  const end = { line: endLine, column: lineText(text, endLine).length + 1 };
  return { file: range.file, range: { file: range.file, start: end, end }, newText: `\n${lines.join('\n')}` };
}

/** Appends an item to a sequence: inside `[…]` for a flow sequence, as a new `- ` item for a block one. */
function appendToSequence(text: string, range: SourceRange, flowItem: string, blockLines: string[]): TextEdit | undefined {
  const first = lineText(text, range.start.line).slice(range.start.column - 1);
  if (first.startsWith('[')) {
    const at = { line: range.end.line, column: range.end.column - 1 };
    const empty = /^\[\s*\]$/.test(first.trim());
    return { file: range.file, range: { file: range.file, start: at, end: at }, newText: empty ? flowItem : `, ${flowItem}` };
  }
  const indent = ' '.repeat(range.start.column - 1);
  const endLine = lastLineOf(text, range);
  const end = { line: endLine, column: lineText(text, endLine).length + 1 };
  const [head, ...rest] = blockLines;
  return { file: range.file, range: { file: range.file, start: end, end }, newText: `\n${indent}- ${head}${rest.map((l) => `\n${indent}  ${l}`).join('')}` };
}
