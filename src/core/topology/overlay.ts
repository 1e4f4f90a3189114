import { SourceRange } from '../common/source';
import { Hop, OuterHeader, Packet, Trace, TraceEndpoint, Verdict } from '../forward/trace';
import { topologyLinks } from './links';
import { TopoLink, TopoNode, TopoPod, TopoService, TopologyModel, ids, realSource } from './model';

/**
 * A trace laid over the topology: for every hop, the ordered element ids it lights up (devices
 * and the links between them, so the path is continuous on the diagram), the packet's headers
 * as they are after the hop, and what decided it. Numbering follows `podpath trace`: shared
 * hops 1…k, then each branch continues at k+1.
 */

export interface HeaderView {
  protocol: string;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  srcMac?: string;
  dstMac?: string;
}

export interface OuterView {
  kind: OuterHeader['kind'];
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  vni?: number;
}

export type HeaderChange = 'src' | 'sport' | 'dst' | 'dport' | 'encap' | 'decap';

export interface PacketView {
  inner: HeaderView;
  /** Outer headers, outermost first (empty when not encapsulated). */
  outer: OuterView[];
  /** What this hop changed compared with the packet before it (DNAT → dst/dport, SNAT → src …). */
  changed: HeaderChange[];
}

export interface OverlayHop {
  /** 1-based, as `podpath trace` numbers it. */
  index: number;
  node: string;
  netns: string;
  device: string;
  stage: Hop['stage'];
  action: Hop['action'];
  summary: string;
  /** The element where the hop happens: the marker and the camera go there. */
  focus: string;
  /** Element and link ids this hop lights, in travel order. */
  elements: string[];
  packet: PacketView;
  decidedBy?: { kind: string; text: string; source?: SourceRange };
  details?: string[];
}

export interface OverlayPath {
  label: string;
  probability: number;
  verdict: Verdict;
  reason: string;
  hops: OverlayHop[];
}

export interface OverlayEnd {
  label: string;
  kind: TraceEndpoint['kind'];
  ip: string;
  element?: string;
  source?: SourceRange;
}

export interface TraceOverlay {
  version: 1;
  /** `TCP default/pod1 → default/pod4 :80`. */
  title: string;
  from: OverlayEnd;
  to: OverlayEnd;
  verdict: Verdict;
  reason: string;
  notes: string[];
  /** Hops shared by every branch (all of them without a fan-out). */
  hops: OverlayHop[];
  branches: OverlayPath[];
  /** Links drawn only while this trace is shown (the overlay tunnel between two nodes). */
  extraLinks: TopoLink[];
  /** Ids a hop names that the model lacks (a model older than the trace); the page ignores them. */
  missing: string[];
}

/** Lookups over a model, built once per overlay. */
class Index {
  readonly nodes = new Map<string, TopoNode>();
  readonly pods = new Map<string, TopoPod>();
  readonly nodeByIP = new Map<string, TopoNode>();
  readonly podByVeth = new Map<string, TopoPod>();
  readonly elements = new Set<string>();
  readonly adjacency = new Map<string, { to: string; link: string }[]>();
  readonly serviceByVip = new Map<string, TopoService>();
  readonly nodePortService = new Map<string, string>();
  readonly services = new Map<string, TopoService>();

  constructor(readonly model: TopologyModel) {
    for (const n of model.nodes) {
      this.nodes.set(n.name, n);
      this.nodeByIP.set(n.ip, n);
      this.elements.add(n.id).add(n.stackId).add(n.nodePortId);
      for (const d of n.devices) this.elements.add(d.id);
      for (const p of [...n.pods, ...n.hostPods]) {
        this.pods.set(p.key, p);
        this.elements.add(p.id);
        if (p.isolation) this.elements.add(ids.badge(p.key));
        for (const d of p.devices) this.elements.add(d.id);
        for (const c of p.containers) this.elements.add(c.id);
        if (p.hostVeth) this.podByVeth.set(p.hostVeth, p);
      }
    }
    for (const s of model.segments) this.elements.add(s.id);
    this.elements.add(model.router.id).add(model.external.id);
    for (const l of topologyLinks(model)) this.addLink(l);
    for (const s of model.services) {
      this.services.set(s.id, s);
      this.elements.add(s.id);
      for (const e of s.endpoints) this.elements.add(e.id);
      for (const ip of [s.clusterIP, ...s.externalIPs, ...s.loadBalancerIPs]) if (ip) this.serviceByVip.set(ip, s);
    }
    for (const np of model.nodePorts) this.nodePortService.set(`${np.protocol.toLowerCase()}/${np.port}`, np.service);
    for (const p of model.policies) this.elements.add(p.id);
  }

  private addLink(l: TopoLink): void {
    this.elements.add(l.id);
    for (const [a, b] of [[l.from, l.to], [l.to, l.from]]) {
      let list = this.adjacency.get(a);
      if (!list) this.adjacency.set(a, (list = []));
      list.push({ to: b, link: l.id });
    }
  }

  /** The shortest chain of links and elements from `a` to `b` (both excluded), within `max` links. */
  connect(a: string, b: string, max = 4): string[] | undefined {
    if (a === b) return [];
    const prev = new Map<string, { from: string; link: string }>([[a, { from: '', link: '' }]]);
    let frontier = [a];
    for (let depth = 0; depth < max && frontier.length; depth++) {
      const next: string[] = [];
      for (const x of frontier) {
        for (const e of this.adjacency.get(x) ?? []) {
          if (prev.has(e.to)) continue;
          prev.set(e.to, { from: x, link: e.link });
          if (e.to === b) {
            const out: string[] = [];
            for (let cur = b; cur !== a;) {
              const p = prev.get(cur)!;
              out.unshift(p.link);
              if (p.from !== a) out.unshift(p.from);
              cur = p.from;
            }
            return out;
          }
          next.push(e.to);
        }
      }
      frontier = next;
    }
    return undefined;
  }
}

interface Walk {
  /** The last place (graph element) the packet was at. */
  place?: string;
  packet: Packet;
  /** The Service whose virtual IP the packet was sent to, until a backend is chosen. */
  service?: TopoService;
  endpointShown: boolean;
}

export function overlayTrace(model: TopologyModel, trace: Trace): TraceOverlay {
  const ix = new Index(model);
  const missing = new Set<string>();
  const extra = new Map<string, TopoLink>();
  const walk: Walk = { packet: trace.packet, endpointShown: false };
  const shared = trace.hops.map((h, i) => overlayHop(ix, h, i + 1, trace.hops[i + 1] ?? trace.branches[0]?.hops[0], i === 0, walk, missing, extra));
  const branches = trace.branches.map((b): OverlayPath => {
    const w: Walk = { ...walk };
    return {
      label: b.label, probability: b.probability, verdict: b.verdict, reason: b.reason,
      hops: b.hops.map((h, i) => overlayHop(ix, h, shared.length + i + 1, b.hops[i + 1], shared.length + i === 0, w, missing, extra)),
    };
  });
  // A trace from a container starts in that container (over lo to its neighbour, say).
  const first = shared[0] ?? branches[0]?.hops[0];
  if (first && trace.from.kind === 'container') {
    const [ns, pod, container] = trace.from.name.split('/');
    const id = ids.container(`${ns}/${pod}`, container ?? '');
    if (ix.elements.has(id) && !first.elements.includes(id)) first.elements.push(id);
  }
  const p = trace.packet;
  return {
    version: 1,
    title: `${p.protocol.toUpperCase()} ${trace.from.name} → ${trace.to.name} :${p.dport}`,
    from: end(ix, trace.from),
    to: end(ix, trace.to),
    verdict: trace.verdict,
    reason: trace.reason,
    notes: [...trace.notes],
    hops: shared,
    branches,
    extraLinks: [...extra.values()],
    missing: [...missing].sort(),
  };
}

function overlayHop(ix: Index, h: Hop, index: number, next: Hop | undefined, first: boolean, walk: Walk, missing: Set<string>, extra: Map<string, TopoLink>): OverlayHop {
  const before = walk.packet;
  const { places, extras } = placesOf(ix, h, next, first, before, walk, extra);
  const elements: string[] = [];
  let at = walk.place;
  for (const p of places) {
    if (at && at !== p) {
      const chain = ix.connect(at, p);
      if (chain) elements.push(...chain);
    }
    elements.push(p);
    at = p;
  }
  elements.push(...extras);
  if (at) walk.place = at;
  walk.packet = h.packet;
  const lit = unique(elements).filter((id) => {
    if (ix.elements.has(id) || extra.has(id)) return true;
    missing.add(id);
    return false;
  });
  const focus = places.length ? places[places.length - 1] : extras.find((id) => id.startsWith('dev:') || id.startsWith('pdev:')) ?? lit[0] ?? '';
  const decided = h.decidedBy ? { kind: h.decidedBy.kind, text: h.decidedBy.text, ...(realSource(h.decidedBy.source) ? { source: h.decidedBy.source } : {}) } : undefined;
  return {
    index, node: h.node, netns: h.netns, device: h.device, stage: h.stage, action: h.action, summary: h.summary,
    focus: ix.elements.has(focus) ? focus : lit[0] ?? '',
    elements: lit,
    packet: packetView(before, h.packet),
    ...(decided ? { decidedBy: decided } : {}),
    ...(h.details?.length ? { details: [...h.details] } : {}),
  };
}

/** Where a hop happens (graph places, in order) and what else it concerns (pods, Services, badges). */
function placesOf(ix: Index, h: Hop, next: Hop | undefined, first: boolean, before: Packet, walk: Walk, extra: Map<string, TopoLink>): { places: string[]; extras: string[] } {
  const places: string[] = [];
  const extras: string[] = [];
  serviceExtras(ix, before, h.packet, walk, extras);
  if (h.netns === 'router') {
    places.push(ids.router);
    if (h.action === 'forwarded' && !next) places.push(ids.external);
    return { places, extras };
  }
  const node = ix.nodes.get(h.node);
  // A node the model lacks (an older model than the trace): reported as missing, nothing lit.
  if (!node) return { places, extras: [ids.node(h.node)] };
  if (h.netns !== 'root') {
    const pod = ix.pods.get(h.netns);
    if (!pod) return { places, extras: [ids.pod(h.netns)] };
    const dev = pod.devices.find((d) => d.name === h.device) ?? pod.devices.find((d) => d.name === 'eth0');
    if (h.stage === 'veth' && pod.hostVeth) places.push(pod.hostVeth);
    if (dev) places.push(dev.id);
    extras.push(pod.id);
    if (h.stage === 'deliver') {
      const c = containerFor(pod, h.packet);
      if (c) extras.push(c);
    }
    return { places, extras };
  }
  const dev = node.devices.find((d) => d.name === h.device);
  if (first && h.stage === 'underlay') {
    // Arriving from outside the cluster: through the router onto this node's segment.
    places.push(ids.external, ids.router, node.segment);
    if (dev) places.push(dev.id);
    return { places, extras };
  }
  if (!dev) {
    places.push(node.stackId);
    if (h.stage === 'deliver') {
      const hp = node.hostPods.find((p) => containerFor(p, h.packet));
      if (hp) extras.push(hp.id, containerFor(hp, h.packet)!);
    }
    return { places, extras };
  }
  switch (h.stage) {
    case 'underlay':
      places.push(dev.id, node.segment);
      if (next && next.netns !== 'router') {
        const peer = ix.nodes.get(next.node);
        if (peer) places.push(ids.device(peer.name, 'eth0'));
      }
      break;
    case 'bridge':
      places.push(dev.id);
      // "sees its own MAC": the frame goes up to the IP stack rather than out of a port.
      if (next && next.node === h.node && next.netns === 'root' && next.stage !== 'veth' && next.stage !== 'bridge') places.push(node.stackId);
      break;
    case 'routing':
      places.push(node.stackId, dev.id);
      break;
    case 'netfilter': case 'nat':
      if (dev.role === 'ipvs') places.push(node.stackId, dev.id);
      else {
        places.push(node.stackId);
        extras.push(dev.id);
      }
      break;
    case 'policy': {
      // Enforced on the pod's host-side interface (Calico's cali-fw/cali-tw chains): no movement.
      extras.push(dev.id);
      const pod = ix.podByVeth.get(dev.id);
      if (pod?.isolation) extras.push(ids.badge(pod.key), ...pod.isolation.policies);
      break;
    }
    case 'encap': {
      places.push(dev.id);
      const outer = h.packet.encap[0];
      const peer = outer ? ix.nodeByIP.get(outer.dst) : undefined;
      const remote = peer?.devices.find((d) => d.name === dev.name);
      if (peer && remote) {
        const id = ids.tunnel(node.name, peer.name);
        if (!extra.has(id)) extra.set(id, { id, kind: 'tunnel', from: dev.id, to: remote.id });
        extras.push(id, remote.id);
      }
      break;
    }
    default:
      places.push(dev.id);
  }
  return { places, extras };
}

/**
 * A packet to a Service's virtual IP (or a NodePort) lights the Service; once its destination
 * becomes one of the Service's endpoints (DNAT, IPVS, or userspace kube-proxy's second
 * connection), the dashed link to that backend lights too.
 */
function serviceExtras(ix: Index, before: Packet, after: Packet, walk: Walk, extras: string[]): void {
  if (!walk.service) {
    const vip = ix.serviceByVip.get(before.dst);
    const np = !vip && ix.nodeByIP.has(before.dst) ? ix.nodePortService.get(`${before.protocol}/${before.dport}`) : undefined;
    const svc = vip ?? (np ? ix.services.get(np) : undefined);
    if (svc) {
      walk.service = svc;
      walk.endpointShown = false;
      if (np) extras.push(ix.nodeByIP.get(before.dst)!.nodePortId);
      extras.push(svc.id);
    }
  }
  const svc = walk.service;
  if (svc && !walk.endpointShown) {
    const ep = svc.endpoints.find((e) => e.ip === after.dst);
    if (ep) {
      walk.endpointShown = true;
      extras.push(svc.id, ep.id);
    }
  }
}

function containerFor(pod: TopoPod, p: Packet): string | undefined {
  const want = `${p.dport}/${p.protocol.toUpperCase()}`;
  return pod.containers.find((c) => c.ports.some((x) => x === want || x.endsWith(` ${want}`)))?.id;
}

function packetView(before: Packet, p: Packet): PacketView {
  const changed: HeaderChange[] = [];
  if (before.src && before.src !== p.src) changed.push('src');
  if (before.sport !== p.sport) changed.push('sport');
  if (before.dst !== p.dst) changed.push('dst');
  if (before.dport !== p.dport) changed.push('dport');
  if (p.encap.length > before.encap.length) changed.push('encap');
  if (p.encap.length < before.encap.length) changed.push('decap');
  return {
    inner: { protocol: p.protocol.toUpperCase(), src: p.src, sport: p.sport, dst: p.dst, dport: p.dport, ...(p.srcMac ? { srcMac: p.srcMac } : {}), ...(p.dstMac ? { dstMac: p.dstMac } : {}) },
    outer: p.encap.map((o) => ({ kind: o.kind, src: o.src, dst: o.dst, ...(o.sport !== undefined ? { sport: o.sport } : {}), ...(o.dport !== undefined ? { dport: o.dport } : {}), ...(o.vni !== undefined ? { vni: o.vni } : {}) })),
    changed,
  };
}

function end(ix: Index, e: TraceEndpoint): OverlayEnd {
  let element: string | undefined;
  const key = e.kind === 'container' ? e.name.split('/').slice(0, 2).join('/') : e.name;
  if ((e.kind === 'pod' || e.kind === 'container') && ix.pods.has(key)) element = ids.pod(key);
  else if (e.kind === 'service') element = ids.service(e.name);
  else if (e.kind === 'node' && ix.nodes.has(e.name)) element = ids.node(e.name);
  else if (e.kind === 'external') element = ids.external;
  else if (e.kind === 'workload') element = ix.pods.get(e.name) ? ids.pod(e.name) : undefined;
  if (element && !ix.elements.has(element)) element = undefined;
  const source = realSource(e.source);
  return { label: e.name, kind: e.kind, ip: e.ip, ...(element ? { element } : {}), ...(source ? { source } : {}) };
}

function unique(list: string[]): string[] {
  const seen = new Set<string>();
  return list.filter((x) => (seen.has(x) ? false : (seen.add(x), true)));
}
