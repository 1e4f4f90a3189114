import { Finding, finding } from '../common/finding';
import { ManifestSet } from '../manifest/types';
import { resolveConfig } from './config';
import { Cluster, NamespaceInfo, podKey } from './model';
import { buildPods } from './pods';
import { buildServices } from './services';

/**
 * Manifests → Cluster: settle the configuration and nodes, place and address every pod,
 * give Services their IPs and endpoints. Never throws; conflicts become findings.
 */
export function buildCluster(m: ManifestSet): Cluster {
  const findings: Finding[] = [];
  const { config, nodes } = resolveConfig(m, findings);
  const { pods, workloads } = buildPods(m, config, nodes, findings);
  const services = buildServices(m, config, nodes, pods, findings);

  const namespaces = new Map<string, NamespaceInfo>();
  for (const ns of m.namespaces) namespaces.set(ns.meta.name, { name: ns.meta.name, labels: ns.meta.labels, locator: ns.locator });
  // Namespaces that objects live in exist even when no Namespace object was written
  // (`default`, or a dump without namespaces); they carry the API server's name label.
  const implied = [...pods.map((p) => p.namespace), ...services.map((s) => s.namespace), ...m.policies.map((p) => p.meta.namespace), 'default', 'kube-system'];
  for (const name of implied) {
    if (!namespaces.has(name)) namespaces.set(name, { name, labels: { 'kubernetes.io/metadata.name': name } });
  }

  const podsByIP = new Map<string, (typeof pods)[number]>();
  for (const p of pods) if (!p.hostNetwork) podsByIP.set(p.ip, p);
  const servicesByIP = new Map<string, (typeof services)[number]>();
  for (const s of services) if (s.clusterIP) servicesByIP.set(s.clusterIP, s);

  const policySeen = new Set<string>();
  const policies = m.policies.filter((p) => {
    const key = podKey(p.meta.namespace, p.meta.name);
    if (policySeen.has(key)) {
      findings.push(finding('duplicate-object', 'error', `NetworkPolicy ${key} is defined twice; the later one is ignored`, p.locator.range));
      return false;
    }
    policySeen.add(key);
    return true;
  });
  return {
    config,
    nodes,
    nodesByName: new Map(nodes.map((n) => [n.name, n])),
    pods,
    podsByKey: new Map(pods.map((p) => [p.key, p])),
    podsByIP,
    services,
    servicesByKey: new Map(services.map((s) => [s.key, s])),
    servicesByIP,
    workloads,
    workloadsByKey: new Map(workloads.map((w) => [w.key, w])),
    namespaces,
    policies,
    findings,
  };
}
