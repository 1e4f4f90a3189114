import * as vscode from 'vscode';
import type { Lens, SourceRange } from '../core/service/types';
import type { AnalysisScheduler } from './analysis-scheduler';
import { toRange } from './convert';
import { localize } from './labels';
import { ProviderStopwatch } from './provider-timings';
import type { WorkspaceFiles } from './workspace-files';

/**
 * CodeLens from the service: "Trace from {name}…" above each pod and workload, "Trace to this
 * Service from…" and "N endpoints" on Services, "selects N pods" on policies. Asked for again
 * after an analysis that changed them (analysis-scheduler.ts, renewOnScreen).
 */

/** What the "N endpoints" / "selects N pods" lenses hand to their command (see commands.ts). */
export interface MatchLensArgs {
  /** The Service's or policy's key, `namespace/name`. */
  key: string;
  file: string;
  /** The object's range: the command looks for its selector inside. */
  range: SourceRange;
  /** The matched objects, when the service sends them with the lens. */
  matches?: SourceRange[];
  /** On a Service: its endpoints as a document (address, pod, node per port). */
  endpoints?: string;
}

export class PodPathCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly analysis: AnalysisScheduler, private readonly files: WorkspaceFiles) {
    // Asked again only when an analysis changed this provider's answers for a file on screen.
    analysis.onDidRefreshAnswers((method) => {
      if (method === 'codeLenses') this.changed.fire();
    });
  }

  async provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const watch = new ProviderStopwatch('codeLens', (t) => this.analysis.reportProviderTiming(t));
    const file = await this.files.fileOfSettled(document.uri);
    if (!file) return [];
    if (token.isCancellationRequested) return [];
    watch.fileFound();
    // From the last complete analysis while a newer one runs; refreshed when it is done.
    const answer = await this.analysis.answer('codeLenses', file, [file]).catch(() => undefined);
    watch.answered();
    const lenses = (answer?.value ?? []).map((lens) => new vscode.CodeLens(toRange(lens.range), {
      title: localize(lens.title),
      command: lens.command,
      arguments: lens.command === 'podpath.traceFrom' || lens.command === 'podpath.traceTo' ? lens.args : [matchArgs(file, lens)],
    }));
    if (answer) watch.done(answer.source, answer.worker);
    return lenses;
  }
}

function matchArgs(file: string, lens: Lens): MatchLensArgs {
  const [key, matches, endpoints] = lens.args;
  return { key: String(key), file, range: lens.range, ...(Array.isArray(matches) ? { matches: matches as SourceRange[] } : {}), ...(typeof endpoints === 'string' ? { endpoints } : {}) };
}
