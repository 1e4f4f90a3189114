import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { buildCluster } from '../../src/core/cluster/build';
import { emptyManifestSet } from '../../src/core/manifest/load';
import { builtinLocator } from '../../src/core/common/source';
import { FIXTURES, build, where } from '../support/manifests';

const clusterDoc = (spec: string) => `apiVersion: podpath.dev/v1alpha1\nkind: Cluster\nmetadata: {name: lab}\nspec:\n${spec}`;
const nodeObj = (name: string, ip?: string, podCIDR?: string, extra = '') =>
  `apiVersion: v1\nkind: Node\nmetadata: {name: ${name}}\nspec: {${podCIDR ? `podCIDR: ${podCIDR}` : ''}${extra}}\n${ip ? `status: {addresses: [{type: InternalIP, address: ${ip}}]}\n` : ''}`;

test('with no Cluster document the embedded default applies: 2 nodes, flannel vxlan, iptables, 10.244.0.0/16, 10.96.0.0/12', () => {
  const { cluster } = build('');
  const c = cluster.config;
  assert.deepEqual([c.isDefault, c.name, c.plugin, c.backend, c.bridgeName, c.kubeProxyMode, c.policyMode, c.policyEnforced, c.clusterCIDR.text, c.serviceCIDR.text],
    [true, 'default', 'flannel', 'vxlan', 'cni0', 'iptables', 'auto', false, '10.244.0.0/16', '10.96.0.0/12']);
  assert.deepEqual(cluster.nodes.map((n) => [n.name, n.ip, n.podCIDR.text, n.subnet.text, n.index]), [
    ['node-1', '192.168.1.10', '10.244.1.0/24', '192.168.1.0/24', 0],
    ['node-2', '192.168.1.11', '10.244.2.0/24', '192.168.1.0/24', 1],
  ]);
  assert.deepEqual(cluster.findings, []);
});

test('an empty manifest set builds the default cluster with the default and kube-system namespaces', () => {
  const cluster = buildCluster(emptyManifestSet());
  assert.deepEqual([...cluster.namespaces.keys()], ['default', 'kube-system']);
  assert.deepEqual(cluster.namespaces.get('default')!.labels, { 'kubernetes.io/metadata.name': 'default' });
});

test('the Cluster document sets plugin, backend default per plugin, bridge, proxy mode and policy enforcement', () => {
  const calico = build(clusterDoc('  cni: {plugin: calico}\n')).cluster.config;
  assert.deepEqual([calico.plugin, calico.backend, calico.bridgeName, calico.policyEnforced], ['calico', 'ipip', '', true]);
  const bridge = build(clusterDoc('  cni: {plugin: bridge, bridge: docker0}\n  kubeProxy: {mode: userspace}\n  networkPolicy: enforced\n')).cluster.config;
  assert.deepEqual([bridge.plugin, bridge.backend, bridge.bridgeName, bridge.kubeProxyMode, bridge.policyEnforced], ['bridge', 'none', 'docker0', 'userspace', true]);
  const ignored = build(clusterDoc('  cni: {plugin: calico}\n  networkPolicy: ignored\n')).cluster.config;
  assert.equal(ignored.policyEnforced, false);
});

test('Cluster nodes without podCIDR get the first free /24 of clusterCIDR, avoiding blocks others claim (Calico: /26)', () => {
  const { cluster } = build(clusterDoc('  clusterCIDR: 10.1.0.0/16\n  nodes:\n    - {name: a, ip: 192.168.0.10}\n    - {name: b, ip: 192.168.0.11, podCIDR: 10.1.0.0/24}\n    - {name: c, ip: 192.168.0.12}\n'));
  assert.deepEqual(cluster.nodes.map((n) => [n.name, n.podCIDR.text]), [['a', '10.1.1.0/24'], ['b', '10.1.0.0/24'], ['c', '10.1.2.0/24']]);
  const calico = build(clusterDoc('  clusterCIDR: 10.1.0.0/16\n  cni: {plugin: calico}\n  nodes:\n    - {name: a, ip: 192.168.0.10}\n    - {name: b, ip: 192.168.0.11}\n')).cluster;
  assert.deepEqual(calico.nodes.map((n) => n.podCIDR.text), ['10.1.0.0/26', '10.1.0.64/26']);
});

test('nodes are sorted by name whatever the file order, and carry the kubelet labels plus their own', () => {
  const { cluster } = build(clusterDoc('  nodes:\n    - {name: zeta, ip: 192.168.0.10, labels: {disk: ssd}}\n    - {name: alpha, ip: 192.168.0.11}\n'));
  assert.deepEqual(cluster.nodes.map((n) => n.name), ['alpha', 'zeta']);
  assert.deepEqual(cluster.nodesByName.get('zeta')!.labels, { 'kubernetes.io/hostname': 'zeta', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', disk: 'ssd' });
});

test('a node subnet: given is used, and an IP outside it is an invalid-value error', () => {
  const { cluster } = build(clusterDoc('  nodes:\n    - {name: a, ip: 10.0.1.5, subnet: 10.0.0.0/16}\n    - {name: b, ip: 172.16.9.9, subnet: 10.0.0.0/16}\n'));
  assert.equal(cluster.nodesByName.get('a')!.subnet.text, '10.0.0.0/16');
  assert.deepEqual(where(cluster.findings), ['invalid-value@f0.yaml:7:7']);
});

test('Node objects from a dump override the Cluster document node of the same name (InternalIP, podCIDR, labels, cordon)', () => {
  const { cluster } = build(
    clusterDoc('  nodes:\n    - {name: a, ip: 192.168.0.10, podCIDR: 10.244.1.0/24, labels: {zone: z1}}\n'),
    `apiVersion: v1\nkind: Node\nmetadata: {name: a, labels: {disk: ssd}}\nspec: {podCIDR: 10.244.9.0/24, unschedulable: true}\nstatus: {addresses: [{type: InternalIP, address: 192.168.0.99}]}\n`,
  );
  const a = cluster.nodesByName.get('a')!;
  assert.deepEqual([a.ip, a.podCIDR.text, a.labels.zone, a.labels.disk, a.unschedulable], ['192.168.0.99', '10.244.9.0/24', 'z1', 'ssd', true]);
});

test('Node objects alone replace the default nodes; a Node without InternalIP gets a made-up IP that no other node has, with a warning', () => {
  const { cluster } = build(nodeObj('b', '192.168.1.10', '10.244.5.0/24'), nodeObj('a', undefined, '10.244.6.0/24'));
  assert.deepEqual(cluster.nodes.map((n) => [n.name, n.ip, n.podCIDR.text]), [['a', '192.168.1.11', '10.244.6.0/24'], ['b', '192.168.1.10', '10.244.5.0/24']]);
  assert.deepEqual(where(cluster.findings), ['node-without-ip@f1.yaml:1:1']);
});

test('a Node object defined twice is a duplicate-object error at the second; the first is kept', () => {
  const { cluster } = build(nodeObj('a', '192.168.1.10', '10.244.5.0/24'), nodeObj('a', '192.168.1.20', '10.244.6.0/24'));
  assert.deepEqual(where(cluster.findings), ['duplicate-object@f1.yaml:1:1']);
  assert.equal(cluster.nodesByName.get('a')!.ip, '192.168.1.10');
});

test('overlapping CIDRs are errors: clusterCIDR with serviceCIDR, two nodes pod CIDRs, a node IP inside the pod network', () => {
  const { cluster } = build(clusterDoc([
    '  clusterCIDR: 10.0.0.0/8', '  serviceCIDR: 10.96.0.0/12', '  nodes:',
    '    - {name: a, ip: 192.168.0.10, podCIDR: 10.1.0.0/16}', '    - {name: b, ip: 192.168.0.11, podCIDR: 10.1.4.0/24}', '    - {name: c, ip: 10.2.0.1, podCIDR: 10.3.0.0/24}', '',
  ].join('\n')));
  assert.deepEqual(cluster.findings.map((f) => [f.code, f.range!.start.line, f.message]), [
    ['overlapping-cidrs', 6, 'clusterCIDR 10.0.0.0/8 overlaps serviceCIDR 10.96.0.0/12: pod and Service addresses would collide'],
    ['overlapping-cidrs', 10, 'node c IP 10.2.0.1 lies inside the pod network 10.0.0.0/8'],
    ['overlapping-cidrs', 9, 'pod CIDRs of nodes a (10.1.0.0/16) and b (10.1.4.0/24) overlap'],
  ]);
});

test('a node pod CIDR inside the service CIDR and one outside clusterCIDR are reported at that node', () => {
  const { cluster } = build(clusterDoc('  clusterCIDR: 10.244.0.0/16\n  serviceCIDR: 10.96.0.0/12\n  nodes:\n    - {name: a, ip: 192.168.0.10, podCIDR: 10.96.3.0/24}\n'));
  assert.deepEqual(cluster.findings.map((f) => [f.code, f.range!.start.line]), [['pod-cidr-outside-cluster-cidr', 8], ['overlapping-cidrs', 8]]);
});

test('two nodes with one IP are a duplicate-node-ip error at the second', () => {
  const { cluster } = build(clusterDoc('  nodes:\n    - {name: a, ip: 192.168.0.10}\n    - {name: b, ip: 192.168.0.10}\n'));
  assert.deepEqual(where(cluster.findings), ['duplicate-node-ip@f0.yaml:7:7']);
});

test('a second Cluster document is a duplicate-cluster warning; the first applies', () => {
  const { cluster } = build(clusterDoc('  cni: {plugin: calico}\n'), clusterDoc('  cni: {plugin: bridge}\n'));
  assert.equal(cluster.config.plugin, 'calico');
  assert.deepEqual(where(cluster.findings), ['duplicate-cluster@f1.yaml:1:1']);
});

test('a clusterCIDR too small for the nodes is pod-cidr-exhausted for the node that gets no block', () => {
  const { cluster } = build(clusterDoc('  clusterCIDR: 10.1.0.0/24\n  nodes:\n    - {name: a, ip: 192.168.0.10}\n    - {name: b, ip: 192.168.0.11}\n'));
  assert.deepEqual(cluster.findings.map((f) => [f.code, f.message]), [['pod-cidr-exhausted', 'clusterCIDR 10.1.0.0/24 has no free /24 left for node b']]);
});

test('without Cluster document or Node objects, a dump\'s pods name the nodes: spec.nodeName, status.hostIP, and the /24 of their pod IPs', () => {
  const pod = (name: string, node: string, hostIP: string, podIP: string) =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec: {nodeName: ${node}, containers: [{name: c}]}\nstatus: {hostIP: ${hostIP}, podIP: ${podIP}}\n`;
  const { cluster } = build(pod('a', 'worker-1', '10.0.0.5', '10.244.3.7'), pod('b', 'worker-2', '10.0.0.6', '10.244.4.9'), pod('c', 'worker-1', '10.0.0.5', '10.244.3.8'));
  assert.deepEqual(cluster.findings, []);
  assert.deepEqual(cluster.nodes.map((n) => [n.name, n.ip, n.podCIDR.text]), [['worker-1', '10.0.0.5', '10.244.3.0/24'], ['worker-2', '10.0.0.6', '10.244.4.0/24']]);
  assert.deepEqual(cluster.pods.map((p) => [p.name, p.node, p.ip, p.ipSource]), [['a', 'worker-1', '10.244.3.7', 'status'], ['b', 'worker-2', '10.244.4.9', 'status'], ['c', 'worker-1', '10.244.3.8', 'status']]);
});

test('a hand-written pod (no status) bound to a node that does not exist is an unknown-node error, not a new node', () => {
  const { cluster } = build('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  nodeName: node-9\n  containers: [{name: c}]\n');
  assert.deepEqual(cluster.nodes.map((n) => n.name), ['node-1', 'node-2']);
  assert.deepEqual(where(cluster.findings), ['unknown-node@f0.yaml:5:13']);
  assert.equal(cluster.pods.length, 0);
});

test('a k3s dump (pods in 10.42/16, Services in 10.43/16) without Cluster document adopts those ranges, with an info finding each', () => {
  const { load, cluster } = build(fs.readFileSync(path.join(FIXTURES, 'dump-list.yaml'), 'utf8'));
  assert.deepEqual(load.findings, []);
  assert.deepEqual(cluster.findings.map((f) => [f.code, f.severity, f.message]), [
    ['inferred-cidr', 'info', "no Cluster document: clusterCIDR taken as 10.42.0.0/16 from the nodes' pod CIDRs instead of the default 10.244.0.0/16"],
    ['inferred-cidr', 'info', "no Cluster document: serviceCIDR taken as 10.43.0.0/16 from the Services' clusterIPs instead of the default 10.96.0.0/12"],
  ]);
  assert.deepEqual([cluster.config.clusterCIDR.text, cluster.config.serviceCIDR.text, cluster.config.isDefault], ['10.42.0.0/16', '10.43.0.0/16', true]);
  assert.deepEqual(cluster.nodes.map((n) => [n.name, n.ip, n.podCIDR.text]), [['k3s-agent', '172.18.0.3', '10.42.1.0/24'], ['k3s-server', '172.18.0.2', '10.42.0.0/24']]);
});

test('with a Cluster document, a node pod CIDR outside clusterCIDR is still a warning (the document is authoritative)', () => {
  const { cluster } = build(clusterDoc('  clusterCIDR: 10.244.0.0/16\n'), nodeObj('a', '192.168.0.10', '10.42.0.0/24'));
  assert.deepEqual(where(cluster.findings), ['pod-cidr-outside-cluster-cidr@f1.yaml:1:1']);
});

test('Namespace objects are kept with their labels; a Namespace defined twice is a duplicate-object error', () => {
  const ns = (labels: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {${labels}}}\n`;
  const { cluster } = build(ns('team: a'), ns('team: b'));
  assert.deepEqual(cluster.namespaces.get('shop')!.labels, { team: 'a', 'kubernetes.io/metadata.name': 'shop' });
  assert.deepEqual(where(cluster.findings), ['duplicate-object@f1.yaml:1:1']);
});

test('namespaces used by objects exist even without a Namespace object', () => {
  const { cluster } = build('apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: shop}\nspec: {ports: [{port: 80}]}\n');
  assert.deepEqual([...cluster.namespaces.keys()].sort(), ['default', 'kube-system', 'shop']);
  assert.deepEqual(cluster.namespaces.get('shop')!.labels, { 'kubernetes.io/metadata.name': 'shop' });
});

test('a NetworkPolicy defined twice is a duplicate-object error; the first one is kept', () => {
  const np = (sel: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {matchLabels: {app: ${sel}}}}\n`;
  const { cluster } = build(np('a'), np('b'));
  assert.deepEqual(where(cluster.findings), ['duplicate-object@f1.yaml:1:1']);
  assert.deepEqual(cluster.policies.map((p) => p.podSelector.matchLabels), [{ app: 'a' }]);
});

test('dumped pods that only name the default nodes keep the default two-node cluster', () => {
  const { cluster } = build('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {nodeName: node-1, containers: [{name: c}]}\nstatus: {podIP: 10.244.1.7}\n');
  assert.deepEqual(cluster.findings, []);
  assert.deepEqual(cluster.nodes.map((n) => [n.name, n.ip, n.podCIDR.text]), [['node-1', '192.168.1.10', '10.244.1.0/24'], ['node-2', '192.168.1.11', '10.244.2.0/24']]);
});

test('buildCluster does not throw on a manifest set that bypassed the reader; the failure is an internal-error finding', () => {
  const m = emptyManifestSet();
  m.clusters.push({ kind: 'Cluster', name: 'x', clusterCIDR: 'garbage', cni: {}, kubeProxy: {}, nodes: [], locator: builtinLocator('test') });
  let cluster: ReturnType<typeof buildCluster> | undefined;
  assert.doesNotThrow(() => { cluster = buildCluster(m); });
  assert.deepEqual(cluster!.findings.map((f) => f.code), ['internal-error']);
  assert.equal(cluster!.config.clusterCIDR.text, '10.244.0.0/16');
  assert.deepEqual(cluster!.nodes.map((n) => n.name), ['node-1', 'node-2']);
});

test('hand-written manifests (no dump) keep the default ranges: a clusterIP outside 10.96.0.0/12 is still an error', () => {
  const { cluster } = build('apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  clusterIP: 10.0.0.10\n  ports: [{port: 80}]\n');
  assert.equal(cluster.config.serviceCIDR.text, '10.96.0.0/12');
  assert.deepEqual(where(cluster.findings), ['cluster-ip-outside-service-cidr@f0.yaml:5:14']);
});
