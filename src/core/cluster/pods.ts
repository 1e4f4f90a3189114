import { Finding, finding } from '../common/finding';
import { fnv1a, macFor, nameSuffix, sha1Hex } from '../common/hash';
import { cidrContains, cidrSize, intToIp } from '../common/ip';
import { Locator } from '../common/source';
import { ManifestSet, PodSpec, WorkloadManifest } from '../manifest/types';
import { matchesMap } from './labels';
import { ClusterConfig, NodeInfo, PodInfo, WorkloadInfo, WorkloadRef, podKey } from './model';

/** A pod to place: from a Pod object or expanded from a workload's template. */
interface PodDraft {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  spec: PodSpec;
  owner: WorkloadRef;
  statusIP?: string;
  hostIP?: string;
  /** A DaemonSet pod is bound to its node before scheduling. */
  boundNode?: string;
  locator: Locator;
  templatePath: (string | number)[];
  /** Scheduling spreads replicas of one workload over the eligible nodes starting here. */
  spreadSeed: number;
  replica: number;
}

/**
 * Turns Pod objects and workload templates into placed, addressed pods. Placement and
 * addresses are deterministic and stable: a pod keeps its node and IP when unrelated objects
 * are added, because both are derived from its own name rather than from list order.
 */
export function buildPods(m: ManifestSet, config: ClusterConfig, nodes: NodeInfo[], findings: Finding[]): { pods: PodInfo[]; workloads: WorkloadInfo[] } {
  const drafts: PodDraft[] = [];
  const workloads: WorkloadInfo[] = [];
  for (const p of m.pods) {
    const owner = p.meta.ownerReferences[0];
    drafts.push({
      name: p.meta.name, namespace: p.meta.namespace, labels: p.meta.labels, spec: p.spec,
      owner: owner
        ? { kind: owner.kind as WorkloadRef['kind'], name: owner.name, namespace: p.meta.namespace, key: podKey(p.meta.namespace, owner.name) }
        : { kind: 'Pod', name: p.meta.name, namespace: p.meta.namespace, key: podKey(p.meta.namespace, p.meta.name) },
      ...(p.status.podIP ? { statusIP: p.status.podIP } : {}),
      ...(p.status.hostIP ? { hostIP: p.status.hostIP } : {}),
      locator: p.locator, templatePath: [], spreadSeed: fnv1a(podKey(p.meta.namespace, p.meta.name)), replica: 0,
    });
  }
  for (const w of m.workloads) {
    const ref: WorkloadRef = { kind: w.kind, name: w.meta.name, namespace: w.meta.namespace, key: podKey(w.meta.namespace, w.meta.name) };
    checkWorkloadSelector(w, findings);
    const names = replicaNames(w, nodes);
    const info: WorkloadInfo = { ...ref, ...(w.selector ? { selector: w.selector } : {}), pods: [], locator: w.locator };
    workloads.push(info);
    names.forEach(({ name, node }, i) => {
      const labels = { ...w.template.labels };
      if (w.kind === 'Deployment') labels['pod-template-hash'] = templateHash(w);
      if (w.kind === 'StatefulSet') labels['statefulset.kubernetes.io/pod-name'] = name;
      drafts.push({
        name, namespace: w.meta.namespace, labels, spec: w.template.spec, owner: ref, locator: w.locator,
        templatePath: w.templatePath, spreadSeed: fnv1a(ref.key), replica: i, ...(node ? { boundNode: node } : {}),
      });
    });
  }
  const pods = placeAndAddress(drafts, config, nodes, findings);
  const byOwner = new Map(workloads.map((w) => [w.key + '|' + w.kind, w]));
  for (const p of pods) byOwner.get(p.owner.key + '|' + p.owner.kind)?.pods.push(p.key);
  return { pods, workloads };
}

function checkWorkloadSelector(w: WorkloadManifest, findings: Finding[]): void {
  if (!w.selector || w.kind === 'ReplicationController') {
    if (w.kind === 'ReplicationController' && w.selector && !matchesMap(w.template.labels, w.selector.matchLabels)) {
      findings.push(finding('selector-mismatch', 'error', `${w.kind} ${w.meta.name}: spec.selector does not match the template's labels; the API server rejects it`, w.locator.at(['spec', 'selector'])));
    }
    return;
  }
  const { matchLabels } = w.selector;
  if (!matchesMap(w.template.labels, matchLabels)) {
    findings.push(finding('selector-mismatch', 'error', `${w.kind} ${w.meta.name}: spec.selector does not match the template's labels; the API server rejects it`, w.locator.at(['spec', 'selector'])));
  }
}

/** The pod-template-hash a Deployment's ReplicaSet would carry (10 characters). */
function templateHash(w: WorkloadManifest): string {
  return nameSuffix(`${w.meta.namespace}/${w.meta.name}/template/${JSON.stringify(w.template)}`, 10);
}

function replicaNames(w: WorkloadManifest, nodes: NodeInfo[]): { name: string; node?: string }[] {
  const base = w.meta.name;
  const seed = `${w.meta.namespace}/${base}`;
  switch (w.kind) {
    case 'StatefulSet':
      return range(w.replicas).map((i) => ({ name: `${base}-${i}` }));
    case 'Deployment': {
      const hash = templateHash(w);
      return range(w.replicas).map((i) => ({ name: `${base}-${hash}-${nameSuffix(`${seed}/${i}`, 5)}` }));
    }
    case 'DaemonSet':
      return nodes
        .filter((n) => eligible(n, w.template.spec))
        .map((n) => ({ name: `${base}-${nameSuffix(`${seed}/${n.name}`, 5)}`, node: n.name }));
    case 'CronJob':
      return range(w.replicas).map((i) => ({ name: `${base}-${29000000 + (fnv1a(seed) % 1000000)}-${nameSuffix(`${seed}/${i}`, 5)}` }));
    default:
      return range(w.replicas).map((i) => ({ name: `${base}-${nameSuffix(`${seed}/${i}`, 5)}` }));
  }
}

function range(n: number): number[] {
  return Array.from({ length: Math.min(n, 100000) }, (_, i) => i);
}

function eligible(node: NodeInfo, spec: PodSpec): boolean {
  return !node.unschedulable && matchesMap(node.labels, spec.nodeSelector);
}

function placeAndAddress(drafts: PodDraft[], config: ClusterConfig, nodes: NodeInfo[], findings: Finding[]): PodInfo[] {
  const nodesByName = new Map(nodes.map((n) => [n.name, n]));
  const nodesByIP = new Map(nodes.map((n) => [n.ip, n]));
  const seen = new Map<string, PodDraft>();
  const placed: { d: PodDraft; node: NodeInfo }[] = [];
  // Stable order: by key, whatever the file order.
  drafts.sort((a, b) => (a.namespace === b.namespace ? cmp(a.name, b.name) : cmp(a.namespace, b.namespace)));
  for (const d of drafts) {
    const key = podKey(d.namespace, d.name);
    const twin = seen.get(key);
    if (twin) {
      findings.push(finding('duplicate-object', 'error', `pod ${key} is defined twice`, d.locator.range, [{ message: 'first definition', range: twin.locator.range }]));
      continue;
    }
    seen.set(key, d);
    const node = schedule(d, nodes, nodesByName, nodesByIP, findings);
    if (node) placed.push({ d, node });
  }
  return assignAddresses(placed, config, findings);
}

function schedule(d: PodDraft, nodes: NodeInfo[], byName: Map<string, NodeInfo>, byIP: Map<string, NodeInfo>, findings: Finding[]): NodeInfo | undefined {
  const wanted = d.boundNode ?? d.spec.nodeName;
  const key = podKey(d.namespace, d.name);
  if (wanted) {
    const n = byName.get(wanted);
    if (n) return n;
    findings.push(finding('unknown-node', 'error', `pod ${key} is bound to node "${wanted}", which is not in the cluster; it stays Pending and is left out`, d.locator.at([...d.templatePath, 'spec', 'nodeName'])));
    return undefined;
  }
  if (d.hostIP && byIP.has(d.hostIP)) return byIP.get(d.hostIP);
  const candidates = nodes.filter((n) => eligible(n, d.spec));
  if (candidates.length === 0) {
    const why = Object.keys(d.spec.nodeSelector).length ? 'no node matches its nodeSelector' : 'no node is schedulable';
    findings.push(finding('unschedulable', 'warning', `pod ${key} cannot be scheduled: ${why}; it stays Pending and is left out`, d.locator.at([...d.templatePath, 'spec', Object.keys(d.spec.nodeSelector).length ? 'nodeSelector' : 'containers'])));
    return undefined;
  }
  return candidates[(d.spreadSeed + d.replica) % candidates.length];
}

function assignAddresses(placed: { d: PodDraft; node: NodeInfo }[], config: ClusterConfig, findings: Finding[]): PodInfo[] {
  const taken = new Map<string, string>(); // IP → pod key
  const takenLoc = new Map<string, Locator>();
  const ips = new Map<string, string>();
  const sources = new Map<string, PodInfo['ipSource']>();
  // Pass 1: addresses a dump already carries, and hostNetwork pods (the node's IP).
  for (const { d, node } of placed) {
    const key = podKey(d.namespace, d.name);
    if (d.spec.hostNetwork) {
      ips.set(key, node.ip);
      sources.set(key, 'node');
      continue;
    }
    if (!d.statusIP) continue;
    const ipPath = [...d.templatePath, 'status', 'podIP'];
    const owner = taken.get(d.statusIP);
    if (owner) {
      findings.push(finding('duplicate-pod-ip', 'error', `pods ${owner} and ${key} both have IP ${d.statusIP}`, d.locator.at(ipPath), [{ message: `${owner} has it too`, range: takenLoc.get(d.statusIP)!.at(['status', 'podIP']) }]));
    } else {
      taken.set(d.statusIP, key);
      takenLoc.set(d.statusIP, d.locator);
    }
    if (!cidrContains(node.podCIDR, d.statusIP)) {
      findings.push(finding('ip-outside-pod-cidr', 'warning', `pod ${key} has IP ${d.statusIP}, outside the pod CIDR ${node.podCIDR.text} of its node ${node.name}`, d.locator.at(ipPath)));
    }
    ips.set(key, d.statusIP);
    sources.set(key, 'status');
  }
  // Pass 2: allocate from the node's block at a position derived from the pod's name.
  const reserved = config.plugin === 'calico' ? 1 : 2; // network address (+ .1 bridge gateway)
  for (const { d, node } of placed) {
    const key = podKey(d.namespace, d.name);
    if (ips.has(key)) continue;
    const size = cidrSize(node.podCIDR);
    const usable = size - reserved - 1; // minus broadcast
    let ip: string | undefined;
    if (usable > 0) {
      const start = fnv1a(key) % usable;
      for (let i = 0; i < usable; i++) {
        const candidate = intToIp((node.podCIDR.base + reserved + ((start + i) % usable)) >>> 0);
        if (!taken.has(candidate)) { ip = candidate; break; }
      }
    }
    if (!ip) {
      findings.push(finding('pod-cidr-exhausted', 'error', `node ${node.name} has no free address left in ${node.podCIDR.text} for pod ${key}; it is left out`, d.locator.range));
      continue;
    }
    taken.set(ip, key);
    ips.set(key, ip);
    sources.set(key, 'allocated');
  }
  const pods: PodInfo[] = [];
  for (const { d, node } of placed) {
    const key = podKey(d.namespace, d.name);
    const ip = ips.get(key);
    if (!ip) continue;
    const hostNetwork = d.spec.hostNetwork;
    pods.push({
      key, name: d.name, namespace: d.namespace, node: node.name, ip, hostNetwork,
      labels: d.labels,
      containers: d.spec.containers,
      ports: d.spec.containers.flatMap((c) => c.ports.map((p) => ({ ...p, container: c.name }))),
      owner: d.owner,
      hostVeth: hostNetwork ? '' : hostVethName(config, d.namespace, d.name),
      mac: macFor(`pod/${key}`),
      ipSource: sources.get(key)!,
      locator: d.locator,
      templatePath: d.templatePath,
    });
  }
  return pods;
}

/**
 * Host-side veth names. Calico derives `cali` + the first 11 hex digits of
 * sha1("<namespace>.<pod>"); the bridge plugin picks `veth` + 8 random hex digits, which
 * PodPath derives from the pod's key instead so the name is stable.
 */
export function hostVethName(config: ClusterConfig, namespace: string, name: string): string {
  if (config.plugin === 'calico') return `cali${sha1Hex(`${namespace}.${name}`).slice(0, 11)}`;
  return `veth${sha1Hex(`${namespace}/${name}`).slice(0, 8)}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
