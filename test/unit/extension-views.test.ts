import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { LanguageService } from '../../src/core/service/language-service';
import { formatTraceText } from '../../src/core/format/trace-text';
import { columnFor } from '../../src/extension/columns';
import { CLUSTER_CHOICES, clusterDocumentText } from '../../src/extension/cluster-template';
import { findingPage, findingsSection, meaningOf } from '../../src/extension/findings-page';
import { matrixMarkdown } from '../../src/extension/matrix-markdown';
import { verdictLine } from '../../src/extension/trace-input';
import { analyzeSources } from '../../src/core/analyze';
import { analyzeExample, analyzeYaml, REPO_ROOT, trace } from '../support/analyze';

// The editor's views that need no editor: the Cluster document written for the user, the
// finding pages problem codes link to, the matrix table, the trace document's text.

const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

test('"Create a Cluster document": for every CNI offered, PodPath reads it back without a finding, with that CNI', () => {
  for (const choice of CLUSTER_CHOICES) {
    const text = clusterDocumentText(choice.plugin);
    assert.match(text, /^# /, 'it starts with a comment saying what it is');
    const a = analyzeSources([{ file: 'podpath-cluster.yaml', text }]);
    assert.deepEqual(a.findings.map((f) => f.code), [], choice.plugin);
    assert.equal(a.cluster.config.plugin, choice.plugin);
    assert.equal(a.cluster.config.isDefault, false);
    assert.deepEqual(a.cluster.nodes.map((n) => n.name), ['node-1', 'node-2']);
  }
  // Calico enforces policy: with its document, the workspace's policies take effect.
  const policy = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}, ingress: [{}]}\n';
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: c, image: x}]}\n';
  assert.deepEqual(analyzeYaml(clusterDocumentText('calico'), pod, policy).findings.map((f) => f.code), []);
  assert.deepEqual(analyzeYaml(pod, policy).findings.map((f) => f.code), ['no-cluster-document']);
});

test('"Assume policies are enforced": the setting clears the no-Cluster notice', () => {
  const files = [{ file: 'a.yaml', text: 'apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: c, image: x}]}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}, ingress: [{}]}\n' }];
  const s = new LanguageService();
  const codes = (r: ReturnType<LanguageService['update']>) => r.diagnostics['a.yaml'].map((d) => d.code);
  assert.deepEqual(codes(s.update(files, {})), ['no-cluster-document']);
  assert.deepEqual(codes(s.update(files, { defaultCluster: { plugin: 'flannel' } })), ['no-cluster-document']);
  assert.deepEqual(codes(s.update(files, { defaultCluster: { networkPolicy: 'enforced' } })), []);
});

test('finding pages: every code the README lists has its meaning first; an unknown code says so', () => {
  const section = findingsSection(readme);
  assert.match(section, /^## Findings/);
  assert.ok(!/\n## (?!Findings)/.test(section), 'only the findings section');
  assert.equal(meaningOf(section, 'no-cluster-document')?.startsWith('no Cluster document'), true);
  assert.match(meaningOf(section, 'duplicate-cluster') ?? '', /the same thing defined twice/);
  const page = findingPage(readme, 'policy-not-enforced');
  assert.match(page, /^# PodPath finding `policy-not-enforced`\n\nthe configured CNI does not enforce NetworkPolicy/);
  assert.match(page, /\n## All findings\n/);
  assert.match(findingPage(readme, 'made-up-code'), /not in the findings table/);
  // Every code PodPath's lint can emit is documented (so no link opens an empty page).
  const lint = fs.readFileSync(path.join(REPO_ROOT, 'src/core/findings/lint.ts'), 'utf8');
  for (const m of lint.matchAll(/finding\('([a-z0-9-]+)'/g)) assert.ok(meaningOf(section, m[1]), m[1]);
});

test('the matrix as a Markdown table: a header row of destinations, one row per source, the legend kept', () => {
  const a = analyzeExample('flannel-vxlan');
  const s = new LanguageService();
  s.update(fs.readdirSync(path.join(REPO_ROOT, 'examples/flannel-vxlan')).map((f) => ({ file: f, text: fs.readFileSync(path.join(REPO_ROOT, 'examples/flannel-vxlan', f), 'utf8') })), {});
  const md = matrixMarkdown(s.matrix(80, 'tcp'));
  const rows = md.split('\n').filter((l) => l.startsWith('|'));
  assert.match(rows[0], /^\| from ↓ \\ to → \| default\/client \| default\/web-/);
  assert.match(rows[1], /^\|---\|(:---:\|)+$/);
  assert.equal(rows.length, 2 + a.cluster.pods.length);
  for (const r of rows.slice(2)) assert.equal(r.split('|').length, rows[0].split('|').length, 'every row has every column');
  assert.match(md, /rows: from \\\(the source pod\\\)/);
  assert.equal(matrixMarkdown(s.matrix(80, 'tcp')), md, 'deterministic');
});

test('the trace document: the packet is printed where it changes, not after every hop; the verdict is said once', () => {
  const a = analyzeExample('flannel-vxlan');
  const t = trace(a, { from: 'client', to: 'service:web' });
  const text = formatTraceText(t, { details: true });
  const packets = text.split('\n').filter((l) => /^\s+packet: /.test(l)).map((l) => l.trim());
  const hops = t.hops.length + t.branches.reduce((n, b) => n + b.hops.length, 0);
  assert.ok(packets.length >= 2 && packets.length < hops, `${packets.length} packet lines for ${hops} hops`);
  // Within the shared hops no two consecutive packet lines are equal.
  const shared = text.split('\n  branch')[0].split('\n').filter((l) => /^\s+packet: /.test(l));
  for (let i = 1; i < shared.length; i++) assert.notEqual(shared[i], shared[i - 1]);
  assert.equal(verdictLine('delivered', 'delivered to default/web-1 on port 8080'), 'delivered to default/web-1 on port 8080');
  assert.equal(verdictLine('dropped', 'NetworkPolicy p selects web'), 'dropped: NetworkPolicy p selects web');
});

test('a half-typed label (`app: bookstorerole: api`) is one problem, the YAML error, and no message says [object Object]', () => {
  const a = analyzeYaml('apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels:\n    app: bookstorerole: api\nspec:\n  containers: [{name: c, image: x}]\n');
  assert.deepEqual(a.findings.map((f) => f.code), ['yaml-syntax']);
  // Elsewhere (no syntax error at the place) a mapping where a label value belongs is named as such.
  const b = analyzeYaml('apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels:\n    app: {a: b}\nspec:\n  containers: [{name: c, image: x}]\n');
  const [f] = b.findings.filter((x) => x.code === 'invalid-type');
  assert.match(f.message, /metadata\.labels\.app must be a string, not a mapping$/);
  assert.doesNotMatch(f.message, /object Object/);
});

test('views open beside the YAML, never in a third group made beside a view', () => {
  assert.equal(columnFor(1, 1), 'beside', 'one group: a second one beside it');
  assert.equal(columnFor(1, 2), 'beside', 'from the YAML on the left: the group on the right');
  assert.equal(columnFor(2, 2), 'active', 'from a trace document on the right: a tab there, not a third group');
  assert.equal(columnFor(3, 3), 'active');
});
