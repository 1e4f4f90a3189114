import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeYaml, clusterDoc, podDoc } from '../support/analyze';

// Lint rules: each finding names the problem and points at the field to change.

const CALICO = clusterDoc({ plugin: 'calico', backend: 'ipip' });
const codes = (a: ReturnType<typeof analyzeYaml>, code: string) => a.findings.filter((f) => f.code === code);
const policy = (spec: string, ns = 'default', name = 'p') => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}, namespace: ${ns}}
spec:
${spec.replace(/^/gm, '  ')}
`;

test('a Service whose selector matches no pod is flagged at spec.selector', () => {
  const a = analyzeYaml(CALICO, podDoc('web', 'node-1', { labels: { app: 'web' } }), 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  selector: {app: wbe}\n  ports: [{port: 80}]\n');
  const [f] = codes(a, 'service-selects-nothing');
  assert.match(f.message, /app=wbe matches no pod/);
  assert.deepEqual([f.range!.start.line, f.range!.start.column], [5, 13]);
});

test('a named targetPort that no selected pod declares is an error at the targetPort', () => {
  const a = analyzeYaml(CALICO, podDoc('web', 'node-1', { labels: { app: 'web' } }), 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: grpc}]\n');
  const [f] = codes(a, 'target-port-unresolved');
  assert.equal(f.severity, 'error');
  assert.equal(f.range!.start.line, 6);
});

test('NetworkPolicy: selects nothing, peer matches nothing, named port unresolved', () => {
  const a = analyzeYaml(CALICO, podDoc('web', 'node-1', { labels: { app: 'web' } }),
    policy('podSelector: {matchLabels: {app: nope}}'),
    policy('podSelector: {matchLabels: {app: web}}\ningress: [{from: [{podSelector: {matchLabels: {app: ghost}}}], ports: [{port: metrics}]}]', 'default', 'q'));
  assert.equal(codes(a, 'policy-selects-nothing').length, 1);
  assert.equal(codes(a, 'peer-matches-nothing').length, 1);
  assert.match(codes(a, 'named-port-unresolved')[0].message, /named "metrics"/);
});

test('policies under a CNI that does not enforce them are flagged (flannel)', () => {
  const a = analyzeYaml(clusterDoc({ plugin: 'flannel', backend: 'vxlan' }), podDoc('web', 'node-1'), policy('podSelector: {}'));
  const [f] = codes(a, 'policy-not-enforced');
  assert.match(f.message, /flannel does not enforce NetworkPolicy/);
  assert.equal(codes(analyzeYaml(CALICO, podDoc('web', 'node-1'), policy('podSelector: {}')), 'policy-not-enforced').length, 0);
});

test('no Cluster document: one notice on the first policy, naming the setting, instead of one per policy', () => {
  const pol = (name: string) => policy('podSelector: {}', 'default', name);
  const a = analyzeYaml(podDoc('web', 'node-1'), pol('first'), pol('second'), pol('third'));
  assert.equal(codes(a, 'policy-not-enforced').length, 0);
  const [f, ...more] = codes(a, 'no-cluster-document');
  assert.equal(more.length, 0);
  assert.match(f.message, /^No Cluster document in the workspace: the default CNI, flannel, does not enforce NetworkPolicy, so its 3 NetworkPolicies have no effect/);
  assert.match(f.message, /podpath\.defaultCluster\.networkPolicy/);
  const first = a.cluster.policies.find((p) => p.meta.name === 'first')!;
  assert.deepEqual(f.range, first.locator.at(['metadata', 'name']));
  // One policy: the singular.
  assert.match(codes(analyzeYaml(podDoc('web', 'node-1'), pol('only')), 'no-cluster-document')[0].message, /so its NetworkPolicy has no effect/);
  // With a Cluster document the per-policy finding stays; with an enforcing one, nothing.
  assert.equal(codes(analyzeYaml(clusterDoc({ plugin: 'flannel', backend: 'vxlan' }), podDoc('web', 'node-1'), pol('a'), pol('b')), 'policy-not-enforced').length, 2);
  assert.equal(codes(analyzeYaml(CALICO, podDoc('web', 'node-1'), pol('a')), 'no-cluster-document').length, 0);
});

test('a default-deny egress policy that forgets DNS is flagged; allowing UDP and TCP 53 clears it', () => {
  const deny = analyzeYaml(CALICO, podDoc('web', 'node-1'), policy('podSelector: {}\npolicyTypes: [Egress]'));
  assert.match(codes(deny, 'egress-blocks-dns')[0].message, /allows no UDP or TCP 53/);
  const udpOnly = analyzeYaml(CALICO, podDoc('web', 'node-1'), policy('podSelector: {}\npolicyTypes: [Egress]\negress: [{ports: [{protocol: UDP, port: 53}]}]'));
  assert.match(codes(udpOnly, 'egress-blocks-dns')[0].message, /allows no TCP 53/);
  const both = analyzeYaml(CALICO, podDoc('web', 'node-1'), policy('podSelector: {}\npolicyTypes: [Egress]\negress: [{ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]}]'));
  assert.equal(codes(both, 'egress-blocks-dns').length, 0);
});

test('a policy in a namespace without pods, and a pod left with no ingress at all', () => {
  const a = analyzeYaml(CALICO, podDoc('web', 'node-1'), policy('podSelector: {}', 'empty'), policy('podSelector: {}'));
  assert.equal(codes(a, 'policy-namespace-empty').length, 1);
  assert.match(codes(a, 'pod-ingress-isolated')[0].message, /default\/web accepts no ingress/);
});

test('host-gw between nodes in different subnets is an error at the node', () => {
  const a = analyzeYaml(clusterDoc({ plugin: 'flannel', backend: 'host-gw', nodes: [['node-1', '192.168.1.10', '10.244.1.0/24'], ['node-2', '192.168.2.10', '10.244.2.0/24']] }));
  const [f] = codes(a, 'nodes-not-l2-adjacent');
  assert.match(f.message, /flannel host-gw needs L2 adjacency/);
  assert.equal(f.range!.start.line, 11, "the node-2 entry");
  assert.equal(codes(analyzeYaml(clusterDoc({ plugin: 'flannel', backend: 'vxlan', nodes: [['node-1', '192.168.1.10', '10.244.1.0/24'], ['node-2', '192.168.2.10', '10.244.2.0/24']] })), 'nodes-not-l2-adjacent').length, 0, 'vxlan does not care');
});
