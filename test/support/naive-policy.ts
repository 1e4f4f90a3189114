import { Cluster, PodInfo } from '../../src/core/cluster/model';
import { LabelSelector, NetworkPolicyManifest, Protocol } from '../../src/core/manifest/types';
import { ConnSet } from '../../src/core/policy/connset';

/**
 * The naive reference evaluator: NetworkPolicy straight from the API reference, one pair and
 * one port at a time, sharing no code with the engine (not even its selector matching), so
 * the property test compares two independent readings of the spec.
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

/** Is a single (protocol, port) allowed in one direction between `pod` and the peer at `peerIP` (maybe a pod)? */
function directionAllows(cluster: Cluster, dir: 'Ingress' | 'Egress', pod: PodInfo, peerIP: string, peerPod: PodInfo | undefined, protocol: Protocol, port: number): boolean {
  if (peerPod && peerPod.key === pod.key) return true;
  if (cluster.nodesByName.get(pod.node)?.ip === peerIP) return true;
  const mine = cluster.policies.filter((p) => p.meta.namespace === pod.namespace && !pod.hostNetwork && selects(pod.labels, p.podSelector) && types(p).includes(dir));
  if (mine.length === 0) return true;
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
  for (const pod of cluster.pods) for (const cp of pod.ports) {
    b.add(cp.containerPort);
    if (cp.containerPort < 65535) b.add(cp.containerPort + 1);
  }
  return [...b].sort((x, y) => x - y);
}
