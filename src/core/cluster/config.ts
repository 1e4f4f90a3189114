import { Finding, finding } from '../common/finding';
import { Cidr, cidr, cidrContains, cidrsOverlap, ipToInt, nthSubnet, parseCidr } from '../common/ip';
import { builtinLocator } from '../common/source';
import { ManifestSet } from '../manifest/types';
import { DEFAULT_BACKEND, DEFAULT_BRIDGE, DEFAULT_CLUSTER, NODE_BLOCK_PREFIX, wellKnownNodeLabels } from './defaults';
import { ClusterConfig, NodeInfo } from './model';

/**
 * Settles the cluster-wide settings and the node list: the Cluster document first, then Node
 * objects from a dump (their real podCIDR and InternalIP win), then the embedded default.
 */
export function resolveConfig(m: ManifestSet, findings: Finding[]): { config: ClusterConfig; nodes: NodeInfo[] } {
  const doc = m.clusters[0];
  for (const extra of m.clusters.slice(1)) {
    findings.push(finding('duplicate-cluster', 'warning', `a second Cluster document is ignored; the one in ${doc.locator.file}:${doc.locator.range.start.line} applies`, extra.locator.range));
  }
  const plugin = doc?.cni.plugin ?? DEFAULT_CLUSTER.plugin;
  const backend = doc?.cni.backend ?? (doc?.cni.plugin ? DEFAULT_BACKEND[plugin] : DEFAULT_CLUSTER.backend);
  const policyMode = doc?.networkPolicy ?? 'auto';
  const config: ClusterConfig = {
    name: doc?.name ?? DEFAULT_CLUSTER.name,
    clusterCIDR: cidr(doc?.clusterCIDR ?? DEFAULT_CLUSTER.clusterCIDR),
    serviceCIDR: cidr(doc?.serviceCIDR ?? DEFAULT_CLUSTER.serviceCIDR),
    plugin,
    backend,
    bridgeName: doc?.cni.bridge ?? DEFAULT_BRIDGE[plugin],
    kubeProxyMode: doc?.kubeProxy.mode ?? DEFAULT_CLUSTER.kubeProxyMode,
    policyMode,
    // flanneld and the plain bridge plugin program no policy; Calico does (see FACTS.md).
    policyEnforced: policyMode === 'enforced' || (policyMode === 'auto' && plugin === 'calico'),
    locator: doc?.locator ?? builtinLocator('default cluster'),
    isDefault: !doc,
  };
  if (doc && cidrsOverlap(config.clusterCIDR, config.serviceCIDR)) {
    findings.push(finding('overlapping-cidrs', 'error', `clusterCIDR ${config.clusterCIDR.text} overlaps serviceCIDR ${config.serviceCIDR.text}: pod and Service addresses would collide`, doc.locator.at(['spec', 'serviceCIDR'])));
  }
  return { config, nodes: resolveNodes(m, config, findings) };
}

interface NodeDraft {
  name: string;
  ip?: string;
  podCIDR?: string;
  subnet?: string;
  labels: Record<string, string>;
  unschedulable: boolean;
  locator: NodeInfo['locator'];
  path: (string | number)[];
}

function resolveNodes(m: ManifestSet, config: ClusterConfig, findings: Finding[]): NodeInfo[] {
  const drafts = new Map<string, NodeDraft>();
  const doc = m.clusters[0];
  for (const n of doc?.nodes ?? []) {
    drafts.set(n.name, { name: n.name, ip: n.ip, podCIDR: n.podCIDR, subnet: n.subnet, labels: { ...n.labels }, unschedulable: false, locator: doc.locator, path: n.path });
  }
  for (const n of m.nodes) {
    const d = drafts.get(n.meta.name);
    if (d) {
      // A Node object (from a dump) is the real thing: its addresses override the document's.
      if (n.internalIP) d.ip = n.internalIP;
      if (n.podCIDR) d.podCIDR = n.podCIDR;
      Object.assign(d.labels, n.meta.labels);
      d.unschedulable = n.unschedulable;
    } else {
      drafts.set(n.meta.name, { name: n.meta.name, ip: n.internalIP, podCIDR: n.podCIDR, labels: { ...n.meta.labels }, unschedulable: n.unschedulable, locator: n.locator, path: [] });
    }
  }
  if (drafts.size === 0) {
    const loc = builtinLocator('default cluster');
    for (const n of DEFAULT_CLUSTER.nodes) drafts.set(n.name, { name: n.name, ip: n.ip, podCIDR: n.podCIDR, labels: {}, unschedulable: false, locator: loc, path: [] });
  }
  const names = [...drafts.keys()].sort();
  const blockPrefix = NODE_BLOCK_PREFIX[config.plugin];
  const usedBlocks: Cidr[] = [];
  const nodes: NodeInfo[] = [];
  const byIP = new Map<string, NodeInfo>();
  // First pass: explicit pod CIDRs claim their blocks so allocation avoids them.
  for (const name of names) {
    const d = drafts.get(name)!;
    if (d.podCIDR) usedBlocks.push(cidr(d.podCIDR));
  }
  let nextBlock = 0;
  names.forEach((name, index) => {
    const d = drafts.get(name)!;
    const at = d.path.length ? d.locator.at(d.path) : d.locator.range;
    let ip = d.ip;
    if (!ip) {
      ip = `192.168.1.${10 + index}`;
      findings.push(finding('node-without-ip', 'warning', `node ${name} has no InternalIP; PodPath assumes ${ip}`, at));
    }
    let podCIDR: Cidr | undefined = d.podCIDR ? cidr(d.podCIDR) : undefined;
    if (!podCIDR) {
      for (;;) {
        const candidate = nthSubnet(config.clusterCIDR, blockPrefix, nextBlock++);
        if (!candidate) break;
        // Flannel and kube-controller-manager hand out x.y.0.0/24 too; start at the first free block.
        if (!usedBlocks.some((u) => cidrsOverlap(u, candidate))) {
          podCIDR = candidate;
          usedBlocks.push(candidate);
          break;
        }
      }
      if (!podCIDR) {
        findings.push(finding('pod-cidr-exhausted', 'error', `clusterCIDR ${config.clusterCIDR.text} has no free /${blockPrefix} left for node ${name}`, at));
        podCIDR = cidr('0.0.0.0/32');
      }
    } else if (!cidrContains(config.clusterCIDR, podCIDR.base) || podCIDR.prefix < config.clusterCIDR.prefix) {
      findings.push(finding('pod-cidr-outside-cluster-cidr', 'warning', `node ${name} podCIDR ${podCIDR.text} is outside clusterCIDR ${config.clusterCIDR.text}`, at));
    }
    let subnet: Cidr;
    const parsedSubnet = d.subnet ? parseCidr(d.subnet) : undefined;
    if (parsedSubnet && parsedSubnet.ok) {
      subnet = parsedSubnet.value;
      if (!cidrContains(subnet, ip)) findings.push(finding('invalid-value', 'error', `node ${name} IP ${ip} is not inside its subnet ${subnet.text}`, at));
    } else {
      subnet = { base: (ipToInt(ip) & 0xffffff00) >>> 0, prefix: 24, text: '' };
      subnet.text = `${ip.split('.').slice(0, 3).join('.')}.0/24`;
    }
    const info: NodeInfo = {
      name, ip, podCIDR, subnet,
      labels: { ...wellKnownNodeLabels(name), ...d.labels },
      unschedulable: d.unschedulable, index, locator: d.locator, path: d.path,
    };
    const twin = byIP.get(ip);
    if (twin) findings.push(finding('duplicate-node-ip', 'error', `nodes ${twin.name} and ${name} both have IP ${ip}`, at));
    byIP.set(ip, info);
    if (cidrContains(config.clusterCIDR, ip) || cidrContains(config.serviceCIDR, ip)) {
      findings.push(finding('overlapping-cidrs', 'error', `node ${name} IP ${ip} lies inside the ${cidrContains(config.clusterCIDR, ip) ? `pod network ${config.clusterCIDR.text}` : `service network ${config.serviceCIDR.text}`}`, at));
    }
    nodes.push(info);
  });
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      if (cidrsOverlap(nodes[i].podCIDR, nodes[j].podCIDR)) {
        const at = nodes[j].path.length ? nodes[j].locator.at(nodes[j].path) : nodes[j].locator.range;
        findings.push(finding('overlapping-cidrs', 'error', `pod CIDRs of nodes ${nodes[i].name} (${nodes[i].podCIDR.text}) and ${nodes[j].name} (${nodes[j].podCIDR.text}) overlap`, at));
      }
    }
  }
  return nodes;
}
