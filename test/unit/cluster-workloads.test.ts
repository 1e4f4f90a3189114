import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { cidrContains } from '../../src/core/common/ip';
import { FIXTURES, build, where } from '../support/manifests';

/** Three nodes: a and c have disk=ssd; c is cordoned by its Node object. */
const THREE_NODES = [
  'apiVersion: podpath.dev/v1alpha1', 'kind: Cluster', 'metadata: {name: lab}', 'spec:', '  nodes:',
  '    - {name: a, ip: 192.168.0.10, labels: {disk: ssd}}', '    - {name: b, ip: 192.168.0.11}', '    - {name: c, ip: 192.168.0.12, labels: {disk: ssd}}',
  '---', 'apiVersion: v1', 'kind: Node', 'metadata: {name: c}', 'spec: {unschedulable: true}', '',
].join('\n');

const workload = (kind: string, name: string, spec: string, extraSpec = '', api = 'apps/v1') =>
  `apiVersion: ${api}\nkind: ${kind}\nmetadata: {name: ${name}}\nspec:\n${extraSpec}  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec:\n${spec}`;
const CONTAINERS = '      containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]\n';

const SUFFIX = '[bcdfghjklmnpqrstvwxz2456789]';

test('a StatefulSet expands to <name>-0 … <name>-(n-1), each labelled with its pod name and index', () => {
  const { cluster } = build(THREE_NODES, workload('StatefulSet', 'web', CONTAINERS, '  replicas: 3\n'));
  const pods = cluster.pods.filter((p) => p.owner.kind === 'StatefulSet');
  assert.deepEqual(pods.map((p) => p.name), ['web-0', 'web-1', 'web-2']);
  assert.deepEqual(pods.map((p) => [p.labels['statefulset.kubernetes.io/pod-name'], p.labels['apps.kubernetes.io/pod-index'], p.labels.app]), [['web-0', '0', 'web'], ['web-1', '1', 'web'], ['web-2', '2', 'web']]);
  assert.deepEqual(cluster.workloadsByKey.get('default/web')!.pods, ['default/web-0', 'default/web-1', 'default/web-2']);
});

test('a StatefulSet with spec.ordinals.start: 3 names its pods from <name>-3', () => {
  const { cluster } = build(workload('StatefulSet', 'db', CONTAINERS, '  replicas: 2\n  ordinals: {start: 3}\n'));
  assert.deepEqual(cluster.pods.map((p) => p.name), ['db-3', 'db-4']);
});

test('a Deployment expands to <name>-<10-char pod-template-hash>-<5 chars>, labelled pod-template-hash', () => {
  const { cluster } = build(workload('Deployment', 'api', CONTAINERS, '  replicas: 4\n'));
  assert.equal(cluster.pods.length, 4);
  const re = new RegExp(`^api-(${SUFFIX}{10})-${SUFFIX}{5}$`);
  const hashes = new Set(cluster.pods.map((p) => { const m = re.exec(p.name); assert.ok(m, p.name); assert.equal(p.labels['pod-template-hash'], m[1]); return m[1]; }));
  assert.equal(hashes.size, 1);
  assert.equal(new Set(cluster.pods.map((p) => p.name)).size, 4);
  assert.ok(cluster.pods.every((p) => p.owner.kind === 'Deployment' && p.owner.key === 'default/api'));
});

test('changing a Deployment template changes its pod-template-hash (and so its pod names); the replica count does not', () => {
  const name = (spec: string, extra: string) => build(workload('Deployment', 'api', spec, extra)).cluster.pods[0].labels['pod-template-hash'];
  const base = name(CONTAINERS, '  replicas: 1\n');
  assert.equal(name(CONTAINERS, '  replicas: 3\n'), base);
  assert.notEqual(name('      containers: [{name: c, image: nginx:2}]\n', '  replicas: 1\n'), base);
});

test('ReplicaSet, ReplicationController and Job pods are <name>-<5 chars>; a CronJob adds a scheduled-time number', () => {
  const rc = 'apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc}\nspec:\n  replicas: 2\n  selector: {app: rc}\n  template:\n    metadata: {labels: {app: rc}}\n    spec: {containers: [{name: c}]}\n';
  const job = 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: job}\nspec:\n  template: {spec: {containers: [{name: c}], restartPolicy: Never}}\n';
  const cron = 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cron}\nspec:\n  schedule: "@hourly"\n  jobTemplate: {spec: {template: {spec: {containers: [{name: c}]}}}}\n';
  const { load, cluster } = build(workload('ReplicaSet', 'rs', CONTAINERS, '  replicas: 2\n'), rc, job, cron);
  assert.deepEqual(load.findings, []);
  const byOwner = (n: string) => cluster.pods.filter((p) => p.owner.name === n).map((p) => p.name);
  for (const n of ['rs', 'rc']) {
    assert.equal(byOwner(n).length, 2);
    for (const pod of byOwner(n)) assert.match(pod, new RegExp(`^${n}-${SUFFIX}{5}$`));
  }
  assert.equal(byOwner('job').length, 1);
  assert.match(byOwner('job')[0], new RegExp(`^job-${SUFFIX}{5}$`));
  assert.equal(byOwner('cron').length, 1);
  assert.match(byOwner('cron')[0], new RegExp(`^cron-\\d{8}-${SUFFIX}{5}$`));
});

test('replicas: 0 creates no pods but keeps the workload', () => {
  const { cluster } = build(workload('Deployment', 'api', CONTAINERS, '  replicas: 0\n'));
  assert.equal(cluster.pods.length, 0);
  assert.deepEqual(cluster.workloads.map((w) => [w.kind, w.key, w.pods]), [['Deployment', 'default/api', []]]);
});

test('a DaemonSet puts one pod on every node, cordoned ones included (the controller tolerates node.kubernetes.io/unschedulable)', () => {
  const { cluster } = build(THREE_NODES, workload('DaemonSet', 'agent', CONTAINERS));
  const pods = cluster.pods.filter((p) => p.owner.name === 'agent');
  assert.deepEqual(pods.map((p) => p.node).sort(), ['a', 'b', 'c']);
  for (const p of pods) assert.match(p.name, new RegExp(`^agent-${SUFFIX}{5}$`));
});

test('a DaemonSet honours its template nodeSelector: only matching nodes get a pod', () => {
  const { cluster } = build(THREE_NODES, workload('DaemonSet', 'ssd', `      nodeSelector: {disk: ssd}\n${CONTAINERS}`));
  assert.deepEqual(cluster.pods.map((p) => p.node).sort(), ['a', 'c']);
});

test('a DaemonSet honours its template nodeName: only that node gets a pod', () => {
  const { cluster } = build(THREE_NODES, workload('DaemonSet', 'one', `      nodeName: b\n${CONTAINERS}`));
  assert.deepEqual(cluster.pods.map((p) => p.node), ['b']);
});

test('a hostNetwork DaemonSet pod has its node\'s IP and no veth; it is not in podsByIP', () => {
  const { cluster } = build(THREE_NODES, workload('DaemonSet', 'net', `      hostNetwork: true\n${CONTAINERS}`));
  assert.deepEqual(cluster.pods.map((p) => [p.node, p.ip, p.ipSource, p.hostNetwork, p.hostVeth]).sort(), [
    ['a', '192.168.0.10', 'node', true, ''], ['b', '192.168.0.11', 'node', true, ''], ['c', '192.168.0.12', 'node', true, ''],
  ]);
  assert.equal(cluster.podsByIP.size, 0);
});

test('Deployment replicas avoid cordoned nodes and spread over the schedulable ones', () => {
  const { cluster } = build(THREE_NODES, workload('Deployment', 'api', CONTAINERS, '  replicas: 4\n'));
  assert.deepEqual(cluster.pods.map((p) => p.node).sort(), ['a', 'a', 'b', 'b']);
});

test('a template nodeSelector restricts replicas to matching schedulable nodes', () => {
  const { cluster } = build(THREE_NODES, workload('Deployment', 'api', `      nodeSelector: {disk: ssd}\n${CONTAINERS}`, '  replicas: 3\n'));
  assert.deepEqual(cluster.pods.map((p) => p.node), ['a', 'a', 'a']);
});

test('a template nodeName binds every replica to that node', () => {
  const { cluster } = build(THREE_NODES, workload('Deployment', 'api', `      nodeName: c\n${CONTAINERS}`, '  replicas: 2\n'));
  assert.deepEqual(cluster.pods.map((p) => p.node), ['c', 'c']);
});

test('a nodeSelector no node matches is one unschedulable warning per workload (not one per replica), at the nodeSelector', () => {
  const { cluster } = build(THREE_NODES, workload('Deployment', 'api', `      nodeSelector: {gpu: "true"}\n${CONTAINERS}`, '  replicas: 3\n'));
  assert.deepEqual(where(cluster.findings), ['unschedulable@f1.yaml:10:21']);
  assert.match(cluster.findings[0].message, /^Deployment default\/api cannot be scheduled: no schedulable node matches its nodeSelector/);
  assert.equal(cluster.pods.length, 0);
});

test('a template nodeName naming no node is one unknown-node error per workload, at the nodeName', () => {
  const { cluster } = build(THREE_NODES, workload('StatefulSet', 'db', `      nodeName: z\n${CONTAINERS}`, '  replicas: 3\n'));
  assert.deepEqual(where(cluster.findings), ['unknown-node@f1.yaml:10:17']);
  assert.equal(cluster.pods.length, 0);
});

test('a selector that does not match the template labels is a selector-mismatch error, matchExpressions included', () => {
  const bad = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector:\n    matchExpressions: [{key: app, operator: NotIn, values: [d]}]\n  template:\n    metadata: {labels: {app: d}}\n    spec: {containers: [{name: c}]}\n';
  const { cluster } = build(bad);
  assert.deepEqual(where(cluster.findings), ['selector-mismatch@f0.yaml:6:5']);
});

test('a workload defined twice is one duplicate-object error at the second, and its pods are not doubled', () => {
  const w = workload('Deployment', 'api', CONTAINERS, '  replicas: 2\n');
  const { cluster } = build(w, w);
  assert.deepEqual(where(cluster.findings), ['duplicate-object@f1.yaml:1:1']);
  assert.equal(cluster.pods.length, 2);
  assert.equal(cluster.workloads.length, 1);
});

test('a Pod object and a StatefulSet replica with the same name are a duplicate-object error for the pod', () => {
  const { cluster } = build(workload('StatefulSet', 'web', CONTAINERS, '  replicas: 1\n'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: web-0}\nspec: {containers: [{name: c}]}\n');
  assert.deepEqual(cluster.findings.map((f) => [f.code, f.message]), [['duplicate-object', 'pod default/web-0 is defined twice']]);
  assert.equal(cluster.pods.length, 1);
});

test('a dump with Deployment, its ReplicaSet and their pods yields only the real pods, listed under both workloads', () => {
  const { cluster } = build(fs.readFileSync(path.join(FIXTURES, 'dump-list.yaml'), 'utf8'));
  assert.deepEqual(cluster.pods.map((p) => [p.key, p.node, p.ip, p.ipSource, `${p.owner.kind}/${p.owner.name}`]), [
    ['shop/web-5d8f9c7b6d-4xk2p', 'k3s-server', '10.42.0.15', 'status', 'ReplicaSet/web-5d8f9c7b6d'],
    ['shop/web-5d8f9c7b6d-9qz7m', 'k3s-agent', '10.42.1.23', 'status', 'ReplicaSet/web-5d8f9c7b6d'],
  ]);
  const pods = ['shop/web-5d8f9c7b6d-4xk2p', 'shop/web-5d8f9c7b6d-9qz7m'];
  assert.deepEqual(cluster.workloads.map((w) => [w.kind, w.key, w.pods]), [['Deployment', 'shop/web', pods], ['ReplicaSet', 'shop/web-5d8f9c7b6d', pods]]);
});

test('a ReplicaSet owned by a Deployment stands in for it when no pods were dumped: replicas come from the ReplicaSet only', () => {
  const rs = 'apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: api-6b7c\n  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api}]\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec: {containers: [{name: c}]}\n';
  const { cluster } = build(workload('Deployment', 'api', CONTAINERS, '  replicas: 2\n'), rs);
  assert.equal(cluster.pods.length, 2);
  for (const p of cluster.pods) assert.match(p.name, new RegExp(`^api-6b7c-${SUFFIX}{5}$`));
  assert.deepEqual(cluster.workloadsByKey.get('default/api')!.pods, cluster.pods.map((p) => p.key));
});

test('pods of a DaemonSet land on each node with an IP inside that node\'s pod CIDR, never the network or gateway address', () => {
  const { cluster } = build(THREE_NODES, workload('DaemonSet', 'agent', CONTAINERS));
  for (const p of cluster.pods) {
    const node = cluster.nodesByName.get(p.node)!;
    assert.ok(cidrContains(node.podCIDR, p.ip), `${p.ip} in ${node.podCIDR.text}`);
    const last = Number(p.ip.split('.')[3]);
    assert.ok(last >= 2 && last <= 254, p.ip);
  }
});

test('every workload lists its pods in key order: across namespaces that sort apart by key, past ordinal 9, and with two ReplicaSets merged into their Deployment', () => {
  const ns = (name: string, text: string) => text.replace('metadata: {name: ', `metadata: {namespace: ${name}, name: `);
  const rs = (name: string, replicas: number) => `apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: ${name}\n  namespace: a\n  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api}]\nspec:\n  replicas: ${replicas}\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec: {containers: [{name: c}]}\n`;
  const { cluster } = build(
    // "a-b/…" sorts before "a/…" by key although namespace "a" sorts before "a-b".
    ns('a-b', workload('StatefulSet', 'web', CONTAINERS, '  replicas: 12\n')),
    ns('a', workload('StatefulSet', 'web', CONTAINERS, '  replicas: 12\n')),
    ns('a', workload('Deployment', 'api', CONTAINERS, '  replicas: 3\n')),
    // The later ReplicaSet's names sort first: the Deployment's list mixes the two.
    rs('api-zz9', 3), rs('api-aa1', 3),
  );
  assert.equal(cluster.pods.length, 30);
  for (const w of cluster.workloads) assert.deepEqual(w.pods, [...w.pods].sort(), `${w.kind} ${w.key}`);
  const deployment = cluster.workloads.find((w) => w.kind === 'Deployment')!;
  assert.deepEqual(deployment.pods, cluster.pods.filter((p) => p.owner.kind === 'ReplicaSet').map((p) => p.key).sort());
  assert.equal(deployment.pods.length, 6);
  assert.ok(cluster.workloadsByKey.get('a/web')!.pods.includes('a/web-11'));
});
