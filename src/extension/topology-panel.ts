import * as vscode from 'vscode';
import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';
import type { TopologyModel, TraceOverlay } from '../core/topology';
import { nonceFrom, topologyPageHtml } from '../core/topology/page';
import type { HostMessage, PageCommand, PageMessage } from '../webview/protocol';
import { besideColumn } from './virtual-documents';
import { isSourceRangeShaped, isWorkspaceRelativePath } from './workspace-paths';

/**
 * The webview host of the topology diagram. It owns one panel, builds the page's HTML (strict
 * CSP with a fresh nonce, resources only from dist/ and media/), sends the model, trace and
 * UI strings whenever the page says it is ready (also after the panel was hidden: the page is
 * reloaded then, since retainContextWhenHidden is off and getState keeps its view), and acts on
 * the page's requests: open the YAML behind an element or hop, save an export.
 */

export interface TopologyPanelOptions {
  /** Maps a SourceRange's file (workspace-relative as the analysis reports it) to a URI. */
  resolveFile?: (file: string) => vscode.Uri | undefined | Promise<vscode.Uri | undefined>;
  /** Where the page's errors and render times are logged. */
  log?: { info(message: string): void; error(message: string): void };
}

export class TopologyPanel implements vscode.Disposable {
  static readonly viewType = 'podpath.topology';
  private static current: TopologyPanel | undefined;

  private model: TopologyModel;
  private overlay: TraceOverlay | undefined;
  /** The reply of the shown trace, when it was traced with its reply (the page's reply toggle). */
  private reply: TraceOverlay | undefined;
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly disposed = new vscode.EventEmitter<void>();
  private readonly rendered = new vscode.EventEmitter<{ ms: number; nodes: number; pods: number; firstPaint: boolean }>();
  private readonly selected = new vscode.EventEmitter<string | null>();
  /** Fired when the panel closes. */
  readonly onDidDispose = this.disposed.event;
  /** Fired after the page painted a model (time from receipt to the painted frame). */
  readonly onDidRender = this.rendered.event;
  /** Fired when the user selects an element on the diagram (its model id), or clears the selection. */
  readonly onDidChangeSelection = this.selected.event;

  /**
   * Shows the diagram: creates the panel, or reveals the open one and gives it this model.
   * `overlay`: a trace to light up; null clears the current trace; undefined keeps it.
   */
  static show(context: vscode.ExtensionContext, model: TopologyModel, overlay?: TraceOverlay | null, options: TopologyPanelOptions = {}): TopologyPanel {
    const open = TopologyPanel.current;
    if (open) {
      open.panel.reveal(undefined, true);
      open.update(model, overlay);
      return open;
    }
    const panel = vscode.window.createWebviewPanel(TopologyPanel.viewType, pageStrings(context)['topology.title'] ?? 'PodPath topology', { viewColumn: besideColumn(), preserveFocus: true }, webviewOptions(context));
    TopologyPanel.current = new TopologyPanel(context, panel, model, overlay ?? undefined, options);
    return TopologyPanel.current;
  }

  /** The open panel, if any (for "after a save, update the diagram if it is showing"). */
  static get instance(): TopologyPanel | undefined {
    return TopologyPanel.current;
  }

  /**
   * Restores the panel after a window reload. `restore` gives the current model (and trace) or
   * undefined when there is nothing to show (the panel then closes). Needs the activation event
   * `onWebviewPanel:podpath.topology`.
   */
  static registerSerializer(context: vscode.ExtensionContext, restore: () => Promise<{ model: TopologyModel; overlay?: TraceOverlay } | undefined>, options: TopologyPanelOptions = {}): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(TopologyPanel.viewType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
        const data = await restore();
        if (!data) {
          panel.dispose();
          return;
        }
        panel.webview.options = webviewOptions(context);
        TopologyPanel.current?.dispose();
        TopologyPanel.current = new TopologyPanel(context, panel, data.model, data.overlay, options);
      },
    });
  }

  private constructor(private readonly context: vscode.ExtensionContext, private readonly panel: vscode.WebviewPanel, model: TopologyModel, overlay: TraceOverlay | undefined, private readonly options: TopologyPanelOptions) {
    this.model = model;
    this.overlay = overlay;
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'topology.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: PageMessage) => void this.receive(m)),
      // A hidden webview is torn down; it says `ready` again when shown and gets everything anew.
      panel.onDidChangeViewState(() => { if (!panel.visible) this.ready = false; }),
    );
  }

  /** A new analysis (after a save): the page redraws and keeps the user's zoom, selection and folded nodes. */
  update(model: TopologyModel, overlay?: TraceOverlay | null): void {
    this.model = model;
    if (overlay !== undefined) {
      this.overlay = overlay ?? undefined;
      this.reply = undefined;
    }
    this.post({ type: 'model', model, ...(overlay !== undefined ? { overlay, reply: null } : {}) });
  }

  /**
   * Lights up a trace on the current model (null clears it) and brings the panel forward.
   * `reply`: the overlay of its reply, which the page's reply toggle shows instead.
   */
  showTrace(overlay: TraceOverlay | null, reply?: TraceOverlay | null): void {
    this.overlay = overlay ?? undefined;
    this.reply = reply ?? undefined;
    this.panel.reveal(undefined, true);
    this.post({ type: 'trace', overlay, reply: reply ?? null });
  }

  /** Selects and centres an element (`pod:ns/name`, `node:name`, `svc:ns/name` …) or the first search hit for `query`. */
  reveal(target: { id?: string; query?: string }): void {
    this.panel.reveal(undefined, true);
    this.post({ type: 'reveal', ...target });
  }

  /** Runs a toolbar action (zoom, fit, expand/collapse all, export, hop stepping). */
  command(command: PageCommand): void {
    this.post({ type: 'command', command });
  }

  dispose(): void {
    if (TopologyPanel.current === this) TopologyPanel.current = undefined;
    while (this.disposables.length) this.disposables.pop()!.dispose();
    this.panel.dispose();
    this.disposed.fire();
    this.disposed.dispose();
    this.rendered.dispose();
    this.selected.dispose();
  }

  // ---- the page -----------------------------------------------------------------------------

  private html(): string {
    const webview = this.panel.webview;
    const asset = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, ...p)).toString();
    return topologyPageHtml({
      cspSource: webview.cspSource,
      nonce: nonceFrom(randomBytes(24)),
      scriptUri: asset('dist', 'webview.js'),
      styleUri: asset('media', 'topology.css'),
      lang: vscode.env.language,
    });
  }

  private post(m: HostMessage): void {
    // Before `ready` the page is not listening; it asks for everything once it is.
    if (this.ready) void this.panel.webview.postMessage(m);
  }

  private async receive(m: PageMessage): Promise<void> {
    switch (m?.type) {
      case 'ready':
        this.ready = true;
        this.post({ type: 'l10n', locale: vscode.env.language, strings: pageStrings(this.context) });
        this.post({ type: 'model', model: this.model, overlay: this.overlay ?? null, reply: this.reply ?? null });
        return;
      case 'revealSource':
        return this.openSource(m.range);
      case 'export':
        return this.save(m.format, m.data, m.fileName);
      case 'selection':
        this.selected.fire(m.id);
        return;
      case 'rendered':
        this.options.log?.info(`topology: ${m.nodes} nodes / ${m.pods} pods drawn in ${m.ms} ms${m.firstPaint ? ' (first paint)' : ''}`);
        this.rendered.fire({ ms: m.ms, nodes: m.nodes, pods: m.pods, firstPaint: m.firstPaint });
        return;
      case 'error':
        this.options.log?.error(`topology page: ${m.message}`);
    }
  }

  /**
   * "Open the YAML" from the page. The page's message is not trusted: only a file the analysis
   * read or a workspace-relative path inside a workspace folder is opened; an absolute path or
   * one that climbs out of the workspace is refused (workspace-paths.ts).
   */
  private async openSource(range: unknown): Promise<void> {
    if (!isSourceRangeShaped(range) || range.file.startsWith('<')) return;
    const uri = (await this.options.resolveFile?.(range.file)) ?? (isWorkspaceRelativePath(range.file) ? await resolveInWorkspace(range.file) : undefined);
    if (!uri) {
      void vscode.window.showWarningMessage(vscode.l10n.t('PodPath: {0} is not a file of the workspace', JSON.stringify(range.file.slice(0, 200))));
      return;
    }
    const start = new vscode.Position(Math.max(0, range.start.line - 1), Math.max(0, range.start.column - 1));
    const end = new vscode.Position(Math.max(0, range.end.line - 1), Math.max(0, range.end.column - 1));
    const column = this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
    const editor = await vscode.window.showTextDocument(uri, { viewColumn: column, selection: new vscode.Range(start, start), preserveFocus: false });
    editor.revealRange(new vscode.Range(start, end), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private async save(format: 'svg' | 'png', data: string, fileName: string): Promise<void> {
    if (format !== 'svg' && format !== 'png') return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const safe = path.basename(String(fileName || `podpath-topology.${format}`));
    const target = await vscode.window.showSaveDialog({
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, safe) } : {}),
      filters: format === 'svg' ? { SVG: ['svg'] } : { PNG: ['png'] },
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(data, format === 'png' ? 'base64' : 'utf8'));
    const strings = pageStrings(this.context);
    void vscode.window.showInformationMessage((strings['topology.exported'] ?? 'Exported {0}').replace('{0}', target.fsPath));
  }
}

function webviewOptions(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    // The page keeps its view with getState/setState and is cheap to rebuild: no need to hold
    // a hidden 5,000-pod DOM in memory.
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist'), vscode.Uri.joinPath(context.extensionUri, 'media')],
  };
}

/** The page's translated texts (`topology.*`) for the editor's language; English stays in the page. */
function pageStrings(context: vscode.ExtensionContext): Record<string, string> {
  let bundle: Record<string, string> | undefined = vscode.l10n.bundle;
  if (!bundle) {
    const file = path.join(context.extensionUri.fsPath, 'l10n', `bundle.l10n.${vscode.env.language.toLowerCase()}.json`);
    try {
      bundle = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      bundle = undefined;
    }
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(bundle ?? {})) if (k.startsWith('topology.') && typeof v === 'string') out[k] = v;
  return out;
}

/** A workspace-relative path (checked by the caller) in the first folder that has it. */
async function resolveInWorkspace(file: string): Promise<vscode.Uri | undefined> {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const uri = vscode.Uri.joinPath(folder.uri, file);
    try {
      await vscode.workspace.fs.stat(uri);
      return uri;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}
