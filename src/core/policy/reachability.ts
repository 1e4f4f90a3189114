import { Cluster, PodInfo } from '../cluster/model';
import { isEmptySelector, matchesSelector } from '../cluster/labels';
import { mask6 } from '../common/ip';
import { LabelSelector } from '../manifest/types';
import { ConnSet } from './connset';
import { allowedConns, peerFor, policiesOf } from './evaluate';
import { PeerSpec, PolicyInfo, RuleSpec, rulePorts } from './model';
import { adminPoliciesOf } from './anp';
import { pipelineConns } from './pipeline';
import { calicoPoliciesOf } from './calico';
import { BuiltClasses, ClassLabelIndex, IpBlock, adminRefinements, blockHas, blockKey, buildClasses, partitionInputs } from './peer-classes';
import { countHostNetwork, tieredEngine } from './tiered-classes';
import { comparePodKeys, diffInKeyOrder, inPodKeyOrder } from '../cluster/pod-order';
import { podChangesOf } from '../cluster/pod-reuse';
import { declaredPortNames } from '../cluster/port-names';
import { sameItems } from '../common/same-items';
import { pushTo } from '../common/list-map';

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
  /** The same split of the IPv6 space (::/0) at every IPv6 ipBlock and except boundary. */
  externalAtoms6(): [bigint, bigint][];
  /**
   * For every class, how many pods can open any connection to one of its pods (`reachedBy`)
   * and how many it can reach (`reaches`), a pod never counting itself — the all-pairs answer,
   * computed without visiting every pair. Computed on the first call; callers must not change the arrays.
   */
  counts(): { reachedBy: Float64Array; reaches: Float64Array };
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
  /**
   * Peers naming a memoized class list (a selector many classes match, such as a tier label):
   * filed once under the list instead of once per class, which at 100,000 pods made millions of
   * entries per computation.
   */
  byList: { classes: readonly PeerClass[]; value: T }[];
  ipBlocks: { block: number; value: T }[];
}

export function computeReachability(cluster: Cluster): Reachability {
  return compute(cluster)!;
}

/**
 * Reachability for `cluster` after an edit of its NetworkPolicies alone (its pods, nodes,
 * namespaces and configuration as they were for `previous`: see `sameInputsButPolicies`).
 * When the policies still read the same label keys, named ports and ipBlocks, the pods fall
 * into the same classes: those are taken over, only the classes whose selecting policies
 * changed have their rules filed again, and the counts change only in the rows and columns of
 * those classes. `previous` may itself be a result carried over to moved pods (rebaseReachability):
 * its classes, as they are then, are taken over. Undefined when that does not hold (or
 * `previous` involves hostNetwork pods or other policy APIs): then compute afresh.
 */
export function reachabilityAfterPolicyEdit(previous: Reachability, cluster: Cluster): Reachability | undefined {
  const seed = (previous as Partial<Seeded>).classSeed;
  return seed ? compute(cluster, seed) : undefined;
}

/** A fresh computation, or (with `seed`) one on an earlier computation's classes; undefined if `seed` does not apply. */
function compute(cluster: Cluster, seed?: ClassSeed): (Reachability & Rebasable & Seeded) | undefined {
  const policies = policiesOf(cluster);
  const admin = adminPoliciesOf(cluster);
  const calico = calicoPoliciesOf(cluster);
  // Any policy API besides NetworkPolicy: Deny and Pass rules and tiers need the ordered engine.
  const hasAdmin = admin.anps.length > 0 || !!admin.banp || calico.all.length > 0;
  const inputs = partitionInputs(policies, declaredPortNames(cluster.pods), hasAdmin ? adminRefinements(cluster, admin) : undefined);
  if (seed && (hasAdmin || seed.inputs !== inputs.text)) return undefined;
  const built = seed ? seed.built : buildClasses(cluster, inputs);
  const { blocks, inBlock, existingClassFor, classKeyText } = built;
  // Which policies select a class is filled in below: a seed's classes are copied with empty lists.
  const classes = seed ? seed.classes.map((c) => ({ ...c, ingressPolicies: [], egressPolicies: [] })) : built.classes;
  // (Pods a rebase placed are in the seed's `moved`, passed on below: no closure of the earlier result is kept.)
  const classOf = seed ? (pod: PodInfo) => classes[built.classOf(pod).id] : built.classOf;
  const byNamespace = new Map<string, PeerClass[]>();
  for (const c of classes) if (!c.hostNetwork) pushTo(byNamespace, c.namespace, c);
  const labelIndex = new ClassLabelIndex(classes);

  // Which classes each policy selects: only classes of its own namespace are candidates.
  for (const p of policies) {
    for (const c of labelIndex.candidates(p.namespace, p.podSelector, byNamespace)) {
      if (!matchesSelector(c.representative.labels, p.podSelector)) continue;
      if (p.affectsIngress) c.ingressPolicies.push(p);
      if (p.affectsEgress) c.egressPolicies.push(p);
    }
  }

  const namespaces = [...cluster.namespaces.values()];
  const nsMemo = new Map<string, string[] | 'all'>();
  const namespacesMatching = (sel: LabelSelector): string[] | 'all' => {
    // Memoized even over a few namespaces: rules name the same few namespace selectors again
    // and again, and a first run (interpreted) writes the key natively faster than it tests them.
    const key = JSON.stringify(sel);
    let r = nsMemo.get(key);
    if (!r) {
      r = isEmptySelector(sel) ? 'all' : namespaces.filter((n) => matchesSelector(n.labels, sel)).map((n) => n.name);
      nsMemo.set(key, r);
    }
    return r;
  };
  // Most selectors name a workload (a few candidate classes: testing them is cheaper than a
  // memo key); those with many candidates (a tier, a whole namespace) recur, and are memoized.
  const classMemo = new Map<string, PeerClass[]>();
  const classesMatching = (ns: string, sel: LabelSelector): PeerClass[] => {
    if (labelIndex.candidateCount(ns, sel, byNamespace) <= 16) return labelIndex.candidates(ns, sel, byNamespace).filter((c) => matchesSelector(c.representative.labels, sel));
    const key = `${ns}\u0000${JSON.stringify(sel)}`;
    let r = classMemo.get(key);
    if (!r) {
      r = labelIndex.candidates(ns, sel, byNamespace).filter((c) => matchesSelector(c.representative.labels, sel));
      classMemo.set(key, r);
      sharedLists.add(r);
    }
    return r;
  };
  /** The lists classesMatching memoized: the same array for every rule naming that selector, so peer indexes file them whole. */
  const sharedLists = new Set<readonly PeerClass[]>();
  /** Per shared list, which class ids it holds (made on the first question; a class added later by a rebase is in none). */
  const memberships = new Map<readonly PeerClass[], Uint8Array>();
  const inList = (list: readonly PeerClass[], id: number): boolean => {
    let m = memberships.get(list);
    if (!m) {
      m = new Uint8Array(classes.length);
      for (const c of list) m[c.id] = 1;
      memberships.set(list, m);
    }
    return m[id] === 1;
  };
  const blockIds = new Map<string, number>(blocks.map((b, i) => [blockKey(b), i]));

  /**
   * Files what one rule allows under the peers it names. `later` are classes a rebase added
   * after this computation (not in its label index), matched one by one.
   */
  function index<T>(target: PeerIndex<T>, policy: PolicyInfo, rule: RuleSpec, value: T, later: PeerClass[] = []): void {
    if (rule.peers === 'all') {
      target.any.push(value);
      return;
    }
    for (const peer of rule.peers) addPeer(target, policy, peer, value, later);
  }

  function addPeer<T>(target: PeerIndex<T>, policy: PolicyInfo, peer: PeerSpec, value: T, later: PeerClass[]): void {
    if (peer.kind === 'ipBlock') {
      target.ipBlocks.push({ block: blockIds.get(blockKey(peer))!, value });
      return;
    }
    const nss = peer.namespaceSelector ? namespacesMatching(peer.namespaceSelector) : [policy.namespace];
    const wholeNamespaces = !peer.podSelector || isEmptySelector(peer.podSelector);
    if (wholeNamespaces) {
      if (nss === 'all') target.anyPod.push(value);
      else for (const ns of nss) pushTo(target.byNamespace, ns, value);
      return;
    }
    for (const ns of nss === 'all' ? [...byNamespace.keys()] : nss) {
      const list = classesMatching(ns, peer.podSelector!);
      if (sharedLists.has(list)) target.byList.push({ classes: list, value });
      else for (const c of list) pushTo(target.byClass, c.id, value);
    }
    for (const c of later) if (peerNames(policy, peer, c)) pushTo(target.byClass, c.id, value);
  }

  /** Whether a pods peer of `policy` names class `c` by its podSelector (a whole-namespace peer is filed by namespace). */
  function peerNames(policy: PolicyInfo, peer: PeerSpec, c: PeerClass): boolean {
    if (peer.kind !== 'pods' || !peer.podSelector || isEmptySelector(peer.podSelector)) return false;
    // The labels first: most peers name other workloads, and that test is the cheaper one.
    if (!matchesSelector(c.representative.labels, peer.podSelector)) return false;
    if (!peer.namespaceSelector) return c.namespace === policy.namespace;
    const nss = namespacesMatching(peer.namespaceSelector);
    return nss === 'all' || nss.includes(c.namespace);
  }

  // With the ordered engine these indexes serve nothing: built only for NetworkPolicy alone.
  const ingressIndex = (c: PeerClass, later?: PeerClass[]): PeerIndex<ConnSet> | undefined => {
    if (c.ingressPolicies.length === 0 || hasAdmin) return undefined;
    const idx = emptyIndex<ConnSet>();
    // Ingress ports resolve against the destination: this class.
    for (const p of c.ingressPolicies) for (const r of p.ingress) index(idx, p, r, rulePorts(r, c.representative), later);
    return idx;
  };
  const egressIndex = (c: PeerClass, later?: PeerClass[]): PeerIndex<RuleSpec> | undefined => {
    if (c.egressPolicies.length === 0 || hasAdmin) return undefined;
    const idx = emptyIndex<RuleSpec>();
    for (const p of c.egressPolicies) for (const r of p.egress) index(idx, p, r, r, later);
    return idx;
  };
  // A class selected by the very same policies as in the seed keeps the rules filed there (the
  // peers they name are the same classes, by the same ids).
  const baseRules: ClassRules = seed
    ? {
      ingress: classes.map((c) => (sameItems(c.ingressPolicies, seed.classes[c.id].ingressPolicies) ? seed.rules.ingress[c.id] : ingressIndex(c))),
      egress: classes.map((c) => (sameItems(c.egressPolicies, seed.classes[c.id].egressPolicies) ? seed.rules.egress[c.id] : egressIndex(c))),
    }
    : { ingress: classes.map((c) => ingressIndex(c)), egress: classes.map((c) => egressIndex(c)) };

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

  /** Union of what an index admits from a peer class (or, with no class, from an address). */
  function admitted<T>(idx: PeerIndex<T>, peer: PeerClass | undefined, ip: string, value: (v: T) => ConnSet): ConnSet {
    let out = ConnSet.NONE;
    for (const v of idx.any) out = out.union(value(v));
    if (peer) {
      for (const v of idx.anyPod) out = out.union(value(v));
      const ns = idx.byNamespace.get(peer.namespace);
      if (ns) for (const v of ns) out = out.union(value(v));
      const cl = idx.byClass.get(peer.id);
      if (cl) for (const v of cl) out = out.union(value(v));
      for (const l of idx.byList) if (inList(l.classes, peer.id)) out = out.union(value(l.value));
      for (const b of idx.ipBlocks) if (inBlock(peer.representative, b.block)) out = out.union(value(b.value));
    } else {
      for (const b of idx.ipBlocks) if (blockHas(blocks[b.block], ip)) out = out.union(value(b.value));
    }
    return out;
  }

  const identity = (c: ConnSet) => c;

  /** The NetworkPolicy answers between classes filed in `rules` (this computation's, or a rebase's with classes added). */
  function answersOf(rules: ClassRules) {
    const ingressFrom = (dst: PeerClass, src: PeerClass | undefined, ip: string): ConnSet => {
      const idx = rules.ingress[dst.id];
      return idx ? admitted(idx, src, ip, identity) : ConnSet.ALL;
    };
    const egressTo = (src: PeerClass, dst: PeerClass | undefined, ip: string): ConnSet => {
      const idx = rules.egress[src.id];
      if (!idx) return ConnSet.ALL;
      const destination = dst?.representative;
      return admitted(idx, dst, ip, (r) => egressPorts(r, destination));
    };
    const npBetween = (s: PeerClass, d: PeerClass): ConnSet => {
      const e = egressTo(s, d, d.representative.ip);
      if (e.isEmpty()) return e;
      return e.intersect(ingressFrom(d, s, s.representative.ip));
    };
    return { ingressFrom, egressTo, npBetween };
  }
  const baseAnswers = answersOf(baseRules);
  const tiered = hasAdmin ? tieredEngine(cluster, classes, { inBlock, blockIds, namespacesMatching, classesMatching, byNamespace }) : undefined;
  const hasHostNetwork = classes.some((c) => c.hostNetwork);

  /**
   * The answers for `at` (this cluster, or a later one rebased onto these classes). `atClasses`
   * are this computation's classes, with other members after a rebase, then any classes
   * rebases added (filed in `rules`, keyed in `addedKeys`); a pod's class is the one `moved`
   * names for it (pods added since this computation), else the one it was built in.
   * `earlier` holds the counts of the result rebased from, when it had them, and its class sizes
   * (values only: a rebased result keeps no earlier cluster alive); or, after a policy edit, the
   * seed this computation started from, kept until the counts are made from its own.
   */
  function answering(
    at: Cluster, atClasses: PeerClass[], moved: Map<string, number>, rules: ClassRules, addedKeys: Map<string, number>,
    earlier?: { counts: Counts; sizes: Int32Array } | { seed: ClassSeed },
  ): Reachability & Rebasable & Seeded {
    let counted: Counts | undefined;
    let countedBy: CountsMadeBy | undefined;
    const atClassOf = moved.size === 0 ? classOf : (pod: PodInfo): PeerClass => atClasses[moved.get(pod.key) ?? classOf(pod).id];
    const answers = rules === baseRules ? baseAnswers : answersOf(rules);
    const allowedBetween = tiered ? (s: PeerClass, d: PeerClass) => tiered.allowedBetween(s, d) : answers.npBetween;
    /**
     * A pod and an address outside the pod network, in one direction (ingress: from the address
     * to the pod). A hostNetwork pod and the pod's own node are not filtered.
     */
    const withAddress = (direction: 'ingress' | 'egress', pod: PodInfo, ip: string): ConnSet => {
      if (pod.hostNetwork) return ConnSet.ALL;
      if (hasAdmin) return pipelineConns(at, direction, pod, { ip });
      if (at.nodesByName.get(pod.node)?.ip === ip) return ConnSet.ALL;
      return direction === 'ingress' ? answers.ingressFrom(atClassOf(pod), undefined, ip) : answers.egressTo(atClassOf(pod), undefined, ip);
    };
    const result: Reachability & Rebasable & Seeded = {
      cluster: at,
      classes: atClasses,
      classOf: atClassOf,
      allowedBetween,
      allowed(src, dst) {
        if (src.key === dst.key) return ConnSet.ALL;
        if (src.hostNetwork || dst.hostNetwork) {
          // Seen as node addresses, with the own-node exemption: evaluate this pair directly.
          const direct = hasAdmin ? pipelineConns : allowedConns;
          const e = src.hostNetwork ? ConnSet.ALL : direct(at, 'egress', src, peerFor(at, dst.ip));
          return e.intersect(dst.hostNetwork ? ConnSet.ALL : direct(at, 'ingress', dst, peerFor(at, src.ip)));
        }
        return allowedBetween(atClassOf(src), atClassOf(dst));
      },
      fromAddress: (ip, dst) => withAddress('ingress', dst, ip),
      toAddress: (src, ip) => withAddress('egress', src, ip),
      externalAtoms() {
        return atoms(blocks);
      },
      externalAtoms6() {
        return atoms6(blocks);
      },
      countedBy: () => countedBy,
      counts() {
        // All-pairs work: done once per result (a result kept across edits keeps its counts too).
        if (!counted) {
          if (earlier && 'sizes' in earlier) {
            counted = countsAfterRebase(earlier.counts, earlier.sizes, atClasses, allowedBetween);
            countedBy = 'resized classes';
          } else if (earlier) {
            const { seed } = earlier;
            const before = seed.counted();
            if (before) counted = countsAfterPolicyEdit(before, atClasses, seed.rules, rules, seed.allowedBetween, allowedBetween);
            if (counted) countedBy = 'edited classes';
          }
          // The earlier result's rules and counts are not needed any more.
          earlier = undefined;
          if (counted) return counted;
          countedBy = 'all pairs';
          if (tiered) counted = tiered.counts((a, b) => this.allowed(a, b));
          else {
            const inBlockClasses = blocks.map((_, b) => atClasses.filter((c) => !c.hostNetwork && inBlock(c.representative, b)));
            counted = countReach(atClasses, rules.ingress, rules.egress, allowedBetween, (a, b) => this.allowed(a, b), inBlockClasses);
          }
        }
        return counted;
      },
      rebase(next) {
        // The ordered engine and hostNetwork pods read more of a cluster than its classes: those
        // are computed afresh.
        if (hasAdmin || hasHostNetwork) return undefined;
        const diff = podsMoved(at.pods, next.pods);
        if (!diff || diff.added.some((p) => p.hostNetwork)) return undefined;
        // Each class's members after the edit: removed pods leave, added pods join the class
        // their key names, made anew when no class has that key yet.
        const members = new Map<number, PodInfo[]>();
        const membersOf = (c: PeerClass) => {
          let list = members.get(c.id);
          if (!list) members.set(c.id, (list = [...c.pods]));
          return list;
        };
        const nextMoved = new Map(moved);
        for (const p of diff.removed) nextMoved.delete(p.key);
        for (const p of diff.removed) {
          const list = membersOf(atClassOf(p));
          const place = list.indexOf(p);
          // Every pod of the cluster answered for is a member of its class; were one not, start afresh.
          if (place < 0) return undefined;
          list.splice(place, 1);
        }
        const nextKeys = new Map(addedKeys);
        const made: PeerClass[] = [];
        // A class by id as this result has it (the computation's own objects hold its first members).
        const classById = (id: number): PeerClass => (id < atClasses.length ? atClasses[id] : made[id - atClasses.length]);
        for (const p of diff.added) {
          const known = existingClassFor(p);
          let c = known ? classById(known.id) : undefined;
          if (!c) {
            const key = classKeyText(p);
            const id = nextKeys.get(key);
            c = id !== undefined ? classById(id) : undefined;
            if (!c) {
              const namespace = p.namespace;
              const selecting = policies.filter((x) => x.namespace === namespace && matchesSelector(p.labels, x.podSelector));
              c = {
                id: atClasses.length + made.length, namespace, pods: [], representative: p, hostNetwork: false,
                ingressPolicies: selecting.filter((x) => x.affectsIngress), egressPolicies: selecting.filter((x) => x.affectsEgress),
              };
              made.push(c);
              nextKeys.set(key, c.id);
              members.set(c.id, c.pods);
            }
          }
          membersOf(c).push(p);
          nextMoved.set(p.key, c.id);
        }
        // Members in cluster order (key order, checked above), as a fresh computation lists them.
        const nextClasses = [...atClasses, ...made].map((c) => {
          const list = members.get(c.id);
          return list ? { ...c, pods: list.sort(comparePodKeys) } : c;
        });
        const sizes = Int32Array.from(atClasses, (c) => c.pods.length);
        return answering(next, nextClasses, nextMoved, made.length ? rulesWith(rules, atClasses, nextClasses.slice(atClasses.length)) : rules, nextKeys, counted ? { counts: counted, sizes } : undefined);
      },
    };
    // A later policy edit can start from these classes (fresh or rebased); the ordered engine and
    // hostNetwork pods read more of a cluster than its classes (as for a rebase).
    if (!hasAdmin && !hasHostNetwork) {
      result.classSeed = { inputs: inputs.text, built, moved, classes: atClasses, rules, addedKeys, allowedBetween, counted: () => counted };
    }
    return result;
  }

  /**
   * `rules` with classes added: each new class's own rules filed (its peers among all classes,
   * itself and the other new ones included), and each earlier class's rules that name a new
   * class by podSelector filed under it too — in copies, the earlier result's rules untouched.
   */
  function rulesWith(rules: ClassRules, before: PeerClass[], added: PeerClass[]): ClassRules {
    const later = [...before.slice(classes.length), ...added];
    const ingress = [...rules.ingress];
    const egress = [...rules.egress];
    for (const c of before) {
      // What a rule allows, as the class's index files it (ingress ports resolved against the class).
      fileUnderAdded(ingress, c, c.ingressPolicies, (p) => p.ingress, (r) => rulePorts(r, c.representative), added);
      fileUnderAdded(egress, c, c.egressPolicies, (p) => p.egress, (r) => r, added);
    }
    for (const c of added) {
      ingress[c.id] = ingressIndex(c, later);
      egress[c.id] = egressIndex(c, later);
    }
    return { ingress, egress };
  }

  /** Files each rule of class `c` that names an added class under that class, in a copy of `c`'s index. */
  function fileUnderAdded<T>(
    list: (PeerIndex<T> | undefined)[], c: PeerClass, selecting: PolicyInfo[], rulesOf: (p: PolicyInfo) => RuleSpec[], valueOf: (r: RuleSpec) => T, added: PeerClass[],
  ): void {
    const idx = list[c.id];
    if (!idx) return;
    let copy: PeerIndex<T> | undefined;
    for (const p of selecting) {
      for (const r of rulesOf(p)) {
        if (r.peers === 'all') continue;
        for (const peer of r.peers) {
          for (const n of added) {
            if (!peerNames(p, peer, n)) continue;
            copy ??= { ...idx, byClass: new Map(idx.byClass) };
            copy.byClass.set(n.id, [...(copy.byClass.get(n.id) ?? []), valueOf(r)]);
          }
        }
      }
    }
    if (copy) list[c.id] = copy;
  }

  // Pods placed and classes made by rebases on the seed's way here stay where they are. The seed
  // itself is kept (until the counts are made) only when its counts are there to start from: a
  // result never holds a chain of earlier ones.
  return answering(cluster, classes, new Map(seed?.moved), baseRules, new Map(seed?.addedKeys), seed?.counted() ? { seed } : undefined);
}

/** Per class id, what its ingress and egress rules admit and from where. */
interface ClassRules {
  ingress: (PeerIndex<ConnSet> | undefined)[];
  egress: (PeerIndex<RuleSpec> | undefined)[];
}

type Counts = { reachedBy: Float64Array; reaches: Float64Array };

/** What a result offers for an edit that moved pods only (see `rebaseReachability`). */
interface Rebasable {
  /** This result for `next`, when only its pods differ and every pod new in it falls in a class this result has. */
  rebase(next: Cluster): (Reachability & Rebasable) | undefined;
  countedBy(): CountsMadeBy | undefined;
}

/**
 * How a result's counts were made: every pair of classes walked, an earlier result's counts
 * moved by the classes a pod edit resized (or added), or by the rows and columns of the classes
 * a policy edit gave other rules.
 */
export type CountsMadeBy = 'all pairs' | 'resized classes' | 'edited classes';

/** How `r`'s counts were made; undefined before they are asked for (or for a result not made here). */
export function countsMadeBy(r: Reachability): CountsMadeBy | undefined {
  return (r as Partial<Rebasable>).countedBy?.();
}

/** What a fresh computation over NetworkPolicies alone keeps for the next one after a policy edit (see `reachabilityAfterPolicyEdit`). */
interface Seeded {
  classSeed?: ClassSeed;
}

interface ClassSeed {
  /** Its `PartitionInputs` text: a later computation takes the classes over only when its own is the same. */
  inputs: string;
  /** The first computation's classes of pods (the result may be a rebase of it). */
  built: BuiltClasses;
  /** The classes as this result has them (members moved by rebases, classes they added), with the policies that select each. */
  classes: PeerClass[];
  /** Pod key → class id of the pods rebases placed (the others are in `built`'s classes by id). */
  moved: ReadonlyMap<string, number>;
  /** Key text → id of the classes rebases added. */
  addedKeys: ReadonlyMap<string, number>;
  rules: ClassRules;
  allowedBetween(s: PeerClass, d: PeerClass): ConnSet;
  counted(): Counts | undefined;
}

/**
 * A result computed for an earlier cluster, carried over to `cluster` when the two differ only in
 * their pods (every other input of reachability the same: see `sameReachabilityInputs`) and every
 * pod new in `cluster` falls in a class the earlier result has: the classes keep their rules and
 * peers, only their members change, and the counts follow by the change in each class's size.
 * Undefined when that does not hold (a new class, hostNetwork pods, admin or Calico policies):
 * then reachability is computed afresh.
 */
export function rebaseReachability(previous: Reachability, cluster: Cluster): Reachability | undefined {
  const r = previous as Partial<Rebasable>;
  return r.rebase?.(cluster);
}

/**
 * The pods `after` has that `before` has not, and the reverse, when both lists are in key order
 * (the order a build keeps); undefined when one is not.
 */
function podsMoved(before: readonly PodInfo[], after: readonly PodInfo[]): { removed: PodInfo[]; added: PodInfo[] } | undefined {
  // A build that made `after` from `before` said what changed (both lists in key order).
  const known = podChangesOf(after);
  if (known && known.from === before) return known;
  if (!inPodKeyOrder(before) || !inPodKeyOrder(after)) return undefined;
  const removed: PodInfo[] = [];
  const added: PodInfo[] = [];
  diffInKeyOrder(before, after, (p) => removed.push(p), (p) => added.push(p));
  return { removed, added };
}

/**
 * Counts after a rebase: the same rules between the classes there were, some of them resized,
 * and maybe classes added. A class's `reachedBy` is the sum of the sizes of the classes that
 * reach it (less one for itself when it reaches itself), `reaches` the same the other way; so a
 * class grown or shrunk by δ adds δ to the counts of every class it reaches and every class
 * reaching it, and an added class is counted in full, then adds its size to the classes it
 * reaches and is reached by — rows of class pairs per class changed, not the all-pairs walk.
 */
function countsAfterRebase(
  before: { reachedBy: Float64Array; reaches: Float64Array },
  was: Int32Array, now: PeerClass[],
  allowedBetween: (s: PeerClass, d: PeerClass) => ConnSet,
): { reachedBy: Float64Array; reaches: Float64Array } {
  const old = now.slice(0, was.length);
  const added = now.slice(was.length);
  const resized: [PeerClass, number][] = [];
  for (let i = 0; i < old.length; i++) if (old[i].pods.length !== was[i]) resized.push([old[i], old[i].pods.length - was[i]]);
  if (resized.length === 0 && added.length === 0) return before;
  const reachedBy = new Float64Array(now.length);
  const reaches = new Float64Array(now.length);
  reachedBy.set(before.reachedBy);
  reaches.set(before.reaches);
  const regular = (c: PeerClass) => !c.hostNetwork;
  for (const [c, delta] of resized) {
    for (const d of old) {
      if (!regular(d)) continue;
      if (!allowedBetween(c, d).isEmpty()) reachedBy[d.id] += delta;
      if (!allowedBetween(d, c).isEmpty()) reaches[d.id] += delta;
    }
  }
  for (const n of added) {
    const size = n.pods.length;
    for (const d of now) {
      if (!regular(d)) continue;
      const into = !allowedBetween(d, n).isEmpty();
      const out = !allowedBetween(n, d).isEmpty();
      if (d === n) {
        if (into) {
          reachedBy[n.id] += size - 1;
          reaches[n.id] += size - 1;
        }
        continue;
      }
      if (into) reachedBy[n.id] += d.pods.length;
      if (out) reaches[n.id] += d.pods.length;
      // An earlier class gains the added class as a peer; two added classes count each other above.
      if (d.id < was.length) {
        if (out) reachedBy[d.id] += size;
        if (into) reaches[d.id] += size;
      }
    }
  }
  return { reachedBy, reaches };
}

/**
 * Counts after a policy edit that kept the classes: a pair of classes can answer differently
 * only if the destination's ingress rules or the source's egress rules were filed anew, so only
 * those columns and rows are walked, each pair asked before (`was`) and after (`now`) the edit.
 * Undefined when the edit touched so many classes that the all-pairs walk is the cheaper one.
 */
function countsAfterPolicyEdit(
  before: Counts, classes: PeerClass[], wasRules: ClassRules, nowRules: ClassRules,
  was: (s: PeerClass, d: PeerClass) => ConnSet, now: (s: PeerClass, d: PeerClass) => ConnSet,
): Counts | undefined {
  const ingressChanged = new Uint8Array(classes.length);
  const intoChanged: PeerClass[] = [];
  const fromChanged: PeerClass[] = [];
  for (const c of classes) {
    if (nowRules.ingress[c.id] !== wasRules.ingress[c.id]) {
      ingressChanged[c.id] = 1;
      intoChanged.push(c);
    }
    if (nowRules.egress[c.id] !== wasRules.egress[c.id]) fromChanged.push(c);
  }
  if (intoChanged.length === 0 && fromChanged.length === 0) return before;
  // Each changed class costs two walks of every class: past a quarter, countReach is cheaper.
  if ((intoChanged.length + fromChanged.length) * 4 > classes.length) return undefined;
  const reachedBy = Float64Array.from(before.reachedBy);
  const reaches = Float64Array.from(before.reaches);
  const pair = (s: PeerClass, d: PeerClass) => {
    const reached = !now(s, d).isEmpty();
    if (reached === !was(s, d).isEmpty()) return;
    const sign = reached ? 1 : -1;
    // A pod never counts itself (as countReach).
    reachedBy[d.id] += sign * (s === d ? d.pods.length - 1 : s.pods.length);
    reaches[s.id] += sign * (s === d ? d.pods.length - 1 : d.pods.length);
  };
  for (const d of intoChanged) for (const s of classes) pair(s, d);
  for (const s of fromChanged) for (const d of classes) if (!ingressChanged[d.id]) pair(s, d);
  return { reachedBy, reaches };
}

/**
 * All-pairs counts over classes. Sources without egress policies accept any destination, so for
 * a destination whose ingress is open (or admits every pod) they are counted in one step; only
 * egress-isolated sources and the peers a rule names are visited one by one.
 */
function countReach(
  classes: PeerClass[],
  ingress: (PeerIndex<ConnSet> | undefined)[],
  egress: (PeerIndex<RuleSpec> | undefined)[],
  allowedBetween: (s: PeerClass, d: PeerClass) => ConnSet,
  allowedPods: (s: PodInfo, d: PodInfo) => ConnSet,
  inBlockClasses: PeerClass[][],
): { reachedBy: Float64Array; reaches: Float64Array } {
  const reachedBy = new Float64Array(classes.length);
  const reaches = new Float64Array(classes.length);
  const pods = (c: PeerClass) => c.pods.length;
  const regular = classes.filter((c) => !c.hostNetwork);
  const open = regular.filter((c) => !egress[c.id]);
  const isolated = regular.filter((c) => egress[c.id]);
  const openPods = open.reduce((n, c) => n + pods(c), 0);
  const byNamespace = new Map<string, PeerClass[]>();
  for (const c of regular) pushTo(byNamespace, c.namespace, c);
  let toEveryOpen = 0;
  /** stamp[c] === d.id: source class c was already counted for destination d. */
  const stamp = new Int32Array(classes.length).fill(-1);
  const pair = (s: PeerClass, d: PeerClass) => {
    if (allowedBetween(s, d).isEmpty()) return;
    reachedBy[d.id] += s === d ? pods(d) - 1 : pods(s);
    reaches[s.id] += s === d ? pods(d) - 1 : pods(d);
  };
  for (const d of regular) {
    const idx = ingress[d.id];
    let wildcard = ConnSet.NONE;
    if (idx) {
      for (const c of idx.any) wildcard = wildcard.union(c);
      for (const c of idx.anyPod) wildcard = wildcard.union(c);
    }
    if (!idx || !wildcard.isEmpty()) {
      // Every egress-open source reaches d.
      reachedBy[d.id] += openPods - (egress[d.id] ? 0 : 1);
      toEveryOpen += pods(d);
      if (!egress[d.id]) reaches[d.id] -= 1;
      for (const s of isolated) pair(s, d);
      continue;
    }
    // Only the peers d's rules name can reach it. An egress-open source needs just one
    // non-empty entry; an egress-isolated one needs its own egress to agree (checked in full).
    const namesNonEmpty = (list: ConnSet[] | undefined) => !!list && list.some((c) => !c.isEmpty());
    const visit = (s: PeerClass, viaNonEmpty: boolean) => {
      if (stamp[s.id] === d.id) return;
      if (egress[s.id]) {
        stamp[s.id] = d.id;
        pair(s, d);
      } else if (viaNonEmpty) {
        stamp[s.id] = d.id;
        reachedBy[d.id] += s === d ? pods(d) - 1 : pods(s);
        reaches[s.id] += s === d ? pods(d) - 1 : pods(d);
      }
    };
    for (const [ns, list] of idx.byNamespace) {
      const nonEmpty = namesNonEmpty(list);
      for (const c of byNamespace.get(ns) ?? []) visit(c, nonEmpty);
    }
    for (const [id, list] of idx.byClass) visit(classes[id], namesNonEmpty(list));
    // A class in several lists is visited once per list: it is counted on the first that admits something.
    for (const l of idx.byList) {
      const nonEmpty = !l.value.isEmpty();
      for (const c of l.classes) visit(classes[c.id], nonEmpty);
    }
    for (const { block, value } of idx.ipBlocks) for (const c of inBlockClasses[block]) visit(c, !value.isEmpty());
  }
  for (const c of open) reaches[c.id] += toEveryOpen;
  countHostNetwork(classes, allowedPods, reachedBy, reaches);
  return { reachedBy, reaches };
}

function emptyIndex<T>(): PeerIndex<T> {
  return { any: [], anyPod: [], byNamespace: new Map(), byClass: new Map(), byList: [], ipBlocks: [] };
}

/** Splits 0.0.0.0–255.255.255.255 at every ipBlock and except boundary. */
function atoms(blocks: IpBlock[]): [number, number][] {
  const cuts = new Set<number>([0]);
  for (const b of blocks) {
    for (const c of [b.cidr, ...b.except]) {
      if (c.family === 6) continue;
      cuts.add(c.base);
      const end = c.base + 2 ** (32 - c.prefix);
      if (end <= 0xffffffff) cuts.add(end);
    }
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  return sorted.map((start, i) => [start, i + 1 < sorted.length ? sorted[i + 1] - 1 : 0xffffffff]);
}

const MAX_V6 = (1n << 128n) - 1n;

/** Splits ::–ffff:…:ffff at every IPv6 ipBlock and except boundary. */
function atoms6(blocks: IpBlock[]): [bigint, bigint][] {
  const cuts = new Set<bigint>([0n]);
  for (const b of blocks) {
    for (const c of [b.cidr, ...b.except]) {
      if (c.family !== 6) continue;
      const start = mask6(c.base6!, c.prefix);
      cuts.add(start);
      const end = start + (1n << BigInt(128 - c.prefix));
      if (end <= MAX_V6) cuts.add(end);
    }
  }
  const sorted = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.map((start, i) => [start, i + 1 < sorted.length ? sorted[i + 1] - 1n : MAX_V6]);
}

/**
 * A result computed for an earlier cluster, answering for `cluster`: valid only when both have
 * the same `reachabilityInputs` (reachability-inputs.ts), since the engine still reads the
 * earlier cluster. Pods are looked up by key, so the new cluster's pods can be asked about;
 * `cluster` is what views that list pods (the connectivity list, the matrix) walk.
 */
export function reachabilityReusedFor(previous: Reachability, cluster: Cluster): Reachability {
  return { ...previous, cluster };
}
