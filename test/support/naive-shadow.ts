import { Cluster, PodInfo } from '../../src/core/cluster/model';
import { Cidr, intToIp } from '../../src/core/common/ip';
import { AdminPolicyInfo, AdminRuleSpec, adminPeerMatches, adminPoliciesOf, adminRulePorts, ruleLabel, rulesOf, subjectSelects } from '../../src/core/policy/anp';
import { CalicoPolicyInfo, CalicoRuleSpec, calicoApplies, calicoPoliciesOf, calicoRuleConns, calicoRuleLabel, calicoRulesOf } from '../../src/core/policy/calico';
import { ConnSet } from '../../src/core/policy/connset';
import { Peer } from '../../src/core/policy/model';

/**
 * The shadowed-rule checks by their definition, pod by pod: for every pod a rule applies to and
 * every other pod or outside address, do the rules evaluated before it decide every connection
 * it matches? No classes, no memos, no budget — slow, and the reference the lint is held to.
 * Each shadowed rule is one line: `<rule> shadowed|denied by <deciders in evaluation order>`.
 */

type Direction = 'ingress' | 'egress';

interface Earlier {
  label: string;
  action: string;
  order: number;
  conns(s: PodInfo, q: Peer): ConnSet;
}

export function naiveAdminShadows(cluster: Cluster): string[] {
  const { anps, banp } = adminPoliciesOf(cluster);
  const all = [...anps, ...(banp ? [banp] : [])];
  const order = evaluationOrder(all.flatMap((p) => [...p.ingress, ...p.egress]));
  const conns = (e: AdminRuleSpec, dir: Direction, s: PodInfo, q: Peer) => (e.peers.some((x) => adminPeerMatches(cluster, x, q)) ? adminRulePorts(e, dir === 'ingress' ? s : q.pod) : ConnSet.NONE);
  const earlier = (q: AdminPolicyInfo, dir: Direction, e: AdminRuleSpec): Earlier => ({ label: ruleLabel(q, dir, e), action: e.action, order: order.get(e)!, conns: (s, peer) => conns(e, dir, s, peer) });
  const peers = everyPeer(cluster, all.flatMap((p) => [...p.ingress, ...p.egress]).flatMap((r) => r.peers.flatMap((x) => (x.kind === 'networks' ? x.cidrs : []))));
  const out: string[] = [];
  for (const p of all) {
    const higher = p.api === 'BaselineAdminNetworkPolicy' ? [] : anps.slice(0, anps.indexOf(p));
    for (const dir of ['ingress', 'egress'] as const) {
      const subjects = cluster.pods.filter((s) => subjectSelects(cluster, p, s));
      for (const r of rulesOf(p, dir)) {
        const before = (s: PodInfo) => [
          ...higher.filter((q) => subjectSelects(cluster, q, s)).flatMap((q) => rulesOf(q, dir).map((e) => earlier(q, dir, e))),
          ...rulesOf(p, dir).slice(0, r.index).map((e) => earlier(p, dir, e)),
        ];
        const v = shadowed(subjects, peers, (s, q) => conns(r, dir, s, q), before);
        if (v) out.push(`${ruleLabel(p, dir, r)} ${r.action === 'Allow' && v.allDenied ? 'denied' : 'shadowed'} by ${v.deciders.join(', ')}`);
      }
    }
  }
  return out;
}

export function naiveCalicoShadows(cluster: Cluster): string[] {
  const { tiers } = calicoPoliciesOf(cluster);
  const all = tiers.flatMap((t) => t.policies);
  const order = evaluationOrder(all.flatMap((p) => [...p.ingress, ...p.egress]));
  const earlier = (q: CalicoPolicyInfo, dir: Direction, e: CalicoRuleSpec): Earlier => ({ label: calicoRuleLabel(q, dir, e), action: e.action, order: order.get(e)!, conns: (s, peer) => calicoRuleConns(cluster, q, e, dir, s, peer) });
  const nets = all.flatMap((p) => [...p.ingress, ...p.egress]).flatMap((r) => [r.source, r.destination]).flatMap((e) => [...(e.nets ?? []), ...(e.notNets ?? [])]);
  const peers = everyPeer(cluster, nets);
  const out: string[] = [];
  tiers.forEach((tier, ti) => {
    const earlierTiers = tiers.slice(0, ti).flatMap((t) => t.policies);
    tier.policies.forEach((p, pi) => {
      for (const dir of ['ingress', 'egress'] as const) {
        const subjects = cluster.pods.filter((s) => calicoApplies(cluster, p, dir, s));
        for (const r of calicoRulesOf(p, dir)) {
          if (r.action === 'Log') continue;
          const before = (s: PodInfo) => [
            // An earlier tier's Pass only moves on to the next tier: its Allow and Deny rules decide.
            ...earlierTiers.filter((q) => calicoApplies(cluster, q, dir, s)).flatMap((q) => calicoRulesOf(q, dir).filter((e) => e.action === 'Allow' || e.action === 'Deny').map((e) => earlier(q, dir, e))),
            ...tier.policies.slice(0, pi).filter((q) => calicoApplies(cluster, q, dir, s)).flatMap((q) => calicoRulesOf(q, dir).filter((e) => e.action !== 'Log').map((e) => earlier(q, dir, e))),
            ...calicoRulesOf(p, dir).slice(0, r.index).filter((e) => e.action !== 'Log').map((e) => earlier(p, dir, e)),
          ];
          const v = shadowed(subjects, peers, (s, q) => calicoRuleConns(cluster, p, r, dir, s, q), before);
          if (v) out.push(`${calicoRuleLabel(p, dir, r)} ${r.action === 'Allow' && v.allDenied ? 'denied' : 'shadowed'} by ${v.deciders.join(', ')}`);
        }
      }
    });
  });
  return out;
}

function evaluationOrder<R>(rules: R[]): Map<R, number> {
  return new Map(rules.map((r, i) => [r, i]));
}

/** Every pod (not host-networked), every node address, and an address per stretch between the blocks' IPv4 bounds. */
function everyPeer(cluster: Cluster, blocks: Cidr[]): Peer[] {
  const pods = cluster.pods.filter((p) => !p.hostNetwork);
  const cuts = new Set<number>();
  for (const c of blocks) {
    if (c.family === 6) continue;
    cuts.add(c.base);
    if (c.base + 2 ** (32 - c.prefix) <= 0xffffffff) cuts.add(c.base + 2 ** (32 - c.prefix));
  }
  const podIPs = new Set(pods.map((p) => p.ip));
  const addresses = [...new Set([...cluster.nodes.map((n) => n.ip), ...[...cuts].map(intToIp)])].filter((ip) => !podIPs.has(ip));
  return [...pods.map((p): Peer => ({ ip: p.ip, pod: p, namespace: cluster.namespaces.get(p.namespace) })), ...addresses.map((ip): Peer => ({ ip }))];
}

/**
 * The definition: every flow the rule matches, for every subject and peer, is taken by an
 * earlier rule (each earlier rule takes what it matches of what is still undecided). Deciders
 * are the earlier rules that took something, listed in evaluation order.
 */
function shadowed(subjects: PodInfo[], peers: Peer[], own: (s: PodInfo, q: Peer) => ConnSet, before: (s: PodInfo) => Earlier[]): { deciders: string[]; allDenied: boolean } | undefined {
  const took: Earlier[] = [];
  let flows = 0;
  for (const s of subjects.filter((x) => !x.hostNetwork)) {
    for (const q of peers.filter((x) => x.pod !== s)) {
      const matched = own(s, q);
      if (matched.isEmpty()) continue;
      flows++;
      let undecided = matched;
      for (const e of before(s)) {
        const taken = undecided.intersect(e.conns(s, q));
        if (!taken.isEmpty()) took.push(e);
        undecided = undecided.intersect(taken.complement());
      }
      if (!undecided.isEmpty()) return undefined;
    }
  }
  if (flows === 0) return undefined;
  const labels = [...new Map(took.sort((a, b) => a.order - b.order).map((e) => [e.label, e])).keys()];
  return { deciders: labels, allDenied: took.every((e) => e.action === 'Deny') };
}
