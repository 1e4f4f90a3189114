import { Cluster, NodeInfo } from '../cluster/model';
import { cidrContains, cidrSize, nthAddress } from '../common/ip';

/**
 * The physical network between nodes, modelled as one router with a leg in every node subnet.
 * Nodes in one subnet reach each other directly (L2); between subnets only node addresses
 * are routed — the router knows nothing of pod subnets, which is why host-gw needs L2.
 */

/** The underlay's router on a node subnet: its first host, or its last when a node has that. */
export function underlayGateway(cluster: Cluster, node: NodeInfo): string {
  const first = nthAddress(node.subnet, 1);
  if (!cluster.nodes.some((n) => n.ip === first)) return first;
  // An IPv6 /64 has no broadcast address; its "last" host is far away, so the second one serves.
  return node.subnet.family === 6 ? nthAddress(node.subnet, 2) : nthAddress(node.subnet, cidrSize(node.subnet) - 2);
}

export function sameL2(a: NodeInfo, b: NodeInfo): boolean {
  return cidrContains(a.subnet, b.ip) && cidrContains(b.subnet, a.ip);
}

