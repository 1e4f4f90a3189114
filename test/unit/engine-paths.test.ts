import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeYaml, clusterDoc, podDoc, shape, trace } from '../support/analyze';

// Cross-node pod-to-pod paths per CNI, and the edge cases of the engine.

function twoPods(cluster: string) {
  return analyzeYaml(cluster, podDoc('a', 'node-1', { ip: '10.244.1.5' }), podDoc('b', 'node-2', { ip: '10.244.2.7' }));
}

test('flannel vxlan: route via the remote subnet .0 onlink, static ARP to the VTEP MAC, FDB to the node IP, VXLAN VNI 1 on UDP 8472', () => {
  const t = trace(twoPods(clusterDoc({ plugin: 'flannel', backend: 'vxlan' })), { from: 'a', to: 'b' });
  assert.equal(t.verdict, 'delivered');
  const route = t.hops.find((h) => h.stage === 'routing' && h.device === 'flannel.1')!;
  assert.equal(route.decidedBy!.text, '10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink');
  const arp = t.hops.find((h) => h.stage === 'arp' && h.device === 'flannel.1')!;
  assert.match(arp.decidedBy!.text, /^10\.244\.2\.0 dev flannel\.1 lladdr [0-9a-f:]{17} PERMANENT$/);
  const encap = t.hops.find((h) => h.stage === 'encap')!;
  assert.deepEqual({ ...encap.packet.encap[0], sport: 0, innerSrcMac: '', innerDstMac: '' }, { kind: 'vxlan', src: '192.168.1.10', dst: '192.168.1.11', sport: 0, dport: 8472, vni: 1, innerSrcMac: '', innerDstMac: '' });
  assert.match(encap.decidedBy!.text, /dev flannel\.1 dst 192\.168\.1\.11 self permanent/);
  const wire = t.hops.find((h) => h.stage === 'underlay')!;
  assert.equal(wire.packet.src, '10.244.1.5', 'the inner packet keeps the pod addresses');
  const decap = t.hops.find((h) => h.stage === 'decap')!;
  assert.equal(decap.node, 'node-2');
  assert.equal(decap.device, 'flannel.1');
  assert.equal(decap.packet.encap.length, 0);
  assert.equal(t.hops.at(-1)!.netns, 'default/b');
});

test('flannel host-gw: plain route via the remote node IP, no encapsulation', () => {
  const t = trace(twoPods(clusterDoc({ plugin: 'flannel', backend: 'host-gw' })), { from: 'a', to: 'b' });
  assert.equal(t.verdict, 'delivered');
  assert.ok(!t.hops.some((h) => h.stage === 'encap'));
  const route = t.hops.find((h) => h.node === 'node-1' && h.stage === 'routing' && h.netns === 'root')!;
  assert.equal(route.decidedBy!.text, '10.244.2.0/24 via 192.168.1.11 dev eth0');
});

test('flannel host-gw across L3 subnets: the route cannot be installed, the default route sends it to the router, which drops it', () => {
  const a = twoPods(clusterDoc({ plugin: 'flannel', backend: 'host-gw', nodes: [['node-1', '192.168.1.10', '10.244.1.0/24'], ['node-2', '192.168.2.10', '10.244.2.0/24']] }));
  const t = trace(a, { from: 'a', to: 'b' });
  assert.equal(t.verdict, 'no-route');
  const last = t.hops.at(-1)!;
  assert.equal(last.node, '(underlay)');
  assert.equal(last.action, 'dropped');
  assert.ok(t.notes.some((n) => /host-gw needs every node on one L2 network/.test(n)), t.notes.join('\n'));
  assert.equal(a.dataplane.node('node-1')!.missingRoutes.length, 1);
});

test('flannel udp: flanneld reads flannel0 and sends UDP 8285 between node IPs', () => {
  const t = trace(twoPods(clusterDoc({ plugin: 'flannel', backend: 'udp' })), { from: 'a', to: 'b' });
  assert.equal(t.verdict, 'delivered');
  const encap = t.hops.find((h) => h.stage === 'encap')!;
  assert.equal(encap.device, 'flannel0');
  assert.deepEqual(encap.packet.encap[0], { kind: 'flannel-udp', src: '192.168.1.10', dst: '192.168.1.11', sport: 8285, dport: 8285 });
  assert.equal(t.hops.find((h) => h.stage === 'decap')!.device, 'flannel0');
});

test('calico ipip: proxy ARP for 169.254.1.1 on the cali veth, tunl0 IP-in-IP to the remote node, /32 route to the destination veth', () => {
  const a = analyzeYaml(clusterDoc({ plugin: 'calico', backend: 'ipip', clusterCIDR: '192.168.0.0/16', nodes: [['node-1', '10.0.0.1', '192.168.1.0/26'], ['node-2', '10.0.0.2', '192.168.2.64/26']] }),
    podDoc('a', 'node-1', { ip: '192.168.1.5' }), podDoc('b', 'node-2', { ip: '192.168.2.70' }));
  const t = trace(a, { from: 'a', to: 'b' });
  assert.equal(t.verdict, 'delivered');
  assert.deepEqual(t.hops.map(shape).slice(0, 4), ['node-1 egress/sent eth0', 'node-1 routing/routed eth0', 'node-1 arp/resolved eth0', `node-1 veth/forwarded ${t.hops[3].device}`]);
  assert.equal(t.hops[1].decidedBy!.text, 'default via 169.254.1.1 dev eth0');
  assert.match(t.hops[2].summary, /169\.254\.1\.1 is at ee:ee:ee:ee:ee:ee/);
  assert.match(t.hops[3].device, /^cali[0-9a-f]{11}$/);
  const encap = t.hops.find((h) => h.stage === 'encap')!;
  assert.equal(encap.device, 'tunl0');
  assert.deepEqual(encap.packet.encap[0], { kind: 'ipip', src: '10.0.0.1', dst: '10.0.0.2' });
  const last = t.hops.filter((h) => h.stage === 'routing').at(-1)!;
  assert.equal(last.decidedBy!.text, `192.168.2.70 dev ${last.device} scope link`);
});

test('calico: an unassigned address in the local block hits the blackhole route', () => {
  const a = analyzeYaml(clusterDoc({ plugin: 'calico', backend: 'ipip', clusterCIDR: '192.168.0.0/16', nodes: [['node-1', '10.0.0.1', '192.168.1.0/26'], ['node-2', '10.0.0.2', '192.168.2.64/26']] }),
    podDoc('a', 'node-1', { ip: '192.168.1.5' }));
  const t = trace(a, { from: 'a', to: '192.168.1.9' });
  assert.equal(t.verdict, 'dropped');
  assert.equal(t.hops.at(-1)!.decidedBy!.text, 'blackhole 192.168.1.0/26 proto bird');
});

test('calico vxlan and bgp reach the remote pod; bgp across subnets has no route', () => {
  for (const backend of ['vxlan', 'bgp']) {
    const a = twoPods(clusterDoc({ plugin: 'calico', backend }));
    const t = trace(a, { from: 'a', to: 'b' });
    assert.equal(t.verdict, 'delivered', backend);
    assert.equal(t.hops.some((h) => h.stage === 'encap'), backend === 'vxlan', backend);
  }
  const far = twoPods(clusterDoc({ plugin: 'calico', backend: 'bgp', nodes: [['node-1', '192.168.1.10', '10.244.1.0/24'], ['node-2', '192.168.2.10', '10.244.2.0/24']] }));
  assert.equal(trace(far, { from: 'a', to: 'b' }).verdict, 'no-route');
});

test('container to container in one pod goes over lo in the shared (pause) namespace', () => {
  const yaml = `apiVersion: v1
kind: Pod
metadata: {name: duo}
spec:
  nodeName: node-1
  containers:
    - {name: app, image: x, ports: [{containerPort: 8080}]}
    - {name: sidecar, image: y, ports: [{containerPort: 9090, name: metrics}]}
`;
  const t = trace(analyzeYaml(clusterDoc({ plugin: 'flannel', backend: 'vxlan' }), yaml), { from: 'default/duo/app', to: 'default/duo/sidecar' });
  assert.equal(t.verdict, 'delivered');
  assert.equal(t.packet.dst, '127.0.0.1');
  assert.equal(t.packet.dport, 9090);
  assert.deepEqual(t.hops.map(shape), ['node-1 egress/sent eth0', 'node-1 routing/routed lo', 'node-1 deliver/delivered lo']);
  assert.match(t.hops[2].summary, /container sidecar/);
});

test('node to a local pod goes straight out of cni0 (ARP on the bridge, FDB port, veth)', () => {
  const t = trace(twoPods(clusterDoc({ plugin: 'flannel', backend: 'vxlan' })), { from: 'node-1', to: 'a' });
  assert.equal(t.verdict, 'delivered');
  assert.equal(t.packet.src, '10.244.1.1', 'the kernel picks the bridge address as source');
  assert.deepEqual(t.hops.map((h) => h.stage), ['egress', 'routing', 'arp', 'bridge', 'veth', 'deliver']);
});

test('a hostNetwork pod uses the node namespace and IP', () => {
  const a = analyzeYaml(clusterDoc({ plugin: 'flannel', backend: 'vxlan' }), podDoc('agent', 'node-2', { hostNetwork: true, port: 9100 }), podDoc('a', 'node-1'));
  const agent = a.cluster.podsByKey.get('default/agent')!;
  assert.equal(agent.ip, '192.168.1.11');
  const t = trace(a, { from: 'a', to: 'agent' });
  assert.equal(t.verdict, 'delivered');
  assert.equal(t.hops.at(-1)!.netns, 'root');
  assert.match(t.hops.at(-1)!.summary, /hostNetwork pod default\/agent/);
});

test('from outside the cluster, a pod IP is not routable: the underlay drops it', () => {
  const t = trace(twoPods(clusterDoc({ plugin: 'flannel', backend: 'vxlan' })), { from: '203.0.113.9', to: 'b' });
  assert.equal(t.verdict, 'no-route');
  assert.equal(t.hops.length, 1);
  assert.equal(t.hops[0].node, '(underlay)');
});

test('a pod reaching an address outside the cluster leaves through the underlay router', () => {
  const t = trace(twoPods(clusterDoc({ plugin: 'flannel', backend: 'vxlan' })), { from: 'a', to: '8.8.8.8', port: 53, protocol: 'udp' });
  assert.equal(t.verdict, 'exits-cluster');
  assert.equal(t.packet.protocol, 'udp');
});

test('tracing is deterministic: same input, same JSON, byte for byte', () => {
  const make = () => JSON.stringify(trace(twoPods(clusterDoc({ plugin: 'flannel', backend: 'vxlan' })), { from: 'a', to: 'b' }));
  assert.equal(make(), make());
});

test('unknown endpoints are reported, not thrown', () => {
  const a = twoPods(clusterDoc({ plugin: 'flannel', backend: 'vxlan' }));
  assert.throws(() => trace(a, { from: 'nope', to: 'b' }), /--from: nothing is called "nope"/);
  assert.throws(() => trace(a, { from: 'a', to: 'default/a/nocontainer' }), /has no container "nocontainer"/);
});
