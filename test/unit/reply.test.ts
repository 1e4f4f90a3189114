import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Analysis } from '../../src/core/analyze';
import { traverseHook } from '../../src/core/dataplane/netfilter-eval';
import { ConnectionReply, ReplyTrace, traceReply } from '../../src/core/forward/reply';
import { TraceRequest } from '../../src/core/forward/engine';
import { Hop, Trace } from '../../src/core/forward/trace';
import { analyzeExample, analyzeYaml, clusterDoc, pathOf, podDoc } from '../support/analyze';

// The reply of a traced connection: conntrack state handed from the forward trace to a second
// walk of the same engine, for each kube-proxy mode and the ways a reply goes wrong.

const THREE_NODES: [string, string, string][] = [['node-1', '192.168.1.10', '10.244.1.0/24'], ['node-2', '192.168.1.11', '10.244.2.0/24'], ['node-3', '192.168.1.12', '10.244.3.0/24']];

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

function cluster(opts: { proxy?: string; plugin?: string; backend?: string; service?: string; nodes?: [string, string, string][]; extra?: string[] } = {}): Analysis {
  return analyzeYaml(
    clusterDoc({ plugin: opts.plugin ?? 'flannel', backend: opts.backend ?? (opts.plugin && opts.plugin !== 'flannel' ? undefined : 'vxlan'), proxy: opts.proxy ?? 'iptables', ...(opts.nodes ? { nodes: opts.nodes } : {}) }),
    podDoc('web-a', 'node-1', { ip: '10.244.1.10', labels: { app: 'web' } }),
    podDoc('web-b', 'node-2', { ip: '10.244.2.10', labels: { app: 'web' } }),
    podDoc('client', 'node-1', { ip: '10.244.1.20', labels: { app: 'client' } }),
    opts.service ?? web(),
    ...(opts.extra ?? []),
  );
}

function reply(a: Analysis, req: TraceRequest): { trace: Trace; reply: ReplyTrace } {
  const r = traceReply(a.dataplane, req);
  if (!r.ok) throw new Error(r.error);
  return { trace: r.trace, reply: r.reply };
}

/** The reply of the forward branch whose label names `backend`. */
function replyTo(t: { trace: Trace; reply: ReplyTrace }, backend: string): { conns: ConnectionReply[]; forward: Hop[] } {
  const i = t.trace.branches.findIndex((b) => b.label.includes(backend));
  assert.ok(i >= 0, `a branch to ${backend}`);
  return { conns: t.reply.paths[i].connections, forward: pathOf(t.trace, i) };
}

const actions = (hops: Hop[]) => hops.map((h) => `${h.node} ${h.stage}/${h.action}`);

test('ClusterIP (iptables): the reply\'s source becomes the Service IP and port again, on the client\'s node, naming the DNAT hop', () => {
  const t = reply(cluster(), { from: 'client', to: 'service:web' });
  assert.equal(t.reply.ok, true);
  const { conns, forward } = replyTo(t, '10.244.2.10');
  assert.equal(conns.length, 1);
  const [c] = conns;
  assert.deepEqual(c.connection.conntrack.map((e) => e.node), ['node-1'], 'only the client\'s node translated');
  assert.equal(c.connection.conntrack[0].text, 'tcp 6 ESTABLISHED src=10.244.1.20 dst=10.96.0.50 sport=' + c.connection.original.sport + ' dport=80 src=10.244.2.10 dst=10.244.1.20 sport=8080 dport=' + c.connection.original.sport + ' [ASSURED]');
  assert.equal(c.hops[0].node, 'node-2', 'the reply starts at the backend');
  assert.equal(c.hops[0].packet.src, '10.244.2.10');
  const undo = c.hops.filter((h) => h.action === 'reverse-dnat');
  assert.equal(undo.length, 1);
  assert.equal(undo[0].node, 'node-1');
  assert.equal(undo[0].packet.src, '10.96.0.50');
  assert.equal(undo[0].packet.sport, 80);
  assert.equal(undo[0].decidedBy?.kind, 'conntrack');
  const named = undo[0].undoes![0];
  assert.equal(forward[named.hop - 1].action, 'dnat', 'the hop number points at the forward DNAT');
  assert.equal(forward[named.hop - 1].node, 'node-1');
  assert.ok(!c.hops.some((h) => h.action === 'reverse-snat'), 'nothing was masqueraded, so nothing is restored');
  assert.deepEqual(c.seenSource, { ip: '10.96.0.50', port: 80 });
  assert.deepEqual(c.expectedSource, { ip: '10.96.0.50', port: 80 });
  assert.equal(c.asymmetric, undefined);
  assert.deepEqual(c.problems, []);
  assert.equal(c.hops.at(-1)!.netns, 'default/client');
});

test('ClusterIP to a backend on the client\'s own node: the reverse DNAT is at POSTROUTING before the bridge', () => {
  const t = reply(cluster(), { from: 'client', to: 'service:web' });
  const { conns } = replyTo(t, '10.244.1.10');
  const [c] = conns;
  assert.deepEqual([...new Set(c.hops.map((h) => h.node))], ['node-1']);
  const undo = c.hops.findIndex((h) => h.action === 'reverse-dnat');
  assert.ok(undo > 0 && c.hops.slice(undo).some((h) => h.stage === 'bridge'), 'undone in the root namespace before switching to the client');
  assert.match(c.hops[undo].summary, /POSTROUTING/);
});

test('without br_netfilter a reply switched on the bridge skips conntrack: the client sees the backend', () => {
  const a = cluster();
  a.dataplane.node('node-1')!.root.sysctls['net.bridge.bridge-nf-call-iptables'] = '0';
  const t = reply(a, { from: 'client', to: 'service:web' });
  const [c] = replyTo(t, '10.244.1.10').conns;
  assert.deepEqual(c.seenSource, { ip: '10.244.1.10', port: 8080 });
  assert.ok(c.problems.some((p) => /bypasses the conntrack of node-1/.test(p)));
  assert.deepEqual(replyTo(t, '10.244.2.10').conns[0].problems, [], 'a routed reply is still translated');
});

test('NodePort with SNAT (externalTrafficPolicy Cluster): the entry node restores the client as destination, then the NodePort as source', () => {
  const t = reply(cluster({ service: web({ nodePort: true }) }), { from: '203.0.113.9', to: '192.168.1.10', port: 30080 });
  assert.equal(t.reply.ok, true);
  const { conns, forward } = replyTo(t, '10.244.2.10');
  const [c] = conns;
  assert.equal(c.connection.client.netns, 'outside');
  const entry = c.connection.conntrack;
  assert.equal(entry.length, 1);
  assert.equal(entry[0].node, 'node-1');
  assert.deepEqual(entry[0].translations.map((x) => x.action), ['dnat', 'masquerade']);
  const unSnat = c.hops.findIndex((h) => h.action === 'reverse-snat');
  const unDnat = c.hops.findIndex((h) => h.action === 'reverse-dnat');
  assert.ok(unSnat >= 0 && unDnat > unSnat, 'destination first (PREROUTING), source at POSTROUTING');
  assert.equal(c.hops[unSnat].node, 'node-1');
  assert.equal(c.hops[unSnat].packet.dst, '203.0.113.9');
  assert.equal(forward[c.hops[unSnat].undoes![0].hop - 1].action, 'masquerade');
  assert.equal(forward[c.hops[unDnat].undoes![0].hop - 1].action, 'dnat');
  assert.equal(c.verdict, 'exits-cluster');
  assert.deepEqual(c.seenSource, { ip: '192.168.1.10', port: 30080 });
  assert.deepEqual(c.nodes, ['node-2', 'node-1'], 'back through the node the client entered');
  assert.equal(c.asymmetric, undefined);
});

test('externalTrafficPolicy Local: no SNAT; the backend\'s node answers the client directly and undoes the DNAT itself', () => {
  const t = reply(cluster({ service: web({ nodePort: true, externalTrafficPolicy: 'Local' }) }), { from: '203.0.113.9', to: '192.168.1.11', port: 30080 });
  assert.equal(t.reply.ok, true);
  const [path] = t.reply.paths;
  const [c] = path.connections;
  assert.deepEqual(c.connection.translations.map((x) => x.action), ['dnat'], 'the client address is kept');
  assert.equal(c.sent.dst, '203.0.113.9', 'the backend replies to the client itself');
  assert.ok(!c.hops.some((h) => h.action === 'reverse-snat'));
  assert.deepEqual(c.nodes, ['node-2']);
  assert.deepEqual(c.seenSource, { ip: '192.168.1.11', port: 30080 });
});

test('a reply that bypasses the node holding the DNAT is a visible problem: the client sees the backend\'s address', () => {
  // Pod traffic to another node's NodePort with externalTrafficPolicy Local is sent to the
  // cluster-wide endpoints without masquerade; without CNI masquerade (bridge plugin, ipMasq off)
  // a backend on a third node answers the client straight back.
  const a = analyzeYaml(
    clusterDoc({ plugin: 'bridge', nodes: THREE_NODES }),
    podDoc('web-b', 'node-2', { ip: '10.244.2.10', labels: { app: 'web' } }),
    podDoc('web-c', 'node-3', { ip: '10.244.3.10', labels: { app: 'web' } }),
    podDoc('client', 'node-1', { ip: '10.244.1.20', labels: { app: 'client' } }),
    web({ nodePort: true, externalTrafficPolicy: 'Local' }),
  );
  const t = reply(a, { from: 'client', to: '192.168.1.11', port: 30080 });
  assert.equal(t.trace.verdict, 'delivered', 'the request itself arrives');
  assert.equal(t.reply.ok, false);
  const far = replyTo(t, '10.244.3.10').conns[0];
  assert.deepEqual(far.seenSource, { ip: '10.244.3.10', port: 8080 });
  assert.deepEqual(far.expectedSource, { ip: '192.168.1.11', port: 30080 });
  assert.match(far.asymmetric ?? '', /node-1 → node-2 → node-3; the reply crosses node-3 → node-1/);
  assert.ok(far.problems.some((p) => /bypasses the conntrack of node-2, which holds the DNAT of hop \d+/.test(p)), far.problems.join('\n'));
  assert.ok(far.problems.some((p) => /sees 10\.244\.3\.10:8080: .*TCP reset/.test(p)));
  assert.ok(!far.hops.some((h) => h.action === 'reverse-dnat'));
  const near = replyTo(t, '10.244.2.10').conns[0];
  assert.deepEqual(near.problems, [], 'the backend on the entry node answers through it');
});

test('masquerade to outside: the reply from the internet is restored to the pod on the masquerading node', () => {
  const t = reply(cluster(), { from: 'client', to: '8.8.8.8', port: 443 });
  assert.equal(t.trace.verdict, 'exits-cluster');
  assert.equal(t.reply.ok, true);
  const [c] = t.reply.paths[0].connections;
  assert.equal(c.connection.server.kind, 'outside');
  assert.equal(c.sent.dst, '192.168.1.10', 'the outside server answers the node address it saw');
  assert.equal(c.hops[0].node, '(underlay)');
  const undo = c.hops.find((h) => h.action === 'reverse-snat')!;
  assert.equal(undo.node, 'node-1');
  assert.equal(undo.packet.dst, '10.244.1.20');
  assert.equal(c.hops.at(-1)!.netns, 'default/client');
  assert.deepEqual(c.seenSource, { ip: '8.8.8.8', port: 443 });
});

test('no masquerade to outside: the reply to a pod address cannot come back, and says so', () => {
  const a = analyzeYaml(clusterDoc({ plugin: 'bridge' }), podDoc('client', 'node-1', { ip: '10.244.1.20' }));
  const t = reply(a, { from: 'client', to: '8.8.8.8', port: 443 });
  assert.equal(t.reply.ok, false);
  const [c] = t.reply.paths[0].connections;
  assert.equal(c.verdict, 'no-route');
  assert.equal(c.seenSource, undefined);
  assert.ok(c.problems.some((p) => /does not reach the client/.test(p)));
});

test('a hostNetwork server replies from its node\'s namespace; the client\'s node restores the masqueraded client', () => {
  const a = cluster({ extra: [podDoc('agent', 'node-2', { labels: { app: 'agent' }, hostNetwork: true, port: 9100 })] });
  const t = reply(a, { from: 'client', to: 'agent', port: 9100 });
  assert.equal(t.reply.ok, true);
  const [c] = t.reply.paths[0].connections;
  assert.equal(c.connection.server.hostNetworkPod, 'default/agent');
  assert.deepEqual([c.hops[0].node, c.hops[0].netns], ['node-2', 'root']);
  assert.match(c.hops[0].summary, /hostNetwork pod default\/agent/);
  assert.deepEqual(c.seenSource, { ip: '192.168.1.11', port: 9100 });
  assert.ok(c.hops.some((h) => h.action === 'reverse-snat' && h.node === 'node-1'), 'flannel masqueraded pod → node traffic; the reply is restored on node-1');
});

test('ipvs mode: the reply undoes the hop where IPVS chose the real server', () => {
  const t = reply(cluster({ proxy: 'ipvs' }), { from: 'client', to: 'service:web' });
  assert.equal(t.reply.ok, true);
  const { conns, forward } = replyTo(t, '10.244.2.10');
  const undo = conns[0].hops.find((h) => h.action === 'reverse-dnat')!;
  const dnat = forward[undo.undoes![0].hop - 1];
  assert.equal(dnat.decidedBy?.kind, 'ipvs');
  assert.deepEqual(conns[0].seenSource, { ip: '10.96.0.50', port: 80 });
});

test('userspace mode (seed 003): two TCP connections and two replies; kube-proxy answers the client from the Service address', () => {
  const t = reply(analyzeExample('seed-003'), { from: 'frontend', to: 'service:frontend' });
  assert.equal(t.reply.ok, true);
  assert.equal(t.reply.paths.length, 3);
  for (const [i, path] of t.reply.paths.entries()) {
    assert.deepEqual(path.connections.map((c) => c.connection.index), [2, 1], 'the backend answers kube-proxy first, then kube-proxy answers the client');
    const [toProxy, toClient] = path.connections;
    const forward = pathOf(t.trace, i);
    // Connection 2: kube-proxy on node3 → backend, no translation; its reply ends at kube-proxy.
    assert.equal(forward[toProxy.connection.firstHop - 1].summary.startsWith('kube-proxy on node3 sends'), true);
    assert.deepEqual(toProxy.connection.translations, []);
    assert.equal(toProxy.hops.at(-1)!.node, 'node3');
    assert.equal(toProxy.hops.at(-1)!.netns, 'root');
    assert.deepEqual(toProxy.seenSource, { ip: toProxy.connection.original.dst, port: 80 });
    // Connection 1: the pod → 20.1.244.75:80, REDIRECTed to kube-proxy; the reply's source is restored.
    assert.equal(forward[toClient.connection.lastHop - 1].action, 'proxied');
    assert.deepEqual(toClient.connection.translations.map((x) => x.action), ['redirected']);
    assert.equal(toClient.hops[0].netns, 'root', 'kube-proxy sends the reply from the node');
    const undo = toClient.hops.find((h) => h.action === 'reverse-dnat')!;
    assert.equal(undo.undoes![0].action, 'redirected');
    assert.deepEqual(toClient.seenSource, { ip: '20.1.244.75', port: 80 });
    assert.equal(toClient.hops.at(-1)!.netns, 'default/frontend-g7zbn');
  }
});

test('policy: stateful engines let the reply through pods isolated against it, and say ESTABLISHED', () => {
  const denyIngressClient = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-no-ingress, namespace: default}
spec:
  podSelector: {matchLabels: {app: client}}
  policyTypes: [Ingress]
`;
  const denyEgressWeb = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-no-egress, namespace: default}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
`;
  const a = cluster({ plugin: 'calico', backend: 'ipip', extra: [denyIngressClient, denyEgressWeb] });
  const backwards = traceReply(a.dataplane, { from: 'web-b', to: 'client', port: 8080 });
  assert.ok(backwards.ok && backwards.trace.verdict === 'dropped', 'a new connection the other way is dropped');
  const t = reply(a, { from: 'client', to: 'service:web' });
  assert.equal(t.trace.verdict, 'delivered');
  assert.equal(t.reply.ok, true);
  const [c] = replyTo(t, '10.244.2.10').conns;
  const policy = c.hops.filter((h) => h.stage === 'policy');
  assert.deepEqual(actions(policy), ['node-2 policy/allowed', 'node-1 policy/allowed']);
  assert.match(policy[0].summary, /egress of default\/web-b.*ESTABLISHED/);
  assert.match(policy[1].summary, /ingress of default\/client.*ESTABLISHED/);
  assert.ok(policy.every((h) => h.decidedBy?.kind === 'conntrack'));
  assert.equal(c.verdict, 'delivered');
});

test('filter rules see the reply as ESTABLISHED: conntrack state matches, NEW does not', () => {
  const a = cluster();
  const rs = a.dataplane.node('node-1')!.netfilter;
  const pkt = { src: '10.244.2.10', dst: '10.244.1.20', proto: 'tcp' as const, sport: 8080, dport: 40000, mark: 0, inIface: 'flannel.1', outIface: 'cni0' };
  const fresh = traverseHook(rs, 'filter', 'FORWARD', pkt, { isLocal: () => false });
  const established = traverseHook(rs, 'filter', 'FORWARD', { ...pkt, ctstate: 'ESTABLISHED' }, { isLocal: () => false });
  const conntrackRule = (b: typeof fresh) => b.some((x) => x.hits.some((h) => h.rule.terms.some((term) => term.m === 'ctstate' && term.states.includes('ESTABLISHED') && !term.neg)));
  assert.equal(conntrackRule(fresh), false);
  assert.equal(conntrackRule(established), true, 'KUBE-FORWARD\'s conntrack rule accepts it');
});

test('a request that is not answered has no reply, and the reply is deterministic', () => {
  const svc = `apiVersion: v1
kind: Service
metadata: {name: empty}
spec:
  clusterIP: 10.96.0.60
  selector: {app: nobody}
  ports: [{port: 80}]
`;
  const a = cluster({ extra: [svc] });
  const t = reply(a, { from: 'client', to: 'service:empty' });
  assert.equal(t.reply.ok, false);
  assert.match(t.reply.paths[0].noReply ?? '', /not answered \(rejected/);
  const again = () => JSON.stringify(reply(cluster(), { from: 'client', to: 'service:web' }).reply);
  assert.equal(again(), again());
});

test('dual-stack: the reply of an IPv6 connection walks the IPv6 data path, and conntrack undoes the IPv6 DNAT on the bridge and across nodes', () => {
  const a = analyzeYaml(require('fs').readFileSync(require('path').join(__dirname, '../../../test/lab/clusters/dual-stack/cluster.yaml'), 'utf8'));
  const svc = a.cluster.services.find((s) => s.name === 'web')!;
  assert.ok(svc.clusterIP6, 'the PreferDualStack Service has an IPv6 ClusterIP');
  const { trace, reply: r } = reply(a, { from: 'pod:default/client', to: 'service:default/web', family: 6 });
  assert.equal(trace.branches.length, 2);
  assert.equal(r.ok, true, JSON.stringify(r.paths.map((p) => p.connections.map((c) => c.problems))));
  for (const path of r.paths) {
    const c = path.connections[0];
    assert.deepEqual(c.seenSource, { ip: svc.clusterIP6, port: 80 });
    const undo = c.hops.find((h) => h.action === 'reverse-dnat');
    assert.ok(undo, 'a hop undoes the DNAT');
    assert.match(undo!.summary, new RegExp(`\\[${svc.clusterIP6!.replace(/[.:]/g, '\\$&')}\\]:80`));
  }
  // The same-node backend's reply is switched on cni0: br_netfilter's IPv6 switch lets conntrack see it.
  const local = r.paths.find((p) => p.label.includes('web-1'))!;
  assert.ok(local.connections[0].hops.some((h) => h.action === 'reverse-dnat' && h.device === 'cni0'));
});
