import { Cluster, NodeInfo, PodInfo, podBlocksOf } from '../cluster/model';
import { macFor } from '../common/hash';
import { FAMILY_CONSTANTS, cidr, nthAddress } from '../common/ip';
import { FAMILY_PROFILES } from './family';
import { NodeDataplane } from './model';
import { nodeCause, podCause } from './pod-netns';
import { sameL2 } from './underlay';

/** Every Calico host-side veth has this MAC (docs: "Why do all cali* interfaces have the MAC ee:ee:ee:ee:ee:ee?"). */
export const CALICO_VETH_MAC = 'ee:ee:ee:ee:ee:ee';
export const CALICO_VXLAN_VNI = 4096;
export const CALICO_VXLAN_PORT = 4789;

/** The tunnel address Calico assigns a node: the one calico-node wrote on the Node, else the first address of its block. */
export function calicoTunnelAddress(node: NodeInfo): string {
  return node.calicoTunnelIP ?? nthAddress(node.podCIDR, 0);
}

export function calicoVtepMac(node: NodeInfo, device = 'vxlan.calico'): string {
  return macFor(device === 'vxlan.calico' ? `calico-vtep/${node.name}` : `${device}-vtep/${node.name}`);
}

/**
 * Calico: no bridge. Each pod's host veth (cali…) answers ARP for everything (proxy_arp) and
 * gets a /32 route; the node blackholes its own blocks; remote blocks go over tunl0 (ipip),
 * vxlan.calico, or straight to the node (bgp, which needs L2 adjacency or peering routers).
 */
export function programCalico(cluster: Cluster, dp: NodeDataplane, pods: PodInfo[]): void {
  const { node, root } = dp;
  const cfg = cluster.config;
  const fam = FAMILY_CONSTANTS[cfg.family];
  const profile = FAMILY_PROFILES[cfg.family];
  // IP-in-IP carries IPv4 only: Calico's IPv6 pools have no ipipMode, so with the ipip backend
  // IPv6 blocks are routed by BGP without encapsulation (Calico docs, "Configure dual-stack").
  const backend = cfg.family === 6 && cfg.backend === 'ipip' ? 'bgp' : cfg.backend;
  const vxlanDevice = profile.calicoVxlanDevice;
  for (const pod of pods) {
    const cause = podCause(pod, `pod ${pod.key}: host end ${pod.hostVeth} of its veth pair (proxy ARP)`);
    root.devices.push({ name: pod.hostVeth, kind: 'veth', mac: CALICO_VETH_MAC, mtu: 1500, addresses: [], proxyArp: true, peer: { netns: `${node.name}/${pod.key}`, device: 'eth0' }, cause });
    root.routes.push({ dst: cidr(`${pod.ip}/${fam.hostPrefix}`), type: 'unicast', dev: pod.hostVeth, scope: 'link', cause });
    root.sysctls[profile.neighbourProxySysctl(pod.hostVeth)] = '1';
    root.neighbors.push({ ip: pod.ip, mac: pod.mac, dev: pod.hostVeth, state: 'REACHABLE', cause });
  }
  // BIRD blackholes every block affine to the node, and advertises each one (a node that filled
  // its first block claimed more: calico-blocks.ts).
  for (const block of podBlocksOf(cluster, node)) {
    // A borrowed address (a /32 in another node's block) has its pod's own route here.
    if (block.prefix === fam.hostPrefix) continue;
    const blockCause = nodeCause(node, `Calico IPAM: block ${block.text} is affine to ${node.name}`);
    root.routes.push({ dst: block, type: 'blackhole', proto: 'bird', cause: blockCause });
  }
  const tunnelCause = { text: `Calico (${backend})`, locator: cfg.locator, path: ['spec', 'cni'] };
  if (backend === 'ipip') {
    root.devices.push({ name: 'tunl0', kind: 'ipip', mtu: 1480, addresses: [{ ip: calicoTunnelAddress(node), prefix: 32 }], ipip: {}, cause: { ...tunnelCause, text: 'Calico (ipip): tunl0, IP-in-IP (protocol 4)' } });
  } else if (backend === 'vxlan') {
    root.devices.push({
      name: vxlanDevice, kind: 'vxlan', mac: calicoVtepMac(node, vxlanDevice), mtu: cfg.family === 6 ? 1430 : 1450,
      addresses: [{ ip: calicoTunnelAddress(node), prefix: fam.hostPrefix }],
      vxlan: { vni: CALICO_VXLAN_VNI, port: CALICO_VXLAN_PORT, local: node.ip, dev: 'eth0', learning: false },
      cause: { ...tunnelCause, text: `Calico (vxlan): ${vxlanDevice}, VNI ${CALICO_VXLAN_VNI}, UDP ${CALICO_VXLAN_PORT}` },
    });
  }
  for (const r of cluster.nodes) {
    if (r.name === node.name) continue;
    // CrossSubnet: a node on this node's subnet is reached without encapsulation, as with BGP.
    const direct = cfg.crossSubnet && sameL2(node, r);
    podBlocksOf(cluster, r).forEach((block, i) => {
      const why = nodeCause(r, block.prefix === fam.hostPrefix ? `BIRD: address ${block.text}, which node ${r.name} borrowed from another node's block` : `BIRD: block ${block.text} of node ${r.name}${direct ? ' (CrossSubnet: same subnet, not encapsulated)' : ''}`);
      if (direct) {
        root.routes.push({ dst: block, type: 'unicast', via: r.ip, dev: 'eth0', proto: 'bird', cause: why });
      } else if (backend === 'ipip') {
        root.routes.push({ dst: block, type: 'unicast', via: r.ip, dev: 'tunl0', proto: 'bird', onlink: true, cause: why });
      } else if (backend === 'vxlan') {
        const vtep = calicoTunnelAddress(r);
        root.routes.push({ dst: block, type: 'unicast', via: vtep, dev: vxlanDevice, onlink: true, cause: why });
        // One VTEP per node, whatever number of blocks it holds.
        if (i > 0) return;
        root.neighbors.push({ ip: vtep, mac: calicoVtepMac(r, vxlanDevice), dev: vxlanDevice, state: 'PERMANENT', cause: why });
        root.fdb.push({ mac: calicoVtepMac(r, vxlanDevice), dev: vxlanDevice, dst: r.ip, permanent: true, cause: why });
      } else if (sameL2(node, r)) {
        root.routes.push({ dst: block, type: 'unicast', via: r.ip, dev: 'eth0', proto: 'bird', cause: why });
      } else {
        dp.missingRoutes.push({ dst: block, text: `BIRD cannot use ${r.ip} as next hop for ${block.text}: it is not on ${node.name}'s subnet; plain BGP mode needs L2 adjacency or peering with the routers`, cause: why });
      }
    });
  }
}
