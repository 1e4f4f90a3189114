import { FieldPath, Locator } from '../common/source';

/**
 * Typed Kubernetes objects as PodPath reads them from YAML. Only the fields that matter to the
 * data path are kept; each object keeps a locator so any field can be pointed at.
 */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** As written; `kind` and `uid` may be missing in hand-written dumps. */
  ownerReferences: { kind?: string; name: string; uid?: string }[];
  /** metadata.uid, when a dump carries it (owners are matched by it). */
  uid?: string;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

/** A label selector; `{}` (both parts empty) selects everything. */
export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: LabelSelectorRequirement[];
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol: Protocol;
  hostPort?: number;
}

export interface Container {
  name: string;
  image?: string;
  ports: ContainerPort[];
}

export interface PodSpec {
  containers: Container[];
  nodeName?: string;
  nodeSelector: Record<string, string>;
  hostNetwork: boolean;
  /** spec.tolerations, only present when the pod lists some. */
  tolerations?: TolerationSpec[];
}

/** A node taint's effect (Kubernetes core/v1 TaintEffect). */
export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
export const TAINT_EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** A taint on a node (Node spec.taints, or a node of the Cluster document). */
export interface TaintSpec {
  key: string;
  value?: string;
  effect: TaintEffect;
  /** Where the taint is written, inside its object. */
  path: (string | number)[];
}

/** A pod's toleration (core/v1 Toleration); operator defaults to Equal. */
export interface TolerationSpec {
  key?: string;
  operator: 'Exists' | 'Equal';
  value?: string;
  /** Empty: every effect. */
  effect?: TaintEffect;
  path: (string | number)[];
}

export interface PodManifest {
  kind: 'Pod';
  meta: ObjectMeta;
  spec: PodSpec;
  /** From a dump: `ready` is the Ready condition (status.conditions), when present. */
  status: { podIP?: string; /** The IPv6 entry of status.podIPs. */ podIP6?: string; hostIP?: string; phase?: string; ready?: boolean };
  locator: Locator;
}

export type WorkloadKind = 'Deployment' | 'ReplicaSet' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob' | 'ReplicationController';
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController'];

export interface WorkloadManifest {
  kind: WorkloadKind;
  meta: ObjectMeta;
  /** Replicas to expand (DaemonSet: ignored, one per eligible node; Job: parallelism). */
  replicas: number;
  selector?: LabelSelector;
  template: { labels: Record<string, string>; spec: PodSpec };
  /** Path of the pod template inside the object, for locations (CronJob nests it deeper). */
  templatePath: (string | number)[];
  /** StatefulSet `spec.ordinals.start`: the first pod is `<name>-<start>` (default 0). */
  ordinalStart?: number;
  locator: Locator;
}

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

export interface ServicePortManifest {
  name?: string;
  protocol: Protocol;
  port: number;
  /** A number or a container port name; defaults to `port`. */
  targetPort: number | string;
  nodePort?: number;
  index: number;
}

export interface ServiceManifest {
  kind: 'Service';
  meta: ObjectMeta;
  type: ServiceType;
  /** Undefined: a Service without selector (endpoints managed by hand). */
  selector?: Record<string, string>;
  /** As written: an IP, 'None' (headless) or undefined (to allocate). */
  clusterIP?: string;
  /** spec.clusterIPs when it names a second address (the first is `clusterIP`). */
  clusterIPs?: string[];
  /** spec.ipFamilies as written (4, 6), and spec.ipFamilyPolicy. */
  ipFamilies?: (4 | 6)[];
  ipFamilyPolicy?: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
  ports: ServicePortManifest[];
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** spec.loadBalancerSourceRanges, trimmed (set only when some are given). */
  loadBalancerSourceRanges?: string[];
  externalName?: string;
  sessionAffinity: 'None' | 'ClientIP';
  sessionAffinityTimeoutSeconds: number;
  externalTrafficPolicy: 'Cluster' | 'Local';
  internalTrafficPolicy: 'Cluster' | 'Local';
  /** spec.publishNotReadyAddresses: not-ready pods are endpoints too (set only when true). */
  publishNotReadyAddresses?: boolean;
  /** spec.allocateLoadBalancerNodePorts: false means a LoadBalancer gets no NodePorts (set only when false). */
  allocateLoadBalancerNodePorts?: boolean;
  locator: Locator;
}

export interface EndpointAddress {
  ip: string;
  nodeName?: string;
  targetPod?: string;
  ready: boolean;
  /** Path of this address inside its object, for locations. */
  path: (string | number)[];
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: Protocol;
}

/** Endpoints (v1) and EndpointSlice (discovery.k8s.io/v1) both become this. */
export interface EndpointsManifest {
  kind: 'Endpoints' | 'EndpointSlice';
  meta: ObjectMeta;
  serviceName: string;
  /** Each subset (Endpoints) or the slice itself: addresses × ports. */
  subsets: { addresses: EndpointAddress[]; ports: EndpointPort[] }[];
  locator: Locator;
}

export interface NodeManifest {
  kind: 'Node';
  meta: ObjectMeta;
  podCIDR?: string;
  internalIP?: string;
  /** Dual-stack: the IPv6 InternalIP and the IPv6 entry of spec.podCIDRs. */
  internalIP6?: string;
  podCIDR6?: string;
  unschedulable: boolean;
  /** spec.taints, only present when the node has some. */
  taints?: TaintSpec[];
  /** The tunnel addresses calico-node wrote on the Node (projectcalico.org/IPv4IPIPTunnelAddr, …/IPv4VXLANTunnelAddr). */
  calicoTunnel?: { ipip?: string; vxlan?: string };
  /** The MAC of flannel.1 flanneld wrote on the Node (flannel.alpha.coreos.com/backend-data, VtepMAC). */
  flannelVtepMac?: string;
  locator: Locator;
}

export interface NamespaceManifest {
  kind: 'Namespace';
  meta: ObjectMeta;
  locator: Locator;
}

export interface PolicyPort {
  protocol: Protocol;
  /** Undefined: all ports of the protocol. */
  port?: number | string;
  endPort?: number;
  path: (string | number)[];
}

export interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except: string[] };
  path: (string | number)[];
}

export interface PolicyRule {
  /** Undefined: the field was absent (all ports). Empty list: also all ports. */
  ports?: PolicyPort[];
  /** Undefined or empty: all peers (`from`/`to` missing or `[]`). */
  peers?: PolicyPeer[];
  path: (string | number)[];
}

export interface NetworkPolicyManifest {
  kind: 'NetworkPolicy';
  meta: ObjectMeta;
  podSelector: LabelSelector;
  /** As written; undefined when absent (defaulting happens in the policy engine). */
  policyTypes?: ('Ingress' | 'Egress')[];
  ingress?: PolicyRule[];
  egress?: PolicyRule[];
  /**
   * True when reading found errors the API server would reject the object for (a bad
   * selector operator, an invalid CIDR …). The invalid parts are left out of the fields above,
   * which can make a rule broader than written; the policy engine should treat such a policy
   * as absent, as the cluster would.
   */
  invalid?: boolean;
  locator: Locator;
}

export type AdminPolicyAction = 'Allow' | 'Deny' | 'Pass';

/** `pods` in an AdminNetworkPolicy subject or peer: both selectors are required by the API. */
export interface NamespacedPodSelector {
  namespaceSelector: LabelSelector;
  podSelector: LabelSelector;
}

/** Exactly one of the selector fields is set (the API's MinProperties/MaxProperties=1). */
export interface AdminPolicySubject {
  namespaces?: LabelSelector;
  pods?: NamespacedPodSelector;
  path: FieldPath;
}

/** An ingress or egress peer; `nodes` and `networks` appear in egress rules only. */
export interface AdminPolicyPeer {
  namespaces?: LabelSelector;
  pods?: NamespacedPodSelector;
  nodes?: LabelSelector;
  /** Normalised CIDR texts. */
  networks?: string[];
  path: FieldPath;
}

/** One `ports` entry: portNumber (port), portRange (port..endPort) or namedPort. */
export interface AdminPolicyPort {
  protocol: Protocol;
  port?: number;
  endPort?: number;
  namedPort?: string;
  path: FieldPath;
}

export interface AdminPolicyRule {
  name?: string;
  action: AdminPolicyAction;
  peers: AdminPolicyPeer[];
  /** Undefined: the rule does not filter by port. */
  ports?: AdminPolicyPort[];
  path: FieldPath;
}

/** AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1), both cluster-scoped. */
export interface AdminNetworkPolicyManifest {
  kind: 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy';
  meta: ObjectMeta;
  /** 0–1000, lower first; undefined for the baseline policy. */
  priority?: number;
  subject: AdminPolicySubject;
  ingress: AdminPolicyRule[];
  egress: AdminPolicyRule[];
  /** The API server would refuse the object (its errors are findings): the engine leaves it out. */
  invalid?: boolean;
  locator: Locator;
}

export type CniPlugin = 'bridge' | 'flannel' | 'calico';
export type CniBackend = 'none' | 'udp' | 'vxlan' | 'host-gw' | 'ipip' | 'bgp';
export type KubeProxyMode = 'iptables' | 'ipvs' | 'nftables' | 'userspace';
export type PolicyMode = 'auto' | 'enforced' | 'ignored';

export interface ClusterNodeSpec {
  name: string;
  ip: string;
  podCIDR?: string;
  /** The underlay subnet the node's eth0 sits in (defaults to its /24). */
  subnet?: string;
  /** Dual-stack: the node's IPv6 InternalIP, its IPv6 pod block, its eth0's IPv6 subnet (default /64). */
  ip6?: string;
  podCIDR6?: string;
  subnet6?: string;
  labels: Record<string, string>;
  /** Taints, only present when the node has some. */
  taints?: TaintSpec[];
  path: (string | number)[];
}

/** The PodPath `Cluster` document: what manifests do not say about the network. */
export interface ClusterManifest {
  kind: 'Cluster';
  name: string;
  clusterCIDR?: string;
  serviceCIDR?: string;
  /** Dual-stack: the IPv6 ranges (the second entry of `clusterCIDR`/`serviceCIDR` lists). */
  clusterCIDR6?: string;
  serviceCIDR6?: string;
  /** Families in the order the service ranges were written: the first is the primary (kube-apiserver --service-cluster-ip-range). */
  ipFamilies?: (4 | 6)[];
  /**
   * Masquerade of pod traffic leaving the pod network, each under its component's own name:
   * `ipMasq` (flanneld --ip-masq, the bridge plugin's ipMasq), `natOutgoing` (Calico IP pool);
   * for IPv6 `ip6Masq` (flanneld --ip6-masq) and `natOutgoing6` (Calico's IPv6 pool).
   */
  cni: { plugin?: CniPlugin; backend?: CniBackend; bridge?: string; ipMasq?: boolean; natOutgoing?: boolean; ip6Masq?: boolean; natOutgoing6?: boolean; crossSubnet?: boolean };
  kubeProxy: { mode?: KubeProxyMode };
  networkPolicy?: PolicyMode;
  /** The Services' DNS zone (kubelet --cluster-domain); cluster.local when absent. */
  clusterDomain?: string;
  nodes: ClusterNodeSpec[];
  locator: Locator;
}

export type Manifest =
  | PodManifest
  | WorkloadManifest
  | ServiceManifest
  | EndpointsManifest
  | NodeManifest
  | NamespaceManifest
  | NetworkPolicyManifest
  | AdminNetworkPolicyManifest
  | CalicoPolicyManifest
  | CalicoTierManifest
  | ClusterManifest;

/** Everything read from a set of files, by kind, in file order. */
export interface ManifestSet {
  files: string[];
  pods: PodManifest[];
  workloads: WorkloadManifest[];
  services: ServiceManifest[];
  endpoints: EndpointsManifest[];
  nodes: NodeManifest[];
  namespaces: NamespaceManifest[];
  policies: NetworkPolicyManifest[];
  /** AdminNetworkPolicies and BaselineAdminNetworkPolicies, in file order. */
  adminPolicies?: AdminNetworkPolicyManifest[];
  /** Calico NetworkPolicies and GlobalNetworkPolicies (projectcalico.org/v3), in file order. */
  calicoPolicies?: CalicoPolicyManifest[];
  /** Calico Tiers (projectcalico.org/v3). */
  calicoTiers?: CalicoTierManifest[];
  /** Calico IPPools (a live Calico cluster's dump): what they say of the CNI is used without a Cluster document. */
  calicoPools?: CalicoIPPoolManifest[];
  /** The Tigera operator's Installation objects (a manifest repository of an operator install). */
  calicoInstallations?: CalicoInstallationManifest[];
  /** Setup files' ranges and kube-proxy mode (cluster-setup.ts). */
  clusterSetups?: ClusterSetupManifest[];
  clusters: ClusterManifest[];
}

/** A Calico selector string as written, with where it is. */
export interface CalicoSelectorText {
  text: string;
  path: FieldPath;
}

export type CalicoAction = 'Allow' | 'Deny' | 'Log' | 'Pass';

/** A port in a Calico rule: a number, a range `lo:hi`, or a named port. */
export interface CalicoPort {
  port?: number;
  endPort?: number;
  name?: string;
}

/** `source` or `destination` of a Calico rule (EntityRule in projectcalico.org/v3). */
export interface CalicoEntityRule {
  selector?: CalicoSelectorText;
  notSelector?: CalicoSelectorText;
  namespaceSelector?: CalicoSelectorText;
  nets?: string[];
  notNets?: string[];
  ports?: CalicoPort[];
  notPorts?: CalicoPort[];
  path: FieldPath;
}

export interface CalicoRule {
  action: CalicoAction;
  /** TCP, UDP, SCTP, or another protocol PodPath does not carry (then the rule matches no modelled flow). */
  protocol?: string;
  notProtocol?: string;
  /** 6: IPv6 only (never matches PodPath's IPv4 flows). */
  ipVersion?: number;
  source: CalicoEntityRule;
  destination: CalicoEntityRule;
  path: FieldPath;
}

/** Calico NetworkPolicy (namespaced) and GlobalNetworkPolicy (cluster-wide), projectcalico.org/v3. */
export interface CalicoPolicyManifest {
  kind: 'CalicoNetworkPolicy' | 'GlobalNetworkPolicy';
  meta: ObjectMeta;
  tier: string;
  order?: number;
  selector: CalicoSelectorText;
  /** GlobalNetworkPolicy only: which namespaces' endpoints it applies to. */
  namespaceSelector?: CalicoSelectorText;
  types: ('Ingress' | 'Egress')[];
  ingress: CalicoRule[];
  egress: CalicoRule[];
  invalid?: boolean;
  locator: Locator;
}

/**
 * What a cluster's setup files say of its ranges and kube-proxy mode: KubeProxyConfiguration,
 * kubeadm's ClusterConfiguration, a kind cluster config, or the kube-system ConfigMaps kubeadm
 * stores them in (kube-proxy, kubeadm-config). Used where no Cluster document says otherwise.
 */
export interface ClusterSetupManifest {
  kind: 'ClusterSetup';
  /** What it is, for findings: "KubeProxyConfiguration", "ConfigMap kube-system/kube-proxy" … */
  source: string;
  kubeProxyMode?: KubeProxyMode;
  podSubnet?: string;
  serviceSubnet?: string;
  /** Where each setting is written (for a ConfigMap, its data key). */
  paths: { mode?: FieldPath; pods?: FieldPath; services?: FieldPath };
  locator: Locator;
}

/** When a Calico pool encapsulates (IPPool ipipMode / vxlanMode). */
export type CalicoEncapMode = 'Always' | 'CrossSubnet' | 'Never';

/** A Calico IPPool (projectcalico.org/v3, or crd.projectcalico.org/v1 as a dump stores it). */
export interface CalicoIPPoolManifest {
  kind: 'IPPool';
  meta: ObjectMeta;
  /** Canonical text; absent when missing or invalid (reported). */
  cidr?: string;
  /** Absent: Calico's default (/26 for IPv4, /122 for IPv6). */
  blockSize?: number;
  ipipMode: CalicoEncapMode;
  vxlanMode: CalicoEncapMode;
  /** Absent: the resource's default, false. */
  natOutgoing?: boolean;
  disabled: boolean;
  locator: Locator;
}

/** A pool of the Tigera operator's Installation (spec.calicoNetwork.ipPools[]), with the operator's defaults filled in. */
export interface CalicoInstallationPool {
  name?: string;
  cidr: string;
  blockSize?: number;
  encapsulation: 'IPIP' | 'IPIPCrossSubnet' | 'VXLAN' | 'VXLANCrossSubnet' | 'None';
  natOutgoing: boolean;
  path: FieldPath;
}

/** The Tigera operator's Installation (operator.tigera.io/v1): how an operator install sets Calico up. */
export interface CalicoInstallationManifest {
  kind: 'Installation';
  meta: ObjectMeta;
  /** spec.cni.type; absent means Calico. Another type (AmazonVPC, AzureVNET, GKE) means Calico only does policy. */
  cniType?: string;
  /** spec.calicoNetwork.linuxDataplane (Iptables, BPF, Nftables, VPP); absent means Iptables. */
  linuxDataplane?: string;
  pools: CalicoInstallationPool[];
  locator: Locator;
}

/** Calico Tier: policies in tiers of lower order are evaluated first. */
export interface CalicoTierManifest {
  kind: 'Tier';
  meta: ObjectMeta;
  order?: number;
  defaultAction: 'Deny' | 'Pass';
  locator: Locator;
}
