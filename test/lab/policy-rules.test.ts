import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPolicyRules } from '../../src/core/lab/policy-rules';
import { restoreInputProblems } from '../../src/core/lab/safe-text';
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

// ---- every policy API at once: Calico's tiered per-endpoint chains -------------------------

function chainOf(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`-A ${name} `));
}

/** The chain the pod's ingress (TW) or egress (FW) dispatch jumps to. */
function endpointChain(text: string, pod: string, direction: 'ingress' | 'egress'): string {
  const m = new RegExp(`--comment "${direction} of ${pod}" -[sd] \\S+ -j (\\S+)`).exec(text);
  assert.ok(m, `${direction} of ${pod} is dispatched`);
  return m[1];
}

test('tiers: the pod chain visits its tiers in order, each policy guarded by the pass bit, end-of-tier drops only where the tier denies', () => {
  const a = analyzeLabCase('policy-tiers');
  const node = a.cluster.nodesByName.get('tier-a')!;
  const text = renderPolicyRules(a.cluster, node, a.cluster.pods.filter((p) => p.node === 'tier-a')).restore;
  const db = chainOf(text, endpointChain(text, 'prod/db', 'ingress'));
  assert.match(db[0], /clear the accept, pass and drop bits" -j MARK --set-xmark 0x0\/0x70000$/);
  // security (100) → kube-admin (1,000) → platform (5,000) → default (1,000,000); no baseline for prod.
  assert.deepEqual(db.filter((l) => l.includes('Start of tier')).map((l) => /Start of tier (\S+)"/.exec(l)![1]), ['security', 'kube-admin', 'platform', 'default']);
  assert.deepEqual(db.filter((l) => l.includes('End of tier')).map((l) => /End of tier (\S+):/.exec(l)![1]), ['security', 'default'], 'kube-admin and platform default to Pass');
  const jumps = db.filter((l) => / -j PODPATH-(AI|CI|KI)-/.test(l));
  assert.ok(jumps.length === 7 && jumps.every((l) => l.includes('-m mark --mark 0x0/0x20000')), 'every policy jump waits for a clear pass bit (3 ANPs, 2 Calico, 2 NetworkPolicies)');
  assert.match(db[db.length - 2], /the profile of namespace prod allows" -j MARK --set-xmark 0x10000\/0x10000$/);
  // The scanner: the baseline for ingress (after the admin tier), Calico's security tier for egress.
  const scannerIn = chainOf(text, endpointChain(text, 'dev/scanner', 'ingress'));
  assert.deepEqual(scannerIn.filter((l) => l.includes('Start of tier')).map((l) => /Start of tier (\S+)"/.exec(l)![1]), ['kube-admin', 'kube-baseline']);
  const scannerOut = chainOf(text, endpointChain(text, 'dev/scanner', 'egress'));
  assert.ok(scannerOut.some((l) => l.includes('End of tier security')), 'scanner egress ends in the security tier\'s drop');
});

test('tiers: each rule sets its action\'s mark where it matches, then Allow and Pass return and Deny drops, in written order', () => {
  const a = analyzeLabCase('policy-tiers');
  const ip = (key: string) => a.cluster.podsByKey.get(key)!.ip;
  const node = a.cluster.nodesByName.get('tier-a')!;
  const text = renderPolicyRules(a.cluster, node, a.cluster.pods.filter((p) => p.node === 'tier-a')).restore;
  const lines = text.split('\n');
  // security.quarantine on db: Log writes nothing, Deny tester → 5432 (drop mark, DROP), then Pass all but the nodes' subnet.
  const quarantine = lines.filter((l) => l.includes('GlobalNetworkPolicy/security.quarantine') && l.includes(`-A PODPATH-CI-`));
  const chain = /^-A (\S+)/.exec(quarantine[0])![1];
  const notNets = /-j (PODPATH-X-\S+)$/.exec(chainOf(text, chain)[2] ?? '')?.[1];
  assert.ok(notNets, chainOf(text, chain).join('\n'));
  assert.deepEqual(chainOf(text, chain), [
    `-A ${chain} -m comment --comment "GlobalNetworkPolicy/security.quarantine ingress[1] Deny" -s ${ip('dev/tester')} -p tcp -m tcp --dport 5432 -j MARK --set-xmark 0x40000/0x40000`,
    `-A ${chain} -m mark --mark 0x40000/0x40000 -j DROP`,
    `-A ${chain} -m comment --comment "GlobalNetworkPolicy/security.quarantine ingress[2] Pass" -j ${notNets}`,
    `-A ${chain} -m mark --mark 0x20000/0x20000 -j RETURN`,
  ]);
  assert.deepEqual(chainOf(text, notNets), [`-A ${notNets} -m comment --comment excepted -s 10.0.1.0/24 -j RETURN`, `-A ${notNets} -j MARK --set-xmark 0x20000/0x20000`]);
  // The baseline on the scanner: Allow web first, then Deny the rest of prod (web too, but web never gets there).
  const banp = lines.filter((l) => l.includes('BaselineAdminNetworkPolicy/default'));
  assert.match(banp[0], new RegExp(`web-may-call Allow" -s ${ip('prod/web').replace(/\./g, '\\.')} -j MARK --set-xmark 0x10000/0x10000`));
  assert.ok(banp.slice(1).every((l) => l.includes('rest-of-prod Deny') && l.endsWith('-j MARK --set-xmark 0x40000/0x40000')));
  // A NetworkPolicy in the default tier: its node's traffic first, then its allows.
  assert.ok(lines.some((l) => /-A PODPATH-KI-\S+ -m comment --comment "traffic from its own node is always allowed" -s 10\.0\.1\.11 -j MARK --set-xmark 0x10000\/0x10000/.test(l)));
});

test('tiers: a rule name with quotes and line breaks stays inside its comment, and the restore input passes the lab\'s check', () => {
  const anp = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: hostile}
spec:
  priority: 1
  subject: {namespaces: {}}
  ingress:
    - name: "x\\" -j ACCEPT\\n-A FORWARD -j ACCEPT"
      action: Deny
      from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: other}}}]
`;
  const a = analyzeYaml(clusterDoc({ plugin: 'calico', backend: 'vxlan' }), podDoc('a', 'node-1'), podDoc('b', 'node-2', { ns: 'other' }), anp);
  const node = a.cluster.nodesByName.get('node-1')!;
  const text = renderPolicyRules(a.cluster, node, a.cluster.pods).restore;
  assert.deepEqual(restoreInputProblems(text), []);
  assert.ok(!text.split('\n').some((l) => l.startsWith('-A FORWARD')), 'no line of the name becomes a rule');
  assert.ok(text.includes('--comment "AdminNetworkPolicy/hostile ingress[0] x\\" -j ACCEPT\\\\n-A FORWARD -j ACCEPT Deny"'), text);
});

test('tiers: a Calico nets rule with notNets and a notSelector leaves holes for them, a hole around the whole range leaves nothing; a policy that selects nothing writes no chain', () => {
  const gnp = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: outbound}
spec:
  selector: app == 'a'
  types: [Egress]
  egress:
    - action: Allow
      protocol: TCP
      destination: {nets: [10.244.0.0/16], notNets: [10.244.2.128/25], notSelector: "app == 'c'", ports: [80]}
    - action: Allow
      protocol: UDP
      destination: {nets: [10.244.2.0/24], notNets: [10.244.0.0/16]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: nobody}
spec:
  selector: app == 'nobody'
  ingress: [{action: Deny}]
`;
  const a = analyzeYaml(clusterDoc({ plugin: 'calico', backend: 'vxlan' }), podDoc('a', 'node-1'), podDoc('b', 'node-2', { ip: '10.244.2.10' }), podDoc('c', 'node-2', { ip: '10.244.2.11' }), gnp);
  const node = a.cluster.nodesByName.get('node-1')!;
  const text = renderPolicyRules(a.cluster, node, a.cluster.pods).restore;
  const jump = /-d 10\.244\.0\.0\/16 -p tcp -m tcp --dport 80 -j (PODPATH-X-\S+)/.exec(text);
  assert.ok(jump, text);
  assert.deepEqual(chainOf(text, jump[1]).map((l) => l.replace(`-A ${jump[1]} `, '')), [
    '-m comment --comment excepted -d 10.244.2.128/25 -j RETURN',
    '-m comment --comment excepted -d 10.244.2.11 -j RETURN',
    '-j MARK --set-xmark 0x10000/0x10000',
  ]);
  assert.ok(!text.includes('egress[1]'), 'a notNets around the whole of nets leaves the rule nothing to match');
  assert.ok(!text.includes('nobody'), 'nothing selects app == nobody');
  assert.deepEqual(a.cluster.pods.filter((p) => text.includes(`ingress of ${p.key}`)), []);
});
