import { Cluster, PodInfo } from '../cluster/model';
import { matchesMap, matchesSelector } from '../cluster/labels';
import { SourcePosition, SourceRange } from '../common/source';
import { LabelSelector } from '../manifest/types';
import { podsMatchingMap } from '../cluster/services';
import { policiesOf } from '../policy/evaluate';
import { selectsPod } from '../policy/model';
import { ObjectAt, podRange, podsOfWorkload, within } from './objects';
import { policyByKey, podsSelectedBy } from './policy-index';
import { adminSelectorTargets, calicoSelectorTargets, policySelectorsMatching } from './policy-navigation';

/** Go to Definition on a selector: the pods (and namespaces) it matches. */
export function selectorTargets(cluster: Cluster, o: ObjectAt, p: SourcePosition): SourceRange[] | undefined {
  const pods = (ns: string, sel: (labels: Record<string, string>) => boolean) => cluster.pods.filter((x) => !x.hostNetwork && x.namespace === ns && sel(x.labels)).map(podRange);
  if (o.kind === 'service' && o.manifest.selector && within(o.locator, ['spec', 'selector'], p)) {
    return dedupe(podsMatchingMap(cluster, o.manifest.meta.namespace, o.manifest.selector).filter((x) => !x.hostNetwork).map(podRange));
  }
  if (o.kind === 'workload' && o.manifest.selector && within(o.locator, ['spec', 'selector'], p)) {
    return dedupe(pods(o.manifest.meta.namespace, (l) => matchesSelector(l, o.manifest.selector!)));
  }
  if (o.kind === 'adminPolicy' || o.kind === 'calicoPolicy') {
    const ranges = o.kind === 'adminPolicy' ? adminSelectorTargets(cluster, o, p) : calicoSelectorTargets(cluster, o, p);
    return ranges && dedupe(ranges);
  }
  if (o.kind !== 'policy') return undefined;
  const pol = policyByKey(cluster, o.key);
  if (!pol) return undefined;
  if (within(o.locator, ['spec', 'podSelector'], p)) return rangesOfSelected(podsSelectedBy(cluster, pol));
  for (const rule of [...pol.ingress, ...pol.egress]) {
    if (rule.peers === 'all') continue;
    for (const peer of rule.peers) {
      if (peer.kind !== 'pods' || !within(o.locator, peer.path, p)) continue;
      const nsOk = (ns: string) => (peer.namespaceSelector ? matches(cluster, ns, peer.namespaceSelector) : ns === pol.namespace);
      const ranges = cluster.pods.filter((x) => !x.hostNetwork && nsOk(x.namespace) && (!peer.podSelector || matchesSelector(x.labels, peer.podSelector))).map(podRange);
      if (peer.namespaceSelector && within(o.locator, [...peer.path, 'namespaceSelector'], p)) {
        return dedupe([...cluster.namespaces.values()].filter((n) => n.locator && matchesSelector(n.labels, peer.namespaceSelector!)).map((n) => n.locator!.range));
      }
      return dedupe(ranges);
    }
  }
  return undefined;
}

function matches(cluster: Cluster, ns: string, sel: LabelSelector): boolean {
  const n = cluster.namespaces.get(ns);
  return !!n && matchesSelector(n.labels, sel);
}

/** Find All References on a pod or workload: the Services, workloads and policies whose selectors match it. */
export function selectorsMatching(cluster: Cluster, o: ObjectAt): SourceRange[] {
  const pods = o.kind === 'pod' ? [cluster.podsByKey.get(o.key)].filter((x) => !!x) : o.kind === 'workload' ? podsOfWorkload(cluster, o.key, o.manifest.kind) : [];
  if (pods.length === 0) return [];
  const out: SourceRange[] = [];
  const pod = pods[0]!;
  for (const s of cluster.services) if (s.selector && s.namespace === pod.namespace && matchesMap(pod.labels, s.selector)) out.push(s.locator.at(['spec', 'selector']));
  for (const pol of policiesOf(cluster)) {
    if (selectsPod(pol, pod)) out.push(pol.locator.at(['spec', 'podSelector']));
    for (const rule of [...pol.ingress, ...pol.egress]) {
      if (rule.peers === 'all') continue;
      for (const peer of rule.peers) {
        if (peer.kind !== 'pods' || pod.hostNetwork) continue;
        const nsOk = peer.namespaceSelector ? matches(cluster, pod.namespace, peer.namespaceSelector) : pod.namespace === pol.namespace;
        if (nsOk && (!peer.podSelector || matchesSelector(pod.labels, peer.podSelector))) out.push(pol.locator.at(peer.path));
      }
    }
  }
  out.push(...policySelectorsMatching(cluster, pod));
  return dedupe(out);
}

/**
 * The places of the pods a policy selects, once per selection: podsSelectedBy keeps a selection
 * while the pods are unchanged, so the count lens of every policy of a file is not worked out
 * again, pod by pod, after an edit of one of them (or of a Service). Callers do not change it.
 */
function rangesOfSelected(pods: PodInfo[]): SourceRange[] {
  let ranges = selectedRanges.get(pods);
  if (!ranges) selectedRanges.set(pods, (ranges = dedupe(pods.map(podRange))));
  return ranges;
}

const selectedRanges = new WeakMap<PodInfo[], SourceRange[]>();

function dedupe(ranges: SourceRange[]): SourceRange[] {
  const seen = new Set<string>();
  return ranges.filter((r) => {
    const k = `${r.file}:${r.start.line}:${r.start.column}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
