import { Cluster, PodInfo, ServicePortInfo } from '../cluster/model';
import { fnv1a } from '../common/hash';
import { SourceRange } from '../common/source';
import { FAMILY_CONSTANTS, IpFamily, cidrContains, familyOf, hostPort } from '../common/ip';
import { Dataplane } from '../dataplane/dataplane';
import { FAMILY_PROFILES } from '../dataplane/family';
import { Cause, Device, Netns, NodeDataplane, Route, causeRange } from '../dataplane/model';
import { NfPacket } from '../dataplane/netfilter-eval';
import { deviceByName, formatRoute, isLocalAddress, lookupRoute, sourceAddressFor } from '../dataplane/routing';
import { fdbEntryFor, neighborFor } from '../dataplane/table-lookup';
import { underlayGateway } from '../dataplane/underlay';
import { checkPolicy } from '../policy/hook';
import { NetfilterBranch, hitCause, hitComment, hitNext, hitText, traverseNodeNetfilter } from './netfilter-stage';
import { DecidedBy, Hop, L4Protocol, OuterHeader, Packet, Trace, TraceBranch, TraceEndpoint, Verdict } from './trace';
import { ResolvedEndpoint, defaultPort, podPortByName, resolveEndpoint, servicePortFor } from './resolve';
import { ConntrackHandover, ReplyHook } from './conntrack';
import { establishedPolicyText, replyDeliveredText } from './reply-stages';

/**
 * The forwarding engine: walks one packet through the programmed data path — pod namespace,
 * veth, bridge and ARP, routing, netfilter (kube-proxy), overlay encapsulation, the underlay,
 * decapsulation, NetworkPolicy — and records a hop for every decision. Every fork (a Service
 * with several backends) continues as its own path; the trace factors out the shared prefix.
 */

export interface TraceRequest {
  from: string;
  to: string;
  /** A port number, or a port name (a Service port's or a container port's `name`). */
  port?: number | string;
  protocol?: L4Protocol;
  /** Namespace of names written without one; `default` otherwise. */
  namespace?: string;
  /**
   * The IP family of the packet. Without it, an address written in --to or --from decides;
   * for names, a Service's primary family (spec.ipFamilies[0]), else the cluster's primary one.
   */
  family?: IpFamily;
}

/** A request PodPath cannot trace is answered with a sentence (a usage error), never with a half trace. */
export type TraceResult = { ok: true; trace: Trace } | { ok: false; error: string };

/** Enough for any real path (a cross-node Service hop is ~25); more means a loop. */
const MAX_HOPS = 96;

interface Flow {
  probability: number;
  label?: string;
  hops: Hop[];
  packet: Packet;
  mark: number;
  /** The pod that opened the connection; its egress policy is checked once, after DNAT. */
  srcPod?: PodInfo;
  egressChecked: boolean;
  /** The pod whose ingress policy was already judged on this path (at filter FORWARD of its node). */
  ingressChecked?: string;
  /**
   * The source before a node's nat POSTROUTING rewrote it. Policy engines hook filter FORWARD,
   * which runs before POSTROUTING, so a pod behind the masquerading node is judged on this one.
   */
  preSnat?: { node: string; src: string };
}

interface PathEnd {
  probability: number;
  label?: string;
  hops: Hop[];
  verdict: Verdict;
  reason: string;
}

/** The port and protocol the packet is sent with, settled before the walk. */
interface Target {
  port: number;
  protocol: L4Protocol;
  /** The Service port addressed, when the destination is a Service. */
  servicePort?: ServicePortInfo;
  /** Why no packet can be sent at all (a Service without an address): the trace's verdict. */
  unresolved?: string;
}

export function tracePacket(dpAll: Dataplane, req: TraceRequest): TraceResult {
  const opts = req.namespace ? { namespace: req.namespace } : {};
  const family = packetFamily(dpAll.cluster, req, opts);
  if (!family.ok) return family;
  // Each family has its own data path (routes, neighbours, ip6tables): the walk reads that one.
  const dp = dpAll.forFamily(family.family);
  if (!dp) return { ok: false, error: `the cluster is not dual-stack, so there is no IPv${family.family} data path (give the Cluster document an IPv${family.family} range in clusterCIDR and serviceCIDR)` };
  const from = resolveEndpoint(dp.cluster, req.from, 'from', opts);
  if (!from.ok) return { ok: false, error: `--from: ${withoutFamily(dpAll, dp, req.from, 'from', opts, from.error)}` };
  const to = resolveEndpoint(dp.cluster, req.to, 'to', opts);
  if (!to.ok) return { ok: false, error: `--to: ${withoutFamily(dpAll, dp, req.to, 'to', opts, to.error)}` };
  const target = chooseTarget(to.endpoint, req);
  if (!target.ok) return { ok: false, error: `--to: ${target.error}` };
  try {
    return { ok: true, trace: new Walk(dp).run(from.endpoint, to.endpoint, req, target.target) };
  } catch (e) {
    return { ok: false, error: `internal error while tracing: ${(e as Error).stack ?? e}` };
  }
}

/**
 * The packet's family: asked for, or written as an address (an IPv6 literal at either end),
 * or the primary family of the Service named as destination, or the cluster's primary family.
 */
function packetFamily(cluster: Cluster, req: TraceRequest, opts: { namespace?: string }): { ok: true; family: IpFamily } | { ok: false; error: string } {
  const to = literalFamily(req.to), from = literalFamily(req.from);
  if (to && from && to !== from) return { ok: false, error: `--from is IPv${from} and --to is IPv${to}: a packet has one IP family` };
  const written = to ?? from;
  if (req.family && written && req.family !== written) return { ok: false, error: `--family ${req.family} but ${to ? `--to ${req.to}` : `--from ${req.from}`} is an IPv${written} address` };
  if (req.family) return { ok: true, family: req.family };
  if (written) return { ok: true, family: written };
  const named = resolveEndpoint(cluster, req.to, 'to', opts);
  const svcFamilies = named.ok ? named.endpoint.service?.ipFamilies : undefined;
  return { ok: true, family: svcFamilies?.[0] ?? cluster.config.ipFamilies[0] };
}

/** The family of an address written at an end of the trace (`fd00::1`, `[fd00::1]:80`, `external:fd00::1`, `10.0.0.1:80`). */
function literalFamily(spec: string): IpFamily | undefined {
  const text = spec.trim().replace(/^(external|ip):/i, '');
  const bracketed = /^\[([^\]]+)\](?::.*)?$/.exec(text);
  if (bracketed) return familyOf(bracketed[1]);
  return familyOf(text) ?? familyOf(text.replace(/:[^:]*$/, '')) ?? undefined;
}

/** A name that resolves in the cluster but not in this family's view has no address of the family: say so. */
function withoutFamily(dpAll: Dataplane, dp: Dataplane, spec: string, direction: 'from' | 'to', opts: { namespace?: string }, error: string): string {
  if (dp === dpAll) return error;
  const inAll = resolveEndpoint(dpAll.cluster, spec, direction, opts);
  if (!inAll.ok) return error;
  return `${inAll.endpoint.kind} ${inAll.endpoint.name} has no IPv${dp.cluster.config.family} address${inAll.endpoint.service ? ` (its ipFamilies are ${inAll.endpoint.service.ipFamilies.map((f) => `IPv${f}`).join(', ')})` : ''}`;
}

/**
 * Which port and protocol the packet carries. A port can be written in the endpoint
 * (`web:http`, `10.96.0.10:80`) or given apart (`--port`); a Service must expose it; a name
 * must name a port of the destination. Services without a virtual IP have no address to send to.
 */
function chooseTarget(to: ResolvedEndpoint, req: TraceRequest): { ok: true; target: Target } | { ok: false; error: string } {
  if (to.port !== undefined && req.port !== undefined && to.port !== req.port) return { ok: false, error: `the port is given twice (${to.port} in "${to.spec}" and ${req.port} as --port)` };
  const wanted = to.port ?? req.port;
  if (typeof wanted === 'number' && (!Number.isInteger(wanted) || wanted < 1 || wanted > 65535)) return { ok: false, error: `port ${wanted} is not a port number (1–65535)` };
  const svc = to.service;
  if (svc) {
    // A Service without a virtual IP has no address to send to: the trace says so in its verdict.
    if (svc.type === 'ExternalName') return { ok: true, target: { port: typeof wanted === 'number' ? wanted : svc.ports[0]?.port ?? 80, protocol: req.protocol ?? 'tcp', unresolved: `Service ${svc.key} is ExternalName: DNS answers with a CNAME to ${svc.externalName ?? '(nothing)'}; no packet goes to a cluster address (trace to the address that name resolves to instead)` } };
    const sp = servicePortFor(svc, wanted, req.protocol);
    if (!sp.ok) return sp;
    const base = { port: sp.port.port, protocol: sp.port.protocol.toLowerCase() as L4Protocol, servicePort: sp.port };
    if (!svc.headless && !svc.clusterIP) return { ok: true, target: Object.assign({}, base, { unresolved: `Service ${svc.key} has no ClusterIP (the service CIDR had no free address; see \`podpath check\`), so there is no address to send to` }) };
    if (svc.headless && !sp.port.endpoints.some((e) => e.ready)) return { ok: true, target: Object.assign({}, base, { unresolved: `Service ${svc.key} is headless (clusterIP: None) and has no ready endpoints, so its DNS name resolves to nothing and no packet is sent` }) };
    return { ok: true, target: { port: sp.port.port, protocol: sp.port.protocol.toLowerCase() as L4Protocol, servicePort: sp.port } };
  }
  if (typeof wanted === 'string') {
    const pod = to.pod ?? to.replicas?.[0];
    if (!pod) return { ok: false, error: `port name "${wanted}" means nothing for ${to.kind} ${to.name}; give the port number` };
    const hit = podPortByName(pod, wanted, to.container);
    if (!hit) return { ok: false, error: `${to.kind === 'workload' ? `the pods of ${to.name} declare` : `${to.kind} ${to.name} declares`} no port named "${wanted}" (${pod.ports.map((p) => `${p.containerPort}/${p.protocol}${p.name ? ` (${p.name})` : ''}`).join(', ') || 'no ports at all'})` };
    return { ok: true, target: { port: hit.containerPort, protocol: req.protocol ?? (hit.protocol.toLowerCase() as L4Protocol) } };
  }
  const dflt = defaultPort(to);
  return { ok: true, target: { port: wanted ?? dflt.port, protocol: req.protocol ?? dflt.protocol ?? 'tcp' } };
}

/**
 * Where the reply of one connection starts: the server's namespace (a pod's or a node's), or the
 * outside network for a server outside the cluster; the packet is the connection's reply tuple.
 */
export interface ReplyWalkStart {
  node: string;
  /** `root`, a pod key, or `outside`. */
  netns: string;
  /** Who sends the reply, in words (`pod default/web-1`, `kube-proxy on node1`). */
  who: string;
  packet: Packet;
  conntrack: ConntrackHandover;
}

export interface ReplyWalkResult {
  hops: Hop[];
  verdict: Verdict;
  reason: string;
  notes: string[];
}

/**
 * Walks the reply of one connection through the same data path, with the forward trace's
 * conntrack state handed over: nat rules are not consulted (conntrack translates), filter rules
 * see an ESTABLISHED packet, stateful policy engines accept it.
 */
export function walkReply(dp: Dataplane, start: ReplyWalkStart): ReplyWalkResult {
  const walk = new Walk(dp, start.conntrack);
  return walk.runReply(start);
}

class Walk {
  private readonly cluster: Cluster;
  private readonly ends: PathEnd[] = [];
  private readonly notes = new Set<string>();
  /** How this family finds a neighbour's MAC: ARP for IPv4, Neighbor Discovery (NDP) for IPv6. */
  private readonly nd: string;
  private readonly loopback: string;

  /** Set on a reply walk: the conntrack state the forward trace left. */
  constructor(private readonly dp: Dataplane, private readonly conntrack?: ConntrackHandover) {
    this.cluster = dp.cluster;
    this.nd = FAMILY_CONSTANTS[dp.cluster.config.family].neighbourProtocol;
    this.loopback = FAMILY_CONSTANTS[dp.cluster.config.family].loopback;
  }

  runReply(start: ReplyWalkStart): ReplyWalkResult {
    const flow: Flow = { probability: 1, hops: [], packet: start.packet, mark: 0, egressChecked: false };
    const node = this.dp.node(start.node);
    if (start.netns === 'outside') {
      this.replyFromOutside(flow);
    } else if (!node) {
      this.end(flow, 'unresolved', `${start.who} runs on no node PodPath knows`);
    } else if (start.netns === 'root') {
      this.sendFrom(flow, node, node.root, start.who);
    } else {
      const pod = this.cluster.podsByKey.get(start.netns);
      const ns = node.pods.get(start.netns);
      if (!pod || !ns) this.end(flow, 'unresolved', `${start.who} has no network namespace on ${start.node}`);
      else {
        flow.srcPod = pod;
        this.sendFrom(flow, node, ns, start.who);
      }
    }
    const end = this.ends[0] ?? { hops: flow.hops, verdict: 'unresolved' as Verdict, reason: 'the reply went nowhere' };
    return { hops: end.hops, verdict: end.verdict, reason: end.reason, notes: [...this.notes] };
  }

  /** A reply from a server outside the cluster comes back through the underlay router. */
  private replyFromOutside(flow: Flow): void {
    const dst = flow.packet.dst;
    const target = this.dp.nodeByIP.get(dst);
    if (!target) {
      this.hop(flow, { node: '(underlay)', netns: 'router', device: 'router', stage: 'underlay', action: 'dropped', summary: `the server outside replies to ${dst}, but the network outside the nodes has no route to it: the request left the cluster with a pod's source address`, decidedBy: { kind: 'underlay', text: `underlay routes: ${this.cluster.nodes.map((n) => n.subnet.text).filter((v, i, a) => a.indexOf(v) === i).join(', ')}` } });
      return this.end(flow, 'no-route', `the reply to ${dst} cannot be routed back into the cluster`);
    }
    const node = this.dp.node(target.name)!;
    this.hop(flow, { node: '(underlay)', netns: 'router', device: 'router', stage: 'underlay', action: 'routed', summary: `the server ${flow.packet.src} replies; the underlay router forwards it to node ${target.name} (${target.ip})`, decidedBy: { kind: 'underlay', text: `${target.subnet.text} is connected to the router` } });
    this.ipInput(flow, node, node.root, deviceByName(node.root, 'eth0')!);
  }

  /** On a reply: the rewrite conntrack makes at this hook of this node, as a hop. */
  private reverseNat(flow: Flow, node: NodeDataplane, hook: ReplyHook, device: string | undefined): void {
    const step = this.conntrack!.reverse(node.node.name, hook, flow.packet);
    if (!step) return;
    flow.packet = step.packet;
    this.hop(flow, { node: node.node.name, netns: 'root', device: device ?? '-', stage: 'nat', action: step.action, summary: step.summary, decidedBy: { kind: 'conntrack', text: step.entry.text }, undoes: step.undoes });
  }

  run(from: ResolvedEndpoint, to: ResolvedEndpoint, req: TraceRequest, target: Target): Trace {
    const { port, protocol } = target;
    const srcPod = from.pod ?? from.replicas?.[0];
    if (from.kind === 'workload' && from.replicas && from.replicas.length > 1) {
      this.notes.add(`${from.name} has ${from.replicas.length} replicas; the trace starts at ${srcPod!.key}`);
    }
    const sport = 32768 + (fnv1a(`${req.from}>${req.to}`) % 28000);
    if (target.unresolved) {
      this.ends.push({ probability: 1, hops: [], verdict: 'unresolved', reason: target.unresolved });
      return this.assemble(from, to, { protocol, src: from.ip, sport, dst: to.ip, dport: port, encap: [] });
    }
    const targets = this.destinations(from, to, srcPod, target);
    for (const t of targets) {
      const packet: Packet = { protocol, src: '', sport, dst: t.ip, dport: t.port ?? port, encap: [] };
      const flow: Flow = { probability: t.probability, ...(t.label ? { label: t.label } : {}), hops: [], packet, mark: 0, ...(srcPod && !srcPod.hostNetwork ? { srcPod } : {}), egressChecked: false };
      this.start(flow, from, srcPod, to);
    }
    const first = targets[0];
    const via = first?.via ? { via: first.via } : {};
    return this.assemble(from, { ...to, ...via }, { protocol, src: this.ends[0]?.hops[0]?.packet.src ?? from.ip, sport, dst: first?.ip ?? to.ip, dport: first?.port ?? port, encap: [] });
  }

  /** Where the packet is addressed: a Service's virtual IP, each replica of a workload … */
  private destinations(from: ResolvedEndpoint, to: ResolvedEndpoint, srcPod: PodInfo | undefined, target: Target): { ip: string; port?: number; probability: number; label?: string; via?: string }[] {
    if (to.kind === 'container' && srcPod && to.pod?.key === srcPod.key) {
      return [{ ip: this.loopback, probability: 1 }];
    }
    if (to.kind === 'workload' && to.replicas) {
      const n = to.replicas.length;
      if (n > 1) this.notes.add(`${to.name} has ${n} replicas; each is traced as its own branch`);
      return to.replicas.map((p) => ({ ip: p.ip, probability: 1 / n, label: `replica ${p.key} (${p.ip})` }));
    }
    const sp = target.servicePort;
    if (to.kind === 'service' && to.service && sp) {
      const svc = to.service;
      if (svc.headless) {
        // chooseTarget made sure there is a ready endpoint.
        const eps = sp.endpoints.filter((e) => e.ready);
        this.notes.add(`Service ${svc.key} is headless: DNS returns the pod IPs and the client connects to one directly; no kube-proxy rule is involved`);
        const via = `the pod addresses DNS returns, port ${sp.port} (headless Service)`;
        return eps.map((e) => ({ ip: e.ip, port: e.port, probability: 1 / eps.length, label: `${hostPort(e.ip, e.port)}${e.pod ? ` (${e.pod})` : ''}`, via }));
      }
      if (from.kind === 'external' && !to.byAddress) {
        // From outside, a ClusterIP is unreachable: a Service named by the user is reached
        // through what it exposes externally (a ClusterIP typed as such is walked as given).
        const ext = svc.loadBalancerIPs[0] ?? svc.externalIPs[0];
        if (ext) return [{ ip: ext, probability: 1, via: `${svc.loadBalancerIPs[0] ? 'load-balancer IP' : 'external IP'} ${hostPort(ext, sp.port)}` }];
        if (sp.nodePort !== undefined) {
          const node = this.cluster.nodes[0];
          this.notes.add(`from outside the cluster, ${svc.key} is reached through its NodePort ${sp.nodePort} on ${node.name} (${node.ip})`);
          return [{ ip: node.ip, port: sp.nodePort, probability: 1, via: `NodePort ${hostPort(node.ip, sp.nodePort)} (node ${node.name}${sp.nodePortAssigned ? '; node port assigned by PodPath' : ''})` }];
        }
      }
    }
    if (to.kind === 'node' && from.kind === 'external') {
      const svc = this.cluster.services.find((x) => x.ports.some((sp2) => sp2.nodePort === target.port && sp2.protocol.toLowerCase() === target.protocol));
      if (svc) return [{ ip: to.ip, probability: 1, via: `NodePort ${hostPort(to.ip, target.port)} of Service ${svc.key}` }];
    }
    return [{ ip: to.ip, probability: 1 }];
  }

  private start(flow: Flow, from: ResolvedEndpoint, srcPod: PodInfo | undefined, to: ResolvedEndpoint): void {
    if (from.kind === 'external') return this.fromOutside(flow, from.ip, to);
    const nodeName = srcPod?.node ?? from.node;
    const node = nodeName !== undefined ? this.dp.node(nodeName) : undefined;
    if (!node) return this.end(flow, 'unresolved', `${from.name} runs on no node PodPath knows, so no packet can leave it`);
    if (srcPod && !srcPod.hostNetwork) {
      const ns = node.pods.get(srcPod.key)!;
      flow.packet = Object.assign({}, flow.packet, { src: flow.packet.dst === this.loopback ? this.loopback : srcPod.ip });
      const who = from.container ? `container ${from.container} of pod ${srcPod.key}` : `pod ${srcPod.key}`;
      this.sendFrom(flow, node, ns, who);
    } else {
      const who = srcPod ? `hostNetwork pod ${srcPod.key} (node ${nodeName}'s namespace)` : `node ${nodeName}`;
      this.sendFrom(flow, node, node.root, who);
    }
  }

  /** A packet from outside the cluster arrives at a node's eth0 from the underlay router. */
  private fromOutside(flow: Flow, clientIP: string, to: ResolvedEndpoint): void {
    flow.packet = Object.assign({}, flow.packet, { src: clientIP });
    const dst = flow.packet.dst;
    const direct = this.dp.nodeByIP.get(dst);
    let entry = direct;
    if (!entry) {
      const svc = to.service ?? [...this.cluster.servicesByKey.values()].find((s) => s.loadBalancerIPs.includes(dst) || s.externalIPs.includes(dst));
      const isServiceIP = svc && (svc.loadBalancerIPs.includes(dst) || svc.externalIPs.includes(dst));
      if (!isServiceIP) {
        this.hop(flow, { node: '(underlay)', netns: 'router', device: 'router', stage: 'underlay', action: 'dropped', summary: `the client ${clientIP} sends to ${dst}, but the network outside the nodes has no route to it: pod and Service addresses exist only inside the cluster`, decidedBy: { kind: 'underlay', text: `underlay routes: ${this.cluster.nodes.map((n) => n.subnet.text).filter((v, i, a) => a.indexOf(v) === i).join(', ')}` } });
        return this.end(flow, 'no-route', `${dst} is not routable from outside the cluster`);
      }
      // A load balancer (or an external IP's route) hands the packet to a node; prefer one with a local endpoint.
      const local = svc!.externalTrafficPolicy === 'Local' ? svc!.ports.flatMap((p) => p.endpoints).find((e) => e.node)?.node : undefined;
      entry = this.cluster.nodesByName.get(local ?? this.cluster.nodes[0].name)!;
      this.notes.add(`the load balancer / external route for ${dst} delivers to node ${entry.name}${local ? ' (it has a local endpoint; externalTrafficPolicy: Local)' : ''}`);
    }
    const node = this.dp.node(entry.name)!;
    this.hop(flow, { node: entry.name, netns: 'root', device: 'eth0', stage: 'underlay', action: 'forwarded', summary: `the client ${clientIP} reaches node ${entry.name} (${entry.ip}) on eth0`, decidedBy: { kind: 'underlay', text: `${dst} is ${direct ? `the IP of node ${entry.name}` : `a Service address delivered to ${entry.name}`}` } });
    this.ipInput(flow, node, node.root, deviceByName(node.root, 'eth0')!);
  }

  // ---- sending and routing -------------------------------------------------------------

  /** A process in `ns` opens the connection. */
  private sendFrom(flow: Flow, node: NodeDataplane, ns: Netns, who: string): void {
    if (ns.kind === 'node') {
      // Host processes pass nat OUTPUT, where kube-proxy's KUBE-SERVICES catches Service IPs.
      const route = lookupRoute(ns, flow.packet.dst);
      if (!flow.packet.src) flow.packet = Object.assign({}, flow.packet, { src: route?.dev ? sourceAddressFor(ns, route.dev, flow.packet.dst, route) ?? node.node.ip : node.node.ip });
      this.hop(flow, { node: node.node.name, netns: 'root', device: '-', stage: 'egress', action: 'sent', summary: `${who} sends ${describe(flow.packet)}` });
      for (const f of this.runHook(flow, node, 'nat', 'OUTPUT', { outIface: route?.dev })) this.ipOutput(f, node, ns, 'local');
      return;
    }
    this.hop(flow, { node: node.node.name, netns: ns.pod!, device: 'eth0', stage: 'egress', action: 'sent', summary: `${who} sends ${describe(flow.packet)} from its network namespace` });
    this.ipOutput(flow, node, ns, 'local');
  }

  /** Routing decision and, in a node's namespace, filter and nat POSTROUTING before transmit. */
  private ipOutput(flow: Flow, node: NodeDataplane, ns: Netns, mode: 'local' | 'forward', inDev?: Device): void {
    if (this.tooLong(flow)) return;
    const p = flow.packet;
    const nsLabel = ns.kind === 'node' ? 'root' : ns.pod!;
    if (isLocalAddress(ns, p.dst)) {
      // The kernel's local table wins over the main table: the packet never leaves the namespace.
      if (!p.src) flow.packet = Object.assign({}, p, { src: p.dst });
      const lo = deviceByName(ns, 'lo')!;
      this.hop(flow, { node: node.node.name, netns: nsLabel, device: 'lo', stage: 'routing', action: 'routed', summary: `${p.dst} is an address of this namespace (local table): looped back over lo`, decidedBy: { kind: 'route', text: `local ${p.dst} dev lo table local` } });
      if (ns.kind === 'pod') return this.podInput(flow, node, ns, lo);
      for (const f of this.runHook(flow, node, 'filter', 'INPUT', { inIface: 'lo' })) this.localInput(f, node, ns);
      return;
    }
    const route = lookupRoute(ns, p.dst);
    if (!route) {
      const missing = ns.kind === 'node' ? node.missingRoutes.find((m) => cidrContains(m.dst, p.dst)) : undefined;
      this.hop(flow, { node: node.node.name, netns: nsLabel, device: '-', stage: 'routing', action: 'dropped', summary: `no route to ${p.dst}${missing ? `: ${missing.text}` : ''}`, decidedBy: missing ? { kind: 'route', text: missing.text, ...src(missing.cause) } : { kind: 'route', text: 'no matching route (not even a default route)' } });
      return this.end(flow, 'no-route', missing ? missing.text : `node ${node.node.name} has no route to ${p.dst}`);
    }
    if (route.type === 'blackhole' || route.type === 'unreachable') {
      this.hop(flow, { node: node.node.name, netns: nsLabel, device: '-', stage: 'routing', action: 'dropped', summary: `${formatRoute(route)}: the kernel drops it${route.proto === 'bird' ? ` (${p.dst} is in this node's Calico block but no pod has it)` : ''}`, decidedBy: routeDecision(route) });
      return this.end(flow, 'dropped', `${p.dst} matches ${formatRoute(route)} on ${node.node.name}`);
    }
    const missingHere = ns.kind === 'node' && route.dst.prefix === 0 ? node.missingRoutes.find((m) => cidrContains(m.dst, p.dst)) : undefined;
    if (missingHere) this.notes.add(missingHere.text);
    const via = route.via ? ` via ${route.via}` : '';
    this.hop(flow, { node: node.node.name, netns: nsLabel, device: route.dev ?? '-', stage: 'routing', action: 'routed', summary: `${mode === 'forward' ? `forwarding (${FAMILY_PROFILES[this.cluster.config.family].forwardingSysctl}=1), ` : ''}route lookup for ${p.dst}: ${formatRoute(route)} → out ${route.dev}${via}${missingHere ? ' (the default route: the specific route is missing)' : ''}`, decidedBy: routeDecision(route) });
    if (!p.src) flow.packet = Object.assign({}, p, { src: sourceAddressFor(ns, route.dev!, p.dst, route) ?? '' });
    if (ns.kind === 'node') {
      const filtered = this.runHook(flow, node, 'filter', mode === 'forward' ? 'FORWARD' : 'OUTPUT', { inIface: inDev?.name, outIface: route.dev });
      for (const f of filtered) {
        // A pod on this node behind a forwarded packet: policy engines hook filter FORWARD, so its
        // ingress policy is judged here, before nat POSTROUTING may masquerade the source.
        const local = mode === 'forward' ? this.localPod(node, f.packet.dst) : undefined;
        const before = f.hops.length;
        const judgedSrc = f.packet.src;
        if (local && !this.checkIngress(f, node, local)) continue;
        const policyHop = local !== undefined && f.hops.length > before;
        for (const g of this.runHook(f, node, 'nat', 'POSTROUTING', { inIface: inDev?.name, outIface: route.dev })) {
          if (policyHop && g.packet.src !== judgedSrc) this.notes.add(masqueradeNote(node.node.name, judgedSrc));
          this.transmit(g, node, ns, route, g.packet.dst);
        }
      }
      return;
    }
    this.transmit(flow, node, ns, route, p.dst);
  }

  // ---- links -------------------------------------------------------------------------

  private transmit(flow: Flow, node: NodeDataplane, ns: Netns, route: Route, dst: string): void {
    if (this.tooLong(flow)) return;
    const dev = deviceByName(ns, route.dev!);
    const nsLabel = ns.kind === 'node' ? 'root' : ns.pod!;
    const nodeName = node.node.name;
    if (!dev) {
      this.hop(flow, { node: nodeName, netns: nsLabel, device: route.dev!, stage: 'routing', action: 'dropped', summary: `route points at ${route.dev}, which does not exist`, decidedBy: routeDecision(route) });
      return this.end(flow, 'dropped', `device ${route.dev} missing on ${nodeName}`);
    }
    const nextHop = route.via ?? dst;
    switch (dev.kind) {
      case 'veth': return this.overVeth(flow, node, ns, dev, nextHop);
      case 'bridge': return this.bridgeToPort(flow, node, ns, dev, nextHop);
      case 'ethernet': return this.onWire(flow, node, dev, nextHop);
      case 'vxlan': return this.vxlanEncap(flow, node, ns, dev, nextHop);
      case 'ipip': return this.ipipEncap(flow, node, dev, nextHop);
      case 'tun': return this.tunEncap(flow, node, dev);
      case 'loopback': return this.ipInput(flow, node, ns, dev);
      default:
        this.hop(flow, { node: nodeName, netns: nsLabel, device: dev.name, stage: 'routing', action: 'dropped', summary: `${dev.name} (${dev.kind}) does not forward packets`, decidedBy: deviceDecision(dev) });
        return this.end(flow, 'dropped', `${dev.name} on ${nodeName} is a ${dev.kind} device`);
    }
  }

  /** Out of a veth end: ARP for the next hop, then across the pair to the peer namespace. */
  private overVeth(flow: Flow, node: NodeDataplane, ns: Netns, dev: Device, nextHop: string): void {
    const peerNs = this.dp.netns(dev.peer!.netns);
    const peerDev = peerNs && deviceByName(peerNs, dev.peer!.device);
    const nsLabel = ns.kind === 'node' ? 'root' : ns.pod!;
    if (!peerNs || !peerDev) {
      this.hop(flow, { node: node.node.name, netns: nsLabel, device: dev.name, stage: 'veth', action: 'dropped', summary: `${dev.name} has no peer`, decidedBy: deviceDecision(dev) });
      return this.end(flow, 'dropped', `veth ${dev.name} has no peer`);
    }
    // Who answers ARP for the next hop on the far side of the pair?
    let mac: string | undefined;
    let answeredBy = '';
    let decided: DecidedBy | undefined;
    if (peerDev.proxyArp) {
      mac = peerDev.mac;
      answeredBy = `${peerDev.name} (proxy ${this.nd} answers for any address)`;
      decided = { kind: 'device', text: `${peerDev.name}: proxy_arp=1, MAC ${peerDev.mac}`, ...src(peerDev.cause) };
    } else if (peerDev.master) {
      const bridge = deviceByName(peerNs, peerDev.master)!;
      if (bridge.addresses.some((a) => a.ip === nextHop)) {
        mac = bridge.mac;
        answeredBy = `${bridge.name}, the node bridge (its own address)`;
        decided = deviceDecision(bridge);
      } else {
        const n = neighborFor(peerNs, nextHop, bridge.name);
        if (n) {
          mac = n.mac;
          answeredBy = `the pod that owns ${nextHop}, through ${bridge.name}`;
          decided = { kind: 'neighbor', text: `${n.ip} lladdr ${n.mac} (pod on ${bridge.name})`, ...src(n.cause) };
        }
      }
    } else {
      const n = neighborFor(ns, nextHop, dev.name) ?? neighborFor(peerNs, nextHop);
      if (n || peerDev.addresses.some((a) => a.ip === nextHop)) {
        mac = n?.mac ?? peerDev.mac;
        answeredBy = peerNs.kind === 'pod' ? `pod ${peerNs.pod}'s eth0` : peerDev.name;
        decided = n ? { kind: 'neighbor', text: `${nextHop} lladdr ${mac} dev ${dev.name}`, ...src(n.cause) } : deviceDecision(peerDev);
      }
    }
    const where = nsLabel;
    if (!mac) {
      this.hop(flow, { node: node.node.name, netns: where, device: dev.name, stage: 'arp', action: 'dropped', summary: `${this.nd}: who has ${nextHop}? nobody answers on ${dev.name}`, decidedBy: { kind: 'neighbor', text: `no neighbour answers for ${nextHop}` } });
      return this.end(flow, 'dropped', `${nextHop} does not answer ${this.nd} (neighbour unreachable)`);
    }
    flow.packet = Object.assign({}, flow.packet, { srcMac: dev.mac, dstMac: mac });
    this.hop(flow, { node: node.node.name, netns: where, device: dev.name, stage: 'arp', action: 'resolved', summary: `${this.nd}: ${nextHop} is at ${mac}, answered by ${answeredBy}`, ...(decided ? { decidedBy: decided } : {}) });
    if (peerNs.kind === 'pod' && !this.checkIngress(flow, node, this.cluster.podsByKey.get(peerNs.pod!)!)) return;
    const peerLabel = peerNs.kind === 'node' ? 'root' : peerNs.pod!;
    const pairName = ns.kind === 'pod' ? peerDev.name : dev.name;
    this.hop(flow, { node: node.node.name, netns: peerLabel, device: peerDev.name, stage: 'veth', action: 'forwarded', summary: ns.kind === 'pod' ? `through the veth pair into the node's root namespace, arriving on ${peerDev.name}` : `through the veth pair into pod ${peerNs.pod}'s namespace, arriving on its eth0`, decidedBy: deviceDecision(ns.kind === 'pod' ? peerDev : dev, `veth pair ${pairName} ↔ eth0`) });
    if (peerDev.master) return this.bridgeIngress(flow, node, peerNs, deviceByName(peerNs, peerDev.master)!, peerDev);
    this.ipInput(flow, node, peerNs, peerDev);
  }

  /** A frame enters the bridge on a port: up to the host if it is for the bridge, else switched. */
  private bridgeIngress(flow: Flow, node: NodeDataplane, ns: Netns, bridge: Device, inPort: Device): void {
    const dstMac = flow.packet.dstMac;
    if (dstMac === bridge.mac) {
      this.hop(flow, { node: node.node.name, netns: 'root', device: bridge.name, stage: 'bridge', action: 'forwarded', summary: `${bridge.name} sees its own MAC as destination: the frame goes up to the node's IP stack`, decidedBy: deviceDecision(bridge) });
      return this.ipInput(flow, node, ns, bridge);
    }
    const entry = (dstMac === undefined ? undefined : fdbEntryFor(ns, dstMac, { master: bridge.name }));
    if (!entry) {
      this.hop(flow, { node: node.node.name, netns: 'root', device: bridge.name, stage: 'bridge', action: 'dropped', summary: `${bridge.name} has no FDB entry for ${dstMac}`, decidedBy: { kind: 'fdb', text: `no entry for ${dstMac}` } });
      return this.end(flow, 'dropped', `bridge ${bridge.name} cannot switch the frame`);
    }
    // Pod to pod on one bridge: switched, not routed, so this is where egress policy applies.
    if (!this.checkEgress(flow, node)) return;
    if (this.conntrack && ns.sysctls[FAMILY_PROFILES[this.cluster.config.family].bridgeNetfilterSysctl] === '1') {
      // br_netfilter hands bridged IP packets to the IP hooks, so conntrack translates a
      // switched reply too (a backend answering a client on its own bridge). Without it the
      // reply skips the translation, which is why kube-proxy requires br_netfilter.
      this.reverseNat(flow, node, 'PREROUTING', bridge.name);
      this.reverseNat(flow, node, 'POSTROUTING', bridge.name);
    }
    const out = deviceByName(ns, entry.dev)!;
    const hairpin = out.name === inPort.name;
    this.hop(flow, { node: node.node.name, netns: 'root', device: bridge.name, stage: 'bridge', action: 'forwarded', summary: `${bridge.name} switches the frame: ${dstMac} is on port ${entry.dev}${hairpin ? ' (hairpin: back out of the port it came in on)' : ''}`, decidedBy: { kind: 'fdb', text: `${entry.mac} dev ${entry.dev} master ${bridge.name}`, ...src(entry.cause) } });
    this.crossToPod(flow, node, out);
  }

  /** From a host veth end into the pod it belongs to. */
  private crossToPod(flow: Flow, node: NodeDataplane, hostVeth: Device): void {
    const podNs = this.dp.netns(hostVeth.peer!.netns)!;
    const eth0 = deviceByName(podNs, 'eth0')!;
    if (!this.checkIngress(flow, node, this.cluster.podsByKey.get(podNs.pod!)!)) return;
    this.hop(flow, { node: node.node.name, netns: podNs.pod!, device: 'eth0', stage: 'veth', action: 'forwarded', summary: `through ${hostVeth.name} and the veth pair into pod ${podNs.pod}'s namespace, arriving on its eth0`, decidedBy: deviceDecision(hostVeth, `veth pair ${hostVeth.name} ↔ eth0 of ${podNs.pod}`) });
    this.ipInput(flow, node, podNs, eth0);
  }

  /** Root namespace → local pod through the bridge: ARP on the bridge, then the FDB picks the port. */
  private bridgeToPort(flow: Flow, node: NodeDataplane, ns: Netns, bridge: Device, nextHop: string): void {
    const n = neighborFor(ns, nextHop, bridge.name);
    if (!n) {
      this.hop(flow, { node: node.node.name, netns: 'root', device: bridge.name, stage: 'arp', action: 'dropped', summary: `${this.nd} on ${bridge.name}: who has ${nextHop}? no pod on this node has that address`, decidedBy: { kind: 'neighbor', text: `no neighbour ${nextHop} on ${bridge.name}` } });
      return this.end(flow, 'dropped', `no pod on ${node.node.name} has ${nextHop}`);
    }
    flow.packet = Object.assign({}, flow.packet, { srcMac: bridge.mac, dstMac: n.mac });
    this.hop(flow, { node: node.node.name, netns: 'root', device: bridge.name, stage: 'arp', action: 'resolved', summary: `${this.nd} on ${bridge.name}: ${nextHop} is at ${n.mac}`, decidedBy: { kind: 'neighbor', text: `${n.ip} dev ${n.dev} lladdr ${n.mac} ${n.state}`, ...src(n.cause) } });
    const entry = fdbEntryFor(ns, n.mac, { master: bridge.name });
    if (!entry) {
      this.hop(flow, { node: node.node.name, netns: 'root', device: bridge.name, stage: 'bridge', action: 'dropped', summary: `${bridge.name} has no port for ${n.mac}`, decidedBy: { kind: 'fdb', text: `no entry for ${n.mac}` } });
      return this.end(flow, 'dropped', `bridge ${bridge.name} cannot switch the frame`);
    }
    this.hop(flow, { node: node.node.name, netns: 'root', device: bridge.name, stage: 'bridge', action: 'forwarded', summary: `${bridge.name}: ${n.mac} is on port ${entry.dev}`, decidedBy: { kind: 'fdb', text: `${entry.mac} dev ${entry.dev} master ${bridge.name}`, ...src(entry.cause) } });
    this.crossToPod(flow, node, deviceByName(ns, entry.dev)!);
  }

  /** Out of a node's eth0 onto the physical network. */
  private onWire(flow: Flow, node: NodeDataplane, eth0: Device, nextHop: string): void {
    const self = node.node;
    flow.preSnat = undefined; // once on the wire, the rewritten source is the only one
    const outer = flow.packet.encap[0];
    const wireDst = outer ? outer.dst : flow.packet.dst;
    const peer = this.dp.nodeByIP.get(nextHop);
    const gateway = underlayGateway(this.cluster, self);
    if (peer && cidrContains(self.subnet, nextHop)) {
      const peerDp = this.dp.node(peer.name)!;
      const peerEth0 = deviceByName(peerDp.root, 'eth0')!;
      flow.packet = Object.assign({}, flow.packet, { srcMac: eth0.mac, dstMac: peerEth0.mac });
      this.hop(flow, { node: self.name, netns: 'root', device: 'eth0', stage: 'arp', action: 'resolved', summary: `${this.nd} on eth0: ${nextHop} (node ${peer.name}) is at ${peerEth0.mac}`, decidedBy: { kind: 'neighbor', text: `${nextHop} dev eth0 lladdr ${peerEth0.mac}`, ...src(peerEth0.cause) } });
      this.hop(flow, { node: self.name, netns: 'root', device: 'eth0', stage: 'underlay', action: 'forwarded', summary: `leaves ${self.name} on the wire: ${describeWire(flow.packet)} → node ${peer.name}'s eth0`, decidedBy: { kind: 'underlay', text: `${self.name} and ${peer.name} share the L2 subnet ${self.subnet.text}` } });
      return this.ipInput(flow, peerDp, peerDp.root, peerEth0);
    }
    if (nextHop !== gateway && !cidrContains(self.subnet, nextHop)) {
      this.hop(flow, { node: self.name, netns: 'root', device: 'eth0', stage: 'arp', action: 'dropped', summary: `${nextHop} is not on eth0's subnet ${self.subnet.text}: nobody answers ${this.nd}`, decidedBy: { kind: 'neighbor', text: `no neighbour ${nextHop} on eth0` } });
      return this.end(flow, 'dropped', `next hop ${nextHop} is not reachable from ${self.name}`);
    }
    flow.packet = Object.assign({}, flow.packet, { srcMac: eth0.mac });
    this.hop(flow, { node: self.name, netns: 'root', device: 'eth0', stage: 'underlay', action: 'forwarded', summary: `leaves ${self.name} on the wire towards the underlay router ${gateway}: ${describeWire(flow.packet)}`, decidedBy: { kind: 'underlay', text: `default gateway ${gateway}` } });
    const target = this.dp.nodeByIP.get(wireDst);
    if (target) {
      const peerDp = this.dp.node(target.name)!;
      this.hop(flow, { node: '(underlay)', netns: 'router', device: 'router', stage: 'underlay', action: 'routed', summary: `the underlay router forwards to node ${target.name} (${target.ip}) in ${target.subnet.text}`, decidedBy: { kind: 'underlay', text: `${target.subnet.text} is connected to the router` } });
      return this.ipInput(flow, peerDp, peerDp.root, deviceByName(peerDp.root, 'eth0')!);
    }
    const cfg = this.cluster.config;
    if (cidrContains(cfg.clusterCIDR, wireDst) || cidrContains(cfg.serviceCIDR, wireDst)) {
      this.hop(flow, { node: '(underlay)', netns: 'router', device: 'router', stage: 'underlay', action: 'dropped', summary: `the underlay router has no route to ${wireDst}: it knows node subnets, not pod or Service addresses`, decidedBy: { kind: 'underlay', text: `no route to ${wireDst} outside the nodes` } });
      return this.end(flow, 'no-route', `the underlay network cannot route ${wireDst}; the node's route for it is missing or points at the default gateway`);
    }
    this.hop(flow, { node: '(underlay)', netns: 'router', device: 'router', stage: 'underlay', action: 'forwarded', summary: `the underlay router sends it out of the cluster towards ${wireDst}`, decidedBy: { kind: 'underlay', text: 'default route out of the cluster network' } });
    this.end(flow, 'exits-cluster', `the packet leaves the cluster towards ${wireDst} (source ${flow.packet.encap[0]?.src ?? flow.packet.src})`);
  }

  // ---- overlays ------------------------------------------------------------------------

  private vxlanEncap(flow: Flow, node: NodeDataplane, ns: Netns, dev: Device, nextHop: string): void {
    const n = neighborFor(ns, nextHop, dev.name);
    if (!n) {
      this.hop(flow, { node: node.node.name, netns: 'root', device: dev.name, stage: 'arp', action: 'dropped', summary: `no neighbour entry for ${nextHop} on ${dev.name} (the VTEP is unknown)`, decidedBy: { kind: 'neighbor', text: `no ${nextHop} on ${dev.name}` } });
      return this.end(flow, 'dropped', `VXLAN peer for ${nextHop} unknown`);
    }
    this.hop(flow, { node: node.node.name, netns: 'root', device: dev.name, stage: 'arp', action: 'resolved', summary: `${this.nd} on ${dev.name}: ${nextHop} is at ${n.mac} (a static entry the CNI wrote for the remote VTEP)`, decidedBy: { kind: 'neighbor', text: `${n.ip} dev ${n.dev} lladdr ${n.mac} ${n.state}`, ...src(n.cause) } });
    const fdb = fdbEntryFor(ns, n.mac, { dev: dev.name });
    if (!fdb?.dst) {
      this.hop(flow, { node: node.node.name, netns: 'root', device: dev.name, stage: 'encap', action: 'dropped', summary: `no FDB entry tells ${dev.name} where VTEP ${n.mac} lives`, decidedBy: { kind: 'fdb', text: `no ${n.mac} dev ${dev.name}` } });
      return this.end(flow, 'dropped', `VXLAN FDB entry missing for ${n.mac}`);
    }
    const v = dev.vxlan!;
    const header: OuterHeader = { kind: 'vxlan', src: v.local, dst: fdb.dst, sport: 32768 + (fnv1a(`${flow.packet.src}:${flow.packet.sport}>${flow.packet.dst}:${flow.packet.dport}`) % 28000), dport: v.port, vni: v.vni, innerSrcMac: dev.mac!, innerDstMac: n.mac };
    flow.packet = Object.assign({}, flow.packet, { srcMac: dev.mac, dstMac: n.mac, encap: [header, ...flow.packet.encap] });
    this.hop(flow, { node: node.node.name, netns: 'root', device: dev.name, stage: 'encap', action: 'encapsulated', summary: `${dev.name} wraps the frame in VXLAN (VNI ${v.vni}): outer UDP ${v.local} → ${hostPort(fdb.dst, v.port)}`, decidedBy: { kind: 'fdb', text: `${fdb.mac} dev ${fdb.dev} dst ${fdb.dst} self permanent`, ...src(fdb.cause) } });
    this.outerOut(flow, node);
  }

  private ipipEncap(flow: Flow, node: NodeDataplane, dev: Device, nextHop: string): void {
    const local = node.node.ip;
    const header: OuterHeader = { kind: 'ipip', src: local, dst: nextHop };
    flow.packet = Object.assign({}, flow.packet, { encap: [header, ...flow.packet.encap] });
    this.hop(flow, { node: node.node.name, netns: 'root', device: dev.name, stage: 'encap', action: 'encapsulated', summary: `${dev.name} wraps the packet in an outer IP header (IP-in-IP, protocol 4): ${local} → ${nextHop}`, decidedBy: deviceDecision(dev) });
    this.outerOut(flow, node);
  }

  private tunEncap(flow: Flow, node: NodeDataplane, dev: Device): void {
    const owner = this.cluster.nodes.find((n) => cidrContains(n.podCIDR, flow.packet.dst));
    if (!owner || owner.name === node.node.name) {
      this.hop(flow, { node: node.node.name, netns: 'root', device: dev.name, stage: 'encap', action: 'dropped', summary: `flanneld has no subnet lease covering ${flow.packet.dst}`, decidedBy: deviceDecision(dev) });
      return this.end(flow, 'dropped', `no flannel lease for ${flow.packet.dst}`);
    }
    const port = dev.tun!.port;
    const header: OuterHeader = { kind: 'flannel-udp', src: node.node.ip, dst: owner.ip, sport: port, dport: port };
    flow.packet = Object.assign({}, flow.packet, { encap: [header, ...flow.packet.encap] });
    this.hop(flow, { node: node.node.name, netns: 'root', device: dev.name, stage: 'encap', action: 'encapsulated', summary: `flanneld reads the packet from ${dev.name} (TUN) and sends it in UDP ${hostPort(node.node.ip, port)} → ${hostPort(owner.ip, port)} (user space)`, decidedBy: { kind: 'device', text: `flannel lease ${owner.podCIDR.text} → ${owner.ip}`, ...src({ text: '', locator: owner.locator, path: owner.path }) } });
    this.outerOut(flow, node);
  }

  /** The outer packet of an overlay is routed in the node's namespace like any other. */
  private outerOut(flow: Flow, node: NodeDataplane): void {
    const outer = flow.packet.encap[0];
    const route = lookupRoute(node.root, outer.dst);
    if (!route || route.type !== 'unicast') {
      this.hop(flow, { node: node.node.name, netns: 'root', device: '-', stage: 'routing', action: 'dropped', summary: `no route for the outer header to ${outer.dst}`, decidedBy: { kind: 'route', text: 'no route' } });
      return this.end(flow, 'no-route', `no route to tunnel endpoint ${outer.dst}`);
    }
    this.hop(flow, { node: node.node.name, netns: 'root', device: route.dev ?? '-', stage: 'routing', action: 'routed', summary: `outer header to ${outer.dst}: ${formatRoute(route)}`, decidedBy: routeDecision(route) });
    const dev = deviceByName(node.root, route.dev!)!;
    if (dev.kind !== 'ethernet') return this.transmit(flow, node, node.root, route, outer.dst);
    this.onWire(flow, node, dev, route.via ?? outer.dst);
  }

  // ---- receiving -------------------------------------------------------------------------

  private ipInput(flow: Flow, node: NodeDataplane, ns: Netns, inDev: Device): void {
    if (this.tooLong(flow)) return;
    if (ns.kind === 'pod') return this.podInput(flow, node, ns, inDev);
    const outer = flow.packet.encap[0];
    if (outer) {
      if (!isLocalAddress(ns, outer.dst)) return this.ipOutput(flow, node, ns, 'forward', inDev);
      return this.decap(flow, node, ns, outer);
    }
    for (const f of this.runHook(flow, node, 'nat', 'PREROUTING', { inIface: inDev.name })) this.afterPrerouting(f, node, ns, inDev);
  }

  private afterPrerouting(flow: Flow, node: NodeDataplane, ns: Netns, inDev: Device): void {
    if (inDev.kind === 'veth' || inDev.kind === 'bridge') {
      if (!this.checkEgress(flow, node)) return;
    }
    const p = flow.packet;
    if (isLocalAddress(ns, p.dst)) {
      for (const f of this.runHook(flow, node, 'filter', 'INPUT', { inIface: inDev.name })) this.localInput(f, node, ns);
      return;
    }
    const forwarding = FAMILY_PROFILES[this.cluster.config.family].forwardingSysctl;
    if (ns.sysctls[forwarding] !== '1') {
      this.hop(flow, { node: node.node.name, netns: 'root', device: inDev.name, stage: 'routing', action: 'dropped', summary: `IP forwarding is off (${forwarding}=0)`, decidedBy: { kind: 'config', text: `${forwarding} = 0` } });
      return this.end(flow, 'dropped', `node ${node.node.name} does not forward`);
    }
    this.ipOutput(flow, node, ns, 'forward', inDev);
  }

  private decap(flow: Flow, node: NodeDataplane, ns: Netns, outer: OuterHeader): void {
    let dev: Device | undefined;
    let text = '';
    if (outer.kind === 'vxlan') {
      dev = ns.devices.find((d) => d.kind === 'vxlan' && d.vxlan!.port === outer.dport && d.vxlan!.vni === outer.vni);
      text = `UDP ${outer.dport} is the VXLAN port of ${dev?.name}: VNI ${outer.vni} matches; the inner frame is handed to ${dev?.name}`;
    } else if (outer.kind === 'ipip') {
      dev = ns.devices.find((d) => d.kind === 'ipip');
      text = `IP protocol 4 (IP-in-IP) is received by ${dev?.name}, which strips the outer header`;
    } else {
      dev = ns.devices.find((d) => d.kind === 'tun');
      text = `flanneld receives UDP ${outer.dport}, strips it and writes the inner packet to ${dev?.name}`;
    }
    if (!dev) {
      this.hop(flow, { node: node.node.name, netns: 'root', device: 'eth0', stage: 'decap', action: 'dropped', summary: `${outer.kind} packet arrives but ${node.node.name} has no device to decapsulate it`, decidedBy: { kind: 'device', text: `no ${outer.kind} device` } });
      return this.end(flow, 'dropped', `${node.node.name} cannot decapsulate ${outer.kind}`);
    }
    flow.packet = Object.assign({}, flow.packet, { encap: flow.packet.encap.slice(1), ...(outer.innerDstMac ? { srcMac: outer.innerSrcMac, dstMac: outer.innerDstMac } : {}) });
    this.hop(flow, { node: node.node.name, netns: 'root', device: dev.name, stage: 'decap', action: 'decapsulated', summary: text, decidedBy: deviceDecision(dev) });
    this.ipInput(flow, node, ns, dev);
  }

  /** The destination is one of this node's addresses: a host process, kube-proxy, or IPVS. */
  private localInput(flow: Flow, node: NodeDataplane, ns: Netns): void {
    if (this.conntrack) {
      // nat INPUT: where conntrack reverses a DNAT for a reply addressed to this node.
      this.reverseNat(flow, node, 'INPUT', '-');
      this.hop(flow, { node: node.node.name, netns: 'root', device: flow.packet.dst.startsWith('127.') ? 'lo' : '-', stage: 'deliver', action: 'delivered', summary: replyDeliveredText(`node ${node.node.name}`, flow.packet), decidedBy: { kind: 'object', text: `${flow.packet.dst} is an address of node ${node.node.name}` } });
      return this.end(flow, 'delivered', `the reply reaches node ${node.node.name} (${flow.packet.dst}:${flow.packet.dport})`);
    }
    const p = flow.packet;
    const vs = node.ipvs.find((v) => v.vip === p.dst && v.port === p.dport && v.protocol.toLowerCase() === p.protocol);
    if (vs) return this.ipvsForward(flow, node, ns, vs);
    const proxy = node.userspace.find((u) => u.proxyPort === p.dport && u.protocol.toLowerCase() === p.protocol);
    if (proxy) return this.userspaceProxy(flow, node, proxy);
    const hostPod = this.cluster.pods.find((x) => x.hostNetwork && x.node === node.node.name && x.ports.some((cp) => cp.containerPort === p.dport && cp.protocol.toLowerCase() === p.protocol));
    if (hostPod && p.dst === node.node.ip) {
      this.hop(flow, { node: node.node.name, netns: 'root', device: '-', stage: 'deliver', action: 'delivered', summary: `delivered to hostNetwork pod ${hostPod.key} listening on ${p.dport}/${p.protocol.toUpperCase()} in the node's namespace`, decidedBy: { kind: 'object', text: `pod ${hostPod.key} (hostNetwork: true)`, source: podSource(hostPod) } });
      return this.end(flow, 'delivered', `delivered to ${hostPod.key} on node ${node.node.name}`);
    }
    const isLoopback = p.dst.startsWith('127.') || p.dst === '::1';
    this.hop(flow, { node: node.node.name, netns: 'root', device: isLoopback ? 'lo' : '-', stage: 'deliver', action: 'delivered', summary: `delivered to node ${node.node.name}'s own stack (${hostPort(p.dst, p.dport)}/${p.protocol.toUpperCase()}); a host process must listen there`, decidedBy: { kind: 'object', text: `${p.dst} is an address of node ${node.node.name}` } });
    this.end(flow, 'delivered', `delivered to node ${node.node.name} (${hostPort(p.dst, p.dport)})`);
  }

  private ipvsForward(flow: Flow, node: NodeDataplane, ns: Netns, vs: NodeDataplane['ipvs'][number]): void {
    if (vs.realServers.length === 0) {
      this.hop(flow, { node: node.node.name, netns: 'root', device: 'kube-ipvs0', stage: 'nat', action: 'rejected', summary: `IPVS virtual server ${hostPort(vs.vip, vs.port)} has no real servers`, decidedBy: ipvsDecision(vs) });
      return this.end(flow, 'rejected', `Service ${vs.service} has no endpoints`);
    }
    const n = vs.realServers.length;
    for (const rs of vs.realServers) {
      const f = this.fork(flow, 1 / n, `${hostPort(rs.ip, rs.port)}${podLabel(this.cluster, rs.ip)}`);
      f.packet = Object.assign({}, f.packet, { dst: rs.ip, dport: rs.port });
      this.hop(f, { node: node.node.name, netns: 'root', device: 'kube-ipvs0', stage: 'nat', action: 'dnat', summary: `IPVS (${vs.scheduler}) picks real server ${hostPort(rs.ip, rs.port)} of ${hostPort(vs.vip, vs.port)} (1 of ${n})`, decidedBy: ipvsDecision(vs), details: vs.realServers.map((r) => `-> ${hostPort(r.ip, r.port)} Masq ${r.weight}`) });
      this.ipOutput(f, node, ns, 'forward');
    }
  }

  /** Legacy userspace mode (removed in Kubernetes 1.26): kube-proxy itself relays the connection. */
  private userspaceProxy(flow: Flow, node: NodeDataplane, proxy: NodeDataplane['userspace'][number]): void {
    const cause = src(proxy.cause);
    this.hop(flow, { node: node.node.name, netns: 'root', device: '-', stage: 'deliver', action: 'proxied', summary: `kube-proxy (userspace) accepts the connection on port ${proxy.proxyPort} for ${proxy.service}:${proxy.portName || proxy.port} and opens a second connection to a backend`, decidedBy: { kind: 'proxy', text: `kube-proxy listening on :${proxy.proxyPort} for ${proxy.clusterIP}:${proxy.port}`, ...cause } });
    if (proxy.backends.length === 0) {
      this.hop(flow, { node: node.node.name, netns: 'root', device: '-', stage: 'deliver', action: 'rejected', summary: 'kube-proxy has no backend and closes the connection', decidedBy: { kind: 'proxy', text: 'no endpoints', ...cause } });
      return this.end(flow, 'rejected', `Service ${proxy.service} has no endpoints`);
    }
    const n = proxy.backends.length;
    for (const b of proxy.backends) {
      const f = this.fork(flow, 1 / n, `${hostPort(b.ip, b.port)}${b.pod ? ` (${b.pod})` : ''}`);
      f.packet = { protocol: f.packet.protocol, src: '', sport: 32768 + (fnv1a(`${proxy.service}>${b.ip}`) % 28000), dst: b.ip, dport: b.port, encap: [] };
      // The backend now sees the node, not the client: the seeds' tcpdump shows exactly this.
      f.srcPod = undefined;
      f.egressChecked = true;
      this.sendFrom(f, node, node.root, `kube-proxy on ${node.node.name}`);
    }
  }

  private podInput(flow: Flow, node: NodeDataplane, ns: Netns, inDev: Device): void {
    const p = flow.packet;
    const pod = this.cluster.podsByKey.get(ns.pod!)!;
    if (!isLocalAddress(ns, p.dst)) {
      this.hop(flow, { node: node.node.name, netns: pod.key, device: inDev.name, stage: 'deliver', action: 'dropped', summary: `${p.dst} is not an address of pod ${pod.key}; a pod's namespace does not forward`, decidedBy: { kind: 'config', text: `${FAMILY_PROFILES[this.cluster.config.family].forwardingSysctl} = 0 in the pod namespace` } });
      return this.end(flow, 'dropped', `pod ${pod.key} received a packet for ${p.dst}`);
    }
    if (this.conntrack) {
      this.hop(flow, { node: node.node.name, netns: pod.key, device: inDev.name, stage: 'deliver', action: 'delivered', summary: replyDeliveredText(`pod ${pod.key}`, p), decidedBy: { kind: 'object', text: `pod ${pod.key} has ${pod.ip}`, source: podSource(pod) } });
      return this.end(flow, 'delivered', `the reply reaches ${pod.key} on ${node.node.name}`);
    }
    const listener = pod.ports.find((cp) => cp.containerPort === p.dport && cp.protocol.toLowerCase() === p.protocol);
    const where = listener ? `container ${listener.container} (port ${listener.name ? `${listener.name} ` : ''}${p.dport}/${p.protocol.toUpperCase()})` : `port ${p.dport}/${p.protocol.toUpperCase()}`;
    if (!listener) this.notes.add(`no container of ${pod.key} declares ${p.dport}/${p.protocol.toUpperCase()}; containerPort is informational, so the packet arrives, but nothing may listen`);
    this.hop(flow, { node: node.node.name, netns: pod.key, device: inDev.name, stage: 'deliver', action: 'delivered', summary: `delivered in pod ${pod.key} to ${where}${inDev.kind === 'loopback' ? ' over lo (containers of a pod share the pause container\'s namespace)' : ''}`, decidedBy: { kind: 'object', text: `pod ${pod.key} has ${pod.ip}`, source: podSource(pod) } });
    this.end(flow, 'delivered', `delivered to ${pod.key}${listener ? ` (${listener.container})` : ''} on ${node.node.name}`);
  }

  // ---- policy -----------------------------------------------------------------------------

  private checkEgress(flow: Flow, node: NodeDataplane): boolean {
    if (flow.egressChecked || !flow.srcPod) return true;
    flow.egressChecked = true;
    return this.applyPolicy(flow, node, flow.srcPod, 'egress', flow.packet.dst);
  }

  private checkIngress(flow: Flow, node: NodeDataplane, pod: PodInfo): boolean {
    if (flow.ingressChecked === pod.key) return true;
    flow.ingressChecked = pod.key;
    const pre = flow.preSnat?.node === node.node.name ? flow.preSnat.src : undefined;
    const before = flow.hops.length;
    const pass = this.applyPolicy(flow, node, pod, 'ingress', asNodeAddress(node, pod, pre ?? flow.packet.src));
    // Only worth saying where a policy was actually consulted.
    if (pre && pre !== flow.packet.src && flow.hops.length > before) this.notes.add(masqueradeNote(node.node.name, pre));
    return pass;
  }

  /** The (non-hostNetwork) pod on this node that owns `ip`, if any. */
  private localPod(node: NodeDataplane, ip: string): PodInfo | undefined {
    const pod = this.cluster.podsByIP.get(ip);
    return pod && !pod.hostNetwork && pod.node === node.node.name ? pod : undefined;
  }

  private applyPolicy(flow: Flow, node: NodeDataplane, pod: PodInfo, direction: 'ingress' | 'egress', peerIP: string): boolean {
    const d = checkPolicy(this.cluster, { direction, pod, peerIP, protocol: flow.packet.protocol, port: flow.packet.dport });
    const namespacePolicies = this.cluster.policies.some((p) => p.meta.namespace === pod.namespace) || d.steps.some((x) => x.api !== 'NetworkPolicy');
    if (!d.isolated && !namespacePolicies) return true;
    // Enforcing plugins hook policy on the pod's host-side interface (Calico's cali-fw/cali-tw chains).
    if (this.conntrack) {
      // Policy engines are stateful: the reply of an allowed connection is accepted by conntrack
      // state before any policy rule is read.
      if (!d.enforced || !d.isolated) return true;
      this.hop(flow, { node: node.node.name, netns: 'root', device: pod.hostVeth, stage: 'policy', action: 'allowed', summary: establishedPolicyText(d.api, direction, pod.key, this.cluster.config.plugin), decidedBy: { kind: 'conntrack', text: 'ctstate RELATED,ESTABLISHED: accepted before the policy rules' } });
      return true;
    }
    const base = { node: node.node.name, netns: 'root', device: pod.hostVeth, stage: 'policy' as const, ...(d.decidedBy ? { decidedBy: { kind: 'policy' as const, text: d.decidedBy.text, ...(d.decidedBy.source ? { source: d.decidedBy.source } : {}) } } : {}), ...(d.details.length ? { details: d.details } : {}), ...(d.steps.some((x) => x.api !== 'NetworkPolicy') ? { policySteps: d.steps } : {}) };
    if (d.allowed) {
      this.hop(flow, Object.assign({}, base, { action: 'allowed' as const, summary: `${d.api} (${direction} of ${pod.key}): ${d.summary}` }));
      return true;
    }
    if (!d.enforced) {
      this.hop(flow, Object.assign({}, base, { action: 'not-enforced' as const, summary: `${d.api} (${direction} of ${pod.key}) would drop this — ${d.summary} — but ${this.cluster.config.plugin} does not enforce NetworkPolicy, so it passes` }));
      this.notes.add(`NetworkPolicy is not enforced by ${this.cluster.config.plugin}${this.cluster.config.policyMode === 'auto' ? ' (networkPolicy: auto)' : ''}: flows a policy denies still pass`);
      return true;
    }
    this.hop(flow, Object.assign({}, base, { action: 'dropped' as const, summary: `${d.api} (${direction} of ${pod.key}) drops it: ${d.summary}` }));
    this.end(flow, 'dropped', `dropped by ${d.api} (${direction} of ${pod.key}): ${d.summary}`);
    return false;
  }

  // ---- netfilter -------------------------------------------------------------------------

  /** Runs one netfilter hook; returns the flows that continue (one per backend on a fan-out). */
  private runHook(flow: Flow, node: NodeDataplane, table: 'nat' | 'filter', hook: string, ifaces: { inIface?: string; outIface?: string }): Flow[] {
    if (this.conntrack && table === 'nat') {
      // Only a connection's first packet walks the nat table; a reply is translated by conntrack.
      this.reverseNat(flow, node, hook as ReplyHook, hook === 'POSTROUTING' || hook === 'OUTPUT' ? ifaces.outIface ?? ifaces.inIface : ifaces.inIface ?? ifaces.outIface);
      return [flow];
    }
    const p = flow.packet;
    const nf: NfPacket = { src: p.src, dst: p.dst, proto: p.protocol, sport: p.sport, dport: p.dport, mark: flow.mark, ...(ifaces.inIface ? { inIface: ifaces.inIface } : {}), ...(ifaces.outIface ? { outIface: ifaces.outIface } : {}), ...(this.conntrack ? { ctstate: 'ESTABLISHED' as const } : {}) };
    const ctx = { isLocal: (ip: string) => isLocalAddress(node.root, ip), ipsets: node.netfilter.ipsets };
    const branches = traverseNodeNetfilter(node, table, hook, nf, ctx);
    const fan = branches.length > 1;
    const out: Flow[] = [];
    for (const b of branches) {
      const f = fan ? this.fork(flow, b.probability, branchLabel(this.cluster, b)) : flow;
      const before = f.packet;
      const changed = b.nat !== undefined || b.verdict !== 'ACCEPT' || b.packet.mark !== flow.mark;
      f.mark = b.packet.mark;
      if (b.nat) {
        const np = Object.assign({}, f.packet, { dst: b.packet.dst, dport: b.packet.dport, src: b.packet.src, sport: b.packet.sport });
        if (b.nat.kind === 'MASQUERADE') {
          const outDev = ifaces.outIface ? deviceByName(node.root, ifaces.outIface) : undefined;
          np.src = (outDev && sourceAddressFor(node.root, outDev.name, np.dst)) ?? node.node.ip;
          f.mark = 0;
        }
        if (b.nat.kind === 'REDIRECT') {
          const inDev = ifaces.inIface ? deviceByName(node.root, ifaces.inIface) : undefined;
          np.dst = inDev?.addresses[0]?.ip ?? node.node.ip;
        }
        if (hook === 'POSTROUTING' && np.src !== before.src) f.preSnat = { node: node.node.name, src: before.src };
        f.packet = np;
      }
      if (changed) {
        const last = b.nat?.hit ?? b.hits[b.hits.length - 1];
        const chainPath = b.hits.map((h) => h.chain).concat(b.hits.length ? [hitNext(b.hits[b.hits.length - 1])] : []).filter((c, i, a) => c !== '' && a.indexOf(c) === i);
        const details = b.hits.map(hitText);
        const natText = b.nat ? natSummary(b.nat.kind, before, f.packet) : '';
        const verdictText = b.verdict !== 'ACCEPT' ? `${b.verdict}` : '';
        const markText = !b.nat && b.packet.mark !== flow.mark ? `marked ${'0x' + b.packet.mark.toString(16)} for masquerade` : '';
        const summary = `${table} ${hook}: ${chainPath.join(' → ')}${natText ? `: ${natText}` : ''}${verdictText ? `: ${verdictText}` : ''}${markText ? `: ${markText}` : ''}${fan ? ` (probability ${b.probability.toFixed(4)})` : ''}`;
        const action = b.verdict === 'DROP' ? 'dropped' : b.verdict === 'REJECT' ? 'rejected' : b.nat ? natAction(b.nat.kind) : 'accepted';
        this.hop(f, { node: node.node.name, netns: 'root', device: (hook === 'POSTROUTING' || hook === 'OUTPUT' ? ifaces.outIface ?? ifaces.inIface : ifaces.inIface ?? ifaces.outIface) ?? '-', stage: b.nat ? 'nat' : 'netfilter', action, summary, ...(last ? { decidedBy: { kind: 'rule', text: hitText(last), ...src(hitCause(last)) } } : {}), details });
      }
      if (b.verdict === 'DROP' || b.verdict === 'REJECT') {
        const comment = b.hits.map(hitComment).filter(Boolean).pop();
        this.end(f, b.verdict === 'DROP' ? 'dropped' : 'rejected', `${table} ${hook} ${b.verdict === 'DROP' ? 'drops' : 'rejects'} it${comment ? ` (${comment})` : ''}`);
        continue;
      }
      out.push(f);
    }
    return out;
  }

  // ---- bookkeeping -------------------------------------------------------------------------

  /** Records a hop. Packets are never mutated (every change makes a new one), so hops can share them. */
  private hop(flow: Flow, h: Omit<Hop, 'packet'>): void {
    (h as Hop).packet = flow.packet;
    flow.hops.push(h as Hop);
  }

  private fork(flow: Flow, probability: number, label: string): Flow {
    return Object.assign({}, flow, { probability: flow.probability * probability, label: flow.label ? `${flow.label} → ${label}` : label, hops: [...flow.hops] });
  }

  private end(flow: Flow, verdict: Verdict, reason: string): void {
    this.ends.push({ probability: flow.probability, ...(flow.label ? { label: flow.label } : {}), hops: flow.hops, verdict, reason });
  }

  private tooLong(flow: Flow): boolean {
    if (flow.hops.length < MAX_HOPS) return false;
    this.end(flow, 'dropped', `the packet loops: more than ${MAX_HOPS} hops`);
    return true;
  }

  private assemble(from: ResolvedEndpoint, to: ResolvedEndpoint, packet: Packet): Trace {
    const ends = this.ends;
    const strip = (e: ResolvedEndpoint): TraceEndpoint => ({ spec: e.spec, kind: e.kind, name: e.name, ip: e.ip, ...(e.ipAssigned ? { ipAssigned: true as const } : {}), ...(e.node ? { node: e.node } : {}), ...(e.source ? { source: e.source } : {}), ...(e.via ? { via: e.via } : {}) });
    let common = 0;
    if (ends.length > 1) {
      const first = ends[0].hops;
      outer: for (; common < first.length; common++) {
        for (const e of ends) if (e.hops[common] !== first[common]) break outer;
      }
    } else {
      common = ends[0]?.hops.length ?? 0;
    }
    const hops = ends[0]?.hops.slice(0, common) ?? [];
    const branches: TraceBranch[] = ends.length > 1
      ? ends.map((e) => ({ probability: round(e.probability), label: e.label ?? '', hops: e.hops.slice(common), verdict: e.verdict, reason: e.reason }))
      : [];
    const verdicts = new Set(ends.map((e) => e.verdict));
    let verdict: Verdict;
    let reason: string;
    if (ends.length === 0) {
      verdict = 'unresolved';
      reason = 'nothing to trace';
    } else if (verdicts.size === 1) {
      verdict = ends[0].verdict;
      reason = ends.length === 1 ? ends[0].reason : `${verdict} on all ${ends.length} paths`;
    } else {
      const order: Verdict[] = ['unresolved', 'no-route', 'rejected', 'dropped', 'exits-cluster', 'delivered'];
      verdict = order.find((v) => verdicts.has(v))!;
      const delivered = ends.filter((e) => e.verdict === 'delivered').length;
      const worst = ends.find((e) => e.verdict === verdict)!;
      reason = `${delivered} of ${ends.length} paths delivered; ${worst.reason}`;
    }
    return { version: 1, from: strip(from), to: strip(to), packet, hops, branches, verdict, reason, notes: [...this.notes] };
  }
}

/**
 * Policy knows a node by its InternalIP, but a node also sends from its other addresses (the
 * cni0 gateway towards its own pods, flannel.1, tunl0 …). From the pod's own node, any of them
 * is the node, and "traffic to and from the node where a Pod is running is always allowed".
 */
function asNodeAddress(node: NodeDataplane, pod: PodInfo, ip: string): string {
  if (pod.node !== node.node.name || ip === node.node.ip || ip.startsWith('127.') || ip === '::1') return ip;
  const owner = node.root.devices.find((d) => d.kind !== 'dummy' && d.addresses.some((a) => a.ip === ip));
  return owner ? node.node.ip : ip;
}

function masqueradeNote(node: string, src: string): string {
  return `NetworkPolicy on ${node} sees ${src}, the source before masquerading: filter FORWARD (where policy is enforced) runs before nat POSTROUTING`;
}

/** Where a pod is written: the Pod object, or its workload's pod template. */
export function podSource(pod: PodInfo): SourceRange {
  return pod.templatePath.length ? pod.locator.at(pod.templatePath) : pod.locator.range;
}

function round(p: number): number {
  return Math.round(p * 1e10) / 1e10;
}

function src(cause: Cause | undefined): { source?: SourceRange } {
  const r = causeRange(cause);
  return r ? { source: r } : {};
}

function routeDecision(route: Route): DecidedBy {
  return { kind: 'route', text: formatRoute(route), ...src(route.cause) };
}

function deviceDecision(dev: Device, text?: string): DecidedBy {
  return { kind: 'device', text: text ?? `${dev.name} (${dev.kind}${dev.addresses.length ? ` ${dev.addresses.map((a) => `${a.ip}/${a.prefix}`).join(' ')}` : ''})`, ...src(dev.cause) };
}

function ipvsDecision(vs: NodeDataplane['ipvs'][number]): DecidedBy {
  return { kind: 'ipvs', text: `${vs.protocol} ${hostPort(vs.vip, vs.port)} ${vs.scheduler}${vs.persistenceSeconds ? ` persistent ${vs.persistenceSeconds}` : ''}`, ...src(vs.cause) };
}

function describe(p: Packet): string {
  return `${p.protocol.toUpperCase()} ${hostPort(p.src, p.sport)} → ${hostPort(p.dst, p.dport)}`;
}

function describeWire(p: Packet): string {
  const outer = p.encap[0];
  if (!outer) return describe(p);
  const o = outer.kind === 'ipip' ? `IPIP ${outer.src} → ${outer.dst}` : `UDP ${hostPort(outer.src, outer.sport)} → ${hostPort(outer.dst, outer.dport)}${outer.vni !== undefined ? ` VXLAN VNI ${outer.vni}` : ''}`;
  return `${o} [inner ${describe(p)}]`;
}

function natSummary(kind: string, before: Packet, after: Packet): string {
  if (kind === 'DNAT' || kind === 'REDIRECT') return `${kind} ${hostPort(before.dst, before.dport)} → ${hostPort(after.dst, after.dport)}`;
  return `${kind} source ${before.src} → ${after.src}`;
}

function natAction(kind: string): Hop['action'] {
  return kind === 'DNAT' ? 'dnat' : kind === 'REDIRECT' ? 'redirected' : kind === 'SNAT' ? 'snat' : 'masquerade';
}

function podLabel(cluster: Cluster, ip: string): string {
  const pod = cluster.podsByIP.get(ip);
  return pod ? ` (${pod.key})` : '';
}

function branchLabel(cluster: Cluster, b: NetfilterBranch): string {
  if (b.nat?.kind === 'DNAT') return `${hostPort(b.packet.dst, b.packet.dport)}${podLabel(cluster, b.packet.dst)}`;
  return `${b.verdict}${b.nat ? ` ${b.nat.kind}` : ''}`;
}
