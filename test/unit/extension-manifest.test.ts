import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../support/analyze';

// package.json, its translations and the extension's sources agree with each other.

const read = (p: string) => fs.readFileSync(path.join(REPO_ROOT, p), 'utf8');
const json = (p: string) => JSON.parse(read(p));
const extensionSources = () => fs.readdirSync(path.join(REPO_ROOT, 'src', 'extension')).filter((f) => f.endsWith('.ts')).map((f) => ({ f, text: read(`src/extension/${f}`) }));

test('every %key% of package.json is in package.nls.json and package.nls.zh-cn.json', () => {
  const keys = [...read('package.json').matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]);
  assert.ok(keys.length > 20);
  for (const nls of ['package.nls.json', 'package.nls.zh-cn.json']) {
    const table = json(nls);
    assert.deepEqual(keys.filter((k) => !(k in table)), [], `${nls} lacks keys`);
  }
  assert.deepEqual(Object.keys(json('package.nls.json')).sort(), Object.keys(json('package.nls.zh-cn.json')).sort());
});

test('every vscode.l10n.t string of src/extension has a Simplified Chinese translation', () => {
  const zh = json('l10n/bundle.l10n.zh-cn.json');
  const used = new Set<string>();
  for (const { text } of extensionSources()) {
    for (const m of text.matchAll(/l10n\.t\(\s*'((?:[^'\\]|\\.)*)'/g)) used.add(m[1].replace(/\\'/g, "'"));
  }
  assert.ok(used.size > 30);
  const missing = [...used].filter((k) => !(k in zh));
  assert.deepEqual(missing, []);
  // Placeholders survive translation.
  for (const k of used) {
    const holes = (s: string) => [...s.matchAll(/\{\d+\}/g)].map((m) => m[0]).sort().join();
    assert.equal(holes(zh[k]), holes(k), `placeholders of ${JSON.stringify(k)}`);
  }
});

test('package.json: activation, capabilities, l10n and the trace language', () => {
  const pkg = json('package.json');
  // Lazy: no workspaceContains, commands are inferred; the topology panel restores after a reload.
  // JSON too: `kubectl get -o json` output is analysed like YAML.
  assert.deepEqual(pkg.activationEvents, ['onLanguage:yaml', 'onLanguage:json', 'onWebviewPanel:podpath.topology']);
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, true);
  assert.equal(pkg.l10n, './l10n');
  const lang = pkg.contributes.languages.find((l: { id: string }) => l.id === 'podpath-trace');
  assert.deepEqual(lang.extensions, ['.podpath-trace']);
  for (const g of pkg.contributes.grammars) assert.ok(fs.existsSync(path.join(REPO_ROOT, g.path)), g.path);
  assert.ok(fs.existsSync(path.join(REPO_ROOT, lang.configuration)));
  const grammar = json('syntaxes/podpath-trace.tmLanguage.json');
  assert.equal(grammar.scopeName, 'source.podpath-trace');

  // Every command the sources register is contributed, and the other way round.
  const registered = new Set<string>();
  for (const { text } of extensionSources()) for (const m of text.matchAll(/register\('(podpath\.[\w.]+)'/g)) registered.add(m[1]);
  const contributed = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));
  assert.deepEqual([...registered].sort(), [...contributed].sort());
  for (const id of ['podpath.trace', 'podpath.showDataplane', 'podpath.exportConnlist', 'podpath.showMatrix', 'podpath.showTopology']) assert.ok(contributed.has(id), id);
});

test('the extension host side never loads the core at run time (it runs in the worker)', () => {
  // Type-only imports are erased; a value import would put the analysis on the editor's main
  // thread and into dist/extension.js.
  const offenders: string[] = [];
  for (const { f, text } of extensionSources()) {
    if (f === 'analysis-worker.ts' || f === 'analysis-service.ts') continue; // the worker's side
    for (const m of text.matchAll(/^import\s+(type\s+)?[^'"]*from\s+'(\.\.\/core\/[^']+)'/gm)) {
      // The topology page's HTML template is plain text, no analysis.
      if (!m[1] && m[2] !== '../core/topology/page') offenders.push(`${f}: ${m[2]}`);
    }
  }
  assert.deepEqual(offenders, []);
});
