import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../../src/cli/main';
import { LanguageService } from '../../src/core/service/language-service';
import { REPO_ROOT } from '../support/analyze';

/**
 * Every pair of endpoint kinds a user can type, on one cluster holding each kind
 * (test/fixtures/endpoint-kinds), asked through the CLI and through the language service's
 * trace entry (what the editor's trace command calls). Each answer is a trace, or a usage
 * error that is one sentence — never an internal error.
 */
const FIXTURE = 'test/fixtures/endpoint-kinds';

const ENDPOINTS: Record<string, string> = {
  'pod': 'client',
  'pod (ns/name)': 'shop/solo',
  'pod (prefixed)': 'pod:shop/solo',
  'container': 'shop/solo/sidecar',
  'Deployment': 'deployment:shop/frontend',
  'StatefulSet': 'statefulset:shop/db',
  'DaemonSet (hostNetwork)': 'daemonset:agent',
  'ReplicaSet': 'replicaset:shop/legacy',
  'Job': 'job:shop/batch',
  'CronJob': 'cronjob:shop/nightly',
  'ReplicationController': 'rc:shop/rc',
  'static pod (hostNetwork)': 'kube-system/etcd-node-a',
  'Service ClusterIP': 'service:shop/frontend',
  'Service NodePort': 'service:shop/web-np',
  'Service LoadBalancer': 'service:shop/web-lb',
  'Service headless': 'service:shop/db',
  'Service ExternalName': 'service:shop/ext',
  'Service without endpoints': 'service:shop/empty',
  'bare name (Service and Deployment)': 'shop/frontend',
  'ClusterIP': '10.96.0.20',
  'ClusterIP:port': '10.96.0.20:80',
  'ClusterIP:port name': '10.96.0.20:http',
  'ns/name:port': 'shop/frontend:80',
  'NodePort': '192.168.10.11:30080',
  'node': 'node-a',
  'node (prefixed)': 'node:node-b',
  'node IP': '192.168.10.12',
  'pod IP': '', // filled in from the analysis below
  'external IP': '203.0.113.9',
  'LoadBalancer IP': '203.0.113.50',
  'DNS name.ns': 'frontend.shop',
  'DNS name.ns.svc': 'frontend.shop.svc',
  'DNS FQDN (cluster domain)': 'frontend.shop.svc.corp.local',
  'DNS FQDN:port name': 'web-np.shop.svc.corp.local:http',
};

function files(): { file: string; text: string }[] {
  const dir = path.join(REPO_ROOT, FIXTURE);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => ({ file: `${FIXTURE}/${f}`, text: fs.readFileSync(path.join(dir, f), 'utf8') }));
}

/** One sentence: a single line, ending in a word or a closing mark, no stack frames. */
function assertSentence(text: string, where: string): void {
  assert.doesNotMatch(text, /internal error|TypeError|ReferenceError|\bundefined\b|\bNaN\b|\n\s+at /, where);
  assert.match(text, /^[^\n]{12,}$/, `${where}: one line`);
}

test('every pair of endpoint kinds gives a trace or a one-sentence usage error, in the CLI and the language service', () => {
  const service = new LanguageService();
  service.update(files(), {});
  const podIP = service.current().cluster.podsByKey.get('shop/solo')!.ip;
  const specs = Object.entries({ ...ENDPOINTS, 'pod IP': podIP });
  let pairs = 0, traces = 0, usage = 0;
  const outcomes = new Map<string, number>();
  for (const [fromKind, from] of specs) {
    for (const [toKind, to] of specs) {
      const where = `${fromKind} (${from}) → ${toKind} (${to})`;
      pairs++;
      const cli = runCli(['trace', FIXTURE, '--from', from, '--to', to], REPO_ROOT);
      const ls = service.trace(from, to);
      if (cli.code === 2) {
        usage++;
        assert.equal(cli.stdout, '', where);
        assert.match(cli.stderr, /^podpath trace: --(from|to): /, where);
        assertSentence(cli.stderr.trimEnd(), where);
        assert.equal(ls.ok, false, `${where}: the language service refuses it too`);
        if (!ls.ok) assert.equal(`podpath trace: ${ls.error}\n`, cli.stderr, `${where}: with the same sentence`);
      } else {
        traces++;
        assert.ok(cli.code === 0 || cli.code === 1, `${where}: exit ${cli.code}: ${cli.stderr}`);
        assert.match(cli.stdout, /\nVerdict: (DELIVERED|DROPPED|REJECTED|NO-ROUTE|EXITS-CLUSTER|UNRESOLVED) — \S/, where);
        assert.ok(ls.ok, `${where}: the language service traces it too`);
        if (ls.ok && ls.trace) {
          assert.equal(ls.trace.verdict === 'delivered' ? 0 : 1, cli.code, `${where}: same verdict`);
          assertSentence(ls.trace.reason, `${where}: reason`);
          for (const b of ls.trace.branches) assertSentence(b.reason, `${where}: branch reason`);
        }
      }
      const key = cli.code === 2 ? 'usage' : cli.stdout.match(/\nVerdict: (\S+)/)![1];
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
  }
  console.log(`endpoint pairs: ${pairs} (${specs.length} endpoint kinds squared): ${traces} traces, ${usage} usage errors; ${[...outcomes].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
  assert.equal(pairs, specs.length ** 2);
  assert.ok(traces > usage, 'most pairs are traceable');
});

const run = (...argv: string[]) => runCli(['trace', FIXTURE, ...argv], REPO_ROOT);

test('a Service as the source is a usage error naming its workload and backend pods', () => {
  const r = run('--from', 'service:shop/frontend', '--to', 'client');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--from: Service shop\/frontend cannot be a source: a Service only receives packets .* trace from its backing workload `deployment:shop\/frontend` or one of its backend pods \(shop\/frontend-/);
  const ip = run('--from', '10.96.0.20', '--to', 'client');
  assert.equal(ip.code, 2);
  assert.match(ip.stderr, /--from: 10\.96\.0\.20 is an address of Service shop\/frontend\. Service shop\/frontend cannot be a source/);
  const lb = run('--from', '203.0.113.50', '--to', 'client');
  assert.equal(lb.code, 2, 'a load-balancer IP belongs to its Service too');
  const none = run('--from', 'service:shop/empty', '--to', 'client');
  assert.match(none.stderr, /it has no backend pods either, so trace from a pod, a workload, a node or an outside address/);
});

test('a bare name as the source is the pod, then the workload, then the node — never the Service', () => {
  const r = run('--from', 'frontend', '--to', 'default/client', '--namespace', 'shop', '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const t = JSON.parse(r.stdout);
  assert.equal(t.from.kind, 'workload', 'shop/frontend is a Deployment and a Service: as a source it is the Deployment');
  assert.equal(t.from.name, 'shop/frontend[Deployment]');
  const dst = JSON.parse(run('--from', 'client', '--to', 'shop/frontend', '--format', 'json').stdout);
  assert.equal(dst.to.kind, 'service', 'as a destination the same name is the Service');
  const node = JSON.parse(run('--from', 'node-a', '--to', 'client', '--format', 'json').stdout);
  assert.equal(node.from.kind, 'node');
});

test('Service DNS names, name:port and port names resolve as a pod would resolve them', () => {
  const want = (to: string, port: number, ...extra: string[]) => {
    const r = run('--from', 'client', '--to', to, '--format', 'json', ...extra);
    assert.equal(r.code, 0, `${to}: ${r.stderr}`);
    const t = JSON.parse(r.stdout);
    assert.equal(t.to.kind, 'service', to);
    assert.equal(t.packet.dport, port, to);
    return t;
  };
  assert.equal(want('frontend.shop', 80).to.name, 'shop/frontend');
  want('frontend.shop.svc', 80);
  want('frontend.shop.svc.corp.local', 80);
  want('frontend.shop.svc.corp.local.', 80);
  want('shop/frontend:80', 80);
  want('shop/frontend:http', 80);
  want('service:shop/web-lb', 443, '--port', 'http');
  want('10.96.0.20:http', 80);
  const wrongDomain = run('--from', 'client', '--to', 'frontend.shop.svc.cluster.local');
  assert.equal(wrongDomain.code, 2, 'the cluster domain comes from the Cluster document (corp.local)');
  const pod = JSON.parse(run('--from', 'client', '--to', 'shop/solo', '--port', 'metrics', '--format', 'json').stdout);
  assert.equal(pod.packet.dport, 9090, 'a container port name');
  const noName = run('--from', 'client', '--to', 'shop/solo', '--port', 'grpc');
  assert.equal(noName.code, 2);
  assert.match(noName.stderr, /pod shop\/solo declares no port named "grpc" \(8080\/TCP \(http\), 9090\/TCP \(metrics\)\)/);
});

test('a trace to a Service on a port it does not expose is a usage error listing the ports it exposes', () => {
  for (const argv of [['--to', 'service:shop/frontend', '--port', '5000'], ['--to', '10.96.0.20:5000'], ['--to', 'frontend.shop:5000']]) {
    const r = run('--from', 'client', ...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /--to: Service shop\/frontend does not expose port 5000; it exposes 80\/TCP \(http\)\n$/);
  }
  const udp = run('--from', 'client', '--to', 'service:shop/frontend', '--protocol', 'udp');
  assert.equal(udp.code, 2);
  assert.match(udp.stderr, /does not expose any port\/UDP; it exposes 80\/TCP \(http\)/);
  const twice = run('--from', 'client', '--to', 'shop/frontend:80', '--port', '443');
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /the port is given twice/);
});

test('Services without a virtual IP answer with a sentence, not a walk to an empty address', () => {
  const ext = run('--from', 'client', '--to', 'service:shop/ext', '--format', 'json');
  assert.equal(ext.code, 1);
  const t = JSON.parse(ext.stdout);
  assert.equal(t.verdict, 'unresolved');
  assert.deepEqual(t.hops, []);
  assert.match(t.reason, /^Service shop\/ext is ExternalName: DNS answers with a CNAME to db\.example\.com; no packet goes to a cluster address/);
  const headless = JSON.parse(run('--from', 'client', '--to', 'db.shop', '--format', 'json').stdout);
  assert.equal(headless.verdict, 'delivered');
  assert.ok(headless.hops.every((h: { packet: { dst: string } }) => h.packet.dst !== ''), 'the client connects to the pod IP DNS returns');
  assert.equal(headless.packet.dst, JSON.parse(run('--from', 'client', '--to', 'shop/db-0', '--format', 'json').stdout).to.ip);
});

test('explain resolves by direction too: a bare name shared by a Service and a Deployment is the Deployment as source', () => {
  const r = runCli(['explain', FIXTURE, '--namespace', 'shop', '--from', 'frontend', '--to', 'solo', '--port', 'http'], REPO_ROOT);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^TCP frontend \(10\.10\.\d+\.\d+\) → shop\/solo \(10\.10\.1\.\d+\) port 8080/);
  assert.doesNotMatch(r.stdout, /10\.96\.0\.20/, 'never the ClusterIP as a source');
  const svc = runCli(['explain', FIXTURE, '--from', 'service:shop/frontend', '--to', 'shop/solo'], REPO_ROOT);
  assert.equal(svc.code, 2);
  assert.match(svc.stderr, /^podpath explain: --from: Service shop\/frontend cannot be a source/);
  const port = runCli(['explain', FIXTURE, '--from', 'client', '--to', 'shop/frontend:5000'], REPO_ROOT);
  assert.equal(port.code, 2);
  assert.match(port.stderr, /does not expose port 5000; it exposes 80\/TCP \(http\)/);
});

test('for a dump whose pods name their ReplicaSet, the suggested source is the Deployment above it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-pairs-'));
  const rs = (kind: string, name: string, owner?: string) => `apiVersion: apps/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n${owner ? `  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: ${owner}, uid: a}]\n` : ''}spec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]\n`;
  fs.writeFileSync(path.join(dir, 'dump.yaml'), [
    rs('Deployment', 'web'), rs('ReplicaSet', 'web-5d9c7b', 'web'),
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-5d9c7b-abcde\n  labels: {app: web}\n  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9c7b, uid: b}]\nspec:\n  nodeName: node-1\n  containers: [{name: c, image: nginx}]\nstatus: {podIP: 10.244.1.20}\n',
    'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n',
  ].join('---\n'));
  try {
    const r = runCli(['trace', dir, '--from', 'service:web', '--to', 'web-5d9c7b-abcde'], REPO_ROOT);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /trace from its backing workload `deployment:default\/web` or one of its backend pods \(default\/web-5d9c7b-abcde\)\n$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
