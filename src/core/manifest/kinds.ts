/** Which kinds and API groups PodPath reads, skips quietly, or reports as unknown. */

/** Kinds that are real Kubernetes objects but carry nothing PodPath models: skipped quietly. */
export const IGNORED_KINDS = new Set([
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
export const TOOL_GROUPS = /^(kustomize\.config\.k8s\.io|config\.kubernetes\.io|kind\.x-k8s\.io|kubeadm\.k8s\.io|kubelet\.config\.k8s\.io|kubeproxy\.config\.k8s\.io|apiserver\.config\.k8s\.io|skaffold|k3d\.io|ctlptl\.dev|audit\.k8s\.io|eksctl\.io|client\.authentication\.k8s\.io)$/;

/**
 * Where each modelled kind is served: its API group, the version served today, and older
 * versions of the same group that were removed (the object still means the same thing, so
 * PodPath reads it and warns). A kind under any other group is someone else's resource
 * (Knative's serving.knative.dev Service, Cluster API's Cluster …) and is not read as ours.
 */
export const API_GROUPS: Record<string, { groups: string[]; current: string }> = {
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
  // kubernetes-sigs/network-policy-api: served as v1alpha1 by the CRDs.
  AdminNetworkPolicy: { groups: ['policy.networking.k8s.io'], current: 'policy.networking.k8s.io/v1alpha1' },
  BaselineAdminNetworkPolicy: { groups: ['policy.networking.k8s.io'], current: 'policy.networking.k8s.io/v1alpha1' },
};

export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Calico's own kinds PodPath reads (projectcalico.org/v3, crd.projectcalico.org/v1 as stored). */
export const CALICO_KINDS = new Set(['NetworkPolicy', 'GlobalNetworkPolicy', 'Tier', 'IPPool']);

/** The Tigera operator's API: its Installation is read (calico-pools.ts); APIServer, Goldmane, Whisker … say nothing of the data path. */
export const CALICO_OPERATOR_GROUP = 'operator.tigera.io';

export function isCalicoGroup(group: string): boolean {
  return group === 'projectcalico.org' || group === 'crd.projectcalico.org';
}

/** A kind PodPath models or knowingly skips (anything else is reported as `unknown-kind`). */
export function isKnownKind(kind: string, apiVersion: string): boolean {
  const group = apiGroup(apiVersion);
  return kind in API_GROUPS || IGNORED_KINDS.has(kind) || TOOL_GROUPS.test(group) || (kind === 'Cluster' && group === 'podpath.dev') || (CALICO_KINDS.has(kind) && isCalicoGroup(group)) || group === CALICO_OPERATOR_GROUP;
}
