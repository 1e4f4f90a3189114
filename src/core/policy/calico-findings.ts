import { Cluster, PodInfo } from '../cluster/model';
import { Finding, finding } from '../common/finding';
import { Cidr } from '../common/ip';
import { CalicoPolicyInfo, CalicoRuleSpec, EndpointPairIndex, calicoPoliciesOf, calicoRuleLabel, calicoRulePorts, calicoRulesOf, calicoSelects, entityMatches, localSideMatches, remoteSide } from './calico';
import type { PeerClass } from './reachability';
import { ConnSet } from './connset';
import { Peer } from './model';
import { EarlierRule, MatchMemo, ShadowPeers, ShadowVerdict, decidersText, shadowedBy, subjectGroups } from './shadowing';

/**
 * Calico rules that never decide a flow. A rule is shadowed when, for every pod its policy
 * applies to and every peer it matches, rules met before it already decide every connection it
 * covers: Allow or Deny rules of tiers evaluated earlier, and Allow, Deny or Pass rules earlier
 * in its own tier (Pass leaves the tier, so the rule never sees those flows). An Allow whose
 * flows are all denied first is `calico-allow-denied`. Peers are the pods (a class at a time,
 * see shadowing.ts) plus one address per stretch of the IPv4 space between the policies' `nets`
 * bounds, so the check is exact for the cluster at hand. AdminNetworkPolicy in front is not
 * counted (its own findings cover it).
 */

/** Above this many (subject group × peer) checks per rule the shadowing check is skipped: it is a lint, not worth seconds. */
const SHADOW_BUDGET = 200_000;

export function calicoPolicyFindings(cluster: Cluster): Finding[] {
  const out: Finding[] = [];
  const { orphans } = calicoPoliciesOf(cluster);
  for (const p of orphans) out.push(finding('calico-unknown-tier', 'error', `${p.key} names tier "${p.tier}", which no Tier object declares; Calico refuses the policy, so PodPath leaves it out`, p.locator.at(p.manifest.selector.path.slice(0, 1).concat(['tier']))));
  for (const { policy: p, direction, rule: r, verdict } of calicoShadows(cluster)) {
    const label = calicoRuleLabel(p, direction, r);
    const by = decidersText(verdict.deciders);
    if (r.action === 'Allow' && verdict.allDenied) out.push(finding('calico-allow-denied', 'warning', `${label} allows nothing: every flow it matches is denied first by ${by}`, p.locator.at(r.path)));
    else out.push(finding('calico-rule-shadowed', 'warning', `${label} (${r.action}) never decides a flow: ${by} already decide${verdict.deciders.length === 1 ? 's' : ''} every flow it matches`, p.locator.at(r.path)));
  }
  return out;
}

/** One rule's shadowing verdict. */
export interface CalicoShadow {
  policy: CalicoPolicyInfo;
  direction: 'ingress' | 'egress';
  rule: CalicoRuleSpec;
  verdict: ShadowVerdict;
}

/** Every shadowed rule of the cluster's Calico policies, tier by tier in evaluation order. */
export function calicoShadows(cluster: Cluster): CalicoShadow[] {
  const out: CalicoShadow[] = [];
  const { tiers } = calicoPoliciesOf(cluster);
  const all = tiers.flatMap((t) => t.policies);
  if (!all.length) return out;
  const nets: Cidr[] = [];
  for (const p of all) for (const r of [...p.ingress, ...p.egress]) for (const e of [r.source, r.destination]) nets.push(...(e.nets ?? []), ...(e.notNets ?? []));
  const shadowed = new ShadowPeers(cluster, nets);
  const peers = [...shadowed.classPeers, ...shadowed.addresses];
  // Whether a rule's sides hold for a pod or peer: the same for every pod of a class, so asked once per class.
  const localHolds = new MatchMemo<CalicoRuleSpec>(shadowed.size);
  const remoteHolds = new MatchMemo<CalicoRuleSpec>(shadowed.size);
  const remoteMatches = (p: CalicoPolicyInfo, r: CalicoRuleSpec, dir: 'ingress' | 'egress', q: Peer): boolean =>
    remoteHolds.test(r, shadowed.indexOf(q), () => entityMatches(cluster, p, remoteSide(r, dir), q.pod, q.ip));
  /** calicoRuleConns, with both sides' answers kept per class. */
  const connsOf = (p: CalicoPolicyInfo, r: CalicoRuleSpec, dir: 'ingress' | 'egress', s: PodInfo, q: Peer): ConnSet => {
    if (!localHolds.test(r, shadowed.classIndex(s), () => localSideMatches(cluster, p, r, dir, s))) return ConnSet.NONE;
    if (!remoteMatches(p, r, dir, q)) return ConnSet.NONE;
    return calicoRulePorts(r, dir === 'ingress' ? s : q.pod);
  };
  // Every rule's place in evaluation order: tiers, policies in a tier, rules in a policy.
  const order = new Map<CalicoRuleSpec, number>();
  for (const p of all) for (const r of [...p.ingress, ...p.egress]) order.set(r, order.size);
  const earlierRule = (q: CalicoPolicyInfo, dir: 'ingress' | 'egress', e: CalicoRuleSpec): EarlierRule => ({
    label: calicoRuleLabel(q, dir, e),
    action: e.action,
    order: order.get(e)!,
    conns: (s, peer) => connsOf(q, e, dir, s, peer),
  });
  const rulesActing = (q: CalicoPolicyInfo, dir: 'ingress' | 'egress', acts: (e: CalicoRuleSpec) => boolean): EarlierRule[] => calicoRulesOf(q, dir).filter(acts).map((x) => earlierRule(q, dir, x));
  // Which classes a policy selects (whatever the direction), asked once per policy and class.
  const selectsMemo = new MatchMemo<CalicoPolicyInfo>(shadowed.size);
  const selects = (q: CalicoPolicyInfo, s: PodInfo): boolean => selectsMemo.test(q, shadowed.classIndex(s), () => calicoSelects(cluster, q, s));
  const applies = (q: CalicoPolicyInfo, dir: 'ingress' | 'egress', s: PodInfo): boolean => (dir === 'ingress' ? q.affectsIngress : q.affectsEgress) && selects(q, s);
  // A policy's subjects among the classes carrying its selector's rarest required label pair.
  const endpointPairs = new EndpointPairIndex(shadowed.classes);
  const subjectsOf = (p: CalicoPolicyInfo, dir: 'ingress' | 'egress'): PeerClass[] => endpointPairs.candidates(p.selector, shadowed.classes).filter((c) => applies(p, dir, c.representative));
  for (let ti = 0; ti < tiers.length; ti++) {
    const tier = tiers[ti];
    const earlierTiers = tiers.slice(0, ti).flatMap((t) => t.policies);
    tier.policies.forEach((p, pi) => {
      const earlierInTier = tier.policies.slice(0, pi);
      for (const dir of ['ingress', 'egress'] as const) {
        const subjects = subjectGroups(subjectsOf(p, dir));
        if (!subjects.length) continue;
        // What an earlier tier decides is an Allow or a Deny (its Pass only moves on to this one).
        const decides = (x: CalicoRuleSpec) => x.action === 'Allow' || x.action === 'Deny';
        const acts = (x: CalicoRuleSpec) => x.action !== 'Log';
        const earlierFor = (s: PodInfo): EarlierRule[] => [
          ...earlierTiers.filter((q) => applies(q, dir, s)).flatMap((q) => rulesActing(q, dir, decides)),
          ...earlierInTier.filter((q) => applies(q, dir, s)).flatMap((q) => rulesActing(q, dir, acts)),
        ];
        for (const r of calicoRulesOf(p, dir)) {
          if (r.action === 'Log' || subjects.length * peers.length > SHADOW_BUDGET) continue;
          const own = rulesActing(p, dir, acts).filter((x) => x.order < order.get(r)!);
          // Only the peers the rule's remote side matches can have flows it decides.
          const named = peers.filter((q) => remoteMatches(p, r, dir, q));
          const verdict = shadowedBy(shadowed, subjects, named, (s, q) => connsOf(p, r, dir, s, q), (s) => [...earlierFor(s), ...own]);
          if (verdict) out.push({ policy: p, direction: dir, rule: r, verdict });
        }
      }
    });
  }
  return out;
}
