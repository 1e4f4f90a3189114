import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyRuleset, appendRule } from '../../src/core/dataplane/netfilter';
import { NfPacket } from '../../src/core/dataplane/netfilter-eval';
import { NftRuleset, addNftElement, addNftRule, addNftSet, ensureNftChain, newTable } from '../../src/core/dataplane/nftables';
import { traverseNftBaseChain } from '../../src/core/dataplane/nftables-eval';
import { renderNftRuleset } from '../../src/core/dataplane/nftables-text';
import { hitText, traverseNodeNetfilter } from '../../src/core/forward/netfilter-stage';

// The nftables model: rendering as nft 1.0 lists it, and the rule-by-rule evaluator.

const pkt = (over: Partial<NfPacket> = {}): NfPacket => ({ src: '10.0.0.2', dst: '172.30.0.41', proto: 'tcp', sport: 40000, dport: 80, mark: 0, ...over });
const ctx = { isLocal: (ip: string) => ip === '192.168.0.2' };

function sample(): NftRuleset {
  const t = newTable('ip', 'demo', 'a demo table');
  const m = addNftSet(t, { kind: 'map', name: 'svc', type: 'ipv4_addr . inet_proto . inet_service : verdict' });
  ensureNftChain(t, 'pre', { base: { type: 'nat', hook: 'prerouting', priority: -100 } });
  addNftRule(t, 'pre', [{ e: 'vmap', key: ['daddr', 'l4proto', 'dport'], map: 'svc' }]);
  addNftRule(t, 'pre', [{ e: 'verdict', verdict: { v: 'jump', chain: 'after-miss' } }]);
  addNftRule(t, 'after-miss', [{ e: 'mark-set', op: 'or', value: 0x10 }]);
  addNftRule(t, 'lb', [{ e: 'numgen', mod: 2, verdicts: [{ v: 'goto', chain: 'ep-a' }, { v: 'goto', chain: 'ep-b' }] }]);
  addNftRule(t, 'ep-a', [{ e: 'l4proto', proto: 'tcp' }, { e: 'dnat', to: '10.180.0.1:8080' }]);
  addNftRule(t, 'ep-b', [{ e: 'l4proto', proto: 'tcp' }, { e: 'dnat', to: '10.180.0.2:8080' }]);
  addNftElement(m, { key: ['172.30.0.41', 'tcp', '80'], verdict: { v: 'goto', chain: 'lb' } });
  return { tables: [t] };
}

test('renders nft list ruleset text: named priorities, long-form marks, sorted elements, one-element anonymous sets bare', () => {
  const t = newTable('ip', 'x');
  const s = addNftSet(t, { kind: 'set', name: 'ips', type: 'ipv4_addr' });
  for (const ip of ['10.0.0.10', '10.0.0.9', '1.2.3.4']) addNftElement(s, { key: [ip] });
  ensureNftChain(t, 'pre', { base: { type: 'filter', hook: 'prerouting', priority: -110 } });
  ensureNftChain(t, 'out', { base: { type: 'nat', hook: 'output', priority: -100 } });
  ensureNftChain(t, 'fwd', { base: { type: 'filter', hook: 'forward', priority: 0 } });
  addNftRule(t, 'fwd', [{ e: 'mark-test', mask: 0x4000, value: 0 }, { e: 'verdict', verdict: { v: 'return' } }]);
  addNftRule(t, 'fwd', [{ e: 'addr-anon', dir: 'saddr', values: ['203.0.113.0/25'], neg: true }, { e: 'verdict', verdict: { v: 'drop' } }], { comment: 'say "hi"' });
  const text = renderNftRuleset({ tables: [t] });
  assert.match(text, /^\t\telements = \{ 1\.2\.3\.4, 10\.0\.0\.9,\n\t\t\t     10\.0\.0\.10 \}$/m, 'addresses in numeric order, two per line as nft prints them');
  assert.match(text, /type filter hook prerouting priority dstnat - 10; policy accept;/);
  assert.match(text, /type nat hook output priority -100; policy accept;/, 'dstnat is not a name on the output hook');
  assert.match(text, /type filter hook forward priority filter; policy accept;/);
  assert.match(text, /^\t\tmeta mark & 0x00004000 == 0x00000000 return$/m);
  assert.match(text, /^\t\tip saddr != 203\.0\.113\.0\/25 drop comment "say 'hi'"$/m, 'a comment can never close its quotes early');
  assert.equal(renderNftRuleset({ tables: [t] }), text, 'deterministic');
});

test('evaluator: a vmap hit gives its verdict; numgen splits 1/N; dnat is terminal and recorded like iptables DNAT', () => {
  const rs = sample();
  const t = rs.tables[0];
  const branches = traverseNftBaseChain(t, t.chains.get('pre')!, pkt(), ctx);
  assert.deepEqual(branches.map((b) => [b.probability, b.verdict, b.nat?.kind, b.nat?.to, b.packet.dst, b.packet.dport]), [
    [0.5, 'ACCEPT', 'DNAT', '10.180.0.1:8080', '10.180.0.1', 8080],
    [0.5, 'ACCEPT', 'DNAT', '10.180.0.2:8080', '10.180.0.2', 8080],
  ]);
  assert.equal(branches[0].hits[0].element?.key.join(' . '), '172.30.0.41 . tcp . 80', 'the map element that decided is on the hit');
  assert.equal(branches[0].packet.mark, 0, 'a goto never comes back: the rule after the vmap does not run');
});

test('evaluator: a vmap miss goes on with the next rule; jump returns to the caller', () => {
  const t = sample().tables[0];
  const [b] = traverseNftBaseChain(t, t.chains.get('pre')!, pkt({ dport: 81 }), ctx);
  assert.equal(b.verdict, 'ACCEPT');
  assert.equal(b.nat, undefined);
  assert.equal(b.packet.mark, 0x10, 'the jumped-to chain set the mark and the base chain ended with its policy');
});

test('the node\'s netfilter: base chains of all tables run by priority; accept ends one chain, drop ends the packet', () => {
  const t = newTable('ip', 'k');
  ensureNftChain(t, 'early', { base: { type: 'filter', hook: 'forward', priority: -10 } });
  addNftRule(t, 'early', [{ e: 'verdict', verdict: { v: 'accept' } }]);
  ensureNftChain(t, 'late', { base: { type: 'filter', hook: 'forward', priority: 10 } });
  addNftRule(t, 'late', [{ e: 'addr', dir: 'daddr', value: '172.30.0.0/16' }, { e: 'verdict', verdict: { v: 'drop' } }]);
  const ipt = emptyRuleset();
  appendRule(ipt, 'filter', 'FORWARD', [], { t: 'ACCEPT' });
  const node = { netfilter: ipt, nftables: { tables: [t] } };
  const [b] = traverseNodeNetfilter(node, 'filter', 'FORWARD', pkt(), ctx);
  assert.equal(b.verdict, 'DROP', 'iptables ACCEPT (priority 0) does not stop the nft chain at priority 10');
  assert.deepEqual(b.hits.map(hitText), [
    'add rule ip k early accept',
    '-A FORWARD -j ACCEPT',
    'add rule ip k late ip daddr 172.30.0.0/16 drop',
  ]);
  const [other] = traverseNodeNetfilter(node, 'filter', 'FORWARD', pkt({ dst: '8.8.8.8' }), ctx);
  assert.equal(other.verdict, 'ACCEPT');
});

test('the node\'s netfilter: once a NAT chain translated the connection, later NAT chains of the hook are skipped', () => {
  const t = newTable('ip', 'k');
  ensureNftChain(t, 'post', { base: { type: 'nat', hook: 'postrouting', priority: 100 } });
  addNftRule(t, 'post', [{ e: 'masquerade', fullyRandom: true }]);
  const ipt = emptyRuleset();
  appendRule(ipt, 'nat', 'POSTROUTING', [], { t: 'SNAT', to: '192.0.2.1' });
  const branches = traverseNodeNetfilter({ netfilter: ipt, nftables: { tables: [t] } }, 'nat', 'POSTROUTING', pkt(), ctx);
  assert.equal(branches.length, 1);
  assert.equal(branches[0].nat?.kind, 'MASQUERADE', 'nft runs first at equal priority; its binding stands');
  assert.equal(branches[0].hits.length, 1, 'the iptables SNAT rule was never consulted');
});

test('the output hook is asked twice: chains up to the nat priority with nat OUTPUT, later ones with filter OUTPUT', () => {
  const t = newTable('ip', 'k');
  for (const [name, prio] of [['pre', -110], ['nat', -100], ['post', 0]] as const) {
    ensureNftChain(t, name, { base: { type: name === 'nat' ? 'nat' : 'filter', hook: 'output', priority: prio } });
    addNftRule(t, name, [{ e: 'mark-set', op: 'or', value: 1 }]);
  }
  const node = { netfilter: emptyRuleset(), nftables: { tables: [t] } };
  assert.deepEqual(traverseNodeNetfilter(node, 'nat', 'OUTPUT', pkt(), ctx)[0].hits.map((h) => h.chain), ['pre', 'nat']);
  assert.deepEqual(traverseNodeNetfilter(node, 'filter', 'OUTPUT', pkt(), ctx)[0].hits.map((h) => h.chain), ['post']);
});
