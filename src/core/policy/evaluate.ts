import { Cluster, PodInfo } from '../cluster/model';
import { formatSelector } from '../cluster/labels';
import { SourceRange } from '../common/source';
import { Protocol } from '../manifest/types';
import { ConnSet } from './connset';
import { Peer, PeerSpec, PolicyInfo, RuleSpec, normalizePolicies, peerMatches, rulePorts, selectsPod } from './model';

/**
 * NetworkPolicy for one connection, with the reasons: which policies select the pod, which
 * rule allowed it, or why each selecting policy did not. This is what `podpath explain`
 * prints and what a trace's policy hop shows.
 */

export type Direction = 'ingress' | 'egress';

export interface RuleVerdict {
  policy: PolicyInfo;
  rule?: RuleSpec;
  /** Why this rule (or this policy, when it has no rules) did not allow the connection, or how it did. */
  text: string;
  allowed: boolean;
}

export interface DirectionVerdict {
  direction: Direction;
  pod: PodInfo;
  /** Some policy with this direction in its policyTypes selects the pod. */
  isolated: boolean;
  allowed: boolean;
  /** Why it is allowed without looking at rules (not isolated, itself, its node). */
  exemption?: string;
  selecting: PolicyInfo[];
  /** The first rule that allowed it. */
  allowedBy?: RuleVerdict;
  /** One entry per rule of every selecting policy (or per policy without rules). */
  verdicts: RuleVerdict[];
}

const normalized = new WeakMap<Cluster, PolicyInfo[]>();

/** The cluster's policies, normalised once per cluster. */
export function policiesOf(cluster: Cluster): PolicyInfo[] {
  let p = normalized.get(cluster);
  if (!p) {
    p = normalizePolicies(cluster);
    normalized.set(cluster, p);
  }
  return p;
}

const byNamespace = new WeakMap<Cluster, Map<string, PolicyInfo[]>>();

/** The NetworkPolicies of a namespace, in the cluster's order (indexed once per cluster). */
export function policiesInNamespace(cluster: Cluster, namespace: string): readonly PolicyInfo[] {
  let index = byNamespace.get(cluster);
  if (!index) {
    index = new Map();
    for (const p of policiesOf(cluster)) {
      const list = index.get(p.namespace);
      if (list) list.push(p);
      else index.set(p.namespace, [p]);
    }
    byNamespace.set(cluster, index);
  }
  return index.get(namespace) ?? [];
}

/**
 * The NetworkPolicies that select `pod` for `direction`, in the cluster's order. A policy selects
 * only pods of its own namespace, so only that namespace's policies are tested: a trace asks at
 * every policy hop, and a cluster may hold thousands of policies.
 */
export function policiesSelecting(cluster: Cluster, direction: Direction, pod: PodInfo): PolicyInfo[] {
  return policiesInNamespace(cluster, pod.namespace).filter((p) => (direction === 'ingress' ? p.affectsIngress : p.affectsEgress) && selectsPod(p, pod));
}

/** The peer for an address: the pod that owns it (not hostNetwork), with its namespace. */
export function peerFor(cluster: Cluster, ip: string): Peer {
  const pod = cluster.podsByIP.get(ip);
  return pod ? { ip, pod, namespace: cluster.namespaces.get(pod.namespace) } : { ip };
}

/**
 * Is `direction` traffic between `pod` and `peer` on protocol/port allowed? For ingress the
 * peer is the source; for egress it is the destination.
 */
export function evaluateDirection(cluster: Cluster, direction: Direction, pod: PodInfo, peer: Peer, protocol: Protocol, port: number): DirectionVerdict {
  const selecting = policiesSelecting(cluster, direction, pod);
  // Documented exceptions (kubernetes.io, Network Policies): a pod cannot block access to
  // itself, and traffic to and from the node where a pod runs is always allowed.
  if (peer.pod?.key === pod.key || peer.ip === pod.ip) return { direction, pod, verdicts: [], isolated: selecting.length > 0, allowed: true, exemption: 'a pod cannot block access to itself', selecting };
  const node = cluster.nodesByName.get(pod.node);
  if (node && peer.ip === node.ip) return { direction, pod, verdicts: [], isolated: selecting.length > 0, allowed: true, exemption: `traffic ${direction === 'ingress' ? 'from' : 'to'} the pod's own node (${node.name}) is always allowed`, selecting };
  if (selecting.length === 0) return { direction, pod, verdicts: [], isolated: false, allowed: true, exemption: `no NetworkPolicy selects ${pod.key} for ${direction}`, selecting };
  const destination = direction === 'ingress' ? pod : peer.pod;
  const verdicts: RuleVerdict[] = [];
  let allowedBy: RuleVerdict | undefined;
  for (const policy of selecting) {
    const rules = direction === 'ingress' ? policy.ingress : policy.egress;
    if (rules.length === 0) {
      verdicts.push({ policy, text: `${policy.key} has no ${direction} rules: it allows nothing`, allowed: false });
      continue;
    }
    for (const rule of rules) {
      const matched = rule.peers === 'all' ? true : rule.peers.some((s) => peerMatches(s, policy.namespace, peer));
      const conns = rulePorts(rule, destination);
      const portOk = conns.has(protocol, port);
      const where = `${policy.key} ${direction}[${rule.index}]`;
      let text: string;
      if (matched && portOk) text = `${where} allows it (${describePeers(rule, direction)}; ${rule.ports === 'all' ? 'all ports' : conns.toString()})`;
      else if (!matched) text = `${where}: ${peerDescription(peer)} is not ${direction === 'ingress' ? 'among the sources' : 'among the destinations'} (${describePeers(rule, direction)})`;
      else text = `${where}: ${protocol} ${port} is not in its ports (${conns.isEmpty() ? describeUnresolved(rule) : conns.toString()})`;
      const v = { policy, rule, text, allowed: matched && portOk };
      verdicts.push(v);
      if (v.allowed && !allowedBy) allowedBy = v;
    }
  }
  return { direction, pod, verdicts, isolated: true, allowed: !!allowedBy, selecting, ...(allowedBy ? { allowedBy } : {}) };
}

/** Does some NetworkPolicy select the pod for this direction (then NetworkPolicy decides, not the baseline)? */
export function isIsolated(cluster: Cluster, direction: Direction, pod: PodInfo): boolean {
  return policiesSelecting(cluster, direction, pod).length > 0;
}

/** Every connection one direction allows between a pod and a peer (exemptions included). */
export function allowedConns(cluster: Cluster, direction: Direction, pod: PodInfo, peer: Peer): ConnSet {
  if (peer.pod?.key === pod.key || peer.ip === pod.ip) return ConnSet.ALL;
  const node = cluster.nodesByName.get(pod.node);
  if (node && peer.ip === node.ip) return ConnSet.ALL;
  const selecting = policiesSelecting(cluster, direction, pod);
  if (selecting.length === 0) return ConnSet.ALL;
  const destination = direction === 'ingress' ? pod : peer.pod;
  let out = ConnSet.NONE;
  for (const policy of selecting) {
    for (const rule of direction === 'ingress' ? policy.ingress : policy.egress) {
      if (rule.peers === 'all' || rule.peers.some((s) => peerMatches(s, policy.namespace, peer))) out = out.union(rulePorts(rule, destination));
    }
  }
  return out;
}

export function ruleSource(v: RuleVerdict): SourceRange {
  return v.rule ? v.policy.locator.at(v.rule.path) : v.policy.locator.range;
}

function peerDescription(peer: Peer): string {
  return peer.pod ? `pod ${peer.pod.key}` : peer.ip;
}

function describeUnresolved(rule: RuleSpec): string {
  if (rule.ports === 'all') return 'all';
  const named = rule.ports.filter((p) => typeof p.port === 'string').map((p) => `${p.port}/${p.protocol}`);
  return named.length ? `named port ${named.join(', ')} is not declared by the destination pod` : 'no ports';
}

export function describePeers(rule: RuleSpec, direction: Direction): string {
  const field = direction === 'ingress' ? 'from' : 'to';
  if (rule.peers === 'all') return `${field}: anywhere`;
  return `${field}: ${rule.peers.map(describePeer).join(' OR ') || 'nothing'}`;
}

function describePeer(s: PeerSpec): string {
  if (s.kind === 'ipBlock') return `ipBlock ${s.cidr.text}${s.except.length ? ` except ${s.except.map((e) => e.text).join(',')}` : ''}`;
  const parts: string[] = [];
  if (s.namespaceSelector) parts.push(`namespaces ${formatSelector(s.namespaceSelector)}`);
  if (s.podSelector) parts.push(`pods ${formatSelector(s.podSelector)}`);
  return parts.length > 1 ? `(${parts.join(' AND ')})` : parts[0] ?? 'nothing';
}
