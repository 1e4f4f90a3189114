import * as vscode from 'vscode';
import type { SourceRange } from '../core/service/types';
import type { AnalysisScheduler } from './analysis-scheduler';
import { fromPosition, toRange } from './convert';
import type { WorkspaceFiles } from './workspace-files';

/**
 * Go to Definition from a label selector to the objects it matches; Find All References from
 * a pod or workload to the selectors (Services, policies, workloads) that match it.
 */
export class SelectorNavigation implements vscode.DefinitionProvider, vscode.ReferenceProvider {
  constructor(private readonly analysis: AnalysisScheduler, private readonly files: WorkspaceFiles) {}

  async provideDefinition(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Location[]> {
    const file = await this.files.fileOfSettled(document.uri);
    if (!file) return [];
    const ranges = await this.analysis.query('definition', [file, fromPosition(position)], token).catch(() => []);
    return this.locations(ranges);
  }

  async provideReferences(document: vscode.TextDocument, position: vscode.Position, _context: vscode.ReferenceContext, token: vscode.CancellationToken): Promise<vscode.Location[]> {
    const file = await this.files.fileOfSettled(document.uri);
    if (!file) return [];
    const ranges = await this.analysis.query('references', [file, fromPosition(position)], token).catch(() => []);
    return this.locations(ranges);
  }

  locations(ranges: SourceRange[]): vscode.Location[] {
    const out: vscode.Location[] = [];
    for (const r of ranges) {
      const uri = this.files.uriOf(r.file);
      if (uri) out.push(new vscode.Location(uri, toRange(r)));
    }
    return out;
  }
}
