import * as vscode from 'vscode';
import type { TraceLink } from '../core/service/types';
import type { AnalysisScheduler } from './analysis-scheduler';
import { columnFor } from './columns';
import { findingPage } from './findings-page';
import { matrixMarkdown } from './matrix-markdown';
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
  | { kind: 'matrix'; port: number; protocol: Protocol; namespaces: string[] }
  | { kind: 'connlist'; format: ConnlistFormat }
  /** A Service's endpoints, as its "N endpoints" lens in `file` computes them. */
  | { kind: 'endpoints'; file: string; key: string }
  /** The page a problem's code links to (findings-page.ts). */
  | { kind: 'finding'; code: string };

export type ConnlistFormat = 'txt' | 'json' | 'csv' | 'md' | 'dot';

export function viewUri(view: View): vscode.Uri {
  // A readable tab title: `service:default/web` → `service default∕web` (a path holds no slash).
  const name = (s: string) => s.replace(/^([a-z]+):(?=[a-z])/i, '$1 ').replace(/\//g, '∕').replace(/[\\:?#*|"<>]+/g, '_');
  const title =
    view.kind === 'trace' ? `trace ${name(view.from)} → ${name(view.to)} ${view.port}∕${view.protocol}${view.reply ? ' with reply' : ''}.podpath-trace`
    : view.kind === 'dataplane' ? `${name(view.node)}.dataplane.txt`
    : view.kind === 'connlist' ? `connlist.${view.format}`
    : view.kind === 'endpoints' ? `endpoints of ${name(view.key)}.txt`
    : view.kind === 'finding' ? `finding ${name(view.code)}.md`
    // Markdown, shown in the preview: the matrix is a table there, columns aligned.
    : `matrix ${view.port}-${view.protocol}${view.namespaces.length ? ` ${name(view.namespaces.join(','))}` : ''}.md`;
  return vscode.Uri.from({ scheme: SCHEME, path: `/${view.kind}/${title}`, query: JSON.stringify(view) });
}

export class PodPathDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly texts = new Map<string, string>();
  /** Per trace document: its links, computed by the service from the trace's source locations. */
  private readonly links = new Map<string, TraceLink[]>();
  private readonly subscriptions: vscode.Disposable[] = [];
  readonly onDidChange = this.changed.event;

  /** `readme`: the README the extension ships, read when a finding page is opened. */
  constructor(private readonly analysis: AnalysisScheduler, private readonly readme: () => string = () => '') {
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

  /**
   * Opens a view; `text`, when the caller already has it (a trace it just ran), saves a round
   * trip. It opens beside the active editor, or in the active group when that is the only one
   * (a group of its own is made then); never in a third group beside two.
   */
  async open(view: View, text?: string, links?: TraceLink[]): Promise<vscode.TextEditor> {
    const uri = viewUri(view);
    if (text !== undefined) {
      this.texts.set(uri.toString(), text);
      this.links.set(uri.toString(), links ?? []);
      this.changed.fire(uri); // the document may be open already, showing an older run
    }
    const document = await vscode.workspace.openTextDocument(uri);
    return vscode.window.showTextDocument(document, { preview: false, viewColumn: besideColumn() });
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
        return { text: matrixMarkdown(await this.analysis.query('matrix', [view.port, view.protocol, view.namespaces], token)), links: [] };
      case 'connlist':
        return { text: await this.analysis.query('connlist', [view.format], token), links: [] };
      case 'endpoints': {
        const lenses = await this.analysis.query('codeLenses', [view.file], token);
        const lens = lenses.find((l) => l.command === 'podpath.showEndpoints' && l.args[0] === view.key);
        return { text: typeof lens?.args[2] === 'string' ? lens.args[2] : vscode.l10n.t('Service {0} is no longer in {1}.', view.key, view.file) + '\n', links: [] };
      }
      case 'finding':
        return { text: findingPage(this.readme(), view.code), links: [] };
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

/**
 * The column a view opens in: beside the active editor (the YAML it was asked from) when there
 * is a group to its right already or only one group; when the active group is the rightmost of
 * several (a view opened from a trace document), that group itself, as a new tab, so the editor
 * is never split into a third narrow group.
 */
export function besideColumn(): vscode.ViewColumn {
  const active = vscode.window.tabGroups.activeTabGroup.viewColumn;
  const groups = vscode.window.tabGroups.all.length;
  return columnFor(active, groups) === 'beside' ? vscode.ViewColumn.Beside : active;
}

