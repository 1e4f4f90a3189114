import { hostPort } from '../common/ip';
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
  /** The node the EndpointSlice (or the pod) places it on; "local" means this equals the node's name. */
  node?: string;
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

// The ready list of a Service port does not depend on the node: compute it once per port.
const readyCache = new WeakMap<ServicePortInfo, ProxyEndpoint[]>();

/**
 * Ready endpoints, each "ip:port" once (the first mention wins), in the order kube-proxy's
 * endpoint cache keeps them: sorted by their "ip:port" text, so 10.0.1.10 sorts before 10.0.1.2
 * as on a real node.
 */
export function readyEndpoints(port: ServicePortInfo): ProxyEndpoint[] {
  const cached = readyCache.get(port);
  if (cached) return cached;
  const out: ProxyEndpoint[] = [];
  const seen = port.endpoints.length > 8 ? new Set<string>() : undefined;
  for (const e of port.endpoints) {
    if (!e.ready) continue;
    // kube-proxy's endpoint string is net.JoinHostPort: IPv6 in brackets, [fd00::5]:80.
    const key = hostPort(e.ip, e.port);
    if (seen ? seen.has(key) : out.some((o) => o.key === key)) continue;
    seen?.add(key);
    out.push({ ip: e.ip, port: e.port, key, ...(e.node !== undefined ? { node: e.node } : {}), source: e });
  }
  if (out.length > 1) out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  readyCache.set(port, out);
  return out;
}

export function categorizeEndpoints(ready: ProxyEndpoint[], policy: PortPolicy, node: NodeInfo): CategorizedEndpoints {
  const cluster = policy.usesClusterEndpoints ? ready : [];
  let hasAny = cluster.length > 0;
  if (!policy.usesLocalEndpoints) return { cluster, local: [], reachable: cluster, hasAny };
  const local = ready.filter((e) => e.node === node.name);
  hasAny = hasAny || ready.length > 0;
  // Without terminating endpoints the cluster list is a superset of the local one.
  return { cluster, local, reachable: policy.usesClusterEndpoints ? cluster : local, hasAny };
}
