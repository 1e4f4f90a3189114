import { Cluster, PodInfo } from '../cluster/model';
import { isEmptySelector, matchesSelector } from '../cluster/labels';
import { LabelSelector } from '../manifest/types';
import { AdminPeerSpec, AdminPolicyInfo, AdminRuleSpec, adminPeerMatches, adminPoliciesOf, adminRulePorts } from './anp';
import { cidrContains, ipToInt } from '../common/ip';
import { CalicoEntity, CalicoPolicyInfo, CalicoRuleSpec, calicoRulePorts, calicoSelects, addedEndpointLabels, entityMatches, localSideMatches, remoteSide } from './calico';
import { requiredPairs } from './calico-selector';
import { ConnIds } from './conn-ids';
import { ContentMap } from './content-map';
import { ConnSet } from './connset';
import { IntArena } from './int-arena';
import { PeerCells } from './peer-cells';
import { SequenceMap } from './sequence-map';
import { FlowStates, StageAction } from './flow-states';
import { PeerSpec, PolicyInfo, RuleSpec, rulePorts } from './model';
import { countPairs, spreadRow } from './pair-counts';
import { pipelineStages, tierMembers } from './pipeline';
import type { PeerClass } from './reachability';

/**
 * The whole policy pipeline (AdminNetworkPolicy, Calico tiers with NetworkPolicy in the default
 * tier, the baseline) over equivalence classes. Every policy's rule becomes an ordered rule with
 * an action, the set of peer classes it matches and its ports; a stage is a run of such rules
 * with what happens at its end (Pass on, or Deny). NetworkPolicy fits as the default tier: its
 * rules Allow, and a pod it selects is denied at the tier's end.
 *
 * Everything is integers: connection sets are ConnIds, and what the stages decided so far about
 * a peer is a FlowStates id, so stepping a peer through a rule, ending a stage or composing two
 * stages is one table lookup. For one class and direction, each stage that applies is evaluated
 * for every peer at once (each rule steps only the cells of peers it matches, see PeerCells) and
 * the result is shared by every class facing the same rules (all classes of a namespace under
 * the same AdminNetworkPolicies, say) or coming to the same verdicts; a class's row is the
 * composition of its stages, shared too when the stages are the same. The all-pairs count
 * (pair-counts.ts) then meets egress and ingress answers, row by row where rows are shared.
 */

interface CompiledRule {
  /** Numbers the rules compiled in one engine. */
  id: number;
  action: StageAction;
  /** The peer classes it matches, as the interned lists the selectors gave (a class may appear twice: applying a rule again changes nothing). */
  peers: PeerLists;
  /** FlowStates.ruleKey of its action and ports; -1 when named ports make them depend on the destination. */
  key: number;
  /** Ports resolved on a destination, for rules with named ports. */
  portsFor?: (destination: PodInfo) => ConnSet;
  /** ruleKey by destination named-port kind (-1: not resolved yet). */
  byNamedKind?: Int32Array;
}

interface StagePlan {
  rules: CompiledRule[];
  end: 'Deny' | 'Pass';
}

export interface ClassHelpers {
  inBlock(pod: PodInfo, block: number): boolean;
  blockIds: Map<string, number>;
  namespacesMatching(sel: LabelSelector): string[] | 'all';
  classesMatching(ns: string, sel: LabelSelector): PeerClass[];
  byNamespace: Map<string, PeerClass[]>;
}

export interface TieredEngine {
  allowedBetween(s: PeerClass, d: PeerClass): ConnSet;
  counts(allowedPods: (s: PodInfo, d: PodInfo) => ConnSet): { reachedBy: Float64Array; reaches: Float64Array };
}

type Dir = 'ingress' | 'egress';
/**
 * A list of peer classes as their ids, interned by content: equal lists are one object with one
 * `id`, so two stages whose rules name the same lists are recognised as the same stage.
 */
interface PeerList { id: number; classes: Int32Array }
type PeerLists = readonly PeerList[];

export function tieredEngine(cluster: Cluster, classes: PeerClass[], h: ClassHelpers): TieredEngine {
  const n = classes.length;
  const regular = classes.filter((c) => !c.hostNetwork);
  const regularIds = Int32Array.from(regular, (c) => c.id);
  const admin = adminPoliciesOf(cluster);
  const stages = pipelineStages(cluster);
  const conns = new ConnIds();
  const flows = new FlowStates(conns);
  const ALL = ConnIds.ALL;

  // Label pair → classes, across namespaces, to narrow Calico selector candidates. The labels
  // are those Calico selectors see: the pod's own plus the ones Calico adds to every workload
  // endpoint (projectcalico.org/namespace, /orchestrator), or a selector on those matched nothing.
  // Nested by key, then value: no joined text per label.
  const byPair = new Map<string, Map<string, PeerClass[]>>();
  const filePair = (k: string, v: string, c: PeerClass): void => {
    let byValue = byPair.get(k);
    if (!byValue) byPair.set(k, (byValue = new Map()));
    const l = byValue.get(v);
    if (l) l.push(c);
    else byValue.set(v, [c]);
  };
  const withPair = (k: string, v: string): PeerClass[] => byPair.get(k)?.get(v) ?? [];
  for (const c of regular) {
    // endpointLabels, without making the merged object.
    const added = addedEndpointLabels(c.representative);
    const labels = c.representative.labels;
    for (const k in labels) if (!(k in added)) filePair(k, labels[k], c);
    for (const k in added) filePair(k, added[k], c);
  }
  /** Class lists by content, and by the array a selector lookup returned (most are memoized arrays met again). */
  const listsByContent = new ContentMap<PeerList>();
  const listsByArray = new Map<readonly PeerClass[], PeerList>();
  const listIds = new Int32Array(n);
  const listOf = (l: readonly PeerClass[]): PeerList => {
    let p = listsByArray.get(l);
    if (p) return p;
    for (let i = 0; i < l.length; i++) listIds[i] = l[i].id;
    p = listsByContent.get(listIds, l.length);
    if (!p) listsByContent.set(listIds, (p = { id: listsByContent.size, classes: listIds.slice(0, l.length) }), l.length);
    listsByArray.set(l, p);
    return p;
  };
  const everyPeer: PeerLists = [listOf(regular)];
  const namespaceNames = [...h.byNamespace.keys()];

  const matchMemo = new Map<string, PeerLists>();
  const memoMatch = (key: string, compute: () => PeerLists) => {
    let v = matchMemo.get(key);
    if (!v) matchMemo.set(key, (v = compute()));
    return v;
  };

  const nsLabels = new Map<string, Record<string, string>>();
  for (const ns of h.byNamespace.keys()) nsLabels.set(ns, cluster.namespaces.get(ns)?.labels ?? { 'kubernetes.io/metadata.name': ns });
  // Addresses parsed once per class: IPv4 as a number, IPv6 as text (cidrContains takes both).
  const classAddr: (number | string)[] = classes.map((c) => addressOf(c.representative.ip));
  /** The classes an admin peer matches, namespace by namespace through the label index (as adminPeerMatches decides). */
  const adminPeerClasses = (spec: AdminPeerSpec): readonly PeerClass[][] => {
    switch (spec.kind) {
      case 'namespaces':
        return namespaceNames.filter((ns) => matchesSelector(nsLabels.get(ns)!, spec.namespaces)).map((ns) => h.byNamespace.get(ns)!);
      case 'pods':
        return namespaceNames.filter((ns) => matchesSelector(nsLabels.get(ns)!, spec.namespaceSelector)).map((ns) => (isEmptySelector(spec.podSelector) ? h.byNamespace.get(ns)! : h.classesMatching(ns, spec.podSelector)));
      case 'networks':
        return [regular.filter((c) => spec.cidrs.some((b) => cidrContains(b, classAddr[c.id])))];
      case 'nodes':
        return [regular.filter((c) => adminPeerMatches(cluster, spec, { ip: c.representative.ip, pod: c.representative }))];
    }
  };
  const adminMatch = (rule: AdminRuleSpec) => memoMatch(`a${keyText(rule.peers.map((p) => ({ ...p, path: undefined })))}`, () => rule.peers.flatMap(adminPeerClasses).filter((l) => l.length > 0).map(listOf));

  const blockMemo = new Map<number, PeerClass[]>();
  /** Adds the class lists an NetworkPolicy peer matches to `out`. */
  const npPeerClasses = (policy: PolicyInfo, peer: PeerSpec, out: PeerList[]): void => {
    if (peer.kind === 'ipBlock') {
      const b = h.blockIds.get(`${peer.cidr.text}-${peer.except.map((e) => e.text).sort().join(',')}`);
      if (b === undefined) return;
      let l = blockMemo.get(b);
      if (!l) blockMemo.set(b, (l = regular.filter((c) => h.inBlock(c.representative, b))));
      if (l.length) out.push(listOf(l));
      return;
    }
    const nss = peer.namespaceSelector ? h.namespacesMatching(peer.namespaceSelector) : [policy.namespace];
    const names = nss === 'all' ? namespaceNames : nss;
    const whole = !peer.podSelector || isEmptySelector(peer.podSelector);
    for (const ns of names) {
      const l = whole ? h.byNamespace.get(ns) : h.classesMatching(ns, peer.podSelector!);
      if (l && l.length) out.push(listOf(l));
    }
  };
  const npMatch = (policy: PolicyInfo, rule: RuleSpec): PeerLists => {
    if (rule.peers === 'all') return everyPeer;
    const out: PeerList[] = [];
    for (const p of rule.peers) npPeerClasses(policy, p, out);
    return out;
  };

  const calicoMatch = (p: CalicoPolicyInfo, e: CalicoEntity): PeerLists => {
    if (e.anyPeer && !e.notNets && !e.notSelector) return everyPeer;
    return memoMatch(`c${p.namespace ?? ''}\u0000${keyText(e)}`, () => {
      let candidates: PeerClass[] = regular;
      if (e.selector) {
        for (const [k, v] of requiredPairs(e.selector)) {
          const l = withPair(k, v);
          if (l.length < candidates.length) candidates = l;
        }
      }
      const matched = candidates.filter((c) => entityMatches(cluster, p, e, c.representative, classAddr[c.id]));
      return matched.length ? [listOf(matched)] : [];
    });
  };

  // Named ports that any rule resolves, per class: peers with different ones may get different ports.
  const namedKind = new Int32Array(n);
  const namedKindPod: PodInfo[] = [];
  {
    const kinds = new Map<string, number>();
    // Pods that share their containers (replicas of one workload) share their ports.
    const byContainers = new Map<unknown, string>();
    for (const c of classes) {
      let k = byContainers.get(c.representative.containers);
      if (k === undefined) byContainers.set(c.representative.containers, (k = c.representative.ports.map((p) => `${p.name}/${p.protocol}=${p.containerPort}`).sort().join(',')));
      let id = kinds.get(k);
      if (id === undefined) {
        kinds.set(k, (id = kinds.size));
        namedKindPod.push(c.representative);
      }
      namedKind[c.id] = id;
    }
  }
  let compiledCount = 0;
  const compile = (action: StageAction, peers: PeerLists, named: boolean, ports: (d: PodInfo | undefined) => ConnSet): CompiledRule =>
    named
      ? { id: compiledCount++, action, peers, key: -1, portsFor: ports, byNamedKind: new Int32Array(namedKindPod.length).fill(-1) }
      : { id: compiledCount++, action, peers, key: flows.ruleKey(action, conns.id(ports(undefined))) };
  /** A rule's key towards destinations of one named-port kind. */
  const keyFor = (r: CompiledRule, kind: number): number => {
    if (r.key >= 0) return r.key;
    let k = r.byNamedKind![kind];
    if (k < 0) k = r.byNamedKind![kind] = flows.ruleKey(r.action, conns.id(r.portsFor!(namedKindPod[kind])));
    return k;
  };

  const compiledAdmin = new Map<AdminRuleSpec, CompiledRule>();
  const fromAdmin = (rule: AdminRuleSpec): CompiledRule => {
    let c = compiledAdmin.get(rule);
    if (!c) compiledAdmin.set(rule, (c = compile(rule.action, adminMatch(rule), adminRuleNamed(rule), (d) => adminRulePorts(rule, d))));
    return c;
  };
  const compiledNp = new Map<RuleSpec, CompiledRule>();
  const fromNp = (policy: PolicyInfo, rule: RuleSpec): CompiledRule => {
    let c = compiledNp.get(rule);
    if (!c) compiledNp.set(rule, (c = compile('Allow', npMatch(policy, rule), npRuleNamed(rule), (d) => rulePorts(rule, d))));
    return c;
  };
  const compiledCalico: Record<Dir, Map<CalicoRuleSpec, CompiledRule>> = { ingress: new Map(), egress: new Map() };
  const fromCalico = (p: CalicoPolicyInfo, rule: CalicoRuleSpec, dir: Dir): CompiledRule => {
    let c = compiledCalico[dir].get(rule);
    if (!c) compiledCalico[dir].set(rule, (c = compile(rule.action as StageAction, calicoMatch(p, remoteSide(rule, dir)), calicoRuleNamed(rule), (d) => calicoRulePorts(rule, d))));
    return c;
  };

  /**
   * Who each admin policy applies to, inverted once into per-class lists: which
   * AdminNetworkPolicies (by position in priority order) select a class in each direction, and
   * whether the baseline does. Host-networked pods are never subjects (and are in no list here).
   */
  const subjectClasses = (p: AdminPolicyInfo): readonly PeerClass[][] => {
    const s = p.subject;
    if (s.namespaces) return adminPeerClasses({ kind: 'namespaces', namespaces: s.namespaces, path: [] });
    if (s.pods) return adminPeerClasses({ kind: 'pods', namespaceSelector: s.pods.namespaceSelector, podSelector: s.pods.podSelector, path: [] });
    return [];
  };
  const anpsOf: Record<Dir, number[][]> = { ingress: classes.map(() => []), egress: classes.map(() => []) };
  const banpSelects: Record<Dir, Uint8Array> = { ingress: new Uint8Array(n), egress: new Uint8Array(n) };
  {
    const stamp = new Int32Array(n).fill(-1);
    admin.anps.forEach((p, i) => {
      for (const list of subjectClasses(p)) for (const c of list) {
        // A class listed twice (overlapping selectors) is selected once.
        if (stamp[c.id] === i) continue;
        stamp[c.id] = i;
        if (p.ingress.length) anpsOf.ingress[c.id].push(i);
        if (p.egress.length) anpsOf.egress[c.id].push(i);
      }
    });
    const banp = admin.banp;
    if (banp) for (const list of subjectClasses(banp)) for (const c of list) {
      if (banp.ingress.length) banpSelects.ingress[c.id] = 1;
      if (banp.egress.length) banpSelects.egress[c.id] = 1;
    }
  }
  const anpNamed: Record<Dir, boolean[]> = {
    ingress: admin.anps.map((p) => p.ingress.some(adminRuleNamed)),
    egress: admin.anps.map((p) => p.egress.some(adminRuleNamed)),
  };

  /** The classes each Calico policy applies to (selector and namespace; the direction is checked by its types). */
  const calicoSubjects = new Map<CalicoPolicyInfo, PeerClass[]>();
  const calicoSubject = (p: CalicoPolicyInfo): PeerClass[] => {
    let m = calicoSubjects.get(p);
    if (!m) {
      let candidates: PeerClass[] = p.namespace !== undefined ? h.byNamespace.get(p.namespace) ?? [] : regular;
      for (const [k, v] of requiredPairs(p.selector)) {
        const l = withPair(k, v);
        if (l.length < candidates.length) candidates = l;
      }
      m = candidates.filter((c) => calicoSelects(cluster, p, c.representative));
      calicoSubjects.set(p, m);
    }
    return m;
  };
  /**
   * A Calico policy's rules in one direction, each with the classes its local side holds for
   * (undefined: the local side names nothing, so every class); Log rules only record and drop out.
   */
  interface CalicoRules { policy: CalicoPolicyInfo; rules: CalicoRuleSpec[]; local: (Uint8Array | undefined)[]; named: boolean }
  const calicoRulesMemo: Record<Dir, Map<CalicoPolicyInfo, CalicoRules>> = { ingress: new Map(), egress: new Map() };
  const calicoRulesOf = (p: CalicoPolicyInfo, dir: Dir): CalicoRules => {
    let r = calicoRulesMemo[dir].get(p);
    if (!r) {
      const rules = (dir === 'ingress' ? p.ingress : p.egress).filter((x) => x.action !== 'Log');
      const local = rules.map((x) => {
        const e = dir === 'ingress' ? x.destination : x.source;
        if (!e.selector && !e.notSelector && !e.namespaceSelector && !e.nets && !e.notNets) return undefined;
        const m = new Uint8Array(n);
        for (const c of regular) if (localSideMatches(cluster, p, x, dir, c.representative)) m[c.id] = 1;
        return m;
      });
      calicoRulesMemo[dir].set(p, (r = { policy: p, rules, local, named: rules.some(calicoRuleNamed) }));
    }
    return r;
  };
  const npIds = new Map<PolicyInfo, number>();
  const npId = (p: PolicyInfo): number => {
    let i = npIds.get(p);
    if (i === undefined) npIds.set(p, (i = npIds.size));
    return i;
  };
  const npNamed: Record<Dir, Map<PolicyInfo, boolean>> = { ingress: new Map(), egress: new Map() };
  const npIsNamed = (p: PolicyInfo, dir: Dir): boolean => {
    let v = npNamed[dir].get(p);
    if (v === undefined) npNamed[dir].set(p, (v = (dir === 'ingress' ? p.ingress : p.egress).some(npRuleNamed)));
    return v;
  };
  const tierMemberLists = stages.map((s) => (s.kind === 'tier' ? tierMembers(s.tier) : []));
  /** Per tier stage and direction, for each class, the positions of the tier's members that apply to it, in order. */
  const applyingMembers = stages.map((s, si) => {
    if (s.kind !== 'tier') return undefined;
    const lists: Record<Dir, number[][]> = { ingress: classes.map(() => []), egress: classes.map(() => []) };
    tierMemberLists[si].forEach((m, j) => {
      if (m === 'k8s') {
        for (const c of regular) {
          if (c.ingressPolicies.length) lists.ingress[c.id].push(j);
          if (c.egressPolicies.length) lists.egress[c.id].push(j);
        }
        return;
      }
      if (!m.affectsIngress && !m.affectsEgress) return;
      for (const c of calicoSubject(m)) {
        if (m.affectsIngress) lists.ingress[c.id].push(j);
        if (m.affectsEgress) lists.egress[c.id].push(j);
      }
    });
    return lists;
  });

  /**
   * The stages that apply to a class in one direction: for each, a key (a sequence of numbers,
   * see stageKeys) that is equal exactly when two classes face the same rules (so the stage is
   * evaluated once for all of them), and how to list its rules when that key is new. Ingress
   * ports resolve on the class itself, so with named ports in the stage its named-port kind is
   * part of the key.
   */
  const KEY = { admin: -1, baseline: -2, tier: -3, k8s: -4, calico: -5, end: -6 } as const;
  const stagesOf = (x: PeerClass, dir: Dir): { key: number[]; plan: () => StagePlan }[] => {
    const out: { key: number[]; plan: () => StagePlan }[] = [];
    const nk = dir === 'ingress' ? namedKind[x.id] : -1;
    for (let si = 0; si < stages.length; si++) {
      const stage = stages[si];
      if (stage.kind === 'admin') {
        const sel = anpsOf[dir][x.id];
        if (!sel.length) continue;
        const named = sel.some((i) => anpNamed[dir][i]);
        out.push({
          key: [si, KEY.admin, ...sel, KEY.end, named ? nk : -1],
          plan: () => ({ rules: sel.flatMap((i) => (dir === 'ingress' ? admin.anps[i].ingress : admin.anps[i].egress).map(fromAdmin)), end: 'Pass' }),
        });
        continue;
      }
      if (stage.kind === 'baseline') {
        const banp = admin.banp;
        if (!banp || !banpSelects[dir][x.id]) continue;
        const rules = dir === 'ingress' ? banp.ingress : banp.egress;
        out.push({ key: [si, KEY.baseline, rules.some(adminRuleNamed) ? nk : -1], plan: () => ({ rules: rules.map(fromAdmin), end: 'Pass' }) });
        continue;
      }
      const nps = dir === 'ingress' ? x.ingressPolicies : x.egressPolicies;
      const key: number[] = [si, KEY.tier];
      const members: (CalicoRules | 'k8s')[] = [];
      let named = false;
      const memberList = tierMemberLists[si];
      for (const j of applyingMembers[si]![dir][x.id]) {
        const m = memberList[j];
        if (m === 'k8s') {
          members.push(m);
          key.push(KEY.k8s);
          for (const p of nps) {
            key.push(npId(p));
            named ||= npIsNamed(p, dir);
          }
          key.push(KEY.end);
          continue;
        }
        const cr = calicoRulesOf(m, dir);
        members.push(cr);
        named ||= cr.named;
        // Rules whose local side excludes this class never match here: which ones do is part of the key.
        key.push(KEY.calico, j);
        for (const l of cr.local) if (l) key.push(l[x.id]);
        key.push(KEY.end);
      }
      if (!members.length) continue;
      key.push(named ? nk : -1);
      out.push({
        key,
        plan: () => {
          const rules: CompiledRule[] = [];
          for (const m of members) {
            if (m === 'k8s') {
              for (const p of nps) for (const r of dir === 'ingress' ? p.ingress : p.egress) rules.push(fromNp(p, r));
              continue;
            }
            m.rules.forEach((r, i) => {
              const l = m.local[i];
              if (!l || l[x.id] === 1) rules.push(fromCalico(m.policy, r, dir));
            });
          }
          return { rules, end: stage.tier.defaultAction };
        },
      });
    }
    return out;
  };

  /**
   * One stage for one class, for every peer at once. Most peers match none of the stage's rules
   * and share one verdict (`base`); only the peers some rule names are stepped, rule by rule in
   * order, from "everything undecided", and listed with their own verdict. Stages with the same
   * key share the result.
   */
  interface Sparse { base: number; peers: Int32Array; values: Int32Array }
  interface StageVerdict { id: number; verdicts: Sparse }
  const stageVerdicts: Record<Dir, SequenceMap<StageVerdict>> = { ingress: new SequenceMap(), egress: new SequenceMap() };
  /**
   * Different policies often come down to the same stage: each class's own NetworkPolicy names
   * the same peers with the same ports as its neighbours' do, admin policies without a peer among
   * the pods leave every peer alike. So stages are also known by what they step (their rules'
   * keys and peer lists, `planKey`), and verdicts by their content: equal ones get one id, and
   * the rows composed from them are shared in turn. Both serve either direction: a verdict is a
   * function of its content alone.
   */
  const byPlan = new ContentMap<StageVerdict>();
  const byContent = new ContentMap<StageVerdict>();
  let planKey = new Int32Array(64);
  let planLength = 0;
  const planPush = (v: number): void => {
    if (planLength === planKey.length) {
      const grown = new Int32Array(planKey.length * 2);
      grown.set(planKey);
      planKey = grown;
    }
    planKey[planLength++] = v;
  };
  const contentKey = new Int32Array(2 * n + 1);
  let stageCount = 0;
  const scratchState = new Int32Array(n);
  const scratchStamp = new Int32Array(n);
  let stamp = 0;
  /** Peers a stage's rules named so far, in order of first mention. */
  const touched = new Int32Array(n);
  /** A stage stepped peer by peer (needed when a rule's ports resolve on each peer). */
  const stepPeers = (rules: CompiledRule[], x: PeerClass, dir: Dir, end: 'Deny' | 'Pass'): Sparse => {
    const mark = ++stamp;
    let count = 0;
    // The state of every peer no rule has named yet; a rule for every peer steps it and each named one.
    let untouched = flows.stageStart;
    for (const r of rules) {
      // Egress named ports resolve on each peer (the destination); otherwise one key serves every peer.
      const perPeer = r.key < 0 && dir === 'egress';
      const key = perPeer ? -1 : keyFor(r, namedKind[x.id]);
      if (r.peers === everyPeer && !perPeer) {
        untouched = flows.applyRule(untouched, key);
        for (let i = 0; i < count; i++) scratchState[touched[i]] = flows.applyRule(scratchState[touched[i]], key);
        continue;
      }
      for (const list of r.peers) {
        const ids = list.classes;
        for (let i = 0; i < ids.length; i++) {
          const y = ids[i];
          if (scratchStamp[y] !== mark) {
            scratchStamp[y] = mark;
            scratchState[y] = untouched;
            touched[count++] = y;
          }
          scratchState[y] = flows.applyRule(scratchState[y], perPeer ? keyFor(r, namedKind[y]) : key);
        }
      }
    }
    for (let i = 0; i < count; i++) scratchState[touched[i]] = flows.endStage(scratchState[touched[i]], end);
    return sparseOf(touched, count, scratchState, flows.endStage(untouched, end), scratchStamp, mark);
  };
  /**
   * A stage stepped cell by cell (peers its rules' lists name alike, see PeerCells): each rule
   * steps the cells inside its lists, a rule for every peer all of them and the peers none names.
   */
  const cells = new PeerCells(n);
  const localList = new Map<PeerList, number>();
  const stageLists: Int32Array[] = [];
  let cellState = new Int32Array(64);
  const stepCells = (rules: CompiledRule[], x: PeerClass, end: 'Deny' | 'Pass'): Sparse => {
    localList.clear();
    stageLists.length = 0;
    for (const r of rules) {
      if (r.peers === everyPeer) continue;
      for (const l of r.peers) {
        if (localList.has(l)) continue;
        localList.set(l, stageLists.length);
        stageLists.push(l.classes);
      }
    }
    cells.split(stageLists);
    const cellCount = cells.cellCount;
    if (cellState.length < cellCount) cellState = new Int32Array(cellCount * 2);
    cellState.fill(flows.stageStart, 0, cellCount);
    let untouched = flows.stageStart;
    for (const r of rules) {
      const key = keyFor(r, namedKind[x.id]);
      if (r.peers === everyPeer) {
        untouched = flows.applyRule(untouched, key);
        for (let c = 0; c < cellCount; c++) cellState[c] = flows.applyRule(cellState[c], key);
        continue;
      }
      for (const l of r.peers) {
        const li = localList.get(l)!;
        // A cell in two of the rule's lists is stepped twice: applying a rule again changes nothing.
        for (let i = cells.cellStart[li]; i < cells.cellStart[li + 1]; i++) {
          const c = cells.cells[i];
          cellState[c] = flows.applyRule(cellState[c], key);
        }
      }
    }
    for (let c = 0; c < cellCount; c++) cellState[c] = flows.endStage(cellState[c], end);
    for (let i = 0; i < cells.namedCount; i++) {
      const y = cells.named[i];
      scratchState[y] = cellState[cells.cellOf[y]];
    }
    return sparseOf(cells.named, cells.namedCount, scratchState, flows.endStage(untouched, end), cells.marks, cells.mark);
  };
  const stageVerdict = (key: number[], plan: () => StagePlan, dir: Dir, x: PeerClass) => {
    let sv = stageVerdicts[dir].get(key);
    if (sv) return sv;
    const { rules, end } = plan();
    // What the stepping below reads: the end, and per rule its key (or, for ports resolved per
    // peer, the rule itself) and its peer lists.
    planLength = 0;
    planPush(end === 'Pass' ? 0 : 1);
    for (const r of rules) {
      planPush(r.key < 0 && dir === 'egress' ? -1 - r.id : keyFor(r, namedKind[x.id]));
      planPush(r.peers.length);
      for (const l of r.peers) planPush(l.id);
    }
    sv = byPlan.get(planKey, planLength);
    if (sv) {
      stageVerdicts[dir].set(key, sv);
      return sv;
    }
    const perPeer = dir === 'egress' && rules.some((r) => r.key < 0);
    const verdicts = perPeer ? stepPeers(rules, x, dir, end) : stepCells(rules, x, end);
    const length = 2 * verdicts.peers.length + 1;
    contentKey[0] = verdicts.base;
    contentKey.set(verdicts.peers, 1);
    contentKey.set(verdicts.values, 1 + verdicts.peers.length);
    sv = byContent.get(contentKey, length);
    if (!sv) byContent.set(contentKey, (sv = { id: stageCount++, verdicts }), length);
    byPlan.set(planKey, sv, planLength);
    stageVerdicts[dir].set(key, sv);
    return sv;
  };
  /**
   * Named peers (the first `count` of `named`) with their values (in `value`, by peer) and the
   * value of all the others, as a Sparse whose base is the most common value, so only the peers
   * that differ from it are listed (the others too, when their common value is not the most
   * common one). `named` peers carry `mark` in `marks`.
   */
  const arena = new IntArena();
  let tally = new Int32Array(64);
  const distinct = new Int32Array(n + 1);
  const outPeers = new Int32Array(n);
  const outValues = new Int32Array(n);
  const sparseOf = (named: Int32Array, count: number, value: Int32Array, others: number, marks: Int32Array, mark: number): Sparse => {
    const unnamed = regularIds.length - count;
    let base = others;
    let best = unnamed;
    let kinds = 0;
    for (let i = 0; i < count; i++) {
      const v = value[named[i]];
      if (v >= tally.length) {
        const grown = new Int32Array(Math.max(v + 1, tally.length * 2));
        grown.set(tally);
        tally = grown;
      }
      // tally[v] is 0 until v is first seen, then at least 1.
      let c = tally[v];
      if (c === 0) {
        distinct[kinds++] = v;
        if (v === others) c = unnamed;
      }
      tally[v] = ++c;
      if (c > best || (c === best && v < base)) {
        best = c;
        base = v;
      }
    }
    for (let i = 0; i < kinds; i++) tally[distinct[i]] = 0;
    let len = 0;
    for (let i = 0; i < count; i++) {
      const v = value[named[i]];
      if (v === base) continue;
      outPeers[len] = named[i];
      outValues[len++] = v;
    }
    if (base !== others && unnamed > 0) {
      for (let i = 0; i < regularIds.length; i++) {
        const y = regularIds[i];
        if (marks[y] === mark) continue;
        outPeers[len] = y;
        outValues[len++] = others;
      }
    }
    return { base, peers: arena.copy(outPeers, len), values: arena.copy(outValues, len) };
  };

  /**
   * Every peer's answer (a ConnIds id) for one class in one direction: the composition of its
   * stages. Classes of a namespace usually share their first stages (the same admin and platform
   * policies) and differ in the last (their own NetworkPolicy), which names few peers. So a row
   * is kept in two layers: `shared`, what the first stages and the last stage's common verdict
   * give every peer (one Sparse for all classes with the same first stages and common verdict),
   * and the peers the last stage names, with their own answers, which override it.
   */
  interface Row { shared: Sparse; peers: Int32Array; values: Int32Array }
  const none = new Int32Array(0);
  const allRow: Row = { shared: { base: ALL, peers: none, values: none }, peers: none, values: none };
  /** Rows by the ids of their stage verdicts, in order. */
  const rows = new SequenceMap<Row>();
  const stageIds: number[] = [];
  const current = new Int32Array(n);
  const inRow = new Int32Array(n);
  const stageValue = new Int32Array(n);
  const inStage = new Int32Array(n);
  const named = new Int32Array(n);
  const gathered = new Int32Array(n);
  /**
   * The composition of a row's first stages, as verdicts (not yet final): `base` for every peer
   * but `named`, which have `values`. `shared` holds the finished shared layers, by the common
   * verdict of the stage that follows.
   */
  interface Prefix { base: number; named: Int32Array; values: Int32Array; shared: Map<number, Sparse> }
  const emptyPrefix: Prefix = { base: flows.open, named: none, values: none, shared: new Map() };
  const prefixes = new SequenceMap<Prefix>();
  /** The composition of the first `length` stages of `svs` (their ids in stageIds), continued from the longest one kept. */
  const prefixOf = (svs: { verdicts: Sparse }[], length: number): Prefix => {
    if (length === 0) return emptyPrefix;
    const kept = prefixes.get(stageIds, length);
    if (kept) return kept;
    const rowMark = ++stamp;
    let count = 0;
    let base = flows.open;
    let from = 0;
    for (let j = length - 1; j >= 1; j--) {
      const p = prefixes.get(stageIds, j);
      if (!p) continue;
      for (let i = 0; i < p.named.length; i++) {
        const y = p.named[i];
        named[i] = y;
        inRow[y] = rowMark;
        current[y] = p.values[i];
      }
      count = p.named.length;
      base = p.base;
      from = j;
      break;
    }
    let out = emptyPrefix;
    for (let j = from; j < length; j++) {
      const sv = svs[j].verdicts;
      const stageMark = ++stamp;
      const peers = sv.peers;
      const values = sv.values;
      for (let i = 0; i < peers.length; i++) {
        stageValue[peers[i]] = values[i];
        inStage[peers[i]] = stageMark;
      }
      // Peers named before: their own verdict meets this stage's, theirs or the common one.
      for (let i = 0; i < count; i++) {
        const y = named[i];
        current[y] = flows.compose(current[y], inStage[y] === stageMark ? stageValue[y] : sv.base);
      }
      // Peers this stage names first: until now they had the common verdict.
      for (let i = 0; i < peers.length; i++) {
        const y = peers[i];
        if (inRow[y] === rowMark) continue;
        inRow[y] = rowMark;
        named[count++] = y;
        current[y] = flows.compose(base, values[i]);
      }
      base = flows.compose(base, sv.base);
      // Stages 0..j are composed: keep them for the rows that share them.
      for (let i = 0; i < count; i++) gathered[i] = current[named[i]];
      out = { base, named: arena.copy(named, count), values: arena.copy(gathered, count), shared: new Map() };
      prefixes.set(stageIds, out, j + 1);
    }
    return out;
  };
  /** The prefix last spread out by peer: a peer's verdict is prefixValue[y] when prefixMark[y] === spreadMark, else the prefix's base. */
  let spread: Prefix | undefined;
  let spreadMark = 0;
  const prefixValue = new Int32Array(n);
  const prefixMark = new Int32Array(n);
  const row = (x: PeerClass, dir: Dir): Row => {
    const st = stagesOf(x, dir);
    if (!st.length) return allRow;
    const svs = st.map((s) => stageVerdict(s.key, s.plan, dir, x));
    stageIds.length = 0;
    for (const s of svs) stageIds.push(s.id);
    let out = rows.get(stageIds);
    if (out) return out;
    const prefix = prefixOf(svs, svs.length - 1);
    const last = svs[svs.length - 1].verdicts;
    let shared = prefix.shared.get(last.base);
    if (!shared) {
      // Every peer the last stage does not name: the prefix's verdict, then the last stage's common one.
      const mark = ++stamp;
      for (let i = 0; i < prefix.named.length; i++) {
        const y = prefix.named[i];
        inRow[y] = mark;
        current[y] = flows.final(flows.compose(prefix.values[i], last.base));
      }
      shared = sparseOf(prefix.named, prefix.named.length, current, flows.final(flows.compose(prefix.base, last.base)), inRow, mark);
      prefix.shared.set(last.base, shared);
    }
    if (spread !== prefix) {
      spread = prefix;
      spreadMark = ++stamp;
      for (let i = 0; i < prefix.named.length; i++) {
        prefixValue[prefix.named[i]] = prefix.values[i];
        prefixMark[prefix.named[i]] = spreadMark;
      }
    }
    const peers = last.peers;
    for (let i = 0; i < peers.length; i++) {
      const y = peers[i];
      gathered[i] = flows.final(flows.compose(prefixMark[y] === spreadMark ? prefixValue[y] : prefix.base, last.values[i]));
    }
    out = { shared, peers, values: arena.copy(gathered, peers.length) };
    rows.set(stageIds, out);
    return out;
  };

  /** egress[s]: what s's egress lets out towards each peer; ingress[d]: what d's ingress admits from each peer. */
  let egress: Row[] | undefined;
  let ingress: Row[] | undefined;
  const ensure = () => {
    if (egress && ingress) return;
    egress = classes.map((x) => (x.hostNetwork ? allRow : row(x, 'egress')));
    ingress = classes.map((x) => (x.hostNetwork ? allRow : row(x, 'ingress')));
  };
  /** Rows as dense arrays, made when single pairs are asked for. */
  const denseRows = new Map<Row, Int32Array>();
  const dense = (r: Row): Int32Array => {
    let d = denseRows.get(r);
    if (!d) {
      d = new Int32Array(n);
      spreadRow(r, d);
      denseRows.set(r, d);
    }
    return d;
  };

  return {
    allowedBetween(s, d) {
      ensure();
      return conns.set(conns.intersect(dense(egress![s.id])[d.id], dense(ingress![d.id])[s.id]));
    },
    counts(allowedPods) {
      ensure();
      const reachedBy = new Float64Array(n);
      const reaches = new Float64Array(n);
      const pods = new Float64Array(n);
      for (const c of regular) pods[c.id] = c.pods.length;
      const NONE = ConnIds.NONE;
      const meets = (out: number, inn: number): boolean =>
        out !== NONE && inn !== NONE && (out === ALL || inn === ALL || !conns.isEmpty(conns.intersect(out, inn)));
      countPairs({ n, classes: regularIds, pods, egress: egress!, ingress: ingress!, answers: conns.size, meets }, reachedBy, reaches);
      countHostNetwork(classes, allowedPods, reachedBy, reaches);
      return { reachedBy, reaches };
    },
  };
}

function adminRuleNamed(rule: AdminRuleSpec): boolean {
  return rule.ports !== 'all' && rule.ports.some((x) => x.namedPort !== undefined);
}

function npRuleNamed(rule: RuleSpec): boolean {
  return rule.ports !== 'all' && rule.ports.some((x) => typeof x.port === 'string');
}

function calicoRuleNamed(rule: CalicoRuleSpec): boolean {
  return [...(rule.destination.ports ?? []), ...(rule.destination.notPorts ?? [])].some((x) => x.name !== undefined);
}

/**
 * hostNetwork pods are few and seen as node addresses, with the own-node exemption, so pods of
 * one class may differ towards them: count their pairs pod by pod.
 */
export function countHostNetwork(classes: PeerClass[], allowedPods: (s: PodInfo, d: PodInfo) => ConnSet, reachedBy: Float64Array, reaches: Float64Array): void {
  if (!classes.some((c) => c.hostNetwork)) return;
  const classOfPod = new Map<PodInfo, PeerClass>();
  for (const c of classes) for (const p of c.pods) classOfPod.set(p, c);
  for (const h of classes.filter((c) => c.hostNetwork)) {
    const hp = h.representative;
    for (const p of classOfPod.keys()) {
      if (p === hp) continue;
      const c = classOfPod.get(p)!;
      if (!allowedPods(hp, p).isEmpty()) {
        reaches[h.id] += 1;
        if (p === c.representative && !c.hostNetwork) reachedBy[c.id] += 1;
      }
      if (!allowedPods(p, hp).isEmpty()) {
        reachedBy[h.id] += 1;
        if (p === c.representative && !c.hostNetwork) reaches[c.id] += 1;
      }
    }
  }
}

/** A memo key for a rule's peers: JSON, with IPv6 blocks' bigint addresses written as text. */
function keyText(value: unknown): string {
  // Without a replacer JSON.stringify stays native; only a value holding a bigint (an IPv6 block) throws and takes the slow path.
  try {
    return JSON.stringify(value);
  } catch {
    return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  }
}

function addressOf(ip: string): number | string {
  return ip.includes(':') ? ip : ipToInt(ip);
}

