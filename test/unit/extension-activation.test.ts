import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import Module from 'module';
import { REPO_ROOT } from '../support/analyze';

// Activation with a stand-in `vscode` module (no editor here): it must register every
// contributed command and provider, do no analysis on the way, and be quick. The real editor's
// behaviour is covered by test/integration and test/e2e.

interface Calls {
  [api: string]: unknown[][];
}

/** A `vscode` whose every member is callable and constructible, recording the calls it gets. */
function fakeVscode(calls: Calls): unknown {
  const make = (name: string): unknown =>
    new Proxy(function () {}, {
      get: (_t, key) => (key === 'then' ? undefined : key === Symbol.toPrimitive ? () => name : make(`${name}.${String(key)}`)),
      set: () => true,
      apply: (_t, _this, args) => {
        (calls[name] ??= []).push(args);
        return make(`${name}()`);
      },
      construct: (_t, args) => {
        (calls[`new ${name}`] ??= []).push(args);
        return make(`${name}#`) as object;
      },
    });
  return make('vscode');
}

test('activate registers the contributed commands and providers, reads nothing yet, and is quick', () => {
  const entry = path.join(REPO_ROOT, 'out', 'src', 'extension', 'extension.js');
  const calls: Calls = {};
  const fake = fakeVscode(calls);
  const original = (Module as unknown as { _load: (...a: unknown[]) => unknown })._load;
  (Module as unknown as { _load: (...a: unknown[]) => unknown })._load = function (request: unknown, ...rest: unknown[]) {
    return request === 'vscode' ? fake : original.call(this, request, ...rest);
  };
  try {
    const t0 = performance.now();
    const ext = require(entry) as { activate(ctx: unknown): void };
    ext.activate({ subscriptions: [], extensionUri: fake, extensionPath: REPO_ROOT });
    const ms = performance.now() - t0;

    const registered = (calls['vscode.commands.registerCommand'] ?? []).map((a) => a[0] as string).sort();
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    assert.deepEqual(registered, pkg.contributes.commands.map((c: { command: string }) => c.command).sort());
    for (const provider of ['registerHoverProvider', 'registerCodeLensProvider', 'registerInlayHintsProvider', 'registerDefinitionProvider', 'registerReferenceProvider', 'registerCodeActionsProvider', 'registerDocumentLinkProvider']) {
      assert.equal(calls[`vscode.languages.${provider}`]?.length, 1, provider);
    }
    assert.equal(calls['vscode.workspace.registerTextDocumentContentProvider']?.[0]?.[0], 'podpath');
    assert.equal(calls['vscode.workspace.findFiles'], undefined, 'no file is searched during activation');
    console.log(`# activation (module load + activate, stand-in vscode): ${ms.toFixed(1)} ms`);
  } finally {
    (Module as unknown as { _load: unknown })._load = original;
  }
});
