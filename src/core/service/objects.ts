import { Cluster, PodInfo, ServiceInfo, WorkloadInfo } from '../cluster/model';
import { FieldPath, Locator, SourcePosition, SourceRange } from '../common/source';
import { AdminNetworkPolicyManifest, CalicoPolicyManifest, ManifestSet, NetworkPolicyManifest, PodManifest, ServiceManifest, WorkloadManifest } from '../manifest/types';

/**
 * The objects of one file with their ranges, so a position can be mapped to "the Service in
 * lines 10–24" and, inside it, to "its selector" or "its second port".
 */
export type ObjectAt =
  | { kind: 'pod'; manifest: PodManifest; key: string; locator: Locator }
  | { kind: 'workload'; manifest: WorkloadManifest; key: string; locator: Locator }
  | { kind: 'service'; manifest: ServiceManifest; key: string; locator: Locator }
  | { kind: 'policy'; manifest: NetworkPolicyManifest; key: string; locator: Locator }
  | { kind: 'adminPolicy'; manifest: AdminNetworkPolicyManifest; key: string; locator: Locator }
  | { kind: 'calicoPolicy'; manifest: CalicoPolicyManifest; key: string; locator: Locator };

export function objectsIn(m: ManifestSet, file: string): ObjectAt[] {
  const out: ObjectAt[] = [];
  const key = (ns: string, name: string) => `${ns}/${name}`;
  for (const p of m.pods) if (p.locator.file === file) out.push({ kind: 'pod', manifest: p, key: key(p.meta.namespace, p.meta.name), locator: p.locator });
  for (const w of m.workloads) if (w.locator.file === file) out.push({ kind: 'workload', manifest: w, key: key(w.meta.namespace, w.meta.name), locator: w.locator });
  for (const s of m.services) if (s.locator.file === file) out.push({ kind: 'service', manifest: s, key: key(s.meta.namespace, s.meta.name), locator: s.locator });
  for (const p of m.policies) if (p.locator.file === file) out.push({ kind: 'policy', manifest: p, key: key(p.meta.namespace, p.meta.name), locator: p.locator });
  for (const p of m.adminPolicies ?? []) if (p.locator.file === file) out.push({ kind: 'adminPolicy', manifest: p, key: `${p.kind}/${p.meta.name}`, locator: p.locator });
  for (const p of m.calicoPolicies ?? []) {
    if (p.locator.file !== file) continue;
    const k = p.kind === 'GlobalNetworkPolicy' ? `GlobalNetworkPolicy/${p.meta.name}` : `NetworkPolicy.projectcalico.org/${p.meta.namespace}/${p.meta.name}`;
    out.push({ kind: 'calicoPolicy', manifest: p, key: k, locator: p.locator });
  }
  return out.sort((a, b) => a.locator.range.start.line - b.locator.range.start.line);
}

export function contains(r: SourceRange, p: SourcePosition): boolean {
  if (p.line < r.start.line || p.line > r.end.line) return false;
  if (p.line === r.start.line && p.column < r.start.column) return false;
  if (p.line === r.end.line && p.column > r.end.column) return false;
  return true;
}

export function objectAt(m: ManifestSet, file: string, p: SourcePosition): ObjectAt | undefined {
  // The innermost range wins (a List item inside the List document).
  let best: ObjectAt | undefined;
  for (const o of objectsIn(m, file)) {
    if (contains(o.locator.range, p) && (!best || size(o.locator.range) < size(best.locator.range))) best = o;
  }
  return best;
}

function size(r: SourceRange): number {
  return (r.end.line - r.start.line) * 10000 + (r.end.column - r.start.column);
}

/** The range of a field only when the field is really there (locator.at falls back to an ancestor). */
export function fieldRange(locator: Locator, path: FieldPath): SourceRange | undefined {
  const r = locator.at(path);
  const parent = path.length ? locator.at(path.slice(0, -1)) : undefined;
  if (parent && r.start.line === parent.start.line && r.start.column === parent.start.column && r.end.line === parent.end.line && r.end.column === parent.end.column) return undefined;
  return r;
}

/** Is the position inside the field at `path`? */
export function within(locator: Locator, path: FieldPath, p: SourcePosition): boolean {
  const r = fieldRange(locator, path);
  return !!r && contains(r, p);
}

export function podsOfWorkload(cluster: Cluster, key: string, kind: string): PodInfo[] {
  const w: WorkloadInfo | undefined = cluster.workloads.find((x) => x.key === key && x.kind === kind);
  return (w?.pods ?? []).map((k) => cluster.podsByKey.get(k)!).filter(Boolean);
}

export function serviceOf(cluster: Cluster, key: string): ServiceInfo | undefined {
  return cluster.servicesByKey.get(key);
}

/** Where a pod is written: the Pod object, or its workload's pod template. */
export function podRange(pod: PodInfo): SourceRange {
  if (!pod.templatePath.length) return pod.locator.range;
  // A workload's pods share its locator and template: its range is found once, not per replica.
  const known = templateRanges.get(pod.locator);
  if (known && known.path === pod.templatePath.join('\0')) return known.range;
  const range = pod.locator.at(pod.templatePath);
  templateRanges.set(pod.locator, { path: pod.templatePath.join('\0'), range });
  return range;
}

const templateRanges = new WeakMap<object, { path: string; range: SourceRange }>();
