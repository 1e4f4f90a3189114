import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../src/core/cluster/model';
import { matchesSelector } from '../../src/core/cluster/labels';
import { computeReachability, reachabilityAfterPolicyEdit, rebaseReachability } from '../../src/core/policy/reachability';
import { analyzeYaml, clusterDoc } from '../support/analyze';
import { naiveConnSet, portBoundaries } from '../support/naive-policy';
import { reachabilityAnswers } from '../support/reachability-answers';

/**
 * A peer selector that many classes match (a tier label over dozens of workloads) is filed in
 * the NetworkPolicy indexes once, under the list of classes it matches, not once per class.
 * Every answer read through such a list — a pair's connections, the all-pairs counts, a
 * computation on the earlier classes after a policy edit, a result carried over to moved pods —
 * must equal the pair-by-pair reference. The random clusters of the property test hold a few
 * pods, too few for any selector to match that many classes; these hold 40 workloads.
 */

const WORKLOADS = 40;
const TIERS = ['web', 'api', 'db'];

function workspace(policies: string[][], extraReplicas = 0): Cluster {
  const docs: string[] = [clusterDoc({ plugin: 'calico' })];
  docs.push('apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {team: shop}}\n');
  docs.push('apiVersion: v1\nkind: Namespace\nmetadata: {name: ops, labels: {team: ops}}\n');
  for (let i = 0; i < WORKLOADS; i++) {
    const ns = i % 4 === 3 ? 'ops' : 'shop';
    const replicas = 1 + (i % 2) + (i === 0 ? extraReplicas : 0);
    docs.push([
      'apiVersion: apps/v1', 'kind: Deployment', `metadata: {name: app-${i}, namespace: ${ns}}`, 'spec:', `  replicas: ${replicas}`,
      `  selector: {matchLabels: {app: app-${i}}}`, '  template:', `    metadata: {labels: {app: app-${i}, tier: ${TIERS[i % 3]}}}`,
      `    spec: {containers: [{name: main, image: example/app, ports: [{name: http, containerPort: ${i % 5 === 0 ? 8080 : 80}}]}]}`, '',
    ].join('\n'));
  }
  policies.forEach((body, i) => docs.push(['apiVersion: networking.k8s.io/v1', 'kind: NetworkPolicy', `metadata: {name: p${i}, namespace: shop}`, 'spec:', ...body.map((l) => `  ${l}`), ''].join('\n')));
  return analyzeYaml(...docs).cluster;
}

/** Ingress from the web and api tiers (one list per namespace), egress to the web tier in ops, on several apps. */
const POLICIES: string[][] = [
  ...[0, 1, 2, 4, 5].map((i) => [
    `podSelector: {matchLabels: {app: app-${i}}}`, 'ingress:',
    '  - from: [{podSelector: {matchExpressions: [{key: tier, operator: In, values: [web, api]}]}}]', '    ports: [{port: http}]',
    '  - from: [{namespaceSelector: {matchLabels: {team: ops}}, podSelector: {matchLabels: {tier: web}}}]', '    ports: [{protocol: TCP, port: 9000}]',
  ]),
  ['podSelector: {matchLabels: {tier: db}}', 'policyTypes: [Egress]', 'egress:',
    '  - to: [{namespaceSelector: {matchLabels: {team: ops}}, podSelector: {matchExpressions: [{key: tier, operator: In, values: [web, api]}]}}]', '    ports: [{port: 8080}]'],
];

/** Every ordered pair against the naive reference, and each pod's counts from the same pairs. */
function assertMatchesReference(cluster: Cluster, reach = computeReachability(cluster)): void {
  const boundaries = portBoundaries(cluster);
  const counts = reach.counts();
  for (const src of cluster.pods) {
    let reaches = 0;
    for (const dst of cluster.pods) {
      if (dst === src) continue;
      const expected = naiveConnSet(cluster, src, dst, boundaries);
      assert.equal(reach.allowed(src, dst).toString(), expected.toString(), `${src.key} → ${dst.key}`);
      if (!expected.isEmpty()) reaches++;
    }
    assert.equal(counts.reaches[reach.classOf(src).id], reaches, `${src.key} reaches`);
  }
}

test('a peer selector matching many classes answers every pair and count as the pair-by-pair reference', () => {
  const cluster = workspace(POLICIES);
  // The premise: the tier selector matches more classes than the index looks at one by one (16).
  const tiers = { matchLabels: {}, matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['web', 'api'] }] };
  const reach = computeReachability(cluster);
  const matching = reach.classes.filter((c) => c.namespace === 'shop' && matchesSelector(c.representative.labels, tiers));
  assert.ok(matching.length > 16, `${matching.length} classes match the tier selector`);
  assertMatchesReference(cluster, reach);
  // Some pairs are denied and some allowed through the lists, or the test proves little.
  const counts = reach.counts();
  assert.ok(reach.classes.some((c) => counts.reachedBy[c.id] > 0 && counts.reachedBy[c.id] < cluster.pods.length - 1), 'a class reached by some pods and not others');
});

test('a policy edit computed on the earlier classes reads the earlier lists as a fresh computation does', () => {
  const before = workspace(POLICIES);
  const reach = computeReachability(before);
  reach.counts();
  const edited = POLICIES.map((body, i) => (i === 1 ? body.map((l) => l.replace('port: 9000', 'port: 9001')) : body));
  const fresh = workspace(edited);
  // The edited cluster keeps the earlier pods (only a policy changed), as the editor's analysis does.
  const next: Cluster = { ...before, policies: fresh.policies };
  const r = reachabilityAfterPolicyEdit(reach, next);
  assert.ok(r, 'computed on the earlier classes');
  assert.deepEqual(reachabilityAnswers(r, next), reachabilityAnswers(computeReachability(next), next));
  assertMatchesReference(next, r);
});

test('a result carried over to moved pods reads the lists as a fresh computation does', () => {
  const before = workspace(POLICIES);
  const reach = computeReachability(before);
  reach.counts();
  const after = workspace(POLICIES, 2);
  const rebased = rebaseReachability(reach, after);
  assert.ok(rebased, 'carried over');
  assert.deepEqual(reachabilityAnswers(rebased, after), reachabilityAnswers(computeReachability(after), after));
});
