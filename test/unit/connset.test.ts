import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnSet, MAX_PORT, MIN_PORT } from '../../src/core/policy/connset';
import { Protocol } from '../../src/core/manifest/types';
import { rng } from '../support/random';

/**
 * ConnSet against a plain reference: for each protocol, the set of ports it holds. Sets are
 * built from a few ranges among low ports (so ranges overlap, touch and nest often), sometimes
 * complemented (so ranges reach the top port).
 */

const PROTOCOLS: Protocol[] = ['TCP', 'UDP', 'SCTP'];
/** Ports checked one by one: the low ones the ranges use, and both ends of the port space. */
const PROBES = [...Array.from({ length: 80 }, (_, i) => i + 1), 1000, MAX_PORT - 1, MAX_PORT];

function randomSet(r: () => number): ConnSet {
  let out = ConnSet.NONE;
  const parts = Math.floor(r() * 5);
  for (let i = 0; i < parts; i++) {
    const lo = 1 + Math.floor(r() * 70);
    out = out.union(ConnSet.of(PROTOCOLS[Math.floor(r() * 3)], lo, lo + Math.floor(r() * 8)));
  }
  return r() < 0.25 ? out.complement() : out;
}

function portsOf(c: ConnSet): string[] {
  const out: string[] = [];
  for (const p of PROTOCOLS) for (const port of PROBES) if (c.has(p, port)) out.push(`${p}/${port}`);
  return out;
}

/** Ranges sorted, disjoint and not touching: equal sets have one form. */
function assertCanonical(c: ConnSet, what: string): void {
  for (const p of PROTOCOLS) {
    const rs = c.ranges(p);
    for (let i = 0; i < rs.length; i++) {
      assert.ok(MIN_PORT <= rs[i][0] && rs[i][0] <= rs[i][1] && rs[i][1] <= MAX_PORT, `${what}: ${p} range ${rs[i]}`);
      if (i > 0) assert.ok(rs[i - 1][1] + 1 < rs[i][0], `${what}: ${p} ranges ${rs[i - 1]} and ${rs[i]} overlap or touch`);
    }
  }
}

test('ConnSet union, intersection and complement hold the ports a per-port reference does, in one canonical form', () => {
  const r = rng(41);
  for (let round = 0; round < 2000; round++) {
    const a = randomSet(r);
    const b = randomSet(r);
    const pa = new Set(portsOf(a));
    const pb = new Set(portsOf(b));
    const union = a.union(b);
    const both = a.intersect(b);
    const notA = a.complement();
    assert.deepEqual(portsOf(union), portsOf(a).concat(portsOf(b)).filter((x, i, all) => all.indexOf(x) === i).sort(byProbe), `${a} ∪ ${b}`);
    assert.deepEqual(portsOf(both), portsOf(a).filter((x) => pb.has(x)), `${a} ∩ ${b}`);
    assert.deepEqual(portsOf(notA).filter((x) => pa.has(x)), [], `not ${a}`);
    assert.equal(portsOf(notA).length + pa.size, PROTOCOLS.length * PROBES.length, `not ${a}`);
    for (const [c, what] of [[union, 'union'], [both, 'intersection'], [notA, 'complement']] as const) assertCanonical(c, `${what} of ${a} and ${b}`);
    // Union is symmetric, and equal sets print alike.
    assert.ok(union.equals(b.union(a)), `${a} ∪ ${b}`);
    assert.equal(union.toString(), b.union(a).toString());
    assert.equal(union.isEmpty(), pa.size + pb.size === 0);
    assert.equal(a.isAll(), pa.size === PROTOCOLS.length * PROBES.length && a.equals(ConnSet.ALL));
  }
});

function byProbe(x: string, y: string): number {
  const [px, nx] = x.split('/');
  const [py, ny] = y.split('/');
  return PROTOCOLS.indexOf(px as Protocol) - PROTOCOLS.indexOf(py as Protocol) || Number(nx) - Number(ny);
}
