import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LanguageService } from '../../src/core/service/language-service';
import type { ServiceFile, UpdateResult } from '../../src/core/service/types';
import { generateCluster } from '../bench/generate';

/**
 * The language service keeps state between updates (parsed files, the last complete analysis,
 * updates dropped half-way). After every edit of a randomized edit script, its answers must
 * equal those of a fresh service given the same files: diagnostics, summary counts,
 * reachability (the connectivity list), traces, and what the editor asks after a save: every
 * file's CodeLens and inlay hints, and hovers on each object's name, selectors, ports and rules.
 *
 * The script has a fixed seed. PODPATH_DIFF_EDITS=<n> runs a longer script (and
 * PODPATH_DIFF_SEED=<n> another seed); the test prints its figures.
 */

const EDITS = Number(process.env.PODPATH_DIFF_EDITS) || 200;
const SEED = Number(process.env.PODPATH_DIFF_SEED) || 0xd1ff;

function random(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n: number) => {
    // xorshift32: small, deterministic, good enough to pick edits.
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s % n;
  };
}

/** The benchmark cluster, with its Deployments and Services spread over several files. */
function workspace(): Map<string, string> {
  const g = generateCluster(80, { policies: 8, namespaces: 2 });
  const files = new Map<string, string>();
  for (const f of g.files) {
    if (f.file !== 'apps.yaml') { files.set(f.file, f.text); continue; }
    const docs = f.text.split(/^---\n/m).filter((d) => d.trim());
    // A Deployment and its Service per pair of documents; two workloads per file.
    for (let i = 0; i < docs.length; i += 4) files.set(`apps/app-${i / 4}.yaml`, docs.slice(i, i + 4).map((d) => `---\n${d}`).join(''));
  }
  // Bare Pods: a Deployment's pods are named after its template, so editing a template renames
  // them; these keep their names while an edit changes their labels, ports or address.
  files.set('pods.yaml', [0, 1, 2, 3].map((i) => [
    '---', 'apiVersion: v1', 'kind: Pod', `metadata: {namespace: team-${i % 2}, name: solo-${i}, labels: {app: app-${i}, tier: batch}}`,
    'spec:', `  nodeName: node-${i % 2}`, `  containers: [{name: main, image: example/solo, ports: [{name: http, containerPort: 8080, protocol: TCP}]}]`,
    `status: {podIP: 10.244.${i % 2}.${200 + i}}`, '',
  ].join('\n')).join(''));
  // Namespaces with a label of their own, and a policy admitting one zone, so an edit of a
  // namespace's labels changes who reaches whom. Here and in the bare Pods `metadata` does not
  // start with the name, so the syntax edits leave these documents alone.
  files.set('namespaces.yaml', ['team-0', 'team-1'].map((n, i) => `---\napiVersion: v1\nkind: Namespace\nmetadata: {labels: {zone: ${'ab'[i]}}, name: ${n}}\n`).join('') + [
    '---', 'apiVersion: networking.k8s.io/v1', 'kind: NetworkPolicy', 'metadata: {namespace: team-0, name: allow-zone}',
    'spec:', '  podSelector: {}', '  ingress:', '    - from: [{namespaceSelector: {matchLabels: {zone: b}}}]', '      ports: [{port: 9090}]', '',
  ].join('\n'));
  return files;
}

type Edit = { kind: string; apply: (text: string, pick: (n: number) => number) => string | undefined };

/** Replaces one occurrence (picked at random) of `re` in `text` with `to(match)`. */
function replaceOne(text: string, re: RegExp, pick: (n: number) => number, to: (m: RegExpExecArray) => string): string | undefined {
  const all = [...text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g'))];
  if (all.length === 0) return undefined;
  const m = all[pick(all.length)] as RegExpExecArray;
  return text.slice(0, m.index) + to(m) + text.slice(m.index! + m[0].length);
}

const TIERS = ['web', 'api', 'worker', 'db', 'cache'];
const EDIT_KINDS: Edit[] = [
  { kind: 'label', apply: (t, pick) => replaceOne(t, /tier: (\w+)/, pick, () => `tier: ${TIERS[pick(TIERS.length)]}`) },
  { kind: 'label', apply: (t, pick) => replaceOne(t, /(labels: \{app: )app-(\d+)/, pick, (m) => `${m[1]}app-${pick(12)}`) },
  { kind: 'selector', apply: (t, pick) => replaceOne(t, /(selector: \{app: )app-(\d+)(-gone)?\}/, pick, (m) => `${m[1]}app-${pick(12)}${pick(4) === 0 ? '-gone' : ''}}`) },
  { kind: 'port', apply: (t, pick) => replaceOne(t, /port: (\d+), targetPort/, pick, () => `port: ${[80, 81, 8080, 70000][pick(4)]}, targetPort`) },
  { kind: 'port', apply: (t, pick) => replaceOne(t, /containerPort: 8080/, pick, () => `containerPort: ${[8080, 8081][pick(2)]}`) },
  { kind: 'port', apply: (t, pick) => replaceOne(t, /targetPort: (\w+)/, pick, () => `targetPort: ${['http', 'metrics', 'nosuch', '9090'][pick(4)]}`) },
  { kind: 'replicas', apply: (t, pick) => replaceOne(t, /replicas: -?\d+/, pick, () => `replicas: ${[0, 1, 2, 3, 5, 10, -1][pick(7)]}`) },
  { kind: 'policy', apply: (t, pick) => replaceOne(t, /values: \[[\w, ]+\]/, pick, () => `values: [${TIERS.slice(pick(3), 3 + pick(3)).join(', ')}]`) },
  { kind: 'policy', apply: (t, pick) => replaceOne(t, /policyTypes: \[[\w, ]+\]/, pick, () => ['policyTypes: [Ingress]', 'policyTypes: [Ingress, Egress]', 'policyTypes: [Egress]'][pick(3)]) },
  { kind: 'policy', apply: (t, pick) => replaceOne(t, /podSelector: \{matchLabels: \{app: app-\d+\}\}/, pick, () => `podSelector: {matchLabels: {app: app-${pick(12)}}}`) },
  { kind: 'policy', apply: (t, pick) => replaceOne(t, /namespaceSelector: \{matchLabels: \{[\w./-]+: [\w-]+\}\}/, pick, () => `namespaceSelector: {matchLabels: {${['kubernetes.io/metadata.name: team-0', 'kubernetes.io/metadata.name: team-1', 'zone: a', 'zone: b'][pick(4)]}}}`) },
  { kind: 'namespace', apply: (t, pick) => replaceOne(t, /zone: [abc]/, pick, () => `zone: ${'abc'[pick(3)]}`) },
  // Edits of the bare Pods only: their names stay, so only the field edited changes.
  { kind: 'pod-label', apply: (t, pick) => replaceOne(t, /(name: solo-\d+, labels: \{app: )app-\d+, tier: \w+/, pick, (m) => `${m[1]}app-${pick(4)}, tier: ${['web', 'batch'][pick(2)]}`) },
  { kind: 'pod-port', apply: (t, pick) => replaceOne(t, /containerPort: \d+, protocol: TCP/, pick, () => `containerPort: ${[8080, 8081, 9090][pick(3)]}, protocol: TCP`) },
  { kind: 'pod-name', apply: (t, pick) => replaceOne(t, /name: solo-\d+/, pick, () => `name: solo-${pick(6)}`) },
  { kind: 'address', apply: (t, pick) => replaceOne(t, /podIP: [\d.]+/, pick, () => `podIP: ${['10.244.0.210', '10.244.1.211', '203.0.113.5', '203.0.113.130'][pick(4)]}`) },
  // On a bare Pod nothing reachability reads (the earlier result may be kept); on a Deployment
  // it renames the pods, whose names carry a hash of the template.
  { kind: 'image', apply: (t, pick) => replaceOne(t, /image: [\w/:.-]+/, pick, () => `image: example/app:v${pick(3)}`) },
  { kind: 'syntax', apply: (t, pick) => replaceOne(t, /metadata: \{name: /, pick, () => ['metadata: {name: ', 'metadata: {name: [', 'metadata:\n  name: '][pick(3)]) },
  // Edits that move unchanged documents: to other lines (a comment line added or removed above
  // them, a flow mapping written out as a block), or to other offsets on the same lines (two
  // documents swapped), so documents are kept, moved or read again.
  { kind: 'comment', apply: (t, pick) => (pick(2) === 0 && t.includes('# note\n') ? replaceOne(t, /# note\n/, pick, () => '') : replaceOne(t, /^---$/m, pick, () => '# note\n---')) },
  { kind: 'block', apply: (t, pick) => replaceOne(t, /^metadata: \{name: ([\w-]+), namespace: ([\w-]+)\}$/m, pick, (m) => `metadata:\n  name: ${m[1]}\n  namespace: ${m[2]}`) },
  { kind: 'swap', apply: (t, pick) => {
    if (!t.endsWith('\n')) return undefined;
    const parts = t.split(/^(?=---\n)/m);
    if (parts.length < 2) return undefined;
    const i = pick(parts.length - 1);
    [parts[i], parts[i + 1]] = [parts[i + 1], parts[i]];
    return parts.join('');
  } },
];

function withoutTimings(r: UpdateResult): unknown {
  const { timings: _t, ...summary } = r.summary;
  return { diagnostics: r.diagnostics, summary };
}

/** Lines a hover is asked on: an object's name, a selector, ports, a policy rule's peers (1-based lines, a column on the value). */
const HOVERED = /^(metadata: \{name: |metadata:$| {2}name: | {2}selector: | {2}ports: | {4}metadata: \{labels| {6}containers: | {2}podSelector: | {2}- from: | {2}- to: | {4}- from: )/;

function hovers(s: LanguageService, file: string, text: string): unknown[] {
  const out: unknown[] = [];
  text.split('\n').forEach((line, i) => {
    const m = HOVERED.exec(line);
    if (!m) return;
    const column = Math.min(line.length, m[0].length + 2);
    out.push([i + 1, column, s.hover(file, { line: i + 1, column }) ?? null]);
  });
  return out;
}

/**
 * What is compared: diagnostics and counts, reachability (the connectivity list, the inlay
 * hints' counts), a few traces, and each file's CodeLens and hovers.
 */
function observe(s: LanguageService, r: UpdateResult, files: Map<string, string>): unknown {
  const { cluster } = s.current();
  const pods = [...cluster.pods].sort((a, b) => (a.key < b.key ? -1 : 1));
  const services = [...cluster.services].sort((a, b) => (a.key < b.key ? -1 : 1));
  const traces: unknown[] = [];
  for (let i = 0; i < Math.min(3, pods.length); i++) {
    const from = pods[(i * 7) % pods.length].key;
    for (const to of [pods[(i * 13 + 5) % pods.length].key, ...(services.length ? [`service:${services[(i * 3) % services.length].key}`] : [])]) {
      const t = s.trace(from, to);
      traces.push(t.ok ? { from, to, document: t.document } : { from, to, error: t.error });
    }
  }
  // Hovers and lenses first, as the editor asks them right after a save: a hover is then the
  // first question to need reachability (the connectivity list below would compute it anyway).
  const asked = [...files].map(([file, text]) => ({ file, hovers: hovers(s, file, text), lenses: s.codeLenses(file) }));
  const hints = Object.keys(r.diagnostics).map((file) => s.inlayHints(file));
  return { asked, result: withoutTimings(r), connlist: s.connlist('txt'), hints, traces };
}

function filesOf(m: Map<string, string>): ServiceFile[] {
  return [...m].map(([file, text]) => ({ file, text }));
}

/**
 * Runs the edit script on `files`, comparing the incremental service with a fresh one after
 * every edit; returns what it did.
 */
function runScript(files: Map<string, string>, edits: number, seed: number) {
  const pick = random(seed);
  const incremental = new LanguageService();
  incremental.update(filesOf(files), {});
  const counts: Record<string, number> = {};
  let extra = 0;
  let dropped = 0;
  /** Updates whose pods were placed by patching the last placement (cluster/pods.ts patchPlacement). */
  let patched = 0;
  const started = performance.now();
  for (let step = 0; step < edits; step++) {
    // One edit: a field of one file, or a whole file added or removed.
    const r = pick(20);
    let kind: string;
    if (r === 0) {
      kind = 'add-file';
      const source = [...files.keys()].filter((f) => f.startsWith('apps/'));
      const from = source[pick(source.length)];
      files.set(`extra/file-${extra}.yaml`, (files.get(from) ?? '').replace(/app-(\d+)/g, (_m, n) => `xapp-${extra}-${n}`));
      extra++;
    } else if (r === 1) {
      kind = 'remove-file';
      // Any file but the cluster's, the policies', the namespaces' and the bare pods', keeping at least two of
      // the workloads' files, so a long script still has something of every kind to edit.
      const names = [...files.keys()].filter((f) => f !== 'cluster.yaml' && f !== 'policies.yaml' && f !== 'namespaces.yaml' && f !== 'pods.yaml' && (!f.startsWith('apps/') || [...files.keys()].filter((g) => g.startsWith('apps/')).length > 2));
      files.delete(names[pick(names.length)]);
    } else {
      const edit = EDIT_KINDS[pick(EDIT_KINDS.length)];
      kind = 'no-op';
      // The first file, from a random start, that has something this edit can change.
      const names = [...files.keys()];
      const first = pick(names.length);
      for (let k = 0; k < names.length; k++) {
        const file = names[(first + k) % names.length];
        const text = edit.apply(files.get(file)!, pick);
        if (text === undefined) continue;
        files.set(file, text);
        kind = edit.kind;
        break;
      }
    }
    counts[kind] = (counts[kind] ?? 0) + 1;

    // Now and then an update is started on half-edited text and dropped after a stage or two,
    // as the editor does when a newer edit arrives.
    if (pick(4) === 0) {
      const half = new Map(files);
      const names = [...half.keys()];
      const victim = names[pick(names.length)];
      half.set(victim, half.get(victim)!.slice(0, pick(half.get(victim)!.length + 1)));
      const stages = incremental.updateStages(filesOf(half), {});
      for (let k = pick(3); k >= 0; k--) if (stages.next().done) break;
      dropped++;
    }

    const podBuilds = incremental.buildMemo.computed.pods ?? 0;
    const r1 = incremental.update(filesOf(files), {});
    if ((incremental.buildMemo.computed.pods ?? 0) > podBuilds) patched += incremental.buildMemo.pods.counts.patched;
    const fresh = new LanguageService();
    const r2 = fresh.update(filesOf(files), {});
    assert.deepEqual(observe(incremental, r1, files), observe(fresh, r2, files), `step ${step} (${kind}) differs`);
  }
  const seconds = (performance.now() - started) / 1000;
  return { counts, dropped, patched, seconds, incremental, summary: `${edits} edits (${Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ')}), ${dropped} updates dropped half-way, ${files.size} files at the end` };
}

test(`incremental analysis equals a fresh analysis after each of ${EDITS} random edits (seed ${SEED})`, () => {
  const { counts, seconds, incremental, summary } = runScript(workspace(), EDITS, SEED);
  const reused = incremental.reachabilityReuses;
  const rebased = incremental.reachabilityRebases;
  const reclassed = incremental.reachabilityOnEarlierClasses;
  console.log(`# ${summary}; reachability kept over ${reused} edits, carried to moved pods over ${rebased}, computed on the earlier classes after a policy edit over ${reclassed}; all equal to a fresh analysis; ${seconds.toFixed(1)} s`);
  assert.ok((counts['no-op'] ?? 0) < EDITS / 4, 'most edits changed something');
  // Both paths were taken: reachability kept across an edit, and recomputed after one.
  assert.ok(reused > 0 && reused < EDITS, `reachability kept over ${reused} of ${EDITS} edits`);
  // And carried over to pods that moved between its classes (replicas, labels no policy reads).
  assert.ok(rebased > 0 && rebased + reused < EDITS, `reachability carried over ${rebased} of ${EDITS} edits`);
  // And computed on the earlier classes after policy edits that read the same labels.
  assert.ok(reclassed > 0, `reachability computed on the earlier classes after ${reclassed} edits`);
});

test(`without Pod objects, placements patched edit by edit equal a fresh analysis after each of ${Math.ceil(EDITS / 2)} random edits (seed ${SEED + 1})`, () => {
  // Manifests as written (workloads only) are where a build patches the last placement; the
  // bare Pods (with addresses of their own) would send every build down the full path.
  const files = workspace();
  files.delete('pods.yaml');
  const edits = Math.ceil(EDITS / 2);
  const { counts, patched, seconds, summary } = runScript(files, edits, SEED + 1);
  console.log(`# ${summary}; placement patched in ${patched} updates; all equal to a fresh analysis; ${seconds.toFixed(1)} s`);
  assert.ok((counts['no-op'] ?? 0) < edits / 3, 'most edits changed something');
  // Both paths were taken: patched after edits of workloads, built in full after others (half-typed text, a whole file).
  assert.ok(patched > edits / 10 && patched < edits, `placement patched in ${patched} of ${edits} updates`);
});
