import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { NftRuleset, NftTable } from '../../src/core/dataplane/nftables';
import { renderElementText, renderNftRule } from '../../src/core/dataplane/nftables-text';
import { programKubeProxy } from '../../src/core/kubeproxy';
import { endpointChainBase, servicePortChainBase } from '../../src/core/kubeproxy/nftables-names';
import { endpointSlice, service, toYaml } from './kubeproxy-fixtures';
import { nftPacketFlowFailures } from './kubeproxy-nft-trace';
import {
  PacketFlowTest, TEST_EXTERNAL_CLIENT as EXT_CLIENT, TEST_EXTERNAL_IP, TEST_NODE_IP as NODE, TEST_NODE_IP_ALT, TEST_NODE_NAME, clusterFrom,
} from './kubeproxy-trace';

/**
 * kube-proxy's nftables packet-flow tests (kubernetes pkg/proxy/nftables/proxier_test.go,
 * runPacketFlowTests) re-expressed as manifests: each upstream Service/EndpointSlice fixture is
 * written as YAML, read by PodPath's loader, programmed in `kubeProxy: {mode: nftables}` for
 * upstream's "test-node", and the same packets are traced through the nftables ruleset with the
 * same expected endpoints, verdicts and masquerade decisions. TestOverallNFTablesRules is
 * compared line for line with upstream's expected transaction.
 *
 * Upstream's blocked client for load-balancer source ranges is 203.0.113.130 (outside
 * 203.0.113.0/25). Cases PodPath cannot express are skipped with their reason.
 */

const EXT_BLOCKED = '203.0.113.130';
const p80 = { name: 'p80', port: 80 };
const counts = { run: 0, skipped: 0 };
after(() => console.log(`# nftables packet-flow conformance: ${counts.run + counts.skipped} upstream cases, ${counts.run} run, ${counts.skipped} skipped`));

function nftFor(...objects: object[]): NftRuleset {
  const { cluster, node } = clusterFrom(toYaml(...objects), 'nftables');
  const program = programKubeProxy(cluster, node);
  assert.deepEqual(program.findings, [], 'kube-proxy reported findings');
  assert.ok(program.nftables, 'nftables mode programs nftables');
  return program.nftables!;
}

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

type Case = PacketFlowTest & { skip?: string };

function runCases(rs: () => NftRuleset, cases: Case[]): void {
  for (const c of cases) {
    if (c.skip) {
      counts.skipped++;
      it(c.name, { skip: c.skip }, () => undefined);
      continue;
    }
    counts.run++;
    it(c.name, () => {
      const failures = nftPacketFlowFailures(rs(), [c]);
      assert.equal(failures.length, 0, failures.join('\n'));
    });
  }
}

// --- TestOverallNFTablesRules ----------------------------------------------------------------

/** Our table as knftables writes a transaction (`add chain …`, `add rule …`, `add element …`). */
function transactionLines(t: NftTable): string[] {
  const p = `${t.family} ${t.name}`;
  const lines = [`add table ${p} { comment "${t.comment}" ; }`];
  for (const s of t.sets.values()) {
    const attrs = [`type ${s.type}`, ...(s.flags ? [`flags ${s.flags.join(',')}`] : []), ...(s.timeoutSeconds !== undefined ? [`timeout ${s.timeoutSeconds}s`] : []), ...(s.comment ? [`comment "${s.comment}"`] : [])];
    lines.push(`add ${s.kind} ${p} ${s.name} { ${attrs.join(' ; ')} ; }`);
    for (const e of s.elements.values()) lines.push(`add element ${p} ${s.name} { ${renderElementText(e)} }`);
  }
  for (const c of t.chains.values()) {
    const attrs = c.base ? ` { type ${c.base.type} hook ${c.base.hook} priority ${c.base.priority} ; }` : c.comment ? ` { comment "${c.comment}" ; }` : '';
    lines.push(`add chain ${p} ${c.name}${attrs}`);
    for (const r of c.rules) lines.push(`add rule ${p} ${c.name} ${renderNftRule(t.family, r)}`);
  }
  return lines;
}

/**
 * Upstream writes a few expressions in the short form nft accepts; `nft list` (and PodPath)
 * print the long form. These are nft's own rewrites (the kernel lab checks that nft lists
 * PodPath's text back unchanged).
 */
function asListed(line: string): string {
  return line
    .replace('mark set mark or 0x4000', 'meta mark set meta mark | 0x00004000')
    .replace('mark set mark xor 0x4000', 'meta mark set meta mark ^ 0x00004000')
    .replace('mark and 0x4000 == 0 return', 'meta mark & 0x00004000 == 0x00000000 return')
    .replace(/ ([sd]addr) (!= )?\{ ([^ ,]+) \} /, ' $1 $2$3 ')
    .replace(/ , /g, ', ');
}

const UPSTREAM_BASE = `
add table ip kube-proxy { comment "rules for kube-proxy" ; }
add set ip kube-proxy cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }
add set ip kube-proxy nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }
add map ip kube-proxy firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }
add map ip kube-proxy no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }
add map ip kube-proxy no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }
add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }
add map ip kube-proxy service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }
add chain ip kube-proxy cluster-ips-check
add chain ip kube-proxy filter-prerouting-pre-dnat { type filter hook prerouting priority -110 ; }
add chain ip kube-proxy filter-output-pre-dnat { type filter hook output priority -110 ; }
add chain ip kube-proxy filter-forward { type filter hook forward priority 0 ; }
add chain ip kube-proxy filter-input { type filter hook input priority 0 ; }
add chain ip kube-proxy filter-output { type filter hook output priority 0 ; }
add chain ip kube-proxy firewall-check
add chain ip kube-proxy mark-for-masquerade
add chain ip kube-proxy masquerading
add chain ip kube-proxy nat-output { type nat hook output priority -100 ; }
add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority 100 ; }
add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100 ; }
add chain ip kube-proxy nodeport-endpoints-check
add chain ip kube-proxy reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }
add chain ip kube-proxy services
add chain ip kube-proxy service-endpoints-check
add rule ip kube-proxy cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"
add rule ip kube-proxy cluster-ips-check ip daddr { 172.30.0.0/16 } drop comment "Drop traffic to unallocated ClusterIPs"
add rule ip kube-proxy filter-prerouting-pre-dnat ct state new jump firewall-check
add rule ip kube-proxy filter-forward ct state new jump service-endpoints-check
add rule ip kube-proxy filter-forward ct state new jump cluster-ips-check
add rule ip kube-proxy filter-input ct state new jump nodeport-endpoints-check
add rule ip kube-proxy filter-input ct state new jump service-endpoints-check
add rule ip kube-proxy filter-output ct state new jump service-endpoints-check
add rule ip kube-proxy filter-output-pre-dnat ct state new jump firewall-check
add rule ip kube-proxy filter-output ct state new jump cluster-ips-check
add rule ip kube-proxy firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips
add rule ip kube-proxy mark-for-masquerade mark set mark or 0x4000
add rule ip kube-proxy masquerading mark and 0x4000 == 0 return
add rule ip kube-proxy masquerading mark set mark xor 0x4000
add rule ip kube-proxy masquerading masquerade fully-random
add rule ip kube-proxy nat-output jump services
add rule ip kube-proxy nat-postrouting jump masquerading
add rule ip kube-proxy nat-prerouting jump services
add rule ip kube-proxy nodeport-endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports
add rule ip kube-proxy reject-chain reject
add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips
add rule ip kube-proxy services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports
add element ip kube-proxy nodeport-ips { 192.168.0.2 }
add rule ip kube-proxy service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services
`;

// Upstream's expected rules for its six Services (the part after baseRules).
const UPSTREAM_SERVICES = `
add chain ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80
add rule ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80 ip daddr 172.30.0.41 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 }
add chain ip kube-proxy endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80
add rule ip kube-proxy endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 ip saddr 10.180.0.1 jump mark-for-masquerade
add rule ip kube-proxy endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 meta l4proto tcp dnat to 10.180.0.1:80
add element ip kube-proxy cluster-ips { 172.30.0.41 }
add element ip kube-proxy service-ips { 172.30.0.41 . tcp . 80 : goto service-ULMVA6XW-ns1/svc1/tcp/p80 }
add chain ip kube-proxy service-42NFTM6N-ns2/svc2/tcp/p80
add rule ip kube-proxy service-42NFTM6N-ns2/svc2/tcp/p80 ip daddr 172.30.0.42 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-42NFTM6N-ns2/svc2/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 }
add chain ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80
add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 ip saddr 10.0.0.0/8 goto service-42NFTM6N-ns2/svc2/tcp/p80 comment "short-circuit pod traffic"
add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"
add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 fib saddr type local goto service-42NFTM6N-ns2/svc2/tcp/p80 comment "short-circuit local traffic"
add chain ip kube-proxy endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80
add rule ip kube-proxy endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 ip saddr 10.180.0.2 jump mark-for-masquerade
add rule ip kube-proxy endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 meta l4proto tcp dnat to 10.180.0.2:80
add element ip kube-proxy cluster-ips { 172.30.0.42 }
add element ip kube-proxy service-ips { 172.30.0.42 . tcp . 80 : goto service-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy service-ips { 192.168.99.22 . tcp . 80 : goto external-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy service-ips { 1.2.3.4 . tcp . 80 : goto external-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy service-nodeports { tcp . 3001 : goto external-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy no-endpoint-nodeports { tcp . 3001 comment "ns2/svc2:p80" : drop }
add element ip kube-proxy no-endpoint-services { 1.2.3.4 . tcp . 80 comment "ns2/svc2:p80" : drop }
add element ip kube-proxy no-endpoint-services { 192.168.99.22 . tcp . 80 comment "ns2/svc2:p80" : drop }
add chain ip kube-proxy service-4AT6LBPK-ns3/svc3/tcp/p80
add rule ip kube-proxy service-4AT6LBPK-ns3/svc3/tcp/p80 ip daddr 172.30.0.43 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-4AT6LBPK-ns3/svc3/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80 }
add chain ip kube-proxy external-4AT6LBPK-ns3/svc3/tcp/p80
add rule ip kube-proxy external-4AT6LBPK-ns3/svc3/tcp/p80 jump mark-for-masquerade
add rule ip kube-proxy external-4AT6LBPK-ns3/svc3/tcp/p80 goto service-4AT6LBPK-ns3/svc3/tcp/p80
add chain ip kube-proxy endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80
add rule ip kube-proxy endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80 ip saddr 10.180.0.3 jump mark-for-masquerade
add rule ip kube-proxy endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80 meta l4proto tcp dnat to 10.180.0.3:80
add element ip kube-proxy cluster-ips { 172.30.0.43 }
add element ip kube-proxy service-ips { 172.30.0.43 . tcp . 80 : goto service-4AT6LBPK-ns3/svc3/tcp/p80 }
add element ip kube-proxy service-nodeports { tcp . 3003 : goto external-4AT6LBPK-ns3/svc3/tcp/p80 }
add chain ip kube-proxy service-LAUZTJTB-ns4/svc4/tcp/p80
add rule ip kube-proxy service-LAUZTJTB-ns4/svc4/tcp/p80 ip daddr 172.30.0.44 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-LAUZTJTB-ns4/svc4/tcp/p80 numgen random mod 2 vmap { 0 : goto endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 , 1 : goto endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 }
add chain ip kube-proxy external-LAUZTJTB-ns4/svc4/tcp/p80
add rule ip kube-proxy external-LAUZTJTB-ns4/svc4/tcp/p80 jump mark-for-masquerade
add rule ip kube-proxy external-LAUZTJTB-ns4/svc4/tcp/p80 goto service-LAUZTJTB-ns4/svc4/tcp/p80
add chain ip kube-proxy endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80
add rule ip kube-proxy endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 ip saddr 10.180.0.5 jump mark-for-masquerade
add rule ip kube-proxy endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 meta l4proto tcp dnat to 10.180.0.5:80
add chain ip kube-proxy endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80
add rule ip kube-proxy endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 ip saddr 10.180.0.4 jump mark-for-masquerade
add rule ip kube-proxy endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 meta l4proto tcp dnat to 10.180.0.4:80
add element ip kube-proxy cluster-ips { 172.30.0.44 }
add element ip kube-proxy service-ips { 172.30.0.44 . tcp . 80 : goto service-LAUZTJTB-ns4/svc4/tcp/p80 }
add element ip kube-proxy service-ips { 192.168.99.33 . tcp . 80 : goto external-LAUZTJTB-ns4/svc4/tcp/p80 }
add set ip kube-proxy affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }
add chain ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80
add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 ip daddr 172.30.0.45 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 ip saddr @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 goto endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80
add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 }
add chain ip kube-proxy external-HVFWP5L3-ns5/svc5/tcp/p80
add rule ip kube-proxy external-HVFWP5L3-ns5/svc5/tcp/p80 jump mark-for-masquerade
add rule ip kube-proxy external-HVFWP5L3-ns5/svc5/tcp/p80 goto service-HVFWP5L3-ns5/svc5/tcp/p80
add chain ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80
add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 ip saddr 10.180.0.3 jump mark-for-masquerade
add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 update @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 { ip saddr }
add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 meta l4proto tcp dnat to 10.180.0.3:80
add chain ip kube-proxy firewall-HVFWP5L3-ns5/svc5/tcp/p80
add rule ip kube-proxy firewall-HVFWP5L3-ns5/svc5/tcp/p80 ip saddr != { 203.0.113.0/25 } drop
add element ip kube-proxy cluster-ips { 172.30.0.45 }
add element ip kube-proxy service-ips { 172.30.0.45 . tcp . 80 : goto service-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy service-ips { 5.6.7.8 . tcp . 80 : goto external-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy service-nodeports { tcp . 3002 : goto external-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy firewall-ips { 5.6.7.8 . tcp . 80 : goto firewall-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy cluster-ips { 172.30.0.46 }
add element ip kube-proxy no-endpoint-services { 172.30.0.46 . tcp . 80 comment "ns6/svc6:p80" : goto reject-chain }
`;

// svc4 is upstream's NodePort without a nodePort, which an API server never stores: written as
// ClusterIP with externalIPs, which gives the same rules. Health-check node ports write no rule.
const overallObjects = [
  service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [p80] }),
  service('ns2', 'svc2', {
    type: 'LoadBalancer', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.42', ports: [{ ...p80, nodePort: 3001 }],
    loadBalancerIngress: ['1.2.3.4'], externalIPs: ['192.168.99.22'],
  }),
  service('ns3', 'svc3', { type: 'NodePort', clusterIP: '172.30.0.43', ports: [{ ...p80, nodePort: 3003 }] }),
  service('ns4', 'svc4', { clusterIP: '172.30.0.44', externalIPs: ['192.168.99.33'], ports: [{ ...p80, targetPort: 80 }] }),
  service('ns5', 'svc5', {
    type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', clusterIP: '172.30.0.45', ports: [{ ...p80, nodePort: 3002 }],
    loadBalancerIngress: ['5.6.7.8'], sessionAffinityTimeout: 10800, loadBalancerSourceRanges: [' 203.0.113.0/25'],
  }),
  service('ns6', 'svc6', { clusterIP: '172.30.0.46', ports: [{ ...p80, targetPort: 80 }] }),
  endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1' }], [p80]),
  endpointSlice('ns2', 'svc2', [{ ip: '10.180.0.2' }], [p80]),
  endpointSlice('ns3', 'svc3', [{ ip: '10.180.0.3' }], [p80]),
  endpointSlice('ns4', 'svc4', [{ ip: '10.180.0.4' }, { ip: '10.180.0.5', node: TEST_NODE_NAME }], [p80]),
  endpointSlice('ns5', 'svc5', [{ ip: '10.180.0.3' }], [p80]),
];

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '').map(asListed).sort();

describe('TestOverallNFTablesRules', () => {
  const rs = once(() => nftFor(...overallObjects));
  it('writes upstream\'s table, line for line (order aside)', () => {
    const got = transactionLines(rs().tables[0]).sort();
    assert.deepEqual(got, lines(UPSTREAM_BASE + UPSTREAM_SERVICES));
  });
  it('writes only the ip table while every address is IPv4', () => {
    assert.deepEqual(rs().tables.map((t) => `${t.family} ${t.name}`), ['ip kube-proxy']);
  });
});

describe('nftables chain names as upstream computes them', () => {
  // Every name below appears in upstream's expected output (proxier_test.go).
  const cases: [string, string][] = [
    [servicePortChainBase('ns1', 'svc1', 'tcp', 'p80'), 'ULMVA6XW-ns1/svc1/tcp/p80'],
    [servicePortChainBase('ns2', 'svc2', 'tcp', 'p80'), '42NFTM6N-ns2/svc2/tcp/p80'],
    [servicePortChainBase('ns3', 'svc3', 'tcp', 'p80'), '4AT6LBPK-ns3/svc3/tcp/p80'],
    [servicePortChainBase('ns4', 'svc4', 'tcp', 'p80'), 'LAUZTJTB-ns4/svc4/tcp/p80'],
    [servicePortChainBase('ns5', 'svc5', 'tcp', 'p80'), 'HVFWP5L3-ns5/svc5/tcp/p80'],
    [servicePortChainBase('ns2', 'svc2', 'tcp', 'p8080'), 'MHHHYRWA-ns2/svc2/tcp/p8080'],
    [endpointChainBase('ns1', 'svc1', 'tcp', 'p80', '10.180.0.1', 80), '5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80'],
    [endpointChainBase('ns2', 'svc2', 'tcp', 'p80', '10.180.0.2', 80), 'SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80'],
    [endpointChainBase('ns3', 'svc3', 'tcp', 'p80', '10.180.0.3', 80), 'UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80'],
    [endpointChainBase('ns4', 'svc4', 'tcp', 'p80', '10.180.0.4', 80), 'UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80'],
    [endpointChainBase('ns4', 'svc4', 'tcp', 'p80', '10.180.0.5', 80), '5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80'],
    [endpointChainBase('ns5', 'svc5', 'tcp', 'p80', '10.180.0.3', 80), 'GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80'],
    [endpointChainBase('ns1', 'svc1', 'tcp', 'p80', '10.0.1.1', 80), '5TPGNJF2-ns1/svc1/tcp/p80__10.0.1.1/80'],
    [endpointChainBase('ns2', 'svc2', 'tcp', 'p8080', '10.0.2.1', 8080), '7RVP4LUQ-ns2/svc2/tcp/p8080__10.0.2.1/8080'],
  ];
  for (const [got, want] of cases) it(want, () => assert.equal(got, want));
  it('cuts names longer than 240 characters to 237 and "..."', () => {
    const long = servicePortChainBase('n'.repeat(63), 's'.repeat(63), 'sctp', 'p'.repeat(63));
    assert.ok(long.length <= 240);
    const ep = endpointChainBase('n'.repeat(63), 's'.repeat(63), 'sctp', 'p'.repeat(63), 'fd00:1111:2222:3333:4444:5555:6666:7777', 65535);
    assert.equal(ep.length, 240);
    assert.ok(ep.endsWith('...'));
  });
});

// --- runPacketFlowTests tables -------------------------------------------------------------

describe('TestNoEndpointsReject', () => {
  const rs = once(() => nftFor(service('ns1', 'svc1', {
    type: 'LoadBalancer', clusterIP: '172.30.0.41', externalIPs: [TEST_EXTERNAL_IP], ports: [{ ...p80, nodePort: 3001 }], loadBalancerIngress: ['1.2.3.4'],
  })));
  runCases(rs, [
    { name: 'pod to cluster IP with no endpoints', sourceIP: '10.0.0.2', destIP: '172.30.0.41', destPort: 80, output: 'REJECT' },
    { name: 'external to external IP with no endpoints', sourceIP: EXT_CLIENT, destIP: TEST_EXTERNAL_IP, destPort: 80, output: 'REJECT' },
    { name: 'pod to NodePort with no endpoints', sourceIP: '10.0.0.2', destIP: NODE, destPort: 3001, output: 'REJECT' },
    { name: 'external to NodePort with no endpoints', sourceIP: EXT_CLIENT, destIP: NODE, destPort: 3001, output: 'REJECT' },
    { name: 'pod to LoadBalancer IP with no endpoints', sourceIP: '10.0.0.2', destIP: '1.2.3.4', destPort: 80, output: 'REJECT' },
    { name: 'external to LoadBalancer IP with no endpoints', sourceIP: EXT_CLIENT, destIP: '1.2.3.4', destPort: 80, output: 'REJECT' },
  ]);
});

describe('TestClusterIPGeneral', () => {
  const svc2Ports = [
    { name: 'http', port: 80 },
    { name: 'https', port: 443, targetPort: 8443 },
    { name: 'dns-udp', port: 53, protocol: 'UDP' as const },
    { name: 'dns-tcp', port: 53, targetPort: 5353 },
    { name: 'dns-sctp', port: 53, protocol: 'SCTP' as const },
  ];
  const rs = once(() => nftFor(
    service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [{ name: 'http', port: 80 }] }),
    service('ns2', 'svc2', { clusterIP: '172.30.0.42', ports: svc2Ports }),
    endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1', node: TEST_NODE_NAME }], [{ name: 'http', port: 80 }]),
    endpointSlice('ns2', 'svc2', [{ ip: '10.180.0.1', node: TEST_NODE_NAME }, { ip: '10.180.2.1', node: 'node2' }], [
      { name: 'http', port: 80 }, { name: 'https', port: 8443 }, { name: 'dns-udp', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 5353 }, { name: 'dns-sctp', port: 53, protocol: 'SCTP' },
    ]),
  ));
  runCases(rs, [
    { name: 'simple clusterIP', sourceIP: '10.180.0.2', destIP: '172.30.0.41', destPort: 80, output: '10.180.0.1:80' },
    { name: 'hairpin to cluster IP', sourceIP: '10.180.0.1', destIP: '172.30.0.41', destPort: 80, output: '10.180.0.1:80', masq: true },
    { name: 'clusterIP with multiple endpoints', sourceIP: '10.180.0.2', destIP: '172.30.0.42', destPort: 80, output: '10.180.0.1:80, 10.180.2.1:80' },
    { name: 'clusterIP with TargetPort', sourceIP: '10.180.0.2', destIP: '172.30.0.42', destPort: 443, output: '10.180.0.1:8443, 10.180.2.1:8443' },
    { name: 'clusterIP with TCP, UDP, and SCTP on same port (TCP)', sourceIP: '10.180.0.2', protocol: 'TCP', destIP: '172.30.0.42', destPort: 53, output: '10.180.0.1:5353, 10.180.2.1:5353' },
    { name: 'clusterIP with TCP, UDP, and SCTP on same port (UDP)', sourceIP: '10.180.0.2', protocol: 'UDP', destIP: '172.30.0.42', destPort: 53, output: '10.180.0.1:53, 10.180.2.1:53' },
    { name: 'clusterIP with TCP, UDP, and SCTP on same port (SCTP)', sourceIP: '10.180.0.2', protocol: 'SCTP', destIP: '172.30.0.42', destPort: 53, output: '10.180.0.1:53, 10.180.2.1:53' },
    { name: 'TCP-only port does not match UDP traffic', sourceIP: '10.180.0.2', protocol: 'UDP', destIP: '172.30.0.42', destPort: 80, output: 'REJECT' },
    { name: 'svc1 does not accept svc2\'s ports', sourceIP: '10.180.0.2', destIP: '172.30.0.41', destPort: 443, output: 'REJECT' },
    { name: 'packet to unallocated cluster ip', sourceIP: '10.180.0.2', destIP: '172.30.0.50', destPort: 80, output: 'DROP' },
  ]);
});

describe('TestLoadBalancer', () => {
  const ep = '10.180.0.1:80';
  const rs = once(() => nftFor(
    service('ns1', 'svc1', {
      type: 'LoadBalancer', clusterIP: '172.30.0.41', ports: [{ ...p80, nodePort: 3001 }], loadBalancerIngress: ['1.2.3.4', '5.6.7.8'],
      loadBalancerSourceRanges: ['192.168.0.0/24', ' 203.0.113.0/25'],
    }),
    endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1' }], [p80]),
  ));
  runCases(rs, [
    { name: 'pod to cluster IP', sourceIP: '10.0.0.2', destIP: '172.30.0.41', destPort: 80, output: ep },
    { name: 'external to nodePort', sourceIP: EXT_CLIENT, destIP: NODE, destPort: 3001, output: ep, masq: true },
    { name: 'nodePort bypasses LoadBalancerSourceRanges', sourceIP: EXT_BLOCKED, destIP: NODE, destPort: 3001, output: ep, masq: true },
    { name: 'accepted external to LB1', sourceIP: EXT_CLIENT, destIP: '1.2.3.4', destPort: 80, output: ep, masq: true },
    { name: 'accepted external to LB2', sourceIP: EXT_CLIENT, destIP: '5.6.7.8', destPort: 80, output: ep, masq: true },
    { name: 'blocked external to LB1', sourceIP: EXT_BLOCKED, destIP: '1.2.3.4', destPort: 80, output: 'DROP' },
    { name: 'blocked external to LB2', sourceIP: EXT_BLOCKED, destIP: '5.6.7.8', destPort: 80, output: 'DROP' },
    { name: 'pod to LB1 (blocked by LoadBalancerSourceRanges)', sourceIP: '10.0.0.2', destIP: '1.2.3.4', destPort: 80, output: 'DROP' },
    { name: 'pod to LB2 (blocked by LoadBalancerSourceRanges)', sourceIP: '10.0.0.2', destIP: '5.6.7.8', destPort: 80, output: 'DROP' },
    { name: 'node to LB1 (allowed by LoadBalancerSourceRanges)', sourceIP: NODE, destIP: '1.2.3.4', destPort: 80, output: ep, masq: true },
    { name: 'node to LB2 (allowed by LoadBalancerSourceRanges)', sourceIP: NODE, destIP: '5.6.7.8', destPort: 80, output: ep, masq: true },
    { name: 'same node to LB1, SNATted to LB1 (implicitly allowed)', sourceIP: '1.2.3.4', destIP: '1.2.3.4', destPort: 80, output: ep, masq: true },
    { name: 'same node to LB2, SNATted to LB2 (implicitly allowed)', sourceIP: '5.6.7.8', destIP: '5.6.7.8', destPort: 80, output: ep, masq: true },
  ]);
});

describe('TestNodePorts', () => {
  const both = '10.180.0.1:80, 10.180.2.1:80';
  const rs = once(() => nftFor(
    service('ns1', 'svc1', { type: 'NodePort', clusterIP: '172.30.0.41', ports: [{ ...p80, nodePort: 3001 }] }),
    endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1' }, { ip: '10.180.2.1', node: TEST_NODE_NAME }], [p80]),
  ));
  const NO_NODEPORT_ADDRESSES = 'kube-proxy\'s --nodeport-addresses is not a Cluster setting: PodPath accepts NodePorts on the node\'s primary address (the nftables default)';
  const NO_IPV6 = 'upstream runs these on an IPv6-only proxier; PodPath models IPv6 only beside IPv4 (dual-stack), where the IPv6 view writes the ip6 table (unit test: dual-stack-dataplane)';
  runCases(rs, [
    { name: 'ipv4: pod to cluster IP', sourceIP: '10.0.0.2', destIP: '172.30.0.41', destPort: 80, output: both },
    { name: 'ipv4: external to nodePort', sourceIP: EXT_CLIENT, destIP: NODE, destPort: 3001, output: both, masq: true },
    { name: 'ipv4: node to nodePort', sourceIP: NODE, destIP: NODE, destPort: 3001, output: both, masq: true },
    { name: 'ipv4: secondary nodeIP ignores NodePorts', sourceIP: EXT_CLIENT, destIP: TEST_NODE_IP_ALT, destPort: 3001, output: '' },
    ...['pod to cluster IP', 'external to nodePort', 'node to nodePort', 'external to nodePort on secondary IP'].map((n) => ({ name: `ipv4, multiple nodeport-addresses: ${n}`, sourceIP: '', destIP: '', destPort: 0, output: '', skip: NO_NODEPORT_ADDRESSES })),
    ...['pod to cluster IP', 'external to nodePort', 'node to nodePort', 'secondary nodeIP ignores NodePorts'].map((n) => ({ name: `ipv6: ${n}`, sourceIP: '', destIP: '', destPort: 0, output: '', skip: NO_IPV6 })),
    ...['pod to cluster IP', 'external to nodePort', 'node to nodePort', 'external to nodePort on secondary IP'].map((n) => ({ name: `ipv6, multiple nodeport-addresses: ${n}`, sourceIP: '', destIP: '', destPort: 0, output: '', skip: NO_IPV6 })),
  ]);
});

function trafficPolicyService(policy: 'Local' | 'Cluster'): object[] {
  return [
    service('ns1', 'svc1', {
      type: 'LoadBalancer', externalTrafficPolicy: policy, clusterIP: '172.30.0.41', externalIPs: [TEST_EXTERNAL_IP],
      ports: [{ ...p80, nodePort: 3001, targetPort: 80 }], loadBalancerIngress: ['1.2.3.4'],
    }),
    endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1' }, { ip: '10.180.2.1', node: TEST_NODE_NAME }], [p80]),
  ];
}

describe('TestExternalTrafficPolicyLocal', () => {
  const both = '10.180.0.1:80, 10.180.2.1:80';
  const local = '10.180.2.1:80';
  const rs = once(() => nftFor(...trafficPolicyService('Local')));
  runCases(rs, [
    { name: 'pod to cluster IP hits both endpoints, unmasqueraded', sourceIP: '10.0.0.2', destIP: '172.30.0.41', destPort: 80, output: both },
    { name: 'pod to external IP hits both endpoints, unmasqueraded', sourceIP: '10.0.0.2', destIP: TEST_EXTERNAL_IP, destPort: 80, output: both },
    { name: 'external to external IP hits only local endpoint, unmasqueraded', sourceIP: EXT_CLIENT, destIP: TEST_EXTERNAL_IP, destPort: 80, output: local },
    { name: 'pod to LB IP hits only both endpoints, unmasqueraded', sourceIP: '10.0.0.2', destIP: '1.2.3.4', destPort: 80, output: both },
    { name: 'external to LB IP hits only local endpoint, unmasqueraded', sourceIP: EXT_CLIENT, destIP: '1.2.3.4', destPort: 80, output: local },
    { name: 'pod to NodePort hits both endpoints, unmasqueraded', sourceIP: '10.0.0.2', destIP: NODE, destPort: 3001, output: both },
    { name: 'external to NodePort hits only local endpoint, unmasqueraded', sourceIP: EXT_CLIENT, destIP: NODE, destPort: 3001, output: local },
  ]);
});

describe('TestExternalTrafficPolicyCluster', () => {
  const both = '10.180.0.1:80, 10.180.2.1:80';
  const rs = once(() => nftFor(...trafficPolicyService('Cluster')));
  runCases(rs, [
    { name: 'pod to cluster IP hits both endpoints, unmasqueraded', sourceIP: '10.0.0.2', destIP: '172.30.0.41', destPort: 80, output: both },
    { name: 'pod to external IP hits both endpoints, masqueraded', sourceIP: '10.0.0.2', destIP: TEST_EXTERNAL_IP, destPort: 80, output: both, masq: true },
    { name: 'external to external IP hits both endpoints, masqueraded', sourceIP: EXT_CLIENT, destIP: TEST_EXTERNAL_IP, destPort: 80, output: both, masq: true },
    { name: 'pod to LB IP hits both endpoints, masqueraded', sourceIP: '10.0.0.2', destIP: '1.2.3.4', destPort: 80, output: both, masq: true },
    { name: 'external to LB IP hits both endpoints, masqueraded', sourceIP: EXT_CLIENT, destIP: '1.2.3.4', destPort: 80, output: both, masq: true },
    { name: 'pod to NodePort hits both endpoints, masqueraded', sourceIP: '10.0.0.2', destIP: NODE, destPort: 3001, output: both, masq: true },
    { name: 'external to NodePort hits both endpoints, masqueraded', sourceIP: EXT_CLIENT, destIP: NODE, destPort: 3001, output: both, masq: true },
  ]);
});

describe('TestTerminatingEndpointsTrafficPolicyCluster', () => {
  const TERMINATING = 'serving/terminating endpoint conditions are not modelled (PodPath\'s endpoints carry only ready), so the fallback to terminating endpoints cannot be expressed';
  const svc = service('ns1', 'svc1', { type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', clusterIP: '172.30.1.1', ports: [{ name: '', port: 80, targetPort: 80 }], loadBalancerIngress: ['1.2.3.4'] });
  // Upstream's not-ready endpoints are left not ready here (their serving/terminating flags aside).
  const ready = once(() => nftFor(svc, endpointSlice('ns1', 'svc1', [
    { ip: '10.0.1.1', node: TEST_NODE_NAME }, { ip: '10.0.1.2', node: TEST_NODE_NAME }, { ip: '10.0.1.3', node: 'another-node', ready: false },
    { ip: '10.0.1.4', node: 'another-node', ready: false }, { ip: '10.0.1.5', node: 'another-node' },
  ], [{ name: '', port: 80 }])));
  const deleted = once(() => nftFor(svc));
  const three = '10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80';
  describe('ready endpoints exist', () => runCases(ready, [
    { name: 'pod to clusterIP', sourceIP: '10.0.0.2', destIP: '172.30.1.1', destPort: 80, output: three },
    { name: 'external to LB', sourceIP: EXT_CLIENT, destIP: '1.2.3.4', destPort: 80, output: three, masq: true },
  ]));
  describe('after endpoints deleted', () => runCases(deleted, [
    { name: 'pod to clusterIP after endpoints deleted', sourceIP: '10.0.0.2', destIP: '172.30.1.1', destPort: 80, output: 'REJECT' },
    { name: 'external to LB after endpoints deleted', sourceIP: EXT_CLIENT, destIP: '1.2.3.4', destPort: 80, output: 'REJECT' },
  ]));
  for (const group of ['only terminating endpoints exist', 'terminating endpoints on remote node', 'no usable endpoints on any node']) {
    describe(group, () => runCases(deleted, ['pod to clusterIP', 'external to LB'].map((n) => ({ name: n, sourceIP: '', destIP: '', destPort: 0, output: '', skip: TERMINATING }))));
  }
});

describe('TestInternalExternalMasquerade', () => {
  const objects = () => [
    service('ns1', 'svc1', { type: 'LoadBalancer', clusterIP: '172.30.0.41', ports: [{ ...p80, nodePort: 3001 }], loadBalancerIngress: ['1.2.3.4'] }),
    service('ns2', 'svc2', { type: 'LoadBalancer', clusterIP: '172.30.0.42', ports: [{ ...p80, nodePort: 3002 }], externalTrafficPolicy: 'Local', loadBalancerIngress: ['5.6.7.8'] }),
    service('ns3', 'svc3', { type: 'LoadBalancer', clusterIP: '172.30.0.43', ports: [{ ...p80, nodePort: 3003 }], internalTrafficPolicy: 'Local', loadBalancerIngress: ['9.10.11.12'] }),
    endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1', node: TEST_NODE_NAME }, { ip: '10.180.1.1', node: 'remote' }], [p80]),
    endpointSlice('ns2', 'svc2', [{ ip: '10.180.0.2', node: TEST_NODE_NAME }, { ip: '10.180.1.2', node: 'remote' }], [p80]),
    endpointSlice('ns3', 'svc3', [{ ip: '10.180.0.3', node: TEST_NODE_NAME }, { ip: '10.180.1.3', node: 'remote' }], [p80]),
  ];
  const e1 = '10.180.0.1:80, 10.180.1.1:80', e2 = '10.180.0.2:80, 10.180.1.2:80', e3 = '10.180.0.3:80, 10.180.1.3:80';
  const flowTests: PacketFlowTest[] = [
    { name: 'pod to ClusterIP', sourceIP: '10.0.0.2', destIP: '172.30.0.41', destPort: 80, output: e1 },
    { name: 'pod to NodePort', sourceIP: '10.0.0.2', destIP: NODE, destPort: 3001, output: e1, masq: true },
    { name: 'pod to LB', sourceIP: '10.0.0.2', destIP: '1.2.3.4', destPort: 80, output: e1, masq: true },
    { name: 'node to ClusterIP', sourceIP: NODE, destIP: '172.30.0.41', destPort: 80, output: e1, masq: true },
    { name: 'node to NodePort', sourceIP: NODE, destIP: NODE, destPort: 3001, output: e1, masq: true },
    { name: 'node to LB', sourceIP: NODE, destIP: '1.2.3.4', destPort: 80, output: e1, masq: true },
    { name: 'external to ClusterIP', sourceIP: EXT_CLIENT, destIP: '172.30.0.41', destPort: 80, output: e1, masq: true },
    { name: 'external to NodePort', sourceIP: EXT_CLIENT, destIP: NODE, destPort: 3001, output: e1, masq: true },
    { name: 'external to LB', sourceIP: EXT_CLIENT, destIP: '1.2.3.4', destPort: 80, output: e1, masq: true },
    { name: 'pod to ClusterIP with eTP:Local', sourceIP: '10.0.0.2', destIP: '172.30.0.42', destPort: 80, output: e2 },
    { name: 'pod to NodePort with eTP:Local', sourceIP: '10.0.0.2', destIP: NODE, destPort: 3002, output: e2 },
    { name: 'pod to LB with eTP:Local', sourceIP: '10.0.0.2', destIP: '5.6.7.8', destPort: 80, output: e2 },
    { name: 'node to ClusterIP with eTP:Local', sourceIP: NODE, destIP: '172.30.0.42', destPort: 80, output: e2, masq: true },
    { name: 'node to NodePort with eTP:Local', sourceIP: NODE, destIP: NODE, destPort: 3001, output: e1, masq: true },
    { name: 'node to LB with eTP:Local', sourceIP: NODE, destIP: '5.6.7.8', destPort: 80, output: e2, masq: true },
    { name: 'external to ClusterIP with eTP:Local', sourceIP: EXT_CLIENT, destIP: '172.30.0.42', destPort: 80, output: e2, masq: true },
    { name: 'external to NodePort with eTP:Local', sourceIP: EXT_CLIENT, destIP: NODE, destPort: 3002, output: '10.180.0.2:80' },
    { name: 'external to LB with eTP:Local', sourceIP: EXT_CLIENT, destIP: '5.6.7.8', destPort: 80, output: '10.180.0.2:80' },
    { name: 'pod to ClusterIP with iTP:Local', sourceIP: '10.0.0.2', destIP: '172.30.0.43', destPort: 80, output: '10.180.0.3:80' },
    { name: 'pod to NodePort with iTP:Local', sourceIP: '10.0.0.2', destIP: NODE, destPort: 3003, output: e3, masq: true },
    { name: 'pod to LB with iTP:Local', sourceIP: '10.0.0.2', destIP: '9.10.11.12', destPort: 80, output: e3, masq: true },
    { name: 'node to ClusterIP with iTP:Local', sourceIP: NODE, destIP: '172.30.0.43', destPort: 80, output: '10.180.0.3:80', masq: true },
    { name: 'node to NodePort with iTP:Local', sourceIP: NODE, destIP: NODE, destPort: 3003, output: e3, masq: true },
    { name: 'node to LB with iTP:Local', sourceIP: NODE, destIP: '9.10.11.12', destPort: 80, output: e3, masq: true },
    { name: 'external to ClusterIP with iTP:Local', sourceIP: EXT_CLIENT, destIP: '172.30.0.43', destPort: 80, output: '10.180.0.3:80', masq: true },
    { name: 'external to NodePort with iTP:Local', sourceIP: EXT_CLIENT, destIP: NODE, destPort: 3003, output: e3, masq: true },
    { name: 'external to LB with iTP:Local', sourceIP: EXT_CLIENT, destIP: '9.10.11.12', destPort: 80, output: e3, masq: true },
  ];
  const rs = once(() => nftFor(...objects()));
  describe('base', () => runCases(rs, flowTests));
  const variants: [string, string][] = [
    ['no LocalTrafficDetector', 'a kube-proxy without a local-traffic detector is not a Cluster setting (PodPath uses the cluster CIDR, kube-proxy\'s default)'],
    ['masqueradeAll', '--masquerade-all is not a Cluster setting (PodPath models kube-proxy\'s default, off)'],
    ['masqueradeAll, no LocalTrafficDetector', '--masquerade-all and a disabled local-traffic detector are not Cluster settings'],
  ];
  for (const [variant, why] of variants) {
    describe(variant, () => runCases(rs, flowTests.map((c) => ({ ...c, skip: why }))));
  }
});
