import { Cluster, PodInfo } from '../cluster/model';
import { Finding, finding } from '../common/finding';
import { intToIp } from '../common/ip';
import { CalicoPolicyInfo, CalicoRuleSpec, calicoApplies, calicoPoliciesOf, calicoRuleConns, calicoRuleLabel, calicoRulesOf } from './calico';
import { Peer } from './model';

/**
 * Calico rules that never decide a flow. A rule is shadowed when, for every pod its policy
 * applies to and every peer it matches, rules met before it already decide every connection it
 * covers: Allow or Deny rules of tiers evaluated earlier, and Allow, Deny or Pass rules earlier
 * in its own tier (Pass leaves the tier, so the rule never sees those flows). An Allow whose
 * flows are all denied first is `calico-allow-denied`. Peers are every pod plus one address
 * per stretch of the IPv4 space between the policies' `nets` bounds, so the check is exact for
 * the cluster at hand. AdminNetworkPolicy in front is not counted (its own findings cover it).
 */

const SHADOW_BUDGET = 200_000;

export function calicoPolicyFindings(cluster: Cluster): Finding[] {
  const out: Finding[] = [];
  const { tiers, orphans } = calicoPoliciesOf(cluster);
  for (const p of orphans) out.push(finding('calico-unknown-tier', 'error', `${p.key} names tier "${p.tier}", which no Tier object declares; Calico refuses the policy, so PodPath leaves it out`, p.locator.at(p.manifest.selector.path.slice(0, 1).concat(['tier']))));
  const all = tiers.flatMap((t) => t.policies);
  if (!all.length) return out;
  const pods = cluster.pods.filter((p) => !p.hostNetwork);
  const podPeers: Peer[] = pods.map((p) => ({ ip: p.ip, pod: p, namespace: cluster.namespaces.get(p.namespace) }));
  const cuts = new Set<number>();
  for (const p of all) for (const r of [...p.ingress, ...p.egress]) for (const e of [r.source, r.destination]) for (const c of [...(e.nets ?? []), ...(e.notNets ?? [])]) {
    cuts.add(c.base);
    const end = c.base + 2 ** (32 - c.prefix);
    if (end <= 0xffffffff) cuts.add(end);
  }
  const podIPs = new Set(pods.map((p) => p.ip));
  const addressPeers: Peer[] = [...new Set([...cluster.nodes.map((n) => n.ip), ...[...cuts].map(intToIp)])].filter((ip) => !podIPs.has(ip)).map((ip) => ({ ip }));
  const peers = [...podPeers, ...addressPeers];
  for (let ti = 0; ti < tiers.length; ti++) {
    const tier = tiers[ti];
    const earlierTiers = tiers.slice(0, ti).flatMap((t) => t.policies);
    tier.policies.forEach((p, pi) => {
      for (const dir of ['ingress', 'egress'] as const) {
        const subjects = pods.filter((s) => calicoApplies(cluster, p, dir, s));
        if (!subjects.length) continue;
        for (const r of calicoRulesOf(p, dir)) {
          if (r.action === 'Log' || subjects.length * peers.length > SHADOW_BUDGET) continue;
          const v = shadowedBy(cluster, p, r, dir, subjects, peers, earlierTiers, tier.policies.slice(0, pi));
          if (!v) continue;
          const label = calicoRuleLabel(p, dir, r);
          const by = [...v.deciders].slice(0, 3).join(', ') + (v.deciders.size > 3 ? ' …' : '');
          if (r.action === 'Allow' && v.allDenied) out.push(finding('calico-allow-denied', 'warning', `${label} allows nothing: every flow it matches is denied first by ${by}`, p.locator.at(r.path)));
          else out.push(finding('calico-rule-shadowed', 'warning', `${label} (${r.action}) never decides a flow: ${by} already decide${v.deciders.size === 1 ? 's' : ''} every flow it matches`, p.locator.at(r.path)));
        }
      }
    });
  }
  return out;
}

function shadowedBy(cluster: Cluster, p: CalicoPolicyInfo, r: CalicoRuleSpec, dir: 'ingress' | 'egress', subjects: PodInfo[], peers: Peer[], earlierTiers: CalicoPolicyInfo[], earlierInTier: CalicoPolicyInfo[]): { deciders: Set<string>; allDenied: boolean } | undefined {
  const deciders = new Set<string>();
  let allDenied = true;
  let anyFlow = false;
  for (const s of subjects) {
    const earlier: [CalicoPolicyInfo, CalicoRuleSpec][] = [
      ...earlierTiers.filter((q) => calicoApplies(cluster, q, dir, s)).flatMap((q) => calicoRulesOf(q, dir).filter((x) => x.action === 'Allow' || x.action === 'Deny').map((x): [CalicoPolicyInfo, CalicoRuleSpec] => [q, x])),
      ...earlierInTier.filter((q) => calicoApplies(cluster, q, dir, s)).flatMap((q) => calicoRulesOf(q, dir).filter((x) => x.action !== 'Log').map((x): [CalicoPolicyInfo, CalicoRuleSpec] => [q, x])),
      ...calicoRulesOf(p, dir).slice(0, r.index).filter((x) => x.action !== 'Log').map((x): [CalicoPolicyInfo, CalicoRuleSpec] => [p, x]),
    ];
    for (const q of peers) {
      if (q.pod?.key === s.key) continue;
      let left = calicoRuleConns(cluster, p, r, dir, s, q);
      if (left.isEmpty()) continue;
      anyFlow = true;
      for (const [pol, e] of earlier) {
        const hit = calicoRuleConns(cluster, pol, e, dir, s, q).intersect(left);
        if (hit.isEmpty()) continue;
        deciders.add(calicoRuleLabel(pol, dir, e));
        if (e.action !== 'Deny') allDenied = false;
        left = left.intersect(hit.complement());
        if (left.isEmpty()) break;
      }
      if (!left.isEmpty()) return undefined;
    }
  }
  return anyFlow ? { deciders, allDenied } : undefined;
}
