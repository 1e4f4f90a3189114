import { SourceRange } from '../common/source';

/**
 * The topology diagram's data: what the cluster looks like as boxes and wires, with every item
 * under a stable id and, where it comes from YAML, the range to reveal. Plain JSON — it is built
 * in the extension host (or its worker) and posted to the webview page, which only draws it.
 *
 * Ids are `kind:rest` and stable across rebuilds of the same input, so the page can keep a
 * selection and the trace overlay can name what each hop lights up:
 *   node:<node>            pod:<ns/name>            ctr:<ns/name>/<container>
 *   dev:<node>/<device>    (a device of the node's root namespace: eth0, cni0, flannel.1, veth…, cali…)
 *   pdev:<ns/name>/<dev>   (a device in a pod's namespace: eth0, lo)
 *   stack:<node>           (the root namespace's IP stack: routing and netfilter)
 *   svc:<ns/name>          nodeport:<node>          policy:<ns/name>        badge:<ns/name>
 *   segment:<cidr>         router                   external
 *   link ids: veth:<ns/name> (pod eth0 ↔ host veth), port:<node>/<veth> (host veth ↔ bridge or
 *   stack), up:<node>/<device> (device ↔ stack), wire:<node> (eth0 ↔ segment), uplink:<cidr>
 *   (segment ↔ router), exit (router ↔ external), ep:<svc ns/name>><pod ns/name or ip>.
 */

export const TOPOLOGY_VERSION = 1;

export type DeviceRole = 'eth0' | 'bridge' | 'overlay' | 'veth' | 'loopback' | 'ipvs' | 'other';

export interface TopoDevice {
  id: string;
  name: string;
  /** Linux device kind: ethernet, veth, bridge, vxlan, ipip, tun, dummy, loopback. */
  kind: string;
  role: DeviceRole;
  /** `ip/prefix`, as `ip addr` prints them. */
  addresses: string[];
  mac?: string;
  mtu: number;
  /** vxlan VNI/port, ipip, tun daemon — one line for a tooltip. */
  detail?: string;
  source?: SourceRange;
}

export interface TopoContainer {
  id: string;
  name: string;
  image?: string;
  /** `80/TCP`, `http 8080/TCP` … */
  ports: string[];
  source?: SourceRange;
}

export interface TopoPod {
  id: string;
  /** `namespace/name`. */
  key: string;
  name: string;
  namespace: string;
  node: string;
  ip: string;
  /** True when PodPath assigned the address (the manifests carry no status.podIP). */
  ipAssigned: boolean;
  hostNetwork: boolean;
  labels: Record<string, string>;
  /** `Deployment default/web` … */
  owner: string;
  phase?: string;
  /** Containers share the pod's network namespace, held by the pause (sandbox) container. */
  containers: TopoContainer[];
  /** The pod's eth0 and lo (empty for hostNetwork pods: they live in the node's namespace). */
  devices: TopoDevice[];
  /** Id of the host end of the veth pair in the node's root namespace. */
  hostVeth?: string;
  /** Set when some NetworkPolicy selects the pod. */
  isolation?: { ingress: boolean; egress: boolean; policies: string[] };
  source?: SourceRange;
}

export interface TopoNode {
  id: string;
  name: string;
  ip: string;
  /** The node's pod block, and any further Calico blocks it claimed, comma-separated. */
  podCIDR: string;
  subnet: string;
  labels: Record<string, string>;
  unschedulable: boolean;
  /** Root-namespace devices, in drawing order: the bridge, host veths, overlay, ipvs, eth0, lo. */
  devices: TopoDevice[];
  stackId: string;
  /** Pods with their own namespace, sorted by key. */
  pods: TopoPod[];
  /** hostNetwork pods: processes in the node's own namespace. */
  hostPods: TopoPod[];
  /** The badge listing the NodePorts open on this node (`nodeport:<node>`). */
  nodePortId: string;
  /** The underlay segment eth0 is wired to. */
  segment: string;
  source?: SourceRange;
}

export interface TopoSegment {
  id: string;
  cidr: string;
  /** The underlay router's address on this segment (the nodes' default gateway). */
  gateway: string;
  nodes: string[];
}

export interface TopoEndpoint {
  /** The link id from the Service to this endpoint. */
  id: string;
  ip: string;
  port: number;
  ready: boolean;
  /** Pod element id, when the endpoint is a known pod. */
  pod?: string;
  node?: string;
  source?: SourceRange;
}

export interface TopoService {
  id: string;
  key: string;
  name: string;
  namespace: string;
  type: string;
  clusterIP?: string;
  /** True when PodPath assigned the ClusterIP (no spec.clusterIP). */
  clusterIPAssigned?: boolean;
  headless: boolean;
  externalIPs: string[];
  loadBalancerIPs: string[];
  externalName?: string;
  /** `http 80→8080/TCP`, with `:30080` for a NodePort. */
  ports: { name: string; protocol: string; port: number; targetPort: string; nodePort?: number; nodePortAssigned?: boolean }[];
  /** One per distinct backend (pod or address), over all ports. */
  endpoints: TopoEndpoint[];
  source?: SourceRange;
}

export interface TopoPolicy {
  id: string;
  key: string;
  name: string;
  namespace: string;
  ingress: boolean;
  egress: boolean;
  /** Pod element ids it selects. */
  pods: string[];
  source?: SourceRange;
}

export type LinkKind = 'veth' | 'port' | 'up' | 'wire' | 'uplink' | 'exit' | 'endpoint' | 'tunnel';

/** A line between two elements (see topologyLinks); the page routes it, the overlay lights it. */
export interface TopoLink {
  id: string;
  kind: LinkKind;
  from: string;
  to: string;
}

export interface TopologyModel {
  version: 1;
  cluster: {
    name: string;
    plugin: string;
    backend: string;
    /** The bridge's name (cni0, cbr0, docker0), '' when the plugin has none (Calico). */
    bridge: string;
    kubeProxyMode: string;
    policyEnforced: boolean;
    clusterCIDR: string;
    serviceCIDR: string;
    isDefault: boolean;
    source?: SourceRange;
  };
  nodes: TopoNode[];
  segments: TopoSegment[];
  /** The underlay router joining the segments and leading out of the cluster. */
  router: { id: string; addresses: string[] };
  external: { id: string };
  services: TopoService[];
  /** NodePorts: each is open on every node (kube-proxy's KUBE-NODEPORTS), so listed once. */
  nodePorts: { port: number; protocol: string; service: string }[];
  policies: TopoPolicy[];
  stats: { nodes: number; pods: number; containers: number; services: number; policies: number; isolatedPods: number };
}

// ---- ids ---------------------------------------------------------------------------------------

export const ids = {
  node: (node: string) => `node:${node}`,
  pod: (key: string) => `pod:${key}`,
  container: (key: string, name: string) => `ctr:${key}/${name}`,
  device: (node: string, dev: string) => `dev:${node}/${dev}`,
  podDevice: (key: string, dev: string) => `pdev:${key}/${dev}`,
  stack: (node: string) => `stack:${node}`,
  service: (key: string) => `svc:${key}`,
  nodePort: (node: string) => `nodeport:${node}`,
  policy: (key: string) => `policy:${key}`,
  badge: (key: string) => `badge:${key}`,
  segment: (cidr: string) => `segment:${cidr}`,
  router: 'router',
  external: 'external',
  vethLink: (key: string) => `veth:${key}`,
  portLink: (node: string, veth: string) => `port:${node}/${veth}`,
  upLink: (node: string, dev: string) => `up:${node}/${dev}`,
  wire: (node: string) => `wire:${node}`,
  uplink: (cidr: string) => `uplink:${cidr}`,
  exit: 'exit',
  endpoint: (svc: string, target: string) => `ep:${svc}>${target}`,
  tunnel: (a: string, b: string) => `tunnel:${a}>${b}`,
};

/** A range worth revealing: ranges of things PodPath made up (`<built-in …>`) are left out. */
export function realSource(r: SourceRange | undefined): SourceRange | undefined {
  return r && !r.file.startsWith('<') ? r : undefined;
}
