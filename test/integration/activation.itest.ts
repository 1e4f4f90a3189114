/// <reference types="mocha" />
import * as assert from 'assert';
import * as vscode from 'vscode';
import { COMMANDS, EXTENSION_ID } from './expectations';
import { openFile, waitFor } from './helpers';

describe('activation', () => {
  it('activates when a YAML file is opened', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed in this editor`);
    const editor = await openFile('app.yaml');
    assert.strictEqual(editor.document.languageId, 'yaml');
    // No explicit activate(): the manifest's activation events must do it.
    await waitFor('the extension to activate', () => (ext.isActive ? true : undefined), 15_000);
  });

  it('contributes and registers the commands of the issue', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed = ((ext.packageJSON.contributes?.commands ?? []) as { command: string; title: string }[]).map((c) => c.command);
    for (const c of COMMANDS) assert.ok(contributed.includes(c), `package.json contributes.commands lacks ${c}`);
    await ext.activate(); // commands are registered by activate() (running one would activate it too)
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const c of COMMANDS) assert.ok(registered.has(c), `command ${c} is contributed but not registered`);
  });
});
