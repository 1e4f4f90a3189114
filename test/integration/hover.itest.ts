/// <reference types="mocha" />
import * as assert from 'assert';
import * as vscode from 'vscode';
import { APP } from './expectations';
import { fileUri, hoverText, openFile, waitFor, workspaceRoot } from './helpers';
import { analyzeFolder, clusterIpOf, podsOfOwner } from './truth';

/** The position of `word` on a 1-based line of an open document. */
function positionOf(doc: vscode.TextDocument, line: number, word: string): vscode.Position {
  const col = doc.lineAt(line - 1).text.indexOf(word);
  assert.ok(col >= 0, `line ${line} does not contain ${word}`);
  return new vscode.Position(line - 1, col + 1);
}

describe('hover', () => {
  const truth = () => analyzeFolder(workspaceRoot().fsPath);

  it("shows each replica's packet path on a Deployment: eth0, its veth, the bridge, the node", async () => {
    const doc = (await openFile(APP.file)).document;
    const pos = positionOf(doc, APP.deploymentNameLine, 'web');
    const text = await waitFor('a PodPath hover on Deployment web', async () => {
      const t = await hoverText(fileUri(APP.file), pos);
      return t.includes('eth0') ? t : undefined;
    });
    const pods = podsOfOwner(truth(), 'web');
    assert.strictEqual(pods.length, 2);
    for (const p of pods) {
      for (const piece of [p.ip, p.hostVeth, p.node]) assert.ok(text.includes(piece), `hover lacks ${piece} of ${p.key}:\n${text}`);
    }
    assert.ok(text.includes('cni0'), `hover lacks the node bridge cni0:\n${text}`);
  });

  it('shows the ClusterIP and the endpoints behind a Service', async () => {
    const doc = (await openFile(APP.file)).document;
    const text = await waitFor('a PodPath hover on Service web', async () => {
      const t = await hoverText(fileUri(APP.file), positionOf(doc, APP.serviceNameLine, 'web'));
      return t.trim() ? t : undefined;
    });
    const a = truth();
    assert.ok(text.includes(clusterIpOf(a, 'default/web')), `hover lacks the ClusterIP:\n${text}`);
    for (const p of podsOfOwner(a, 'web')) assert.ok(text.includes(p.ip), `hover lacks endpoint ${p.ip}:\n${text}`);
  });
});
