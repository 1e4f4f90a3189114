import { FlowStates } from './flow-states';
import { IntArena } from './int-arena';
import { SequenceMap } from './sequence-map';
import { Sparse, SparseMaker } from './sparse';
import { StageVerdict } from './stage-stepper';

/**
 * Every peer's answer (a ConnIds id) for one class in one direction: the composition of its
 * stages. Classes of a namespace usually share their first stages (the same admin and platform
 * policies) and differ in the last (their own NetworkPolicy), which names few peers. So a row
 * is kept in two layers: `shared`, what the first stages and the last stage's common verdict
 * give every peer (one Sparse for all classes with the same first stages and common verdict),
 * and the peers the last stage names, with their own answers, which override it.
 */
export interface Row {
  shared: Sparse;
  peers: Int32Array;
  values: Int32Array;
}

/**
 * The composition of a row's first stages, as verdicts (not yet final): `base` for every peer
 * but `named`, which have `values`. `shared` holds the finished shared layers, by the common
 * verdict of the stage that follows.
 */
interface Prefix {
  base: number;
  named: Int32Array;
  values: Int32Array;
  shared: Map<number, Sparse>;
}

/**
 * Composes stage verdicts into rows, keeping rows and their prefixes by the ids of the stage
 * verdicts they compose, so classes with the same stages share one row object (pair-counts.ts
 * counts shared rows once). A class, so its methods (hot in every computation) keep what the
 * JIT learnt from one computation to the next.
 */
export class StageRows {
  private readonly rows = new SequenceMap<Row>();
  private readonly prefixes = new SequenceMap<Prefix>();
  private readonly emptyPrefix: Prefix;
  private stageIds = new Int32Array(16);
  private stamp = 0;
  // Scratch by peer: a row's verdicts so far (`current`, valid where inRow holds the row's stamp),
  // a stage's own verdicts (`stageValue`, where inStage holds the stage's stamp).
  private readonly current: Int32Array;
  private readonly inRow: Int32Array;
  private readonly stageValue: Int32Array;
  private readonly inStage: Int32Array;
  private readonly named: Int32Array;
  private readonly gathered: Int32Array;
  /**
   * The prefix last spread out by peer: a peer's verdict is prefixValue[y] when prefixMark[y] ===
   * spreadMark, else the prefix's base. Until the first spread, a placeholder no row has.
   */
  private spread: Prefix;
  private spreadMark = 0;
  private readonly prefixValue: Int32Array;
  private readonly prefixMark: Int32Array;

  constructor(
    n: number,
    private readonly flows: FlowStates,
    private readonly sparse: SparseMaker,
    private readonly arena: IntArena,
  ) {
    const none = new Int32Array(0);
    this.emptyPrefix = { base: flows.open, named: none, values: none, shared: new Map() };
    this.spread = { base: flows.open, named: none, values: none, shared: new Map() };
    this.current = new Int32Array(n);
    this.inRow = new Int32Array(n);
    this.stageValue = new Int32Array(n);
    this.inStage = new Int32Array(n);
    this.named = new Int32Array(n);
    this.gathered = new Int32Array(n);
    this.prefixValue = new Int32Array(n);
    this.prefixMark = new Int32Array(n);
  }

  /** The row composed of the first `count` (at least one) of `svs`, in order. */
  rowOf(svs: readonly StageVerdict[], count: number): Row {
    if (this.stageIds.length < count) this.stageIds = new Int32Array(count * 2);
    const stageIds = this.stageIds;
    for (let i = 0; i < count; i++) stageIds[i] = svs[i].id;
    const known = this.rows.get(stageIds, count);
    if (known) return known;
    const prefix = this.prefixOf(svs, count - 1);
    const last = svs[count - 1].verdicts;
    const shared = this.sharedLayer(prefix, last);
    this.spreadOut(prefix);
    const flows = this.flows;
    const gathered = this.gathered;
    const prefixValue = this.prefixValue;
    const prefixMark = this.prefixMark;
    const spreadMark = this.spreadMark;
    const peers = last.peers;
    for (let i = 0; i < peers.length; i++) {
      const y = peers[i];
      gathered[i] = flows.final(flows.compose(prefixMark[y] === spreadMark ? prefixValue[y] : prefix.base, last.values[i]));
    }
    const row: Row = { shared, peers, values: this.arena.copy(gathered, peers.length) };
    this.rows.set(stageIds, row, count);
    return row;
  }

  /** Every peer the last stage does not name: the prefix's verdict, then the last stage's common one. */
  private sharedLayer(prefix: Prefix, last: Sparse): Sparse {
    let shared = prefix.shared.get(last.base);
    if (shared) return shared;
    const flows = this.flows;
    const mark = ++this.stamp;
    for (let i = 0; i < prefix.named.length; i++) {
      const y = prefix.named[i];
      this.inRow[y] = mark;
      this.current[y] = flows.final(flows.compose(prefix.values[i], last.base));
    }
    shared = this.sparse.of(prefix.named, prefix.named.length, this.current, flows.final(flows.compose(prefix.base, last.base)), this.inRow, mark);
    prefix.shared.set(last.base, shared);
    return shared;
  }

  /** Makes `prefix` the one spread out by peer (see prefixValue). */
  private spreadOut(prefix: Prefix): void {
    if (this.spread === prefix) return;
    this.spread = prefix;
    const mark = (this.spreadMark = ++this.stamp);
    for (let i = 0; i < prefix.named.length; i++) {
      this.prefixValue[prefix.named[i]] = prefix.values[i];
      this.prefixMark[prefix.named[i]] = mark;
    }
  }

  /** The composition of the first `length` stages of `svs` (their ids in stageIds), continued from the longest one kept. */
  private prefixOf(svs: readonly StageVerdict[], length: number): Prefix {
    if (length === 0) return this.emptyPrefix;
    const stageIds = this.stageIds;
    const kept = this.prefixes.get(stageIds, length);
    if (kept) return kept;
    const flows = this.flows;
    const named = this.named;
    const inRow = this.inRow;
    const current = this.current;
    const rowMark = ++this.stamp;
    let count = 0;
    let base = flows.open;
    let from = 0;
    for (let j = length - 1; j >= 1; j--) {
      const p = this.prefixes.get(stageIds, j);
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
    let out = this.emptyPrefix;
    for (let j = from; j < length; j++) {
      const sv = svs[j].verdicts;
      count = this.composeStage(sv, base, count, rowMark);
      base = flows.compose(base, sv.base);
      // Stages 0..j are composed: keep them for the rows that share them.
      const gathered = this.gathered;
      for (let i = 0; i < count; i++) gathered[i] = current[named[i]];
      out = { base, named: this.arena.copy(named, count), values: this.arena.copy(gathered, count), shared: new Map() };
      this.prefixes.set(stageIds, out, j + 1);
    }
    return out;
  }

  /**
   * Meets the `count` peers named so far (with `base` for all others) with one more stage;
   * returns how many are named after it.
   */
  private composeStage(sv: Sparse, base: number, count: number, rowMark: number): number {
    const flows = this.flows;
    const named = this.named;
    const inRow = this.inRow;
    const current = this.current;
    const stageValue = this.stageValue;
    const inStage = this.inStage;
    const stageMark = ++this.stamp;
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
    return count;
  }
}
