import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attemptMatches, compareFlow, expectedPaths } from '../../src/core/lab/compare';
import { buildLabPlan } from '../../src/core/lab/build';
import { planFlows } from '../../src/core/lab/flows';
import { compareRoute, routeChecks } from '../../src/core/lab/route-checks';
import { replyOf } from '../../src/core/forward/reply';
import { analyzeExample, analyzeYaml, clusterDoc, podDoc, trace } from '../support/analyze';

// Simulator against kernel, on made-up kernel answers: the comparison must be able to fail.

test('a Service trace agrees only with answers from one of its backends, seeing that branch\'s source', () => {
  const a = analyzeExample('flannel-vxlan');
  const web = a.cluster.pods.filter((p) => p.key.startsWith('default/web-')).sort((x, y) => (x.node < y.node ? -1 : 1));
  const t = trace(a, { from: `pod:${web[0].key}`, to: 'service:default/web' });
  const paths = expectedPaths(t);
  assert.equal(paths.length, 2);
  const self = paths.find((p) => p.responder === web[0].key)!;
  assert.notEqual(self.seenSource, web[0].ip, 'hairpin: a backend reaching itself is masqueraded to the bridge address');
  const ok = compareFlow(t, [
    { outcome: 'answered', responder: web[0].key, seenSource: self.seenSource! },
    { outcome: 'answered', responder: web[1].key, seenSource: web[0].ip },
  ]);
  assert.ok(ok.agreed, ok.problems.join('\n'));
  const wrongSource = compareFlow(t, [{ outcome: 'answered', responder: web[0].key, seenSource: web[0].ip }]);
  assert.ok(!wrongSource.agreed, 'masquerade mismatch is a disagreement');
  assert.ok(!compareFlow(t, [{ outcome: 'answered', responder: 'default/client', seenSource: web[0].ip }]).agreed, 'a pod that is no backend');
  assert.ok(!compareFlow(t, [{ outcome: 'timeout' }]).agreed);
  assert.ok(!compareFlow(t, []).agreed, 'no connection, no agreement');
});

test('verdict classes: rejected ⇔ refused; dropped or no-route ⇔ timeout or unreachable', () => {
  assert.ok(attemptMatches({ probability: 1, label: '', verdict: 'rejected' }, { outcome: 'refused' }));
  assert.ok(!attemptMatches({ probability: 1, label: '', verdict: 'rejected' }, { outcome: 'timeout' }));
  assert.ok(attemptMatches({ probability: 1, label: '', verdict: 'dropped' }, { outcome: 'timeout' }));
  assert.ok(attemptMatches({ probability: 1, label: '', verdict: 'no-route' }, { outcome: 'unreachable' }));
  assert.ok(!attemptMatches({ probability: 1, label: '', verdict: 'dropped' }, { outcome: 'refused' }));
  assert.ok(!attemptMatches({ probability: 1, label: '', verdict: 'dropped' }, { outcome: 'answered', responder: 'x', seenSource: 'y' }));
});

test('route checks: each routing decision of a trace becomes ip route get, compared on device and gateway', () => {
  const a = analyzeExample('flannel-vxlan');
  const plan = buildLabPlan(a.dataplane, { prefix: 'pptest' });
  const remote = a.cluster.pods.find((p) => p.node === 'node-2')!;
  const checks = routeChecks(trace(a, { from: 'pod:default/client', to: `pod:${remote.key}` }), plan);
  const overlay = checks.find((c) => c.dev === 'flannel.1')!;
  assert.deepEqual({ netns: overlay.netns, dst: overlay.dst, via: overlay.via }, { netns: 'pptest-node-node-1', dst: remote.ip, via: '10.244.2.0' });
  const outer = checks.find((c) => c.netns === 'pptest-node-node-1' && c.dst === '192.168.1.11')!;
  assert.equal(outer.dev, 'eth0', 'the outer header is routed to the remote VTEP over eth0');
  assert.ok(compareRoute(overlay, { dst: remote.ip, gateway: '10.244.2.0', dev: 'flannel.1' }).agreed);
  assert.ok(!compareRoute(overlay, { dst: remote.ip, gateway: '192.168.1.11', dev: 'eth0' }).agreed);
  assert.ok(!compareRoute(overlay, undefined, 'RTNETLINK answers: Network is unreachable').agreed);
});

test('flows cover the kinds the issue names, each traced', () => {
  const a = analyzeExample('calico-ipip');
  const plan = buildLabPlan(a.dataplane, { prefix: 'pptest', without: ['ipip'] });
  const { flows, omitted } = planFlows(a.dataplane, plan);
  assert.equal(omitted, 0);
  const kinds = new Set(flows.map((f) => f.kind));
  for (const k of ['pod-pod', 'container', 'node-pod', 'pod-service', 'node-service']) assert.ok(kinds.has(k as never), k);
  assert.ok(flows.some((f) => f.trace.verdict === 'dropped' && !f.skip), 'denied by policy');
  assert.ok(flows.some((f) => f.skip?.includes('ipip')), 'paths over tunl0 are not probed without the module');
  const bounded = planFlows(a.dataplane, plan, { maxFlows: 10 });
  assert.ok(bounded.flows.length <= 10 && bounded.omitted === flows.length - bounded.flows.length);
});

test('pod → outside: the outside client must answer and see the node address; unmasqueraded flows are traced, not probed', () => {
  const a = analyzeExample('flannel-vxlan');
  const plan = buildLabPlan(a.dataplane, { prefix: 'pptest' });
  const { flows } = planFlows(a.dataplane, plan);
  const out = flows.filter((f) => f.kind === 'pod-outside');
  assert.equal(out.length, a.cluster.nodes.length, 'one pod per node');
  for (const f of out) {
    assert.equal(f.skip, undefined);
    assert.equal(f.request.to, plan.outside.ips[0]);
    const node = a.cluster.nodesByName.get(a.cluster.podsByKey.get(f.request.from.slice(4))!.node)!;
    const [path] = expectedPaths(f.trace);
    assert.deepEqual([path.verdict, path.responder, path.seenSource], ['exits-cluster', 'outside', node.ip]);
    assert.ok(compareFlow(f.trace, [{ outcome: 'answered', responder: 'outside', seenSource: node.ip }]).agreed);
    const podIP = a.cluster.podsByKey.get(f.request.from.slice(4))!.ip;
    assert.ok(!compareFlow(f.trace, [{ outcome: 'answered', responder: 'outside', seenSource: podIP }]).agreed, 'the pod address is a disagreement');
    assert.ok(!compareFlow(f.trace, [{ outcome: 'timeout' }]).agreed);
  }
  const seed = analyzeExample('seed-000');
  const seedOut = planFlows(seed.dataplane, buildLabPlan(seed.dataplane, { prefix: 'pptest' })).flows.filter((f) => f.kind === 'pod-outside');
  assert.ok(seedOut.length > 0 && seedOut.every((f) => /nothing masquerades it/.test(f.skip ?? '')), 'the bridge plugin without ipMasq');
});

test('reply source: an answer must come from the address the reply trace predicts (the Service IP after reverse DNAT)', () => {
  const a = analyzeExample('flannel-vxlan');
  const t = trace(a, { from: 'client', to: 'service:default/web' });
  const reply = replyOf(a.dataplane, t);
  const paths = expectedPaths(t, reply);
  const svc = a.cluster.servicesByKey.get('default/web')!;
  assert.ok(paths.every((p) => p.replySource === `${svc.clusterIP}:80`), 'every backend\'s reply comes back from the ClusterIP');
  const backend = paths[0];
  const answer = { outcome: 'answered' as const, responder: backend.responder!, seenSource: backend.seenSource! };
  assert.ok(compareFlow(t, [{ ...answer, replySource: `${svc.clusterIP}:80` }], reply).agreed);
  const podIP = a.cluster.podsByKey.get(backend.responder!)!.ip;
  const raw = compareFlow(t, [{ ...answer, replySource: `${podIP}:8080` }], reply);
  assert.ok(!raw.agreed, 'a reply from the backend\'s own address is a disagreement');
  assert.match(raw.problems[0], /reply from 10\.\d+\.\d+\.\d+:80/);
  assert.ok(compareFlow(t, [{ ...answer, replySource: `${podIP}:8080` }]).agreed, 'without the reply trace the reply source is not compared');
});

test('reply source: a path whose reply the client cannot use expects no answer', () => {
  const a = analyzeYaml(
    clusterDoc({ plugin: 'bridge', nodes: [['node-1', '192.168.1.10', '10.244.1.0/24'], ['node-2', '192.168.1.11', '10.244.2.0/24'], ['node-3', '192.168.1.12', '10.244.3.0/24']] }),
    podDoc('web-c', 'node-3', { ip: '10.244.3.10', labels: { app: 'web' } }),
    podDoc('client', 'node-1', { ip: '10.244.1.20', labels: { app: 'client' } }),
    `apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  type: NodePort
  externalTrafficPolicy: Local
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
`,
  );
  const t = trace(a, { from: 'client', to: '192.168.1.11', port: 30080 });
  assert.equal(t.verdict, 'delivered');
  const reply = replyOf(a.dataplane, t);
  const [path] = expectedPaths(t, reply);
  assert.match(path.replyFails ?? '', /bypasses the conntrack of node-2/);
  assert.ok(compareFlow(t, [{ outcome: 'timeout' }], reply).agreed, 'the handshake never completes');
  assert.ok(!compareFlow(t, [{ outcome: 'answered', responder: 'default/web-c', seenSource: '10.244.1.20', replySource: '192.168.1.11:30080' }], reply).agreed);
});
