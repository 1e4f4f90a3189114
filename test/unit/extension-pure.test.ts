import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { LanguageService } from '../../src/core/service/language-service';
import { ExcludeMatcher, globToRegExp } from '../../src/extension/glob';
import { selectorValuePosition } from '../../src/extension/selector-position';
import { toEditorPosition, toEditorRange, toServicePosition } from '../../src/extension/positions';
import { enabledGlobs, readSettings } from '../../src/extension/settings';
import { formatPortProtocol, isIPv4, parseNamespaces, parsePortProtocol, specLabel } from '../../src/extension/trace-input';
import { REPO_ROOT } from '../support/analyze';

// The editor adapter's pure pieces: what can go wrong without VS Code running.

test('positions: the core is 1-based, the editor 0-based, and the round trip is exact', () => {
  assert.deepEqual(toEditorPosition({ line: 1, column: 1 }), { line: 0, character: 0 });
  assert.deepEqual(toEditorPosition({ line: 10, column: 8 }), { line: 9, character: 7 });
  assert.deepEqual(toServicePosition({ line: 9, character: 7 }), { line: 10, column: 8 });
  assert.deepEqual(toEditorRange({ start: { line: 3, column: 5 }, end: { line: 4, column: 1 } }), { start: { line: 2, character: 4 }, end: { line: 3, character: 0 } });
  // A made-up location (line 0) never becomes a negative editor position.
  assert.deepEqual(toEditorPosition({ line: 0, column: 0 }), { line: 0, character: 0 });
});

test('glob: the subset of VS Code globs used by files.exclude', () => {
  assert.ok(globToRegExp('**/node_modules/**').test('a/b/node_modules/x/y.yaml'));
  assert.ok(globToRegExp('**/node_modules/**').test('node_modules/y.yaml'));
  assert.ok(globToRegExp('charts/*.yaml').test('charts/a.yaml'));
  assert.ok(!globToRegExp('charts/*.yaml').test('charts/sub/a.yaml'));
  assert.ok(globToRegExp('**/*.{yaml,yml}').test('x/y.yml'));
  assert.ok(globToRegExp('**/[!.]*.yaml').test('a/b.yaml'));
  assert.ok(!globToRegExp('**/[!.]*.yaml').test('a/.b.yaml'));
  assert.ok(globToRegExp('a?c.yaml').test('abc.yaml'));
  assert.ok(!globToRegExp('a.c').test('abc'), 'a dot is literal');
});

test('exclude: a pattern naming a folder excludes everything under it, as files.exclude does', () => {
  const m = new ExcludeMatcher(['**/.git', 'charts/', './generated/**', '']);
  assert.ok(m.excludes('.git/config.yaml'));
  assert.ok(m.excludes('sub/.git/x.yaml'));
  assert.ok(m.excludes('charts/web/templates/deployment.yaml'));
  assert.ok(m.excludes('generated/a.yaml'));
  assert.ok(!m.excludes('app.yaml'));
  assert.ok(!m.excludes('src/charts.yaml'));
  assert.ok(!new ExcludeMatcher([]).excludes('anything.yaml'));
  assert.deepEqual(enabledGlobs({ '**/.git': true, '**/off': false, '**/*.js': { when: '$(basename).ts' } }), ['**/.git']);
});

test('settings: podpath.* becomes the service settings; defaults when unset or invalid', () => {
  const user: Record<string, unknown> = {
    analyzeOn: 'change', analyzeDelay: 120, 'hints.enabled': false, exclude: ['**/charts/**', 7],
    severity: { 'policy-not-enforced': 'information', 'unknown-kind': 'off', 'x': 'loud' },
    'defaultCluster.plugin': 'calico', 'defaultCluster.backend': 'ipip', 'defaultCluster.kubeProxyMode': 'ipvs', 'defaultCluster.networkPolicy': 'bogus',
  };
  const s = readSettings(<T>(k: string) => user[k] as T | undefined);
  assert.equal(s.analyzeOn, 'change');
  assert.equal(s.analyzeDelay, 120);
  assert.equal(s.hintsEnabled, false);
  assert.deepEqual(s.exclude, ['**/charts/**']);
  assert.deepEqual(s.service.severities, { 'policy-not-enforced': 'info', 'unknown-kind': 'off' });
  assert.deepEqual(s.service.defaultCluster, { plugin: 'calico', backend: 'ipip', kubeProxyMode: 'ipvs' });

  const none = readSettings(() => undefined);
  assert.equal(none.analyzeOn, 'save');
  assert.equal(none.analyzeDelay, 300);
  assert.equal(none.hintsEnabled, true);
  assert.deepEqual(none.service, { defaultCluster: {}, severities: {} });

  // The default cluster follows only what the user set, not package.json's defaults.
  const defaults: Record<string, unknown> = { 'defaultCluster.plugin': 'flannel' };
  assert.deepEqual(readSettings(<T>(k: string) => defaults[k] as T, () => undefined).service.defaultCluster, {});
});

test('trace pickers name objects as people do, not as endpoint specs', () => {
  assert.equal(specLabel('pod:default/pod1'), 'pod1');
  assert.equal(specLabel('deployment:shop/api'), 'shop/api');
  assert.equal(specLabel('service:default/web'), 'web');
  assert.equal(specLabel('node:node-1'), 'node-1');
  assert.equal(specLabel('203.0.113.10'), '203.0.113.10');
  assert.equal(specLabel(' pod:default/a '), 'a');
});

test('trace input: port/protocol, IPv4 and namespace lists', () => {
  assert.deepEqual(parsePortProtocol('80'), { port: 80, protocol: 'tcp' });
  assert.deepEqual(parsePortProtocol(' 53 / UDP '), { port: 53, protocol: 'udp' });
  assert.deepEqual(parsePortProtocol('9003/sctp'), { port: 9003, protocol: 'sctp' });
  for (const bad of ['', '0', '65536', '80/icmp', 'http', '80/tcp/x']) assert.equal(parsePortProtocol(bad), undefined, bad);
  assert.equal(formatPortProtocol({}), '80/tcp');
  assert.equal(formatPortProtocol({ port: 53, protocol: 'udp' }), '53/udp');
  assert.ok(isIPv4('203.0.113.10'));
  for (const bad of ['256.1.1.1', '1.2.3', '01.2.3.4', 'a.b.c.d', '1.2.3.4.5']) assert.ok(!isIPv4(bad), bad);
  assert.deepEqual(parseNamespaces(' x, y  z,,'), ['x', 'y', 'z']);
  assert.deepEqual(parseNamespaces(''), []);
});

test('selector position: "N endpoints" / "selects N pods" lenses find their matched objects through the service', () => {
  for (const folder of ['test/fixtures/workspace', 'examples/calico-ipip']) {
    const dir = path.join(REPO_ROOT, folder);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((file) => ({ file, text: fs.readFileSync(path.join(dir, file), 'utf8') }));
    const service = new LanguageService();
    service.update(files, {});
    let checked = 0;
    for (const { file, text } of files) {
      for (const lens of service.codeLenses(file)) {
        if (lens.command === 'podpath.traceFrom' || lens.command === 'podpath.traceTo') continue;
        const expected = Number(/\d+/.exec(lens.title)![0]);
        const at = selectorValuePosition(text.split('\n'), lens.range, lens.command === 'podpath.showEndpoints' ? 'selector' : 'podSelector');
        assert.ok(at, `${file}: ${lens.title}`);
        // Replicas of one workload share its pod template: one place for all of them. (A Service
        // with 0 endpoints may still select pods: its targetPort is what failed.)
        const places = service.definition(file, at).length;
        if (expected > 0) assert.ok(places >= 1 && places <= expected, `${folder}/${file}:${lens.range.start.line} ${lens.title}: ${places} places`);
        checked++;
      }
    }
    assert.ok(checked >= 2, `${folder}: ${checked} lenses checked`);
  }
  // Flow and block values, a peer's podSelector is not the policy's own, comments are skipped.
  const policy = ['kind: NetworkPolicy', 'spec:', '  ingress:', '    - from:', '        - podSelector: {a: b}', '  podSelector:  # mine', '    matchLabels: {app: api}'];
  assert.deepEqual(selectorValuePosition(policy, { start: { line: 1, column: 1 }, end: { line: 7, column: 1 } }, 'podSelector'), { line: 7, column: 5 });
  assert.deepEqual(selectorValuePosition(['spec:', '  selector: {app: web}'], { start: { line: 1, column: 1 }, end: { line: 2, column: 1 } }, 'selector'), { line: 2, column: 13 });
  assert.equal(selectorValuePosition(['spec: {}'], { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, 'selector'), undefined);
});
