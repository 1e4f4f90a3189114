import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { Dataplane } from '../../src/core/dataplane/dataplane';
import { buildLabPlan } from '../../src/core/lab/build';
import { LabPlan } from '../../src/core/lab/plan';
import { run } from '../../src/cli/lab/exec';
import { hostProblem } from '../../src/cli/lab/kernel';
import { labDown, labUp, listNamespaces } from '../../src/cli/lab/lifecycle';
import { analyzeYaml } from '../support/analyze';
import { PLACEHOLDERS, baseYaml, hostileName, mulberry32, renamed } from './lab-hostile-names';

// Hostile names all the way into the kernel: the lab is built for real from clusters whose
// every name is hostile, and what the kernel holds afterwards is compared with the same lab
// built from plain names — the same rules in every node's netfilter, the same namespaces, and
// no file written by a payload. Linux, root, iproute2 and iptables; skipped elsewhere, saying why.

const notRunnable = hostProblem();
if (notRunnable) console.log(`lab kernel injection tests skipped: ${notRunnable}`);

const runTag = process.pid.toString(36);
const prefixes: string[] = [];
const PWNED = '/tmp/podpath-pwned';

after(() => {
  if (notRunnable) return;
  for (const p of prefixes) labDown(p);
  assert.deepEqual(listNamespaces().filter((n) => n.startsWith(`pk${runTag}`)), []);
});

/** Each node's rules (in the cluster's node order) as the kernel holds them (`iptables-save`), names left out. */
function kernelRules(plan: LabPlan): string[][] {
  return [...plan.nodeNamespaces.values()].map((ns) => {
    const r = run(['ip', 'netns', 'exec', ns, 'iptables-save']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n')
      .filter((l) => /^-[AI] /.test(l))
      .map((l) => l.replace(/--comment (?:"(?:[^"\\]|\\.)*"|\S+)/g, '--comment C').replace(/\b(KUBE-(?:SVC|SEP|EXT|FW|SVL|XLB)-)[A-Z0-9]{16}\b/g, '$1H'))
      .sort();
  });
}

test('a lab built from hostile names holds exactly the rules and namespaces of the same lab with plain names', { skip: notRunnable, timeout: 180_000 }, () => {
  fs.rmSync(PWNED, { force: true });
  const base = analyzeYaml(...baseYaml('calico'));
  const build = (letter: string, names: Map<string, string>) => {
    const p = `pk${runTag}${letter}`;
    prefixes.push(p);
    const plan = buildLabPlan(new Dataplane(renamed(base.cluster, names)), { prefix: p, without: ['ipip'] });
    assert.deepEqual(plan.blockers, []);
    const up = labUp(plan);
    assert.ok(up.ok, up.error);
    return plan;
  };
  const plain = build('a', new Map());
  const expected = kernelRules(plain);
  const namespaces = listNamespaces().filter((n) => n.startsWith(`${plain.prefix}-`)).length;
  assert.equal(expected.length, 2);
  assert.ok(expected.every((rules) => rules.length > 20), `the plain lab has its rules (${expected.map((r) => r.length)})`);
  assert.ok(expected.flat().some((r) => r.includes('PODPATH-FORWARD')), 'NetworkPolicy rules included');
  labDown(plain.prefix);
  const rand = mulberry32(0xfeed);
  for (const letter of ['b', 'c', 'd']) {
    const names = new Map(PLACEHOLDERS.map((ph) => [ph, `${hostileName(rand)}\n-I FORWARD 1 -j ACCEPT\nCOMMIT\nEOF\n$(touch ${PWNED})${ph.slice(2, -2)}`]));
    const hostile = build(letter, names);
    assert.deepEqual(kernelRules(hostile), expected, `${JSON.stringify([...names.values()])}: the same rules in the kernel`);
    assert.equal(listNamespaces().filter((n) => n.startsWith(`${hostile.prefix}-`)).length, namespaces, 'the same namespaces');
    const down = labDown(hostile.prefix);
    assert.deepEqual([down.errors, down.refused], [[], []]);
  }
  assert.ok(!fs.existsSync(PWNED), 'no payload ran');
});
