import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeReachability } from '../../src/core/policy/reachability';
import { computeConnlist, formatConnlist, formatLine } from '../../src/core/policy/connlist';
import { ConnSet } from '../../src/core/policy/connset';
import { analyzeYaml, clusterDoc, pathOf, podDoc, trace } from '../support/analyze';

// NetworkPolicy semantics, one rule per test, evaluated by the reachability engine.

const CALICO = clusterDoc({ plugin: 'calico', backend: 'ipip' });
const ns = (name: string, labels = `team: ${name}`) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}, labels: {${labels}}}\n`;
const policy = (namespace: string, name: string, spec: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${spec.replace(/^/gm, '  ')}
`;

function world(...extra: string[]) {
  return analyzeYaml(
    CALICO, ns('alpha'), ns('beta'),
    podDoc('web', 'node-1', { ns: 'alpha', labels: { app: 'web' }, port: 80, ip: '10.244.1.10' }),
    podDoc('db', 'node-2', { ns: 'alpha', labels: { app: 'db' }, port: 5432, ip: '10.244.2.10' }),
    podDoc('tool', 'node-2', { ns: 'beta', labels: { app: 'tool' }, port: 9000, ip: '10.244.2.20' }),
    ...extra,
  );
}

function allowed(a: ReturnType<typeof world>, from: string, to: string): string {
  const r = computeReachability(a.cluster);
  return r.allowed(a.cluster.podsByKey.get(from)!, a.cluster.podsByKey.get(to)!).toString();
}

test('a pod not selected by any policy allows everything (non-isolated)', () => {
  assert.equal(allowed(world(), 'beta/tool', 'alpha/db'), 'All Connections');
});

test('policyTypes defaults to Ingress: a policy with only podSelector denies all ingress and leaves egress open', () => {
  const a = world(policy('alpha', 'deny', 'podSelector: {matchLabels: {app: db}}'));
  assert.equal(allowed(a, 'alpha/web', 'alpha/db'), 'No Connections');
  assert.equal(allowed(a, 'alpha/db', 'alpha/web'), 'All Connections', 'egress of db is not isolated');
});

test('policyTypes defaulting adds Egress only when egress rules exist; an empty egress list does not', () => {
  const withRules = world(policy('alpha', 'p', 'podSelector: {matchLabels: {app: web}}\ningress: [{}]\negress: [{to: [{podSelector: {matchLabels: {app: db}}}]}]'));
  assert.equal(allowed(withRules, 'alpha/web', 'beta/tool'), 'No Connections', 'egress isolated: tool is not listed');
  assert.equal(allowed(withRules, 'alpha/web', 'alpha/db'), 'All Connections');
  const emptyList = world(policy('alpha', 'p', 'podSelector: {matchLabels: {app: web}}\ningress: [{}]\negress: []'));
  assert.equal(allowed(emptyList, 'alpha/web', 'beta/tool'), 'All Connections', 'egress: [] without policyTypes is not Egress');
  const explicit = world(policy('alpha', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]'));
  assert.equal(allowed(explicit, 'alpha/web', 'beta/tool'), 'No Connections');
  assert.equal(allowed(explicit, 'beta/tool', 'alpha/web'), 'All Connections', 'policyTypes [Egress] leaves ingress open');
});

test('podSelector {} selects every pod of its own namespace only', () => {
  const a = world(policy('alpha', 'deny-all', 'podSelector: {}'));
  assert.equal(allowed(a, 'beta/tool', 'alpha/web'), 'No Connections');
  assert.equal(allowed(a, 'beta/tool', 'alpha/db'), 'No Connections');
  assert.equal(allowed(a, 'alpha/web', 'beta/tool'), 'All Connections', 'beta is untouched');
});

test('one peer with namespaceSelector AND podSelector versus two peers (OR)', () => {
  const and = world(policy('alpha', 'p', 'podSelector: {matchLabels: {app: db}}\ningress: [{from: [{namespaceSelector: {matchLabels: {team: beta}}, podSelector: {matchLabels: {app: web}}}]}]'));
  assert.equal(allowed(and, 'beta/tool', 'alpha/db'), 'No Connections', 'tool is in beta but is not app=web');
  assert.equal(allowed(and, 'alpha/web', 'alpha/db'), 'No Connections', 'web is app=web but not in beta');
  const or = world(policy('alpha', 'p', 'podSelector: {matchLabels: {app: db}}\ningress: [{from: [{namespaceSelector: {matchLabels: {team: beta}}}, {podSelector: {matchLabels: {app: web}}}]}]'));
  assert.equal(allowed(or, 'beta/tool', 'alpha/db'), 'All Connections');
  assert.equal(allowed(or, 'alpha/web', 'alpha/db'), 'All Connections');
});

test('a podSelector peer alone means pods of the policy\'s namespace', () => {
  const a = world(podDoc('web', 'node-1', { ns: 'beta', labels: { app: 'web' }, ip: '10.244.1.30' }), policy('alpha', 'p', 'podSelector: {matchLabels: {app: db}}\ningress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]'));
  assert.equal(allowed(a, 'alpha/web', 'alpha/db'), 'All Connections');
  assert.equal(allowed(a, 'beta/web', 'alpha/db'), 'No Connections');
});

test('matchExpressions: In, NotIn, Exists, DoesNotExist', () => {
  const cases: [string, string[]][] = [
    ['{key: app, operator: In, values: [web, tool]}', ['alpha/web']],
    ['{key: app, operator: NotIn, values: [web]}', []],
    ['{key: app, operator: Exists}', ['alpha/web']],
    ['{key: app, operator: DoesNotExist}', []],
  ];
  for (const [expr, from] of cases) {
    const a = world(policy('alpha', 'p', `podSelector: {matchLabels: {app: db}}\ningress: [{from: [{podSelector: {matchExpressions: [${expr}]}}]}]`));
    const got = ['alpha/web'].filter((k) => allowed(a, k, 'alpha/db') !== 'No Connections');
    assert.deepEqual(got, from, expr);
  }
});

test('ipBlock with except matches pod IPs (upstream e2e behaviour) and external ranges', () => {
  const a = world(policy('alpha', 'p', 'podSelector: {matchLabels: {app: db}}\ningress: [{from: [{ipBlock: {cidr: 10.244.0.0/16, except: [10.244.1.0/24]}}]}]'));
  assert.equal(allowed(a, 'alpha/web', 'alpha/db'), 'No Connections', '10.244.1.10 is in the except');
  assert.equal(allowed(a, 'beta/tool', 'alpha/db'), 'All Connections', '10.244.2.20 is in the cidr');
  const r = computeReachability(a.cluster);
  assert.equal(r.fromAddress('203.0.113.1', a.cluster.podsByKey.get('alpha/db')!).toString(), 'No Connections');
});

test('an empty from list or a missing from means every source; an empty ingress list means none', () => {
  const missing = world(policy('alpha', 'p', 'podSelector: {matchLabels: {app: db}}\ningress: [{ports: [{port: 5432}]}]'));
  assert.equal(allowed(missing, 'beta/tool', 'alpha/db'), 'TCP 5432');
  const empty = world(policy('alpha', 'p', 'podSelector: {matchLabels: {app: db}}\ningress: [{from: [], ports: [{port: 5432}]}]'));
  assert.equal(allowed(empty, 'beta/tool', 'alpha/db'), 'TCP 5432');
  const none = world(policy('alpha', 'p', 'podSelector: {matchLabels: {app: db}}\ningress: []'));
  assert.equal(allowed(none, 'beta/tool', 'alpha/db'), 'No Connections');
});

test('ports: named ports resolve on the destination pod; endPort ranges; protocols; no ports = all', () => {
  const named = world(policy('alpha', 'p', 'podSelector: {matchLabels: {app: db}}\ningress: [{ports: [{port: http}]}]'));
  assert.equal(allowed(named, 'beta/tool', 'alpha/db'), 'TCP 5432', "db's port named http is 5432");
  const range = world(policy('alpha', 'p', 'podSelector: {matchLabels: {app: db}}\ningress: [{ports: [{protocol: TCP, port: 8000, endPort: 8080}, {protocol: UDP, port: 53}, {protocol: SCTP, port: 9003}]}]'));
  assert.equal(allowed(range, 'beta/tool', 'alpha/db'), 'SCTP 9003,TCP 8000-8080,UDP 53');
  const unresolved = world(policy('alpha', 'p', 'podSelector: {matchLabels: {app: db}}\ningress: [{ports: [{port: metrics}]}]'));
  assert.equal(allowed(unresolved, 'beta/tool', 'alpha/db'), 'No Connections', 'a name the pod does not declare matches nothing');
});

test('both directions must allow: source egress and destination ingress', () => {
  const a = world(
    policy('alpha', 'db-in', 'podSelector: {matchLabels: {app: db}}\ningress: [{from: [{namespaceSelector: {}}]}]'),
    policy('beta', 'tool-out', 'podSelector: {}\npolicyTypes: [Egress]\negress: [{ports: [{port: 53, protocol: UDP}]}]'),
  );
  assert.equal(allowed(a, 'alpha/web', 'alpha/db'), 'All Connections');
  assert.equal(allowed(a, 'beta/tool', 'alpha/db'), 'UDP 53', 'egress of tool only allows DNS');
});

test('hostNetwork pods are never selected by pod selectors; they are their node\'s IP', () => {
  const a = world(
    podDoc('agent', 'node-1', { ns: 'alpha', labels: { app: 'web' }, hostNetwork: true }),
    policy('alpha', 'p', 'podSelector: {matchLabels: {app: db}}\ningress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]'),
  );
  assert.equal(allowed(a, 'alpha/agent', 'alpha/db'), 'No Connections', 'agent has app=web but is seen as 192.168.1.10');
  const byIP = world(
    podDoc('agent', 'node-1', { ns: 'alpha', labels: { app: 'web' }, hostNetwork: true }),
    policy('alpha', 'p', 'podSelector: {matchLabels: {app: db}}\ningress: [{from: [{ipBlock: {cidr: 192.168.1.10/32}}]}]'),
  );
  assert.equal(allowed(byIP, 'alpha/agent', 'alpha/db'), 'All Connections');
});

test('traffic from the pod\'s own node is always allowed (kubernetes.io: Network Policies)', () => {
  const a = world(podDoc('agent', 'node-2', { ns: 'beta', hostNetwork: true }), policy('alpha', 'deny', 'podSelector: {}'));
  assert.equal(allowed(a, 'beta/agent', 'alpha/db'), 'All Connections', 'db runs on node-2, the agent is node-2');
  assert.equal(allowed(a, 'beta/agent', 'alpha/web'), 'No Connections', 'web runs on node-1');
});

test('a Service is judged after DNAT: the backend pod and its targetPort, not the Service port', () => {
  const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: alpha}\nspec:\n  clusterIP: 10.96.0.77\n  selector: {app: db}\n  ports: [{port: 80, targetPort: 5432}]\n';
  const a = world(svc, policy('alpha', 'p', 'podSelector: {matchLabels: {app: db}}\ningress: [{ports: [{port: 5432}]}]'));
  const t = trace(a, { from: 'alpha/web', to: 'service:alpha/db' });
  assert.equal(t.verdict, 'delivered');
  const hop = pathOf(t).find((h) => h.stage === 'policy' && h.summary.includes('ingress'))!;
  assert.match(hop.summary, /allowed by alpha\/p ingress\[0\]/);
  const denied = world(svc, policy('alpha', 'p', 'podSelector: {matchLabels: {app: db}}\ningress: [{ports: [{port: 80}]}]'));
  assert.equal(trace(denied, { from: 'alpha/web', to: 'service:alpha/db' }).verdict, 'dropped', 'port 80 is the Service port; the pod sees 5432');
});

test('NodePort with externalTrafficPolicy Cluster: the backend sees the node, so an ipBlock for the client does not match; Local keeps the client', () => {
  const mk = (etp: string) => world(
    `apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: alpha}\nspec:\n  type: NodePort\n  externalTrafficPolicy: ${etp}\n  selector: {app: db}\n  ports: [{port: 80, targetPort: 5432, nodePort: 30432}]\n`,
    policy('alpha', 'p', 'podSelector: {matchLabels: {app: db}}\ningress: [{from: [{ipBlock: {cidr: 203.0.113.0/24}}]}]'),
  );
  assert.equal(trace(mk('Cluster'), { from: '203.0.113.9', to: '192.168.1.10', port: 30432 }).verdict, 'dropped');
  assert.equal(trace(mk('Local'), { from: '203.0.113.9', to: '192.168.1.11', port: 30432 }).verdict, 'delivered');
});

test('flannel does not enforce NetworkPolicy: the trace shows the denial but delivers, and says so', () => {
  const a = analyzeYaml(clusterDoc({ plugin: 'flannel', backend: 'vxlan' }), podDoc('a', 'node-1', { ip: '10.244.1.5' }), podDoc('b', 'node-2', { ip: '10.244.2.5' }), policy('default', 'deny', 'podSelector: {}'));
  const t = trace(a, { from: 'a', to: 'b' });
  assert.equal(t.verdict, 'delivered');
  assert.ok(t.hops.some((h) => h.stage === 'policy' && h.action === 'not-enforced'));
  assert.ok(t.notes.some((n) => /not enforced by flannel/.test(n)));
  const enforced = analyzeYaml(clusterDoc({ plugin: 'flannel', backend: 'vxlan', policy: 'enforced' }), podDoc('a', 'node-1', { ip: '10.244.1.5' }), podDoc('b', 'node-2', { ip: '10.244.2.5' }), policy('default', 'deny', 'podSelector: {}'));
  assert.equal(trace(enforced, { from: 'a', to: 'b' }).verdict, 'dropped', 'networkPolicy: enforced (e.g. flannel with kube-network-policies)');
});

test('connection sets print in the connlist convention, complements spelled out', () => {
  assert.equal(ConnSet.ALL.toString(), 'All Connections');
  assert.equal(ConnSet.port('TCP', 80).complement().intersect(ConnSet.of('TCP')).toString(), 'TCP 1-79,81-65535');
  assert.equal(ConnSet.port('UDP', 53).union(ConnSet.port('TCP', 80)).union(ConnSet.of('TCP', 8080, 8090)).union(ConnSet.port('SCTP', 9003)).toString(), 'SCTP 9003,TCP 80,8080-8090,UDP 53');
  assert.equal(ConnSet.of('TCP', 1, 100).union(ConnSet.of('TCP', 101, 200)).toString(), 'TCP 1-200', 'adjacent ranges merge');
});

test('connlist: workloads as written, external ranges split by except, no line for a workload to itself, sorted', () => {
  const a = world(
    policy('alpha', 'db', 'podSelector: {matchLabels: {app: db}}\npolicyTypes: [Ingress, Egress]\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.244.0.0/16]}}], ports: [{port: 5432}]}]\negress: [{ports: [{port: 53, protocol: UDP}]}]'),
  );
  const lines = computeConnlist(computeReachability(a.cluster)).map(formatLine);
  assert.ok(lines.includes('10.0.0.0-10.243.255.255[External] => alpha/db[Pod] : TCP 5432'), lines.join('\n'));
  assert.ok(lines.includes('10.245.0.0-10.255.255.255[External] => alpha/db[Pod] : TCP 5432'));
  assert.ok(lines.includes('alpha/db[Pod] => 0.0.0.0-255.255.255.255[External] : UDP 53'));
  assert.ok(lines.includes('alpha/db[Pod] => alpha/web[Pod] : UDP 53'));
  assert.ok(!lines.some((l) => l.startsWith('alpha/web[Pod] => alpha/db')), 'web is not in 10.0.0.0/8 minus the pod network');
  assert.deepEqual(lines, [...lines].sort());
  const json = JSON.parse(formatConnlist(computeConnlist(computeReachability(a.cluster)), 'json'));
  assert.deepEqual(Object.keys(json[0]), ['src', 'dst', 'conn']);
});

test('a policy the API server would reject is left out entirely, not applied with its bad peer dropped', () => {
  const a = world(policy('alpha', 'p', 'podSelector: {matchLabels: {app: db}}\ningress: [{from: [{podSelector: {matchLabels: {app: web}}, ipBlock: {cidr: 10.0.0.0/8}}]}]'));
  assert.ok(a.findings.some((f) => f.code === 'policy-rejected'));
  assert.equal(allowed(a, 'beta/tool', 'alpha/db'), 'All Connections', 'db is not isolated: the policy does not exist');
});

test('an ipBlock written with host bits (a pod IP with /4, as older e2e cases did) means its network', () => {
  const a = world(policy('alpha', 'p', 'podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: 10.244.1.10/4, except: [10.244.2.10/32]}}]}]'));
  assert.ok(a.findings.some((f) => f.code === 'cidr-host-bits'));
  assert.equal(allowed(a, 'alpha/web', 'alpha/db'), 'No Connections', 'db (10.244.2.10) is excepted');
  assert.equal(allowed(a, 'alpha/web', 'beta/tool'), 'All Connections', '10.244.2.20 is in 0.0.0.0/4');
});
