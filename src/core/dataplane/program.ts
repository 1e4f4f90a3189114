import { Cluster, NodeInfo, podBlocksOf } from '../cluster/model';
import { Finding } from '../common/finding';
import { macFor } from '../common/hash';
import { FAMILY_CONSTANTS, cidr } from '../common/ip';
import { FAMILY_PROFILES } from './family';
import { programKubeProxy } from '../kubeproxy';
import { programBridgeCni } from './cni-bridge';
import { programCalico } from './cni-calico';
import { programFlannel } from './cni-flannel';
import { programMasquerade } from './masquerade';
import { Device, Netns, NodeDataplane } from './model';
import { nodeCause, podNetns } from './pod-netns';
import { underlayGateway } from './underlay';

/**
 * Programs one node the way its CNI plugin and kube-proxy would: root namespace with eth0,
 * pod namespaces with their veth pairs, the plugin's bridge/overlay devices and routes, and
 * kube-proxy's netfilter rules.
 */
export function programNode(cluster: Cluster, node: NodeInfo, findings: Finding[] = []): NodeDataplane {
  const root = rootNetns(cluster, node);
  const pods = new Map<string, Netns>();
  const localPods = cluster.pods.filter((p) => p.node === node.name && !p.hostNetwork);
  for (const pod of localPods) pods.set(pod.key, podNetns(cluster.config, node, pod));
  const proxy = programKubeProxy(cluster, node);
  findings.push(...proxy.findings);
  const more = podBlocksOf(cluster, node).slice(1);
  const dp: NodeDataplane = { node, root, pods, netfilter: proxy.netfilter, ...(proxy.nftables ? { nftables: proxy.nftables } : {}), ipvs: proxy.ipvs, userspace: proxy.userspace, missingRoutes: [], ...(more.length ? { morePodBlocks: more } : {}) };
  switch (cluster.config.plugin) {
    case 'bridge': programBridgeCni(cluster, dp, localPods); break;
    case 'flannel': programFlannel(cluster, dp, localPods); break;
    case 'calico': programCalico(cluster, dp, localPods); break;
  }
  programMasquerade(cluster, dp, localPods);
  if (proxy.ipvs.length > 0) {
    // ipvs mode binds every virtual IP to a dummy device so the kernel accepts them as local.
    const vips = [...new Set(proxy.ipvs.map((v) => v.vip).filter((ip) => ip !== node.ip))].sort();
    root.devices.push({
      name: 'kube-ipvs0', kind: 'dummy', mac: macFor(`ipvs/${node.name}`), mtu: 1500,
      addresses: vips.map((ip) => ({ ip, prefix: FAMILY_CONSTANTS[cluster.config.family].hostPrefix })),
      cause: { text: 'kube-proxy (ipvs mode): dummy device holding the Service addresses', locator: cluster.config.locator },
    });
  }
  return dp;
}

function rootNetns(cluster: Cluster, node: NodeInfo): Netns {
  const eth0: Device = {
    name: 'eth0', kind: 'ethernet', mac: macFor(`node/${node.name}`), mtu: 1500,
    addresses: [{ ip: node.ip, prefix: node.subnet.prefix }],
    cause: nodeCause(node, `node ${node.name}: eth0 with the node IP`),
  };
  const fam = FAMILY_CONSTANTS[cluster.config.family];
  const profile = FAMILY_PROFILES[cluster.config.family];
  const loopback = cidr(fam.loopbackCidr);
  const lo: Device = { name: 'lo', kind: 'loopback', mtu: 65536, addresses: [{ ip: fam.loopback, prefix: loopback.prefix }] };
  const gw = underlayGateway(cluster, node);
  return {
    id: node.name, kind: 'node', node: node.name,
    devices: [lo, eth0],
    routes: [
      { dst: cidr(fam.any), type: 'unicast', via: gw, dev: 'eth0', proto: 'static', cause: nodeCause(node, `node ${node.name}: default route to the underlay router`) },
      { dst: node.subnet, type: 'unicast', dev: 'eth0', proto: 'kernel', scope: 'link', src: node.ip, cause: nodeCause(node, `node ${node.name}: its own subnet`) },
      { dst: loopback, type: 'local', dev: 'lo', scope: 'host', src: fam.loopback },
    ],
    neighbors: [],
    fdb: [],
    sysctls: {
      [profile.forwardingSysctl]: '1',
      // kube-proxy needs bridged traffic to traverse iptables (br_netfilter).
      [profile.bridgeNetfilterSysctl]: '1',
    },
  };
}
