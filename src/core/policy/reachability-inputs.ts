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
 * - NetworkPolicies and Admin/BaselineAdminNetworkPolicies as read, all fields but where they
 *   were written (their rules, selectors, priorities, and whether the API would reject them);
 * - the cluster's policy mode and whether it is enforced.
 * Over-listing only costs a recomputation; leaving something out gives wrong answers, which
 * the service's differential test is there to catch.
 */
export function reachabilityInputs(cluster: Cluster): string {
  const parts: string[] = [];
  parts.push(JSON.stringify([cluster.config.policyMode, cluster.config.policyEnforced]));
  for (const n of cluster.nodes) parts.push(JSON.stringify(['node', n.name, n.ip, n.labels]));
  for (const ns of [...cluster.namespaces.values()]) parts.push(JSON.stringify(['ns', ns.name, ns.labels]));
  for (const p of cluster.pods) {
    parts.push(JSON.stringify(['pod', p.key, p.namespace, p.node, p.ip, p.hostNetwork, p.labels, p.ports.map((q) => [q.name, q.protocol, q.containerPort])]));
  }
  for (const p of cluster.policies) parts.push(JSON.stringify(p, withoutSource));
  for (const p of cluster.adminPolicies ?? []) parts.push(JSON.stringify(p, withoutSource));
  return parts.join('\n');
}

/** Where an object was written does not change what it allows (and a locator is not plain data). */
function withoutSource(key: string, value: unknown): unknown {
  return key === 'locator' ? undefined : value;
}
