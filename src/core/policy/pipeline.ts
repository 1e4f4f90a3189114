import { Cluster, PodInfo } from '../cluster/model';
import { PolicyStep } from '../forward/trace';
import { Protocol } from '../manifest/types';
import {
  AdminPolicyInfo, AdminRuleHit, adminConns, adminPoliciesOf, adminRuleSource, describeAdminPeers, firstAdminMatch, ruleLabel, selectingAdmin,
} from './anp';
import {
  ADMIN_TIER_ORDER, BASELINE_TIER_ORDER, CalicoPolicyInfo, CalicoTierInfo, K8S_POLICY_ORDER, calicoApplies, calicoPoliciesOf, calicoRuleConns, calicoRuleLabel,
  calicoRuleSource, calicoRulesOf, describeCalicoRule, hostToLocalWorkload,
} from './calico';
import { ConnSet } from './connset';
import { Direction, DirectionVerdict, allowedConns, evaluateDirection, isIsolated, ruleSource } from './evaluate';
import { Peer } from './model';

/**
 * The order in which the data path applies policy to one direction of a connection
 * (kubernetes-sigs/network-policy-api, AdminNetworkPolicyRuleAction and the API overview):
 *
 *   1. AdminNetworkPolicies whose subject selects the pod, by priority (lower first), rules in
 *      written order: the first rule that matches decides — Allow and Deny are final (no
 *      NetworkPolicy can change them), Pass skips the remaining AdminNetworkPolicies.
 *   2. NetworkPolicy: when any selects the pod in this direction, it decides.
 *   3. The BaselineAdminNetworkPolicy `default`, only when no NetworkPolicy selects the pod.
 *   4. Otherwise the connection is allowed.
 *
 * On Calico this is one case of its tiers (see calico.ts): AdminNetworkPolicy is the
 * `kube-admin` tier (order 1,000, default Pass), NetworkPolicy sits in the `default` tier
 * (order 1,000,000) at policy order 1000 beside Calico's own default-tier policies, and the
 * baseline is the `kube-baseline` tier (order 10,000,000). Calico Tier objects slot in by
 * their order; each tier that applies ends in its default action.
 *
 * Ingress is decided on the destination pod, egress on the source pod; a connection needs both.
 * Traces, `explain` and the reachability engine all go through here.
 */

export type PolicyApi = PolicyStep['api'];

/** One stage consulted: `policy` is `AdminNetworkPolicy/<name>` or `ns/name`; NoMatch when evaluation went on past it. */
export type PipelineStep = PolicyStep;

export interface PipelineVerdict {
  direction: Direction;
  pod: PodInfo;
  allowed: boolean;
  /** Where the decision was made. */
  decidedAt: PolicyApi | 'exemption' | 'default';
  /** Every stage consulted, in order. */
  steps: PipelineStep[];
  /** The NetworkPolicy evaluation, when that stage was reached. */
  networkPolicy?: DirectionVerdict;
  /** Some policy of any API selects the pod in this direction. */
  selected: boolean;
  summary: string;
}

function isSelf(pod: PodInfo, peer: Peer): boolean {
  return peer.pod?.key === pod.key || peer.ip === pod.ip;
}

function ruleStep(api: PolicyApi, direction: Direction, hit: AdminRuleHit, continued?: string): PipelineStep {
  const label = ruleLabel(hit.policy, direction, hit.rule);
  const what = hit.rule.action === 'Pass' ? `passes it${continued ? `: evaluation continues at ${continued}` : ''}` : hit.rule.action === 'Allow' ? 'allows it' : 'denies it';
  return {
    api,
    policy: hit.policy.key,
    ruleIndex: hit.rule.index,
    ...(hit.rule.name ? { ruleName: hit.rule.name } : {}),
    action: hit.rule.action,
    text: `${label} (${hit.rule.action}; ${describeAdminPeers(hit.rule, direction)}) ${what}`,
    source: adminRuleSource(hit.policy, hit.rule),
  };
}

function noMatchStep(api: PolicyApi, direction: Direction, p: AdminPolicyInfo): PipelineStep {
  return { api, policy: p.key, action: 'NoMatch', text: `${p.key} selects the pod, but none of its ${direction} rules matches`, source: p.locator.at(p.subject.path) };
}


/** One stage of the pipeline, in evaluation order. */
export type PipelineStage =
  | { kind: 'admin' }
  | { kind: 'tier'; tier: CalicoTierInfo }
  | { kind: 'baseline' };

const stageMemo = new WeakMap<Cluster, PipelineStage[]>();

/** The stages by order: the admin tier, Calico's tiers (the default one holds NetworkPolicy), the baseline tier. */
export function pipelineStages(cluster: Cluster): PipelineStage[] {
  let st = stageMemo.get(cluster);
  if (!st) {
    const list: { order: number; name: string; stage: PipelineStage }[] = [
      { order: ADMIN_TIER_ORDER, name: 'kube-admin', stage: { kind: 'admin' } },
      { order: BASELINE_TIER_ORDER, name: 'kube-baseline', stage: { kind: 'baseline' } },
    ];
    for (const tier of calicoPoliciesOf(cluster).tiers) list.push({ order: tier.order, name: tier.name, stage: { kind: 'tier', tier } });
    list.sort((a, b) => (a.order !== b.order ? (a.order < b.order ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    st = list.map((x) => x.stage);
    stageMemo.set(cluster, st);
  }
  return st;
}

/**
 * The default tier's members in order: Calico policies ordered before 1000, then the
 * Kubernetes NetworkPolicies (order 1000; PodPath keeps them together, as `knp.default.*`
 * names usually sort before user names), then the rest.
 */
export function tierMembers(tier: CalicoTierInfo): (CalicoPolicyInfo | 'k8s')[] {
  if (tier.name !== 'default') return tier.policies;
  const before = tier.policies.filter((p) => p.order !== undefined && p.order < K8S_POLICY_ORDER);
  return [...before, 'k8s', ...tier.policies.filter((p) => !before.includes(p))];
}

function calicoStep(p: CalicoPolicyInfo, direction: Direction, rule: CalicoPolicyInfo['ingress'][number], continued: string): PipelineStep {
  const label = calicoRuleLabel(p, direction, rule);
  const what = rule.action === 'Pass' ? `passes it: evaluation continues at ${continued}` : rule.action === 'Allow' ? 'allows it' : rule.action === 'Deny' ? 'denies it' : 'logs it and evaluation goes on';
  return { api: 'Calico', tier: p.tier, policy: p.key, ruleIndex: rule.index, action: rule.action, text: `tier ${p.tier}: ${label} (${rule.action}; ${describeCalicoRule(rule, direction)}) ${what}`, source: calicoRuleSource(p, rule) };
}

function stageName(stage: PipelineStage | undefined): string {
  if (!stage) return 'the profile (allow)';
  if (stage.kind === 'admin') return 'AdminNetworkPolicy';
  if (stage.kind === 'baseline') return 'BaselineAdminNetworkPolicy';
  return stage.tier.name === 'default' ? 'the default tier (NetworkPolicy)' : `tier ${stage.tier.name}`;
}

/** One direction of one connection through every policy API, with the steps for traces and `explain`. */
export function evaluatePipeline(cluster: Cluster, direction: Direction, pod: PodInfo, peer: Peer, protocol: Protocol, port: number): PipelineVerdict {
  const admin = adminPoliciesOf(cluster);
  const steps: PipelineStep[] = [];
  const anps = selectingAdmin(cluster, admin.anps, direction, pod);
  const banp = admin.banp ? selectingAdmin(cluster, [admin.banp], direction, pod) : [];
  const calico = calicoPoliciesOf(cluster);
  const calicoSelecting = calico.all.some((p) => calicoApplies(cluster, p, direction, pod));
  if (isSelf(pod, peer)) {
    const np = evaluateDirection(cluster, direction, pod, peer, protocol, port);
    return { direction, pod, steps, allowed: true, decidedAt: 'exemption', networkPolicy: np, selected: np.isolated || anps.length > 0 || banp.length > 0 || calicoSelecting, summary: 'a pod cannot block access to itself' };
  }
  if (hostToLocalWorkload(cluster, direction, pod, peer.ip)) {
    const np = evaluateDirection(cluster, direction, pod, peer, protocol, port);
    return { direction, pod, steps, allowed: true, decidedAt: 'exemption', networkPolicy: np, selected: np.isolated || anps.length > 0 || banp.length > 0 || calicoSelecting, summary: `traffic from the pod's own node (${pod.node}) into it is never policed on Calico` };
  }
  const stages = pipelineStages(cluster);
  let np: DirectionVerdict | undefined;
  let passedFrom: string | undefined;
  const selected = () => (np ??= evaluateDirection(cluster, direction, pod, peer, protocol, port)).isolated || anps.length > 0 || banp.length > 0 || calicoSelecting;
  // Pass goes to the next stage that has a policy for this pod (Tier reference: "the next Tier containing a Policy that applies").
  const applies = (st: PipelineStage): boolean => {
    if (st.kind === 'admin') return anps.length > 0;
    if (st.kind === 'baseline') return banp.length > 0;
    return tierMembers(st.tier).some((m) => (m === 'k8s' ? isIsolated(cluster, direction, pod) : calicoApplies(cluster, m, direction, pod)));
  };
  for (let si = 0; si < stages.length; si++) {
    const stage = stages[si];
    const next = stageName(stages.slice(si + 1).find(applies));
    if (stage.kind === 'admin') {
      for (const p of anps) {
        const hit = firstAdminMatch(cluster, [p], direction, pod, peer, protocol, port);
        if (!hit) {
          steps.push(noMatchStep('AdminNetworkPolicy', direction, p));
          continue;
        }
        steps.push(ruleStep('AdminNetworkPolicy', direction, hit, next === 'the default tier (NetworkPolicy)' ? 'NetworkPolicy' : next));
        if (hit.rule.action === 'Pass') {
          passedFrom = 'AdminNetworkPolicy';
          break;
        }
        const allowed = hit.rule.action === 'Allow';
        return { direction, pod, steps, allowed, decidedAt: 'AdminNetworkPolicy', selected: true, summary: `${allowed ? 'allowed' : 'denied'} by ${ruleLabel(hit.policy, direction, hit.rule)} (priority ${hit.policy.priority})` };
      }
      continue;
    }
    if (stage.kind === 'baseline') {
      if (!banp.length) continue;
      const hit = firstAdminMatch(cluster, banp, direction, pod, peer, protocol, port);
      if (hit) {
        steps.push(ruleStep('BaselineAdminNetworkPolicy', direction, hit));
        const allowed = hit.rule.action === 'Allow';
        return { direction, pod, steps, allowed, decidedAt: 'BaselineAdminNetworkPolicy', ...(np ? { networkPolicy: np } : {}), selected: selected(), summary: `${allowed ? 'allowed' : 'denied'} by ${ruleLabel(hit.policy, direction, hit.rule)}` };
      }
      steps.push(noMatchStep('BaselineAdminNetworkPolicy', direction, banp[0]));
      continue;
    }
    // A Calico tier (the default one holds the NetworkPolicies).
    const tier = stage.tier;
    const members = tierMembers(tier).filter((m) => (m === 'k8s' ? (np ??= evaluateDirection(cluster, direction, pod, peer, protocol, port)).isolated : calicoApplies(cluster, m, direction, pod)));
    if (!members.length) {
      if (tier.name === 'default') steps.push({ api: 'NetworkPolicy', action: 'NoMatch', text: `no NetworkPolicy selects ${pod.key} for ${direction}${banp.length ? ': the BaselineAdminNetworkPolicy applies' : ''}` });
      continue;
    }
    const onlyK8s = members.length === 1 && members[0] === 'k8s' && tier.defaultAction === 'Deny';
    let passed = false;
    for (const m of members) {
      if (m === 'k8s') {
        const v = np!;
        const summary = v.exemption ?? (v.allowedBy ? `allowed by ${v.allowedBy.policy.key} ${direction}[${v.allowedBy.rule!.index}]` : `selected by ${v.selecting.map((p) => p.key).join(', ')} and no rule allows ${protocol} ${port} ${direction === 'ingress' ? 'from' : 'to'} ${peer.ip}`);
        const inTier = onlyK8s ? {} : { tier: 'default' };
        if (v.allowedBy) steps.push({ api: 'NetworkPolicy', ...inTier, policy: v.allowedBy.policy.key, ruleIndex: v.allowedBy.rule!.index, action: 'Allow', text: v.allowedBy.text, source: ruleSource(v.allowedBy) });
        else if (v.exemption) steps.push({ api: 'NetworkPolicy', ...inTier, action: 'Allow', text: v.exemption });
        else if (onlyK8s) steps.push({ api: 'NetworkPolicy', policy: v.selecting[0].key, action: 'Deny', text: summary, source: v.selecting[0].locator.at(['spec', 'podSelector']) });
        else steps.push({ api: 'NetworkPolicy', ...inTier, policy: v.selecting[0].key, action: 'NoMatch', text: `${summary}; evaluation goes on in the tier`, source: v.selecting[0].locator.at(['spec', 'podSelector']) });
        if (v.allowed || onlyK8s) return { direction, pod, steps, allowed: v.allowed, decidedAt: 'NetworkPolicy', networkPolicy: v, selected: selected(), summary: `${passedFrom ? `passed to NetworkPolicy: ` : ''}${summary}` };
        continue;
      }
      let decided = false;
      for (const rule of calicoRulesOf(m, direction)) {
        if (!calicoRuleConns(cluster, m, rule, direction, pod, peer).has(protocol, port)) continue;
        steps.push(calicoStep(m, direction, rule, next));
        if (rule.action === 'Log') continue;
        if (rule.action === 'Pass') {
          passed = true;
          passedFrom = `tier ${tier.name}`;
          break;
        }
        const allowed = rule.action === 'Allow';
        decided = true;
        return { direction, pod, steps, allowed, decidedAt: 'Calico', ...(np ? { networkPolicy: np } : {}), selected: true, summary: `${allowed ? 'allowed' : 'denied'} by ${calicoRuleLabel(m, direction, rule)} in tier ${tier.name}` };
      }
      if (passed || decided) break;
      steps.push({ api: 'Calico', tier: tier.name, policy: m.key, action: 'NoMatch', text: `tier ${tier.name}: ${m.key} applies to the pod, but none of its ${direction} rules matches`, source: m.locator.at(m.manifest.selector.path) });
    }
    if (passed) continue;
    // The tier applies and no policy acted: its default action (Tier reference, defaultAction).
    if (tier.defaultAction === 'Pass') {
      steps.push({ api: 'Calico', tier: tier.name, action: 'Pass', text: `tier ${tier.name}: no policy acts on it; the tier's defaultAction Pass continues at ${next}`, ...(tier.locator ? { source: tier.locator.at(['spec', 'defaultAction']) } : {}) });
      continue;
    }
    steps.push({ api: 'Calico', tier: tier.name, action: 'Deny', text: `tier ${tier.name}: policies apply to ${pod.key} for ${direction} but none acts on it: the tier's default action denies it`, ...(tier.locator ? { source: tier.locator.range } : {}) });
    return { direction, pod, steps, allowed: false, decidedAt: 'Calico', ...(np ? { networkPolicy: np } : {}), selected: true, summary: `denied at the end of tier ${tier.name} (no policy in it acts on this flow)` };
  }
  np ??= evaluateDirection(cluster, direction, pod, peer, protocol, port);
  return { direction, pod, steps, allowed: true, decidedAt: 'default', networkPolicy: np, selected: selected(), summary: np.exemption ?? `no policy decides ${direction}: allowed` };
}

/**
 * Every connection the pipeline allows in one direction, as a set: each stage takes what the
 * stages before it passed or left undecided; what reaches the end is allowed.
 */
export function pipelineConns(cluster: Cluster, direction: Direction, pod: PodInfo, peer: Peer): ConnSet {
  if (isSelf(pod, peer) || hostToLocalWorkload(cluster, direction, pod, peer.ip)) return ConnSet.ALL;
  const admin = adminPoliciesOf(cluster);
  let allow = ConnSet.NONE;
  let open = ConnSet.ALL;
  for (const stage of pipelineStages(cluster)) {
    if (open.isEmpty()) break;
    if (stage.kind === 'admin') {
      if (!admin.anps.length) continue;
      const a = adminConns(cluster, selectingAdmin(cluster, admin.anps, direction, pod), direction, pod, peer);
      allow = allow.union(a.allow.intersect(open));
      open = open.intersect(a.pass.union(a.undecided));
      continue;
    }
    if (stage.kind === 'baseline') {
      const banp = admin.banp ? selectingAdmin(cluster, [admin.banp], direction, pod) : [];
      if (!banp.length) continue;
      const b = adminConns(cluster, banp, direction, pod, peer);
      allow = allow.union(b.allow.intersect(open));
      open = open.intersect(b.undecided);
      continue;
    }
    const members = tierMembers(stage.tier).filter((m) => (m === 'k8s' ? isIsolated(cluster, direction, pod) : calicoApplies(cluster, m, direction, pod)));
    if (!members.length) continue;
    let rest = open;
    let passed = ConnSet.NONE;
    for (const m of members) {
      if (rest.isEmpty()) break;
      if (m === 'k8s') {
        const a = allowedConns(cluster, direction, pod, peer).intersect(rest);
        allow = allow.union(a);
        rest = rest.intersect(a.complement());
        continue;
      }
      for (const rule of calicoRulesOf(m, direction)) {
        if (rest.isEmpty()) break;
        if (rule.action === 'Log') continue;
        const hit = calicoRuleConns(cluster, m, rule, direction, pod, peer).intersect(rest);
        if (hit.isEmpty()) continue;
        if (rule.action === 'Allow') allow = allow.union(hit);
        else if (rule.action === 'Pass') passed = passed.union(hit);
        rest = rest.intersect(hit.complement());
      }
    }
    open = stage.tier.defaultAction === 'Pass' ? passed.union(rest) : passed;
  }
  return allow.union(open);
}

/**
 * The connections one Calico rule decides between a pod and a peer: what reaches its tier
 * (not decided by the stages before) and no earlier rule of the tier took, that it matches.
 */
export function connsDecidedByCalicoRule(cluster: Cluster, target: CalicoPolicyInfo, targetRule: CalicoPolicyInfo['ingress'][number], direction: Direction, pod: PodInfo, peer: Peer): ConnSet {
  if (isSelf(pod, peer) || hostToLocalWorkload(cluster, direction, pod, peer.ip) || !calicoApplies(cluster, target, direction, pod)) return ConnSet.NONE;
  const admin = adminPoliciesOf(cluster);
  let open = ConnSet.ALL;
  for (const stage of pipelineStages(cluster)) {
    if (open.isEmpty()) return ConnSet.NONE;
    if (stage.kind === 'admin' || stage.kind === 'baseline') {
      const list = stage.kind === 'admin' ? admin.anps : admin.banp ? [admin.banp] : [];
      const sel = list.length ? selectingAdmin(cluster, list, direction, pod) : [];
      if (!sel.length) continue;
      const a = adminConns(cluster, sel, direction, pod, peer);
      open = open.intersect(stage.kind === 'admin' ? a.pass.union(a.undecided) : a.undecided);
      continue;
    }
    const members = tierMembers(stage.tier).filter((m) => (m === 'k8s' ? isIsolated(cluster, direction, pod) : calicoApplies(cluster, m, direction, pod)));
    if (!members.length) continue;
    let rest = open;
    let passed = ConnSet.NONE;
    for (const m of members) {
      if (m === 'k8s') {
        rest = rest.intersect(allowedConns(cluster, direction, pod, peer).complement());
        continue;
      }
      for (const rule of calicoRulesOf(m, direction)) {
        const conns = calicoRuleConns(cluster, m, rule, direction, pod, peer);
        if (m === target && rule === targetRule) return rule.action === 'Log' ? ConnSet.NONE : conns.intersect(rest);
        if (rule.action === 'Log') continue;
        const hit = conns.intersect(rest);
        if (rule.action === 'Pass') passed = passed.union(hit);
        rest = rest.intersect(hit.complement());
      }
    }
    open = stage.tier.defaultAction === 'Pass' ? passed.union(rest) : passed;
  }
  return ConnSet.NONE;
}

/** What NetworkPolicy, or failing that the baseline, allows (stages 2–4). */
export function afterAdmin(cluster: Cluster, direction: Direction, pod: PodInfo, peer: Peer): ConnSet {
  if (isIsolated(cluster, direction, pod)) return allowedConns(cluster, direction, pod, peer);
  return baselineConns(cluster, direction, pod, peer);
}

/** Stages 3–4: the BaselineAdminNetworkPolicy's allowed connections (unmatched ones are allowed). */
export function baselineConns(cluster: Cluster, direction: Direction, pod: PodInfo, peer: Peer): ConnSet {
  const banp = adminPoliciesOf(cluster).banp;
  if (!banp) return ConnSet.ALL;
  const selecting = selectingAdmin(cluster, [banp], direction, pod);
  if (!selecting.length) return ConnSet.ALL;
  const b = adminConns(cluster, selecting, direction, pod, peer);
  return b.allow.union(b.undecided);
}
