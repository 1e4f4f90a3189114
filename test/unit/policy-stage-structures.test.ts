import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodInfo } from '../../src/core/cluster/model';
import { ConnIds } from '../../src/core/policy/conn-ids';
import { ConnSet } from '../../src/core/policy/connset';
import { FlowStates, StageAction } from '../../src/core/policy/flow-states';
import { IntArena } from '../../src/core/policy/int-arena';
import { Sparse, SparseMaker } from '../../src/core/policy/sparse';
import { StageRows } from '../../src/core/policy/stage-rows';
import { CompiledRule, PeerList, PeerLists, StageStepper, StageVerdict } from '../../src/core/policy/stage-stepper';
import { rng } from '../support/random';

/**
 * The stage machinery of the class-based policy engine, each part against a plain reference:
 * sparse rows against the dense values they stand for, a stage's verdicts against stepping
 * each peer through the rules that name it, rows against composing each peer's verdicts stage
 * after stage.
 */

function denseOf(s: Sparse, n: number): number[] {
  const out = new Array<number>(n).fill(s.base);
  for (let i = 0; i < s.peers.length; i++) out[s.peers[i]] = s.values[i];
  return out;
}

test('SparseMaker lists exactly the peers whose value differs from the most common one', () => {
  const r = rng(5);
  for (const n of [1, 7, 60]) {
    // Peers 0..n-1, some left out (as hostNetwork classes are).
    const peers = Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 5 !== 4);
    const maker = new SparseMaker(n, peers, new IntArena(16));
    const marks = new Int32Array(n);
    const value = new Int32Array(n);
    for (let round = 1; round < 300; round++) {
      const named = peers.filter(() => r() < 0.5);
      const others = Math.floor(r() * 4);
      for (const y of named) value[y] = Math.floor(r() * (r() < 0.3 ? 200 : 4));
      for (const y of named) marks[y] = round;
      const s = maker.of(named, named.length, value, others, marks, round);
      const want = new Map<number, number>();
      for (const y of peers) want.set(y, marks[y] === round ? value[y] : others);
      const got = denseOf(s, n);
      for (const y of peers) assert.equal(got[y], want.get(y), `n ${n} round ${round} peer ${y}`);
      // The base is the most common value (the lowest on a tie), and no listed peer has it.
      const tally = new Map<number, number>();
      for (const v of want.values()) tally.set(v, (tally.get(v) ?? 0) + 1);
      const most = Math.max(...tally.values());
      assert.equal(s.base, Math.min(...[...tally].filter(([, c]) => c === most).map(([v]) => v)), `n ${n} round ${round}`);
      for (let i = 0; i < s.values.length; i++) assert.notEqual(s.values[i], s.base);
      assert.equal(new Set(s.peers).size, s.peers.length);
    }
  }
});

interface Fixture {
  n: number;
  conns: ConnIds;
  flows: FlowStates;
  everyPeer: PeerLists;
  lists: PeerList[];
  namedKind: Int32Array;
  kindPods: PodInfo[];
  portsByKind: ConnSet[][];
  stepper: StageStepper;
  sparse: SparseMaker;
  arena: IntArena;
}

const ACTIONS: StageAction[] = ['Allow', 'Deny', 'Pass'];
const PORT_SETS = [ConnSet.ALL, ConnSet.port('TCP', 80), ConnSet.of('TCP', 80, 90), ConnSet.port('UDP', 53), ConnSet.of('TCP', 1, 1000)];

function fixture(r: () => number, n: number): Fixture {
  const conns = new ConnIds();
  const flows = new FlowStates(conns);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const everyPeer: PeerLists = [{ id: 0, classes: all }];
  const lists: PeerList[] = [];
  for (let i = 1; i <= 12; i++) lists.push({ id: i, classes: all.filter(() => r() < 0.3) });
  const kinds = 3;
  const namedKind = Int32Array.from({ length: n }, () => Math.floor(r() * kinds));
  const kindPods = Array.from({ length: kinds }, (_, k) => ({ name: `kind-${k}` }) as unknown as PodInfo);
  // A named-port rule's ports on each kind.
  const portsByKind = Array.from({ length: 4 }, () => Array.from({ length: kinds }, () => PORT_SETS[Math.floor(r() * PORT_SETS.length)]));
  const arena = new IntArena(64);
  const sparse = new SparseMaker(n, all, arena);
  const stepper = new StageStepper(n, flows, conns, everyPeer, namedKind, kindPods, sparse);
  return { n, conns, flows, everyPeer, lists, namedKind, kindPods, portsByKind, stepper, sparse, arena };
}

let ruleIds = 0;
function randomRule(r: () => number, f: Fixture, named: boolean): CompiledRule {
  const action = ACTIONS[Math.floor(r() * ACTIONS.length)];
  const peers: PeerLists = r() < 0.2 ? f.everyPeer : f.lists.filter(() => r() < 0.25);
  if (named) {
    const byKind = f.portsByKind[Math.floor(r() * f.portsByKind.length)];
    return {
      id: ruleIds++, action, peers, key: -1,
      portsFor: (d: PodInfo) => byKind[f.kindPods.indexOf(d)],
      byNamedKind: new Int32Array(f.kindPods.length).fill(-1),
    };
  }
  const ports = PORT_SETS[Math.floor(r() * PORT_SETS.length)];
  return { id: ruleIds++, action, peers, key: f.flows.ruleKey(action, f.conns.id(ports)), portsFor: undefined, byNamedKind: undefined };
}

/** Each peer stepped through the rules that name it, one after another, then the stage's end. */
function referenceStage(f: Fixture, rules: CompiledRule[], end: 'Deny' | 'Pass', egress: boolean, kind: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < f.n; y++) {
    let state = f.flows.stageStart;
    for (const rule of rules) {
      const names = rule.peers === f.everyPeer || rule.peers.some((l) => l.classes.includes(y));
      if (!names) continue;
      // Named ports resolve on the destination: the peer for egress, the class itself for ingress.
      const ports = rule.key >= 0 ? rule.key : f.flows.ruleKey(rule.action, f.conns.id(rule.portsFor!(f.kindPods[egress ? f.namedKind[y] : kind])));
      state = f.flows.applyRule(state, ports);
    }
    out.push(f.flows.endStage(state, end));
  }
  return out;
}

test('StageStepper gives each peer the verdict of stepping it through the rules that name it, and one verdict object per plan and per content', () => {
  const r = rng(17);
  for (const n of [3, 40]) {
    const f = fixture(r, n);
    const seen: { verdict: StageVerdict; dense: number[] }[] = [];
    for (let round = 0; round < 150; round++) {
      const egress = r() < 0.5;
      const kind = Math.floor(r() * f.kindPods.length);
      const end = r() < 0.5 ? 'Deny' : 'Pass';
      const rules = Array.from({ length: Math.floor(r() * 6) }, () => randomRule(r, f, r() < 0.25));
      const sv = f.stepper.verdictOf(rules, rules.length, end, egress, kind);
      const want = referenceStage(f, rules, end, egress, kind);
      assert.deepEqual(denseOf(sv.verdicts, n), want, `n ${n} round ${round} (${egress ? 'egress' : 'ingress'})`);
      // The same plan again is the same object; so is an equal stage (the last rule applied twice changes nothing).
      assert.equal(f.stepper.verdictOf(rules, rules.length, end, egress, kind), sv);
      if (rules.length) {
        const again = [...rules, rules[rules.length - 1]];
        assert.equal(f.stepper.verdictOf(again, again.length, end, egress, kind).id, sv.id);
      }
      // Only the first `count` rules count.
      if (rules.length > 1) {
        const shorter = f.stepper.verdictOf(rules, rules.length - 1, end, egress, kind);
        assert.deepEqual(denseOf(shorter.verdicts, n), referenceStage(f, rules.slice(0, -1), end, egress, kind));
      }
      // Ids are equal exactly when the verdicts are.
      for (const s of seen) assert.equal(s.verdict.id === sv.id, s.dense.join() === want.join(), `n ${n} round ${round}`);
      seen.push({ verdict: sv, dense: want });
    }
  }
});

test('StageRows composes each peer\'s verdicts stage after stage, and gives equal stage sequences one row', () => {
  const r = rng(29);
  for (const n of [2, 30]) {
    const f = fixture(r, n);
    // A pool of real stage verdicts to compose.
    const pool: StageVerdict[] = [];
    for (let i = 0; i < 12; i++) {
      const rules = Array.from({ length: 1 + Math.floor(r() * 4) }, () => randomRule(r, f, false));
      pool.push(f.stepper.verdictOf(rules, rules.length, r() < 0.5 ? 'Deny' : 'Pass', false, 0));
    }
    const rows = new StageRows(n, f.flows, f.sparse, f.arena);
    const made = new Map<string, unknown>();
    for (let round = 0; round < 300; round++) {
      // Few stages from a small pool, so prefixes and whole sequences recur.
      const svs = Array.from({ length: 1 + Math.floor(r() * 4) }, () => pool[Math.floor(r() * (r() < 0.5 ? 3 : pool.length))]);
      const row = rows.rowOf(svs, svs.length);
      const got = denseOf(row.shared, n);
      for (let i = 0; i < row.peers.length; i++) got[row.peers[i]] = row.values[i];
      const want: number[] = [];
      for (let y = 0; y < n; y++) {
        let v = f.flows.open;
        for (const sv of svs) v = f.flows.compose(v, denseOf(sv.verdicts, n)[y]);
        want.push(f.flows.final(v));
      }
      const ids = svs.map((s) => s.id).join();
      assert.deepEqual(got, want, `n ${n} round ${round}: stages ${ids}`);
      if (made.has(ids)) assert.equal(row, made.get(ids), `stages ${ids} gave a second row`);
      made.set(ids, row);
      // Only the first `count` stages count.
      if (svs.length > 1) assert.equal(rows.rowOf([...svs.slice(0, -1), pool[0]], svs.length - 1), rows.rowOf(svs.slice(0, -1), svs.length - 1));
    }
  }
});
