import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeYaml, clusterDoc, podDoc, trace } from '../support/analyze';

// Disagreements the kernel lab found between the simulator and the kernel, kept as plain
// trace tests so they hold everywhere (the lab itself needs root).

const webNodePort = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  type: NodePort
  externalTrafficPolicy: Cluster
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
`;
const webFromOutside = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-outside, namespace: default}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - from: [{ipBlock: {cidr: 203.0.113.0/24, except: [203.0.113.128/25]}}]
`;

test('lab regression: a NodePort backend on the entry node is judged on the client address, not the masqueraded one', () => {
  // filter FORWARD (where Calico and kube-router enforce policy) runs before nat POSTROUTING
  // masquerades, so the kernel's policy sees the client. The simulator judged the rewritten
  // source — the node's own address — and let an excluded client in.
  const a = analyzeYaml(clusterDoc({ plugin: 'calico', backend: 'vxlan' }), podDoc('web', 'node-1', { labels: { app: 'web' } }), webNodePort, webFromOutside);
  const inside = trace(a, { from: '203.0.113.7', to: '192.168.1.10', port: 30080 });
  assert.equal(inside.verdict, 'delivered');
  const policyHop = inside.hops.find((h) => h.stage === 'policy')!;
  assert.equal(policyHop.action, 'allowed');
  assert.match(policyHop.summary, /allowed by default\/web-from-outside ingress\[0\]/);
  assert.ok(inside.notes.some((n) => /sees 203\.0\.113\.7, the source before masquerading/.test(n)));
  assert.equal(inside.hops[inside.hops.length - 1].packet.src, '192.168.1.10', 'the pod still sees the masqueraded source');

  const excluded = trace(a, { from: '203.0.113.200', to: '192.168.1.10', port: 30080 });
  assert.equal(excluded.verdict, 'dropped', 'the except range stays out, whatever the masquerade makes of it');

  // Through the other node the source is rewritten before it reaches web's node: no match there.
  assert.equal(trace(a, { from: '203.0.113.7', to: '192.168.1.11', port: 30080 }).verdict, 'dropped');
});

test('lab regression: a node reaches its own pods from its bridge address, and that is still "the node"', () => {
  const deny = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: default}
spec:
  podSelector: {}
  policyTypes: [Ingress]
`;
  const a = analyzeYaml(clusterDoc({ plugin: 'bridge', policy: 'enforced' }), podDoc('server', 'node-1'), deny);
  const own = trace(a, { from: 'node:node-1', to: 'pod:default/server' });
  assert.equal(own.verdict, 'delivered');
  const last = own.hops[own.hops.length - 1];
  assert.notEqual(last.packet.src, '192.168.1.10', 'the source is cbr0\'s address, not the node IP');
  assert.match(own.hops.find((h) => h.stage === 'policy')!.summary, /own node/);
  assert.equal(trace(a, { from: 'node:node-2', to: 'pod:default/server' }).verdict, 'dropped', 'another node is policed');
});
