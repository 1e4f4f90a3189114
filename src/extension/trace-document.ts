import * as vscode from 'vscode';
import { findLocationReferences } from './positions';
import type { WorkspaceFiles } from './workspace-files';

/**
 * Trace documents: read-only `podpath:` documents in the `podpath-trace` language (grammar in
 * syntaxes/), whose `file:line:col` references link back to the YAML that decided each hop.
 */

export const TRACE_LANGUAGE = 'podpath-trace';

/** Every `file:line:col` in a trace (or dataplane) document becomes a link to that place. */
export class SourceLinkProvider implements vscode.DocumentLinkProvider {
  constructor(private readonly files: WorkspaceFiles) {}

  provideDocumentLinks(document: vscode.TextDocument): vscode.DocumentLink[] {
    const links: vscode.DocumentLink[] = [];
    for (const ref of findLocationReferences(document.getText())) {
      const uri = this.files.uriOf(ref.file);
      if (!uri) continue;
      const range = new vscode.Range(document.positionAt(ref.offset), document.positionAt(ref.offset + ref.length));
      // VS Code opens `#L<line>,<column>` fragments at that position (both 1-based).
      const link = new vscode.DocumentLink(range, uri.with({ fragment: `L${ref.position.line},${ref.position.column}` }));
      link.tooltip = vscode.l10n.t('Open the YAML that decided this hop');
      links.push(link);
    }
    return links;
  }
}
