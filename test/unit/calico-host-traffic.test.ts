import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeYaml, clusterDoc, podDoc } from '../support/analyze';
import { evaluatePipeline, pipelineConns } from '../../src/core/policy/pipeline';
import { peerFor } from '../../src/core/policy/evaluate';
import { tracePacket } from '../../src/core/forward/engine';

// On Calico, what a node sends into its own pods never meets their ingress policy (Felix returns
// from OUTPUT before any endpoint chain); another node's traffic does, and so does a pod's egress
// towards its own node.

const LOCKDOWN = `apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.lockdown}
spec:
  tier: security
  selector: app == 'web'
  types: [Ingress, Egress]
  ingress:
    - action: Allow
      source: {selector: "app == 'client'"}
`;

function cluster() {
  return analyzeYaml(clusterDoc({ plugin: 'calico', backend: 'vxlan' }), podDoc('web', 'node-1', { port: 8080, ip: '10.244.1.10' }), podDoc('client', 'node-2', { ip: '10.244.2.10' }), LOCKDOWN);
}

test('ingress from the pod\'s own node is allowed before any tier; from another node the tier\'s end denies it', () => {
  const a = cluster();
  const web = a.cluster.podsByKey.get('default/web')!;
  const own = evaluatePipeline(a.cluster, 'ingress', web, peerFor(a.cluster, '192.168.1.10'), 'TCP', 8080);
  assert.equal(own.allowed, true);
  assert.equal(own.decidedAt, 'exemption');
  assert.match(own.summary, /own node \(node-1\) into it is never policed on Calico/);
  assert.deepEqual(own.steps, [], 'no tier was consulted');
  const other = evaluatePipeline(a.cluster, 'ingress', web, peerFor(a.cluster, '192.168.1.11'), 'TCP', 8080);
  assert.equal(other.allowed, false);
  assert.match(other.summary, /end of tier security/);
  assert.ok(pipelineConns(a.cluster, 'ingress', web, { ip: '192.168.1.10' }).isAll());
  assert.ok(pipelineConns(a.cluster, 'ingress', web, { ip: '192.168.1.11' }).isEmpty());
});

test('egress from a pod to its own node is still policed', () => {
  const a = cluster();
  const web = a.cluster.podsByKey.get('default/web')!;
  const out = evaluatePipeline(a.cluster, 'egress', web, peerFor(a.cluster, '192.168.1.10'), 'TCP', 10250);
  assert.equal(out.allowed, false, out.summary);
});

test('a trace from the node to its own pod is delivered, from the other node dropped in tier security', () => {
  const a = cluster();
  const own = tracePacket(a.dataplane, { from: 'node:node-1', to: 'pod:default/web', port: 8080, protocol: 'tcp' });
  assert.ok(own.ok);
  assert.equal(own.trace.verdict, 'delivered');
  const other = tracePacket(a.dataplane, { from: 'node:node-2', to: 'pod:default/web', port: 8080, protocol: 'tcp' });
  assert.ok(other.ok);
  assert.equal(other.trace.verdict, 'dropped');
});
