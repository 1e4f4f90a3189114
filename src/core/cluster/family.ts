import { IpFamily } from '../common/ip';
import { Cluster, NodeInfo, PodInfo, ServiceInfo, indexClusterObjects } from './model';

/**
 * One IP family of a dual-stack cluster, as a Cluster of its own: every plain address field
 * holds the family's value (a node's `ip` is its IPv6 address, a Service's `clusterIP` its
 * IPv6 ClusterIP, a port's `endpoints` the IPv6 EndpointSlice's). The CNI modules, kube-proxy
 * and the forwarding engine then build and walk the IPv6 data path — its own routes,
 * neighbours and ip6tables ruleset — with the very code that builds the IPv4 one, as the
 * real components do (kube-proxy runs one proxier per family; flannel and Calico program each
 * family from its own range). Only what has an address of the family is in the view: a
 * Service without an IPv6 ClusterIP is not in ip6tables, a pod without an IPv6 address has
 * no IPv6 interface.
 *
 * IPv4 is the cluster itself; IPv6 is undefined for a single-stack cluster.
 */
export function familyView(cluster: Cluster, family: IpFamily): Cluster | undefined {
  if (family === cluster.config.family) return cluster;
  if (family !== 6 || !cluster.config.clusterCIDR6 || !cluster.config.serviceCIDR6) return undefined;
  let view = views.get(cluster);
  if (!view) {
    view = buildIPv6View(cluster);
    views.set(cluster, view);
  }
  return view;
}

const views = new WeakMap<Cluster, Cluster>();

function buildIPv6View(cluster: Cluster): Cluster {
  const c = cluster.config;
  const config = { ...c, clusterCIDR: c.clusterCIDR6!, serviceCIDR: c.serviceCIDR6!, masquerade: c.masquerade6 ?? false, family: 6 as const };
  const nodes: NodeInfo[] = cluster.nodes
    .filter((n) => n.ip6 && n.podCIDR6 && n.subnet6)
    // (An IPv4 tunnel address calico-node wrote has no place in the IPv6 view.)
    .map(({ calicoTunnelIP: _v4, ...n }) => ({ ...n, ip: n.ip6!, podCIDR: n.podCIDR6!, subnet: n.subnet6! }));
  const pods: PodInfo[] = cluster.pods.filter((p) => p.ip6).map((p) => ({ ...p, ip: p.ip6! }));
  const services: ServiceInfo[] = cluster.services
    .filter((s) => s.ipFamilies.includes(6))
    .map((s) => {
      const { clusterIP: _v4, ...rest } = s;
      return {
        ...rest,
        ...(s.clusterIP6 ? { clusterIP: s.clusterIP6 } : {}),
        ports: s.ports.map((p) => ({ ...p, endpoints: p.endpoints6 })),
        externalIPs: s.externalIPs.filter((ip) => ip.includes(':')),
        loadBalancerIPs: s.loadBalancerIPs.filter((ip) => ip.includes(':')),
      };
    });
  const podKeys = new Set(pods.map((p) => p.key));
  const workloads = cluster.workloads.map((w) => ({ ...w, pods: w.pods.filter((k) => podKeys.has(k)) }));
  return { ...cluster, config, ...indexClusterObjects(nodes, pods, services, workloads) };
}
