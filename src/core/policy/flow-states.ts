import { grownInt32 } from './int-arena';
import { ConnIds } from './conn-ids';
import { PairTable } from './pair-table';

export type StageAction = 'Allow' | 'Deny' | 'Pass';

/**
 * What the ordered policy stages have decided about one direction of the connections between a
 * class and one peer, as integers, so the all-pairs matrix steps millions of peers through
 * table lookups.
 *
 * - Inside a stage a state is (allowed, passed, undecided): a rule whose ports meet the
 *   undecided part takes that part (Allow keeps it, Pass hands it to the next stage, Deny drops
 *   it); the first matching rule wins, so what it took is no longer undecided.
 * - A stage's end turns that into a verdict (allowed, open): open is what goes on to the next
 *   stage — the passed part, plus the undecided part when the stage ends in Pass.
 * - Verdicts compose stage after stage: a later stage decides only what is still open, and first
 *   match commutes with narrowing its input, so each stage is evaluated once from "everything
 *   undecided" and composed by intersection.
 * - After the last stage whatever is still open is allowed.
 */
export class FlowStates {
  /** In-stage start: nothing allowed or passed, everything undecided. */
  readonly stageStart: number;
  /** The verdict before any stage: nothing decided, everything open. */
  readonly open: number;

  private readonly allowPass = new PairInterner();
  private readonly inStage = new PairInterner();
  private readonly verdicts = new PairInterner();
  private readonly ruleSteps = new PairTable();
  private readonly composed = new PairTable();
  // Memos by state or verdict id, -1 when not known yet (typed: filled out of order, a plain
  // array would turn into a slow dictionary).
  private readonly endPass = new GrowingIds();
  private readonly endDeny = new GrowingIds();
  private readonly finals = new GrowingIds();

  constructor(readonly conns: ConnIds) {
    this.stageStart = this.inStage.id(this.allowPass.id(ConnIds.NONE, ConnIds.NONE), ConnIds.ALL);
    this.open = this.verdicts.id(ConnIds.NONE, ConnIds.ALL);
  }

  /** A rule's effect as one integer: its action and the id of its ports. */
  ruleKey(action: StageAction, ports: number): number {
    return ports * 3 + (action === 'Allow' ? 0 : action === 'Deny' ? 1 : 2);
  }

  /** The in-stage state after a rule (given by ruleKey) that matches the peer. */
  applyRule(state: number, rule: number): number {
    // The lookup alone, so callers that take this in whole take little; the work is apart.
    const r = this.ruleSteps.get(state, rule);
    return r >= 0 ? r : this.stepOnce(state, rule);
  }

  private stepOnce(state: number, rule: number): number {
    const c = this.conns;
    const ap = this.inStage.first(state);
    const rest = this.inStage.second(state);
    let allow = this.allowPass.first(ap);
    let passed = this.allowPass.second(ap);
    const ports = Math.floor(rule / 3);
    const hit = c.intersect(rest, ports);
    let r = state;
    if (!c.isEmpty(hit)) {
      const action = rule % 3;
      if (action === 0) allow = c.union(allow, hit);
      else if (action === 2) passed = c.union(passed, hit);
      r = this.inStage.id(this.allowPass.id(allow, passed), c.minus(rest, hit));
    }
    this.ruleSteps.set(state, rule, r);
    return r;
  }

  /** The stage's verdict for a peer that ends the stage in this state. */
  endStage(state: number, end: 'Deny' | 'Pass'): number {
    const v = (end === 'Pass' ? this.endPass : this.endDeny).get(state);
    return v >= 0 ? v : this.endOnce(state, end);
  }

  private endOnce(state: number, end: 'Deny' | 'Pass'): number {
    const ap = this.inStage.first(state);
    const passed = this.allowPass.second(ap);
    const open = end === 'Pass' ? this.conns.union(passed, this.inStage.second(state)) : passed;
    const v = this.verdicts.id(this.allowPass.first(ap), open);
    (end === 'Pass' ? this.endPass : this.endDeny).set(state, v);
    return v;
  }

  /** `before`, then a stage whose verdict is `stage`. */
  compose(before: number, stage: number): number {
    const r = this.composed.get(before, stage);
    return r >= 0 ? r : this.composeOnce(before, stage);
  }

  private composeOnce(before: number, stage: number): number {
    const c = this.conns;
    const open = this.verdicts.second(before);
    const allow = c.union(this.verdicts.first(before), c.intersect(open, this.verdicts.first(stage)));
    const r = this.verdicts.id(allow, c.intersect(open, this.verdicts.second(stage)));
    this.composed.set(before, stage, r);
    return r;
  }

  /** What a verdict allows once every stage is done (open means allowed by default). */
  final(verdict: number): number {
    const r = this.finals.get(verdict);
    return r >= 0 ? r : this.finalOnce(verdict);
  }

  private finalOnce(verdict: number): number {
    const r = this.conns.union(this.verdicts.first(verdict), this.verdicts.second(verdict));
    this.finals.set(verdict, r);
    return r;
  }

  allowedOf(verdict: number): number {
    return this.verdicts.first(verdict);
  }

  openOf(verdict: number): number {
    return this.verdicts.second(verdict);
  }
}

/** Pairs of ids as ids. */
class PairInterner {
  private readonly ids = new PairTable();
  private readonly firsts: number[] = [];
  private readonly seconds: number[] = [];

  id(a: number, b: number): number {
    let id = this.ids.get(a, b);
    if (id < 0) {
      id = this.firsts.length;
      this.firsts.push(a);
      this.seconds.push(b);
      this.ids.set(a, b, id);
    }
    return id;
  }

  first(id: number): number {
    return this.firsts[id];
  }

  second(id: number): number {
    return this.seconds[id];
  }
}

/** A memo from small non-negative ids to ids (-1: not known), growing as ids appear. */
class GrowingIds {
  private values = new Int32Array(64).fill(-1);

  get(id: number): number {
    return id < this.values.length ? this.values[id] : -1;
  }

  set(id: number, value: number): void {
    if (id >= this.values.length) {
      this.values = grownInt32(this.values, id + 1, -1);
    }
    this.values[id] = value;
  }
}
