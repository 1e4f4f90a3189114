import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminShadows } from '../../src/core/policy/admin-findings';
import { ruleLabel } from '../../src/core/policy/anp';
import { calicoRuleLabel } from '../../src/core/policy/calico';
import { calicoShadows } from '../../src/core/policy/calico-findings';
import { policyClasses } from '../../src/core/policy/peer-classes';
import { ShadowVerdict } from '../../src/core/policy/shadowing';
import { analyzeYaml } from '../support/analyze';
import { naiveAdminShadows, naiveCalicoShadows } from '../support/naive-shadow';
import { randomCluster } from '../support/random-policy-cluster';

/**
 * The shadowed-rule lint works on policy classes, one subject per group of alike classes, with
 * memos per class; the reference visits every pair of pods. On random clusters with admin and
 * Calico policies, and pods with twins (classes of two pods, whose flows between each other
 * count), both must name the same rules, the same way, with the same deciders in order.
 */

const line = (label: string, action: string, v: ShadowVerdict) => `${label} ${action === 'Allow' && v.allDenied ? 'denied' : 'shadowed'} by ${v.deciders.join(', ')}`;

test('shadowed AdminNetworkPolicy and Calico rules: the class-based lint names what the pod-by-pod reference names, on 2,000 random clusters', () => {
  let adminFound = 0;
  let calicoFound = 0;
  let twinClusters = 0;
  for (let seed = 30001; seed <= 32000; seed++) {
    const docs = randomCluster(seed, seed % 2 === 0, true, true);
    const a = analyzeYaml(...docs);
    assert.deepEqual(a.findings.filter((f) => f.severity === 'error'), [], `seed ${seed} produced invalid YAML`);
    const admin = adminShadows(a.cluster).map((x) => line(ruleLabel(x.policy, x.direction, x.rule), x.rule.action, x.verdict));
    assert.deepEqual(admin, naiveAdminShadows(a.cluster), `seed ${seed}: admin policies\n${docs.join('---\n')}`);
    const calico = calicoShadows(a.cluster).map((x) => line(calicoRuleLabel(x.policy, x.direction, x.rule), x.rule.action, x.verdict));
    assert.deepEqual(calico, naiveCalicoShadows(a.cluster), `seed ${seed}: Calico policies\n${docs.join('---\n')}`);
    adminFound += admin.length;
    calicoFound += calico.length;
    if ((admin.length || calico.length) && policyClasses(a.cluster).some((c) => c.pods.length > 1)) twinClusters++;
  }
  console.log(`# shadowing property: ${adminFound} admin and ${calicoFound} Calico rules shadowed; ${twinClusters} clusters with shadowed rules have a class of two pods`);
  // The comparison means something only if both kinds of finding, and classes of two, come up often.
  assert.ok(adminFound > 150, `admin rules shadowed: ${adminFound}`);
  assert.ok(calicoFound > 40, `Calico rules shadowed: ${calicoFound}`);
  assert.ok(twinClusters > 100, `clusters with shadowed rules and a class of two pods: ${twinClusters}`);
});
