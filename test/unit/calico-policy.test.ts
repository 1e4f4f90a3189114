import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeYaml, clusterDoc, podDoc } from '../support/analyze';
import { calicoMatches, parseCalicoSelector } from '../../src/core/policy/calico-selector';
import { evaluatePipeline } from '../../src/core/policy/pipeline';
import { peerFor } from '../../src/core/policy/evaluate';
import { computeReachability } from '../../src/core/policy/reachability';
import { formatPipeline } from '../../src/core/format/explain-text';
import { checkPolicy } from '../../src/core/policy/hook';
import { LanguageService } from '../../src/core/service/language-service';

/**
 * Calico's own policies: the selector language, the objects as read, and the tier order
 * (kube-admin tier → Calico tiers by order → default tier holding NetworkPolicy → baseline).
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
  podDoc('db', 'node-1', { ns: 'a', labels: { app: 'db', tier: 'data' }, ip: '10.244.1.10' }),
  podDoc('web', 'node-2', { ns: 'b', labels: { app: 'web', tier: 'front' }, ip: '10.244.2.10' }),
  podDoc('batch', 'node-2', { ns: 'b', labels: { app: 'batch' }, ip: '10.244.2.11' }),
];

function cluster(...docs: string[]) {
  return analyzeYaml(clusterDoc({ plugin: 'calico', backend: 'ipip' }), NAMESPACES, ...PODS, ...docs);
}

function verdict(a: ReturnType<typeof cluster>, from: string, to: string, port = 80) {
  const src = a.cluster.podsByKey.get(from)!;
  const dst = a.cluster.podsByKey.get(to)!;
  return evaluatePipeline(a.cluster, 'ingress', dst, peerFor(a.cluster, src.ip), 'TCP', port);
}

test('selector language: equality, sets, has, negation, precedence, string operators', () => {
  const labels = { app: 'web', tier: 'front', 'example.com/zone': 'eu-west-1' };
  const cases: [string, boolean][] = [
    ["app == 'web'", true],
    ['app == "db"', false],
    ["app != 'db'", true],
    ["missing != 'x'", true],
    ["app in {'web', 'api'}", true],
    ["app not in {'web'}", false],
    ["missing not in {'web'}", true],
    ['has(tier)', true],
    ['!has(tier)', false],
    ["app == 'db' || tier == 'front' && has(app)", true],
    ["(app == 'db' || tier == 'front') && !has(app)", false],
    ["example.com/zone starts with 'eu-'", true],
    ["example.com/zone ends with '-1'", true],
    ["example.com/zone contains 'west'", true],
    ['all()', true],
    ['global()', false],
    ['', true],
  ];
  for (const [text, expected] of cases) {
    const p = parseCalicoSelector(text);
    assert.ok(p.ok, `${text} parses`);
    if (p.ok) assert.equal(calicoMatches(p.selector, labels), expected, text);
  }
});

test('selector syntax errors give the offset inside the selector', () => {
  const cases: [string, number][] = [
    ["app = 'web'", 4],
    ["app == 'web", 7],
    ["app == 'web' & has(x)", 13],
    ["has(app", 7],
    ["(app == 'a'", 11],
    ["app in {'a' 'b'}", 12],
  ];
  for (const [text, offset] of cases) {
    const p = parseCalicoSelector(text);
    assert.equal(p.ok, false, text);
    if (!p.ok) assert.equal(p.offset, offset, `${text}: ${p.error}`);
  }
});

test('a selector syntax error is a finding at its exact column in the YAML string; the policy is left out', () => {
  const text = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: bad}
spec:
  selector: "app == 'db' & has(tier)"
  ingress: [{action: Deny}]
`;
  const a = cluster(text);
  const f = a.findings.find((x) => x.code === 'calico-selector-syntax');
  assert.ok(f, 'finding present');
  // Line 5: `  selector: "app == 'db' & has(tier)"`; the value starts at column 13 (the quote), the & is offset 12 in the string.
  assert.equal(f!.range!.start.line, 5);
  assert.equal(f!.range!.start.column, 13 + 1 + 12);
  assert.equal(a.cluster.calicoPolicies!.filter((p) => !p.invalid).length, 0);
  assert.equal(verdict(a, 'b/web', 'a/db').allowed, true, 'the refused policy does not deny');
});

test('unknown fields of a Calico policy and its rules are findings; types default from the rules', () => {
  const a = cluster(`apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: p, namespace: a}
spec:
  selector: all()
  oder: 5
  egress:
    - action: Allow
      destinaton: {nets: [10.0.0.0/8]}
`);
  const unknown = a.findings.filter((f) => f.code === 'unknown-field').map((f) => f.message);
  assert.ok(unknown.some((m) => m.includes('spec.oder')), unknown.join('\n'));
  assert.ok(unknown.some((m) => m.includes('destinaton')), unknown.join('\n'));
  const p = a.cluster.calicoPolicies![0];
  assert.deepEqual(p.types, ['Egress']);
});

test('a Calico policy on a cluster whose CNI is not Calico is reported and has no effect', () => {
  const a = analyzeYaml(clusterDoc({ plugin: 'flannel', backend: 'vxlan', policy: 'calico' }), NAMESPACES, ...PODS, `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny-all}
spec:
  selector: all()
  ingress: [{action: Deny}]
`);
  const f = a.findings.find((x) => x.code === 'calico-policy-without-calico');
  assert.ok(f, a.findings.map((x) => x.code).join(','));
  assert.equal(f!.range!.start.line, 1);
  assert.equal(a.cluster.calicoPolicies, undefined);
});

const NP_ALLOW_WEB = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-web, namespace: a}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
    - from: [{namespaceSelector: {matchLabels: {team: b}}, podSelector: {matchLabels: {app: web}}}]
`;

const SECURITY_TIER = `apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
`;

test('a Deny in a higher tier beats the NetworkPolicy allow in the default tier; the trace names tier, policy and rule', () => {
  const a = cluster(NP_ALLOW_WEB, SECURITY_TIER, `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.no-front-to-data}
spec:
  tier: security
  order: 10
  selector: "tier == 'data'"
  ingress:
    - action: Deny
      protocol: TCP
      source: {selector: "tier == 'front'"}
      destination: {ports: ["1:1024"]}
    - action: Pass
`);
  const v = verdict(a, 'b/web', 'a/db', 80);
  assert.equal(v.allowed, false);
  assert.equal(v.decidedAt, 'Calico');
  const deny = v.steps.find((s) => s.action === 'Deny')!;
  assert.equal(deny.tier, 'security');
  assert.equal(deny.policy, 'GlobalNetworkPolicy/security.no-front-to-data');
  assert.equal(deny.ruleIndex, 0);
  assert.equal(deny.source!.start.line, 9);
  // Above the denied range the rule does not match: Pass goes on to the default tier, where the NetworkPolicy allows.
  const v2 = verdict(a, 'b/web', 'a/db', 8080);
  assert.equal(v2.allowed, true);
  const pass = v2.steps.find((s) => s.action === 'Pass')!;
  assert.match(pass.text, /continues at the default tier/);
  assert.equal(v2.decidedAt, 'NetworkPolicy');
  // batch is not allowed by the NetworkPolicy: the default tier denies it.
  assert.equal(verdict(a, 'b/batch', 'a/db', 8080).allowed, false);
  const explained = formatPipeline(v).join('\n');
  assert.match(explained, /Calico tiers by order/);
  assert.match(explained, /tier security: GlobalNetworkPolicy\/security\.no-front-to-data ingress\[0\]/);
  // The trace hook reports the Calico decision.
  const dst = a.cluster.podsByKey.get('a/db')!;
  const d = checkPolicy(a.cluster, { direction: 'ingress', pod: dst, peerIP: '10.244.2.10', protocol: 'tcp', port: 80 });
  assert.equal(d.api, 'Calico');
  assert.equal(d.allowed, false);
});

test('a tier whose policies apply but take no action ends in its default action: Deny, or Pass when set', () => {
  const guard = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.only-web}
spec:
  tier: security
  selector: "app == 'db'"
  ingress:
    - {action: Allow, source: {selector: "app == 'web'"}}
`;
  const a = cluster(SECURITY_TIER, guard);
  assert.equal(verdict(a, 'b/web', 'a/db').allowed, true);
  const denied = verdict(a, 'b/batch', 'a/db');
  assert.equal(denied.allowed, false);
  assert.match(denied.summary, /end of tier security/);
  const passing = cluster(SECURITY_TIER.replace('{order: 100}', '{order: 100, defaultAction: Pass}'), guard);
  assert.equal(verdict(passing, 'b/batch', 'a/db').allowed, true);
  // Pods the tier's policies do not select skip the tier.
  assert.equal(verdict(a, 'a/db', 'b/batch').allowed, true);
});

test('Calico policies in the default tier are ordered around NetworkPolicy (order 1000): before it at a lower order, after it otherwise', () => {
  const denyAt = (order: number) => `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: deny-web, namespace: a}
spec:
  order: ${order}
  selector: "app == 'db'"
  ingress: [{action: Deny, source: {namespaceSelector: "team == 'b'", selector: "app == 'web'"}}]
`;
  assert.equal(verdict(cluster(NP_ALLOW_WEB, denyAt(10)), 'b/web', 'a/db').allowed, false, 'order 10 runs before NetworkPolicy');
  assert.equal(verdict(cluster(NP_ALLOW_WEB, denyAt(2000)), 'b/web', 'a/db').allowed, true, 'order 2000 runs after the NetworkPolicy allowed it');
  // A namespaced policy's selector without namespaceSelector looks only in its own namespace.
  const sameNs = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: deny-web-same-ns, namespace: a}
spec:
  order: 10
  selector: "app == 'db'"
  ingress: [{action: Deny, source: {selector: "app == 'web'"}}, {action: Allow}]
`;
  assert.equal(verdict(cluster(sameNs), 'b/web', 'a/db').allowed, true);
});

test('AdminNetworkPolicy (kube-admin tier, order 1000) runs before a Calico tier ordered after it, and after one ordered before it', () => {
  const anp = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: allow-web}
spec:
  priority: 5
  subject: {namespaces: {matchLabels: {team: a}}}
  ingress: [{name: web, action: Allow, from: [{namespaces: {matchLabels: {team: b}}}]}]
`;
  const tier = (order: number) => `apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: ${order}}
`;
  const deny = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.deny}
spec:
  tier: security
  selector: all()
  ingress: [{action: Deny, source: {namespaceSelector: "team == 'b'"}}]
`;
  const after = cluster(anp, tier(2000), deny);
  assert.equal(verdict(after, 'b/web', 'a/db').allowed, true);
  assert.equal(verdict(after, 'b/web', 'a/db').decidedAt, 'AdminNetworkPolicy');
  const before = cluster(anp, tier(100), deny);
  assert.equal(verdict(before, 'b/web', 'a/db').allowed, false);
  // The class-based engine agrees on both.
  for (const [a, open] of [[after, true], [before, false]] as const) {
    const r = computeReachability(a.cluster);
    assert.equal(!r.allowed(a.cluster.podsByKey.get('b/web')!, a.cluster.podsByKey.get('a/db')!).isEmpty(), open);
  }
});

test('Log goes on to the next rule; nets, notNets, notPorts and protocol narrow a rule', () => {
  const a = cluster(`apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: guard}
spec:
  selector: "app == 'db'"
  order: 1
  ingress:
    - {action: Log}
    - {action: Deny, protocol: TCP, source: {nets: [10.244.2.0/24], notNets: [10.244.2.11/32]}, destination: {notPorts: [443]}}
    - {action: Allow}
`);
  assert.equal(verdict(a, 'b/web', 'a/db', 80).allowed, false, 'web is in the net, not excluded');
  assert.equal(verdict(a, 'b/web', 'a/db', 443).allowed, true, 'notPorts exempts 443');
  assert.equal(verdict(a, 'b/batch', 'a/db', 80).allowed, true, 'notNets exempts batch');
  const steps = verdict(a, 'b/web', 'a/db', 80).steps;
  assert.equal(steps[0].action, 'Log');
  const r = computeReachability(a.cluster);
  const conns = r.allowed(a.cluster.podsByKey.get('b/web')!, a.cluster.podsByKey.get('a/db')!);
  assert.equal(conns.toString(), 'SCTP 1-65535,TCP 443,UDP 1-65535');
});

test('findings: a rule an earlier rule already decides is calico-rule-shadowed; an Allow every flow of which a higher Deny takes is calico-allow-denied', () => {
  const a = cluster(SECURITY_TIER, `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.deny-front}
spec:
  tier: security
  order: 1
  selector: "app == 'db'"
  ingress:
    - {action: Deny, source: {selector: "tier == 'front'"}}
    - {action: Pass}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: allow-web}
spec:
  selector: "app == 'db'"
  ingress:
    - {action: Allow, protocol: TCP, source: {selector: "app == 'web'"}}
    - {action: Allow, protocol: TCP, source: {selector: "app == 'batch'"}, destination: {ports: [80]}}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.late}
spec:
  tier: security
  order: 2
  selector: "app == 'db'"
  ingress:
    - {action: Allow, source: {selector: "app == 'batch'"}}
`);
  const codes = a.findings.filter((f) => f.code.startsWith('calico-')).map((f) => `${f.code} ${f.message.split(' ')[0]} ${f.range!.start.line}`);
  assert.ok(codes.some((c) => c.startsWith('calico-allow-denied GlobalNetworkPolicy/allow-web')), codes.join('\n'));
  assert.ok(codes.some((c) => c.startsWith('calico-rule-shadowed GlobalNetworkPolicy/security.late')), codes.join('\n'));
  // The rule for batch on port 80 is not shadowed: Pass leaves the security tier, where nothing decides it.
  assert.ok(!codes.some((c) => c.includes('allow-web') && c.endsWith(' 21')), codes.join('\n'));
});

test('a policy naming an undeclared tier is refused by Calico: calico-unknown-tier, and it has no effect', () => {
  const a = cluster(`apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: nowhere.deny}
spec:
  tier: nowhere
  selector: all()
  ingress: [{action: Deny}]
`);
  assert.ok(a.findings.some((f) => f.code === 'calico-unknown-tier' && f.range!.start.line === 5));
  assert.equal(verdict(a, 'b/web', 'a/db').allowed, true);
});

test('hover on a Calico rule lists the flows it decides with every other tier applied', () => {
  const guard = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.guard}
spec:
  tier: security
  selector: "app == 'db'"
  ingress:
    - action: Deny
      source: {selector: "app == 'batch'"}
    - action: Allow
      protocol: TCP
      destination: {ports: [80]}
`;
  const s = new LanguageService();
  const files = [clusterDoc({ plugin: 'calico', backend: 'ipip' }), NAMESPACES, ...PODS, SECURITY_TIER, guard].map((text, i) => ({ file: `f${i}.yaml`, text }));
  s.update(files, {});
  const f = files[files.length - 1];
  const line = (needle: string) => f.text.split('\n').findIndex((l) => l.includes(needle)) + 1;
  const deny = s.hover(f.file, { line: line('action: Deny'), column: 9 })!;
  assert.match(deny.markdown, /\*\*GlobalNetworkPolicy\/security\.guard ingress\[0\]\*\* \(Deny, tier security\) denies/);
  assert.match(deny.markdown, /`b\/batch` → `a\/db` : All Connections/);
  assert.doesNotMatch(deny.markdown, /b\/web/);
  const allow = s.hover(f.file, { line: line('action: Allow'), column: 9 })!;
  // batch's flows were denied by the rule before: the Allow decides only web's TCP 80.
  assert.match(allow.markdown, /`b\/web` → `a\/db` : TCP 80/);
  assert.doesNotMatch(allow.markdown, /b\/batch/);
  const head = s.hover(f.file, { line: line('name: security.guard'), column: 20 })!;
  assert.match(head.markdown, /tier security, order none \(last\); applies to 1 pod/);
});
