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
  // kubeconfig files (`apiVersion: v1, kind: Config`) are YAML with a kind, but not objects.
  'Config',
]);

/**
 * API groups of tool configuration files that look like objects (kustomization.yaml, kind and
 * kubeadm configs, skaffold.yaml …): not Kubernetes YAML for PodPath, so skipped quietly.
 */
const TOOL_GROUPS = /^(kustomize\.config\.k8s\.io|config\.kubernetes\.io|kind\.x-k8s\.io|kubeadm\.k8s\.io|kubelet\.config\.k8s\.io|kubeproxy\.config\.k8s\.io|apiserver\.config\.k8s\.io|skaffold|k3d\.io|ctlptl\.dev|audit\.k8s\.io|eksctl\.io|client\.authentication\.k8s\.io)$/;

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
export interface LoadOptions {
  /** Namespace of namespaced objects that name none (what `kubectl apply -n NS` does); `default` otherwise. */
  defaultNamespace?: string;
}

export function loadManifests(sources: readonly SourceText[], options: LoadOptions = {}): LoadResult {
  const result: LoadResult = { manifests: emptyManifestSet(), findings: [], ignoredDocuments: 0 };
  for (const src of sources) addParsedFile(result, parseManifestText(src.file, src.text), options);
  return result;
}

/**
 * Where each modelled kind is served: its API group, the version served today, and older
 * versions of the same group that were removed (the object still means the same thing, so
 * PodPath reads it and warns). A kind under any other group is someone else's resource
 * (Knative's serving.knative.dev Service, Cluster API's Cluster …) and is not read as ours.
 */
const API_GROUPS: Record<string, { groups: string[]; current: string }> = {
  Pod: { groups: [''], current: 'v1' },
  Service: { groups: [''], current: 'v1' },
  Endpoints: { groups: [''], current: 'v1' },
  Node: { groups: [''], current: 'v1' },
  Namespace: { groups: [''], current: 'v1' },
  ReplicationController: { groups: [''], current: 'v1' },
  Deployment: { groups: ['apps', 'extensions'], current: 'apps/v1' },
  ReplicaSet: { groups: ['apps', 'extensions'], current: 'apps/v1' },
  DaemonSet: { groups: ['apps', 'extensions'], current: 'apps/v1' },
  StatefulSet: { groups: ['apps'], current: 'apps/v1' },
  Job: { groups: ['batch'], current: 'batch/v1' },
  CronJob: { groups: ['batch'], current: 'batch/v1' },
  EndpointSlice: { groups: ['discovery.k8s.io'], current: 'discovery.k8s.io/v1' },
  NetworkPolicy: { groups: ['networking.k8s.io', 'extensions'], current: 'networking.k8s.io/v1' },
};

function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Adds one already parsed file (lets callers cache parses per file and re-decode cheaply). */
export function addParsedFile(result: LoadResult, parsed: ParsedFile, options: LoadOptions = {}): void {
  result.manifests.files.push(parsed.file);
  for (const f of parsed.findings) result.findings.push(f);
  result.ignoredDocuments += parsed.ignoredDocuments ?? 0;
  for (const obj of parsed.objects) {
    try {
      decodeObject(obj, result, options.defaultNamespace ?? 'default');
    } catch (e) {
      // A decoder bug must not take the other objects down with it.
      result.findings.push(finding('internal-error', 'error', `PodPath could not read this object: ${(e as Error).message}`, obj.locator.range));
    }
  }
}

function decodeObject(obj: RawObject, result: LoadResult, ns: string): void {
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
  const r = new FieldReader(obj.data, obj.locator, result.findings, `${kind} ${typeof name === 'string' ? name : '(unnamed)'}`);
  if (apiGroup(api) === 'podpath.dev') {
    if (api !== 'podpath.dev/v1alpha1') result.findings.push(finding('wrong-api-version', 'error', `${api} is not a PodPath API version; use podpath.dev/v1alpha1`, obj.locator.at(['apiVersion'])));
    else if (kind === 'Cluster') m.clusters.push(readClusterDocument(r));
    else result.findings.push(finding('unknown-kind', 'warning', `podpath.dev/v1alpha1 has no kind "${kind}" (only Cluster)`, obj.locator.at(['kind'])));
    return;
  }
  const served = API_GROUPS[kind];
  if (served) {
    if (!served.groups.includes(apiGroup(api))) {
      // Same kind name, other API group: a custom resource, not the Kubernetes object.
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
  }
  if (IGNORED_KINDS.has(kind) || TOOL_GROUPS.test(apiGroup(api))) return;
  result.findings.push(finding('unknown-kind', 'info', `${kind} (${api}) is not modelled by PodPath; it is ignored`, obj.locator.at(['kind'])));
}
