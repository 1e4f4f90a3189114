import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, where } from '../support/manifests';

/** Reading AdminNetworkPolicy and BaselineAdminNetworkPolicy with the CRD's validation, each finding at its field. */

const ANP = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: cluster-control}
spec:
  priority: 34
  subject:
    namespaces: {}
  ingress:
    - name: allow-from-monitoring
      action: Allow
      from:
        - namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
    - name: pass-same-ns
      action: Pass
      from:
        - pods:
            namespaceSelector: {matchLabels: {team: a}}
            podSelector: {matchLabels: {app: web}}
      ports:
        - portNumber: {protocol: UDP, port: 53}
        - namedPort: http
        - portRange: {start: 8000, end: 9000}
  egress:
    - action: Deny
      to:
        - networks: [10.0.0.0/8, 192.168.0.0/16]
        - nodes: {matchLabels: {role: control}}
`;

test('an AdminNetworkPolicy is read with its priority, subject, rules, peers and ports', () => {
  const { load, cluster } = build(ANP);
  assert.deepEqual(where(load.findings), []);
  const [p] = load.manifests.adminPolicies!;
  assert.equal(p.kind, 'AdminNetworkPolicy');
  assert.equal(p.priority, 34);
  assert.deepEqual(p.subject.namespaces, { matchLabels: {}, matchExpressions: [] });
  assert.equal(p.ingress.length, 2);
  assert.deepEqual(p.ingress.map((r) => [r.name, r.action]), [['allow-from-monitoring', 'Allow'], ['pass-same-ns', 'Pass']]);
  assert.deepEqual(p.ingress[1].peers[0].pods?.podSelector.matchLabels, { app: 'web' });
  assert.deepEqual(p.ingress[1].ports!.map((x) => [x.protocol, x.port, x.endPort, x.namedPort]), [['UDP', 53, undefined, undefined], ['TCP', undefined, undefined, 'http'], ['TCP', 8000, 9000, undefined]]);
  assert.deepEqual(p.egress[0].peers.map((x) => x.networks ?? Object.keys(x.nodes!.matchLabels)), [['10.0.0.0/8', '192.168.0.0/16'], ['role']]);
  assert.equal(cluster.adminPolicies!.length, 1);
  assert.equal(p.invalid, undefined);
});

test('validation: out-of-range priority, unknown action, unknown fields, two subject kinds — each at its field, and the policy is left out', () => {
  const { load } = build(`apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: bad}
spec:
  priority: 1001
  subject:
    namespaces: {}
    pods: {namespaceSelector: {}, podSelector: {}}
  ingress:
    - action: Reject
      from: [{namespaces: {}}]
    - action: Allow
      form: [{namespaces: {}}]
  egres: []
`);
  assert.deepEqual(where(load.findings), [
    'unknown-field@f0.yaml:14:3',
    'invalid-value@f0.yaml:5:13',
    'invalid-value@f0.yaml:7:5',
    'invalid-action@f0.yaml:10:15',
    'unknown-field@f0.yaml:13:7',
    'missing-field@f0.yaml:12:7',
  ]);
  assert.equal(load.manifests.adminPolicies![0].invalid, true);
  assert.match(load.findings.find((f) => f.code === 'unknown-field' && f.message.includes('form'))!.message, /not a field/);
});

test('more than 100 rules is refused (MaxItems=100)', () => {
  const rules = Array.from({ length: 101 }, () => '    - {action: Deny, to: [{namespaces: {}}]}').join('\n');
  const { load } = build(`apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: many}
spec:
  priority: 1
  subject: {namespaces: {}}
  egress:
${rules}
`);
  assert.deepEqual(where(load.findings), ['too-many-rules@f0.yaml:8:5']);
  assert.equal(load.manifests.adminPolicies![0].invalid, true);
});

test('a BaselineAdminNetworkPolicy not named default is refused and left out; Pass is not a baseline action', () => {
  const { load } = build(`apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: other}
spec:
  subject: {namespaces: {}}
`, `apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  ingress:
    - {action: Pass, from: [{namespaces: {}}]}
  egress:
    - {action: Deny, to: [{networks: [0.0.0.0/0]}]}
`);
  assert.deepEqual(where(load.findings), ['banp-not-default@f0.yaml:3:18', 'invalid-action@f1.yaml:7:16']);
  assert.equal(load.manifests.adminPolicies!.length, 1);
  assert.equal(load.manifests.adminPolicies![0].meta.name, 'default');
  assert.equal(load.manifests.adminPolicies![0].priority, undefined);
});

test('a missing priority, a peer with no selector, a port range running backwards, namedPort with networks', () => {
  const { load } = build(`apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: gaps}
spec:
  subject: {pods: {namespaceSelector: {}, podSelector: {}}}
  egress:
    - action: Allow
      to: [{}, {networks: [10.0.0.0/8]}]
      ports: [{portRange: {start: 90, end: 80}}, {namedPort: dns}]
`);
  assert.deepEqual(where(load.findings), ['missing-field@f0.yaml:5:3', 'invalid-value@f0.yaml:8:12', 'invalid-value@f0.yaml:9:44', 'invalid-value@f0.yaml:9:14']);
});
