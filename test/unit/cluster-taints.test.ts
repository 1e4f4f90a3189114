import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeInfo } from '../../src/core/cluster/model';
import { daemonSetTolerations, fitsTaints, tolerates } from '../../src/core/cluster/taints';
import { builtinLocator } from '../../src/core/common/source';
import { TolerationSpec } from '../../src/core/manifest/types';
import { build, where } from '../support/manifests';

// Taints and tolerations as the scheduler and the DaemonSet controller apply them
// (kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/).

/** A kubeadm cluster: cp carries the control-plane taint; w1 and w2 are workers. */
const KUBEADM = [
  'apiVersion: podpath.dev/v1alpha1', 'kind: Cluster', 'metadata: {name: kubeadm}', 'spec:', '  nodes:',
  '    - {name: cp, ip: 192.168.0.10, taints: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]}',
  '    - {name: w1, ip: 192.168.0.11}',
  '    - {name: w2, ip: 192.168.0.12}',
  '',
].join('\n');

const workload = (kind: string, name: string, podSpec: string, extraSpec = '') =>
  `apiVersion: apps/v1\nkind: ${kind}\nmetadata: {name: ${name}}\nspec:\n${extraSpec}  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec:\n${podSpec}      containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]\n`;

const nodesOf = (cluster: ReturnType<typeof build>['cluster'], owner: string) => cluster.pods.filter((p) => p.owner.name === owner).map((p) => p.node).sort();

const tol = (t: Partial<TolerationSpec>): TolerationSpec => ({ operator: 'Equal', path: [], ...t });
const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' as const };

test('toleration matching: Equal needs key and value, Exists any value, an empty key with Exists tolerates everything, effects must agree', () => {
  assert.ok(tolerates(tol({ key: 'dedicated', value: 'gpu' }), taint));
  assert.ok(!tolerates(tol({ key: 'dedicated', value: 'cpu' }), taint));
  assert.ok(!tolerates(tol({ key: 'dedicated' }), taint), 'Equal with no value matches only an empty value');
  assert.ok(tolerates(tol({ key: 'dedicated', operator: 'Exists' }), taint));
  assert.ok(!tolerates(tol({ key: 'other', operator: 'Exists' }), taint));
  assert.ok(tolerates(tol({ operator: 'Exists' }), taint), 'empty key + Exists');
  assert.ok(tolerates(tol({ operator: 'Exists' }), { key: 'x', effect: 'NoExecute' }));
  assert.ok(tolerates(tol({ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }), taint));
  assert.ok(!tolerates(tol({ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }), taint), 'the effect must agree when given');
  assert.ok(!tolerates(tol({ operator: 'Exists', effect: 'NoExecute' }), taint));
});

test('the DaemonSet controller\'s own tolerations: not-ready, unreachable, pressures, unschedulable; network-unavailable only for hostNetwork; never the control-plane taint', () => {
  const keys = (h: boolean) => daemonSetTolerations(h).map((t) => `${t.key}:${t.effect}`);
  assert.deepEqual(keys(false), [
    'node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute',
    'node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule',
    'node.kubernetes.io/unschedulable:NoSchedule',
  ]);
  assert.deepEqual(keys(true), [...keys(false), 'node.kubernetes.io/network-unavailable:NoSchedule']);
  const node = (key: string): NodeInfo => ({ name: 'n', ip: '10.0.0.1', podCIDR: { base: 0, prefix: 24, text: '' }, subnet: { base: 0, prefix: 24, text: '' }, labels: {}, unschedulable: false, taints: [{ key, effect: 'NoSchedule', locator: builtinLocator('t'), path: [] }], index: 0, locator: builtinLocator('t'), path: [] });
  assert.ok(!fitsTaints(node('node.kubernetes.io/network-unavailable'), daemonSetTolerations(false)));
  assert.ok(fitsTaints(node('node.kubernetes.io/network-unavailable'), daemonSetTolerations(true)));
  assert.ok(!fitsTaints(node('node-role.kubernetes.io/control-plane'), daemonSetTolerations(true)));
});

test('kubeadm control plane: a DaemonSet and a Deployment stay off the tainted node unless they tolerate it', () => {
  const { cluster } = build(KUBEADM,
    workload('DaemonSet', 'agent', ''),
    workload('Deployment', 'api', '', '  replicas: 6\n'),
    workload('DaemonSet', 'cni', '      tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}]\n'),
    workload('Deployment', 'everywhere', '      tolerations: [{operator: Exists}]\n', '  replicas: 6\n'));
  assert.deepEqual(nodesOf(cluster, 'agent'), ['w1', 'w2']);
  assert.ok(nodesOf(cluster, 'api').every((n) => n !== 'cp'));
  assert.equal(nodesOf(cluster, 'api').length, 6);
  assert.deepEqual(nodesOf(cluster, 'cni'), ['cp', 'w1', 'w2']);
  assert.ok(nodesOf(cluster, 'everywhere').includes('cp'), 'an empty key with Exists tolerates the control-plane taint');
  assert.deepEqual(cluster.findings.filter((f) => f.code === 'untolerated-taint'), [], 'running on the workers only is not a problem');
});

test('Node objects from a dump carry spec.taints; Equal needs the value; NoExecute keeps pods out like NoSchedule', () => {
  const dump = [
    'apiVersion: v1', 'kind: Node', 'metadata: {name: gpu-1}',
    'spec:', '  taints: [{key: dedicated, value: gpu, effect: NoExecute}]',
    'status: {addresses: [{type: InternalIP, address: 10.1.0.5}]}',
    '---', 'apiVersion: v1', 'kind: Node', 'metadata: {name: gen-1}', 'status: {addresses: [{type: InternalIP, address: 10.1.0.6}]}', '',
  ].join('\n');
  const { cluster } = build(dump,
    workload('Deployment', 'plain', '', '  replicas: 4\n'),
    workload('Deployment', 'wrongvalue', '      tolerations: [{key: dedicated, operator: Equal, value: cpu}]\n', '  replicas: 4\n'),
    workload('Deployment', 'gpu', '      nodeSelector: {kubernetes.io/hostname: gpu-1}\n      tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoExecute}]\n', '  replicas: 2\n'));
  assert.deepEqual(cluster.nodesByName.get('gpu-1')!.taints?.map((t) => [t.key, t.value, t.effect]), [['dedicated', 'gpu', 'NoExecute']]);
  assert.deepEqual([...new Set(nodesOf(cluster, 'plain'))], ['gen-1']);
  assert.deepEqual([...new Set(nodesOf(cluster, 'wrongvalue'))], ['gen-1']);
  assert.deepEqual(nodesOf(cluster, 'gpu'), ['gpu-1', 'gpu-1']);
});

test('a workload that fits no node because of taints: one finding naming each node\'s taint, pointing at the taints', () => {
  const doc = KUBEADM.replace('    - {name: w1, ip: 192.168.0.11}\n    - {name: w2, ip: 192.168.0.12}\n', '    - {name: w1, ip: 192.168.0.11, taints: [{key: dedicated, value: db, effect: NoSchedule}]}\n');
  const { cluster } = build(doc, workload('Deployment', 'api', '', '  replicas: 3\n'), workload('DaemonSet', 'agent', ''));
  assert.deepEqual(nodesOf(cluster, 'api'), []);
  assert.deepEqual(nodesOf(cluster, 'agent'), []);
  const found = cluster.findings.filter((f) => f.code === 'untolerated-taint');
  assert.equal(found.length, 2);
  const dep = found.find((f) => f.message.startsWith('Deployment'))!;
  assert.match(dep.message, /cp \(node-role\.kubernetes\.io\/control-plane:NoSchedule\), w1 \(dedicated=db:NoSchedule\)/);
  assert.deepEqual(dep.related?.map((r) => `${r.range.file}:${r.range.start.line}`), ['f0.yaml:6', 'f0.yaml:7']);
  const ds = found.find((f) => f.message.startsWith('DaemonSet'))!;
  assert.match(ds.message, /DaemonSet default\/agent runs on no node/);
  assert.deepEqual(where([ds]), ['untolerated-taint@f2.yaml:9:19'], 'at the template\'s containers (it has no tolerations)');
});

test('PreferNoSchedule is a preference: untainted nodes first, the tainted one only when nothing else fits', () => {
  const doc = KUBEADM.replace('{name: cp, ip: 192.168.0.10, taints: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]}', '{name: cp, ip: 192.168.0.10, taints: [{key: spare, effect: PreferNoSchedule}]}');
  const { cluster } = build(doc, workload('Deployment', 'api', '', '  replicas: 8\n'), workload('Deployment', 'pinned', '      nodeSelector: {kubernetes.io/hostname: cp}\n', '  replicas: 2\n'));
  assert.ok(nodesOf(cluster, 'api').every((n) => n !== 'cp'));
  assert.deepEqual(nodesOf(cluster, 'pinned'), ['cp', 'cp'], 'with only the tainted node left, it is used');
  assert.deepEqual(cluster.findings.filter((f) => f.code === 'untolerated-taint'), []);
});

test('spec.unschedulable: cordoned nodes get no new pods unless the pod tolerates node.kubernetes.io/unschedulable; DaemonSets still run there', () => {
  const cordon = `${KUBEADM}---\napiVersion: v1\nkind: Node\nmetadata: {name: w2}\nspec: {unschedulable: true}\n`;
  const { cluster } = build(cordon,
    workload('Deployment', 'api', '', '  replicas: 4\n'),
    workload('Deployment', 'tolerant', '      tolerations: [{key: node.kubernetes.io/unschedulable, operator: Exists, effect: NoSchedule}]\n', '  replicas: 8\n'),
    workload('DaemonSet', 'agent', ''));
  assert.deepEqual([...new Set(nodesOf(cluster, 'api'))], ['w1']);
  assert.ok(nodesOf(cluster, 'tolerant').includes('w2'));
  assert.deepEqual(nodesOf(cluster, 'agent'), ['w1', 'w2']);
});

test('spec.nodeName bypasses NoSchedule but not NoExecute (the pod is evicted, with a finding)', () => {
  const doc = KUBEADM.replace('{name: w2, ip: 192.168.0.12}', '{name: w2, ip: 192.168.0.12, taints: [{key: maintenance, effect: NoExecute}]}');
  const pod = (name: string, node: string, extra = '') => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  nodeName: ${node}\n${extra}  containers: [{name: c, image: x}]\n`;
  const { cluster } = build(doc, pod('on-cp', 'cp'), pod('on-w2', 'w2'), pod('tolerant', 'w2', '  tolerations: [{key: maintenance, operator: Exists, effect: NoExecute, tolerationSeconds: 60}]\n'));
  assert.deepEqual(cluster.pods.map((p) => `${p.name}@${p.node}`).sort(), ['on-cp@cp', 'tolerant@w2']);
  const f = cluster.findings.find((x) => x.code === 'untolerated-taint')!;
  assert.match(f.message, /pod default\/on-w2 is bound to node w2, whose taint maintenance:NoExecute it does not tolerate/);
  assert.deepEqual(where([f]), ['untolerated-taint@f2.yaml:5:13']);
});

test('invalid taints and tolerations are reported where they are written and left out', () => {
  const doc = KUBEADM.replace('{name: w2, ip: 192.168.0.12}', '{name: w2, ip: 192.168.0.12, taints: [{key: a, effect: Sometimes}, {effect: NoSchedule}]}');
  const { load, cluster } = build(doc, workload('Deployment', 'api', '      tolerations: [{key: a, operator: Exists, value: x}, {operator: Equal, value: v}, {key: b, effect: Never}]\n', '  replicas: 2\n'));
  // The unknown effect at its value, the taint without a key at its mapping; then the Exists
  // toleration with a value, the empty key with Equal (at its operator), the unknown effect.
  assert.deepEqual(where(load.findings), ['invalid-value@f0.yaml:8:62', 'missing-field@f0.yaml:8:74', 'invalid-value@f1.yaml:10:55', 'invalid-value@f1.yaml:10:70', 'invalid-value@f1.yaml:10:105']);
  assert.equal(cluster.nodesByName.get('w2')!.taints, undefined, 'no valid taint on w2');
  assert.equal(cluster.pods.filter((p) => p.owner.name === 'api').length, 2);
});
