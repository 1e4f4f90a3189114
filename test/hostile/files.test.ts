import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readSources } from '../../src/cli/files';
import { runCli } from '../../src/cli/main';
import { MAX_FILE_BYTES, parseManifestText } from '../../src/core/manifest/parse';

const POD = 'apiVersion: v1\nkind: Pod\nmetadata: {name: good}\nspec: {containers: [{name: c}]}\n';

/** A folder holding what a hostile repository can commit or a hostile checkout can create. */
function hostileTree(): { root: string; outside: string; cleanup: () => void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-files-'));
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-outside-'));
  fs.writeFileSync(path.join(root, 'good.yaml'), POD);
  fs.writeFileSync(path.join(outside, 'secret.yaml'), POD.replace('good', 'secret'));
  fs.mkdirSync(path.join(root, 'dir.yaml'));
  fs.mkdirSync(path.join(root, 'sub'));
  fs.symlinkSync('/dev/zero', path.join(root, 'zero.yaml'));
  fs.symlinkSync(path.join(root, 'sub'), path.join(root, 'linkdir.yaml'));
  fs.symlinkSync(path.join(outside, 'secret.yaml'), path.join(root, 'outside.yaml'));
  fs.writeFileSync(path.join(root, 'other.txt'), POD.replace('good', 'other'));
  fs.symlinkSync(path.join(root, 'other.txt'), path.join(root, 'sub', 'inside.yaml'));
  fs.symlinkSync(path.join(root, 'nowhere.yaml'), path.join(root, 'dangling.yaml'));
  execFileSync('mkfifo', [path.join(root, 'fifo.yaml')]);
  // Sparse: one byte over the limit without writing 16 MiB.
  const big = fs.openSync(path.join(root, 'big.yaml'), 'w');
  fs.ftruncateSync(big, MAX_FILE_BYTES + 1);
  fs.closeSync(big);
  return { root, outside, cleanup: () => { fs.rmSync(root, { recursive: true, force: true }); fs.rmSync(outside, { recursive: true, force: true }); } };
}

test('the reader reads regular files and links to them inside the folder; FIFOs, devices, folders named *.yaml, links outside and oversized files are each a file-skipped finding at 1:1', () => {
  const t = hostileTree();
  try {
    const r = readSources([t.root], t.root);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.sources.map((s) => s.file), ['good.yaml', path.join('sub', 'inside.yaml')]);
    assert.deepEqual(r.findings.map((f) => [f.code, f.severity, f.range?.file, f.range?.start.line, f.range?.start.column]), [
      ['file-skipped', 'warning', 'big.yaml', 1, 1],
      ['file-skipped', 'warning', 'dangling.yaml', 1, 1],
      ['file-skipped', 'warning', 'dir.yaml', 1, 1],
      ['file-skipped', 'warning', 'fifo.yaml', 1, 1],
      ['file-skipped', 'warning', 'linkdir.yaml', 1, 1],
      ['file-skipped', 'warning', 'outside.yaml', 1, 1],
      ['file-skipped', 'warning', 'zero.yaml', 1, 1],
    ]);
    const why = Object.fromEntries(r.findings.map((f) => [f.range!.file, f.message]));
    assert.match(why['big.yaml'], /16\.0 MiB; PodPath skips manifests over 16 MiB/);
    assert.match(why['fifo.yaml'], /FIFO/);
    assert.match(why['zero.yaml'], /symbolic link to \/dev\/zero, outside the folders given/);
    assert.match(why['dir.yaml'], /a folder/);
    assert.match(why['linkdir.yaml'], /a folder/);
    assert.match(why['outside.yaml'], /outside the folders given/);
  } finally {
    t.cleanup();
  }
});

test('check on the hostile folder finishes, reports each refusal and analyses the rest', () => {
  const t = hostileTree();
  try {
    const r = runCli(['check', '.'], t.root);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.stdout.match(/file-skipped/g) ?? []).length, 7);
    assert.match(r.stdout, /2 pods/);
  } finally {
    t.cleanup();
  }
});

test('a file named on the command line that is a FIFO or a device is refused, not read', () => {
  const t = hostileTree();
  try {
    const r = readSources([path.join(t.root, 'fifo.yaml'), '/dev/zero', path.join(t.root, 'good.yaml')], t.root);
    assert.deepEqual(r.sources.map((s) => s.file), ['good.yaml']);
    assert.deepEqual(r.findings.map((f) => f.range?.file).sort(), ['/dev/zero', 'fifo.yaml'].map((f) => (f.startsWith('/') ? path.relative(t.root, f) : f)).sort());
  } finally {
    t.cleanup();
  }
});

test('*.json files in folders are read; the size limit counts bytes, not UTF-16 units', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-json-'));
  try {
    fs.writeFileSync(path.join(root, 'pod.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'j' }, spec: { containers: [{ name: 'c' }] } }));
    fs.writeFileSync(path.join(root, 'notes.txt'), 'not a manifest');
    const r = readSources([root], root);
    assert.deepEqual(r.sources.map((s) => s.file), ['pod.json']);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  // 'é' is one UTF-16 unit and two UTF-8 bytes: under the limit in units, over it in bytes.
  const text = `# ${'é'.repeat(MAX_FILE_BYTES / 2)}\n${POD}`;
  assert.ok(text.length < MAX_FILE_BYTES);
  const parsed = parseManifestText('wide.yaml', text);
  assert.deepEqual(parsed.findings.map((f) => f.code), ['file-too-large']);
  assert.equal(parsed.objects.length, 0);
});

test('the editor reads with the same byte limit as the parser', () => {
  const source = fs.readFileSync(path.join(__dirname, '..', '..', __dirname.includes(`${path.sep}out${path.sep}`) ? '..' : '', 'src', 'extension', 'workspace-files.ts'), 'utf8');
  assert.match(source, new RegExp(`const MAX_READ_BYTES = ${MAX_FILE_BYTES};`));
});
