/**
 * Small helpers for the integration suite: where the fixture workspace is, opening files, and
 * waiting — always with a deadline — for the extension to publish what a test asserts.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';

/** The workspace folder VS Code was opened on (a fresh copy of test/fixtures/workspace). */
export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the editor was started without a workspace folder');
  return folder.uri;
}

export function fileUri(relative: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...relative.split('/'));
}

export async function openFile(relative: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(fileUri(relative));
  return vscode.window.showTextDocument(doc, { preview: false });
}

/** Polls `probe` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A diagnostic's code as a string (VS Code allows a string, a number or {value, target}). */
export function codeOf(d: vscode.Diagnostic): string {
  const c = d.code;
  if (c === undefined) return '';
  return typeof c === 'object' ? String(c.value) : String(c);
}

/** PodPath's diagnostics for a file (other extensions' are left out). */
export function podpathDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => (d.source ?? '').toLowerCase().includes('podpath'));
}

/** Hover contents at a position as plain text (markdown kept as written). */
export async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : String(c)))
    .join('\n')
    // As shown: manifest text arrives backslash-escaped (CommonMark escapes of ASCII punctuation).
    .replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

/** Code lenses of a document with their commands resolved. */
export async function codeLenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
}

/** Replaces the first occurrence of `from` on a 1-based line and saves the document. */
export async function editLineAndSave(uri: vscode.Uri, line: number, from: string, to: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const text = doc.lineAt(line - 1).text;
  const col = text.indexOf(from);
  assert.ok(col >= 0, `line ${line} of ${uri.path} does not contain ${JSON.stringify(from)}: ${JSON.stringify(text)}`);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(line - 1, col, line - 1, col + from.length), to);
  assert.ok(await vscode.workspace.applyEdit(edit), 'the edit was refused');
  assert.ok(await doc.save(), 'the save was refused');
}

