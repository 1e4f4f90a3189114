import { Finding, finding } from '../common/finding';
import { Cidr, cidr, cidrContains, cidrContainsCidr, cidrsOverlap, coveringCidr, intToIp, ipToInt, maskOf, nthSubnet, parseCidr } from '../common/ip';
import { Locator, SourceRange, builtinLocator } from '../common/source';
import { ManifestSet } from '../manifest/types';
import { DEFAULT_BACKEND, DEFAULT_BRIDGE, DEFAULT_CLUSTER, NODE_BLOCK_PREFIX, NODE_BLOCK_PREFIX6, nodeBlockPrefix, wellKnownNodeLabels } from './defaults';
import { inferCni, unmodelledCni } from './cni-inference';
import { ClusterConfig, NodeInfo, NodeTaint, podKey } from './model';

/**
 * Settles the cluster-wide settings and the node list: the Cluster document first, then Node
 * objects from a dump (their real podCIDR and InternalIP win), then the nodes a dump's pods
 * name (spec.nodeName, status.hostIP), then the embedded default.
 */
export function resolveConfig(m: ManifestSet, findings: Finding[]): { config: ClusterConfig; nodes: NodeInfo[] } {
  const doc = m.clusters[0];
  for (const extra of m.clusters.slice(1)) {
    findings.push(finding('duplicate-cluster', 'warning', `a second Cluster document is ignored; the one in ${doc.locator.file}:${doc.locator.range.start.line} applies`, extra.locator.range));
  }
  // A dump of a live cluster says which CNI it runs (cni-inference.ts); a Cluster document
  // (or the editor's defaultCluster settings) naming the plugin wins.
  const shown = inferCni(m);
  const inferred = doc?.cni.plugin ? undefined : shown;
  // The document wins, but a dump or an install showing another CNI is worth a word.
  if (doc?.cni.plugin && shown && shown.plugin !== doc.cni.plugin) {
    findings.push(finding('cni-mismatch', 'warning', `the Cluster document names ${doc.cni.plugin}, but the manifests show ${pluginText(shown.plugin, shown.backend, shown.crossSubnet)} (${shown.because}); PodPath models the document's`, doc.locator.at(['spec', 'cni', 'plugin'])));
  }
  if (inferred) findings.push(finding('inferred-cni', 'info', `${doc ? 'the Cluster document names no CNI' : 'no Cluster document'}: the CNI is taken as ${pluginText(inferred.plugin, inferred.backend, inferred.crossSubnet)} from ${inferred.because}`, inferred.at));
  const foreign = doc?.cni.plugin || inferred ? undefined : unmodelledCni(m);
  if (foreign) {
    findings.push(finding('unmodelled-cni', 'warning', `the manifests show ${foreign.name} running (${foreign.because}), whose data path PodPath does not model: it assumes ${pluginText(DEFAULT_CLUSTER.plugin, DEFAULT_CLUSTER.backend)}, so traces and reachability describe that, not this cluster. Name the CNI in a Cluster document to say what to assume`, foreign.at));
  }
  const plugin = doc?.cni.plugin ?? inferred?.plugin ?? DEFAULT_CLUSTER.plugin;
  const backend = doc?.cni.backend ?? (doc?.cni.plugin ? DEFAULT_BACKEND[plugin] : inferred?.backend ?? DEFAULT_CLUSTER.backend);
  const policyMode = doc?.networkPolicy ?? 'auto';
  const crossSubnet = resolveCrossSubnet(doc, plugin, backend, findings) ?? inferred?.crossSubnet;
  const pool = inferred?.pool;
  // Setup files (kube-proxy's, kubeadm's, kind's) fill in what the Cluster document leaves out;
  // a Calico pool is where pods really get their addresses, so it wins over kubeadm's podSubnet.
  const setups = m.clusterSetups ?? [];
  const proxyFrom = doc?.kubeProxy.mode ? undefined : setups.find((s) => s.kubeProxyMode);
  const podsFrom = doc?.clusterCIDR || pool ? undefined : setups.find((s) => s.podSubnet);
  const servicesFrom = doc?.serviceCIDR ? undefined : setups.find((s) => s.serviceSubnet);
  const lead = doc ? 'the Cluster document does not say' : 'no Cluster document';
  if (proxyFrom) findings.push(finding('inferred-proxy-mode', 'info', `${lead}: kube-proxy's mode is taken as ${proxyFrom.kubeProxyMode} from ${proxyFrom.source}`, proxyFrom.locator.at(proxyFrom.paths.mode!)));
  if (podsFrom) findings.push(finding('inferred-cidr', 'info', `${lead}: clusterCIDR is taken as ${podsFrom.podSubnet} from ${podsFrom.source}`, podsFrom.locator.at(podsFrom.paths.pods!)));
  if (servicesFrom) findings.push(finding('inferred-cidr', 'info', `${lead}: serviceCIDR is taken as ${servicesFrom.serviceSubnet} from ${servicesFrom.source}`, servicesFrom.locator.at(servicesFrom.paths.services!)));
  const config: ClusterConfig = {
    name: doc?.name ?? DEFAULT_CLUSTER.name,
    clusterCIDR: doc?.clusterCIDR ? cidr(doc.clusterCIDR) : pool?.cidr ?? cidr(podsFrom?.podSubnet ?? DEFAULT_CLUSTER.clusterCIDR),
    serviceCIDR: cidr(doc?.serviceCIDR ?? servicesFrom?.serviceSubnet ?? DEFAULT_CLUSTER.serviceCIDR),
    plugin,
    backend,
    bridgeName: doc?.cni.bridge ?? DEFAULT_BRIDGE[plugin],
    kubeProxyMode: doc?.kubeProxy.mode ?? proxyFrom?.kubeProxyMode ?? DEFAULT_CLUSTER.kubeProxyMode,
    policyMode,
    // flanneld and the plain bridge plugin program no policy; Calico does (see FACTS.md).
    policyEnforced: policyMode === 'enforced' || (policyMode === 'auto' && (plugin === 'calico' || !!inferred?.policyEnforced)),
    locator: doc?.locator ?? builtinLocator('default cluster'),
    isDefault: !doc,
    clusterDomain: doc?.clusterDomain ?? 'cluster.local',
    // A pool's natOutgoing is the real switch (false when the pool leaves it out).
    masquerade: pool && doc?.cni.natOutgoing === undefined ? pool.natOutgoing : resolveMasquerade(doc, plugin, findings),
    ...(inferred ? { cniInferred: inferred.because } : {}),
    ...(crossSubnet ? { crossSubnet } : {}),
    ...(pool?.blockPrefix !== undefined && pool.blockPrefix !== NODE_BLOCK_PREFIX.calico ? { blockPrefix: pool.blockPrefix } : {}),
    ipFamilies: doc?.clusterCIDR6 ? (doc.ipFamilies ?? [4, 6]) : [4],
    family: 4,
    ...(doc?.clusterCIDR6 && doc.serviceCIDR6 ? { clusterCIDR6: cidr(doc.clusterCIDR6), serviceCIDR6: cidr(doc.serviceCIDR6), masquerade6: resolveMasquerade6(doc, plugin) } : {}),
  };
  if (doc && config.clusterCIDR6 && config.serviceCIDR6 && cidrsOverlap(config.clusterCIDR6, config.serviceCIDR6)) {
    findings.push(finding('overlapping-cidrs', 'error', `clusterCIDR ${config.clusterCIDR6.text} overlaps serviceCIDR ${config.serviceCIDR6.text}: pod and Service addresses would collide`, doc.locator.at(['spec', 'serviceCIDR'])));
  }
  if (doc && cidrsOverlap(config.clusterCIDR, config.serviceCIDR)) {
    findings.push(finding('overlapping-cidrs', 'error', `clusterCIDR ${config.clusterCIDR.text} overlaps serviceCIDR ${config.serviceCIDR.text}: pod and Service addresses would collide`, doc.locator.at(['spec', 'serviceCIDR'])));
  }
  const drafts = nodeDrafts(m, config, findings);
  if (!doc) adoptDumpRanges(m, config, drafts, findings);
  return { config, nodes: resolveNodes(drafts, config, findings) };
}

/**
 * Pod → outside masquerade, under each component's own switch and with its real default:
 * flanneld runs with `--ip-masq` in flannel's Documentation/kube-flannel.yml; the default IPv4
 * pool a Calico install creates has `natOutgoing: true` (calico-node CALICO_IPV4POOL_NAT_OUTGOING,
 * default true; the operator's Installation pools, natOutgoing Enabled by default), although a
 * pool created by hand defaults to false; the bridge plugin's `ipMasq` defaults to false
 * (containernetworking plugins, bridge plugin docs). A switch that does not belong to the
 * plugin is reported and ignored.
 */
function resolveMasquerade(doc: ManifestSet['clusters'][number] | undefined, plugin: ClusterConfig['plugin'], findings: Finding[]): boolean {
  const ipMasq = doc?.cni.ipMasq;
  const natOutgoing = doc?.cni.natOutgoing;
  if (doc && plugin === 'calico' && ipMasq !== undefined) {
    findings.push(finding('ignored-field', 'warning', 'cni.ipMasq is the switch of flannel and the bridge plugin; Calico masquerades by its IP pool\'s natOutgoing (cni.natOutgoing)', doc.locator.at(['spec', 'cni', 'ipMasq'])));
  }
  if (doc && plugin !== 'calico' && natOutgoing !== undefined) {
    findings.push(finding('ignored-field', 'warning', `cni.natOutgoing is Calico's IP pool setting; ${plugin === 'flannel' ? 'flanneld' : 'the bridge plugin'} masquerades by cni.ipMasq`, doc.locator.at(['spec', 'cni', 'natOutgoing'])));
  }
  if (plugin === 'calico') return natOutgoing ?? true;
  if (plugin === 'flannel') return ipMasq ?? true;
  return ipMasq ?? false;
}

/** CrossSubnet is a mode of Calico's IP-in-IP and VXLAN; anywhere else it is reported and ignored. */
function resolveCrossSubnet(doc: ManifestSet['clusters'][number] | undefined, plugin: ClusterConfig['plugin'], backend: ClusterConfig['backend'], findings: Finding[]): boolean | undefined {
  const v = doc?.cni.crossSubnet;
  if (v === undefined || !doc) return undefined;
  if (plugin === 'calico' && (backend === 'ipip' || backend === 'vxlan')) return v;
  findings.push(finding('ignored-field', 'warning', `cni.crossSubnet is a mode of Calico's IP-in-IP and VXLAN pools; ${plugin === 'calico' ? `backend ${backend} never encapsulates` : `${plugin} has no such mode`}`, doc.locator.at(['spec', 'cni', 'crossSubnet'])));
  return undefined;
}

function pluginText(plugin: ClusterConfig['plugin'], backend: ClusterConfig['backend'], crossSubnet?: boolean): string {
  const name = plugin === 'calico' ? 'Calico' : plugin === 'flannel' ? 'flannel' : 'the bridge plugin';
  const how: Record<ClusterConfig['backend'], string> = { ipip: 'IP-in-IP', vxlan: 'VXLAN', bgp: 'BGP, no encapsulation', 'host-gw': 'host-gw', udp: 'UDP', none: 'no overlay' };
  return `${name} (${how[backend]}${crossSubnet ? ', across subnets only' : ''})`;
}

/**
 * IPv6 masquerade has switches of its own, off by default: flanneld's --ip6-masq (not in
 * kube-flannel.yml), the IPv6 pool Calico creates has natOutgoing false
 * (calico-node CALICO_IPV6POOL_NAT_OUTGOING, default false). The bridge plugin's ipMasq
 * covers every address it configures (containernetworking plugins ip.SetupIPMasq per family).
 */
function resolveMasquerade6(doc: ManifestSet['clusters'][number], plugin: ClusterConfig['plugin']): boolean {
  if (plugin === 'calico') return doc.cni.natOutgoing6 ?? false;
  if (plugin === 'flannel') return doc.cni.ip6Masq ?? false;
  return doc.cni.ipMasq ?? false;
}

interface NodeDraft {
  name: string;
  ip?: string;
  /** calico-node's tunnel addresses and flanneld's VTEP MAC, from the Node's annotations. */
  calicoTunnel?: { ipip?: string; vxlan?: string };
  flannelVtepMac?: string;
  podCIDR?: string;
  subnet?: string;
  ip6?: string;
  podCIDR6?: string;
  subnet6?: string;
  labels: Record<string, string>;
  unschedulable: boolean;
  taints: NodeTaint[];
  locator: Locator;
  path: (string | number)[];
}

function nodeDrafts(m: ManifestSet, config: ClusterConfig, findings: Finding[]): Map<string, NodeDraft> {
  const drafts = new Map<string, NodeDraft>();
  const doc = m.clusters[0];
  for (const n of doc?.nodes ?? []) {
    const taints = (n.taints ?? []).map((t) => ({ ...t, locator: doc.locator }));
    drafts.set(n.name, { name: n.name, ip: n.ip, podCIDR: n.podCIDR, subnet: n.subnet, ip6: n.ip6, podCIDR6: n.podCIDR6, subnet6: n.subnet6, labels: { ...n.labels }, unschedulable: false, taints, locator: doc.locator, path: n.path });
  }
  const seenObjects = new Map<string, Locator>();
  for (const n of m.nodes) {
    const first = seenObjects.get(n.meta.name);
    if (first) {
      findings.push(finding('duplicate-object', 'error', `Node ${n.meta.name} is defined twice; the later one is ignored`, n.locator.range, [{ message: 'first definition', range: first.range }]));
      continue;
    }
    seenObjects.set(n.meta.name, n.locator);
    const d = drafts.get(n.meta.name);
    if (d) {
      // A Node object (from a dump) is the real thing: its addresses override the document's.
      if (n.internalIP) d.ip = n.internalIP;
      if (n.podCIDR) d.podCIDR = n.podCIDR;
      if (n.internalIP6) d.ip6 = n.internalIP6;
      if (n.podCIDR6) d.podCIDR6 = n.podCIDR6;
      if (n.calicoTunnel) d.calicoTunnel = n.calicoTunnel;
      if (n.flannelVtepMac) d.flannelVtepMac = n.flannelVtepMac;
      Object.assign(d.labels, n.meta.labels);
      d.unschedulable = n.unschedulable;
      // The Node object's taints are the live ones: they replace the document's when it has any.
      if (n.taints?.length) d.taints = n.taints.map((t) => ({ ...t, locator: n.locator }));
    } else {
      drafts.set(n.meta.name, { name: n.meta.name, ip: n.internalIP, podCIDR: n.podCIDR, ip6: n.internalIP6, podCIDR6: n.podCIDR6, ...(n.calicoTunnel ? { calicoTunnel: n.calicoTunnel } : {}), ...(n.flannelVtepMac ? { flannelVtepMac: n.flannelVtepMac } : {}), labels: { ...n.meta.labels }, unschedulable: n.unschedulable, taints: (n.taints ?? []).map((t) => ({ ...t, locator: n.locator })), locator: n.locator, path: [] });
    }
  }
  // Pods of a live cluster that say where they run: the nodes they name, and the blocks they sit in.
  const live = dumpPods(m);
  if (drafts.size === 0) {
    impliedNodes(live, drafts);
    // Pods that only name the default nodes (hand-written, seed-style) keep the default cluster.
    const defaultNames = new Set(DEFAULT_CLUSTER.nodes.map((n) => n.name));
    if ([...drafts.keys()].every((name) => defaultNames.has(name))) drafts.clear();
  }
  blocksFromPodAddresses(live, config, drafts);
  if (drafts.size === 0) {
    const loc = builtinLocator('default cluster');
    // A pool the manifests name (an IPPool, the operator's Installation: Calico's default is
    // 192.168.0.0/16) holds the default nodes' blocks, and their invented addresses move out of it.
    const shift = defaultNodeShift(config);
    for (const n of DEFAULT_CLUSTER.nodes) {
      const inPool = cidrContainsCidr(config.clusterCIDR, cidr(n.podCIDR));
      drafts.set(n.name, { name: n.name, ip: intToIp((ipToInt(n.ip) + shift) >>> 0), ...(inPool ? { podCIDR: n.podCIDR } : {}), labels: {}, unschedulable: false, taints: [], locator: loc, path: [] });
    }
  }
  return drafts;
}

/**
 * How far the default nodes' addresses (192.168.1.10, .11) move so that neither range holds
 * them: to 172.31.1.x, else 10.255.1.x (a /24 each; one of the three is always free of two ranges).
 */
function defaultNodeShift(config: ClusterConfig): number {
  const base = ipToInt('192.168.1.0');
  for (const to of ['192.168.1.0', '172.31.1.0', '10.255.1.0']) {
    const subnet = cidr(`${to}/24`);
    if (!cidrsOverlap(subnet, config.clusterCIDR) && !cidrsOverlap(subnet, config.serviceCIDR)) return ipToInt(to) - base;
  }
  return 0;
}

/**
 * A dump (`kubectl get pods -o yaml`) without Node objects still says where its pods run:
 * spec.nodeName, with status.hostIP as the node's address. Only pods that carry status (so
 * come from a live cluster) are trusted for this, and only when they name nodes other than
 * the default ones; a hand-written nodeName that names no node stays an error.
 */
function impliedNodes(live: ManifestSet['pods'], drafts: Map<string, NodeDraft>): void {
  for (const p of live) {
    const name = p.spec.nodeName!;
    let d = drafts.get(name);
    if (!d) drafts.set(name, (d = { name, labels: {}, unschedulable: false, taints: [], locator: p.locator, path: [] }));
    if (!d.ip && p.status.hostIP) d.ip = p.status.hostIP;
  }
}

/** Pods of a live cluster that say where they run, in key order. */
function dumpPods(m: ManifestSet): ManifestSet['pods'] {
  return m.pods
    .filter((p) => p.spec.nodeName && (p.status.hostIP || p.status.podIP))
    .sort((a, b) => cmp(podKey(a.meta.namespace, a.meta.name), podKey(b.meta.namespace, b.meta.name)));
}

/**
 * A node no one gave a pod block (no Cluster document entry, no spec.podCIDR) whose pods carry
 * live addresses: its block is the /24 (the IPPool's block size for Calico) holding all of
 * them, when there is one such block. A Calico node's pods may span several blocks; the lowest
 * that no other node holds is taken, and pods.ts files the others (calico-blocks.ts).
 */
function blocksFromPodAddresses(live: ManifestSet['pods'], config: ClusterConfig, drafts: Map<string, NodeDraft>): void {
  const blockPrefix = nodeBlockPrefix(config);
  const mask = maskOf(blockPrefix);
  const podIPs = new Map<string, number[]>();
  for (const p of live) {
    const d = drafts.get(p.spec.nodeName!);
    if (!d || d.podCIDR) continue;
    const ip = p.status.podIP;
    if (!ip || ip.includes(':') || p.spec.hostNetwork || ip === p.status.hostIP) continue;
    let list = podIPs.get(d.name);
    if (!list) podIPs.set(d.name, (list = []));
    list.push(ipToInt(ip));
  }
  if (podIPs.size === 0) return;
  const claimed = new Set<number>();
  for (const d of drafts.values()) {
    const c = d.podCIDR ? parseCidr(d.podCIDR, { allowHostBits: true }) : undefined;
    if (c?.ok && c.value.family !== 6) claimed.add((c.value.base & mask) >>> 0);
  }
  for (const name of [...podIPs.keys()].sort()) {
    const ips = podIPs.get(name)!;
    const base = (ips[0] & mask) >>> 0;
    const one = ips.every((ip) => ((ip & mask) >>> 0) === base);
    const first = one ? base : config.plugin === 'calico' ? [...new Set(ips.map((ip) => (ip & mask) >>> 0))].sort((a, b) => a - b).find((b) => !claimed.has(b)) : undefined;
    if (first === undefined) continue;
    drafts.get(name)!.podCIDR = `${intToIp(first)}/${blockPrefix}`;
    claimed.add(first);
  }
}

/**
 * Without a Cluster document the default ranges are a guess. When the manifests are a dump of
 * a live cluster (Node objects, or pods carrying status) and its own addresses fall outside
 * them (k3s uses 10.42.0.0/16 and 10.43.0.0/16, EKS 172.20.0.0/16 …), the dump wins: the range
 * becomes the smallest block (at least a /16) holding the dump's addresses, and an info
 * finding says so. Hand-written manifests keep the default, and their conflicts are reported.
 */
function adoptDumpRanges(m: ManifestSet, config: ClusterConfig, drafts: Map<string, NodeDraft>, findings: Finding[]): void {
  const fromDump = m.nodes.length > 0 || m.pods.some((p) => p.status.podIP || p.status.hostIP);
  if (!fromDump) return;
  const blocks: Cidr[] = [];
  for (const d of drafts.values()) {
    const c = d.podCIDR ? parseCidr(d.podCIDR, { allowHostBits: true }) : undefined;
    if (c?.ok) blocks.push(c.value);
  }
  if (blocks.some((b) => !cidrContainsCidr(config.clusterCIDR, b))) {
    const wide = coveringCidr(blocks, 16);
    if (wide && !cidrsOverlap(wide, config.serviceCIDR)) {
      findings.push(finding('inferred-cidr', 'info', `no Cluster document: clusterCIDR taken as ${wide.text} from the nodes' pod CIDRs instead of the default ${config.clusterCIDR.text}`));
      config.clusterCIDR = wide;
    }
  }
  const clusterIPs: number[] = [];
  for (const s of m.services) {
    if (s.clusterIP && s.clusterIP !== 'None' && s.type !== 'ExternalName') clusterIPs.push(ipToInt(s.clusterIP));
  }
  if (clusterIPs.some((ip) => !cidrContains(config.serviceCIDR, ip))) {
    const wide = coveringCidr(clusterIPs, 16);
    if (wide && !cidrsOverlap(wide, config.clusterCIDR)) {
      findings.push(finding('inferred-cidr', 'info', `no Cluster document: serviceCIDR taken as ${wide.text} from the Services' clusterIPs instead of the default ${config.serviceCIDR.text}`));
      config.serviceCIDR = wide;
    }
  }
}

function resolveNodes(drafts: Map<string, NodeDraft>, config: ClusterConfig, findings: Finding[]): NodeInfo[] {
  const names = [...drafts.keys()].sort();
  const blockPrefix = nodeBlockPrefix(config);
  const usedBlocks: Cidr[] = [];
  const usedIPs = new Set<string>();
  const nodes: NodeInfo[] = [];
  const byIP = new Map<string, NodeInfo>();
  // First pass: explicit pod CIDRs and node IPs are claimed so that made-up ones avoid them.
  for (const name of names) {
    const d = drafts.get(name)!;
    if (d.podCIDR) usedBlocks.push(cidr(d.podCIDR));
    if (d.ip) usedIPs.add(d.ip);
  }
  let nextBlock = 0;
  let nextIP = 0;
  const blockAllocator6 = config.clusterCIDR6 ? new BlockAllocator(config.clusterCIDR6, NODE_BLOCK_PREFIX6[config.plugin], names.map((n) => drafts.get(n)!.podCIDR6).filter((c): c is string => !!c).map((c) => cidr(c))) : undefined;
  names.forEach((name, index) => {
    const d = drafts.get(name)!;
    const at = d.path.length ? d.locator.at(d.path) : d.locator.range;
    let ip = d.ip;
    if (!ip) {
      do ip = `192.168.1.${10 + nextIP++}`; while (usedIPs.has(ip) && nextIP < 240);
      usedIPs.add(ip);
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
    } else if (!cidrContainsCidr(config.clusterCIDR, podCIDR)) {
      findings.push(finding('pod-cidr-outside-cluster-cidr', 'warning', `node ${name} podCIDR ${podCIDR.text} is outside clusterCIDR ${config.clusterCIDR.text}`, at));
    }
    if (podCIDR.prefix < 32 && cidrsOverlap(podCIDR, config.serviceCIDR)) {
      findings.push(finding('overlapping-cidrs', 'error', `node ${name} podCIDR ${podCIDR.text} overlaps serviceCIDR ${config.serviceCIDR.text}: pod and Service addresses would collide`, at));
    }
    let subnet: Cidr;
    const parsedSubnet = d.subnet ? parseCidr(d.subnet) : undefined;
    if (parsedSubnet && parsedSubnet.ok) {
      subnet = parsedSubnet.value;
      if (!cidrContains(subnet, ip)) findings.push(finding('invalid-value', 'error', `node ${name} IP ${ip} is not inside its subnet ${subnet.text}`, at));
    } else {
      const base = (ipToInt(ip) & 0xffffff00) >>> 0;
      subnet = { base, prefix: 24, text: `${intToIp(base)}/24` };
    }
    // The tunnel device's address calico-node chose (a dump says it); one outside the pool is not used.
    const tunnel = config.plugin === 'calico' ? (config.backend === 'vxlan' ? d.calicoTunnel?.vxlan : config.backend === 'ipip' ? d.calicoTunnel?.ipip : undefined) : undefined;
    const info: NodeInfo = {
      name, ip, podCIDR, subnet,
      ...(tunnel && cidrContains(config.clusterCIDR, tunnel) ? { calicoTunnelIP: tunnel } : {}),
      ...(config.plugin === 'flannel' && d.flannelVtepMac ? { flannelVtepMac: d.flannelVtepMac } : {}),
      ...(config.clusterCIDR6 ? ipv6OfNode(d, ip, config, blockAllocator6, at, findings) : {}),
      labels: { ...wellKnownNodeLabels(name), ...d.labels },
      unschedulable: d.unschedulable, ...(d.taints.length ? { taints: d.taints } : {}), index, locator: d.locator, path: d.path,
    };
    const twin = byIP.get(ip);
    if (twin) findings.push(finding('duplicate-node-ip', 'error', `nodes ${twin.name} and ${name} both have IP ${ip}`, at));
    byIP.set(ip, info);
    if (cidrContains(config.clusterCIDR, ip) || cidrContains(config.serviceCIDR, ip)) {
      findings.push(finding('overlapping-cidrs', 'error', `node ${name} IP ${ip} lies inside the ${cidrContains(config.clusterCIDR, ip) ? `pod network ${config.clusterCIDR.text}` : `service network ${config.serviceCIDR.text}`}`, at));
    }
    nodes.push(info);
  });
  reportOverlappingBlocks(nodes, findings);
  return nodes;
}

/** Hands out the free blocks of one size inside a range, in order, past the ones already claimed. */
class BlockAllocator {
  private next = 0;
  constructor(private readonly range: Cidr, readonly prefix: number, private readonly used: Cidr[]) {}
  take(): Cidr | undefined {
    for (;;) {
      const candidate = nthSubnet(this.range, this.prefix, this.next++);
      if (!candidate) return undefined;
      if (!this.used.some((u) => cidrsOverlap(u, candidate))) {
        this.used.push(candidate);
        return candidate;
      }
    }
  }
}

/**
 * A dual-stack node's IPv6 side: its address (a Node object's IPv6 InternalIP, the document's
 * ip6, else one PodPath assumes from the IPv4 one: a.b.c.d → fd00:a:b:c::d), eth0's /64 and its
 * IPv6 pod block (as given, else the next free one of clusterCIDR's IPv6 range).
 */
function ipv6OfNode(d: NodeDraft, ip: string, config: ClusterConfig, blocks: BlockAllocator | undefined, at: SourceRange, findings: Finding[]): Pick<NodeInfo, 'ip6' | 'podCIDR6' | 'subnet6'> {
  let ip6 = d.ip6;
  if (!ip6) {
    ip6 = `fd00:${ip.split('.').slice(0, 3).join(':')}::${ip.split('.')[3]}`;
    findings.push(finding('node-without-ip', 'warning', `node ${d.name} has no IPv6 InternalIP in a dual-stack cluster; PodPath assumes ${ip6}`, at));
  }
  const parsedSubnet = d.subnet6 ? parseCidr(d.subnet6, { family: 6 }) : undefined;
  const subnet6 = parsedSubnet?.ok ? parsedSubnet.value : cidr(`${ip6}/64`);
  if (!cidrContains(subnet6, ip6)) findings.push(finding('invalid-value', 'error', `node ${d.name} IP ${ip6} is not inside its subnet ${subnet6.text}`, at));
  let podCIDR6: Cidr | undefined = d.podCIDR6 ? cidr(d.podCIDR6) : undefined;
  if (!podCIDR6) {
    podCIDR6 = blocks?.take();
    if (!podCIDR6) {
      findings.push(finding('pod-cidr-exhausted', 'error', `clusterCIDR ${config.clusterCIDR6!.text} has no free /${blocks?.prefix} left for node ${d.name}`, at));
      return { ip6, subnet6 };
    }
  } else if (!cidrContainsCidr(config.clusterCIDR6!, podCIDR6)) {
    findings.push(finding('pod-cidr-outside-cluster-cidr', 'warning', `node ${d.name} podCIDR ${podCIDR6.text} is outside clusterCIDR ${config.clusterCIDR6!.text}`, at));
  }
  return { ip6, podCIDR6, subnet6 };
}

/** Pod CIDRs of two nodes overlap: sorted by start address, each block is compared with the widest open one before it. */
function reportOverlappingBlocks(nodes: NodeInfo[], findings: Finding[]): void {
  const byStart = nodes.filter((n) => n.podCIDR.prefix < 32).sort((a, b) => a.podCIDR.base - b.podCIDR.base || a.podCIDR.prefix - b.podCIDR.prefix || cmp(a.name, b.name));
  let open: NodeInfo | undefined;
  let openEnd = -1;
  for (const n of byStart) {
    const end = n.podCIDR.base + 2 ** (32 - n.podCIDR.prefix) - 1;
    if (open && n.podCIDR.base <= openEnd) {
      // Report at whichever node comes later by name, so the finding lands on the newcomer.
      const [first, second] = cmp(open.name, n.name) < 0 ? [open, n] : [n, open];
      const at = second.path.length ? second.locator.at(second.path) : second.locator.range;
      findings.push(finding('overlapping-cidrs', 'error', `pod CIDRs of nodes ${first.name} (${first.podCIDR.text}) and ${second.name} (${second.podCIDR.text}) overlap`, at));
    }
    if (end > openEnd) {
      open = n;
      openEnd = end;
    }
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
