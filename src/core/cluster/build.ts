import { Finding, finding } from '../common/finding';
import { Locator } from '../common/source';
import { ManifestSet } from '../manifest/types';
import { resolveConfig } from './config';
import { Cluster, ClusterConfig, NamespaceInfo, NodeInfo, PodInfo, ServiceInfo, WorkloadInfo, indexClusterObjects, podKey } from './model';
import { buildPods } from './pods';
import { buildServices } from './services';
import { daemonSetTaintFindings } from './taints';

/**
 * Manifests → Cluster: settle the configuration and nodes, place and address every pod,
 * give Services their IPs and endpoints. Never throws; conflicts become findings. Should a
 * stage fail anyway (a bug), the stages before it still count and the failure is a finding.
 */
export interface BuildOptions {
  /** Pods modelled at most, in all (default MAX_PODS); the rest are reported and left out. */
  maxPods?: number;
}

export function buildCluster(m: ManifestSet, options: BuildOptions = {}): Cluster {
  const findings: Finding[] = [];
  let config: ClusterConfig | undefined;
  let nodes: NodeInfo[] = [];
  let pods: PodInfo[] = [];
  let workloads: WorkloadInfo[] = [];
  let services: ServiceInfo[] = [];
  try {
    ({ config, nodes } = resolveConfig(m, findings));
    ({ pods, workloads } = buildPods(m, config, nodes, findings, options.maxPods));
    findings.push(...daemonSetTaintFindings(m.workloads, nodes));
    services = buildServices(m, config, nodes, pods, findings);
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
  const implied = [...pods.map((p) => p.namespace), ...services.map((s) => s.namespace), ...m.policies.map((p) => p.meta.namespace), 'default', 'kube-system'];
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
    ...indexClusterObjects(nodes, pods, services, workloads),
    namespaces,
    policies,
    adminPolicies,
    ...(config!.plugin === 'calico' ? { calicoPolicies, calicoTiers } : {}),
    findings,
  };
}
