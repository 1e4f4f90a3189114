/// <reference types="mocha" />
import * as assert from 'assert';
import * as vscode from 'vscode';
import { CLEAN_FILES, FIXTURE_PROBLEMS, ORPHAN_FIX } from './expectations';
import { codeOf, editLineAndSave, fileUri, openFile, podpathDiagnostics, waitFor } from './helpers';

const SEVERITY: Record<string, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** `code@line` for each PodPath diagnostic of a file, sorted (lines 1-based). */
function summary(uri: vscode.Uri): string[] {
  return podpathDiagnostics(uri)
    .map((d) => `${codeOf(d)}@${d.range.start.line + 1}`)
    .sort();
}

describe('diagnostics (Problems panel)', () => {
  const problems = fileUri('problems.yaml');
  const expected = FIXTURE_PROBLEMS.map((p) => `${p.code}@${p.line}`).sort();

  // Opening a YAML file activates the extension; problems.yaml itself stays closed.
  before(() => openFile('app.yaml'));

  it('reports every intentional problem of the workspace with its code, line and severity', async () => {
    // The file is not opened: problems of the whole workspace are reported.
    await waitFor(`diagnostics ${expected.join(', ')} on problems.yaml`, () => (summary(problems).join() === expected.join() ? true : undefined), 20_000).catch((err) => {
      throw new Error(`${err.message}; got [${summary(problems).join(', ')}]`);
    });
    const diags = podpathDiagnostics(problems);
    for (const p of FIXTURE_PROBLEMS) {
      const d = diags.find((x) => codeOf(x) === p.code);
      assert.ok(d, `no ${p.code}`);
      assert.strictEqual(d.range.start.line + 1, p.line, `${p.code}: line`);
      assert.strictEqual(d.severity, SEVERITY[p.severity], `${p.code}: severity`);
      assert.ok(d.message.includes(p.text), `${p.code}: message ${JSON.stringify(d.message)} lacks ${JSON.stringify(p.text)}`);
      assert.strictEqual(d.source, 'podpath');
    }
  });

  it('reports nothing on the files without problems', () => {
    for (const f of CLEAN_FILES) assert.deepStrictEqual(summary(fileUri(f)), [], `${f} should have no PodPath diagnostics`);
  });

  it('updates the problems when a fix is saved, and again when it is undone', async () => {
    const uri = fileUri(ORPHAN_FIX.file);
    await editLineAndSave(uri, ORPHAN_FIX.line, ORPHAN_FIX.from, ORPHAN_FIX.to);
    try {
      await waitFor(`${ORPHAN_FIX.clears} to disappear after the save`, () => (summary(uri).some((s) => s.startsWith(`${ORPHAN_FIX.clears}@`)) ? undefined : true), 10_000);
      assert.deepStrictEqual(summary(uri), expected.filter((s) => !s.startsWith(`${ORPHAN_FIX.clears}@`)));
    } finally {
      await editLineAndSave(uri, ORPHAN_FIX.line, ORPHAN_FIX.to, ORPHAN_FIX.from);
    }
    await waitFor(`${ORPHAN_FIX.clears} to come back after undoing the fix`, () => (summary(uri).join() === expected.join() ? true : undefined), 10_000);
  });
});
