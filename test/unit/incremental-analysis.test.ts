import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifestText } from '../../src/core/manifest/parse';
import { LanguageService } from '../../src/core/service/language-service';
import { lintCluster } from '../../src/core/findings/lint';
import { sortFindings } from '../../src/core/common/finding';
import { incrementalWorkspace, updateWith } from '../support/incremental-workspace';
import { generateCluster } from '../bench/generate';

/**
 * What an edit recomputes: the documents re-read, the build stages taken over, the lint units
 * and selections recomputed. Each test makes one edit of a kind and checks both that the kept
 * parts were kept (by identity or by the memos' counts) and that the answer equals a fresh one.
 */

const DOCS = ['a', 'b', 'c'].map((n) => `---\napiVersion: v1\nkind: Service\nmetadata: {name: ${n}, namespace: default}\nspec:\n  selector: {app: ${n}}\n  ports: [{port: 80}]\n`).join('');

test('a re-read file keeps the objects of documents whose text and first line are unchanged', () => {
  const first = parseManifestText('s.yaml', DOCS);
  // Change b's selector: same line count, so a and c keep their line (c moves by two characters).
  const edited = DOCS.replace('app: b}', 'app: bbb}');
  const second = parseManifestText('s.yaml', edited, { previous: { text: DOCS, parsed: first } });
  assert.equal(second.objects.length, 3);
  assert.equal(second.objects[0], first.objects[0], 'a is kept');
  assert.notEqual(second.objects[1], first.objects[1], 'b is read again');
  assert.equal(second.objects[2], first.objects[2], 'c is kept although its offset moved');
  // Whatever is kept locates as a fresh read of the new text does.
  const fresh = parseManifestText('s.yaml', edited);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(second.objects[i].data, fresh.objects[i].data);
    for (const path of [[], ['spec', 'selector', 'app'], ['spec', 'ports', 0, 'port'], ['metadata', 'name']]) {
      assert.deepEqual(second.objects[i].locator.at(path), fresh.objects[i].locator.at(path), `object ${i} at ${path.join('.')}`);
      assert.deepEqual(second.objects[i].locator.keyAt(path), fresh.objects[i].locator.keyAt(path));
    }
  }
});

test('documents moved to other lines get new objects located at their new lines, without being read again', () => {
  const first = parseManifestText('s.yaml', DOCS);
  const edited = `# a comment line\n${DOCS}`;
  const second = parseManifestText('s.yaml', edited, { previous: { text: DOCS, parsed: first } });
  const fresh = parseManifestText('s.yaml', edited);
  for (let i = 0; i < 3; i++) {
    assert.notEqual(second.objects[i], first.objects[i], 'a moved document is a new object');
    assert.equal(second.objects[i].data, first.objects[i].data, 'its data was not read again');
    assert.deepEqual(second.objects[i].locator.at(['spec', 'ports', 0, 'port']), fresh.objects[i].locator.at(['spec', 'ports', 0, 'port']));
    assert.equal(second.objects[i].locator.range.start.line, first.objects[i].locator.range.start.line + 1);
  }
  // Swapped documents: the same texts at other offsets and lines.
  const parts = DOCS.split(/^(?=---\n)/m);
  const swapped = [parts[1], parts[0], parts[2]].join('');
  const third = parseManifestText('s.yaml', swapped, { previous: { text: DOCS, parsed: first } });
  const freshSwapped = parseManifestText('s.yaml', swapped);
  assert.deepEqual(third.objects.map((o) => o.locator.at(['spec', 'selector'])), freshSwapped.objects.map((o) => o.locator.at(['spec', 'selector'])));
  assert.equal(third.objects[2], first.objects[2], 'c stays where it was');
});

function fresh(files: Map<string, string>) {
  return updateWith(new LanguageService(), files).diagnostics;
}

test('a Service edit keeps nodes, pods and their addresses, and the other Services, as the same objects', () => {
  const files = incrementalWorkspace();
  const service = new LanguageService();
  updateWith(service, files);
  const before = service.current().cluster;
  const text = files.get('apps/app-1.yaml')!;
  files.set('apps/app-1.yaml', text.replace(/ports: \[\{name: http, port: 80, targetPort: http\}\]/, 'ports: [{name: http, port: 81, targetPort: http}]'));
  const kept = { ...service.buildMemo.kept };
  const r = updateWith(service, files);
  const after = service.current().cluster;
  assert.equal(after.pods, before.pods, 'the pods list is the one built before');
  assert.equal(after.nodes, before.nodes);
  assert.equal(service.buildMemo.kept.pods, (kept.pods ?? 0) + 1, 'the pods stage was taken over');
  const changed = after.services.filter((s, i) => s !== before.services[i]);
  assert.equal(changed.length, 1, 'only the edited Service is built again');
  assert.equal(changed[0].ports[0].port, 81);
  assert.deepEqual(r.diagnostics, fresh(files));
});

test('a replicas edit places pods again; the others keep their addresses unless a new pod won their slot', () => {
  const files = incrementalWorkspace();
  const service = new LanguageService();
  updateWith(service, files);
  const before = new Map(service.current().cluster.pods.map((p) => [p.key, p.ip]));
  const text = files.get('apps/app-2.yaml')!;
  files.set('apps/app-2.yaml', text.replace(/replicas: 10/, 'replicas: 12'));
  const computed = service.buildMemo.computed.pods ?? 0;
  const r = updateWith(service, files);
  assert.equal(service.buildMemo.computed.pods, computed + 1, 'the pods stage was computed');
  const after = service.current().cluster.pods;
  assert.equal(after.length, before.size + 2);
  // A new pod moves an existing one only by winning its exact slot (cluster/pods.ts
  // assignAddresses); the loser takes a free address, displacing nobody. So at most one pod per
  // new pod moves, and only on the nodes the new pods landed on.
  const added = after.filter((p) => !before.has(p.key));
  const moved = after.filter((p) => before.has(p.key) && before.get(p.key) !== p.ip);
  assert.ok(moved.length <= added.length, `${moved.length} pods moved for ${added.length} new ones`);
  for (const p of moved) assert.ok(added.some((a) => a.node === p.node), `${p.key} moved on a node no new pod went to`);
  assert.deepEqual(r.diagnostics, fresh(files));
});

test('lint recomputes only the units an edit reaches, and re-tests selections only against changed pods', () => {
  const files = incrementalWorkspace();
  const service = new LanguageService();
  updateWith(service, files);
  const memo = service.lintMemo;
  const units = memo.kept + memo.computed;
  assert.ok(units > 30, `the workspace has lint units (${units})`);
  // Services and policies are tracked values: taken over whole while nothing they read moved.
  const cluster = service.current().cluster;
  const tracked = cluster.services.filter((s) => s.selector && !s.explicitEndpoints && s.type !== 'ExternalName').length + cluster.policies.length;

  // A Service selector that matches nothing: that Service's unit and selection, nothing else.
  const app = files.get('apps/app-3.yaml')!;
  files.set('apps/app-3.yaml', app.replace(/^( {2}selector: \{app: )([\w-]+)\}$/m, '$1$2-gone}'));
  let r = updateWith(service, files);
  assert.equal(memo.computed, 1, 'the Service unit');
  assert.equal(memo.selectionsComputed, 1, 'and its selection');
  assert.equal(memo.trackedKept, tracked - 1, 'every other Service and every policy taken over whole');
  assert.ok(r.diagnostics['apps/app-3.yaml'].some((d) => d.code === 'service-selects-nothing'));
  assert.deepEqual(r.diagnostics, fresh(files));

  // A policy rule: that policy's units only (its findings, and its DNS rule if it isolates egress).
  const policies = files.get('policies.yaml')!;
  files.set('policies.yaml', policies.replace(/ports: \[\{protocol: TCP, port: 8080\}\]/, 'ports: [{protocol: TCP, port: 8081}]'));
  r = updateWith(service, files);
  assert.ok(memo.computed >= 1 && memo.computed <= 3, `a policy edit recomputed ${memo.computed} units`);
  assert.equal(memo.trackedKept, tracked - 1, 'every Service and every other policy taken over whole');
  assert.deepEqual(r.diagnostics, fresh(files));

  // A pod label: the pods are built again, the selections are brought up to date from the
  // changed pods instead of being computed again.
  files.set('apps/app-3.yaml', files.get('apps/app-3.yaml')!.replace(/version: v\d/, 'version: v9'));
  r = updateWith(service, files);
  assert.equal(memo.selectionsComputed, 0, 'no selection computed from scratch');
  assert.ok(memo.selectionsUpdated > 0, 'selections were brought up to date');
  assert.ok(memo.computed < units / 2, `a pod label edit recomputed ${memo.computed} of ${units} units`);
  // What looks into the other namespace is taken over whole; what looks into the edited one is keyed again.
  assert.ok(memo.trackedKept > 0 && memo.trackedKept < tracked, `${memo.trackedKept} of ${tracked} tracked values taken over`);
  assert.deepEqual(r.diagnostics, fresh(files));
});

test('a memoised lint run gives the findings a plain run gives, edit after edit', () => {
  const files = incrementalWorkspace();
  const service = new LanguageService();
  const edits: [string, RegExp, string][] = [
    ['apps/app-0.yaml', /tier: \w+/, 'tier: db'],
    ['apps/app-0.yaml', /containerPort: 8080/, 'containerPort: 8081'],
    ['policies.yaml', /podSelector: \{matchLabels: \{app: app-\d+\}\}/, 'podSelector: {matchLabels: {app: app-7}}'],
    ['policies.yaml', /policyTypes: \[Ingress, Egress\]/, 'policyTypes: [Egress]'],
    ['apps/app-1.yaml', /targetPort: http/, 'targetPort: nosuch'],
  ];
  for (const [file, re, to] of [[undefined, /$^/, ''] as const, ...edits]) {
    if (file) files.set(file, files.get(file)!.replace(re, to));
    updateWith(service, files);
    const cluster = service.current().cluster;
    assert.deepEqual(sortFindings(lintCluster(cluster, service.lintMemo)), sortFindings(lintCluster(cluster)), `after editing ${file ?? 'nothing'}`);
  }
});

test('a policy whose namespace loses its last pod says so, though what it selects (nothing) stayed the same', () => {
  const pod = (name: string, ns: string, app: string) => `---\napiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ${ns}, labels: {app: ${app}}}\nspec: {nodeName: node-1, containers: [{name: main, image: example/app}]}\n`;
  const files = incrementalWorkspace();
  files.set('ops.yaml', pod('tool', 'ops', 'tool') + '---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web-only, namespace: ops}\nspec:\n  podSelector: {matchLabels: {app: web}}\n');
  const service = new LanguageService();
  const codes = (r: ReturnType<typeof updateWith>) => r.diagnostics['ops.yaml'].map((d) => d.code);
  let r = updateWith(service, files);
  assert.ok(codes(r).includes('policy-selects-nothing'), codes(r).join(', '));
  // The pod moves to another namespace (the namespaces stay as they were: the policy keeps `ops`): the
  // policy still selects nothing, but its namespace is empty now.
  files.set('ops.yaml', files.get('ops.yaml')!.replace('namespace: ops, labels', 'namespace: team-0, labels'));
  r = updateWith(service, files);
  assert.ok(codes(r).includes('policy-namespace-empty'), codes(r).join(', '));
  assert.deepEqual(r.diagnostics, fresh(files));
});

test('the AdminNetworkPolicy and Calico findings are kept across edits of what they do not read, and made again after edits of what they do', () => {
  const g = generateCluster(400, { policies: 20, namespaces: 2, plugin: 'calico', podsPerNode: 40, adminPolicies: 6, calicoPolicies: 6 });
  const files = new Map(g.files.map((f) => [f.file, f.text]));
  const service = new LanguageService();
  let r = updateWith(service, files);
  const memo = service.lintMemo;
  const codes = (d: typeof r.diagnostics) => Object.values(d).flat().map((x) => x.code);
  // The generated policies shadow one another: the part holds findings worth keeping.
  assert.ok(codes(r.diagnostics).some((c) => c.startsWith('anp-')) && codes(r.diagnostics).some((c) => c.startsWith('calico-')), codes(r.diagnostics).join(' '));

  // A NetworkPolicy edit: the part is taken over.
  files.set('policies.yaml', files.get('policies.yaml')!.replace('ports: [{protocol: TCP, port: 8080}]', 'ports: [{protocol: TCP, port: 8081}]'));
  r = updateWith(service, files);
  assert.equal(memo.partsKept, 1, 'kept after a NetworkPolicy edit');
  assert.deepEqual(r.diagnostics, fresh(files));

  // An AdminNetworkPolicy edit (a rule's port), a Calico policy edit (a rule's action), a pod
  // label edit: each makes the part again, and the answer is a fresh one's.
  const edits: [string, string, string][] = [
    ['admin-policies.yaml', 'port: 9090}', 'port: 9091}'],
    ['calico-policies.yaml', '- {action: Pass}', '- {action: Deny}'],
    ['apps.yaml', 'tier: web', 'tier: webb'],
  ];
  for (const [file, from, to] of edits) {
    assert.ok(files.get(file)!.includes(from), `${file} holds ${from}`);
    files.set(file, files.get(file)!.replace(from, to));
    r = updateWith(service, files);
    assert.equal(memo.partsKept, 0, `made again after editing ${file}`);
    assert.deepEqual(r.diagnostics, fresh(files), `after editing ${file}`);
  }
});
