import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeExample, shape, trace } from '../support/analyze';

// The seeds' walkthroughs, step by step, as the engine must reproduce them.

test('seed 000, same node: pod1 → pod2 leaves through eth0/veth, is switched by cbr0 and crosses vethyyy into pod2', () => {
  const t = trace(analyzeExample('seed-000'), { from: 'pod1', to: 'pod2' });
  assert.equal(t.verdict, 'delivered');
  assert.deepEqual(t.hops.map(shape), [
    'node1 egress/sent eth0',
    'node1 routing/routed eth0', // on-link: 10.1.1.0/24 dev eth0
    'node1 arp/resolved eth0', // seed step 2-3: "who has this IP?" — vethyyy's pod answers
    `node1 veth/forwarded ${t.hops[3].device}`, // step 1: through vethxxx into the root netns
    'node1 bridge/forwarded cbr0', // step 3: the bridge knows where to forward
    'node1 veth/forwarded eth0', // step 4: across the pair into pod2
    'node1 deliver/delivered eth0',
  ]);
  assert.match(t.hops[3].device, /^veth[0-9a-f]{8}$/);
  assert.match(t.hops[2].summary, /10\.1\.1\.3 is at/);
  assert.match(t.hops[4].decidedBy!.text, / master cbr0$/);
  assert.equal(t.hops[6].netns, 'default/pod2');
});

test('seed 000, across nodes: pod1 → pod4 follows the eight steps (veth, cbr0, routing table, eth0, wire, node2 eth0, cbr0 ARP, veth)', () => {
  const t = trace(analyzeExample('seed-000'), { from: 'pod1', to: 'pod4' });
  assert.equal(t.verdict, 'delivered');
  assert.deepEqual(t.hops.map(shape), [
    'node1 egress/sent eth0', // 1. leaves pod1's netns through eth0 …
    'node1 routing/routed eth0', //    default via the bridge address
    'node1 arp/resolved eth0', //    ARP for the gateway, answered by cbr0
    `node1 veth/forwarded ${t.hops[3].device}`, //    … into the root netns through vethxxx
    'node1 bridge/forwarded cbr0', // 2. handed to cbr0
    'node1 routing/routed eth0', // 3. no local pod has the IP: the route sends it to eth0
    'node1 arp/resolved eth0',
    'node1 underlay/forwarded eth0', // 4-5. onto the wire towards the node owning 10.1.2.0/24
    'node2 routing/routed cbr0', // 6. node2 forwards (ip_forward) to cbr0
    'node2 arp/resolved cbr0', // 7. the bridge ARPs and finds vethyyy
    'node2 bridge/forwarded cbr0',
    'node2 veth/forwarded eth0', // 8. across the pair into pod4
    'node2 deliver/delivered eth0',
  ]);
  assert.equal(t.hops[5].decidedBy!.text, '10.1.2.0/24 via 192.168.1.11 dev eth0 proto static');
  assert.equal(t.hops[5].decidedBy!.source!.file, 'examples/seed-000/cluster.yaml');
  assert.equal(t.hops[8].decidedBy!.text, '10.1.2.0/24 dev cbr0 proto kernel scope link src 10.1.2.1');
  assert.match(t.hops[8].summary, /ip_forward=1/);
  for (const h of t.hops) assert.equal(h.packet.src, '10.1.1.2', 'no NAT between pods (Kubernetes network model)');
  assert.equal(t.hops[12].decidedBy!.source!.start.line, 25, 'delivery points at pod4 in pods.yaml');
});

test('seed 003, userspace mode: a frontend pod reaches the Service through kube-proxy, which opens a second connection from the node', () => {
  const a = analyzeExample('seed-003');
  const client = a.cluster.pods.find((p) => p.node === 'node1')!;
  const t = trace(a, { from: client.key, to: 'service:frontend' });
  assert.equal(t.verdict, 'delivered');
  const redirect = t.hops.find((h) => h.action === 'redirected')!;
  assert.ok(redirect, 'nat PREROUTING redirects the Service address to kube-proxy');
  assert.equal(redirect.packet.dport, 33761);
  assert.equal(redirect.packet.dst, '10.1.10.1', 'REDIRECT sends it to the address of the incoming interface (docker0)');
  assert.ok(t.hops.some((h) => h.action === 'proxied'));
  assert.equal(t.branches.length, 3, 'three replicas, three possible backends');
  for (const b of t.branches) assert.ok(Math.abs(b.probability - 1 / 3) < 1e-9);
  const remote = t.branches.filter((b) => b.hops.some((h) => h.stage === 'underlay'));
  assert.equal(remote.length, 2, 'two backends live on the other nodes');
  for (const b of remote) {
    const wire = b.hops.find((h) => h.stage === 'underlay')!;
    assert.equal(wire.packet.src, '192.168.1.129', 'tcpdump on eno16777736 shows the node, not the pod, as source');
    assert.equal(b.verdict, 'delivered');
  }
});

test('seed 003, Service IP 20.1.244.75:80 given as an address resolves to the frontend Service', () => {
  const a = analyzeExample('seed-003');
  const t = trace(a, { from: 'node2', to: '20.1.244.75:80' });
  assert.equal(t.to.kind, 'service');
  assert.equal(t.to.name, 'default/frontend');
  assert.equal(t.verdict, 'delivered');
});

test('example flannel-vxlan: client → Service web, DNAT to each replica, the remote one through flannel.1 and back out of it', () => {
  const t = trace(analyzeExample('flannel-vxlan'), { from: 'client', to: 'service:web' });
  assert.equal(t.verdict, 'delivered');
  assert.deepEqual(t.hops.map(shape), ['node-1 egress/sent eth0', 'node-1 routing/routed eth0', 'node-1 arp/resolved eth0', `node-1 veth/forwarded ${t.hops[3].device}`, 'node-1 bridge/forwarded cni0']);
  const remote = t.branches.find((b) => b.hops.some((h) => h.stage === 'encap'))!;
  assert.deepEqual(remote.hops.map((h) => `${h.node} ${h.stage}/${h.action}`), [
    'node-1 nat/dnat', 'node-1 routing/routed', 'node-1 arp/resolved', 'node-1 encap/encapsulated', 'node-1 routing/routed', 'node-1 arp/resolved', 'node-1 underlay/forwarded',
    'node-2 decap/decapsulated', 'node-2 routing/routed', 'node-2 arp/resolved', 'node-2 bridge/forwarded', 'node-2 veth/forwarded', 'node-2 deliver/delivered',
  ]);
  assert.equal(remote.hops[0].packet.dport, 8080);
});

test('example calico-ipip: frontend reaches api through tunl0 and is admitted by api-from-frontend; debug is dropped by NetworkPolicy', () => {
  const a = analyzeExample('calico-ipip');
  const ok = trace(a, { from: 'shop/frontend', to: 'service:shop/api' });
  assert.equal(ok.verdict, 'delivered');
  const remote = ok.branches.find((b) => b.hops.some((h) => h.stage === 'encap'))!;
  assert.ok(remote.hops.some((h) => h.stage === 'encap' && h.device === 'tunl0'));
  assert.ok(remote.hops.some((h) => h.stage === 'policy' && /allowed by shop\/api-from-frontend ingress\[0\]/.test(h.summary)));
  const denied = trace(a, { from: 'shop/debug', to: 'service:shop/api' });
  assert.equal(denied.verdict, 'dropped');
  for (const b of denied.branches) {
    const last = b.hops.at(-1)!;
    assert.equal(last.stage, 'policy');
    assert.equal(last.decidedBy!.source!.file, 'examples/calico-ipip/policies.yaml');
  }
});
