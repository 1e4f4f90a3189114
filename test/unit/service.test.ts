import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { LanguageService, SETTINGS_FILE } from '../../src/core/service/language-service';
import { ServiceFile, TextEdit } from '../../src/core/service/types';
import { REPO_ROOT } from '../support/analyze';

// The language service as the editor uses it, on the example workspaces.

function example(name: string): ServiceFile[] {
  const dir = path.join(REPO_ROOT, 'examples', name);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => ({ file: `${name}/${f}`, text: fs.readFileSync(path.join(dir, f), 'utf8') }));
}

function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

/** What a hover shows: its Markdown with the backslash escapes of manifest text resolved. */
function shown(markdown: string): string {
  return markdown.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

function applyEdit(text: string, e: TextEdit): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; column: number }) => lines.slice(0, p.line - 1).reduce((n, l) => n + l.length + 1, 0) + p.column - 1;
  return text.slice(0, offset(e.range.start)) + e.newText + text.slice(offset(e.range.end));
}

test('update: diagnostics for every file, a summary, and only changed files re-parsed', () => {
  const s = new LanguageService();
  const files = example('calico-ipip');
  const first = s.update(files, {});
  assert.deepEqual(Object.keys(first.diagnostics).sort(), files.map((f) => f.file));
  assert.deepEqual(first.reparsed, files.map((f) => f.file));
  assert.equal(first.summary.network, 'calico ipip · iptables');
  assert.deepEqual([first.summary.nodes, first.summary.pods, first.summary.services, first.summary.policies], [2, 4, 1, 2]);
  const edited = files.map((f) => (f.file.endsWith('policies.yaml') ? { ...f, text: f.text + '\n' } : f));
  assert.deepEqual(s.update(edited, {}).reparsed, ['calico-ipip/policies.yaml']);
});

test('severities can be changed or switched off per code', () => {
  const s = new LanguageService();
  const files = example('calico-ipip');
  const count = (r: ReturnType<LanguageService['update']>, code: string) => Object.values(r.diagnostics).flat().filter((d) => d.code === code);
  assert.equal(count(s.update(files, {}), 'pod-ingress-isolated')[0].severity, 'info');
  assert.equal(count(s.update(files, { severities: { 'pod-ingress-isolated': 'error' } }), 'pod-ingress-isolated')[0].severity, 'error');
  assert.equal(count(s.update(files, { severities: { 'pod-ingress-isolated': 'off' } }), 'pod-ingress-isolated').length, 0);
});

test('hover on a Service: ClusterIP, endpoints with nodes and the DNAT path; on its selector: the pods it matches', () => {
  const s = new LanguageService();
  const files = example('flannel-vxlan');
  s.update(files, {});
  const app = files.find((f) => f.file.endsWith('app.yaml'))!;
  const svcLine = lineOf(app.text, 'kind: Service') + 2; // metadata.name line
  const h = s.hover(app.file, { line: svcLine, column: 10 })!;
  assert.match(shown(h.markdown), /\*\*Service default\/web\*\* \(NodePort\)/);
  assert.match(shown(h.markdown), /ClusterIP `10\.\d+\.\d+\.\d+`/);
  assert.match(shown(h.markdown), /- 10\.244\.\d+\.\d+:8080 `default\/web-[a-z0-9-]+` on `node-\d`/);
  assert.match(shown(h.markdown), /- KUBE-SERVICES → `KUBE-SVC-[A-Z2-7]{16}`/);
  assert.match(shown(h.markdown), /→ `KUBE-SEP-[A-Z2-7]{16}` \(p=0\.5000\) → DNAT 10\.244\.\d+\.\d+:8080/);
  // The Service's selector (the Deployment writes its own as a block with matchLabels).
  const sel = s.hover(app.file, { line: lineOf(app.text, 'selector: {app: web}'), column: 16 })!;
  assert.match(shown(sel.markdown), /^\*\*Selector\*\* `app=web` matches 2 pods:\n- `default\/web-[a-z0-9]+-[a-z0-9]+`\n- `default\/web-[a-z0-9]+-[a-z0-9]+`$/);
});

test('hover on a Deployment shows each pod\'s eth0 ⇄ veth ⇄ bridge path and who reaches it', () => {
  const s = new LanguageService();
  const files = example('calico-ipip');
  s.update(files, {});
  const app = files.find((f) => f.file.endsWith('app.yaml'))!;
  const h = s.hover(app.file, { line: lineOf(app.text, 'name: api'), column: 9 })!;
  assert.match(shown(h.markdown), /\*\*Deployment shop\/api\*\* — 2 pods/);
  assert.match(shown(h.markdown), /eth0 192\.168\.\d+\.\d+ \(assigned by PodPath\) ⇄ cali[0-9a-f]{11} \(proxy ARP\) → routed · node `worker-[ab]`/);
  assert.match(shown(h.markdown), /\*\*Reached by\*\* 1 pod:\n- `shop\/frontend\[Pod\]` : TCP 8080/);
  // Reaches too; an address range outside the cluster is listed but not counted, as in the hint.
  assert.match(shown(h.markdown), /\*\*Reaches\*\* 0 pods, and addresses outside the cluster:\n- `0\.0\.0\.0-255\.255\.255\.255\[External\]` : All Connections/);
  assert.match(shown(h.markdown), /NetworkPolicy applies: `shop\/default-deny`, `shop\/api-from-frontend`$/);
  const hint = s.inlayHints(app.file).find((x) => x.position.line === lineOf(app.text, 'name: api'))!;
  assert.equal(hint.label, 'reached by 1 pod · reaches 0 pods');
});

test('hover on a pod no policy selects: one line, with the same counts as its hint', () => {
  const s = new LanguageService();
  const files = example('flannel-vxlan');
  s.update(files, {});
  const app = files.find((f) => /name: client/.test(f.text))!;
  const h = s.hover(app.file, { line: lineOf(app.text, 'name: client'), column: 9 })!;
  const hint = s.inlayHints(app.file).find((x) => x.position.line === lineOf(app.text, 'name: client'))!;
  const counts = /^reached by (\d+ pods?) · reaches (\d+ pods?)$/.exec(hint.label)!;
  assert.ok(counts, hint.label);
  const last = shown(h.markdown).split('\n').pop();
  assert.equal(last, `**Unrestricted**: no NetworkPolicy selects it (reached by ${counts[1]} · reaches ${counts[2]})`);
  assert.doesNotMatch(shown(h.markdown), /All Connections/);
});

test('hover on a policy rule lists the flows it admits; on a podSelector, the pods selected', () => {
  const s = new LanguageService();
  const files = example('calico-ipip');
  s.update(files, {});
  const pol = files.find((f) => f.file.endsWith('policies.yaml'))!;
  const rule = s.hover(pol.file, { line: lineOf(pol.text, '- from:'), column: 8 })!;
  assert.match(shown(rule.markdown), /shop\/api-from-frontend ingress\[0\]\*\* admits/);
  assert.match(shown(rule.markdown), /`shop\/frontend` → `shop\/api-[a-z0-9-]+` : TCP 8080/);
  const sel = s.hover(pol.file, { line: lineOf(pol.text, 'podSelector: {}'), column: 18 })!;
  assert.match(shown(sel.markdown), /matches 4 pods/);
});

test('CodeLens: "Trace from {name}…" on pods and workloads, "Trace to this Service from…" on Services; endpoint and selection counts', () => {
  const s = new LanguageService();
  const files = example('calico-ipip');
  s.update(files, {});
  const lenses = s.codeLenses('calico-ipip/app.yaml');
  assert.deepEqual(lenses.map((l) => `${l.title} ${l.command} ${JSON.stringify(l.args.slice(0, 1))}`), [
    'Trace from api… podpath.traceFrom ["deployment:shop/api"]',
    'Trace to this Service from… podpath.traceTo ["service:shop/api"]',
    '2 endpoints podpath.showEndpoints ["shop/api"]',
    'Trace from frontend… podpath.traceFrom ["pod:shop/frontend"]',
    'Trace from debug… podpath.traceFrom ["pod:shop/debug"]',
  ]);
  assert.ok(!lenses.some((l) => l.command === 'podpath.traceFrom' && String(l.args[0]).startsWith('service:')), 'a Service is never traced from');
  // The count lens carries the places its selector matches: the api Deployment's pod template.
  const app = files.find((f) => f.file.endsWith('app.yaml'))!;
  const matches = lenses.find((l) => l.command === 'podpath.showEndpoints')!.args[1] as { file: string; start: { line: number } }[];
  assert.equal(matches.length, 1);
  assert.equal(matches[0].file, app.file);
  assert.match(app.text.split('\n')[matches[0].start.line - 1], /^\s+metadata:/, 'the pod template');
  const policyLens = s.codeLenses('calico-ipip/policies.yaml')[0];
  assert.ok(Array.isArray(policyLens.args[1]) && (policyLens.args[1] as unknown[]).length >= 2, 'the policy lens carries its matches too');
  assert.deepEqual(s.codeLenses('calico-ipip/policies.yaml').map((l) => l.title), ['selects 4 pods', 'selects 2 pods']);
  // "2 endpoints" opens its endpoints: one aligned row per endpoint, address, pod and node.
  const doc = String(lenses.find((l) => l.command === 'podpath.showEndpoints')!.args[2]);
  const rows = doc.split('\n').filter((l) => /^  \d+\.\d+\.\d+\.\d+:\d+ /.test(l));
  assert.equal(rows.length, 2, doc);
  for (const r of rows) assert.match(r, /^  192\.168\.\d+\.\d+:8080 +shop\/api-[a-z0-9-]+ +worker-[ab] +yes$/);
  const header = doc.split('\n').find((l) => l.includes('ADDRESS'))!;
  assert.equal(header.indexOf('POD'), rows[0].indexOf('shop/'), 'columns aligned');
});

test('inlay hints in flow-style YAML go after the closing brace, never inside it; in JSON after the name', () => {
  const s = new LanguageService();
  const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, labels: {app: ${name}}}\nspec: {nodeName: node-1, containers: [{name: c, image: x}]}\n`;
  const oneLine = '{apiVersion: v1, kind: Pod, metadata: {name: c}, spec: {nodeName: node-1, containers: [{name: c, image: x}]}}\n';
  const multiLine = '{apiVersion: v1, kind: Pod, metadata: {name: d},\n spec: {nodeName: node-1, containers: [{name: c, image: x}]}}\n';
  s.update([{ file: 'a.yaml', text: `${pod('a')}---\n${oneLine}---\n${multiLine}` }], {});
  const hints = s.inlayHints('a.yaml');
  const lines = `${pod('a')}---\n${oneLine}---\n${multiLine}`.split('\n');
  const at = (h: { position: { line: number; column: number } }) => lines[h.position.line - 1].slice(0, h.position.column - 1);
  assert.deepEqual(hints.map(at), ['metadata: {name: a, labels: {app: a}}', oneLine.trimEnd(), '{apiVersion: v1, kind: Pod, metadata: {name: d}']);
  // Pretty-printed JSON (kubectl get -o json): the name has its own line; the hint follows it.
  const json = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'j' }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'x' }] } }, null, 2);
  s.update([{ file: 'j.json', text: json }], {});
  const [j] = s.inlayHints('j.json');
  assert.equal(json.split('\n')[j.position.line - 1].slice(0, j.position.column - 1), '    "name": "j"');
});

test('"Trace to this Service from…": its sources are workloads and pods by name, each with the Service\'s port, and every one traces', () => {
  const s = new LanguageService();
  s.update(example('flannel-vxlan'), {});
  const lens = s.codeLenses('flannel-vxlan/app.yaml').find((l) => l.command === 'podpath.traceTo')!;
  assert.deepEqual(lens.args, ['service:default/web']);
  const sources = s.traceSources('service:default/web');
  assert.ok(sources.length >= 3, `${sources.length} sources`);
  assert.deepEqual([...new Set(sources.map((x) => x.kind))], ['workload', 'pod'], 'workloads first, then pods');
  assert.ok(sources.some((x) => x.label === '$(package) client' && x.spec === 'pod:default/client'), 'the picker shows the name, the spec says what to trace');
  for (const x of sources) {
    assert.ok(!/^\$\([a-z-]+\) [a-z]+:/.test(x.label), `no spec in the label: ${x.label}`);
    assert.equal(x.port, 80);
    assert.equal(x.protocol, 'tcp');
    const r = s.trace(x.spec, lens.args[0] as string, x.port, x.protocol);
    assert.ok(r.ok, `${x.spec} → ${lens.args[0]}: ${r.error}`);
  }
  assert.deepEqual(s.servicePorts('service:default/web').map((p) => [p.port, p.protocol]), [[80, 'tcp']]);
  assert.deepEqual(s.traceSources('pod:default/client'), [], 'only a Service has a "trace to" picker');
  assert.deepEqual(s.traceSources('service:default/nope'), []);
});

test('inlay hints: reached by / reaches on workloads, selects / allows on policies', () => {
  const s = new LanguageService();
  s.update(example('calico-ipip'), {});
  const hints = s.inlayHints('calico-ipip/app.yaml').map((h) => h.label);
  // Everything in shop is ingress-isolated; only frontend → api is allowed (on 8080).
  // The Service has its count on its "N endpoints" lens: no second number beside it.
  assert.deepEqual(hints, ['reached by 1 pod · reaches 0 pods', 'reached by 0 pods · reaches 2 pods', 'reached by 0 pods · reaches 0 pods']);
  assert.deepEqual(s.inlayHints('calico-ipip/policies.yaml').map((h) => h.label), ['selects 4 pods · allows 2 flows', 'selects 2 pods · allows 2 flows']);
});

test('Go to Definition from a selector reaches the matched pods; Find References from a pod reaches the selectors', () => {
  const s = new LanguageService();
  const files = example('calico-ipip');
  s.update(files, {});
  const pol = files.find((f) => f.file.endsWith('policies.yaml'))!;
  const defs = s.definition(pol.file, { line: lineOf(pol.text, 'matchLabels: {app: frontend}'), column: 20 });
  const frontendLine = lineOf(files[0].text, 'name: frontend');
  assert.equal(defs.length, 1);
  assert.equal(defs[0].file, 'calico-ipip/app.yaml');
  assert.ok(defs[0].start.line < frontendLine && frontendLine < defs[0].end.line, 'the frontend Pod object');
  const app = files.find((f) => f.file.endsWith('app.yaml'))!;
  const refs = s.references(app.file, { line: lineOf(app.text, 'name: frontend'), column: 9 });
  assert.equal(refs.length, 2, 'default-deny podSelector and the peer of api-from-frontend');
});

test('quick fix: add the missing label to the pod template, after which the Service has endpoints', () => {
  const s = new LanguageService();
  const files: ServiceFile[] = [{ file: 'app.yaml', text: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels:
        app: web
    spec:
      containers: [{name: c, image: x, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web, tier: frontend}
  ports: [{port: 80}]
` }];
  const r = s.update(files, {});
  const d = r.diagnostics['app.yaml'].find((x) => x.code === 'service-selects-nothing')!;
  assert.equal(d.fixes.length, 1);
  assert.equal(d.fixes[0].title, 'Add label tier=frontend to the pod template of Deployment web');
  const fixed = applyEdit(files[0].text, d.fixes[0].edits[0]);
  assert.match(fixed, /labels:\n {8}app: web\n {8}tier: frontend\n/);
  const after = s.update([{ file: 'app.yaml', text: fixed }], {});
  assert.equal(after.diagnostics['app.yaml'].filter((x) => x.code === 'service-selects-nothing').length, 0);
});

test('quick fix: a one-key selector whose pods were relabelled: select the new value, or label the pods with the old one', () => {
  const s = new LanguageService();
  const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
spec:
  selector:
    matchLabels:
      app: frontend-v2
  template:
    metadata:
      labels:
        app: frontend-v2
    spec:
      containers: [{name: c, image: x, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata:
  name: apiserver
  labels:
    app: frontend-v3
spec:
  containers: [{name: c, image: x, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata:
  name: frontend
spec:
  selector:
    app: frontend
  ports: [{port: 80}]
`;
  const r = s.update([{ file: 'app.yaml', text }], {});
  const d = r.diagnostics['app.yaml'].find((x) => x.code === 'service-selects-nothing')!;
  assert.deepEqual(d.fixes.map((x) => x.title), [
    'Select the pods labelled app=frontend-v2',
    'Select the pods labelled app=frontend-v3',
    'Label the pods app=frontend (the pod template of Deployment frontend)',
    'Label the pods app=frontend (Pod apiserver)',
  ]);
  const endpoints = (t: string) => s.update([{ file: 'app.yaml', text: t }], {}).diagnostics['app.yaml'];
  // Select the new value: the Service finds the Deployment's pods.
  const selected = applyEdit(text, d.fixes[0].edits[0]);
  assert.match(selected, /selector:\n {4}app: frontend-v2\n {2}ports/);
  assert.deepEqual(endpoints(selected).map((x) => x.code), []);
  // Label the pods: template and the Deployment's own selector change together, nothing else.
  const labelled = d.fixes[2].edits.slice().sort((a, b) => b.range.start.line - a.range.start.line).reduce((t, e) => applyEdit(t, e), text);
  assert.match(labelled, /matchLabels:\n {6}app: frontend\n/);
  assert.match(labelled, /labels:\n {8}app: frontend\n/);
  assert.deepEqual(endpoints(labelled).map((x) => x.code), []);
  assert.equal(d.fixes[3].edits.length, 1, 'a bare Pod has no selector of its own');
});

test('quick fix: adding a label to a bare Pod names the Pod, not a pod template', () => {
  const s = new LanguageService();
  const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: apiserver\n  labels:\n    app: api\nspec:\n  containers: [{name: c, image: x}]\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  selector: {app: api, tier: backend}\n  ports: [{port: 80}]\n';
  const d = s.update([{ file: 'a.yaml', text }], {}).diagnostics['a.yaml'].find((x) => x.code === 'service-selects-nothing')!;
  assert.deepEqual(d.fixes.map((x) => x.title), ['Add label tier=backend to Pod apiserver']);
  assert.match(applyEdit(text, d.fixes[0].edits[0]), /labels:\n {4}app: api\n {4}tier: backend\n/);
});

test('quick fix: allow DNS egress in a default-deny egress policy', () => {
  const s = new LanguageService();
  const text = `apiVersion: v1
kind: Pod
metadata: {name: a, labels: {app: a}}
spec:
  containers: [{name: c, image: x}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress}
spec:
  podSelector: {}
  policyTypes: [Egress]
`;
  const r = s.update([{ file: 'p.yaml', text }], {});
  const d = r.diagnostics['p.yaml'].find((x) => x.code === 'egress-blocks-dns')!;
  const fixed = applyEdit(text, d.fixes[0].edits[0]);
  // Block style in a block mapping.
  assert.ok(fixed.endsWith(`policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector: {}
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - protocol: UDP
          port: 53
        - protocol: TCP
          port: 53
`), fixed);
  const after = s.update([{ file: 'p.yaml', text: fixed }], {});
  assert.equal(after.diagnostics['p.yaml'].filter((x) => x.code === 'egress-blocks-dns').length, 0);
  assert.equal(after.summary.errors, 0);
});

test('trace returns the Trace and a podpath-trace document with file:line:col links', () => {
  const s = new LanguageService();
  s.update(example('seed-000'), {});
  const r = s.trace('pod1', 'pod4');
  assert.equal(r.ok, true);
  assert.equal(r.trace!.verdict, 'delivered');
  assert.match(r.document!, /\(seed-000\/cluster\.yaml:\d+:\d+\)/);
  // Each link sits on its location in the document and points where the hop's decidedBy says.
  const lines = r.document!.split('\n');
  const sources = [...r.trace!.hops, ...r.trace!.branches.flatMap((b) => b.hops)].map((h) => h.decidedBy?.source).filter((x) => !!x);
  assert.ok(r.links!.length >= 3, `${r.links!.length} links`);
  assert.equal(r.links!.length, sources.length, 'one link per hop with a source location');
  for (const l of r.links!) {
    assert.equal(lines[l.line - 1].slice(l.column - 1, l.column - 1 + l.length), `${l.target.file}:${l.target.start.line}:${l.target.start.column}`);
  }
  assert.equal(s.trace('pod1', 'nope').ok, false);
  assert.deepEqual(s.nodes(), ['node1', 'node2']);
  assert.match(s.dataplane('node1', ['routes']), /^10\.1\.2\.0\/24 via 192\.168\.1\.11 dev eth0 proto static$/m);
});

test('trace targets offer Services with their ports, NodePorts, pods, workloads, nodes and an outside address', () => {
  const s = new LanguageService();
  s.update(example('flannel-vxlan'), {});
  const t = s.traceTargets('pod:default/client');
  assert.ok(t.some((x) => x.kind === 'service' && x.spec === 'service:default/web' && x.port === 80 && x.label === '$(symbol-interface) web:80'));
  assert.ok(t.some((x) => x.kind === 'nodeport' && x.port === 30080));
  assert.ok(!t.some((x) => x.spec === 'pod:default/client'), 'not the source itself');
  assert.ok(t.some((x) => x.kind === 'external'));
});

test('settings provide the default cluster when the workspace has no Cluster document', () => {
  const s = new LanguageService();
  const pods = example('seed-000').filter((f) => f.file.endsWith('pods.yaml')).map((f) => ({ ...f, text: f.text.replace(/nodeName: node1/g, 'nodeName: node-1').replace(/nodeName: node2/g, 'nodeName: node-2').replace(/status: \{podIP: [0-9.]+\}\n?/g, '') }));
  const r = s.update(pods, { defaultCluster: { plugin: 'calico', backend: 'ipip', kubeProxyMode: 'ipvs' } });
  assert.equal(r.summary.network, 'calico ipip · ipvs');
  assert.ok(!(SETTINGS_FILE in r.diagnostics), 'the settings pseudo-file gets no diagnostics');
});

test('trace with its reply: the document adds the reply section, and its hops link to their YAML too', () => {
  const s = new LanguageService();
  s.update(example('seed-003'), {});
  const plain = s.trace('frontend', 'service:frontend');
  const r = s.trace('frontend', 'service:frontend', undefined, undefined, true);
  assert.equal(r.ok, true);
  assert.equal(plain.reply, undefined, 'no reply unless asked for');
  assert.equal(r.reply!.ok, true);
  assert.ok(r.document!.startsWith(plain.document!), 'the forward trace is unchanged');
  assert.match(r.document!, /\nReply\n[\s\S]*nat\/reverse-dnat: conntrack \(POSTROUTING\): reverse REDIRECT of hop 6/);
  const replyHops = r.reply!.paths.flatMap((p) => p.connections.flatMap((c) => c.hops));
  const replySources = replyHops.map((h) => h.decidedBy?.source).filter((x) => !!x);
  assert.ok(replySources.length > 0);
  assert.equal(r.links!.length, plain.links!.length + replySources.length, 'one more link per reply hop with a source location');
  const lines = r.document!.split('\n');
  for (const l of r.links!) {
    assert.equal(lines[l.line - 1].slice(l.column - 1, l.column - 1 + l.length), `${l.target.file}:${l.target.start.line}:${l.target.start.column}`);
  }
  const replyStart = lines.indexOf('Reply') + 1;
  assert.ok(r.links!.some((l) => l.line > replyStart), 'links inside the reply section');
});
