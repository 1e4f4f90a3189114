import * as vscode from 'vscode';
import * as path from 'path';
import { analyzeSources } from '../core/analyze';
import { formatFinding } from '../core/common/finding';

/**
 * The VS Code adapter. It reads the workspace's YAML, hands it to the core and shows what the
 * core found; it computes nothing itself.
 */
export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('PodPath');
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('podpath.analyzeWorkspace', async () => {
      const started = Date.now();
      const uris = await vscode.workspace.findFiles('**/*.{yaml,yml}', '**/node_modules/**');
      const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
      const sources = await Promise.all(
        uris.map(async (uri) => ({ file: root ? path.relative(root, uri.fsPath) : uri.fsPath, text: new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)) })),
      );
      sources.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
      const a = analyzeSources(sources);
      const c = a.cluster;
      output.appendLine(`${sources.length} files · ${c.nodes.length} nodes · ${c.pods.length} pods · ${c.services.length} services · ${c.policies.length} policies (${Date.now() - started} ms)`);
      for (const f of a.findings) output.appendLine(formatFinding(f));
      output.show(true);
    }),
  );
}

export function deactivate(): void {
  // Nothing to release: subscriptions are disposed by VS Code.
}
