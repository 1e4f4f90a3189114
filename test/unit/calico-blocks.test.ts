import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeYaml, trace } from '../support/analyze';
import { podBlocksOf } from '../../src/core/cluster/model';
import { CALICO_MAX_BLOCKS_PER_HOST } from '../../src/core/cluster/calico-blocks';
import { Cidr, cidrContains, cidrsOverlap } from '../../src/core/common/ip';
import { formatDataplaneText } from '../../src/core/format/dataplane-text';
import { where } from '../support/manifests';

// Calico IPAM: a node whose /26 block is full claims another one instead of running out.

function calicoCluster(opts: { nodes: number; backend?: string; dual?: boolean }): string {
  const nodes = Array.from({ length: opts.nodes }, (_, i) => `    - {name: node-${i + 1}, ip: 192.168.1.${10 + i}${opts.dual ? `, ip6: "fd00::${10 + i}"` : ''}}`);
  return [
    'apiVersion: podpath.dev/v1alpha1', 'kind: Cluster', 'metadata: {name: test}', 'spec:',
    opts.dual ? '  clusterCIDR: [10.244.0.0/16, "fd00:10::/56"]' : '  clusterCIDR: 10.244.0.0/16',
    opts.dual ? '  serviceCIDR: [10.96.0.0/12, "fd00:96::/108"]' : '  serviceCIDR: 10.96.0.0/12',
    `  cni: {plugin: calico, backend: ${opts.backend ?? 'ipip'}}`, '  nodes:', ...nodes, '',
  ].join('\n');
}

const deployment = (name: string, replicas: number) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}}\nspec:\n  replicas: ${replicas}\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}\n`;

test('a Calico node with more pods than its /26 holds claims further blocks: every pod is placed, each inside one of its node\'s blocks, no block shared', () => {
  const a = analyzeYaml(calicoCluster({ nodes: 2 }), deployment('big', 220));
  const c = a.cluster;
  assert.deepEqual(c.findings.filter((f) => f.severity === 'error'), []);
  assert.equal(c.pods.length, 220);
  const blocks: Cidr[] = [];
  for (const n of c.nodes) {
    const mine = podBlocksOf(c, n);
    assert.ok(mine.length >= 2, `${n.name} holds ${mine.length} blocks`);
    for (const b of mine) {
      assert.equal(b.prefix, 26);
      assert.ok(cidrContains(c.config.clusterCIDR, b.base), `${b.text} inside the pool`);
      for (const other of blocks) assert.ok(!cidrsOverlap(b, other), `${b.text} overlaps ${other.text}`);
      blocks.push(b);
    }
    for (const p of c.pods.filter((p) => p.node === n.name)) assert.ok(mine.some((b) => cidrContains(b, p.ip)), `${p.key} ${p.ip} outside ${n.name}'s blocks`);
  }
  assert.equal(new Set(c.pods.map((p) => p.ip)).size, 220, 'no address handed out twice');
});

test('each node blackholes every block it holds and routes every block of the other node over tunl0; a pod in a claimed block is reached across nodes', () => {
  const a = analyzeYaml(calicoCluster({ nodes: 2 }), deployment('big', 220));
  const c = a.cluster;
  const [n1, n2] = c.nodes;
  const text1 = formatDataplaneText(a.dataplane.node(n1.name)!);
  for (const b of podBlocksOf(c, n1)) assert.match(text1, new RegExp(`^blackhole ${b.text.replace(/\./g, '\\.')} proto bird`, 'm'));
  for (const b of podBlocksOf(c, n2)) assert.match(text1, new RegExp(`^${b.text.replace(/\./g, '\\.')} via ${n2.ip.replace(/\./g, '\\.')} dev tunl0 proto bird onlink`, 'm'));
  // Both ends in a block their node claimed after the first.
  const inClaimed = (n: typeof n1) => c.pods.find((p) => p.node === n.name && !cidrContains(n.podCIDR, p.ip))!;
  const src = inClaimed(n1);
  const dst = inClaimed(n2);
  const t = trace(a, { from: src.key, to: dst.key });
  assert.equal(t.verdict, 'delivered', t.notes.join('\n'));
  const route = t.hops.find((h) => h.node === n1.name && h.stage === 'routing' && h.netns === 'root')!;
  const dstBlock = podBlocksOf(c, n2).find((b) => cidrContains(b, dst.ip))!;
  assert.equal(route.decidedBy!.text, `${dstBlock.text} via ${n2.ip} dev tunl0 proto bird onlink`);
  assert.equal(t.hops.at(-1)!.netns, dst.key);
});

test('claimed blocks do not depend on the order the manifests are written in', () => {
  const one = analyzeYaml(calicoCluster({ nodes: 3 }), deployment('a', 150), deployment('b', 150));
  const two = analyzeYaml(deployment('b', 150), deployment('a', 150), calicoCluster({ nodes: 3 }));
  const blocks = (x: typeof one) => x.cluster.nodes.map((n) => podBlocksOf(x.cluster, n).map((b) => b.text));
  assert.deepEqual(blocks(one), blocks(two));
  assert.deepEqual(one.cluster.pods.map((p) => [p.key, p.ip]), two.cluster.pods.map((p) => [p.key, p.ip]));
});

test(`a node stops at ${CALICO_MAX_BLOCKS_PER_HOST} blocks (maxBlocksPerHost): the pods beyond are a pod-cidr-exhausted error that says so`, () => {
  const perBlock = 62;
  const a = analyzeYaml(calicoCluster({ nodes: 1 }), deployment('huge', CALICO_MAX_BLOCKS_PER_HOST * perBlock + 5));
  const c = a.cluster;
  assert.equal(podBlocksOf(c, c.nodes[0]).length, CALICO_MAX_BLOCKS_PER_HOST);
  assert.equal(c.pods.length, CALICO_MAX_BLOCKS_PER_HOST * perBlock);
  const errors = c.findings.filter((f) => f.code === 'pod-cidr-exhausted');
  assert.equal(errors.length, 1);
  assert.match(errors[0].message, new RegExp(`its ${CALICO_MAX_BLOCKS_PER_HOST} Calico blocks \\(maxBlocksPerHost ${CALICO_MAX_BLOCKS_PER_HOST}\\) for 5 pods of Deployment default/huge`));
});

test('a pool with no free block left: the finding names the pool', () => {
  const doc = calicoCluster({ nodes: 2 }).replace('clusterCIDR: 10.244.0.0/16', 'clusterCIDR: 10.244.0.0/25');
  const a = analyzeYaml(doc, deployment('big', 130));
  const c = a.cluster;
  assert.equal(c.pods.length, 124);
  const errors = c.findings.filter((f) => f.code === 'pod-cidr-exhausted');
  assert.ok(errors.length >= 1);
  for (const e of errors) assert.match(e.message, /and clusterCIDR 10\.244\.0\.0\/25 has no free \/26 left/);
});

test('flannel and dual-stack Calico keep one block a node (a node\'s /24 is what flannel leases; a dual-stack pod pairs its two blocks)', () => {
  const dual = analyzeYaml(calicoCluster({ nodes: 1, dual: true }), deployment('big', 70));
  assert.equal(dual.cluster.extraPodBlocks, undefined);
  assert.equal(dual.cluster.pods.length, 62);
  assert.ok(dual.cluster.findings.some((f) => f.code === 'pod-cidr-exhausted'));
  const flannel = analyzeYaml(calicoCluster({ nodes: 1 }).replace('plugin: calico, backend: ipip', 'plugin: flannel'), deployment('big', 300));
  assert.equal(flannel.cluster.extraPodBlocks, undefined);
  assert.equal(flannel.cluster.pods.length, 253);
});

// A dump of a live Calico cluster: calico-ipam ignores the Node's spec.podCIDR (the controller
// manager's /24), and a node's pods sit in whichever /26 blocks it holds.
const livePod = (name: string, node: string, hostIP: string, ip: string) =>
  `- apiVersion: v1\n  kind: Pod\n  metadata: {name: ${name}, namespace: default, labels: {app: ${name}}}\n  spec: {nodeName: ${node}, containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}\n  status: {phase: Running, hostIP: ${hostIP}, podIP: ${ip}, podIPs: [{ip: ${ip}}]}\n`;
const liveNode = (name: string, ip: string, podCIDR: string) =>
  `- apiVersion: v1\n  kind: Node\n  metadata: {name: ${name}}\n  spec: {podCIDR: ${podCIDR}, podCIDRs: [${podCIDR}]}\n  status: {addresses: [{type: InternalIP, address: ${ip}}]}\n`;
const calicoDoc = (pool: string) => `apiVersion: podpath.dev/v1alpha1\nkind: Cluster\nmetadata: {name: live}\nspec:\n  clusterCIDR: ${pool}\n  serviceCIDR: 10.96.0.0/12\n  cni: {plugin: calico, backend: ipip}\n`;

test('a live Calico dump whose pods sit outside the Nodes\' spec.podCIDR: no ip-outside-pod-cidr, every block routed, pods on two nodes reach each other', () => {
  const dump = 'apiVersion: v1\nkind: List\nitems:\n' + liveNode('worker-1', '10.0.0.11', '192.168.1.0/24') + liveNode('worker-2', '10.0.0.12', '192.168.2.0/24')
    + livePod('a', 'worker-1', '10.0.0.11', '192.168.45.70') + livePod('b', 'worker-2', '10.0.0.12', '192.168.77.130') + livePod('c', 'worker-2', '10.0.0.12', '192.168.12.5');
  const a = analyzeYaml(calicoDoc('192.168.0.0/16'), dump);
  assert.deepEqual(a.cluster.findings.map((f) => f.code), []);
  const blocks = (n: string) => podBlocksOf(a.cluster, a.cluster.nodesByName.get(n)!).map((b) => b.text);
  assert.deepEqual(blocks('worker-1'), ['192.168.1.0/24', '192.168.45.64/26']);
  assert.deepEqual(blocks('worker-2'), ['192.168.2.0/24', '192.168.77.128/26', '192.168.12.0/26']);
  const text1 = formatDataplaneText(a.dataplane.node('worker-1')!);
  assert.match(text1, /^blackhole 192\.168\.45\.64\/26 proto bird$/m);
  assert.match(formatDataplaneText(a.dataplane.node('worker-2')!), /^# node worker-2: .*pod CIDR 192\.168\.2\.0\/24, Calico blocks also 192\.168\.77\.128\/26, 192\.168\.12\.0\/26$/m);
  assert.match(text1, /^192\.168\.77\.128\/26 via 10\.0\.0\.12 dev tunl0 proto bird onlink$/m);
  assert.match(text1, /^192\.168\.12\.0\/26 via 10\.0\.0\.12 dev tunl0 proto bird onlink$/m);
  for (const to of ['default/b', 'default/c']) {
    const t = trace(a, { from: 'default/a', to, port: 80 });
    assert.equal(t.verdict, 'delivered', `${to}: ${t.notes.join('\n')}`);
  }
  assert.equal(trace(a, { from: 'default/b', to: 'default/a', port: 80 }).verdict, 'delivered');
});

test('a live Calico dump: an address in another node\'s block is borrowed (a /32 routed to its node); one outside the pool stays a warning', () => {
  const dump = 'apiVersion: v1\nkind: List\nitems:\n' + liveNode('worker-1', '10.0.0.11', '192.168.1.0/24') + liveNode('worker-2', '10.0.0.12', '192.168.2.0/24')
    + livePod('a', 'worker-1', '10.0.0.11', '192.168.45.70') + livePod('b', 'worker-2', '10.0.0.12', '192.168.45.71') + livePod('z', 'worker-2', '10.0.0.12', '172.30.0.9');
  const a = analyzeYaml(calicoDoc('192.168.0.0/16'), dump);
  assert.deepEqual(a.cluster.findings.map((f) => [f.code, f.message]), [['ip-outside-pod-cidr', 'pod default/z has IP 172.30.0.9, outside the Calico pool 192.168.0.0/16']]);
  assert.deepEqual(podBlocksOf(a.cluster, a.cluster.nodesByName.get('worker-2')!).map((b) => b.text), ['192.168.2.0/24', '192.168.45.71/32']);
  const text1 = formatDataplaneText(a.dataplane.node('worker-1')!);
  assert.match(text1, /^192\.168\.45\.71 via 10\.0\.0\.12 dev tunl0 proto bird onlink$/m, 'ip route writes a /32 as the bare address');
  assert.doesNotMatch(formatDataplaneText(a.dataplane.node('worker-2')!), /blackhole 192\.168\.45\.71/);
  assert.equal(trace(a, { from: 'default/a', to: 'default/b', port: 80 }).verdict, 'delivered');
});

test('a Calico pod dump without Node objects: each node takes the lowest block of its pods no other node took, the rest come from the addresses', () => {
  const dump = 'apiVersion: v1\nkind: List\nitems:\n' + livePod('a', 'worker-1', '10.0.0.11', '10.244.7.70') + livePod('a2', 'worker-1', '10.0.0.11', '10.244.3.1')
    + livePod('b', 'worker-2', '10.0.0.12', '10.244.9.130');
  const a = analyzeYaml(dump);
  assert.equal(a.cluster.config.plugin, 'flannel', 'no Cluster document: the default CNI');
  const withCalico = analyzeYaml(calicoDoc('10.244.0.0/16'), dump);
  assert.deepEqual(withCalico.cluster.findings.map((f) => f.code), []);
  assert.deepEqual(podBlocksOf(withCalico.cluster, withCalico.cluster.nodesByName.get('worker-1')!).map((b) => b.text), ['10.244.3.0/26', '10.244.7.64/26']);
  assert.equal(trace(withCalico, { from: 'default/b', to: 'default/a', port: 80 }).verdict, 'delivered');
});

test('a dump\'s calico-node tunnel annotation is the tunnel device\'s address; text that is not an IPv4 address is a warning at the annotation and unused', () => {
  const annotated = (name: string, ip: string, tunnel: string) =>
    `- apiVersion: v1\n  kind: Node\n  metadata:\n    name: ${name}\n    annotations: {projectcalico.org/IPv4VXLANTunnelAddr: "${tunnel}"}\n  spec: {podCIDR: ${ip.replace(/^10\.0\.0\.(\d+)$/, '192.168.$1.0/24')}}\n  status: {addresses: [{type: InternalIP, address: ${ip}}]}\n`;
  const doc = calicoDoc('192.168.0.0/16').replace('backend: ipip', 'backend: vxlan');
  const dump = 'apiVersion: v1\nkind: List\nitems:\n' + annotated('worker-1', '10.0.0.11', '192.168.45.64') + annotated('worker-2', '10.0.0.12', 'not-an-ip')
    + livePod('a', 'worker-1', '10.0.0.11', '192.168.45.70') + livePod('b', 'worker-2', '10.0.0.12', '192.168.77.130');
  const a = analyzeYaml(doc, dump);
  assert.deepEqual(where(a.findings), ['invalid-value@test-1.yaml:15:58']);
  const text = (n: string) => formatDataplaneText(a.dataplane.node(n)!);
  assert.match(text('worker-1'), /inet 192\.168\.45\.64\/32 scope global vxlan\.calico/);
  assert.match(text('worker-2'), /inet 192\.168\.12\.0\/32 scope global vxlan\.calico/, 'the first address of its block');
  // The other node reaches worker-1's blocks through that VTEP address.
  assert.match(text('worker-2'), /^192\.168\.45\.64\/26 via 192\.168\.45\.64 dev vxlan\.calico onlink$/m);
  assert.equal(trace(a, { from: 'default/b', to: 'default/a', port: 80 }).verdict, 'delivered');
});
