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

  it('a hover shows a hostile container name as text, in untrusted Markdown without HTML', async () => {
    const uri = await write('hostile.yaml', [
      'apiVersion: v1', 'kind: Pod', 'metadata: {name: hostile, namespace: default}',
      'spec:', '  nodeName: node-1', '  containers:', `    - name: ${JSON.stringify(PAYLOAD)}`, '      image: x', '      ports: [{containerPort: 9000}]', '',
    ].join('\n'));
    await openFile('hostile.yaml');
    const position = new vscode.Position(8, 20); // inside {containerPort: 9000}
    const hover = await waitFor('a PodPath hover on the hostile pod\'s port', async () => {
      const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
      return hovers.flatMap((h) => h.contents).find((c): c is vscode.MarkdownString => typeof c !== 'string' && 'value' in c && c.value.includes('port'));
    });
    assert.ok(!hover.isTrusted, 'the hover Markdown is not trusted (no command links)');
    assert.ok(!hover.supportHtml, 'the hover Markdown renders no HTML');
    // Outside code spans (whose content is literal), nothing may start an image or a link.
    const outsideCode = hover.value.replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '').replace(/\\[!-/:-@[-`{-~]/g, '');
    assert.ok(!/!\[|\]\(|<[a-z]|https?:/i.test(outsideCode), `the payload reaches the Markdown as Markdown:\n${hover.value}`);
    const shown = hover.value.replace(/\\([!-/:-@[-`{-~])/g, '$1');
    assert.ok(shown.includes(PAYLOAD), `the hover does not show the name as written:\n${hover.value}`);
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
