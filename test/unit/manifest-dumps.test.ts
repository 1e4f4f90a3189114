import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { analyzeSources, Analysis } from '../../src/core/analyze';
import { readSources } from '../../src/cli/files';
import { Finding } from '../../src/core/common/finding';
import { loadManifests } from '../../src/core/manifest/load';
import { runCli } from '../../src/cli/main';
import * as os from 'os';
import { REPO_ROOT } from '../support/analyze';

/** Dumps as `kubectl get -o yaml|json` and the raw API print them: List, *List, YAML, JSON, with and without status. */
const DUMPS = path.join('test', 'fixtures', 'dumps');

function analyzeDump(folder: string): Analysis {
  const r = readSources([path.join(DUMPS, folder)], REPO_ROOT);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.findings, []);
  return analyzeSources(r.sources);
}

function where(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.code}@${f.range ? `${path.basename(f.range.file)}:${f.range.start.line}:${f.range.start.column}` : '-'}`);
}

test('a dump with status (NodeList, NamespaceList JSON, List, PodList JSON, ServiceList, NetworkPolicyList) is read object by object', () => {
  const a = analyzeDump('with-status');
  const c = a.cluster;
  // package.json in the folder is read and left alone without a word.
  assert.ok(a.load.manifests.files.some((f) => f.endsWith('package.json')));
  assert.equal(a.load.kubernetesObjects, 12);
  assert.deepEqual(c.nodes.map((n) => [n.name, n.ip, n.podCIDR.text]), [['node-a', '192.168.10.11', '10.244.1.0/24'], ['node-b', '192.168.10.12', '10.244.2.0/24']]);
  assert.deepEqual(c.namespaces.get('shop')?.labels, { team: 'shop', 'kubernetes.io/metadata.name': 'shop' });
  // PodList items carry no kind; their addresses, nodes and owners come from the dump.
  assert.deepEqual(c.pods.map((p) => [p.key, p.node, p.ip, p.ipSource, `${p.owner.kind}/${p.owner.name}`]), [
    ['shop/db-0', 'node-b', '10.244.2.9', 'status', 'StatefulSet/db'],
    ['shop/web-7d4b9c-abcde', 'node-a', '10.244.1.5', 'status', 'ReplicaSet/web-7d4b9c'],
    ['shop/web-7d4b9c-fghij', 'node-b', '10.244.2.7', 'status', 'ReplicaSet/web-7d4b9c'],
  ]);
  // Locations point into the JSON file: the first item's metadata starts on line 6.
  const web = c.pods.find((p) => p.name === 'web-7d4b9c-abcde')!;
  assert.deepEqual([path.basename(web.locator.range.file), web.locator.range.start.line], ['pods.json', 6]);
  assert.deepEqual(web.locator.at(['status', 'podIP']).start, { line: 17, column: 47 });
  // Owners without kind (by uid and by name) still group the pods; the workloads that ran them are not expanded again.
  assert.deepEqual(c.workloads.map((w) => [w.kind, w.key, w.pods]), [
    ['Deployment', 'shop/web', ['shop/web-7d4b9c-abcde', 'shop/web-7d4b9c-fghij']],
    ['ReplicaSet', 'shop/web-7d4b9c', ['shop/web-7d4b9c-abcde', 'shop/web-7d4b9c-fghij']],
    ['StatefulSet', 'shop/db', ['shop/db-0']],
  ]);
  assert.deepEqual(c.services.map((s) => [s.key, s.clusterIP ?? null, s.headless, s.ports.map((p) => `${p.port}->${p.endpoints.map((e) => `${e.ip}:${e.port}`).join(',')}`)]), [
    ['shop/db', null, true, ['5432->10.244.2.9:5432']],
    ['shop/web', '10.96.0.10', false, ['80->10.244.1.5:8080,10.244.2.7:8080']],
  ]);
  assert.deepEqual(c.policies.map((p) => `${p.meta.namespace}/${p.meta.name}`), ['shop/db-from-web']);
  // The only finding: no Cluster document, and flannel (the default CNI) does not enforce the policy.
  assert.deepEqual(where(a.findings), ['no-cluster-document@policies.yaml:4:22']);
});

test('a dump without status: PodList YAML, NetworkPolicyList and List JSON in the default namespace, an ipBlock over assumed pod IPs, an unknown *List, JSONC left alone', () => {
  const a = analyzeDump('without-status');
  const c = a.cluster;
  assert.equal(a.load.kubernetesObjects, 5);
  assert.deepEqual(c.pods.map((p) => [p.key, p.ipSource]), [['default/api', 'allocated'], ['default/client', 'allocated']]);
  const api = c.pods.find((p) => p.name === 'api')!;
  assert.deepEqual(c.services.map((s) => [s.key, s.ports.map((p) => p.endpoints.map((e) => `${e.ip}:${e.port}`))]), [['default/api', [[`${api.ip}:8080`]]]]);
  assert.equal(path.basename(c.services[0].locator.range.file), 'services.json');
  assert.deepEqual(c.policies.map((p) => [`${p.meta.namespace}/${p.meta.name}`, p.ingress?.[0].peers?.[0].ipBlock?.cidr]), [['default/api-from-pods', '10.244.0.0/16']]);
  assert.deepEqual(where(a.findings), ['unknown-kind@crds.yaml:2:7', 'no-cluster-document@policies.json:6:28', 'ipblock-on-assumed-pod-ips@policies.json:9:52']);
  const ipBlock = a.findings.find((f) => f.code === 'ipblock-on-assumed-pod-ips')!;
  assert.match(ipBlock.message, /10\.244\.0\.0\/16 overlaps the pod range 10\.244\.1\.0\/24, 10\.244\.2\.0\/24.*matches 2 of those 2 assumed addresses/);
  // tsconfig.json (with comments, not JSON) gave no finding.
  assert.ok(!a.findings.some((f) => f.range?.file.endsWith('tsconfig.json')));
});

test('the same objects read the same from YAML and from JSON: locations differ, objects and findings do not', () => {
  const yaml = 'apiVersion: v1\nkind: PodList\nitems:\n  - metadata: {name: a, namespace: ns1}\n    spec: {containers: [{name: c, ports: [{containerPort: 70000}]}]}\n';
  const json = JSON.stringify({ apiVersion: 'v1', kind: 'PodList', items: [{ metadata: { name: 'a', namespace: 'ns1' }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 70000 }] }] } }] }, null, 2);
  const y = loadManifests([{ file: 'a.yaml', text: yaml }]);
  const j = loadManifests([{ file: 'a.json', text: json }]);
  const strip = (r: typeof y) => r.manifests.pods.map((p) => ({ ...p, locator: undefined }));
  assert.deepEqual(strip(j), strip(y));
  assert.deepEqual(j.findings.map((f) => [f.code, f.message]), y.findings.map((f) => [f.code, f.message]));
  assert.deepEqual(where(y.findings), ['invalid-value@a.yaml:5:59']);
  // In the JSON the containerPort value sits on line 16 after 16 spaces and `"containerPort": `.
  assert.deepEqual(where(j.findings), ['invalid-value@a.json:16:34']);
  assert.equal(json.split('\n')[15].indexOf('70000') + 1, 34);
});

test('each typed list names its items: PodList, ServiceList, NamespaceList, NodeList, EndpointSliceList, DeploymentList, NetworkPolicyList', () => {
  const list = (apiVersion: string, kind: string, item: string) => `apiVersion: ${apiVersion}\nkind: ${kind}\nitems:\n  - ${item}\n`;
  const r = loadManifests([
    { file: 'l.yaml', text: [
      list('v1', 'PodList', '{metadata: {name: p}, spec: {containers: [{name: c}]}}'),
      list('v1', 'ServiceList', '{metadata: {name: s}, spec: {ports: [{port: 80}]}}'),
      list('v1', 'NamespaceList', '{metadata: {name: ns1}}'),
      list('v1', 'NodeList', '{metadata: {name: n1}}'),
      list('discovery.k8s.io/v1', 'EndpointSliceList', '{metadata: {name: s-abc, labels: {kubernetes.io/service-name: s}}, addressType: IPv4, endpoints: [{addresses: [10.244.1.9]}], ports: [{port: 80}]}'),
      list('apps/v1', 'DeploymentList', '{metadata: {name: d}, spec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c}]}}}}'),
      list('networking.k8s.io/v1', 'NetworkPolicyList', '{metadata: {name: np}, spec: {podSelector: {}}}'),
      list('v1', 'ConfigMapList', '{metadata: {name: cm}, data: {a: b}}'),
    ].join('---\n') },
  ]);
  assert.deepEqual(r.findings, []);
  const m = r.manifests;
  assert.deepEqual([m.pods, m.services, m.namespaces, m.nodes, m.endpoints, m.workloads, m.policies].map((l) => l.map((o) => `${o.kind}/${o.meta.name}`)), [
    ['Pod/p'], ['Service/s'], ['Namespace/ns1'], ['Node/n1'], ['EndpointSlice/s-abc'], ['Deployment/d'], ['NetworkPolicy/np'],
  ]);
  assert.equal(r.kubernetesObjects, 8);
});

test('a typed list of a removed or foreign group is read as its items would be: DeploymentList in extensions/v1beta1 warns once per item', () => {
  const r = loadManifests([{ file: 'l.yaml', text: 'apiVersion: extensions/v1beta1\nkind: DeploymentList\nitems:\n  - {metadata: {name: d}, spec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c}]}}}}\n' }]);
  assert.deepEqual(r.findings.map((f) => f.code), ['wrong-api-version']);
  assert.equal(r.manifests.workloads.length, 1);
});

test('an unknown FooList is one unknown-kind at its kind, its items are not read, and it counts as a Kubernetes object', () => {
  const r = loadManifests([{ file: 'f.yaml', text: 'apiVersion: example.com/v1\nkind: FooList\nitems:\n  - {metadata: {name: a}}\n  - {metadata: {name: b}}\n' }]);
  assert.deepEqual(where(r.findings), ['unknown-kind@f.yaml:2:7']);
  assert.match(r.findings[0].message, /FooList \(example\.com\/v1\) is a list of Foo/);
  assert.equal(r.kubernetesObjects, 1);
});

test('JSON that is not a Kubernetes object is left alone silently; Kubernetes JSON with a syntax error is reported', () => {
  const quiet = loadManifests([
    { file: 'package.json', text: '{"name": "x", "scripts": {"test": "node --test"}}' },
    { file: 'tsconfig.json', text: '{\n  // comment\n  "compilerOptions": {},\n}\n' },
    { file: 'list.json', text: '[1, 2, 3]' },
  ]);
  assert.deepEqual(quiet.findings, []);
  assert.equal(quiet.kubernetesObjects, 0);
  const broken = loadManifests([{ file: 'pod.json', text: '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}, "spec": {"containers": [{"name": "c"}]},, }' }]);
  assert.ok(broken.findings.some((f) => f.code === 'yaml-syntax' && f.range?.file === 'pod.json'));
});

test('no Kubernetes object at all: kubernetesObjects is 0 for YAML that is not Kubernetes, tool files and PodPath Cluster documents', () => {
  const r = loadManifests([
    { file: 'ci.yaml', text: 'on: push\njobs: {}\n' },
    { file: 'kubeconfig', text: 'apiVersion: v1\nkind: Config\nclusters: []\n' },
    { file: 'cluster.yaml', text: 'apiVersion: podpath.dev/v1alpha1\nkind: Cluster\nmetadata: {name: c}\nspec: {}\n' },
  ]);
  assert.equal(r.kubernetesObjects, 0);
  assert.equal(loadManifests([{ file: 'cm.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' }]).kubernetesObjects, 1);
});

test('defaultNamespace places objects without a namespace, as kubectl apply -n does; written namespaces win; an invalid one is reported', () => {
  const text = 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: other}\nspec: {containers: [{name: c}]}\n';
  const r = loadManifests([{ file: 'p.yaml', text }], { defaultNamespace: 'argocd' });
  assert.deepEqual(r.manifests.pods.map((p) => `${p.meta.namespace}/${p.meta.name}`), ['argocd/a', 'other/b']);
  assert.deepEqual(r.findings, []);
  const a = analyzeSources([{ file: 'p.yaml', text }], { defaultNamespace: 'argocd' });
  assert.deepEqual(a.cluster.pods.map((p) => p.key), ['argocd/a', 'other/b']);
  const bad = loadManifests([{ file: 'p.yaml', text }], { defaultNamespace: 'Bad_NS' });
  assert.deepEqual(bad.manifests.pods.map((p) => p.meta.namespace), ['default', 'other']);
  assert.deepEqual(bad.findings.map((f) => f.code), ['invalid-name']);
});

test('a file ending in a lone CR parses, and lone CRs elsewhere are line breaks', () => {
  const r = loadManifests([{ file: 'cr.yaml', text: 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}]}\r' }]);
  assert.deepEqual(r.findings, []);
  assert.equal(r.manifests.pods.length, 1);
  const mac = loadManifests([{ file: 'mac.yaml', text: 'apiVersion: v1\rkind: Pod\rmetadata:\r  name: b\rspec: {containers: [{name: c, ports: [{containerPort: 0}]}]}\r' }]);
  assert.deepEqual(where(mac.findings), ['invalid-value@mac.yaml:5:55']);
});

test('a kustomize tree: one kustomize finding on the kustomization; the patches it names are not read (no missing-field); its resources are', () => {
  const r = loadManifests([
    { file: 'base/kustomization.yaml', text: 'resources: [deployment.yaml]\n' },
    { file: 'base/deployment.yaml', text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c}]}\n' },
    { file: 'overlays/prod/kustomization.yaml', text: 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../../base]\ncomponents: [../../components/probes]\npatches:\n  - path: replicas.yaml\n  - patch: |-\n      - op: replace\n        path: /spec/replicas\n        value: 3\n    target: {kind: Deployment}\npatchesStrategicMerge: [./drop-sidecar.yaml]\n' },
    { file: 'overlays/prod/replicas.yaml', text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n' },
    { file: 'overlays/prod/drop-sidecar.yaml', text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: sidecar\n          $patch: delete\n' },
    { file: 'components/probes/kustomization.yaml', text: 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches: [{path: probe.yaml}]\n' },
    { file: 'components/probes/probe.yaml', text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: c, readinessProbe: {tcpSocket: {port: 80}}}]\n' },
  ]);
  assert.deepEqual(where(r.findings), ['kustomize@kustomization.yaml:1:1', 'kustomize@kustomization.yaml:1:1', 'kustomize@kustomization.yaml:1:1']);
  assert.deepEqual(r.findings.map((f) => f.range?.file), ['base/kustomization.yaml', 'overlays/prod/kustomization.yaml', 'components/probes/kustomization.yaml']);
  assert.ok(r.findings.every((f) => f.severity === 'info' && /kubectl kustomize/.test(f.message)));
  assert.deepEqual(r.manifests.workloads.map((w) => w.meta.name), ['web']);
});

test('a $patch fragment no kustomization names still gets the one kustomize finding instead of missing-field errors', () => {
  const r = loadManifests([{ file: 'patch.yaml', text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: sidecar\n          $patch: delete\n' }]);
  assert.deepEqual(where(r.findings), ['kustomize@patch.yaml:1:1']);
  assert.equal(r.manifests.workloads.length, 0);
});

test('the dump fixtures exist in every form the test above relies on', () => {
  const files = ['with-status', 'without-status'].flatMap((d) => fs.readdirSync(path.join(REPO_ROOT, DUMPS, d)).map((f) => `${d}/${f}`)).sort();
  assert.ok(files.some((f) => f.endsWith('.json')) && files.some((f) => f.endsWith('.yaml')));
});

test('check on paths that hold no Kubernetes object is an error with exit 1; trace says which files it read', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-empty-'));
  try {
    fs.writeFileSync(path.join(root, 'package.json'), '{"name": "x"}');
    fs.writeFileSync(path.join(root, 'ci.yaml'), 'on: push\n');
    const check = runCli(['check', '.'], root);
    assert.equal(check.code, 1);
    assert.equal(check.stderr, 'podpath check: no Kubernetes object found in the 2 file(s) read: "ci.yaml", "package.json"\n');
    const json = runCli(['check', '.', '--format', 'json'], root);
    assert.equal(json.code, 1);
    const trace = runCli(['trace', '.', '--from', 'a', '--to', 'b'], root);
    assert.equal(trace.code, 2);
    assert.match(trace.stderr, /^podpath trace: no Kubernetes object found in the 2 file\(s\) read: "ci.yaml", "package.json"\n/);
    // One ConfigMap is a Kubernetes object: nothing to model, but not an empty input.
    fs.writeFileSync(path.join(root, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
    const some = runCli(['check', '.'], root);
    assert.equal(some.code, 0, some.stderr);
    assert.equal(some.stderr, '');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('ownerReferences without kind: the owner is found by uid, then by name; an owner not in the dump is guessed from the pod name', () => {
  const rs = 'apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web-1, uid: u-rs}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c}]}\n';
  const pod = (name: string, owner: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, labels: {app: web}, ownerReferences: [${owner}]}\nspec: {containers: [{name: c}]}\n`;
  const a = analyzeSources([{ file: 'd.yaml', text: [rs, pod('web-1-a', '{uid: u-rs, name: web-1}'), pod('web-1-b', '{name: web-1}'), pod('db-0', '{name: db}'), pod('job-x', '{name: job}')].join('---\n') }]);
  assert.deepEqual(a.cluster.pods.map((p) => [p.name, `${p.owner.kind}/${p.owner.name}`]), [
    ['db-0', 'StatefulSet/db'], ['job-x', 'ReplicaSet/job'], ['web-1-a', 'ReplicaSet/web-1'], ['web-1-b', 'ReplicaSet/web-1'],
  ]);
  // The ReplicaSet ran its pods: its template is not expanded again.
  assert.deepEqual(a.cluster.workloads.map((w) => [w.key, w.pods]), [['default/web-1', ['default/web-1-a', 'default/web-1-b']]]);
});

test('a StatefulSet whose pod names would be longer than a label value allows gets no pods, with a finding', () => {
  const name = 's'.repeat(62);
  const a = analyzeSources([{ file: 's.yaml', text: `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: ${name}}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: s}}\n  template:\n    metadata: {labels: {app: s}}\n    spec: {containers: [{name: c}]}\n` }]);
  assert.deepEqual(a.cluster.pods, []);
  assert.deepEqual(a.findings.map((f) => [f.code, f.range?.start.line, f.range?.start.column]), [['invalid-name', 3, 18]]);
});
