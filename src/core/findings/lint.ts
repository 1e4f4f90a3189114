import { Cluster, PodInfo } from '../cluster/model';
import { matchesMap, matchesSelector } from '../cluster/labels';
import { Finding, finding } from '../common/finding';
import { cidrContains, cidrsOverlap } from '../common/ip';
import { sameL2 } from '../dataplane/underlay';
import { policiesOf } from '../policy/evaluate';
import { adminPolicyFindings } from '../policy/admin-findings';
import { calicoPolicyFindings } from '../policy/calico-findings';
import { PolicyInfo, selectsPod } from '../policy/model';
import { resolveTargetPort } from '../cluster/services';

/**
 * Lint rules over the built cluster: configurations that are valid YAML and valid API objects
 * but do not do what their author most likely meant. Each finding points at the field to fix.
 */
export function lintCluster(cluster: Cluster): Finding[] {
  const out: Finding[] = [];
  const byNamespace = podsByNamespace(cluster);
  lintServices(cluster, byNamespace, out);
  lintPolicies(cluster, byNamespace, out);
  out.push(...adminPolicyFindings(cluster));
  out.push(...calicoPolicyFindings(cluster));
  lintUnderlay(cluster, out);
  lintIpBlocksOnAssumedPodIPs(cluster, out);
  return out;
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
  const why = cluster.config.policyMode === 'ignored' ? 'networkPolicy is ignored' : `the default CNI, ${cluster.config.plugin}, does not enforce NetworkPolicy`;
  return `No Cluster document in the workspace: ${why}, so ${what} no effect. Add a Cluster document naming your CNI, or set podpath.defaultCluster.networkPolicy to "enforced" if policies are enforced`;
}

/** Pods per namespace: selectors only ever look inside one namespace, so rules scan only it. */
function podsByNamespace(cluster: Cluster): Map<string, PodInfo[]> {
  const m = new Map<string, PodInfo[]>();
  for (const p of cluster.pods) {
    const list = m.get(p.namespace);
    if (list) list.push(p);
    else m.set(p.namespace, [p]);
  }
  return m;
}

function lintServices(cluster: Cluster, byNamespace: Map<string, PodInfo[]>, out: Finding[]): void {
  for (const s of cluster.services) {
    if (!s.selector || s.explicitEndpoints || s.type === 'ExternalName') continue;
    const pods = (byNamespace.get(s.namespace) ?? []).filter((p) => matchesMap(p.labels, s.selector!));
    if (pods.length === 0) {
      out.push(finding('service-selects-nothing', 'warning', `Service ${s.key}: the selector ${fmt(s.selector)} matches no pod in namespace ${s.namespace}, so it has no endpoints and connections are rejected`, s.locator.at(['spec', 'selector'])));
      continue;
    }
    for (const p of s.ports) {
      if (typeof p.targetPort !== 'string') continue;
      const missing = pods.filter((pod) => resolveTargetPort(pod, p.targetPort, p.protocol) === undefined);
      if (missing.length) {
        out.push(finding('target-port-unresolved', missing.length === pods.length ? 'error' : 'warning', `Service ${s.key}: targetPort "${p.targetPort}" is not a ${p.protocol} container port of ${missing.length === pods.length ? 'any selected pod' : `${missing.length} of ${pods.length} selected pods (${missing.slice(0, 3).map((x) => x.key).join(', ')})`}`, s.locator.at(['spec', 'ports', p.index, 'targetPort'])));
      }
    }
  }
}

function lintPolicies(cluster: Cluster, byNamespace: Map<string, PodInfo[]>, out: Finding[]): void {
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
  const namespacesWithPods = new Set(byNamespace.keys());
  for (const p of policies) {
    if (!namespacesWithPods.has(p.namespace)) {
      out.push(finding('policy-namespace-empty', 'warning', `NetworkPolicy ${p.key} is in namespace ${p.namespace}, which has no pods; a policy only acts in its own namespace`, p.locator.at(['metadata', 'namespace'])));
      continue;
    }
    const selected = (byNamespace.get(p.namespace) ?? []).filter((pod) => selectsPod(p, pod));
    if (selected.length === 0) out.push(finding('policy-selects-nothing', 'warning', `NetworkPolicy ${p.key}: spec.podSelector matches no pod in namespace ${p.namespace}`, p.locator.at(['spec', 'podSelector'])));
    lintPeers(cluster, byNamespace, p, out);
    lintNamedPorts(cluster, p, selected, out);
    lintDns(cluster, p, selected, out);
  }
  // A pod whose ingress is isolated and no rule admits anyone.
  const ingressPolicies = new Map<string, PolicyInfo[]>();
  for (const p of policies) if (p.affectsIngress) ingressPolicies.set(p.namespace, [...(ingressPolicies.get(p.namespace) ?? []), p]);
  for (const pod of cluster.pods) {
    const selecting = (ingressPolicies.get(pod.namespace) ?? []).filter((p) => selectsPod(p, pod));
    if (selecting.length > 0 && selecting.every((p) => p.ingress.length === 0)) {
      out.push(finding('pod-ingress-isolated', 'info', `pod ${pod.key} accepts no ingress at all: it is selected by ${selecting.map((p) => p.key).join(', ')} and none has an ingress rule`, pod.templatePath.length ? pod.locator.at(pod.templatePath) : pod.locator.range));
    }
  }
}

function lintPeers(cluster: Cluster, byNamespace: Map<string, PodInfo[]>, p: PolicyInfo, out: Finding[]): void {
  const namespaces = [...cluster.namespaces.values()];
  for (const rule of [...p.ingress, ...p.egress]) {
    if (rule.peers === 'all') continue;
    for (const peer of rule.peers) {
      if (peer.kind !== 'pods') continue;
      const nss = peer.namespaceSelector ? namespaces.filter((n) => matchesSelector(n.labels, peer.namespaceSelector!)).map((n) => n.name) : [p.namespace];
      if (peer.namespaceSelector && nss.length === 0) {
        out.push(finding('peer-matches-nothing', 'warning', `NetworkPolicy ${p.key}: this namespaceSelector matches no namespace (namespaces carry kubernetes.io/metadata.name=<name>)`, p.locator.at([...peer.path, 'namespaceSelector'])));
        continue;
      }
      const matched = nss.some((ns) => (byNamespace.get(ns) ?? []).some((pod) => !pod.hostNetwork && (!peer.podSelector || matchesSelector(pod.labels, peer.podSelector))));
      if (!matched) out.push(finding('peer-matches-nothing', 'warning', `NetworkPolicy ${p.key}: this peer matches no pod${peer.namespaceSelector ? '' : ` in namespace ${p.namespace} (a podSelector alone only looks in the policy's namespace)`}`, p.locator.at(peer.path)));
    }
  }
}

const declaredNames = new WeakMap<Cluster, Set<string>>();

/** `name/protocol` of every container port any pod declares, once per cluster. */
function declaredPortNames(cluster: Cluster): Set<string> {
  let s = declaredNames.get(cluster);
  if (!s) {
    s = new Set(cluster.pods.flatMap((pod) => pod.ports.map((cp) => `${cp.name}/${cp.protocol}`)));
    declaredNames.set(cluster, s);
  }
  return s;
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
      if (!declaredPortNames(cluster).has(`${port.port}/${port.protocol}`)) {
        out.push(finding('named-port-unresolved', 'warning', `NetworkPolicy ${p.key}: no pod declares a ${port.protocol} port named "${port.port}" (egress named ports resolve on the destination), so this port allows nothing`, p.locator.at([...port.path, 'port'])));
      }
    }
  }
}

/** Default-deny egress that forgets DNS: every name lookup of the selected pods times out. */
function lintDns(cluster: Cluster, p: PolicyInfo, selected: Cluster['pods'], out: Finding[]): void {
  if (!p.affectsEgress || selected.length === 0) return;
  const allows53 = (protocol: 'UDP' | 'TCP') => p.egress.some((r) => r.ports === 'all' || r.ports.some((x) => x.protocol === protocol && (x.port === undefined || x.port === 53 || (typeof x.port === 'number' && x.endPort !== undefined && x.port <= 53 && x.endPort >= 53))));
  const others = policiesOf(cluster).filter((o) => o !== p && o.namespace === p.namespace && o.affectsEgress && selected.some((pod) => selectsPod(o, pod)));
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
  const assumed = cluster.pods.filter((p) => p.ipSource === 'allocated');
  if (assumed.length === 0) return;
  const nodeNames = new Set(assumed.map((p) => p.node));
  const ranges = cluster.nodes.filter((n) => nodeNames.has(n.name)).map((n) => n.podCIDR);
  for (const p of policiesOf(cluster)) {
    for (const rule of [...p.ingress, ...p.egress]) {
      if (rule.peers === 'all') continue;
      for (const peer of rule.peers) {
        if (peer.kind !== 'ipBlock') continue;
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
