import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPolicyRules } from '../../src/core/lab/policy-rules';
import { analyzeYaml, clusterDoc, podDoc } from '../support/analyze';
import { analyzeLabCase } from './cases';

// NetworkPolicy rendered as per-pod filter chains (the lab's stand-in for Calico / kube-router).

function rulesFor(caseName: string, node: string): string {
  const a = analyzeLabCase(caseName);
  const info = a.cluster.nodesByName.get(node)!;
  return renderPolicyRules(a.cluster, info, a.cluster.pods.filter((p) => p.node === node)).restore;
}

test('dispatch first in FORWARD, replies by conntrack, then egress of the source and ingress of the destination', () => {
  const text = rulesFor('network-policy', 'pol-a');
  const lines = text.split('\n');
  assert.ok(lines.includes('-I FORWARD 1 -m comment --comment "NetworkPolicy (PodPath lab)" -j PODPATH-FORWARD'));
  const dispatch = lines.filter((l) => l.startsWith('-A PODPATH-FORWARD'));
  assert.match(dispatch[0], /--ctstate RELATED,ESTABLISHED -j ACCEPT$/);
  const firstIngress = dispatch.findIndex((l) => l.includes('PODPATH-TW-'));
  const lastEgress = dispatch.map((l) => l.includes('PODPATH-FW-')).lastIndexOf(true);
  assert.ok(lastEgress < firstIngress, 'every egress jump comes before any ingress jump');
  assert.ok(!text.includes('scanner'), 'dev/scanner is selected by no policy: no chain');
});

test('selectors become pod addresses, named ports the destination\'s container ports, ipBlock except a RETURN chain', () => {
  const a = analyzeLabCase('network-policy');
  const ip = (key: string) => a.cluster.podsByKey.get(key)!.ip;
  const text = rulesFor('network-policy', 'pol-a');
  // web egress → api on its named port http (8080, from the api pod's containers).
  assert.match(text, new RegExp(`-A PODPATH-FW-\\S+ -m comment --comment "prod/web egress\\[0\\]" -d ${ip('prod/api').replace(/\./g, '\\.')} -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0x10000/0x10000`));
  // db ingress ← api on pg (5432).
  assert.match(text, new RegExp(`-s ${ip('prod/api').replace(/\./g, '\\.')} -p tcp -m tcp --dport 5432 -j MARK`));
  // web ingress ← namespace dev: both dev pods, wherever they run.
  for (const p of ['dev/tester', 'dev/scanner']) assert.ok(text.includes(`-s ${ip(p)} -p tcp -m tcp --dport 80 -j MARK`), p);
  // ipBlock with except: the range jumps to a chain that returns for the hole.
  assert.match(text, /-s 198\.51\.100\.0\/24 -p tcp -m tcp --dport 80 -j PODPATH-IB-/);
  assert.match(text, /-A PODPATH-IB-\S+ -m comment --comment "ipBlock except" -s 198\.51\.100\.128\/25 -j RETURN/);
  // Exemptions, then accept-bit check, then drop.
  assert.match(text, /a pod cannot block access to itself/);
  assert.match(text, /-m comment --comment "traffic from its own node is always allowed" -s 10\.0\.0\.11 -j RETURN/);
  assert.match(text, /-m mark --mark 0x10000\/0x10000 -j RETURN\n-A PODPATH-\S+ -m comment --comment "no NetworkPolicy rule allows this (ingress|egress)" -j DROP/);
});

test('no isolated pod on a node: no rules at all', () => {
  const a = analyzeYaml(clusterDoc({ plugin: 'calico', backend: 'vxlan' }), podDoc('a', 'node-1'), podDoc('b', 'node-2'));
  const node = a.cluster.nodesByName.get('node-1')!;
  assert.equal(renderPolicyRules(a.cluster, node, a.cluster.pods).restore, '');
});

test('an egress rule with a named port towards an ipBlock expands to the pods inside the block', () => {
  const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: out, namespace: default}
spec:
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Egress]
  egress:
    - to: [{ipBlock: {cidr: 10.244.0.0/16}}]
      ports: [{protocol: TCP, port: http}, {protocol: UDP, port: 53}]
`;
  const a = analyzeYaml(clusterDoc({ plugin: 'calico', backend: 'vxlan' }), podDoc('a', 'node-1'), podDoc('b', 'node-2', { port: 9000 }), policy);
  const node = a.cluster.nodesByName.get('node-1')!;
  const text = renderPolicyRules(a.cluster, node, a.cluster.pods).restore;
  const b = a.cluster.podsByKey.get('default/b')!;
  assert.ok(text.includes(`-d ${b.ip} -p tcp -m tcp --dport 9000 -j MARK`), 'http resolves to b\'s 9000');
  assert.ok(text.includes('-d 10.244.0.0/16 -p udp -m udp --dport 53 -j MARK'), 'numeric ports keep the range');
});
