import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSources } from '../../src/core/analyze';
import { Finding } from '../../src/core/common/finding';
import { loadManifests } from '../../src/core/manifest/load';
import { interfaceNameProblem, isDns1035Label, isDns1123Label, isDns1123Subdomain } from '../../src/core/manifest/names';

function where(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.code}@${f.range ? `${f.range.start.line}:${f.range.start.column}` : '-'}`);
}

const pod = (name: string, ns?: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${JSON.stringify(name)}\n${ns !== undefined ? `  namespace: ${JSON.stringify(ns)}\n` : ''}spec: {containers: [{name: c}]}\n`;
const svc = (name: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${JSON.stringify(name)}\nspec: {selector: {app: a}, ports: [{port: 80}]}\n`;

test('apimachinery name rules: DNS-1123 subdomain (253), DNS-1123 label (63), DNS-1035 label', () => {
  assert.ok(isDns1123Subdomain('web.example-1'));
  assert.ok(isDns1123Subdomain('a'.repeat(63) + '.' + 'b'.repeat(63) + '.' + 'c'.repeat(63) + '.' + 'd'.repeat(61)));
  assert.ok(!isDns1123Subdomain('a'.repeat(254)));
  for (const bad of ['', 'Web', 'web_1', '-web', 'web-', 'web..x', '.web', 'web.', 'a/b', 'wéb', 'web\nx', 'a b']) assert.ok(!isDns1123Subdomain(bad), bad);
  assert.ok(isDns1123Label('1web') && !isDns1123Label('a.b') && !isDns1123Label('a'.repeat(64)));
  assert.ok(isDns1035Label('web-1') && !isDns1035Label('1web'));
});

test('a Pod whose name or namespace the API server refuses is reported at the field and left out of the analysis', () => {
  const r = loadManifests([{ file: 'p.yaml', text: [pod('Web_1'), pod('ok'), pod('also-ok', 'Bad NS'), pod('fine', 'prod')].join('---\n') }]);
  assert.deepEqual(where(r.findings), ['invalid-name@4:9', 'invalid-name@17:14']);
  assert.deepEqual(r.manifests.pods.map((p) => `${p.meta.namespace}/${p.meta.name}`), ['default/ok', 'prod/fine']);
  assert.match(r.findings[0].message, /"Web_1" is not a valid name \(a DNS subdomain.*leaves it out/);
});

test('Service names are DNS-1035 labels, Namespace names DNS labels, CronJob names at most 52 characters', () => {
  const r = loadManifests([{ file: 's.yaml', text: [
    svc('1web'), svc('web.v2'), svc('web'),
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: team.a}\n',
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: 1team}\n',
    `apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: ${'c'.repeat(53)}}\nspec: {schedule: "* * * * *", jobTemplate: {spec: {template: {spec: {containers: [{name: c}]}}}}}\n`,
  ].join('---\n') }]);
  assert.deepEqual(r.findings.map((f) => f.code), ['invalid-name', 'invalid-name', 'invalid-name', 'invalid-name']);
  assert.deepEqual(r.manifests.services.map((s) => s.meta.name), ['web']);
  assert.deepEqual(r.manifests.namespaces.map((n) => n.meta.name), ['1team']);
  assert.deepEqual(r.manifests.workloads, []);
});

test('a generateName is cut to 58 characters before the 5 random ones, as the API server does', () => {
  const r = loadManifests([{ file: 'g.yaml', text: `apiVersion: v1\nkind: Pod\nmetadata: {generateName: ${'g'.repeat(70)}-}\nspec: {containers: [{name: c}]}\n` }]);
  assert.deepEqual(r.findings, []);
  assert.equal(r.manifests.pods[0].meta.name.length, 63);
});

test('an invalid label is reported and ignored; the object and its valid labels stay', () => {
  const r = loadManifests([{ file: 'l.yaml', text: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    ok: yes-it-is\n    "bad key!": x\n    app: "value with spaces"\nspec: {containers: [{name: c}]}\n' }]);
  assert.deepEqual(where(r.findings), ['invalid-label@7:5', 'invalid-label@8:10']);
  assert.deepEqual(r.manifests.pods[0].meta.labels, { ok: 'yes-it-is' });
});

test('Cluster document: an invalid node name leaves the node out, an invalid cluster name or cni.bridge falls back to the default', () => {
  const doc = (bridge: string, nodeName: string, name: string) => `apiVersion: podpath.dev/v1alpha1\nkind: Cluster\nmetadata: {name: ${JSON.stringify(name)}}\nspec:\n  cni: {plugin: bridge, bridge: ${JSON.stringify(bridge)}}\n  nodes:\n    - {name: ${JSON.stringify(nodeName)}, ip: 192.168.1.10}\n    - {name: good, ip: 192.168.1.11}\n`;
  const a = analyzeSources([{ file: 'c.yaml', text: doc('br\nx', 'node/1', 'demo\ntouch /tmp/x; exit 0\n#') }]);
  assert.deepEqual(where(a.findings.filter((f) => f.code === 'invalid-name')), ['invalid-name@3:18', 'invalid-name@5:33', 'invalid-name@7:14']);
  assert.equal(a.cluster.config.name, 'cluster');
  assert.equal(a.cluster.config.bridgeName, 'cbr0');
  assert.deepEqual(a.cluster.nodes.map((n) => n.name), ['good']);
  const ok = analyzeSources([{ file: 'c.yaml', text: doc('br-lab', 'node-1', 'demo') }]);
  assert.deepEqual(ok.findings.filter((f) => f.code === 'invalid-name'), []);
  assert.equal(ok.cluster.config.bridgeName, 'br-lab');
});

test('interface names: at most 15 bytes of UTF-8, [A-Za-z0-9._-], not . or .., no %, not a device PodPath names itself', () => {
  assert.equal(interfaceNameProblem('cni0'), undefined);
  assert.equal(interfaceNameProblem('br.lab_1-x'), undefined);
  assert.equal(interfaceNameProblem('a'.repeat(15)), undefined);
  assert.match(interfaceNameProblem('a'.repeat(16))!, /16 bytes/);
  // 8 characters, 16 bytes: too long for IFNAMSIZ although it looks short.
  assert.match(interfaceNameProblem('öööööööö')!, /16 bytes/);
  assert.match(interfaceNameProblem('ööö')!, /only letters/);
  for (const bad of ['', '.', '..', 'a%d', 'lo', 'eth0', 'tunl0', 'flannel.1', 'help', 'veth1234', 'cali0', 'a/b', 'a b', 'a\u0000', 'a:b']) {
    assert.notEqual(interfaceNameProblem(bad), undefined, JSON.stringify(bad));
  }
});

/** A small deterministic generator (mulberry32), so a failure names the same case every run. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('no byte sequence in a name reaches the cluster unless it is a valid name: random names with control characters, quotes, $(), backticks and here-document markers', () => {
  const next = rng(20261201);
  const pieces = ['a', 'b', 'z', '0', '9', '-', '.', '\n', '\r', '\t', '\u0000', '\u001b[31m', '"', "'", '$(id)', '`id`', ';', '|', '&', ' ', '#', '%d', '/', '\\', 'EOF', 'PODPATH_EOF', 'COMMIT', '*', 'é', 'A', '_', ':'];
  const names: string[] = [];
  for (let i = 0; i < 400; i++) {
    let s = '';
    const n = 1 + Math.floor(next() * 8);
    for (let k = 0; k < n; k++) s += pieces[Math.floor(next() * pieces.length)];
    names.push(s);
  }
  const docs = names.flatMap((n, i) => [
    `apiVersion: v1\nkind: Pod\nmetadata: {name: ${JSON.stringify(n)}, labels: {app: x${i}}}\nspec: {containers: [{name: c}]}\n`,
    `apiVersion: v1\nkind: Service\nmetadata: {name: ${JSON.stringify(n)}}\nspec: {selector: {app: x${i}}, ports: [{port: 80}]}\n`,
  ]);
  const cluster = `apiVersion: podpath.dev/v1alpha1\nkind: Cluster\nmetadata: {name: c}\nspec:\n  nodes:\n${names.slice(0, 50).map((n, i) => `    - {name: ${JSON.stringify(n)}, ip: 192.168.1.${i + 10}}`).join('\n')}\n    - {name: fallback, ip: 192.168.1.200}\n`;
  const a = analyzeSources([{ file: 'c.yaml', text: cluster }, { file: 'names.yaml', text: docs.join('---\n') }]);
  const safe = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
  for (const p of a.cluster.pods) assert.match(p.name, safe);
  for (const s of a.cluster.services) assert.match(s.name, safe);
  for (const n of a.cluster.nodes) assert.match(n.name, safe);
  const valid = new Set(names.filter((n) => isDns1123Subdomain(n)));
  assert.deepEqual(new Set(a.cluster.pods.map((p) => p.name)), valid);
  assert.deepEqual(new Set(a.cluster.services.map((s) => s.name)), new Set(names.filter((n) => isDns1035Label(n))));
  // Every refused name is a finding: one per refused Pod and Service.
  const refused = names.filter((n) => !isDns1123Subdomain(n)).length + names.filter((n) => !isDns1035Label(n)).length;
  assert.equal(a.load.findings.filter((f) => f.code === 'invalid-name' && f.range?.file === 'names.yaml').length, refused);
  assert.ok(refused > 300, `the generator must mostly produce hostile names (${refused})`);
});
