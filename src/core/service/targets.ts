import { Cluster, PodInfo, ServiceInfo, WorkloadInfo } from '../cluster/model';
import { resolveEndpoint } from '../forward/resolve';
import { TraceTarget } from './types';

/**
 * What the trace pickers offer. Labels show an object's name as written (`web`, not
 * `pod:default/web`); the namespace, kind and addresses go in the description. The `spec` is
 * what the engine is asked for.
 */

/** Destinations offered by "Trace from {name}…": Services, NodePorts, pods, workloads, nodes, outside. */
export function targetsFrom(cluster: Cluster, fromSpec: string): TraceTarget[] {
  const from = resolveEndpoint(cluster, fromSpec);
  const self = from.ok ? from.endpoint.name : '';
  const out: TraceTarget[] = [];
  for (const s of cluster.services) {
    if (s.type === 'ExternalName') continue;
    for (const p of s.ports) {
      out.push({ label: `$(symbol-interface) ${s.name}:${p.port}`, description: `Service · ${s.namespace} · ${s.clusterIP ?? 'headless'} · ${p.protocol}`, spec: `service:${s.key}`, kind: 'service', port: p.port, protocol: lower(p.protocol) });
      if (p.nodePort !== undefined && cluster.nodes[0]) {
        out.push({ label: `$(globe) NodePort ${p.nodePort} on ${cluster.nodes[0].name}`, description: `${s.name} · ${s.namespace} from outside (${cluster.nodes[0].ip}:${p.nodePort})`, spec: cluster.nodes[0].ip, kind: 'nodeport', port: p.nodePort, protocol: lower(p.protocol) });
      }
    }
  }
  for (const p of cluster.pods) {
    if (p.key === self) continue;
    const port = p.ports[0];
    out.push({ ...podItem(p), ...(port ? { port: port.containerPort, protocol: lower(port.protocol) } : {}) });
  }
  for (const w of cluster.workloads) {
    if (`${w.key}[${w.kind}]` === self || w.pods.length === 0) continue;
    out.push(workloadItem(w));
  }
  for (const n of cluster.nodes) out.push({ label: `$(server) ${n.name}`, description: `node ${n.ip}`, spec: `node:${n.name}`, kind: 'node' });
  out.push({ label: '$(cloud) 203.0.113.10', description: 'an address outside the cluster (type another one to change it)', spec: '203.0.113.10', kind: 'external', port: 443, protocol: 'tcp' });
  return out;
}

/**
 * Sources offered by "Trace to this Service from…": the workloads and pods that can send to it
 * (workloads first: that is how people think of their apps), each carrying the Service's first
 * port. Empty when `toSpec` is not a Service with ports.
 */
export function sourcesTo(cluster: Cluster, toSpec: string): TraceTarget[] {
  const svc = serviceOf(cluster, toSpec);
  const port = svc?.ports[0];
  if (!svc || !port || svc.type === 'ExternalName') return [];
  const at = { port: port.port, protocol: lower(port.protocol) };
  const out: TraceTarget[] = [];
  for (const w of cluster.workloads) if (w.pods.length > 0) out.push({ ...workloadItem(w), ...at });
  for (const p of cluster.pods) out.push({ ...podItem(p), ...at });
  return out;
}

/** The ports of the Service a spec names (`service:ns/name`), as pickable destinations. */
export function servicePorts(cluster: Cluster, toSpec: string): TraceTarget[] {
  const svc = serviceOf(cluster, toSpec);
  if (!svc || svc.type === 'ExternalName') return [];
  return svc.ports.map((p) => ({ label: `${svc.name}:${p.port}${p.name ? ` (${p.name})` : ''}`, description: `${p.protocol} → targetPort ${p.targetPort}`, spec: `service:${svc.key}`, kind: 'service' as const, port: p.port, protocol: lower(p.protocol) }));
}

function serviceOf(cluster: Cluster, spec: string): ServiceInfo | undefined {
  const m = /^service:(.+)$/.exec(spec);
  if (!m) return undefined;
  return cluster.servicesByKey.get(m[1].includes('/') ? m[1] : `default/${m[1]}`);
}

function podItem(p: PodInfo): TraceTarget {
  return { label: `$(package) ${p.name}`, description: `pod · ${p.namespace} · ${p.ip} on ${p.node}`, spec: `pod:${p.key}`, kind: 'pod' };
}

function workloadItem(w: WorkloadInfo): TraceTarget {
  return { label: `$(layers) ${w.name}`, description: `${w.kind} · ${w.namespace} · ${w.pods.length} replica${w.pods.length === 1 ? '' : 's'}`, spec: `${w.kind.toLowerCase()}:${w.key}`, kind: 'workload' };
}

function lower(p: string): 'tcp' | 'udp' | 'sctp' {
  return p.toLowerCase() as 'tcp' | 'udp' | 'sctp';
}
