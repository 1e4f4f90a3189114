import { Cluster, NamespaceInfo, PodInfo } from '../cluster/model';
import { matchesSelector } from '../cluster/labels';
import { Cidr, cidrContains, parseCidr } from '../common/ip';
import { FieldPath, Locator } from '../common/source';
import { LabelSelector, NetworkPolicyManifest, PolicyPeer, Protocol } from '../manifest/types';
import { ConnSet } from './connset';

/**
 * NetworkPolicy with the API's defaulting applied and its pieces pre-parsed, as both the
 * single-flow evaluator and the reachability engine read it.
 */

export type PeerSpec =
  | { kind: 'pods'; podSelector?: LabelSelector; namespaceSelector?: LabelSelector; path: FieldPath }
  | { kind: 'ipBlock'; cidr: Cidr; except: Cidr[]; path: FieldPath };

export interface PortSpec {
  protocol: Protocol;
  /** undefined: every port of the protocol. */
  port?: number | string;
  endPort?: number;
  path: FieldPath;
}

export interface RuleSpec {
  /** Position in the policy's ingress/egress list (0-based). */
  index: number;
  /** 'all': `from`/`to` missing or empty — every source or destination, inside or outside the cluster. */
  peers: PeerSpec[] | 'all';
  /** 'all': `ports` missing or empty — every port of every protocol. */
  ports: PortSpec[] | 'all';
  path: FieldPath;
}

export interface PolicyInfo {
  key: string;
  name: string;
  namespace: string;
  podSelector: LabelSelector;
  /** policyTypes after defaulting: Ingress unless only Egress is listed; Egress when listed or egress rules exist. */
  affectsIngress: boolean;
  affectsEgress: boolean;
  ingress: RuleSpec[];
  egress: RuleSpec[];
  locator: Locator;
  manifest: NetworkPolicyManifest;
}

/**
 * The policies in force. One the API server would reject (`invalid`: its errors are findings
 * already) is left out, as it would never exist in the cluster — dropping just its bad peers
 * could widen a rule to everyone.
 */
export function normalizePolicies(cluster: Cluster): PolicyInfo[] {
  return cluster.policies.filter((p) => !p.invalid).map(normalizedOnce);
}

/**
 * Per policy object, its normalised form: a document whose text did not change keeps its
 * manifest object across analyses (load.ts), so after an edit only the edited policies are
 * normalised again. The form is a function of the object alone and is never changed.
 */
const normalizedPolicies = new WeakMap<NetworkPolicyManifest, PolicyInfo>();

function normalizedOnce(p: NetworkPolicyManifest): PolicyInfo {
  let info = normalizedPolicies.get(p);
  if (!info) normalizedPolicies.set(p, (info = normalizePolicy(p)));
  return info;
}

/**
 * policyTypes defaulting as the API server does it (pkg/apis/networking/v1/defaults.go): an
 * empty or missing list means Ingress, plus Egress when the policy has at least one egress rule.
 */
export function normalizePolicy(p: NetworkPolicyManifest): PolicyInfo {
  const types = p.policyTypes && p.policyTypes.length > 0 ? p.policyTypes : ['Ingress', ...((p.egress?.length ?? 0) > 0 ? ['Egress'] : [])];
  const rules = (list: NetworkPolicyManifest['ingress']): RuleSpec[] =>
    (list ?? []).map((r, index) => ({
      index,
      path: r.path,
      peers: r.peers && r.peers.length > 0 ? r.peers.flatMap(peerSpec) : 'all',
      ports: r.ports && r.ports.length > 0 ? r.ports.map((x) => ({ protocol: x.protocol, ...(x.port !== undefined ? { port: x.port } : {}), ...(x.endPort !== undefined ? { endPort: x.endPort } : {}), path: x.path })) : 'all',
    }));
  return {
    key: `${p.meta.namespace}/${p.meta.name}`,
    name: p.meta.name,
    namespace: p.meta.namespace,
    podSelector: p.podSelector,
    affectsIngress: types.includes('Ingress'),
    affectsEgress: types.includes('Egress'),
    ingress: types.includes('Ingress') ? rules(p.ingress) : [],
    egress: types.includes('Egress') ? rules(p.egress) : [],
    locator: p.locator,
    manifest: p,
  };
}

function peerSpec(peer: PolicyPeer): PeerSpec[] {
  if (peer.ipBlock) {
    const c = parseCidr(peer.ipBlock.cidr, { allowHostBits: true });
    if (!c.ok) return [];
    const except = peer.ipBlock.except.flatMap((e) => {
      const x = parseCidr(e, { allowHostBits: true });
      return x.ok ? [x.value] : [];
    });
    return [{ kind: 'ipBlock', cidr: c.value, except, path: peer.path }];
  }
  return [{ kind: 'pods', ...(peer.podSelector ? { podSelector: peer.podSelector } : {}), ...(peer.namespaceSelector ? { namespaceSelector: peer.namespaceSelector } : {}), path: peer.path }];
}

/** Does a policy select a pod (its own namespace only; never a hostNetwork pod)? */
export function selectsPod(policy: PolicyInfo, pod: PodInfo): boolean {
  return !pod.hostNetwork && pod.namespace === policy.namespace && matchesSelector(pod.labels, policy.podSelector);
}

/** The other side of a connection as policy sees it: a pod, or just an address. */
export interface Peer {
  ip: string;
  /** A pod that is not hostNetwork (hostNetwork pods are seen as their node's IP). */
  pod?: PodInfo;
  namespace?: NamespaceInfo;
}

/**
 * Does a peer spec match? Pod and namespace selectors match pods only; an ipBlock matches
 * any address, pod IPs included (the upstream e2e suite expects it; CNIs differ — see README).
 */
export function peerMatches(spec: PeerSpec, policyNamespace: string, peer: Peer): boolean {
  if (spec.kind === 'ipBlock') return cidrContains(spec.cidr, peer.ip) && !spec.except.some((e) => cidrContains(e, peer.ip));
  if (!peer.pod || !peer.namespace) return false;
  if (spec.namespaceSelector) {
    if (!matchesSelector(peer.namespace.labels, spec.namespaceSelector)) return false;
  } else if (peer.pod.namespace !== policyNamespace) {
    return false;
  }
  return spec.podSelector ? matchesSelector(peer.pod.labels, spec.podSelector) : true;
}

/**
 * The ports a rule admits towards a destination. Named ports resolve against the destination
 * pod's container ports (name and protocol must both match); towards a non-pod they match nothing.
 */
export function rulePorts(rule: RuleSpec, destination: PodInfo | undefined): ConnSet {
  if (rule.ports === 'all') return ConnSet.ALL;
  let out = ConnSet.NONE;
  for (const p of rule.ports) out = out.union(portSpecConns(p, destination));
  return out;
}

export function portSpecConns(p: PortSpec, destination: PodInfo | undefined): ConnSet {
  if (p.port === undefined) return ConnSet.of(p.protocol);
  if (typeof p.port === 'number') return ConnSet.of(p.protocol, p.port, p.endPort ?? p.port);
  let out = ConnSet.NONE;
  for (const cp of destination?.ports ?? []) if (cp.name === p.port && cp.protocol === p.protocol) out = out.union(ConnSet.port(p.protocol, cp.containerPort));
  return out;
}
