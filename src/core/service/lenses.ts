import { Cluster, PodInfo } from '../cluster/model';
import { matchesMap } from '../cluster/labels';
import { policiesOf } from '../policy/evaluate';
import { PolicyInfo, selectsPod } from '../policy/model';
import { Reachability } from '../policy/reachability';
import { SourceRange } from '../common/source';
import { selectorTargets } from './navigation';
import { ObjectAt, fieldRange, podsOfWorkload } from './objects';
import { InlayHint, Lens } from './types';

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
      const endpoints = new Set(svc.ports.flatMap((p) => p.endpoints.map((e) => e.ip)));
      if (svc.type !== 'ExternalName' && svc.ports.length > 0) out.push({ range, title: TRACE_TO_SERVICE, command: 'podpath.traceTo', args: [`service:${o.key}`] });
      out.push({ range, title: `${endpoints.size} endpoint${endpoints.size === 1 ? '' : 's'}`, command: 'podpath.showEndpoints', args: [o.key, ...matchesOf(cluster, o, ['spec', 'selector'])] });
    } else {
      const pol = policiesOf(cluster).find((p) => p.key === o.key);
      const n = pol ? cluster.pods.filter((p) => selectsPod(pol, p)).length : 0;
      out.push({ range, title: `selects ${n} pod${n === 1 ? '' : 's'}`, command: 'podpath.showSelectedPods', args: [o.key, ...matchesOf(cluster, o, ['spec', 'podSelector'])] });
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
function matchesOf(cluster: Cluster, o: ObjectAt, path: string[]): SourceRange[][] {
  const at = fieldRange(o.locator, path);
  if (!at) return [];
  const ranges = selectorTargets(cluster, o, at.start) ?? [];
  return ranges.length <= MAX_LENS_MATCHES ? [ranges] : [];
}

/** The lens on a Service: pick a source, then trace it to the Service. */
export const TRACE_TO_SERVICE = 'Trace to this Service from…';

/** The lens on a pod or workload: trace from it (the object's name, as written). */
export function traceFromTitle(name: string): string {
  return `Trace from ${name}…`;
}

/** Inlay hints: reachability at a glance, at the end of each object's name line. */
export function hintsFor(cluster: Cluster, objects: ObjectAt[], reach: Reachability): InlayHint[] {
  const out: InlayHint[] = [];
  let counts: ReturnType<Reachability['counts']> | undefined;
  // A Service selects only in its namespace, and only pods carrying each of its pairs: look at
  // the pods of its rarest pair instead of scanning the cluster per Service.
  let pods: PodIndex | undefined;
  for (const o of objects) {
    const at = o.locator.at(['metadata', 'name']).end;
    if (o.kind === 'pod' || o.kind === 'workload') {
      const pods: PodInfo[] = o.kind === 'pod' ? [cluster.podsByKey.get(o.key)].filter((x): x is PodInfo => !!x) : podsOfWorkload(cluster, o.key, o.manifest.kind);
      if (pods.length === 0) continue;
      counts ??= reach.counts();
      const c = reach.classOf(pods[0]);
      out.push({ file: o.locator.file, position: at, label: `reached by ${counts.reachedBy[c.id]} · reaches ${counts.reaches[c.id]}`, tooltip: 'pods that can open a connection to one of these pods, and pods one of them can reach (NetworkPolicy applied)' });
    } else if (o.kind === 'policy') {
      const pol = policiesOf(cluster).find((p) => p.key === o.key);
      if (!pol) continue;
      const selected = cluster.pods.filter((p) => selectsPod(pol, p));
      out.push({ file: o.locator.file, position: at, label: `selects ${selected.length} pod${selected.length === 1 ? '' : 's'} · allows ${flowsAdmitted(cluster, pol, selected, reach)} flows`, tooltip: 'flows: ordered pairs of pods this policy\'s rules admit to or from the pods it selects, with every other policy applied' });
    } else if (o.kind === 'service') {
      const svc = cluster.servicesByKey.get(o.key);
      if (!svc?.selector) continue;
      pods ??= new PodIndex(cluster.pods);
      const n = pods.candidates(svc.namespace, svc.selector).filter((p) => matchesMap(p.labels, svc.selector!)).length;
      out.push({ file: o.locator.file, position: at, label: `${n} pod${n === 1 ? '' : 's'} selected`, tooltip: 'pods matching spec.selector' });
    }
  }
  return out;
}

/** Pods by namespace, and by namespace and label pair. */
class PodIndex {
  private readonly byNamespace = new Map<string, PodInfo[]>();
  private readonly byPair = new Map<string, PodInfo[]>();

  constructor(pods: PodInfo[]) {
    for (const p of pods) {
      push(this.byNamespace, p.namespace, p);
      for (const k in p.labels) push(this.byPair, `${p.namespace}\u0000${k}\u0000${p.labels[k]}`, p);
    }
  }

  /** A superset of the pods of `namespace` that `selector` (equality on every pair) matches. */
  candidates(namespace: string, selector: Record<string, string>): PodInfo[] {
    let best: PodInfo[] | undefined;
    for (const k in selector) {
      const list = this.byPair.get(`${namespace}\u0000${k}\u0000${selector[k]}`) ?? [];
      if (!best || list.length < best.length) best = list;
    }
    return best ?? this.byNamespace.get(namespace) ?? [];
  }
}

function push<V>(m: Map<string, V[]>, k: string, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** Pairs (peer, selected pod) whose connection is allowed and that one of the policy's rules names. */
function flowsAdmitted(cluster: Cluster, pol: PolicyInfo, selected: PodInfo[], reach: Reachability): number {
  let n = 0;
  for (const target of selected) {
    for (const peer of cluster.pods) {
      if (peer.key === target.key) continue;
      if (pol.affectsIngress && !reach.allowed(peer, target).isEmpty()) n++;
      if (pol.affectsEgress && !reach.allowed(target, peer).isEmpty()) n++;
    }
  }
  return n;
}
