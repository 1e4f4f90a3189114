import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../src/core/cluster/model';
import { Reachability, computeReachability, rebaseReachability } from '../../src/core/policy/reachability';
import { sameInputsButPods } from '../../src/core/policy/reachability-inputs';
import { analyzeYaml, clusterDoc, podDoc } from '../support/analyze';
import { reachabilityAnswers } from '../support/reachability-answers';

/**
 * Reachability carried over to a cluster whose pods moved (replicas, labels): the result must
 * answer exactly as one computed for that cluster from scratch — every pair of pods, every
 * pod's counts — whether the moved pods join a class there was or make one of their own, and
 * over a chain of such edits. Each edit is checked to change the answers first, so a rebase
 * that kept the earlier answers could not pass.
 */

interface Shape {
  webReplicas: number;
  webApp: string;
  soloLabels: Record<string, string>;
  hostNetwork?: boolean;
}

function workspace(s: Shape): Cluster {
  const deployment = (name: string, replicas: number, app: string) => [
    '---', 'apiVersion: apps/v1', 'kind: Deployment', `metadata: {name: ${name}, namespace: shop}`, 'spec:', `  replicas: ${replicas}`,
    `  selector: {matchLabels: {app: ${app}}}`, '  template:', `    metadata: {labels: {app: ${app}, tier: front}}`,
    '    spec: {containers: [{name: main, image: example/app, ports: [{name: http, containerPort: 8080}]}]}', '',
  ].join('\n');
  const policy = (name: string, body: string[]) => ['---', 'apiVersion: networking.k8s.io/v1', 'kind: NetworkPolicy', `metadata: {name: ${name}, namespace: shop}`, 'spec:', ...body.map((l) => `  ${l}`), ''].join('\n');
  return analyzeYaml(
    clusterDoc({ plugin: 'calico' }),
    deployment('web', s.webReplicas, s.webApp),
    deployment('client', 2, 'client'),
    deployment('db', 2, 'db'),
    `---\n${podDoc('solo', 'node-1', { ns: 'shop', labels: s.soloLabels, ...(s.hostNetwork ? { hostNetwork: true } : {}) })}`,
    policy('deny-all', ['podSelector: {}', 'policyTypes: [Ingress]']),
    // Rules that name the canary by label before any pod carries it: a class made by a rebase
    // must be filed under them.
    policy('db-from-canary', ['podSelector: {matchLabels: {app: db}}', 'ingress:', '  - from: [{podSelector: {matchLabels: {app: web-canary}}}]', '    ports: [{port: http}]']),
    policy('web-from-client', ['podSelector: {matchLabels: {tier: front}}', 'ingress:', '  - from: [{podSelector: {matchLabels: {app: client}}}, {podSelector: {matchLabels: {app: web-canary}}}]']),
    policy('client-out', ['podSelector: {matchLabels: {app: client}}', 'policyTypes: [Egress]', 'egress:', '  - to: [{podSelector: {matchLabels: {app: web}}}]', '    ports: [{port: 8080}]']),
  ).cluster;
}


const BASE: Shape = { webReplicas: 3, webApp: 'web', soloLabels: { app: 'solo' } };

function carried(from: Shape, to: Shape, countsFirst = true): { rebased: Reachability | undefined; next: Cluster } {
  const before = workspace(from);
  const reach = computeReachability(before);
  if (countsFirst) reach.counts();
  const next = workspace(to);
  assert.ok(sameInputsButPods(before, next), 'only pods differ');
  return { rebased: rebaseReachability(reach, next), next };
}

const EDITS: [string, Shape][] = [
  ['replicas grow (a class grows)', { ...BASE, webReplicas: 5 }],
  ['replicas shrink (a class shrinks)', { ...BASE, webReplicas: 1 }],
  ['a label policies read moves a Deployment to a class of its own', { ...BASE, webApp: 'web-canary' }],
  ['a bare pod joins the class of a Deployment', { ...BASE, soloLabels: { app: 'client' } }],
  ['a bare pod makes a class of its own', { ...BASE, soloLabels: { app: 'client', tier: 'back' } }],
];

for (const [name, shape] of EDITS) {
  for (const countsFirst of [true, false]) {
    test(`rebased reachability equals a fresh one: ${name}${countsFirst ? ' (counts moved)' : ' (counts made afresh)'}`, () => {
      const { rebased, next } = carried(BASE, shape, countsFirst);
      assert.ok(rebased, 'carried over');
      const fresh = computeReachability(next);
      const expected = reachabilityAnswers(fresh, next);
      assert.notDeepEqual(reachabilityAnswers(computeReachability(workspace(BASE)), workspace(BASE)), expected, 'the edit changes the answers');
      assert.deepEqual(reachabilityAnswers(rebased, next), expected);
    });
  }
}

test('rebased reachability over a chain of edits (a class made, refilled, emptied) equals a fresh one at each step', () => {
  const chain: Shape[] = [BASE, { ...BASE, webApp: 'web-canary' }, { ...BASE, webApp: 'web-canary', webReplicas: 6 }, { ...BASE, webReplicas: 2 }, { ...BASE, webApp: 'web-canary', soloLabels: { app: 'web-canary', tier: 'front' } }];
  let reach: Reachability = computeReachability(workspace(chain[0]));
  reach.counts();
  for (let i = 1; i < chain.length; i++) {
    const next = workspace(chain[i]);
    const r = rebaseReachability(reach, next);
    assert.ok(r, `step ${i} carried over`);
    assert.deepEqual(reachabilityAnswers(r, next), reachabilityAnswers(computeReachability(next), next), `step ${i}`);
    reach = r;
  }
});

test('a cluster with a hostNetwork pod is not rebased (its pairs read the cluster, not the classes)', () => {
  const { rebased } = carried({ ...BASE, hostNetwork: true }, { ...BASE, hostNetwork: true, webReplicas: 5 });
  assert.equal(rebased, undefined);
});
