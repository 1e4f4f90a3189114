import { Finding, finding } from '../common/finding';
import { readClusterDocument, readNamespace, readNode } from './cluster-doc';
import { ParsedFile, RawObject, parseManifestText } from './parse';
import { readPod, readWorkload } from './pod';
import { readNetworkPolicy } from './policy';
import { FieldReader } from './reader';
import { readEndpointSlice, readEndpoints, readService } from './service';
import { ManifestSet, WORKLOAD_KINDS, WorkloadKind } from './types';

export interface SourceText {
  file: string;
  text: string;
}

/** Kinds that are real Kubernetes objects but carry nothing PodPath models: skipped quietly. */
const IGNORED_KINDS = new Set([
  'ConfigMap', 'Secret', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding',
  'Ingress', 'IngressClass', 'PersistentVolume', 'PersistentVolumeClaim', 'StorageClass', 'HorizontalPodAutoscaler',
  'PodDisruptionBudget', 'CustomResourceDefinition', 'LimitRange', 'ResourceQuota', 'PriorityClass', 'Event',
  'ControllerRevision', 'Lease', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'APIService',
  'CSIDriver', 'CSINode', 'VolumeAttachment', 'RuntimeClass', 'Gateway', 'HTTPRoute', 'GatewayClass',
  'VerticalPodAutoscaler', 'ServiceMonitor', 'PodMonitor', 'Certificate', 'Issuer', 'ClusterIssuer',
]);

export interface LoadResult {
  manifests: ManifestSet;
  findings: Finding[];
  /** Documents skipped because they are not Kubernetes objects (CI workflows, compose files …). */
  ignoredDocuments: number;
}

export function emptyManifestSet(): ManifestSet {
  return { files: [], pods: [], workloads: [], services: [], endpoints: [], nodes: [], namespaces: [], policies: [], clusters: [] };
}

/** Parses and decodes many files into one set. Pure: file reading is the caller's job. */
export function loadManifests(sources: readonly SourceText[]): LoadResult {
  const result: LoadResult = { manifests: emptyManifestSet(), findings: [], ignoredDocuments: 0 };
  for (const src of sources) addParsedFile(result, parseManifestText(src.file, src.text));
  return result;
}

/** Adds one already parsed file (lets callers cache parses per file and re-decode cheaply). */
export function addParsedFile(result: LoadResult, parsed: ParsedFile): void {
  result.manifests.files.push(parsed.file);
  result.findings.push(...parsed.findings);
  for (const obj of parsed.objects) {
    try {
      decodeObject(obj, result);
    } catch (e) {
      // A decoder bug must not take the other objects down with it.
      result.findings.push(finding('internal-error', 'error', `PodPath could not read this object: ${(e as Error).message}`, obj.locator.range));
    }
  }
}

function decodeObject(obj: RawObject, result: LoadResult): void {
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
  const name = (obj.data.metadata as Record<string, unknown> | undefined)?.name;
  const r = new FieldReader(obj.data, obj.locator, result.findings, `${kind} ${typeof name === 'string' ? name : '(unnamed)'}`);
  const ns = 'default';
  if (api === 'podpath.dev/v1alpha1') {
    if (kind === 'Cluster') m.clusters.push(readClusterDocument(r));
    else result.findings.push(finding('unknown-kind', 'warning', `podpath.dev/v1alpha1 has no kind "${kind}" (only Cluster)`, obj.locator.keyAt(['kind'])));
    return;
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
  }
  if (IGNORED_KINDS.has(kind)) return;
  result.findings.push(finding('unknown-kind', 'info', `${kind} (${api}) is not modelled by PodPath; it is ignored`, obj.locator.at(['kind'])));
}
