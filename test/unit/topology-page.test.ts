import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, analyzeExample, trace } from '../support/analyze';
import { buildTopology, overlayTrace } from '../../src/core/topology';
import { topologyPageHtml, nonceFrom } from '../../src/core/topology/page';
import { ENGLISH, format, mergeStrings, placeholders } from '../../src/webview/l10n';
import { isHostMessage } from '../../src/webview/protocol';
import { computeLayout, intersects } from '../../src/webview/layout';
import { SearchIndex } from '../../src/webview/search';

// The page's pieces that need no browser: texts and their translations, the message guard,
// the HTML shell and its CSP, the layout and the search.

test('every page text has a Simplified Chinese translation with the same placeholders, and no stray topology.* keys', () => {
  const zh = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'l10n', 'bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;
  const mine = Object.keys(zh).filter((k) => k.startsWith('topology.')).sort();
  assert.deepEqual(mine, Object.keys(ENGLISH).sort());
  for (const k of Object.keys(ENGLISH) as (keyof typeof ENGLISH)[]) {
    assert.deepEqual(placeholders(zh[k]), placeholders(ENGLISH[k]), k);
    assert.ok(zh[k].trim().length > 0, k);
  }
});

test('strings: translations override English, unknown or empty ones do not; placeholders fill in order', () => {
  const s = mergeStrings({ 'topology.zoomIn': '放大', 'topology.fit': '', 'nonsense': 'x', 'topology.play': 5 });
  assert.equal(s['topology.zoomIn'], '放大');
  assert.equal(s['topology.fit'], ENGLISH['topology.fit']);
  assert.equal(s['topology.play'], ENGLISH['topology.play']);
  assert.ok(!('nonsense' in s));
  assert.equal(format('{1} then {0} and {2}', 'a', 'b'), 'b then a and {2}');
});

test('the page accepts only well-formed host messages', () => {
  const a = analyzeExample('seed-000');
  const model = buildTopology(a);
  const overlay = overlayTrace(model, trace(a, { from: 'pod1', to: 'pod4' }));
  assert.ok(isHostMessage({ type: 'model', model }));
  assert.ok(isHostMessage({ type: 'model', model, overlay }));
  assert.ok(isHostMessage({ type: 'model', model, overlay: null }));
  assert.ok(isHostMessage({ type: 'trace', overlay }));
  assert.ok(isHostMessage({ type: 'trace', overlay: null }));
  assert.ok(isHostMessage({ type: 'reveal', id: 'pod:default/pod1' }));
  assert.ok(isHostMessage({ type: 'l10n', locale: 'zh-cn', strings: {} }));
  assert.ok(isHostMessage({ type: 'command', command: 'fit' }));
  assert.ok(isHostMessage({ type: 'trace', overlay, reply: overlay }), 'a trace with its reply');
  assert.ok(isHostMessage({ type: 'trace', overlay, reply: null }));
  assert.ok(isHostMessage({ type: 'model', model, overlay, reply: overlay }));
  assert.ok(isHostMessage({ type: 'command', command: 'toggleReply' }));
  assert.ok(!isHostMessage({ type: 'trace', overlay, reply: { hops: 'no' } }), 'a malformed reply overlay');
  assert.ok(!isHostMessage({ type: 'model', model, reply: 'x' }));
  for (const bad of [null, 'model', {}, { type: 'eval', code: 'x' }, { type: 'model', model: {} }, { type: 'model', model: { ...model, version: 2 } },
    { type: 'trace', overlay: { hops: 'no' } }, { type: 'reveal', id: 5 }, { type: 'command', command: 'rm -rf' }, { type: 'l10n', strings: {} }]) {
    assert.ok(!isHostMessage(bad), JSON.stringify(bad)?.slice(0, 60));
  }
});

test('the HTML shell: a strict CSP with a nonce on every script, no inline code, attributes escaped', () => {
  const nonce = nonceFrom(new Uint8Array([1, 2, 3, 250, 61, 62, 63]));
  assert.match(nonce, /^[A-Za-z0-9]{7}$/);
  const html = topologyPageHtml({ cspSource: 'vscode-webview://abc', nonce, scriptUri: 'https://x/webview.js?a=1&b="2"', styleUri: 'https://x/topology.css', lang: 'zh-cn' });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1];
  assert.equal(csp, `default-src 'none'; img-src vscode-webview://abc data: blob:; style-src vscode-webview://abc; font-src vscode-webview://abc; script-src 'nonce-${nonce}'`);
  assert.ok(!/unsafe-(inline|eval)/.test(html));
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  for (const [, attrs, body] of scripts) {
    assert.match(attrs, new RegExp(`nonce="${nonce}"`));
    assert.equal(body, '', 'no inline script');
  }
  assert.ok(html.includes('src="https://x/webview.js?a=1&amp;b=&quot;2&quot;"'));
  assert.ok(!/ style=/.test(html), 'no inline style');
  assert.match(html, /<html lang="zh-cn">/);
});

test('layout: deterministic, no overlaps between nodes, every pod and device inside its node', () => {
  const m = buildTopology(analyzeExample('flannel-vxlan'));
  const a = computeLayout(m, () => true);
  const b = computeLayout(m, () => true);
  assert.deepEqual([...a.rects.entries()], [...b.rects.entries()]);
  for (let i = 0; i < a.nodes.length; i++) {
    for (let j = i + 1; j < a.nodes.length; j++) assert.ok(!intersects(a.nodes[i].rect, a.nodes[j].rect), 'nodes do not overlap');
    const n = a.nodes[i];
    const inside = (r: { x: number; y: number; w: number; h: number }) => r.x >= n.rect.x && r.y >= n.rect.y && r.x + r.w <= n.rect.x + n.rect.w && r.y + r.h <= n.rect.y + n.rect.h;
    for (const p of n.pods) {
      assert.ok(inside(p.rect), p.pod.key);
      for (const d of p.devices) assert.ok(inside(d.rect), d.d.id);
      assert.ok(p.hostVeth && inside(p.hostVeth.rect));
    }
    for (const d of n.devices) assert.ok(inside(d.rect), d.d.id);
    assert.ok(inside(n.stack) && (!n.bridge || inside(n.bridge.rect)));
    assert.ok(a.links.get(`wire:${n.node.name}`), 'eth0 is wired to the underlay');
  }
  for (const s of a.services) for (const n of a.nodes) assert.ok(!intersects(s.rect, n.rect), 'Services sit above the nodes');
});

test('layout: a collapsed node stands for its pods with one summary, and the links inside it go away', () => {
  const m = buildTopology(analyzeExample('seed-000'));
  const l = computeLayout(m, (n) => n.name !== 'node2');
  const n2 = l.nodeByName.get('node2')!;
  assert.equal(n2.expanded, false);
  assert.equal(n2.pods.length, 0);
  assert.equal(l.rects.get('pod:default/pod4'), n2.summary);
  assert.equal(l.rects.get('pdev:default/pod4/eth0'), n2.summary);
  assert.equal(l.links.get('veth:default/pod4'), undefined);
  assert.ok(l.links.get('veth:default/pod1'));
  assert.ok(n2.rect.h < l.nodeByName.get('node1')!.rect.h);
});

test('search: exact names and addresses first, then prefixes, then anything containing the text', () => {
  const m = buildTopology(analyzeExample('seed-003'));
  const ix = new SearchIndex(m);
  const pod = m.nodes[1].pods[0];
  assert.equal(ix.find(pod.ip).hits[0].id, pod.id);
  assert.equal(ix.find('20.1.244.75').hits[0].id, 'svc:default/frontend');
  assert.equal(ix.find('node3').hits[0].id, 'node:node3');
  assert.ok(ix.find('frontend').total >= 4, 'three replicas and the Service');
  assert.deepEqual(ix.find('  ').hits, []);
  assert.deepEqual(ix.find('no-such-thing').hits, []);
});
