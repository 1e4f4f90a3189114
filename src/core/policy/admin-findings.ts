import { Cluster } from '../cluster/model';
import { Finding, finding } from '../common/finding';
import { Cidr, cidrContains, intToIp } from '../common/ip';
import { AdminPolicyInfo, AdminRuleSpec, adminPeerMatches, adminPoliciesOf, adminRulePorts, ruleLabel, rulesOf, subjectSelects } from './anp';
import { Peer } from './model';

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
  out.push(...shadowedRuleFindings(cluster));
  return out;
}

/** Above this many (subject pod × peer) checks per rule the shadowing check is skipped: it is a lint, not worth seconds. */
const SHADOW_BUDGET = 200_000;

/**
 * Rules that can never decide a flow: for every subject pod and every peer the rule matches,
 * earlier rules (of the same policy, or of AdminNetworkPolicies with a lower priority number
 * that select that pod) already decide every connection it covers. Peers are every pod, every
 * node address, and one address per stretch of the IPv4 space between admin `networks` bounds
 * (all addresses in a stretch are treated alike), so the check is exact for this cluster.
 */
function shadowedRuleFindings(cluster: Cluster): Finding[] {
  const out: Finding[] = [];
  const { anps, banp } = adminPoliciesOf(cluster);
  const all = [...anps, ...(banp ? [banp] : [])];
  if (!all.length) return out;
  const pods = cluster.pods.filter((p) => !p.hostNetwork);
  const podPeers: Peer[] = pods.map((p) => ({ ip: p.ip, pod: p, namespace: cluster.namespaces.get(p.namespace) }));
  const cuts = new Set<number>();
  for (const p of all) for (const r of [...p.ingress, ...p.egress]) for (const peer of r.peers) if (peer.kind === 'networks') for (const c of peer.cidrs) {
    if (c.family === 6) continue;
    cuts.add(c.base);
    const end = c.base + 2 ** (32 - c.prefix);
    if (end <= 0xffffffff) cuts.add(end);
  }
  const podIPs = new Set(pods.map((p) => p.ip));
  const addressPeers: Peer[] = [...new Set([...cluster.nodes.map((n) => n.ip), ...[...cuts].map(intToIp)])].filter((ip) => !podIPs.has(ip)).map((ip) => ({ ip }));
  const peersFor = (r: AdminRuleSpec): Peer[] => {
    const nets: Cidr[] = r.peers.flatMap((x) => (x.kind === 'networks' ? x.cidrs : []));
    const wantsAddresses = nets.length > 0 || r.peers.some((x) => x.kind === 'nodes');
    return wantsAddresses ? [...podPeers, ...addressPeers.filter((a) => r.peers.some((x) => x.kind === 'nodes') || nets.some((c) => cidrContains(c, a.ip)))] : podPeers;
  };
  for (const p of all) {
    const baseline = p.api === 'BaselineAdminNetworkPolicy';
    for (const dir of ['ingress', 'egress'] as const) {
      const rules = rulesOf(p, dir);
      if (rules.length < 1) continue;
      const subjects = pods.filter((s) => subjectSelects(cluster, p, s));
      for (const r of rules) {
        const peers = peersFor(r);
        if (subjects.length * peers.length > SHADOW_BUDGET) continue;
        const verdict = shadowedBy(cluster, p, r, dir, subjects, peers, baseline ? [] : anps.slice(0, anps.indexOf(p)));
        if (!verdict) continue;
        const label = ruleLabel(p, dir, r);
        const by = [...verdict.deciders].slice(0, 3).join(', ') + (verdict.deciders.size > 3 ? ' …' : '');
        if (r.action === 'Allow' && verdict.allDenied) {
          out.push(finding('anp-allow-denied', 'warning', `${label} allows nothing: every flow it matches is denied first by ${by}`, p.locator.at(r.path)));
        } else {
          out.push(finding('anp-rule-shadowed', 'warning', `${label} (${r.action}) never decides a flow: ${by} already decide${verdict.deciders.size === 1 ? 's' : ''} every flow it matches`, p.locator.at(r.path)));
        }
      }
    }
  }
  return out;
}

function shadowedBy(cluster: Cluster, p: AdminPolicyInfo, r: AdminRuleSpec, dir: 'ingress' | 'egress', subjects: Cluster['pods'], peers: Peer[], higher: AdminPolicyInfo[]): { deciders: Set<string>; allDenied: boolean } | undefined {
  const deciders = new Set<string>();
  let allDenied = true;
  let anyFlow = false;
  const own = rulesOf(p, dir).slice(0, r.index);
  for (const s of subjects) {
    const earlier: [AdminPolicyInfo, AdminRuleSpec][] = [
      ...higher.filter((q) => rulesOf(q, dir).length && subjectSelects(cluster, q, s)).flatMap((q) => rulesOf(q, dir).map((x): [AdminPolicyInfo, AdminRuleSpec] => [q, x])),
      ...own.map((x): [AdminPolicyInfo, AdminRuleSpec] => [p, x]),
    ];
    for (const q of peers) {
      if (q.pod?.key === s.key) continue;
      if (!r.peers.some((x) => adminPeerMatches(cluster, x, q))) continue;
      const dest = dir === 'ingress' ? s : q.pod;
      let left = adminRulePorts(r, dest);
      if (left.isEmpty()) continue;
      anyFlow = true;
      for (const [pol, e] of earlier) {
        if (!e.peers.some((x) => adminPeerMatches(cluster, x, q))) continue;
        const hit = adminRulePorts(e, dest).intersect(left);
        if (hit.isEmpty()) continue;
        deciders.add(ruleLabel(pol, dir, e));
        if (e.action !== 'Deny') allDenied = false;
        left = left.intersect(hit.complement());
        if (left.isEmpty()) break;
      }
      if (!left.isEmpty()) return undefined;
    }
  }
  return anyFlow ? { deciders, allDenied } : undefined;
}
