import { Cluster, PodInfo } from '../cluster/model';
import { isEmptySelector, matchesSelector } from '../cluster/labels';
import { LabelSelector } from '../manifest/types';
import { AdminPeerSpec, AdminPolicyInfo, AdminRuleSpec, adminPeerMatches, adminPoliciesOf, adminRulePorts } from './anp';
import { cidrContains, ipToInt } from '../common/ip';
import { CalicoEntity, CalicoPolicyInfo, CalicoRuleSpec, calicoApplies, calicoRulePorts, entityMatches, localSideMatches, remoteSide } from './calico';
import { requiredPairs } from './calico-selector';
import { ConnSet } from './connset';
import { PeerSpec, PolicyInfo, RuleSpec, rulePorts } from './model';
import { pipelineStages, tierMembers } from './pipeline';
import type { PeerClass } from './reachability';

/**
 * The whole policy pipeline (AdminNetworkPolicy, Calico tiers with NetworkPolicy in the default
 * tier, the baseline) over equivalence classes. Every policy's rule becomes an ordered rule with
 * an action, the set of peer classes it matches and its ports; a stage is a run of such rules
 * with what happens at its end (Pass on, or Deny). NetworkPolicy fits as the default tier: its
 * rules Allow, and a pod it selects is denied at the tier's end.
 *
 * For one class and direction, the peer classes that match exactly the same of its rules get the
 * same answer, so peers are grouped by the sequence of rules they match (a trie keyed by rule
 * position, built rule by rule over the classes each rule matches) and each group is evaluated
 * once. Answers are interned ConnSets, so the all-pairs count is integer work per pair.
 */

type Action = 'Allow' | 'Deny' | 'Pass';

interface CompiledRule {
  action: Action;
  /** Peer classes it matches; undefined: every class. */
  classes?: Int32Array;
  fixed?: ConnSet;
  /** Ports that resolve on the destination (named ports). */
  portsFor?: (destination: PodInfo) => ConnSet;
}

interface Stage {
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

export function tieredEngine(cluster: Cluster, classes: PeerClass[], h: ClassHelpers): TieredEngine {
  const n = classes.length;
  const regular = classes.filter((c) => !c.hostNetwork);
  const admin = adminPoliciesOf(cluster);
  const stages = pipelineStages(cluster);

  // Interned connection sets: id → set, emptiness per id.
  const conns: ConnSet[] = [];
  const empty: boolean[] = [];
  const ids = new Map<string, number>();
  const intern = (c: ConnSet): number => {
    const key = c.toString();
    let id = ids.get(key);
    if (id === undefined) {
      id = conns.length;
      conns.push(c);
      empty.push(c.isEmpty());
      ids.set(key, id);
    }
    return id;
  };
  const ALL = intern(ConnSet.ALL);

  // Label pair → classes, across namespaces, to narrow Calico selector candidates.
  const byPair = new Map<string, PeerClass[]>();
  for (const c of regular) for (const k in c.representative.labels) {
    const key = `${k}\u0000${c.representative.labels[k]}`;
    const l = byPair.get(key);
    if (l) l.push(c);
    else byPair.set(key, [c]);
  }
  const seen = new Uint8Array(n);
  const listOf = (cs: readonly PeerClass[]): Int32Array => {
    const ids: number[] = [];
    for (const c of cs) if (!seen[c.id]) { seen[c.id] = 1; ids.push(c.id); }
    for (const id of ids) seen[id] = 0;
    return Int32Array.from(ids).sort();
  };
  const regularIds = Int32Array.from(regular.map((c) => c.id));

  const matchMemo = new Map<string, Int32Array | undefined>();
  const memoMatch = (key: string, compute: () => Int32Array | undefined) => {
    if (matchMemo.has(key)) return matchMemo.get(key);
    const v = compute();
    matchMemo.set(key, v);
    return v;
  };
  const everyClass = (list: Int32Array) => (list.length === regular.length ? undefined : list);

  const nsLabels = new Map<string, Record<string, string>>();
  for (const ns of h.byNamespace.keys()) nsLabels.set(ns, cluster.namespaces.get(ns)?.labels ?? { 'kubernetes.io/metadata.name': ns });
  const classIp = new Float64Array(n);
  for (const c of regular) classIp[c.id] = ipToInt(c.representative.ip);
  /** The classes an admin peer matches, namespace by namespace through the label index (as adminPeerMatches decides). */
  const adminPeerClasses = (spec: AdminPeerSpec): PeerClass[] => {
    switch (spec.kind) {
      case 'namespaces':
        return [...h.byNamespace.keys()].filter((ns) => matchesSelector(nsLabels.get(ns)!, spec.namespaces)).flatMap((ns) => h.byNamespace.get(ns)!);
      case 'pods':
        return [...h.byNamespace.keys()].filter((ns) => matchesSelector(nsLabels.get(ns)!, spec.namespaceSelector)).flatMap((ns) => (isEmptySelector(spec.podSelector) ? h.byNamespace.get(ns)! : h.classesMatching(ns, spec.podSelector)));
      case 'networks':
        return regular.filter((c) => spec.cidrs.some((b) => cidrContains(b, classIp[c.id])));
      case 'nodes':
        return regular.filter((c) => adminPeerMatches(cluster, spec, { ip: c.representative.ip, pod: c.representative }));
    }
  };
  const adminMatch = (rule: AdminRuleSpec) => memoMatch(`a${keyText(rule.peers.map((p) => ({ ...p, path: undefined })))}`, () => everyClass(listOf(rule.peers.flatMap(adminPeerClasses))));
  /** Which classes each admin policy's subject selects (host-networked pods never). */
  const subjectMemo = new Map<AdminPolicyInfo, Uint8Array>();
  const subjectOf = (p: AdminPolicyInfo): Uint8Array => {
    let m = subjectMemo.get(p);
    if (!m) {
      m = new Uint8Array(n);
      const s = p.subject;
      const list = s.namespaces
        ? adminPeerClasses({ kind: 'namespaces', namespaces: s.namespaces, path: [] })
        : s.pods ? adminPeerClasses({ kind: 'pods', namespaceSelector: s.pods.namespaceSelector, podSelector: s.pods.podSelector, path: [] }) : [];
      for (const c of list) m[c.id] = 1;
      subjectMemo.set(p, m);
    }
    return m;
  };
  const selecting = (list: readonly AdminPolicyInfo[], dir: 'ingress' | 'egress', x: PeerClass) => list.filter((p) => (dir === 'ingress' ? p.ingress : p.egress).length > 0 && subjectOf(p)[x.id] === 1);

  const blockMemo = new Map<number, PeerClass[]>();
  const npPeerClasses = (policy: PolicyInfo, peer: PeerSpec): readonly PeerClass[] => {
    if (peer.kind === 'ipBlock') {
      const b = h.blockIds.get(`${peer.cidr.text}-${peer.except.map((e) => e.text).sort().join(',')}`);
      if (b === undefined) return [];
      let l = blockMemo.get(b);
      if (!l) blockMemo.set(b, (l = regular.filter((c) => h.inBlock(c.representative, b))));
      return l;
    }
    const nss = peer.namespaceSelector ? h.namespacesMatching(peer.namespaceSelector) : [policy.namespace];
    const names = nss === 'all' ? [...h.byNamespace.keys()] : nss;
    const whole = !peer.podSelector || isEmptySelector(peer.podSelector);
    if (names.length === 1) return whole ? h.byNamespace.get(names[0]) ?? [] : h.classesMatching(names[0], peer.podSelector!);
    return names.flatMap((ns) => (whole ? h.byNamespace.get(ns) ?? [] : h.classesMatching(ns, peer.podSelector!)));
  };
  const npMatch = (policy: PolicyInfo, rule: RuleSpec) => {
    if (rule.peers === 'all') return undefined;
    const peers = rule.peers;
    return everyClass(listOf(peers.length === 1 ? npPeerClasses(policy, peers[0]) : peers.flatMap((p) => npPeerClasses(policy, p))));
  };

  const calicoMatch = (p: CalicoPolicyInfo, e: CalicoEntity) => {
    if (e.anyPeer && !e.notNets && !e.notSelector) return undefined;
    return memoMatch(`c${p.namespace ?? ''}\u0000${keyText(e)}`, () => {
      let candidates: PeerClass[] = regular;
      if (e.selector) {
        for (const [k, v] of requiredPairs(e.selector)) {
          const l = byPair.get(`${k}\u0000${v}`) ?? [];
          if (l.length < candidates.length) candidates = l;
        }
      }
      return everyClass(listOf(candidates.filter((c) => entityMatches(cluster, p, e, c.representative, c.representative.ip))));
    });
  };

  const compiledAdmin = new WeakMap<AdminRuleSpec, CompiledRule>();
  const fromAdmin = (rule: AdminRuleSpec): CompiledRule => {
    let c = compiledAdmin.get(rule);
    if (!c) {
      const named = rule.ports !== 'all' && rule.ports.some((x) => x.namedPort !== undefined);
      const classesOf = adminMatch(rule);
      c = { action: rule.action, ...(classesOf ? { classes: classesOf } : {}), ...(named ? { portsFor: (d: PodInfo) => adminRulePorts(rule, d) } : { fixed: adminRulePorts(rule, undefined) }) };
      compiledAdmin.set(rule, c);
    }
    return c;
  };
  const compiledNp = new WeakMap<RuleSpec, CompiledRule>();
  const fromNp = (policy: PolicyInfo, rule: RuleSpec): CompiledRule => {
    let c = compiledNp.get(rule);
    if (!c) {
      const named = rule.ports !== 'all' && rule.ports.some((x) => typeof x.port === 'string');
      const classesOf = npMatch(policy, rule);
      c = { action: 'Allow', ...(classesOf ? { classes: classesOf } : {}), ...(named ? { portsFor: (d: PodInfo) => rulePorts(rule, d) } : { fixed: rulePorts(rule, undefined) }) };
      compiledNp.set(rule, c);
    }
    return c;
  };
  const compiledCalico = new Map<CalicoRuleSpec, Map<'ingress' | 'egress', CompiledRule>>();
  const fromCalico = (p: CalicoPolicyInfo, rule: CalicoRuleSpec, dir: 'ingress' | 'egress'): CompiledRule => {
    let byDir = compiledCalico.get(rule);
    if (!byDir) compiledCalico.set(rule, (byDir = new Map()));
    let c = byDir.get(dir);
    if (!c) {
      const named = [...(rule.destination.ports ?? []), ...(rule.destination.notPorts ?? [])].some((x) => x.name !== undefined);
      const classesOf = calicoMatch(p, remoteSide(rule, dir));
      c = { action: rule.action as Action, ...(classesOf ? { classes: classesOf } : {}), ...(named ? { portsFor: (d: PodInfo) => calicoRulePorts(rule, d) } : { fixed: calicoRulePorts(rule, undefined) }) };
      byDir.set(dir, c);
    }
    return c;
  };

  /** Which classes each Calico policy applies to (selector and namespace; the direction is checked by its types). */
  const calicoSubjects = new Map<CalicoPolicyInfo, Uint8Array>();
  const calicoSubject = (p: CalicoPolicyInfo): Uint8Array => {
    let m = calicoSubjects.get(p);
    if (!m) {
      m = new Uint8Array(n);
      let candidates: PeerClass[] = p.namespace !== undefined ? h.byNamespace.get(p.namespace) ?? [] : regular;
      for (const [k, v] of requiredPairs(p.selector)) {
        const l = byPair.get(`${k}\u0000${v}`) ?? [];
        if (l.length < candidates.length) candidates = l;
      }
      for (const c of candidates) {
        if (calicoApplies(cluster, p, 'ingress', c.representative) || calicoApplies(cluster, p, 'egress', c.representative)) m[c.id] = 1;
      }
      calicoSubjects.set(p, m);
    }
    return m;
  };
  const calicoFor = (p: CalicoPolicyInfo, dir: 'ingress' | 'egress', x: PeerClass) => (dir === 'ingress' ? p.affectsIngress : p.affectsEgress) && calicoSubject(p)[x.id] === 1;

  /** The stages that apply to a class in one direction, as compiled rules. */
  const stagesOf = (x: PeerClass, dir: 'ingress' | 'egress'): Stage[] => {
    const rep = x.representative;
    const out: Stage[] = [];
    for (const stage of stages) {
      if (stage.kind === 'admin' || stage.kind === 'baseline') {
        const list = stage.kind === 'admin' ? admin.anps : admin.banp ? [admin.banp] : [];
        const sel: AdminPolicyInfo[] = list.length ? selecting(list, dir, x) : [];
        if (sel.length) out.push({ rules: sel.flatMap((p) => (dir === 'ingress' ? p.ingress : p.egress).map(fromAdmin)), end: 'Pass' });
        continue;
      }
      const nps = dir === 'ingress' ? x.ingressPolicies : x.egressPolicies;
      const members = tierMembers(stage.tier).filter((m) => (m === 'k8s' ? nps.length > 0 : calicoFor(m, dir, x)));
      if (!members.length) continue;
      const rules: CompiledRule[] = [];
      for (const m of members) {
        if (m === 'k8s') {
          for (const p of nps) for (const r of dir === 'ingress' ? p.ingress : p.egress) rules.push(fromNp(p, r));
          continue;
        }
        for (const r of dir === 'ingress' ? m.ingress : m.egress) {
          // Log only records; a rule whose local side excludes this class never matches here.
          if (r.action === 'Log' || !localSideMatches(cluster, m, r, dir, rep)) continue;
          rules.push(fromCalico(m, r, dir));
        }
      }
      out.push({ rules, end: stage.tier.defaultAction });
    }
    return out;
  };

  // Named ports that any rule resolves, per class: peers with different ones cannot share a group.
  const namedKey = new Int32Array(n);
  {
    const keys = new Map<string, number>();
    for (const c of classes) {
      const k = c.representative.ports.map((p) => `${p.name}/${p.protocol}=${p.containerPort}`).sort().join(',');
      let id = keys.get(k);
      if (id === undefined) keys.set(k, (id = keys.size));
      namedKey[c.id] = id;
    }
  }

  // Each compiled rule gets a number, so a stage's rule list has a cheap key.
  const ruleIds = new Map<CompiledRule, number>();
  const ruleId = (r: CompiledRule) => {
    let id = ruleIds.get(r);
    if (id === undefined) ruleIds.set(r, (id = ruleIds.size));
    return id;
  };

  /**
   * One stage for one class: the peers grouped by the rules of the stage they match, and per
   * group what the stage allows (A) and lets continue (O) out of every connection. First match
   * commutes with narrowing the input, so a later composition only intersects. Stages with the
   * same rules (every class of a namespace under the same AdminNetworkPolicies) share the work.
   */
  interface StagePartition { group: Int32Array; allow: number[]; open: number[] }
  const stageMemo = new Map<string, StagePartition>();
  const partition = (stage: Stage, dir: 'ingress' | 'egress', x: PeerClass): StagePartition => {
    const named = stage.rules.some((r) => r.portsFor);
    const key = `${dir}${stage.end}${named && dir === 'ingress' ? `@${namedKey[x.id]}` : ''}|${stage.rules.map(ruleId).join(',')}`;
    let sp = stageMemo.get(key);
    if (sp) return sp;
    const rules = stage.rules;
    const parent: number[] = [0];
    const pos: number[] = [-1];
    const children = new Map<number, number>();
    const width = rules.length + 1;
    const child = (node: number, p: number): number => {
      const k = node * width + p + 1;
      let c = children.get(k);
      if (c === undefined) {
        c = parent.length;
        parent.push(node);
        pos.push(p);
        children.set(k, c);
      }
      return c;
    };
    const node = new Int32Array(n);
    // Egress named ports resolve on the peer: peers with different ones never share a group.
    if (named && dir === 'egress') for (const c of regular) node[c.id] = child(0, -2 - namedKey[c.id]);
    for (let p = 0; p < rules.length; p++) {
      const cl = rules[p].classes;
      if (!cl) for (const c of regular) node[c.id] = child(node[c.id], p);
      else for (let i = 0; i < cl.length; i++) node[cl[i]] = child(node[cl[i]], p);
    }
    const group = new Int32Array(n);
    const allow: number[] = [];
    const open: number[] = [];
    const local = new Int32Array(parent.length).fill(-1);
    for (const y of regular) {
      const g = node[y.id];
      let id = local[g];
      if (id < 0) {
        const matched: number[] = [];
        for (let m = g; m !== 0; m = parent[m]) if (pos[m] >= 0) matched.push(pos[m]);
        matched.reverse();
        const r = firstMatch(rules, matched, stage.end, dir === 'ingress' ? x.representative : y.representative);
        id = allow.length;
        allow.push(intern(r.allow));
        open.push(intern(r.open));
        local[g] = id;
      }
      group[y.id] = id;
    }
    sp = { group, allow, open };
    stageMemo.set(key, sp);
    return sp;
  };

  /**
   * One row: the interned answer for every peer class, for class x in one direction, written
   * at out[y * stride + x * step]. Stages compose per pair of groups through a small table.
   */
  const row = (x: PeerClass, dir: 'ingress' | 'egress', out: Int32Array, base: number, stride: number): void => {
    const st = stagesOf(x, dir);
    if (!st.length) {
      for (let i = 0; i < regularIds.length; i++) out[base + regularIds[i] * stride] = ALL;
      return;
    }
    const parts = st.map((s) => partition(s, dir, x));
    // Combined groups: allow-so-far and open-so-far ids.
    let cur = parts[0].group;
    let allowOf = parts[0].allow;
    let openOf = parts[0].open;
    for (let si = 1; si < parts.length; si++) {
      const p = parts[si];
      const width = p.allow.length;
      if (width === 1) {
        // Every peer alike in this stage: the groups so far carry over one to one.
        const a1 = conns[p.allow[0]];
        const o1 = conns[p.open[0]];
        const prevOpen = openOf;
        allowOf = allowOf.map((a, i) => intern(conns[a].union(conns[prevOpen[i]].intersect(a1))));
        openOf = prevOpen.map((o) => intern(conns[o].intersect(o1)));
        continue;
      }
      // A dense table while small; pairs of many groups go through a map.
      const dense = allowOf.length * width <= 1 << 16;
      const table = dense ? new Int32Array(allowOf.length * width).fill(-1) : undefined;
      const sparse = dense ? undefined : new Map<number, number>();
      const nextAllow: number[] = [];
      const nextOpen: number[] = [];
      const next = new Int32Array(n);
      const pg = p.group;
      for (let i = 0; i < regularIds.length; i++) {
        const y = regularIds[i];
        const a = cur[y];
        const b = pg[y];
        const k = a * width + b;
        let g = table ? table[k] : sparse!.get(k) ?? -1;
        if (g < 0) {
          const openSoFar = conns[openOf[a]];
          g = nextAllow.length;
          if (table) table[k] = g;
          else sparse!.set(k, g);
          nextAllow.push(intern(conns[allowOf[a]].union(openSoFar.intersect(conns[p.allow[b]]))));
          nextOpen.push(intern(openSoFar.intersect(conns[p.open[b]])));
        }
        next[y] = g;
      }
      cur = next;
      allowOf = nextAllow;
      openOf = nextOpen;
    }
    const final = allowOf.map((a, i) => intern(conns[a].union(conns[openOf[i]])));
    for (let i = 0; i < regularIds.length; i++) {
      const y = regularIds[i];
      out[base + y * stride] = final[cur[y]];
    }
  };

  let egress: Int32Array | undefined;
  /** Transposed: ingressT[s * n + d] is what d's ingress admits from s. */
  let ingressT: Int32Array | undefined;
  const ensure = () => {
    if (egress && ingressT) return;
    egress = new Int32Array(n * n);
    ingressT = new Int32Array(n * n);
    for (const x of regular) {
      const xo = x.id * n;
      row(x, 'egress', egress, xo, 1);
      row(x, 'ingress', ingressT, x.id, n);
    }
  };
  // Is egress id e ∩ ingress id i non-empty? 0 unknown, 1 no, 2 yes, in a table grown as ids appear.
  let meet = new Uint8Array(0);
  let meetWidth = 0;
  const opens = (e: number, i: number): boolean => {
    if (e === ALL) return !empty[i];
    if (i === ALL) return !empty[e];
    if (empty[e] || empty[i]) return false;
    if (meetWidth < conns.length) {
      meetWidth = conns.length;
      meet = new Uint8Array(meetWidth * meetWidth);
    }
    const k = e * meetWidth + i;
    let v = meet[k];
    if (v === 0) v = meet[k] = conns[e].intersect(conns[i]).isEmpty() ? 1 : 2;
    return v === 2;
  };

  return {
    allowedBetween(s, d) {
      ensure();
      const e = conns[egress![s.id * n + d.id]];
      return e.isEmpty() ? e : e.intersect(conns[ingressT![s.id * n + d.id]]);
    },
    counts(allowedPods) {
      ensure();
      const reachedBy = new Float64Array(n);
      const reaches = new Float64Array(n);
      const E = egress!;
      const I = ingressT!;
      for (const s of regular) {
        const sp = s.pods.length;
        const so = s.id * n;
        for (const d of regular) {
          const k = s === d ? d.pods.length - 1 : d.pods.length;
          if (k <= 0 || !opens(E[so + d.id], I[so + d.id])) continue;
          reachedBy[d.id] += s === d ? k : sp;
          reaches[s.id] += k;
        }
      }
      countHostNetwork(classes, allowedPods, reachedBy, reaches);
      return { reachedBy, reaches };
    },
  };
}

/** First match over one stage for one group of peers (the rules they match, in order): what it allows, and what goes on. */
function firstMatch(rules: CompiledRule[], matched: number[], end: 'Deny' | 'Pass', destination: PodInfo): { allow: ConnSet; open: ConnSet } {
  let allow = ConnSet.NONE;
  let passed = ConnSet.NONE;
  let rest = ConnSet.ALL;
  for (const m of matched) {
    if (rest.isEmpty()) break;
    const r = rules[m];
    const ports = r.fixed ?? r.portsFor!(destination);
    const hit = rest.isAll() ? ports : ports.intersect(rest);
    if (hit.isEmpty()) continue;
    if (r.action === 'Allow') allow = allow.union(hit);
    else if (r.action === 'Pass') passed = passed.union(hit);
    rest = hit.isAll() ? ConnSet.NONE : rest.intersect(hit.complement());
  }
  return { allow, open: end === 'Pass' ? passed.union(rest) : passed };
}

/**
 * hostNetwork pods are few and seen as node addresses, with the own-node exemption, so pods of
 * one class may differ towards them: count their pairs pod by pod.
 */
export function countHostNetwork(classes: PeerClass[], allowedPods: (s: PodInfo, d: PodInfo) => ConnSet, reachedBy: Float64Array, reaches: Float64Array): void {
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
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
