import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeExample, trace } from '../support/analyze';
import { OverlayHop, TraceOverlay, buildTopology, overlayReply, overlayTrace, topologyLinks } from '../../src/core/topology';
import { replyOf } from '../../src/core/forward/reply';
import { TraceRequest } from '../../src/core/forward/engine';

// A trace laid over the diagram: which elements each hop lights, in order, with the packet's headers.

function overlay(example: string, req: TraceRequest): TraceOverlay {
  const a = analyzeExample(example);
  return overlayTrace(buildTopology(a), trace(a, req));
}

/** The places the packet visits, in order, without repeats in a row. */
function walk(hops: OverlayHop[]): string[] {
  const out: string[] = [];
  for (const h of hops) for (const id of h.elements) if (/^(dev|pdev|stack|segment|veth|port|up|wire|uplink|tunnel):|^(router|external|exit)$/.test(id) && out[out.length - 1] !== id) out.push(id);
  return out;
}

test('seed 000 pod1 → pod4: the seeds\' path, element by element, with nothing missing', () => {
  const o = overlay('seed-000', { from: 'pod1', to: 'pod4' });
  assert.equal(o.verdict, 'delivered');
  assert.deepEqual(o.missing, []);
  assert.deepEqual(o.hops.map((h) => h.index), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], 'numbered as podpath trace prints them');
  const veth1 = o.hops[3].device;
  const veth4 = o.hops[11].elements.find((id) => id.startsWith('dev:node2/veth'))!;
  assert.deepEqual(walk(o.hops), [
    'pdev:default/pod1/eth0', 'veth:default/pod1', `dev:node1/${veth1}`, `port:node1/${veth1}`, 'dev:node1/cbr0', 'up:node1/cbr0', 'stack:node1',
    'up:node1/eth0', 'dev:node1/eth0', 'wire:node1', 'segment:192.168.1.0/24', 'wire:node2', 'dev:node2/eth0', 'up:node2/eth0', 'stack:node2',
    'up:node2/cbr0', 'dev:node2/cbr0', `port:node2/${veth4.slice('dev:node2/'.length)}`, veth4, 'veth:default/pod4', 'pdev:default/pod4/eth0',
  ]);
  assert.deepEqual(o.from, { label: 'default/pod1', kind: 'pod', ip: '10.1.1.2', element: 'pod:default/pod1', source: o.from.source });
  assert.equal(o.to.element, 'pod:default/pod4');
  const last = o.hops[12];
  assert.equal(last.focus, 'pdev:default/pod4/eth0');
  assert.ok(last.elements.includes('ctr:default/pod4/web'), 'delivery lights the listening container');
  assert.equal(o.title, 'TCP default/pod1 → default/pod4 :80');
});

test('every lit id exists in the model or among the overlay\'s own links', () => {
  for (const [ex, req] of [['seed-000', { from: 'pod1', to: 'pod4' }], ['seed-003', { from: 'node1', to: 'service:frontend' }], ['flannel-vxlan', { from: 'client', to: 'service:web' }], ['calico-ipip', { from: 'shop/frontend', to: 'service:shop/api' }]] as const) {
    const a = analyzeExample(ex);
    const m = buildTopology(a);
    const o = overlayTrace(m, trace(a, req));
    const known = new Set<string>([m.router.id, m.external.id, ...topologyLinks(m).map((l) => l.id), ...o.extraLinks.map((l) => l.id), ...m.segments.map((s) => s.id), ...m.policies.map((p) => p.id)]);
    for (const n of m.nodes) {
      for (const id of [n.id, n.stackId, n.nodePortId, ...n.devices.map((d) => d.id)]) known.add(id);
      for (const p of [...n.pods, ...n.hostPods]) for (const id of [p.id, `badge:${p.key}`, ...p.devices.map((d) => d.id), ...p.containers.map((c) => c.id)]) known.add(id);
    }
    for (const s of m.services) for (const id of [s.id, ...s.endpoints.map((e) => e.id)]) known.add(id);
    assert.deepEqual(o.missing, [], ex);
    for (const h of [...o.hops, ...o.branches.flatMap((b) => b.hops)]) {
      assert.ok(h.focus && known.has(h.focus), `${ex} hop ${h.index}: focus ${h.focus}`);
      for (const id of h.elements) assert.ok(known.has(id), `${ex} hop ${h.index}: ${id}`);
    }
  }
});

test('flannel vxlan to a Service: DNAT rewrites the destination, the chosen endpoint lights, flannel.1 pushes an outer header and the tunnel is drawn', () => {
  const o = overlay('flannel-vxlan', { from: 'client', to: 'service:web' });
  assert.equal(o.branches.length, 2);
  assert.ok(o.hops[0].elements.includes('svc:default/web'), 'the packet is sent to the Service\'s virtual IP');
  const remote = o.branches.find((b) => b.hops.some((h) => h.stage === 'encap'))!;
  const dnat = remote.hops.find((h) => h.action === 'dnat')!;
  assert.deepEqual(dnat.packet.changed, ['dst', 'dport']);
  assert.equal(dnat.packet.inner.dport, 8080);
  assert.ok(dnat.elements.some((id) => id.startsWith('ep:default/web>')), 'the dashed link to the chosen backend');
  const encap = remote.hops.find((h) => h.stage === 'encap')!;
  assert.deepEqual(encap.packet.changed, ['encap']);
  assert.deepEqual(encap.packet.outer.map((x) => [x.kind, x.src, x.dst, x.dport, x.vni]), [['vxlan', '192.168.1.10', '192.168.1.11', 8472, 1]]);
  assert.deepEqual(o.extraLinks, [{ id: 'tunnel:node-1>node-2', kind: 'tunnel', from: 'dev:node-1/flannel.1', to: 'dev:node-2/flannel.1' }]);
  assert.ok(encap.elements.includes('tunnel:node-1>node-2'));
  const wire = remote.hops.find((h) => h.stage === 'underlay')!;
  assert.equal(wire.packet.outer.length, 1, 'on the wire: outer and inner headers');
  assert.equal(wire.packet.inner.dst, dnat.packet.inner.dst);
  const decap = remote.hops.find((h) => h.stage === 'decap')!;
  assert.deepEqual(decap.packet.changed, ['decap']);
  assert.equal(decap.focus, 'dev:node-2/flannel.1');
  const local = o.branches.find((b) => b !== remote)!;
  assert.ok(!local.hops.some((h) => h.elements.some((id) => id.startsWith('tunnel:'))), 'the local backend needs no tunnel');
});

test('calico: a policy hop lights the pod\'s badge and the policies; a drop ends the path there', () => {
  const o = overlay('calico-ipip', { from: 'shop/debug', to: 'service:shop/api' });
  assert.equal(o.verdict, 'dropped');
  for (const b of o.branches) {
    const last = b.hops[b.hops.length - 1];
    assert.equal(last.stage, 'policy');
    assert.equal(last.action, 'dropped');
    assert.match(last.focus, /^dev:worker-.\/cali/);
    assert.ok(last.elements.some((id) => id.startsWith('badge:shop/api-')));
    assert.ok(last.elements.includes('policy:shop/default-deny'));
    assert.equal(b.verdict, 'dropped');
    assert.ok(last.decidedBy?.source, 'the policy that decided can be revealed');
  }
});

test('from outside to a NodePort: external → router → segment → eth0, the node\'s NodePort badge and the Service light', () => {
  const o = overlay('flannel-vxlan', { from: 'external:203.0.113.9', to: 'service:web' });
  const first = o.hops[0];
  assert.deepEqual(walk([first]), ['external', 'exit', 'router', 'uplink:192.168.1.0/24', 'segment:192.168.1.0/24', 'wire:node-1', 'dev:node-1/eth0']);
  assert.ok(first.elements.includes('nodeport:node-1'));
  assert.ok(first.elements.includes('svc:default/web'));
  assert.equal(o.from.element, 'external');
});

test('leaving the cluster: the router and the outside are the end of the path', () => {
  const o = overlay('flannel-vxlan', { from: 'client', to: '203.0.113.50', port: 443 });
  assert.equal(o.verdict, 'exits-cluster');
  assert.deepEqual(walk(o.hops).slice(-4), ['uplink:192.168.1.0/24', 'router', 'exit', 'external']);
});

test('seed 003 userspace proxy: kube-proxy\'s second connection lights the endpoint it picked, per branch', () => {
  const o = overlay('seed-003', { from: 'node1', to: 'service:frontend' });
  assert.equal(o.branches.length, 3);
  assert.ok(o.hops.some((h) => h.elements.includes('svc:default/frontend')));
  for (const b of o.branches) {
    const ep = b.hops.flatMap((h) => h.elements).filter((id) => id.startsWith('ep:default/frontend>'));
    assert.equal(ep.length, 1, b.label);
    assert.ok(b.label.includes(ep[0].split('>')[1]), `${b.label} ↔ ${ep[0]}`);
  }
  assert.deepEqual(o.hops.map((h) => h.index), [1, 2, 3, 4]);
  assert.deepEqual(o.branches[0].hops.map((h) => h.index).slice(0, 2), [5, 6], 'branches continue the numbering');
});

test('container to container over lo: the sending container and lo light, nothing leaves the pod', () => {
  const o = overlay('calico-ipip', { from: 'shop/frontend/web', to: 'shop/frontend/metrics-sidecar', port: 9090 });
  assert.ok(o.hops[0].elements.includes('ctr:shop/frontend/web'));
  assert.deepEqual(walk(o.hops), ['pdev:shop/frontend/eth0', 'pdev:shop/frontend/lo']);
  assert.ok(o.hops[o.hops.length - 1].elements.includes('ctr:shop/frontend/metrics-sidecar'));
});

test('an overlay survives JSON and a model that lacks the hops\' elements reports them as missing', () => {
  const a = analyzeExample('seed-000');
  const m = buildTopology(a);
  const t = trace(a, { from: 'pod1', to: 'pod4' });
  const o = overlayTrace(m, t);
  assert.deepEqual(JSON.parse(JSON.stringify(o)), o);
  const stale = { ...m, nodes: m.nodes.filter((n) => n.name === 'node1') };
  const partial = overlayTrace(stale, t);
  assert.ok(partial.missing.length > 0, 'node2\'s elements are reported');
  assert.ok(partial.missing.every((id) => id.includes('node2') || id.includes('pod4')), partial.missing.join(' '));
  assert.ok(partial.hops.every((h) => h.elements.every((id) => !id.includes('node2/'))), 'nothing of the missing node is lit');
});

test('the reply on the diagram: from the backend back to the client, lighting the hop that undoes the DNAT', () => {
  const a = analyzeExample('flannel-vxlan');
  const t = trace(a, { from: 'client', to: 'service:web' });
  const model = buildTopology(a);
  const o = overlayReply(model, t, replyOf(a.dataplane, t));
  assert.match(o.title, /^reply of TCP default\/client → default\/web :80$/);
  assert.equal(o.from.label, t.to.name);
  assert.equal(o.to.label, t.from.name);
  assert.deepEqual(o.missing, []);
  assert.equal(o.branches.length, 2, 'one reply per backend');
  for (const b of o.branches) {
    const backend = t.branches.find((x) => b.label === `reply from ${x.label}`)!;
    assert.ok(backend, b.label);
    const places = walk(b.hops);
    const pod = backend.hops.at(-1)!.netns;
    assert.ok(places[0].startsWith(`pdev:${pod}/`), `starts in the backend ${pod}: ${places[0]}`);
    assert.ok(places.at(-1)!.startsWith('pdev:default/client'), 'ends in the client');
    const undo = b.hops.find((h) => h.action === 'reverse-dnat')!;
    assert.deepEqual(undo.packet.changed, ['src', 'sport'], 'the source goes back to the Service address');
    assert.equal(b.verdict, 'delivered');
  }
});
