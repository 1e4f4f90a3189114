import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../../src/cli/main';
import { readSources } from '../../src/cli/files';
import { analyzeSources } from '../../src/core/analyze';
import { peerFor } from '../../src/core/policy/evaluate';
import { pipelineConns } from '../../src/core/policy/pipeline';
import { REPO_ROOT } from '../support/analyze';

// `podpath connlist` and `podpath diff` with Calico's own policies and tiers: the lines as
// printed, and every pod-to-pod line against the pipeline evaluated pair by pair.

const run = (...argv: string[]) => runCli(argv, REPO_ROOT);
const BASE = 'test/fixtures/calico-connlist/base.yaml';
const WITH_TIER = 'test/fixtures/calico-connlist';

const BASE_LINES = [
  '0.0.0.0-255.255.255.255[External] => tools/debug[Pod] : All Connections',
  'shop/cart[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections',
  'shop/cart[Pod] => shop/payments[Pod] : TCP 8443',
  'shop/cart[Pod] => tools/debug[Pod] : All Connections',
  'shop/frontend[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections',
  'shop/frontend[Pod] => shop/cart[Pod] : TCP 8080',
  'shop/frontend[Pod] => tools/debug[Pod] : All Connections',
  'shop/payments[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections',
  'shop/payments[Pod] => tools/debug[Pod] : All Connections',
  'tools/debug[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections',
  // The default-tier GlobalNetworkPolicy (order 100) allows every TCP port before the NetworkPolicies' default deny.
  'tools/debug[Pod] => shop/cart[Pod] : TCP 1-65535',
  'tools/debug[Pod] => shop/payments[Pod] : TCP 1-65535',
];

/** Each pod → pod line against the pipeline, pair by pair (ingress of the destination ∩ egress of the source); pairs without a line allow nothing. */
function assertAgreesWithPipeline(paths: string[], stdout: string): number {
  const { sources, errors } = readSources(paths, REPO_ROOT);
  assert.deepEqual(errors, []);
  const cluster = analyzeSources(sources).cluster;
  const listed = new Map(stdout.trimEnd().split('\n').map((l) => /^(\S+)\[Pod\] => (\S+)\[Pod\] : (.*)$/.exec(l)).filter((m): m is RegExpExecArray => !!m).map((m) => [`${m[1]} ${m[2]}`, m[3]]));
  let pairs = 0;
  for (const src of cluster.pods) {
    for (const dst of cluster.pods) {
      if (src === dst) continue;
      const conns = pipelineConns(cluster, 'egress', src, peerFor(cluster, dst.ip)).intersect(pipelineConns(cluster, 'ingress', dst, peerFor(cluster, src.ip)));
      assert.equal(listed.get(`${src.key} ${dst.key}`) ?? 'nothing', conns.isEmpty() ? 'nothing' : conns.toString(), `${src.key} → ${dst.key}`);
      pairs++;
    }
  }
  return pairs;
}

test('connlist with a default-tier GlobalNetworkPolicy ordered before the NetworkPolicies', () => {
  const r = run('connlist', BASE);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trimEnd().split('\n'), BASE_LINES);
  assert.equal(assertAgreesWithPipeline([BASE], r.stdout), 12);
});

test('connlist with a security tier: a Deny carves a port out of an allow further down, another removes a pair, Pass leaves the rest to the default tier', () => {
  const r = run('connlist', WITH_TIER);
  assert.equal(r.code, 0, r.stderr);
  const expected = BASE_LINES.filter((l) => !l.startsWith('tools/debug[Pod] => shop/')).concat('tools/debug[Pod] => shop/cart[Pod] : TCP 1-9089,9091-65535');
  assert.deepEqual(r.stdout.trimEnd().split('\n'), expected);
  assert.equal(assertAgreesWithPipeline([WITH_TIER], r.stdout), 12);
  // The other formats carry the same carved range, and every run prints the same bytes.
  const json = JSON.parse(run('connlist', WITH_TIER, '--format', 'json').stdout) as { src: string; dst: string; conn: string }[];
  assert.deepEqual(json.find((l) => l.src === 'tools/debug[Pod]' && l.dst === 'shop/cart[Pod]'), { src: 'tools/debug[Pod]', dst: 'shop/cart[Pod]', conn: 'TCP 1-9089,9091-65535' });
  assert.match(run('connlist', WITH_TIER, '--format', 'csv').stdout, /^tools\/debug\[Pod\],shop\/cart\[Pod\],"?TCP 1-9089,9091-65535"?$/m);
  assert.equal(run('connlist', WITH_TIER).stdout, r.stdout);
});

test('diff: adding the security tier removes and narrows exactly the flows it denies; the reverse adds them back', () => {
  const added = run('diff', BASE, WITH_TIER);
  assert.equal(added.code, 1);
  assert.deepEqual(added.stdout.trimEnd().split('\n'), [
    '- tools/debug[Pod] => shop/cart[Pod] : TCP 1-65535',
    '- tools/debug[Pod] => shop/payments[Pod] : TCP 1-65535',
    '+ tools/debug[Pod] => shop/cart[Pod] : TCP 1-9089,9091-65535',
  ]);
  const removed = run('diff', WITH_TIER, BASE);
  assert.equal(removed.code, 1);
  const flipped = added.stdout.trimEnd().split('\n').map((l) => (l.startsWith('- ') ? `+ ${l.slice(2)}` : `- ${l.slice(2)}`));
  assert.deepEqual(removed.stdout.trimEnd().split('\n').sort(), flipped.sort());
  const same = run('diff', WITH_TIER, WITH_TIER);
  assert.equal(same.code, 0);
  assert.equal(same.stdout, '');
});

test('diff: moving the security tier after the default tier lets the default-tier allow decide first', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-calico-diff-'));
  try {
    fs.copyFileSync(path.join(REPO_ROOT, BASE), path.join(dir, 'base.yaml'));
    const tier = fs.readFileSync(path.join(REPO_ROOT, WITH_TIER, 'security-tier.yaml'), 'utf8');
    assert.ok(tier.includes('spec: {order: 400}'));
    fs.writeFileSync(path.join(dir, 'security-tier.yaml'), tier.replace('spec: {order: 400}', 'spec: {order: 2000000}'));
    // After the default tier (1,000,000) the tools-to-backends Allow has already decided: no change from the base.
    const after = runCli(['diff', BASE, dir], REPO_ROOT);
    assert.equal(after.code, 0, after.stdout);
    assert.equal(after.stdout, '');
    const before = runCli(['diff', WITH_TIER, dir], REPO_ROOT);
    assert.equal(before.code, 1);
    assert.match(before.stdout, /^\+ tools\/debug\[Pod\] => shop\/payments\[Pod\] : TCP 1-65535$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('connlist of the kernel lab\'s policy-tiers cluster agrees with the pipeline pair by pair', () => {
  const dir = 'test/lab/clusters/policy-tiers';
  const r = run('connlist', dir);
  assert.equal(r.code, 0, r.stderr);
  assertAgreesWithPipeline([dir], r.stdout);
});
