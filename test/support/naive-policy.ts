import { Cluster, PodInfo } from '../../src/core/cluster/model';
import { AdminNetworkPolicyManifest, AdminPolicyRule, LabelSelector, NetworkPolicyManifest, Protocol } from '../../src/core/manifest/types';
import { ConnSet } from '../../src/core/policy/connset';

/**
 * The naive reference evaluator: NetworkPolicy straight from the API reference, one pair and
 * one port at a time, sharing no code with the engine (not even its selector matching), so
 * the property test compares two independent readings of the spec. AdminNetworkPolicy and the
 * BaselineAdminNetworkPolicy are read the same way: policies by priority, rules in order, the
 * first match decides; Pass and no match go on to NetworkPolicy, then the baseline.
 */

function selects(labels: Record<string, string>, sel: LabelSelector): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels)) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions) {
    const present = Object.keys(labels).includes(e.key);
    if (e.operator === 'In' && !(present && e.values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && present && e.values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !present) return false;
    if (e.operator === 'DoesNotExist' && present) return false;
  }
  return true;
}

function ipNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipNumber(base) / size) * size;
  const n = ipNumber(ip);
  return n >= start && n < start + size;
}

function types(p: NetworkPolicyManifest): string[] {
  if (p.policyTypes && p.policyTypes.length > 0) return p.policyTypes;
  return (p.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

function nsLabels(cluster: Cluster, ns: string): Record<string, string> {
  return cluster.namespaces.get(ns)?.labels ?? {};
}

function adminSubjectHas(cluster: Cluster, p: AdminNetworkPolicyManifest, pod: PodInfo): boolean {
  if (pod.hostNetwork) return false;
  if (p.subject.namespaces) return selects(nsLabels(cluster, pod.namespace), p.subject.namespaces);
  if (p.subject.pods) return selects(nsLabels(cluster, pod.namespace), p.subject.pods.namespaceSelector) && selects(pod.labels, p.subject.pods.podSelector);
  return false;
}

/** Does an admin rule match this flow (peer and port)? */
function adminRuleMatches(cluster: Cluster, rule: AdminPolicyRule, dest: PodInfo | undefined, peerIP: string, peerPod: PodInfo | undefined, protocol: Protocol, port: number): boolean {
  const peerOk = rule.peers.some((peer) => {
    if (peer.namespaces) return !!peerPod && !peerPod.hostNetwork && selects(nsLabels(cluster, peerPod.namespace), peer.namespaces);
    if (peer.pods) return !!peerPod && !peerPod.hostNetwork && selects(nsLabels(cluster, peerPod.namespace), peer.pods.namespaceSelector) && selects(peerPod.labels, peer.pods.podSelector);
    if (peer.nodes) return cluster.nodes.some((n) => n.ip === peerIP && selects(n.labels, peer.nodes!));
    if (peer.networks) return peer.networks.some((c) => inCidr(peerIP, c));
    return false;
  });
  if (!peerOk) return false;
  if (!rule.ports) return true;
  return rule.ports.some((pp) => {
    if (pp.namedPort !== undefined) return !!dest && dest.ports.some((cp) => cp.name === pp.namedPort && cp.protocol === protocol && cp.containerPort === port);
    return pp.protocol === protocol && port >= pp.port! && port <= (pp.endPort ?? pp.port!);
  });
}

/** The first matching rule's action among these policies, in the order given; undefined when none matches. */
function adminAction(cluster: Cluster, list: AdminNetworkPolicyManifest[], dir: 'Ingress' | 'Egress', pod: PodInfo, peerIP: string, peerPod: PodInfo | undefined, protocol: Protocol, port: number): string | undefined {
  const dest = dir === 'Ingress' ? pod : peerPod;
  for (const p of list) {
    if (!adminSubjectHas(cluster, p, pod)) continue;
    for (const rule of dir === 'Ingress' ? p.ingress : p.egress) {
      if (adminRuleMatches(cluster, rule, dest, peerIP, peerPod, protocol, port)) return rule.action;
    }
  }
  return undefined;
}

/** Is a single (protocol, port) allowed in one direction between `pod` and the peer at `peerIP` (maybe a pod)? */
function directionAllows(cluster: Cluster, dir: 'Ingress' | 'Egress', pod: PodInfo, peerIP: string, peerPod: PodInfo | undefined, protocol: Protocol, port: number): boolean {
  if (peerPod && peerPod.key === pod.key) return true;
  const admin = (cluster.adminPolicies ?? []).filter((p) => !p.invalid);
  const anps = admin.filter((p) => p.kind === 'AdminNetworkPolicy').sort((a, b) => a.priority! - b.priority! || (a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0));
  const anp = adminAction(cluster, anps, dir, pod, peerIP, peerPod, protocol, port);
  if (anp === 'Allow') return true;
  if (anp === 'Deny') return false;
  const mine = cluster.policies.filter((p) => p.meta.namespace === pod.namespace && !pod.hostNetwork && selects(pod.labels, p.podSelector) && types(p).includes(dir));
  if (mine.length === 0) {
    const banp = adminAction(cluster, admin.filter((p) => p.kind === 'BaselineAdminNetworkPolicy'), dir, pod, peerIP, peerPod, protocol, port);
    return banp !== 'Deny';
  }
  if (cluster.nodesByName.get(pod.node)?.ip === peerIP) return true;
  const dest = dir === 'Ingress' ? pod : peerPod;
  for (const p of mine) {
    for (const rule of (dir === 'Ingress' ? p.ingress : p.egress) ?? []) {
      const peers = rule.peers ?? [];
      const peerOk = peers.length === 0 || peers.some((peer) => {
        if (peer.ipBlock) return inCidr(peerIP, peer.ipBlock.cidr) && !peer.ipBlock.except.some((e) => inCidr(peerIP, e));
        if (!peerPod || peerPod.hostNetwork) return false;
        const nsLabels = cluster.namespaces.get(peerPod.namespace)?.labels ?? {};
        if (peer.namespaceSelector ? !selects(nsLabels, peer.namespaceSelector) : peerPod.namespace !== p.meta.namespace) return false;
        return peer.podSelector ? selects(peerPod.labels, peer.podSelector) : true;
      });
      if (!peerOk) continue;
      const ports = rule.ports ?? [];
      const portOk = ports.length === 0 || ports.some((pp) => {
        if (pp.protocol !== protocol) return false;
        if (pp.port === undefined) return true;
        if (typeof pp.port === 'number') return port >= pp.port && port <= (pp.endPort ?? pp.port);
        return !!dest && dest.ports.some((cp) => cp.name === pp.port && cp.protocol === protocol && cp.containerPort === port);
      });
      if (portOk) return true;
    }
  }
  return false;
}

export function naiveAllowed(cluster: Cluster, src: PodInfo, dst: PodInfo, protocol: Protocol, port: number): boolean {
  if (src.key === dst.key) return true;
  const egress = src.hostNetwork || directionAllows(cluster, 'Egress', src, dst.ip, dst.hostNetwork ? undefined : dst, protocol, port);
  const ingress = dst.hostNetwork || directionAllows(cluster, 'Ingress', dst, src.ip, src.hostNetwork ? undefined : src, protocol, port);
  return egress && ingress;
}

/**
 * Every connection allowed from `src` to `dst`, the naive way: probe each protocol over every
 * port boundary any policy mentions (ports between two boundaries behave alike), pair by pair.
 */
export function naiveConnSet(cluster: Cluster, src: PodInfo, dst: PodInfo, boundaries: number[]): ConnSet {
  let out = ConnSet.NONE;
  for (const protocol of ['TCP', 'UDP', 'SCTP'] as Protocol[]) {
    for (let i = 0; i < boundaries.length; i++) {
      const lo = boundaries[i];
      const hi = i + 1 < boundaries.length ? boundaries[i + 1] - 1 : 65535;
      if (naiveAllowed(cluster, src, dst, protocol, lo)) out = out.union(ConnSet.of(protocol, lo, hi));
    }
  }
  return out;
}

/** The ports where a policy rule's port set may change: 1, each port, each end of a range + 1, each named port's number. */
export function portBoundaries(cluster: Cluster): number[] {
  const b = new Set<number>([1]);
  for (const p of cluster.policies) {
    for (const r of [...(p.ingress ?? []), ...(p.egress ?? [])]) {
      for (const port of r.ports ?? []) {
        if (typeof port.port === 'number') {
          b.add(port.port);
          if ((port.endPort ?? port.port) < 65535) b.add((port.endPort ?? port.port) + 1);
        }
      }
    }
  }
  for (const p of cluster.adminPolicies ?? []) {
    for (const r of [...p.ingress, ...p.egress]) {
      for (const port of r.ports ?? []) {
        if (port.port === undefined) continue;
        b.add(port.port);
        if ((port.endPort ?? port.port) < 65535) b.add((port.endPort ?? port.port) + 1);
      }
    }
  }
  for (const pod of cluster.pods) for (const cp of pod.ports) {
    b.add(cp.containerPort);
    if (cp.containerPort < 65535) b.add(cp.containerPort + 1);
  }
  return [...b].sort((x, y) => x - y);
}
