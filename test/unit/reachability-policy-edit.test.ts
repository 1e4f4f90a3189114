import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../src/core/cluster/model';
import { Reachability, computeReachability, countsMadeBy, reachabilityAfterPolicyEdit, rebaseReachability } from '../../src/core/policy/reachability';
import { sameInputsButPolicies } from '../../src/core/policy/reachability-inputs';
import { analyzeYaml, clusterDoc, podDoc } from '../support/analyze';
import { reachabilityAnswers } from '../support/reachability-answers';

/**
 * Reachability after an edit of NetworkPolicies alone, computed on the earlier result's classes
 * (reachabilityAfterPolicyEdit): it must answer exactly as one computed for the edited cluster
 * from scratch — every pair of pods, every pod's counts. Each edit is checked to change the
 * answers first, so a result that kept the earlier answers could not pass; and how the counts
 * were made is checked too, so a test of the shortcut cannot pass by computing everything anew.
 */

/** Policy name → its spec lines; the workloads stay the same in every workspace. */
type Policies = Record<string, string[]>;

const APPS = ['web', 'client', 'db', 'cache', 'queue', 'batch', 'auth', 'mail', 'search', 'logs', 'metrics', 'admin'];

/** Pod edits between policy edits: the web Deployment's replicas and `app` label. */
interface PodShape {
  hostNetwork?: boolean;
  webReplicas?: number;
  webApp?: string;
}

function workspace(policies: Policies, extra: PodShape = {}): Cluster {
  const deployment = (app: string, i: number) => [
    '---', 'apiVersion: apps/v1', 'kind: Deployment', `metadata: {name: ${app}, namespace: shop}`, 'spec:', `  replicas: ${app === 'web' && extra.webReplicas !== undefined ? extra.webReplicas : 1 + (i % 3)}`,
    `  selector: {matchLabels: {app: ${app}}}`, '  template:', `    metadata: {labels: {app: ${app === 'web' ? extra.webApp ?? app : app}, tier: ${i % 2 ? 'back' : 'front'}}}`,
    '    spec: {containers: [{name: main, image: example/app, ports: [{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}]}]}', '',
  ].join('\n');
  const policy = (name: string, body: string[]) => ['---', 'apiVersion: networking.k8s.io/v1', 'kind: NetworkPolicy', `metadata: {name: ${name}, namespace: shop}`, 'spec:', ...body.map((l) => `  ${l}`), ''].join('\n');
  return analyzeYaml(
    clusterDoc({ plugin: 'calico' }),
    ...APPS.map(deployment),
    `---\n${podDoc('solo', 'node-1', { ns: 'shop', labels: { app: 'solo' }, ...(extra.hostNetwork ? { hostNetwork: true } : {}) })}`,
    ...Object.entries(policies).map(([name, body]) => policy(name, body)),
  ).cluster;
}

const BASE: Policies = {
  'db-from-web': ['podSelector: {matchLabels: {app: db}}', 'ingress:', '  - from: [{podSelector: {matchLabels: {app: web}}}]', '    ports: [{port: http}]'],
  'cache-from-back': ['podSelector: {matchLabels: {app: cache}}', 'ingress:', '  - from: [{podSelector: {matchLabels: {tier: back}}}]', '    ports: [{port: 8080}]'],
  'client-out': ['podSelector: {matchLabels: {app: client}}', 'policyTypes: [Egress]', 'egress:', '  - to: [{podSelector: {matchLabels: {app: web}}}]', '    ports: [{port: 8080}]'],
  'queue-in': ['podSelector: {matchLabels: {app: queue}}', 'ingress:', '  - from: [{podSelector: {matchLabels: {app: batch}}}]'],
};

/**
 * The edited cluster as an editor's analysis has it: the pods and the policies the edit did not
 * touch are the earlier cluster's objects (a document whose text is unchanged keeps its object).
 */
function edited(before: Cluster, policies: Policies, extra: PodShape = {}): Cluster {
  const fresh = workspace(policies, extra);
  const kept = new Map(before.policies.map((p) => [JSON.stringify({ ...p, locator: undefined }), p]));
  return { ...before, policies: fresh.policies.map((p) => kept.get(JSON.stringify({ ...p, locator: undefined })) ?? p) };
}


const EDITS: [string, Policies, 'edited classes' | 'all pairs'][] = [
  ['a rule naming a port no pod declares', { ...BASE, 'cache-from-back': BASE['cache-from-back'].map((l) => l.replace('port: 8080', 'port: grpc')) }, 'edited classes'],
  ['a rule\'s port number', { ...BASE, 'cache-from-back': BASE['cache-from-back'].map((l) => l.replace('port: 8080', 'port: 9090')) }, 'edited classes'],
  ['a peer selector\'s value (the same key)', { ...BASE, 'db-from-web': BASE['db-from-web'].map((l) => l.replace('app: web', 'app: auth')) }, 'edited classes'],
  ['the pods a policy selects', { ...BASE, 'queue-in': BASE['queue-in'].map((l) => l.replace('app: queue', 'app: mail')) }, 'edited classes'],
  ['egress isolation added', { ...BASE, 'queue-in': [...BASE['queue-in'], 'policyTypes: [Ingress, Egress]'] }, 'edited classes'],
  ['a policy added on labels already read', { ...BASE, 'search-in': ['podSelector: {matchLabels: {app: search}}', 'ingress:', '  - from: [{podSelector: {matchLabels: {tier: front}}}]'] }, 'edited classes'],
  ['a policy removed (its labels read by others)', { 'db-from-web': BASE['db-from-web'], 'cache-from-back': BASE['cache-from-back'], 'client-out': BASE['client-out'] }, 'edited classes'],
  ['a policy that isolates every pod (too many classes for rows)', { ...BASE, 'deny-all': ['podSelector: {}', 'policyTypes: [Ingress]'] }, 'all pairs'],
];

for (const [name, policies, madeBy] of EDITS) {
  for (const countsFirst of [true, false]) {
    test(`reachability on the earlier classes equals a fresh one: ${name}${countsFirst ? '' : ' (earlier counts never made)'}`, () => {
      const before = workspace(BASE);
      const reach = computeReachability(before);
      if (countsFirst) reach.counts();
      const next = edited(before, policies);
      assert.ok(sameInputsButPolicies(before, next), 'only policies differ');
      const r = reachabilityAfterPolicyEdit(reach, next);
      assert.ok(r, 'computed on the earlier classes');
      const expected = reachabilityAnswers(computeReachability(next), next);
      assert.notDeepEqual(reachabilityAnswers(computeReachability(before), before), expected, 'the edit changes the answers');
      assert.deepEqual(reachabilityAnswers(r, next), expected);
      assert.equal(countsMadeBy(r), countsFirst ? madeBy : 'all pairs');
    });
  }
}

test('reachability on the earlier classes over a chain of policy edits equals a fresh one at each step', () => {
  const chain: Policies[] = EDITS.map(([, p]) => p);
  let cluster = workspace(BASE);
  let reach: Reachability = computeReachability(cluster);
  reach.counts();
  for (let i = 0; i < chain.length; i++) {
    const next = edited(cluster, chain[i]);
    const r = reachabilityAfterPolicyEdit(reach, next);
    assert.ok(r, `step ${i} on the earlier classes`);
    assert.deepEqual(reachabilityAnswers(r, next), reachabilityAnswers(computeReachability(next), next), `step ${i}`);
    cluster = next;
    reach = r;
  }
});

test('a policy edit that reads another label key, named port or ipBlock is computed afresh (the classes differ)', () => {
  const before = workspace(BASE);
  const reach = computeReachability(before);
  const changes: Policies[] = [
    { ...BASE, 'queue-in': BASE['queue-in'].map((l) => l.replace('app: batch', 'version: v2')) },
    { ...BASE, 'queue-in': [...BASE['queue-in'], '    ports: [{port: metrics}]'] },
    { ...BASE, 'queue-in': BASE['queue-in'].map((l) => l.replace('{podSelector: {matchLabels: {app: batch}}}', '{ipBlock: {cidr: 10.244.1.0/24}}')) },
  ];
  for (const policies of changes) {
    const next = edited(before, policies);
    assert.ok(sameInputsButPolicies(before, next));
    assert.equal(reachabilityAfterPolicyEdit(reach, next), undefined);
  }
});

test('a cluster with a hostNetwork pod is computed afresh after a policy edit (its pairs read the cluster, not the classes)', () => {
  const before = workspace(BASE, { hostNetwork: true });
  const reach = computeReachability(before);
  const next = edited(before, { ...BASE, 'queue-in': BASE['queue-in'].map((l) => l.replace('app: queue', 'app: mail')) }, { hostNetwork: true });
  assert.equal(reachabilityAfterPolicyEdit(reach, next), undefined);
});

test('policy edits after pod edits start from the rebased classes (moved members, a class a rebase made), and equal a fresh computation', () => {
  // Pod edit, policy edit, in turn: each pod edit rebased, each policy edit on the rebased classes.
  const canary = { ...EDITS[1][1], 'canary-in': ['podSelector: {matchLabels: {app: web-canary}}', 'ingress:', '  - from: [{podSelector: {matchLabels: {app: client}}}]'] };
  const steps: ({ pods: PodShape } | { policies: Policies })[] = [
    { pods: { webReplicas: 5 } },
    { policies: EDITS[1][1] },
    // `web-canary` is a value no class had: the rebase makes a class (web's pods leave theirs, which empties).
    { pods: { webReplicas: 5, webApp: 'web-canary' } },
    { policies: canary },
    { pods: { webReplicas: 7, webApp: 'web-canary' } },
    { policies: { ...canary, 'queue-in': EDITS[4][1]['queue-in'] } },
  ];
  let policies = BASE;
  let shape: PodShape = {};
  let cluster = workspace(policies, shape);
  let reach: Reachability = computeReachability(cluster);
  reach.counts();
  for (const [i, step] of steps.entries()) {
    let next: Cluster;
    let r: Reachability | undefined;
    if ('pods' in step) {
      shape = step.pods;
      // The policies as the editor keeps them across a pod edit: the same objects.
      next = { ...workspace(policies, shape), policies: cluster.policies };
      r = rebaseReachability(reach, next);
      assert.ok(r, `step ${i}: rebased`);
    } else {
      policies = step.policies;
      next = edited(cluster, policies, shape);
      assert.ok(sameInputsButPolicies(cluster, next));
      r = reachabilityAfterPolicyEdit(reach, next);
      assert.ok(r, `step ${i}: on the rebased classes`);
    }
    assert.deepEqual(reachabilityAnswers(r, next), reachabilityAnswers(computeReachability(next), next), `step ${i}`);
    if ('policies' in step) assert.equal(countsMadeBy(r), 'edited classes', `step ${i}`);
    cluster = next;
    reach = r;
  }
});
