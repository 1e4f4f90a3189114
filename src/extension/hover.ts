import * as vscode from 'vscode';
import type { AnalysisScheduler } from './analysis-scheduler';
import { fromPosition, toRange } from './convert';
import { ProviderStopwatch } from './provider-timings';
import type { WorkspaceFiles } from './workspace-files';

/** Hover on a pod, workload, Service, selector, policy rule or port: the service's markdown. */
export class PodPathHoverProvider implements vscode.HoverProvider {
  constructor(private readonly analysis: AnalysisScheduler, private readonly files: WorkspaceFiles) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const watch = new ProviderStopwatch('hover', (t) => this.analysis.reportProviderTiming(t));
    const file = await this.files.fileOfSettled(document.uri);
    if (!file) return undefined;
    watch.fileFound();
    // Kept per position and line text: an earlier answer stands in only where the line is unchanged.
    const key = `${file}:${position.line}:${position.character}:${document.lineAt(position.line).text}`;
    const answer = await this.analysis.answer('hover', key, [file, fromPosition(position)], token).catch(() => undefined);
    watch.answered();
    const hover = answer?.value;
    if (!hover) {
      if (answer) watch.done(answer.source, answer.worker);
      return undefined;
    }
    // An answer from the previous analysis (the worker is busy with a newer one) says so.
    const markdown = answer.stale ? `${hover.markdown}\n\n---\n\n*${vscode.l10n.t('From the previous analysis: PodPath is still analysing your last change.')}*` : hover.markdown;
    const result = new vscode.Hover(untrustedMarkdown(markdown), toRange(hover.range));
    watch.done(answer.source, answer.worker);
    return result;
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
