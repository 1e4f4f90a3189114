import { Cluster, PodInfo } from '../cluster/model';
import { macFor } from '../common/hash';
import { Device, NodeDataplane } from './model';
import { bridgeGateway, nodeCause, podCause, podMtu } from './pod-netns';
import { sameL2 } from './underlay';

/**
 * The node bridge every bridge-based plugin builds (cbr0 / docker0 / flannel's cni0): the
 * bridge holds the pod subnet's gateway address, each pod's host-side veth is a port, and the
 * bridge learns the pods' MACs (FDB) while the host learns their addresses (ARP).
 */
export function attachPodsToBridge(cluster: Cluster, dp: NodeDataplane, pods: PodInfo[]): void {
  const { node, root } = dp;
  const name = cluster.config.bridgeName;
  const gw = bridgeGateway(node);
  const mtu = podMtu(cluster.config);
  const bridge: Device = {
    name, kind: 'bridge', mac: macFor(`bridge/${node.name}`), mtu,
    addresses: [{ ip: gw, prefix: node.podCIDR.prefix }],
    cause: nodeCause(node, `${name}: the node bridge, gateway ${gw} of pod subnet ${node.podCIDR.text}`),
  };
  root.devices.push(bridge);
  root.routes.push({ dst: node.podCIDR, type: 'unicast', dev: name, proto: 'kernel', scope: 'link', src: gw, cause: bridge.cause });
  for (const pod of pods) {
    const cause = podCause(pod, `pod ${pod.key}: host end of its veth pair, a port of ${name}`);
    root.devices.push({ name: pod.hostVeth, kind: 'veth', mac: macFor(`veth/${pod.key}`), mtu, addresses: [], master: name, peer: { netns: `${node.name}/${pod.key}`, device: 'eth0' }, cause });
    root.fdb.push({ mac: pod.mac, dev: pod.hostVeth, master: name, permanent: false, cause });
    root.neighbors.push({ ip: pod.ip, mac: pod.mac, dev: name, state: 'REACHABLE', cause });
    dp.pods.get(pod.key)?.neighbors.push({ ip: gw, mac: bridge.mac!, dev: 'eth0', state: 'REACHABLE', cause: bridge.cause });
  }
}

/**
 * The seeds' lab: docker0/cbr0 per node and static routes to every other node's pod subnet
 * via that node's IP ("direct routing", seed 003). Routes whose gateway is not on-link are
 * refused by the kernel, so they are recorded as missing instead.
 */
export function programBridgeCni(cluster: Cluster, dp: NodeDataplane, pods: PodInfo[]): void {
  attachPodsToBridge(cluster, dp, pods);
  for (const remote of cluster.nodes) {
    if (remote.name === dp.node.name) continue;
    const cause = nodeCause(remote, `static route to node ${remote.name}'s pod subnet ${remote.podCIDR.text} via its IP`);
    if (!sameL2(dp.node, remote)) {
      dp.missingRoutes.push({ dst: remote.podCIDR, text: `route ${remote.podCIDR.text} via ${remote.ip} cannot be installed: ${remote.ip} is not on ${dp.node.name}'s subnet ${dp.node.subnet.text} (Nexthop has invalid gateway)`, cause });
      continue;
    }
    dp.root.routes.push({ dst: remote.podCIDR, type: 'unicast', via: remote.ip, dev: 'eth0', proto: 'static', cause });
  }
}
