import { Cluster, PodInfo, ServiceInfo } from '../cluster/model';
import { endpointsByFamily, podsMatchingMap } from '../cluster/services';
import { hostPort } from '../common/ip';
import { PolicyInfo } from '../policy/model';
import { PeerClass, Reachability } from '../policy/reachability';
import { SourcePosition, SourceRange } from '../common/source';
import { selectorTargets } from './navigation';
import { ObjectAt, fieldRange, podsOfWorkload } from './objects';
import { policyByKey, podsSelectedBy } from './policy-index';
import { InlayHint, Lens } from './types';
import { plural } from '../format/plural';

/**
 * CodeLens per object: "Trace from {name}…" on pods and workloads (they send), "Trace to this
 * Service from…" on Services (a Service is a destination: it never sends a packet of its own);
 * counts on Services and policies.
 */
export function lensesFor(cluster: Cluster, objects: ObjectAt[]): Lens[] {
  const out: Lens[] = [];
  for (const o of objects) {
    const range = o.locator.range;
    if (o.kind === 'pod') {
      if (cluster.podsByKey.has(o.key)) out.push({ range, title: traceFromTitle(o.manifest.meta.name), command: 'podpath.traceFrom', args: [`pod:${o.key}`] });
    } else if (o.kind === 'workload') {
      const pods = podsOfWorkload(cluster, o.key, o.manifest.kind);
      if (pods.length) out.push({ range, title: traceFromTitle(o.manifest.meta.name), command: 'podpath.traceFrom', args: [`${o.manifest.kind.toLowerCase()}:${o.key}`] });
    } else if (o.kind === 'service') {
      const svc = cluster.servicesByKey.get(o.key);
      if (!svc) continue;
      // Counted in the primary family, as the hover counts them.
      const endpoints = new Set(svc.ports.flatMap((p) => endpointsByFamily(svc, p)[0].endpoints.map((e) => e.ip)));
      if (svc.type !== 'ExternalName' && svc.ports.length > 0) out.push({ range, title: TRACE_TO_SERVICE, command: 'podpath.traceTo', args: [`service:${o.key}`] });
      out.push({ range, title: plural(endpoints.size, 'endpoint'), command: 'podpath.showEndpoints', args: [o.key, matchesOf(cluster, o, ['spec', 'selector']) ?? null, endpointsDocument(cluster, svc)] });
    } else {
      const pol = policyByKey(cluster, o.key);
      const n = pol ? podsSelectedBy(cluster, pol).length : 0;
      out.push({ range, title: `selects ${plural(n, 'pod')}`, command: 'podpath.showSelectedPods', args: [o.key, matchesOf(cluster, o, ['spec', 'podSelector']) ?? null] });
    }
  }
  return out;
}

/** More matched places than this and the lens leaves them to the editor to ask for (see selector-position.ts). */
const MAX_LENS_MATCHES = 200;

/**
 * The places a Service's or policy's own selector matches, sent with its count lens, so the
 * editor needs no YAML-specific search for the selector (JSON manifests have none to find).
 */
function matchesOf(cluster: Cluster, o: ObjectAt, path: string[]): SourceRange[] | undefined {
  const at = fieldRange(o.locator, path);
  if (!at) return undefined;
  const ranges = selectorTargets(cluster, o, at.start) ?? [];
  return ranges.length <= MAX_LENS_MATCHES ? ranges : undefined;
}


/**
 * What the "N endpoints" lens opens: per Service port, each endpoint's address, pod and node in
 * aligned columns, as `kubectl get endpointslices` would list them.
 */
export function endpointsDocument(cluster: Cluster, svc: ServiceInfo): string {
  const lines = [`Service ${svc.key} (${svc.type}${svc.clusterIPs.length ? ` ${svc.clusterIPs.join(', ')}` : ''}${svc.headless ? ', headless' : ''})`];
  if (svc.ports.length === 0) lines.push('', 'no ports');
  for (const port of svc.ports) {
    const slices = endpointsByFamily(svc, port);
    const all = slices.flatMap((s) => s.endpoints);
    lines.push('', `port ${port.name ? `${port.name} ` : ''}${port.port}/${port.protocol} → targetPort ${port.targetPort}: ${plural(slices[0].endpoints.length, 'endpoint')}${slices.length > 1 ? ' (an EndpointSlice per family)' : ''}`);
    const rows = [['ADDRESS', 'POD', 'NODE', 'READY'], ...all.map((e) => [hostPort(e.ip, e.port), e.pod ?? '-', e.node ?? '-', e.ready ? 'yes' : 'no'])];
    if (all.length === 0) {
      const selected = svc.selector ? podsMatchingMap(cluster, svc.namespace, svc.selector).length : 0;
      lines.push(svc.selector ? `  the selector matches ${plural(selected, 'pod')}${selected ? ', none with this target port' : ''}` : '  no selector: endpoints come from an EndpointSlice PodPath was not given');
      continue;
    }
    lines.push(...alignColumns(rows).map((r) => `  ${r}`));
  }
  return lines.join('\n') + '\n';
}

/** Rows of cells padded to their column's width (the last column is not padded). */
export function alignColumns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  '));
}

/** The lens on a Service: pick a source, then trace it to the Service. */
export const TRACE_TO_SERVICE = 'Trace to this Service from…';

/** The lens on a pod or workload: trace from it (the object's name, as written). */
export function traceFromTitle(name: string): string {
  return `Trace from ${name}…`;
}

/**
 * Inlay hints: reachability at a glance, after each object's name. The counts are those of the
 * hover (`reachCounts`): pods, with addresses outside the cluster left out of both.
 */
export function hintsFor(cluster: Cluster, objects: ObjectAt[], reach: Reachability): InlayHint[] {
  const out: InlayHint[] = [];
  for (const o of objects) {
    const at = hintPosition(o);
    if (!at) continue;
    if (o.kind === 'pod' || o.kind === 'workload') {
      const pods: PodInfo[] = o.kind === 'pod' ? [cluster.podsByKey.get(o.key)].filter((x): x is PodInfo => !!x) : podsOfWorkload(cluster, o.key, o.manifest.kind);
      if (pods.length === 0) continue;
      const c = reachCounts(reach, pods[0]);
      out.push({ file: o.locator.file, position: at, label: `reached by ${plural(c.reachedBy, 'pod')} · reaches ${plural(c.reaches, 'pod')}`, tooltip: 'pods that can open a connection to one of these pods, and pods one of them can reach (NetworkPolicy applied; addresses outside the cluster are not counted)' });
    } else if (o.kind === 'policy') {
      const pol = policyByKey(cluster, o.key);
      if (!pol) continue;
      const selected = podsSelectedBy(cluster, pol);
      out.push({ file: o.locator.file, position: at, label: `selects ${plural(selected.length, 'pod')} · allows ${plural(flowsAdmitted(pol, reach), 'flow')}`, tooltip: 'flows: ordered pairs of pods this policy\'s rules admit to or from the pods it selects, with every other policy applied' });
    }
    // A Service has its count on the "N endpoints" lens; a hint beside it would be a second number.
  }
  return out;
}

/** Pods that reach this pod's class, and pods it reaches: what the hint and the hover both say. */
export function reachCounts(reach: Reachability, pod: PodInfo): { reachedBy: number; reaches: number } {
  const counts = reach.counts();
  const c = reach.classOf(pod);
  return { reachedBy: counts.reachedBy[c.id], reaches: counts.reaches[c.id] };
}

/**
 * Where the hint goes: after the name in block YAML (and in pretty-printed JSON, where the name
 * has a line of its own); after the closing brace of a flow mapping written on the name's line
 * (`metadata: {name: web}`), never inside it; after the whole object when it is one line of flow
 * (`{kind: Pod, metadata: {name: web}, spec: …}`).
 */
export function hintPosition(o: ObjectAt): SourcePosition | undefined {
  const loc = o.locator;
  const name = loc.at(['metadata', 'name']);
  const before = (a: SourcePosition, b: SourcePosition) => a.line < b.line || (a.line === b.line && a.column < b.column);
  const firstKey = [loc.keyAt(['apiVersion']), loc.keyAt(['kind']), loc.keyAt(['metadata'])].map((r) => r.start).reduce((a, b) => (before(a, b) ? a : b));
  // The object itself is a flow mapping on one line: its closing brace ends the line.
  if (before(loc.range.start, firstKey) && loc.range.start.line === loc.range.end.line) return loc.range.end;
  const metadata = loc.at(['metadata']);
  const nameKey = loc.keyAt(['metadata', 'name']);
  if (before(metadata.start, nameKey.start) && metadata.start.line === nameKey.start.line) {
    return metadata.end.line === name.end.line ? metadata.end : undefined;
  }
  return name.end;
}

/**
 * Ordered pairs of pods with an allowed connection into a selected pod (when the policy governs
 * ingress) and out of one (egress), a pod never paired with itself. Members of a class are
 * allowed alike, and a class lists the policies that select it: so this is the class counts of
 * the hint on a workload, times each selected class's size, for every policy of a file in one
 * walk of the classes.
 */
function flowsAdmitted(pol: PolicyInfo, reach: Reachability): number {
  // Per classes list: a result taken over for a later analysis shares its classes and counts.
  let flows = flowsByPolicy.get(reach.classes);
  if (!flows) {
    const counts = reach.counts();
    flows = new Map();
    for (const c of reach.classes) {
      const size = c.pods.length;
      for (const p of c.ingressPolicies) flows.set(p.key, (flows.get(p.key) ?? 0) + size * counts.reachedBy[c.id]);
      for (const p of c.egressPolicies) flows.set(p.key, (flows.get(p.key) ?? 0) + size * counts.reaches[c.id]);
    }
    flowsByPolicy.set(reach.classes, flows);
  }
  return flows.get(pol.key) ?? 0;
}

const flowsByPolicy = new WeakMap<readonly PeerClass[], Map<string, number>>();
