import { Cluster } from '../cluster/model';
import { SourcePosition } from '../common/source';
import { calicoApplies, calicoPoliciesOf, calicoRuleLabel, calicoRulesOf } from '../policy/calico';
import { peerFor } from '../policy/evaluate';
import { connsDecidedByCalicoRule } from '../policy/pipeline';
import { ObjectAt, fieldRange, within } from './objects';
import { ruleFlowExamples } from './rule-flows';
import { Hover } from './types';

const MAX_LIST = 8;

/**
 * Hover on a Calico NetworkPolicy or GlobalNetworkPolicy: on a rule, the flows between the
 * workspace's pods that this rule decides with every other policy and tier applied; elsewhere,
 * its tier, order and the pods it applies to.
 */
export function calicoPolicyHover(cluster: Cluster, o: ObjectAt, p: SourcePosition): Hover | undefined {
  if (o.kind !== 'calicoPolicy') return undefined;
  const pol = calicoPoliciesOf(cluster).all.find((x) => x.key === o.key);
  if (!pol) return { markdown: `**${o.key}** is not in force (it has errors Calico refuses, its tier is not declared, or the CNI is not Calico)`, range: o.locator.at(['metadata', 'name']) };
  for (const dir of ['ingress', 'egress'] as const) {
    for (const rule of calicoRulesOf(pol, dir)) {
      if (!within(o.locator, rule.path, p)) continue;
      const flows = ruleFlowExamples(cluster, dir, (s) => calicoApplies(cluster, pol, dir, s), (s, other) => connsDecidedByCalicoRule(cluster, pol, rule, dir, s, peerFor(cluster, other.ip)), MAX_LIST);
      const verb = rule.action === 'Allow' ? 'allows' : rule.action === 'Deny' ? 'denies' : rule.action === 'Pass' ? 'passes to the next tier' : 'logs (and goes on)';
      const lines = [`**${calicoRuleLabel(pol, dir, rule)}** (${rule.action}, tier ${pol.tier}${pol.order !== undefined ? `, order ${pol.order}` : ''}) ${verb}, with every other policy applied:`, ...flows.slice(0, MAX_LIST)];
      if (flows.length > MAX_LIST) lines.push('- …');
      if (flows.length === 0) lines.push('- no flow between the pods of this workspace: earlier rules or tiers decide them all, or nothing matches');
      return { markdown: lines.join('\n'), range: fieldRange(o.locator, rule.path)! };
    }
  }
  const applies = cluster.pods.filter((x) => calicoApplies(cluster, pol, 'ingress', x) || calicoApplies(cluster, pol, 'egress', x));
  return { markdown: `**${pol.key}**: tier ${pol.tier}, order ${pol.order ?? 'none (last)'}; applies to ${applies.length} pod${applies.length === 1 ? '' : 's'}`, range: o.locator.at(['metadata', 'name']) };
}
