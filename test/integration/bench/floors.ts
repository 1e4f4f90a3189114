/**
 * The editor's own share of a provider question: hover, CodeLens and inlay-hint providers that
 * answer at once, registered by the benchmark for an untitled plain-text copy of the edited file,
 * asked through the same `vscode.execute…Provider` commands right after PodPath's. They return
 * PodPath's last answers, so the editor moves the same amount of data; what they take is the
 * floor under any extension's answer in this editor.
 */
import { performance } from 'perf_hooks';
import * as vscode from 'vscode';

export class FloorProviders implements vscode.Disposable {
  private hover: vscode.Hover | undefined;
  private lenses: vscode.CodeLens[] = [];
  private hints: vscode.InlayHint[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];

  private constructor(readonly document: vscode.TextDocument) {
    const selector: vscode.DocumentSelector = { scheme: 'untitled', language: 'plaintext' };
    this.subscriptions.push(
      vscode.languages.registerHoverProvider(selector, { provideHover: () => this.hover }),
      vscode.languages.registerCodeLensProvider(selector, { provideCodeLenses: () => this.lenses }),
      vscode.languages.registerInlayHintsProvider(selector, { provideInlayHints: () => this.hints }),
    );
  }

  /** Providers for an untitled copy of `text`. */
  static async open(text: string): Promise<FloorProviders> {
    return new FloorProviders(await vscode.workspace.openTextDocument({ language: 'plaintext', content: text }));
  }

  /** What the floor providers answer from now on: PodPath's answers just received. */
  answerLike(hovers: vscode.Hover[] | undefined, lenses: vscode.CodeLens[] | undefined, hints: vscode.InlayHint[] | undefined): void {
    const h = hovers?.[0];
    this.hover = h ? new vscode.Hover(h.contents, h.range) : undefined;
    this.lenses = (lenses ?? []).map((l) => new vscode.CodeLens(l.range, l.command ? { title: l.command.title, command: 'podpath.bench.nothing', arguments: l.command.arguments } : undefined));
    this.hints = (hints ?? []).map((x) => {
      const hint = new vscode.InlayHint(x.position, x.label);
      hint.paddingLeft = x.paddingLeft;
      hint.tooltip = x.tooltip;
      return hint;
    });
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}

/**
 * The editor's own save: a plain-text copy of the edited manifest (PodPath does not read it),
 * on screen beside it, its first line edited and saved like the manifests. Times `doc.save()`
 * until the extension host hears `onWillSaveTextDocument`, and until the save resolves: what any
 * save of such a file costs here before an extension can start on it.
 */
export class FloorSave implements vscode.Disposable {
  readonly willSave: number[] = [];
  readonly save: number[] = [];
  private count = 0;

  private constructor(private readonly document: vscode.TextDocument) {}

  static async open(uri: vscode.Uri, text: string): Promise<FloorSave> {
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: false });
    return new FloorSave(document);
  }

  async measure(): Promise<void> {
    const we = new vscode.WorkspaceEdit();
    we.replace(this.document.uri, new vscode.Range(0, 0, 0, this.document.lineAt(0).text.length), `# save floor ${++this.count}`);
    if (!(await vscode.workspace.applyEdit(we))) throw new Error('edit refused');
    let willSaveAt = 0;
    const sub = vscode.workspace.onWillSaveTextDocument((e) => {
      if (e.document === this.document) willSaveAt = performance.now();
    });
    const t0 = performance.now();
    await this.document.save();
    const t1 = performance.now();
    sub.dispose();
    if (willSaveAt) this.willSave.push(willSaveAt - t0);
    this.save.push(t1 - t0);
  }

  dispose(): void {
    // the file stays in the throw-away workspace
  }
}
