import { buildCluster } from '../../src/core/cluster/build';
import { Cluster, NodeInfo } from '../../src/core/cluster/model';
import { NfContext, NfPacket, traverseHook } from '../../src/core/dataplane/netfilter-eval';
import { Ruleset, renderRule } from '../../src/core/dataplane/netfilter';
import { loadManifests } from '../../src/core/manifest/load';

/**
 * A re-expression of kube-proxy's own `tracePacket` test helper (pkg/proxy/iptables/
 * proxier_test.go) on top of PodPath's netfilter evaluator: walk nat PREROUTING (OUTPUT when
 * the node itself sends), follow every probabilistic branch, apply the DNAT, walk the filter
 * hook the kernel would use next (INPUT when the packet stays on the node, FORWARD otherwise,
 * OUTPUT for the node's own packets), then nat POSTROUTING to see whether it is masqueraded.
 *
 * Output is upstream's: the DNAT destinations in rule order ("ip:port, ip:port"), or a filter
 * verdict DROP/REJECT, or "" when nothing matched. Two deliberate differences, both because
 * PodPath evaluates marks where upstream's helper ignores them: an explicit ACCEPT in the
 * filter table is not reported (KUBE-FORWARD accepts every marked packet), and `masq` means
 * "KUBE-POSTROUTING masqueraded it" rather than "KUBE-MARK-MASQ was hit"; on the INPUT path
 * nothing is masqueraded (no POSTROUTING).
 */

// Upstream's fixture conventions (proxier_test.go): pod CIDR 10.0.0.0/8 (the local detector),
// Service IPs 172.30.0.0/16, the node "test-node" at 192.168.0.2 with further local addresses.
export const TEST_NODE_NAME = 'test-node';
export const TEST_NODE_IP = '192.168.0.2';
export const TEST_NODE_IP_ALT = '192.168.1.2';
export const TEST_EXTERNAL_IP = '192.168.99.11';
export const TEST_EXTERNAL_CLIENT = '203.0.113.2';
/** What upstream's tracer treats as LOCAL: loopback and the node's addresses. */
export const LOCAL_IPS = ['127.0.0.1', TEST_NODE_IP, TEST_NODE_IP_ALT, TEST_EXTERNAL_IP];

export function upstreamClusterYaml(mode: 'iptables' | 'ipvs' | 'nftables' | 'userspace' = 'iptables'): string {
  return `apiVersion: podpath.dev/v1alpha1
kind: Cluster
metadata:
  name: upstream-fixture
spec:
  clusterCIDR: 10.0.0.0/8
  serviceCIDR: 172.30.0.0/16
  cni:
    plugin: flannel
    backend: vxlan
  kubeProxy:
    mode: ${mode}
  nodes:
    - name: ${TEST_NODE_NAME}
      ip: ${TEST_NODE_IP}
      podCIDR: 10.0.0.0/24
`;
}

export function clusterFrom(yaml: string, mode: 'iptables' | 'ipvs' | 'nftables' | 'userspace' = 'iptables'): { cluster: Cluster; node: NodeInfo } {
  const loaded = loadManifests([{ file: 'cluster.yaml', text: upstreamClusterYaml(mode) }, { file: 'objects.yaml', text: yaml }]);
  const cluster = buildCluster(loaded.manifests);
  const node = cluster.nodesByName.get(TEST_NODE_NAME);
  if (!node) throw new Error('fixture node missing');
  return { cluster, node };
}

export interface PacketFlowTest {
  name: string;
  sourceIP: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  destIP: string;
  destPort: number;
  output: string;
  masq?: boolean;
}

export interface TraceResult {
  output: string;
  masq: boolean;
  /** The rules that fired, for failure messages. */
  matches: string[];
}

export function tracePacket(rs: Ruleset, t: PacketFlowTest, localIPs: readonly string[] = LOCAL_IPS): TraceResult {
  const local = new Set(localIPs);
  const ctx: NfContext = { isLocal: (ip) => local.has(ip), ipsets: rs.ipsets };
  const proto = (t.protocol ?? 'TCP').toLowerCase() as NfPacket['proto'];
  const packet: NfPacket = { src: t.sourceIP, dst: t.destIP, proto, sport: 40000, dport: t.destPort, mark: 0 };
  const fromNode = local.has(t.sourceIP);
  const outputs: string[] = [];
  const verdicts: string[] = [];
  const matches: string[] = [];
  let masq = false;
  const note = (hits: { chain: string; rule: Parameters<typeof renderRule>[1] }[]) => {
    for (const h of hits) matches.push(renderRule(h.chain, h.rule));
  };

  for (const nat of traverseHook(rs, 'nat', fromNode ? 'OUTPUT' : 'PREROUTING', packet, ctx)) {
    note(nat.hits);
    if (nat.nat?.kind === 'DNAT') outputs.push(nat.nat.to);
    const after = nat.packet;
    const hook = fromNode ? 'OUTPUT' : local.has(after.dst) ? 'INPUT' : 'FORWARD';
    for (const f of traverseHook(rs, 'filter', hook, after, ctx)) {
      note(f.hits);
      if (f.verdict !== 'ACCEPT') {
        if (!verdicts.includes(f.verdict)) verdicts.push(f.verdict);
        continue;
      }
      if (hook === 'INPUT') continue;
      for (const post of traverseHook(rs, 'nat', 'POSTROUTING', f.packet, ctx)) {
        note(post.hits);
        if (post.nat?.kind === 'MASQUERADE') masq = true;
      }
    }
  }
  return { output: [...outputs, ...verdicts].join(', '), masq, matches };
}

/** Runs one upstream table; returns a failure description per case that disagrees. */
export function packetFlowFailures(rs: Ruleset, cases: PacketFlowTest[], localIPs: readonly string[] = LOCAL_IPS): string[] {
  const failures: string[] = [];
  for (const c of cases) {
    const r = tracePacket(rs, c, localIPs);
    const want = c.masq ?? false;
    if (r.output !== c.output || r.masq !== want) {
      failures.push(`${c.name}: ${c.protocol ?? 'TCP'} ${c.sourceIP} -> ${c.destIP}:${c.destPort}\n` +
        `  expected output ${JSON.stringify(c.output)} masq ${want}\n  got      output ${JSON.stringify(r.output)} masq ${r.masq}\n` +
        `  matched:\n    ${r.matches.join('\n    ')}`);
    }
  }
  return failures;
}
