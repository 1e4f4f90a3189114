/**
 * The kernel lab as data: the namespaces it creates and the commands that build them, in
 * order. `podpath lab script` prints these commands as a shell script and `podpath lab up`
 * runs the very same list, so what is printed is what is applied.
 */

/** Kernel pieces a lab may need; some kernels lack them (no ipip module, no dummy driver …). */
export type KernelFeature = 'netns' | 'veth' | 'bridge' | 'vxlan' | 'ipip' | 'dummy' | 'br_netfilter' | 'iptables';

export interface LabCommand {
  /** The program and its arguments, run without a shell. */
  argv: string[];
  /** Text fed on standard input (iptables-restore's rules). */
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
