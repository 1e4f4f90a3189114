import * as vscode from 'vscode';
import type { QuickFix } from '../core/service/types';
import { toRange } from './convert';
import type { DiagnosticsView } from './diagnostics';
import { localize } from './labels';
import type { WorkspaceFiles } from './workspace-files';

/** The service's quick fixes (add the missing label, allow DNS egress …) as code actions. */
export class QuickFixProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly diagnostics: DiagnosticsView, private readonly files: WorkspaceFiles) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      if (d.source !== 'podpath') continue;
      if ((typeof d.code === 'object' ? d.code.value : d.code) === 'no-cluster-document') {
        actions.push(...noClusterActions(d));
        continue;
      }
      const fixes = this.diagnostics.fixesFor(document.uri, d);
      for (const fix of fixes) {
        const action = this.toAction(fix, d);
        if (action) {
          action.isPreferred = fixes.length === 1;
          actions.push(action);
        }
      }
    }
    return actions;
  }

  private toAction(fix: QuickFix, d: vscode.Diagnostic): vscode.CodeAction | undefined {
    const edit = new vscode.WorkspaceEdit();
    for (const e of fix.edits) {
      const uri = this.files.uriOf(e.file);
      if (!uri) return undefined; // a fix we cannot apply whole is not offered at all
      edit.replace(uri, toRange(e.range), e.newText);
    }
    const action = new vscode.CodeAction(localize(fix.title), vscode.CodeActionKind.QuickFix);
    action.edit = edit;
    action.diagnostics = [d];
    return action;
  }
}

/** The two ways out of "no Cluster document": describe the cluster, or say policies are enforced. */
function noClusterActions(d: vscode.Diagnostic): vscode.CodeAction[] {
  const create = new vscode.CodeAction(vscode.l10n.t('Create a Cluster document…'), vscode.CodeActionKind.QuickFix);
  create.command = { command: 'podpath.createClusterDocument', title: create.title };
  create.diagnostics = [d];
  create.isPreferred = true;
  const assume = new vscode.CodeAction(vscode.l10n.t('Assume policies are enforced (setting podpath.defaultCluster.networkPolicy)'), vscode.CodeActionKind.QuickFix);
  assume.command = { command: 'podpath.assumePoliciesEnforced', title: assume.title };
  assume.diagnostics = [d];
  return [create, assume];
}
