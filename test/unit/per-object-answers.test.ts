import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadManifests } from '../../src/core/manifest/load';
import { buildCluster } from '../../src/core/cluster/build';
import { computeReachability } from '../../src/core/policy/reachability';
import { computeConnlist, connlistAround, formatLine } from '../../src/core/policy/connlist';
import { policiesOf } from '../../src/core/policy/evaluate';
import { LanguageService } from '../../src/core/service/language-service';
import { generateCluster } from '../bench/generate';

/**
 * Hovers and hints answer for one object from what the whole-cluster analyses would say: a
 * workload's connectivity lines are those of the full list that start or end at it, and a
 * policy's "allows N flows" is the pair-by-pair count over every pod.
 */

const SHAPES = [
  { name: 'NetworkPolicies', opts: { policies: 12, namespaces: 3 } },
  { name: 'dual-stack', opts: { policies: 12, namespaces: 2, dualStack: true } },
  { name: 'admin and Calico policies', opts: { policies: 8, namespaces: 2, adminPolicies: 3, calicoPolicies: 3, plugin: 'calico' } },
];

for (const shape of SHAPES) {
  test(`a workload's lines equal the full connectivity list's lines at it (${shape.name})`, () => {
    const g = generateCluster(160, shape.opts);
    const cluster = buildCluster(loadManifests(g.files).manifests);
    const reach = computeReachability(cluster);
    const all = computeConnlist(reach).map((l) => ({ ...l, text: formatLine(l) }));
    const names = [...new Set(all.flatMap((l) => [l.src, l.dst]).filter((n) => !n.endsWith('[External]')))];
    assert.ok(names.length >= 16, `${names.length} workloads in the list`);
    let lines = 0;
    for (const name of names) {
      const expected = all.filter((l) => l.src === name || l.dst === name).map((l) => l.text);
      assert.deepEqual(connlistAround(reach, name).map(formatLine), expected, name);
      lines += expected.length;
    }
    assert.ok(lines > names.length, `only ${lines} lines compared`);
    assert.deepEqual(connlistAround(reach, 'nowhere/nothing[Deployment]'), []);
  });
}

test('a policy\'s "allows N flows" hint is the pair-by-pair count of allowed flows into (ingress) and out of (egress) the pods it selects', () => {
  const g = generateCluster(120, { policies: 10, namespaces: 2 });
  // Egress too: web pods of team-0 may reach only api pods, and DNS.
  const egress = g.files.find((f) => f.file === 'policies.yaml')!;
  egress.text += [
    '---', 'apiVersion: networking.k8s.io/v1', 'kind: NetworkPolicy', 'metadata: {name: web-egress, namespace: team-0}',
    'spec:', '  podSelector: {matchLabels: {tier: web}}', '  policyTypes: [Egress]',
    '  egress:', '    - to: [{namespaceSelector: {}, podSelector: {matchLabels: {tier: api}}}]', '    - ports: [{protocol: UDP, port: 53}]', '',
  ].join('\n');
  const s = new LanguageService();
  s.update(g.files.map((f) => ({ file: f.file, text: f.text })), {});
  const { cluster } = s.current();
  const reach = computeReachability(cluster);
  const hints = s.inlayHints('policies.yaml');
  assert.ok(hints.length >= 10, `${hints.length} hints`);
  const policies = loadManifests(g.files).manifests.policies;
  let nonZero = 0;
  for (const h of hints) {
    const pol = policies.find((p) => p.meta.name && h.position.line >= p.locator.range.start.line && h.position.line <= p.locator.range.end.line)!;
    const selected = cluster.pods.filter((p) => !p.hostNetwork && p.namespace === pol.meta.namespace && matches(p.labels, pol.podSelector));
    const info = policiesOf(cluster).find((p) => p.key === `${pol.meta.namespace}/${pol.meta.name}`)!;
    let n = 0;
    for (const target of selected) {
      for (const peer of cluster.pods) {
        if (peer.key === target.key) continue;
        if (info.affectsIngress && !reach.allowed(peer, target).isEmpty()) n++;
        if (info.affectsEgress && !reach.allowed(target, peer).isEmpty()) n++;
      }
    }
    if (n > 0) nonZero++;
    assert.equal(h.label, `selects ${selected.length} pod${selected.length === 1 ? '' : 's'} · allows ${n} flow${n === 1 ? '' : 's'}`, `${pol.meta.namespace}/${pol.meta.name}`);
  }
  assert.ok(nonZero > 0, 'some policy allows flows');
});

function matches(labels: Record<string, string>, sel: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] }): boolean {
  if (sel.matchExpressions?.length) throw new Error('the generated policies use matchLabels only');
  return Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}
