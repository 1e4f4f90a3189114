import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LanguageService } from '../../src/core/service/language-service';
import { ip6ToBig } from '../../src/core/common/ip';
import { analyzeYaml, podDoc } from '../support/analyze';

// Services on a dual-stack cluster: ipFamilies / ipFamilyPolicy as the API server settles
// them, a ClusterIP per family, and endpoints per family (one EndpointSlice each).

const DUAL = `apiVersion: podpath.dev/v1alpha1
kind: Cluster
metadata: {name: ds}
spec:
  clusterCIDR: [10.244.0.0/16, "fd00:10:244::/56"]
  serviceCIDR: [10.96.0.0/12, "fd00:10:96::/112"]
  cni: {plugin: flannel, backend: vxlan}
  nodes:
    - {name: node-1, ip: 192.168.1.10, ip6: "fd00:192:168:1::10"}
    - {name: node-2, ip: 192.168.1.11, ip6: "fd00:192:168:1::11"}
`;

function svc(name: string, spec: string): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: default}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
${spec}`;
}

function build(...services: string[]) {
  return analyzeYaml(DUAL, podDoc('web-1', 'node-1', { labels: { app: 'web' } }), podDoc('web-2', 'node-2', { labels: { app: 'web' } }), ...services);
}

test('without ipFamilyPolicy a Service is SingleStack in the primary family', () => {
  const s = build(svc('plain', '')).cluster.servicesByKey.get('default/plain')!;
  assert.equal(s.ipFamilyPolicy, 'SingleStack');
  assert.deepEqual(s.ipFamilies, [4]);
  assert.ok(s.clusterIP && !s.clusterIP6);
  assert.deepEqual(s.clusterIPs, [s.clusterIP]);
  assert.equal(s.ports[0].endpoints.length, 2);
  assert.equal(s.ports[0].endpoints6.length, 0);
});

test('PreferDualStack gets a ClusterIP per family, primary first, and an endpoint list per family', () => {
  const a = build(svc('dual', '  ipFamilyPolicy: PreferDualStack\n'));
  const s = a.cluster.servicesByKey.get('default/dual')!;
  assert.deepEqual(s.ipFamilies, [4, 6]);
  assert.match(s.clusterIP6!, /^fd00:10:96::[0-9a-f:]+$/);
  assert.deepEqual(s.clusterIPs, [s.clusterIP, s.clusterIP6]);
  const pods = ['default/web-1', 'default/web-2'].map((k) => a.cluster.podsByKey.get(k)!);
  assert.deepEqual(s.ports[0].endpoints6.map((e) => `${e.ip}:${e.port}`), pods.map((p) => `${p.ip6}:8080`));
});

test('ipFamilies [IPv6, IPv4] with RequireDualStack makes IPv6 the primary family', () => {
  const s = build(svc('six-first', '  ipFamilyPolicy: RequireDualStack\n  ipFamilies: [IPv6, IPv4]\n')).cluster.servicesByKey.get('default/six-first')!;
  assert.deepEqual(s.ipFamilies, [6, 4]);
  assert.deepEqual(s.clusterIPs, [s.clusterIP6, s.clusterIP]);
});

test('an IPv6 SingleStack Service has no IPv4 ClusterIP; a written IPv6 clusterIP is kept and checked against the IPv6 range', () => {
  const a = build(
    svc('v6', '  ipFamilies: [IPv6]\n'),
    svc('given', '  clusterIP: "fd00:10:96::50"\n'),
    svc('outside', '  clusterIP: "fd00:99::50"\n'),
  );
  const v6 = a.cluster.servicesByKey.get('default/v6')!;
  assert.equal(v6.clusterIP, undefined);
  assert.ok(v6.clusterIP6);
  assert.deepEqual(v6.ipFamilies, [6]);
  const given = a.cluster.servicesByKey.get('default/given')!;
  assert.equal(given.clusterIP6, 'fd00:10:96::50');
  assert.deepEqual(given.ipFamilies, [6], 'the family of the written clusterIP');
  assert.equal(given.clusterIPAssigned, false);
  assert.ok(a.findings.some((f) => f.code === 'cluster-ip-outside-service-cidr' && f.message.includes('fd00:99::50')));
});

test('a headless Service without selector defaults to RequireDualStack; RequireDualStack on a single-stack cluster is refused', () => {
  const a = build(`apiVersion: v1
kind: Service
metadata: {name: ext, namespace: default}
spec: {clusterIP: None, ports: [{port: 80}]}
`);
  const ext = a.cluster.servicesByKey.get('default/ext')!;
  assert.equal(ext.ipFamilyPolicy, 'RequireDualStack');
  assert.deepEqual(ext.ipFamilies, [4, 6]);
  const single = analyzeYaml(DUAL.replace('[10.244.0.0/16, "fd00:10:244::/56"]', '10.244.0.0/16').replace('[10.96.0.0/12, "fd00:10:96::/112"]', '10.96.0.0/12'),
    svc('req', '  ipFamilyPolicy: RequireDualStack\n'), svc('six', '  ipFamilies: [IPv6]\n'));
  const messages = single.findings.filter((f) => f.code === 'invalid-value').map((f) => f.message);
  assert.ok(messages.some((m) => /default\/req: ipFamilyPolicy RequireDualStack needs a dual-stack cluster/.test(m)));
  assert.ok(messages.some((m) => /default\/six: the cluster has no IPv6 service range/.test(m)));
  assert.deepEqual(single.cluster.servicesByKey.get('default/six')!.ipFamilies, [4]);
});

test('SingleStack with two families is reported and keeps the first', () => {
  const a = build(svc('bad', '  ipFamilyPolicy: SingleStack\n  ipFamilies: [IPv4, IPv6]\n'));
  assert.deepEqual(a.cluster.servicesByKey.get('default/bad')!.ipFamilies, [4]);
  assert.ok(a.findings.some((f) => f.code === 'invalid-value' && /SingleStack cannot take two IP families/.test(f.message)));
});

test('an IPv6 EndpointSlice gives the IPv6 endpoints and the IPv4 slice the IPv4 ones', () => {
  const a = analyzeYaml(DUAL, `apiVersion: v1
kind: Service
metadata: {name: db, namespace: default}
spec: {ipFamilyPolicy: PreferDualStack, ports: [{name: pg, port: 5432}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: db-v4, namespace: default, labels: {kubernetes.io/service-name: db}}
addressType: IPv4
ports: [{name: pg, port: 5432}]
endpoints: [{addresses: [10.244.1.50]}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: db-v6, namespace: default, labels: {kubernetes.io/service-name: db}}
addressType: IPv6
ports: [{name: pg, port: 5432}]
endpoints: [{addresses: ["fd00:10:244:1::50"]}]
`);
  const p = a.cluster.servicesByKey.get('default/db')!.ports[0];
  assert.deepEqual(p.endpoints.map((e) => e.ip), ['10.244.1.50']);
  assert.deepEqual(p.endpoints6.map((e) => e.ip), ['fd00:10:244:1::50']);
});

test('IPv6 endpoints are in IPv6 order whether or not the nodes\' IPv6 blocks sort as their IPv4 blocks, and with IPv6 addresses from a status', () => {
  const cluster = (blocks6: string[]) => `apiVersion: podpath.dev/v1alpha1
kind: Cluster
metadata: {name: ds}
spec:
  clusterCIDR: [10.244.0.0/16, "fd00:10:244::/56"]
  serviceCIDR: [10.96.0.0/12, "fd00:10:96::/112"]
  cni: {plugin: flannel, backend: vxlan}
  nodes:
${blocks6.map((b, i) => `    - {name: node-${i + 1}, ip: 192.168.1.${10 + i}, ip6: "fd00:192:168:1::${10 + i}", podCIDR: [10.244.${i + 1}.0/24, "${b}"]}`).join('\n')}
`;
  const pods = Array.from({ length: 12 }, (_, i) => podDoc(`web-${i}`, `node-${(i % 3) + 1}`, { labels: { app: 'web' } }));
  // One pod states its IPv6 address (status.podIPs), low in the range: it sorts first.
  const stated = `apiVersion: v1
kind: Pod
metadata: {name: stated, namespace: default, labels: {app: web}}
spec: {nodeName: node-3, containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}
status: {podIP: 10.244.3.200, podIPs: [{ip: 10.244.3.200}, {ip: "fd00:10:244::5"}]}
`;
  const order = (eps: { ip: string; port: number }[]) => eps.map((e) => e.ip);
  const sorted = (ips: string[]) => [...ips].sort((a, b) => (ip6ToBig(a) < ip6ToBig(b) ? -1 : ip6ToBig(a) > ip6ToBig(b) ? 1 : 0));
  for (const [what, blocks, extra] of [
    ['blocks in step', ['fd00:10:244:1::/64', 'fd00:10:244:2::/64', 'fd00:10:244:3::/64'], []],
    ['blocks in reverse', ['fd00:10:244:30::/64', 'fd00:10:244:20::/64', 'fd00:10:244:10::/64'], []],
    ['an address from a status', ['fd00:10:244:1::/64', 'fd00:10:244:2::/64', 'fd00:10:244:3::/64'], [stated]],
  ] as const) {
    const a = analyzeYaml(cluster([...blocks]), ...pods, ...extra, svc('web', '  ipFamilyPolicy: PreferDualStack\n'));
    const port = a.cluster.servicesByKey.get('default/web')!.ports[0];
    assert.equal(port.endpoints6.length, 12 + extra.length, what);
    assert.deepEqual(order(port.endpoints6), sorted(order(port.endpoints6)), `${what}: IPv6 endpoints in address order`);
    assert.deepEqual(new Set(port.endpoints6.map((e) => e.pod)), new Set(port.endpoints.map((e) => e.pod)), `${what}: the same pods in both slices`);
  }
});

/** A hover's Markdown with the backslash escapes of manifest text resolved. */
function hoverText(markdown: string): string {
  return markdown.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

test('hovers on a dual-stack workspace: both ClusterIPs, each family\'s endpoints, both pod addresses; an IPv6-only Service is not empty', () => {
  const app = `apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec: {nodeName: node-1, containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ipFamilyPolicy: PreferDualStack
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata:
  name: web6
spec:
  ipFamilies: [IPv6]
  selector: {app: web}
  ports: [{port: 80}]
`;
  const s = new LanguageService();
  s.update([{ file: 'ds/cluster.yaml', text: DUAL }, { file: 'ds/app.yaml', text: app }], {});
  const lines = app.split('\n');
  const nameLine = (name: string) => lines.findIndex((l) => l.trim() === `name: ${name}`) + 1;
  const dual = hoverText(s.hover('ds/app.yaml', { line: nameLine('web'), column: 9 })!.markdown);
  assert.match(dual, /ClusterIPs `10\.\d+\.\d+\.\d+`, `fd00:10:96::[0-9a-f:]+` .*virtual IPs on no device/);
  assert.match(dual, /→ 1 endpoint:\n- IPv4:\n  - 10\.244\.\d+\.\d+:80 `default\/web` on `node-1`\n- IPv6:\n  - \[fd00:10:244:[0-9a-f:]+\]:80 `default\/web` on `node-1`/);
  const v6 = hoverText(s.hover('ds/app.yaml', { line: nameLine('web6'), column: 9 })!.markdown);
  assert.match(v6, /ClusterIP `fd00:10:96::[0-9a-f:]+` .*a virtual IP on no device/);
  assert.match(v6, /→ 1 endpoint:\n- \[fd00:10:244:[0-9a-f:]+\]:80 `default\/web` on `node-1`/);
  const lens = (name: string) => s.codeLenses('ds/app.yaml').find((l) => l.command === 'podpath.showEndpoints' && l.range.start.line <= nameLine(name) && nameLine(name) <= l.range.end.line)!;
  assert.equal(lens('web6').title, '1 endpoint', 'the IPv6-only Service has its IPv6 endpoint');
  const doc = lens('web').args[2] as string;
  assert.match(doc, /port 80\/TCP → targetPort 80: 1 endpoint \(an EndpointSlice per family\)/);
  assert.match(doc, /ADDRESS +POD +NODE +READY\n +10\.244\.\d+\.\d+:80 +default\/web +node-1 +yes\n +\[fd00:10:244:[0-9a-f:]+\]:80 +default\/web +node-1 +yes/);
  const pod = hoverText(s.hover('ds/app.yaml', { line: 3, column: 18 })!.markdown);
  assert.match(pod, /eth0 10\.244\.\d+\.\d+, fd00:10:244:[0-9a-f:]+ \(assigned by PodPath\) ⇄ veth[0-9a-f]{8} → cni0 10\.244\.\d+\.1 · node `node-1` 192\.168\.1\.10, fd00:192:168:1::10/);
});
