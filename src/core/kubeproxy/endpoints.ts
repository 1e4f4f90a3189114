import { EndpointInfo, NodeInfo, ServiceInfo, ServicePortInfo } from '../cluster/model';

/**
 * Which endpoints of one Service port kube-proxy on one node may use, and under which traffic
 * policy — kube-proxy's CategorizeEndpoints (pkg/proxy/topology.go), shared by all modes.
 *
 * PodPath's endpoints carry only `ready`; serving/terminating and topology hints are not
 * modelled, so the "use terminating endpoints when nothing is ready" fallback never applies.
 */

export interface ProxyEndpoint {
  ip: string;
  port: number;
  /** "ip:port": the endpoint as kube-proxy names it (and orders it). */
  key: string;
  /** On this node (endpoint.node === node.name), as the EndpointSlice's nodeName says. */
  local: boolean;
  source: EndpointInfo;
}

export interface PortPolicy {
  /** NodePort, external IPs or load-balancer IPs: traffic from outside reaches this port. */
  externallyAccessible: boolean;
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
  /** The Cluster-policy chain is needed (iTP Cluster, or eTP short-circuits for external traffic). */
  usesClusterEndpoints: boolean;
  usesLocalEndpoints: boolean;
  /** The NodePort kube-proxy opens (only for type NodePort or LoadBalancer). */
  nodePort?: number;
}

export interface CategorizedEndpoints {
  cluster: ProxyEndpoint[];
  local: ProxyEndpoint[];
  /** Every endpoint this node may DNAT to, given both policies (gets a KUBE-SEP chain). */
  reachable: ProxyEndpoint[];
  /** Some usable endpoint exists anywhere in the cluster. */
  hasAny: boolean;
}

export function portPolicy(svc: ServiceInfo, port: ServicePortInfo): PortPolicy {
  // The API server only accepts nodePort on NodePort and LoadBalancer Services.
  const nodePort = (svc.type === 'NodePort' || svc.type === 'LoadBalancer') && port.nodePort ? port.nodePort : undefined;
  const externallyAccessible = nodePort !== undefined || svc.externalIPs.length > 0 || svc.loadBalancerIPs.length > 0;
  // As the API defines it: eTP only means something for NodePort/LoadBalancer Services or with externalIPs.
  const externalPolicyLocal = svc.externalTrafficPolicy === 'Local'
    && (svc.type === 'NodePort' || svc.type === 'LoadBalancer' || svc.externalIPs.length > 0);
  const internalPolicyLocal = svc.internalTrafficPolicy === 'Local';
  return {
    externallyAccessible,
    externalPolicyLocal,
    internalPolicyLocal,
    usesClusterEndpoints: !internalPolicyLocal || externallyAccessible,
    usesLocalEndpoints: internalPolicyLocal || (externalPolicyLocal && externallyAccessible),
    ...(nodePort !== undefined ? { nodePort } : {}),
  };
}

/**
 * Ready endpoints, each "ip:port" once, in the order kube-proxy's endpoint cache keeps them:
 * sorted by their "ip:port" text (so 10.0.1.10 sorts before 10.0.1.2, as on a real node).
 */
export function readyEndpoints(port: ServicePortInfo, node: NodeInfo): ProxyEndpoint[] {
  const seen = new Map<string, ProxyEndpoint>();
  for (const e of port.endpoints) {
    if (!e.ready) continue;
    const key = `${e.ip}:${e.port}`;
    const prev = seen.get(key);
    const local = e.node === node.name;
    // Two slices naming the same address: keep one, local if either says so.
    if (prev) { if (local && !prev.local) prev.local = true; continue; }
    seen.set(key, { ip: e.ip, port: e.port, key, local, source: e });
  }
  return [...seen.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function categorizeEndpoints(ready: ProxyEndpoint[], policy: PortPolicy): CategorizedEndpoints {
  const cluster = policy.usesClusterEndpoints ? ready : [];
  let hasAny = cluster.length > 0;
  if (!policy.usesLocalEndpoints) return { cluster, local: [], reachable: cluster, hasAny };
  const local = ready.filter((e) => e.local);
  hasAny = hasAny || ready.length > 0;
  // Without terminating endpoints the cluster list is a superset of the local one.
  return { cluster, local, reachable: policy.usesClusterEndpoints ? cluster : local, hasAny };
}
