import { Cluster, NodeInfo, PodInfo, ServiceInfo, WorkloadInfo } from '../cluster/model';
import { isIPv4 } from '../common/ip';
import { L4Protocol, TraceEndpoint } from './trace';

/** A trace endpoint with the cluster objects behind it. */
export interface ResolvedEndpoint extends TraceEndpoint {
  pod?: PodInfo;
  container?: string;
  service?: ServiceInfo;
  workload?: WorkloadInfo;
  /** Replicas of a workload, sorted by key. */
  replicas?: PodInfo[];
  nodeInfo?: NodeInfo;
  /** A port written in the spec itself (`20.1.244.75:80`). */
  port?: number;
}

export type ResolveResult = { ok: true; endpoint: ResolvedEndpoint } | { ok: false; error: string };

const WORKLOAD_PREFIXES: Record<string, string> = {
  deployment: 'Deployment', deploy: 'Deployment', statefulset: 'StatefulSet', sts: 'StatefulSet',
  daemonset: 'DaemonSet', ds: 'DaemonSet', replicaset: 'ReplicaSet', rs: 'ReplicaSet', job: 'Job', cronjob: 'CronJob',
  replicationcontroller: 'ReplicationController', rc: 'ReplicationController',
};

/**
 * Resolves what the user typed after --from/--to: `ns/pod`, `ns/pod/container`, a Service,
 * a workload, a node, an IP (pod, ClusterIP, node, or anything outside), optionally `IP:port`.
 * Bare names resolve pods first, then Services, then workloads, then nodes; a prefix
 * (`service:`, `deployment:`, `node:` …) says which one is meant.
 */
export function resolveEndpoint(cluster: Cluster, spec: string): ResolveResult {
  const text = spec.trim();
  const ipPort = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text);
  if (ipPort) return resolveIP(cluster, text, ipPort[1], ipPort[2] ? Number(ipPort[2]) : undefined);
  const colon = text.indexOf(':');
  let kind: string | undefined;
  let rest = text;
  if (colon > 0) {
    kind = text.slice(0, colon).toLowerCase();
    rest = text.slice(colon + 1);
  }
  const parts = rest.split('/').filter((p) => p.length > 0);
  if (parts.length === 0) return { ok: false, error: `"${spec}" names nothing` };
  if (kind === 'node') return byNode(cluster, spec, rest);
  if (kind === 'external' || kind === 'ip') {
    if (!isIPv4(rest)) return { ok: false, error: `"${rest}" is not an IPv4 address` };
    return { ok: true, endpoint: { spec, kind: 'external', name: rest, ip: rest } };
  }
  const [ns, name, container] = parts.length === 1 ? ['default', parts[0], undefined] : [parts[0], parts[1], parts[2]];
  const key = `${ns}/${name}`;
  if (parts.length === 3 || kind === 'container') {
    const pod = cluster.podsByKey.get(key);
    if (!pod) return { ok: false, error: `no pod ${key} (for container ${container})` };
    if (!container || !pod.containers.some((c) => c.name === container)) {
      return { ok: false, error: `pod ${key} has no container "${container}" (it has ${pod.containers.map((c) => c.name).join(', ') || 'none'})` };
    }
    return { ok: true, endpoint: podEndpoint(spec, pod, container) };
  }
  if (kind === undefined || kind === 'pod' || kind === 'po') {
    const pod = cluster.podsByKey.get(key);
    if (pod) return { ok: true, endpoint: podEndpoint(spec, pod) };
    if (kind) return { ok: false, error: `no pod ${key}` };
  }
  if (kind === undefined || kind === 'service' || kind === 'svc') {
    const svc = cluster.servicesByKey.get(key);
    if (svc) return { ok: true, endpoint: { spec, kind: 'service', name: key, ip: svc.clusterIP ?? '', service: svc, source: svc.locator.range } };
    if (kind) return { ok: false, error: `no Service ${key}` };
  }
  const wantKind = kind ? WORKLOAD_PREFIXES[kind] : undefined;
  if (kind === undefined || wantKind || kind === 'workload') {
    const w = cluster.workloads.find((x) => x.key === key && (!wantKind || x.kind === wantKind));
    if (w) {
      const replicas = w.pods.map((k) => cluster.podsByKey.get(k)!).filter(Boolean).sort((a, b) => (a.key < b.key ? -1 : 1));
      if (replicas.length === 0) return { ok: false, error: `${w.kind} ${key} has no running replicas` };
      return { ok: true, endpoint: { spec, kind: 'workload', name: `${key}[${w.kind}]`, ip: replicas[0].ip, node: replicas[0].node, workload: w, replicas, source: w.locator.range } };
    }
    if (kind) return { ok: false, error: `no ${wantKind ?? 'workload'} ${key}` };
  }
  if (parts.length === 1) {
    const n = byNode(cluster, spec, parts[0]);
    if (n.ok) return n;
  }
  if (kind) return { ok: false, error: `unknown kind "${kind}" in "${spec}" (use pod:, service:, deployment:, statefulset:, daemonset:, node:, external: …)` };
  return { ok: false, error: `nothing is called "${spec}": no pod, Service, workload or node ${parts.length === 1 ? `default/${parts[0]} or ${parts[0]}` : key}` };
}

function podEndpoint(spec: string, pod: PodInfo, container?: string): ResolvedEndpoint {
  return {
    spec, kind: container ? 'container' : 'pod', name: container ? `${pod.key}/${container}` : pod.key, ip: pod.ip, node: pod.node,
    pod, ...(container ? { container } : {}), source: pod.templatePath.length ? pod.locator.at(pod.templatePath) : pod.locator.range,
  };
}

function byNode(cluster: Cluster, spec: string, name: string): ResolveResult {
  const n = cluster.nodesByName.get(name);
  if (!n) return { ok: false, error: `no node "${name}" (nodes: ${cluster.nodes.map((x) => x.name).join(', ')})` };
  return { ok: true, endpoint: { spec, kind: 'node', name: n.name, ip: n.ip, node: n.name, nodeInfo: n } };
}

function resolveIP(cluster: Cluster, spec: string, ip: string, port: number | undefined): ResolveResult {
  const withPort = port !== undefined ? { port } : {};
  const pod = cluster.podsByIP.get(ip);
  if (pod) return { ok: true, endpoint: { ...podEndpoint(spec, pod), ...withPort } };
  const svc = cluster.servicesByIP.get(ip);
  if (svc) return { ok: true, endpoint: { spec, kind: 'service', name: svc.key, ip, service: svc, source: svc.locator.range, ...withPort } };
  const node = cluster.nodes.find((n) => n.ip === ip);
  if (node) return { ok: true, endpoint: { spec, kind: 'node', name: node.name, ip, node: node.name, nodeInfo: node, ...withPort } };
  return { ok: true, endpoint: { spec, kind: 'external', name: ip, ip, ...withPort } };
}

/** The port a trace uses when none is given: the Service's first port, the pod's first declared port, else 80. */
export function defaultPort(ep: ResolvedEndpoint): { port: number; protocol?: L4Protocol } {
  if (ep.port !== undefined) return { port: ep.port };
  const svcPort = ep.service?.ports[0];
  if (svcPort) return { port: svcPort.port, protocol: svcPort.protocol.toLowerCase() as L4Protocol };
  const pod = ep.pod ?? ep.replicas?.[0];
  const containerPort = ep.container ? pod?.ports.find((p) => p.container === ep.container) : pod?.ports[0];
  if (containerPort) return { port: containerPort.containerPort, protocol: containerPort.protocol.toLowerCase() as L4Protocol };
  return { port: 80 };
}
