import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PairTable } from '../../src/core/policy/pair-table';
import { ConnIds } from '../../src/core/policy/conn-ids';
import { ConnSet } from '../../src/core/policy/connset';
import { FlowStates, StageAction } from '../../src/core/policy/flow-states';
import { Protocol } from '../../src/core/manifest/types';
import { rng } from '../support/random';

/**
 * The integer structures under the class-based policy engine, each against a plain reference:
 * the pair memo against a Map, connection-set ids against ConnSet operations, and the flow
 * states against evaluating the stages one after another with ConnSets.
 */

test('PairTable answers as a Map does while it grows and past its dense limit', () => {
  for (const limit of [8, 64, 2048]) {
    const table = new PairTable(limit);
    const reference = new Map<string, number>();
    const r = rng(limit);
    assert.equal(table.get(0, 0), -1);
    // Ids grow over time, as interned ids do, and some land past the limit.
    for (let i = 0; i < 3000; i++) {
      const span = 4 + Math.floor(i / 10);
      const a = Math.floor(r() * span);
      const b = Math.floor(r() * span);
      const v = Math.floor(r() * 1000);
      table.set(a, b, v);
      reference.set(`${a},${b}`, v);
      if (i % 97 === 0) {
        for (const [k, want] of reference) {
          const [x, y] = k.split(',').map(Number);
          assert.equal(table.get(x, y), want, `limit ${limit}: (${x}, ${y}) after ${i} writes`);
        }
      }
    }
    // Pairs never written stay unknown, in both orders.
    for (let a = 0; a < 40; a++) for (let b = 0; b < 40; b++) if (!reference.has(`${a},${b}`)) assert.equal(table.get(a, b), -1);
  }
});

const PROTOCOLS: Protocol[] = ['TCP', 'UDP', 'SCTP'];

function randomSet(r: () => number): ConnSet {
  const k = r();
  if (k < 0.1) return ConnSet.NONE;
  if (k < 0.2) return ConnSet.ALL;
  let out = ConnSet.NONE;
  const parts = 1 + Math.floor(r() * 3);
  for (let i = 0; i < parts; i++) {
    const proto = PROTOCOLS[Math.floor(r() * 3)];
    if (r() < 0.2) out = out.union(ConnSet.of(proto));
    else {
      const lo = [53, 80, 443, 8080, 9090][Math.floor(r() * 5)];
      out = out.union(ConnSet.of(proto, lo, lo + Math.floor(r() * 3) * 10));
    }
  }
  return r() < 0.2 ? out.complement() : out;
}

test('ConnIds gives equal sets one id and combines ids as ConnSet combines sets', () => {
  const ids = new ConnIds();
  assert.equal(ids.id(ConnSet.NONE), ConnIds.NONE);
  assert.equal(ids.id(ConnSet.ALL), ConnIds.ALL);
  assert.ok(ids.isEmpty(ConnIds.NONE));
  assert.ok(!ids.isEmpty(ConnIds.ALL));
  // The same set built two ways is one id.
  assert.equal(ids.id(ConnSet.port('TCP', 80).union(ConnSet.port('TCP', 81))), ids.id(ConnSet.of('TCP', 80, 81)));
  assert.notEqual(ids.id(ConnSet.port('TCP', 80)), ids.id(ConnSet.port('UDP', 80)));
  const r = rng(7);
  const sets = Array.from({ length: 40 }, () => randomSet(r));
  const setIds = sets.map((s) => ids.id(s));
  for (let i = 0; i < sets.length; i++) {
    for (let j = 0; j < sets.length; j++) {
      const a = sets[i];
      const b = sets[j];
      // Twice: the second answer comes from the memo.
      for (let round = 0; round < 2; round++) {
        assert.equal(ids.set(ids.union(setIds[i], setIds[j])).toString(), a.union(b).toString(), `${a} ∪ ${b}`);
        assert.equal(ids.set(ids.intersect(setIds[i], setIds[j])).toString(), a.intersect(b).toString(), `${a} ∩ ${b}`);
        assert.equal(ids.set(ids.minus(setIds[i], setIds[j])).toString(), a.intersect(b.complement()).toString(), `${a} \\ ${b}`);
      }
      assert.equal(ids.isEmpty(ids.intersect(setIds[i], setIds[j])), a.intersect(b).isEmpty());
    }
  }
});

test('ConnIds gives two sets one id exactly when they are equal, whatever their protocols and ranges', () => {
  const ids = new ConnIds();
  const r = rng(23);
  // Many small sets, so equal ones built apart come up often.
  const sets = Array.from({ length: 300 }, () => randomSet(r));
  const setIds = sets.map((s) => ids.id(s));
  for (let i = 0; i < sets.length; i++) {
    for (let j = 0; j < sets.length; j++) {
      assert.equal(setIds[i] === setIds[j], sets[i].equals(sets[j]), `${sets[i]} and ${sets[j]}`);
      assert.equal(ids.meets(setIds[i], setIds[j]), !sets[i].intersect(sets[j]).isEmpty(), `${sets[i]} meets ${sets[j]}`);
    }
    assert.equal(ids.set(setIds[i]).toString(), sets[i].toString());
  }
  // The same ports under different protocols, and a range against its two ends, are different sets.
  const tcp = ids.id(ConnSet.of('TCP', 80, 90));
  assert.notEqual(tcp, ids.id(ConnSet.of('SCTP', 80, 90)));
  assert.notEqual(tcp, ids.id(ConnSet.port('TCP', 80).union(ConnSet.port('TCP', 90))));
  assert.equal(tcp, ids.id(ConnSet.of('TCP', 80, 85).union(ConnSet.of('TCP', 86, 90))));
});

interface TestRule { action: StageAction; ports: ConnSet }
interface TestStage { rules: TestRule[]; end: 'Deny' | 'Pass' }

/** The pipeline evaluated directly: each stage's first match over what is still open, in order. */
function referenceAllowed(stages: TestStage[]): ConnSet {
  let open = ConnSet.ALL;
  let allowed = ConnSet.NONE;
  for (const stage of stages) {
    let rest = open;
    let passed = ConnSet.NONE;
    for (const rule of stage.rules) {
      const hit = rest.intersect(rule.ports);
      if (rule.action === 'Allow') allowed = allowed.union(hit);
      if (rule.action === 'Pass') passed = passed.union(hit);
      rest = rest.intersect(rule.ports.complement());
    }
    open = stage.end === 'Pass' ? passed.union(rest) : passed;
  }
  return allowed.union(open);
}

test('FlowStates: stages evaluated alone from everything undecided and then composed allow what the direct evaluation allows', () => {
  const ids = new ConnIds();
  const flows = new FlowStates(ids);
  const r = rng(12);
  const actions: StageAction[] = ['Allow', 'Deny', 'Pass'];
  let allowedSome = 0;
  let deniedSome = 0;
  for (let trial = 0; trial < 3000; trial++) {
    const stages: TestStage[] = Array.from({ length: 1 + Math.floor(r() * 4) }, () => ({
      rules: Array.from({ length: Math.floor(r() * 4) }, () => ({ action: actions[Math.floor(r() * 3)], ports: randomSet(r) })),
      end: r() < 0.5 ? 'Deny' : 'Pass',
    }));
    let verdict = flows.open;
    for (const stage of stages) {
      let state = flows.stageStart;
      for (const rule of stage.rules) state = flows.applyRule(state, flows.ruleKey(rule.action, ids.id(rule.ports)));
      verdict = flows.compose(verdict, flows.endStage(state, stage.end));
    }
    const got = ids.set(flows.final(verdict));
    const want = referenceAllowed(stages);
    assert.equal(got.toString(), want.toString(), JSON.stringify(stages.map((s) => ({ end: s.end, rules: s.rules.map((x) => `${x.action} ${x.ports}`) }))));
    if (!want.isEmpty()) allowedSome++;
    if (!want.isAll()) deniedSome++;
  }
  // The random pipelines cover both outcomes (the comparison above is not between two constants).
  assert.ok(allowedSome > 300 && deniedSome > 300, `${allowedSome} allowing, ${deniedSome} denying`);
});

test('FlowStates: a rule applied twice to a peer changes nothing the second time (rules may list a class twice)', () => {
  const ids = new ConnIds();
  const flows = new FlowStates(ids);
  const r = rng(3);
  for (let trial = 0; trial < 500; trial++) {
    const rule = flows.ruleKey((['Allow', 'Deny', 'Pass'] as StageAction[])[Math.floor(r() * 3)], ids.id(randomSet(r)));
    let state = flows.stageStart;
    for (let k = 0; k < Math.floor(r() * 3); k++) state = flows.applyRule(state, flows.ruleKey('Deny', ids.id(randomSet(r))));
    const once = flows.applyRule(state, rule);
    assert.equal(flows.applyRule(once, rule), once);
  }
});
