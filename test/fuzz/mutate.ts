import * as YAML from 'yaml';
import { HOSTILE_NUMBERS, REPLICA_COUNTS, hostileString, hostileValue } from './payloads';
import { Random } from './random';

/** One input file of a fuzz case. */
export interface FuzzFile {
  file: string;
  text: string;
}

const KINDS = [
  'Pod', 'Service', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'ReplicationController',
  'NetworkPolicy', 'Namespace', 'Node', 'Endpoints', 'EndpointSlice', 'Cluster', 'List', 'PodList', 'ServiceList',
  'NetworkPolicyList', 'FooList', 'ConfigMap', 'Kustomization', 'AdminNetworkPolicy', 'GlobalNetworkPolicy',
];
const API_VERSIONS = ['v1', 'apps/v1', 'networking.k8s.io/v1', 'podpath.dev/v1alpha1', 'discovery.k8s.io/v1', 'extensions/v1beta1', 'example.com/v1', ''];

type Path = (string | number)[];

/** Every path to a value inside a document, root first. */
function paths(value: unknown, prefix: Path = [], out: Path[] = [], limit = 400): Path[] {
  if (out.length >= limit) return out;
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out, limit));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out, limit);
  return out;
}

function getAt(root: unknown, path: Path): unknown {
  let v: unknown = root;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const parent = getAt(root, path.slice(0, -1));
  if (parent && typeof parent === 'object') (parent as Record<string | number, unknown>)[path[path.length - 1]] = value;
  return root;
}

function deleteAt(root: unknown, path: Path): void {
  const parent = getAt(root, path.slice(0, -1));
  const key = path[path.length - 1];
  if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
  else if (parent && typeof parent === 'object') delete (parent as Record<string, unknown>)[key as string];
}

function nested(depth: number): unknown {
  let v: unknown = 'deep';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** Mutates one parsed document in place (or returns its replacement). */
function mutateDocument(rng: Random, doc: unknown): unknown {
  const all = paths(doc);
  const path = rng.pick(all);
  const key = path[path.length - 1];
  switch (rng.int(0, 11)) {
    case 0: return setAt(doc, path, hostileValue(rng));
    case 1: if (path.length) deleteAt(doc, path); return doc;
    case 2: {
      // Names are where injection payloads go: metadata.name, namespace, labels, ports' names.
      const named = all.filter((p) => ['name', 'namespace', 'nodeName', 'bridge', 'app', 'serviceName', 'targetPort'].includes(String(p[p.length - 1])));
      if (named.length) setAt(doc, rng.pick(named), hostileString(rng));
      return doc;
    }
    case 3: {
      const numeric = all.filter((p) => typeof getAt(doc, p) === 'number');
      if (numeric.length) setAt(doc, rng.pick(numeric), rng.chance(0.5) ? rng.pick(HOSTILE_NUMBERS) : hostileString(rng));
      return doc;
    }
    case 4: if (doc && typeof doc === 'object') (doc as Record<string, unknown>).kind = rng.pick(KINDS); return doc;
    case 5: if (doc && typeof doc === 'object') (doc as Record<string, unknown>).apiVersion = rng.pick(API_VERSIONS); return doc;
    case 6: {
      const replicas = all.filter((p) => key === 'replicas' || p[p.length - 1] === 'replicas');
      if (replicas.length) setAt(doc, rng.pick(replicas), rng.pick(REPLICA_COUNTS));
      else if (doc && typeof doc === 'object' && (doc as Record<string, unknown>).spec && typeof (doc as Record<string, unknown>).spec === 'object') {
        ((doc as Record<string, unknown>).spec as Record<string, unknown>).replicas = rng.pick(REPLICA_COUNTS);
      }
      return doc;
    }
    case 7: {
      // Copy one subtree over another: labels where ports belong, a selector into a container …
      const src = getAt(doc, rng.pick(all));
      return path.length ? setAt(doc, path, structuredClone(src)) : doc;
    }
    case 8: return path.length ? setAt(doc, path, nested(rng.int(10, 120))) : doc;
    case 9: {
      const v = getAt(doc, path);
      if (Array.isArray(v) && v.length) for (let i = rng.int(1, 40); i > 0; i--) v.push(structuredClone(rng.pick(v)));
      return doc;
    }
    case 10: {
      const v = getAt(doc, path);
      if (v && typeof v === 'object' && !Array.isArray(v)) (v as Record<string, unknown>)[hostileString(rng)] = hostileValue(rng);
      return doc;
    }
    default: {
      const cidrs = all.filter((p) => /cidr|CIDR|ip$|IP$|cidr$/.test(String(p[p.length - 1])));
      if (cidrs.length) setAt(doc, rng.pick(cidrs), rng.pick(['300.1.2.3/8', '10.0.0.0/33', '10.0.0.1/8', 'fd00::/8', '', 'not-a-cidr', '0.0.0.0/0', '10.244.0.0/30']));
      return doc;
    }
  }
}

/** Text-level damage: what an editor holds mid-edit, and what YAML's own features make of it. */
function mutateText(rng: Random, text: string): string {
  switch (rng.int(0, 9)) {
    case 0: return text.slice(0, rng.int(0, text.length)); // half-typed
    case 1: { const at = rng.int(0, text.length); return text.slice(0, at) + hostileString(rng) + text.slice(at); }
    case 2: return text.replace(/\n/g, '\r\n');
    case 3: return text + '\r';
    case 4: return '\ufeff' + text.replace(/^( +)/gm, (m) => (rng.chance(0.1) ? '\t' + m : m));
    case 5: {
      // A merge-key and alias fan-out, bounded here; the reader's budget must stop larger ones.
      const width = rng.int(2, 60);
      const lines = ['base: &b', ...Array.from({ length: width }, (_, i) => `  k${i}: v${i}`), 'copies:'];
      for (let i = 0; i < rng.int(2, 200); i++) lines.push(`  - {<<: *b, n: ${i}}`);
      return text + '\n---\n' + lines.join('\n') + '\n';
    }
    case 6: {
      const lines = text.split('\n');
      const i = rng.int(0, Math.max(0, lines.length - 1));
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n'); // a duplicated line: often a duplicate key
    }
    case 7: return text + '\n---\n' + 'x: '.repeat(rng.int(1, 5)) + '[' .repeat(rng.int(1, 300)) + '\n';
    case 8: return text + `\n---\nmetadata:\n  labels:\n${Array.from({ length: rng.int(1, 3000) }, (_, i) => `    l${i % 97 === 0 ? 0 : i}: v`).join('\n')}\n`;
    default: return text.replace(/: /g, () => (rng.chance(0.02) ? ':' : ': '));
  }
}

const parsedSeeds = new Map<string, unknown[] | null>();

/** A seed's documents as plain data, parsed once per run (YAML parsing dominates a case). */
function seedDocuments(text: string): unknown[] | null {
  let docs = parsedSeeds.get(text);
  if (docs === undefined) {
    try {
      docs = YAML.parseAllDocuments(text, { logLevel: 'error' }).map((d) => d.toJS({ maxAliasCount: 100 }));
    } catch {
      docs = null;
    }
    // Seeds are a few dozen texts; a file mutated twice in one case is parsed but not kept.
    if (parsedSeeds.size < 200) parsedSeeds.set(text, docs);
  }
  return docs === null ? null : structuredClone(docs);
}

/**
 * Mutates one file `times` times: structural mutations on its documents first (names, types,
 * kinds, sizes, lists, JSON), then, now and then, damage to the serialised text.
 */
export function mutateFile(rng: Random, f: FuzzFile, times: number): FuzzFile {
  let docs = seedDocuments(f.text);
  if (docs === null || rng.chance(0.2)) {
    let text = f.text;
    for (let n = 0; n < times; n++) text = mutateText(rng, text);
    return { file: f.file, text };
  }
  if (docs.length === 0) docs = [{}];
  for (let n = 0; n < times; n++) {
    const i = rng.int(0, docs.length - 1);
    docs[i] = mutateDocument(rng, docs[i]);
  }
  if (rng.chance(0.08)) docs = [{ apiVersion: 'v1', kind: rng.pick(['List', 'PodList', 'ServiceList', 'FooList']), items: docs }];
  let out: FuzzFile;
  if (rng.chance(0.1)) {
    // The same objects as `kubectl get -o json` writes them.
    const json = JSON.stringify(docs.length === 1 ? docs[0] : { apiVersion: 'v1', kind: 'List', items: docs }, null, 2);
    out = { file: f.file.replace(/\.ya?ml$/, '') + '.json', text: json ?? 'null' };
  } else {
    try {
      out = { file: f.file, text: docs.map((d) => YAML.stringify(d, { aliasDuplicateObjects: false, lineWidth: 0 })).join('---\n') };
    } catch {
      out = { file: f.file, text: f.text };
    }
  }
  return rng.chance(0.15) ? { file: out.file, text: mutateText(rng, out.text) } : out;
}
