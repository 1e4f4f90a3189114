import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeYaml, clusterDoc, pathOf, podDoc, trace } from '../support/analyze';

// Services through the whole data path: kube-proxy's rules as the engine meets them.

function web(opts: { nodePort?: boolean; externalTrafficPolicy?: 'Local' } = {}): string {
  return `apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  clusterIP: 10.96.0.50
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http${opts.nodePort ? ', nodePort: 30080' : ''}}]
${opts.nodePort ? '  type: NodePort\n' : ''}${opts.externalTrafficPolicy ? `  externalTrafficPolicy: ${opts.externalTrafficPolicy}\n` : ''}`;
}

function cluster(proxy: string, service: string) {
  return analyzeYaml(
    clusterDoc({ plugin: 'flannel', backend: 'vxlan', proxy }),
    podDoc('web-a', 'node-1', { ip: '10.244.1.10', labels: { app: 'web' } }),
    podDoc('web-b', 'node-2', { ip: '10.244.2.10', labels: { app: 'web' } }),
    podDoc('client', 'node-1', { ip: '10.244.1.20', labels: { app: 'client' } }),
    service,
  );
}

test('ClusterIP (iptables): DNAT in nat PREROUTING fans out to each endpoint with kube-proxy\'s probabilities', () => {
  const t = trace(cluster('iptables', web()), { from: 'client', to: 'service:web' });
  assert.equal(t.verdict, 'delivered');
  assert.equal(t.branches.length, 2);
  assert.deepEqual(t.branches.map((b) => b.probability), [0.5, 0.5]);
  for (const b of t.branches) {
    const dnat = b.hops.find((h) => h.action === 'dnat')!;
    assert.equal(dnat.stage, 'nat');
    assert.equal(dnat.packet.dport, 8080, 'targetPort http resolves to the container port');
    assert.ok(dnat.details!.some((l) => /^-A KUBE-SVC-\w+ .* -j KUBE-SEP-\w+$/.test(l)), 'the rules walked are listed');
    assert.equal(b.hops.at(-1)!.action, 'delivered');
    assert.equal(b.hops.at(-1)!.packet.src, '10.244.1.20', 'pod-to-Service traffic from inside the cluster is not masqueraded');
  }
  const remote = t.branches.find((b) => b.label.includes('10.244.2.10'))!;
  assert.ok(remote.hops.some((h) => h.stage === 'encap'), 'the remote backend is reached through flannel.1');
});

test('hairpin: a pod reaching itself through its Service is masqueraded by KUBE-SEP and switched back out of its own port', () => {
  const t = trace(cluster('iptables', web()), { from: 'web-a', to: 'service:web' });
  const self = t.branches.find((b) => b.label.includes('10.244.1.10'))!;
  assert.equal(self.verdict, 'delivered');
  const masq = self.hops.find((h) => h.action === 'masquerade')!;
  assert.ok(masq, 'KUBE-POSTROUTING masquerades the hairpin connection');
  assert.equal(masq.packet.src, '10.244.1.1', 'the bridge address (cni0) becomes the source');
});

test('Service without endpoints: filter rejects it (icmp port unreachable), the trace says rejected', () => {
  const svc = `apiVersion: v1
kind: Service
metadata: {name: empty}
spec:
  clusterIP: 10.96.0.60
  selector: {app: nobody}
  ports: [{port: 80}]
`;
  const t = trace(cluster('iptables', svc), { from: 'client', to: 'service:empty' });
  assert.equal(t.verdict, 'rejected');
  assert.match(t.reason, /has no endpoints/);
});

test('NodePort, externalTrafficPolicy Cluster: any node accepts, the client is masqueraded', () => {
  const t = trace(cluster('iptables', web({ nodePort: true })), { from: '203.0.113.9', to: '192.168.1.11', port: 30080 });
  assert.equal(t.verdict, 'delivered');
  for (const b of t.branches) {
    const delivered = b.hops.at(-1)!;
    assert.notEqual(delivered.packet.src, '203.0.113.9', 'the backend does not see the client address');
  }
});

test('NodePort, externalTrafficPolicy Local: a node without a local endpoint drops; one with keeps the client address', () => {
  const a = cluster('iptables', web({ nodePort: true, externalTrafficPolicy: 'Local' }));
  const local = trace(a, { from: '203.0.113.9', to: '192.168.1.11', port: 30080 });
  assert.equal(local.verdict, 'delivered');
  assert.equal(pathOf(local).at(-1)!.packet.src, '203.0.113.9', 'eTP Local preserves the client source IP');
  assert.equal(pathOf(local).at(-1)!.netns, 'default/web-b');
  const noEndpointNode = analyzeYaml(
    clusterDoc({ plugin: 'flannel', backend: 'vxlan' }),
    podDoc('web-b', 'node-2', { ip: '10.244.2.10', labels: { app: 'web' } }),
    web({ nodePort: true, externalTrafficPolicy: 'Local' }),
  );
  const dropped = trace(noEndpointNode, { from: '203.0.113.9', to: '192.168.1.10', port: 30080 });
  assert.equal(dropped.verdict, 'dropped');
  assert.match(dropped.reason, /has no local endpoints/);
});

test('ipvs mode: the Service address is local on kube-ipvs0 and IPVS picks a real server round-robin', () => {
  const a = cluster('ipvs', web());
  const ipvs0 = a.dataplane.node('node-1')!.root.devices.find((d) => d.name === 'kube-ipvs0')!;
  assert.deepEqual(ipvs0.addresses, [{ ip: '10.96.0.50', prefix: 32 }]);
  const t = trace(a, { from: 'client', to: 'service:web' });
  assert.equal(t.verdict, 'delivered');
  assert.equal(t.branches.length, 2);
  const dnat = t.branches[0].hops.find((h) => h.action === 'dnat')!;
  assert.equal(dnat.decidedBy!.kind, 'ipvs');
  assert.match(dnat.decidedBy!.text, /^TCP 10\.96\.0\.50:80 rr/);
});

test('userspace mode: the backend sees the node, not the client', () => {
  const t = trace(cluster('userspace', web()), { from: 'client', to: 'service:web' });
  assert.equal(t.verdict, 'delivered');
  const remote = t.branches.find((b) => b.label.includes('10.244.2.10'))!;
  assert.equal(remote.hops.at(-1)!.packet.src, '10.244.1.0', 'kube-proxy connects from the node (flannel.1 address towards the overlay)');
});

test('headless Service: no virtual IP and no kube-proxy rule; the client connects to the pods directly', () => {
  const svc = `apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 8080}]
`;
  const a = cluster('iptables', svc);
  const t = trace(a, { from: 'client', to: 'service:db' });
  assert.equal(t.verdict, 'delivered');
  assert.equal(t.branches.length, 2);
  assert.ok(!pathOf(t, 0).some((h) => h.stage === 'nat'));
  assert.ok(t.notes.some((n) => /headless/.test(n)));
});

test('ExternalName Service: unresolved, with the CNAME it stands for', () => {
  const svc = `apiVersion: v1
kind: Service
metadata: {name: ext}
spec:
  type: ExternalName
  externalName: db.example.com
`;
  const t = trace(cluster('iptables', svc), { from: 'client', to: 'service:ext' });
  assert.equal(t.verdict, 'unresolved');
  assert.match(t.reason, /db\.example\.com/);
});
