import { Cluster, PodInfo } from '../cluster/model';
import { PolicyStep } from '../forward/trace';
import { Protocol } from '../manifest/types';
import {
  AdminPolicyInfo, AdminRuleHit, adminConns, adminPoliciesOf, adminRuleSource, describeAdminPeers, firstAdminMatch, ruleLabel, selectingAdmin,
} from './anp';
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

/** One direction of one connection through every policy API, with the steps for traces and `explain`. */
export function evaluatePipeline(cluster: Cluster, direction: Direction, pod: PodInfo, peer: Peer, protocol: Protocol, port: number): PipelineVerdict {
  const admin = adminPoliciesOf(cluster);
  const steps: PipelineStep[] = [];
  const anps = selectingAdmin(cluster, admin.anps, direction, pod);
  const banp = admin.banp ? selectingAdmin(cluster, [admin.banp], direction, pod) : [];
  const base = { direction, pod, steps };
  if (isSelf(pod, peer)) {
    const np = evaluateDirection(cluster, direction, pod, peer, protocol, port);
    return { ...base, allowed: true, decidedAt: 'exemption', networkPolicy: np, selected: np.isolated || anps.length > 0 || banp.length > 0, summary: 'a pod cannot block access to itself' };
  }
  let passed = false;
  for (const p of anps) {
    const hit = firstAdminMatch(cluster, [p], direction, pod, peer, protocol, port);
    if (!hit) {
      steps.push(noMatchStep('AdminNetworkPolicy', direction, p));
      continue;
    }
    steps.push(ruleStep('AdminNetworkPolicy', direction, hit, 'NetworkPolicy'));
    if (hit.rule.action === 'Pass') {
      passed = true;
      break;
    }
    const allowed = hit.rule.action === 'Allow';
    return { ...base, allowed, decidedAt: 'AdminNetworkPolicy', selected: true, summary: `${allowed ? 'allowed' : 'denied'} by ${ruleLabel(hit.policy, direction, hit.rule)} (priority ${hit.policy.priority})` };
  }
  const np = evaluateDirection(cluster, direction, pod, peer, protocol, port);
  const selected = np.isolated || anps.length > 0 || banp.length > 0;
  if (np.isolated) {
    const summary = np.exemption ?? (np.allowedBy ? `allowed by ${np.allowedBy.policy.key} ${direction}[${np.allowedBy.rule!.index}]` : `selected by ${np.selecting.map((p) => p.key).join(', ')} and no rule allows ${protocol} ${port} ${direction === 'ingress' ? 'from' : 'to'} ${peer.ip}`);
    if (np.allowedBy) steps.push({ api: 'NetworkPolicy', policy: np.allowedBy.policy.key, ruleIndex: np.allowedBy.rule!.index, action: 'Allow', text: np.allowedBy.text, source: ruleSource(np.allowedBy) });
    else if (np.exemption) steps.push({ api: 'NetworkPolicy', action: 'Allow', text: np.exemption });
    else steps.push({ api: 'NetworkPolicy', policy: np.selecting[0].key, action: 'Deny', text: summary, source: np.selecting[0].locator.at(['spec', 'podSelector']) });
    return { ...base, allowed: np.allowed, decidedAt: 'NetworkPolicy', networkPolicy: np, selected, summary: `${passed ? 'passed to NetworkPolicy: ' : ''}${summary}` };
  }
  steps.push({ api: 'NetworkPolicy', action: 'NoMatch', text: `no NetworkPolicy selects ${pod.key} for ${direction}${banp.length ? ': the BaselineAdminNetworkPolicy applies' : ''}` });
  if (banp.length) {
    const hit = firstAdminMatch(cluster, banp, direction, pod, peer, protocol, port);
    if (hit) {
      steps.push(ruleStep('BaselineAdminNetworkPolicy', direction, hit));
      const allowed = hit.rule.action === 'Allow';
      return { ...base, allowed, decidedAt: 'BaselineAdminNetworkPolicy', networkPolicy: np, selected, summary: `${allowed ? 'allowed' : 'denied'} by ${ruleLabel(hit.policy, direction, hit.rule)}` };
    }
    steps.push(noMatchStep('BaselineAdminNetworkPolicy', direction, banp[0]));
  }
  return { ...base, allowed: true, decidedAt: 'default', networkPolicy: np, selected, summary: np.exemption ?? `no policy decides ${direction}: allowed` };
}

/**
 * Every connection the pipeline allows in one direction, as a set: what AdminNetworkPolicies
 * allow, plus what they pass or leave undecided and the next stage allows.
 */
export function pipelineConns(cluster: Cluster, direction: Direction, pod: PodInfo, peer: Peer): ConnSet {
  if (isSelf(pod, peer)) return ConnSet.ALL;
  const admin = adminPoliciesOf(cluster);
  let allow = ConnSet.NONE;
  let rest = ConnSet.ALL;
  if (admin.anps.length) {
    const a = adminConns(cluster, selectingAdmin(cluster, admin.anps, direction, pod), direction, pod, peer);
    allow = a.allow;
    rest = a.pass.union(a.undecided);
    if (rest.isEmpty()) return allow;
  }
  return allow.union(rest.intersect(afterAdmin(cluster, direction, pod, peer)));
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
