import * as vscode from 'vscode';
import type { AnalysisScheduler } from './analysis-scheduler';
import { fromPosition, toRange } from './convert';
import type { WorkspaceFiles } from './workspace-files';

/** Hover on a pod, workload, Service, selector, policy rule or port: the service's markdown. */
export class PodPathHoverProvider implements vscode.HoverProvider {
  constructor(private readonly analysis: AnalysisScheduler, private readonly files: WorkspaceFiles) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const file = await this.files.fileOfSettled(document.uri);
    if (!file) return undefined;
    const hover = await this.analysis.query('hover', [file, fromPosition(position)], token).catch(() => undefined);
    if (!hover) return undefined;
    return new vscode.Hover(untrustedMarkdown(hover.markdown), toRange(hover.range));
  }
}

/**
 * The service escapes every manifest-derived string (core/service/markdown.ts); this is the
 * second wall: no HTML, no theme icons, and no command links (untrusted), whatever the text says.
 */
export function untrustedMarkdown(markdown: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(markdown, false);
  md.isTrusted = false;
  md.supportHtml = false;
  md.supportThemeIcons = false;
  return md;
}
