import { Cluster } from '../cluster/model';

/**
 * Everything `computeReachability` (and the evaluators it falls back to for hostNetwork pods and
 * admin policies) reads from a cluster, written out as one string. Two clusters with the same
 * string get the same answers from reachability, so an edit that leaves it unchanged (a
 * Service's port, a Deployment's image, a comment) can keep the previous result.
 *
 * What is read, and therefore listed here:
 * - pods, in cluster order (classes are numbered and represented in that order): key,
 *   namespace, node, address, hostNetwork, labels, and declared ports (named ports resolve
 *   rules; the name, protocol and number are what resolution looks at);
 * - nodes: name, address and labels (the own-node exemption; admin policies' node peers);
 * - namespaces: name and labels (namespaceSelector);
 * - NetworkPolicies, Admin/BaselineAdminNetworkPolicies, Calico policies and tiers as read, all
 *   fields but where they were written (their rules, selectors, priorities, orders, and whether
 *   the API would reject them);
 * - the cluster's policy mode, whether it is enforced, its CNI and its IP families (IPv6
 *   addresses of pods and nodes are listed too: ipBlocks and the connectivity list read them).
 * Over-listing only costs a recomputation; leaving something out gives wrong answers, which
 * the service's differential test is there to catch.
 */
export function reachabilityInputs(cluster: Cluster): string {
  const parts: string[] = [];
  parts.push(JSON.stringify([cluster.config.policyMode, cluster.config.policyEnforced, cluster.config.plugin, cluster.config.ipFamilies]));
  for (const n of cluster.nodes) parts.push(JSON.stringify(['node', n.name, n.ip, n.ip6, n.labels]));
  for (const ns of [...cluster.namespaces.values()]) parts.push(JSON.stringify(['ns', ns.name, ns.labels]));
  for (const p of cluster.pods) {
    parts.push(JSON.stringify(['pod', p.key, p.namespace, p.node, p.ip, p.ip6, p.hostNetwork, p.labels, p.ports.map((q) => [q.name, q.protocol, q.containerPort])]));
  }
  for (const p of cluster.policies) parts.push(JSON.stringify(p, withoutSource));
  for (const p of cluster.adminPolicies ?? []) parts.push(JSON.stringify(p, withoutSource));
  for (const p of cluster.calicoPolicies ?? []) parts.push(JSON.stringify(p, withoutSource));
  for (const t of cluster.calicoTiers ?? []) parts.push(JSON.stringify(t, withoutSource));
  return parts.join('\n');
}

/**
 * Where an object was written does not change what it allows (and a locator is not plain data);
 * IPv6 blocks carry their address as a bigint, which JSON writes only as text.
 */
function withoutSource(key: string, value: unknown): unknown {
  if (key === 'locator') return undefined;
  return typeof value === 'bigint' ? value.toString() : value;
}
