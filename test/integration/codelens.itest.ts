/// <reference types="mocha" />
import * as assert from 'assert';
import * as vscode from 'vscode';
import { APP } from './expectations';
import { codeLenses, fileUri, openFile, waitFor } from './helpers';

/** `title@line` (1-based) of each lens. */
function titles(lenses: vscode.CodeLens[]): string[] {
  return lenses.map((l) => `${l.command?.title ?? '(unresolved)'}@${l.range.start.line + 1}`);
}

describe('CodeLens', () => {
  it('puts "Trace from {name}…" on the Deployment and the Pod, "Trace to this Service from…" and "2 endpoints" on the Service', async () => {
    const uri = fileUri(APP.file);
    await openFile(APP.file);
    const lenses = await waitFor('PodPath code lenses on app.yaml', async () => {
      const l = await codeLenses(uri);
      return l.some((x) => x.command?.title.startsWith('Trace from ')) ? l : undefined;
    });
    const all = titles(lenses);
    const from = lenses.filter((l) => l.command?.command === 'podpath.traceFrom');
    assert.deepEqual(from.map((l) => l.command?.title).sort(), ['Trace from client…', 'Trace from web…'], all.join(', '));
    const to = lenses.filter((l) => l.command?.command === 'podpath.traceTo');
    assert.deepEqual(to.map((l) => [l.command?.title, l.command?.arguments]), [['Trace to this Service from…', ['service:default/web']]], all.join(', '));
    const endpoints = lenses.filter((l) => l.command?.title === '2 endpoints');
    assert.strictEqual(endpoints.length, 1, `expected one "2 endpoints" lens, got ${all.join(', ')}`);
    // The Service's lenses sit on the Service's document (lines 21–30 of app.yaml).
    const line = endpoints[0].range.start.line + 1;
    assert.ok(line >= APP.serviceKindLine - 1 && line <= APP.serviceNameLine + 6, `"2 endpoints" is on line ${line}`);
    assert.equal(to[0].range.start.line, endpoints[0].range.start.line, 'both Service lenses on the Service');
  });

  it('counts 0 endpoints on a Service that selects nothing', async () => {
    await openFile('problems.yaml');
    const lenses = await waitFor('PodPath code lenses on problems.yaml', async () => {
      const l = await codeLenses(fileUri('problems.yaml'));
      return l.length ? l : undefined;
    });
    assert.ok(titles(lenses).some((t) => t.startsWith('0 endpoints@')), `no "0 endpoints" lens: ${titles(lenses).join(', ')}`);
  });
});
