import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodInfo } from '../../src/core/cluster/model';
import { adminPoliciesOf, connsDecidedByRule, rulesOf, subjectSelects } from '../../src/core/policy/anp';
import { calicoApplies, calicoPoliciesOf, calicoRulesOf } from '../../src/core/policy/calico';
import { ConnSet } from '../../src/core/policy/connset';
import { isIsolated, peerFor, policiesOf } from '../../src/core/policy/evaluate';
import { selectsPod } from '../../src/core/policy/model';
import { computeReachability } from '../../src/core/policy/reachability';
import { connsDecidedByCalicoRule } from '../../src/core/policy/pipeline';
import { ruleFlowExamples } from '../../src/core/service/rule-flows';
import { Cluster } from '../../src/core/cluster/model';
import { analyzeYaml } from '../support/analyze';
import { randomCluster } from '../support/random-policy-cluster';

/**
 * A rule's hover lists flows it decides (a NetworkPolicy rule's: what its pods admit or send),
 * tried a policy class at a time. Held to trying every pair of pods on random clusters: unbounded,
 * it lists exactly the flows trying every pair finds, each once.
 */

function everyPair(cluster: Cluster, direction: 'ingress' | 'egress', applies: (pod: PodInfo) => boolean, decided: (s: PodInfo, other: PodInfo) => ConnSet): Set<string> {
  const flows = new Set<string>();
  for (const s of cluster.pods) {
    if (!applies(s)) continue;
    for (const other of cluster.pods) {
      if (other === s) continue;
      const conns = decided(s, other);
      if (conns.isEmpty()) continue;
      const [src, dst] = direction === 'ingress' ? [other, s] : [s, other];
      flows.add(`- \`${src.key}\` → \`${dst.key}\` : ${conns.toString()}`);
    }
  }
  return flows;
}

test('the flows a rule\'s hover lists are the flows between pods trying every pair finds, on 600 random clusters', () => {
  let rules = 0;
  let deciding = 0;
  let silent = 0;
  for (let seed = 40001; seed <= 40600; seed++) {
    const a = analyzeYaml(...randomCluster(seed, true, seed % 2 === 0, true));
    const c = a.cluster;
    const check = (label: string, direction: 'ingress' | 'egress', applies: (pod: PodInfo) => boolean, decided: (s: PodInfo, other: PodInfo) => ConnSet) => {
      const listed = ruleFlowExamples(c, direction, applies, decided, Number.MAX_SAFE_INTEGER);
      const all = everyPair(c, direction, applies, decided);
      for (const line of listed) assert.ok(all.has(line), `seed ${seed} ${label}: ${line} is not a flow of the rule`);
      // Unbounded, the hover lists every pair's flow once: the same lines as trying every pair.
      assert.deepEqual([...listed].sort(), [...all].sort(), `seed ${seed} ${label}: listed ${listed.length}, every pair ${all.size}`);
      rules++;
      if (all.size) deciding++;
      else silent++;
    };
    // A NetworkPolicy rule's hover lists what its pods admit (or send) with every policy applied.
    const reach = computeReachability(c);
    for (const p of policiesOf(c)) {
      for (const dir of ['ingress', 'egress'] as const) {
        const allowed = (s: PodInfo, other: PodInfo) => (dir === 'ingress' ? reach.allowed(other, s) : reach.allowed(s, other));
        if ((dir === 'ingress' ? p.ingress : p.egress).length) check(`${p.key} ${dir}`, dir, (s) => selectsPod(p, s), allowed);
      }
    }
    const { anps, banp } = adminPoliciesOf(c);
    for (const p of [...anps, ...(banp ? [banp] : [])]) {
      for (const dir of ['ingress', 'egress'] as const) {
        for (const r of rulesOf(p, dir)) check(`${p.key} ${dir}[${r.index}]`, dir, (s) => subjectSelects(c, p, s), (s, other) => connsDecidedByRule(c, p, r, dir, s, peerFor(c, other.ip), isIsolated(c, dir, s)));
      }
    }
    for (const p of calicoPoliciesOf(c).all) {
      for (const dir of ['ingress', 'egress'] as const) {
        for (const r of calicoRulesOf(p, dir)) check(`${p.key} ${dir}[${r.index}]`, dir, (s) => calicoApplies(c, p, dir, s), (s, other) => connsDecidedByCalicoRule(c, p, r, dir, s, peerFor(c, other.ip)));
      }
    }
  }
  console.log(`# rule flow examples: ${rules} rules, ${deciding} decide flows, ${silent} decide none`);
  assert.ok(deciding > 300 && silent > 300, `both kinds of rule come up (${deciding} deciding, ${silent} silent)`);
});
