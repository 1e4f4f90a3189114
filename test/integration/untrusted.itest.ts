/// <reference types="mocha" />
import * as assert from 'assert';
import * as vscode from 'vscode';
import { codeLenses, fileUri, openFile, podpathDiagnostics, waitFor } from './helpers';

// Files written by someone else, and JSON dumps beside other JSON. These files are created in
// the workspace copy by the tests themselves and removed afterwards (this suite runs last).

// A backtick first: it would close a naive code span and let the image out.
const PAYLOAD = 'x` ![t](https://attacker.example/t.png) `**';

const written: vscode.Uri[] = [];
async function write(name: string, text: string): Promise<vscode.Uri> {
  const uri = fileUri(name);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  written.push(uri);
  return uri;
}

describe('untrusted manifests and JSON dumps', () => {
  after(async () => {
    for (const uri of written) await vscode.workspace.fs.delete(uri).then(undefined, () => undefined);
  });

  it('a hostile container name is refused where it is written, and no hover renders it', async () => {
    const uri = await write('hostile.yaml', [
      'apiVersion: v1', 'kind: Pod', 'metadata: {name: hostile, namespace: default}',
      'spec:', '  nodeName: node-1', '  containers:', `    - name: ${JSON.stringify(PAYLOAD)}`, '      image: x', '      ports: [{containerPort: 9000}]', '',
    ].join('\n'));
    await openFile('hostile.yaml');
    // The API server refuses a container name that is not a DNS label, so PodPath leaves the pod
    // out and says so at the name (escaping of names that do reach a hover is unit-tested).
    const refused = await waitFor('an invalid-name problem at the container name', () => {
      const d = podpathDiagnostics(uri).find((x) => String(typeof x.code === 'object' ? x.code.value : x.code) === 'invalid-name');
      return d;
    });
    assert.equal(refused.range.start.line, 6);
    assert.ok(refused.message.includes(PAYLOAD), `the problem quotes the name as written:\n${refused.message}`);
    const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(8, 20))) ?? [];
    for (const c of hovers.flatMap((h) => h.contents)) {
      if (typeof c === 'string' || !('value' in c)) continue;
      const md = c as vscode.MarkdownString;
      assert.ok(!md.isTrusted && !md.supportHtml, 'any hover Markdown is untrusted and renders no HTML');
      const outsideCode = md.value.replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '').replace(/\\[!-/:-@[-`{-~]/g, '');
      assert.ok(!/!\[|\]\(|<[a-z]|https?:/i.test(outsideCode), `the payload reaches the Markdown as Markdown:\n${md.value}`);
    }
  });

  it('a JSON dump is analysed; other JSON (a package.json) is not', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'json-pod', namespace: 'default', labels: { app: 'json-only' } }, spec: { nodeName: 'node-2', containers: [{ name: 'c', image: 'x' }] } };
    const dump = await write('dump.json', JSON.stringify({ apiVersion: 'v1', items: [pod], kind: 'List', metadata: { resourceVersion: '' } }, null, 4) + '\n');
    const other = await write('package.json', JSON.stringify({ name: 'not-kubernetes', version: '1.0.0', kind: 'library', scripts: { test: 'true' } }, null, 2) + '\n');
    await openFile('dump.json');
    const lenses = await waitFor('a "Trace from json-pod…" lens on dump.json', async () => {
      const all = await codeLenses(dump);
      return all.some((l) => l.command?.title === 'Trace from json-pod…') ? all : undefined;
    });
    assert.ok(lenses.length >= 1);
    await openFile('package.json');
    // Give the analysis of the opened package.json time to run, then check it said nothing.
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepStrictEqual(podpathDiagnostics(other).map((d) => d.message), []);
    assert.deepStrictEqual((await codeLenses(other)).filter((l) => l.command?.command.startsWith('podpath.')), []);
  });
});
