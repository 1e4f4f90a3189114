import * as vscode from 'vscode';
import type { Trace } from '../core/forward/trace';
import type { ReplyTrace } from '../core/forward/reply';
import type { SourceRange, TraceTarget } from '../core/service/types';
import type { AnalysisScheduler } from './analysis-scheduler';
import type { MatchLensArgs } from './codelens';
import { CLUSTER_CHOICES, CLUSTER_FILE_NAME, type ClusterPlugin, clusterDocumentText } from './cluster-template';
import { toPosition } from './convert';
import type { SelectorNavigation } from './definition';
import { selectorValuePosition } from './selector-position';
import { Protocol, formatPortProtocol, verdictLine, isIPv4, parseNamespaces, parsePortProtocol, specLabel } from './trace-input';
import { viewUri, SCHEME, View, type PodPathDocuments } from './virtual-documents';
import type { WorkspaceFiles } from './workspace-files';

/**
 * The PodPath commands. Each one asks the analysis and shows the answer; arguments are
 * optional so the same command serves the palette (prompting for what is missing), CodeLens
 * and tests (passing everything).
 */

/** The topology diagram, as the commands use it (topology-panel.ts provides it). */
export interface TopologyView {
  show(): unknown;
  revealTrace(trace: Trace, reply?: ReplyTrace): unknown;
}

export interface CommandContext {
  analysis: AnalysisScheduler;
  files: WorkspaceFiles;
  documents: PodPathDocuments;
  navigation: SelectorNavigation;
  log: vscode.LogOutputChannel;
  topology: TopologyView;
}

const CONNLIST_FORMATS = ['txt', 'json', 'csv', 'md', 'dot'] as const;
type ConnlistFormat = (typeof CONNLIST_FORMATS)[number];

export function registerCommands(c: CommandContext): vscode.Disposable[] {
  const register = (id: string, run: (...args: any[]) => unknown) => vscode.commands.registerCommand(id, run);
  return [
    register('podpath.analyzeWorkspace', async () => {
      await c.analysis.reanalyse();
      c.log.show(true);
    }),
    register('podpath.trace', (from?: string, to?: string, port?: number, protocol?: Protocol) => trace(c, from, to, port, protocol)),
    register('podpath.traceFrom', (from?: string, to?: string, port?: number, protocol?: Protocol) => trace(c, from, to, port, protocol)),
    register('podpath.traceTo', (to?: string, from?: string, port?: number, protocol?: Protocol) => traceTo(c, to, from, port, protocol)),
    register('podpath.toggleReply', (uri?: vscode.Uri) => toggleReply(c, uri)),
    register('podpath.showEndpoints', (args?: MatchLensArgs) => showEndpoints(c, args)),
    register('podpath.showSelectedPods', (args?: MatchLensArgs) => showMatches(c, args, 'podSelector', vscode.l10n.t('This policy selects no pods.'))),
    register('podpath.showDataplane', (node?: string) => showDataplane(c, node)),
    register('podpath.exportConnlist', (format?: ConnlistFormat, destination?: 'editor' | vscode.Uri) => exportConnlist(c, format, destination)),
    register('podpath.showMatrix', (port?: number, protocol?: Protocol, namespaces?: string[]) => showMatrix(c, port, protocol, namespaces)),
    register('podpath.showTopology', () => c.topology.show()),
    register('podpath.showOutput', () => c.log.show()),
    register('podpath.createClusterDocument', (plugin?: ClusterPlugin, folder?: vscode.Uri) => createClusterDocument(plugin, folder)),
    register('podpath.assumePoliciesEnforced', () => assumePoliciesEnforced()),
    register('podpath.resolveNoCluster', async () => {
      const create = vscode.l10n.t('Create a Cluster document…');
      const assume = vscode.l10n.t('Assume policies are enforced');
      const choice = await vscode.window.showQuickPick(
        [{ label: create, description: vscode.l10n.t('name your CNI; PodPath simulates it') }, { label: assume, description: 'podpath.defaultCluster.networkPolicy: enforced' }],
        { title: vscode.l10n.t('The workspace has no Cluster document') },
      );
      if (choice?.label === create) await createClusterDocument();
      else if (choice?.label === assume) await assumePoliciesEnforced();
    }),
    register('podpath.toggleHints', async () => {
      const config = vscode.workspace.getConfiguration('podpath');
      // Change it where it is set, so a workspace value does not hide the toggle.
      const set = config.inspect<boolean>('hints.enabled');
      const target = set?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
      await config.update('hints.enabled', !config.get<boolean>('hints.enabled', true), target);
    }),
  ];
}

// ---- no Cluster document -------------------------------------------------------------------

/** Writes a Cluster document, with comments, for the CNI picked, and opens it. */
async function createClusterDocument(plugin?: ClusterPlugin, folder?: vscode.Uri): Promise<vscode.Uri | undefined> {
  if (!plugin) {
    const items = CLUSTER_CHOICES.map((c) => ({ label: c.label, description: c.description, plugin: c.plugin }));
    plugin = (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Create a Cluster document: which CNI does your cluster run?') }))?.plugin;
    if (!plugin) return undefined;
  }
  folder ??= vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Open a folder first: the Cluster document is written into it.'));
    return undefined;
  }
  let uri = vscode.Uri.joinPath(folder, CLUSTER_FILE_NAME);
  for (let i = 2; await exists(uri); i++) uri = vscode.Uri.joinPath(folder, CLUSTER_FILE_NAME.replace(/\.yaml$/, `-${i}.yaml`));
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(clusterDocumentText(plugin)));
  await vscode.window.showTextDocument(uri, { preview: false });
  return uri;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** The setting that says a policy controller runs beside the default CNI, in the workspace. */
async function assumePoliciesEnforced(): Promise<void> {
  const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration('podpath').update('defaultCluster.networkPolicy', 'enforced', target);
}

// ---- trace ---------------------------------------------------------------------------------

async function trace(c: CommandContext, from?: string, to?: string, port?: number, protocol?: Protocol, preset?: Partial<TraceTarget>): Promise<Trace | undefined> {
  from ??= await pickSource(c);
  if (!from) return undefined;
  let target: Partial<TraceTarget> | undefined = preset;
  if (!to) {
    target = await pickTarget(c, from);
    if (!target?.spec) return undefined;
    to = target.spec;
  }
  if (port === undefined) {
    const typed = await vscode.window.showInputBox({
      title: vscode.l10n.t('Trace {0} → {1}', specLabel(from), specLabel(to)),
      prompt: vscode.l10n.t('Destination port and protocol, e.g. 80/tcp or 53/udp'),
      value: formatPortProtocol({ port: target?.port ?? undefined, protocol: target?.protocol ?? protocol }),
      validateInput: (v) => (parsePortProtocol(v) ? undefined : vscode.l10n.t('Write a port from 1 to 65535, optionally followed by /tcp, /udp or /sctp')),
    });
    const parsed = typed === undefined ? undefined : parsePortProtocol(typed);
    if (!parsed) return undefined;
    ({ port, protocol } = parsed);
  }
  protocol ??= 'tcp';

  const response = await c.analysis.query('trace', [from, to, port, protocol]);
  if (!response.ok || !response.trace) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Cannot trace {0} → {1}: {2}', specLabel(from), specLabel(to), response.error ?? ''));
    return undefined;
  }
  await c.documents.open({ kind: 'trace', from, to, port, protocol }, response.document, response.links);
  vscode.window.setStatusBarMessage(vscode.l10n.t('PodPath trace: {0}', verdictLine(response.trace.verdict, response.trace.reason)), 10_000);
  await c.topology.revealTrace(response.trace);
  return response.trace;
}

/**
 * The reply toggle of a trace document: the same trace with its reply (through conntrack) added,
 * or taken away again. The diagram gets the reply too, for its own toggle.
 */
async function toggleReply(c: CommandContext, uri?: vscode.Uri): Promise<Trace | undefined> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  const view = target ? traceViewOf(target) : undefined;
  if (!view) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Open a PodPath trace first: the reply belongs to a traced connection.'));
    return undefined;
  }
  const reply = !view.reply;
  const response = await c.analysis.query('trace', [view.from, view.to, view.port, view.protocol, reply]);
  if (!response.ok || !response.trace) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Cannot trace {0} → {1}: {2}', specLabel(view.from), specLabel(view.to), response.error ?? ''));
    return undefined;
  }
  await c.documents.open({ ...view, reply }, response.document, response.links);
  if (response.reply) vscode.window.setStatusBarMessage(vscode.l10n.t('PodPath reply: {0}', response.reply.ok ? vscode.l10n.t('every reply reaches its client') : vscode.l10n.t('a reply does not come back as the client expects')), 10_000);
  await c.topology.revealTrace(response.trace, response.reply);
  return response.trace;
}

/** The trace a `podpath:` trace document shows (its URI carries the view), or undefined. */
function traceViewOf(uri: vscode.Uri): Extract<View, { kind: 'trace' }> | undefined {
  if (uri.scheme !== SCHEME) return undefined;
  try {
    const view = JSON.parse(uri.query) as View;
    return view?.kind === 'trace' && typeof view.from === 'string' && typeof view.to === 'string' ? view : undefined;
  } catch {
    return undefined;
  }
}

/**
 * "Trace to this Service from…": a Service is a destination, so the user picks who sends (a
 * workload, a pod, or an address typed in), then the Service's port when it has several.
 */
async function traceTo(c: CommandContext, to?: string, from?: string, port?: number, protocol?: Protocol): Promise<Trace | undefined> {
  if (!to) return trace(c, from, undefined, port, protocol);
  if (!from) {
    const sources = await c.analysis.query('traceSources', [to]);
    const picked = await pickOrType(sources, vscode.l10n.t('Trace to {0} from…', specLabel(to)), vscode.l10n.t('A workload, a pod, or any IP address'));
    if (!picked) return undefined;
    from = picked.spec;
  }
  let preset: Partial<TraceTarget> | undefined;
  if (port === undefined) {
    const ports = await c.analysis.query('servicePorts', [to]);
    if (ports.length > 1) {
      const items = ports.map((p) => ({ label: p.label, description: p.description, target: p }));
      preset = (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Trace {0} → {1}', specLabel(from), specLabel(to)), placeHolder: vscode.l10n.t('Which port of the Service?') }))?.target;
      if (!preset) return undefined;
    } else preset = ports[0];
  }
  return trace(c, from, to, port, protocol, preset);
}

/** The source: a pod, workload or node of the cluster, or any address typed in. */
async function pickSource(c: CommandContext): Promise<string | undefined> {
  // With an empty source every object of the cluster is a candidate.
  const all = await c.analysis.query('traceTargets', ['']);
  const sources = all.filter((t) => t.kind === 'pod' || t.kind === 'workload' || t.kind === 'node');
  const picked = await pickOrType(sources, vscode.l10n.t('Trace from…'), vscode.l10n.t('A pod, a workload, a node, or any IP address'));
  return picked?.spec;
}

async function pickTarget(c: CommandContext, from: string): Promise<TraceTarget | undefined> {
  const targets = await c.analysis.query('traceTargets', [from]);
  return pickOrType(targets, vscode.l10n.t('Trace {0} to…', specLabel(from)), vscode.l10n.t('Pods, Services, NodePorts, nodes, or any IP address'));
}

type TargetItem = vscode.QuickPickItem & { target?: TraceTarget };

/** A quick pick of endpoints with one more entry: any IPv4 address, typed in. */
async function pickOrType(targets: TraceTarget[], title: string, placeHolder: string): Promise<TraceTarget | undefined> {
  const items: TargetItem[] = targets.map((t) => ({ label: t.label, description: t.description, target: t }));
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, { label: `$(edit) ${vscode.l10n.t('Any IP address…')}` });
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder, matchOnDescription: true });
  if (!picked) return undefined;
  if (picked.target) return picked.target;
  const ip = await vscode.window.showInputBox({
    title,
    prompt: vscode.l10n.t('An IPv4 address, inside or outside the cluster'),
    placeHolder: '203.0.113.10',
    validateInput: (v) => (isIPv4(v) ? undefined : vscode.l10n.t('Write an IPv4 address such as 203.0.113.10')),
  });
  return ip ? { label: ip, description: '', spec: ip.trim(), kind: 'external' } : undefined;
}

// ---- objects a Service or policy matches -----------------------------------------------------

async function showMatches(c: CommandContext, args: MatchLensArgs | undefined, selectorKey: 'selector' | 'podSelector', none: string): Promise<void> {
  if (!args) return;
  const uri = c.files.uriOf(args.file);
  if (!uri) return;
  const ranges = args.matches ?? (await matchesOfSelector(c, uri, args, selectorKey));
  const locations = c.navigation.locations(ranges);
  if (locations.length === 0) {
    void vscode.window.showInformationMessage(none);
    return;
  }
  await vscode.commands.executeCommand('editor.action.peekLocations', uri, toPosition(args.range.start), locations, 'peek');
}

/** The objects a Service's or policy's own selector matches, asked at its value. */
async function matchesOfSelector(c: CommandContext, uri: vscode.Uri, args: MatchLensArgs, key: 'selector' | 'podSelector'): Promise<SourceRange[]> {
  const document = await vscode.workspace.openTextDocument(uri);
  const lines = Array.from({ length: document.lineCount }, (_, i) => document.lineAt(i).text);
  const at = selectorValuePosition(lines, args.range, key);
  return at ? c.analysis.query('definition', [args.file, at]) : [];
}

// ---- dataplane, connlist, matrix --------------------------------------------------------------

async function showDataplane(c: CommandContext, node?: string): Promise<void> {
  if (!node) {
    const nodes = await c.analysis.query('nodes', []);
    node = await vscode.window.showQuickPick(nodes, { title: vscode.l10n.t('Show the dataplane of node…'), placeHolder: vscode.l10n.t('Devices, routes, neighbours and iptables-save of one node') });
    if (!node) return;
  }
  await c.documents.open({ kind: 'dataplane', node });
}

async function exportConnlist(c: CommandContext, format?: ConnlistFormat, destination?: 'editor' | vscode.Uri): Promise<void> {
  if (!format) {
    const items: (vscode.QuickPickItem & { format: ConnlistFormat })[] = [
      { label: 'txt', description: vscode.l10n.t('one line per allowed pair: src => dst : conns'), format: 'txt' },
      { label: 'json', description: vscode.l10n.t('for scripts'), format: 'json' },
      { label: 'csv', description: vscode.l10n.t('for spreadsheets'), format: 'csv' },
      { label: 'md', description: vscode.l10n.t('a Markdown table'), format: 'md' },
      { label: 'dot', description: vscode.l10n.t('a Graphviz graph'), format: 'dot' },
    ];
    format = (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Export the connectivity list as…') }))?.format;
    if (!format) return;
  }
  if (!destination) {
    const editor = vscode.l10n.t('Open in an editor');
    const file = vscode.l10n.t('Save to a file…');
    const choice = await vscode.window.showQuickPick([editor, file], { title: vscode.l10n.t('Export the connectivity list to…') });
    if (!choice) return;
    if (choice === editor) destination = 'editor';
    else {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      destination = await vscode.window.showSaveDialog({
        ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `connlist.${format}`) } : {}),
        filters: { [format.toUpperCase()]: [format] },
      });
      if (!destination) return;
    }
  }
  if (destination === 'editor') {
    // A read-only view: it follows the analysis and never asks to be saved.
    await c.documents.open({ kind: 'connlist', format });
    return;
  }
  const text = await c.analysis.query('connlist', [format]);
  await vscode.workspace.fs.writeFile(destination, new TextEncoder().encode(text));
  const open = vscode.l10n.t('Open');
  if ((await vscode.window.showInformationMessage(vscode.l10n.t('Connectivity list saved to {0}', vscode.workspace.asRelativePath(destination)), open)) === open) {
    await vscode.window.showTextDocument(destination);
  }
}

async function showMatrix(_c: CommandContext, port?: number, protocol?: Protocol, namespaces?: string[]): Promise<void> {
  if (port === undefined) {
    const typed = await vscode.window.showInputBox({
      title: vscode.l10n.t('Reachability matrix'),
      prompt: vscode.l10n.t('Destination port and protocol, e.g. 80/tcp or 53/udp'),
      value: formatPortProtocol({ protocol }),
      validateInput: (v) => (parsePortProtocol(v) ? undefined : vscode.l10n.t('Write a port from 1 to 65535, optionally followed by /tcp, /udp or /sctp')),
    });
    const parsed = typed === undefined ? undefined : parsePortProtocol(typed);
    if (!parsed) return;
    ({ port, protocol } = parsed);
    const ns = await vscode.window.showInputBox({
      title: vscode.l10n.t('Reachability matrix'),
      prompt: vscode.l10n.t('Namespaces to include, separated by commas (empty: all)'),
    });
    if (ns === undefined) return;
    namespaces = parseNamespaces(ns);
  }
  // A Markdown table in the preview: columns line up whatever the names' lengths.
  const uri = viewUri({ kind: 'matrix', port, protocol: protocol ?? 'tcp', namespaces: namespaces ?? [] });
  await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
}

/** "N endpoints": each endpoint's address, pod and node, per port, as a read-only document. */
async function showEndpoints(c: CommandContext, args?: MatchLensArgs): Promise<void> {
  if (!args) return;
  if (args.endpoints === undefined) return showMatches(c, args, 'selector', vscode.l10n.t('No pods back this Service.'));
  await c.documents.open({ kind: 'endpoints', file: args.file, key: args.key }, args.endpoints);
}
