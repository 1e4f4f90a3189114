import { Cluster, PodInfo } from '../cluster/model';
import { Finding, finding } from '../common/finding';
import { Cidr, cidrContains } from '../common/ip';
import { ConnSet } from './connset';
import { AdminPolicyInfo, AdminRuleSpec, adminPeerMatches, adminPoliciesOf, adminRulePorts, ruleLabel, rulesOf, subjectSelects } from './anp';
import { Peer } from './model';
import { EarlierRule, MatchMemo, ShadowPeers, ShadowVerdict, decidersText, shadowedBy, subjectGroups } from './shadowing';

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

/** Above this many (subject group × peer) checks per rule the shadowing check is skipped: it is a lint, not worth seconds. */
const SHADOW_BUDGET = 200_000;

/** One rule's shadowing verdict (see shadowing.ts). */
export interface AdminShadow {
  policy: AdminPolicyInfo;
  direction: 'ingress' | 'egress';
  rule: AdminRuleSpec;
  verdict: ShadowVerdict;
}

/**
 * Rules that can never decide a flow: for every subject pod and every peer the rule matches,
 * earlier rules (of the same policy, or of AdminNetworkPolicies with a lower priority number
 * that select that pod) already decide every connection it covers. Peers are the pods (a class
 * at a time), every node address, and one address per stretch of the IPv4 space between admin
 * `networks` bounds (all addresses in a stretch are treated alike), so the check is exact for
 * this cluster.
 */
function shadowedRuleFindings(cluster: Cluster): Finding[] {
  return adminShadows(cluster).map(({ policy: p, direction, rule: r, verdict }) => {
    const label = ruleLabel(p, direction, r);
    const by = decidersText(verdict.deciders);
    if (r.action === 'Allow' && verdict.allDenied) {
      return finding('anp-allow-denied', 'warning', `${label} allows nothing: every flow it matches is denied first by ${by}`, p.locator.at(r.path));
    }
    return finding('anp-rule-shadowed', 'warning', `${label} (${r.action}) never decides a flow: ${by} already decide${verdict.deciders.length === 1 ? 's' : ''} every flow it matches`, p.locator.at(r.path));
  });
}

/** Every shadowed rule of the cluster's admin policies, in policy order (by priority, the baseline last). */
export function adminShadows(cluster: Cluster): AdminShadow[] {
  const out: AdminShadow[] = [];
  const { anps, banp } = adminPoliciesOf(cluster);
  const all = [...anps, ...(banp ? [banp] : [])];
  if (!all.length) return out;
  const networks: Cidr[] = [];
  for (const p of all) for (const r of [...p.ingress, ...p.egress]) for (const peer of r.peers) if (peer.kind === 'networks') networks.push(...peer.cidrs);
  const peers = new ShadowPeers(cluster, networks);
  // Whether a rule's peers name a peer: the same for every pod of a class, so asked once per class.
  const names = new MatchMemo<AdminRuleSpec>(peers.size);
  const ruleNames = (r: AdminRuleSpec, q: Peer): boolean => names.test(r, peers.indexOf(q), () => r.peers.some((x) => adminPeerMatches(cluster, x, q)));
  const connsOf = (r: AdminRuleSpec, dir: 'ingress' | 'egress', s: PodInfo, q: Peer): ConnSet => (ruleNames(r, q) ? adminRulePorts(r, dir === 'ingress' ? s : q.pod) : ConnSet.NONE);
  const peersFor = (r: AdminRuleSpec): Peer[] => {
    const nets: Cidr[] = r.peers.flatMap((x) => (x.kind === 'networks' ? x.cidrs : []));
    const nodes = r.peers.some((x) => x.kind === 'nodes');
    const addresses = nets.length || nodes ? peers.addresses.filter((a) => nodes || nets.some((c) => cidrContains(c, a.ip))) : [];
    return [...peers.classPeers, ...addresses];
  };
  // The classes a rule's peers name, found namespace by namespace through the class label index
  // (a rule names a few of thousands of classes), filed in `names` for every class at once.
  const fileClassesNamed = (r: AdminRuleSpec): void => {
    const named = new Set<number>();
    for (const spec of r.peers) {
      if (spec.kind === 'nodes' || spec.kind === 'networks') {
        peers.classPeers.forEach((q, i) => {
          if (adminPeerMatches(cluster, spec, q)) named.add(i);
        });
        continue;
      }
      const namespaces = spec.kind === 'namespaces' ? spec.namespaces : spec.namespaceSelector;
      for (const [ns, classes] of peers.namespaces()) {
        // A namespace is judged on one of its pods, as adminPeerMatches judges every pod.
        if (!adminPeerMatches(cluster, { kind: 'namespaces', namespaces, path: spec.path }, peers.classPeers[peers.classIndex(classes[0].representative)])) continue;
        const numbers = spec.kind === 'namespaces' ? classes.map((c) => peers.classIndex(c.representative)) : peers.matching(ns, spec.podSelector);
        for (const i of numbers) named.add(i);
      }
    }
    names.fill(r, peers.classPeers.length, named);
  };
  for (const p of all) for (const r of [...p.ingress, ...p.egress]) fileClassesNamed(r);
  // Every rule's place in evaluation order: policies by priority (the baseline last), rules in order.
  const earlier = new Map<AdminRuleSpec, EarlierRule>();
  for (const p of all) {
    for (const dir of ['ingress', 'egress'] as const) {
      for (const e of rulesOf(p, dir)) earlier.set(e, { label: ruleLabel(p, dir, e), action: e.action, order: earlier.size, conns: (s, q) => connsOf(e, dir, s, q) });
    }
  }
  const earlierOf = (rules: readonly AdminRuleSpec[]): EarlierRule[] => rules.map((e) => earlier.get(e)!);
  const selects = new MatchMemo<AdminPolicyInfo>(peers.size);
  const subjectOf = (p: AdminPolicyInfo, s: PodInfo): boolean => selects.test(p, peers.classIndex(s), () => subjectSelects(cluster, p, s));
  for (const p of all) {
    const baseline = p.api === 'BaselineAdminNetworkPolicy';
    const higher = baseline ? [] : anps.slice(0, anps.indexOf(p));
    for (const dir of ['ingress', 'egress'] as const) {
      const rules = rulesOf(p, dir);
      if (rules.length < 1) continue;
      const withRules = higher.filter((q) => rulesOf(q, dir).length);
      const higherSelecting = (s: PodInfo): AdminPolicyInfo[] => withRules.filter((q) => subjectOf(q, s));
      // Subjects alike to every rule here: selected by the same higher policies, and (ingress)
      // with the same ports for named ports to resolve on.
      const subjects = subjectGroups(peers.subjects((pod) => subjectOf(p, pod)), (s) => `${higherSelecting(s).map((q) => q.key).join(' ')}|${dir === 'ingress' ? portsKey(s) : ''}`);
      for (const r of rules) {
        const candidates = peersFor(r);
        if (subjects.length * candidates.length > SHADOW_BUDGET) continue;
        const own = earlierOf(rules.slice(0, r.index));
        const earlierFor = (s: PodInfo): EarlierRule[] => [...higherSelecting(s).flatMap((q) => earlierOf(rulesOf(q, dir))), ...own];
        // Only the peers the rule names can have flows it decides.
        const named = candidates.filter((q) => ruleNames(r, q));
        const verdict = shadowedBy(peers, subjects, named, (s, q) => connsOf(r, dir, s, q), earlierFor);
        if (verdict) out.push({ policy: p, direction: dir, rule: r, verdict });
      }
    }
  }
  return out;
}

/** A pod's declared ports, as a named port resolves on them. */
function portsKey(pod: PodInfo): string {
  return pod.ports.map((p) => `${p.name}/${p.protocol}=${p.containerPort}`).join(',');
}
