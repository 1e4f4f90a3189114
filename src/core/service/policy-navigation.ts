import { Cluster, NodeInfo, PodInfo } from '../cluster/model';
import { cidrContains } from '../common/ip';
import { matchesSelector } from '../cluster/labels';
import { FieldPath, SourcePosition, SourceRange } from '../common/source';
import { AdminPeerSpec, AdminPolicyInfo, adminPeerMatches, adminPoliciesOf, subjectSelects } from '../policy/anp';
import { CalicoEntity, CalicoPolicyInfo, calicoPoliciesOf, endpointLabels, entityMatches, namespaceLabelsOf } from '../policy/calico';
import { CalicoSelector, calicoMatches } from '../policy/calico-selector';
import { ObjectAt, fieldRange, podRange, within } from './objects';

/**
 * Go to Definition and Find References for the selectors of AdminNetworkPolicy,
 * BaselineAdminNetworkPolicy and Calico's NetworkPolicy / GlobalNetworkPolicy, with each API's
 * own matching rules (anp.ts, calico.ts): a selector leads to the pods it selects, a
 * namespace selector inside a pods selector to the Namespace objects it matches (as a
 * NetworkPolicy peer's does), an egress `nodes` peer to the nodes it selects and a `networks`
 * peer to the pods and nodes whose addresses its CIDRs hold. A policy the API server would refuse (a selector with a syntax
 * error, say) is not in the cluster: its selectors lead nowhere.
 */

/** Pods as the admin APIs and Calico see them: host-networked pods are never subjects or peers. */
function podRanges(pods: PodInfo[]): SourceRange[] {
  return pods.filter((p) => !p.hostNetwork).map(podRange);
}

/** A node's entry: its item in a Cluster document's node list, or its Node object. */
function nodeRanges(nodes: NodeInfo[]): SourceRange[] {
  return nodes.map((n) => (n.path.length ? fieldRange(n.locator, n.path) ?? n.locator.range : n.locator.range));
}

function namespaceRanges(cluster: Cluster, matches: (labels: Record<string, string>, name: string) => boolean): SourceRange[] {
  return [...cluster.namespaces.values()].filter((n) => n.locator && matches(n.labels, n.name)).map((n) => n.locator!.range);
}

function adminPolicyFor(cluster: Cluster, o: ObjectAt): AdminPolicyInfo | undefined {
  const admin = adminPoliciesOf(cluster);
  return [...admin.anps, ...(admin.banp ? [admin.banp] : [])].find((p) => p.key === o.key && p.locator.file === o.locator.file);
}

function calicoPolicyFor(cluster: Cluster, o: ObjectAt): CalicoPolicyInfo | undefined {
  const c = calicoPoliciesOf(cluster);
  // A policy in a tier no Tier object declares is still written here: navigate it too.
  return [...c.all, ...c.orphans].find((p) => p.key === o.key && p.locator.file === o.locator.file);
}

/** Definition from inside an AdminNetworkPolicy or BaselineAdminNetworkPolicy. */
export function adminSelectorTargets(cluster: Cluster, o: ObjectAt, p: SourcePosition): SourceRange[] | undefined {
  const pol = adminPolicyFor(cluster, o);
  if (!pol) return undefined;
  const subject = pol.subject;
  if (within(pol.locator, subject.path, p)) {
    if (subject.pods && within(pol.locator, [...subject.path, 'pods', 'namespaceSelector'], p)) {
      return namespaceRanges(cluster, (labels) => matchesSelector(labels, subject.pods!.namespaceSelector));
    }
    return podRanges(cluster.pods.filter((x) => subjectSelects(cluster, pol, x)));
  }
  for (const rule of [...pol.ingress, ...pol.egress]) {
    for (const peer of rule.peers) {
      if (!within(pol.locator, peer.path, p)) continue;
      if (peer.kind === 'pods' && within(pol.locator, [...peer.path, 'pods', 'namespaceSelector'], p)) {
        return namespaceRanges(cluster, (labels) => matchesSelector(labels, peer.namespaceSelector));
      }
      if (peer.kind === 'nodes') return nodeRanges(cluster.nodes.filter((n) => matchesSelector(n.labels, peer.nodes)));
      if (peer.kind === 'networks') {
        // Addresses, not objects: whatever the CIDRs hold that the manifests name — pods, then nodes.
        const inside = (ip: string) => peer.cidrs.some((c) => cidrContains(c, ip));
        return [...podRanges(cluster.pods.filter((x) => inside(x.ip))), ...nodeRanges(cluster.nodes.filter((n) => inside(n.ip)))];
      }
      return podRanges(cluster.pods.filter((x) => adminPeerMatches(cluster, peer, { ip: x.ip, pod: x })));
    }
  }
  return undefined;
}

/** The pods a Calico policy's own `selector` picks: its namespace (or namespaceSelector) and the selector, either direction. */
function calicoSelects(cluster: Cluster, pol: CalicoPolicyInfo, pod: PodInfo): boolean {
  if (pod.hostNetwork) return false;
  if (pol.namespace !== undefined && pod.namespace !== pol.namespace) return false;
  if (pol.namespaceSelector && !calicoMatches(pol.namespaceSelector, namespaceLabelsOf(cluster, pod.namespace))) return false;
  return calicoMatches(pol.selector, endpointLabels(pod));
}

/** A source or destination that names endpoints (a selector, namespace selector or nets): the others match every address. */
function namesEndpoints(e: CalicoEntity): boolean {
  return !!(e.selector || e.notSelector || e.namespaceSelector || e.nets || e.notNets);
}

function calicoNamespaces(cluster: Cluster, sel: CalicoSelector): SourceRange[] {
  return namespaceRanges(cluster, (_, name) => calicoMatches(sel, namespaceLabelsOf(cluster, name)));
}

/** Definition from inside a Calico NetworkPolicy or GlobalNetworkPolicy. */
export function calicoSelectorTargets(cluster: Cluster, o: ObjectAt, p: SourcePosition): SourceRange[] | undefined {
  const pol = calicoPolicyFor(cluster, o);
  if (!pol) return undefined;
  const m = pol.manifest;
  if (within(pol.locator, m.selector.path, p)) return podRanges(cluster.pods.filter((x) => calicoSelects(cluster, pol, x)));
  if (m.namespaceSelector && pol.namespaceSelector && within(pol.locator, m.namespaceSelector.path, p)) return calicoNamespaces(cluster, pol.namespaceSelector);
  for (const rule of [...pol.ingress, ...pol.egress]) {
    for (const side of ['source', 'destination'] as const) {
      const sidePath: FieldPath = [...rule.path, side];
      if (!within(pol.locator, sidePath, p)) continue;
      const e = rule[side];
      if (e.namespaceSelector && within(pol.locator, [...sidePath, 'namespaceSelector'], p)) return calicoNamespaces(cluster, e.namespaceSelector);
      if (!namesEndpoints(e)) return undefined;
      return podRanges(cluster.pods.filter((x) => entityMatches(cluster, pol, e, x, x.ip)));
    }
  }
  return undefined;
}

/** Find All References on a pod: the admin and Calico selectors that match it. */
export function policySelectorsMatching(cluster: Cluster, pod: PodInfo): SourceRange[] {
  if (pod.hostNetwork) return [];
  const out: SourceRange[] = [];
  const at = (pol: { locator: AdminPolicyInfo['locator'] }, path: FieldPath) => fieldRange(pol.locator, path) ?? pol.locator.range;
  const admin = adminPoliciesOf(cluster);
  for (const pol of [...admin.anps, ...(admin.banp ? [admin.banp] : [])]) {
    if (subjectSelects(cluster, pol, pod)) out.push(at(pol, pol.subject.path));
    for (const rule of [...pol.ingress, ...pol.egress]) {
      for (const peer of rule.peers as AdminPeerSpec[]) {
        if (peer.kind !== 'nodes' && adminPeerMatches(cluster, peer, { ip: pod.ip, pod })) out.push(at(pol, peer.path));
      }
    }
  }
  const calico = calicoPoliciesOf(cluster);
  for (const pol of [...calico.all, ...calico.orphans]) {
    if (calicoSelects(cluster, pol, pod)) out.push(at(pol, pol.manifest.selector.path));
    for (const rule of [...pol.ingress, ...pol.egress]) {
      for (const side of ['source', 'destination'] as const) {
        const e = rule[side];
        if (!e.selector && !e.namespaceSelector && !e.notSelector) continue;
        if (entityMatches(cluster, pol, e, pod, pod.ip)) out.push(at(pol, [...rule.path, side]));
      }
    }
  }
  return out;
}
