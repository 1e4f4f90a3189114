import { Cluster, ServiceInfo, ServicePortInfo } from '../cluster/model';

/**
 * The Service ports kube-proxy programs, in PodPath's stable order: Services by key, ports by
 * their index in spec.ports. Headless and ExternalName Services have no virtual IP and are
 * skipped, as kube-proxy skips them.
 */
export interface ProxiedPort {
  svc: ServiceInfo;
  port: ServicePortInfo;
  clusterIP: string;
}

export function proxiedPorts(cluster: Cluster): ProxiedPort[] {
  const services = isSortedByKey(cluster.services) ? cluster.services : [...cluster.services].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const out: ProxiedPort[] = [];
  for (const svc of services) {
    if (!svc.clusterIP || svc.headless || svc.type === 'ExternalName') continue;
    const ports = isSortedByIndex(svc.ports) ? svc.ports : [...svc.ports].sort((a, b) => a.index - b.index);
    for (const port of ports) out.push({ svc, port, clusterIP: svc.clusterIP });
  }
  return out;
}

function isSortedByKey(list: readonly ServiceInfo[]): boolean {
  for (let i = 1; i < list.length; i++) if (list[i - 1].key > list[i].key) return false;
  return true;
}

function isSortedByIndex(list: readonly ServicePortInfo[]): boolean {
  for (let i = 1; i < list.length; i++) if (list[i - 1].index > list[i].index) return false;
  return true;
}
