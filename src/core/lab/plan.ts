/**
 * The kernel lab as data: the namespaces it creates and the commands that build them, in
 * order. `podpath lab script` prints these commands as a shell script and `podpath lab up`
 * runs the very same list, so what is printed is what is applied.
 */

/** Kernel pieces a lab may need; some kernels lack them (no ipip module, no dummy driver …). */
export type KernelFeature = 'netns' | 'veth' | 'bridge' | 'vxlan' | 'ipip' | 'dummy' | 'br_netfilter' | 'iptables' | 'ipset' | 'nftables' | 'ipv6';

export interface LabCommand {
  /** The program and its arguments, run without a shell. */
  argv: string[];
  /** Text fed on standard input (iptables-restore's rules, or `nft -f -` input). */
  stdin?: string;
}

export interface LabSection {
  /** A comment line naming what the commands build. */
  title: string;
  commands: LabCommand[];
  /** Extra comment lines: things the kernel does on its own (ARP, FDB learning) or left out. */
  notes?: string[];
}

export interface LabNamespace {
  name: string;
  role: 'underlay' | 'router' | 'outside' | 'node' | 'pod';
  /** The node this namespace is (role node) or runs on (role pod). */
  node?: string;
  /** `namespace/name` of the pod whose sandbox this is. */
  pod?: string;
}

/**
 * How big a lab may get before it is refused. Each pod is a namespace and a responder process
 * and each node a namespace with its own rules, all created as root: a 20-line Deployment with
 * 50,000 replicas must not become 50,000 namespaces. The defaults hold every example and test
 * cluster many times over and build in well under a minute; `--max-pods`, `--max-nodes` and
 * `--max-processes` raise them.
 */
export interface LabLimits {
  maxPods: number;
  maxNodes: number;
  /** Responders plus probers running at once during `probe`. */
  maxProcesses: number;
}

export const DEFAULT_LAB_LIMITS: LabLimits = { maxPods: 200, maxNodes: 20, maxProcesses: 500 };

/** The flag that raises each limit, for messages. */
export const LIMIT_FLAGS: Record<keyof LabLimits, string> = { maxPods: '--max-pods', maxNodes: '--max-nodes', maxProcesses: '--max-processes' };

/**
 * What marks a namespace as the lab's own, from the inside: the alias of its `lo` (IFLA_IFALIAS,
 * `ip link set dev lo alias …`). Every namespace has `lo`, setting an alias needs no kernel
 * module, and the alias lives and dies with the namespace itself, so a namespace someone else
 * made under the same name can never carry it by accident.
 */
export function labMarker(prefix: string): string {
  return `podpath-lab:${prefix}`;
}

export interface LabPlan {
  prefix: string;
  cluster: string;
  namespaces: LabNamespace[];
  sections: LabSection[];
  /** Kernel features the commands use. */
  features: KernelFeature[];
  /** Features left out because the kernel lacks them (only when asked to build without them). */
  leftOut: KernelFeature[];
  /** Why the lab cannot build this cluster at all (empty when it can). */
  blockers: string[];
  /** The limits the plan was checked against. */
  limits: LabLimits;
  /** The most processes `probe` starts at once: a responder per pod with ports, a prober per source namespace. */
  processes: number;
  /** The `lo` alias every namespace of this lab carries (see `labMarker`). */
  marker: string;
  /**
   * Clients outside the cluster, behind the underlay router (for NodePorts): one namespace with
   * two addresses, the low one and one in the upper half, so an ipBlock `except` can tell them apart.
   */
  outside: { netns: string; ips: string[]; gateway: string; cidr: string };
  /** Node name → its namespace; pod key → its namespace. */
  nodeNamespaces: Map<string, string>;
  podNamespaces: Map<string, string>;
  /** A PodPath device name that Linux refused, and the name used instead, per namespace. */
  renamedDevices: { netns: string; model: string; linux: string }[];
}

/** The Linux device name for a model device in a namespace (identity unless renamed). */
export function linuxDevice(plan: LabPlan, netns: string, model: string): string {
  return plan.renamedDevices.find((r) => r.netns === netns && r.model === model)?.linux ?? model;
}
