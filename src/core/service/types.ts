import { Finding, Severity } from '../common/finding';
import { SourcePosition, SourceRange } from '../common/source';
import { Trace } from '../forward/trace';
import type { TraceLink } from './trace-links';
import type { ReplyTrace } from '../forward/reply';

/**
 * The language service's vocabulary: plain, JSON-serialisable data, so it can run in a worker
 * thread and be tested without an editor. Positions and ranges are 1-based (as in the core);
 * the VS Code adapter converts them.
 */

export interface ServiceFile {
  /** Workspace-relative path (forward slashes); the same string comes back in ranges. */
  file: string;
  text: string;
}

/** Settings that shape the analysis (from `podpath.*`). */
export interface ServiceSettings {
  /** Used when the workspace has no PodPath Cluster document. */
  defaultCluster?: {
    plugin?: 'bridge' | 'flannel' | 'calico';
    backend?: string;
    kubeProxyMode?: 'iptables' | 'ipvs' | 'nftables' | 'userspace';
    clusterCIDR?: string;
    serviceCIDR?: string;
    networkPolicy?: 'auto' | 'enforced' | 'ignored';
  };
  /** Per finding code: a new severity, or 'off'. */
  severities?: Record<string, Severity | 'off'>;
}

export interface TextEdit {
  file: string;
  range: SourceRange;
  newText: string;
}

export interface QuickFix {
  title: string;
  edits: TextEdit[];
  /** The finding this fix answers. */
  code: string;
}

export interface Diagnostic extends Finding {
  range: SourceRange;
  fixes: QuickFix[];
}

export interface Summary {
  files: number;
  nodes: number;
  pods: number;
  services: number;
  policies: number;
  /** e.g. `flannel vxlan · iptables`. */
  network: string;
  errors: number;
  warnings: number;
  /** Milliseconds spent in the last update, by stage. */
  timings: { parse: number; build: number; lint: number; total: number };
}

export interface UpdateResult {
  /** Diagnostics per file, for every file the service knows (empty arrays clear old ones). */
  diagnostics: Record<string, Diagnostic[]>;
  summary: Summary;
  /** Files actually re-parsed by this update (the others came from the cache). */
  reparsed: string[];
}

export interface Hover {
  /** Markdown; paths are short, one hop per line. */
  markdown: string;
  range: SourceRange;
}

export type LensCommand = 'podpath.traceFrom' | 'podpath.traceTo' | 'podpath.showEndpoints' | 'podpath.showSelectedPods';

export interface Lens {
  range: SourceRange;
  title: string;
  command: LensCommand;
  /** JSON arguments for the command (the object's key, kind …). */
  args: unknown[];
}

export interface InlayHint {
  file: string;
  /** Where the hint goes: the end of the line holding the object's name. */
  position: SourcePosition;
  label: string;
  tooltip?: string;
}

export interface TraceTarget {
  /** What the quick pick shows. */
  label: string;
  description: string;
  /** The endpoint spec `tracePacket` understands (`service:ns/name`, `ns/pod`, `192.168.1.10` …). */
  spec: string;
  kind: 'pod' | 'workload' | 'service' | 'nodeport' | 'node' | 'external';
  port?: number;
  protocol?: 'tcp' | 'udp' | 'sctp';
}

export interface TraceResponse {
  ok: boolean;
  error?: string;
  trace?: Trace;
  /** The connection's reply (when asked for): conntrack handed to a second walk. */
  reply?: ReplyTrace;
  /** The trace as a `podpath-trace` document (hops with `file:line:col` references). */
  document?: string;
  /** Where `document` links to the YAML: from the hops' structured source locations only. */
  links?: TraceLink[];
}

export type { Finding, Severity, SourcePosition, SourceRange, TraceLink };

/**
 * What the editor asks. Implemented by `LanguageService` (language-service.ts); the VS Code
 * adapter talks to it through a worker thread, so every method takes and returns plain data.
 */
export interface LanguageServiceApi {
  /** Replace the workspace contents (files not listed are forgotten) and re-analyse. */
  update(files: ServiceFile[], settings: ServiceSettings): UpdateResult;
  /** Hover at a 1-based position: pod/workload (IPs, node, veth, bridge, who reaches it), Service (ClusterIP, endpoints, DNAT path), selector (matches), policy rule (flows), port (resolution). */
  hover(file: string, position: SourcePosition): Hover | undefined;
  /** "Trace from {name}…" above each pod and workload, "Trace to this Service from…" and "N endpoints" on Services; "selects N pods" on policies. */
  codeLenses(file: string): Lens[];
  /** "reached by N · reaches M" on workloads; "selects N pods · allows M flows" on policies. */
  inlayHints(file: string): InlayHint[];
  /** From a label selector to the objects it matches. */
  definition(file: string, position: SourcePosition): SourceRange[];
  /** Objects whose selectors match the object at the position (and the object's own definition). */
  references(file: string, position: SourcePosition): SourceRange[];
  /** Destinations for the "Trace from {name}…" quick pick, for a given source spec. */
  traceTargets(fromSpec: string): TraceTarget[];
  /** Sources for the "Trace to this Service from…" quick pick: pods and workloads that can send to it, with its ports. */
  traceSources(toSpec: string): TraceTarget[];
  /** The ports of the Service `toSpec` names (`service:ns/name`), one pickable target each. */
  servicePorts(toSpec: string): TraceTarget[];
  /** `withReply`: add the reply of the connection (`podpath trace --reply`). */
  trace(from: string, to: string, port?: number, protocol?: 'tcp' | 'udp' | 'sctp', withReply?: boolean): TraceResponse;
  /** `podpath dataplane` text for one node (routes, devices, neighbours, iptables-save). */
  dataplane(node: string, sections?: ('devices' | 'routes' | 'neighbors' | 'iptables' | 'ipvs')[]): string;
  nodes(): string[];
  connlist(format: 'txt' | 'json' | 'csv' | 'md' | 'dot'): string;
  matrix(port: number, protocol: 'tcp' | 'udp' | 'sctp', namespaces?: string[]): string;
}
