import { Cidr, cidr } from '../common/ip';
import { SourceRange } from '../common/source';
import { CalicoIPPoolManifest, CalicoInstallationManifest, CniBackend, CniPlugin, ManifestSet } from '../manifest/types';

/**
 * Which CNI a dump of a live cluster runs, when no Cluster document says so. What each
 * component leaves in the objects the API server returns:
 * - flanneld writes `flannel.alpha.coreos.com/backend-type` (vxlan, host-gw, udp …) on every
 *   Node it leases a subnet to (flannel, pkg/subnet/kube);
 * - Calico's IPPools (`kubectl get ippools.crd.projectcalico.org`) say how pod traffic crosses
 *   nodes: ipipMode / vxlanMode Always or CrossSubnet, or neither (plain BGP routes);
 * - calico-node writes `projectcalico.org/IPv4Address` on its Node, and
 *   `projectcalico.org/IPv4IPIPTunnelAddr` or `…/IPv4VXLANTunnelAddr` when it made a tunnel;
 * - their DaemonSets' pods carry `k8s-app: calico-node` and `app: flannel`;
 * - an operator install's manifests hold the Tigera operator's Installation, whose pools the
 *   operator creates (a live cluster's IPPools win: they are what runs, edits included).
 * Flannel's annotation decides the data path first: Canal runs calico-node beside flanneld for
 * policy only, and then NetworkPolicy is enforced.
 */
export interface InferredCni {
  plugin: CniPlugin;
  backend: CniBackend;
  /** Calico CrossSubnet: encapsulated only towards nodes on another subnet. */
  crossSubnet?: boolean;
  /** Calico calico-node beside flanneld (Canal): policy is enforced. */
  policyEnforced?: boolean;
  /** The IPPool the answer came from: its range, block size and natOutgoing. */
  pool?: { cidr: Cidr; blockPrefix?: number; natOutgoing: boolean };
  /** What the answer rests on, for the finding that reports it. */
  because: string;
  at?: SourceRange;
}

const FLANNEL_BACKEND = 'flannel.alpha.coreos.com/backend-type';
const CALICO_ADDRESS = 'projectcalico.org/IPv4Address';
const CALICO_IPIP = 'projectcalico.org/IPv4IPIPTunnelAddr';
const CALICO_VXLAN = 'projectcalico.org/IPv4VXLANTunnelAddr';
/** flannel backends PodPath models, by the name flanneld writes. */
const FLANNEL_BACKENDS: Record<string, CniBackend> = { vxlan: 'vxlan', 'host-gw': 'host-gw', udp: 'udp' };

/**
 * Whether the manifests are (or hold) a dump of a live cluster: Node objects, or pods carrying
 * status. Only then are pods evidence of the cluster's setup (and inputs of its configuration).
 */
export function fromLiveCluster(m: ManifestSet): boolean {
  return m.nodes.length > 0 || m.pods.some((p) => p.status.podIP || p.status.hostIP);
}

export function inferCni(m: ManifestSet): InferredCni | undefined {
  const livePods = fromLiveCluster(m) ? m.pods : [];
  const calicoPods = livePods.filter((p) => p.meta.labels['k8s-app'] === 'calico-node');
  const calicoNode = m.nodes.find((n) => n.meta.annotations[CALICO_ADDRESS] !== undefined);
  const flannelNode = m.nodes.find((n) => n.meta.annotations[FLANNEL_BACKEND] !== undefined);
  if (flannelNode) {
    const written = flannelNode.meta.annotations[FLANNEL_BACKEND];
    const backend = FLANNEL_BACKENDS[written] ?? 'vxlan';
    // An annotation holds any text: only a plain backend name is quoted back in the finding.
    const shown = /^[a-z0-9-]{1,32}$/.test(written) ? written : 'a value that is not a backend name';
    const modelled = FLANNEL_BACKENDS[written] ? '' : ` (a backend PodPath does not model: VXLAN is assumed)`;
    // Canal's calico-node, policy only, still annotates its Node (and runs as calico-node pods).
    const canal = calicoPods.length > 0 || !!calicoNode;
    return {
      plugin: 'flannel', backend, ...(canal ? { policyEnforced: true } : {}),
      because: `Node ${flannelNode.meta.name}'s ${FLANNEL_BACKEND}: ${shown}${modelled}${canal ? `, with calico-node enforcing policy (Canal: ${calicoNode ? `${CALICO_ADDRESS} on Node ${calicoNode.meta.name}` : `pod ${calicoPods[0].meta.namespace}/${calicoPods[0].meta.name}`})` : ''}`,
      at: flannelNode.locator.range,
    };
  }
  const pool = usedPool(m.calicoPools ?? []);
  if (pool) {
    const mode = pool.ipipMode !== 'Never' ? pool.ipipMode : pool.vxlanMode;
    const backend: CniBackend = pool.ipipMode !== 'Never' ? 'ipip' : pool.vxlanMode !== 'Never' ? 'vxlan' : 'bgp';
    return {
      plugin: 'calico', backend, ...(mode === 'CrossSubnet' ? { crossSubnet: true } : {}),
      pool: { cidr: cidr(pool.cidr!), ...(pool.blockSize !== undefined ? { blockPrefix: pool.blockSize } : {}), natOutgoing: pool.natOutgoing ?? false },
      because: `IPPool ${pool.meta.name} (${pool.cidr}, ${backend === 'ipip' ? `ipipMode ${pool.ipipMode}` : backend === 'vxlan' ? `vxlanMode ${pool.vxlanMode}` : 'no encapsulation'})`,
      at: pool.locator.range,
    };
  }
  const install = fromInstallation(m.calicoInstallations ?? []);
  if (install) return install;
  if (calicoNode) {
    const a = calicoNode.meta.annotations;
    const backend: CniBackend = a[CALICO_IPIP] !== undefined ? 'ipip' : a[CALICO_VXLAN] !== undefined ? 'vxlan' : 'bgp';
    const tunnel = backend === 'ipip' ? CALICO_IPIP : backend === 'vxlan' ? CALICO_VXLAN : undefined;
    return { plugin: 'calico', backend, because: `Node ${calicoNode.meta.name}'s ${tunnel ?? `${CALICO_ADDRESS} without a tunnel address`}`, at: calicoNode.locator.range };
  }
  // calico.yaml's default pool (CALICO_IPV4POOL_IPIP: Always) when nothing says more.
  if (calicoPods.length) return { plugin: 'calico', backend: 'ipip', because: `calico-node pod ${calicoPods[0].meta.namespace}/${calicoPods[0].meta.name} (IP-in-IP assumed, calico.yaml's default)`, at: calicoPods[0].locator.range };
  const flannelPod = livePods.find((p) => p.meta.labels.app === 'flannel');
  if (flannelPod) return { plugin: 'flannel', backend: 'vxlan', because: `flannel pod ${flannelPod.meta.namespace}/${flannelPod.meta.name} (VXLAN assumed, kube-flannel.yml's default)`, at: flannelPod.locator.range };
  return undefined;
}

/** The IPv4 pool new pods take addresses from: the first enabled one by name (default-ipv4-ippool, usually the only one). */
function usedPool(pools: CalicoIPPoolManifest[]): CalicoIPPoolManifest | undefined {
  return pools
    .filter((p) => !p.disabled && p.cidr && !p.cidr.includes(':'))
    .sort((a, b) => (a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0))[0];
}

/** The Installation named `default` (the operator reads only that one), its first IPv4 pool. */
function fromInstallation(installs: CalicoInstallationManifest[]): InferredCni | undefined {
  const install = installs.find((i) => i.meta.name === 'default');
  if (!install) return undefined;
  // Another cni.type (AmazonVPC, AzureVNET, GKE): the cloud's CNI routes pods, Calico only enforces policy.
  if (install.cniType !== undefined && install.cniType !== 'Calico') return undefined;
  const pool = install.pools.find((p) => !p.cidr.includes(':'));
  if (!pool) return undefined;
  const e = pool.encapsulation;
  const backend: CniBackend = e.startsWith('IPIP') ? 'ipip' : e.startsWith('VXLAN') ? 'vxlan' : 'bgp';
  const dataplane = install.linuxDataplane && install.linuxDataplane !== 'Iptables' ? `; its ${install.linuxDataplane} dataplane is modelled as the iptables one` : '';
  return {
    plugin: 'calico', backend, ...(e.endsWith('CrossSubnet') ? { crossSubnet: true } : {}),
    pool: { cidr: cidr(pool.cidr), ...(pool.blockSize !== undefined ? { blockPrefix: pool.blockSize } : {}), natOutgoing: pool.natOutgoing },
    because: `the operator's Installation default (pool ${pool.name ?? pool.cidr}: ${pool.cidr}, encapsulation ${e}${dataplane})`,
    at: install.locator.at(pool.path),
  };
}

/**
 * CNIs PodPath does not model, by the labels their node agents' pods carry (their DaemonSets'
 * manifests): a dump of such a cluster must not be read as the default flannel silently.
 */
const UNMODELLED: { name: string; matches: (labels: Record<string, string>) => boolean }[] = [
  { name: 'Cilium', matches: (l) => l['k8s-app'] === 'cilium' },
  { name: 'the AWS VPC CNI', matches: (l) => l['k8s-app'] === 'aws-node' },
  { name: 'Weave Net', matches: (l) => l.name === 'weave-net' },
  { name: 'kube-router', matches: (l) => l['k8s-app'] === 'kube-router' },
  { name: 'Antrea', matches: (l) => l.app === 'antrea' && l.component === 'antrea-agent' },
  { name: 'kindnet', matches: (l) => l.app === 'kindnet' || l['k8s-app'] === 'kindnet' },
  { name: 'OVN-Kubernetes', matches: (l) => l.app === 'ovnkube-node' },
  { name: 'Azure CNI', matches: (l) => l['k8s-app'] === 'azure-cns' || l['k8s-app'] === 'azure-cni' },
];

/** A CNI the manifests show running that PodPath does not model (only asked when none it models was found). */
export function unmodelledCni(m: ManifestSet): { name: string; because: string; at: SourceRange } | undefined {
  if (!fromLiveCluster(m)) return undefined;
  for (const p of m.pods) {
    const cni = UNMODELLED.find((u) => u.matches(p.meta.labels));
    if (cni) return { name: cni.name, because: `pod ${p.meta.namespace}/${p.meta.name}`, at: p.locator.range };
  }
  return undefined;
}
