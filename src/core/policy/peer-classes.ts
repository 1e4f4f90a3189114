import { Cluster, PodInfo } from '../cluster/model';
import { matchesSelector } from '../cluster/labels';
import { declaredPortNames } from '../cluster/port-names';
import { Cidr, cidr, cidrContains, ipToInt } from '../common/ip';
import { LabelSelector } from '../manifest/types';
import { AdminPolicies, adminPoliciesOf } from './anp';
import { calicoPoliciesOf } from './calico';
import { selectorKeys } from './calico-selector';
import { policiesOf } from './evaluate';
import { PolicyInfo } from './model';
import type { PeerClass } from './reachability';
import { SequenceMap } from './sequence-map';
import { pushTo } from '../common/list-map';

/**
 * Equivalence classes of pods for policy: pods of one namespace with the same values for every
 * label key a policy reads, the same named ports rules use and the same membership in every
 * address block rules name are alike to every policy API PodPath models, at either end of a
 * flow. The reachability engine works on them, and so do the lint checks that would otherwise
 * visit every pair of pods.
 */

export interface IpBlock {
  cidr: Cidr;
  except: Cidr[];
}

/** What admin policies add to the class key: the label keys, named ports and addresses they look at. */
export function adminRefinements(cluster: Cluster, admin: AdminPolicies): ClassRefinements {
  const selectors: LabelSelector[] = [];
  const namedPorts: string[] = [];
  const blocks: IpBlock[] = [];
  for (const p of [...admin.anps, ...(admin.banp ? [admin.banp] : [])]) {
    if (p.subject.pods) selectors.push(p.subject.pods.podSelector);
    for (const r of [...p.ingress, ...p.egress]) {
      if (r.ports !== 'all') for (const port of r.ports) if (port.namedPort !== undefined) for (const proto of ['TCP', 'UDP', 'SCTP']) namedPorts.push(`${port.namedPort}/${proto}`);
      for (const peer of r.peers) {
        if (peer.kind === 'pods') selectors.push(peer.podSelector);
        else if (peer.kind === 'networks') for (const c of peer.cidrs) blocks.push({ cidr: c, except: [] });
        else if (peer.kind === 'nodes') {
          // Node addresses split the external space (connlist) and, were a pod to carry one, the classes.
          for (const n of cluster.nodes) if (matchesSelector(n.labels, peer.nodes)) blocks.push({ cidr: cidr(`${n.ip}/32`), except: [] });
        }
      }
    }
  }
  for (const p of calicoPoliciesOf(cluster).all) {
    const keys = new Set<string>();
    selectorKeys(p.selector, keys);
    for (const r of [...p.ingress, ...p.egress]) {
      for (const e of [r.source, r.destination]) {
        for (const sel of [e.selector, e.notSelector]) if (sel) selectorKeys(sel, keys);
        for (const c of [...(e.nets ?? []), ...(e.notNets ?? [])]) blocks.push({ cidr: c, except: [] });
        for (const port of [...(e.ports ?? []), ...(e.notPorts ?? [])]) if (port.name !== undefined) for (const proto of ['TCP', 'UDP', 'SCTP']) namedPorts.push(`${port.name}/${proto}`);
      }
    }
    // Calico selectors are label expressions: every key they read splits the classes.
    for (const k of keys) selectors.push({ matchLabels: {}, matchExpressions: [{ key: k, operator: 'Exists', values: [] }] });
  }
  return { selectors, namedPorts, blocks };
}

export function blockKey(b: IpBlock): string {
  return `${b.cidr.text}-${b.except.map((e) => e.text).sort().join(',')}`;
}

export function blockHas(b: IpBlock, ip: string | number): boolean {
  // Numbers are IPv4; an IPv6 address stays text (cidrContains answers for both families).
  const n = typeof ip === 'number' || ip.includes(':') ? ip : ipToInt(ip);
  if (!cidrContains(b.cidr, n)) return false;
  for (const e of b.except) if (cidrContains(e, n)) return false;
  return true;
}

export interface ClassRefinements {
  selectors: LabelSelector[];
  namedPorts: string[];
  blocks: IpBlock[];
}

/**
 * What splits pods into classes: the label keys selectors read, the named ports rules use and
 * the ipBlocks rules name. Two policy sets with the same partition inputs (the same `text`) make
 * the same classes of the same pods, whatever else their rules say. A named port no pod declares
 * is in no pod's class key, so `text` leaves it out: a rule naming a port nobody has (a typo
 * being fixed) keeps the classes.
 */
export interface PartitionInputs {
  /** Label keys, sorted. */
  keys: string[];
  /** `name/protocol` of every named port a rule uses. */
  namedPorts: Set<string>;
  /** In the order rules first name them: the order of the block ids the indexes file rules under. */
  blocks: IpBlock[];
  text: string;
}

export function partitionInputs(policies: PolicyInfo[], declared: ReadonlySet<string>, extra?: ClassRefinements): PartitionInputs {
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
  if (extra) {
    for (const sel of extra.selectors) noteSelector(sel);
    for (const np of extra.namedPorts) namedPorts.add(np);
    for (const b of extra.blocks) blocksByKey.set(blockKey(b), b);
  }
  const keys = [...podKeys].sort();
  const text = JSON.stringify([keys, [...namedPorts].filter((n) => declared.has(n)).sort(), [...blocksByKey.keys()]]);
  return { keys, namedPorts, blocks: [...blocksByKey.values()], text };
}

/** A dotted IPv4 address whose last part is a canonical octet, with its first three parts. */
const DOTTED_QUAD = /^(\d{1,3}\.\d{1,3}\.\d{1,3})\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Groups pods into classes the policies cannot tell apart. */
export function buildClasses(cluster: Cluster, inputs: PartitionInputs) {
  const { keys, namedPorts, blocks } = inputs;
  // ipBlock membership matters per class; it is computed per pod once, as a bit string.
  const membership = new Map<PodInfo, boolean[]>();
  const memberOf = (pod: PodInfo): boolean[] => {
    let m = membership.get(pod);
    if (!m) {
      const address = pod.ip.includes(':') ? pod.ip : ipToInt(pod.ip);
      m = blocks.map((b) => blockHas(b, address));
      membership.set(pod, m);
    }
    return m;
  };
  // An IPv4 address's membership in every block depends only on which stretch between block
  // boundaries it falls in: one binary search per pod, the bits computed once per stretch.
  const cuts = [0];
  for (const b of blocks) {
    for (const c of [b.cidr, ...b.except]) {
      if (c.family === 6) continue;
      cuts.push(c.base, c.base + 2 ** (32 - c.prefix));
    }
  }
  const starts = Float64Array.from(new Set(cuts)).sort();
  const bitsOfStretch = new Map<number, string>();
  // Most /24s hold no boundary: their pods share the bits, found by the address's first three
  // parts as text without parsing the address (null: a boundary inside, parse each).
  const bitsOfSlash24 = new Map<string, string | null>();
  const bitsOf = (pod: PodInfo): string => {
    const parts = DOTTED_QUAD.exec(pod.ip);
    if (!parts) return bitsOfAddress(pod.ip);
    const known = bitsOfSlash24.get(parts[1]);
    if (known !== undefined && known !== null) return known;
    const bits = bitsOfAddress(pod.ip);
    if (known === undefined) {
      const first = (ipToInt(pod.ip) & 0xffffff00) >>> 0;
      const next = starts[lastAtOrBelow(first) + 1];
      bitsOfSlash24.set(parts[1], next !== undefined && next < first + 256 ? null : bits);
    }
    return bits;
  };
  /** The position of the last boundary at or below `address` (starts[0] is 0). */
  const lastAtOrBelow = (address: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= address) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const bitsOfAddress = (ip: string): string => {
    const address = ip.includes(':') ? ip : ipToInt(ip);
    let lo = 0;
    if (typeof address === 'number') {
      lo = lastAtOrBelow(address);
      const known = bitsOfStretch.get(lo);
      if (known !== undefined) return known;
    }
    let bits = '';
    for (const b of blocks) bits += blockHas(b, address) ? '1' : '0';
    if (typeof address === 'number') bitsOfStretch.set(lo, bits);
    return bits;
  };
  // Pods of one workload share their containers, so their named-port part of the key is made once.
  const portsKeys = new Map<unknown, string>();
  const portsKeyOf = (pod: PodInfo): string => {
    let k = portsKeys.get(pod.containers);
    if (k === undefined) {
      k = pod.ports.filter((p) => namedPorts.has(`${p.name}/${p.protocol}`)).map((p) => `${p.name}/${p.protocol}=${p.containerPort}`).sort().join(',');
      portsKeys.set(pod.containers, k);
    }
    return k;
  };
  // A pod's class key as numbers (namespace, each key's value, named ports, address bits), each
  // part interned once: no text key is built and hashed per pod.
  const partIds = new Map<string, number>();
  const partId = (text: string): number => {
    let id = partIds.get(text);
    if (id === undefined) partIds.set(text, (id = partIds.size));
    return id;
  };
  /** Per key: value → id + 1 (0: the pod lacks the key). */
  const valueIds = keys.map(() => new Map<string, number>());
  const keyIndex = new Map(keys.map((k, i) => [k, i]));
  const classes: PeerClass[] = [];
  const hostClasses = new Map<string, PeerClass>();
  /** Each pod's class, in the cluster's pod order. */
  const classByPosition: PeerClass[] = [];
  const key = new Int32Array(keys.length + 3);
  /** Where the address bits sit in a key: the parts before it are a replica group's. */
  const bitsPart = keys.length + 2;
  /** Fills `key` with the pod's class key; false when a part of it was never seen (no class has it). */
  const keyOfKnown = (pod: PodInfo): boolean => {
    const ns = partIds.get(pod.namespace);
    if (ns === undefined) return false;
    key[0] = ns;
    key.fill(0, 1, keys.length + 1);
    for (const k in pod.labels) {
      const i = keyIndex.get(k);
      if (i === undefined) continue;
      const id = valueIds[i].get(pod.labels[k]);
      if (id === undefined) return false;
      key[i + 1] = id;
    }
    const ports = namedPorts.size ? partIds.get(portsKeyOf(pod)) : 0;
    const bits = blocks.length ? partIds.get(bitsOf(pod)) : 0;
    if (ports === undefined || bits === undefined) return false;
    key[keys.length + 1] = ports;
    key[bitsPart] = bits;
    return true;
  };
  // Replicas of a template share one labels object and one containers list, so their keys
  // differ only in the address bits: the rest (namespace, label values, named ports) is made
  // once per such group, and pods with equal rests share one map from bits to class.
  const classesByBits = new SequenceMap<Map<number, PeerClass>>();
  const groups = new Map<Readonly<Record<string, string>>, { namespace: string; containers: unknown; classes: Map<number, PeerClass> }>();
  const groupOf = (pod: PodInfo) => {
    const known = groups.get(pod.labels);
    if (known && known.namespace === pod.namespace && known.containers === pod.containers) return known;
    key[0] = partId(pod.namespace);
    key.fill(0, 1, keys.length + 1);
    const labels = pod.labels;
    // Walk the pod's own labels (a handful) and keep those some policy looks at.
    for (const k in labels) {
      const i = keyIndex.get(k);
      if (i === undefined) continue;
      const ids = valueIds[i];
      const v = labels[k];
      let id = ids.get(v);
      if (id === undefined) ids.set(v, (id = ids.size + 1));
      key[i + 1] = id;
    }
    key[keys.length + 1] = namedPorts.size ? partId(portsKeyOf(pod)) : 0;
    let byBits = classesByBits.get(key, bitsPart);
    if (!byBits) classesByBits.set(key, (byBits = new Map()), bitsPart);
    const group = { namespace: pod.namespace, containers: pod.containers, classes: byBits };
    groups.set(pod.labels, group);
    return group;
  };
  for (const pod of cluster.pods) {
    let c: PeerClass | undefined;
    let group: ReturnType<typeof groupOf> | undefined;
    let bits = 0;
    if (pod.hostNetwork) c = hostClasses.get(pod.key);
    else {
      group = groupOf(pod);
      bits = blocks.length ? partId(bitsOf(pod)) : 0;
      c = group.classes.get(bits);
    }
    if (!c) {
      c = { id: classes.length, namespace: pod.namespace, pods: [], representative: pod, hostNetwork: pod.hostNetwork, ingressPolicies: [], egressPolicies: [] };
      classes.push(c);
      if (!group) hostClasses.set(pod.key, c);
      else group.classes.set(bits, c);
    }
    c.pods.push(pod);
    classByPosition.push(c);
  }
  let ofPod: Map<string, PeerClass> | undefined;
  // The pods alone: a later computation on these classes (after a policy edit) keeps this, not the cluster.
  const pods = cluster.pods;
  return {
    classes,
    // By key (a later cluster's pods are asked about too); the map is made on the first question,
    // as the all-pairs counts never ask one.
    classOf: (pod: PodInfo) => {
      if (!ofPod) {
        ofPod = new Map();
        pods.forEach((p, i) => ofPod!.set(p.key, classByPosition[i]));
      }
      return ofPod.get(pod.key)!;
    },
    blocks,
    inBlock: (pod: PodInfo, block: number) => memberOf(pod)[block],
    /** A pod's class key as text (for classes a rebase adds, which the numeric key map does not hold). */
    classKeyText: (pod: PodInfo): string => JSON.stringify([pod.namespace, keys.map((k) => pod.labels[k] ?? null), namedPorts.size ? portsKeyOf(pod) : '', blocks.length ? bitsOf(pod) : '']),
    /** The class (of those built here) a pod not among them would join; undefined if it would make a new one. */
    existingClassFor: (pod: PodInfo): PeerClass | undefined => (!pod.hostNetwork && keyOfKnown(pod) ? classesByBits.get(key, bitsPart)?.get(key[bitsPart]) : undefined),
  };
}

/**
 * Classes by namespace and label pair: a selector with matchLabels (or an In expression) only
 * looks at the classes carrying its rarest pair instead of every class in the namespace.
 */
export class ClassLabelIndex {
  /** namespace → label key → value → classes (nested maps: no joined text key per lookup). */
  private readonly byPair = new Map<string, Map<string, Map<string, PeerClass[]>>>();

  constructor(classes: readonly PeerClass[]) {
    for (const c of classes) {
      if (c.hostNetwork) continue;
      let byKey = this.byPair.get(c.namespace);
      if (!byKey) this.byPair.set(c.namespace, (byKey = new Map()));
      const labels = c.representative.labels;
      for (const k in labels) {
        let byValue = byKey.get(k);
        if (!byValue) byKey.set(k, (byValue = new Map()));
        pushTo(byValue, labels[k], c);
      }
    }
  }

  private withPair(ns: string, k: string, v: string): PeerClass[] {
    return this.byPair.get(ns)?.get(k)?.get(v) ?? [];
  }

  /** How many classes `candidates` would list (without listing them). */
  candidateCount(ns: string, sel: LabelSelector, byNamespace: Map<string, PeerClass[]>): number {
    let best = -1;
    for (const k in sel.matchLabels) {
      const n = this.withPair(ns, k, sel.matchLabels[k]).length;
      if (best < 0 || n < best) best = n;
    }
    for (const e of sel.matchExpressions) {
      if (e.operator !== 'In') continue;
      let n = 0;
      for (const v of e.values) n += this.withPair(ns, e.key, v).length;
      if (best < 0 || n < best) best = n;
    }
    return best >= 0 ? best : byNamespace.get(ns)?.length ?? 0;
  }

  /** A superset of the classes of `ns` the selector matches (callers still test the selector). */
  candidates(ns: string, sel: LabelSelector, byNamespace: Map<string, PeerClass[]>): PeerClass[] {
    let best: PeerClass[] | undefined;
    for (const k in sel.matchLabels) {
      const list = this.withPair(ns, k, sel.matchLabels[k]);
      if (!best || list.length < best.length) best = list;
    }
    for (const e of sel.matchExpressions) {
      if (e.operator !== 'In') continue;
      const union = e.values.flatMap((v) => this.withPair(ns, e.key, v));
      if (!best || union.length < best.length) best = union;
    }
    return best ?? byNamespace.get(ns) ?? [];
  }
}

/** What buildClasses makes: the classes of one partition, with the helpers made alongside them. */
export type BuiltClasses = ReturnType<typeof buildClasses>;

const classesMemo = new WeakMap<Cluster, PeerClass[]>();

/**
 * The pod network's classes under every policy API of the cluster (NetworkPolicy,
 * AdminNetworkPolicy, Calico): what lint checks that reason pair by pair iterate over. Made
 * once per cluster; host-networked pods (seen as node addresses) are left out. Callers must
 * not change the classes.
 */
export function policyClasses(cluster: Cluster): readonly PeerClass[] {
  let classes = classesMemo.get(cluster);
  if (!classes) {
    const inputs = partitionInputs(policiesOf(cluster), declaredPortNames(cluster.pods), adminRefinements(cluster, adminPoliciesOf(cluster)));
    classes = buildClasses(cluster, inputs).classes.filter((c) => !c.hostNetwork);
    classesMemo.set(cluster, classes);
  }
  return classes;
}
