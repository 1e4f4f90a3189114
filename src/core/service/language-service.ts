import { BuildMemo, buildCluster } from '../cluster/build';
import { Cluster } from '../cluster/model';
import { Finding, Severity, sortFindings } from '../common/finding';
import { SourcePosition, SourceRange } from '../common/source';
import { Dataplane } from '../dataplane/dataplane';
import { LintMemo, lintCluster } from '../findings/lint';
import { ALL_SECTIONS, DataplaneSections, formatDataplaneText } from '../format/dataplane-text';
import { formatReplyText, formatTraceText } from '../format/trace-text';
import { replyOf } from '../forward/reply';
import { tracePacket } from '../forward/engine';
import { DecodeCache, LoadResult, addParsedFile, addParsedFiles, emptyManifestSet } from '../manifest/load';
import { ParsedFile, parseManifestText } from '../manifest/parse';
import { ConnLine, ConnlistFormat, computeConnlist, connlistAround, formatConnlist, sameConnlistInputs } from '../policy/connlist';
import { formatMatrix } from '../policy/matrix';
import { Reachability, computeReachability, countsMadeBy, reachabilityAfterPolicyEdit, rebaseReachability, reachabilityReusedFor } from '../policy/reachability';
import { reachabilityInputsChanged } from '../policy/reachability-inputs';
import { sameItems } from '../common/same-items';
import { hoverFor } from './hover';
import { hintsFor, lensesFor } from './lenses';
import { selectorTargets, selectorsMatching } from './navigation';
import { objectAt, objectsIn } from './objects';
import { FIXABLE_CODES, fixesFor } from './quickfix';
import { servicePorts, sourcesTo, targetsFrom } from './targets';
import { traceLinks } from './trace-links';
import {
  Diagnostic, Hover, InlayHint, LanguageServiceApi, Lens, ServiceFile, ServiceSettings, Summary, TraceResponse, TraceTarget, UpdateResult,
} from './types';

/** The stage an update has finished when it pauses (see `updateStages`). */
export type UpdateStage = 'parsed' | 'built';

/** The pseudo-file the settings' default cluster is read from. */
export const SETTINGS_FILE = '<podpath.defaultCluster>';

interface State {
  load: LoadResult;
  cluster: Cluster;
  dataplane: Dataplane;
  reach?: Reachability;
  /** The latest earlier analysis with reachability computed: its result may still hold for this one. */
  reuseFrom?: Reusable;
  connlist?: ConnLine[];
}

/** What an earlier analysis keeps for a later one to take over (not its manifests or dataplane). */
type Reusable = Pick<State, 'cluster' | 'reach' | 'connlist'>;

/**
 * The editor's questions answered from the core, with no editor in sight: the VS Code adapter
 * runs one of these in a worker thread, tests run it directly. Files are parsed once per text
 * (a file whose text is unchanged is not parsed again); the cluster and its findings are rebuilt
 * per update; reachability (and the counts hovers and hints show) is kept from the previous
 * analysis when the edit left everything it reads unchanged.
 */
export class LanguageService implements LanguageServiceApi {
  private readonly parsed = new Map<string, { text: string; parsed: ParsedFile }>();
  /** Manifests decoded from the RawObjects of unchanged documents, kept as the same objects. */
  private readonly decoded: DecodeCache = new WeakMap();
  /** The settings' default Cluster document, parsed once per text. */
  private settingsParse?: { text: string; parsed: ParsedFile };
  /** The stages of the last cluster build, taken over when their inputs are unchanged. */
  readonly buildMemo = new BuildMemo();
  /** Lint findings per object, recomputed only for objects whose inputs changed. */
  readonly lintMemo = new LintMemo();
  /** Per file, the diagnostics the last update made and the findings they were made from. */
  private diagnosticsMade = new Map<string, { findings: Finding[]; settings: string; diagnostics: Diagnostic[] }>();
  private state: State = this.build([], {});
  /** Counts complete analyses (each `update`, or the last step of `updateStages`). */
  generation = 0;
  /** How many analyses took over an earlier one's reachability instead of computing it. */
  reachabilityReuses = 0;
  /** How many analyses carried an earlier reachability over to pods that moved between its classes. */
  reachabilityRebases = 0;
  /** How many analyses after a NetworkPolicy edit computed reachability on the earlier one's classes. */
  reachabilityOnEarlierClasses = 0;
  /**
   * Told after each stage of `update` how big the workspace turned out to be (the editor's
   * worker forwards it, so a workspace too large to finish can still be described).
   */
  onProgress?: (progress: { stage: 'parsed' | 'built'; files: number; pods?: number; nodes?: number; services?: number }) => void;

  update(files: ServiceFile[], settings: ServiceSettings): UpdateResult {
    const stages = this.updateStages(files, settings);
    for (;;) {
      const step = stages.next();
      if (step.done) return step.value;
    }
  }

  /**
   * The same analysis as `update`, one stage per step (read → build → lint), so a caller can
   * answer questions or notice a newer edit between stages and drop this one by not asking for
   * the next step. Until the last step returns, every question is answered from the previous
   * complete analysis; the new one replaces it only whole, at the end.
   */
  *updateStages(files: ServiceFile[], settings: ServiceSettings): Generator<UpdateStage, UpdateResult, void> {
    const t0 = performance.now();
    const reparsed: string[] = [];
    const wanted = new Set(files.map((f) => f.file));
    for (const f of [...this.parsed.keys()]) if (!wanted.has(f)) this.parsed.delete(f);
    const texts = new Map<string, string>();
    for (const f of files) {
      texts.set(f.file, f.text);
      const cached = this.parsed.get(f.file);
      if (cached && cached.text === f.text) continue;
      // The parse cache is keyed by text, so filling it early is safe even if this update is dropped.
      // The earlier text of the file lets the parser read only the documents that changed.
      this.parsed.set(f.file, { text: f.text, parsed: parseManifestText(f.file, f.text, cached ? { previous: cached } : {}) });
      reparsed.push(f.file);
    }
    const t1 = performance.now();
    const order = [...this.parsed.keys()].sort();
    this.onProgress?.({ stage: 'parsed', files: order.length });
    yield 'parsed';
    const state = this.build(order.map((f) => this.parsed.get(f)!.parsed), settings);
    const t2 = performance.now();
    const built = state.cluster;
    this.onProgress?.({ stage: 'built', files: order.length, pods: built.pods.length, nodes: built.nodes.length, services: built.services.length });
    yield 'built';
    const lint = lintCluster(state.cluster, this.lintMemo);
    const t3 = performance.now();
    const overrides = settings.severities ?? {};
    const all = [...state.load.findings, ...state.cluster.findings, ...lint];
    const diagnostics = this.diagnosticsOf(all, order, overrides, state.load.manifests, texts);
    let errors = 0;
    let warnings = 0;
    for (const f of all) {
      const severity = severityOf(f, overrides);
      if (severity === 'error') errors++;
      else if (severity === 'warning') warnings++;
    }
    const c = state.cluster;
    const summary: Summary = {
      files: order.length, nodes: c.nodes.length, pods: c.pods.length, services: c.services.length, policies: c.policies.length,
      network: `${c.config.plugin}${c.config.backend !== 'none' ? ` ${c.config.backend}` : ''} · ${c.config.kubeProxyMode}`,
      errors,
      warnings,
      timings: { parse: round(t1 - t0), build: round(t2 - t1), lint: round(t3 - t2), total: round(performance.now() - t0) },
    };
    // Whether the earlier reachability still holds is decided when it is first asked for (or
    // when the editor is idle, see `warmUp`), not on the way to the diagnostics.
    const before = this.state;
    state.reuseFrom = before.reach
      ? { cluster: before.cluster, reach: before.reach, connlist: before.connlist }
      : before.reuseFrom;
    // Commit: from here on every question is answered from this analysis.
    this.state = state;
    this.generation++;
    return { diagnostics, summary, reparsed };
  }

  /**
   * Findings → each file's diagnostics, in order (sortFindings), severities as the settings
   * override them, with quick fixes. A file whose findings are the very objects of the last
   * update, in the same order (lint and build stages keep the findings of what an edit did not
   * reach), under the same overrides, gets the diagnostics made then: most files after most
   * edits. Quick fixes read other files, so a file with a finding that has fixes is made anew.
   */
  private diagnosticsOf(all: readonly Finding[], order: readonly string[], overrides: Record<string, string>, manifests: LoadResult['manifests'], texts: Map<string, string>): Record<string, Diagnostic[]> {
    const byFile = new Map<string, Finding[]>(order.map((f) => [f, []]));
    for (const f of all) if (f.range) byFile.get(f.range.file)?.push(f);
    const settings = JSON.stringify(overrides);
    const diagnostics: Record<string, Diagnostic[]> = {};
    const made = new Map<string, { findings: Finding[]; settings: string; diagnostics: Diagnostic[] }>();
    for (const [file, findings] of byFile) {
      const last = this.diagnosticsMade.get(file);
      if (last && last.settings === settings && sameItems(last.findings, findings)) {
        made.set(file, last);
        diagnostics[file] = [...last.diagnostics];
        continue;
      }
      const list: Diagnostic[] = [];
      let fixed = false;
      for (const f of applySeverities(sortFindings(findings), overrides)) {
        const fixes = fixesFor(f, manifests, texts);
        if (FIXABLE_CODES.has(f.code)) fixed = true;
        list.push({ ...f, range: f.range!, fixes });
      }
      if (!fixed) made.set(file, { findings, settings, diagnostics: list });
      diagnostics[file] = [...list];
    }
    this.diagnosticsMade = made;
    return diagnostics;
  }

  /**
   * Computes what the first hover or inlay hint after an update would otherwise compute, so it
   * can run while the editor is idle: reachability, then (in the next call: a question or an
   * update may come in between) the counts every hint shows. Returns false if nothing was left.
   */
  warmUp(): boolean {
    const reach = this.state.reach;
    if (!reach) {
      this.reach();
      return true;
    }
    if (countsMadeBy(reach) !== undefined) return false;
    reach.counts();
    // (A result that cannot say how its counts were made is not warmed again.)
    return countsMadeBy(reach) !== undefined;
  }

  private build(files: ParsedFile[], settings: ServiceSettings): State {
    const load: LoadResult = { manifests: emptyManifestSet(), findings: [], ignoredDocuments: 0 };
    // All files at once: a kustomization's patch files are then known as patches, not objects.
    addParsedFiles(load, files, { decoded: this.decoded });
    if (load.manifests.clusters.length === 0 && settings.defaultCluster && Object.keys(settings.defaultCluster).length) {
      const text = defaultClusterDocument(settings.defaultCluster);
      if (this.settingsParse?.text !== text) this.settingsParse = { text, parsed: parseManifestText(SETTINGS_FILE, text) };
      addParsedFile(load, this.settingsParse.parsed, { decoded: this.decoded });
    }
    const cluster = buildCluster(load.manifests, {}, this.buildMemo);
    return { load, cluster, dataplane: new Dataplane(cluster) };
  }

  /**
   * Takes over the reachability of the latest earlier analysis that computed one when the edits
   * since left all it reads unchanged (a Service, an image, a comment), so the first hover or
   * hint after such a save costs a comparison; likewise the connectivity list when the pods'
   * workloads are unchanged too.
   */
  private keepReachability(next: State): void {
    const previous = next.reuseFrom;
    next.reuseFrom = undefined;
    if (!previous?.reach) return;
    const changed = reachabilityInputsChanged(previous.cluster, next.cluster);
    // Only pods moved (a label, replicas): the classes may still hold, with other members.
    const carried = changed === 'pods' ? rebaseReachability(previous.reach, next.cluster) : undefined;
    if (carried) this.reachabilityRebases++;
    // Only NetworkPolicies changed: the pods may still fall into the same classes.
    const reclassed = changed === 'policies' ? reachabilityAfterPolicyEdit(previous.reach, next.cluster) : undefined;
    if (reclassed) this.reachabilityOnEarlierClasses++;
    if (changed !== 'nothing') {
      next.reach = carried ?? reclassed;
      return;
    }
    next.reach = reachabilityReusedFor(previous.reach, next.cluster);
    this.reachabilityReuses++;
    // The connectivity list (a pod's hover lists who reaches it) also needs the same workloads.
    if (!previous.connlist) return;
    if (sameConnlistInputs(previous.cluster, next.cluster)) next.connlist = previous.connlist;
  }

  private reach(): Reachability {
    const state = this.state;
    if (!state.reach) this.keepReachability(state);
    return (state.reach ??= computeReachability(state.cluster));
  }

  private connlistLines(): ConnLine[] {
    // Reachability first: taking it over from an earlier analysis may bring the list along.
    const reach = this.reach();
    return (this.state.connlist ??= computeConnlist(reach));
  }

  /** One workload's lines: read from the whole list when it is at hand, else computed for it alone. */
  private connlistAround(name: string): ConnLine[] {
    const reach = this.reach();
    return this.state.connlist ? this.state.connlist.filter((l) => l.src === name || l.dst === name) : connlistAround(reach, name);
  }

  hover(file: string, position: SourcePosition): Hover | undefined {
    const o = objectAt(this.state.load.manifests, file, position);
    if (!o) return undefined;
    return hoverFor({ cluster: this.state.cluster, dataplane: this.state.dataplane, reach: () => this.reach(), connlistAround: (name) => this.connlistAround(name) }, o, position);
  }

  codeLenses(file: string): Lens[] {
    return lensesFor(this.state.cluster, objectsIn(this.state.load.manifests, file));
  }

  inlayHints(file: string): InlayHint[] {
    return hintsFor(this.state.cluster, objectsIn(this.state.load.manifests, file), this.reach());
  }

  definition(file: string, position: SourcePosition): SourceRange[] {
    const o = objectAt(this.state.load.manifests, file, position);
    return o ? selectorTargets(this.state.cluster, o, position) ?? [] : [];
  }

  references(file: string, position: SourcePosition): SourceRange[] {
    const o = objectAt(this.state.load.manifests, file, position);
    return o ? selectorsMatching(this.state.cluster, o) : [];
  }

  traceTargets(fromSpec: string): TraceTarget[] {
    return targetsFrom(this.state.cluster, fromSpec);
  }

  traceSources(toSpec: string): TraceTarget[] {
    return sourcesTo(this.state.cluster, toSpec);
  }

  servicePorts(toSpec: string): TraceTarget[] {
    return servicePorts(this.state.cluster, toSpec);
  }

  trace(from: string, to: string, port?: number, protocol?: 'tcp' | 'udp' | 'sctp', withReply?: boolean): TraceResponse {
    const r = tracePacket(this.state.dataplane, { from, to, ...(port !== undefined ? { port } : {}), ...(protocol ? { protocol } : {}) });
    if (!r.ok) return { ok: false, error: r.error };
    const isAnalysed = (file: string) => this.parsed.has(file);
    if (withReply) {
      // The reply section follows the trace; its hops' links are looked for after the forward ones.
      const reply = replyOf(this.state.dataplane, r.trace);
      const document = formatTraceText(r.trace, { details: true }) + formatReplyText(reply, { details: true });
      return { ok: true, trace: r.trace, reply, document, links: traceLinks(r.trace, document, isAnalysed, reply) };
    }
    const document = formatTraceText(r.trace, { details: true });
    return { ok: true, trace: r.trace, document, links: traceLinks(r.trace, document, isAnalysed) };
  }

  dataplane(node: string, sections?: (keyof DataplaneSections)[]): string {
    const dp = this.state.dataplane.node(node);
    if (!dp) return `no node "${node}"\n`;
    const chosen: DataplaneSections = sections?.length ? { devices: false, routes: false, neighbors: false, iptables: false, ipvs: false } : { ...ALL_SECTIONS };
    for (const s of sections ?? []) chosen[s] = true;
    return formatDataplaneText(dp, chosen);
  }

  nodes(): string[] {
    return this.state.cluster.nodes.map((n) => n.name);
  }

  connlist(format: ConnlistFormat): string {
    return formatConnlist(this.connlistLines(), format);
  }

  matrix(port: number, protocol: 'tcp' | 'udp' | 'sctp', namespaces?: string[]): string {
    const pods = this.state.cluster.pods.filter((p) => !namespaces?.length || namespaces.includes(p.namespace)).sort((a, b) => (a.key < b.key ? -1 : 1));
    return formatMatrix(this.reach(), pods, protocol.toUpperCase() as 'TCP' | 'UDP' | 'SCTP', port);
  }

  /** The analysed cluster (for views that draw it, such as the topology). */
  current(): { cluster: Cluster; dataplane: Dataplane } {
    return { cluster: this.state.cluster, dataplane: this.state.dataplane };
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

const SEVERITIES: Record<string, Severity> = { error: 'error', warning: 'warning', information: 'info', info: 'info', hint: 'hint' };

/** A finding's severity under the settings' overrides; undefined when it is turned off. */
function severityOf(f: Finding, overrides: Record<string, string>): Severity | undefined {
  const o = overrides[f.code];
  if (o === 'off') return undefined;
  return o && SEVERITIES[o] ? SEVERITIES[o] : f.severity;
}

function applySeverities(findings: Finding[], overrides: Record<string, string>): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    const o = overrides[f.code];
    if (o === 'off') continue;
    out.push(o && SEVERITIES[o] ? { ...f, severity: SEVERITIES[o] } : f);
  }
  return out;
}

/** A Cluster document from the `podpath.defaultCluster` settings, used when the workspace has none. */
function defaultClusterDocument(d: NonNullable<ServiceSettings['defaultCluster']>): string {
  const lines = ['apiVersion: podpath.dev/v1alpha1', 'kind: Cluster', 'metadata: {name: settings}', 'spec:'];
  if (d.clusterCIDR) lines.push(`  clusterCIDR: ${JSON.stringify(d.clusterCIDR)}`);
  if (d.serviceCIDR) lines.push(`  serviceCIDR: ${JSON.stringify(d.serviceCIDR)}`);
  if (d.plugin || d.backend) lines.push(`  cni: {${[d.plugin ? `plugin: ${JSON.stringify(d.plugin)}` : '', d.backend ? `backend: ${JSON.stringify(d.backend)}` : ''].filter(Boolean).join(', ')}}`);
  if (d.kubeProxyMode) lines.push(`  kubeProxy: {mode: ${JSON.stringify(d.kubeProxyMode)}}`);
  if (d.networkPolicy) lines.push(`  networkPolicy: ${JSON.stringify(d.networkPolicy)}`);
  lines.push('  nodes:', '    - {name: node-1, ip: 192.168.1.10}', '    - {name: node-2, ip: 192.168.1.11}');
  return lines.join('\n') + '\n';
}
