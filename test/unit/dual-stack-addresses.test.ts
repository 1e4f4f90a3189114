import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bigToIp6, cidr, cidrContains, cidrContainsCidr, cidrsOverlap, familyOf, hostPort, ip6ToBig, nthAddress, nthSubnet, parseCidr, parseIP,
} from '../../src/core/common/ip';
import { analyzeYaml, podDoc } from '../support/analyze';

// Both IP families in ip.ts, and the dual-stack Cluster document, nodes and pods.

test('parseIP accepts both families and gives IPv6 in its RFC 5952 text', () => {
  assert.deepEqual(parseIP('10.244.1.7'), { ok: true, value: '10.244.1.7' });
  assert.deepEqual(parseIP('FD00:10:244:0:0:0:0:7'), { ok: true, value: 'fd00:10:244::7' });
  assert.equal(parseIP('fe80::1%eth0').ok, false, 'a zone is not an address the API accepts');
  assert.equal(parseIP('10.1.1').ok, false);
  assert.equal(familyOf('fd00::1'), 6);
  assert.equal(familyOf('10.0.0.1'), 4);
  assert.equal(familyOf('web'), undefined);
});

test('parseCidr reads IPv6 blocks, refuses host bits and prefixes over 128, and obeys a family asked for', () => {
  const c = parseCidr('fd00:10:244::/56');
  assert.ok(c.ok);
  assert.equal(c.value.text, 'fd00:10:244::/56');
  assert.equal(c.value.family, 6);
  assert.deepEqual(parseCidr('fd00:10:244::1/64'), { ok: false, error: '"fd00:10:244::1/64" has host bits set; the network is fd00:10:244::/64' });
  assert.deepEqual(parseCidr('fd00::/129'), { ok: false, error: '"fd00::/129" has an invalid prefix length "129" (0–128)' });
  assert.deepEqual(parseCidr('10.0.0.0/8', { family: 6 }), { ok: false, error: '"10.0.0.0/8" is IPv4; an IPv6 CIDR is expected here' });
  const loose = parseCidr('fd00::5/64', { allowHostBits: true });
  assert.ok(loose.ok && loose.value.text === 'fd00::/64');
});

test('blocks of one family never contain, overlap or hold addresses of the other', () => {
  const v6 = cidr('fd00:10:244::/56');
  const v4 = cidr('10.244.0.0/16');
  assert.equal(cidrContains(v6, 'fd00:10:244:1::7'), true);
  assert.equal(cidrContains(v6, 'fd00:10:245::7'), false);
  assert.equal(cidrContains(v6, '10.244.1.7'), false);
  assert.equal(cidrContains(v4, 'fd00:10:244:1::7'), false);
  assert.equal(cidrsOverlap(v4, v6), false);
  assert.equal(cidrsOverlap(v6, cidr('fd00:10:244:ff::/64')), true);
  assert.equal(cidrContainsCidr(v6, cidr('fd00:10:244:3::/64')), true);
  assert.equal(cidrContainsCidr(cidr('::/0'), v4), false);
  assert.equal(cidrContains(cidr('::/0'), '2001:db8::1'), true);
});

test('IPv6 subnets and addresses are counted like IPv4 ones', () => {
  const range = cidr('fd00:10:244::/56');
  assert.equal(nthSubnet(range, 64, 0)!.text, 'fd00:10:244::/64');
  assert.equal(nthSubnet(range, 64, 2)!.text, 'fd00:10:244:2::/64');
  assert.equal(nthSubnet(range, 64, 256), undefined, 'a /56 holds 256 /64s');
  assert.equal(nthAddress(cidr('fd00:10:244:2::/64'), 0x2a), 'fd00:10:244:2::2a');
  assert.equal(bigToIp6(ip6ToBig('2001:db8::ff00:42:8329')), '2001:db8::ff00:42:8329');
  assert.equal(hostPort('fd00::5', 80), '[fd00::5]:80');
  assert.equal(hostPort('10.0.0.5', 80), '10.0.0.5:80');
});

const DUAL = `apiVersion: podpath.dev/v1alpha1
kind: Cluster
metadata: {name: ds}
spec:
  clusterCIDR: [10.244.0.0/16, "fd00:10:244::/56"]
  serviceCIDR: 10.96.0.0/12,fd00:10:96::/112
  cni: {plugin: flannel, backend: vxlan}
  nodes:
    - {name: node-1, ip: 192.168.1.10, ip6: "fd00:192:168:1::10", podCIDR: [10.244.1.0/24, "fd00:10:244:1::/64"]}
    - {name: node-2, ip: 192.168.1.11}
`;

test('a Cluster document with a range per family is dual-stack; nodes get an IPv6 address and pod block', () => {
  const a = analyzeYaml(DUAL);
  const cfg = a.cluster.config;
  assert.deepEqual(cfg.ipFamilies, [4, 6]);
  assert.equal(cfg.clusterCIDR.text, '10.244.0.0/16');
  assert.equal(cfg.clusterCIDR6!.text, 'fd00:10:244::/56');
  assert.equal(cfg.serviceCIDR6!.text, 'fd00:10:96::/112');
  const [n1, n2] = a.cluster.nodes;
  assert.equal(n1.ip6, 'fd00:192:168:1::10');
  assert.equal(n1.podCIDR6!.text, 'fd00:10:244:1::/64');
  assert.equal(n1.subnet6!.text, 'fd00:192:168:1::/64');
  assert.equal(n2.ip6, 'fd00:192:168:1::11', 'assumed from the IPv4 address');
  assert.equal(n2.podCIDR6!.text, 'fd00:10:244::/64', 'the first free /64 of the IPv6 range');
  const assumed = a.findings.filter((f) => f.code === 'node-without-ip');
  assert.equal(assumed.length, 1);
  assert.match(assumed[0].message, /node-2 has no IPv6 InternalIP .* assumes fd00:192:168:1::11/);
});

test('pods get an IPv6 address at their IPv4 offset in the node\'s IPv6 block, or the one their status.podIPs gives', () => {
  const a = analyzeYaml(DUAL,
    podDoc('a', 'node-1', { ip: '10.244.1.7' }),
    `apiVersion: v1
kind: Pod
metadata: {name: b, namespace: default}
spec: {nodeName: node-1, containers: [{name: c, image: x}]}
status: {podIP: 10.244.1.9, podIPs: [{ip: 10.244.1.9}, {ip: "fd00:10:244:1::99"}]}
`);
  assert.equal(a.cluster.podsByKey.get('default/a')!.ip6, 'fd00:10:244:1::7');
  assert.equal(a.cluster.podsByKey.get('default/b')!.ip6, 'fd00:10:244:1::99');
});

test('a single-stack document stays single-stack: no IPv6 anywhere', () => {
  const a = analyzeYaml(DUAL.replace('[10.244.0.0/16, "fd00:10:244::/56"]', '10.244.0.0/16').replace(',fd00:10:96::/112', ''), podDoc('a', 'node-1'));
  assert.deepEqual(a.cluster.config.ipFamilies, [4]);
  assert.equal(a.cluster.config.clusterCIDR6, undefined);
  assert.equal(a.cluster.nodes[0].ip6, undefined);
  assert.equal(a.cluster.pods[0].ip6, undefined);
  assert.equal(a.dataplane.forFamily(6), undefined);
});

test('range lists are checked: two of one family, more than two, IPv6-only, and IPv6 in only one of the ranges', () => {
  const codes = (doc: string) => analyzeYaml(doc).findings.filter((f) => f.severity !== 'info').map((f) => `${f.code}@${f.range?.start.line}`);
  assert.deepEqual(codes(DUAL.replace('[10.244.0.0/16, "fd00:10:244::/56"]', '[10.244.0.0/16, 10.245.0.0/16]')), ['invalid-value@5', 'invalid-value@5']);
  assert.deepEqual(codes(DUAL.replace('[10.244.0.0/16, "fd00:10:244::/56"]', '[10.244.0.0/16, "fd00::/56", "fd01::/56"]')), ['invalid-value@5', 'invalid-value@5']);
  assert.ok(codes(DUAL.replace('[10.244.0.0/16, "fd00:10:244::/56"]', '"fd00:10:244::/56"')).includes('unsupported@5'));
});

test('IPv6 pod blocks take each plugin\'s size: /64 for flannel and the bridge plugin, Calico\'s /122 IPAM blocks', () => {
  const calico = analyzeYaml(DUAL.replace('plugin: flannel, backend: vxlan', 'plugin: calico, backend: vxlan').replace(', podCIDR: [10.244.1.0/24, "fd00:10:244:1::/64"]', ''));
  assert.deepEqual(calico.cluster.nodes.map((n) => n.podCIDR6!.text), ['fd00:10:244::/122', 'fd00:10:244::40/122']);
});

test('IPv6 text is RFC 5952 whichever path makes it: the longest zero run compressed, the first of equal runs, no single zero group', () => {
  assert.equal(bigToIp6(ip6ToBig('2001:db8:0:1:1:1:1:1')), '2001:db8:0:1:1:1:1:1');
  assert.equal(bigToIp6(ip6ToBig('2001:0:0:1:0:0:0:1')), '2001:0:0:1::1');
  assert.equal(bigToIp6(ip6ToBig('1:0:0:2:0:0:3:4')), '1::2:0:0:3:4');
  assert.equal(bigToIp6(0n), '::');
  // The number path of nthAddress (blocks of /96 and wider) and the bigint path agree.
  for (const block of ['fd00:10:244:1::/64', 'fd00::/96', '2001:db8:1:2:3:4::/96']) {
    const c = cidr(block);
    for (const n of [0, 1, 255, 65535, 65536, 2 ** 32 - 1]) assert.equal(nthAddress(c, n), bigToIp6(c.base6! + BigInt(n)), `${block} + ${n}`);
  }
});

test('ip6ToBig reads plain hex-group addresses itself and agrees with ipaddr.js on every form', () => {
  const ipaddr = require('ipaddr.js');
  const reference = (ip: string) => ipaddr.IPv6.parse(ip).toByteArray().reduce((n: bigint, b: number) => (n << 8n) | BigInt(b), 0n);
  const forms = ['::', '::1', '1::', 'fd00:10:244:1::a', 'FD00:10:244:1::A', '2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 'fe80::ecee:eeff:feee:eeee',
    '1:2:3:4:5:6:7:8', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '::ffff:10.1.2.3', '0:0:0:0:0:0:0:0', 'fd00:192:168:1::10', '1:2:3:4:5:6:7::'];
  for (const ip of forms) assert.equal(ip6ToBig(ip), reference(ip), ip);
});
