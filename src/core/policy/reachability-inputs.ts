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

/**
 * Which of two clusters' `reachabilityInputs` differ, without writing either out: lists item by
 * item, an item that is the very same object in both (a build keeps the pods, nodes and policy
 * objects an edit did not reach) taken as equal, any other pair compared by the text
 * `reachabilityInputs` writes for it. Stricter than comparing the two strings only where a list
 * changes length (the strings could then still meet by chance): it may say "changed" for equal
 * inputs, never "nothing" for different ones. 'pods' and 'policies' (NetworkPolicies) say that
 * only those differ; 'more' anything else. Each part is compared once.
 */
export function reachabilityInputsChanged(a: Cluster, b: Cluster): 'nothing' | 'pods' | 'policies' | 'more' {
  if (a === b) return 'nothing';
  if (!sameSetting(a, b) || !sameOtherPolicies(a, b)) return 'more';
  const pods = samePods(a, b);
  const policies = sameNetworkPolicies(a, b);
  return pods && policies ? 'nothing' : pods ? 'policies' : policies ? 'pods' : 'more';
}

/** Whether two clusters have the same `reachabilityInputs` (compared as `reachabilityInputsChanged` does). */
export function sameReachabilityInputs(a: Cluster, b: Cluster): boolean {
  return reachabilityInputsChanged(a, b) === 'nothing';
}

/** Whether two clusters have the same `reachabilityInputs` but for their pods. */
export function sameInputsButPods(a: Cluster, b: Cluster): boolean {
  const changed = reachabilityInputsChanged(a, b);
  return changed === 'nothing' || changed === 'pods';
}

/** Whether two clusters have the same `reachabilityInputs` but for their NetworkPolicies. */
export function sameInputsButPolicies(a: Cluster, b: Cluster): boolean {
  const changed = reachabilityInputsChanged(a, b);
  return changed === 'nothing' || changed === 'policies';
}

function samePods(a: Cluster, b: Cluster): boolean {
  const podText = (p: Cluster['pods'][number]) => JSON.stringify(['pod', p.key, p.namespace, p.node, p.ip, p.ip6, p.hostNetwork, p.labels, p.ports.map((q) => [q.name, q.protocol, q.containerPort])]);
  return sameList(a.pods, b.pods, podText);
}

/** The configuration, nodes and namespaces. */
function sameSetting(a: Cluster, b: Cluster): boolean {
  const ca = a.config, cb = b.config;
  if (ca.policyMode !== cb.policyMode || ca.policyEnforced !== cb.policyEnforced || ca.plugin !== cb.plugin || JSON.stringify(ca.ipFamilies) !== JSON.stringify(cb.ipFamilies)) return false;
  if (!sameList(a.nodes, b.nodes, (n) => JSON.stringify(['node', n.name, n.ip, n.ip6, n.labels]))) return false;
  const nsText = (ns: { name: string; labels: Record<string, string> }) => JSON.stringify(['ns', ns.name, ns.labels]);
  return sameList([...a.namespaces.values()], [...b.namespaces.values()], nsText, false);
}

const policyText = (p: unknown) => JSON.stringify(p, withoutSource);

function sameNetworkPolicies(a: Cluster, b: Cluster): boolean {
  return sameList(a.policies, b.policies, policyText);
}

/** Admin and Calico policies and tiers. */
function sameOtherPolicies(a: Cluster, b: Cluster): boolean {
  return sameList(a.adminPolicies ?? [], b.adminPolicies ?? [], policyText)
    && sameList(a.calicoPolicies ?? [], b.calicoPolicies ?? [], policyText)
    && sameList(a.calicoTiers ?? [], b.calicoTiers ?? [], policyText);
}

/** Same length, and each pair the same object (when `byIdentity`) or written alike. */
function sameList<T>(a: readonly T[], b: readonly T[], text: (item: T) => string, byIdentity = true): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (byIdentity && a[i] === b[i]) continue;
    if (text(a[i]) !== text(b[i])) return false;
  }
  return true;
}
