import { Cluster, PodInfo, podBlocksOf } from '../cluster/model';
import { LabelSelector } from '../manifest/types';
import { matchesMap, matchesSelector } from '../cluster/labels';
import { Finding, finding } from '../common/finding';
import { Cidr, cidrContains, cidrsOverlap } from '../common/ip';
import { sameL2 } from '../dataplane/underlay';
import { policiesInNamespace, policiesOf } from '../policy/evaluate';
import { adminPolicyFindings } from '../policy/admin-findings';
import { calicoPolicyFindings } from '../policy/calico-findings';
import { PolicyInfo, selectsPod } from '../policy/model';
import { resolveTargetPort } from '../cluster/services';
import { LintDependencies, LintMemo } from './lint-memo';
import { declaredPortNames } from '../cluster/port-names';
import { PodLabelIndex } from '../cluster/pod-label-index';

export { LintMemo } from './lint-memo';

/**
 * Lint rules over the built cluster: configurations that are valid YAML and valid API objects
 * but do not do what their author most likely meant. Each finding points at the field to fix.
 */
export function lintCluster(cluster: Cluster, memo?: LintMemo): Finding[] {
  // A cluster whose parts the rules read are all the objects of the last run gets its findings.
  const inputs = memo ? lintInputs(cluster) : undefined;
  const same = memo?.sameRun(inputs!);
  if (same) return [...same];
  const out: Finding[] = [];
  const deps = memo ? memo.begin(cluster) : undefined;
  const byNamespace = deps ? deps.byNamespace : podsByNamespace(cluster);
  const index = new PodLabelIndex(byNamespace);
  lintServices(cluster, index, out, deps);
  lintPolicies(cluster, byNamespace, index, out, deps);
  memo?.end();
  out.push(...policyApiFindings(cluster, memo));
  lintUnderlay(cluster, out);
  lintIpBlocksOnAssumedPodIPs(cluster, out);
  memo?.ran(inputs!, out);
  return out;
}

/**
 * AdminNetworkPolicy and Calico findings (their rules checked for shadowing visit pairs of pod
 * classes: the dearest part of the lint). They read the pods, nodes, namespaces, the
 * configuration and those policies — not Services or NetworkPolicies — so an edit of those keeps them.
 */
function policyApiFindings(cluster: Cluster, memo: LintMemo | undefined): Finding[] {
  const compute = () => [...adminPolicyFindings(cluster), ...calicoPolicyFindings(cluster)];
  if (!memo) return compute();
  const namespaces: unknown[] = [];
  for (const n of cluster.namespaces.values()) namespaces.push(n.name, JSON.stringify(n.labels));
  const inputs = [cluster.config, cluster.nodes, cluster.pods, '|', ...(cluster.adminPolicies ?? []), '|', ...(cluster.calicoPolicies ?? []), '|', ...(cluster.calicoTiers ?? []), '|', ...namespaces];
  return memo.part('policy APIs', inputs, compute);
}

/**
 * Everything the rules (these and the policy findings they call) read of a cluster: the lookup
 * maps follow the pods and nodes, policiesOf the policy lists and the configuration.
 */
function lintInputs(cluster: Cluster): unknown[] {
  const namespaces: unknown[] = [];
  for (const n of cluster.namespaces.values()) namespaces.push(n.name, JSON.stringify(n.labels), n.locator);
  return [
    cluster.config, cluster.nodes, cluster.pods, cluster.services, '|', ...cluster.policies, '|', ...(cluster.adminPolicies ?? []), '|',
    ...(cluster.calicoPolicies ?? []), '|', ...(cluster.calicoTiers ?? []), '|', ...namespaces,
  ];
}

/**
 * Whether the cluster was described by a Cluster document of the workspace. Without one the
 * cluster comes from PodPath's default or the editor's `podpath.defaultCluster.*` settings, both
 * read from pseudo-files whose names are in angle brackets (`<default cluster>`).
 */
export function hasClusterDocument(cluster: Cluster): boolean {
  return !cluster.config.isDefault && !cluster.config.locator.file.startsWith('<');
}

/** The one notice of a workspace whose policies are not enforced and that describes no cluster. */
function noClusterMessage(cluster: Cluster, policies: number): string {
  const what = policies === 1 ? 'its NetworkPolicy has' : `its ${policies} NetworkPolicies have`;
  const cni = cluster.config.cniInferred ? `the CNI the manifests show (${cluster.config.cniInferred})` : 'the default CNI';
  const why = cluster.config.policyMode === 'ignored' ? 'networkPolicy is ignored' : `${cni}, ${cluster.config.plugin}, does not enforce NetworkPolicy`;
  return `No Cluster document in the workspace: ${why}, so ${what} no effect. Add a Cluster document naming your CNI, or set podpath.defaultCluster.networkPolicy to "enforced" if policies are enforced`;
}

/** Pods per namespace: selectors only ever look inside one namespace, so rules scan only it. */
function podsByNamespace(cluster: Cluster): Map<string, PodInfo[]> {
  return podsByNamespaceOf(cluster.pods);
}

function podsByNamespaceOf(pods: readonly PodInfo[]): Map<string, PodInfo[]> {
  const m = new Map<string, PodInfo[]>();
  for (const p of pods) {
    const list = m.get(p.namespace);
    if (list) list.push(p);
    else m.set(p.namespace, [p]);
  }
  return m;
}

function lintServices(cluster: Cluster, index: PodLabelIndex, out: Finding[], deps?: LintDependencies): void {
  for (const s of cluster.services) {
    if (!s.selector || s.explicitEndpoints || s.type === 'ExternalName') continue;
    // A Service's findings read the Service and the pods of its namespace, nothing else.
    const selector = s.selector;
    const picks = (p: PodInfo) => matchesMap(p.labels, selector);
    if (deps) {
      // Read from the manifest alone (the ServiceInfo may be rebuilt for other endpoints).
      out.push(...deps.tracked(s.manifest, () => {
        const selected = deps.selection(`service ${deps.id(s.manifest)}`, s.namespace, picks, () => index.candidates(s.namespace, selector));
        return deps.unit(`service ${s.key}`, `${deps.id(s.manifest)}|${selected.version}`, (o) => lintService(s, selected.pods, o));
      }));
    } else {
      lintService(s, index.candidates(s.namespace, selector).filter(picks), out);
    }
  }
}

/** One Service's findings, from the pods its selector picks in its namespace. */
function lintService(s: Cluster['services'][number], pods: readonly PodInfo[], out: Finding[]): void {
  const selector = s.selector ?? {};
  if (pods.length === 0) {
    out.push(finding('service-selects-nothing', 'warning', `Service ${s.key}: the selector ${fmt(selector)} matches no pod in namespace ${s.namespace}, so it has no endpoints and connections are rejected`, s.locator.at(['spec', 'selector'])));
    return;
  }
  for (const p of s.ports) {
    if (typeof p.targetPort !== 'string') continue;
    const missing = pods.filter((pod) => resolveTargetPort(pod, p.targetPort, p.protocol) === undefined);
    if (missing.length) {
      out.push(finding('target-port-unresolved', missing.length === pods.length ? 'error' : 'warning', `Service ${s.key}: targetPort "${p.targetPort}" is not a ${p.protocol} container port of ${missing.length === pods.length ? 'any selected pod' : `${missing.length} of ${pods.length} selected pods (${missing.slice(0, 3).map((x) => x.key).join(', ')})`}`, s.locator.at(['spec', 'ports', p.index, 'targetPort'])));
    }
  }
}

/**
 * A peer's podSelector as text, for the name of its selection: written once per selector object
 * (a policy kept across analyses keeps its selectors, see policy/model.ts normalizePolicies).
 */
const selectorTexts = new WeakMap<LabelSelector, string>();

function selectorText(podSelector: LabelSelector | undefined): string {
  if (!podSelector) return 'null';
  let text = selectorTexts.get(podSelector);
  if (text === undefined) selectorTexts.set(podSelector, (text = JSON.stringify(podSelector)));
  return text;
}

function lintPolicies(cluster: Cluster, byNamespace: Map<string, PodInfo[]>, index: PodLabelIndex, out: Finding[], deps?: LintDependencies): void {
  for (const p of cluster.policies.filter((x) => x.invalid)) {
    out.push(finding('policy-rejected', 'warning', `NetworkPolicy ${p.meta.namespace}/${p.meta.name} has errors the API server rejects, so it would not exist: PodPath leaves it out of the analysis`, p.locator.at(['metadata', 'name'])));
  }
  const policies = policiesOf(cluster);
  if (policies.length > 0 && !cluster.config.policyEnforced) {
    const why = cluster.config.policyMode === 'ignored' ? 'networkPolicy: ignored' : `${cluster.config.plugin} does not enforce NetworkPolicy`;
    if (hasClusterDocument(cluster)) {
      for (const p of policies) out.push(finding('policy-not-enforced', 'warning', `NetworkPolicy ${p.key} has no effect: ${why} (set networkPolicy: enforced in the Cluster document if a policy controller runs beside it)`, p.locator.at(['metadata', 'name'])));
    } else {
      // The user never chose a CNI: one notice for the workspace, not one per policy.
      out.push(finding('no-cluster-document', 'warning', noClusterMessage(cluster, policies.length), policies[0].locator.at(['metadata', 'name'])));
    }
  }
  // The pods each policy selects: its namespace's pods matched once, kept while both are unchanged.
  const selections = new Map<PolicyInfo, PodInfo[]>();
  const selectedBy = (p: PolicyInfo): PodInfo[] => {
    const picks = (pod: PodInfo) => selectsPod(p, pod);
    const candidates = () => index.candidates(p.namespace, p.podSelector);
    if (deps) return deps.selection(`policy ${deps.id(p.manifest)}`, p.namespace, picks, candidates).pods as PodInfo[];
    let selected = selections.get(p);
    if (!selected) selections.set(p, (selected = candidates().filter(picks)));
    return selected;
  };
  const selectionVersion = (p: PolicyInfo) => (deps ? deps.selection(`policy ${deps.id(p.manifest)}`, p.namespace, (pod) => selectsPod(p, pod), () => index.candidates(p.namespace, p.podSelector)).version : 0);
  // Whether any pod (not hostNetwork) of a namespace matches a peer's podSelector.
  const peerPicks = (namespace: string, podSelector: PeerPodSelector): boolean => {
    const picks = (pod: PodInfo) => !pod.hostNetwork && (!podSelector || matchesSelector(pod.labels, podSelector));
    const candidates = () => index.candidates(namespace, podSelector);
    return deps ? deps.selection(`peer ${namespace}\u0000${selectorText(podSelector)}`, namespace, picks, candidates).pods.length > 0 : candidates().some(picks);
  };
  // Per namespace: the egress policies selecting each pod (by pod key), made when first asked.
  const sharingByNamespace = new Map<string, Map<string, PolicyInfo[]>>();
  const egressSharing = (namespace: string): Map<string, PolicyInfo[]> => {
    let m = sharingByNamespace.get(namespace);
    if (m) return m;
    sharingByNamespace.set(namespace, (m = new Map()));
    for (const o of policiesInNamespace(cluster, namespace)) {
      if (!o.affectsEgress) continue;
      for (const pod of selectedBy(o)) {
        const list = m.get(pod.key);
        if (list) list.push(o); else m.set(pod.key, [o]);
      }
    }
    return m;
  };
  for (const p of policies) {
    // The unit's key is written again only when a selection the policy reads changed its answer.
    if (deps) out.push(...deps.tracked(p, () => deps.unit(`policy ${p.key}`, policyInputs(cluster, p, byNamespace, selectionVersion(p), peerPicks, deps), (o) => lintPolicy(cluster, byNamespace, p, selectedBy, peerPicks, o))));
    else lintPolicy(cluster, byNamespace, p, selectedBy, peerPicks, out);
    if (!p.affectsEgress || !byNamespace.has(p.namespace)) continue;
    // The DNS rule also reads the namespace's other egress policies, so it is a unit of its own.
    const dns = (o: Finding[]) => lintDns(p, selectedBy(p), policiesInNamespace(cluster, p.namespace), o);
    if (deps) {
      // It reads the egress policies that select one of the same pods (lintDns: `others`).
      const sharing = egressSharing(p.namespace);
      const others = new Set<PolicyInfo>();
      for (const pod of selectedBy(p)) for (const o of sharing.get(pod.key) ?? []) if (o !== p) others.add(o);
      out.push(...deps.unit(`dns ${p.key}`, `${deps.id(p.manifest)}|${selectionVersion(p)}|${[...others].map((o) => deps.id(o.manifest)).join(',')}`, dns));
    } else {
      dns(out);
    }
  }
  // A pod whose ingress is isolated and no rule admits anyone: per namespace, its pods and its ingress policies.
  for (const [namespace, pods] of byNamespace) {
    const selecting = policiesInNamespace(cluster, namespace).filter((p) => p.affectsIngress);
    if (selecting.length === 0) continue;
    if (deps) out.push(...deps.unit(`isolated ${namespace}`, `${deps.podsToken(namespace)}|${selecting.map((p) => deps.id(p.manifest)).join(',')}`, (o) => lintIsolatedPods(pods, selecting, selectedBy, o)));
    else lintIsolatedPods(pods, selecting, selectedBy, out);
  }
}

function lintIsolatedPods(pods: readonly PodInfo[], ingressPolicies: readonly PolicyInfo[], selectedBy: (p: PolicyInfo) => PodInfo[], out: Finding[]): void {
  // Which policies select each pod, from each policy's selection (policy order kept). By key: a
  // kept selection may hold the pods of an earlier build that read the same.
  const selecting = new Map<string, PolicyInfo[]>();
  for (const p of ingressPolicies) {
    for (const pod of selectedBy(p)) {
      const list = selecting.get(pod.key);
      if (list) list.push(p); else selecting.set(pod.key, [p]);
    }
  }
  for (const pod of pods) {
    const by = selecting.get(pod.key);
    if (by && by.every((p) => p.ingress.length === 0)) out.push(isolatedFinding(pod, by.map((p) => p.key).join(', ')));
  }
}

/**
 * The finding is made from the pod and the policies' names only: a pod kept across builds keeps
 * its finding object while the same policies isolate it (so the editor's diagnostics of its file
 * are taken over too, see LanguageService).
 */
const isolatedFindings = new WeakMap<PodInfo, { policies: string; finding: Finding }>();

function isolatedFinding(pod: PodInfo, policies: string): Finding {
  const last = isolatedFindings.get(pod);
  if (last && last.policies === policies) return last.finding;
  const f = finding('pod-ingress-isolated', 'info', `pod ${pod.key} accepts no ingress at all: it is selected by ${policies} and none has an ingress rule`, pod.templatePath.length ? pod.locator.at(pod.templatePath) : pod.locator.range);
  isolatedFindings.set(pod, { policies, finding: f });
  return f;
}

/** One policy's own findings: what it selects, its peers, its named ports (DNS is a unit of its own). */
function lintPolicy(
  cluster: Cluster, byNamespace: Map<string, PodInfo[]>, p: PolicyInfo, selectedBy: (p: PolicyInfo) => PodInfo[], peerPicks: (namespace: string, podSelector: PeerPodSelector) => boolean, out: Finding[],
): void {
  if (!byNamespace.has(p.namespace)) {
    out.push(finding('policy-namespace-empty', 'warning', `NetworkPolicy ${p.key} is in namespace ${p.namespace}, which has no pods; a policy only acts in its own namespace`, p.locator.at(['metadata', 'namespace'])));
    return;
  }
  const selected = selectedBy(p);
  if (selected.length === 0) out.push(finding('policy-selects-nothing', 'warning', `NetworkPolicy ${p.key}: spec.podSelector matches no pod in namespace ${p.namespace}`, p.locator.at(['spec', 'podSelector'])));
  lintPeers(cluster, p, peerPicks, out);
  lintNamedPorts(cluster, p, selected, out);
}

/**
 * Everything `lintPolicy` reads for one policy, as a key: the policy itself, the pods of its
 * namespace, the namespaces' labels and the pods of every namespace a peer's namespaceSelector
 * picks, and every pod's port names when an egress rule names a port.
 */
function policyInputs(
  cluster: Cluster, p: PolicyInfo, byNamespace: Map<string, PodInfo[]>, selection: number, peerPicks: (namespace: string, podSelector: PeerPodSelector) => boolean, deps: LintDependencies,
): string {
  const parts = [String(deps.id(p.manifest)), byNamespace.has(p.namespace) ? `selected:${selection}` : 'empty'];
  for (const rule of [...p.ingress, ...p.egress]) {
    if (rule.peers === 'all') continue;
    for (const peer of rule.peers) {
      if (peer.kind !== 'pods') continue;
      const nss = peerNamespaces(cluster, p, peer.namespaceSelector);
      parts.push(`${nss.length}:${nss.filter((ns) => peerPicks(ns, peer.podSelector)).join(',')}`);
    }
  }
  if (p.egress.some((r) => r.ports !== 'all' && r.ports.some((x) => typeof x.port === 'string'))) parts.push(`ports:${deps.portNamesToken()}`);
  return parts.join('|');
}

/** A pod peer's podSelector; none picks every pod of the namespaces it looks in. */
type PeerPodSelector = LabelSelector | undefined;

/** The namespaces a pod peer looks in: those its namespaceSelector picks, else the policy's own. */
function peerNamespaces(cluster: Cluster, p: PolicyInfo, namespaceSelector: LabelSelector | undefined): string[] {
  if (!namespaceSelector) return [p.namespace];
  return [...cluster.namespaces.values()].filter((n) => matchesSelector(n.labels, namespaceSelector)).map((n) => n.name);
}

function lintPeers(cluster: Cluster, p: PolicyInfo, peerPicks: (namespace: string, podSelector: PeerPodSelector) => boolean, out: Finding[]): void {
  for (const rule of [...p.ingress, ...p.egress]) {
    if (rule.peers === 'all') continue;
    for (const peer of rule.peers) {
      if (peer.kind !== 'pods') continue;
      const nss = peerNamespaces(cluster, p, peer.namespaceSelector);
      if (peer.namespaceSelector && nss.length === 0) {
        out.push(finding('peer-matches-nothing', 'warning', `NetworkPolicy ${p.key}: this namespaceSelector matches no namespace (namespaces carry kubernetes.io/metadata.name=<name>)`, p.locator.at([...peer.path, 'namespaceSelector'])));
        continue;
      }
      const matched = nss.some((ns) => peerPicks(ns, peer.podSelector));
      if (!matched) out.push(finding('peer-matches-nothing', 'warning', `NetworkPolicy ${p.key}: this peer matches no pod${peer.namespaceSelector ? '' : ` in namespace ${p.namespace} (a podSelector alone only looks in the policy's namespace)`}`, p.locator.at(peer.path)));
    }
  }
}

function lintNamedPorts(cluster: Cluster, p: PolicyInfo, selected: Cluster['pods'], out: Finding[]): void {
  for (const rule of p.ingress) {
    if (rule.ports === 'all') continue;
    for (const port of rule.ports) {
      if (typeof port.port !== 'string') continue;
      if (selected.length && !selected.some((pod) => pod.ports.some((cp) => cp.name === port.port && cp.protocol === port.protocol))) {
        out.push(finding('named-port-unresolved', 'warning', `NetworkPolicy ${p.key}: no selected pod declares a ${port.protocol} port named "${port.port}", so this port allows nothing`, p.locator.at([...port.path, 'port'])));
      }
    }
  }
  for (const rule of p.egress) {
    if (rule.ports === 'all') continue;
    for (const port of rule.ports) {
      if (typeof port.port !== 'string') continue;
      if (!declaredPortNames(cluster.pods).has(`${port.port}/${port.protocol}`)) {
        out.push(finding('named-port-unresolved', 'warning', `NetworkPolicy ${p.key}: no pod declares a ${port.protocol} port named "${port.port}" (egress named ports resolve on the destination), so this port allows nothing`, p.locator.at([...port.path, 'port'])));
      }
    }
  }
}

/** Default-deny egress that forgets DNS: every name lookup of the selected pods times out. `namespacePolicies`: the policies of p's namespace. */
function lintDns(p: PolicyInfo, selected: Cluster['pods'], namespacePolicies: readonly PolicyInfo[], out: Finding[]): void {
  if (!p.affectsEgress || selected.length === 0) return;
  const allows53 = (protocol: 'UDP' | 'TCP') => p.egress.some((r) => r.ports === 'all' || r.ports.some((x) => x.protocol === protocol && (x.port === undefined || x.port === 53 || (typeof x.port === 'number' && x.endPort !== undefined && x.port <= 53 && x.endPort >= 53))));
  const others = namespacePolicies.filter((o) => o !== p && o.affectsEgress && selected.some((pod) => selectsPod(o, pod)));
  const allowedElsewhere = others.some((o) => o.egress.some((r) => r.ports === 'all' || r.ports.some((x) => x.port === 53 || x.port === undefined)));
  if (allowedElsewhere) return;
  const missing = (['UDP', 'TCP'] as const).filter((proto) => !allows53(proto));
  if (missing.length) {
    out.push(finding('egress-blocks-dns', 'warning', `NetworkPolicy ${p.key} isolates egress but allows no ${missing.join(' or ')} 53: DNS lookups of ${selected.length === 1 ? selected[0].key : `${selected.length} pods`} to kube-dns will fail`, p.locator.at(['spec', 'policyTypes'])));
  }
}

/**
 * An ipBlock over pod addresses PodPath assigned itself (the manifests carry no status.podIP):
 * which pods the block matches is then decided by invented addresses, not by the cluster's.
 */
function lintIpBlocksOnAssumedPodIPs(cluster: Cluster, out: Finding[]): void {
  // Most ipBlocks name addresses outside the cluster: pods are looked at only when one overlaps a node's pod range.
  const nodeRanges = cluster.nodes.flatMap((n) => podBlocksOf(cluster, n));
  const near = (cidr: Cidr) => nodeRanges.some((r) => cidrsOverlap(r, cidr));
  let addresses: ReturnType<typeof assumedAddresses> | undefined;
  for (const p of policiesOf(cluster)) {
    for (const rule of [...p.ingress, ...p.egress]) {
      if (rule.peers === 'all') continue;
      for (const peer of rule.peers) {
        if (peer.kind !== 'ipBlock' || !near(peer.cidr)) continue;
        addresses ??= assumedAddresses(cluster);
        const { assumed, ranges } = addresses;
        if (assumed.length === 0) return;
        const overlapping = ranges.filter((r) => cidrsOverlap(r, peer.cidr));
        if (overlapping.length === 0) continue;
        const inside = assumed.filter((pod) => cidrContains(peer.cidr, pod.ip) && !peer.except.some((e) => cidrContains(e, pod.ip))).length;
        out.push(finding('ipblock-on-assumed-pod-ips', 'warning',
          `NetworkPolicy ${p.key}: ipBlock ${peer.cidr.text} overlaps the pod range ${overlapping.map((r) => r.text).join(', ')}, where PodPath assigned the pod addresses itself (the manifests carry no status.podIP); it matches ${inside} of those ${assumed.length} assumed addresses, so the answer depends on addresses PodPath invented. Give the real pod IPs (a dump with status) or the Cluster document's clusterCIDR and node podCIDRs`,
          p.locator.at([...peer.path, 'ipBlock', 'cidr'])));
      }
    }
  }
}

/** Per pods list (with the nodes it was read with): the pods with assigned addresses and their nodes' pod ranges. */
const assumedOf = new WeakMap<readonly PodInfo[], { nodes: Cluster['nodes']; assumed: PodInfo[]; ranges: readonly Cidr[] }>();

function assumedAddresses(cluster: Cluster): { assumed: PodInfo[]; ranges: readonly Cidr[] } {
  const known = assumedOf.get(cluster.pods);
  if (known && known.nodes === cluster.nodes) return known;
  const assumed = cluster.pods.filter((p) => p.ipSource === 'allocated');
  const nodeNames = new Set(assumed.map((p) => p.node));
  const ranges = cluster.nodes.filter((n) => nodeNames.has(n.name)).flatMap((n) => podBlocksOf(cluster, n));
  const value = { nodes: cluster.nodes, assumed, ranges };
  assumedOf.set(cluster.pods, value);
  return value;
}

/** host-gw, plain BGP and the static-route lab all need every node on one L2 segment. */
function lintUnderlay(cluster: Cluster, out: Finding[]): void {
  const cfg = cluster.config;
  if (!((cfg.plugin === 'flannel' && cfg.backend === 'host-gw') || (cfg.plugin === 'calico' && cfg.backend === 'bgp') || cfg.plugin === 'bridge')) return;
  const [first, ...rest] = cluster.nodes;
  for (const n of rest) {
    if (sameL2(first, n)) continue;
    const how = cfg.plugin === 'bridge' ? 'static routes via node IPs' : `${cfg.plugin} ${cfg.backend}`;
    out.push(finding('nodes-not-l2-adjacent', 'error', `node ${n.name} (${n.ip}, subnet ${n.subnet.text}) is not on the same L2 subnet as ${first.name} (${first.subnet.text}): ${how} needs L2 adjacency, so pod traffic between them has no route (use an overlay: vxlan or ipip)`, n.path.length ? n.locator.at(n.path) : n.locator.range));
  }
}

function fmt(sel: Record<string, string>): string {
  return Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',');
}
