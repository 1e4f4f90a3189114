import { Finding, finding } from '../common/finding';
import { readClusterDocument, readNamespace, readNode } from './cluster-doc';
import { ParsedFile, RawObject, parseManifestText } from './parse';
import { readPod, readWorkload } from './pod';
import { readNetworkPolicy } from './policy';
import { readAdminNetworkPolicy } from './admin-policy';
import { readCalicoPolicy, readCalicoTier } from './calico-policy';
import { readCalicoIPPool, readCalicoInstallation } from './calico-pools';
import { readClusterSetup, readSetupConfigMap } from './cluster-setup';
import { FieldReader } from './reader';
import { readEndpointSlice, readEndpoints, readService } from './service';
import { API_GROUPS, CALICO_OPERATOR_GROUP, IGNORED_KINDS, TOOL_GROUPS, apiGroup, isCalicoGroup } from './kinds';
import { isDns1123Label } from './names';
import { ManifestSet, WORKLOAD_KINDS, WorkloadKind } from './types';

export interface SourceText {
  file: string;
  text: string;
}

export interface LoadResult {
  manifests: ManifestSet;
  findings: Finding[];
  /** Documents skipped because they are not Kubernetes objects (CI workflows, compose files …). */
  ignoredDocuments: number;
  /**
   * Kubernetes objects read (anything with a string apiVersion and kind outside PodPath's own
   * group, modelled or not, valid or not). Zero means the inputs hold no Kubernetes object at
   * all: an empty analysis, which a check should not pass silently.
   */
  kubernetesObjects?: number;
}

export interface LoadOptions {
  /**
   * Namespace of namespaced objects that do not name one, as `kubectl apply -n NS` does
   * (default: `default`). An invalid name is reported and `default` is used.
   */
  defaultNamespace?: string;
  /**
   * Objects decoded before, by the RawObject they came from: an unchanged document of a file
   * (parse.ts keeps its RawObject across edits) is not decoded again, and its manifest is the
   * same object as before, which lets the cluster build recognise what did not change.
   */
  decoded?: DecodeCache;
}

/** What decoding one RawObject added: its manifest (if any), findings and counts. */
export interface DecodedObject {
  namespace: string;
  items: [keyof ManifestSet, unknown][];
  findings: Finding[];
  ignoredDocuments: number;
  kubernetesObjects: number;
}

export type DecodeCache = WeakMap<RawObject, DecodedObject>;

export function emptyManifestSet(): ManifestSet {
  return { files: [], pods: [], workloads: [], services: [], endpoints: [], nodes: [], namespaces: [], policies: [], adminPolicies: [], calicoPolicies: [], calicoTiers: [], clusters: [] };
}

/** Parses and decodes many files into one set. Pure: file reading is the caller's job. */
export function loadManifests(sources: readonly SourceText[], options: LoadOptions = {}): LoadResult {
  const result: LoadResult = { manifests: emptyManifestSet(), findings: [], ignoredDocuments: 0, kubernetesObjects: 0 };
  addParsedFiles(result, sources.map((src) => parseManifestText(src.file, src.text)), options);
  return result;
}

/**
 * Adds many parsed files at once. Unlike one file at a time, this knows the whole set, so the
 * patch files a kustomization names are recognised as patch fragments and left out (their
 * kustomization carries the one finding) rather than read as broken manifests.
 */
export function addParsedFiles(result: LoadResult, files: readonly ParsedFile[], options: LoadOptions = {}): void {
  const patches = kustomizePatchFiles(files);
  for (const parsed of files) {
    if (patches.has(normalizePath(parsed.file)) && parsed.kustomize?.role !== 'kustomization') {
      result.manifests.files.push(parsed.file);
      result.ignoredDocuments += parsed.objects.length + (parsed.ignoredDocuments ?? 0);
      continue;
    }
    addParsedFile(result, parsed, options);
  }
}

/** Adds one already parsed file (lets callers cache parses per file and re-decode cheaply). */
export function addParsedFile(result: LoadResult, parsed: ParsedFile, options: LoadOptions = {}): void {
  result.manifests.files.push(parsed.file);
  for (const f of parsed.findings) result.findings.push(f);
  result.ignoredDocuments += parsed.ignoredDocuments ?? 0;
  result.kubernetesObjects = (result.kubernetesObjects ?? 0) + (parsed.unmodelledLists ?? 0);
  const ns = defaultNamespaceOf(result, options);
  const reportedLists = new Set<string>();
  const decodedFrom = result.findings.length;
  for (const obj of parsed.objects) {
    // Items of a typed list share one finding per list, so they are decoded in their file's company.
    const cache = obj.fromList ? undefined : options.decoded;
    if (cache) {
      let d = cache.get(obj);
      if (!d || d.namespace !== ns) cache.set(obj, (d = decodeAlone(obj, ns)));
      const m = result.manifests as unknown as Record<string, unknown[]>;
      for (const [list, item] of d.items) (m[list] ??= []).push(item);
      for (const f of d.findings) result.findings.push(f);
      result.ignoredDocuments += d.ignoredDocuments;
      result.kubernetesObjects = (result.kubernetesObjects ?? 0) + d.kubernetesObjects;
      continue;
    }
    decodeGuarded(obj, result, ns, reportedLists);
  }
  dropTypeErrorsAtSyntaxErrors(result.findings, decodedFrom, parsed.findings);
}

function decodeGuarded(obj: RawObject, result: LoadResult, ns: string, reportedLists: Set<string>): void {
  try {
    decodeObject(obj, result, ns, reportedLists);
  } catch (e) {
    // A decoder bug must not take the other objects down with it.
    result.findings.push(finding('internal-error', 'error', `PodPath could not read this object: ${(e as Error).message}`, obj.locator.range));
  }
}

/** One object decoded on its own, as `decodeObject` would add it to a result. */
function decodeAlone(obj: RawObject, ns: string): DecodedObject {
  const scratch: LoadResult = { manifests: emptyManifestSet(), findings: [], ignoredDocuments: 0, kubernetesObjects: 0 };
  decodeGuarded(obj, scratch, ns, new Set());
  const items: [keyof ManifestSet, unknown][] = [];
  for (const [list, values] of Object.entries(scratch.manifests) as [keyof ManifestSet, unknown[]][]) for (const v of values) items.push([list, v]);
  return { namespace: ns, items, findings: scratch.findings, ignoredDocuments: scratch.ignoredDocuments, kubernetesObjects: scratch.kubernetesObjects ?? 0 };
}

/**
 * Half-typed YAML (`app: webrole: api`) is a syntax error, and the parser's best guess at the
 * value a wrong type: one problem, so the type error at the very place of a syntax error goes.
 */
function dropTypeErrorsAtSyntaxErrors(findings: Finding[], from: number, parseFindings: readonly Finding[]): void {
  const at = (f: Finding) => (f.range ? `${f.range.file}:${f.range.start.line}:${f.range.start.column}` : '');
  const syntax = new Set(parseFindings.filter((f) => f.code === 'yaml-syntax' && f.range).map(at));
  if (syntax.size === 0) return;
  let kept = from;
  for (let i = from; i < findings.length; i++) {
    if (findings[i].code === 'invalid-type' && syntax.has(at(findings[i]))) continue;
    findings[kept++] = findings[i];
  }
  findings.length = kept;
}

/** The validated default namespace (an invalid one is reported once per result). */
function defaultNamespaceOf(result: LoadResult, options: LoadOptions): string {
  const ns = options.defaultNamespace;
  if (ns === undefined || ns === '' || ns === 'default') return 'default';
  if (isDns1123Label(ns)) return ns;
  if (!result.findings.some((f) => f.code === 'invalid-name' && !f.range)) {
    result.findings.push(finding('invalid-name', 'error', `the default namespace ${JSON.stringify(ns)} is not a valid namespace name (a DNS label: lower-case letters, digits and '-', at most 63 characters); "default" is used`));
  }
  return 'default';
}

/** Files named as patches by the kustomizations among `files`, as normalised paths. */
function kustomizePatchFiles(files: readonly ParsedFile[]): Set<string> {
  const out = new Set<string>();
  for (const f of files) {
    if (f.kustomize?.role !== 'kustomization') continue;
    const file = normalizePath(f.file);
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
    for (const p of f.kustomize.patches) out.add(normalizePath(dir + p));
  }
  return out;
}

/** `a/./b/../c.yaml` → `a/c.yaml`, with '/' separators, for comparing relative paths. */
function normalizePath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.replace(/\\/g, '/').split('/')) {
    if (seg === '.' || seg === '') continue;
    if (seg === '..' && parts.length && parts[parts.length - 1] !== '..') parts.pop();
    else parts.push(seg);
  }
  return (p.startsWith('/') ? '/' : '') + parts.join('/');
}

function decodeObject(obj: RawObject, result: LoadResult, ns: string, reportedLists: Set<string>): void {
  const m = result.manifests;
  const kind = obj.kind;
  const api = obj.apiVersion;
  if (typeof kind !== 'string' || typeof api !== 'string') {
    // Only complain when it looks like a Kubernetes object with a piece missing.
    if ((typeof kind === 'string' || typeof api === 'string') && (obj.data.metadata !== undefined || obj.data.spec !== undefined)) {
      const missing = typeof kind !== 'string' ? 'kind' : 'apiVersion';
      result.findings.push(finding('missing-field', 'error', `this object has no ${missing}`, obj.locator.range));
    } else {
      result.ignoredDocuments++;
    }
    return;
  }
  const metadata = obj.data.metadata;
  const name = metadata && typeof metadata === 'object' ? (metadata as Record<string, unknown>).name : undefined;
  const r = new FieldReader(obj.data, obj.locator, result.findings, `${kind} ${typeof name === 'string' ? (/^[-a-z0-9.]+$/.test(name) ? name : JSON.stringify(name)) : '(unnamed)'}`);
  // Tool files that look like objects (kubeconfig, kind or skaffold configs) are not Kubernetes objects.
  if (apiGroup(api) !== 'podpath.dev' && !TOOL_GROUPS.test(apiGroup(api)) && !(kind === 'Config' && api === 'v1')) result.kubernetesObjects = (result.kubernetesObjects ?? 0) + 1;
  if (apiGroup(api) === 'podpath.dev') {
    if (api !== 'podpath.dev/v1alpha1') result.findings.push(finding('wrong-api-version', 'error', `${api} is not a PodPath API version; use podpath.dev/v1alpha1`, obj.locator.at(['apiVersion'])));
    else if (kind === 'Cluster') m.clusters.push(readClusterDocument(r));
    else result.findings.push(finding('unknown-kind', 'warning', `podpath.dev/v1alpha1 has no kind "${kind}" (only Cluster)`, obj.locator.at(['kind'])));
    return;
  }
  if (apiGroup(api) === CALICO_OPERATOR_GROUP) {
    const install = kind === 'Installation' ? readCalicoInstallation(r) : undefined;
    if (install) (m.calicoInstallations ??= []).push(install);
    return;
  }
  if (isCalicoGroup(apiGroup(api)) && kind === 'IPPool') {
    const pool = readCalicoIPPool(r);
    if (pool) (m.calicoPools ??= []).push(pool);
    return;
  }
  if (isCalicoGroup(apiGroup(api)) && (kind === 'NetworkPolicy' || kind === 'GlobalNetworkPolicy' || kind === 'Tier')) {
    // Calico's own API (projectcalico.org/v3; crd.projectcalico.org/v1 is the same object as stored).
    if (kind === 'Tier') { const t = readCalicoTier(r); if (t) (m.calicoTiers ??= []).push(t); return; }
    const p = readCalicoPolicy(r, kind, ns);
    if (p) (m.calicoPolicies ??= []).push(p);
    return;
  }
  const served = API_GROUPS[kind];
  if (served) {
    if (!served.groups.includes(apiGroup(api))) {
      // Same kind name, other API group: a custom resource, not the Kubernetes object.
      if (obj.fromList) {
        // One finding per list, not one per item.
        const id = `${obj.fromList.listKind}|${api}`;
        if (reportedLists.has(id)) return;
        reportedLists.add(id);
      }
      result.findings.push(finding('unknown-kind', 'info', `${kind} (${api}) is not the Kubernetes ${kind} (${served.current}); it is not modelled and is ignored`, obj.locator.at(['apiVersion'])));
      return;
    }
    if (api !== served.current) {
      result.findings.push(finding('wrong-api-version', 'warning', `${kind} is served as ${served.current}, not ${api}; the API server rejects this apiVersion (PodPath reads the object as ${served.current})`, obj.locator.at(['apiVersion'])));
    }
  }
  if ((WORKLOAD_KINDS as readonly string[]).includes(kind)) {
    const w = readWorkload(r, kind as WorkloadKind, ns);
    if (w) m.workloads.push(w);
    return;
  }
  switch (kind) {
    case 'Pod': { const p = readPod(r, ns); if (p) m.pods.push(p); return; }
    case 'Service': { const s = readService(r, ns); if (s) m.services.push(s); return; }
    case 'Endpoints': { const e = readEndpoints(r, ns); if (e) m.endpoints.push(e); return; }
    case 'EndpointSlice': { const e = readEndpointSlice(r, ns); if (e) m.endpoints.push(e); return; }
    case 'NetworkPolicy': { const p = readNetworkPolicy(r, ns); if (p) m.policies.push(p); return; }
    case 'Node': { const n = readNode(r); if (n) m.nodes.push(n); return; }
    case 'Namespace': { const n = readNamespace(r); if (n) m.namespaces.push(n); return; }
    case 'AdminNetworkPolicy':
    case 'BaselineAdminNetworkPolicy': { const p = readAdminNetworkPolicy(r, kind); if (p) (m.adminPolicies ??= []).push(p); return; }
  }
  // Setup files and kubeadm's ConfigMaps say the ranges and kube-proxy's mode (cluster-setup.ts).
  const namespace = r.get(['metadata', 'namespace']);
  const setup = kind === 'ConfigMap' && api === 'v1' ? readSetupConfigMap(r, typeof namespace === 'string' ? namespace : ns) : readClusterSetup(r, kind, apiGroup(api));
  if (setup) (m.clusterSetups ??= []).push(setup);
  if (IGNORED_KINDS.has(kind) || TOOL_GROUPS.test(apiGroup(api))) return;
  result.findings.push(finding('unknown-kind', 'info', `${kind} (${api}) is not modelled by PodPath; it is ignored`, obj.locator.at(['kind'])));
}
