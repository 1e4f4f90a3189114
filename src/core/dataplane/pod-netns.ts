import { ClusterConfig, NodeInfo, PodInfo } from '../cluster/model';
import { FAMILY_CONSTANTS, cidr, nthAddress } from '../common/ip';
import { FAMILY_PROFILES } from './family';
import { Cause, Device, Netns } from './model';

/** MTU of pod interfaces per backend: the overlay header comes out of the pod's budget. */
export function podMtu(config: ClusterConfig): number {
  if (config.plugin === 'flannel') return config.backend === 'vxlan' ? 1450 : config.backend === 'udp' ? 1472 : 1500;
  if (config.plugin === 'calico') return config.backend === 'ipip' ? 1480 : config.backend === 'vxlan' ? 1450 : 1500;
  return 1500;
}

export function podCause(pod: PodInfo, text: string): Cause {
  return { text, locator: pod.locator, path: pod.templatePath.length ? pod.templatePath : [] };
}

export function nodeCause(node: NodeInfo, text: string): Cause {
  return { text, locator: node.locator, path: node.path };
}

/**
 * A pod's sandbox namespace (the pause container's): lo and eth0, the pod end of the veth
 * pair, and the routes the CNI plugin writes inside it.
 */
export function podNetns(config: ClusterConfig, node: NodeInfo, pod: PodInfo): Netns {
  const id = `${node.name}/${pod.key}`;
  const fam = FAMILY_CONSTANTS[config.family];
  const loopback = cidr(fam.loopbackCidr);
  const calico = config.plugin === 'calico';
  const eth0: Device = {
    name: 'eth0', kind: 'veth', mac: pod.mac, mtu: podMtu(config),
    // Calico gives the pod a /32; bridge-based plugins put it in the node's subnet.
    addresses: [{ ip: pod.ip, prefix: calico ? fam.hostPrefix : node.podCIDR.prefix }],
    peer: { netns: node.name, device: pod.hostVeth },
    cause: podCause(pod, `pod ${pod.key}: eth0, the pod end of veth pair ${pod.hostVeth}`),
  };
  const lo: Device = { name: 'lo', kind: 'loopback', mtu: 65536, addresses: [{ ip: fam.loopback, prefix: loopback.prefix }] };
  const ns: Netns = { id, kind: 'pod', node: node.name, pod: pod.key, devices: [lo, eth0], routes: [], neighbors: [], fdb: [], sysctls: {} };
  const cniCause = { text: `${config.plugin} CNI: routes inside pod ${pod.key}`, locator: config.locator, path: ['spec', 'cni'] };
  if (calico) {
    // 169.254.1.1 exists nowhere; the host veth answers ARP for it (proxy_arp). IPv6 routes via
    // the host veth's link-local address instead.
    const gw = FAMILY_PROFILES[config.family].calicoPodGateway;
    ns.routes.push({ dst: cidr(fam.any), type: 'unicast', via: gw, dev: 'eth0', cause: cniCause });
    ns.routes.push({ dst: cidr(`${gw}/${fam.hostPrefix}`), type: 'unicast', dev: 'eth0', scope: 'link', cause: cniCause });
  } else {
    const gateway = bridgeGateway(node);
    ns.routes.push({ dst: cidr(fam.any), type: 'unicast', via: gateway, dev: 'eth0', cause: cniCause });
    ns.routes.push({ dst: node.podCIDR, type: 'unicast', dev: 'eth0', proto: 'kernel', scope: 'link', src: pod.ip, cause: cniCause });
  }
  ns.routes.push({ dst: loopback, type: 'local', dev: 'lo', scope: 'host', src: fam.loopback });
  return ns;
}

/** The bridge's address: the first host of the node's pod subnet (cni0 10.244.1.1, docker0 10.1.20.1). */
export function bridgeGateway(node: NodeInfo): string {
  return nthAddress(node.podCIDR, 1);
}
