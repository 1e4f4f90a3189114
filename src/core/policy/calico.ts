import { Cluster, PodInfo } from '../cluster/model';
import { Cidr, cidrContains, parseCidr } from '../common/ip';
import { Locator, SourceRange } from '../common/source';
import { CalicoAction, CalicoEntityRule, CalicoPolicyManifest, CalicoPort, CalicoSelectorText, Protocol } from '../manifest/types';
import { CalicoSelector, calicoMatches, formatCalicoSelector, parseCalicoSelector, requiredPairs } from './calico-selector';
import { ConnSet } from './connset';
import { Peer } from './model';
import type { PeerClass } from './reachability';

/**
 * Calico's own policies (projectcalico.org/v3 NetworkPolicy and GlobalNetworkPolicy) and its
 * tiers, as the Calico resource reference describes them (docs.tigera.io: "NetworkPolicy",
 * "GlobalNetworkPolicy", "Tier", and "Get started with policy tiers"):
 *
 * - Tiers are evaluated by `order`, smallest first. A tier in which no policy applies to the
 *   endpoint is skipped. Within a tier policies go by `order` (smallest first; no order = last;
 *   ties by name), rules in written order. Allow and Deny end evaluation; Pass jumps to the next
 *   tier; Log records and goes on to the next rule. A tier whose policies apply but take no
 *   action ends in its `defaultAction` (Deny unless set to Pass). After every tier the
 *   endpoint's profile allows.
 * - Kubernetes NetworkPolicies live in the `default` tier at order 1000 (Calico converts them
 *   to policies named `knp.default.<name>` with that order).
 * - AdminNetworkPolicies live in the `kube-admin` tier (formerly `adminnetworkpolicy`), order
 *   1,000, default action Pass; the BaselineAdminNetworkPolicy in `kube-baseline` (formerly
 *   `baselineadminnetworkpolicy`), order 10,000,000, Pass. The default tier's order is
 *   1,000,000, default Deny. So: ANP → tiers → default tier (with NetworkPolicy) → BANP.
 *   Source: projectcalico/calico api/pkg/apis/projectcalico/v3/tier.go (KubeAdminTierOrder,
 *   DefaultTierOrder, KubeBaselineTierOrder, and the CRD's XValidation rules "default tier order
 *   must be 1000000", "kube-admin tier order must be 1000", "kube-baseline tier order must be
 *   10000000", with default actions Pass, Deny, Pass); before the ANP/BANP tiers were renamed the
 *   same file held AdminNetworkPolicyTierOrder 1,000 and BaselineAdminNetworkPolicyTierOrder
 *   10,000,000 (libcalico-go/lib/names/policy.go: "adminnetworkpolicy", "baselineadminnetworkpolicy").
 * The order across tiers lives in pipeline.ts; this file holds one Calico policy's semantics.
 */

export const ADMIN_TIER_ORDER = 1_000;
export const DEFAULT_TIER_ORDER = 1_000_000;
export const BASELINE_TIER_ORDER = 10_000_000;
/** Calico's order for the policies it makes from Kubernetes NetworkPolicies (libcalico-go/lib/backend/k8s/conversion/conversion.go: "We insert all the NetworkPolicy Policies at order 1000.0"). */
export const K8S_POLICY_ORDER = 1000;

export interface CalicoEntity {
  selector?: CalicoSelector;
  notSelector?: CalicoSelector;
  namespaceSelector?: CalicoSelector;
  nets?: Cidr[];
  notNets?: Cidr[];
  ports?: CalicoPort[];
  notPorts?: CalicoPort[];
  /** Neither selector, namespaceSelector nor nets: every address. */
  anyPeer: boolean;
}

export interface CalicoRuleSpec {
  index: number;
  action: CalicoAction;
  /** Modelled protocols the rule can match (TCP, UDP, SCTP after protocol/notProtocol); empty: none. */
  protocols: Protocol[];
  /** The rule only matches IPv6 (never a modelled flow). */
  ipv6Only: boolean;
  source: CalicoEntity;
  destination: CalicoEntity;
  path: readonly (string | number)[];
}

export interface CalicoPolicyInfo {
  /** `GlobalNetworkPolicy/<name>` or `NetworkPolicy.projectcalico.org/<ns>/<name>`. */
  key: string;
  kind: 'CalicoNetworkPolicy' | 'GlobalNetworkPolicy';
  name: string;
  /** For a namespaced policy: its namespace (it applies there, and its rule selectors look there). */
  namespace?: string;
  tier: string;
  order?: number;
  selector: CalicoSelector;
  namespaceSelector?: CalicoSelector;
  affectsIngress: boolean;
  affectsEgress: boolean;
  ingress: CalicoRuleSpec[];
  egress: CalicoRuleSpec[];
  locator: Locator;
  manifest: CalicoPolicyManifest;
}

export interface CalicoTierInfo {
  name: string;
  order: number;
  defaultAction: 'Deny' | 'Pass';
  locator?: Locator;
  /** Its Calico policies in evaluation order. */
  policies: CalicoPolicyInfo[];
}

export interface CalicoPolicies {
  /** Tiers with policies or declared, by order then name (the default tier always present). */
  tiers: CalicoTierInfo[];
  all: CalicoPolicyInfo[];
  /** Policies naming a tier no Tier object declares (Calico refuses them): left out. */
  orphans: CalicoPolicyInfo[];
}

const memo = new WeakMap<Cluster, CalicoPolicies>();

export function calicoPoliciesOf(cluster: Cluster): CalicoPolicies {
  let m = memo.get(cluster);
  if (!m) {
    m = normalize(cluster);
    memo.set(cluster, m);
  }
  return m;
}

export function hasCalicoPolicies(cluster: Cluster): boolean {
  return calicoPoliciesOf(cluster).all.length > 0;
}

function compareOrder(a: { order?: number; name: string }, b: { order?: number; name: string }): number {
  const ao = a.order ?? Infinity;
  const bo = b.order ?? Infinity;
  if (ao !== bo) return ao < bo ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function normalize(cluster: Cluster): CalicoPolicies {
  const all = (cluster.calicoPolicies ?? []).filter((p) => !p.invalid).map(normalizePolicy).filter((p): p is CalicoPolicyInfo => !!p);
  const tiers = new Map<string, CalicoTierInfo>();
  tiers.set('default', { name: 'default', order: DEFAULT_TIER_ORDER, defaultAction: 'Deny', policies: [] });
  for (const t of cluster.calicoTiers ?? []) {
    if (t.meta.name === 'default') continue;
    tiers.set(t.meta.name, { name: t.meta.name, order: t.order ?? Infinity, defaultAction: t.defaultAction, locator: t.locator, policies: [] });
  }
  const orphans: CalicoPolicyInfo[] = [];
  for (const p of all) {
    const t = tiers.get(p.tier);
    if (t) t.policies.push(p);
    else orphans.push(p);
  }
  for (const t of tiers.values()) t.policies.sort(compareOrder);
  const sorted = [...tiers.values()].sort((a, b) => (a.order !== b.order ? (a.order < b.order ? -1 : 1) : a.name < b.name ? -1 : 1));
  return { tiers: sorted, all: all.filter((p) => !orphans.includes(p)), orphans };
}

function parsed(s: CalicoSelectorText | undefined): CalicoSelector | undefined {
  if (!s) return undefined;
  const r = parseCalicoSelector(s.text);
  return r.ok ? r.selector : undefined;
}

function cidrs(list: string[] | undefined): Cidr[] | undefined {
  if (!list) return undefined;
  return list.flatMap((t) => {
    const c = parseCidr(t, { allowHostBits: true });
    return c.ok ? [c.value] : [];
  });
}

function entity(e: CalicoEntityRule): CalicoEntity {
  const out: CalicoEntity = { anyPeer: !e.selector && !e.notSelector && !e.namespaceSelector && !e.nets };
  const sel = parsed(e.selector);
  if (sel) out.selector = sel;
  const notSel = parsed(e.notSelector);
  if (notSel) out.notSelector = notSel;
  const ns = parsed(e.namespaceSelector);
  if (ns) out.namespaceSelector = ns;
  const nets = cidrs(e.nets);
  if (nets) out.nets = nets;
  const notNets = cidrs(e.notNets);
  if (notNets) out.notNets = notNets;
  if (e.ports) out.ports = e.ports;
  if (e.notPorts) out.notPorts = e.notPorts;
  out.anyPeer = !out.selector && !out.namespaceSelector && !out.nets;
  return out;
}

const MODELLED: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

function normalizePolicy(p: CalicoPolicyManifest): CalicoPolicyInfo | undefined {
  const selector = parsed(p.selector);
  if (!selector) return undefined;
  const rules = (list: CalicoPolicyManifest['ingress']): CalicoRuleSpec[] => list.map((r, index) => {
    let protocols: Protocol[] = r.protocol ? MODELLED.filter((x) => x === r.protocol) : [...MODELLED];
    if (r.notProtocol) protocols = protocols.filter((x) => x !== r.notProtocol);
    return { index, action: r.action, protocols, ipv6Only: r.ipVersion === 6, source: entity(r.source), destination: entity(r.destination), path: r.path };
  });
  const global = p.kind === 'GlobalNetworkPolicy';
  const nsSel = parsed(p.namespaceSelector);
  return {
    key: global ? `GlobalNetworkPolicy/${p.meta.name}` : `NetworkPolicy.projectcalico.org/${p.meta.namespace}/${p.meta.name}`,
    kind: p.kind,
    name: p.meta.name,
    ...(global ? {} : { namespace: p.meta.namespace }),
    tier: p.tier,
    ...(p.order !== undefined ? { order: p.order } : {}),
    selector,
    ...(nsSel ? { namespaceSelector: nsSel } : {}),
    affectsIngress: p.types.includes('Ingress'),
    affectsEgress: p.types.includes('Egress'),
    ingress: p.types.includes('Ingress') ? rules(p.ingress) : [],
    egress: p.types.includes('Egress') ? rules(p.egress) : [],
    locator: p.locator,
    manifest: p,
  };
}

/**
 * The labels Calico gives a pod's workload endpoint: its own, plus
 * `projectcalico.org/namespace` and `projectcalico.org/orchestrator: k8s` (Calico's Kubernetes
 * conversion); a namespace gains `projectcalico.org/name`.
 */
export function endpointLabels(pod: PodInfo): Record<string, string> {
  return { ...pod.labels, ...addedEndpointLabels(pod) };
}

/** The labels Calico adds to a pod's own for its workload endpoint (they win over the pod's). */
export function addedEndpointLabels(pod: PodInfo): Record<string, string> {
  return { 'projectcalico.org/namespace': pod.namespace, 'projectcalico.org/orchestrator': 'k8s' };
}

/**
 * Classes by the label pairs of their workload endpoints (the pod's labels and those Calico
 * adds), so a Calico selector is tested only on the classes carrying its rarest required pair.
 */
export class EndpointPairIndex {
  private readonly byPair = new Map<string, Map<string, PeerClass[]>>();

  constructor(classes: readonly PeerClass[]) {
    for (const c of classes) {
      // endpointLabels, without making the merged object.
      const added = addedEndpointLabels(c.representative);
      const labels = c.representative.labels;
      for (const k in labels) if (!(k in added)) this.file(k, labels[k], c);
      for (const k in added) this.file(k, added[k], c);
    }
  }

  /** Of `among` (filed here, in their order), a superset of those `selector` matches: the classes with its rarest required pair when fewer. */
  candidates(selector: CalicoSelector, among: readonly PeerClass[]): readonly PeerClass[] {
    let best = among;
    for (const [k, v] of requiredPairs(selector)) {
      const l = this.byPair.get(k)?.get(v) ?? [];
      if (l.length < best.length) best = l;
    }
    return best;
  }

  private file(k: string, v: string, c: PeerClass): void {
    let byValue = this.byPair.get(k);
    if (!byValue) this.byPair.set(k, (byValue = new Map()));
    const l = byValue.get(v);
    if (l) l.push(c);
    else byValue.set(v, [c]);
  }
}

const endpointMemo = new WeakMap<PodInfo, Record<string, string>>();
function labelsOf(pod: PodInfo): Record<string, string> {
  let l = endpointMemo.get(pod);
  if (!l) {
    l = endpointLabels(pod);
    endpointMemo.set(pod, l);
  }
  return l;
}

const namespaceMemo = new WeakMap<Cluster, Map<string, Readonly<Record<string, string>>>>();
/** A namespace's labels as Calico selectors see them (made once per cluster and namespace: rules test them class by class). */
export function namespaceLabelsOf(cluster: Cluster, ns: string): Readonly<Record<string, string>> {
  let byName = namespaceMemo.get(cluster);
  if (!byName) namespaceMemo.set(cluster, (byName = new Map()));
  let l = byName.get(ns);
  if (!l) byName.set(ns, (l = { ...(cluster.namespaces.get(ns)?.labels ?? { 'kubernetes.io/metadata.name': ns }), 'projectcalico.org/name': ns }));
  return l;
}

/**
 * Traffic from the node a pod runs on into that pod, on Calico: Felix never polices it with the
 * pod's ingress policy, whatever tier holds it (projectcalico/calico felix/rules/static.go,
 * filterOutputChain: "We don't currently police host -> endpoint according to the endpoint's
 * ingress policy" — a packet the host sends to a workload interface returns from OUTPUT before
 * any endpoint chain). The other way, pod → its node, is policed by the pod's egress chain.
 */
export function hostToLocalWorkload(cluster: Cluster, direction: 'ingress' | 'egress', pod: PodInfo, peerIP: string): boolean {
  return direction === 'ingress' && cluster.config.plugin === 'calico' && cluster.nodesByName.get(pod.node)?.ip === peerIP;
}

/** Does the policy apply to the pod in this direction? Host-networked pods have no workload endpoint. */
export function calicoApplies(cluster: Cluster, p: CalicoPolicyInfo, direction: 'ingress' | 'egress', pod: PodInfo): boolean {
  if (direction === 'ingress' ? !p.affectsIngress : !p.affectsEgress) return false;
  return calicoSelects(cluster, p, pod);
}

/** Does the policy's selector (and namespace) take in the pod, whatever the direction? */
export function calicoSelects(cluster: Cluster, p: CalicoPolicyInfo, pod: PodInfo): boolean {
  if (pod.hostNetwork) return false;
  if (p.namespace !== undefined && pod.namespace !== p.namespace) return false;
  if (p.namespaceSelector && !calicoMatches(p.namespaceSelector, namespaceLabelsOf(cluster, pod.namespace))) return false;
  return calicoMatches(p.selector, labelsOf(pod));
}

/**
 * Does an entity (source or destination) match an endpoint or address? A selector or
 * namespaceSelector matches workload endpoints only; in a namespaced policy a selector without
 * namespaceSelector looks in the policy's own namespace (the reference: "If namespaceSelector
 * is not specified, selectors match endpoints in the policy's namespace"); nets match any address.
 * `ip` may be an IPv4 address already as a number (as cidrContains takes it).
 */
export function entityMatches(cluster: Cluster, p: CalicoPolicyInfo, e: CalicoEntity, pod: PodInfo | undefined, ip: string | number): boolean {
  if (e.nets && !e.nets.some((c) => cidrContains(c, ip))) return false;
  if (e.notNets && e.notNets.some((c) => cidrContains(c, ip))) return false;
  const endpoint = pod && !pod.hostNetwork ? pod : undefined;
  if (e.selector || e.namespaceSelector) {
    if (!endpoint) return false;
    if (e.namespaceSelector) {
      if (!calicoMatches(e.namespaceSelector, namespaceLabelsOf(cluster, endpoint.namespace))) return false;
    } else if (p.namespace !== undefined && endpoint.namespace !== p.namespace) return false;
    if (e.selector && !calicoMatches(e.selector, labelsOf(endpoint))) return false;
  }
  if (e.notSelector && endpoint) {
    const scoped = e.namespaceSelector || p.namespace === undefined || endpoint.namespace === p.namespace;
    if (scoped && calicoMatches(e.notSelector, labelsOf(endpoint))) return false;
  }
  return true;
}

/** The ports an entity's `ports`/`notPorts` admit on the rule's protocols, resolving named ports on the destination pod. */
export function calicoRulePorts(rule: CalicoRuleSpec, destination: PodInfo | undefined): ConnSet {
  if (rule.ipv6Only || rule.protocols.length === 0) return ConnSet.NONE;
  let base = ConnSet.NONE;
  for (const proto of rule.protocols) base = base.union(ConnSet.of(proto));
  const d = rule.destination;
  const portSet = (list: CalicoPort[]): ConnSet => {
    let out = ConnSet.NONE;
    for (const proto of rule.protocols) {
      for (const p of list) {
        if (p.name !== undefined) {
          for (const cp of destination?.ports ?? []) if (cp.name === p.name && cp.protocol === proto) out = out.union(ConnSet.port(proto, cp.containerPort));
        } else if (p.port !== undefined) out = out.union(ConnSet.of(proto, p.port, p.endPort ?? p.port));
      }
    }
    return out;
  };
  if (d.ports) base = base.intersect(portSet(d.ports));
  if (d.notPorts) base = base.intersect(portSet(d.notPorts).complement());
  return base;
}

/** Does a rule hold for the local endpoint (ingress: its destination side; egress: its source side)? */
export function localSideMatches(cluster: Cluster, p: CalicoPolicyInfo, rule: CalicoRuleSpec, direction: 'ingress' | 'egress', pod: PodInfo): boolean {
  const local = direction === 'ingress' ? rule.destination : rule.source;
  // entityMatches reads the sides' fields, never anyPeer: the entity as it is (no copy per call).
  return entityMatches(cluster, p, local, pod, pod.ip);
}

export function remoteSide(rule: CalicoRuleSpec, direction: 'ingress' | 'egress'): CalicoEntity {
  return direction === 'ingress' ? rule.source : rule.destination;
}

/** The connections a rule matches between the pod and a peer (empty when its sides do not match). */
export function calicoRuleConns(cluster: Cluster, p: CalicoPolicyInfo, rule: CalicoRuleSpec, direction: 'ingress' | 'egress', pod: PodInfo, peer: Peer): ConnSet {
  if (!localSideMatches(cluster, p, rule, direction, pod)) return ConnSet.NONE;
  if (!entityMatches(cluster, p, remoteSide(rule, direction), peer.pod, peer.ip)) return ConnSet.NONE;
  return calicoRulePorts(rule, direction === 'ingress' ? pod : peer.pod);
}

export function calicoRulesOf(p: CalicoPolicyInfo, direction: 'ingress' | 'egress'): CalicoRuleSpec[] {
  return direction === 'ingress' ? p.ingress : p.egress;
}

/** `GlobalNetworkPolicy/deny-all ingress[2]` */
export function calicoRuleLabel(p: CalicoPolicyInfo, direction: 'ingress' | 'egress', rule: CalicoRuleSpec): string {
  return `${p.key} ${direction}[${rule.index}]`;
}

export function calicoRuleSource(p: CalicoPolicyInfo, rule: CalicoRuleSpec): SourceRange {
  return p.locator.at(rule.path);
}

function describeEntity(e: CalicoEntity): string {
  const parts: string[] = [];
  if (e.namespaceSelector) parts.push(`namespaces ${formatCalicoSelector(e.namespaceSelector)}`);
  if (e.selector) parts.push(`endpoints ${formatCalicoSelector(e.selector)}`);
  if (e.notSelector) parts.push(`not ${formatCalicoSelector(e.notSelector)}`);
  if (e.nets) parts.push(`nets ${e.nets.map((c) => c.text).join(',')}`);
  if (e.notNets) parts.push(`not nets ${e.notNets.map((c) => c.text).join(',')}`);
  return parts.join(' AND ') || 'anything';
}

export function describeCalicoRule(rule: CalicoRuleSpec, direction: 'ingress' | 'egress'): string {
  const remote = remoteSide(rule, direction);
  const ports = rule.destination.ports ? ` ports ${rule.destination.ports.map((p) => p.name ?? (p.endPort ? `${p.port}:${p.endPort}` : `${p.port}`)).join(',')}` : '';
  const proto = rule.protocols.length === 3 ? '' : ` ${rule.protocols.join('/') || 'no modelled protocol'}`;
  return `${direction === 'ingress' ? 'from' : 'to'} ${describeEntity(remote)}${proto}${ports}`;
}
