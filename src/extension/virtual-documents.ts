import * as vscode from 'vscode';
import type { TraceLink } from '../core/service/types';
import type { AnalysisScheduler } from './analysis-scheduler';
import type { Protocol } from './trace-input';

/**
 * Read-only views as documents on the `podpath:` scheme: a trace, a node's dataplane
 * (`ip addr`, `ip route`, `iptables-save` …), the reachability matrix. The URI says what to
 * show, so a view can be recomputed: open views follow every new analysis.
 */

export const SCHEME = 'podpath';

export type View =
  /** `reply`: the trace followed by the reply of the connection (`podpath trace --reply`). */
  | { kind: 'trace'; from: string; to: string; port: number; protocol: Protocol; reply?: boolean }
  | { kind: 'dataplane'; node: string }
  | { kind: 'matrix'; port: number; protocol: Protocol; namespaces: string[] };

export function viewUri(view: View): vscode.Uri {
  // A readable tab title: `service:default/web` → `service default∕web` (a path holds no slash).
  const name = (s: string) => s.replace(/^([a-z]+):(?=[a-z])/i, '$1 ').replace(/\//g, '∕').replace(/[\\:?#*|"<>]+/g, '_');
  const title =
    view.kind === 'trace' ? `trace ${name(view.from)} → ${name(view.to)} ${view.port}∕${view.protocol}${view.reply ? ' with reply' : ''}.podpath-trace`
    : view.kind === 'dataplane' ? `${name(view.node)}.dataplane.txt`
    : `matrix ${view.port}-${view.protocol}${view.namespaces.length ? ` ${name(view.namespaces.join(','))}` : ''}.txt`;
  return vscode.Uri.from({ scheme: SCHEME, path: `/${view.kind}/${title}`, query: JSON.stringify(view) });
}

export class PodPathDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly texts = new Map<string, string>();
  /** Per trace document: its links, computed by the service from the trace's source locations. */
  private readonly links = new Map<string, TraceLink[]>();
  private readonly subscriptions: vscode.Disposable[] = [];
  readonly onDidChange = this.changed.event;

  constructor(private readonly analysis: AnalysisScheduler) {
    this.subscriptions.push(
      this.changed,
      analysis.onDidAnalyse(() => this.refresh()),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.texts.delete(d.uri.toString());
        this.links.delete(d.uri.toString());
      }),
    );
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }

  /** The links of an open view (trace documents have some; text never makes one). */
  linksOf(uri: vscode.Uri): TraceLink[] {
    return this.links.get(uri.toString()) ?? [];
  }

  /** Opens a view; `text`, when the caller already has it (a trace it just ran), saves a round trip. */
  async open(view: View, text?: string, links?: TraceLink[]): Promise<vscode.TextEditor> {
    const uri = viewUri(view);
    if (text !== undefined) {
      this.texts.set(uri.toString(), text);
      this.links.set(uri.toString(), links ?? []);
      this.changed.fire(uri); // the document may be open already, showing an older run
    }
    const document = await vscode.workspace.openTextDocument(uri);
    return vscode.window.showTextDocument(document, { preview: false, viewColumn: vscode.ViewColumn.Beside });
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const key = uri.toString();
    const cached = this.texts.get(key);
    if (cached !== undefined) return cached;
    try {
      const { text, links } = await this.render(JSON.parse(uri.query) as View, token);
      this.texts.set(key, text);
      this.links.set(key, links);
      return text;
    } catch (e) {
      // Not cached: the next analysis (or reopening) tries again.
      return vscode.l10n.t('PodPath could not compute this view: {0}', (e as Error).message) + '\n';
    }
  }

  private async render(view: View, token: vscode.CancellationToken): Promise<{ text: string; links: TraceLink[] }> {
    switch (view.kind) {
      case 'trace': {
        const r = await this.analysis.query('trace', [view.from, view.to, view.port, view.protocol, view.reply === true], token);
        return r.ok && r.document !== undefined
          ? { text: r.document, links: r.links ?? [] }
          : { text: vscode.l10n.t('Cannot trace {0} → {1}: {2}', view.from, view.to, r.error ?? '') + '\n', links: [] };
      }
      case 'dataplane':
        return { text: await this.analysis.query('dataplane', [view.node], token), links: [] };
      case 'matrix':
        return { text: await this.analysis.query('matrix', [view.port, view.protocol, view.namespaces], token), links: [] };
    }
  }

  private refresh(): void {
    for (const d of vscode.workspace.textDocuments) {
      if (d.uri.scheme !== SCHEME) continue;
      this.texts.delete(d.uri.toString());
      this.links.delete(d.uri.toString());
      this.changed.fire(d.uri);
    }
  }
}
