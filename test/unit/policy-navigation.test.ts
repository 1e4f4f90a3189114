import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LanguageService } from '../../src/core/service/language-service';
import { ServiceFile } from '../../src/core/service/types';
import { SourceRange } from '../../src/core/common/source';

// Go to Definition and Find References on the selectors of AdminNetworkPolicy,
// BaselineAdminNetworkPolicy and Calico's NetworkPolicy / GlobalNetworkPolicy.

const CLUSTER = `apiVersion: podpath.dev/v1alpha1
kind: Cluster
metadata: {name: shop}
spec:
  clusterCIDR: 10.244.0.0/16
  serviceCIDR: 10.96.0.0/12
  cni: {plugin: calico, backend: vxlan}
  kubeProxy: {mode: iptables}
  nodes:
    - {name: node-1, ip: 192.168.1.10, podCIDR: 10.244.1.0/24, labels: {zone: a}}
    - {name: node-2, ip: 192.168.1.11, podCIDR: 10.244.2.0/24, labels: {zone: b}}
`;

const NAMESPACES = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {kubernetes.io/metadata.name: shop, env: prod}
---
apiVersion: v1
kind: Namespace
metadata:
  name: monitoring
  labels: {kubernetes.io/metadata.name: monitoring, env: ops}
`;

function pod(name: string, ns: string, node: string, labels: Record<string, string>, extra = ''): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${ns}
  labels: {${Object.entries(labels).map(([k, v]) => `${k}: ${v}`).join(', ')}}
spec:
  nodeName: ${node}
${extra}  containers:
    - name: main
      image: registry.example/${name}:1.0
      ports: [{containerPort: 8080, name: http}]
`;
}

const WORKLOADS = [
  pod('web', 'shop', 'node-1', { app: 'web', tier: 'front' }),
  pod('api', 'shop', 'node-2', { app: 'api', tier: 'back' }),
  pod('db', 'shop', 'node-2', { app: 'db', tier: 'data' }),
  pod('prometheus', 'monitoring', 'node-1', { app: 'prometheus' }),
  pod('grafana', 'monitoring', 'node-2', { app: 'grafana', tier: 'front' }),
  pod('node-agent', 'monitoring', 'node-1', { app: 'agent' }, '  hostNetwork: true\n'),
].join('---\n');

const ADMIN = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: protect-data
spec:
  priority: 10
  subject:
    pods:
      namespaceSelector: {matchLabels: {env: prod}}
      podSelector: {matchLabels: {tier: data}}
  ingress:
    - name: allow-api
      action: Allow
      from:
        - pods:
            namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}
            podSelector: {matchLabels: {app: api}}
    - name: deny-monitoring
      action: Deny
      from:
        - namespaces: {matchLabels: {env: ops}}
    - name: deny-nobody
      action: Deny
      from:
        - namespaces: {matchLabels: {env: staging}}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: egress-out
spec:
  priority: 20
  subject:
    namespaces: {matchLabels: {env: ops}}
  egress:
    - name: to-second-node
      action: Allow
      to:
        - nodes: {matchLabels: {zone: b}}
    - name: to-node-2-pods-and-node-1
      action: Deny
      to:
        - networks: [10.244.2.0/24, 192.168.1.10/32]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata:
  name: default
spec:
  subject:
    namespaces: {matchLabels: {env: prod}}
  ingress:
    - action: Deny
      from:
        - namespaces: {}
`;

const CALICO = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: monitoring-scrape
spec:
  order: 100
  selector: app in {'web', 'api'}
  namespaceSelector: env == 'prod'
  types: [Ingress]
  ingress:
    - action: Allow
      protocol: TCP
      source:
        namespaceSelector: env == 'ops'
        selector: app == 'prometheus'
      destination:
        ports: [8080]
    - action: Deny
      source:
        selector: app == 'no-such-app'
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: api-from-web
  namespace: shop
spec:
  order: 200
  selector: tier == 'back'
  types: [Ingress]
  ingress:
    - action: Allow
      protocol: TCP
      source:
        selector: has(tier) && tier != 'back'
      destination:
        ports: [http]
`;

const BROKEN = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: broken
spec:
  selector: app == 'web' &&
  ingress:
    - action: Allow
      source:
        selector: app = 'api'
`;

const FILES: ServiceFile[] = [
  { file: 'cluster.yaml', text: CLUSTER },
  { file: 'namespaces.yaml', text: NAMESPACES },
  { file: 'pods.yaml', text: WORKLOADS },
  { file: 'admin.yaml', text: ADMIN },
  { file: 'calico.yaml', text: CALICO },
  { file: 'broken.yaml', text: BROKEN },
];

function service(): LanguageService {
  const s = new LanguageService();
  s.update(FILES, {});
  return s;
}

function text(file: string): string {
  return FILES.find((f) => f.file === file)!.text;
}

/** The position of `needle` on the line that contains `anchor` (searching from the `nth` such line). */
function at(file: string, anchor: string, needle = anchor, nth = 0): { line: number; column: number } {
  const lines = text(file).split('\n');
  const hits = lines.map((l, i) => (l.includes(anchor) ? i : -1)).filter((i) => i >= 0);
  const i = hits[nth];
  assert.ok(i !== undefined, `${file} has ${anchor}`);
  const column = lines[i].indexOf(needle);
  assert.ok(column >= 0, `${needle} on the line of ${anchor}`);
  return { line: i + 1, column: column + 2 };
}

/** Which pods (by name) or namespaces the ranges are: the name written inside each range. */
function names(ranges: SourceRange[]): string[] {
  return ranges.map((r) => {
    const lines = text(r.file).split('\n').slice(r.start.line - 1, r.end.line);
    const name = lines.map((l) => /^\s*name: (\S+)/.exec(l)?.[1]).find(Boolean);
    return `${r.file === 'pods.yaml' ? 'pod' : r.file === 'namespaces.yaml' ? 'ns' : r.file}:${name}`;
  }).sort();
}

test('AdminNetworkPolicy subject: its pod selector leads to the pods it selects, its namespace selector to the namespaces', () => {
  const s = service();
  assert.deepEqual(names(s.definition('admin.yaml', at('admin.yaml', 'podSelector: {matchLabels: {tier: data}}', 'tier'))), ['pod:db']);
  assert.deepEqual(names(s.definition('admin.yaml', at('admin.yaml', 'namespaceSelector: {matchLabels: {env: prod}}', 'env'))), ['ns:shop']);
});

test('AdminNetworkPolicy peers: a pods peer leads to its pods, a namespaces peer to every pod of those namespaces but host-networked ones', () => {
  const s = service();
  assert.deepEqual(names(s.definition('admin.yaml', at('admin.yaml', 'podSelector: {matchLabels: {app: api}}', 'app'))), ['pod:api']);
  assert.deepEqual(names(s.definition('admin.yaml', at('admin.yaml', "namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}", 'shop'))), ['ns:shop']);
  // monitoring holds grafana, prometheus and the host-networked node-agent: not node-agent.
  assert.deepEqual(names(s.definition('admin.yaml', at('admin.yaml', 'namespaces: {matchLabels: {env: ops}}', 'ops'))), ['pod:grafana', 'pod:prometheus']);
  assert.deepEqual(s.definition('admin.yaml', at('admin.yaml', 'namespaces: {matchLabels: {env: staging}}', 'staging')), [], 'a peer that selects nothing leads nowhere');
});

test('AdminNetworkPolicy egress peers: nodes lead to the nodes they select, networks to the pods and nodes inside', () => {
  const s = service();
  const where = (ranges: SourceRange[]) => ranges.map((r) => {
    const line = text(r.file).split('\n')[r.start.line - 1];
    return r.file === 'cluster.yaml' ? `node:${/name: ([\w-]+)/.exec(line)?.[1]}` : `${r.file}:${r.start.line}`;
  });
  assert.deepEqual(where(s.definition('admin.yaml', at('admin.yaml', 'nodes: {matchLabels: {zone: b}}', 'zone'))), ['node:node-2']);
  const inside = s.definition('admin.yaml', at('admin.yaml', 'networks: [10.244.2.0/24', '10.244'));
  // node-2's pods (api, db, grafana) by their documents, then node-1 by its address.
  assert.deepEqual(names(inside.filter((r) => r.file === 'pods.yaml')), ['pod:api', 'pod:db', 'pod:grafana']);
  assert.deepEqual(where(inside.filter((r) => r.file === 'cluster.yaml')), ['node:node-1']);
  assert.equal(inside.length, 4);
});

test('BaselineAdminNetworkPolicy: its namespaces subject leads to every pod there; an empty peer selector to every pod', () => {
  const s = service();
  assert.deepEqual(names(s.definition('admin.yaml', at('admin.yaml', 'namespaces: {matchLabels: {env: prod}}', 'env'))), ['pod:api', 'pod:db', 'pod:web']);
  assert.deepEqual(names(s.definition('admin.yaml', at('admin.yaml', 'namespaces: {}', '{}'))), ['pod:api', 'pod:db', 'pod:grafana', 'pod:prometheus', 'pod:web']);
  assert.deepEqual(s.definition('admin.yaml', at('admin.yaml', 'name: allow-api', 'allow-api')), [], 'a rule name is not a selector');
});

test('Calico GlobalNetworkPolicy: selector within its namespaceSelector; rule source selector across namespaces; a selector that matches nothing', () => {
  const s = service();
  assert.deepEqual(names(s.definition('calico.yaml', at('calico.yaml', "selector: app in {'web', 'api'}", 'app'))), ['pod:api', 'pod:web']);
  assert.deepEqual(names(s.definition('calico.yaml', at('calico.yaml', "namespaceSelector: env == 'prod'", 'env'))), ['ns:shop']);
  assert.deepEqual(names(s.definition('calico.yaml', at('calico.yaml', "selector: app == 'prometheus'", 'prometheus'))), ['pod:prometheus']);
  assert.deepEqual(names(s.definition('calico.yaml', at('calico.yaml', "namespaceSelector: env == 'ops'", 'ops'))), ['ns:monitoring']);
  assert.deepEqual(s.definition('calico.yaml', at('calico.yaml', "selector: app == 'no-such-app'", 'no-such')), []);
  // A destination with ports only names no endpoints: not a selector.
  assert.deepEqual(s.definition('calico.yaml', at('calico.yaml', 'ports: [8080]', '8080')), []);
});

test('Calico NetworkPolicy: its selector and its rule selectors look in its own namespace only', () => {
  const s = service();
  assert.deepEqual(names(s.definition('calico.yaml', at('calico.yaml', "selector: tier == 'back'", 'tier'))), ['pod:api']);
  // has(tier) && tier != 'back' in shop: web and db; grafana matches the labels but lives in monitoring.
  assert.deepEqual(names(s.definition('calico.yaml', at('calico.yaml', "selector: has(tier) && tier != 'back'", 'has'))), ['pod:db', 'pod:web']);
});

test('a Calico policy with selector syntax errors: a finding at the column, and navigation finds nothing without throwing', () => {
  const s = new LanguageService();
  const r = s.update(FILES, {});
  const bad = (r.diagnostics['broken.yaml'] ?? []).filter((d) => d.code === 'calico-selector-syntax');
  // Where the text ends after && (spec.selector), and at the single = (the rule's source selector).
  // Line 6 `  selector: app == 'web' &&`: the selector starts at column 13 and ends 15 characters on (column 28);
  // line 10 `        selector: app = 'api'`: the single = at column 23.
  assert.deepEqual(bad.map((d) => [d.range.start.line, d.range.start.column]), [[6, 28], [10, 23]]);
  assert.deepEqual(s.definition('broken.yaml', at('broken.yaml', "selector: app == 'web' &&", 'app')), []);
  assert.deepEqual(s.definition('broken.yaml', at('broken.yaml', "selector: app = 'api'", '=')), []);
});

test('Find References on a pod: the admin subjects and peers and the Calico selectors that match it', () => {
  const s = service();
  const refs = (podName: string) => s.references('pods.yaml', at('pods.yaml', `name: ${podName}`, podName)).map((r) => `${r.file}:${r.start.line}`);
  const lineOf = (file: string, needle: string, nth = 0) => `${file}:${text(file).split('\n').map((l, i) => (l.includes(needle) ? i + 1 : 0)).filter(Boolean)[nth]}`;
  // db: the ANP subject, the second ANP's networks peer (db is on node-2), the BANP subject and
  // its all-namespaces peer, the Calico NetworkPolicy's source.
  assert.deepEqual(refs('db').sort(), [
    // A field's range is its value's: the line after a key whose value is a block.
    lineOf('admin.yaml', '    pods:', 0),
    lineOf('admin.yaml', '- networks: [10.244.2.0/24'),
    lineOf('admin.yaml', '    namespaces: {matchLabels: {env: prod}}'),
    lineOf('admin.yaml', '- namespaces: {}'),
    lineOf('calico.yaml', "selector: has(tier) && tier != 'back'"),
  ].sort());
  // prometheus: the ANP's deny-monitoring peer, the second ANP's subject (not its networks peer:
  // prometheus is on node-1), the BANP's peer, the GNP's source.
  assert.deepEqual(refs('prometheus').sort(), [
    lineOf('admin.yaml', '- namespaces: {matchLabels: {env: ops}}'),
    lineOf('admin.yaml', '    namespaces: {matchLabels: {env: ops}}'),
    lineOf('admin.yaml', '- namespaces: {}'),
    lineOf('calico.yaml', "namespaceSelector: env == 'ops'"),
  ].sort());
  assert.deepEqual(refs('node-agent'), [], 'a host-networked pod is no subject or peer');
});
