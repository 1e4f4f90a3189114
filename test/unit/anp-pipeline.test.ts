import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeYaml, clusterDoc, podDoc, trace } from '../support/analyze';
import { computeReachability } from '../../src/core/policy/reachability';
import { evaluatePipeline } from '../../src/core/policy/pipeline';
import { peerFor } from '../../src/core/policy/evaluate';
import { computeConnlist, formatLine } from '../../src/core/policy/connlist';
import { formatPipeline } from '../../src/core/format/explain-text';
import { where } from '../support/manifests';
import { LanguageService } from '../../src/core/service/language-service';

/**
 * The policy order (AdminNetworkPolicy by priority → NetworkPolicy → BaselineAdminNetworkPolicy
 * → allow) as traces, `explain` and the reachability engine show it.
 */

const NAMESPACES = `apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {team: a}}
---
apiVersion: v1
kind: Namespace
metadata: {name: b, labels: {team: b}}
`;

const PODS = [
  podDoc('web', 'node-1', { ns: 'a', labels: { app: 'web' }, ip: '10.244.1.10' }),
  podDoc('client', 'node-2', { ns: 'b', labels: { app: 'client' }, ip: '10.244.2.10' }),
  podDoc('other', 'node-2', { ns: 'b', labels: { app: 'other' }, ip: '10.244.2.11' }),
];

const ANP_PASS_THEN_DENY = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: guard-a}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {team: a}}}
  ingress:
    - name: pass-client
      action: Pass
      from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: client}}}}]
    - name: deny-b
      action: Deny
      from: [{namespaces: {matchLabels: {team: b}}}]
`;

const NP_WEB_FROM_CLIENT = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: a}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: client}}}]
      ports: [{port: 8080}]
`;

function analysis(...extra: string[]) {
  return analyzeYaml(clusterDoc({ plugin: 'calico', backend: 'ipip' }), NAMESPACES, ...PODS, ...extra);
}

test('Pass hands the flow to NetworkPolicy; the next rule (Deny) decides the others', () => {
  const a = analysis(ANP_PASS_THEN_DENY, NP_WEB_FROM_CLIENT);
  const reach = computeReachability(a.cluster);
  const pod = (k: string) => a.cluster.podsByKey.get(k)!;
  assert.equal(reach.allowed(pod('b/client'), pod('a/web')).toString(), 'TCP 8080');
  assert.ok(reach.allowed(pod('b/other'), pod('a/web')).isEmpty());
  // The ANP says nothing about egress and nothing selects b's pods for ingress.
  assert.ok(reach.allowed(pod('a/web'), pod('b/other')).isAll());

  const t = trace(a, { from: 'b/client', to: 'a/web', port: 8080 });
  assert.equal(t.verdict, 'delivered');
  const hop = t.hops.find((h) => h.stage === 'policy' && h.policySteps)!;
  assert.deepEqual(hop.policySteps!.map((s) => `${s.api} ${s.policy ?? '-'} ${s.ruleIndex ?? '-'} ${s.ruleName ?? '-'} ${s.action}`), [
    'AdminNetworkPolicy AdminNetworkPolicy/guard-a 0 pass-client Pass',
    'NetworkPolicy a/web 0 - Allow',
  ]);
  assert.match(hop.policySteps![0].text, /evaluation continues at NetworkPolicy/);
  assert.equal(hop.policySteps![0].source!.start.line, 8);
  assert.match(hop.summary, /^NetworkPolicy \(ingress of a\/web\): passed to NetworkPolicy: allowed by a\/web ingress\[0\]/);

  const d = trace(a, { from: 'b/other', to: 'a/web', port: 8080 });
  assert.equal(d.verdict, 'dropped');
  const drop = d.hops.find((h) => h.action === 'dropped')!;
  assert.match(drop.summary, /^AdminNetworkPolicy \(ingress of a\/web\) drops it: denied by AdminNetworkPolicy\/guard-a ingress\[1\] "deny-b" \(priority 10\)/);
  assert.equal(drop.decidedBy!.source!.start.line, 11);
});

test('an ANP Allow is final: NetworkPolicy cannot take it back; a lower number wins over a higher one', () => {
  const allowOther = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: allow-other}
spec:
  priority: 5
  subject: {pods: {namespaceSelector: {matchLabels: {team: a}}, podSelector: {matchLabels: {app: web}}}}
  ingress:
    - {name: other-web, action: Allow, from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: other}}}}], ports: [{namedPort: http}]}
`;
  const a = analysis(ANP_PASS_THEN_DENY, NP_WEB_FROM_CLIENT, allowOther);
  const reach = computeReachability(a.cluster);
  const pod = (k: string) => a.cluster.podsByKey.get(k)!;
  // podDoc names its port http → 8080: the named port resolves on the subject pod.
  assert.equal(reach.allowed(pod('b/other'), pod('a/web')).toString(), 'TCP 8080');
  const v = evaluatePipeline(a.cluster, 'ingress', pod('a/web'), peerFor(a.cluster, pod('b/other').ip), 'TCP', 8080);
  assert.equal(v.decidedAt, 'AdminNetworkPolicy');
  assert.deepEqual(v.steps.map((s) => `${s.policy} ${s.action}`), ['AdminNetworkPolicy/allow-other Allow']);
  // Port 81 is not the named port: allow-other has no matching rule, guard-a denies.
  const v81 = evaluatePipeline(a.cluster, 'ingress', pod('a/web'), peerFor(a.cluster, pod('b/other').ip), 'TCP', 81);
  assert.deepEqual(v81.steps.map((s) => `${s.policy} ${s.action}`), ['AdminNetworkPolicy/allow-other NoMatch', 'AdminNetworkPolicy/guard-a Deny']);
  const text = formatPipeline(v81).join('\n');
  assert.match(text, /1\. · AdminNetworkPolicy: AdminNetworkPolicy\/allow-other selects the pod, but none of its ingress rules matches/);
  assert.match(text, /2\. ✗ AdminNetworkPolicy: AdminNetworkPolicy\/guard-a ingress\[1\] "deny-b" \(Deny; from: namespaces team=b\) denies it/);
  assert.match(text, /⇒ denied/);
});

const BANP_DENY_B = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  ingress:
    - {name: deny-from-b, action: Deny, from: [{namespaces: {matchLabels: {team: b}}}]}
  egress:
    - {name: deny-to-web, action: Deny, to: [{networks: [10.244.1.10/32]}]}
`;

test('the baseline applies only where no NetworkPolicy selects the pod in that direction', () => {
  const pod = (a: ReturnType<typeof analysis>, k: string) => a.cluster.podsByKey.get(k)!;
  const only = analysis(BANP_DENY_B);
  const r1 = computeReachability(only.cluster);
  assert.ok(r1.allowed(pod(only, 'b/client'), pod(only, 'a/web')).isEmpty(), 'baseline denies b → a (both its egress and ingress rules match)');
  assert.ok(r1.allowed(pod(only, 'a/web'), pod(only, 'b/client')).isAll(), 'nothing denies a → b');
  const withNp = analysis(BANP_DENY_B, NP_WEB_FROM_CLIENT, `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-out, namespace: b}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{}]
`);
  const r2 = computeReachability(withNp.cluster);
  // NetworkPolicy selects web for ingress and b's pods for egress: the baseline is not consulted.
  assert.equal(r2.allowed(pod(withNp, 'b/client'), pod(withNp, 'a/web')).toString(), 'TCP 8080');
  const v = evaluatePipeline(withNp.cluster, 'ingress', pod(withNp, 'a/web'), peerFor(withNp.cluster, '10.244.2.11'), 'TCP', 8080);
  assert.equal(v.decidedAt, 'NetworkPolicy');
  const lines = computeConnlist(r1).map(formatLine);
  assert.ok(lines.includes('a/web[Pod] => b/client[Pod] : All Connections'));
  assert.ok(!lines.some((l) => l.startsWith('b/client[Pod] => a/web[Pod]')));
  // Egress to web's /32 is denied for everyone, so the external range around it is cut there.
  assert.ok(lines.some((l) => l === 'b/client[Pod] => 10.244.1.11-255.255.255.255[External] : All Connections'), lines.join('\n'));
});

test('two AdminNetworkPolicies at one priority selecting one pod: anp-same-priority, at both priorities', () => {
  const twin = ANP_PASS_THEN_DENY.replace('name: guard-a', 'name: guard-b');
  const a = analysis(ANP_PASS_THEN_DENY, twin);
  const f = a.findings.filter((x) => x.code === 'anp-same-priority');
  assert.deepEqual(where(f), ['anp-same-priority@test-6.yaml:5:13']);
  assert.equal(f[0].related![0].range!.file, 'test-5.yaml');
  const apart = analysis(ANP_PASS_THEN_DENY, twin.replace('priority: 10', 'priority: 11'));
  assert.equal(apart.findings.filter((x) => x.code === 'anp-same-priority').length, 0);
});

test('a rule that earlier rules already decide is shadowed; an Allow every flow of which a higher Deny takes is reported as such', () => {
  const shadow = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: wide-deny}
spec:
  priority: 1
  subject: {namespaces: {}}
  ingress:
    - {name: deny-b, action: Deny, from: [{namespaces: {matchLabels: {team: b}}}]}
    - {name: deny-b-web, action: Deny, from: [{namespaces: {matchLabels: {team: b}}}], ports: [{portNumber: {port: 80}}]}
    - {name: deny-client, action: Deny, from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: client}}}}], ports: [{portNumber: {port: 80}}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: late-allow}
spec:
  priority: 2
  subject: {namespaces: {matchLabels: {team: a}}}
  ingress:
    - {name: allow-client, action: Allow, from: [{pods: {namespaceSelector: {matchLabels: {team: b}}, podSelector: {matchLabels: {app: client}}}}]}
    - {name: allow-a, action: Allow, from: [{namespaces: {matchLabels: {team: a}}}]}
`;
  const a = analysis(shadow);
  const f = a.findings.filter((x) => x.code.startsWith('anp-'));
  assert.deepEqual(f.map((x) => `${x.code} ${x.range!.start.line}`), [
    'anp-rule-shadowed 9',
    'anp-rule-shadowed 10',
    'anp-allow-denied 19',
  ]);
  assert.match(f[0].message, /deny-b-web" \(Deny\) never decides a flow: AdminNetworkPolicy\/wide-deny ingress\[0\] "deny-b" already decides/);
  assert.match(f[2].message, /allow-client" allows nothing: every flow it matches is denied first by AdminNetworkPolicy\/wide-deny ingress\[0\] "deny-b"/);
});

test('hover on an AdminNetworkPolicy rule lists the flows that rule decides; on the subject, the pods selected', () => {
  const s = new LanguageService();
  const files = [clusterDoc({ plugin: 'calico', backend: 'ipip' }), NAMESPACES, ...PODS, ANP_PASS_THEN_DENY, NP_WEB_FROM_CLIENT].map((text, i) => ({ file: `f${i}.yaml`, text }));
  s.update(files, {});
  const anp = files[5];
  const line = (needle: string) => anp.text.split('\n').findIndex((l) => l.includes(needle)) + 1;
  const deny = s.hover(anp.file, { line: line('name: deny-b'), column: 9 })!;
  // client's flows were passed by the rule before: deny-b decides only other's.
  assert.match(deny.markdown, /\*\*AdminNetworkPolicy\/guard-a ingress\[1\] "deny-b"\*\* \(Deny, priority 10\) denies/);
  assert.match(deny.markdown, /`b\/other` → `a\/web` : All Connections/);
  assert.doesNotMatch(deny.markdown, /b\/client/);
  const pass = s.hover(anp.file, { line: line('name: pass-client'), column: 9 })!;
  assert.match(pass.markdown, /`b\/client` → `a\/web` : All Connections/);
  const subject = s.hover(anp.file, { line: line('subject:'), column: 14 })!;
  assert.match(subject.markdown, /selects 1 pod/);
});
