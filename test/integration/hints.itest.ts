/// <reference types="mocha" />
import * as assert from 'assert';
import * as vscode from 'vscode';
import { APP } from './expectations';
import { fileUri, openFile, waitFor } from './helpers';

function labelOf(h: vscode.InlayHint): string {
  return typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('');
}

describe('inlay hints and output', () => {
  it('puts reachability at the end of a workload\'s name, and no hint beside a Service (its "N endpoints" lens has the count)', async () => {
    const doc = (await openFile(APP.file)).document;
    const hints = await waitFor('PodPath inlay hints on app.yaml', async () => {
      const h = (await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', fileUri(APP.file), new vscode.Range(0, 0, doc.lineCount, 0))) ?? [];
      return h.length ? h : undefined;
    });
    const at = (line: number) => hints.filter((h) => h.position.line + 1 === line).map(labelOf).join(' | ');
    const all = `hints: ${hints.map((h) => `${h.position.line + 1}: ${labelOf(h)}`).join(', ')}`;
    assert.match(at(APP.deploymentNameLine), /^reached by \d+ pods? · reaches \d+ pods?$/, all);
    assert.equal(at(APP.serviceNameLine), '', all);
    assert.match(at(APP.clientNameLine), /^reached by \d+ pods? · reaches \d+ pods?$/, all);
  });

  it('writes to an output channel named PodPath', async () => {
    await vscode.commands.executeCommand('podpath.showOutput');
    await waitFor('the PodPath output channel to be shown', () =>
      vscode.workspace.textDocuments.some((d) => d.uri.scheme === 'output' && /PodPath/i.test(d.uri.path) && d.getText().trim()) ? true : undefined,
    );
  });
});
