import { Cluster, PodInfo } from '../cluster/model';
import { formatSelector, matchesSelector } from '../cluster/labels';
import { Cidr, cidrContains, parseCidr } from '../common/ip';
import { FieldPath, Locator, SourceRange } from '../common/source';
import { AdminNetworkPolicyManifest, AdminPolicyAction, AdminPolicySubject, LabelSelector, Protocol } from '../manifest/types';
import { hostToLocalWorkload } from './calico';
import { ConnSet } from './connset';
import { Peer } from './model';

/**
 * AdminNetworkPolicy and BaselineAdminNetworkPolicy semantics (kubernetes-sigs/network-policy-api
 * apis/v1alpha1): which pods a policy's subject selects, which peers and ports a rule matches,
 * and the first rule that decides a flow. The order between the APIs lives in pipeline.ts.
 */

export type AdminApi = 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy';

export type AdminPeerSpec =
  | { kind: 'namespaces'; namespaces: LabelSelector; path: FieldPath }
  | { kind: 'pods'; namespaceSelector: LabelSelector; podSelector: LabelSelector; path: FieldPath }
  | { kind: 'nodes'; nodes: LabelSelector; path: FieldPath }
  | { kind: 'networks'; cidrs: Cidr[]; path: FieldPath };

export interface AdminPortSpec {
  protocol: Protocol;
  port?: number;
  endPort?: number;
  namedPort?: string;
}

export interface AdminRuleSpec {
  index: number;
  name?: string;
  action: AdminPolicyAction;
  peers: AdminPeerSpec[];
  /** 'all': `ports` absent — the rule does not filter by port. */
  ports: AdminPortSpec[] | 'all';
  path: FieldPath;
}

export interface AdminPolicyInfo {
  api: AdminApi;
  name: string;
  /** `AdminNetworkPolicy/<name>` or `BaselineAdminNetworkPolicy/default`. */
  key: string;
  /** Lower first; the baseline policy has none. */
  priority?: number;
  subject: AdminPolicySubject;
  ingress: AdminRuleSpec[];
  egress: AdminRuleSpec[];
  locator: Locator;
}

export interface AdminPolicies {
  /** AdminNetworkPolicies by priority, then name (the API leaves equal priorities undefined; PodPath picks the name order and reports it). */
  anps: AdminPolicyInfo[];
  banp?: AdminPolicyInfo;
}

const memo = new WeakMap<Cluster, AdminPolicies>();

/** The admin policies in force, normalised once per cluster (invalid ones left out: the API server refuses them). */
export function adminPoliciesOf(cluster: Cluster): AdminPolicies {
  let m = memo.get(cluster);
  if (!m) {
    const infos = (cluster.adminPolicies ?? []).filter((p) => !p.invalid).map(normalizeAdminPolicy);
    const anps = infos.filter((p) => p.api === 'AdminNetworkPolicy').sort((a, b) => a.priority! - b.priority! || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const banp = infos.find((p) => p.api === 'BaselineAdminNetworkPolicy');
    m = { anps, ...(banp ? { banp } : {}) };
    memo.set(cluster, m);
  }
  return m;
}

export function hasAdminPolicies(cluster: Cluster): boolean {
  const a = adminPoliciesOf(cluster);
  return a.anps.length > 0 || !!a.banp;
}

function normalizeAdminPolicy(p: AdminNetworkPolicyManifest): AdminPolicyInfo {
  const rules = (list: AdminNetworkPolicyManifest['ingress']): AdminRuleSpec[] =>
    list.map((r, index) => ({
      index,
      ...(r.name !== undefined ? { name: r.name } : {}),
      action: r.action,
      path: r.path,
      peers: r.peers.flatMap((peer): AdminPeerSpec[] => {
        if (peer.namespaces) return [{ kind: 'namespaces', namespaces: peer.namespaces, path: peer.path }];
        if (peer.pods) return [{ kind: 'pods', namespaceSelector: peer.pods.namespaceSelector, podSelector: peer.pods.podSelector, path: peer.path }];
        if (peer.nodes) return [{ kind: 'nodes', nodes: peer.nodes, path: peer.path }];
        if (peer.networks) return [{ kind: 'networks', cidrs: peer.networks.flatMap((n) => { const c = parseCidr(n, { allowHostBits: true }); return c.ok ? [c.value] : []; }), path: peer.path }];
        return [];
      }),
      ports: r.ports ? r.ports.map((x) => ({ protocol: x.protocol, ...(x.port !== undefined ? { port: x.port } : {}), ...(x.endPort !== undefined ? { endPort: x.endPort } : {}), ...(x.namedPort !== undefined ? { namedPort: x.namedPort } : {}) })) : 'all',
    }));
  return {
    api: p.kind,
    name: p.meta.name,
    key: `${p.kind}/${p.meta.name}`,
    ...(p.priority !== undefined ? { priority: p.priority } : {}),
    subject: p.subject,
    ingress: rules(p.ingress),
    egress: rules(p.egress),
    locator: p.locator,
  };
}

function namespaceLabels(cluster: Cluster, ns: string): Record<string, string> {
  return cluster.namespaces.get(ns)?.labels ?? { 'kubernetes.io/metadata.name': ns };
}

/** Does the subject select the pod? Host-networked pods are never subjects (AdminNetworkPolicySpec.Subject). */
export function subjectSelects(cluster: Cluster, p: AdminPolicyInfo, pod: PodInfo): boolean {
  if (pod.hostNetwork) return false;
  const s = p.subject;
  if (s.namespaces) return matchesSelector(namespaceLabels(cluster, pod.namespace), s.namespaces);
  if (s.pods) return matchesSelector(namespaceLabels(cluster, pod.namespace), s.pods.namespaceSelector) && matchesSelector(pod.labels, s.pods.podSelector);
  return false;
}

/**
 * Does a peer match the other side? Namespace and pod peers match pods only, never
 * host-networked ones; a nodes peer matches the IPs of the selected nodes; a networks peer
 * matches any address in its CIDRs, pod IPs included (the API says so for 0.0.0.0/0).
 */
export function adminPeerMatches(cluster: Cluster, spec: AdminPeerSpec, peer: Peer): boolean {
  switch (spec.kind) {
    case 'namespaces':
      return !!peer.pod && matchesSelector(namespaceLabels(cluster, peer.pod.namespace), spec.namespaces);
    case 'pods':
      return !!peer.pod && matchesSelector(namespaceLabels(cluster, peer.pod.namespace), spec.namespaceSelector) && matchesSelector(peer.pod.labels, spec.podSelector);
    case 'nodes':
      return cluster.nodes.some((n) => n.ip === peer.ip && matchesSelector(n.labels, spec.nodes));
    case 'networks':
      return spec.cidrs.some((c) => cidrContains(c, peer.ip));
  }
}

/** The ports a rule matches towards a destination; a named port resolves on the destination pod (any protocol it declares). */
export function adminRulePorts(rule: AdminRuleSpec, destination: PodInfo | undefined): ConnSet {
  if (rule.ports === 'all') return ConnSet.ALL;
  let out = ConnSet.NONE;
  for (const p of rule.ports) {
    if (p.namedPort !== undefined) {
      for (const cp of destination?.ports ?? []) if (cp.name === p.namedPort) out = out.union(ConnSet.port(cp.protocol, cp.containerPort));
    } else if (p.port !== undefined) {
      out = out.union(ConnSet.of(p.protocol, p.port, p.endPort ?? p.port));
    }
  }
  return out;
}

export function rulesOf(p: AdminPolicyInfo, direction: 'ingress' | 'egress'): AdminRuleSpec[] {
  return direction === 'ingress' ? p.ingress : p.egress;
}

/** The policies whose subject selects the pod and that have rules in this direction (a policy without them does not affect it). */
export function selectingAdmin(cluster: Cluster, list: readonly AdminPolicyInfo[], direction: 'ingress' | 'egress', pod: PodInfo): AdminPolicyInfo[] {
  return list.filter((p) => rulesOf(p, direction).length > 0 && subjectSelects(cluster, p, pod));
}

export interface AdminRuleHit {
  policy: AdminPolicyInfo;
  rule: AdminRuleSpec;
}

/** The first rule, in policy order then rule order, whose peers and ports match the flow. */
export function firstAdminMatch(cluster: Cluster, selecting: readonly AdminPolicyInfo[], direction: 'ingress' | 'egress', pod: PodInfo, peer: Peer, protocol: Protocol, port: number): AdminRuleHit | undefined {
  const destination = direction === 'ingress' ? pod : peer.pod;
  for (const policy of selecting) {
    for (const rule of rulesOf(policy, direction)) {
      if (!rule.peers.some((s) => adminPeerMatches(cluster, s, peer))) continue;
      if (adminRulePorts(rule, destination).has(protocol, port)) return { policy, rule };
    }
  }
  return undefined;
}

/**
 * Every connection at once: the connections the selecting policies allow, deny and pass, each
 * decided by the first matching rule; `undecided` is what no rule matches.
 */
export function adminConns(cluster: Cluster, selecting: readonly AdminPolicyInfo[], direction: 'ingress' | 'egress', pod: PodInfo, peer: Peer): { allow: ConnSet; pass: ConnSet; undecided: ConnSet } {
  const destination = direction === 'ingress' ? pod : peer.pod;
  let allow = ConnSet.NONE;
  let pass = ConnSet.NONE;
  let undecided = ConnSet.ALL;
  for (const policy of selecting) {
    for (const rule of rulesOf(policy, direction)) {
      if (undecided.isEmpty()) return { allow, pass, undecided };
      if (!rule.peers.some((s) => adminPeerMatches(cluster, s, peer))) continue;
      const hit = adminRulePorts(rule, destination).intersect(undecided);
      if (hit.isEmpty()) continue;
      if (rule.action === 'Allow') allow = allow.union(hit);
      else if (rule.action === 'Pass') pass = pass.union(hit);
      undecided = undecided.intersect(hit.complement());
    }
  }
  return { allow, pass, undecided };
}

/** `AdminNetworkPolicy/deny-x ingress[2] "deny-from-x"` */
export function ruleLabel(p: AdminPolicyInfo, direction: 'ingress' | 'egress', rule: AdminRuleSpec): string {
  return `${p.key} ${direction}[${rule.index}]${rule.name ? ` "${rule.name}"` : ''}`;
}

export function adminRuleSource(p: AdminPolicyInfo, rule: AdminRuleSpec): SourceRange {
  return p.locator.at(rule.path);
}

export function describeAdminPeers(rule: AdminRuleSpec, direction: 'ingress' | 'egress'): string {
  const field = direction === 'ingress' ? 'from' : 'to';
  return `${field}: ${rule.peers.map((s) => {
    switch (s.kind) {
      case 'namespaces': return `namespaces ${formatSelector(s.namespaces)}`;
      case 'pods': return `(namespaces ${formatSelector(s.namespaceSelector)} AND pods ${formatSelector(s.podSelector)})`;
      case 'nodes': return `nodes ${formatSelector(s.nodes)}`;
      case 'networks': return `networks ${s.cidrs.map((c) => c.text).join(',')}`;
    }
  }).join(' OR ') || 'nothing'}`;
}

/**
 * The connections one rule decides between a pod and a peer: those its peers and ports match
 * that no earlier rule (of this policy, or of AdminNetworkPolicies evaluated before it) took.
 * A baseline rule decides only where no NetworkPolicy selects the pod (`npSelects`).
 */
export function connsDecidedByRule(cluster: Cluster, p: AdminPolicyInfo, rule: AdminRuleSpec, direction: 'ingress' | 'egress', pod: PodInfo, peer: Peer, npSelects: boolean): ConnSet {
  if (peer.pod?.key === pod.key || hostToLocalWorkload(cluster, direction, pod, peer.ip) || !subjectSelects(cluster, p, pod)) return ConnSet.NONE;
  if (!rule.peers.some((s) => adminPeerMatches(cluster, s, peer))) return ConnSet.NONE;
  const admin = adminPoliciesOf(cluster);
  let open: ConnSet;
  if (p.api === 'AdminNetworkPolicy') {
    open = adminConns(cluster, selectingAdmin(cluster, admin.anps.slice(0, admin.anps.indexOf(p)), direction, pod), direction, pod, peer).undecided;
  } else {
    if (npSelects) return ConnSet.NONE;
    const a = adminConns(cluster, selectingAdmin(cluster, admin.anps, direction, pod), direction, pod, peer);
    open = a.pass.union(a.undecided);
  }
  const destination = direction === 'ingress' ? pod : peer.pod;
  for (const e of rulesOf(p, direction).slice(0, rule.index)) {
    if (open.isEmpty()) break;
    if (e.peers.some((s) => adminPeerMatches(cluster, s, peer))) open = open.intersect(adminRulePorts(e, destination).complement());
  }
  return open.intersect(adminRulePorts(rule, destination));
}
