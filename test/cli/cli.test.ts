import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';
import * as fs from 'fs';
import * as os from 'os';
import { runCli } from '../../src/cli/main';
import { REPO_ROOT } from '../support/analyze';

const run = (...argv: string[]) => runCli(argv, REPO_ROOT);

test('trace exits 0 when the packet is delivered and prints the numbered path', () => {
  const r = run('trace', 'examples/seed-000', '--from', 'pod1', '--to', 'pod4');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^TCP default\/pod1 \(10\.1\.1\.2 on node1\) → default\/pod4 \(10\.1\.2\.3 on node2\), port 80/);
  assert.match(r.stdout, / 8\. \[node1 · root netns · eth0\] underlay\/forwarded: leaves node1 on the wire/);
  assert.match(r.stdout, /Verdict: DELIVERED/);
});

test('trace exits 1 when the packet is not delivered', () => {
  const r = run('trace', 'examples/seed-000', '--from', '203.0.113.5', '--to', 'pod4');
  assert.equal(r.code, 1);
  assert.match(r.stdout, /Verdict: NO-ROUTE/);
});

test('trace exits 2 on usage errors and unknown endpoints, with a message on stderr', () => {
  assert.equal(run('trace', 'examples/seed-000', '--from', 'pod1').code, 2);
  const unknown = run('trace', 'examples/seed-000', '--from', 'pod1', '--to', 'nosuchpod');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--to: nothing is called "nosuchpod"/);
  assert.equal(run('trace', 'examples/seed-000', '--from', 'pod1', '--to', 'pod2', '--port', '70000').code, 2);
  assert.equal(run('trace', 'no/such/folder', '--from', 'a', '--to', 'b').code, 2);
  assert.equal(run('frobnicate').code, 2);
});

test('trace --format json is the Trace type, and byte-for-byte stable', () => {
  const a = run('trace', 'examples/flannel-vxlan', '--from', 'client', '--to', 'service:web', '--format', 'json');
  const b = run('trace', 'examples/flannel-vxlan', '--from', 'client', '--to', 'service:web', '--format', 'json');
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  const t = JSON.parse(a.stdout);
  assert.equal(t.version, 1);
  assert.deepEqual(Object.keys(t), ['version', 'from', 'to', 'packet', 'hops', 'branches', 'verdict', 'reason', 'notes']);
  assert.equal(t.branches.length, 2);
  for (const b2 of t.branches) assert.equal(b2.probability, 0.5);
  const dnat = t.branches[0].hops.find((h: { action: string }) => h.action === 'dnat');
  assert.equal(dnat.decidedBy.kind, 'rule');
  assert.match(dnat.decidedBy.text, /^-A KUBE-SEP-[A-Z2-7]{16} .* -j DNAT --to-destination 10\.244\.\d+\.\d+:8080$/);
  assert.equal(dnat.decidedBy.source.file, 'examples/flannel-vxlan/app.yaml');
});

test('dataplane prints routes, neighbours and iptables-save per node', () => {
  const r = run('dataplane', 'examples/flannel-vxlan', '--node', 'node-1', '--routes');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^10\.244\.2\.0\/24 via 10\.244\.2\.0 dev flannel\.1 onlink$/m);
  assert.match(r.stdout, /^default via 192\.168\.1\.1 dev eth0 proto static$/m);
  assert.doesNotMatch(r.stdout, /\*nat/, '--routes alone prints no iptables');
  const ipt = run('dataplane', 'examples/flannel-vxlan', '--node', 'node-1', '--iptables');
  assert.match(ipt.stdout, /^\*nat$/m);
  assert.match(ipt.stdout, /^-A KUBE-SERVICES -m comment --comment "default\/web:http cluster IP" -m tcp -p tcp -d \S+ --dport 80 -j KUBE-SVC-/m);
  assert.match(ipt.stdout, /^-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000$/m);
  const dev = run('dataplane', 'examples/flannel-vxlan', '--node', 'node-2', '--devices');
  assert.match(dev.stdout, /flannel\.1: .*mtu 1450/);
  assert.match(dev.stdout, /vxlan id 1 local 192\.168\.1\.11 dev eth0 dstport 8472 nolearning/);
  assert.equal(run('dataplane', 'examples/flannel-vxlan', '--node', 'nope').code, 2);
});

test('dataplane --nftables prints kube-proxy\'s table as nft list ruleset shows it (nftables mode only)', () => {
  const r = run('dataplane', 'test/lab/clusters/nftables-services', '--node', 'nf-1', '--nftables');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^## nft list ruleset \(node nf-1\)$/m);
  assert.match(r.stdout, /^table ip kube-proxy \{$/m);
  assert.match(r.stdout, /^\t\telements = \{ 172\.22\.0\.10 \}$/m, 'nf-1 accepts NodePorts on its own address');
  assert.match(r.stdout, /^\t\tnumgen random mod 2 vmap \{ 0 : goto endpoint-[A-Z2-7]{8}-default\/web\/tcp\/http__10\.244\.1\.\d+\/8080, 1 : goto endpoint-/m);
  assert.doesNotMatch(r.stdout, /^\*nat$/m, '--nftables alone prints no iptables-save');
  const ipt = run('dataplane', 'examples/flannel-vxlan', '--node', 'node-1', '--nftables');
  assert.equal(ipt.code, 0);
  assert.doesNotMatch(ipt.stdout, /^table ip kube-proxy/m, 'iptables mode has no kube-proxy nftables table');
});

test('pods lists name, namespace, node, IP and veth', () => {
  const r = run('pods', 'examples/seed-000');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^default +pod1 +node1 +10\.1\.1\.2 +veth[0-9a-f]{8} +Pod\/pod1$/m);
  const json = JSON.parse(run('pods', 'examples/seed-003', '--format', 'json').stdout);
  assert.equal(json.length, 3);
  assert.deepEqual(json.map((p: { owner: string }) => p.owner), ['ReplicationController/frontend', 'ReplicationController/frontend', 'ReplicationController/frontend']);
});

test('check prints findings with file:line:column and exits 1 on errors', () => {
  const ok = run('check', 'examples/seed-000');
  assert.equal(ok.code, 0);
  assert.match(ok.stdout, /^2 files · 2 nodes · 4 pods · 0 services · 0 policies · bridge · kube-proxy iptables\n0 errors, 0 other findings\n$/m);
  const bad = runCli(['check', 'test/fixtures/cli/bad.yaml'], REPO_ROOT);
  assert.equal(bad.code, 1);
  // Counts of one are singular.
  assert.match(bad.stdout, /^1 file · 2 nodes · 0 pods · 0 services · 1 policy · flannel vxlan · kube-proxy iptables\n1 error, 1 other finding\n$/m);
  assert.match(bad.stdout, /^test\/fixtures\/cli\/bad\.yaml:9:19: error invalid-cidr: /m);
});

test('the podpath binary runs (compiled or bundled) and sets its exit code', () => {
  const bin = path.join(REPO_ROOT, 'bin', 'podpath.js');
  const out = execFileSync(process.execPath, [bin, 'trace', 'examples/seed-000', '--from', 'pod1', '--to', 'pod2'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.match(out, /Verdict: DELIVERED/);
  const failed = spawnSync(process.execPath, [bin, 'trace', 'examples/seed-000', '--from', '203.0.113.5', '--to', 'pod4'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(failed.status, 1);
});

test('check --format sarif writes SARIF 2.1.0 with rule ids, levels and regions', () => {
  const r = runCli(['check', 'test/fixtures/cli/bad.yaml', '--format', 'sarif'], REPO_ROOT);
  assert.equal(r.code, 1);
  const sarif = JSON.parse(r.stdout);
  assert.equal(sarif.version, '2.1.0');
  const result = sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'invalid-cidr');
  assert.equal(result.level, 'error');
  assert.deepEqual(result.locations[0].physicalLocation.region, { startLine: 9, startColumn: 19, endLine: 9, endColumn: 31 });
  assert.equal(result.locations[0].physicalLocation.artifactLocation.uri, 'test/fixtures/cli/bad.yaml');
});

test('connlist, matrix, explain and diff on the calico example', () => {
  const list = run('connlist', 'examples/calico-ipip');
  assert.equal(list.code, 0);
  assert.match(list.stdout, /^shop\/frontend\[Pod\] => shop\/api\[Deployment\] : TCP 8080$/m);
  assert.doesNotMatch(list.stdout, /shop\/debug\[Pod\] => shop\/api/);
  assert.match(run('connlist', 'examples/calico-ipip', '--format', 'dot').stdout, /^digraph connlist \{/);
  assert.match(run('connlist', 'examples/calico-ipip', '--format', 'csv').stdout, /^src,dst,conn\n/);
  const matrix = run('matrix', 'examples/calico-ipip', '--port', '8080');
  assert.match(matrix.stdout, /^TCP\/8080\n-\t/);
  assert.match(matrix.stdout, /^shop\/frontend\t\.\t\.\tX\t\.$/m);
  const explain = run('explain', 'examples/calico-ipip', '--from', 'shop/debug', '--to', 'service:shop/api');
  assert.equal(explain.code, 1);
  assert.match(explain.stdout, /✗ shop\/api-from-frontend ingress\[0\]: pod shop\/debug is not among the sources \(from: pods app=frontend\)/);
  const same = run('diff', 'examples/calico-ipip', 'examples/calico-ipip');
  assert.equal(same.code, 0);
  assert.equal(same.stdout, '');
  const before = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-diff-'));
  for (const f of ['cluster.yaml', 'app.yaml']) fs.copyFileSync(path.join(REPO_ROOT, 'examples', 'calico-ipip', f), path.join(before, f));
  const changed = run('diff', before, 'examples/calico-ipip');
  fs.rmSync(before, { recursive: true, force: true });
  assert.equal(changed.code, 1);
  assert.match(changed.stdout, /^- shop\/debug\[Pod\] => shop\/api\[Deployment\] : All Connections$/m, 'adding the policies removes flows');
  assert.match(changed.stdout, /^\+ shop\/frontend\[Pod\] => shop\/api\[Deployment\] : TCP 8080$/m, 'and narrows the allowed one');
});

test('trace --reply prints both connections of seed 003 and their replies, kube-proxy answering from the Service address', () => {
  const r = run('trace', 'examples/seed-003', '--from', 'frontend', '--to', 'service:frontend', '--reply');
  assert.equal(r.code, 0, r.stderr);
  const reply = r.stdout.slice(r.stdout.indexOf('\nReply\n'));
  assert.ok(reply.length > 10, 'a Reply section follows the trace');
  assert.equal((reply.match(/connection 2 of 2 \(forward hops 8–\d+\): TCP /g) ?? []).length, 3, 'each of the 3 backends: kube-proxy\'s connection');
  assert.equal((reply.match(/connection 1 of 2 \(forward hops 1–7\): TCP 10\.1\.30\.88:\d+ → 20\.1\.244\.75:80/g) ?? []).length, 3);
  assert.match(reply, /R3\. \[node3 · root netns · docker0\] nat\/reverse-dnat: conntrack \(POSTROUTING\): reverse REDIRECT of hop 6: source 10\.1\.30\.1:33761 → 20\.1\.244\.75:80/);
  assert.match(reply, /↺ undoes hop 6 on node3: nat PREROUTING/);
  assert.match(reply, /conntrack on node3: tcp 6 ESTABLISHED src=10\.1\.30\.88 dst=20\.1\.244\.75 sport=\d+ dport=80 src=10\.1\.30\.1 dst=10\.1\.30\.88 sport=33761/);
  assert.match(reply, /client sees the reply from 20\.1\.244\.75:80; it expects 20\.1\.244\.75:80/);
  assert.match(reply, /Reply verdict: OK/);
  assert.doesNotMatch(reply, /PROBLEM/);
});

test('trace --reply --format json adds a reply field to the Trace, byte-for-byte stable', () => {
  const args = ['trace', 'examples/flannel-vxlan', '--from', 'client', '--to', 'service:web', '--format', 'json', '--reply'];
  const a = run(...args);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, run(...args).stdout);
  const j = JSON.parse(a.stdout);
  assert.equal(j.version, 1);
  assert.equal(j.reply.ok, true);
  assert.equal(j.reply.paths.length, j.branches.length);
  for (const p of j.reply.paths) {
    const [c] = p.connections;
    assert.deepEqual(c.seenSource, c.expectedSource);
    const undo = c.hops.find((h: { action: string }) => h.action === 'reverse-dnat');
    assert.ok(undo.undoes[0].hop >= 1);
  }
  const plain = JSON.parse(run('trace', 'examples/flannel-vxlan', '--from', 'client', '--to', 'service:web', '--format', 'json').stdout);
  assert.equal(plain.reply, undefined, 'without --reply the JSON is unchanged');
});

test('trace --reply exits 1 when a reply does not come back, and --reply is refused by other commands', () => {
  const r = run('trace', 'examples/seed-003', '--from', 'frontend', '--to', '8.8.8.8', '--port', '443', '--reply');
  assert.equal(r.code, 1);
  assert.match(r.stdout, /PROBLEM: the reply does not reach the client/);
  assert.equal(run('check', 'examples/seed-003', '--reply').code, 2);
});
