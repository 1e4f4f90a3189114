import * as path from 'path';
import { Analysis, analyzeSources } from '../../src/core/analyze';
import { readSources } from '../../src/cli/files';
import { REPO_ROOT } from '../support/analyze';

/**
 * The clusters the kernel lab is run on: the examples, and the cases kept under
 * test/lab/clusters (read from the source tree, so tests compiled to out/ find them).
 */

export interface LabCase {
  title: string;
  /** Paths relative to the repository root. */
  paths: string[];
  /** A tool beyond the lab's usual ones that the case cannot run without. */
  needs?: 'nftables';
}

export const LAB_CASES: LabCase[] = [
  { title: 'seed 000: bridge plugin (cbr0) with static routes', paths: ['examples/seed-000'] },
  { title: 'flannel host-gw, with a Service and a hostNetwork pod', paths: ['test/lab/clusters/flannel-host-gw'] },
  { title: 'flannel vxlan, with a NodePort Service', paths: ['examples/flannel-vxlan'] },
  { title: 'calico ipip, with a default-deny policy', paths: ['examples/calico-ipip'] },
  { title: 'seed 003: Service in iptables mode, 3 replicas', paths: ['examples/seed-003-iptables'] },
  { title: 'NodePort with externalTrafficPolicy Cluster and Local', paths: ['test/lab/clusters/nodeport-traffic-policy'] },
  { title: 'NetworkPolicy set on Calico vxlan: default deny plus allows', paths: ['test/lab/clusters/network-policy'] },
  { title: 'NetworkPolicy on the bridge plugin (kube-router style)', paths: ['test/lab/clusters/bridge-policy'] },
  { title: 'policy tiers on Calico vxlan: AdminNetworkPolicy, Calico tiers with Pass and Deny, NetworkPolicy, the baseline', paths: ['test/lab/clusters/policy-tiers'] },
  { title: 'nodes on two subnets behind a router, flannel vxlan', paths: ['test/lab/clusters/routed-underlay'] },
  { title: 'nodes on two subnets, bridge plugin: the routes it cannot install', paths: ['test/lab/clusters/routed-static-routes'] },
  { title: 'Services without endpoints: every connection REJECTed, none lost to the ICMP rate limit', paths: ['test/lab/clusters/reject-no-endpoints'] },
  { title: 'outside masquerade on flannel vxlan (flanneld --ip-masq)', paths: ['test/lab/clusters/outside-masquerade-flannel'] },
  { title: 'outside masquerade on Calico vxlan (IP pool natOutgoing, ipsets)', paths: ['test/lab/clusters/outside-masquerade-calico'] },
  { title: 'a live Calico dump without a Cluster document: IPPool CrossSubnet, blocks outside the Nodes\' podCIDR, a node with two blocks, a borrowed address', paths: ['test/lab/clusters/calico-live-blocks'] },
  { title: 'outside masquerade with the bridge plugin (ipMasq: true)', paths: ['test/lab/clusters/outside-masquerade-bridge'] },
  { title: 'a reply that bypasses the node holding the DNAT (pod → NodePort, externalTrafficPolicy Local, no masquerade)', paths: ['test/lab/clusters/reply-bypass'] },
  { title: 'kube-proxy nftables mode: numgen over two replicas, NodePorts Cluster and Local, a Service without endpoints', paths: ['test/lab/clusters/nftables-services'], needs: 'nftables' },
  { title: 'dual-stack flannel vxlan: IPv6 over flannel-v6.1 and ip6tables beside IPv4', paths: ['test/lab/clusters/dual-stack'] },
  { title: 'dual-stack Calico vxlan: IPv6 pods via the host veth\'s link-local, vxlan-v6.calico', paths: ['test/lab/clusters/dual-stack-calico'] },
];

export function analyzePaths(paths: string[]): Analysis {
  const { sources, errors } = readSources(paths, REPO_ROOT);
  if (errors.length) throw new Error(errors.join('\n'));
  return analyzeSources(sources);
}

/** A case under test/lab/clusters by folder name. */
export function analyzeLabCase(name: string): Analysis {
  return analyzePaths([path.join('test', 'lab', 'clusters', name)]);
}
