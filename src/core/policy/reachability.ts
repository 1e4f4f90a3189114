import { Cluster, PodInfo } from '../cluster/model';
import { isEmptySelector, matchesSelector } from '../cluster/labels';
import { Cidr, cidrContains } from '../common/ip';
import { LabelSelector } from '../manifest/types';
import { ConnSet } from './connset';
import { allowedConns, peerFor, policiesOf } from './evaluate';
import { PeerSpec, PolicyInfo, RuleSpec, rulePorts } from './model';

/**
 * Who may talk to whom, computed over equivalence classes instead of pairs of pods. Pods in
 * one namespace with the same values for every label key any policy mentions, the same named
 * ports that policies use, and the same membership in every ipBlock, are indistinguishable to
 * NetworkPolicy — so the work grows with classes (usually one per workload), not with pods².
 *
 * For each class the structure keeps, per direction, the peers its rules name (by class, by
 * namespace, everyone, ipBlocks) — a sparse matrix the queries combine on demand.
 */
export interface Reachability {
  cluster: Cluster;
  classes: PeerClass[];
  classOf(pod: PodInfo): PeerClass;
  /** Connections allowed from `src` to `dst`: src egress ∩ dst ingress (pod to itself: all). */
  allowed(src: PodInfo, dst: PodInfo): ConnSet;
  /** Between classes (representative pods; not valid for hostNetwork pods). */
  allowedBetween(src: PeerClass, dst: PeerClass): ConnSet;
  /** From an address outside the pods (an external range atom: any IP in it) to a pod. */
  fromAddress(ip: string, dst: PodInfo): ConnSet;
  /** From a pod to an address outside the pods. */
  toAddress(src: PodInfo, ip: string): ConnSet;
  /** The IPv4 space cut at every ipBlock boundary, as [first, last] address ranges. */
  externalAtoms(): [number, number][];
}

export interface PeerClass {
  id: number;
  namespace: string;
  pods: PodInfo[];
  representative: PodInfo;
  /** hostNetwork pods are their own class each (they are seen as their node's address). */
  hostNetwork: boolean;
  ingressPolicies: PolicyInfo[];
  egressPolicies: PolicyInfo[];
}

/** Peers a class's rules name, with what they allow (ingress: resolved ports; egress: rules, resolved per destination). */
interface PeerIndex<T> {
  any: T[];
  anyPod: T[];
  byNamespace: Map<string, T[]>;
  byClass: Map<number, T[]>;
  ipBlocks: { block: number; value: T }[];
}

interface IpBlock {
  cidr: Cidr;
  except: Cidr[];
}

export function computeReachability(cluster: Cluster): Reachability {
  const policies = policiesOf(cluster);
  const { classes, classOf, blocks, inBlock } = buildClasses(cluster, policies);
  const byNamespace = new Map<string, PeerClass[]>();
  for (const c of classes) if (!c.hostNetwork) byNamespace.set(c.namespace, [...(byNamespace.get(c.namespace) ?? []), c]);

  // Which classes each policy selects: only classes of its own namespace are candidates.
  for (const p of policies) {
    for (const c of byNamespace.get(p.namespace) ?? []) {
      if (!matchesSelector(c.representative.labels, p.podSelector)) continue;
      if (p.affectsIngress) c.ingressPolicies.push(p);
      if (p.affectsEgress) c.egressPolicies.push(p);
    }
  }

  const namespaces = [...cluster.namespaces.values()];
  const nsMemo = new Map<string, string[] | 'all'>();
  const namespacesMatching = (sel: LabelSelector): string[] | 'all' => {
    const key = JSON.stringify(sel);
    let r = nsMemo.get(key);
    if (!r) {
      r = isEmptySelector(sel) ? 'all' : namespaces.filter((n) => matchesSelector(n.labels, sel)).map((n) => n.name);
      nsMemo.set(key, r);
    }
    return r;
  };
  const classMemo = new Map<string, PeerClass[]>();
  const classesMatching = (ns: string, sel: LabelSelector): PeerClass[] => {
    const key = `${ns}\u0000${JSON.stringify(sel)}`;
    let r = classMemo.get(key);
    if (!r) {
      r = (byNamespace.get(ns) ?? []).filter((c) => matchesSelector(c.representative.labels, sel));
      classMemo.set(key, r);
    }
    return r;
  };
  const blockIds = new Map<string, number>(blocks.map((b, i) => [blockKey(b), i]));

  /** Files what one rule allows under the peers it names. */
  function index<T>(target: PeerIndex<T>, policy: PolicyInfo, rule: RuleSpec, value: T): void {
    if (rule.peers === 'all') {
      target.any.push(value);
      return;
    }
    for (const peer of rule.peers) addPeer(target, policy, peer, value);
  }

  function addPeer<T>(target: PeerIndex<T>, policy: PolicyInfo, peer: PeerSpec, value: T): void {
    if (peer.kind === 'ipBlock') {
      target.ipBlocks.push({ block: blockIds.get(blockKey(peer))!, value });
      return;
    }
    const nss = peer.namespaceSelector ? namespacesMatching(peer.namespaceSelector) : [policy.namespace];
    const wholeNamespaces = !peer.podSelector || isEmptySelector(peer.podSelector);
    if (wholeNamespaces) {
      if (nss === 'all') target.anyPod.push(value);
      else for (const ns of nss) push(target.byNamespace, ns, value);
      return;
    }
    for (const ns of nss === 'all' ? [...byNamespace.keys()] : nss) {
      for (const c of classesMatching(ns, peer.podSelector!)) push(target.byClass, c.id, value);
    }
  }

  const ingress: (PeerIndex<ConnSet> | undefined)[] = classes.map((c) => {
    if (c.ingressPolicies.length === 0) return undefined;
    const idx = emptyIndex<ConnSet>();
    // Ingress ports resolve against the destination: this class.
    for (const p of c.ingressPolicies) for (const r of p.ingress) index(idx, p, r, rulePorts(r, c.representative));
    return idx;
  });
  const egress: (PeerIndex<RuleSpec> | undefined)[] = classes.map((c) => {
    if (c.egressPolicies.length === 0) return undefined;
    const idx = emptyIndex<RuleSpec>();
    for (const p of c.egressPolicies) for (const r of p.egress) index(idx, p, r, r);
    return idx;
  });

  const fixedPorts = new WeakMap<RuleSpec, ConnSet>();
  /** Egress rule ports towards a destination pod; rules without named ports are resolved once. */
  const egressPorts = (rule: RuleSpec, destination: PodInfo | undefined): ConnSet => {
    const named = rule.ports !== 'all' && rule.ports.some((p) => typeof p.port === 'string');
    if (named) return rulePorts(rule, destination);
    let c = fixedPorts.get(rule);
    if (!c) {
      c = rulePorts(rule, undefined);
      fixedPorts.set(rule, c);
    }
    return c;
  };

  function collect<T>(idx: PeerIndex<T>, peer: PeerClass | undefined, ip: string, each: (v: T) => void): void {
    for (const v of idx.any) each(v);
    if (peer) {
      for (const v of idx.anyPod) each(v);
      for (const v of idx.byNamespace.get(peer.namespace) ?? []) each(v);
      for (const v of idx.byClass.get(peer.id) ?? []) each(v);
      for (const { block, value } of idx.ipBlocks) if (inBlock(peer.representative, block)) each(value);
    } else {
      for (const { block, value } of idx.ipBlocks) if (blockHas(blocks[block], ip)) each(value);
    }
  }

  function ingressFrom(dst: PeerClass, src: PeerClass | undefined, ip: string): ConnSet {
    const idx = ingress[dst.id];
    if (!idx) return ConnSet.ALL;
    let out = ConnSet.NONE;
    collect(idx, src, ip, (c) => { out = out.union(c); });
    return out;
  }

  function egressTo(src: PeerClass, dst: PeerClass | undefined, ip: string): ConnSet {
    const idx = egress[src.id];
    if (!idx) return ConnSet.ALL;
    let out = ConnSet.NONE;
    collect(idx, dst, ip, (r) => { out = out.union(egressPorts(r, dst?.representative)); });
    return out;
  }

  const allowedBetween = (s: PeerClass, d: PeerClass): ConnSet => {
    const e = egressTo(s, d, d.representative.ip);
    if (e.isEmpty()) return e;
    return e.intersect(ingressFrom(d, s, s.representative.ip));
  };

  return {
    cluster,
    classes,
    classOf,
    allowedBetween,
    allowed(src, dst) {
      if (src.key === dst.key) return ConnSet.ALL;
      if (src.hostNetwork || dst.hostNetwork) {
        // Seen as node addresses, with the own-node exemption: evaluate this pair directly.
        const e = src.hostNetwork ? ConnSet.ALL : allowedConns(cluster, 'egress', src, peerFor(cluster, dst.ip));
        return e.intersect(dst.hostNetwork ? ConnSet.ALL : allowedConns(cluster, 'ingress', dst, peerFor(cluster, src.ip)));
      }
      return allowedBetween(classOf(src), classOf(dst));
    },
    fromAddress(ip, dst) {
      if (dst.hostNetwork) return ConnSet.ALL;
      const node = cluster.nodesByName.get(dst.node);
      if (node?.ip === ip) return ConnSet.ALL;
      return ingressFrom(classOf(dst), undefined, ip);
    },
    toAddress(src, ip) {
      if (src.hostNetwork) return ConnSet.ALL;
      const node = cluster.nodesByName.get(src.node);
      if (node?.ip === ip) return ConnSet.ALL;
      return egressTo(classOf(src), undefined, ip);
    },
    externalAtoms() {
      return atoms(blocks);
    },
  };
}

function emptyIndex<T>(): PeerIndex<T> {
  return { any: [], anyPod: [], byNamespace: new Map(), byClass: new Map(), ipBlocks: [] };
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function blockKey(b: IpBlock): string {
  return `${b.cidr.text}-${b.except.map((e) => e.text).sort().join(',')}`;
}

function blockHas(b: IpBlock, ip: string): boolean {
  return cidrContains(b.cidr, ip) && !b.except.some((e) => cidrContains(e, ip));
}

/** Groups pods into classes NetworkPolicy cannot tell apart. */
function buildClasses(cluster: Cluster, policies: PolicyInfo[]) {
  const podKeys = new Set<string>();
  const namedPorts = new Set<string>();
  const blocksByKey = new Map<string, IpBlock>();
  const noteSelector = (s: LabelSelector | undefined) => {
    if (!s) return;
    for (const k in s.matchLabels) podKeys.add(k);
    for (const e of s.matchExpressions) podKeys.add(e.key);
  };
  for (const p of policies) {
    noteSelector(p.podSelector);
    for (const r of [...p.ingress, ...p.egress]) {
      if (r.ports !== 'all') for (const port of r.ports) if (typeof port.port === 'string') namedPorts.add(`${port.port}/${port.protocol}`);
      if (r.peers === 'all') continue;
      for (const peer of r.peers) {
        if (peer.kind === 'ipBlock') blocksByKey.set(blockKey(peer), { cidr: peer.cidr, except: peer.except });
        else noteSelector(peer.podSelector);
      }
    }
  }
  const keys = [...podKeys].sort();
  const blocks = [...blocksByKey.values()];
  const membership = new Map<string, boolean[]>();
  const memberOf = (pod: PodInfo): boolean[] => {
    let m = membership.get(pod.key);
    if (!m) {
      m = blocks.map((b) => blockHas(b, pod.ip));
      membership.set(pod.key, m);
    }
    return m;
  };
  const classes: PeerClass[] = [];
  const byKey = new Map<string, PeerClass>();
  const ofPod = new Map<string, PeerClass>();
  for (const pod of cluster.pods) {
    let key: string;
    if (pod.hostNetwork) key = `host\u0000${pod.key}`;
    else {
      const labels = keys.map((k) => (k in pod.labels ? `${k}=${pod.labels[k]}` : '')).join('\u0001');
      const ports = namedPorts.size ? pod.ports.filter((p) => namedPorts.has(`${p.name}/${p.protocol}`)).map((p) => `${p.name}/${p.protocol}=${p.containerPort}`).sort().join(',') : '';
      const ips = blocks.length ? memberOf(pod).map((b) => (b ? '1' : '0')).join('') : '';
      key = `${pod.namespace}\u0000${labels}\u0000${ports}\u0000${ips}`;
    }
    let c = byKey.get(key);
    if (!c) {
      c = { id: classes.length, namespace: pod.namespace, pods: [], representative: pod, hostNetwork: pod.hostNetwork, ingressPolicies: [], egressPolicies: [] };
      classes.push(c);
      byKey.set(key, c);
    }
    c.pods.push(pod);
    ofPod.set(pod.key, c);
  }
  return {
    classes,
    classOf: (pod: PodInfo) => ofPod.get(pod.key)!,
    blocks,
    inBlock: (pod: PodInfo, block: number) => memberOf(pod)[block],
  };
}

/** Splits 0.0.0.0–255.255.255.255 at every ipBlock and except boundary. */
function atoms(blocks: IpBlock[]): [number, number][] {
  const cuts = new Set<number>([0]);
  for (const b of blocks) {
    for (const c of [b.cidr, ...b.except]) {
      cuts.add(c.base);
      const end = c.base + 2 ** (32 - c.prefix);
      if (end <= 0xffffffff) cuts.add(end);
    }
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  return sorted.map((start, i) => [start, i + 1 < sorted.length ? sorted[i + 1] - 1 : 0xffffffff]);
}
