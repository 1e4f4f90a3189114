import * as vscode from 'vscode';
import type { Trace } from '../core/forward/trace';
import type { ReplyTrace } from '../core/forward/reply';
import type { AnalysisScheduler } from './analysis-scheduler';
import type { TopologyView } from './commands';
import { TopologyPanel, TopologyPanelOptions } from './topology-panel';
import type { WorkspaceFiles } from './workspace-files';

/**
 * Feeds the topology diagram (topology-panel.ts) from the analysis worker: the model when the
 * panel opens and after every analysis while it is open, and the overlay of the latest trace.
 * Nothing is built while the panel is closed.
 */
export class TopologyBridge implements TopologyView, vscode.Disposable {
  private lastTrace: Trace | undefined;
  private lastReply: ReplyTrace | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly options: TopologyPanelOptions;

  constructor(private readonly context: vscode.ExtensionContext, private readonly analysis: AnalysisScheduler, files: WorkspaceFiles, log: vscode.LogOutputChannel) {
    this.options = { resolveFile: (file) => files.uriOf(file), log };
    this.subscriptions.push(
      analysis.onDidAnalyse(() => void this.refresh()),
      // After a window reload the panel comes back with the newest analysis.
      TopologyPanel.registerSerializer(context, async () => ({ model: await this.analysis.query('topology', []) }), this.options),
    );
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    TopologyPanel.instance?.dispose();
  }

  async show(): Promise<void> {
    const model = await this.analysis.query('topology', []);
    const overlay = this.lastTrace ? await this.overlayOf(this.lastTrace) : undefined;
    const panel = TopologyPanel.show(this.context, model, overlay, this.options);
    if (this.lastTrace && this.lastReply) panel.showTrace(overlay ?? null, (await this.replyOverlayOf(this.lastTrace, this.lastReply)) ?? null);
  }

  /**
   * Lights the trace up on the diagram when it is open; opening it later shows it too. With its
   * reply, the diagram's reply toggle can show the way back.
   */
  async revealTrace(trace: Trace, reply?: ReplyTrace): Promise<void> {
    this.lastTrace = trace;
    this.lastReply = reply;
    const panel = TopologyPanel.instance;
    if (panel) panel.showTrace((await this.overlayOf(trace)) ?? null, reply ? (await this.replyOverlayOf(trace, reply)) ?? null : null);
  }

  private async replyOverlayOf(trace: Trace, reply: ReplyTrace) {
    return this.analysis.query('replyOverlay', [trace, reply]).catch(() => undefined);
  }

  private async overlayOf(trace: Trace) {
    return this.analysis.query('traceOverlay', [trace]).catch(() => undefined);
  }

  private async refresh(): Promise<void> {
    const panel = TopologyPanel.instance;
    if (!panel) return;
    const model = await this.analysis.query('topology', []).catch(() => undefined);
    if (model) panel.update(model);
  }
}
