import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { parseManifestText } from '../../src/core/manifest/parse';
import { loadManifests } from '../../src/core/manifest/load';
import { Finding } from '../../src/core/common/finding';

const FIXTURES = path.resolve(__dirname, '..', '..', __dirname.includes(`${path.sep}out${path.sep}`) ? '..' : '', 'test', 'fixtures', 'manifests');
const fixture = (name: string) => ({ file: name, text: fs.readFileSync(path.join(FIXTURES, name), 'utf8') });

/** `code@line:column` of each finding, in order: compact and exact. */
function where(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.code}@${f.range ? `${f.range.start.line}:${f.range.start.column}` : '-'}`);
}

const POD = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n    - name: c\n      image: nginx\n`;

test('multi-document files yield one object per document, with 1-based line numbers per object', () => {
  const text = `${POD('a')}---\n${POD('b')}---\n# only a comment\n---\n${POD('c')}`;
  const parsed = parseManifestText('pods.yaml', text);
  assert.deepEqual(parsed.findings, []);
  assert.deepEqual(parsed.objects.map((o) => [(o.data.metadata as { name: string }).name, o.locator.range.start.line]), [['a', 1], ['b', 10], ['c', 21]]);
});

test('locator.at points at the exact value and keyAt at the key, both 1-based', () => {
  const parsed = parseManifestText('pod.yaml', POD('web'));
  const loc = parsed.objects[0].locator;
  assert.deepEqual(loc.at(['metadata', 'name']), { file: 'pod.yaml', start: { line: 4, column: 9 }, end: { line: 4, column: 12 } });
  assert.deepEqual(loc.keyAt(['metadata', 'name']).start, { line: 4, column: 3 });
  assert.deepEqual(loc.at(['spec', 'containers', 0, 'image']).start, { line: 8, column: 14 });
});

test('locator.at falls back to the nearest existing ancestor for a missing field', () => {
  const loc = parseManifestText('pod.yaml', POD('web')).objects[0].locator;
  assert.deepEqual(loc.at(['spec', 'nodeName']).start, { line: 6, column: 3 });
  assert.deepEqual(loc.at(['status', 'podIP']).start, { line: 1, column: 1 });
});

test('a key with no value is located at the key, not after the colon', () => {
  const r = loadManifests([{ file: 's.yaml', text: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n    - port:\n' }]);
  assert.deepEqual(where(r.findings), ['missing-field@7:7']);
});

test('kind: List (kubectl get -o yaml) yields its items, each located at its own line', () => {
  const text = `apiVersion: v1\nkind: List\nitems:\n- ${POD('a').trimEnd().split('\n').join('\n  ')}\n- ${POD('b').trimEnd().split('\n').join('\n  ')}\nmetadata:\n  resourceVersion: ""\n`;
  const parsed = parseManifestText('list.yaml', text);
  assert.deepEqual(parsed.findings, []);
  assert.deepEqual(parsed.objects.map((o) => [(o.data.metadata as { name: string }).name, o.locator.range.start.line, o.locator.range.start.column]), [['a', 4], ['b', 12]].map(([n, l]) => [n, l, 3]));
});

test('typed lists (PodList from the raw API) are unpacked like kind: List', () => {
  const text = `apiVersion: v1\nkind: PodList\nitems:\n  - {apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: [{name: c}]}}\n`;
  const r = loadManifests([{ file: 'l.yaml', text }]);
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.manifests.pods.map((p) => p.meta.name), ['a']);
});

test('a List with items: null is empty; items that are not a list is an invalid-type error at items', () => {
  assert.deepEqual(loadManifests([{ file: 'l.yaml', text: 'apiVersion: v1\nkind: List\nitems:\n' }]).findings, []);
  const r = loadManifests([{ file: 'l.yaml', text: 'apiVersion: v1\nkind: List\nitems: oops\n' }]);
  assert.deepEqual(where(r.findings), ['invalid-type@3:8']);
});

test('a real kubectl List dump fixture is read without a single finding', () => {
  const r = loadManifests([fixture('dump-list.yaml')]);
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.manifests.nodes.map((n) => [n.meta.name, n.internalIP, n.podCIDR]), [['k3s-server', '172.18.0.2', '10.42.0.0/24'], ['k3s-agent', '172.18.0.3', '10.42.1.0/24']]);
  assert.deepEqual(r.manifests.pods.map((p) => [p.meta.name, p.status.podIP, p.status.hostIP, p.spec.nodeName, p.status.ready]), [
    ['web-5d8f9c7b6d-4xk2p', '10.42.0.15', '172.18.0.2', 'k3s-server', true],
    ['web-5d8f9c7b6d-9qz7m', '10.42.1.23', '172.18.0.3', 'k3s-agent', false],
  ]);
  assert.equal(r.manifests.endpoints.length, 2);
});

test('a GitHub Actions workflow (with ${{ }} expressions) produces no findings', () => {
  const r = loadManifests([fixture('github-workflow.yaml')]);
  assert.deepEqual(r.findings, []);
  assert.equal(r.ignoredDocuments, 1);
});

test('a docker-compose file produces no findings', () => {
  const r = loadManifests([fixture('docker-compose.yaml')]);
  assert.deepEqual(r.findings, []);
  assert.equal(r.ignoredDocuments, 1);
});

test('a kustomization.yaml gets one kustomize info finding and is not read as objects; a kubeconfig is skipped without findings', () => {
  const kubeconfig = 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\ncurrent-context: ""\nusers: []\n';
  const r = loadManifests([fixture('kustomization.yaml'), { file: 'config', text: kubeconfig }]);
  assert.deepEqual(r.findings.map((f) => [f.code, f.severity, f.range?.file, f.range?.start.line, f.range?.start.column]), [['kustomize', 'info', 'kustomization.yaml', 1, 1]]);
  assert.match(r.findings[0].message, /kubectl kustomize/);
});

test('a Helm template gives exactly one info finding, at the first {{, and no objects', () => {
  const r = loadManifests([fixture('helm-deployment.yaml')]);
  assert.deepEqual(r.findings.map((f) => [f.code, f.severity, f.range!.start.line, f.range!.start.column]), [['helm-template', 'info', 4, 9]]);
  assert.equal(r.manifests.workloads.length, 0);
});

test('a Helm template whose only markers are quoted .Values references is still a template', () => {
  const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: "{{ .Release.Name }}-web"\nspec:\n  containers: [{name: c}]\n';
  const r = loadManifests([{ file: 't.yaml', text }]);
  assert.deepEqual(where(r.findings), ['helm-template@4:10']);
});

test('Go templates inside block scalars or non-Helm quoted strings (Alertmanager) do not make a file a template', () => {
  const r = loadManifests([fixture('alertmanager-configmap.yaml')]);
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.manifests.pods.map((p) => p.meta.name), ['alertmanager']);
});

test('a {{ in a whole-line comment does not make a file a template', () => {
  const r = loadManifests([{ file: 'c.yaml', text: `# rendered from {{ .Values.x }}\n${POD('a')}` }]);
  assert.deepEqual(r.findings, []);
  assert.equal(r.manifests.pods.length, 1);
});

test('YAML follows kubectl (YAML 1.1 via go-yaml v2): yes/on are booleans, merge keys merge, timestamps stay strings', () => {
  const text = [
    'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: a', '  creationTimestamp: 2024-05-01T10:00:00Z',
    'base: &base', '  hostNetwork: yes', 'spec:', '  <<: *base', '  containers: [{name: c}]', '',
  ].join('\n');
  const parsed = parseManifestText('p.yaml', text);
  assert.deepEqual(parsed.findings, []);
  const data = parsed.objects[0].data as { metadata: { creationTimestamp: unknown }; spec: { hostNetwork: unknown } };
  assert.equal(data.spec.hostNetwork, true);
  assert.equal(data.metadata.creationTimestamp, '2024-05-01T10:00:00Z');
  const r = loadManifests([{ file: 'p.yaml', text }]);
  assert.equal(r.manifests.pods[0].spec.hostNetwork, true);
});

test('an unquoted yes as a label value is a boolean, so it is reported as kubectl would reject it', () => {
  const r = loadManifests([{ file: 'p.yaml', text: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    canary: yes\nspec:\n  containers: [{name: c}]\n' }]);
  assert.deepEqual(where(r.findings), ['invalid-type@6:13']);
  assert.match(r.findings[0].message, /quote it/);
});

test('duplicate keys give a duplicate-key warning at the second key; the last value is used', () => {
  const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: first\n  name: second\nspec:\n  containers: [{name: c}]\n';
  const r = loadManifests([{ file: 'd.yaml', text }]);
  assert.deepEqual(where(r.findings), ['duplicate-key@5:3']);
  assert.match(r.findings[0].message, /^key "name" appears twice/);
  assert.deepEqual(r.manifests.pods.map((p) => p.meta.name), ['second']);
  // Locations follow the value that is used.
  assert.equal(r.manifests.pods[0].locator.at(['metadata', 'name']).start.line, 5);
});

test('tab indentation is a yaml-syntax error at the tab; the other documents are still read', () => {
  const text = `apiVersion: v1\nkind: Pod\nmetadata:\n\tname: a\n---\n${POD('b')}`;
  const r = loadManifests([{ file: 't.yaml', text }]);
  assert.equal(r.findings[0].code, 'yaml-syntax');
  assert.deepEqual(r.findings[0].range!.start, { line: 4, column: 1 });
  assert.match(r.findings[0].message, /Tabs/);
  assert.deepEqual(r.manifests.pods.map((p) => p.meta.name), ['b']);
});

test('half-typed YAML reports each problem at its field and still reads what is complete', () => {
  const r = loadManifests([fixture('half-typed.yaml')]);
  assert.deepEqual(where(r.findings), ['yaml-syntax@30:1', 'missing-field@9:7', 'invalid-type@23:26', 'invalid-type@29:9']);
  assert.deepEqual(r.manifests.services.map((s) => s.meta.name), ['web']);
  assert.deepEqual(r.manifests.pods.map((p) => p.meta.name), ['web']);
});

test('a bare scalar or list in a non-Kubernetes file is ignored quietly', () => {
  const r = loadManifests([{ file: 'a.yaml', text: 'just some text\n' }, { file: 'b.yaml', text: '- hosts: all\n  tasks: []\n' }]);
  assert.deepEqual(r.findings, []);
  assert.equal(r.ignoredDocuments, 2);
});

test('a bare scalar among Kubernetes documents, or a list of objects, is a not-an-object warning', () => {
  const r = loadManifests([
    { file: 'a.yaml', text: `${POD('a')}---\noops\n` },
    { file: 'b.yaml', text: `- ${POD('b').trimEnd().split('\n').join('\n  ')}\n` },
  ]);
  assert.deepEqual(where(r.findings), ['not-an-object@10:1', 'not-an-object@1:1']);
  assert.match(r.findings[1].message, /kind: List/);
});

test('binary garbage is one not-yaml warning at the first control character', () => {
  const bytes = Buffer.from([0x61, 0x3a, 0x20, 0x62, 0x0a, 0x00, 0x01, 0xff, 0xfe, 0x9c]);
  const r = loadManifests([{ file: 'x.bin', text: bytes.toString('utf8') }]);
  assert.deepEqual(where(r.findings), ['not-yaml@2:1']);
});

test('an object with kind but no apiVersion is a missing-field error; one with neither is ignored', () => {
  const r = loadManifests([{ file: 'a.yaml', text: 'kind: Pod\nmetadata:\n  name: a\n---\nfoo: bar\n' }]);
  assert.deepEqual(where(r.findings), ['missing-field@1:1']);
  assert.match(r.findings[0].message, /no apiVersion/);
  assert.equal(r.ignoredDocuments, 1);
});

test('unknown kinds are an info finding at the kind value; known non-network kinds are quiet', () => {
  const r = loadManifests([{ file: 'a.yaml', text: 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n' }]);
  assert.deepEqual(r.findings.map((f) => [f.code, f.severity, f.range!.start.line, f.range!.start.column]), [['unknown-kind', 'info', 2, 7]]);
});

test('a Kubernetes kind name under another API group is a custom resource, not read as the built-in', () => {
  const knative = 'apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: hello\nspec:\n  template:\n    spec:\n      containers: [{image: x}]\n';
  const r = loadManifests([{ file: 'k.yaml', text: knative }]);
  assert.deepEqual(where(r.findings), ['unknown-kind@1:13']);
  assert.equal(r.manifests.services.length, 0);
});

test('a removed apiVersion of the right group (extensions/v1beta1 Deployment) warns at apiVersion and is still read', () => {
  const text = 'apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: c}]\n';
  const r = loadManifests([{ file: 'd.yaml', text }]);
  assert.deepEqual(where(r.findings), ['wrong-api-version@1:13']);
  assert.match(r.findings[0].message, /apps\/v1/);
  assert.equal(r.manifests.workloads.length, 1);
});

test('a PodPath document with an unknown kind or version is reported at that field', () => {
  const r = loadManifests([{ file: 'c.yaml', text: 'apiVersion: podpath.dev/v1alpha1\nkind: Clustr\n---\napiVersion: podpath.dev/v2\nkind: Cluster\n' }]);
  assert.deepEqual(where(r.findings), ['unknown-kind@2:7', 'wrong-api-version@4:13']);
});

test('empty files, whitespace-only files and lone document markers give nothing at all', () => {
  const r = loadManifests([{ file: 'a.yaml', text: '' }, { file: 'b.yaml', text: '\n\n   \n' }, { file: 'c.yaml', text: '---\n---\n...\n' }]);
  assert.deepEqual(r.findings, []);
  assert.equal(r.manifests.files.length, 3);
});

test('a byte-order mark and CRLF line endings do not shift locations', () => {
  const text = '\ufeff' + POD('a').replace(/\n/g, '\r\n');
  const r = loadManifests([{ file: 'w.yaml', text }]);
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.manifests.pods[0].locator.at(['metadata', 'name']).start, { line: 4, column: 9 });
});

test('warnings in non-Kubernetes YAML (CloudFormation !Ref tags, duplicate keys) are not reported', () => {
  const cfn = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref Name\n      BucketName: !Sub "${AWS::StackName}-b"\n';
  const r = loadManifests([{ file: 'template.yaml', text: cfn }]);
  assert.deepEqual(r.findings, []);
  assert.equal(r.ignoredDocuments, 1);
});

test('an unknown tag in a Kubernetes document is a yaml-warning at the tag', () => {
  const r = loadManifests([{ file: 'p.yaml', text: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: !Ref a\nspec: {containers: [{name: c}]}\n' }]);
  assert.deepEqual(where(r.findings), ['yaml-warning@4:9']);
});
