import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildLabPlan } from '../../src/core/lab/build';
import { labMarker } from '../../src/core/lab/plan';
import { run } from '../../src/cli/lab/exec';
import { checkFeatures, hostProblem } from '../../src/cli/lab/kernel';
import { acquireLabLock, alive, labDown, labUp, listNamespaces, recordNamespaces, stateDir } from '../../src/cli/lab/lifecycle';
import { prepareLab } from '../../src/cli/lab/prepare';
import { runCli } from '../../src/cli/main';
import { REPO_ROOT } from '../support/analyze';
import { analyzePaths } from '../lab/cases';

// The lab only ever touches what it created. These run for real (Linux, root, iproute2,
// iptables): namespaces are made under prefixes unique to this process and removed at the end.
// Elsewhere they are skipped and say why.

const notRunnable = hostProblem();
if (notRunnable) console.log(`lab ownership tests skipped: ${notRunnable}`);

const runTag = process.pid.toString(36);
const made: string[] = [];
const prefixes: string[] = [];

function prefix(letter: string): string {
  const p = `po${runTag}${letter}`;
  prefixes.push(p);
  return p;
}

/** A namespace made by hand, the way another program would make one. */
function stranger(name: string): void {
  made.push(name);
  assert.equal(run(['ip', 'netns', 'add', name]).code, 0);
}

after(() => {
  if (notRunnable) return;
  for (const n of made) if (listNamespaces().includes(n)) run(['ip', 'netns', 'delete', n]);
  for (const p of prefixes) labDown(p);
  for (const p of prefixes) assert.ok(!fs.existsSync(stateDir(p)), `the record of ${p} is gone`);
  assert.deepEqual(listNamespaces().filter((n) => n.startsWith(`po${runTag}`)), [], 'nothing left behind');
});

const MAIN = path.join(REPO_ROOT, 'out', 'src', 'cli', 'main.js');

function cli(args: string[]): ReturnType<typeof runCli> {
  return runCli(args, REPO_ROOT);
}

test('down leaves alone every <prefix>- namespace it did not make: unrecorded, unmarked, or both — and says why', { skip: notRunnable }, () => {
  const p = prefix('a');
  const marker = labMarker(p);
  stranger(`${p}-pod-kube-system.coredns`); // neither recorded nor marked (a CNI's pod sandbox, say)
  stranger(`${p}-marked`);
  assert.equal(run(['ip', '-n', `${p}-marked`, 'link', 'set', 'dev', 'lo', 'alias', marker]).code, 0); // marked, not recorded
  stranger(`${p}-recorded`);
  recordNamespaces(p, [`${p}-recorded`]); // recorded, not marked
  const down = labDown(p);
  assert.deepEqual(down.deleted, []);
  assert.deepEqual(down.refused.sort(), [
    `${p}-marked: carries the mark but this lab has no record of it (${path.join(stateDir(p), 'state.json')})`,
    `${p}-pod-kube-system.coredns: not recorded by this lab and without its mark: made by something else`,
    `${p}-recorded: recorded, but its lo has no alias ${marker}: not the namespace this lab made`,
  ]);
  for (const n of [`${p}-pod-kube-system.coredns`, `${p}-marked`, `${p}-recorded`]) assert.ok(listNamespaces().includes(n), `${n} is still there`);
  const viaCli = cli(['lab', 'down', '--prefix', p]);
  assert.equal(viaCli.code, 1);
  assert.match(viaCli.stdout, /removed 0 namespace/);
  assert.match(viaCli.stderr, /left alone 3 namespace\(s\) named po\w+-… that are not this lab's:\n {2}po\w+-marked: carries the mark/);
});

test('up refuses to build over a namespace it did not make, and removes only its own afterwards', { skip: notRunnable, timeout: 60_000 }, () => {
  const p = prefix('b');
  stranger(`${p}-router`);
  const a = analyzePaths(['examples/seed-000']);
  const prep = prepareLab(a.dataplane, p);
  assert.equal(prep.problem, undefined);
  const up = labUp(prep.plan);
  assert.equal(up.ok, false);
  assert.equal(up.applied, 0, 'nothing was created');
  assert.match(up.error!, new RegExp(`namespace ${p}-router already exists and is not this lab's \\(not recorded by this lab and without its mark: made by something else\\); choose another --prefix`));
  assert.deepEqual(listNamespaces().filter((n) => n.startsWith(`${p}-`)), [`${p}-router`]);
  // Without the stranger, the lab comes up; down then removes its namespaces and only those.
  run(['ip', 'netns', 'delete', `${p}-router`]);
  assert.ok(labUp(prep.plan).ok);
  stranger(`${p}-zz-not-ours`);
  const down = labDown(p);
  assert.equal(down.deleted.length, prep.plan.namespaces.length);
  assert.deepEqual(down.refused, [`${p}-zz-not-ours: not recorded by this lab and without its mark: made by something else`]);
  assert.deepEqual(listNamespaces().filter((n) => n.startsWith(`${p}-`)), [`${p}-zz-not-ours`]);
});

test('a second up (or down) of the same prefix is refused while the first holds the lock, and says who holds it', { skip: notRunnable, timeout: 60_000 }, async () => {
  const p = prefix('c');
  const lifecycle = path.join(REPO_ROOT, 'out', 'src', 'cli', 'lab', 'lifecycle.js');
  // Another process takes the lock the way `lab up` does, and holds it.
  const holder = spawn(process.execPath, ['-e', `const l = require(${JSON.stringify(lifecycle)}).acquireLabLock(${JSON.stringify(p)}, 'podpath lab up'); if (!l.ok) process.exit(3); process.stdout.write('held\\n'); setTimeout(() => {}, 30000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.once('data', () => resolve());
      holder.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
    });
    const prep = prepareLab(analyzePaths(['examples/seed-000']).dataplane, p);
    assert.match(prep.problem ?? '', new RegExp(`lab ${p} is in use by pid ${holder.pid} \\(podpath lab up, started 20\\d\\d-`));
    const up = labUp(prepareLabIgnoringLock(p).plan);
    assert.equal(up.ok, false);
    assert.match(up.error!, new RegExp(`^lab ${p} is in use by pid ${holder.pid} \\(podpath lab up, started [0-9T:.Z-]+\\); wait for it, or stop that process$`));
    const viaCli = cli(['lab', 'up', 'examples/seed-000', '--prefix', p]);
    assert.equal(viaCli.code, 2);
    assert.match(viaCli.stderr, new RegExp(`in use by pid ${holder.pid}`));
    assert.match(labDown(p).errors.join('\n'), new RegExp(`in use by pid ${holder.pid}`));
    assert.deepEqual(listNamespaces().filter((n) => n.startsWith(`${p}-`)), [], 'the refused up created nothing');
  } finally {
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
  }
  // A lock whose holder is gone is stale: taken over.
  const lock = acquireLabLock(p, 'test');
  assert.ok(lock.ok, 'a dead holder\'s lock is taken over');
  if (lock.ok) lock.release();
});

/** The plan without the feature check (which itself needs the lock). */
function prepareLabIgnoringLock(p: string) {
  return { plan: buildLabPlan(analyzePaths(['examples/seed-000']).dataplane, { prefix: p }) };
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL'] as const) {
  test(`probe stopped by ${signal} to its own process alone: its responders and probers exit with it`, { skip: notRunnable, timeout: 90_000 }, async () => {
    const p = prefix(signal.slice(3, 4).toLowerCase() + signal.length);
    assert.equal(cli(['lab', 'up', 'examples/seed-000', '--prefix', p]).code, 0);
    const podNamespaces = listNamespaces().filter((n) => n.startsWith(`${p}-pod-`));
    assert.ok(podNamespaces.length >= 4);
    const pidsInLab = () => podNamespaces.flatMap((n) => run(['ip', 'netns', 'pids', n]).stdout.split(/\s+/).filter(Boolean).map(Number));
    // Its own process group, so the signal reaches the probe alone (as `kill <pid>` would).
    const probe = spawn(process.execPath, ['-e', `require(${JSON.stringify(MAIN)}).main(process.argv.slice(1))`, 'lab', 'probe', 'examples/seed-000', '--prefix', p, '--timeout', '20000'], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    // What the probe says on stderr, and whether it ended early: the reason when no responder shows up.
    let stderr = '';
    probe.stderr!.on('data', (d) => (stderr += String(d)));
    let ended: string | undefined;
    const exited = new Promise((r) => probe.once('exit', (code, sig) => r((ended = `exit ${code ?? sig}`))));
    try {
      // Wait until every pod namespace runs its responder.
      const started = Date.now();
      while (pidsInLab().length < podNamespaces.length && Date.now() - started < 30_000 && !ended) await new Promise((r) => setTimeout(r, 50));
      const agents = pidsInLab();
      assert.ok(agents.length >= podNamespaces.length, `responders running (${agents.length}) after ${Date.now() - started} ms; probe ${ended ?? 'still running'}; stderr: ${stderr.slice(-2000) || '(none)'}`);
      process.kill(probe.pid!, signal);
      await exited;
      const gone = Date.now();
      while (agents.some(alive) && Date.now() - gone < 3000) await new Promise((r) => setTimeout(r, 25));
      assert.deepEqual(agents.filter(alive), [], `every agent exited within 3 s of its parent (${Date.now() - gone} ms)`);
    } finally {
      if (alive(probe.pid!)) process.kill(probe.pid!, 'SIGKILL');
      const down = labDown(p);
      assert.deepEqual(down.errors, []);
    }
  });
}

test('checking kernel features never runs modprobe and touches no namespace but its own scratch one', { skip: notRunnable, timeout: 60_000 }, () => {
  const p = prefix('m');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-lab-modprobe-'));
  const calls = path.join(dir, 'calls');
  for (const tool of ['modprobe', 'insmod']) fs.writeFileSync(path.join(dir, tool), `#!/bin/sh\necho "$0 $*" >> ${calls}\nexit 1\n`, { mode: 0o755 });
  // Only this process's namespaces are compared: other labs may come and go on the same machine meanwhile.
  const ours = () => listNamespaces().filter((n) => n.startsWith(`po${runTag}`) && !n.startsWith(`${p}-`));
  const before = ours();
  const savedPath = process.env.PATH;
  process.env.PATH = `${dir}:${savedPath}`;
  try {
    const check = checkFeatures(p, ['netns', 'veth', 'bridge', 'vxlan', 'ipip', 'dummy', 'br_netfilter', 'iptables']);
    assert.ok(!check.missing.includes('veth') && !check.missing.includes('iptables'), check.notes.join('; '));
  } finally {
    process.env.PATH = savedPath;
  }
  assert.equal(fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8') : '', '', 'modprobe was never called');
  fs.rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(ours(), before, 'no other namespace came or went');
  assert.deepEqual(listNamespaces().filter((n) => n.startsWith(`${p}-`)), [], 'the scratch namespace is gone');
  // A scratch namespace of the same name that is not the lab's is refused, not deleted.
  stranger(`${p}-check`);
  const refused = checkFeatures(p, ['veth']);
  assert.match(refused.problem ?? '', new RegExp(`namespace ${p}-check exists and is not this lab's`));
  assert.ok(listNamespaces().includes(`${p}-check`));
});

/** This environment with PATH replaced, and without the runner's marker that would make the inner run report to us. */
function suiteEnv(pathDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: pathDir };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

test('the kernel lab suite skips, saying why, when iptables-restore is missing', { skip: notRunnable, timeout: 60_000 }, () => {
  // A PATH with the tools the suite looks for, except iptables-restore.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-lab-path-'));
  try {
    for (const tool of ['sh', 'ip', 'bridge', 'sysctl']) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      if (found) fs.symlinkSync(found, path.join(dir, tool));
    }
    const suite = path.join(REPO_ROOT, 'out', 'test', 'lab', 'kernel-lab.test.js');
    const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', suite], { cwd: REPO_ROOT, env: suiteEnv(dir), encoding: 'utf8', timeout: 50_000 });
    assert.equal(r.status, 0, r.stdout.slice(-2000) + r.stderr);
    assert.match(r.stdout, /# fail 0/);
    assert.match(r.stdout, /# pass 0/);
    assert.match(r.stdout, /# SKIP missing iptables-restore: install iproute2, iptables and procps/);
    assert.doesNotMatch(r.stdout, /^not ok/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
