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
  it('puts "Trace to pod" on the Deployment, the Service and the Pod, and "2 endpoints" on the Service', async () => {
    const uri = fileUri(APP.file);
    await openFile(APP.file);
    const lenses = await waitFor('PodPath code lenses on app.yaml', async () => {
      const l = await codeLenses(uri);
      return l.some((x) => x.command?.title === 'Trace to pod') ? l : undefined;
    });
    const all = titles(lenses);
    const trace = lenses.filter((l) => l.command?.title === 'Trace to pod');
    assert.strictEqual(trace.length, 3, `expected 3 "Trace to pod" lenses, got ${all.join(', ')}`);
    const endpoints = lenses.filter((l) => l.command?.title === '2 endpoints');
    assert.strictEqual(endpoints.length, 1, `expected one "2 endpoints" lens, got ${all.join(', ')}`);
    // The Service's lenses sit on the Service's document (lines 21–30 of app.yaml).
    const line = endpoints[0].range.start.line + 1;
    assert.ok(line >= APP.serviceKindLine - 1 && line <= APP.serviceNameLine + 6, `"2 endpoints" is on line ${line}`);
    for (const l of trace) assert.ok(l.command?.command, 'a "Trace to pod" lens without a command');
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
