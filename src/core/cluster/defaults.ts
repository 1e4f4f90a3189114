import { CniBackend, CniPlugin } from '../manifest/types';

/**
 * The embedded default cluster, used when the workspace has no PodPath Cluster document:
 * two nodes on one L2 subnet, flannel with the vxlan backend, kube-proxy in iptables mode —
 * the shape of a fresh kubeadm + flannel install.
 */
export const DEFAULT_CLUSTER = {
  name: 'default',
  clusterCIDR: '10.244.0.0/16',
  serviceCIDR: '10.96.0.0/12',
  plugin: 'flannel' as CniPlugin,
  backend: 'vxlan' as CniBackend,
  kubeProxyMode: 'iptables' as const,
  nodes: [
    { name: 'node-1', ip: '192.168.1.10', podCIDR: '10.244.1.0/24' },
    { name: 'node-2', ip: '192.168.1.11', podCIDR: '10.244.2.0/24' },
  ],
};

export const DEFAULT_BACKEND: Record<CniPlugin, CniBackend> = { bridge: 'none', flannel: 'vxlan', calico: 'ipip' };

/** Bridge device per plugin: flannel's bridge plugin names it cni0; the seeds' labs use cbr0 or docker0. */
export const DEFAULT_BRIDGE: Record<CniPlugin, string> = { bridge: 'cbr0', flannel: 'cni0', calico: '' };

/** Prefix length of each node's pod block: kube-controller-manager's /24, Calico's /26 IPAM blocks. */
export const NODE_BLOCK_PREFIX: Record<CniPlugin, number> = { bridge: 24, flannel: 24, calico: 26 };

/** The prefix length of the cluster's node blocks: its own (an IPPool's blockSize) or the plugin's default. */
export function nodeBlockPrefix(config: { plugin: CniPlugin; blockPrefix?: number }): number {
  return config.blockPrefix ?? NODE_BLOCK_PREFIX[config.plugin];
}

/**
 * Prefix length of each node's IPv6 pod block: kube-controller-manager's
 * --node-cidr-mask-size-ipv6 default /64 (flannel's SubnetLenIPv6 default too), Calico's IPv6
 * IPAM blockSize default /122.
 */
export const NODE_BLOCK_PREFIX6: Record<CniPlugin, number> = { bridge: 64, flannel: 64, calico: 122 };

/** Default NodePort range of kube-apiserver (--service-node-port-range). */
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

/** Labels every node carries (set by the kubelet). */
export function wellKnownNodeLabels(name: string): Record<string, string> {
  return { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' };
}
