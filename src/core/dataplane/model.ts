import { Cidr } from '../common/ip';
import { FieldPath, Locator, SourceRange } from '../common/source';
import { NodeInfo } from '../cluster/model';
import { Ruleset } from './netfilter';
import { NftRuleset } from './nftables';

/**
 * The Linux data path as data: network namespaces holding devices, routes, neighbour and
 * bridge-FDB entries, plus each node's netfilter rules. The CNI modules fill it in the way
 * the real plugins do; the forwarding engine walks it; the printers show it.
 */

/** Why a route, rule or device exists — and where in the user's YAML that comes from. */
export interface Cause {
  text: string;
  locator?: Locator;
  path?: FieldPath;
}

const causeRanges = new WeakMap<Cause, SourceRange>();

/** The YAML range behind a cause, resolved once per cause (traces ask for it on every hop). */
export function causeRange(c: Cause | undefined): SourceRange | undefined {
  if (!c?.locator) return undefined;
  let r = causeRanges.get(c);
  if (!r) {
    r = c.path ? c.locator.at(c.path) : c.locator.range;
    causeRanges.set(c, r);
  }
  return r;
}

export type DeviceKind = 'loopback' | 'ethernet' | 'veth' | 'bridge' | 'vxlan' | 'ipip' | 'tun' | 'dummy';

export interface InterfaceAddress {
  ip: string;
  prefix: number;
}

export interface Device {
  name: string;
  kind: DeviceKind;
  mac?: string;
  mtu: number;
  addresses: InterfaceAddress[];
  /** The bridge this device is a port of. */
  master?: string;
  /** The other end of a veth pair. */
  peer?: { netns: string; device: string };
  vxlan?: { vni: number; port: number; local: string; dev: string; learning: boolean };
  /** ipip: tunl0 takes any remote; the outer header's destination is the route's gateway. */
  ipip?: { local?: string };
  /** A TUN device read by a user-space daemon (flanneld for the udp backend). */
  tun?: { daemon: string; port: number };
  /** Answer ARP for any address on this device (Calico's host-side veths). */
  proxyArp?: boolean;
  cause?: Cause;
}

export type RouteType = 'unicast' | 'local' | 'blackhole' | 'unreachable';

export interface Route {
  dst: Cidr;
  type: RouteType;
  via?: string;
  dev?: string;
  scope?: 'link' | 'host' | 'global';
  onlink?: boolean;
  proto?: 'kernel' | 'boot' | 'static' | 'bird' | 'flannel';
  src?: string;
  cause?: Cause;
}

export interface Neighbor {
  ip: string;
  mac: string;
  dev: string;
  state: 'PERMANENT' | 'REACHABLE' | 'NOARP';
  cause?: Cause;
}

/** A bridge FDB entry (`bridge fdb`): for vxlan devices, `dst` is the remote VTEP's IP. */
export interface FdbEntry {
  mac: string;
  dev: string;
  master?: string;
  dst?: string;
  permanent: boolean;
  cause?: Cause;
}

export interface Netns {
  /** Unique id: the node name for a root namespace, `node/namespace/pod` for a pod's. */
  id: string;
  kind: 'node' | 'pod';
  node: string;
  /** `namespace/name` of the pod whose sandbox (pause container) holds this namespace. */
  pod?: string;
  devices: Device[];
  routes: Route[];
  neighbors: Neighbor[];
  fdb: FdbEntry[];
  /** Sysctls that matter to forwarding (net.ipv4.ip_forward, proxy_arp …). */
  sysctls: Record<string, string>;
}

/** IPVS virtual servers (kube-proxy ipvs mode): `ipvsadm -Ln` as data. */
export interface IpvsService {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  vip: string;
  port: number;
  scheduler: 'rr';
  persistenceSeconds?: number;
  realServers: { ip: string; port: number; weight: number }[];
  /** The Service (`ns/name`) and port name this virtual server implements. */
  service: string;
  portName: string;
  cause?: Cause;
}

/** kube-proxy userspace mode: one local listening port per Service port (seed 003's 33761). */
export interface UserspaceProxyPort {
  service: string;
  portName: string;
  clusterIP: string;
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  proxyPort: number;
  backends: { ip: string; port: number; node?: string; pod?: string }[];
  cause?: Cause;
}

export interface NodeDataplane {
  node: NodeInfo;
  root: Netns;
  /** Pod namespaces on this node, by pod key. hostNetwork pods have none (they use `root`). */
  pods: Map<string, Netns>;
  netfilter: Ruleset;
  /** kube-proxy's nftables tables (nftables mode); they run beside `netfilter` on the same hooks. */
  nftables?: NftRuleset;
  ipvs: IpvsService[];
  userspace: UserspaceProxyPort[];
  /**
   * Routes the CNI would write but the kernel refuses (a host-gw gateway that is not on-link):
   * flanneld logs the error and the route is simply missing. Kept so traces can say why.
   */
  missingRoutes: { dst: Cidr; text: string; cause?: Cause }[];
  /** Calico: the node's blocks besides node.podCIDR (and addresses it borrowed), as routed. */
  morePodBlocks?: readonly Cidr[];
}
