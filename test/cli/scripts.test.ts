import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../../src/cli/main';
import { analyzeSources } from '../../src/core/analyze';
import { workloadName } from '../../src/core/policy/connlist';
import { REPO_ROOT } from '../support/analyze';

/** The command line as scripts and CI jobs use it. */

const run = (...argv: string[]) => runCli(argv, REPO_ROOT);
const KINDS = 'test/fixtures/endpoint-kinds';

function tempDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-cli-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

test('--version prints the package version', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const r = run(flag);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `podpath ${pkg.version}\n`);
  }
});

test('--namespace puts objects without a namespace where kubectl apply -n would', () => {
  const dir = tempDir({
    'install.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: server, labels: {app: server}}\nspec:\n  containers: [{name: c, image: argocd, ports: [{containerPort: 8080}]}]\n---\n'
      + 'apiVersion: v1\nkind: Service\nmetadata: {name: server}\nspec:\n  selector: {app: server}\n  ports: [{port: 80, targetPort: 8080}]\n---\n'
      + 'apiVersion: v1\nkind: Pod\nmetadata: {name: pinned, namespace: other}\nspec:\n  containers: [{name: c, image: x}]\n',
  });
  try {
    const pods = JSON.parse(runCli(['pods', dir, '--namespace', 'argocd', '--format', 'json'], REPO_ROOT).stdout) as { namespace: string; name: string }[];
    assert.deepEqual(pods.map((p) => `${p.namespace}/${p.name}`).sort(), ['argocd/server', 'other/pinned']);
    const before = JSON.parse(runCli(['pods', dir, '--format', 'json'], REPO_ROOT).stdout) as { namespace: string }[];
    assert.ok(before.some((p) => p.namespace === 'default'), 'without it, default');
    const t = runCli(['trace', dir, '--namespace', 'argocd', '--from', 'pinned', '--to', 'server'], REPO_ROOT);
    assert.equal(t.code, 2, 'bare names are looked up in --namespace too: other/pinned is not argocd/pinned');
    const ok = runCli(['trace', dir, '--namespace', 'argocd', '--from', 'other/pinned', '--to', 'server.argocd.svc'], REPO_ROOT);
    assert.equal(ok.code, 0, ok.stderr);
    const bad = runCli(['pods', dir, '--namespace', 'Not_A_Namespace'], REPO_ROOT);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--namespace "Not_A_Namespace" is not a namespace name/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('matrix without --port uses each destination\'s declared ports, names them per column, and has a legend', () => {
  const r = run('matrix', 'examples/calico-ipip');
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], 'each column on its destination\'s declared ports');
  const header = lines[1].split('\t');
  assert.equal(header[0], '-');
  assert.ok(header.includes('shop/frontend:3000/TCP,9090/TCP'), header.join(' | '));
  assert.ok(header.some((h) => /^shop\/api-[a-z0-9-]+:8080\/TCP$/.test(h)), 'the api pods listen on 8080, not 80');
  assert.ok(header.includes('shop/debug:any'), 'no declared port: every port is judged');
  const frontendRow = lines.find((l) => l.startsWith('shop/frontend\t'))!.split('\t');
  const apiColumn = header.findIndex((h) => h.startsWith('shop/api-'));
  assert.equal(frontendRow[apiColumn], '.', 'frontend reaches api on its declared 8080 (at TCP 80 it would be X)');
  assert.equal(run('matrix', 'examples/calico-ipip', '--port', '80').stdout.split('\n').find((l) => l.startsWith('shop/frontend\t'))!.split('\t')[apiColumn], 'X');
  assert.match(r.stdout, /\nrows: from \(the source pod\) · columns: to \(the destination pod, with the ports tried\)\n/);
  assert.match(r.stdout, /\n\. allowed {2}X blocked {2}~ allowed on some of the ports only/);
  const withPort = run('matrix', 'examples/calico-ipip', '--port', '8080');
  assert.match(withPort.stdout, /^TCP\/8080\n-\t/);
  assert.match(withPort.stdout, /\nrows: from \(the source pod\) · columns: to \(the destination pod\)\n\. allowed {2}X blocked\n$/);
});

test('matrix --namespaces with a namespace that does not exist is an error naming the ones that do', () => {
  const r = run('matrix', 'examples/calico-ipip', '--namespaces', 'nope');
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^podpath matrix: --namespaces: no namespace nope in the manifests \(namespaces: .*shop.*\)\n$/);
  assert.equal(run('matrix', 'examples/calico-ipip', '--namespaces', 'shop,nope').code, 2);
  assert.equal(run('matrix', 'examples/calico-ipip', '--namespaces', ',').code, 2);
  assert.equal(run('matrix', 'examples/calico-ipip', '--namespaces', 'shop').code, 0);
});

test('SARIF artifact URIs are relative to a uriBaseId at the repository root, wherever podpath runs', () => {
  const fromRoot = JSON.parse(run('check', 'test/fixtures/cli/bad.yaml', '--format', 'sarif').stdout);
  const fromElsewhere = JSON.parse(runCli(['check', path.join(REPO_ROOT, 'test/fixtures/cli/bad.yaml'), '--format', 'sarif'], os.tmpdir()).stdout);
  const fromSub = JSON.parse(runCli(['check', 'bad.yaml', '--format', 'sarif'], path.join(REPO_ROOT, 'test/fixtures/cli')).stdout);
  for (const sarif of [fromRoot, fromElsewhere, fromSub]) {
    const run0 = sarif.runs[0];
    assert.deepEqual(run0.originalUriBaseIds, { SRCROOT: { uri: `file://${REPO_ROOT.split(path.sep).map(encodeURIComponent).join('/')}/`.replace('file:////', 'file:///') } });
    for (const r of run0.results) assert.deepEqual(r.locations[0].physicalLocation.artifactLocation, { uri: 'test/fixtures/cli/bad.yaml', uriBaseId: 'SRCROOT' });
  }
  // Outside any repository: relative to the folder given.
  const dir = tempDir({ 'a.yaml': fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/cli/bad.yaml'), 'utf8') });
  try {
    const sarif = JSON.parse(runCli(['check', dir, '--format', 'sarif'], REPO_ROOT).stdout);
    assert.equal(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, 'a.yaml');
    assert.match(sarif.runs[0].originalUriBaseIds.SRCROOT.uri, /^file:\/\/\/.*podpath-cli-[^/]+\/$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('outside → NodePort: the header shows the node address and NodePort the packet was sent to', () => {
  const svc = run('trace', KINDS, '--from', '203.0.113.9', '--to', 'service:shop/web-np');
  assert.equal(svc.code, 0, svc.stderr);
  assert.match(svc.stdout, /^TCP 203\.0\.113\.9 → shop\/web-np via NodePort 192\.168\.10\.11:30080 \(node node-a\)\n/);
  const json = JSON.parse(run('trace', KINDS, '--from', '203.0.113.9', '--to', 'service:shop/web-np', '--format', 'json').stdout);
  assert.equal(json.to.via, 'NodePort 192.168.10.11:30080 (node node-a)');
  assert.deepEqual([json.packet.dst, json.packet.dport], ['192.168.10.11', 30080]);
  const direct = run('trace', KINDS, '--from', '203.0.113.9', '--to', '192.168.10.11:30080');
  assert.match(direct.stdout, /^TCP 203\.0\.113\.9 → node-a via NodePort 192\.168\.10\.11:30080 of Service shop\/web-np\n/);
  const clusterIP = run('trace', KINDS, '--from', '203.0.113.9', '--to', '10.96.0.20:80');
  assert.equal(clusterIP.code, 1, 'a ClusterIP typed as an address is walked as given: outside, nothing routes it');
  assert.match(clusterIP.stdout, /Verdict: NO-ROUTE — 10\.96\.0\.20 is not routable from outside the cluster/);
});

test('on a NodePort entry node, policy (filter FORWARD) comes before nat POSTROUTING MASQUERADE, and no masquerade note without a policy', () => {
  const t = JSON.parse(run('trace', KINDS, '--from', '203.0.113.9', '--to', 'service:shop/web-np', '--format', 'json').stdout);
  const local = t.branches.find((b: { hops: { node: string; stage: string; action: string }[] }) => b.hops.some((h) => h.stage === 'deliver' && h.node === 'node-a'));
  assert.ok(local, 'one backend runs on the entry node');
  const steps = local.hops.map((h: { stage: string; action: string }) => `${h.stage}/${h.action}`);
  const policy = steps.indexOf('policy/allowed');
  const masq = steps.indexOf('nat/masquerade');
  assert.ok(policy >= 0 && masq >= 0, steps.join(' '));
  assert.ok(policy < masq, `kernel order: ${steps.join(' → ')}`);
  assert.ok(t.notes.some((n: string) => /^NetworkPolicy on node-a sees 203\.0\.113\.9, the source before masquerading/.test(n)), 'where a policy exists, the note says which source it judged');
  // Without any NetworkPolicy: no policy hop, no note about policy.
  const noPolicy = tempDir({ 'np.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec:\n  nodeName: node-1\n  containers: [{name: c, image: nginx, ports: [{containerPort: 8080}]}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]\n' });
  try {
    const plain = JSON.parse(runCli(['trace', noPolicy, '--from', '203.0.113.9', '--to', '192.168.1.11:30080', '--format', 'json'], REPO_ROOT).stdout);
    const hops = [...plain.hops, ...plain.branches.flatMap((b: { hops: unknown[] }) => b.hops)] as { stage: string }[];
    assert.ok(hops.length > 0);
    assert.ok(hops.every((h) => h.stage !== 'policy'));
    assert.ok(plain.notes.every((n: string) => !/NetworkPolicy|masquerad/.test(n)), plain.notes.join('\n'));
    assert.ok(hops.some((h) => (h as { action?: string }).action === 'masquerade'), 'the packet is still masqueraded');
  } finally {
    fs.rmSync(noPolicy, { recursive: true, force: true });
  }
});

test('connlist prints a static hostNetwork pod as the pod written, while traces reach it on its node address', () => {
  const r = run('connlist', KINDS);
  assert.match(r.stdout, /^kube-system\/etcd-node-a\[Pod\] => default\/client\[Pod\] : All Connections$/m);
  assert.match(r.stdout, /^default\/client\[Pod\] => kube-system\/etcd-node-a\[Pod\] : All Connections$/m);
  assert.doesNotMatch(r.stdout, /\[Node\]/);
  const t = JSON.parse(run('trace', KINDS, '--from', 'client', '--to', 'kube-system/etcd-node-a', '--port', 'client', '--format', 'json').stdout);
  assert.equal(t.to.ip, '192.168.10.11', 'a hostNetwork pod has its node\'s address');
  assert.equal(t.verdict, 'delivered');
});

test('addresses PodPath assigned are marked: trace header, pods (txt legend and JSON field)', () => {
  const pods = run('pods', KINDS);
  assert.match(pods.stdout, /^shop +solo +node-a +10\.10\.1\.\d+\* /m);
  assert.match(pods.stdout, /^default +agent-\w+ +node-\w +192\.168\.10\.1\d +\(hostNetwork\)/m, 'a node address is not invented');
  assert.match(pods.stdout, /\n\* IP assigned by PodPath: the manifests carry no status\.podIP for this pod\n$/);
  const json = JSON.parse(run('pods', KINDS, '--format', 'json').stdout) as { name: string; ipAssigned: boolean }[];
  assert.equal(json.find((p) => p.name === 'solo')!.ipAssigned, true);
  assert.equal(json.find((p) => p.name === 'etcd-node-a')!.ipAssigned, false);
  const seed = JSON.parse(run('pods', 'examples/seed-000', '--format', 'json').stdout) as { ipAssigned: boolean }[];
  assert.ok(seed.every((p) => !p.ipAssigned), 'seed-000 writes its pods\' IPs');
  assert.doesNotMatch(run('pods', 'examples/seed-000').stdout, /assigned by PodPath/, 'no legend when nothing is marked');
  const t = run('trace', KINDS, '--from', 'client', '--to', 'service:shop/web-np');
  assert.match(t.stdout, /^TCP default\/client \(10\.10\.2\.\d+\* on node-b\) → shop\/web-np \(10\.96\.\d+\.\d+\*\), port 80\n\* address assigned by PodPath/);
  const fixed = JSON.parse(run('trace', KINDS, '--from', 'client', '--to', 'service:shop/frontend', '--format', 'json').stdout);
  assert.equal(fixed.from.ipAssigned, true);
  assert.equal(fixed.to.ipAssigned, undefined, 'shop/frontend writes its clusterIP 10.96.0.20');
  const a = analyzeSources([KINDS + '/cluster.yaml', KINDS + '/app.yaml'].map((f) => ({ file: f, text: fs.readFileSync(path.join(REPO_ROOT, f), 'utf8') })));
  const svc = (k: string) => a.cluster.servicesByKey.get(k)!;
  assert.deepEqual([svc('shop/frontend').clusterIPAssigned, svc('shop/web-np').clusterIPAssigned], [false, true]);
  assert.deepEqual([svc('shop/web-np').ports[0].nodePortAssigned, svc('shop/web-lb').ports[0].nodePortAssigned], [false, true]);
});

test('changing only the CNI or networkPolicy in the Cluster document moves no pod address (nor a ClusterIP or NodePort)', () => {
  const app = fs.readFileSync(path.join(REPO_ROOT, KINDS, 'app.yaml'), 'utf8');
  const doc = fs.readFileSync(path.join(REPO_ROOT, KINDS, 'cluster.yaml'), 'utf8');
  const addresses = (cni: string, policy: string) => {
    const cluster = doc.replace(/^ {2}cni: .*$/m, `  cni: ${cni}`).replace(/^ {2}kubeProxy:/m, `  networkPolicy: ${policy}\n  kubeProxy:`);
    assert.ok(cluster.includes(cni) && cluster.includes(`networkPolicy: ${policy}`));
    const a = analyzeSources([{ file: 'cluster.yaml', text: cluster }, { file: 'app.yaml', text: app }]);
    assert.deepEqual(a.findings.filter((f) => f.severity === 'error'), []);
    return [...a.cluster.pods.map((p) => `${p.key} ${p.node} ${p.ip}`), ...a.cluster.services.map((x) => `${x.key} ${x.clusterIP ?? '-'} ${x.ports.map((sp) => sp.nodePort ?? '-').join(',')}`)];
  };
  const reference = addresses('{plugin: calico, backend: ipip}', 'auto');
  assert.ok(reference.length >= 10);
  for (const cni of ['{plugin: calico, backend: vxlan}', '{plugin: calico, backend: bgp}', '{plugin: flannel, backend: vxlan}', '{plugin: flannel, backend: host-gw}', '{plugin: flannel, backend: udp}', '{plugin: bridge}']) {
    for (const policy of ['auto', 'enforced', 'ignored']) {
      assert.deepEqual(addresses(cni, policy), reference, `${cni}, networkPolicy: ${policy}`);
    }
  }
});

test('connlist names a pod by its owner even when the ownerReference gives no kind', () => {
  const a = analyzeSources([KINDS + '/cluster.yaml', KINDS + '/app.yaml'].map((f) => ({ file: f, text: fs.readFileSync(path.join(REPO_ROOT, f), 'utf8') })));
  const replica = a.cluster.pods.find((p) => p.owner.key === 'shop/frontend')!;
  const noKind = { ...replica, owner: { ...replica.owner, kind: '' as never } };
  assert.equal(workloadName(noKind, a.cluster), 'shop/frontend[Deployment]', 'the workload of that name says the kind');
  const unknown = { ...replica, owner: { ...replica.owner, kind: '' as never, name: 'operator-made', key: 'shop/operator-made' } };
  assert.equal(workloadName(unknown, a.cluster), 'shop/operator-made[Controller]', 'the owner\'s name is kept even when nothing says its kind');
  const mirror = a.cluster.podsByKey.get('kube-system/etcd-node-a')!;
  assert.equal(workloadName(mirror, a.cluster), 'kube-system/etcd-node-a[Pod]');
});
