import { SourceRange } from '../common/source';

/**
 * The trace: what happens to one packet, hop by hop, and who decided each step. This is the
 * central data type — the CLI, the editor's hovers and the topology diagram all render it.
 * Its JSON form (`podpath trace --format json`) is documented in the README and kept stable.
 */

export type L4Protocol = 'tcp' | 'udp' | 'sctp';

/** An outer header pushed by an overlay: VXLAN (UDP), IP-in-IP, or flanneld's UDP. */
export interface OuterHeader {
  kind: 'vxlan' | 'ipip' | 'flannel-udp';
  src: string;
  dst: string;
  /** UDP ports of VXLAN / flannel udp; absent for IP-in-IP (protocol 4). */
  sport?: number;
  dport?: number;
  vni?: number;
  /** Inner Ethernet addresses carried by VXLAN. */
  innerSrcMac?: string;
  innerDstMac?: string;
}

export interface Packet {
  protocol: L4Protocol;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  /** Outer headers, outermost first; empty when not encapsulated. */
  encap: OuterHeader[];
  /** Ethernet addresses on the current link, when the hop is an L2 one. */
  srcMac?: string;
  dstMac?: string;
}

export type Stage =
  | 'egress' | 'veth' | 'bridge' | 'arp' | 'routing' | 'netfilter' | 'nat'
  | 'encap' | 'underlay' | 'decap' | 'policy' | 'deliver';

export type Action =
  | 'sent' | 'forwarded' | 'routed' | 'resolved' | 'accepted' | 'delivered' | 'dropped' | 'rejected'
  | 'dnat' | 'snat' | 'masquerade' | 'redirected' | 'proxied' | 'encapsulated' | 'decapsulated' | 'allowed' | 'not-enforced'
  /** On a reply: conntrack restores the address a forward hop rewrote (see `Hop.undoes`). */
  | 'reverse-dnat' | 'reverse-snat';

export interface DecidedBy {
  /** What kind of thing decided: a route, a netfilter rule, an ARP/FDB entry, a device, a policy … */
  kind: 'route' | 'rule' | 'neighbor' | 'fdb' | 'device' | 'policy' | 'object' | 'ipvs' | 'proxy' | 'config' | 'underlay' | 'conntrack';
  /** The decision as the tool that shows it would print it (`ip route`, `iptables-save` …). */
  text: string;
  /** Why that thing exists: the YAML that produced it. */
  source?: SourceRange;
}

export interface Hop {
  node: string;
  /** `root` (the node's namespace) or the pod key (`namespace/name`) whose sandbox it is. */
  netns: string;
  device: string;
  stage: Stage;
  action: Action;
  /** One line, in the words of the seeds' walkthroughs. */
  summary: string;
  /** The packet after this hop. */
  packet: Packet;
  decidedBy?: DecidedBy;
  /** Extra lines: the chain of rules walked, the FDB entry used … */
  details?: string[];
  /**
   * Policy hops where an AdminNetworkPolicy or the BaselineAdminNetworkPolicy takes part: every
   * stage consulted in order — the API, the policy, the rule and its action (`NoMatch` when
   * evaluation went on past it, `Pass` naming where it continued), with the rule's YAML location.
   */
  policySteps?: PolicyStep[];
  /** Reply hops only: the forward hops whose translation this hop undoes. */
  undoes?: UndoneTranslation[];
}

/** A forward translation a reply hop reverses, named by the forward hop that applied it. */
export interface UndoneTranslation {
  /** The forward hop's number, as `podpath trace` numbers it (1-based along its path). */
  hop: number;
  node: string;
  /** The forward hop's action: dnat, redirected, snat or masquerade. */
  action: Action;
  summary: string;
}

export interface PolicyStep {
  /** `Calico`: a Calico NetworkPolicy or GlobalNetworkPolicy, or a tier's default action (`tier` names it). */
  api: 'AdminNetworkPolicy' | 'NetworkPolicy' | 'BaselineAdminNetworkPolicy' | 'Calico';
  /** The Calico tier the step belongs to (Calico policies, and NetworkPolicy when Calico policies take part). */
  tier?: string;
  policy?: string;
  ruleIndex?: number;
  ruleName?: string;
  action: 'Allow' | 'Deny' | 'Pass' | 'Log' | 'NoMatch';
  text: string;
  source?: SourceRange;
}

export type Verdict = 'delivered' | 'dropped' | 'rejected' | 'no-route' | 'exits-cluster' | 'unresolved';

export interface TraceBranch {
  /** Probability of this path (a Service backend chosen by kube-proxy). */
  probability: number;
  /** The backend this branch goes to, e.g. `10.244.2.5:8080 (default/web-abc12)`. */
  label: string;
  hops: Hop[];
  verdict: Verdict;
  reason: string;
}

export interface TraceEndpoint {
  /** As the user wrote it. */
  spec: string;
  kind: 'pod' | 'container' | 'service' | 'workload' | 'node' | 'external';
  /** Canonical name (`default/web`, `node-1`, `203.0.113.9`). */
  name: string;
  ip: string;
  /** Present (true) when PodPath assigned `ip`: the manifests carry no such address. */
  ipAssigned?: true;
  node?: string;
  source?: SourceRange;
  /**
   * Where the packet was really sent when that is not `ip`: a Service reached from outside
   * through its NodePort (`NodePort 192.168.1.10:30080 (node node-1)`) or a load-balancer IP.
   */
  via?: string;
}

export interface Trace {
  /** Schema version of this JSON. */
  version: 1;
  from: TraceEndpoint;
  to: TraceEndpoint;
  packet: Packet;
  /** Hops shared by every branch (all of them when there is no fan-out). */
  hops: Hop[];
  /** One branch per possible path after a fan-out (Service backends); empty otherwise. */
  branches: TraceBranch[];
  /** Overall: the verdict when all branches agree, else the worst one. */
  verdict: Verdict;
  reason: string;
  /** Things worth knowing that are not hops (policy not enforced, port not declared …). */
  notes: string[];
}
