import * as vscode from 'vscode';
import type { InlayHint } from '../core/service/types';
import type { AnalysisScheduler } from './analysis-scheduler';
import { toPosition } from './convert';
import { localize } from './labels';
import { ProviderStopwatch } from './provider-timings';
import type { WorkspaceFiles } from './workspace-files';

/**
 * Reachability at the end of each object's name line: "reached by N · reaches M" on workloads,
 * "selects N pods · allows M flows" on policies. Off with `podpath.hints.enabled: false`.
 */
export class ReachabilityHintsProvider implements vscode.InlayHintsProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.changed.event;

  constructor(private readonly analysis: AnalysisScheduler, private readonly files: WorkspaceFiles, private readonly enabled: () => boolean) {
    // Asked again only when an analysis changed this provider's answers for a file on screen.
    analysis.onDidRefreshAnswers((method) => {
      if (method === 'inlayHints') this.changed.fire();
    });
  }

  /** The setting changed: ask the editor for hints again. */
  refresh(): void {
    this.changed.fire();
  }

  async provideInlayHints(document: vscode.TextDocument, range: vscode.Range, token: vscode.CancellationToken): Promise<vscode.InlayHint[]> {
    const watch = new ProviderStopwatch('inlayHints', (t) => this.analysis.reportProviderTiming(t));
    if (!this.enabled()) return [];
    const file = await this.files.fileOfSettled(document.uri);
    if (!file) return [];
    if (token.isCancellationRequested) return [];
    watch.fileFound();
    // From the last complete analysis while a newer one runs; refreshed when it is done.
    const answer = await this.analysis.answer('inlayHints', file, [file]).catch(() => undefined);
    watch.answered();
    const hints: InlayHint[] = answer?.value ?? [];
    const out: vscode.InlayHint[] = [];
    for (const h of hints) {
      const position = document.validatePosition(toPosition(h.position));
      if (!range.contains(position)) continue;
      const hint = new vscode.InlayHint(position, localize(h.label));
      hint.paddingLeft = true;
      if (h.tooltip) hint.tooltip = h.tooltip;
      out.push(hint);
    }
    if (answer) watch.done(answer.source, answer.worker);
    return out;
  }
}
