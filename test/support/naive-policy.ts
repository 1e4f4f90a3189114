import { Cluster, PodInfo } from '../../src/core/cluster/model';
import { AdminNetworkPolicyManifest, AdminPolicyRule, CalicoEntityRule, CalicoPolicyManifest, CalicoRule, LabelSelector, NetworkPolicyManifest, Protocol } from '../../src/core/manifest/types';
import { CalicoSelector, parseCalicoSelector } from '../../src/core/policy/calico-selector';
import { ConnSet } from '../../src/core/policy/connset';

/**
 * The naive reference evaluator: NetworkPolicy straight from the API reference, one pair and
 * one port at a time, sharing no code with the engine (not even its selector matching), so
 * the property test compares two independent readings of the spec. AdminNetworkPolicy and the
 * BaselineAdminNetworkPolicy are read the same way: policies by priority, rules in order, the
 * first match decides; Pass and no match go on to NetworkPolicy, then the baseline. Calico
 * policies follow the Calico reference: tiers by order (the admin tier at 1,000, default at
 * 1,000,000 holding NetworkPolicy at order 1000, baseline at 10,000,000), policies by order,
 * first matching rule; Pass to the next tier; a tier that applies and takes no action ends
 * in its default action. Only the selector parser is shared with the engine; matching is
 * written again here.
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

function calicoSelects(sel: CalicoSelector, labels: Record<string, string>): boolean {
  const present = (k: string) => Object.keys(labels).includes(k);
  switch (sel.op) {
    case 'all': return true;
    case 'global': return false;
    case 'has': return present(sel.key);
    case 'eq': return present(sel.key) && labels[sel.key] === sel.value;
    case 'ne': return !(present(sel.key) && labels[sel.key] === sel.value);
    case 'in': return present(sel.key) && sel.values.indexOf(labels[sel.key]) >= 0;
    case 'notin': return !(present(sel.key) && sel.values.indexOf(labels[sel.key]) >= 0);
    case 'contains': return present(sel.key) && labels[sel.key].indexOf(sel.value) >= 0;
    case 'starts': return present(sel.key) && labels[sel.key].slice(0, sel.value.length) === sel.value;
    case 'ends': return present(sel.key) && labels[sel.key].length >= sel.value.length && labels[sel.key].slice(labels[sel.key].length - sel.value.length) === sel.value;
    case 'not': return !calicoSelects(sel.arg, labels);
    case 'and': return sel.args.every((x) => calicoSelects(x, labels));
    case 'or': return sel.args.some((x) => calicoSelects(x, labels));
  }
}

const parsedSelectors = new Map<string, CalicoSelector>();
function sel(text: string): CalicoSelector {
  let s = parsedSelectors.get(text);
  if (!s) {
    const r = parseCalicoSelector(text);
    if (!r.ok) throw new Error(`bad selector in a valid policy: ${text}`);
    parsedSelectors.set(text, (s = r.selector));
  }
  return s;
}

function podEndpointLabels(pod: PodInfo): Record<string, string> {
  return { ...pod.labels, 'projectcalico.org/namespace': pod.namespace, 'projectcalico.org/orchestrator': 'k8s' };
}

function calicoNsLabels(cluster: Cluster, ns: string): Record<string, string> {
  return { ...(cluster.namespaces.get(ns)?.labels ?? { 'kubernetes.io/metadata.name': ns }), 'projectcalico.org/name': ns };
}

function calicoEntityHas(cluster: Cluster, p: CalicoPolicyManifest, e: CalicoEntityRule, ip: string, pod: PodInfo | undefined): boolean {
  if (e.nets && !e.nets.some((c) => inCidr(ip, c))) return false;
  if (e.notNets && e.notNets.some((c) => inCidr(ip, c))) return false;
  const ep = pod && !pod.hostNetwork ? pod : undefined;
  const inScope = (x: PodInfo) => (e.namespaceSelector ? calicoSelects(sel(e.namespaceSelector.text), calicoNsLabels(cluster, x.namespace)) : p.kind === 'GlobalNetworkPolicy' || x.namespace === p.meta.namespace);
  if (e.selector || e.namespaceSelector) {
    if (!ep || !inScope(ep)) return false;
    if (e.selector && !calicoSelects(sel(e.selector.text), podEndpointLabels(ep))) return false;
  }
  if (e.notSelector && ep && inScope(ep) && calicoSelects(sel(e.notSelector.text), podEndpointLabels(ep))) return false;
  return true;
}

function calicoPortsHave(list: NonNullable<CalicoEntityRule['ports']>, dest: PodInfo | undefined, protocol: Protocol, port: number): boolean {
  return list.some((pp) => {
    if (pp.name !== undefined) return !!dest && dest.ports.some((cp) => cp.name === pp.name && cp.protocol === protocol && cp.containerPort === port);
    return port >= pp.port! && port <= (pp.endPort ?? pp.port!);
  });
}

function calicoRuleHas(cluster: Cluster, p: CalicoPolicyManifest, rule: CalicoRule, dir: 'Ingress' | 'Egress', pod: PodInfo, peerIP: string, peerPod: PodInfo | undefined, protocol: Protocol, port: number): boolean {
  if (rule.ipVersion === 6) return false;
  if (rule.protocol !== undefined && rule.protocol !== protocol) return false;
  if (rule.notProtocol !== undefined && rule.notProtocol === protocol) return false;
  const [src, srcIP, srcPod, dst, dstIP, dstPod] = dir === 'Ingress' ? [rule.source, peerIP, peerPod, rule.destination, pod.ip, pod] : [rule.source, pod.ip, pod, rule.destination, peerIP, peerPod];
  if (!calicoEntityHas(cluster, p, src, srcIP, srcPod)) return false;
  if (!calicoEntityHas(cluster, p, dst, dstIP, dstPod)) return false;
  if (dst.ports && !calicoPortsHave(dst.ports, dstPod, protocol, port)) return false;
  if (dst.notPorts && calicoPortsHave(dst.notPorts, dstPod, protocol, port)) return false;
  return true;
}

function calicoPolicyApplies(cluster: Cluster, p: CalicoPolicyManifest, dir: 'Ingress' | 'Egress', pod: PodInfo): boolean {
  if (pod.hostNetwork || !p.types.includes(dir)) return false;
  if (p.kind === 'CalicoNetworkPolicy' && p.meta.namespace !== pod.namespace) return false;
  if (p.namespaceSelector && !calicoSelects(sel(p.namespaceSelector.text), calicoNsLabels(cluster, pod.namespace))) return false;
  return calicoSelects(sel(p.selector.text), podEndpointLabels(pod));
}

/** Does NetworkPolicy (selecting `mine`) allow the flow? */
function k8sAllows(cluster: Cluster, mine: NetworkPolicyManifest[], dir: 'Ingress' | 'Egress', pod: PodInfo, peerIP: string, peerPod: PodInfo | undefined, protocol: Protocol, port: number): boolean {
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

/** Is a single (protocol, port) allowed in one direction between `pod` and the peer at `peerIP` (maybe a pod)? */
function directionAllows(cluster: Cluster, dir: 'Ingress' | 'Egress', pod: PodInfo, peerIP: string, peerPod: PodInfo | undefined, protocol: Protocol, port: number): boolean {
  if (peerPod && peerPod.key === pod.key) return true;
  // Calico's Felix never applies a pod's ingress policy to what its own node sends it (felix/rules/static.go, filterOutputChain).
  if (dir === 'Ingress' && cluster.config.plugin === 'calico' && cluster.nodesByName.get(pod.node)?.ip === peerIP) return true;
  const admin = (cluster.adminPolicies ?? []).filter((p) => !p.invalid);
  const anps = admin.filter((p) => p.kind === 'AdminNetworkPolicy').sort((a, b) => a.priority! - b.priority! || (a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0));
  const calico = (cluster.calicoPolicies ?? []).filter((p) => !p.invalid);
  const declared = new Map((cluster.calicoTiers ?? []).map((t) => [t.meta.name, t]));
  type Stage = { order: number; name: string; run: () => boolean | undefined };
  const byOrder = (a: { order?: number; meta: { name: string } }, b: { order?: number; meta: { name: string } }) => (a.order ?? Infinity) - (b.order ?? Infinity) || (a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0);
  const mine = cluster.policies.filter((p) => p.meta.namespace === pod.namespace && !pod.hostNetwork && selects(pod.labels, p.podSelector) && types(p).includes(dir));
  const tierRun = (name: string, defaultAction: string) => (): boolean | undefined => {
    const members: (CalicoPolicyManifest | 'k8s')[] = calico.filter((p) => p.tier === name && calicoPolicyApplies(cluster, p, dir, pod)).sort(byOrder);
    if (name === 'default' && mine.length) {
      const at = members.findIndex((m) => m !== 'k8s' && !(m.order !== undefined && m.order < 1000));
      members.splice(at < 0 ? members.length : at, 0, 'k8s');
    }
    if (!members.length) return undefined;
    for (const m of members) {
      if (m === 'k8s') {
        if (k8sAllows(cluster, mine, dir, pod, peerIP, peerPod, protocol, port)) return true;
        continue;
      }
      for (const rule of dir === 'Ingress' ? m.ingress : m.egress) {
        if (!calicoRuleHas(cluster, m, rule, dir, pod, peerIP, peerPod, protocol, port)) continue;
        if (rule.action === 'Allow') return true;
        if (rule.action === 'Deny') return false;
        if (rule.action === 'Pass') return undefined;
      }
    }
    return defaultAction === 'Pass' ? undefined : false;
  };
  const stages: Stage[] = [
    { order: 1000, name: 'kube-admin', run: () => { const a = adminAction(cluster, anps, dir, pod, peerIP, peerPod, protocol, port); return a === 'Allow' ? true : a === 'Deny' ? false : undefined; } },
    { order: 10_000_000, name: 'kube-baseline', run: () => { const a = adminAction(cluster, admin.filter((p) => p.kind === 'BaselineAdminNetworkPolicy'), dir, pod, peerIP, peerPod, protocol, port); return a === 'Allow' ? true : a === 'Deny' ? false : undefined; } },
    { order: 1_000_000, name: 'default', run: tierRun('default', 'Deny') },
    ...[...declared.values()].filter((t) => t.meta.name !== 'default').map((t) => ({ order: t.order ?? Infinity, name: t.meta.name, run: tierRun(t.meta.name, t.defaultAction) })),
  ];
  stages.sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : 1));
  for (const st of stages) {
    const r = st.run();
    if (r !== undefined) return r;
  }
  return true;
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
  for (const p of cluster.calicoPolicies ?? []) {
    for (const r of [...p.ingress, ...p.egress]) {
      for (const port of [...(r.destination.ports ?? []), ...(r.destination.notPorts ?? [])]) {
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
