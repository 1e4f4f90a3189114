import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hop, Trace } from '../../src/core/forward/trace';
import { analyzeYaml, clusterDoc, pathOf, podDoc, trace } from '../support/analyze';

// kube-proxy in nftables mode through the whole data path: the engine asks the node's netfilter
// and records DNAT and masquerade exactly as it does for iptables, with the nft rule as cause.

const web = (extra = '') => `apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  clusterIP: 10.96.0.50
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http, nodePort: 30080}]
  type: NodePort
${extra}`;

function cluster(proxy: 'iptables' | 'nftables', service = web()) {
  return analyzeYaml(
    clusterDoc({ plugin: 'flannel', backend: 'vxlan', proxy }),
    podDoc('web-a', 'node-1', { ip: '10.244.1.10', labels: { app: 'web' } }),
    podDoc('web-b', 'node-2', { ip: '10.244.2.10', labels: { app: 'web' } }),
    podDoc('client', 'node-1', { ip: '10.244.1.20', labels: { app: 'client' } }),
    service,
  );
}

/** What a translation looks like in a trace, whichever ruleset made it. */
function translations(t: Trace): string[][] {
  const paths = t.branches.length ? t.branches.map((b) => [...t.hops, ...b.hops]) : [t.hops];
  return paths.map((hops: Hop[]) => hops.filter((h) => h.stage === 'nat').map((h) => `${h.node} ${h.action} ${h.packet.src}:${h.packet.sport} → ${h.packet.dst}:${h.packet.dport}`));
}

const flows: [string, { from: string; to: string; port?: number }][] = [
  ['pod to ClusterIP', { from: 'client', to: 'service:web' }],
  ['hairpin through the Service', { from: 'web-a', to: 'service:web' }],
  ['outside client to a NodePort', { from: '203.0.113.9', to: '192.168.1.10', port: 30080 }],
  ['node to ClusterIP', { from: 'node-2', to: 'service:web' }],
];

for (const [name, req] of flows) {
  test(`${name}: nftables mode translates exactly as iptables mode does`, () => {
    const ipt = trace(cluster('iptables'), req);
    const nft = trace(cluster('nftables'), req);
    assert.equal(nft.verdict, ipt.verdict);
    assert.deepEqual(nft.branches.map((b) => [b.probability, b.label, b.verdict]), ipt.branches.map((b) => [b.probability, b.label, b.verdict]));
    assert.deepEqual(translations(nft), translations(ipt));
    assert.ok(translations(nft).flat().length > 0, 'some translation happened');
  });
}

test('the DNAT hop names the nft rule that decided, with the endpoint\'s YAML location', () => {
  const t = trace(cluster('nftables'), { from: 'client', to: 'service:web' });
  const dnat = t.branches[0].hops.find((h) => h.action === 'dnat')!;
  assert.equal(dnat.decidedBy!.kind, 'rule');
  assert.match(dnat.decidedBy!.text, /^add rule ip kube-proxy endpoint-[A-Z2-7]{8}-default\/web\/tcp\/http__10\.244\.\d+\.10\/8080 meta l4proto tcp dnat to 10\.244\.\d+\.10:8080$/);
  assert.ok(dnat.decidedBy!.source, 'points at the pod that is the endpoint');
  assert.ok(dnat.details!.some((l) => /vmap @service-ips \(element 10\.96\.0\.50 \. tcp \. 80 : goto service-[A-Z2-7]{8}-default\/web\/tcp\/http of @service-ips\)$/.test(l)), 'the verdict-map element that dispatched is listed');
  assert.ok(dnat.details!.some((l) => /numgen random mod 2 vmap/.test(l)));
});

test('Service without endpoints: nftables rejects through @no-endpoint-services, the trace says which Service', () => {
  const svc = `apiVersion: v1
kind: Service
metadata: {name: empty, namespace: default}
spec:
  clusterIP: 10.96.0.60
  selector: {app: nobody}
  ports: [{port: 80}]
`;
  const t = trace(cluster('nftables', svc), { from: 'client', to: 'service:empty' });
  assert.equal(t.verdict, 'rejected');
  assert.match(t.reason, /@no-endpoint-services: default\/empty/);
  const hop = pathOf(t).at(-1)!;
  assert.equal(hop.action, 'rejected');
  assert.equal(hop.decidedBy!.text, 'add rule ip kube-proxy reject-chain reject');
});

test('externalTrafficPolicy Local: a node without a local endpoint drops the outside client (nftables)', () => {
  const a = cluster('nftables', web('  externalTrafficPolicy: Local\n'));
  const ok = trace(a, { from: '203.0.113.9', to: '192.168.1.11', port: 30080 });
  assert.equal(ok.verdict, 'delivered');
  assert.equal(pathOf(ok).at(-1)!.packet.src, '203.0.113.9', 'the client address is kept');
  const noLocal = analyzeYaml(clusterDoc({ plugin: 'flannel', backend: 'vxlan', proxy: 'nftables' }), podDoc('web-b', 'node-2', { ip: '10.244.2.10', labels: { app: 'web' } }), web('  externalTrafficPolicy: Local\n'));
  const dropped = trace(noLocal, { from: '203.0.113.9', to: '192.168.1.10', port: 30080 });
  assert.equal(dropped.verdict, 'dropped');
  assert.match(dropped.reason, /@no-endpoint-nodeports: default\/web:http/);
});

test('kubeProxy.mode nftables: the node has the kube-proxy table and kube-proxy writes no iptables rule', () => {
  const a = cluster('nftables');
  const n = a.dataplane.node('node-1')!;
  assert.deepEqual(n.nftables!.tables.map((t) => `${t.family} ${t.name}`), ['ip kube-proxy']);
  const kube = [...n.netfilter.tables.values()].flatMap((t) => [...t.chains.keys()]).filter((c) => c.startsWith('KUBE-'));
  assert.deepEqual(kube, []);
  assert.deepEqual([...n.nftables!.tables[0].sets.get('nodeport-ips')!.elements.keys()], ['192.168.1.10'], 'each node accepts NodePorts on its own address');
  assert.deepEqual([...a.dataplane.node('node-2')!.nftables!.tables[0].sets.get('nodeport-ips')!.elements.keys()], ['192.168.1.11']);
  assert.equal(a.cluster.config.kubeProxyMode, 'nftables');
});
