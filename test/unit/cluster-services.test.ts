import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Cluster } from '../../src/core/cluster/model';
import { FIXTURES, build, where } from '../support/manifests';

/** `ip:port` (with `!` when not ready) of every endpoint of port `i` of a Service. */
function eps(c: Cluster, key: string, i = 0): string[] {
  return c.servicesByKey.get(key)!.ports[i].endpoints.map((e) => `${e.ip}:${e.port}${e.ready ? '' : '!'}`);
}

/** A pod pinned by its status IP (node-1 holds 10.244.1.0/24, node-2 10.244.2.0/24 in the default cluster). */
const pod = (name: string, ip: string, labels: string, ports = '[{name: http, containerPort: 8080}]', extra = '', ns = 'default') =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ${ns}, labels: {${labels}}}\nspec:\n${extra}  containers: [{name: c, ports: ${ports}}]\nstatus: {podIP: ${ip}}\n`;
const service = (name: string, spec: string, ns = 'default') => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n${spec}`;

test('selector endpoints: every matching pod in the Service\'s namespace, sorted by IP, numeric targetPort used as is', () => {
  const { cluster } = build(
    pod('b', '10.244.2.7', 'app: web'), pod('a', '10.244.1.9', 'app: web'), pod('other', '10.244.1.10', 'app: db'),
    pod('elsewhere', '10.244.1.11', 'app: web', undefined, '', 'shop'),
    service('web', '  selector: {app: web}\n  ports: [{port: 80, targetPort: 9090}]\n'),
  );
  assert.deepEqual(cluster.findings, []);
  assert.deepEqual(eps(cluster, 'default/web'), ['10.244.1.9:9090', '10.244.2.7:9090']);
  const e = cluster.servicesByKey.get('default/web')!.ports[0].endpoints[0];
  assert.deepEqual([e.node, e.pod, e.path], ['node-1', 'default/a', []]);
});

test('a Service in one file selects pods defined in another', () => {
  const { cluster } = build(service('web', '  selector: {app: web}\n  ports: [{port: 80, targetPort: http}]\n'), pod('a', '10.244.1.9', 'app: web'));
  assert.deepEqual(eps(cluster, 'default/web'), ['10.244.1.9:8080']);
});

test('a named targetPort resolves per pod to that pod\'s container port of the same name and protocol; pods without it are skipped', () => {
  const { cluster } = build(
    pod('a', '10.244.1.9', 'app: web', '[{name: http, containerPort: 8080}]'),
    pod('b', '10.244.1.10', 'app: web', '[{name: http, containerPort: 9000}]'),
    pod('c', '10.244.1.11', 'app: web', '[{name: http, containerPort: 7000, protocol: UDP}]'),
    pod('d', '10.244.1.12', 'app: web', '[{name: metrics, containerPort: 9100}]'),
    service('web', '  selector: {app: web}\n  ports: [{port: 80, targetPort: http}]\n'),
  );
  assert.deepEqual(eps(cluster, 'default/web'), ['10.244.1.9:8080', '10.244.1.10:9000']);
});

test('targetPort defaults to port', () => {
  const { cluster } = build(pod('a', '10.244.1.9', 'app: web'), service('web', '  selector: {app: web}\n  ports: [{port: 8080}]\n'));
  assert.deepEqual(eps(cluster, 'default/web'), ['10.244.1.9:8080']);
});

test('a Service without selector, or with an empty one, has no endpoints unless Endpoints objects give them', () => {
  const { cluster } = build(pod('a', '10.244.1.9', 'app: web'), service('none', '  ports: [{port: 80}]\n'), service('empty', '  selector: {}\n  ports: [{port: 80}]\n'));
  assert.deepEqual([eps(cluster, 'default/none'), eps(cluster, 'default/empty')], [[], []]);
  assert.equal(cluster.servicesByKey.get('default/none')!.explicitEndpoints, false);
});

test('headless Services have endpoints but no clusterIP; ExternalName Services have neither', () => {
  const { cluster } = build(pod('a', '10.244.1.9', 'app: web'), service('h', '  clusterIP: None\n  selector: {app: web}\n  ports: [{port: 8080}]\n'), service('e', '  type: ExternalName\n  externalName: example.com\n  selector: {app: web}\n  ports: [{port: 8080}]\n'));
  assert.deepEqual(eps(cluster, 'default/h'), ['10.244.1.9:8080']);
  assert.deepEqual(eps(cluster, 'default/e'), []);
  assert.equal(cluster.servicesByKey.get('default/e')!.externalName, 'example.com');
});

test('a hostNetwork pod backs a Service with its node\'s IP', () => {
  const hostPod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: h, labels: {app: h}}\nspec:\n  nodeName: node-2\n  hostNetwork: true\n  containers: [{name: c, ports: [{containerPort: 9100}]}]\n';
  const { cluster } = build(hostPod, service('h', '  selector: {app: h}\n  ports: [{port: 9100}]\n'));
  assert.deepEqual(eps(cluster, 'default/h'), ['192.168.1.11:9100']);
});

test('pods whose Ready condition is False are not-ready endpoints; Succeeded and Failed pods are no endpoints at all', () => {
  const { load, cluster } = build(
    pod('ready', '10.244.1.9', 'app: web').replace('status: {podIP: 10.244.1.9}', 'status: {podIP: 10.244.1.9, conditions: [{type: Ready, status: "True"}]}'),
    pod('unready', '10.244.1.10', 'app: web').replace('status: {podIP: 10.244.1.10}', 'status: {podIP: 10.244.1.10, conditions: [{type: Ready, status: "False"}]}'),
    pod('done', '10.244.1.11', 'app: web').replace('status: {podIP: 10.244.1.11}', 'status: {podIP: 10.244.1.11, phase: Succeeded}'),
    pod('crashed', '10.244.1.12', 'app: web').replace('status: {podIP: 10.244.1.12}', 'status: {podIP: 10.244.1.12, phase: Failed}'),
    service('web', '  selector: {app: web}\n  ports: [{port: 8080}]\n'),
  );
  assert.deepEqual([...load.findings, ...cluster.findings], []);
  assert.deepEqual(cluster.pods.map((p) => [p.name, p.phase, p.ready]), [['crashed', 'Failed', undefined], ['done', 'Succeeded', undefined], ['ready', undefined, true], ['unready', undefined, false]]);
  assert.deepEqual(eps(cluster, 'default/web'), ['10.244.1.9:8080', '10.244.1.10:8080!']);
});

test('publishNotReadyAddresses: true makes not-ready pods ready endpoints', () => {
  const unready = pod('u', '10.244.1.10', 'app: web').replace('status: {podIP: 10.244.1.10}', 'status: {podIP: 10.244.1.10, conditions: [{type: Ready, status: "False"}]}');
  const { cluster } = build(unready, service('web', '  publishNotReadyAddresses: true\n  selector: {app: web}\n  ports: [{port: 8080}]\n'));
  assert.deepEqual(eps(cluster, 'default/web'), ['10.244.1.10:8080']);
});

test('an Endpoints object overrides the selector: its addresses, not-ready addresses and port are used', () => {
  const { cluster } = build(
    pod('a', '10.244.1.9', 'app: web'),
    service('web', '  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: 8080}]\n'),
    'apiVersion: v1\nkind: Endpoints\nmetadata: {name: web}\nsubsets:\n  - addresses: [{ip: 10.244.2.50}, {ip: 10.244.1.9}]\n    notReadyAddresses: [{ip: 10.244.2.51}]\n    ports: [{name: http, port: 9999}]\n',
  );
  const s = cluster.servicesByKey.get('default/web')!;
  assert.equal(s.explicitEndpoints, true);
  assert.deepEqual(eps(cluster, 'default/web'), ['10.244.1.9:9999', '10.244.2.50:9999', '10.244.2.51:9999!']);
  assert.deepEqual(s.ports[0].endpoints.map((e) => [e.node, e.pod, e.locator.file, e.path]), [
    ['node-1', 'default/a', 'f2.yaml', ['subsets', 0, 'addresses', 1]],
    [undefined, undefined, 'f2.yaml', ['subsets', 0, 'addresses', 0]],
    [undefined, undefined, 'f2.yaml', ['subsets', 0, 'notReadyAddresses', 0]],
  ]);
});

test('Endpoints and EndpointSlice ports are matched to Service ports by name and protocol', () => {
  const { cluster } = build(
    service('multi', '  ports: [{name: http, port: 80}, {name: dns, port: 53, protocol: UDP}, {name: grpc, port: 90}]\n'),
    'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: multi-1, labels: {kubernetes.io/service-name: multi}}\naddressType: IPv4\nendpoints: [{addresses: [10.244.1.5]}]\nports: [{name: http, port: 8080}, {name: dns, port: 5353, protocol: UDP}, {name: grpc, port: 9090, protocol: UDP}]\n',
  );
  assert.deepEqual([eps(cluster, 'default/multi', 0), eps(cluster, 'default/multi', 1), eps(cluster, 'default/multi', 2)], [['10.244.1.5:8080'], ['10.244.1.5:5353'], []]);
});

test('when a Service has both Endpoints and EndpointSlices (a full dump), only the slices are used, as kube-proxy does', () => {
  const { cluster } = build(
    service('web', '  ports: [{name: http, port: 80}]\n'),
    'apiVersion: v1\nkind: Endpoints\nmetadata: {name: web}\nsubsets: [{addresses: [{ip: 10.244.1.1}], ports: [{name: http, port: 1111}]}]\n',
    'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-a, labels: {kubernetes.io/service-name: web}}\naddressType: IPv4\nendpoints: [{addresses: [10.244.1.2], nodeName: node-1}]\nports: [{name: http, port: 2222}]\n',
  );
  assert.deepEqual(eps(cluster, 'default/web'), ['10.244.1.2:2222']);
  assert.equal(cluster.servicesByKey.get('default/web')!.ports[0].endpoints[0].node, 'node-1');
});

test('an endpoint repeated across a Service\'s slices counts once', () => {
  const slice = (name: string, ready: boolean) => `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: ${name}, labels: {kubernetes.io/service-name: web}}\naddressType: IPv4\nendpoints: [{addresses: [10.244.1.2], conditions: {ready: ${ready}}}, {addresses: [10.244.2.3]}]\nports: [{port: 80}]\n`;
  const { cluster } = build(service('web', '  ports: [{port: 80}]\n'), slice('web-a', true), slice('web-b', false));
  assert.deepEqual(eps(cluster, 'default/web'), ['10.244.1.2:80', '10.244.2.3:80']);
});

test('Endpoints objects only serve the Service of their own namespace and name', () => {
  const { cluster } = build(
    service('web', '  ports: [{port: 80}]\n', 'shop'), service('web', '  ports: [{port: 80}]\n'),
    'apiVersion: v1\nkind: Endpoints\nmetadata: {name: web, namespace: shop}\nsubsets: [{addresses: [{ip: 10.244.1.1}], ports: [{port: 80}]}]\n',
  );
  assert.deepEqual([eps(cluster, 'shop/web'), eps(cluster, 'default/web')], [['10.244.1.1:80'], []]);
});

test('an Endpoints object defined twice is a duplicate-object error; the first is used', () => {
  const ep = (ip: string) => `apiVersion: v1\nkind: Endpoints\nmetadata: {name: web}\nsubsets: [{addresses: [{ip: ${ip}}], ports: [{port: 80}]}]\n`;
  const { cluster } = build(service('web', '  ports: [{port: 80}]\n'), ep('10.244.1.1'), ep('10.244.1.2'));
  assert.deepEqual(where(cluster.findings), ['duplicate-object@f2.yaml:1:1']);
  assert.deepEqual(eps(cluster, 'default/web'), ['10.244.1.1:80']);
});

test('Service settings pass through to the cluster: type, affinity and its timeout, traffic policies, external and LB IPs', () => {
  const { cluster } = build(service('lb', '  type: LoadBalancer\n  externalIPs: [203.0.113.9]\n  sessionAffinity: ClientIP\n  externalTrafficPolicy: Local\n  internalTrafficPolicy: Local\n  ports: [{port: 80}]\nstatus: {loadBalancer: {ingress: [{ip: 198.51.100.1}]}}\n'));
  const s = cluster.services[0];
  assert.deepEqual([s.type, s.sessionAffinity, s.sessionAffinityTimeoutSeconds, s.externalTrafficPolicy, s.internalTrafficPolicy, s.externalIPs, s.loadBalancerIPs, s.headless],
    ['LoadBalancer', 'ClientIP', 10800, 'Local', 'Local', ['203.0.113.9'], ['198.51.100.1'], false]);
});

test('the k3s dump fixture: the Service keeps its real clusterIP and nodePort, endpoints come from the EndpointSlice with readiness', () => {
  const { cluster } = build(fs.readFileSync(path.join(FIXTURES, 'dump-list.yaml'), 'utf8'));
  const s = cluster.servicesByKey.get('shop/web')!;
  assert.deepEqual([s.clusterIP, s.type, s.ports[0].nodePort, s.ports[0].targetPort, s.explicitEndpoints], ['10.43.12.34', 'NodePort', 31080, 'http', true]);
  assert.deepEqual(s.ports[0].endpoints.map((e) => [e.ip, e.port, e.node, e.pod, e.ready]), [
    ['10.42.0.15', 8080, 'k3s-server', 'shop/web-5d8f9c7b6d-4xk2p', true],
    ['10.42.1.23', 8080, 'k3s-agent', 'shop/web-5d8f9c7b6d-9qz7m', false],
  ]);
  assert.deepEqual(cluster.pods.map((p) => p.ready), [true, false]);
});
