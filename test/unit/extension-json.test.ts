import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { LanguageService } from '../../src/core/service/language-service';
import { isJsonFileName, looksLikeKubernetesJson } from '../../src/extension/kubernetes-json';
import { REPO_ROOT } from '../support/analyze';

// Which JSON files the editor hands to the analysis: Kubernetes objects in the forms kubectl and
// the API print them, and nothing else (package.json, tsconfig.json, lock files, schemas).

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' } }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80 }] }] } };

test('Kubernetes JSON: one object, kind List, *List, pretty or minified, with a BOM, half-typed', () => {
  const yes: [string, string][] = [
    ['kubectl get pod -o json', JSON.stringify(pod, null, 4)],
    ['minified', JSON.stringify(pod)],
    ['kubectl get -o json (List, kind after items)', JSON.stringify({ apiVersion: 'v1', items: [pod], kind: 'List', metadata: { resourceVersion: '' } }, null, 4)],
    ['the API\'s PodList', JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [{ metadata: pod.metadata, spec: pod.spec }] })],
    ['a *List without apiVersion', JSON.stringify({ kind: 'ServiceList', items: [] })],
    ['BOM and CRLF', '\ufeff{\r\n  "apiVersion": "v1",\r\n  "kind": "Service"\r\n}\r\n'],
    ['half-typed after the keys', '{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": '],
    ['an escaped key', '{"ki\\u006ed": "Pod", "apiVersion": "v1"}'],
  ];
  for (const [what, text] of yes) assert.equal(looksLikeKubernetesJson(text), true, what);
});

test('other JSON is left alone: package.json, tsconfig.json, a lock file, schemas and nested kinds', () => {
  const lock = JSON.stringify({ name: 'x', lockfileVersion: 3, packages: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`node_modules/p${i}`, { version: '1.0.0', kind: 'x', apiVersion: 'y' }])) });
  const no: [string, string][] = [
    ['this repository\'s package.json', fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')],
    ['this repository\'s tsconfig.json', fs.readFileSync(path.join(REPO_ROOT, 'tsconfig.json'), 'utf8')],
    ['a lock file whose nested objects have kind and apiVersion', lock],
    ['a JSON schema', JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', properties: { kind: { type: 'string' }, apiVersion: { type: 'string' } } })],
    ['kind without apiVersion', JSON.stringify({ kind: 'Pod', metadata: {} })],
    ['apiVersion without kind', JSON.stringify({ apiVersion: 'v1' })],
    ['kind not a string', JSON.stringify({ apiVersion: 'v1', kind: 7 })],
    ['a key whose value mentions kind', JSON.stringify({ description: '"kind": "Pod", "apiVersion": "v1"' })],
    ['a *List without items', JSON.stringify({ kind: 'PodList' })],
    ['a top-level array', JSON.stringify([pod])],
    ['empty', ''],
    ['not JSON', 'apiVersion: v1\nkind: Pod\n'],
    ['kind after the object ended', '{"a": 1} {"apiVersion": "v1", "kind": "Pod"}'],
  ];
  for (const [what, text] of no) assert.equal(looksLikeKubernetesJson(text), false, what);
  assert.ok(isJsonFileName('a/b/pod.JSON') && !isJsonFileName('a.json.yaml') && !isJsonFileName('a.jsonc'));
});

test('large non-Kubernetes JSON is rejected in one pass (printed, not asserted: timing is the benchmark\'s job)', () => {
  for (const kind of [false, true]) {
    const big = JSON.stringify({ packages: Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`node_modules/pkg-${i}`, { version: '1.2.3', resolved: `https://registry.example/pkg-${i}.tgz`, integrity: 'sha512-' + 'a'.repeat(60), ...(kind ? { kind: 'x' } : {}) }])) });
    const t0 = performance.now();
    assert.equal(looksLikeKubernetesJson(big), false);
    console.log(`# looksLikeKubernetesJson: ${(big.length / 1e6).toFixed(1)} MB of non-Kubernetes JSON${kind ? ' with nested "kind" keys' : ''} in ${(performance.now() - t0).toFixed(1)} ms`);
  }
});

test('what passes the filter is analysed: a JSON Pod and a JSON List give pods like their YAML', () => {
  const s = new LanguageService();
  const files = [
    { file: 'pod.json', text: JSON.stringify(pod, null, 2) },
    { file: 'list.json', text: JSON.stringify({ apiVersion: 'v1', items: [{ ...pod, metadata: { name: 'api', labels: { app: 'api' } } }], kind: 'List', metadata: {} }, null, 2) },
  ];
  assert.ok(files.every((f) => looksLikeKubernetesJson(f.text)));
  const r = s.update(files, {});
  assert.equal(r.summary.pods, 2);
  assert.deepEqual(s.codeLenses('pod.json').map((l) => l.title), ['Trace from web…']);
  // A JSON Service's "N endpoints" lens carries its matches (there is no YAML `selector:` line to search).
  s.update([...files, { file: 'svc.json', text: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 80 }] } }, null, 2) }], {});
  const count = s.codeLenses('svc.json').find((l) => l.command === 'podpath.showEndpoints')!;
  assert.equal(count.title, '1 endpoint');
  assert.deepEqual((count.args[1] as { file: string }[]).map((r) => r.file), ['pod.json']);
  assert.ok(s.hover('list.json', { line: 5, column: 15 }) || s.hover('pod.json', { line: 5, column: 15 }), 'a hover on a JSON object');
});
