import { Cluster, PodInfo } from '../cluster/model';
import { SourcePosition } from '../common/source';
import { adminPoliciesOf, connsDecidedByRule, ruleLabel, rulesOf, subjectSelects } from '../policy/anp';
import { isIsolated, peerFor } from '../policy/evaluate';
import { ObjectAt, fieldRange, within } from './objects';
import { ruleFlowExamples } from './rule-flows';
import { Hover } from './types';

const MAX_LIST = 8;

/**
 * Hover on an AdminNetworkPolicy or the BaselineAdminNetworkPolicy: on a rule, the flows that
 * rule decides (what earlier rules and higher priorities leave it); on the subject, the pods
 * selected; elsewhere, the policy's place in the order.
 */
export function adminPolicyHover(cluster: Cluster, o: ObjectAt, p: SourcePosition): Hover | undefined {
  if (o.kind !== 'adminPolicy') return undefined;
  const { anps, banp } = adminPoliciesOf(cluster);
  const pol = [...anps, ...(banp ? [banp] : [])].find((x) => x.key === o.key);
  if (!pol) return { markdown: `**${o.key}** has errors the API server rejects: it is left out of the analysis`, range: o.locator.at(['metadata', 'name']) };
  const subjects = cluster.pods.filter((x) => subjectSelects(cluster, pol, x));
  if (within(o.locator, ['spec', 'subject'], p)) {
    const list = subjects.slice(0, MAX_LIST).map((x) => `- \`${x.key}\``);
    if (subjects.length > MAX_LIST) list.push(`- … and ${subjects.length - MAX_LIST} more`);
    return { markdown: [`**Subject** selects ${subjects.length} pod${subjects.length === 1 ? '' : 's'} (never hostNetwork ones)${subjects.length ? ':' : ''}`, ...list].join('\n'), range: fieldRange(o.locator, ['spec', 'subject'])! };
  }
  for (const dir of ['ingress', 'egress'] as const) {
    for (const rule of rulesOf(pol, dir)) {
      if (!within(o.locator, rule.path, p)) continue;
      // Whether NetworkPolicy isolates the subject: asked once per subject, not per peer.
      const isolated = new Map<PodInfo, boolean>();
      const npSelects = (s: PodInfo) => isolated.get(s) ?? isolated.set(s, isIsolated(cluster, dir, s)).get(s)!;
      const flows = ruleFlowExamples(cluster, dir, (s) => subjectSelects(cluster, pol, s), (s, other) => connsDecidedByRule(cluster, pol, rule, dir, s, peerFor(cluster, other.ip), npSelects(s)), MAX_LIST);
      const verb = rule.action === 'Allow' ? 'allows' : rule.action === 'Deny' ? 'denies' : 'passes to NetworkPolicy';
      const where = pol.priority !== undefined ? `priority ${pol.priority}` : 'after NetworkPolicy';
      const lines = [`**${ruleLabel(pol, dir, rule)}** (${rule.action}, ${where}) ${verb}, with every other policy applied:`, ...flows.slice(0, MAX_LIST)];
      if (flows.length > MAX_LIST) lines.push('- …');
      if (flows.length === 0) lines.push('- no flow between the pods of this workspace: earlier rules decide them all, or nothing matches');
      return { markdown: lines.join('\n'), range: fieldRange(o.locator, rule.path)! };
    }
  }
  const place = pol.priority !== undefined ? `priority ${pol.priority} (${anps.indexOf(pol) + 1} of ${anps.length} AdminNetworkPolicies, lower first; before NetworkPolicy)` : 'after NetworkPolicy, only where none selects the pod';
  return { markdown: `**${pol.key}**: ${place}; selects ${subjects.length} pod${subjects.length === 1 ? '' : 's'}`, range: o.locator.at(['metadata', 'name']) };
}
