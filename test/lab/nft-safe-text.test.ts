import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addNftElement, addNftRule, addNftSet, ensureNftChain, newTable } from '../../src/core/dataplane/nftables';
import { renderNftRuleset } from '../../src/core/dataplane/nftables-text';
import { buildLabPlan } from '../../src/core/lab/build';
import { labSafeNftRuleset, nftInputProblems } from '../../src/core/lab/safe-text';
import { renderLabScript } from '../../src/core/lab/script';
import { analyzeLabCase } from './cases';

// `nft -f` input the lab writes: checked line by line, names as plain identifiers only, free
// text only inside a quoted comment. The lab runs as root, so a name must not add a line.

test('the nftables lab case: each node gets `nft -f -` with exactly the text `dataplane --nftables` prints, and it passes the checks', () => {
  const a = analyzeLabCase('nftables-services');
  const plan = buildLabPlan(a.dataplane, { prefix: 'ppnft' });
  assert.deepEqual(plan.blockers, []);
  assert.ok(plan.features.includes('nftables'));
  const loads = plan.sections.flatMap((s) => s.commands).filter((c) => c.argv.includes('nft'));
  assert.equal(loads.length, 2, 'one per node');
  for (const dp of a.dataplane.all()) {
    const c = loads.find((l) => l.argv.includes(plan.nodeNamespaces.get(dp.node.name)!))!;
    assert.deepEqual(c.argv.slice(-3), ['nft', '-f', '-']);
    assert.equal(c.stdin, renderNftRuleset(dp.nftables!));
    assert.deepEqual(nftInputProblems(c.stdin!), []);
  }
  assert.match(renderLabScript(plan), /^ip netns exec ppnft-node-nf-1 nft -f - <<'EOF'$/m);
});

test('nft input checks refuse what PodPath never writes: a second statement, a quote outside a comment, an unclosed block', () => {
  const ok = 'table ip t {\n\tchain c {\n\t\tip saddr 10.0.0.1 jump d comment "fine"\n\t}\n}\n';
  assert.deepEqual(nftInputProblems(ok), []);
  assert.notDeepEqual(nftInputProblems(ok.replace('jump d', 'jump d; flush ruleset')), [], 'a semicolon ends the rule and starts another command');
  assert.notDeepEqual(nftInputProblems(ok.replace('jump d', 'jump "d"')), [], 'quoted text outside a comment');
  assert.notDeepEqual(nftInputProblems(ok.replace('\t}\n}\n', '\t}\n')), [], 'a table left open');
  assert.notDeepEqual(nftInputProblems(ok.replace('chain c', 'chain c d')), [], 'a chain name with a space');
  assert.notDeepEqual(nftInputProblems(ok.replace('fine', 'a\u2028b')), [], 'a line separator in a comment');
  assert.notDeepEqual(nftInputProblems('flush ruleset\n'), [], 'a command the lab never writes');
});

function commented(elementComment: string, ruleComment: string) {
  const t = newTable('ip', 'k', 'x');
  const s = addNftSet(t, { kind: 'map', name: 'm', type: 'inet_proto . inet_service : verdict' });
  addNftElement(s, { key: ['tcp', '80'], comment: elementComment, verdict: { v: 'drop' } });
  ensureNftChain(t, 'c');
  addNftRule(t, 'c', [{ e: 'verdict', verdict: { v: 'accept' } }], { comment: ruleComment });
  return { tables: [t] };
}

test('comments are made safe before they reach nft: no quote, backslash or control character, at most 128 bytes', () => {
  const safe = labSafeNftRuleset(commented('a"b\nc\\d' + 'é'.repeat(200), 'say "hi"\r\n; flush ruleset'));
  const text = renderNftRuleset(safe);
  assert.deepEqual(nftInputProblems(text), []);
  assert.equal(text.split('\n').length, renderNftRuleset(commented('x', 'y')).split('\n').length, 'no extra line');
  for (const m of text.matchAll(/comment ("[^"]*")/g)) assert.ok(Buffer.byteLength(m[1]) <= 130, 'at most 128 bytes between the quotes');
  const plain = { tables: [newTable('ip', 'k', 'plain')] };
  assert.equal(labSafeNftRuleset(plain), plain, 'nothing to change: the very same object');
});
