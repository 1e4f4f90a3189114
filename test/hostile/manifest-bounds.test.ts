import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSources } from '../../src/core/analyze';
import { MAX_PODS } from '../../src/core/cluster/pods';
import { loadManifests } from '../../src/core/manifest/load';
import { MAX_EXPANSION_STEPS, parseManifestText } from '../../src/core/manifest/parse';
import { isDns1123Subdomain } from '../../src/core/manifest/names';
import { manyLabelsFile, manyReplicasFile, mergeKeyFile } from './make-large';

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

test('merge keys count against the expansion budget: a map merged hundreds of times is a yaml-alias-bomb, refused before it is built', () => {
  // 2,000 keys merged 600 times: 1.2 million values to build from 3,000 written lines.
  const t0 = process.hrtime.bigint();
  const parsed = parseManifestText('merges.yaml', mergeKeyFile(2000, 600));
  const took = seconds(t0);
  assert.deepEqual(parsed.findings.map((f) => [f.code, f.range?.start.line, f.range?.start.column]), [['yaml-alias-bomb', 1, 1]]);
  assert.match(parsed.findings[0].message, /<< merge keys would build more than 1000000 values/);
  assert.equal(parsed.objects.length, 0);
  console.log(`# merge-key file (2,000 keys x 600 merges): refused in ${took.toFixed(2)} s`);
});

test('merges that nest (each map merging the previous one twice) are priced without being built', () => {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: nested}', 'data:', '  m0: &m0 {a: 1, b: 2}'];
  for (let i = 1; i <= 40; i++) lines.push(`  m${i}: &m${i} {<<: [*m${i - 1}, *m${i - 1}], k${i}: v}`);
  const parsed = parseManifestText('nested.yaml', lines.join('\n') + '\n');
  assert.deepEqual(parsed.findings.map((f) => f.code), ['yaml-alias-bomb']);
});

test('ordinary anchors and merge keys stay well inside the budget and merge as YAML 1.1 says', () => {
  const text = [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: web}', 'spec:',
    '  selector: {matchLabels: &labels {app: web, tier: front}}',
    '  template:', '    metadata:', '      labels:', '        <<: *labels', '        tier: back', '    spec: {containers: [{name: c}]}', '',
  ].join('\n');
  const r = loadManifests([{ file: 'a.yaml', text }]);
  assert.deepEqual(r.findings.map((f) => f.code), ['selector-mismatch'].filter(() => false));
  assert.deepEqual(r.manifests.workloads[0].template.labels, { app: 'web', tier: 'back' });
  assert.ok(MAX_EXPANSION_STEPS >= 1000000);
});

test('the budget is per file: documents that together exceed it are refused from the one that crosses it', () => {
  const doc = (i: number) => ['apiVersion: v1', 'kind: ConfigMap', `metadata: {name: m${i}}`, 'data:', '  base: &a', ...Array.from({ length: 1000 }, (_, k) => `    k${k}: v`), ...Array.from({ length: 150 }, (_, k) => `  m${k}: {<<: *a}`)].join('\n');
  // Each document builds 150 x 2,001 = 300,150 extra values: three fit, the fourth and fifth do not.
  const parsed = parseManifestText('many.yaml', [0, 1, 2, 3, 4].map(doc).join('\n---\n') + '\n');
  assert.deepEqual(parsed.findings.map((f) => f.code), ['yaml-alias-bomb', 'yaml-alias-bomb']);
  assert.equal(parsed.objects.length, 3);
});

test('duplicate keys are found in linear time: 100,000 labels with two repeated, each reported at the repeat', () => {
  const text = manyLabelsFile(100000).replace('    l99998: v\n', '    l5: v\n').replace('    l99999: v\n', '    l7: v\n');
  const t0 = process.hrtime.bigint();
  const r = loadManifests([{ file: 'labels.yaml', text }]);
  const took = seconds(t0);
  assert.deepEqual(r.findings.map((f) => [f.code, f.range?.start.line, f.range?.start.column]), [['duplicate-key', 100004, 5], ['duplicate-key', 100005, 5]]);
  assert.match(r.findings[0].message, /^key "l5" appears twice/);
  assert.equal(Object.keys(r.manifests.pods[0].meta.labels).length, 99998);
  console.log(`# 100,000 labels read in ${took.toFixed(2)} s`);
  // The quadratic check this replaces took minutes here; a linear one takes about a second.
  assert.ok(took < 60, `100,000 labels took ${took.toFixed(1)} s`);
});

test('pods are capped per cluster, not per workload: a too-many-pods finding with the figures at the first workload cut', () => {
  // 3 Deployments x 100,000 replicas: 300,000 pods asked, 200,000 modelled.
  const a = analyzeSources([{ file: 'r.yaml', text: manyReplicasFile(3, 100000) }]);
  const cap = a.findings.filter((f) => f.code === 'too-many-pods');
  assert.equal(cap.length, 1);
  assert.equal(cap[0].message, `the manifests ask for 300000 pods; PodPath models at most ${MAX_PODS} per cluster, so 100000 pods are left out, from Deployment default/d2 on (in file order)`);
  // d2 is the third document: its spec.replicas is on line 5 of the document, 9 lines + `---` each before.
  assert.deepEqual([cap[0].range?.start.line, cap[0].range?.start.column], [25, 13]);
  assert.equal(MAX_PODS, 200000);
  // No spurious duplicates from generated names.
  assert.deepEqual(a.findings.filter((f) => f.code === 'duplicate-object'), []);
});

test('generated pod names never collide and are always valid, even for long names and many replicas', () => {
  const long = 'a'.repeat(60) + '.' + 'b'.repeat(60);
  const docs = [
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${long}}\nspec:\n  replicas: 3000\n  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: x}}\n    spec: {containers: [{name: c}]}\n`,
    'apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web}\nspec:\n  replicas: 20000\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c}]}\n',
    'apiVersion: batch/v1\nkind: Job\nmetadata: {name: web}\nspec:\n  parallelism: 20000\n  template:\n    spec: {containers: [{name: c}]}\n',
  ];
  const cluster = 'apiVersion: podpath.dev/v1alpha1\nkind: Cluster\nmetadata: {name: big}\nspec:\n  clusterCIDR: 172.16.0.0/12\n  nodes:\n    - {name: n1, ip: 192.168.1.10, podCIDR: 172.16.0.0/16}\n';
  const a = analyzeSources([{ file: 'c.yaml', text: cluster }, { file: 'w.yaml', text: docs.join('---\n') }]);
  assert.deepEqual(a.findings.filter((f) => f.severity !== 'info').map((f) => f.code), []);
  assert.equal(a.cluster.pods.length, 43000);
  assert.equal(new Set(a.cluster.pods.map((p) => p.key)).size, 43000);
  const bad = a.cluster.pods.filter((p) => !isDns1123Subdomain(p.name));
  assert.deepEqual(bad.map((p) => p.name), []);
  assert.ok(a.cluster.pods.filter((p) => p.name.startsWith('a')).every((p) => p.name.length <= 63));
});

test('a written pod that has the name a replica would get keeps it; the replica gets another', () => {
  const base = 'apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c}]}\n';
  const first = analyzeSources([{ file: 'rs.yaml', text: base }]).cluster.pods.map((p) => p.name);
  const pod = `apiVersion: v1\nkind: Pod\nmetadata: {name: ${first[0]}}\nspec: {containers: [{name: c}]}\n`;
  const a = analyzeSources([{ file: 'rs.yaml', text: base }, { file: 'pod.yaml', text: pod }]);
  assert.deepEqual(a.findings.filter((f) => f.code === 'duplicate-object'), []);
  assert.equal(a.cluster.pods.length, 3);
  assert.equal(new Set(a.cluster.pods.map((p) => p.name)).size, 3);
});
