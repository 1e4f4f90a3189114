import { Cluster, NodeInfo, PodInfo } from '../cluster/model';
import { macFor } from '../common/hash';
import { FAMILY_CONSTANTS, nthAddress } from '../common/ip';
import { FAMILY_PROFILES } from './family';
import { attachPodsToBridge } from './cni-bridge';
import { NodeDataplane } from './model';
import { nodeCause } from './pod-netns';
import { sameL2 } from './underlay';

/** flannel's VXLAN constants (flannel-io/flannel Documentation/backends.md). */
export const FLANNEL_VXLAN_VNI = 1;
export const FLANNEL_VXLAN_PORT = 8472;
export const FLANNEL_UDP_PORT = 8285;

/**
 * The VTEP MAC flanneld gives flannel.1 on a node: the one a dump carries (IPv4's flannel.1
 * only), otherwise a stable one (random in reality).
 */
export function flannelVtepMac(node: NodeInfo, device = 'flannel.1'): string {
  if (device === 'flannel.1' && node.flannelVtepMac) return node.flannelVtepMac;
  return macFor(device === 'flannel.1' ? `flannel-vtep/${node.name}` : `${device}-vtep/${node.name}`);
}

/** A node subnet's network address: flannel.1's /32 and the on-link gateway of remote routes. */
function subnetZero(node: NodeInfo): string {
  return nthAddress(node.podCIDR, 0);
}

/**
 * flannel: pods on the cni0 bridge (via the bridge plugin, hairpin mode on), and between
 * nodes one of three backends — vxlan (flannel.1), host-gw (plain routes) or udp (flannel0).
 */
export function programFlannel(cluster: Cluster, dp: NodeDataplane, pods: PodInfo[]): void {
  attachPodsToBridge(cluster, dp, pods);
  const { node, root } = dp;
  const cfg = cluster.config;
  const remotes = cluster.nodes.filter((n) => n.name !== node.name);
  if (cfg.backend === 'vxlan') {
    // Dual-stack flanneld runs a second VTEP for IPv6, flannel-v6.1, over the nodes' IPv6 addresses.
    const profile = FAMILY_PROFILES[cfg.family];
    const vtep = profile.flannelVxlanDevice;
    const cause = { text: `flanneld (vxlan): ${vtep}, VNI ${FLANNEL_VXLAN_VNI}, UDP ${FLANNEL_VXLAN_PORT}`, locator: cfg.locator, path: ['spec', 'cni'] };
    root.devices.push({
      name: vtep, kind: 'vxlan', mac: flannelVtepMac(node, vtep), mtu: profile.flannelVxlanMtu,
      addresses: [{ ip: subnetZero(node), prefix: FAMILY_CONSTANTS[cfg.family].hostPrefix }],
      vxlan: { vni: FLANNEL_VXLAN_VNI, port: FLANNEL_VXLAN_PORT, local: node.ip, dev: 'eth0', learning: false },
      cause,
    });
    for (const r of remotes) {
      const why = nodeCause(r, `flanneld: lease of node ${r.name} (${r.podCIDR.text}, public IP ${r.ip})`);
      root.routes.push({ dst: r.podCIDR, type: 'unicast', via: subnetZero(r), dev: vtep, onlink: true, cause: why });
      root.neighbors.push({ ip: subnetZero(r), mac: flannelVtepMac(r, vtep), dev: vtep, state: 'PERMANENT', cause: why });
      root.fdb.push({ mac: flannelVtepMac(r, vtep), dev: vtep, dst: r.ip, permanent: true, cause: why });
    }
  } else if (cfg.backend === 'host-gw') {
    for (const r of remotes) {
      const why = nodeCause(r, `flanneld (host-gw): node ${r.name}'s subnet ${r.podCIDR.text} via its IP ${r.ip}`);
      if (!sameL2(node, r)) {
        dp.missingRoutes.push({ dst: r.podCIDR, text: `flanneld (host-gw) cannot add ${r.podCIDR.text} via ${r.ip}: ${r.ip} is not on ${node.name}'s subnet ${node.subnet.text}; host-gw needs every node on one L2 network`, cause: why });
        continue;
      }
      root.routes.push({ dst: r.podCIDR, type: 'unicast', via: r.ip, dev: 'eth0', cause: why });
    }
  } else if (cfg.family === 6) {
    // flannel's udp backend carries IPv4 only; a dual-stack flannel uses vxlan or host-gw
    // (flannel Documentation/configuration.md, EnableIPv6). No IPv6 route between nodes.
  } else {
    // udp: a TUN device read and written by flanneld, which wraps packets in UDP 8285.
    const cause = { text: `flanneld (udp): TUN device flannel0, encapsulation in user space on UDP ${FLANNEL_UDP_PORT}`, locator: cfg.locator, path: ['spec', 'cni'] };
    root.devices.push({
      name: 'flannel0', kind: 'tun', mtu: 1472,
      addresses: [{ ip: subnetZero(node), prefix: cfg.clusterCIDR.prefix }],
      tun: { daemon: 'flanneld', port: FLANNEL_UDP_PORT },
      cause,
    });
    root.routes.push({ dst: cfg.clusterCIDR, type: 'unicast', dev: 'flannel0', proto: 'kernel', scope: 'link', src: subnetZero(node), cause });
  }
}
