import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeConnlist, formatLine } from '../../src/core/policy/connlist';
import { computeReachability } from '../../src/core/policy/reachability';
import { renderIptablesSave } from '../../src/core/dataplane/netfilter';
import { formatRoute, lookupRoute } from '../../src/core/dataplane/routing';
import { tracePacket } from '../../src/core/forward/engine';
import { analyzeYaml, pathOf, podDoc, trace } from '../support/analyze';

// The IPv6 data path of a dual-stack cluster: its own routes, NDP neighbours and ip6tables,
// flannel-v6.1 and Calico IPv6 pools, masquerade per family, policy, and the trace's family.

function dualDoc(plugin: string, backend: string, extra = ''): string {
  return `apiVersion: podpath.dev/v1alpha1
kind: Cluster
metadata: {name: ds}
spec:
  clusterCIDR: [10.244.0.0/16, "fd00:10:244::/56"]
  serviceCIDR: [10.96.0.0/12, "fd00:10:96::/112"]
  cni: {plugin: ${plugin}, backend: ${backend}${extra}}
  nodes:
    - {name: node-1, ip: 192.168.1.10, ip6: "fd00:192:168:1::10", podCIDR: [10.244.1.0/24, "fd00:10:244:1::/64"]}
    - {name: node-2, ip: 192.168.1.11, ip6: "fd00:192:168:1::11", podCIDR: [10.244.2.0/24, "fd00:10:244:2::/64"]}
`;
}

const WEB = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  ipFamilyPolicy: PreferDualStack
  clusterIP: 10.96.0.50
  clusterIPs: [10.96.0.50, "fd00:10:96::50"]
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;

function cluster(plugin = 'flannel', backend = 'vxlan', extra = '', ...more: string[]) {
  return analyzeYaml(dualDoc(plugin, backend, extra),
    podDoc('web', 'node-2', { ip: '10.244.2.10', labels: { app: 'web' } }),
    podDoc('client', 'node-1', { ip: '10.244.1.20', labels: { app: 'client' } }),
    WEB, ...more);
}

test('each family has its own route table: flannel-v6.1 routes the remote IPv6 block, the IPv4 table is untouched', () => {
  const a = cluster();
  const v4 = a.dataplane.node('node-1')!.root;
  const v6 = a.dataplane.forFamily(6)!.node('node-1')!.root;
  assert.deepEqual(v6.routes.filter((r) => r.type !== 'local').map(formatRoute), [
    'default via fd00:192:168:1::1 dev eth0 proto static',
    'fd00:192:168:1::/64 dev eth0 proto kernel scope link src fd00:192:168:1::10',
    'fd00:10:244:1::/64 dev cni0 proto kernel scope link src fd00:10:244:1::1',
    'fd00:10:244:2::/64 via fd00:10:244:2:: dev flannel-v6.1 onlink',
  ]);
  assert.ok(v4.routes.every((r) => r.dst.family !== 6), 'no IPv6 route in the IPv4 table');
  assert.equal(formatRoute(lookupRoute(v6, 'fd00:10:244:2::10')!), 'fd00:10:244:2::/64 via fd00:10:244:2:: dev flannel-v6.1 onlink');
  assert.equal(lookupRoute(v4, 'fd00:10:244:2::10'), undefined, 'an IPv6 address finds nothing in the IPv4 table');
  const vtep = v6.devices.find((d) => d.name === 'flannel-v6.1')!;
  assert.equal(vtep.mtu, 1430);
  assert.equal(vtep.vxlan!.local, 'fd00:192:168:1::10');
  assert.deepEqual(v6.neighbors.filter((n) => n.dev === 'flannel-v6.1').map((n) => n.ip), ['fd00:10:244:2::']);
  assert.equal(v6.sysctls['net.ipv6.conf.all.forwarding'], '1');
});

test('kube-proxy writes the IPv6 ClusterIP into ip6tables with bracketed endpoints, and no IPv4-only localnet rule', () => {
  const a = cluster();
  const save6 = renderIptablesSave(a.dataplane.forFamily(6)!.node('node-1')!.netfilter);
  const save4 = renderIptablesSave(a.dataplane.node('node-1')!.netfilter);
  assert.match(save6, /-A KUBE-SERVICES -m comment --comment "default\/web cluster IP" -m tcp -p tcp -d fd00:10:96::50 --dport 80 -j KUBE-SVC-/);
  assert.match(save6, /-j DNAT --to-destination \[fd00:10:244:2::a\]:8080/);
  assert.doesNotMatch(save6, /127\.0\.0\.0\/8/);
  assert.doesNotMatch(save4, /fd00/);
  assert.match(save4, /-d 10\.96\.0\.50 --dport 80/);
  // kube-proxy names the service chain from the service port, the same in both families.
  const svcChain = (s: string) => /KUBE-SVC-[A-Z0-9]{16}/.exec(s)![0];
  assert.equal(svcChain(save6), svcChain(save4));
});

test('a trace to an IPv6 address walks the IPv6 data path: NDP instead of ARP, ip6tables DNAT, flannel-v6.1 over the nodes\' IPv6 addresses', () => {
  const a = cluster();
  const t = trace(a, { from: 'client', to: '[fd00:10:96::50]:80' });
  assert.equal(t.verdict, 'delivered');
  const hops = pathOf(t, t.branches.length ? 0 : undefined);
  assert.equal(hops[0].packet.src, 'fd00:10:244:1::14');
  const nd = hops.filter((h) => h.stage === 'arp');
  assert.ok(nd.length >= 2 && nd.every((h) => h.summary.startsWith('NDP')), nd.map((h) => h.summary).join('\n'));
  assert.ok(hops.every((h) => !/\bARP\b/.test(h.summary)));
  const dnat = hops.find((h) => h.action === 'dnat')!;
  assert.equal(dnat.packet.dst, 'fd00:10:244:2::a');
  assert.match(dnat.summary, /DNAT \[fd00:10:96::50\]:80 → \[fd00:10:244:2::a\]:8080/);
  const encap = hops.find((h) => h.stage === 'encap')!;
  assert.equal(encap.device, 'flannel-v6.1');
  assert.deepEqual([encap.packet.encap[0].src, encap.packet.encap[0].dst], ['fd00:192:168:1::10', 'fd00:192:168:1::11']);
});

test('the family comes from --family for names, the Service\'s primary family, or the cluster\'s; mismatches are refused', () => {
  const a = cluster('flannel', 'vxlan', '', `apiVersion: v1
kind: Service
metadata: {name: only6, namespace: default}
spec: {ipFamilies: [IPv6], selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
`);
  const first = (t: ReturnType<typeof trace>) => pathOf(t, t.branches.length ? 0 : undefined)[0].packet.dst;
  assert.equal(first(trace(a, { from: 'client', to: 'service:web' })), '10.96.0.50');
  assert.equal(first(trace(a, { from: 'client', to: 'service:web', family: 6 })), 'fd00:10:96::50');
  assert.match(first(trace(a, { from: 'client', to: 'service:only6' })), /^fd00:10:96::/);
  assert.equal(first(trace(a, { from: 'client', to: 'web', family: 6 })), 'fd00:10:244:2::a');
  const clash = tracePacket(a.dataplane, { from: 'client', to: 'fd00:10:244:2::a', family: 4 });
  assert.ok(!clash.ok && /--family 4 but --to fd00:10:244:2::a is an IPv6 address/.test(clash.error));
  const single = analyzeYaml(podDoc('a', 'node-1'), podDoc('b', 'node-2'));
  const none = tracePacket(single.dataplane, { from: 'a', to: 'b', family: 6 });
  assert.ok(!none.ok && /not dual-stack/.test(none.error));
});

test('Calico IPv6: pods route via fe80::ecee:eeff:feee:eeee, host veths proxy NDP, vxlan uses vxlan-v6.calico and ipip falls back to plain BGP routes', () => {
  const vx = cluster('calico', 'vxlan');
  const node = vx.dataplane.forFamily(6)!.node('node-1')!;
  const podNs = node.pods.get('default/client')!;
  assert.equal(formatRoute(podNs.routes[0]), 'default via fe80::ecee:eeff:feee:eeee dev eth0');
  const veth = vx.cluster.podsByKey.get('default/client')!.hostVeth;
  assert.equal(node.root.sysctls[`net.ipv6.conf.${veth}.proxy_ndp`], '1');
  assert.ok(node.root.routes.some((r) => formatRoute(r) === `fd00:10:244:1::14 dev ${veth} scope link`));
  assert.ok(node.root.routes.some((r) => formatRoute(r) === 'fd00:10:244:2::/64 via fd00:10:244:2:: dev vxlan-v6.calico onlink'), node.root.routes.map(formatRoute).join('\n'));
  const ipip = cluster('calico', 'ipip').dataplane.forFamily(6)!.node('node-1')!.root;
  assert.ok(ipip.routes.some((r) => formatRoute(r) === 'fd00:10:244:2::/64 via fd00:192:168:1::11 dev eth0 proto bird'));
  assert.ok(!ipip.devices.some((d) => d.name === 'tunl0'), 'IP-in-IP carries no IPv6');
  const t = trace(cluster('calico', 'vxlan'), { from: 'client', to: 'web', family: 6 });
  assert.equal(t.verdict, 'delivered');
});

test('masquerade per family: flannel leaves IPv6 alone unless ip6Masq is on, then FLANNEL-POSTRTG is in ip6tables', () => {
  const out = (a: ReturnType<typeof cluster>) => pathOf(trace(a, { from: 'client', to: 'external:2001:db8::1', port: 443 }));
  const plain = out(cluster());
  assert.equal(plain.at(-1)!.packet.src, 'fd00:10:244:1::14');
  const masq = cluster('flannel', 'vxlan', ', ip6Masq: true');
  const rules = renderIptablesSave(masq.dataplane.forFamily(6)!.node('node-1')!.netfilter);
  assert.match(rules, /-A FLANNEL-POSTRTG -s fd00:10:244::\/56 ! -d ff00::\/8 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully/);
  assert.equal(out(masq).at(-1)!.packet.src, 'fd00:192:168:1::10');
  // The IPv4 side keeps flannel's default --ip-masq.
  assert.equal(pathOf(trace(masq, { from: 'client', to: 'external:8.8.8.8', port: 443 })).at(-1)!.packet.src, '192.168.1.10');
});

const POLICY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-in, namespace: default}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
    - from: [{ipBlock: {cidr: "fd00:10:244:1::/64", except: ["fd00:10:244:1::14/128"]}}]
`;

test('NetworkPolicy ipBlock with an IPv6 CIDR judges IPv6 packets only; except must be a subset of the same family', () => {
  const a = cluster('calico', 'vxlan', '', POLICY);
  const t6 = trace(a, { from: 'client', to: 'web', family: 6, port: 8080 });
  assert.equal(t6.verdict, 'dropped', 'the client\'s IPv6 address is excepted');
  const t4 = trace(a, { from: 'client', to: 'web', port: 8080 });
  assert.equal(t4.verdict, 'dropped', 'an IPv6 block does not admit IPv4 traffic');
  const other = analyzeYaml(dualDoc('calico', 'vxlan'), podDoc('web', 'node-2', { labels: { app: 'web' } }), POLICY.replace('fd00:10:244:1::14/128', '10.0.0.0/8'));
  assert.ok(other.findings.some((f) => f.code === 'invalid-cidr' && /10\.0\.0\.0\/8 is not a strict subset of fd00:10:244:1::\/64/.test(f.message)));
});

test('connlist lists IPv6 outside ranges split at the IPv6 ipBlocks, beside the IPv4 ones', () => {
  const a = cluster('calico', 'vxlan', '', POLICY);
  const lines = computeConnlist(computeReachability(a.cluster)).map(formatLine);
  assert.ok(lines.includes('fd00:10:244:1::-fd00:10:244:1::13[External] => default/web[Pod] : All Connections'), lines.join('\n'));
  assert.ok(lines.includes('fd00:10:244:1::15-fd00:10:244:1:ffff:ffff:ffff:ffff[External] => default/web[Pod] : All Connections'));
  assert.ok(lines.some((l) => l.startsWith('default/web[Pod] => ::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff[External]')));
  assert.ok(lines.some((l) => l.startsWith('default/web[Pod] => 0.0.0.0-255.255.255.255[External]')));
});

test('kube-proxy nftables mode on a dual-stack cluster: each family\'s dataplane holds its own kube-proxy table, and an IPv6 trace is decided by the ip6 table', () => {
  const doc = dualDoc('flannel', 'vxlan').replace('  nodes:', '  kubeProxy: {mode: nftables}\n  nodes:');
  const a = analyzeYaml(doc, podDoc('web', 'node-2', { ip: '10.244.2.10', labels: { app: 'web' } }), podDoc('client', 'node-1', { ip: '10.244.1.20', labels: { app: 'client' } }), WEB);
  const families = (dp: typeof a.dataplane) => dp.node('node-1')!.nftables!.tables.map((t) => t.family);
  assert.deepEqual(families(a.dataplane), ['ip']);
  assert.deepEqual(families(a.dataplane.forFamily(6)!), ['ip6']);
  const t = trace(a, { from: 'pod:default/client', to: 'service:default/web', family: 6 });
  assert.equal(t.verdict, 'delivered');
  const dnat = pathOf(t).find((h) => h.action === 'dnat')!;
  assert.match(dnat.decidedBy!.text, /^add rule ip6 kube-proxy endpoint-\w{8}-default\/web\/tcp\/__fd00\.10\.244\.2\.\.a\/8080 meta l4proto tcp dnat to \[fd00:10:244:2::a\]:8080$/);
});
