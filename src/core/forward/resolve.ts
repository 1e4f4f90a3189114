import { Cluster, NodeInfo, PodInfo, ServiceInfo, ServicePortInfo, WorkloadInfo } from '../cluster/model';
import { canonicalIPv6, familyOf, isIPv4 } from '../common/ip';
import { L4Protocol, TraceEndpoint } from './trace';
import { SourceRange } from '../common/source';

/** A trace endpoint with the cluster objects behind it. */
export interface ResolvedEndpoint extends TraceEndpoint {
  pod?: PodInfo;
  container?: string;
  service?: ServiceInfo;
  workload?: WorkloadInfo;
  /** Replicas of a workload, sorted by key. */
  replicas?: PodInfo[];
  nodeInfo?: NodeInfo;
  /** A port written in the spec itself (`20.1.244.75:80`, `web:http`), a number or a port name. */
  port?: number | string;
  /** The spec was an address (`10.96.0.10`), not a name: the packet goes exactly there. */
  byAddress?: boolean;
}

export type ResolveResult = { ok: true; endpoint: ResolvedEndpoint } | { ok: false; error: string };

/**
 * Which end of the trace a spec names. A source is something that sends: a pod, a container,
 * a workload (its first replica), a node, an outside address. A destination may also be
 * something that only receives: a Service, its ClusterIP, a NodePort, a DNS name.
 */
export type Direction = 'from' | 'to';

export interface ResolveOptions {
  /** Namespace of names written without one (`--namespace`); `default` otherwise. */
  namespace?: string;
}

const WORKLOAD_PREFIXES: Record<string, WorkloadInfo['kind']> = {
  deployment: 'Deployment', deploy: 'Deployment', statefulset: 'StatefulSet', sts: 'StatefulSet',
  daemonset: 'DaemonSet', ds: 'DaemonSet', replicaset: 'ReplicaSet', rs: 'ReplicaSet', job: 'Job', cronjob: 'CronJob',
  replicationcontroller: 'ReplicationController', rc: 'ReplicationController',
};

const OTHER_PREFIXES = ['pod', 'po', 'container', 'service', 'svc', 'node', 'no', 'external', 'ip', 'workload'];

/** `80`, or a port name as Kubernetes allows it (IANA_SVC_NAME: at most 15 lower-case letters, digits, '-'). */
export function parsePortText(text: string): { ok: true; port: number | string } | { ok: false; error: string } {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= 65535) return { ok: true, port: n };
    return { ok: false, error: `port ${text} is not a port number (1–65535)` };
  }
  // kubernetes apimachinery validation: IsValidPortName (IANA_SVC_NAME).
  if (/^[a-z0-9](?:[a-z0-9-]{0,13}[a-z0-9])?$/.test(text) && /[a-z]/.test(text) && !text.includes('--')) return { ok: true, port: text };
  return { ok: false, error: `"${text}" is neither a port number (1–65535) nor a port name` };
}

/**
 * Resolves what the user typed after --from/--to: `ns/pod`, `ns/pod/container`, a Service
 * (`ns/name`, `name.ns`, `name.ns.svc`, `name.ns.svc.<cluster domain>`), a workload, a node,
 * an IP (pod, ClusterIP, load-balancer IP, node, or anything outside), each optionally with
 * `:port` (a number or a port name). A prefix (`service:`, `deployment:`, `node:` …) says which
 * object is meant. Bare names resolve by direction: a source is a pod, then a workload, then a
 * node (never a Service: it does not send); a destination is a pod, a Service, a workload, a node.
 */
export function resolveEndpoint(cluster: Cluster, spec: string, direction: Direction = 'to', opts: ResolveOptions = {}): ResolveResult {
  const text = spec.trim();
  if (text.length === 0) return { ok: false, error: 'an empty endpoint names nothing' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) return { ok: false, error: 'the endpoint contains control characters; no Kubernetes name does' };
  // IPv6: bare (fd00::1) or with a port in brackets ([fd00::1]:80), as URLs write it (RFC 3986).
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(text) ?? (familyOf(text) === 6 ? [text, text] : null);
  if (v6) {
    if (familyOf(v6[1]) !== 6) return { ok: false, error: `"${v6[1]}" is not an IPv6 address` };
    const port = v6[2] === undefined ? undefined : parsePortText(v6[2]);
    if (port && !port.ok) return { ok: false, error: `in "${text}": ${port.error}` };
    return resolveIP(cluster, text, canonicalIPv6(v6[1]), port?.port, direction);
  }
  const ipPort = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(.*))?$/.exec(text);
  if (ipPort) {
    if (!isIPv4(ipPort[1])) return { ok: false, error: `"${ipPort[1]}" is not an IPv4 address` };
    const port = ipPort[2] === undefined ? undefined : parsePortText(ipPort[2]);
    if (port && !port.ok) return { ok: false, error: `in "${text}": ${port.error}` };
    return resolveIP(cluster, text, ipPort[1], port?.port, direction);
  }
  let kind: string | undefined;
  let rest = text;
  const prefix = /^([A-Za-z]+):(.*)$/.exec(text);
  if (prefix && (WORKLOAD_PREFIXES[prefix[1].toLowerCase()] || OTHER_PREFIXES.includes(prefix[1].toLowerCase()))) {
    kind = prefix[1].toLowerCase();
    rest = prefix[2];
  }
  if (kind === 'external' || kind === 'ip') {
    if (familyOf(rest) === 6) return { ok: true, endpoint: { spec, kind: 'external', name: rest, ip: canonicalIPv6(rest) } };
    if (!isIPv4(rest)) return { ok: false, error: `"${rest}" is not an IP address` };
    return { ok: true, endpoint: { spec, kind: 'external', name: rest, ip: rest } };
  }
  let port: number | string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    const parsed = parsePortText(rest.slice(colon + 1));
    if (!parsed.ok) {
      const maybeKind = kind === undefined && colon === rest.indexOf(':') ? ` ("${rest.slice(0, colon)}:" is not a kind either: use pod:, service:, deployment:, statefulset:, daemonset:, node:, external: …)` : '';
      return { ok: false, error: `in "${text}": ${parsed.error}${maybeKind}` };
    }
    port = parsed.port;
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  if (parts.some((p) => p.length === 0) || parts.length > 3) return { ok: false, error: `"${text}" is not a name (write ns/name, ns/pod/container, or a prefix such as service:ns/name)` };
  const withPort = (r: ResolveResult): ResolveResult => (r.ok && port !== undefined ? { ok: true, endpoint: Object.assign({}, r.endpoint, { port }) } : r);
  return withPort(resolveName(cluster, spec, kind, parts, direction, opts.namespace ?? 'default'));
}

function resolveName(cluster: Cluster, spec: string, kind: string | undefined, parts: string[], direction: Direction, defaultNs: string): ResolveResult {
  if (kind === 'node' || kind === 'no') {
    if (parts.length !== 1) return { ok: false, error: `node names have no namespace: "${parts.join('/')}"` };
    return byNode(cluster, spec, parts[0]);
  }
  const [ns, name, container] = parts.length === 1 ? [defaultNs, parts[0], undefined] : [parts[0], parts[1], parts[2]];
  const key = `${ns}/${name}`;
  if (parts.length === 3 || kind === 'container') {
    if (kind !== undefined && kind !== 'container' && kind !== 'pod' && kind !== 'po') return { ok: false, error: `"${parts.join('/')}" names a container; a ${kind} has none` };
    const pod = cluster.podsByKey.get(key);
    if (!pod) return { ok: false, error: `no pod ${key}${container ? ` (for container ${container})` : ''}` };
    if (!container || !pod.containers.some((c) => c.name === container)) {
      return { ok: false, error: `pod ${key} has no container "${container ?? ''}" (it has ${pod.containers.map((c) => c.name).join(', ') || 'none'})` };
    }
    return { ok: true, endpoint: podEndpoint(spec, pod, container) };
  }
  if (kind === 'pod' || kind === 'po') {
    const pod = cluster.podsByKey.get(key);
    return pod ? { ok: true, endpoint: podEndpoint(spec, pod) } : { ok: false, error: `no pod ${key}` };
  }
  if (kind === 'service' || kind === 'svc') {
    const svc = cluster.servicesByKey.get(key) ?? (parts.length === 1 ? byDnsName(cluster, name) : undefined);
    if (!svc) return { ok: false, error: `no Service ${key}` };
    return serviceEndpoint(cluster, spec, svc, direction);
  }
  const wantKind = kind ? WORKLOAD_PREFIXES[kind] : undefined;
  if (kind !== undefined) {
    const w = workloadByKey(cluster, key, wantKind);
    if (!w) return { ok: false, error: `no ${wantKind ?? 'workload'} ${key}` };
    return workloadEndpoint(cluster, spec, w);
  }
  // A bare name or ns/name: what can sit at this end of the trace, in order.
  const pod = cluster.podsByKey.get(key);
  if (pod) return { ok: true, endpoint: podEndpoint(spec, pod) };
  const svc = cluster.servicesByKey.get(key);
  if (direction === 'to' && svc) return serviceEndpoint(cluster, spec, svc, direction);
  const w = workloadByKey(cluster, key);
  if (w) return workloadEndpoint(cluster, spec, w);
  if (parts.length === 1 && cluster.nodesByName.has(name)) return byNode(cluster, spec, name);
  if (svc) return serviceEndpoint(cluster, spec, svc, direction);
  const dns = parts.length === 1 ? byDnsName(cluster, name) : undefined;
  if (dns) return serviceEndpoint(cluster, spec, dns, direction);
  const looked = direction === 'from' ? 'no pod, workload or node' : 'no pod, Service, workload or node';
  return { ok: false, error: `nothing is called "${spec}": ${looked} ${parts.length === 1 ? `${key} or ${name}` : key}` };
}

/**
 * A Service's DNS name as a pod would write it: `name.ns`, `name.ns.svc` or the fully
 * qualified `name.ns.svc.<cluster domain>` (Kubernetes DNS specification, "Schema": A records
 * for `<service>.<ns>.svc.<zone>`; the shorter forms come from the pod's resolv.conf search list).
 */
function byDnsName(cluster: Cluster, text: string): ServiceInfo | undefined {
  const fqdn = text.toLowerCase().replace(/\.$/, '');
  const labels = fqdn.split('.');
  if (labels.length < 2) return undefined;
  const [name, ns, ...zone] = labels;
  const domain = cluster.config.clusterDomain.toLowerCase();
  const tail = zone.join('.');
  if (tail !== '' && tail !== 'svc' && tail !== `svc.${domain}`) return undefined;
  return cluster.servicesByKey.get(`${ns}/${name}`);
}

function workloadByKey(cluster: Cluster, key: string, kind?: WorkloadInfo['kind']): WorkloadInfo | undefined {
  // Several controllers may share a name (a Deployment and a Job): the order of the list decides, as it is sorted.
  return cluster.workloads.find((x) => x.key === key && (!kind || x.kind === kind));
}

function workloadEndpoint(cluster: Cluster, spec: string, w: WorkloadInfo): ResolveResult {
  const replicas = w.pods.map((k) => cluster.podsByKey.get(k)).filter((p): p is PodInfo => !!p).sort((a, b) => (a.key < b.key ? -1 : 1));
  if (replicas.length === 0) return { ok: false, error: `${w.kind} ${w.key} has no running replicas` };
  return { ok: true, endpoint: { spec, kind: 'workload', name: `${w.key}[${w.kind}]`, ip: replicas[0].ip, node: replicas[0].node, workload: w, replicas, source: w.locator.range, ...assigned(replicas[0]) } };
}

function serviceEndpoint(cluster: Cluster, spec: string, svc: ServiceInfo, direction: Direction, ip?: string): ResolveResult {
  if (direction === 'from') return { ok: false, error: serviceAsSource(cluster, svc) };
  const address = ip ?? svc.clusterIP ?? '';
  const isClusterIP = address !== '' && address === svc.clusterIP;
  return { ok: true, endpoint: { spec, kind: 'service', name: svc.key, ip: address, service: svc, source: svc.locator.range, ...(isClusterIP && svc.clusterIPAssigned ? { ipAssigned: true } : {}) } };
}

/** A Service only receives; the sentence names what sends on its behalf. */
export function serviceAsSource(cluster: Cluster, svc: ServiceInfo): string {
  const backends = [...new Set(svc.ports.flatMap((p) => p.endpoints.map((e) => e.pod)).filter((k): k is string => !!k))].sort();
  const owners = [...new Set(backends.map((k) => cluster.podsByKey.get(k)).filter((p): p is PodInfo => !!p).map((p) => topController(cluster, p)).filter((o): o is string => !!o))].sort();
  const head = `Service ${svc.key} cannot be a source: a Service only receives packets (kube-proxy rewrites them to a backend pod), it never sends any`;
  if (owners.length) return `${head}; trace from its backing workload ${owners.map((o) => `\`${o}\``).join(' or ')}${backends.length ? ` or one of its backend pods (${backends.slice(0, 3).join(', ')}${backends.length > 3 ? ', …' : ''})` : ''}`;
  if (backends.length) return `${head}; trace from one of its backend pods: ${backends.slice(0, 3).map((k) => `\`pod:${k}\``).join(', ')}${backends.length > 3 ? ', …' : ''}`;
  return `${head}; it has no backend pods either, so trace from a pod, a workload, a node or an outside address`;
}

/** Controllers from the outermost in: a dump's pods name their ReplicaSet, but people trace the Deployment. */
const CONTROLLER_RANK: WorkloadInfo['kind'][] = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'ReplicationController', 'Job', 'ReplicaSet'];

function topController(cluster: Cluster, pod: PodInfo): string | undefined {
  const owning = cluster.workloads.filter((w) => w.pods.includes(pod.key)).sort((a, b) => CONTROLLER_RANK.indexOf(a.kind) - CONTROLLER_RANK.indexOf(b.kind));
  const top = owning[0];
  if (top) return `${top.kind.toLowerCase()}:${top.key}`;
  // Only kinds `--from` understands (a custom controller's pods are named one by one instead).
  return CONTROLLER_RANK.includes(pod.owner.kind as WorkloadInfo['kind']) ? `${pod.owner.kind.toLowerCase()}:${pod.owner.key}` : undefined;
}

function podEndpoint(spec: string, pod: PodInfo, container?: string): ResolvedEndpoint {
  return {
    spec, kind: container ? 'container' : 'pod', name: container ? `${pod.key}/${container}` : pod.key, ip: pod.ip, node: pod.node,
    pod, ...(container ? { container } : {}), source: podSource(pod), ...assigned(pod),
  };
}

/** Where a pod is written (its template, for a workload's pod), found once per pod: each trace resolves both its ends. */
const podSources = new WeakMap<PodInfo, SourceRange>();
function podSource(pod: PodInfo): SourceRange {
  let source = podSources.get(pod);
  if (!source) podSources.set(pod, (source = pod.templatePath.length ? pod.locator.at(pod.templatePath) : pod.locator.range));
  return source;
}

function assigned(pod: PodInfo): { ipAssigned?: true } {
  return pod.ipAssigned ? { ipAssigned: true } : {};
}

function byNode(cluster: Cluster, spec: string, name: string): ResolveResult {
  const n = cluster.nodesByName.get(name);
  if (!n) return { ok: false, error: `no node "${name}" (nodes: ${cluster.nodes.map((x) => x.name).join(', ')})` };
  return { ok: true, endpoint: { spec, kind: 'node', name: n.name, ip: n.ip, node: n.name, nodeInfo: n } };
}

function resolveIP(cluster: Cluster, spec: string, ip: string, port: number | string | undefined, direction: Direction): ResolveResult {
  const withPort = port !== undefined ? { port } : {};
  const pod = cluster.podsByIP.get(ip);
  if (pod) return { ok: true, endpoint: { ...podEndpoint(spec, pod), ...withPort } };
  const node = cluster.nodes.find((n) => n.ip === ip);
  if (node) return { ok: true, endpoint: { spec, kind: 'node', name: node.name, ip, node: node.name, nodeInfo: node, ...withPort } };
  const svc = cluster.servicesByIP.get(ip) ?? cluster.services.find((s) => s.loadBalancerIPs.includes(ip) || s.externalIPs.includes(ip));
  if (svc) {
    if (direction === 'from') return { ok: false, error: `${ip} is an address of Service ${svc.key}. ${serviceAsSource(cluster, svc)}` };
    const r = serviceEndpoint(cluster, spec, svc, direction, ip);
    return r.ok ? { ok: true, endpoint: { ...r.endpoint, ...withPort, byAddress: true } } : r;
  }
  if (port !== undefined && typeof port === 'string') return { ok: false, error: `${ip} is outside the cluster: a port name means nothing there; give the port number` };
  return { ok: true, endpoint: { spec, kind: 'external', name: ip, ip, ...withPort } };
}

/** `80/TCP (http)` for every port a Service exposes, in spec order. */
export function exposedPorts(svc: ServiceInfo): string {
  return svc.ports.map((p) => `${p.port}/${p.protocol}${p.name ? ` (${p.name})` : ''}`).join(', ') || 'none';
}

/**
 * The Service port a trace uses: the one given (by number or name, and protocol when given),
 * else the first. A port the Service does not expose is the user's mistake, not a packet to
 * walk: the answer says which ports it exposes.
 */
export function servicePortFor(svc: ServiceInfo, port: number | string | undefined, protocol?: L4Protocol): { ok: true; port: ServicePortInfo } | { ok: false; error: string } {
  if (svc.ports.length === 0) return { ok: false, error: `Service ${svc.key} exposes no ports` };
  const proto = protocol?.toUpperCase();
  const candidates = svc.ports.filter((p) => (port === undefined || (typeof port === 'number' ? p.port === port : p.name === port)));
  const hit = candidates.find((p) => !proto || p.protocol === proto);
  if (hit) return { ok: true, port: hit };
  const what = port === undefined ? '' : typeof port === 'number' ? ` port ${port}` : ` a port named "${port}"`;
  return { ok: false, error: `Service ${svc.key} does not expose${what}${proto ? `${what ? '' : ' any port'}/${proto}` : ''}; it exposes ${exposedPorts(svc)}` };
}

/** A port name on a pod: the first container port with that name. */
export function podPortByName(pod: PodInfo, name: string, container?: string): ContainerPortHit | undefined {
  return pod.ports.find((p) => p.name === name && (!container || p.container === container));
}

type ContainerPortHit = PodInfo['ports'][number];

/** The port a trace uses when none is given: the Service's first port, the pod's first declared port, else 80. */
export function defaultPort(ep: ResolvedEndpoint): { port: number; protocol?: L4Protocol } {
  if (typeof ep.port === 'number') return { port: ep.port };
  const svcPort = ep.service?.ports[0];
  if (svcPort) return { port: svcPort.port, protocol: svcPort.protocol.toLowerCase() as L4Protocol };
  const pod = ep.pod ?? ep.replicas?.[0];
  const containerPort = ep.container ? pod?.ports.find((p) => p.container === ep.container) : pod?.ports[0];
  if (containerPort) return { port: containerPort.containerPort, protocol: containerPort.protocol.toLowerCase() as L4Protocol };
  return { port: 80 };
}
