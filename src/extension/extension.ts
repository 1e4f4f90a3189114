import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { AnalysisClient } from './analysis-client';
import { AnalysisScheduler, PublishedAnalysis } from './analysis-scheduler';
import { QuickFixProvider } from './code-actions';
import { PodPathCodeLensProvider } from './codelens';
import { registerCommands } from './commands';
import { SelectorNavigation } from './definition';
import { DiagnosticsView } from './diagnostics';
import { PodPathHoverProvider } from './hover';
import { ReachabilityHintsProvider } from './inlay-hints';
import type { ProviderTiming } from './provider-timings';
import { ExtensionSettings, readSettings } from './settings';
import { ClusterStatusBar } from './status-bar';
import { TopologyBridge } from './topology';
import { SourceLinkProvider, TRACE_LANGUAGE } from './trace-document';
import { PodPathDocuments, SCHEME, viewUri } from './virtual-documents';
import { limitsFrom } from './worker-limits';
import { WorkspaceFiles } from './workspace-files';

/**
 * The VS Code adapter's wiring, and nothing else: every piece lives in a file of its own and
 * all analysis happens in the core, in a worker thread. Activation only registers things; the
 * first scan starts right after it, and the worker with the first request.
 */
/**
 * What activation hands to the extension's own tests (and nothing in normal use): when an
 * analysis is shown, so a benchmark can time a save whose analysis changes no finding.
 */
export interface PodPathTestApi {
  onDidPublish: vscode.Event<PublishedAnalysis>;
  /** Where each hover, CodeLens and inlay-hints call spent its time in the extension host. */
  onDidTimeProvider: vscode.Event<ProviderTiming>;
}

export function activate(context: vscode.ExtensionContext): PodPathTestApi | undefined {
  const log = vscode.window.createOutputChannel('PodPath', { log: true });
  // Read once and again only when a podpath setting changes: reading the configuration costs
  // the extension host's main thread a lot, and edits, saves and inlay hints ask for it each time.
  let current: ExtensionSettings | undefined;
  const settings = (): ExtensionSettings => {
    if (current) return current;
    const config = vscode.workspace.getConfiguration('podpath');
    return (current = readSettings(<T>(key: string) => config.get<T>(key), <T>(key: string) => {
      const set = config.inspect<T>(key);
      return set?.workspaceFolderValue ?? set?.workspaceValue ?? set?.globalValue;
    }));
  };
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('podpath')) current = undefined;
    }),
    // A folder's own settings come and go with it.
    vscode.workspace.onDidChangeWorkspaceFolders(() => (current = undefined)),
  );

  const files = new WorkspaceFiles();
  // Limits are read when a worker starts (memory) and per request (time): a changed setting applies from the next one.
  const client = new AnalysisClient(workerPath(), log, () => {
    const config = vscode.workspace.getConfiguration('podpath.analysis');
    return limitsFrom(config.get<number>('maxMemoryMb'), config.get<number>('timeBudgetSeconds'));
  });
  const diagnostics = new DiagnosticsView(files, (code) => viewUri({ kind: 'finding', code }));
  const analysis = new AnalysisScheduler(client, files, diagnostics, log, settings);
  const statusBar = new ClusterStatusBar();
  const documents = new PodPathDocuments(analysis, () => readReadme(context.extensionPath));
  const navigation = new SelectorNavigation(analysis, files);
  const hints = new ReachabilityHintsProvider(analysis, files, () => settings().hintsEnabled);
  const topology = new TopologyBridge(context, analysis, files, log);

  // YAML, and JSON (`kubectl get -o json`): a JSON file that is no Kubernetes object is never
  // analysed (workspace-files.ts), so these providers answer nothing there.
  const manifests: vscode.DocumentSelector = [{ language: 'yaml' }, { language: 'json' }];
  context.subscriptions.push(
    log, files, { dispose: () => client.dispose() }, diagnostics, analysis, statusBar, documents, topology,
    analysis.onDidAnalyse((reply) => statusBar.show(reply.summary, diagnostics.firstWithCode('no-cluster-document')?.diagnostic.message)),
    vscode.languages.registerHoverProvider(manifests, new PodPathHoverProvider(analysis, files)),
    vscode.languages.registerCodeLensProvider(manifests, new PodPathCodeLensProvider(analysis, files)),
    vscode.languages.registerInlayHintsProvider(manifests, hints),
    vscode.languages.registerDefinitionProvider(manifests, navigation),
    vscode.languages.registerReferenceProvider(manifests, navigation),
    vscode.languages.registerCodeActionsProvider(manifests, new QuickFixProvider(diagnostics, files), { providedCodeActionKinds: QuickFixProvider.kinds }),
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, documents),
    vscode.languages.registerDocumentLinkProvider([{ language: TRACE_LANGUAGE }, { scheme: SCHEME }], new SourceLinkProvider(files, documents)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('podpath.hints')) hints.refresh();
    }),
    ...registerCommands({ analysis, files, documents, navigation, log, topology }),
  );

  // Off the activation path: the editor is usable before the workspace is read.
  setImmediate(() => void analysis.start());
  return context.extensionMode === vscode.ExtensionMode.Test ? { onDidPublish: analysis.onDidPublish, onDidTimeProvider: analysis.onDidTimeProvider } : undefined;
}

export function deactivate(): void {
  // Everything is in context.subscriptions; VS Code disposes it (and so terminates the worker).
}

/** dist/worker.js next to the bundled extension; out/src/extension/analysis-worker.js when run from tsc's output. */
function workerPath(): string {
  const bundled = path.join(__dirname, 'worker.js');
  return fs.existsSync(bundled) ? bundled : path.join(__dirname, 'analysis-worker.js');
}

/**
 * The README the extension ships: an installed VSIX stores it as `readme.md` (vsce renames it),
 * a development checkout as `README.md`. Problem-code links open a page made from its findings
 * table (findings-page.ts).
 */
function readReadme(extensionPath: string): string {
  for (const name of ['readme.md', 'README.md']) {
    try {
      return fs.readFileSync(path.join(extensionPath, name), 'utf8');
    } catch {
      // the other name, then nothing
    }
  }
  return '';
}
