import { grownInt32 } from './int-arena';
import { PodInfo } from '../cluster/model';
import { ConnIds } from './conn-ids';
import { ConnSet } from './connset';
import { ContentMap } from './content-map';
import { FlowStates, StageAction } from './flow-states';
import { objectArray } from './object-array';
import { PeerCells } from './peer-cells';
import { Sparse, SparseMaker } from './sparse';

/**
 * A list of peer classes as their ids, interned by content: equal lists are one object with one
 * `id`, so two stages whose rules name the same lists are recognised as the same stage.
 */
export interface PeerList {
  id: number;
  classes: Int32Array;
}
export type PeerLists = readonly PeerList[];

/** A policy rule ready for stepping: its action, the peer classes it matches and its ports. */
export interface CompiledRule {
  /** Numbers the rules compiled in one computation. */
  id: number;
  action: StageAction;
  /** The peer classes it matches, as the interned lists the selectors gave (a class may appear twice: applying a rule again changes nothing). */
  peers: PeerLists;
  /** FlowStates.ruleKey of its action and ports; -1 when named ports make them depend on the destination. */
  key: number;
  /** Ports resolved on a destination, for rules with named ports (undefined otherwise). */
  portsFor: ((destination: PodInfo) => ConnSet) | undefined;
  /** ruleKey by destination named-port kind (-1: not resolved yet); undefined without named ports. */
  byNamedKind: Int32Array | undefined;
}

/** One stage's verdicts for every peer, with an id equal for equal verdicts. */
export interface StageVerdict {
  id: number;
  verdicts: Sparse;
}

/**
 * Evaluates a stage (its rules in order, then its end) for every peer at once. Most peers match
 * none of the stage's rules and share one verdict (`base`); only the peers some rule names are
 * stepped, from "everything undecided", and listed with their own verdict.
 *
 * Different policies often come down to the same stage: each class's own NetworkPolicy names
 * the same peers with the same ports as its neighbours' do, admin policies without a peer among
 * the pods leave every peer alike. So stages are known by what they step (their rules' keys and
 * peer lists, the plan key), and verdicts by their content: equal ones get one id, and the rows
 * composed from them are shared in turn. Both serve either direction: a verdict is a function
 * of its content alone.
 *
 * A class, so the code the engine runs hottest lives in methods shared by every computation:
 * what the JIT learnt on one computation still serves the next.
 */
export class StageStepper {
  private readonly byPlan = new ContentMap<StageVerdict>();
  private readonly byContent = new ContentMap<StageVerdict>();
  private planKey = new Int32Array(64);
  private planLength = 0;
  private readonly contentKey: Int32Array;
  private stageCount = 0;
  /** Per peer, its in-stage state while a stage is stepped peer by peer, and the stamp that says it is named. */
  private readonly peerState: Int32Array;
  private readonly peerMark: Int32Array;
  private mark = 0;
  /** Peers a stage's rules named so far, in order of first mention. */
  private readonly touched: Int32Array;
  private readonly cells: PeerCells;
  /** Per peer list id: its position among the stage's lists, valid when listMark holds listStamp. */
  private listSlot = new Int32Array(64);
  private listMark = new Int32Array(64);
  private listStamp = 0;
  private readonly stageLists = objectArray<Int32Array>(new Int32Array(0));
  private cellState = new Int32Array(64);

  constructor(
    n: number,
    private readonly flows: FlowStates,
    private readonly conns: ConnIds,
    /** The one PeerLists object that means "every peer" (rules with it step every peer, named or not). */
    private readonly everyPeer: PeerLists,
    /** The named-port kind of each class (classes whose pods name the same ports alike share one). */
    private readonly namedKind: Int32Array,
    /** A pod of each named-port kind, to resolve named ports on. */
    private readonly namedKindPod: readonly PodInfo[],
    private readonly sparse: SparseMaker,
  ) {
    this.contentKey = new Int32Array(2 * n + 1);
    this.peerState = new Int32Array(n);
    this.peerMark = new Int32Array(n);
    this.touched = new Int32Array(n);
    this.cells = new PeerCells(n);
  }

  /** A rule's key towards destinations of one named-port kind. */
  keyFor(r: CompiledRule, kind: number): number {
    return r.key >= 0 ? r.key : this.namedKey(r, kind);
  }

  private namedKey(r: CompiledRule, kind: number): number {
    const byKind = r.byNamedKind!;
    let k = byKind[kind];
    if (k < 0) k = byKind[kind] = this.flows.ruleKey(r.action, this.conns.id(r.portsFor!(this.namedKindPod[kind])));
    return k;
  }

  /**
   * The verdict of the stage made of the first `count` of `rules` and `end`, for a class of
   * named-port kind `kind` (ingress rules resolve named ports on it); `egress`: egress rules
   * with named ports resolve them on each peer instead.
   */
  verdictOf(rules: readonly CompiledRule[], count: number, end: 'Deny' | 'Pass', egress: boolean, kind: number): StageVerdict {
    // What the stepping below reads: the end, and per rule its key (or, for ports resolved per
    // peer, the rule itself) and its peer lists.
    this.planLength = 0;
    this.planPush(end === 'Pass' ? 0 : 1);
    let perPeer = false;
    for (let i = 0; i < count; i++) {
      const r = rules[i];
      const resolvedPerPeer = egress && r.key < 0;
      if (resolvedPerPeer) perPeer = true;
      this.planPush(resolvedPerPeer ? -1 - r.id : this.keyFor(r, kind));
      const peers = r.peers;
      this.planPush(peers.length);
      for (let j = 0; j < peers.length; j++) this.planPush(peers[j].id);
    }
    let sv = this.byPlan.get(this.planKey, this.planLength);
    if (sv) return sv;
    const verdicts = perPeer ? this.stepPeers(rules, count, end, kind) : this.stepCells(rules, count, end, kind);
    const peerCount = verdicts.peers.length;
    const length = 2 * peerCount + 1;
    const contentKey = this.contentKey;
    contentKey[0] = verdicts.base;
    contentKey.set(verdicts.peers, 1);
    contentKey.set(verdicts.values, 1 + peerCount);
    sv = this.byContent.get(contentKey, length);
    if (!sv) {
      sv = { id: this.stageCount++, verdicts };
      this.byContent.set(contentKey, sv, length);
    }
    this.byPlan.set(this.planKey, sv, this.planLength);
    return sv;
  }

  private planPush(v: number): void {
    if (this.planLength === this.planKey.length) {
      this.planKey = grownInt32(this.planKey, this.planKey.length + 1);
    }
    this.planKey[this.planLength++] = v;
  }

  /** A stage stepped peer by peer (needed when an egress rule's ports resolve on each peer). */
  private stepPeers(rules: readonly CompiledRule[], count: number, end: 'Deny' | 'Pass', kind: number): Sparse {
    const flows = this.flows;
    const state = this.peerState;
    const marks = this.peerMark;
    const touched = this.touched;
    const mark = ++this.mark;
    let named = 0;
    // The state of every peer no rule has named yet; a rule for every peer steps it and each named one.
    let untouched = flows.stageStart;
    for (let ri = 0; ri < count; ri++) {
      const r = rules[ri];
      // Named ports resolve on each peer (the destination); otherwise one key serves every peer.
      const perPeer = r.key < 0;
      const key = perPeer ? -1 : this.keyFor(r, kind);
      if (r.peers === this.everyPeer && !perPeer) {
        untouched = flows.applyRule(untouched, key);
        for (let i = 0; i < named; i++) state[touched[i]] = flows.applyRule(state[touched[i]], key);
        continue;
      }
      for (let li = 0; li < r.peers.length; li++) {
        const ids = r.peers[li].classes;
        for (let i = 0; i < ids.length; i++) {
          const y = ids[i];
          if (marks[y] !== mark) {
            marks[y] = mark;
            state[y] = untouched;
            touched[named++] = y;
          }
          state[y] = flows.applyRule(state[y], perPeer ? this.keyFor(r, this.namedKind[y]) : key);
        }
      }
    }
    for (let i = 0; i < named; i++) state[touched[i]] = flows.endStage(state[touched[i]], end);
    return this.sparse.of(touched, named, state, flows.endStage(untouched, end), marks, mark);
  }

  /**
   * A stage stepped cell by cell (peers its rules' lists name alike, see PeerCells): each rule
   * steps the cells inside its lists, a rule for every peer all of them and the peers none names.
   */
  private stepCells(rules: readonly CompiledRule[], count: number, end: 'Deny' | 'Pass', kind: number): Sparse {
    const flows = this.flows;
    const cells = this.cells;
    const lists = this.stageLists;
    const listStamp = ++this.listStamp;
    lists.length = 0;
    for (let ri = 0; ri < count; ri++) {
      const peers = rules[ri].peers;
      if (peers === this.everyPeer) continue;
      for (let li = 0; li < peers.length; li++) {
        const l = peers[li];
        if (l.id >= this.listMark.length) this.growLists(l.id);
        if (this.listMark[l.id] === listStamp) continue;
        this.listMark[l.id] = listStamp;
        this.listSlot[l.id] = lists.length;
        lists.push(l.classes);
      }
    }
    cells.split(lists);
    const cellCount = cells.cellCount;
    if (this.cellState.length < cellCount) this.cellState = new Int32Array(cellCount * 2);
    const cellState = this.cellState;
    cellState.fill(flows.stageStart, 0, cellCount);
    let untouched = flows.stageStart;
    for (let ri = 0; ri < count; ri++) {
      const r = rules[ri];
      const key = this.keyFor(r, kind);
      const peers = r.peers;
      if (peers === this.everyPeer) {
        untouched = flows.applyRule(untouched, key);
        for (let c = 0; c < cellCount; c++) cellState[c] = flows.applyRule(cellState[c], key);
        continue;
      }
      for (let li = 0; li < peers.length; li++) {
        const slot = this.listSlot[peers[li].id];
        // A cell in two of the rule's lists is stepped twice: applying a rule again changes nothing.
        for (let i = cells.cellStart[slot]; i < cells.cellStart[slot + 1]; i++) {
          const c = cells.cells[i];
          cellState[c] = flows.applyRule(cellState[c], key);
        }
      }
    }
    for (let c = 0; c < cellCount; c++) cellState[c] = flows.endStage(cellState[c], end);
    const state = this.peerState;
    for (let i = 0; i < cells.namedCount; i++) {
      const y = cells.named[i];
      state[y] = cellState[cells.cellOf[y]];
    }
    return this.sparse.of(cells.named, cells.namedCount, state, flows.endStage(untouched, end), cells.marks, cells.mark);
  }

  private growLists(id: number): void {
    this.listMark = grownInt32(this.listMark, id + 1);
    this.listSlot = grownInt32(this.listSlot, id + 1);
  }
}
