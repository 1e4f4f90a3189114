import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../../src/cli/main';
import { forTerminal, forTerminalText } from '../../src/core/format/escape';
import { REPO_ROOT } from '../support/analyze';

/**
 * The command line against hostile input: names that carry terminal control sequences, a
 * reader that closes the pipe, options that do not exist, ports that are not ports, and
 * Services without an address.
 */

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function tempDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-hostile-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const ESC_TITLE = '\u001b]0;owned\u0007';
const CLEAR = '\u001b[2J\u001b[H';
const C1_CSI = '\u009b31m';
const BIDI = '\u202egpj.exe';

test('forTerminal shows every control character as an escape; forTerminalText keeps line feeds and tabs', () => {
  assert.equal(forTerminal(`a${ESC_TITLE}b`), 'a\\e]0;owned\\x07b');
  assert.equal(forTerminal('x\r\ny\tz'), 'x\\r\\ny\\tz');
  assert.equal(forTerminal(C1_CSI), '\\x9b31m');
  assert.equal(forTerminal(BIDI), '\\u202egpj.exe');
  assert.equal(forTerminal('plain-name.ns/pod:80 → ✓'), 'plain-name.ns/pod:80 → ✓', 'printable text, arrows and marks stay');
  assert.equal(forTerminalText(`line 1\n\tline 2${CLEAR}\r`), 'line 1\n\tline 2\\e[2J\\e[H\\r');
  for (let c = 0; c < 0x2070; c++) {
    const ch = String.fromCharCode(c);
    if (ch === '\n' || ch === '\t') continue;
    assert.doesNotMatch(forTerminalText(`a${ch}b`), RAW_CONTROL, `U+${c.toString(16)}`);
  }
});

test('names with terminal escape sequences never reach the terminal raw; JSON keeps them exact', () => {
  const evil = `web${ESC_TITLE}${CLEAR}${C1_CSI}${BIDI}`;
  const pod = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${JSON.stringify(evil)}\n  labels: {app: ${JSON.stringify(`x${CLEAR}`)}}\nspec:\n  containers: [{name: ${JSON.stringify(`c${ESC_TITLE}`)}, image: nginx}]\n`;
  const dir = tempDir({ [`evil${CLEAR}.yaml`]: pod, 'ok.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers: [{name: c, image: nginx}]\n' });
  try {
    for (const argv of [['check', dir], ['pods', dir], ['connlist', dir], ['matrix', dir], ['dataplane', dir], ['trace', dir, '--from', 'ok', '--to', `web${ESC_TITLE}`], ['trace', dir, '--from', `ok${CLEAR}`, '--to', 'ok'], [`bogus${CLEAR}`], ['trace', dir, `--fr${ESC_TITLE}om`, 'ok']]) {
      const r = runCli(argv, REPO_ROOT);
      assert.doesNotMatch(r.stdout, RAW_CONTROL, `${argv[0]} stdout`);
      assert.doesNotMatch(r.stderr, RAW_CONTROL, `${argv[0]} stderr`);
    }
    const check = runCli(['check', dir], REPO_ROOT);
    assert.match(check.stdout, /evil\\e\[2J\\e\[H\.yaml/, 'the file name is shown, escaped');
    const json = runCli(['check', dir, '--format', 'json'], REPO_ROOT);
    const findings = JSON.parse(json.stdout) as { range?: { file: string } }[];
    assert.ok(findings.some((f) => f.range?.file.endsWith(`evil${CLEAR}.yaml`)), 'JSON output keeps the exact text (JSON-escaped)');
    assert.ok(JSON.stringify(findings).includes(JSON.stringify(C1_CSI).slice(1, -1)), 'C1 and bidi characters stay as they are in JSON: it is data, not terminal text');
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(json.stdout, /[\u0000-\u0009\u000b-\u001f]/, 'JSON.stringify escapes every C0 control');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('`podpath … | head` ends quietly when the reader closes the pipe (no EPIPE stack trace)', () => {
  const bin = path.join(REPO_ROOT, 'bin', 'podpath.js');
  // Far more output than a pipe buffers (64 KiB on Linux), so the writer meets the closed pipe.
  const dir = tempDir({ 'big.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: big}\nspec:\n  replicas: 300\n  selector: {matchLabels: {app: big}}\n  template:\n    metadata: {labels: {app: big}}\n    spec:\n      containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]\n' });
  try {
    const full = spawnSync(process.execPath, [bin, 'dataplane', dir], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.ok(full.stdout.length > 2 * 65536, `the output (${full.stdout.length} bytes) overflows the pipe`);
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${bin}" dataplane "${dir}" | head -n 1; echo "status=$?" >&2`], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(r.stdout.split('\n').length, 2, 'head printed its one line');
    assert.equal(r.stderr, 'status=0\n', 'no EPIPE, no stack trace, and the writer exits 0');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('unknown options are usage errors that name the option, and never eat the next argument', () => {
  const r = runCli(['trace', 'examples/seed-000', '--form', 'pod1', '--to', 'pod4'], REPO_ROOT);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^podpath trace: unknown option --form \(this command takes --from, --to, --port, --protocol, --family, --format, --namespace, --details, --reply\)\n$/);
  const eaten = runCli(['pods', '--verbose', 'examples/seed-000'], REPO_ROOT);
  assert.equal(eaten.code, 2, 'an unknown flag before a path is not allowed to swallow it');
  assert.match(eaten.stderr, /unknown option --verbose/);
  assert.match(runCli(['check', 'examples/seed-000', '-x'], REPO_ROOT).stderr, /unknown option -x/);
  assert.match(runCli(['matrix', 'examples/seed-000', '--port'], REPO_ROOT).stderr, /--port needs a value/);
  assert.match(runCli(['trace', 'examples/seed-000', '--from', '--to', 'pod4'], REPO_ROOT).stderr, /--from needs a value/);
  assert.match(runCli(['dataplane', 'examples/seed-000', '--routes=yes'], REPO_ROOT).stderr, /--routes takes no value/);
  assert.equal(runCli(['trace', 'examples/seed-000', '--from=pod1', '--to=pod4'], REPO_ROOT).code, 0, '--name=value still works');
  assert.equal(runCli(['trace', '--from', 'pod1', '--to', 'pod4', '--', 'examples/seed-000'], REPO_ROOT).code, 0, 'and -- ends the options');
  const lab = runCli(['lab', 'script', '--prefx', 'ppx', 'examples/seed-000'], REPO_ROOT);
  assert.equal(lab.code, 2, 'the lab commands declare their options too');
  assert.match(lab.stderr, /unknown option --prefx/);
  assert.equal(runCli(['lab', 'script', '--prefix', 'ppx', 'examples/seed-000'], REPO_ROOT).code, 0);
});

test('ports that are not ports are rejected: 99999, 0, NaN, Infinity, 1e3, -1, 80.5, empty', () => {
  for (const to of ['10.96.0.1:99999', '10.96.0.1:0', '10.96.0.1:NaN', '10.96.0.1:Infinity', '10.96.0.1:-1', '10.96.0.1:', '10.96.0.1:80.5', '300.1.1.1:80']) {
    const r = runCli(['trace', 'examples/flannel-vxlan', '--from', 'client', '--to', to], REPO_ROOT);
    assert.equal(r.code, 2, to);
    assert.equal(r.stdout, '', to);
    assert.match(r.stderr, /^podpath trace: --to: .*(not a port number|neither a port number|not an IPv4 address)/, to);
    assert.doesNotMatch(r.stderr, /null|undefined|NaN\b(?!")/, to);
  }
  for (const port of ['99999', '0', 'NaN', 'Infinity', '-1', '1e3', '80.5', ' 80', '0x50', '']) {
    for (const cmd of ['trace', 'explain', 'matrix']) {
      const argv = cmd === 'matrix' ? ['matrix', 'examples/flannel-vxlan', '--port', port] : [cmd, 'examples/flannel-vxlan', '--from', 'client', '--to', 'service:web', '--port', port];
      const r = runCli(argv, REPO_ROOT);
      assert.equal(r.code, 2, `${cmd} --port "${port}"`);
      assert.match(r.stderr, /--port|port/, `${cmd} --port "${port}"`);
      assert.doesNotMatch(r.stderr, /not number null|internal error/, `${cmd} --port "${port}"`);
    }
  }
});

test('a Service without a ClusterIP gives a sentence, never a walk to an empty address', () => {
  const dir = tempDir({
    'svc.yaml': [
      'apiVersion: v1\nkind: Pod\nmetadata: {name: client}\nspec:\n  containers: [{name: c, image: curl}]\n',
      'apiVersion: v1\nkind: Service\nmetadata: {name: ext}\nspec:\n  type: ExternalName\n  externalName: db.example.com\n',
      'apiVersion: v1\nkind: Service\nmetadata: {name: nobody}\nspec:\n  clusterIP: None\n  selector: {app: nothing}\n  ports: [{port: 5432}]\n',
    ].join('---\n'),
  });
  try {
    for (const [to, sentence] of [['service:ext', /ExternalName: DNS answers with a CNAME to db\.example\.com; no packet goes to a cluster address/], ['service:nobody', /headless \(clusterIP: None\) and has no ready endpoints, so its DNS name resolves to nothing and no packet is sent/]] as const) {
      const r = runCli(['trace', dir, '--from', 'client', '--to', to, '--format', 'json'], REPO_ROOT);
      assert.equal(r.code, 1, to);
      const t = JSON.parse(r.stdout);
      assert.equal(t.verdict, 'unresolved');
      assert.deepEqual(t.hops, [], 'no hop walks towards an empty address');
      assert.match(t.reason, sentence);
      const txt = runCli(['trace', dir, '--from', 'client', '--to', to], REPO_ROOT);
      assert.match(txt.stdout, /Verdict: UNRESOLVED — Service default\/\w+ is/);
      assert.doesNotMatch(txt.stdout, /→ :|\(\)/, 'no empty address in the text');
    }
    const ex = runCli(['explain', dir, '--from', 'client', '--to', 'service:ext'], REPO_ROOT);
    assert.equal(ex.code, 2);
    assert.match(ex.stderr, /ExternalName/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
