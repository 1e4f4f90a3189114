import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadManifests, SourceText } from '../../src/core/manifest/load';
import { buildCluster } from '../../src/core/cluster/build';
import { Cluster } from '../../src/core/cluster/model';
import { sortFindings } from '../../src/core/common/finding';
import { cidr, cidrContains } from '../../src/core/common/ip';
import { where } from '../support/manifests';

function buildSources(sources: SourceText[]) {
  const load = loadManifests(sources);
  return { load, cluster: buildCluster(load.manifests) };
}

function build(...texts: string[]) {
  return buildSources(texts.map((text, i) => ({ file: `f${i}.yaml`, text })));
}

/** Everything downstream stages read about pods and Services, as plain data. */
function snapshot(c: Cluster) {
  return {
    nodes: c.nodes.map((n) => [n.name, n.ip, n.podCIDR.text, n.index]),
    pods: c.pods.map((p) => [p.key, p.node, p.ip, p.ipSource, p.mac, p.hostVeth, p.labels]),
    services: c.services.map((s) => [s.key, s.clusterIP, s.ports.map((p) => [p.port, p.nodePort, p.endpoints.map((e) => [e.ip, e.port, e.node, e.pod, e.ready])])]),
  };
}

const pod = (name: string, extra = '', ns = 'default') => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ${ns}, labels: {app: ${name}}}\nspec:\n${extra}  containers: [{name: c, ports: [{containerPort: 80}]}]\n`;
const service = (name: string, spec: string, ns = 'default') => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n${spec}`;

/** A realistic little workspace spread over several files. */
const WORKSPACE: SourceText[] = [
  { file: 'cluster.yaml', text: 'apiVersion: podpath.dev/v1alpha1\nkind: Cluster\nmetadata: {name: lab}\nspec:\n  clusterCIDR: 10.244.0.0/16\n  serviceCIDR: 10.96.0.0/12\n  nodes:\n    - {name: n1, ip: 192.168.1.10}\n    - {name: n2, ip: 192.168.1.11}\n    - {name: n3, ip: 192.168.1.12}\n' },
  { file: 'api.yaml', text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  replicas: 5\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec: {containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]}\n' },
  { file: 'db.yaml', text: 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: shop}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec: {containers: [{name: c, ports: [{containerPort: 5432}]}]}\n' },
  { file: 'agent.yaml', text: 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: kube-system}\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec: {containers: [{name: c}]}\n' },
  { file: 'pods.yaml', text: `${pod('client')}---\n${pod('debug', '', 'shop')}` },
  { file: 'services.yaml', text: `${service('api', '  type: NodePort\n  selector: {app: api}\n  ports: [{port: 80, targetPort: http}]\n', 'shop')}---\n${service('db', '  clusterIP: None\n  selector: {app: db}\n  ports: [{port: 5432}]\n', 'shop')}---\n${service('kubernetes', '  ports: [{name: https, port: 443, targetPort: 6443}]\n')}` },
];

test('determinism: the same input built twice gives identical nodes, pods, IPs, MACs, veths, Services and endpoints', () => {
  const a = buildSources(WORKSPACE), b = buildSources(WORKSPACE);
  assert.deepEqual(a.load.findings, []);
  assert.deepEqual(a.cluster.findings, []);
  assert.deepEqual(snapshot(a.cluster), snapshot(b.cluster));
  assert.equal(a.cluster.pods.length, 5 + 3 + 3 + 2);
});

test('determinism: files in reverse order give the same cluster and the same sorted findings', () => {
  const withBad = [...WORKSPACE, { file: 'bad.yaml', text: pod('bad', '  nodeName: nowhere\n') }];
  const a = buildSources(withBad), b = buildSources([...withBad].reverse());
  assert.deepEqual(snapshot(a.cluster), snapshot(b.cluster));
  const all = (x: typeof a) => sortFindings([...x.load.findings, ...x.cluster.findings]);
  assert.deepEqual(all(a), all(b));
  assert.deepEqual(where(all(a)), ['unknown-node@bad.yaml:5:13']);
});

test('determinism: pods are listed sorted by namespace/name whatever the file order', () => {
  const { cluster } = build(pod('b'), pod('a', '', 'zz'), pod('a'));
  assert.deepEqual(cluster.pods.map((p) => p.key), ['default/a', 'default/b', 'zz/a']);
});

test('stability: adding an unrelated pod, Deployment and Service moves no existing pod, Service IP or NodePort', () => {
  const before = buildSources(WORKSPACE).cluster;
  const extra = { file: 'extra.yaml', text: `${pod('newcomer')}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: other}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: other}}\n  template:\n    metadata: {labels: {app: other}}\n    spec: {containers: [{name: c}]}\n---\n${service('other', '  type: NodePort\n  selector: {app: other}\n  ports: [{port: 80}]\n')}` };
  const after = buildSources([...WORKSPACE, extra]).cluster;
  assert.equal(after.pods.length, before.pods.length + 4);
  for (const p of before.pods) {
    const q = after.podsByKey.get(p.key)!;
    assert.deepEqual([q.node, q.ip, q.mac, q.hostVeth], [p.node, p.ip, p.mac, p.hostVeth], p.key);
  }
  for (const s of before.services) {
    const t = after.servicesByKey.get(s.key)!;
    assert.deepEqual([t.clusterIP, t.ports.map((p) => p.nodePort)], [s.clusterIP, s.ports.map((p) => p.nodePort)], s.key);
  }
});

test('stability: removing a pod leaves every other pod where it was', () => {
  const before = buildSources(WORKSPACE).cluster;
  const after = buildSources(WORKSPACE.map((s) => (s.file === 'pods.yaml' ? { file: s.file, text: pod('client') } : s))).cluster;
  for (const p of after.pods) assert.deepEqual([p.node, p.ip], [before.podsByKey.get(p.key)!.node, before.podsByKey.get(p.key)!.ip], p.key);
});

test('allocated pod IPs are unique, inside the node\'s pod CIDR, and skip the network (.0), gateway (.1) and broadcast (.255)', () => {
  const { cluster } = build(...Array.from({ length: 60 }, (_, i) => pod(`p${i}`)));
  assert.equal(cluster.pods.length, 60);
  assert.equal(new Set(cluster.pods.map((p) => p.ip)).size, 60);
  for (const p of cluster.pods) {
    assert.ok(cidrContains(cluster.nodesByName.get(p.node)!.podCIDR, p.ip), `${p.key} ${p.ip}`);
    const last = Number(p.ip.split('.')[3]);
    assert.ok(last >= 2 && last <= 254, p.ip);
    assert.equal(p.ipSource, 'allocated');
  }
});

test('Calico nodes reserve only the network address of their /26 block (no bridge gateway)', () => {
  const doc = 'apiVersion: podpath.dev/v1alpha1\nkind: Cluster\nmetadata: {name: c}\nspec:\n  clusterCIDR: 10.1.0.0/16\n  cni: {plugin: calico}\n  nodes: [{name: solo, ip: 192.168.0.10}]\n';
  const { cluster } = build(doc, ...Array.from({ length: 62 }, (_, i) => pod(`p${i}`)));
  assert.deepEqual(cluster.findings, []);
  assert.deepEqual(cluster.pods.map((p) => p.ip).sort((a, b) => Number(a.split('.')[3]) - Number(b.split('.')[3])),
    Array.from({ length: 62 }, (_, i) => `10.1.0.${i + 1}`));
  assert.ok(cluster.pods.every((p) => p.hostVeth.startsWith('cali') && p.hostVeth.length === 15));
});

test('a dump\'s status.podIP, status.hostIP and spec.nodeName are used as they are', () => {
  const { cluster } = build(pod('a', '  nodeName: node-2\n') + 'status: {podIP: 10.244.2.77, hostIP: 192.168.1.11}\n', pod('b') + 'status: {podIP: 10.244.1.5, hostIP: 192.168.1.10}\n');
  assert.deepEqual(cluster.findings, []);
  assert.deepEqual(cluster.pods.map((p) => [p.name, p.node, p.ip, p.ipSource]), [['a', 'node-2', '10.244.2.77', 'status'], ['b', 'node-1', '10.244.1.5', 'status']]);
});

test('allocation never hands out an address a dump already uses', () => {
  // Fill node-1's block with dumped pods except one address; the allocated pod must get exactly that one.
  const dumped = Array.from({ length: 253 }, (_, i) => i + 2).filter((n) => n !== 100).map((n) => pod(`d${n}`, '  nodeName: node-1\n') + `status: {podIP: 10.244.1.${n}}\n`);
  const { cluster } = build(...dumped, pod('fresh', '  nodeName: node-1\n'));
  assert.deepEqual(cluster.findings, []);
  assert.equal(cluster.podsByKey.get('default/fresh')!.ip, '10.244.1.100');
});

test('two pods with one status IP are a duplicate-pod-ip error at the second IP, pointing at the first', () => {
  const { cluster } = build(pod('a') + 'status: {podIP: 10.244.1.9}\n', pod('b') + 'status: {podIP: 10.244.1.9}\n');
  assert.deepEqual(where(cluster.findings), ['duplicate-pod-ip@f1.yaml:6:17']);
  assert.deepEqual(cluster.findings[0].related!.map((r) => `${r.range.file}:${r.range.start.line}:${r.range.start.column}`), ['f0.yaml:6:17']);
  assert.equal(cluster.podsByIP.get('10.244.1.9')!.name, 'a');
});

test('a status IP outside its node\'s pod CIDR is an ip-outside-pod-cidr warning at the podIP', () => {
  const { cluster } = build(pod('a', '  nodeName: node-1\n') + 'status: {podIP: 10.244.2.9}\n');
  assert.deepEqual(where(cluster.findings), ['ip-outside-pod-cidr@f0.yaml:7:17']);
  assert.equal(cluster.pods[0].ip, '10.244.2.9');
});

test('more pods than a node block holds: one pod-cidr-exhausted error per node and workload, naming how many are left out', () => {
  const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: big}\nspec:\n  replicas: 600\n  selector: {matchLabels: {app: big}}\n  template:\n    metadata: {labels: {app: big}}\n    spec: {containers: [{name: c}]}\n';
  const { cluster } = build(deployment);
  assert.equal(cluster.pods.length, 2 * 253);
  assert.deepEqual(cluster.findings.map((f) => [f.code, f.range!.start.line]), [['pod-cidr-exhausted', 1], ['pod-cidr-exhausted', 1]]);
  const leftOut = cluster.findings.map((f) => Number(/for (\d+) pods of Deployment default\/big/.exec(f.message)![1]));
  assert.equal(leftOut[0] + leftOut[1], 600 - 506);
});

test('Service clusterIPs: given ones are kept, others allocated inside serviceCIDR; default/kubernetes gets the first address', () => {
  const { cluster } = build(service('kubernetes', '  ports: [{name: https, port: 443}]\n'), service('given', '  clusterIP: 10.100.0.10\n  ports: [{port: 80}]\n'), service('auto', '  ports: [{port: 80}]\n'));
  assert.deepEqual(cluster.findings, []);
  const ip = (k: string) => cluster.servicesByKey.get(k)!.clusterIP!;
  assert.equal(ip('default/kubernetes'), '10.96.0.1');
  assert.equal(ip('default/given'), '10.100.0.10');
  assert.ok(cidrContains(cidr('10.96.0.0/12'), ip('default/auto')));
  assert.ok(!['10.96.0.0', '10.96.0.1', '10.111.255.255'].includes(ip('default/auto')));
  assert.equal(cluster.servicesByIP.get('10.100.0.10')!.name, 'given');
});

test('headless and ExternalName Services get no clusterIP', () => {
  const { cluster } = build(service('h', '  clusterIP: None\n  ports: [{port: 80}]\n'), service('e', '  type: ExternalName\n  externalName: db.example.com\n'));
  assert.deepEqual(cluster.services.map((s) => [s.name, s.clusterIP, s.headless]), [['e', undefined, false], ['h', undefined, true]]);
});

test('a clusterIP outside serviceCIDR is an error at the clusterIP; two Services claiming one IP is an error at the second', () => {
  const { cluster } = build(service('a', '  clusterIP: 10.96.5.5\n  ports: [{port: 80}]\n'), service('b', '  clusterIP: 10.96.5.5\n  ports: [{port: 80}]\n'), service('c', '  clusterIP: 172.16.0.1\n  ports: [{port: 80}]\n'));
  assert.deepEqual(where(cluster.findings), ['duplicate-cluster-ip@f1.yaml:5:14', 'cluster-ip-outside-service-cidr@f2.yaml:5:14']);
  assert.equal(cluster.servicesByKey.get('default/b')!.clusterIP, undefined);
});

test('a full service CIDR is a service-cidr-exhausted error for the Service left without an IP', () => {
  const doc = 'apiVersion: podpath.dev/v1alpha1\nkind: Cluster\nmetadata: {name: c}\nspec:\n  serviceCIDR: 10.96.0.0/30\n';
  const { cluster } = build(doc, service('a', '  ports: [{port: 80}]\n'), service('b', '  ports: [{port: 80}]\n'));
  assert.deepEqual(cluster.services.map((s) => [s.name, s.clusterIP]), [['a', '10.96.0.2'], ['b', undefined]]);
  assert.deepEqual(where(cluster.findings), ['service-cidr-exhausted@f2.yaml:5:3']);
});

test('NodePorts: given ones are kept; others are allocated in 30000-32767; a port out of range is a warning', () => {
  const { cluster } = build(service('a', '  type: NodePort\n  ports: [{port: 80, nodePort: 30080}]\n'), service('b', '  type: LoadBalancer\n  ports: [{name: x, port: 80}, {name: y, port: 443}]\n'), service('c', '  type: NodePort\n  ports: [{port: 80, nodePort: 8080}]\n'));
  assert.deepEqual(where(cluster.findings), ['node-port-out-of-range@f2.yaml:6:32']);
  assert.equal(cluster.servicesByKey.get('default/a')!.ports[0].nodePort, 30080);
  const b = cluster.servicesByKey.get('default/b')!.ports.map((p) => p.nodePort!);
  assert.equal(new Set(b).size, 2);
  for (const p of b) assert.ok(p >= 30000 && p <= 32767 && p !== 30080, String(p));
});

test('NodePort collision: a second Service on the same nodePort is an error even with another protocol', () => {
  const { cluster } = build(service('tcp', '  type: NodePort\n  ports: [{port: 80, nodePort: 30030}]\n'), service('udp', '  type: NodePort\n  ports: [{port: 80, protocol: UDP, nodePort: 30030}]\n'));
  assert.deepEqual(where(cluster.findings), ['node-port-collision@f1.yaml:6:47']);
  assert.match(cluster.findings[0].message, /already allocated to default\/tcp/);
  assert.equal(cluster.servicesByKey.get('default/udp')!.ports[0].nodePort, undefined);
});

test('one Service may use one nodePort for its TCP and UDP ports (DNS); twice for one protocol is a collision', () => {
  const ok = build(service('dns', '  type: NodePort\n  ports: [{name: tcp, port: 53, nodePort: 30053}, {name: udp, port: 53, protocol: UDP, nodePort: 30053}]\n')).cluster;
  assert.deepEqual(ok.findings, []);
  assert.deepEqual(ok.services[0].ports.map((p) => [p.protocol, p.nodePort]), [['TCP', 30053], ['UDP', 30053]]);
  const bad = build(service('x', '  type: NodePort\n  ports: [{name: a, port: 80, nodePort: 30053}, {name: b, port: 81, nodePort: 30053}]\n')).cluster;
  assert.deepEqual(bad.findings.map((f) => [f.code, f.message]), [['node-port-collision', 'nodePort 30053/TCP is used twice in default/x']]);
});

test('a LoadBalancer with allocateLoadBalancerNodePorts: false gets no NodePorts', () => {
  const { cluster } = build(service('lb', '  type: LoadBalancer\n  allocateLoadBalancerNodePorts: false\n  ports: [{port: 80}]\n'));
  assert.equal(cluster.services[0].ports[0].nodePort, undefined);
});

test('a Service defined twice is a duplicate-object error at the second; the first is kept', () => {
  const { cluster } = build(service('s', '  clusterIP: 10.96.0.50\n  ports: [{port: 80}]\n'), service('s', '  clusterIP: 10.96.0.60\n  ports: [{port: 80}]\n'));
  assert.deepEqual(where(cluster.findings), ['duplicate-object@f1.yaml:1:1']);
  assert.equal(cluster.services[0].clusterIP, '10.96.0.50');
});

test('a pod that carries only status.podIP is placed on the node whose pod CIDR holds that IP', () => {
  const { cluster } = build(pod('a') + 'status: {podIP: 10.244.2.40}\n', pod('b') + 'status: {podIP: 10.244.1.40}\n');
  assert.deepEqual(cluster.findings, []);
  assert.deepEqual(cluster.pods.map((p) => [p.name, p.node, p.ip]), [['a', 'node-2', '10.244.2.40'], ['b', 'node-1', '10.244.1.40']]);
});
