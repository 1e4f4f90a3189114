import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Analysis } from '../../src/core/analyze';
import { Dataplane } from '../../src/core/dataplane/dataplane';
import { buildLabPlan } from '../../src/core/lab/build';
import { LabPlan } from '../../src/core/lab/plan';
import { formatLabReport, summarizeReport } from '../../src/core/lab/report';
import { renderLabScript } from '../../src/core/lab/script';
import { heredocMarker, isSafeToken, restoreInputProblems } from '../../src/core/lab/safe-text';
import { runCli } from '../../src/cli/main';
import { analyzeYaml, clusterDoc, podDoc } from '../support/analyze';
import { PLACEHOLDERS, baseYaml, hostileName, mulberry32, renamed } from './lab-hostile-names';

// Hostile names against the kernel lab. The lab runs as root, so whatever bytes a name holds —
// newlines, carriage returns, NUL, ESC, Unicode line separators, quotes, `$()`, backticks,
// here-document markers, `COMMIT` — must not add a single line to the script or to any
// iptables-restore input. The clusters are first built with plain names, then every name is
// replaced inside the built cluster: the lab is tested on its own, whatever the manifest
// reader lets through.

const BASES = new Map<string, Analysis>([['calico', analyzeYaml(...baseYaml('calico'))], ['flannel', analyzeYaml(...baseYaml('flannel'))]]);

function hostilePlan(base: string, names: Map<string, string>): LabPlan {
  return buildLabPlan(new Dataplane(renamed(BASES.get(base)!.cluster, names)), { prefix: 'pphostile' });
}

// ---- what must hold -------------------------------------------------------------------------------

const COMMAND_START = /^(?:ip|bridge) [A-Za-z0-9._:/=@%+,-]+( [A-Za-z0-9._:/=@%+,-]+)*( <<'(?:EOF|PODPATH_EOF(?:_[0-9]+)?)')?$/;

/** The script's lines, each classified; here-document bodies are returned separately. */
function scriptShape(script: string): { lines: string[]; kinds: string[]; bodies: string[] } {
  const lines = script.split('\n');
  const kinds: string[] = [];
  const bodies: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const here = /<<'([A-Z_0-9]+)'$/.exec(l);
    kinds.push(l.startsWith('#') ? 'comment' : l === '' ? 'blank' : l === 'set -eu' ? 'set' : COMMAND_START.test(l) ? 'command' : `OTHER: ${JSON.stringify(l)}`);
    if (here) {
      const end = lines.indexOf(here[1], i + 1);
      assert.ok(end > i, 'every here-document ends');
      bodies.push(lines.slice(i + 1, end).join('\n') + '\n');
      for (let k = i + 1; k <= end; k++) kinds.push('heredoc');
      i = end;
    }
  }
  return { lines, kinds, bodies };
}

const rolesOf = new WeakMap<LabPlan, Map<string, string>>();

/** Namespace name → its role and position (`NS:pod0`, `NS:node1`, `NS:router` …). */
function namespaceRoles(plan: LabPlan): Map<string, string> {
  let roles = rolesOf.get(plan);
  if (!roles) {
    const count = new Map<string, number>();
    roles = new Map(plan.namespaces.map((n) => {
      const k = count.get(n.role) ?? 0;
      count.set(n.role, k + 1);
      return [n.name, `NS:${n.role}${k}`];
    }));
    rolesOf.set(plan, roles);
  }
  return roles;
}

/** A rule or script line with every name-derived part replaced by a placeholder. */
function normalized(line: string, plan: LabPlan): string {
  let out = line.replace(/--comment (?:"(?:[^"\\]|\\.)*"|\S+)/g, '--comment C');
  out = out.replace(/\b(KUBE-(?:SVC|SEP|EXT|FW|SVL|XLB)-)[A-Z0-9]{16}\b/g, '$1H').replace(/\b([0-9a-f]{2}:){5}[0-9a-f]{2}\b/g, 'MAC');
  const roles = namespaceRoles(plan);
  return out.split(' ').map((w) => roles.get(w) ?? w).join(' ');
}

function sortedNormalized(lines: string[], plan: LabPlan): string[] {
  return lines.map((l) => normalized(l, plan)).sort();
}

function assertSameShape(benign: LabPlan, hostile: LabPlan, label: string): void {
  const b = scriptShape(renderLabScript(benign));
  const h = scriptShape(renderLabScript(hostile));
  assert.equal(h.lines.length, b.lines.length, `${label}: the script has as many lines as with plain names`);
  assert.deepEqual(h.kinds, b.kinds, `${label}: every line is the same kind of line at the same place`);
  for (const l of h.lines.filter((_, i) => h.kinds[i] === 'comment')) assert.match(l, /^#[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/, `${label}: one clean comment line`);
  const commands = (s: typeof b) => s.lines.filter((_, i) => s.kinds[i] === 'command');
  assert.deepEqual(sortedNormalized(commands(h), hostile), sortedNormalized(commands(b), benign), `${label}: the same commands, names aside`);
  assert.equal(h.bodies.length, b.bodies.length);
  h.bodies.forEach((body, k) => {
    assert.deepEqual(restoreInputProblems(body), [], `${label}: iptables-restore input ${k} is plain`);
    const hb = body.split('\n');
    const bb = b.bodies[k].split('\n');
    assert.equal(hb.length, bb.length, `${label}: iptables-restore input ${k} has as many lines`);
    assert.deepEqual(sortedNormalized(hb, hostile), sortedNormalized(bb, benign), `${label}: the same rules, names aside`);
  });
  for (const c of hostile.sections.flatMap((s) => s.commands)) {
    for (const w of c.argv) assert.ok(isSafeToken(w), `${label}: argument ${JSON.stringify(w)}`);
  }
}

test('property: 300 random hostile names in every name the lab writes add no line and no command (seeded)', () => {
  const rand = mulberry32(0x5eed);
  const benign = new Map([...BASES.keys()].map((k) => [k, hostilePlan(k, new Map())]));
  for (const [k, plan] of benign) assert.deepEqual(plan.blockers, [], `${k}: the plain cluster builds`);
  const restores = (plan: LabPlan) => plan.sections.flatMap((s) => s.commands).filter((c) => c.argv.includes('iptables-restore')).map((c) => c.argv.join(' '));
  assert.ok(restores(benign.get('calico')!).some((c) => c.endsWith('--noflush')), 'the NetworkPolicy rules are among the inputs checked');
  assert.equal(restores(benign.get('flannel')!).length, 2, 'kube-proxy rules on both nodes');
  let cases = 0;
  for (let i = 0; i < 150; i++) {
    for (const base of BASES.keys()) {
      // Names stay distinct from each other (a suffix per placeholder), as Kubernetes keys are.
      const names = new Map(PLACEHOLDERS.map((p) => [p, `${hostileName(rand)}${p.slice(2, -2)}`]));
      const plan = hostilePlan(base, names);
      assert.deepEqual(plan.blockers, [], `${base} case ${i}: ${JSON.stringify([...names.values()])}`);
      assertSameShape(benign.get(base)!, plan, `${base} case ${i} ${JSON.stringify([...names.values()])}`);
      cases++;
    }
  }
  assert.equal(cases, 300);
});

/**
 * Runs the script with `sh`, every tool replaced by a stub that records its arguments and its
 * standard input: what the shell really executes must be exactly the plan's commands.
 */
function executedBy(script: string): { argv: string[]; stdin: string }[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-lab-stub-'));
  try {
    const log = path.join(dir, 'log');
    const stub = `#!/bin/sh\n{ printf '\\036%s' "\${0##*/}"; for a in "$@"; do printf '\\037%s' "$a"; done; printf '\\035'; cat; } >> "${log}"\n`;
    for (const tool of ['ip', 'bridge', 'iptables-restore', 'sysctl', 'touch', 'kill', 'rm', 'id']) {
      fs.writeFileSync(path.join(dir, tool), stub, { mode: 0o755 });
    }
    const file = path.join(dir, 'lab.sh');
    fs.writeFileSync(file, script);
    const r = spawnSync('/bin/sh', [file], { env: { PATH: `${dir}:/usr/bin:/bin` }, input: '', encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
    return text.split('\x1e').slice(1).map((rec) => {
      const [head, stdin] = rec.split('\x1d');
      const [tool, ...args] = head.split('\x1f');
      return { argv: [tool, ...args], stdin };
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('property: the shell runs exactly the plan — every argument and every here-document byte — for 8 hostile clusters (seeded)', { skip: fs.existsSync('/bin/sh') ? false : 'no /bin/sh on this machine' }, () => {
  const rand = mulberry32(0xbadc0de);
  for (let i = 0; i < 8; i++) {
    const base = i % 2 ? 'calico' : 'flannel';
    const names = new Map(PLACEHOLDERS.map((p) => [p, `${hostileName(rand)}\nEOF\nPODPATH_EOF\n${p.slice(2, -2)}`]));
    const plan = hostilePlan(base, names);
    const ran = executedBy(renderLabScript(plan));
    const planned = plan.sections.flatMap((s) => s.commands).map((c) => ({ argv: c.argv, stdin: c.stdin ?? '' }));
    assert.equal(ran.length, planned.length, `case ${i}: as many commands ran as were planned`);
    assert.deepEqual(ran, planned, `case ${i}`);
  }
});

test('the payloads of the report: each becomes one comment line or one quoted rule comment', () => {
  const cases: [string, string][] = [
    ['qqclusterqq', 'demo\ntouch /tmp/x; exit 0\n#'],
    ['qqnodeaqq', 'node\rtouch /tmp/x\r'],
    ['qqsvcqq', 'svc\nCOMMIT\nPODPATH_EOF\ntouch /tmp/x\n'],
    ['qqnpqq', 'svc\n-I PREROUTING 1 -j RETURN\n#'],
    ['qqwebqq', 'web"\n-A FORWARD -j ACCEPT\n"'],
    ['qqpolqq', 'pol\x1b]0;pwned\x07\u2028x'],
  ];
  const benign = hostilePlan('calico', new Map());
  for (const [placeholder, payload] of cases) {
    const plan = hostilePlan('calico', new Map([[placeholder, payload]]));
    assertSameShape(benign, plan, JSON.stringify(payload));
    const script = renderLabScript(plan);
    assert.doesNotMatch(script, /^touch /m);
    assert.doesNotMatch(script, /^-I PREROUTING/m);
    assert.doesNotMatch(script, /^-A FORWARD -j ACCEPT/m);
    assert.doesNotMatch(script, /[\r\x1b\x07\u2028]/, 'no raw control character anywhere in the script');
  }
  // Where each lands: the cluster name in the header comment, written out.
  const header = renderLabScript(hostilePlan('calico', new Map([['qqclusterqq', 'demo\ntouch /tmp/x; exit 0\n#']]))).split('\n')[1];
  assert.equal(header, '# PodPath kernel lab "pphostile" for cluster demo\\ntouch /tmp/x; exit 0\\n#: the modelled data path in Linux network namespaces.');
  // A Service name inside kube-proxy's rule comment: escaped as iptables-save does, one line.
  const rules = hostilePlan('calico', new Map([['qqsvcqq', 'svc\nCOMMIT\nPODPATH_EOF\n"x"']])).sections.flatMap((s) => s.commands).find((c) => c.stdin?.includes('cluster IP'))!.stdin!;
  // (the escape is the text `\n`; iptables-save writes its backslash as `\\`, and `"` as `\"`)
  assert.ok(rules.includes('-A KUBE-SERVICES -m comment --comment "qqnsqq/svc\\\\nCOMMIT\\\\nPODPATH_EOF\\\\n\\"x\\" cluster IP" '), rules);
});

test('here-document markers: never a line of the body, whatever the body holds', () => {
  assert.equal(heredocMarker('*filter\nCOMMIT\n'), 'EOF');
  assert.equal(heredocMarker('a\nEOF\nb'), 'PODPATH_EOF');
  assert.equal(heredocMarker('EOF\nPODPATH_EOF\nPODPATH_EOF_2\n'), 'PODPATH_EOF_3');
  assert.equal(heredocMarker('EOF \nPODPATH_EOF\r\n'), 'PODPATH_EOF_2', 'trailing blanks and CR do not hide a marker');
  const rand = mulberry32(7);
  for (let i = 0; i < 500; i++) {
    const body = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => ['EOF', 'PODPATH_EOF', `PODPATH_EOF_${Math.floor(rand() * 5)}`, 'COMMIT', hostileName(rand)][Math.floor(rand() * 5)]).join('\n');
    const marker = heredocMarker(body);
    assert.ok(!body.split(/\r?\n|\r/).some((l) => l.replace(/\s+$/, '') === marker), `${JSON.stringify(body)} → ${marker}`);
  }
});

test('interface names the lab refuses: not ASCII-safe, over 15 bytes with other characters, ".", "..", "lo", ip keywords, a name already taken', () => {
  const plain = analyzeYaml(clusterDoc({ plugin: 'flannel', backend: 'vxlan' }), podDoc('web', 'node-1'));
  const withBridge = (bridge: string) => {
    const c = renamed(plain.cluster, new Map());
    c.config = { ...c.config, bridgeName: bridge };
    return buildLabPlan(new Dataplane(c), { prefix: 'pphostile' });
  };
  const refused: [string, RegExp][] = [
    ['help', /ip. would read it as its keyword "help"/],
    ['m', /keyword "mtu"/],
    ['lo', /every namespace already has lo/],
    ['eth0', /two devices would have it/],
    ['flannel.1', /two devices would have it/],
    ['a%d', /only ASCII letters/],
    ['br/0', /only ASCII letters/],
    ['br:0', /only ASCII letters/],
    ['br 0', /only ASCII letters/],
    ['br\n0', /only ASCII letters/],
    ['br\u00000', /only ASCII letters/],
    ['brücke', /only ASCII letters/],
    ['.', /not a file name/],
    ['..', /not a file name/],
    ['', /an empty name/],
  ];
  for (const [bridge, reason] of refused) {
    const plan = withBridge(bridge);
    assert.equal(plan.sections.length, 0, `${JSON.stringify(bridge)}: no command at all`);
    assert.ok(plan.blockers.some((b) => reason.test(b)), `${JSON.stringify(bridge)}: ${plan.blockers.join('; ')}`);
    const script = renderLabScript(plan);
    assert.ok(script.split('\n').every((l) => l === '' || l.startsWith('#') || l === 'set -eu'), 'the script of a refused plan runs nothing');
  }
  // Accepted: plain names, and a long plain name gets a recorded stand-in.
  for (const ok of ['br0', 'cni0', 'docker0', 'my-bridge_1.x']) assert.deepEqual(withBridge(ok).blockers, [], ok);
  const long = withBridge('averyveryverylongbridge');
  assert.deepEqual(long.blockers, []);
  assert.equal(long.renamedDevices.length, 2, 'one stand-in per node namespace');
  assert.ok(long.renamedDevices.every((r) => /^pd[0-9a-f]{8}$/.test(r.linux)));
});

test('size limits: a 250-replica Deployment is refused with the figure and the flag, in script, up and probe alike; the flag raises it', () => {
  const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: many, namespace: default}
spec:
  replicas: 250
  selector: {matchLabels: {app: many}}
  template:
    metadata: {labels: {app: many}}
    spec:
      containers: [{name: main, image: x, ports: [{containerPort: 8080}]}]
`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-lab-size-'));
  try {
    const flannel = clusterDoc({ plugin: 'flannel', backend: 'vxlan' }).replace(/podCIDR: 10\.244\.([12])\.0\/24/g, 'podCIDR: 10.244.$1.0/23').replace('10.244.2.0', '10.244.4.0');
    fs.writeFileSync(path.join(dir, 'cluster.yaml'), flannel);
    fs.writeFileSync(path.join(dir, 'many.yaml'), deployment);
    const refused = runCli(['lab', 'script', dir, '--prefix', 'ppsize'], dir);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /the lab would create 250 pod namespaces, more than the limit of 200 \(raise it with --max-pods 250\)/);
    assert.match(refused.stderr, /more than the limit of 500 \(raise it with --max-processes 504\)/);
    assert.ok(refused.stdout.split('\n').every((l) => l === '' || l.startsWith('#') || l === 'set -eu'), 'no command printed');
    const up = runCli(['lab', 'up', dir, '--prefix', 'ppsize'], dir);
    assert.equal(up.code, 2);
    assert.match(up.stderr, /more than the limit of 200 \(raise it with --max-pods 250\)/);
    const raised = runCli(['lab', 'script', dir, '--prefix', 'ppsize', '--max-pods', '250', '--max-processes', '600'], dir);
    assert.equal(raised.code, 0, raised.stderr);
    assert.equal((raised.stdout.match(/^ip netns add ppsize-pod-/gm) ?? []).length, 250);
    assert.equal(runCli(['lab', 'script', dir, '--max-pods', '-1'], dir).code, 2);
    assert.equal(runCli(['lab', 'script', dir, '--max-pods', '1e3'], dir).code, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('every namespace is marked and lifts the ICMP error rate limit; nothing else is asked of the host', () => {
  const plan = hostilePlan('flannel', new Map());
  const commands = plan.sections.flatMap((s) => s.commands).map((c) => c.argv.join(' '));
  for (const n of plan.namespaces) {
    const add = commands.indexOf(`ip netns add ${n.name}`);
    assert.equal(commands[add + 1], `ip -n ${n.name} link set dev lo alias podpath-lab:pphostile`, 'the mark comes right after the namespace');
    assert.ok(commands.includes(`ip netns exec ${n.name} sysctl -qw net.ipv4.icmp_ratelimit=0`));
    assert.ok(commands.includes(`ip netns exec ${n.name} sysctl -qw net.ipv4.icmp_msgs_per_sec=1000000`), 'the per-namespace ICMP budget is lifted too');
    assert.ok(commands.includes(`ip netns exec ${n.name} sysctl -qw net.ipv4.icmp_msgs_burst=1000000`));
  }
  assert.ok(!commands.some((c) => /modprobe|^sysctl|^iptables/.test(c)));
});

test('the probe report prints names with their control characters written out: one line per line', () => {
  const name = 'pod:default/x\x1b[2J\n✓ #1 pod-pod forged → agreed\r';
  const report = summarizeReport('pphostile', 'c\u2028x', [{
    id: 1, kind: 'pod-pod', from: name, to: 'pod:default/y', protocol: 'tcp', port: 80, target: '10.0.0.1:80',
    expected: [{ probability: 1, label: '', verdict: 'delivered', responder: 'default/y', seenSource: '10.0.0.2' }],
    attempts: [{ outcome: 'timeout' }], routes: [], agreed: false, problems: ['connection 1: kernel timeout'],
  }], []);
  const text = formatLabReport(report);
  assert.equal(text.split('\n').length, 8, text); // 7 lines and the final newline
  assert.doesNotMatch(text, /[\x1b\r\u2028]/);
  assert.match(text, /^ {2}✗ #1 pod-pod pod:default\/x\\x1b\[2J\\n✓ #1 pod-pod forged → agreed\\r → pod:default\/y tcp\/80/m);
});
