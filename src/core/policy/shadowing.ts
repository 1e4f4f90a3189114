import { Cluster, PodInfo } from '../cluster/model';
import { Cidr, intToIp } from '../common/ip';
import { ConnSet } from './connset';
import { Peer } from './model';
import { ClassLabelIndex, policyClasses } from './peer-classes';
import { matchesSelector } from '../cluster/labels';
import { pushTo } from '../common/list-map';
import { LabelSelector } from '../manifest/types';
import type { PeerClass } from './reachability';

/**
 * The check behind the "shadowed rule" findings of AdminNetworkPolicy and Calico: does a rule
 * ever decide a flow, or have the rules met before it already decided every connection it
 * covers, for every pod it applies to and every peer it matches?
 *
 * Pods of one policy class (peer-classes.ts) are alike to every rule at either end, so the
 * check visits classes, not pods: one subject per class (or per group of classes the rules in
 * play cannot tell apart), one peer per class, plus the peers outside the pods. A class meets
 * itself only when it has a second pod (a pod's flows to itself are never filtered).
 */

/** A rule evaluated before the one checked, with its place in the evaluation order. */
export interface EarlierRule {
  label: string;
  action: string;
  /** Position in evaluation order: deciders are listed in it. */
  order: number;
  /** The connections it matches from the subject pod's side towards the peer. */
  conns(subject: PodInfo, peer: Peer): ConnSet;
}

export interface ShadowVerdict {
  /** The earlier rules that decided some of the flows, in evaluation order. */
  deciders: string[];
  /** Every flow was decided by a Deny. */
  allDenied: boolean;
}

/**
 * What a shadow check visits: a peer per class (`classPeers[i]` for `classes[i]`) and the
 * addresses outside the pods, each with a number for memos (a class's, for its pods).
 */
export class ShadowPeers {
  readonly classes: readonly PeerClass[];
  readonly classPeers: Peer[];
  /** Node addresses and one address per stretch of the IPv4 space between the blocks' bounds (none a pod's). */
  readonly addresses: Peer[];
  /** How many numbers `indexOf` gives. */
  readonly size: number;
  private readonly index = new Map<Peer, number>();
  private readonly classIndexes = new Map<PodInfo, number>();
  private readonly twins = new Map<PeerClass, Peer>();
  /** The classes of each namespace, and by label pair (made on the first question). */
  private byNamespace?: Map<string, PeerClass[]>;
  private labels?: ClassLabelIndex;

  constructor(private readonly cluster: Cluster, blocks: readonly Cidr[]) {
    this.classes = policyClasses(cluster);
    this.classPeers = this.classes.map((c) => peerOf(cluster, c.representative));
    const cuts = new Set<number>();
    for (const c of blocks) {
      if (c.family === 6) continue;
      cuts.add(c.base);
      const end = c.base + 2 ** (32 - c.prefix);
      if (end <= 0xffffffff) cuts.add(end);
    }
    const podIPs = new Set(cluster.pods.filter((p) => !p.hostNetwork).map((p) => p.ip));
    this.addresses = [...new Set([...cluster.nodes.map((n) => n.ip), ...[...cuts].map(intToIp)])].filter((ip) => !podIPs.has(ip)).map((ip): Peer => ({ ip }));
    this.classPeers.forEach((q, i) => {
      this.index.set(q, i);
      this.classIndexes.set(q.pod!, i);
    });
    this.addresses.forEach((q, i) => this.index.set(q, this.classPeers.length + i));
    this.size = this.classPeers.length + this.addresses.length;
  }

  indexOf(peer: Peer): number {
    return this.index.get(peer)!;
  }

  /** The number of the class a representative pod stands for. */
  classIndex(representative: PodInfo): number {
    return this.classIndexes.get(representative)!;
  }

  /** Classes whose representative `applies` holds for (the whole class then does). */
  subjects(applies: (pod: PodInfo) => boolean): PeerClass[] {
    return this.classes.filter((c) => applies(c.representative));
  }

  /** Per namespace that has pods, its classes. */
  namespaces(): Map<string, PeerClass[]> {
    if (!this.byNamespace) {
      this.byNamespace = new Map();
      for (const c of this.classes) pushTo(this.byNamespace, c.namespace, c);
    }
    return this.byNamespace;
  }

  /** The numbers of the classes of `namespace` whose pods `selector` matches. */
  matching(namespace: string, selector: LabelSelector): number[] {
    const byNamespace = this.namespaces();
    this.labels ??= new ClassLabelIndex(this.classes);
    return this.labels.candidates(namespace, selector, byNamespace).filter((c) => matchesSelector(c.representative.labels, selector)).map((c) => this.classIndex(c.representative));
  }

  /** A peer for the second pod of class i (a flow between two of its pods), numbered as the class. */
  twin(i: number): Peer {
    const c = this.classes[i];
    let q = this.twins.get(c);
    if (!q) {
      this.twins.set(c, (q = peerOf(this.cluster, c.pods[1])));
      this.index.set(q, i);
    }
    return q;
  }
}

/** Per rule (or any key), a yes or no per peer or class number, each worked out once. */
export class MatchMemo<K> {
  private readonly answers = new Map<K, Int8Array>();

  constructor(private readonly size: number) {}

  /** Answers for every number below `count` at once: yes for those in `yes`. */
  fill(key: K, count: number, yes: Iterable<number>): void {
    const a = new Int8Array(this.size);
    a.fill(-1, 0, count);
    for (const i of yes) a[i] = 1;
    this.answers.set(key, a);
  }

  test(key: K, index: number, compute: () => boolean): boolean {
    let a = this.answers.get(key);
    if (!a) this.answers.set(key, (a = new Int8Array(this.size)));
    if (a[index] === 0) a[index] = compute() ? 1 : -1;
    return a[index] === 1;
  }
}

/**
 * Whether the rule (its connections given by `own`) is shadowed for every subject class and
 * peer; `earlierFor` lists the rules met before it for a subject pod, in evaluation order.
 * `peers` may leave out those the rule cannot match (of `all`'s peers).
 */
export function shadowedBy(
  all: ShadowPeers,
  subjects: readonly SubjectGroup[],
  peers: readonly Peer[],
  own: (subject: PodInfo, peer: Peer) => ConnSet,
  earlierFor: (subject: PodInfo) => readonly EarlierRule[],
): ShadowVerdict | undefined {
  const deciders = new Map<string, number>();
  let allDenied = true;
  let anyFlow = false;
  for (const { c, alike } of subjects) {
    const s = c.representative;
    let earlier: readonly EarlierRule[] | undefined;
    for (let q of peers) {
      if (q.pod === s && !alike) {
        // The class towards itself: a flow between two of its pods, if it has two. (With an
        // alike subject, the flow from that one to this class is the same as this pair.)
        if (c.pods.length < 2) continue;
        q = all.twin(all.indexOf(q));
      }
      let left = own(s, q);
      if (left.isEmpty()) continue;
      anyFlow = true;
      earlier ??= earlierFor(s);
      for (const e of earlier) {
        const hit = e.conns(s, q).intersect(left);
        if (hit.isEmpty()) continue;
        if (!deciders.has(e.label)) deciders.set(e.label, e.order);
        if (e.action !== 'Deny') allDenied = false;
        left = left.intersect(hit.complement());
        if (left.isEmpty()) break;
      }
      if (!left.isEmpty()) return undefined;
    }
  }
  if (!anyFlow) return undefined;
  return { deciders: [...deciders].sort((a, b) => a[1] - b[1]).map(([label]) => label), allDenied };
}

/** A subject class checked for all those alike to it (`alike`: there are others). */
export interface SubjectGroup {
  c: PeerClass;
  alike: boolean;
}

/**
 * The subject classes to check: with `key`, one per key — subjects with the same key must be
 * alike to the rule and every earlier one (the same rules apply, ports resolve the same).
 */
export function subjectGroups(subjects: readonly PeerClass[], key?: (s: PodInfo) => string): SubjectGroup[] {
  if (!key) return subjects.map((c) => ({ c, alike: false }));
  const byKey = new Map<string, { c: PeerClass; alike: boolean }>();
  for (const c of subjects) {
    const k = key(c.representative);
    const g = byKey.get(k);
    if (g) g.alike = true;
    else byKey.set(k, { c, alike: false });
  }
  return [...byKey.values()];
}

/** `a, b, c …`: the first three deciders, for a finding's message. */
export function decidersText(deciders: readonly string[]): string {
  return deciders.slice(0, 3).join(', ') + (deciders.length > 3 ? ' …' : '');
}

function peerOf(cluster: Cluster, pod: PodInfo): Peer {
  return { ip: pod.ip, pod, namespace: cluster.namespaces.get(pod.namespace) };
}
