import { Cluster } from '../cluster/model';
import { Finding, finding } from '../common/finding';
import { adminPoliciesOf, subjectSelects } from './anp';

/**
 * Findings about admin policies as a whole. Two AdminNetworkPolicies at one priority that select
 * the same pod leave the outcome to the implementation (AdminNetworkPolicySpec.Priority: "the
 * implementation can apply any of the matching policies"); PodPath evaluates them by name and
 * says so.
 */
export function adminPolicyFindings(cluster: Cluster): Finding[] {
  const out: Finding[] = [];
  const { anps } = adminPoliciesOf(cluster);
  for (let i = 0; i < anps.length; i++) {
    for (let j = i + 1; j < anps.length && anps[j].priority === anps[i].priority; j++) {
      const a = anps[i], b = anps[j];
      const shared = cluster.pods.find((pod) => subjectSelects(cluster, a, pod) && subjectSelects(cluster, b, pod));
      if (!shared) continue;
      out.push(finding('anp-same-priority', 'warning',
        `AdminNetworkPolicies ${a.name} and ${b.name} both have priority ${a.priority} and both select ${shared.key}: which one applies is undefined in the API; PodPath evaluates ${a.name} first (by name). Give them distinct priorities`,
        b.locator.at(['spec', 'priority']), [{ message: `${a.name} has the same priority`, range: a.locator.at(['spec', 'priority']) }]));
    }
  }
  return out;
}
