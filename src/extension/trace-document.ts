import * as vscode from 'vscode';
import type { PodPathDocuments } from './virtual-documents';
import type { WorkspaceFiles } from './workspace-files';

/**
 * Trace documents: read-only `podpath:` documents in the `podpath-trace` language (grammar in
 * syntaxes/), whose hops link back to the YAML that decided them.
 */

export const TRACE_LANGUAGE = 'podpath-trace';

/**
 * The links of a trace document. They come from the trace's structured source locations (the
 * service computes them with the document, trace-links.ts), never from patterns in the text,
 * which holds manifest names; and they only open files the analysis read.
 */
export class SourceLinkProvider implements vscode.DocumentLinkProvider {
  constructor(private readonly files: WorkspaceFiles, private readonly documents: PodPathDocuments) {}

  provideDocumentLinks(document: vscode.TextDocument): vscode.DocumentLink[] {
    const links: vscode.DocumentLink[] = [];
    for (const link of this.documents.linksOf(document.uri)) {
      const uri = this.files.analysedUriOf(link.target.file);
      if (!uri || link.line < 1 || link.line > document.lineCount) continue;
      const start = new vscode.Position(link.line - 1, Math.max(0, link.column - 1));
      const range = document.validateRange(new vscode.Range(start, start.translate(0, link.length)));
      // VS Code opens `#L<line>,<column>` fragments at that position (both 1-based).
      const target = new vscode.DocumentLink(range, uri.with({ fragment: `L${link.target.start.line},${link.target.start.column}` }));
      target.tooltip = vscode.l10n.t('Open the YAML that decided this hop');
      links.push(target);
    }
    return links;
  }
}
