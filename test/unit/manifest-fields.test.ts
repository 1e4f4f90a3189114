import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { loadManifests } from '../../src/core/manifest/load';
import { Finding } from '../../src/core/common/finding';

const FIXTURES = path.resolve(__dirname, '..', '..', __dirname.includes(`${path.sep}out${path.sep}`) ? '..' : '', 'test', 'fixtures', 'manifests');

function load(text: string, file = 'm.yaml') {
  return loadManifests([{ file, text }]);
}

/** `code@line:column` of each finding, sorted by position (reading order is not part of the contract). */
function where(findings: readonly Finding[]): string[] {
  return [...findings]
    .sort((a, b) => (a.range?.start.line ?? 0) - (b.range?.start.line ?? 0) || (a.range?.start.column ?? 0) - (b.range?.start.column ?? 0))
    .map((f) => `${f.code}@${f.range ? `${f.range.start.line}:${f.range.start.column}` : '-'}`);
}

const svc = (spec: string, name = 'web') => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

// ---- Pod -------------------------------------------------------------------------------

test('a Pod keeps name, namespace, labels, ports, nodeName, nodeSelector, hostNetwork and status', () => {
  const r = load([
    'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: api', '  namespace: shop', '  labels: {app: api, tier: backend}',
    'spec:', '  nodeName: node-2', '  nodeSelector: {disk: ssd}', '  hostNetwork: false', '  containers:',
    '    - name: app', '      image: api:1', '      ports:', '        - {name: http, containerPort: 8080}', '        - {containerPort: 53, protocol: UDP, hostPort: 5353}',
    'status:', '  podIP: 10.244.2.9', '  hostIP: 192.168.1.11', '  phase: Running', '',
  ].join('\n'));
  assert.deepEqual(r.findings, []);
  const p = r.manifests.pods[0];
  assert.deepEqual([p.meta.name, p.meta.namespace, p.meta.labels], ['api', 'shop', { app: 'api', tier: 'backend' }]);
  assert.deepEqual(p.spec, {
    containers: [{ name: 'app', image: 'api:1', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP', hostPort: 5353 }] }],
    nodeName: 'node-2', nodeSelector: { disk: 'ssd' }, hostNetwork: false,
  });
  assert.deepEqual(p.status, { podIP: '10.244.2.9', hostIP: '192.168.1.11', phase: 'Running' });
});

test('objects without metadata.namespace go to the default namespace', () => {
  const r = load('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}]}\n');
  assert.equal(r.manifests.pods[0].meta.namespace, 'default');
});

test('containerPort given as the string "80" is an invalid-type error at the value (the API server rejects it) and the port is dropped', () => {
  const r = load('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - name: c\n      ports:\n        - containerPort: "80"\n');
  assert.deepEqual(where(r.findings), ['invalid-type@8:26']);
  assert.match(r.findings[0].message, /not the string "80"; remove the quotes/);
  assert.deepEqual(r.manifests.pods[0].spec.containers[0].ports, []);
});

test('a containerPort out of range is an invalid-value error; a missing one is missing-field', () => {
  const r = load('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - name: c\n      ports:\n        - containerPort: 70000\n        - name: x\n');
  assert.deepEqual(where(r.findings), ['invalid-value@8:26', 'missing-field@9:11']);
});

test('two container ports with one name in a pod are a duplicate-port-name error at the second name', () => {
  const r = load('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - name: a\n      ports: [{name: http, containerPort: 80}]\n    - name: b\n      ports: [{name: http, containerPort: 81}]\n');
  assert.deepEqual(where(r.findings), ['duplicate-port-name@9:22']);
});

test('a pod without containers is a warning at spec; with no metadata.name it is a missing-field error and left out', () => {
  const r = load('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  labels: {a: b}\nspec: {containers: [{name: c}]}\n');
  assert.deepEqual(where(r.findings), ['missing-field@4:7', 'missing-field@9:3']);
  assert.equal(r.findings[0].severity, 'warning');
  assert.deepEqual(r.manifests.pods.map((p) => p.meta.name), ['a']);
});

test('invalid object names, namespaces, label keys and label values are reported at the field', () => {
  const r = load([
    'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: Web_1', '  namespace: My-NS', '  labels:', '    "-bad": x', '    ok: "not ok!"',
    'spec: {containers: [{name: c}]}', '',
  ].join('\n'));
  assert.deepEqual(where(r.findings), ['invalid-name@4:9', 'invalid-name@5:14', 'invalid-label@7:5', 'invalid-label@8:9']);
});

test('Ready condition and phase of a dumped pod are read into status', () => {
  const r = load('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}]}\nstatus:\n  phase: Running\n  conditions:\n    - {type: PodScheduled, status: "True"}\n    - {type: Ready, status: "False"}\n');
  assert.deepEqual(r.manifests.pods[0].status, { phase: 'Running', ready: false });
});

test('an invalid status.podIP is an invalid-ip error at the value', () => {
  const r = load('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}]}\nstatus:\n  podIP: 10.244.1.300\n');
  assert.deepEqual(where(r.findings), ['invalid-ip@6:10']);
  assert.equal(r.manifests.pods[0].status.podIP, undefined);
});

// ---- workloads -------------------------------------------------------------------------

const deployment = (extra: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n${extra}  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c}]}\n`;

test('Deployment replicas default to 1 and are read from spec.replicas', () => {
  assert.equal(load(deployment('  selector: {matchLabels: {app: web}}\n')).manifests.workloads[0].replicas, 1);
  assert.equal(load(deployment('  replicas: 4\n  selector: {matchLabels: {app: web}}\n')).manifests.workloads[0].replicas, 4);
});

test('a Deployment without spec.selector is a missing-field error (required in apps/v1) but still read', () => {
  const r = load(deployment(''));
  assert.deepEqual(where(r.findings), ['missing-field@5:3']);
  assert.equal(r.manifests.workloads.length, 1);
});

test('negative replicas, and replicas as a string, are reported and fall back to 1', () => {
  const neg = load(deployment('  replicas: -1\n  selector: {matchLabels: {app: web}}\n'));
  assert.deepEqual(where(neg.findings), ['invalid-value@5:13']);
  const str = load(deployment('  replicas: "3"\n  selector: {matchLabels: {app: web}}\n'));
  assert.deepEqual(where(str.findings), ['invalid-type@5:13']);
  assert.equal(str.manifests.workloads[0].replicas, 1);
});

test('a workload without a template is a missing-field error at spec and is left out', () => {
  const r = load('apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  selector: {matchLabels: {a: b}}\n');
  assert.deepEqual(where(r.findings), ['missing-field@5:3']);
  assert.equal(r.manifests.workloads.length, 0);
});

test('a Job runs min(parallelism, completions) pods; a CronJob reads its jobTemplate', () => {
  const job = load('apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  parallelism: 5\n  completions: 2\n  template: {spec: {containers: [{name: c}]}}\n');
  assert.equal(job.manifests.workloads[0].replicas, 2);
  const cron = load('apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cj}\nspec:\n  schedule: "*/5 * * * *"\n  jobTemplate:\n    spec:\n      parallelism: 3\n      template:\n        metadata: {labels: {job: cj}}\n        spec: {containers: [{name: c}]}\n');
  assert.deepEqual(cron.findings, []);
  const w = cron.manifests.workloads[0];
  assert.deepEqual([w.replicas, w.templatePath, w.template.labels], [3, ['spec', 'jobTemplate', 'spec', 'template'], { job: 'cj' }]);
});

test('a ReplicationController selector is a plain map', () => {
  const r = load('apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc}\nspec:\n  replicas: 2\n  selector: {app: rc}\n  template:\n    metadata: {labels: {app: rc}}\n    spec: {containers: [{name: c}]}\n');
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.manifests.workloads[0].selector, { matchLabels: { app: 'rc' }, matchExpressions: [] });
});

test('a selector operator that does not exist is an invalid-selector error at the operator', () => {
  const r = load(deployment('  selector:\n    matchExpressions:\n      - {key: app, operator: Equals, values: [web]}\n'));
  assert.deepEqual(where(r.findings), ['invalid-selector@7:30']);
  assert.deepEqual(r.manifests.workloads[0].selector, { matchLabels: {}, matchExpressions: [] });
});

test('In without values and Exists with values are invalid-selector errors', () => {
  const r = load(deployment('  selector:\n    matchExpressions:\n      - {key: a, operator: In, values: []}\n      - {key: b, operator: Exists, values: [x]}\n      - {key: app, operator: In, values: [web]}\n'));
  assert.deepEqual(where(r.findings), ['invalid-selector@7:28', 'invalid-selector@8:44']);
  assert.deepEqual(r.manifests.workloads[0].selector!.matchExpressions, [{ key: 'app', operator: 'In', values: ['web'] }]);
});

test('StatefulSet spec.ordinals.start is read', () => {
  const r = load('apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  replicas: 2\n  ordinals: {start: 5}\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c}]}\n');
  assert.deepEqual(r.findings, []);
  assert.equal(r.manifests.workloads[0].ordinalStart, 5);
});

test('replicas are read as written: how many pods are modelled is decided for the whole cluster when it is built', () => {
  const r = load(deployment('  replicas: 5000000\n  selector: {matchLabels: {app: web}}\n'));
  assert.deepEqual(where(r.findings), []);
  assert.equal(r.manifests.workloads[0].replicas, 5000000);
});

// ---- Service ---------------------------------------------------------------------------

test('a Service keeps type, selector, clusterIP, ports with targetPort and nodePort, and traffic settings', () => {
  const r = load(svc([
    '  type: NodePort', '  selector: {app: web}', '  clusterIP: 10.96.0.20', '  externalIPs: [203.0.113.7]',
    '  sessionAffinity: ClientIP', '  sessionAffinityConfig: {clientIP: {timeoutSeconds: 600}}',
    '  externalTrafficPolicy: Local', '  internalTrafficPolicy: Local',
    '  ports:', '    - {name: http, port: 80, targetPort: http, nodePort: 30080}', '    - {name: dns, port: 53, protocol: UDP}', '',
  ].join('\n')));
  assert.deepEqual(r.findings, []);
  const s = r.manifests.services[0];
  assert.deepEqual({ ...s, meta: undefined, locator: undefined }, {
    kind: 'Service', meta: undefined, type: 'NodePort', selector: { app: 'web' }, clusterIP: '10.96.0.20',
    ports: [
      { name: 'http', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30080, index: 0 },
      { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53, index: 1 },
    ],
    externalIPs: ['203.0.113.7'], loadBalancerIPs: [], sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 600,
    externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local', locator: undefined,
  });
});

test('targetPort as a number is used as is; as a name it stays a name', () => {
  const r = load(svc('  ports:\n    - {name: a, port: 80, targetPort: 8080}\n    - {name: b, port: 81, targetPort: metrics}\n'));
  assert.deepEqual(r.manifests.services[0].ports.map((p) => p.targetPort), [8080, 'metrics']);
});

test('targetPort as a quoted number is an invalid-value error (the API server reads it as a name) and is read as the number', () => {
  const r = load(svc('  ports:\n    - port: 80\n      targetPort: "8080"\n'));
  assert.deepEqual(where(r.findings), ['invalid-value@8:19']);
  assert.match(r.findings[0].message, /write 8080 without quotes/);
  assert.equal(r.manifests.services[0].ports[0].targetPort, 8080);
});

test('a targetPort name longer than 15 characters or with a double hyphen is invalid', () => {
  const r = load(svc('  ports:\n    - {name: a, port: 80, targetPort: a-very-long-port-name}\n    - {name: b, port: 81, targetPort: my--port}\n'));
  assert.deepEqual(where(r.findings), ['invalid-value@7:39', 'invalid-value@8:39']);
});

test('a Service port given as a string is an invalid-type error and the port is left out', () => {
  const r = load(svc('  ports:\n    - port: "80"\n'));
  assert.deepEqual(where(r.findings), ['invalid-type@7:13']);
  assert.deepEqual(r.manifests.services[0].ports, []);
});

test('several ports without names, and repeated port numbers or names, are reported', () => {
  const r = load(svc('  ports:\n    - {port: 80}\n    - {name: a, port: 80}\n    - {name: a, port: 81}\n'));
  assert.deepEqual(where(r.findings), ['missing-field@7:7', 'duplicate-port@8:23', 'duplicate-port@9:14']);
});

test('clusterIP None is headless; None with type NodePort is an invalid-value error', () => {
  assert.equal(load(svc('  clusterIP: None\n  ports: [{port: 80}]\n')).manifests.services[0].clusterIP, 'None');
  const r = load(svc('  type: NodePort\n  clusterIP: None\n  ports: [{port: 80}]\n'));
  assert.deepEqual(where(r.findings), ['invalid-value@7:14']);
});

test('nodePort on a ClusterIP Service is an invalid-value error at the nodePort', () => {
  const r = load(svc('  ports:\n    - {port: 80, nodePort: 30001}\n'));
  assert.deepEqual(where(r.findings), ['invalid-value@7:28']);
});

test('ExternalName needs spec.externalName; an unknown type is an invalid-value error and falls back to ClusterIP', () => {
  const ext = load(svc('  type: ExternalName\n'));
  assert.deepEqual(where(ext.findings), ['missing-field@6:9']);
  const bad = load(svc('  type: Internal\n  ports: [{port: 80}]\n'));
  assert.deepEqual(where(bad.findings), ['invalid-value@6:9']);
  assert.equal(bad.manifests.services[0].type, 'ClusterIP');
});

test('LoadBalancer IPs come from spec.loadBalancerIP and status.loadBalancer.ingress, without duplicates', () => {
  const r = load(svc('  type: LoadBalancer\n  loadBalancerIP: 198.51.100.4\n  ports: [{port: 80}]\nstatus:\n  loadBalancer:\n    ingress: [{ip: 198.51.100.4}, {ip: 198.51.100.5}, {hostname: lb.example.com}]\n'));
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.manifests.services[0].loadBalancerIPs, ['198.51.100.4', '198.51.100.5']);
});

test('an invalid externalIP is an invalid-ip error at that item and the others are kept', () => {
  const r = load(svc('  externalIPs: [1.2.3.4, 1.2.3, 5.6.7.8]\n  ports: [{port: 80}]\n'));
  assert.deepEqual(where(r.findings), ['invalid-ip@6:26']);
  assert.deepEqual(r.manifests.services[0].externalIPs, ['1.2.3.4', '5.6.7.8']);
});

test('sessionAffinity, externalTrafficPolicy and internalTrafficPolicy accept only their values', () => {
  const r = load(svc('  sessionAffinity: Sticky\n  externalTrafficPolicy: Node\n  internalTrafficPolicy: local\n  ports: [{port: 80}]\n'));
  assert.deepEqual(where(r.findings), ['invalid-value@6:20', 'invalid-value@7:26', 'invalid-value@8:26']);
  const s = r.manifests.services[0];
  assert.deepEqual([s.sessionAffinity, s.externalTrafficPolicy, s.internalTrafficPolicy, s.sessionAffinityTimeoutSeconds], ['None', 'Cluster', 'Cluster', 10800]);
});

// ---- Endpoints and EndpointSlice -------------------------------------------------------

test('Endpoints: addresses are ready, notReadyAddresses are not, each with its ports', () => {
  const r = load('apiVersion: v1\nkind: Endpoints\nmetadata: {name: web}\nsubsets:\n  - addresses: [{ip: 10.244.1.5, nodeName: node-1, targetRef: {kind: Pod, name: web-1}}]\n    notReadyAddresses: [{ip: 10.244.2.5}]\n    ports: [{name: http, port: 8080}]\n');
  assert.deepEqual(r.findings, []);
  const e = r.manifests.endpoints[0];
  assert.deepEqual([e.kind, e.serviceName], ['Endpoints', 'web']);
  assert.deepEqual(e.subsets, [{
    addresses: [
      { ip: '10.244.1.5', nodeName: 'node-1', targetPod: 'web-1', ready: true, path: ['subsets', 0, 'addresses', 0] },
      { ip: '10.244.2.5', ready: false, path: ['subsets', 0, 'notReadyAddresses', 0] },
    ],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  }]);
});

test('EndpointSlice: conditions.ready absent (nil) means ready; false means not ready; only the first address counts', () => {
  const r = load([
    'apiVersion: discovery.k8s.io/v1', 'kind: EndpointSlice', 'metadata:', '  name: web-abc', '  labels: {kubernetes.io/service-name: web}', 'addressType: IPv4',
    'endpoints:', '  - addresses: [10.244.1.5, 10.244.1.6]', '  - addresses: [10.244.2.5]', '    conditions: {ready: false}', '    nodeName: node-2',
    'ports: [{name: http, port: 8080, protocol: TCP}]', '',
  ].join('\n'));
  assert.deepEqual(r.findings, []);
  const e = r.manifests.endpoints[0];
  assert.equal(e.serviceName, 'web');
  assert.deepEqual(e.subsets[0].addresses, [
    { ip: '10.244.1.5', ready: true, path: ['endpoints', 0, 'addresses', 0] },
    { ip: '10.244.2.5', nodeName: 'node-2', ready: false, path: ['endpoints', 1, 'addresses', 0] },
  ]);
});

test('an EndpointSlice without the service-name label is a warning and left out; FQDN slices are an info and left out, IPv6 slices are read', () => {
  const r = load('apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s}\naddressType: IPv4\nendpoints: []\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: sf, labels: {kubernetes.io/service-name: web}}\naddressType: FQDN\nendpoints: []\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s6, labels: {kubernetes.io/service-name: web}}\naddressType: IPv6\nendpoints: [{addresses: ["fd00:10:244:1:0::7"]}, {addresses: ["10.244.1.7"]}]\n');
  assert.deepEqual(r.findings.map((f) => [f.code, f.severity, f.range!.start.line]), [['missing-field', 'warning', 3], ['unsupported', 'info', 10], ['invalid-ip', 'error', 17]]);
  assert.equal(r.manifests.endpoints.length, 1);
  assert.deepEqual(r.manifests.endpoints[0].subsets[0].addresses.map((a) => a.ip), ['fd00:10:244:1::7']);
});

// ---- NetworkPolicy ---------------------------------------------------------------------

test('an invalid ipBlock CIDR points at that cidr value; except must be a strict subset; a bad operator marks the policy invalid', () => {
  const r = loadManifests([{ file: 'bad-policy.yaml', text: fs.readFileSync(path.join(FIXTURES, 'bad-policy.yaml'), 'utf8') }]);
  assert.deepEqual(where(r.findings), ['invalid-selector@10:19', 'invalid-cidr@15:19', 'invalid-cidr@19:17']);
  assert.deepEqual(r.findings.map((f) => f.range!.file), ['bad-policy.yaml', 'bad-policy.yaml', 'bad-policy.yaml']);
  const p = r.manifests.policies[0];
  assert.equal(p.invalid, true);
  assert.deepEqual(p.ingress![0].peers!.map((x) => x.ipBlock), [{ cidr: '192.168.0.0/16', except: ['192.168.1.0/24'] }]);
});

test('a NetworkPolicy keeps the difference between absent and empty from, and absent policyTypes', () => {
  const r = load('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  ingress:\n    - {}\n    - from: []\n    - from: [{namespaceSelector: {matchLabels: {team: a}}, podSelector: {matchLabels: {app: b}}}]\n      ports: [{port: 8080, endPort: 8090}]\n');
  assert.deepEqual(r.findings, []);
  const p = r.manifests.policies[0];
  assert.equal(p.policyTypes, undefined);
  assert.equal(p.invalid, undefined);
  assert.equal(p.egress, undefined);
  assert.deepEqual(p.ingress!.map((x) => x.peers?.length), [undefined, 0, 1]);
  assert.deepEqual(p.ingress![2].ports!.map((x) => [x.protocol, x.port, x.endPort]), [['TCP', 8080, 8090]]);
});

test('ipBlock with host bits set is a warning (the API server masks them); ipBlock mixed with a selector and endPort below port are errors at the field', () => {
  const r = load('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  egress:\n    - to:\n        - ipBlock: {cidr: 10.1.2.3/8}\n        - {ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}\n      ports: [{port: 90, endPort: 80}]\n');
  assert.deepEqual(where(r.findings), ['cidr-host-bits@8:27', 'invalid-value@9:21', 'invalid-value@10:35']);
  assert.equal(r.manifests.policies[0].egress![0].peers![0].ipBlock!.cidr, '10.0.0.0/8');
});

// ---- Node, Namespace, Cluster ----------------------------------------------------------

test('a Node keeps its InternalIP and podCIDR, falling back to the IPv4 entry of spec.podCIDRs', () => {
  const r = load('apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec:\n  podCIDRs: [fd00:10:244::/64, 10.244.5.0/24]\n  unschedulable: true\nstatus:\n  addresses: [{type: Hostname, address: n1}, {type: InternalIP, address: 172.18.0.5}]\n');
  assert.deepEqual(r.findings, []);
  const n = r.manifests.nodes[0];
  assert.deepEqual([n.meta.name, n.meta.namespace, n.internalIP, n.podCIDR, n.unschedulable], ['n1', '', '172.18.0.5', '10.244.5.0/24', true]);
});

test('a Namespace gets the kubernetes.io/metadata.name label the API server adds', () => {
  const r = load('apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {team: a}}\n');
  assert.deepEqual(r.manifests.namespaces[0].meta.labels, { team: 'a', 'kubernetes.io/metadata.name': 'shop' });
});

test('the Cluster document is read with every setting', () => {
  const r = load([
    'apiVersion: podpath.dev/v1alpha1', 'kind: Cluster', 'metadata: {name: lab}', 'spec:', '  clusterCIDR: 10.1.0.0/16', '  serviceCIDR: 10.2.0.0/16',
    '  cni: {plugin: calico, backend: vxlan}', '  kubeProxy: {mode: ipvs}', '  networkPolicy: enforced', '  nodes:',
    '    - {name: a, ip: 192.168.0.10, podCIDR: 10.1.7.0/24, labels: {zone: z1}}', '    - {name: b, ip: 192.168.0.11}', '',
  ].join('\n'));
  assert.deepEqual(r.findings, []);
  const c = r.manifests.clusters[0];
  assert.deepEqual({ ...c, locator: undefined }, {
    kind: 'Cluster', name: 'lab', clusterCIDR: '10.1.0.0/16', serviceCIDR: '10.2.0.0/16', cni: { plugin: 'calico', backend: 'vxlan' },
    kubeProxy: { mode: 'ipvs' }, networkPolicy: 'enforced',
    nodes: [
      { name: 'a', ip: '192.168.0.10', podCIDR: '10.1.7.0/24', labels: { zone: 'z1' }, path: ['spec', 'nodes', 0] },
      { name: 'b', ip: '192.168.0.11', labels: {}, path: ['spec', 'nodes', 1] },
    ],
    locator: undefined,
  });
});

test('Cluster document errors point at the field: bad CIDR, backend not of the plugin, unknown mode, node without ip, node twice', () => {
  const r = load([
    'apiVersion: podpath.dev/v1alpha1', 'kind: Cluster', 'metadata: {name: lab}', 'spec:', '  clusterCIDR: 10.1.0.0/33', '  cni: {plugin: flannel, backend: ipip}',
    '  kubeProxy: {mode: kernelspace}', '  networkPolicy: sometimes', '  nodes:', '    - {name: a, ip: 192.168.0.10}', '    - {name: b}', '    - {name: a, ip: 192.168.0.12}', '',
  ].join('\n'));
  assert.deepEqual(where(r.findings), ['invalid-cidr@5:16', 'invalid-value@6:35', 'invalid-value@7:21', 'invalid-value@8:18', 'missing-field@11:7', 'duplicate-node@12:14']);
  const c = r.manifests.clusters[0];
  assert.deepEqual([c.clusterCIDR, c.cni.backend, c.kubeProxy.mode, c.networkPolicy, c.nodes.map((n) => n.name)], [undefined, 'vxlan', 'iptables', 'auto', ['a']]);
});

test('a name YAML 1.1 reads as a boolean (n, yes, off …) is an invalid-type error that says to quote it', () => {
  const r = load('apiVersion: podpath.dev/v1alpha1\nkind: Cluster\nmetadata: {name: lab}\nspec:\n  nodes:\n    - {name: n, ip: 192.168.0.10}\n');
  assert.deepEqual(where(r.findings), ['invalid-type@6:14']);
  assert.match(r.findings[0].message, /must be a string, not boolean false \(unquoted yes\/no\/on\/off\/y\/n are booleans in YAML 1\.1, which kubectl uses: quote it\)/);
  assert.deepEqual(r.manifests.clusters[0].nodes, []);
});

test('an invalid clusterIP is an invalid-ip error at the value and the Service gets an allocated one instead', () => {
  const r = load(svc('  clusterIP: 10.96.0.300\n  ports: [{port: 80}]\n'));
  assert.deepEqual(where(r.findings), ['invalid-ip@6:14']);
  assert.equal(r.manifests.services[0].clusterIP, undefined);
});
