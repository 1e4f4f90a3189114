import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadManifests } from '../../src/core/manifest/load';
import { parseManifestText, MAX_FILE_BYTES } from '../../src/core/manifest/parse';
import { buildCluster } from '../../src/core/cluster/build';
import { cidrContains } from '../../src/core/common/ip';

/** Runs `fn`, returning its result and the wall time it took. */
function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = process.hrtime.bigint();
  const value = fn();
  return { value, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

test('a 5 MB generated manifest (30,000+ pods on 4 nodes) loads and builds without throwing, every pod addressed inside its node', () => {
  const parts = [
    'apiVersion: podpath.dev/v1alpha1\nkind: Cluster\nmetadata: {name: big}\nspec:\n  clusterCIDR: 10.0.0.0/8\n  serviceCIDR: 172.20.0.0/16\n  nodes:\n' +
    [0, 1, 2, 3].map((i) => `    - {name: n${i}, ip: 192.168.0.${10 + i}, podCIDR: 10.${i}.0.0/16}`).join('\n') + '\n',
  ];
  let size = parts[0].length;
  let n = 0;
  while (size < 5 * 1024 * 1024) {
    const doc = `---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-${n}\n  labels: {app: a${n % 50}}\nspec:\n  containers:\n  - name: c\n    image: nginx\n    ports:\n    - containerPort: 80\n`;
    parts.push(doc);
    size += doc.length;
    n++;
  }
  const text = parts.join('');
  assert.ok(text.length >= 5 * 1024 * 1024);
  const { value, ms } = timed(() => {
    const load = loadManifests([{ file: 'big.yaml', text }]);
    return { load, cluster: buildCluster(load.manifests) };
  });
  assert.deepEqual(value.load.findings, []);
  assert.deepEqual(value.cluster.findings, []);
  assert.equal(value.load.manifests.pods.length, n);
  assert.equal(value.cluster.pods.length, n);
  assert.equal(new Set(value.cluster.pods.map((p) => p.ip)).size, n);
  for (const p of value.cluster.pods) assert.ok(cidrContains(value.cluster.nodesByName.get(p.node)!.podCIDR, p.ip), `${p.key} ${p.ip} on ${p.node}`);
  assert.ok(ms < 60000, `took ${ms.toFixed(0)} ms`);
});

test('a 10,000-level nested flow sequence gives one yaml-too-deep error on line 1 and does not throw', () => {
  const text = '['.repeat(10000) + ']'.repeat(10000) + '\n';
  const { value: r, ms } = timed(() => loadManifests([{ file: 'deep.yaml', text }]));
  assert.deepEqual(r.findings.map((f) => [f.code, f.severity, f.range!.start.line]), [['yaml-too-deep', 'error', 1]]);
  const column = r.findings[0].range!.start.column;
  assert.ok(column > 1 && column <= 10000, `column ${column}`);
  assert.ok(ms < 10000, `took ${ms.toFixed(0)} ms`);
  assert.doesNotThrow(() => buildCluster(r.manifests));
});

test('a 10,000-level nested flow mapping gives exactly one yaml-too-deep error, not one per level', () => {
  const text = '{a: '.repeat(10000) + '1' + '}'.repeat(10000) + '\n';
  const r = loadManifests([{ file: 'deep.yaml', text }]);
  assert.deepEqual(r.findings.map((f) => f.code), ['yaml-too-deep']);
});

test('10,000-level nested block sequences ("- - - …") give one yaml-too-deep error; the next document is still read', () => {
  const text = '- '.repeat(10000) + 'x\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: after}\nspec: {containers: [{name: c}]}\n';
  const r = loadManifests([{ file: 'deep.yaml', text }]);
  assert.deepEqual(r.findings.map((f) => [f.code, f.range!.start.line]), [['yaml-too-deep', 1]]);
  assert.deepEqual(r.manifests.pods.map((p) => p.meta.name), ['after']);
  // Locations in the documents after it still count lines from the top of the file.
  assert.deepEqual(r.manifests.pods[0].locator.at(['metadata', 'name']).start, { line: 5, column: 18 });
});

test('a "billion laughs" alias bomb is one yaml-alias-bomb error, found quickly; other documents are still read', () => {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i), cur = String.fromCharCode(97 + i);
    lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  const text = lines.join('\n') + '\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec: {containers: [{name: c}]}\n';
  const { value: r, ms } = timed(() => loadManifests([{ file: 'lol.yaml', text }]));
  assert.deepEqual(r.findings.map((f) => [f.code, f.severity, f.range!.start.line, f.range!.start.column]), [['yaml-alias-bomb', 'error', 1, 1]]);
  assert.deepEqual(r.manifests.pods.map((p) => p.meta.name), ['ok']);
  assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
});

test('ordinary anchors and aliases (a shared container spec) are resolved', () => {
  const text = [
    'apiVersion: v1', 'kind: Pod', 'metadata: {name: a}', 'x-container: &c {name: app, ports: [{containerPort: 80}]}', 'spec:', '  containers: [*c]', '',
  ].join('\n');
  const r = loadManifests([{ file: 'alias.yaml', text }]);
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.manifests.pods[0].spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
});

test('a file over the size limit is one file-too-large error and is not parsed', () => {
  const text = 'a: ' + 'x'.repeat(MAX_FILE_BYTES) + '\n';
  const { value: parsed, ms } = timed(() => parseManifestText('huge.yaml', text));
  assert.deepEqual(parsed.findings.map((f) => [f.code, f.range!.start.line, f.range!.start.column]), [['file-too-large', 1, 1]]);
  assert.deepEqual(parsed.objects, []);
  assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
});

test('a single 1 MB scalar value is read without trouble', () => {
  const text = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\n    blob: "${'x'.repeat(1 << 20)}"\nspec: {containers: [{name: c}]}\n`;
  const r = loadManifests([{ file: 'blob.yaml', text }]);
  assert.deepEqual(r.findings, []);
  assert.equal(r.manifests.pods[0].meta.annotations.blob.length, 1 << 20);
});

test('fuzz: 300 random texts of YAML punctuation never throw, and every finding has a 1-based location in its file', () => {
  // A small deterministic PRNG (mulberry32) so a failure can be replayed.
  let seed = 0x5eed;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const alphabet = ['a', 'kind', 'apiVersion', 'v1', 'Pod', 'Service', ':', ' ', '  ', '\n', '- ', '[', ']', '{', '}', ',', '"', "'", '&x', '*x', '!!str', '|', '>', '#', '---', '\t', '%YAML 1.1', '?', '80', 'metadata', 'name', 'spec', 'ports', '<<: *x'];
  for (let i = 0; i < 300; i++) {
    let text = 'apiVersion: v1\nkind: Pod\n';
    const len = Math.floor(rand() * 120);
    for (let j = 0; j < len; j++) text += alphabet[Math.floor(rand() * alphabet.length)];
    const file = `fuzz-${i}.yaml`;
    let r: ReturnType<typeof loadManifests> | undefined;
    assert.doesNotThrow(() => { r = loadManifests([{ file, text }]); }, `case ${i}: ${JSON.stringify(text)}`);
    assert.doesNotThrow(() => buildCluster(r!.manifests), `case ${i}: ${JSON.stringify(text)}`);
    for (const f of r!.findings) {
      assert.equal(f.range?.file, file, `case ${i}: ${f.code}`);
      assert.ok(f.range!.start.line >= 1 && f.range!.start.column >= 1, `case ${i}: ${f.code} at ${JSON.stringify(f.range!.start)}`);
      assert.notEqual(f.code, 'internal-error', `case ${i}: ${f.message}`);
    }
  }
});

test('wrong types everywhere (a list for metadata, a string for spec, a number for containers) are findings, not crashes', () => {
  const text = [
    'apiVersion: v1', 'kind: Pod', 'metadata: [a, b]', '---',
    'apiVersion: v1', 'kind: Pod', 'metadata: {name: b}', 'spec: hello', '---',
    'apiVersion: v1', 'kind: Pod', 'metadata: {name: c}', 'spec: {containers: 3}', '---',
    'apiVersion: v1', 'kind: Service', 'metadata: {name: s}', 'spec: {ports: {port: 80}, selector: [x]}', '---',
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: d}', 'spec: {template: 7}', '',
  ].join('\n');
  const r = loadManifests([{ file: 'types.yaml', text }]);
  assert.deepEqual(r.findings.map((f) => `${f.code}@${f.range!.start.line}`), [
    'invalid-type@3', 'missing-field@8', 'invalid-type@13', 'invalid-type@18', 'invalid-type@18', 'invalid-type@23',
  ]);
  assert.deepEqual(r.manifests.pods.map((p) => p.meta.name), ['b', 'c']);
  assert.doesNotThrow(() => buildCluster(r.manifests));
});

test('a dump of 5,000 ConfigMaps full of Go templates in their data is not a template, and is read quickly', () => {
  let text = '';
  for (let i = 0; i < 5000; i++) {
    text += `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}}\ndata:\n  a.tmpl: |\n    {{ define "x" }}{{ .Labels.a }}{{ end }}\n  b: "{{ $labels.instance }} is down"\n`;
  }
  const { value: r, ms } = timed(() => loadManifests([{ file: 'cms.yaml', text }]));
  assert.deepEqual(r.findings, []);
  assert.ok(ms < 20000, `took ${ms.toFixed(0)} ms`);
});
