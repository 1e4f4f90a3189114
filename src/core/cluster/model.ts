import { Finding } from '../common/finding';
import { Cidr, IpFamily } from '../common/ip';
import { LayeredMap } from '../common/layered-map';
import { Locator } from '../common/source';
import {
  AdminNetworkPolicyManifest, CalicoPolicyManifest, CalicoTierManifest, CniBackend, CniPlugin, Container, ContainerPort, KubeProxyMode, LabelSelector, NetworkPolicyManifest, PolicyMode, Protocol,
  ServiceManifest, ServiceType, WorkloadKind,
} from '../manifest/types';

/**
 * The cluster as it would run: nodes with addresses, pods scheduled and addressed, Services
 * with their virtual IPs and endpoints. Built once from the manifests; every later stage
 * reads it and none changes it.
 *
 * Dual-stack: every address field names the IPv4 address, and its IPv6 twin sits beside it
 * with the suffix 6 (`ip6`, `podCIDR6`, `clusterIP6`, `endpoints6` …), absent when the object
 * has no IPv6 address. The IPv6 data path is built from `familyView(cluster, 6)`
 * (cluster/family.ts), a Cluster whose plain fields hold the IPv6 values, so the CNI,
 * kube-proxy and the engine read one set of fields whatever the family.
 */

export interface ClusterConfig {
  name: string;
  clusterCIDR: Cidr;
  serviceCIDR: Cidr;
  /** The IP families of the cluster, primary first: [4], or [4, 6] / [6, 4] when dual-stack. */
  ipFamilies: IpFamily[];
  /** The family this Cluster describes: 4 for the built cluster, 6 for its IPv6 view. */
  family: IpFamily;
  /** Dual-stack: the IPv6 pod and service ranges. */
  clusterCIDR6?: Cidr;
  serviceCIDR6?: Cidr;
  /** Dual-stack: does the CNI masquerade IPv6 pod traffic leaving the pod network (flanneld --ip6-masq, Calico IPv6 pool natOutgoing)? */
  masquerade6?: boolean;
  plugin: CniPlugin;
  backend: CniBackend;
  /** The node bridge's name: cni0 (flannel), cbr0 or docker0 (bridge); none for calico. */
  bridgeName: string;
  kubeProxyMode: KubeProxyMode;
  policyMode: PolicyMode;
  /** What `policyMode` means for this plugin: are NetworkPolicies enforced at all? */
  policyEnforced: boolean;
  /** Where the configuration came from (the Cluster document, or the embedded default). */
  locator: Locator;
  /** True when no Cluster document was given and the embedded default applies. */
  isDefault: boolean;
  /** The DNS zone of Services (`<svc>.<ns>.svc.<clusterDomain>`): the Cluster document's, else cluster.local. */
  clusterDomain: string;
  /**
   * Does the CNI masquerade pod traffic leaving the pod network? flanneld `--ip-masq` (on in
   * flannel's kube-flannel.yml), Calico's default IP pool `natOutgoing: true`, the bridge
   * plugin's `ipMasq` (off unless set). Absent means off.
   */
  masquerade?: boolean;
  /**
   * Calico ipipMode / vxlanMode CrossSubnet: pod traffic is encapsulated only towards nodes on
   * another subnet; nodes on one subnet route each other's blocks directly (as plain BGP).
   */
  crossSubnet?: boolean;
  /** Prefix length of the nodes' pod blocks when not the plugin's default (a Calico IPPool's blockSize). */
  blockPrefix?: number;
  /** What the CNI was taken from when no Cluster document named it (cni-inference.ts). */
  cniInferred?: string;
}

/** A taint as the scheduler sees it, with where it is written (Node object or Cluster document). */
export interface NodeTaint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  locator: Locator;
  path: (string | number)[];
}

export interface NodeInfo {
  name: string;
  ip: string;
  podCIDR: Cidr;
  /** Calico: the tunnel device's address as calico-node wrote it on the Node (else the first address of podCIDR). */
  calicoTunnelIP?: string;
  /** flannel: flannel.1's MAC as flanneld wrote it on the Node (else PodPath derives one). */
  flannelVtepMac?: string;
  /** The underlay subnet of eth0; nodes in different subnets are not L2-adjacent. */
  subnet: Cidr;
  /** Dual-stack: the node's IPv6 address, IPv6 pod block and eth0's IPv6 subnet. */
  ip6?: string;
  podCIDR6?: Cidr;
  subnet6?: Cidr;
  labels: Record<string, string>;
  unschedulable: boolean;
  /** spec.taints (absent: none). */
  taints?: NodeTaint[];
  /** Position in the sorted node list: drives deterministic MACs and names. */
  index: number;
  locator: Locator;
  /** Path of the node inside its object ([] for a Node object, ['spec','nodes',i] in a Cluster document). */
  path: (string | number)[];
}

export interface WorkloadRef {
  kind: WorkloadKind | 'Pod';
  name: string;
  namespace: string;
  /** `namespace/name`. */
  key: string;
}

export interface PodInfo {
  /** `namespace/name`, unique in the cluster. */
  key: string;
  name: string;
  namespace: string;
  node: string;
  ip: string;
  /** Dual-stack: the pod's IPv6 address (status.podIPs, or allocated from the node's IPv6 block). */
  ip6?: string;
  hostNetwork: boolean;
  labels: Record<string, string>;
  containers: Container[];
  /** Every declared port, flattened over containers, with its container. */
  ports: (ContainerPort & { container: string })[];
  /** The workload as written in YAML (a Deployment's pods point at the Deployment). */
  owner: WorkloadRef;
  /** Host side of the pod's veth (vethXXXXXXXX, or caliXXXXXXXXXXX for Calico); '' for hostNetwork. */
  hostVeth: string;
  /** MAC of the pod's eth0. */
  mac: string;
  /** Where the IP came from: the object's status, or PodPath's allocator. */
  ipSource: 'status' | 'allocated' | 'node';
  /**
   * True when PodPath invented the IP (no status.podIP in the manifests). Views mark such
   * addresses so nobody mistakes them for the cluster's real ones.
   */
  ipAssigned: boolean;
  /** status.phase from a dump (Running, Succeeded …), when given. */
  phase?: string;
  /** The Ready condition from a dump, when given; pods without it count as ready. */
  ready?: boolean;
  locator: Locator;
  /** Path of the pod template (or [] for a Pod object), for "go to the pod" links. */
  templatePath: (string | number)[];
}

export interface EndpointInfo {
  /** Of the family of the list holding it (`endpoints` IPv4, `endpoints6` IPv6), as EndpointSlices are per family. */
  ip: string;
  port: number;
  node?: string;
  /** `namespace/name` of the backing pod, when known. */
  pod?: string;
  ready: boolean;
  /** Where this endpoint came from: a pod matched by the selector, or an Endpoints/EndpointSlice entry. */
  locator: Locator;
  path: (string | number)[];
}

export interface ServicePortInfo {
  name: string;
  protocol: Protocol;
  port: number;
  targetPort: number | string;
  nodePort?: number;
  /** True when PodPath allocated `nodePort` (the manifest gives none). */
  nodePortAssigned: boolean;
  endpoints: EndpointInfo[];
  /** The IPv6 endpoints (the IPv6 EndpointSlice), for a Service with an IPv6 ClusterIP or a headless dual-stack one. */
  endpoints6: EndpointInfo[];
  /** Index of the port in `spec.ports`. */
  index: number;
}

export interface ServiceInfo {
  key: string;
  name: string;
  namespace: string;
  type: ServiceType;
  /** undefined for headless and ExternalName Services, and for an IPv6-only Service. */
  clusterIP?: string;
  /** Dual-stack: the IPv6 ClusterIP. */
  clusterIP6?: string;
  /** spec.clusterIPs as the API server fills it: primary family first. */
  clusterIPs: string[];
  /** spec.ipFamilies and spec.ipFamilyPolicy as the API server defaults them. */
  ipFamilies: IpFamily[];
  ipFamilyPolicy: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
  /** True when PodPath allocated `clusterIP` from the service CIDR (the manifest gives none). */
  clusterIPAssigned: boolean;
  headless: boolean;
  selector?: Record<string, string>;
  ports: ServicePortInfo[];
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** Clients allowed to reach the load-balancer IPs (kube-proxy's firewall chains); set only when given. */
  loadBalancerSourceRanges?: string[];
  externalName?: string;
  sessionAffinity: 'None' | 'ClientIP';
  sessionAffinityTimeoutSeconds: number;
  externalTrafficPolicy: 'Cluster' | 'Local';
  internalTrafficPolicy: 'Cluster' | 'Local';
  /** Endpoints came from Endpoints/EndpointSlice objects rather than the selector. */
  explicitEndpoints: boolean;
  manifest: ServiceManifest;
  locator: Locator;
}

export interface NamespaceInfo {
  name: string;
  labels: Record<string, string>;
  locator?: Locator;
}

export interface WorkloadInfo extends WorkloadRef {
  selector?: LabelSelector;
  pods: string[];
  locator: Locator;
}

export interface Cluster {
  config: ClusterConfig;
  nodes: NodeInfo[];
  nodesByName: Map<string, NodeInfo>;
  pods: PodInfo[];
  podsByKey: ReadonlyMap<string, PodInfo>;
  /** Pod IP → pod (hostNetwork pods share their node's IP and are not listed here). */
  podsByIP: ReadonlyMap<string, PodInfo>;
  services: ServiceInfo[];
  servicesByKey: Map<string, ServiceInfo>;
  /** ClusterIP → Service. */
  servicesByIP: Map<string, ServiceInfo>;
  workloads: WorkloadInfo[];
  workloadsByKey: Map<string, WorkloadInfo>;
  namespaces: Map<string, NamespaceInfo>;
  policies: NetworkPolicyManifest[];
  /** AdminNetworkPolicies and the BaselineAdminNetworkPolicy (cluster-scoped), duplicates removed. */
  adminPolicies?: AdminNetworkPolicyManifest[];
  /** Calico NetworkPolicies and GlobalNetworkPolicies, only when the CNI is Calico (duplicates removed). */
  calicoPolicies?: CalicoPolicyManifest[];
  calicoTiers?: CalicoTierManifest[];
  /**
   * Calico: node name → its IPAM blocks besides podCIDR (calico-blocks.ts): the blocks its
   * pods' live addresses name (with a /32 for an address borrowed from another node's block),
   * then the blocks it claimed when the others were full. Absent when no node has any.
   */
  extraPodBlocks?: ReadonlyMap<string, readonly Cidr[]>;
  findings: Finding[];
}

/**
 * A node's pod blocks in the node's family: its podCIDR, then its further Calico blocks (the
 * IPv6 view of a dual-stack cluster has the IPv6 podCIDR and no IPv4 block).
 */
export function podBlocksOf(cluster: Pick<Cluster, 'extraPodBlocks'>, node: NodeInfo): readonly Cidr[] {
  const extra = cluster.extraPodBlocks?.get(node.name)?.filter((b) => b.family === node.podCIDR.family);
  return extra?.length ? [node.podCIDR, ...extra] : [node.podCIDR];
}

/** The object lists of a cluster and their lookup maps, which must always be built together. */
export type ClusterObjects = Pick<Cluster, 'nodes' | 'nodesByName' | 'pods' | 'podsByKey' | 'podsByIP' | 'services' | 'servicesByKey' | 'servicesByIP' | 'workloads' | 'workloadsByKey'>;

/** Lists → lists with their maps (the first object wins where two share an address). */
export function indexClusterObjects(nodes: NodeInfo[], pods: PodInfo[], services: ServiceInfo[], workloads: WorkloadInfo[]): ClusterObjects {
  return { ...indexPlacedObjects(nodes, pods, workloads), ...indexServices(services) };
}

/** The lookup maps of nodes, pods and workloads (kept across builds that leave them unchanged). */
export function indexPlacedObjects(nodes: NodeInfo[], pods: PodInfo[], workloads: WorkloadInfo[]): Omit<ClusterObjects, 'services' | 'servicesByKey' | 'servicesByIP'> {
  const podsByIP = new Map<string, PodInfo>();
  for (const p of pods) {
    if (p.hostNetwork) continue;
    if (podsByIP.has(p.ip)) sharedAddresses.add(podsByIP);
    else podsByIP.set(p.ip, p);
  }
  return {
    nodes,
    nodesByName: new Map(nodes.map((n) => [n.name, n])),
    pods,
    podsByKey: new Map(pods.map((p) => [p.key, p])),
    podsByIP,
    workloads,
    workloadsByKey: new Map(workloads.map((w) => [w.key, w])),
  };
}

/** Pods lists whose podsByIP left a pod out because an earlier one has its address. */
const sharedAddresses = new WeakSet<ReadonlyMap<string, PodInfo>>();

/**
 * The lookup maps of `pods`, from those of the pods list it was made from by `changes`
 * (cluster/pod-reuse.ts): the earlier maps with only the changed pods written over them (see
 * LayeredMap), instead of every pod. Where two pods share an address (which one the map holds
 * depends on their order) the maps are made afresh. The maps hold the same entries as fresh
 * ones; only the order they iterate in differs, and nothing iterates them.
 */
export function indexPlacedObjectsFrom(
  earlier: Omit<ClusterObjects, 'services' | 'servicesByKey' | 'servicesByIP'>, changes: { from: PodInfo[]; removed: PodInfo[]; added: PodInfo[] },
  nodes: NodeInfo[], pods: PodInfo[], workloads: WorkloadInfo[],
): Omit<ClusterObjects, 'services' | 'servicesByKey' | 'servicesByIP'> {
  if (earlier.pods !== changes.from || earlier.nodes !== nodes || sharedAddresses.has(earlier.podsByIP)) return indexPlacedObjects(nodes, pods, workloads);
  const goneKeys: string[] = [];
  const goneIPs = new Set<string>();
  for (const p of changes.removed) {
    if (earlier.podsByKey.get(p.key) === p) goneKeys.push(p.key);
    if (!p.hostNetwork && earlier.podsByIP.get(p.ip) === p) goneIPs.add(p.ip);
  }
  const newIPs = new Map<string, PodInfo>();
  for (const p of changes.added) {
    if (p.hostNetwork) continue;
    // An address still held by a pod that stays, or given to two new pods: made afresh.
    if ((earlier.podsByIP.has(p.ip) && !goneIPs.has(p.ip)) || newIPs.has(p.ip)) return indexPlacedObjects(nodes, pods, workloads);
    newIPs.set(p.ip, p);
  }
  return {
    nodes,
    nodesByName: earlier.nodesByName,
    pods,
    podsByKey: LayeredMap.from(earlier.podsByKey, goneKeys, changes.added.map((p) => [p.key, p] as const)),
    podsByIP: LayeredMap.from(earlier.podsByIP, goneIPs, newIPs),
    workloads,
    workloadsByKey: earlier.workloads === workloads ? earlier.workloadsByKey : new Map(workloads.map((w) => [w.key, w])),
  };
}

/** The lookup maps of Services. */
export function indexServices(services: ServiceInfo[]): Pick<ClusterObjects, 'services' | 'servicesByKey' | 'servicesByIP'> {
  const servicesByIP = new Map<string, ServiceInfo>();
  for (const s of services) if (s.clusterIP && !servicesByIP.has(s.clusterIP)) servicesByIP.set(s.clusterIP, s);
  return { services, servicesByKey: new Map(services.map((s) => [s.key, s])), servicesByIP };
}

export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
