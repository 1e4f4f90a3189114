import { buildCluster } from '../../src/core/cluster/build';
import { Cluster } from '../../src/core/cluster/model';
import { loadManifests } from '../../src/core/manifest/load';

/**
 * Builders for the Service and EndpointSlice objects of kube-proxy's upstream tests
 * (pkg/proxy/iptables/proxier_test.go: makeTestService, makeTestEndpointSlice). They produce
 * plain objects; JSON is YAML, so `toYaml` joins them as a multi-document YAML file that goes
 * through PodPath's real manifest reader.
 */

export interface PortSpec {
  name?: string;
  port: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  nodePort?: number;
  targetPort?: number;
}

export interface ServiceSpec {
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  clusterIP: string;
  ports: PortSpec[];
  externalIPs?: string[];
  loadBalancerIngress?: string[];
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  sessionAffinityTimeout?: number;
  annotations?: Record<string, string>;
  loadBalancerSourceRanges?: string[];
}

export function service(namespace: string, name: string, s: ServiceSpec): object {
  const spec: Record<string, unknown> = {
    type: s.type ?? 'ClusterIP',
    clusterIP: s.clusterIP,
    ports: s.ports.map((p) => ({ ...(p.name !== undefined ? { name: p.name } : {}), port: p.port, protocol: p.protocol ?? 'TCP', ...(p.nodePort ? { nodePort: p.nodePort } : {}), ...(p.targetPort ? { targetPort: p.targetPort } : {}) })),
  };
  if (s.externalIPs) spec.externalIPs = s.externalIPs;
  if (s.loadBalancerSourceRanges) spec.loadBalancerSourceRanges = s.loadBalancerSourceRanges;
  if (s.externalTrafficPolicy) spec.externalTrafficPolicy = s.externalTrafficPolicy;
  if (s.internalTrafficPolicy) spec.internalTrafficPolicy = s.internalTrafficPolicy;
  if (s.sessionAffinityTimeout !== undefined) {
    spec.sessionAffinity = 'ClientIP';
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: s.sessionAffinityTimeout } };
  }
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace, ...(s.annotations ? { annotations: s.annotations } : {}) },
    spec,
    ...(s.loadBalancerIngress ? { status: { loadBalancer: { ingress: s.loadBalancerIngress.map((ip) => ({ ip })) } } } : {}),
  };
}

export interface EndpointSpec {
  ip: string;
  node?: string;
  /** Omitted means ready, as the API says of a nil condition. */
  ready?: boolean;
}

export function endpointSlice(namespace: string, serviceName: string, endpoints: EndpointSpec[], ports: PortSpec[]): object {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: `${serviceName}-1`, namespace, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      ...(e.node ? { nodeName: e.node } : {}),
      ...(e.ready !== undefined ? { conditions: { ready: e.ready } } : {}),
    })),
    ports: ports.map((p) => ({ ...(p.name !== undefined ? { name: p.name } : {}), port: p.port, protocol: p.protocol ?? 'TCP' })),
  };
}

export function toYaml(...objects: object[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n---\n') + '\n';
}

/**
 * The two-node cluster of the kube-proxy unit tests (node-1 and node-2 on 192.168.1.0/24,
 * pods in 10.244.0.0/16, Services in 10.96.0.0/12) with the given objects and proxy mode.
 */
export function buildUnitCluster(mode: 'iptables' | 'ipvs', objects: object[]): Cluster {
  const doc = `apiVersion: podpath.dev/v1alpha1
kind: Cluster
metadata: {name: unit}
spec:
  clusterCIDR: 10.244.0.0/16
  serviceCIDR: 10.96.0.0/12
  kubeProxy: {mode: ${mode}}
  nodes:
    - {name: node-1, ip: 192.168.1.10, podCIDR: 10.244.1.0/24}
    - {name: node-2, ip: 192.168.1.11, podCIDR: 10.244.2.0/24}
`;
  return buildCluster(loadManifests([{ file: 'cluster.yaml', text: doc }, { file: 'app.yaml', text: toYaml(...objects) }]).manifests);
}
