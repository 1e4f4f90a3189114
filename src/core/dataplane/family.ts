import { IpFamily } from '../common/ip';

/**
 * What differs between the IPv4 and the IPv6 data path of one node, as data: device names,
 * sysctls and well-known addresses each component uses for the family. The programs read
 * these by the cluster view's family and are otherwise the same for both.
 */
export interface FamilyProfile {
  family: IpFamily;
  /** flanneld's vxlan device: flannel.<VNI>, and flannel-v6.<VNI> for IPv6 (flannel pkg/backend/vxlan, dual-stack). */
  flannelVxlanDevice: string;
  /** flannel's vxlan MTU: the outer IPv6 header is 20 bytes longer than the IPv4 one. */
  flannelVxlanMtu: number;
  /** Calico's vxlan device: vxlan.calico, and vxlan-v6.calico for IPv6 pools (Felix vxlan manager). */
  calicoVxlanDevice: string;
  /**
   * The gateway a Calico pod routes through: 169.254.1.1 (answered by proxy ARP), and for IPv6
   * fe80::ecee:eeff:feee:eeee, the link-local address of the host veth whose MAC is ee:ee:ee:ee:ee:ee.
   */
  calicoPodGateway: string;
  /** Sysctl Felix sets on a host veth so it answers neighbour requests for the pod's gateway. */
  neighbourProxySysctl: (dev: string) => string;
  /** The forwarding sysctl the node needs, and the bridge-netfilter one kube-proxy needs. */
  forwardingSysctl: string;
  bridgeNetfilterSysctl: string;
}

export const FAMILY_PROFILES: Record<IpFamily, FamilyProfile> = {
  4: {
    family: 4,
    flannelVxlanDevice: 'flannel.1',
    flannelVxlanMtu: 1450,
    calicoVxlanDevice: 'vxlan.calico',
    calicoPodGateway: '169.254.1.1',
    neighbourProxySysctl: (dev) => `net.ipv4.conf.${dev}.proxy_arp`,
    forwardingSysctl: 'net.ipv4.ip_forward',
    bridgeNetfilterSysctl: 'net.bridge.bridge-nf-call-iptables',
  },
  6: {
    family: 6,
    flannelVxlanDevice: 'flannel-v6.1',
    flannelVxlanMtu: 1430,
    calicoVxlanDevice: 'vxlan-v6.calico',
    calicoPodGateway: 'fe80::ecee:eeff:feee:eeee',
    neighbourProxySysctl: (dev) => `net.ipv6.conf.${dev}.proxy_ndp`,
    forwardingSysctl: 'net.ipv6.conf.all.forwarding',
    bridgeNetfilterSysctl: 'net.bridge.bridge-nf-call-ip6tables',
  },
};
