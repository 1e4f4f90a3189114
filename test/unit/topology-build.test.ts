import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeExample, analyzeYaml, clusterDoc, podDoc } from '../support/analyze';
import { TopologyModel, buildTopology, topologyLinks } from '../../src/core/topology';

// The diagram's model: what each node holds, the wires between things, and where each item comes from.

function allIds(m: TopologyModel): string[] {
  const out: string[] = [m.router.id, m.external.id];
  for (const n of m.nodes) {
    out.push(n.id, n.stackId, n.nodePortId, ...n.devices.map((d) => d.id));
    for (const p of [...n.pods, ...n.hostPods]) out.push(p.id, ...p.devices.map((d) => d.id), ...p.containers.map((c) => c.id));
  }
  out.push(...m.segments.map((s) => s.id), ...m.services.map((s) => s.id), ...m.services.flatMap((s) => s.endpoints.map((e) => e.id)), ...m.policies.map((p) => p.id));
  return out;
}

test('seed 000: two nodes with cbr0, the pods\' veth pairs into it, eth0 on one underlay segment', () => {
  const m = buildTopology(analyzeExample('seed-000'));
  assert.deepEqual(m.nodes.map((n) => [n.name, n.ip, n.podCIDR]), [['node1', '192.168.1.10', '10.1.1.0/24'], ['node2', '192.168.1.11', '10.1.2.0/24']]);
  const n1 = m.nodes[0];
  assert.deepEqual(n1.devices.map((d) => `${d.role}:${d.name}`), ['bridge:cbr0', `veth:${n1.pods[0].hostVeth!.slice('dev:node1/'.length)}`, `veth:${n1.pods[1].hostVeth!.slice('dev:node1/'.length)}`, 'eth0:eth0', 'loopback:lo'],
    'drawing order: bridge, host veths in pod order, eth0');
  assert.deepEqual(n1.devices.find((d) => d.name === 'cbr0')!.addresses, ['10.1.1.1/24'], 'the bridge holds the pod subnet gateway');
  assert.deepEqual(n1.pods.map((p) => [p.key, p.ip]), [['default/pod1', '10.1.1.2'], ['default/pod2', '10.1.1.3']]);
  const pod1 = n1.pods[0];
  assert.deepEqual(pod1.devices.map((d) => d.id), ['pdev:default/pod1/lo', 'pdev:default/pod1/eth0']);
  assert.deepEqual(pod1.devices.find((d) => d.name === 'eth0')!.addresses, ['10.1.1.2/24']);
  assert.deepEqual(pod1.containers.map((c) => [c.id, c.ports]), [['ctr:default/pod1/web', ['http 80/TCP']]]);
  assert.equal(m.cluster.bridge, 'cbr0');
  assert.deepEqual(m.segments.map((s) => [s.id, s.gateway, s.nodes]), [['segment:192.168.1.0/24', '192.168.1.1', ['node1', 'node2']]]);
  assert.deepEqual(m.router.addresses, ['192.168.1.1']);
  assert.deepEqual(m.services, []);
  assert.deepEqual(m.stats, { nodes: 2, pods: 4, containers: 4, services: 0, policies: 0, isolatedPods: 0 });
});

test('every item from YAML points at it: nodes at their Cluster entry, pods at their object, devices at their cause', () => {
  const m = buildTopology(analyzeExample('seed-000'));
  const n2 = m.nodes[1];
  assert.deepEqual([n2.source!.file, n2.source!.start.line], ['examples/seed-000/cluster.yaml', 14]);
  const pod4 = n2.pods.find((p) => p.name === 'pod4')!;
  assert.deepEqual([pod4.source!.file, pod4.source!.start.line], ['examples/seed-000/pods.yaml', 25]);
  assert.equal(pod4.containers[0].source!.file, 'examples/seed-000/pods.yaml');
  assert.ok(pod4.containers[0].source!.start.line > 25, 'the container entry, inside the pod');
  const veth = n2.devices.find((d) => d.id === pod4.hostVeth)!;
  assert.deepEqual([veth.source!.file, veth.source!.start.line], ['examples/seed-000/pods.yaml', 25], 'a host veth exists because of its pod');
  assert.deepEqual(n2.devices.find((d) => d.name === 'cbr0')!.source!.start.line, 14, 'the bridge comes from the node entry');
  assert.equal(n2.devices.find((d) => d.name === 'lo')!.source, undefined, 'nothing to reveal for built-in devices');
  assert.equal(m.cluster.source!.file, 'examples/seed-000/cluster.yaml');
});

test('flannel vxlan: cni0, flannel.1 as the overlay, a NodePort on every node, Service endpoints to pods', () => {
  const m = buildTopology(analyzeExample('flannel-vxlan'));
  for (const n of m.nodes) {
    assert.deepEqual(n.devices.filter((d) => d.role !== 'veth').map((d) => `${d.role}:${d.name}`), ['bridge:cni0', 'overlay:flannel.1', 'eth0:eth0', 'loopback:lo']);
    const vtep = n.devices.find((d) => d.name === 'flannel.1')!;
    assert.match(vtep.detail!, /VXLAN VNI 1, UDP 8472/);
  }
  assert.deepEqual(m.nodePorts, [{ port: 30080, protocol: 'TCP', service: 'svc:default/web' }]);
  const web = m.services.find((s) => s.key === 'default/web')!;
  assert.equal(web.type, 'NodePort');
  assert.equal(web.endpoints.length, 2);
  for (const e of web.endpoints) {
    assert.match(e.id, /^ep:default\/web>default\/web-/);
    assert.ok(m.nodes.some((n) => n.pods.some((p) => p.id === e.pod)), `${e.pod} is a drawn pod`);
    assert.equal(e.port, 8080);
  }
});

test('calico ipip: no bridge, cali* veths routed into the IP stack, tunl0; isolated pods carry the policies that select them', () => {
  const m = buildTopology(analyzeExample('calico-ipip'));
  assert.equal(m.cluster.bridge, '');
  const a = m.nodes.find((n) => n.name === 'worker-a')!;
  assert.ok(!a.devices.some((d) => d.role === 'bridge'));
  assert.ok(a.devices.some((d) => d.name === 'tunl0' && d.role === 'overlay' && d.kind === 'ipip'));
  for (const p of a.pods) {
    assert.match(p.hostVeth!, /^dev:worker-a\/cali[0-9a-f]{11}$/);
    assert.equal(a.devices.find((d) => d.id === p.hostVeth)!.mac, 'ee:ee:ee:ee:ee:ee');
  }
  const links = topologyLinks(m);
  const port = links.find((l) => l.kind === 'port' && l.from === a.pods[0].hostVeth)!;
  assert.equal(port.to, 'stack:worker-a', 'Calico routes each cali* interface; there is no bridge port');
  const frontend = m.nodes.flatMap((n) => n.pods).find((p) => p.key === 'shop/frontend')!;
  assert.deepEqual(frontend.isolation, { ingress: true, egress: false, policies: ['policy:shop/default-deny'] });
  assert.deepEqual(frontend.containers.map((c) => c.name), ['web', 'metrics-sidecar'], 'containers share the pod\'s namespace');
  const api = m.policies.find((p) => p.key === 'shop/api-from-frontend')!;
  assert.equal(api.pods.length, 2);
  assert.ok(api.pods.every((id) => id.startsWith('pod:shop/api-')));
  assert.equal(m.stats.isolatedPods, 4);
});

test('links: every wire joins two existing elements, ids are unique, and the underlay reaches the outside', () => {
  for (const ex of ['seed-000', 'seed-003', 'flannel-vxlan', 'calico-ipip']) {
    const m = buildTopology(analyzeExample(ex));
    const ids = allIds(m);
    const links = topologyLinks(m);
    const all = [...ids, ...links.map((l) => l.id)];
    assert.equal(new Set(all).size, all.length, `${ex}: ids are unique`);
    const known = new Set(ids);
    for (const l of links) assert.ok(known.has(l.from) && known.has(l.to), `${ex}: ${l.id} joins ${l.from} and ${l.to}`);
    for (const n of m.nodes) assert.ok(links.some((l) => l.id === `wire:${n.name}` && l.to === n.segment), `${ex}: ${n.name} is wired`);
    assert.ok(links.some((l) => l.id === 'exit'));
  }
});

test('hostNetwork pods live in the node\'s namespace: no veth, no pod devices', () => {
  const m = buildTopology(analyzeYaml(clusterDoc({ plugin: 'flannel', backend: 'vxlan' }), podDoc('agent', 'node-1', { hostNetwork: true, port: 9100 }), podDoc('app', 'node-1')));
  const n = m.nodes.find((x) => x.name === 'node-1')!;
  assert.deepEqual(n.hostPods.map((p) => [p.key, p.ip, p.hostNetwork, p.devices.length, p.hostVeth]), [['default/agent', '192.168.1.10', true, 0, undefined]]);
  assert.deepEqual(n.pods.map((p) => p.key), ['default/app']);
});

test('the model is plain JSON and the same input gives the same model', () => {
  const a = buildTopology(analyzeExample('flannel-vxlan'));
  const b = buildTopology(analyzeExample('flannel-vxlan'));
  assert.deepEqual(JSON.parse(JSON.stringify(a)), a, 'survives a JSON round trip unchanged');
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  const noLabels = buildTopology(analyzeExample('flannel-vxlan'), { labels: false });
  assert.ok(noLabels.nodes.every((n) => n.pods.every((p) => Object.keys(p.labels).length === 0)));
});

test('names are carried as data, whatever they contain; a label or container name the API server refuses never arrives', () => {
  const evil = '<img src=x onerror=alert(1)>';
  const a = analyzeYaml(clusterDoc({ plugin: 'bridge' }), `apiVersion: v1
kind: Pod
metadata: {name: evil, labels: {app: "${evil}", tier: web}}
spec:
  nodeName: node-1
  containers: [{name: web, image: "${evil}"}]
---
apiVersion: v1
kind: Pod
metadata: {name: evil-container}
spec:
  nodeName: node-1
  containers: [{name: "${evil}", image: x}]
`);
  const m = buildTopology(a);
  assert.deepEqual(m.nodes.flatMap((n) => n.pods.map((p) => p.key)), ['default/evil']);
  const pod = m.nodes[0].pods[0];
  assert.deepEqual(pod.labels, { tier: 'web' });
  assert.deepEqual(a.findings.filter((f) => f.code === 'invalid-label').length, 1);
  const refused = a.findings.filter((f) => f.code === 'invalid-name');
  assert.equal(refused.length, 1);
  assert.match(refused[0].message, /^Pod evil-container: container name "<img src=x onerror=alert\(1\)>" is not a DNS label/);
});
