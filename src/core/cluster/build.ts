import { Finding, finding } from '../common/finding';
import type { Cidr } from '../common/ip';
import { Locator } from '../common/source';
import { ManifestSet } from '../manifest/types';
import { resolveConfig } from './config';
import { fromLiveCluster } from './cni-inference';
import { Cluster, ClusterConfig, NamespaceInfo, NodeInfo, PodInfo, ServiceInfo, WorkloadInfo, indexClusterObjects, indexPlacedObjects, indexPlacedObjectsFrom, indexServices, podKey } from './model';
import { PodChanges, PodReuse } from './pod-reuse';
import { buildPods } from './pods';
import { ServiceAllocations, ServicesReuse, allocateServices, buildServices } from './services';
import { daemonSetTaintFindings } from './taints';
import { sameItems } from '../common/same-items';

/**
 * What the last build of one workspace computed per stage, with the inputs it read: the next
 * build takes a stage over when its inputs are the very same objects (a document whose text
 * did not change keeps its manifest objects, see load.ts `decoded`). So editing a Service or a
 * policy leaves nodes, pods and their addresses as they were, without placing them again.
 * Within a stage computed again, the parts an edit did not reach are taken over too: the pods
 * of unchanged workloads and their addresses (PodReuse), the endpoints of Services selecting
 * none of the changed pods, the lookup maps with only the changed pods written.
 */
export class BuildMemo {
  private readonly stages = new Map<string, { inputs: readonly unknown[]; value: unknown }>();
  /** Stages taken over and stages computed, by name (for tests and timings). */
  readonly kept: Record<string, number> = {};
  readonly computed: Record<string, number> = {};
  /** What the pods stage hands from one computation to the next (drafts, nodes, addresses, pods). */
  readonly pods = new PodReuse();

  /** The value a stage had last (whatever its inputs were). */
  last<T>(name: string): T | undefined {
    return this.stages.get(name)?.value as T | undefined;
  }

  take<T>(name: string, inputs: readonly unknown[], compute: () => T): T {
    const last = this.stages.get(name);
    if (last && sameItems(last.inputs, inputs)) {
      this.kept[name] = (this.kept[name] ?? 0) + 1;
      return last.value as T;
    }
    const value = compute();
    this.stages.set(name, { inputs, value });
    this.computed[name] = (this.computed[name] ?? 0) + 1;
    return value;
  }
}

function stage<T>(memo: BuildMemo | undefined, name: string, inputs: readonly unknown[], compute: () => T): T {
  return memo ? memo.take(name, inputs, compute) : compute();
}

/** The namespaces of a pods list, each once, in the order first met (kept per list: a build that keeps the pods reads them once). */
const podNamespaces = new WeakMap<PodInfo[], string[]>();

function namespacesOf(pods: PodInfo[]): string[] {
  let names = podNamespaces.get(pods);
  if (!names) podNamespaces.set(pods, (names = [...new Set(pods.map((p) => p.namespace))]));
  return names;
}

/**
 * What resolveConfig reads: the Cluster documents and Node objects and, only when the manifests
 * are a dump (Node objects, or pods with a status), the pods and the Services' clusterIPs
 * (config.ts: impliedNodes and adoptDumpRanges read them only then).
 */
function configInputs(m: ManifestSet): unknown[] {
  const fromDump = fromLiveCluster(m);
  // Calico's IPPools (and, in a dump, the nodes and pods) also say which CNI runs (cni-inference.ts).
  return [...m.clusters, '|', ...m.nodes, '|', ...(m.calicoPools ?? []), ...(m.calicoInstallations ?? []), ...(m.clusterSetups ?? []), '|', ...(fromDump ? [...m.pods, '|', ...m.services] : [])];
}

/**
 * Manifests → Cluster: settle the configuration and nodes, place and address every pod,
 * give Services their IPs and endpoints. Never throws; conflicts become findings. Should a
 * stage fail anyway (a bug), the stages before it still count and the failure is a finding.
 */
export interface BuildOptions {
  /** Pods modelled at most, in all (default MAX_PODS); the rest are reported and left out. */
  maxPods?: number;
}

export function buildCluster(m: ManifestSet, options: BuildOptions = {}, memo?: BuildMemo): Cluster {
  const findings: Finding[] = [];
  let config: ClusterConfig | undefined;
  let nodes: NodeInfo[] = [];
  let pods: PodInfo[] = [];
  let workloads: WorkloadInfo[] = [];
  let extraPodBlocks: Map<string, Cidr[]> | undefined;
  let services: ServiceInfo[] = [];
  let index: ReturnType<typeof indexClusterObjects> | undefined;
  try {
    // Each stage is taken over from the memo when everything it reads is the same objects as
    // last time (see BuildMemo); its findings come along with it.
    const configStage = stage(memo, 'config', configInputs(m), () => {
      const f: Finding[] = [];
      return { ...resolveConfig(m, f), findings: f };
    });
    ({ config, nodes } = configStage);
    findings.push(...configStage.findings);
    const podStage = stage(memo, 'pods', [config, nodes, options.maxPods, ...m.pods, '|', ...m.workloads], () => {
      const f: Finding[] = [];
      const built = buildPods(m, config!, nodes, f, options.maxPods, memo?.pods);
      f.push(...daemonSetTaintFindings(m.workloads, nodes));
      return { ...built, findings: f };
    });
    ({ pods, workloads, extraPodBlocks } = podStage);
    findings.push(...podStage.findings);
    const changes: PodChanges | undefined = podStage.changes;
    // ClusterIPs and node ports read only the Service objects and the configuration.
    // An edit that leaves what they read of each Service as it was keeps them (allocateServices).
    const allocated = stage(memo, 'service-allocations', [config, ...m.services], () => allocateServices(m.services, config!, memo?.last<ServiceAllocations>('service-allocations')));
    const serviceStage = stage(memo, 'services', [config, nodes, pods, ...m.services, '|', ...m.endpoints], () => {
      const f: Finding[] = [];
      // A Service whose own object and allocations are unchanged, and whose selector picks none of
      // the pods that changed, keeps its endpoints (see buildServices).
      const earlier = memo?.last<ServicesReuse>('services');
      return { services: buildServices(m, config!, nodes, pods, f, earlier, changes, allocated), findings: f, config: config!, nodes, pods };
    });
    services = serviceStage.services;
    findings.push(...serviceStage.findings);
    // After an edit of a few pods the lookup maps are the last ones with those pods written.
    const earlierIndex = memo?.last<ReturnType<typeof indexPlacedObjects>>('index');
    const placed = stage(memo, 'index', [nodes, pods, workloads], () => (earlierIndex && changes
      ? indexPlacedObjectsFrom(earlierIndex, changes, nodes, pods, workloads)
      : indexPlacedObjects(nodes, pods, workloads)));
    index = { ...placed, ...indexServices(services) };
  } catch (e) {
    findings.push(finding('internal-error', 'error', `PodPath could not build the cluster completely: ${(e as Error)?.message ?? String(e)}`));
    if (!config) ({ config, nodes } = resolveConfig({ ...m, clusters: [], nodes: [], pods: [] }, []));
  }

  const namespaces = new Map<string, NamespaceInfo>();
  const namespaceSeen = new Map<string, Locator>();
  for (const ns of m.namespaces) {
    const first = namespaceSeen.get(ns.meta.name);
    if (first) {
      findings.push(finding('duplicate-object', 'error', `Namespace ${ns.meta.name} is defined twice; the later one is ignored`, ns.locator.range, [{ message: 'first definition', range: first.range }]));
      continue;
    }
    namespaceSeen.set(ns.meta.name, ns.locator);
    namespaces.set(ns.meta.name, { name: ns.meta.name, labels: ns.meta.labels, locator: ns.locator });
  }
  // Namespaces that objects live in exist even when no Namespace object was written
  // (`default`, or a dump without namespaces); they carry the API server's name label.
  const implied = [...namespacesOf(pods), ...services.map((s) => s.namespace), ...m.policies.map((p) => p.meta.namespace), 'default', 'kube-system'];
  for (const name of implied) {
    if (!namespaces.has(name)) namespaces.set(name, { name, labels: { 'kubernetes.io/metadata.name': name } });
  }

  // Policy objects: a name defined twice is an error and the later object is left out.
  const policySeen = new Map<string, Locator>();
  const firstOfEach = <T extends { locator: Locator }>(items: T[], keyOf: (item: T) => string): T[] =>
    items.filter((item) => {
      const key = keyOf(item);
      const first = policySeen.get(key);
      if (first) {
        findings.push(finding('duplicate-object', 'error', `${key} is defined twice; the later one is ignored`, item.locator.range, [{ message: 'first definition', range: first.range }]));
        return false;
      }
      policySeen.set(key, item.locator);
      return true;
    });
  const policies = firstOfEach(m.policies, (p) => `NetworkPolicy ${podKey(p.meta.namespace, p.meta.name)}`);
  const adminPolicies = firstOfEach(m.adminPolicies ?? [], (p) => `${p.kind} ${p.meta.name}`);
  const calicoPolicies = firstOfEach(m.calicoPolicies ?? [], (p) => (p.kind === 'GlobalNetworkPolicy' ? `GlobalNetworkPolicy ${p.meta.name}` : `projectcalico.org NetworkPolicy ${p.meta.namespace}/${p.meta.name}`));
  const calicoTiers = firstOfEach(m.calicoTiers ?? [], (t) => `Tier ${t.meta.name}`);
  if (config!.plugin !== 'calico') {
    // Calico's policy objects are programmed by Felix; another CNI never reads them.
    for (const p of calicoPolicies) findings.push(finding('calico-policy-without-calico', 'warning', `${p.kind === 'GlobalNetworkPolicy' ? 'GlobalNetworkPolicy' : 'Calico NetworkPolicy'} ${p.meta.namespace ? `${p.meta.namespace}/` : ''}${p.meta.name} only takes effect where the CNI is Calico; this cluster uses ${config!.plugin}, so PodPath leaves it out`, p.locator.range));
  }
  return {
    config: config!,
    ...(index ?? indexClusterObjects(nodes, pods, services, workloads)),
    namespaces,
    policies,
    adminPolicies,
    ...(config!.plugin === 'calico' ? { calicoPolicies, calicoTiers } : {}),
    ...(extraPodBlocks ? { extraPodBlocks } : {}),
    findings,
  };
}
