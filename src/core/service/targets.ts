import { Cluster } from '../cluster/model';
import { resolveEndpoint } from '../forward/resolve';
import { TraceTarget } from './types';

/** Destinations offered by "Trace to pod": pods, workloads, Services, NodePorts, nodes, outside. */
export function targetsFrom(cluster: Cluster, fromSpec: string): TraceTarget[] {
  const from = resolveEndpoint(cluster, fromSpec);
  const self = from.ok ? from.endpoint.name : '';
  const out: TraceTarget[] = [];
  for (const s of cluster.services) {
    if (s.type === 'ExternalName') continue;
    for (const p of s.ports) {
      out.push({ label: `$(symbol-interface) ${s.key}:${p.port}`, description: `Service ${s.clusterIP ?? 'headless'} · ${p.protocol}`, spec: `service:${s.key}`, kind: 'service', port: p.port, protocol: lower(p.protocol) });
      if (p.nodePort !== undefined && cluster.nodes[0]) {
        out.push({ label: `$(globe) NodePort ${p.nodePort} on ${cluster.nodes[0].name}`, description: `${s.key} from outside (${cluster.nodes[0].ip}:${p.nodePort})`, spec: cluster.nodes[0].ip, kind: 'nodeport', port: p.nodePort, protocol: lower(p.protocol) });
      }
    }
  }
  for (const p of cluster.pods) {
    if (p.key === self) continue;
    const port = p.ports[0];
    out.push({ label: `$(package) ${p.key}`, description: `pod ${p.ip} on ${p.node}`, spec: `pod:${p.key}`, kind: 'pod', ...(port ? { port: port.containerPort, protocol: lower(port.protocol) } : {}) });
  }
  for (const w of cluster.workloads) {
    if (`${w.key}[${w.kind}]` === self || w.pods.length === 0) continue;
    out.push({ label: `$(layers) ${w.key}`, description: `${w.kind}, ${w.pods.length} replica${w.pods.length === 1 ? '' : 's'}`, spec: `${w.kind.toLowerCase()}:${w.key}`, kind: 'workload' });
  }
  for (const n of cluster.nodes) out.push({ label: `$(server) ${n.name}`, description: `node ${n.ip}`, spec: `node:${n.name}`, kind: 'node' });
  out.push({ label: '$(cloud) 203.0.113.10', description: 'an address outside the cluster (type another one to change it)', spec: '203.0.113.10', kind: 'external', port: 443, protocol: 'tcp' });
  return out;
}

function lower(p: string): 'tcp' | 'udp' | 'sctp' {
  return p.toLowerCase() as 'tcp' | 'udp' | 'sctp';
}
