import { Cluster, PodInfo } from '../cluster/model';
import { Dataplane } from '../dataplane/dataplane';
import { TraceRequest, tracePacket } from '../forward/engine';
import { ReplyTrace, replyOf } from '../forward/reply';
import { L4Protocol, Trace } from '../forward/trace';
import { LabPlan } from './plan';

/**
 * The connections the lab sends, each one a trace PodPath can make: pod → pod on one node and
 * across nodes, container → container over localhost, node → pod, pod → ClusterIP (from every node, and
 * from a backend to its own Service), node → ClusterIP, node → NodePort on every node, one pod per
 * node → NodePort on every node, an outside client → NodePort, and one pod per node → the outside client (where the CNI's
 * masquerade shows: the outside sees the node's address). Only declared TCP/UDP ports are
 * probed: that is where the responders listen.
 */

export type FlowKind = 'pod-pod' | 'container' | 'node-pod' | 'pod-service' | 'node-service' | 'node-nodeport' | 'pod-nodeport' | 'outside-nodeport' | 'pod-outside' | 'pod-pod6' | 'node-pod6' | 'pod-service6';

/** The outside namespace's responder: it answers pods connecting out of the cluster on this port. */
export const OUTSIDE_RESPONDER = 'outside';
export const OUTSIDE_PORT = 443;

export interface LabFlow {
  id: number;
  kind: FlowKind;
  request: TraceRequest & { port: number; protocol: L4Protocol };
  /** The lab namespace the client runs in. */
  sourceNetns: string;
  /** The client binds this address (the outside namespace has two); else the kernel picks. */
  sourceAddress?: string;
  /** How many connections to open (Services get several, to meet more than one backend). */
  connections: number;
  trace: Trace;
  /** The trace's reply: which source the client should see answering it. */
  reply: ReplyTrace;
  /** Set when the flow is traced but not probed, with the reason. */
  skip?: string;
}

/** A responder: which namespace, what it calls itself, which ports it answers on. */
export interface LabResponder {
  netns: string;
  label: string;
  ports: { protocol: 'tcp' | 'udp'; port: number }[];
}

export interface FlowOptions {
  /** Upper bound on flows (each kind keeps an equal share; how many were left out is returned). */
  maxFlows?: number;
  /** Connections per Service flow. */
  serviceConnections?: number;
}

const DEFAULT_MAX_FLOWS = 240;

export function planFlows(dataplane: Dataplane, plan: LabPlan, options: FlowOptions = {}): { flows: LabFlow[]; omitted: number } {
  const cluster = dataplane.cluster;
  const maxFlows = options.maxFlows ?? DEFAULT_MAX_FLOWS;
  const svcConns = options.serviceConnections ?? 8;
  const requests: { kind: FlowKind; req: LabFlow['request']; netns: string; sourceAddress?: string; connections: number }[] = [];
  const pods = cluster.pods.filter((p) => !p.hostNetwork && plan.podNamespaces.has(p.key)).sort(byKey);
  const podNs = (p: PodInfo) => plan.podNamespaces.get(p.key)!;

  for (const src of pods) {
    for (const dst of cluster.pods) {
      if (dst.key === src.key) continue;
      for (const { protocol, port } of probePorts(dst)) {
        requests.push({ kind: 'pod-pod', req: { from: `pod:${src.key}`, to: `pod:${dst.key}`, port, protocol }, netns: podNs(src), connections: 1 });
      }
    }
  }
  for (const pod of pods) {
    for (const a of pod.containers) {
      for (const b of pod.containers) {
        if (a.name === b.name) continue;
        for (const p of pod.ports.filter((x) => x.container === b.name && (x.protocol === 'TCP' || x.protocol === 'UDP'))) {
          requests.push({ kind: 'container', req: { from: `${pod.key}/${a.name}`, to: `${pod.key}/${b.name}`, port: p.containerPort, protocol: p.protocol.toLowerCase() as L4Protocol }, netns: podNs(pod), connections: 1 });
        }
      }
    }
  }
  for (const node of cluster.nodes) {
    for (const dst of pods) {
      const first = probePorts(dst)[0];
      if (first) requests.push({ kind: 'node-pod', req: { from: `node:${node.name}`, to: `pod:${dst.key}`, port: first.port, protocol: first.protocol }, netns: plan.nodeNamespaces.get(node.name)!, connections: 1 });
    }
  }
  const firstNode = cluster.nodes[0];
  for (const svc of cluster.services) {
    if (!svc.clusterIP || svc.headless || svc.type === 'ExternalName') continue;
    for (const port of svc.ports) {
      if (port.protocol !== 'TCP' && port.protocol !== 'UDP') continue;
      const protocol = port.protocol.toLowerCase() as L4Protocol;
      // One client per node, plus a backend calling its own Service (hairpin).
      const sources = new Map<string, PodInfo>();
      for (const n of cluster.nodes) {
        const p = pods.find((x) => x.node === n.name);
        if (p) sources.set(p.key, p);
      }
      const backend = port.endpoints.map((e) => e.pod && cluster.podsByKey.get(e.pod)).find((p): p is PodInfo => !!p && !p.hostNetwork);
      if (backend) sources.set(backend.key, backend);
      for (const src of [...sources.values()].sort(byKey)) {
        requests.push({ kind: 'pod-service', req: { from: `pod:${src.key}`, to: `service:${svc.key}`, port: port.port, protocol }, netns: podNs(src), connections: svcConns });
      }
      if (firstNode) requests.push({ kind: 'node-service', req: { from: `node:${firstNode.name}`, to: `service:${svc.key}`, port: port.port, protocol }, netns: plan.nodeNamespaces.get(firstNode.name)!, connections: svcConns });
      if (port.nodePort === undefined || (svc.type !== 'NodePort' && svc.type !== 'LoadBalancer')) continue;
      // A pod → a NodePort: kube-proxy may DNAT it without masquerade, so whether the reply comes
      // back through the node that translated it depends on the paths (the reply trace says).
      const podPerNode = cluster.nodes.map((n) => pods.find((x) => x.node === n.name)).filter((p): p is PodInfo => !!p);
      for (const target of cluster.nodes) {
        for (const src of podPerNode) {
          requests.push({ kind: 'pod-nodeport', req: { from: `pod:${src.key}`, to: target.ip, port: port.nodePort, protocol }, netns: podNs(src), connections: svcConns });
        }
      }
      for (const target of cluster.nodes) {
        for (const from of cluster.nodes) {
          requests.push({ kind: 'node-nodeport', req: { from: `node:${from.name}`, to: target.ip, port: port.nodePort, protocol }, netns: plan.nodeNamespaces.get(from.name)!, connections: Math.min(svcConns, 4) });
        }
        for (const client of plan.outside.ips) {
          requests.push({ kind: 'outside-nodeport', req: { from: `external:${client}`, to: target.ip, port: port.nodePort, protocol }, netns: plan.outside.netns, sourceAddress: client, connections: Math.min(svcConns, 4) });
        }
      }
    }
  }

  // Dual-stack: the same kinds of connection over IPv6, where the lab built the IPv6 data path.
  if (cluster.config.ipFamilies.includes(6) && plan.features.includes('ipv6')) {
    const family = { family: 6 as const };
    for (const src of pods.filter((p) => p.ip6)) {
      for (const dst of cluster.pods.filter((p) => p.ip6 && p.key !== src.key)) {
        const first = probePorts(dst)[0];
        if (first) requests.push({ kind: 'pod-pod6', req: { from: `pod:${src.key}`, to: `pod:${dst.key}`, port: first.port, protocol: first.protocol, ...family }, netns: podNs(src), connections: 1 });
      }
    }
    for (const node of cluster.nodes.filter((n) => n.ip6)) {
      for (const dst of pods.filter((p) => p.ip6)) {
        const first = probePorts(dst)[0];
        if (first) requests.push({ kind: 'node-pod6', req: { from: `node:${node.name}`, to: `pod:${dst.key}`, port: first.port, protocol: first.protocol, ...family }, netns: plan.nodeNamespaces.get(node.name)!, connections: 1 });
      }
    }
    for (const svc of cluster.services) {
      if (!svc.clusterIP6 || svc.headless) continue;
      for (const port of svc.ports) {
        if (port.protocol !== 'TCP' && port.protocol !== 'UDP') continue;
        for (const n of cluster.nodes) {
          const src = pods.find((x) => x.node === n.name && x.ip6);
          if (src) requests.push({ kind: 'pod-service6', req: { from: `pod:${src.key}`, to: `service:${svc.key}`, port: port.port, protocol: port.protocol.toLowerCase() as L4Protocol, ...family }, netns: podNs(src), connections: svcConns });
        }
      }
    }
  }

  // Pod → outside: one pod per node.
  const outsideIP = plan.outside.ips[0];
  for (const node of cluster.nodes) {
    const src = pods.find((p) => p.node === node.name);
    if (src && outsideIP) requests.push({ kind: 'pod-outside', req: { from: `pod:${src.key}`, to: outsideIP, port: OUTSIDE_PORT, protocol: 'tcp' }, netns: podNs(src), connections: 1 });
  }

  const flows: LabFlow[] = [];
  const kept = limitPerKind(requests, maxFlows);
  for (const r of kept) {
    const result = tracePacket(dataplane, r.req);
    if (!result.ok) continue;
    const trace = result.trace;
    const flow: LabFlow = { id: flows.length + 1, kind: r.kind, request: r.req, sourceNetns: r.netns, ...(r.sourceAddress ? { sourceAddress: r.sourceAddress } : {}), connections: r.connections, trace, reply: replyOf(dataplane, trace) };
    const skip = r.kind === 'pod-outside' ? outsideSkipReason(trace, cluster) ?? skipReason(trace, plan, true) : skipReason(trace, plan);
    if (skip) flow.skip = skip;
    flows.push(flow);
  }
  return { flows, omitted: requests.length - kept.length };
}

/** Responders for every pod namespace with declared ports, and for hostNetwork pods in their node's namespace. */
export function planResponders(cluster: Cluster, plan: LabPlan): LabResponder[] {
  const out: LabResponder[] = [];
  for (const pod of [...cluster.pods].sort(byKey)) {
    const ports = probePorts(pod);
    if (ports.length === 0) continue;
    const netns = pod.hostNetwork ? plan.nodeNamespaces.get(pod.node) : plan.podNamespaces.get(pod.key);
    if (netns) out.push({ netns, label: pod.key, ports });
  }
  out.push({ netns: plan.outside.netns, label: OUTSIDE_RESPONDER, ports: [{ protocol: 'tcp', port: OUTSIDE_PORT }] });
  return out;
}

/** A pod's declared TCP and UDP ports, each once. */
export function probePorts(pod: PodInfo): { protocol: 'tcp' | 'udp'; port: number }[] {
  const seen = new Set<string>();
  const out: { protocol: 'tcp' | 'udp'; port: number }[] = [];
  for (const p of pod.ports) {
    if (p.protocol !== 'TCP' && p.protocol !== 'UDP') continue;
    const protocol = p.protocol === 'TCP' ? 'tcp' : 'udp';
    const key = `${protocol}/${p.containerPort}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ protocol, port: p.containerPort });
  }
  return out;
}

/**
 * A pod → outside flow is probed only when the trace has it leave with a node's address: an
 * unmasqueraded pod address has no route back from outside the cluster (the lab's router, like
 * a real one, knows the node subnets only), so the answer could never arrive.
 */
function outsideSkipReason(trace: Trace, cluster: Cluster): string | undefined {
  if (trace.verdict !== 'exits-cluster') return undefined;
  const last = trace.hops[trace.hops.length - 1];
  const src = last?.packet.src;
  if (src && !cluster.nodes.some((n) => n.ip === src)) return `the packet leaves the cluster with the pod address ${src} (nothing masquerades it), and the outside has no route back to the pod network`;
  return undefined;
}

function skipReason(trace: Trace, plan: LabPlan, outsideAnswers = false): string | undefined {
  if (trace.verdict === 'unresolved') return `not traced to an address: ${trace.reason}`;
  if (trace.verdict === 'exits-cluster' && !outsideAnswers) return 'the packet leaves the cluster; the lab has nothing there to answer';
  const hops = [...trace.hops, ...trace.branches.flatMap((b) => b.hops)];
  if (plan.leftOut.includes('ipip') && hops.some((h) => h.packet.encap.some((e) => e.kind === 'ipip'))) {
    return 'the path crosses tunl0 (IP-in-IP) and this kernel has no ipip module';
  }
  return undefined;
}

/** At most `max` requests, shared evenly between kinds so none is crowded out. */
function limitPerKind<T extends { kind: FlowKind }>(requests: T[], max: number): T[] {
  if (requests.length <= max) return requests;
  const kinds = [...new Set(requests.map((r) => r.kind))];
  const share = Math.max(1, Math.floor(max / kinds.length));
  const counts = new Map<FlowKind, number>();
  return requests.filter((r) => {
    const c = counts.get(r.kind) ?? 0;
    counts.set(r.kind, c + 1);
    return c < share;
  });
}

function byKey(a: PodInfo, b: PodInfo): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
