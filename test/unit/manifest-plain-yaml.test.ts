import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { FieldPath } from '../../src/core/common/source';
import { ParsedFile, parseManifestText } from '../../src/core/manifest/parse';
import { PlainScalars, readPlainYaml } from '../../src/core/manifest/plain-yaml';
import { generateCluster } from '../bench/generate';

/**
 * The plain reader (plain-yaml.ts) must give exactly what the full `yaml` parser gives: the
 * same objects, the same findings, and the same range for every field. Each input is parsed
 * both ways and compared field by field.
 */

const REPO = path.resolve(__dirname, '..', '..', __dirname.includes(`${path.sep}out${path.sep}`) ? '..' : '');

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'out' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Every path into `v`, plus a missing key and a missing index under each collection. */
function paths(v: unknown, base: FieldPath = [], out: FieldPath[] = []): FieldPath[] {
  out.push(base);
  if (Array.isArray(v)) {
    v.forEach((x, i) => paths(x, [...base, i], out));
    out.push([...base, v.length]);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) paths(x, [...base, k], out);
    out.push([...base, 'no-such-key']);
  }
  return out;
}

/** Asserts that both readers agree on `text`; returns whether the plain reader took it. */
function agree(file: string, text: string): boolean {
  const plain = parseManifestText(file, text);
  const full = parseManifestText(file, text, { plainReader: false });
  const tookPlain = readPlainYaml(text, new PlainScalars((t) => t)) !== undefined && !text.includes('{{');
  compare(file, plain, full);
  return tookPlain;
}

function compare(file: string, a: ParsedFile, b: ParsedFile): void {
  const strip = (p: ParsedFile) => ({ ...p, objects: p.objects.map((o) => ({ ...o, locator: undefined })) });
  assert.deepEqual(strip(a), strip(b), `${file}: objects and findings differ`);
  a.objects.forEach((o, i) => {
    const la = o.locator, lb = b.objects[i].locator;
    assert.deepEqual(la.range, lb.range, `${file}: object ${i} range`);
    for (const p of paths(o.data)) {
      assert.deepEqual(la.at(p), lb.at(p), `${file}: object ${i} at(${JSON.stringify(p)})`);
      assert.deepEqual(la.keyAt(p), lb.keyAt(p), `${file}: object ${i} keyAt(${JSON.stringify(p)})`);
    }
  });
}

test('the plain reader agrees with the yaml parser on every YAML file in the repository', () => {
  const files = yamlFiles(REPO);
  assert.ok(files.length > 30, `found ${files.length} YAML files under ${REPO}`);
  let plain = 0;
  for (const f of files) if (agree(path.relative(REPO, f), fs.readFileSync(f, 'utf8'))) plain++;
  // Most of the repository's manifests are in the plain subset; if none were, this test would prove nothing.
  assert.ok(plain >= files.length / 3, `only ${plain} of ${files.length} files were read by the plain reader`);
});

test('the plain reader agrees with the yaml parser on the benchmark corpus', () => {
  const g = generateCluster(300, { policies: 20, adminPolicies: 3 });
  for (const f of g.files) assert.ok(agree(f.file, f.text), `${f.file} should be plain YAML`);
});

/** Small shapes that sit at the subset's edges: each either read alike or left to `yaml`. */
const EDGES = [
  'a: b\n', 'a:\n', 'a:\n\nb: c\n', 'a: b\n\n# c\n\nd: e\n', 'a:\n  b: 1\n# t\n  c: [x]\nd: 2\n', 'a:\n- x\n- y\nb: 1\n',
  'a:\n- x\n# c\nb: 1\n', 'a:\n  - x\n# c\n  - y\n', 'a:\n  -\n  - b\n', 'a:\n  - b: 1\n    c:\n  - [x, y]\n', 'a: {}\nb: []\nc: {d: [1, 2, {e: f}]}\n',
  'a: "q"\nb: \'it\'\'s\'\nc: "x # y"\n', 'a: yes\nb: off\nc: 0777\nd: 0x1F\ne: 1_000\nf: .inf\ng: 1e3\nh: ~\ni: null\nj: 3.5\nk: -2\n', '"a b": c\n\'d\': e\n',
  'a: b # comment\nc: d #e\n', 'a: http://x:80/y\nb: {u: http://x:80}\n', 'a: b: c\n', 'a: [x,\n  y]\n', 'a: b\n  c\n', 'a: &x 1\nb: *x\n', 'a: !t x\n', 'a: |\n  x\n',
  'a: b\na: c\n', '1: x\n', 'yes: x\n', '<<: {a: 1}\n', '---\na: 1\n---\n---\nb: 2\n...\n', '--- # c\na: 1\n', '- a\n- b\n', 'x\n', '  a: 1\n', 'a:   \n', 'a: # c\n',
  'a: {b: 1, }\n', 'a: [1, 2, ]\n', 'a: {b: }\n', 'a: [b: c]\n', 'a: {b:c}\n', 'a:\n  b:\n    c:\n      d: e\n  f: g\n', 'apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata: {name: a}\n- 3\n',
  'a: "x\\ty"\n', 'a:\t1\n', 'a: 1\r\nb: 2\r\n', 'a:\n  # c\n  b: 1\n', '# head\n\napiVersion: v1\n\n', 'a: -1\nb: -x\nc: ?x\nd: :x\n', 'a: [-1, -x]\n', 'a: @x\n', 'a: `x`\n',
  'a:\n- b\n-\n', 'a:\n- - b\n', '-x: 1\n', 'a: 1\n# end', 'a: 1\nb:\n  - c\n\n\n# t\n', 'k: v\n  # indented comment\n', 'a: 1\n#c\n---\nb: 2\n',
  // Words at and past the five letters a null or boolean can have; numbers and names by first character.
  'a: false\nb: FALSE\nc: falsey\nd: Falsch\ne: nulls\nf: NULL\ng: Off\nh: offset\ni: y\nj: N\nk: onion\nl: True\nm: trues\n',
  'a: +1\nb: .5\nc: -.inf\nd: 09\ne: 0b101\nf: 1_0.5\ng: é\nh: ñame\ni: Ω1\n',
  'a: {yes: 1}\n', 'a: {off: x}\n', 'a: {nope: false, t: true, truex: y}\n', 'a: [yes, no, maybe, ~, .nan, -0x1]\n', 'a: {b: -x, c: ?y, d: :z}\n', 'a: [-, ?]\n', 'a: {-: 1}\n',
  'a: [x, -]\n', 'a: {b: [c, {d: e}], f: {g: [h]}}\n', 'a: {"b": 1, \'c\': 2}\n', 'a: {b: 1, b: 2}\n', 'a: [{b: c}, {d: e}]\n',
];

test('the plain reader agrees with the yaml parser at the edges of the subset', () => {
  for (const text of EDGES) agree('edge.yaml', text);
});

test('the plain reader agrees with the yaml parser on randomly mutated manifests (fixed seed)', () => {
  const base = generateCluster(40, { policies: 4 }).files.map((f) => f.text).join('---\n');
  const lines = base.split('\n');
  const pieces = [' ', '  ', '# c', ' # c', '-', '- ', ':', ': ', '{', '}', '[', ']', ',', '"', "'", '---', 'yes', '~', '\n', '&a ', '*a', '!x ', '|', '>', '?', '0x1', 'é'];
  let seed = 0x5eed;
  const rand = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  let plain = 0;
  for (let round = 0; round < 150; round++) {
    const copy = lines.slice(0, 80);
    for (let k = 0; k < 1 + (round % 2); k++) {
      const li = rand(copy.length);
      const line = copy[li];
      const at = rand(line.length + 1);
      const what = rand(3);
      if (what === 0) copy[li] = line.slice(0, at) + pieces[rand(pieces.length)] + line.slice(at);
      else if (what === 1) copy[li] = line.slice(0, at) + line.slice(at + 1 + rand(3));
      else copy.splice(li, 0, copy[rand(copy.length)]);
    }
    if (agree(`mutant-${round}.yaml`, copy.join('\n'))) plain++;
  }
  assert.ok(plain > 20, `only ${plain} of 150 mutants were read by the plain reader`);
});

test('documents the plain reader leaves (block scalar, anchors, escapes, tabs) are read by yaml alone; the rest of the file stays plain', () => {
  const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: conf, namespace: shop}\ndata:\n  nginx.conf: |\n    server {\n      listen 80;\n    }\n';
  const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: main, image: nginx}]\n';
  const anchored = 'apiVersion: v1\nkind: Service\nmetadata: &m {name: web, namespace: shop}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n';
  const escaped = 'apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: shop}\nstringData: {key: "a\\nb"}\n';
  const tabbed = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: t, namespace: shop}\ndata: {a: "x\ty"}\n';
  const plainPod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: solo, namespace: shop}\nspec:\n  containers: [{name: c, image: busybox}]\n';
  const text = [configMap, deployment, anchored, escaped, tabbed, plainPod].map((d) => `---\n${d}`).join('');
  assert.ok(agree('mixed.yaml', text), 'the file is read by the plain reader');
  const docs = readPlainYaml(text, new PlainScalars((t) => t))!;
  assert.deepEqual(docs.map((d) => (d.unread ? 'yaml' : 'plain')), ['yaml', 'plain', 'yaml', 'yaml', 'yaml', 'plain']);
  const parsed = parseManifestText('mixed.yaml', text);
  assert.deepEqual(parsed.objects.map((o) => o.kind), ['ConfigMap', 'Deployment', 'Service', 'Secret', 'ConfigMap', 'Pod']);
  assert.equal(parsed.plainDocuments?.length, 2, 'the two plain documents are kept for the next edit');
  // An edit of the Deployment re-reads it; the Pod below, on the same line, keeps its object.
  const edited = text.replace('replicas: 2', 'replicas: 3');
  const again = parseManifestText('mixed.yaml', edited, { previous: { text, parsed } });
  assert.equal(again.objects[5], parsed.objects[5]);
  assert.notEqual(again.objects[1], parsed.objects[1]);
  agree('mixed-edited.yaml', edited);
  // A syntax error in a document left to yaml sends the whole file there, as before.
  const broken = text.replace('nginx.conf: |', 'nginx.conf: "|');
  assert.equal(agree('mixed-broken.yaml', broken), true);
  assert.deepEqual(parseManifestText('mixed-broken.yaml', broken).plainDocuments, undefined);
});
