import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LanguageService } from '../../src/core/service/language-service';
import { BuildMemo, buildCluster } from '../../src/core/cluster/build';
import { ServiceAllocations, serviceCounts } from '../../src/core/cluster/services';
import { Cluster } from '../../src/core/cluster/model';
import { addParsedFiles, emptyManifestSet, LoadResult } from '../../src/core/manifest/load';
import { parseManifestText } from '../../src/core/manifest/parse';
import { generateCluster } from '../bench/generate';
import type { ServiceSettings } from '../../src/core/service/types';
import { incrementalWorkspace, updateWith } from '../support/incremental-workspace';

/**
 * The build after an edit of one workload: pods, addresses, endpoints and lookup maps are
 * taken over for everything the edit does not reach, and the cluster equals one built from
 * scratch. Each test counts what was recomputed, so it fails if the reuse is bypassed, and
 * compares with a fresh build, so it fails if the reuse is wrong.
 */

/** The cluster built from scratch from the same files. */
function fresh(files: Map<string, string>): Cluster {
  const load: LoadResult = { manifests: emptyManifestSet(), findings: [], ignoredDocuments: 0 };
  addParsedFiles(load, [...files.keys()].sort().map((f) => parseManifestText(f, files.get(f)!)));
  return buildCluster(load.manifests);
}

/** What a cluster says, without locators: pods placed and addressed, workloads, endpoints, findings. */
function facts(c: Cluster): unknown {
  return {
    pods: c.pods.map((p) => [p.key, p.node, p.ip, p.ip6 ?? '', p.ipSource, p.hostVeth, p.mac, JSON.stringify(p.labels), p.ports.map((x) => `${x.name}/${x.containerPort}`).join(','), p.owner.key, p.locator.range.start.line]),
    podsByKey: [...c.podsByKey].map(([k, p]) => [k, p.ip]).sort(),
    podsByIP: [...c.podsByIP].map(([ip, p]) => [ip, p.key]).sort(),
    workloads: c.workloads.map((w) => [w.kind, w.key, w.pods.join(',')]),
    services: c.services.map((s) => [s.key, s.clusterIP, s.ports.map((p) => [p.port, p.nodePort, p.endpoints.map((e) => `${e.pod}@${e.ip}:${e.port}/${e.node}/${e.ready}/${e.locator.range.start.line}`).join(' ')])]),
    findings: c.findings.map((f) => `${f.code} ${f.message} ${f.range?.file}:${f.range?.start.line}`),
  };
}

test('a replicas edit makes only the new pods, keeps every other pod and address, and recomputes only the Service selecting them', () => {
  const files = incrementalWorkspace();
  const service = new LanguageService();
  updateWith(service, files);
  const before = service.current().cluster;
  const file = 'apps/app-2.yaml';
  const app = /metadata: \{name: (app-\d+), namespace/.exec(files.get(file)!)![1];
  files.set(file, files.get(file)!.replace(/replicas: 10/, 'replicas: 12'));
  updateWith(service, files);
  const after = service.current().cluster;
  const counts = service.buildMemo.pods.counts;

  const added = after.pods.filter((p) => !before.podsByKey.has(p.key));
  assert.equal(added.length, 2);
  assert.ok(added.every((p) => p.owner.name === app));
  // The edited Deployment's pods are made again (its object is new: their locations may have
  // moved). A new pod displaces an existing one only by winning its exact slot (see the
  // incremental analysis test); every other pod is the very object built before.
  const remade = after.pods.filter((p) => before.podsByKey.get(p.key) !== p);
  const moved = remade.filter((p) => p.owner.name !== app);
  for (const p of moved) assert.notEqual(before.podsByKey.get(p.key)!.ip, p.ip, `${p.key} made again although its address stayed`);
  assert.equal(remade.length, 12 + moved.length);
  assert.ok(moved.length <= added.length);
  assert.equal(counts.podsMade, remade.length, 'only the edited and displaced pods are made');
  assert.equal(counts.podsKept, after.pods.length - remade.length);
  assert.equal(counts.draftsMade, 12, "only the edited Deployment's drafts are made");
  assert.equal(counts.patched, 1, 'the last placement is patched (no other pod is visited)');
  assert.equal(counts.scheduled, 12, 'and only they are scheduled');
  const nodesTouched = new Set(added.map((p) => p.node));
  assert.equal(counts.nodesAllocated, nodesTouched.size, 'addresses are allocated again only on the nodes the new pods went to');
  assert.equal(counts.nodesKept, after.nodes.length - nodesTouched.size);

  // Endpoints: the edited Deployment's Service, and those selecting a displaced pod, nothing else.
  const touched = new Set([app, ...moved.map((p) => p.owner.name)]);
  assert.equal(serviceCounts.endpointsComputed, touched.size);
  for (const s of after.services) {
    const same = before.servicesByKey.get(s.key) === s;
    assert.equal(same, !touched.has(s.name), `Service ${s.key} ${same ? 'kept' : 'built again'}`);
  }
  assert.equal(after.services.find((s) => s.name === app)!.ports[0].endpoints.length, 12);
  assert.deepEqual(facts(after), facts(fresh(files)));

  // And back: the two pods go, the others are kept again.
  files.set(file, files.get(file)!.replace(/replicas: 12/, 'replicas: 10'));
  updateWith(service, files);
  assert.equal(service.buildMemo.pods.counts.podsMade, 10 + moved.length, "only the Deployment's pods and those displaced before are made again");
  assert.deepEqual(facts(service.current().cluster), facts(fresh(files)));
  assert.deepEqual(facts(service.current().cluster), facts(before));
});

test('a pod-template label edit renames that workload\'s pods and rebuilds only its Service and the Services of pods it displaced', () => {
  const files = incrementalWorkspace();
  const service = new LanguageService();
  updateWith(service, files);
  const before = service.current().cluster;
  const file = 'apps/app-3.yaml';
  files.set(file, files.get(file)!.replace(/version: v\d/, 'version: v9'));
  updateWith(service, files);
  const after = service.current().cluster;
  const counts = service.buildMemo.pods.counts;
  const renamed = after.pods.filter((p) => !before.podsByKey.has(p.key));
  assert.equal(renamed.length, 10, 'a new template hash renames the 10 replicas');
  assert.equal(counts.draftsMade, 10);
  assert.equal(counts.patched, 1, 'the last placement is patched');
  // Other pods are made again only when their address moved: a renamed pod took their slot, or
  // a slot the old names held became free for them.
  const remade = after.pods.filter((p) => before.podsByKey.get(p.key) !== p);
  const moved = remade.filter((p) => before.podsByKey.has(p.key));
  for (const p of moved) assert.notEqual(before.podsByKey.get(p.key)!.ip, p.ip, `${p.key} made again although its address stayed`);
  assert.equal(counts.podsMade, remade.length);
  assert.ok(counts.podsKept > after.pods.length * 0.9, `${counts.podsKept} of ${after.pods.length} pods kept`);
  const owners = new Set(remade.map((p) => p.owner.name));
  assert.equal(serviceCounts.endpointsComputed, owners.size, 'the Services of the pods made again');
  for (const s of after.services) assert.equal(before.servicesByKey.get(s.key) === s, !owners.has(s.name), s.key);
  assert.deepEqual(facts(after), facts(fresh(files)));
});

test('a comment line above workloads moves their pods\' locations but places and addresses nothing again', () => {
  const files = incrementalWorkspace();
  const service = new LanguageService();
  updateWith(service, files);
  const before = service.current().cluster;
  const file = 'apps/app-4.yaml';
  files.set(file, `# a comment\n${files.get(file)!}`);
  updateWith(service, files);
  const after = service.current().cluster;
  const counts = service.buildMemo.pods.counts;
  const inFile = after.pods.filter((p) => p.locator.file === file);
  assert.equal(inFile.length, 20);
  assert.equal(counts.nodesAllocated, 0, 'no node allocates addresses again');
  assert.equal(counts.podsMade, 20, "the file's pods are made again (their locations moved)");
  assert.ok(inFile.every((p) => before.podsByKey.get(p.key)!.ip === p.ip && before.podsByKey.get(p.key)!.node === p.node));
  assert.equal(inFile[0].locator.range.start.line, before.podsByKey.get(inFile[0].key)!.locator.range.start.line + 1);
  assert.equal(serviceCounts.endpointsComputed, 2, 'the two Services of the file (their endpoints point at the pods)');
  assert.deepEqual(facts(after), facts(fresh(files)));
});

test('a Pod written with the very name a Deployment derived makes the Deployment derive another, as from scratch', () => {
  const files = incrementalWorkspace();
  const service = new LanguageService();
  updateWith(service, files);
  const taken = service.current().cluster.pods.find((p) => p.owner.name === 'app-5')!;
  // The Pod comes first in build order (Pod objects before workloads), so the Deployment's
  // first derivation of that name is taken and it derives the next one.
  files.set('solo.yaml', ['apiVersion: v1', 'kind: Pod', `metadata: {name: ${taken.name}, namespace: ${taken.namespace}, labels: {app: solo}}`, 'spec:', '  containers: [{name: main, image: example/solo}]', ''].join('\n'));
  updateWith(service, files);
  let after = service.current().cluster;
  assert.equal(after.podsByKey.get(taken.key)!.owner.kind, 'Pod');
  assert.equal(after.pods.filter((p) => p.owner.name === 'app-5').length, 10, 'the Deployment still has its 10 pods');
  assert.deepEqual(facts(after), facts(fresh(files)));
  // The Pod goes: the Deployment takes its first name back.
  files.delete('solo.yaml');
  updateWith(service, files);
  after = service.current().cluster;
  assert.equal(after.podsByKey.get(taken.key)!.owner.name, 'app-5');
  assert.deepEqual(facts(after), facts(fresh(files)));
});

test('a build memo used across unrelated manifests still builds each as from scratch', () => {
  // The same memo over different workspaces: nothing is taken over that does not hold.
  const memo = new BuildMemo();
  for (const [pods, plugin, dualStack] of [[120, 'calico', false], [200, 'flannel', true], [120, 'calico', false]] as const) {
    const g = generateCluster(pods, { plugin, dualStack, podsPerNode: 30 });
    const files = new Map(g.files.map((f) => [f.file, f.text]));
    const load: LoadResult = { manifests: emptyManifestSet(), findings: [], ignoredDocuments: 0 };
    addParsedFiles(load, [...files.keys()].sort().map((f) => parseManifestText(f, files.get(f)!)));
    assert.deepEqual(facts(buildCluster(load.manifests, {}, memo)), facts(fresh(files)));
  }
});

test('diagnostics of files an edit did not reach are taken over, and equal a fresh analysis, also when severities change', () => {
  const files = incrementalWorkspace();
  const service = new LanguageService();
  const first = updateWith(service, files);
  const policyFile = Object.keys(first.diagnostics).find((f) => first.diagnostics[f].length > 0 && f !== 'apps/app-1.yaml')!;
  assert.ok(policyFile, 'the workspace has a file with diagnostics');
  files.set('apps/app-1.yaml', files.get('apps/app-1.yaml')!.replace(/port: 80, targetPort/, 'port: 81, targetPort'));
  let r = updateWith(service, files);
  const freshOf = (settings: ServiceSettings) => new LanguageService().update([...files].map(([file, text]) => ({ file, text })), settings).diagnostics;
  assert.equal(r.diagnostics[policyFile][0], first.diagnostics[policyFile][0], 'the same diagnostic objects');
  assert.deepEqual(r.diagnostics, freshOf({}));
  // Other severities: every file's diagnostics are made again under them.
  const code = first.diagnostics[policyFile][0].code;
  const settings: ServiceSettings = { severities: { [code]: 'error' } };
  r = service.update([...files].map(([file, text]) => ({ file, text })), settings);
  assert.equal(r.diagnostics[policyFile][0].severity, 'error');
  assert.deepEqual(r.diagnostics, freshOf(settings));
  assert.equal(r.summary.errors, Object.values(r.diagnostics).flat().filter((d) => d.severity === 'error').length);
  const off: ServiceSettings = { severities: { [code]: 'off' } };
  r = service.update([...files].map(([file, text]) => ({ file, text })), off);
  assert.ok(!Object.values(r.diagnostics).flat().some((d) => d.code === code));
  assert.deepEqual(r.diagnostics, freshOf(off));
});

test('an edit that leaves every object as it was (a comment changed in place) builds and lints nothing again', () => {
  const files = incrementalWorkspace();
  const service = new LanguageService();
  const start = updateWith(service, files);
  const file = Object.keys(start.diagnostics).filter((f) => f.startsWith('apps/')).find((f) => start.diagnostics[f].length > 0)!;
  assert.ok(file, 'a workloads file has diagnostics');
  files.set(file, `# note 1\n${files.get(file)!}`);
  const first = updateWith(service, files);
  const before = service.current().cluster;
  const runs = service.lintMemo.runsKept;
  files.set(file, files.get(file)!.replace('# note 1', '# note 2'));
  const r = updateWith(service, files);
  const after = service.current().cluster;
  assert.equal(after.pods, before.pods);
  assert.equal(after.services, before.services);
  assert.equal(service.lintMemo.runsKept, runs + 1, 'lint took the last run over whole');
  assert.equal(r.diagnostics[file][0], first.diagnostics[file][0]);
  assert.deepEqual(r.diagnostics, new LanguageService().update([...files].map(([file, text]) => ({ file, text })), {}).diagnostics);
  // A pod edit after it is linted as usual.
  files.set(file, files.get(file)!.replace(/tier: \w+/, 'tier: db'));
  const r2 = updateWith(service, files);
  assert.equal(service.lintMemo.runsKept, runs + 1);
  assert.deepEqual(r2.diagnostics, new LanguageService().update([...files].map(([file, text]) => ({ file, text })), {}).diagnostics);
});

test('a Service selector edit keeps every ClusterIP and node port allocation; an edit of what allocation reads settles them again, as from scratch', () => {
  const files = incrementalWorkspace();
  const service = new LanguageService();
  updateWith(service, files);
  const allocations = () => service.buildMemo.last<ServiceAllocations>('service-allocations')!;
  const before = allocations();
  const file = 'apps/app-3.yaml';
  const name = /kind: Service\nmetadata: \{name: (app-\d+)/.exec(files.get(file)!)![1];
  files.set(file, files.get(file)!.replace(`selector: {app: ${name}}`, `selector: {app: ${name}, tier: web}`));
  updateWith(service, files);
  const kept = allocations();
  assert.notEqual(kept, before, 'the edited Service is a new object');
  assert.equal(kept.clusterIPs, before.clusterIPs, 'the ClusterIPs were taken over');
  assert.equal(kept.nodePorts, before.nodePorts);
  const edited = service.current().cluster.services.find((s) => s.manifest.meta.name === name)!;
  assert.ok(kept.unique.includes(edited.manifest), 'the new object takes the place of the old one');
  assert.deepEqual(facts(service.current().cluster), facts(fresh(files)));

  // A type change reads node ports: allocated again.
  files.set(file, files.get(file)!.replace(/(kind: Service\nmetadata: \{name: app-\d+, namespace: [\w-]+\}\nspec:\n)/, '$1  type: NodePort\n'));
  updateWith(service, files);
  const settled = allocations();
  assert.notEqual(settled.nodePorts, kept.nodePorts, 'node ports were allocated again');
  assert.ok([...settled.nodePorts.keys()].some((k) => k.endsWith(`/${name}#0`)), 'the NodePort Service got a node port');
  assert.deepEqual(facts(service.current().cluster), facts(fresh(files)));
});
