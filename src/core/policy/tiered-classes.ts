import { Cluster, PodInfo } from '../cluster/model';
import { isEmptySelector, matchesSelector } from '../cluster/labels';
import { LabelSelector } from '../manifest/types';
import { AdminPeerSpec, AdminPolicies, AdminPolicyInfo, AdminRuleSpec, adminPeerMatches, adminPoliciesOf, adminRulePorts } from './anp';
import { ipToInt } from '../common/ip';
import { CalicoEntity, CalicoPolicyInfo, CalicoRuleSpec, EndpointPairIndex, calicoRulePorts, calicoSelects, entityMatches, localSideMatches, remoteSide } from './calico';
import { ClassAddresses } from './class-addresses';
import { ClassSequences } from './class-sequences';
import { ConnIds } from './conn-ids';
import { ContentMap } from './content-map';
import { ConnSet } from './connset';
import { IntArena, grownInt32 } from './int-arena';
import { objectArray } from './object-array';
import { FlowStates, StageAction } from './flow-states';
import { PeerSpec, PolicyInfo, RuleSpec, rulePorts } from './model';
import { countPairs, spreadRow } from './pair-counts';
import { PipelineStage, pipelineStages, tierMembers } from './pipeline';
import type { PeerClass } from './reachability';
import { SparseMaker } from './sparse';
import { Row, StageRows } from './stage-rows';
import { CompiledRule, PeerList, PeerLists, StageStepper, StageVerdict } from './stage-stepper';

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
 * for every peer at once (StageStepper: each rule steps only the cells of peers it matches, see
 * PeerCells) and the result is shared by every class facing the same rules (all classes of a
 * namespace under the same AdminNetworkPolicies, say) or coming to the same verdicts; a class's
 * row is the composition of its stages (StageRows), shared too when the stages are the same.
 * The all-pairs count (pair-counts.ts) then meets egress and ingress answers, row by row where
 * rows are shared.
 *
 * The engine is a class and its parts are classes: their methods run hot in every computation,
 * and methods (unlike closures made anew per computation) keep the machine code the JIT made
 * for them from one computation to the next.
 */

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
  return new TieredClassEngine(cluster, classes, h);
}

/** Directions as indexes into per-direction arrays. */
const INGRESS = 0;
const EGRESS = 1;
const DIRECTIONS = ['ingress', 'egress'] as const;

/** Markers in stage keys, apart from the ids they separate (ids are never negative). */
const KEY_ADMIN = -1;
const KEY_BASELINE = -2;
const KEY_TIER = -3;
const KEY_K8S = -4;
const KEY_CALICO = -5;
const KEY_END = -6;

/**
 * A Calico policy's rules in one direction, each with the classes its local side holds for
 * (undefined: the local side names nothing, so every class); Log rules only record and drop out.
 */
interface CalicoRules {
  policy: CalicoPolicyInfo;
  rules: CalicoRuleSpec[];
  local: (Uint8Array | undefined)[];
  named: boolean;
}

type TierMember = CalicoPolicyInfo | 'k8s';

class TieredClassEngine implements TieredEngine {
  private readonly n: number;
  private readonly regular: PeerClass[];
  private readonly regularIds: Int32Array;
  private readonly admin: AdminPolicies;
  private readonly stages: PipelineStage[];
  private readonly conns = new ConnIds();
  private readonly flows: FlowStates;
  private readonly stepper: StageStepper;
  private readonly rowMaker: StageRows;

  /** Endpoint label pair → classes, across namespaces, to narrow Calico selector candidates. */
  private readonly endpointPairs: EndpointPairIndex;
  /** Class lists by content, and by the array a selector lookup returned (most are memoized arrays met again). */
  private readonly listsByContent = new ContentMap<PeerList>();
  private readonly listsByArray = new Map<readonly PeerClass[], PeerList>();
  private readonly listIds: Int32Array;
  private readonly everyPeer: PeerLists;
  private readonly namespaceNames: string[];
  private readonly matchMemo = new Map<string, PeerLists>();
  private readonly nsLabels = new Map<string, Record<string, string>>();
  /** Addresses parsed once per class: IPv4 as a number, IPv6 as text (cidrContains takes both). */
  private readonly classAddr: (number | string)[];
  /** The regular classes by address, for the ranges rules name. */
  private readonly addresses: ClassAddresses;
  private readonly blockMemo = new Map<number, PeerClass[]>();

  /** Named ports that any rule resolves, per class: peers with different ones may get different ports. */
  private readonly namedKind: Int32Array;
  private readonly namedKindPod: PodInfo[] = [];
  private compiledCount = 0;
  private readonly compiledAdmin = new Map<AdminRuleSpec, CompiledRule>();
  private readonly compiledNp = new Map<RuleSpec, CompiledRule>();
  private readonly compiledCalico = [new Map<CalicoRuleSpec, CompiledRule>(), new Map<CalicoRuleSpec, CompiledRule>()];

  /** Per direction, which AdminNetworkPolicies (by position in priority order) select each class, as a sequence node. */
  private readonly anpsOf: ClassSequences[];
  /** Per direction and sequence node, whether one of its AdminNetworkPolicies has named ports in that direction. */
  private readonly anpsNamed: Uint8Array[];
  /** Per direction and class, whether the baseline selects it. */
  private readonly banpSelects: Uint8Array[];
  private readonly calicoSubjects = new Map<CalicoPolicyInfo, PeerClass[]>();
  private readonly subjectsBySelector = new Map<string, PeerClass[]>();
  private readonly calicoRulesMemo = [new Map<CalicoPolicyInfo, CalicoRules>(), new Map<CalicoPolicyInfo, CalicoRules>()];
  private readonly npIds = new Map<PolicyInfo, number>();
  private readonly npNamed = [new Map<PolicyInfo, boolean>(), new Map<PolicyInfo, boolean>()];
  private readonly tierMemberLists: TierMember[][];
  /** Per tier stage and direction, the positions of the tier's members that apply to each class, in order, as a sequence node. */
  private readonly applyingMembers: (ClassSequences[] | undefined)[];
  /** Per tier stage, direction and sequence node, whether one of its Calico members has named ports in that direction. */
  private readonly applyingNamed: (Uint8Array[] | undefined)[];
  /**
   * Per tier stage and direction, where members have rules whose local side holds for some
   * classes only: per class, an id of which of those rules hold for it (see localVariants).
   */
  private readonly localVariant: ((Int32Array | undefined)[] | undefined)[];
  /** Per stage, whether it is the tier NetworkPolicy sits in. */
  private readonly holdsNetworkPolicy: boolean[];
  /** Scratch for a sequence's labels (see ClassSequences.sequence). */
  private readonly sequenceLabels: number[] = [];

  /** Stage verdicts by stage key, per direction. */
  private readonly stageVerdicts = [new ContentMap<StageVerdict>(), new ContentMap<StageVerdict>()];
  /** The key of the stage being looked up (see stageKey). */
  private key = new Int32Array(64);
  private keyLength = 0;
  /** The rules of the stage being planned (the first planLength; see planStage). */
  private readonly planRules: CompiledRule[];
  private planLength = 0;
  /** The stage verdicts of the row being made. */
  private readonly rowStages: StageVerdict[];
  private readonly allRow: Row;

  /** egress[s]: what s's egress lets out towards each peer; ingress[d]: what d's ingress admits from each peer. */
  private egress: Row[] | undefined;
  private ingress: Row[] | undefined;
  /** Rows as dense arrays, made when single pairs are asked for. */
  private readonly denseRows = new Map<Row, Int32Array>();

  constructor(
    private readonly cluster: Cluster,
    private readonly classes: PeerClass[],
    private readonly h: ClassHelpers,
  ) {
    const n = (this.n = classes.length);
    const regular = (this.regular = classes.filter((c) => !c.hostNetwork));
    this.regularIds = Int32Array.from(regular, (c) => c.id);
    this.admin = adminPoliciesOf(cluster);
    this.stages = pipelineStages(cluster);
    this.flows = new FlowStates(this.conns);
    this.listIds = new Int32Array(n);

    // The labels Calico selectors see: the pod's own plus the ones Calico adds to every workload
    // endpoint (projectcalico.org/namespace, /orchestrator), or a selector on those matched nothing.
    this.endpointPairs = new EndpointPairIndex(regular);
    this.everyPeer = [this.listOf(regular)];
    this.namespaceNames = [...h.byNamespace.keys()];
    for (const ns of h.byNamespace.keys()) this.nsLabels.set(ns, cluster.namespaces.get(ns)?.labels ?? { 'kubernetes.io/metadata.name': ns });
    this.classAddr = classes.map((c) => addressOf(c.representative.ip));
    this.addresses = new ClassAddresses(regular, (c) => this.classAddr[c.id]);

    this.namedKind = new Int32Array(n);
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
          this.namedKindPod.push(c.representative);
        }
        this.namedKind[c.id] = id;
      }
    }

    // Who each admin policy applies to, inverted once into a sequence per class. Host-networked
    // pods are never subjects (and are in no sequence here).
    const admin = this.admin;
    this.anpsOf = [new ClassSequences(n), new ClassSequences(n)];
    this.banpSelects = [new Uint8Array(n), new Uint8Array(n)];
    admin.anps.forEach((p, i) => {
      const subject = this.subjectClasses(p);
      for (let dir = INGRESS; dir <= EGRESS; dir++) {
        if (!(dir === INGRESS ? p.ingress : p.egress).length) continue;
        const sequences = this.anpsOf[dir];
        sequences.startRound(i);
        for (const list of subject) for (const c of list) sequences.add(c.id);
      }
    });
    const banp = admin.banp;
    if (banp) for (const list of this.subjectClasses(banp)) for (const c of list) {
      if (banp.ingress.length) this.banpSelects[INGRESS][c.id] = 1;
      if (banp.egress.length) this.banpSelects[EGRESS][c.id] = 1;
    }
    this.anpsNamed = this.anpsOf.map((sequences, dir) => sequences.flagNodes((i) => (dir === INGRESS ? admin.anps[i].ingress : admin.anps[i].egress).some(adminRuleNamed)));

    this.tierMemberLists = this.stages.map((s) => (s.kind === 'tier' ? tierMembers(s.tier) : []));
    this.holdsNetworkPolicy = this.tierMemberLists.map((members) => members.includes('k8s'));
    this.applyingMembers = this.stages.map((s, si) => {
      if (s.kind !== 'tier') return undefined;
      const sequences = [new ClassSequences(n), new ClassSequences(n)];
      this.tierMemberLists[si].forEach((m, j) => {
        if (m === 'k8s') {
          for (let dir = INGRESS; dir <= EGRESS; dir++) {
            sequences[dir].startRound(j);
            for (const c of regular) if ((dir === INGRESS ? c.ingressPolicies : c.egressPolicies).length) sequences[dir].add(c.id);
          }
          return;
        }
        for (let dir = INGRESS; dir <= EGRESS; dir++) {
          if (!(dir === INGRESS ? m.affectsIngress : m.affectsEgress)) continue;
          sequences[dir].startRound(j);
          for (const c of this.calicoSubject(m)) sequences[dir].add(c.id);
        }
      });
      return sequences;
    });
    // A NetworkPolicy's named ports depend on the class (its own policies): networkPolicyKey tells.
    this.applyingNamed = this.applyingMembers.map((sequences, si) =>
      sequences?.map((seq, dir) => seq.flagNodes((j) => {
        const m = this.tierMemberLists[si][j];
        return m !== 'k8s' && this.calicoRulesOf(m, dir).named;
      })),
    );
    this.localVariant = this.applyingMembers.map((sequences, si) => sequences?.map((seq, dir) => this.localVariants(si, dir, seq)));

    const arena = new IntArena();
    const sparse = new SparseMaker(n, this.regularIds, arena);
    this.stepper = new StageStepper(n, this.flows, this.conns, this.everyPeer, this.namedKind, this.namedKindPod, sparse);
    this.rowMaker = new StageRows(n, this.flows, sparse, arena);
    const none = new Int32Array(0);
    this.allRow = { shared: { base: ConnIds.ALL, peers: none, values: none }, peers: none, values: none };
    this.planRules = objectArray<CompiledRule>({ id: -1, action: 'Allow', peers: this.everyPeer, key: -1, portsFor: undefined, byNamedKind: undefined });
    this.rowStages = objectArray<StageVerdict>({ id: -1, verdicts: this.allRow.shared });
  }

  allowedBetween(s: PeerClass, d: PeerClass): ConnSet {
    this.ensureRows();
    return this.conns.set(this.conns.intersect(this.dense(this.egress![s.id])[d.id], this.dense(this.ingress![d.id])[s.id]));
  }

  counts(allowedPods: (s: PodInfo, d: PodInfo) => ConnSet): { reachedBy: Float64Array; reaches: Float64Array } {
    this.ensureRows();
    const n = this.n;
    const reachedBy = new Float64Array(n);
    const reaches = new Float64Array(n);
    const pods = new Float64Array(n);
    for (const c of this.regular) pods[c.id] = c.pods.length;
    const conns = this.conns;
    countPairs({ n, classes: this.regularIds, pods, egress: this.egress!, ingress: this.ingress!, answers: conns.size, answersMeet: conns }, reachedBy, reaches);
    countHostNetwork(this.classes, allowedPods, reachedBy, reaches);
    return { reachedBy, reaches };
  }

  private ensureRows(): void {
    if (this.egress && this.ingress) return;
    const classes = this.classes;
    const egress = objectArray(this.allRow);
    const ingress = objectArray(this.allRow);
    for (let i = 0; i < classes.length; i++) egress.push(classes[i].hostNetwork ? this.allRow : this.row(classes[i], EGRESS));
    for (let i = 0; i < classes.length; i++) ingress.push(classes[i].hostNetwork ? this.allRow : this.row(classes[i], INGRESS));
    this.egress = egress;
    this.ingress = ingress;
  }

  private dense(r: Row): Int32Array {
    let d = this.denseRows.get(r);
    if (!d) {
      d = new Int32Array(this.n);
      spreadRow(r, d);
      this.denseRows.set(r, d);
    }
    return d;
  }

  /** Every peer's answer for class x in one direction: its stages, each looked up by key or evaluated, composed. */
  private row(x: PeerClass, dir: number): Row {
    const svs = this.rowStages;
    let count = 0;
    for (let si = 0; si < this.stages.length; si++) {
      if (!this.stageKey(x, dir, si)) continue;
      let sv = this.stageVerdicts[dir].get(this.key, this.keyLength);
      if (!sv) {
        const end = this.planStage(x, dir, si);
        sv = this.stepper.verdictOf(this.planRules, this.planLength, end, dir === EGRESS, this.namedKind[x.id]);
        this.stageVerdicts[dir].set(this.key, sv, this.keyLength);
      }
      if (count < svs.length) svs[count] = sv;
      else svs.push(sv);
      count++;
    }
    return count === 0 ? this.allRow : this.rowMaker.rowOf(svs, count);
  }

  /**
   * Writes the key of pipeline stage si for class x into `key` (keyLength long), or returns
   * false when the stage does not apply to x. Keys are equal exactly when two classes face the
   * same rules, so the stage is evaluated once for all of them. Ingress ports resolve on the
   * class itself, so with named ports in the stage its named-port kind is part of the key.
   */
  private stageKey(x: PeerClass, dir: number, si: number): boolean {
    this.keyLength = 0;
    // A method per kind of stage: each stays small and sees one kind of work.
    const kind = this.stages[si].kind;
    if (kind === 'admin') return this.adminKey(x, dir, si);
    if (kind === 'baseline') return this.baselineKey(x, dir, si);
    return this.tierKey(x, dir, si);
  }

  /** The classes' named-port kind where it is part of a key: ingress stages with named ports. */
  private namedKeyPart(x: PeerClass, dir: number, named: boolean): number {
    // Both tests always run (no short cut): code optimized before a named port came up still fits it.
    const kind = dir === INGRESS ? this.namedKind[x.id] : -1;
    return named ? kind : -1;
  }

  private adminKey(x: PeerClass, dir: number, si: number): boolean {
    const node = this.anpsOf[dir].nodeOf[x.id];
    if (node === 0) return false;
    this.keyPush(si);
    this.keyPush(KEY_ADMIN);
    this.keyPush(node);
    this.keyPush(this.namedKeyPart(x, dir, this.anpsNamed[dir][node] === 1));
    return true;
  }

  private baselineKey(x: PeerClass, dir: number, si: number): boolean {
    const banp = this.admin.banp;
    if (!banp || !this.banpSelects[dir][x.id]) return false;
    this.keyPush(si);
    this.keyPush(KEY_BASELINE);
    this.keyPush(this.namedKeyPart(x, dir, (dir === INGRESS ? banp.ingress : banp.egress).some(adminRuleNamed)));
    return true;
  }

  /**
   * A tier's members that apply to x (their sequence node), which of their rules hold on x's
   * side (its local variant) and, with NetworkPolicy in the tier, the ones selecting x.
   */
  private tierKey(x: PeerClass, dir: number, si: number): boolean {
    const node = this.applyingMembers[si]![dir].nodeOf[x.id];
    if (node === 0) return false;
    let named = this.applyingNamed[si]![dir][node] === 1;
    this.keyPush(si);
    this.keyPush(KEY_TIER);
    this.keyPush(node);
    const variant = this.localVariant[si]![dir];
    if (variant) this.keyPush(variant[x.id]);
    if (this.holdsNetworkPolicy[si] && (dir === INGRESS ? x.ingressPolicies : x.egressPolicies).length && this.networkPolicyKey(x, dir)) named = true;
    this.keyPush(this.namedKeyPart(x, dir, named));
    return true;
  }

  /** The NetworkPolicies selecting x, by id; whether their rules have named ports. */
  private networkPolicyKey(x: PeerClass, dir: number): boolean {
    const nps = dir === INGRESS ? x.ingressPolicies : x.egressPolicies;
    let named = false;
    this.keyPush(KEY_K8S);
    for (let i = 0; i < nps.length; i++) {
      this.keyPush(this.npId(nps[i]));
      if (this.npIsNamed(nps[i], dir)) named = true;
    }
    this.keyPush(KEY_END);
    return named;
  }

  /**
   * Per class, an id for which of the tier's local-side rules hold for it (the rules of its
   * applying members whose local side names some classes only), equal ids for equal answers;
   * undefined when the tier has no such rules in this direction.
   */
  private localVariants(si: number, dir: number, sequences: ClassSequences): Int32Array | undefined {
    const members = this.tierMemberLists[si];
    const hasLocal = members.map((m) => m !== 'k8s' && this.calicoRulesOf(m, dir).local.some((l) => l !== undefined));
    if (!hasLocal.includes(true)) return undefined;
    const variant = new Int32Array(this.n);
    const ids = new ContentMap<number>();
    const labels = this.sequenceLabels;
    const key: number[] = [];
    for (const c of this.regular) {
      key.length = 0;
      const count = sequences.sequence(sequences.nodeOf[c.id], labels);
      for (let a = 0; a < count; a++) {
        const j = labels[a];
        if (!hasLocal[j]) continue;
        key.push(KEY_CALICO, j);
        for (const l of this.calicoRulesOf(members[j] as CalicoPolicyInfo, dir).local) if (l) key.push(l[c.id]);
      }
      let id = ids.get(key);
      if (id === undefined) ids.set(key, (id = ids.size));
      variant[c.id] = id;
    }
    return variant;
  }

  private keyPush(v: number): void {
    if (this.keyLength === this.key.length) {
      this.key = grownInt32(this.key, this.key.length + 1);
    }
    this.key[this.keyLength++] = v;
  }

  /** Lists the rules of pipeline stage si for class x (the first planLength of planRules); returns the stage's end. */
  private planStage(x: PeerClass, dir: number, si: number): 'Deny' | 'Pass' {
    const stage = this.stages[si];
    this.planLength = 0;
    const labels = this.sequenceLabels;
    if (stage.kind === 'admin') {
      const sequences = this.anpsOf[dir];
      const count = sequences.sequence(sequences.nodeOf[x.id], labels);
      for (let i = 0; i < count; i++) {
        const p = this.admin.anps[labels[i]];
        const rules = dir === INGRESS ? p.ingress : p.egress;
        for (let r = 0; r < rules.length; r++) this.planPush(this.fromAdmin(rules[r]));
      }
      return 'Pass';
    }
    if (stage.kind === 'baseline') {
      const banp = this.admin.banp!;
      const rules = dir === INGRESS ? banp.ingress : banp.egress;
      for (let r = 0; r < rules.length; r++) this.planPush(this.fromAdmin(rules[r]));
      return 'Pass';
    }
    const sequences = this.applyingMembers[si]![dir];
    const count = sequences.sequence(sequences.nodeOf[x.id], labels);
    const memberList = this.tierMemberLists[si];
    for (let a = 0; a < count; a++) {
      const m = memberList[labels[a]];
      if (m === 'k8s') {
        const nps = dir === INGRESS ? x.ingressPolicies : x.egressPolicies;
        for (let i = 0; i < nps.length; i++) {
          const rules = dir === INGRESS ? nps[i].ingress : nps[i].egress;
          for (let r = 0; r < rules.length; r++) this.planPush(this.fromNp(nps[i], rules[r]));
        }
        continue;
      }
      const cr = this.calicoRulesOf(m, dir);
      for (let i = 0; i < cr.rules.length; i++) {
        const l = cr.local[i];
        if (!l || l[x.id] === 1) this.planPush(this.fromCalico(m, cr.rules[i], dir));
      }
    }
    return stage.tier.defaultAction;
  }

  private planPush(r: CompiledRule): void {
    if (this.planLength < this.planRules.length) this.planRules[this.planLength] = r;
    else this.planRules.push(r);
    this.planLength++;
  }

  // ---- Rules compiled: peers as interned class lists, ports as keys.

  private compile(action: StageAction, peers: PeerLists, named: boolean, ports: (d: PodInfo | undefined) => ConnSet): CompiledRule {
    const id = this.compiledCount++;
    if (named) return { id, action, peers, key: -1, portsFor: ports, byNamedKind: new Int32Array(this.namedKindPod.length).fill(-1) };
    return { id, action, peers, key: this.flows.ruleKey(action, this.conns.id(ports(undefined))), portsFor: undefined, byNamedKind: undefined };
  }

  // Each memo below is a lookup, with the first-time work in a method of its own: callers that
  // take the lookup in whole stay small for the optimizing compiler.
  private fromAdmin(rule: AdminRuleSpec): CompiledRule {
    return this.compiledAdmin.get(rule) ?? this.compileAdmin(rule);
  }

  private compileAdmin(rule: AdminRuleSpec): CompiledRule {
    const c = this.compile(rule.action, this.adminMatch(rule), adminRuleNamed(rule), (d) => adminRulePorts(rule, d));
    this.compiledAdmin.set(rule, c);
    return c;
  }

  private fromNp(policy: PolicyInfo, rule: RuleSpec): CompiledRule {
    return this.compiledNp.get(rule) ?? this.compileNp(policy, rule);
  }

  private compileNp(policy: PolicyInfo, rule: RuleSpec): CompiledRule {
    const c = this.compile('Allow', this.npMatch(policy, rule), npRuleNamed(rule), (d) => rulePorts(rule, d));
    this.compiledNp.set(rule, c);
    return c;
  }

  private fromCalico(p: CalicoPolicyInfo, rule: CalicoRuleSpec, dir: number): CompiledRule {
    return this.compiledCalico[dir].get(rule) ?? this.compileCalico(p, rule, dir);
  }

  private compileCalico(p: CalicoPolicyInfo, rule: CalicoRuleSpec, dir: number): CompiledRule {
    const c = this.compile(rule.action as StageAction, this.calicoMatch(p, remoteSide(rule, DIRECTIONS[dir])), calicoRuleNamed(rule), (d) => calicoRulePorts(rule, d));
    this.compiledCalico[dir].set(rule, c);
    return c;
  }

  private listOf(l: readonly PeerClass[]): PeerList {
    let p = this.listsByArray.get(l);
    if (p) return p;
    const listIds = this.listIds;
    for (let i = 0; i < l.length; i++) listIds[i] = l[i].id;
    p = this.listsByContent.get(listIds, l.length);
    if (!p) this.listsByContent.set(listIds, (p = { id: this.listsByContent.size, classes: listIds.slice(0, l.length) }), l.length);
    this.listsByArray.set(l, p);
    return p;
  }

  private memoMatch(key: string, compute: () => PeerLists): PeerLists {
    let v = this.matchMemo.get(key);
    if (!v) this.matchMemo.set(key, (v = compute()));
    return v;
  }

  /** The classes an admin peer matches, namespace by namespace through the label index (as adminPeerMatches decides). */
  private adminPeerClasses(spec: AdminPeerSpec): readonly PeerClass[][] {
    const h = this.h;
    switch (spec.kind) {
      case 'namespaces':
        return this.namespaceNames.filter((ns) => matchesSelector(this.nsLabels.get(ns)!, spec.namespaces)).map((ns) => h.byNamespace.get(ns)!);
      case 'pods':
        return this.namespaceNames
          .filter((ns) => matchesSelector(this.nsLabels.get(ns)!, spec.namespaceSelector))
          .map((ns) => (isEmptySelector(spec.podSelector) ? h.byNamespace.get(ns)! : h.classesMatching(ns, spec.podSelector)));
      case 'networks':
        return [this.addresses.inAny(spec.cidrs)];
      case 'nodes':
        return [this.regular.filter((c) => adminPeerMatches(this.cluster, spec, { ip: c.representative.ip, pod: c.representative }))];
    }
  }

  private adminMatch(rule: AdminRuleSpec): PeerLists {
    return this.memoMatch(`a${keyText(rule.peers.map((p) => ({ ...p, path: undefined })))}`, () =>
      rule.peers.flatMap((p) => this.adminPeerClasses(p)).filter((l) => l.length > 0).map((l) => this.listOf(l)),
    );
  }

  /** Adds the class lists an NetworkPolicy peer matches to `out`. */
  private npPeerClasses(policy: PolicyInfo, peer: PeerSpec, out: PeerList[]): void {
    const h = this.h;
    if (peer.kind === 'ipBlock') {
      const b = h.blockIds.get(`${peer.cidr.text}-${peer.except.map((e) => e.text).sort().join(',')}`);
      if (b === undefined) return;
      let l = this.blockMemo.get(b);
      if (!l) this.blockMemo.set(b, (l = this.addresses.inAny([peer.cidr]).filter((c) => h.inBlock(c.representative, b))));
      if (l.length) out.push(this.listOf(l));
      return;
    }
    const nss = peer.namespaceSelector ? h.namespacesMatching(peer.namespaceSelector) : [policy.namespace];
    const names = nss === 'all' ? this.namespaceNames : nss;
    const whole = !peer.podSelector || isEmptySelector(peer.podSelector);
    for (const ns of names) {
      const l = whole ? h.byNamespace.get(ns) : h.classesMatching(ns, peer.podSelector!);
      if (l && l.length) out.push(this.listOf(l));
    }
  }

  private npMatch(policy: PolicyInfo, rule: RuleSpec): PeerLists {
    if (rule.peers === 'all') return this.everyPeer;
    const out: PeerList[] = [];
    for (const p of rule.peers) this.npPeerClasses(policy, p, out);
    return out;
  }

  private calicoMatch(p: CalicoPolicyInfo, e: CalicoEntity): PeerLists {
    if (e.anyPeer && !e.notNets && !e.notSelector) return this.everyPeer;
    return this.memoMatch(`c${p.namespace ?? ''}\u0000${keyText(e)}`, () => {
      // Candidates: the classes with the selector's rarest label pair, or inside the nets.
      let candidates = e.selector ? this.endpointPairs.candidates(e.selector, this.regular) : this.regular;
      if (e.nets && candidates.length > 16) {
        const inNets = this.addresses.inAny(e.nets);
        if (inNets.length < candidates.length) candidates = inNets;
      }
      const matched = candidates.filter((c) => entityMatches(this.cluster, p, e, c.representative, this.classAddr[c.id]));
      return matched.length ? [this.listOf(matched)] : [];
    });
  }

  // ---- Who policies apply to.

  private subjectClasses(p: AdminPolicyInfo): readonly PeerClass[][] {
    const s = p.subject;
    if (s.namespaces) return this.adminPeerClasses({ kind: 'namespaces', namespaces: s.namespaces, path: [] });
    if (s.pods) return this.adminPeerClasses({ kind: 'pods', namespaceSelector: s.pods.namespaceSelector, podSelector: s.pods.podSelector, path: [] });
    return [];
  }

  /** The classes a Calico policy applies to (selector and namespace; the direction is checked by its types). */
  private calicoSubject(p: CalicoPolicyInfo): PeerClass[] {
    let m = this.calicoSubjects.get(p);
    if (!m) {
      // Platform policies often share a selector (a team's, `all()`): each is tested once.
      const key = keyText([p.namespace ?? null, p.namespaceSelector ?? null, p.selector]);
      m = this.subjectsBySelector.get(key);
      if (!m) {
        const among = p.namespace !== undefined ? this.h.byNamespace.get(p.namespace) ?? [] : this.regular;
        m = this.endpointPairs.candidates(p.selector, among).filter((c) => calicoSelects(this.cluster, p, c.representative));
        this.subjectsBySelector.set(key, m);
      }
      this.calicoSubjects.set(p, m);
    }
    return m;
  }

  private calicoRulesOf(p: CalicoPolicyInfo, dir: number): CalicoRules {
    return this.calicoRulesMemo[dir].get(p) ?? this.calicoRulesOnce(p, dir);
  }

  private calicoRulesOnce(p: CalicoPolicyInfo, dir: number): CalicoRules {
    const direction = DIRECTIONS[dir];
    const rules = (dir === INGRESS ? p.ingress : p.egress).filter((x) => x.action !== 'Log');
    const local = rules.map((x) => {
      const e = dir === INGRESS ? x.destination : x.source;
      if (!e.selector && !e.notSelector && !e.namespaceSelector && !e.nets && !e.notNets) return undefined;
      const m = new Uint8Array(this.n);
      for (const c of this.regular) if (localSideMatches(this.cluster, p, x, direction, c.representative)) m[c.id] = 1;
      return m;
    });
    const r: CalicoRules = { policy: p, rules, local, named: rules.some(calicoRuleNamed) };
    this.calicoRulesMemo[dir].set(p, r);
    return r;
  }

  private npId(p: PolicyInfo): number {
    return this.npIds.get(p) ?? this.newNpId(p);
  }

  private newNpId(p: PolicyInfo): number {
    const id = this.npIds.size;
    this.npIds.set(p, id);
    return id;
  }

  private npIsNamed(p: PolicyInfo, dir: number): boolean {
    return this.npNamed[dir].get(p) ?? this.npNamedOnce(p, dir);
  }

  private npNamedOnce(p: PolicyInfo, dir: number): boolean {
    const named = (dir === INGRESS ? p.ingress : p.egress).some(npRuleNamed);
    this.npNamed[dir].set(p, named);
    return named;
  }
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

