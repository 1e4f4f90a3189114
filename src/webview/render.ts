import type { TopoDevice, TopoLink, TopoPod, TopologyModel } from '../core/topology/model';
import { clear, label, points, svg } from './dom';
import { Layout, NodeBox, Point, Rect, ServiceBox, intersects } from './layout';
import type { StringKey } from './l10n';

/**
 * Draws the layout as SVG. Only what is near the viewport is in the document (node boxes and
 * Service pills are mounted and unmounted as the view moves), and far-out zoom draws shapes
 * without text, so 200 nodes / 5,000 pods cost what a screenful costs. Every drawn element
 * carries data-id (the model id) and data-testid, the hooks the tests and the overlay use.
 */

export type Lod = 'detail' | 'overview';
/** Below this zoom, text would be under ~4 px: shapes only. */
export const DETAIL_ZOOM = 0.34;

export interface Decor {
  lit: Set<string>;
  current: Set<string>;
  selected?: string;
  found: Set<string>;
  /** Small clusters draw every Service → endpoint link; large ones only the selected or lit. */
  allEndpoints: boolean;
  extraLinks: TopoLink[];
}

type T = (key: StringKey, ...args: (string | number)[]) => string;

interface Mounted { el: SVGGElement; lod: Lod; ids: [string, Element][] }

export class Renderer {
  private model?: TopologyModel;
  private layout?: Layout;
  private readonly registry = new Map<string, Set<Element>>();
  private readonly nodeCache = new Map<string, Mounted>();
  private readonly svcCache = new Map<string, Mounted>();
  private readonly layers: Record<'underlay' | 'band' | 'endpoints' | 'nodes' | 'services' | 'extra' | 'markers' | 'packet', SVGGElement>;
  private decor: Decor = { lit: new Set(), current: new Set(), found: new Set(), allEndpoints: true, extraLinks: [] };
  private lod: Lod = 'detail';
  private collecting?: [string, Element][];

  constructor(readonly viewport: SVGGElement, private t: T) {
    const layer = (name: string) => svg('g', { class: `pp-layer pp-layer-${name}`, 'data-testid': `layer-${name}` }, viewport);
    this.layers = {
      underlay: layer('underlay'), band: layer('band'), nodes: layer('nodes'), endpoints: layer('endpoints'),
      services: layer('services'), extra: layer('extra'), markers: layer('markers'), packet: layer('packet'),
    };
  }

  get markers(): SVGGElement { return this.layers.markers; }
  get packet(): SVGGElement { return this.layers.packet; }

  setStrings(t: T): void {
    this.t = t;
    if (this.model && this.layout) this.setModel(this.model, this.layout);
  }

  setModel(model: TopologyModel, layout: Layout): void {
    this.model = model;
    this.layout = layout;
    this.registry.clear();
    this.nodeCache.clear();
    this.svcCache.clear();
    for (const l of Object.values(this.layers)) if (l !== this.layers.markers && l !== this.layers.packet) clear(l);
    this.drawUnderlay();
    this.drawBand();
  }

  /** Mount what intersects the visible world rect, at the detail level the zoom allows. */
  update(visible: Rect, k: number): void {
    if (!this.layout) return;
    this.lod = k >= DETAIL_ZOOM ? 'detail' : 'overview';
    const margin = { x: visible.x - visible.w * 0.25, y: visible.y - visible.h * 0.25, w: visible.w * 1.5, h: visible.h * 1.5 };
    const wanted = new Set<string>();
    for (const b of this.layout.nodes) {
      if (!intersects(b.rect, margin)) continue;
      wanted.add(b.node.id);
      const key = `${b.node.id}|${this.lod}|${b.expanded}`;
      let m = this.nodeCache.get(key);
      if (!m) {
        m = this.collect(() => this.drawNode(b, this.lod), this.lod);
        this.nodeCache.set(key, m);
      }
      if (m.el.parentNode !== this.layers.nodes) this.layers.nodes.appendChild(m.el);
    }
    for (const child of Array.from(this.layers.nodes.children)) {
      const el = child as SVGGElement;
      const id = el.getAttribute('data-id') ?? '';
      const b = this.layout.nodeByName.get(id.slice(5));
      if (!wanted.has(id) || el.getAttribute('data-lod') !== this.lod || (b && String(b.expanded) !== el.getAttribute('data-expanded'))) el.remove();
    }
    for (const s of this.layout.services) {
      const key = `${s.svc.id}|${this.lod}`;
      const show = intersects(s.rect, margin);
      let m = this.svcCache.get(key);
      if (show && !m) {
        m = this.collect(() => this.drawService(s, this.lod), this.lod);
        this.svcCache.set(key, m);
      }
      const other = this.svcCache.get(`${s.svc.id}|${this.lod === 'detail' ? 'overview' : 'detail'}`);
      if (other?.el.parentNode) other.el.remove();
      if (m) {
        if (show && m.el.parentNode !== this.layers.services) this.layers.services.appendChild(m.el);
        if (!show && m.el.parentNode) m.el.remove();
      }
    }
    this.drawEndpoints();
  }

  /** Apply lit / current / selected / found classes; new elements get them as they are drawn. */
  decorate(decor: Decor): void {
    const before = this.decor;
    this.decor = decor;
    const touched = new Set<string>([...before.lit, ...decor.lit, ...before.current, ...decor.current, ...before.found, ...decor.found]);
    if (before.selected) touched.add(before.selected);
    if (decor.selected) touched.add(decor.selected);
    for (const id of touched) for (const el of this.registry.get(id) ?? []) this.classify(id, el);
    this.viewport.ownerSVGElement?.classList.toggle('pp-tracing', decor.lit.size > 0);
    this.drawEndpoints();
    this.drawExtra();
  }

  /** All drawn elements for an id (for tests and focus). */
  elements(id: string): Element[] {
    return [...(this.registry.get(id) ?? [])].filter((e) => e.isConnected);
  }

  // ---- bookkeeping ---------------------------------------------------------------------

  private collect(draw: () => SVGGElement, lod: Lod): Mounted {
    const ids: [string, Element][] = [];
    this.collecting = ids;
    const el = draw();
    this.collecting = undefined;
    el.setAttribute('data-lod', lod);
    return { el, lod, ids };
  }

  private reg<E extends Element>(id: string, el: E): E {
    el.setAttribute('data-id', id);
    let set = this.registry.get(id);
    if (!set) this.registry.set(id, (set = new Set()));
    set.add(el);
    this.collecting?.push([id, el]);
    this.classify(id, el);
    return el;
  }

  private classify(id: string, el: Element): void {
    const d = this.decor;
    const lit = d.lit.has(id);
    el.classList.toggle('pp-lit', lit);
    el.classList.toggle('pp-current', d.current.has(id));
    el.classList.toggle('pp-selected', d.selected === id);
    el.classList.toggle('pp-found', d.found.has(id));
    if (lit) el.setAttribute('data-lit', 'true'); else el.removeAttribute('data-lit');
    if (d.current.has(id)) el.setAttribute('data-current', 'true'); else el.removeAttribute('data-current');
  }

  // ---- underlay and band -----------------------------------------------------------------

  private drawUnderlay(): void {
    const L = this.layout!;
    const g = this.layers.underlay;
    for (const s of L.segments) {
      const d = [`M${s.trunkX} ${s.top} L${s.trunkX} ${s.buses.length ? s.buses[s.buses.length - 1].y : s.top}`, ...s.buses.map((b) => `M${b.x1} ${b.y} L${b.x2} ${b.y}`)].join(' ');
      const p = this.reg(s.seg.id, svg('path', { d, class: 'pp-segment', 'data-testid': 'segment', 'data-cidr': s.seg.cidr }, g));
      svg('title', {}, p, this.t('topology.underlay', s.seg.cidr));
      const first = s.buses[0];
      if (first) this.reg(s.seg.id, label(g, s.trunkX + 8, first.y - 6, this.t('topology.underlay', s.seg.cidr), 'pp-text pp-small pp-muted', 400, 11, { 'data-testid': 'segment-label' }));
    }
    for (const [id, pts] of L.links) {
      if (id.startsWith('wire:')) this.reg(id, svg('path', { d: points(pts), class: 'pp-link pp-link-wire', 'data-testid': 'link', 'data-kind': 'wire' }, g));
      else if (id.startsWith('uplink:') || id === 'exit') this.reg(id, svg('path', { d: points(pts), class: 'pp-link pp-link-wire', 'data-testid': 'link', 'data-kind': id === 'exit' ? 'exit' : 'uplink' }, g));
    }
    const m = this.model!;
    const router = L.router;
    const rg = this.reg(m.router.id, svg('g', { class: 'pp-router', 'data-testid': 'router', tabindex: 0, role: 'button', 'aria-label': this.t('topology.router') }, g));
    svg('rect', { x: router.x, y: router.y, width: router.w, height: router.h, rx: 8, class: 'pp-box pp-kind-router' }, rg);
    label(rg, router.x + 10, router.y + 20, this.t('topology.router'), 'pp-text pp-strong', router.w - 20, 12);
    label(rg, router.x + 10, router.y + 38, m.router.addresses.join(', '), 'pp-text pp-mono pp-small', router.w - 20, 11);
    const ext = L.external;
    const eg = this.reg(m.external.id, svg('g', { class: 'pp-external', 'data-testid': 'external' }, g));
    svg('rect', { x: ext.x, y: ext.y, width: ext.w, height: ext.h, rx: 26, class: 'pp-box pp-kind-external' }, eg);
    label(eg, ext.x + ext.w / 2, ext.y + ext.h / 2 + 4, this.t('topology.external'), 'pp-text pp-muted', ext.w - 24, 12, { 'text-anchor': 'middle' });
  }

  private drawBand(): void {
    const L = this.layout!;
    if (!L.serviceBand) return;
    const b = L.serviceBand;
    svg('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: 10, class: 'pp-band' }, this.layers.band);
    label(this.layers.band, b.x + 12, b.y + 19, this.t('topology.services'), 'pp-text pp-strong pp-muted', b.w - 24, 12, { 'data-testid': 'services-title' });
  }

  // ---- nodes ------------------------------------------------------------------------------

  private drawNode(b: NodeBox, lod: Lod): SVGGElement {
    const n = b.node;
    const g = svg('g', { class: `pp-node${b.expanded ? '' : ' pp-collapsed'}`, 'data-testid': 'node', 'data-node': n.name, 'data-collapsed': String(!b.expanded), 'data-expanded': String(b.expanded) });
    this.reg(n.id, g);
    const r = b.rect;
    svg('rect', { x: r.x, y: r.y, width: r.w, height: r.h, rx: 10, class: 'pp-box pp-kind-node' }, g);
    const detail = lod === 'detail';
    const head = svg('g', {
      class: 'pp-node-header', 'data-testid': 'node-header', tabindex: 0, role: 'button', 'aria-expanded': String(b.expanded),
      'aria-label': this.t(b.expanded ? 'topology.collapse' : 'topology.expand', n.name), 'data-toggle': n.name,
    }, g);
    svg('rect', { x: r.x, y: r.y, width: r.w, height: b.header.h, rx: 10, class: 'pp-hit' }, head);
    if (detail) {
      svg('text', { x: r.x + 14, y: r.y + 24, class: 'pp-text pp-toggle', 'aria-hidden': 'true' }, head, b.expanded ? '▾' : '▸');
      label(head, r.x + 30, r.y + 24, n.name, 'pp-text pp-title', r.w - 250, 15, { 'data-testid': 'node-name' });
      label(head, r.x + 30, r.y + 44, `${n.ip} · pods ${n.podCIDR}${n.unschedulable ? ' · unschedulable' : ''}`, 'pp-text pp-mono pp-small', r.w - 60, 11, { 'data-testid': 'node-address' });
      if (b.nodePort) this.drawNodePort(g, b);
    } else {
      const size = Math.min(14 / DETAIL_ZOOM * 1.4, (r.w - 20) / (Math.max(4, n.name.length) * 0.62));
      svg('text', { x: r.x + 12, y: r.y + size + 6, class: 'pp-text pp-title pp-overview-label', 'font-size': Math.round(size) }, head, n.name);
    }

    for (const bus of b.buses) svg('path', { d: points(bus), class: `pp-bus${this.model!.cluster.bridge ? '' : ' pp-bus-routed'}` }, g);
    for (const p of b.pods) this.drawPod(g, p, detail);
    if (b.summary) {
      const s = b.summary;
      const sg = this.reg(`podsum:${n.name}`, svg('g', { class: 'pp-summary', 'data-testid': 'pod-summary' }, g));
      svg('rect', { x: s.x, y: s.y, width: s.w, height: s.h, rx: 6, class: 'pp-box pp-kind-summary' }, sg);
      if (detail) label(sg, s.x + 10, s.y + 19, this.t('topology.nodeCollapsed', n.pods.length, b.isolated), 'pp-text pp-small', s.w - 20, 11);
    }
    // Links inside the node: veth pairs, bridge ports, device ↔ stack.
    for (const id of b.linkIds) {
      const pts = this.layout!.links.get(id);
      if (!pts) continue;
      const kind = id.slice(0, id.indexOf(':'));
      this.reg(id, svg('path', { d: points(pts), class: `pp-link pp-link-${kind}${kind === 'port' && !this.model!.cluster.bridge ? ' pp-link-routed' : ''}`, 'data-testid': 'link', 'data-kind': kind }, g));
    }
    for (const p of b.pods) if (p.hostVeth) this.drawDevice(g, p.hostVeth.d, p.hostVeth.rect, detail, false);
    if (b.bridge) this.drawDevice(g, b.bridge.d, b.bridge.rect, detail, true);
    const st = b.stack;
    const sg = this.reg(n.stackId, svg('g', { class: 'pp-stack', 'data-testid': 'stack' }, g));
    svg('rect', { x: st.x, y: st.y, width: st.w, height: st.h, rx: 5, class: 'pp-box pp-kind-stack' }, sg);
    if (detail) {
      const text = this.model!.cluster.bridge ? this.t('topology.stack', this.model!.cluster.kubeProxyMode) : `${this.t('topology.stack', this.model!.cluster.kubeProxyMode)} — ${this.t('topology.routedPorts')}`;
      label(sg, st.x + 10, st.y + 18, text, 'pp-text pp-small', st.w - 70, 11);
    }
    if (b.lo) this.drawDevice(g, b.lo.d, b.lo.rect, detail, false);
    for (const h of b.hostPods) {
      const hg = this.reg(h.pod.id, svg('g', { class: 'pp-pod pp-hostpod', 'data-testid': 'pod', 'data-pod': h.pod.key, 'data-host-network': 'true', tabindex: detail ? 0 : undefined, role: 'button', 'aria-label': `${h.pod.key} ${this.t('topology.hostNetwork')}` }, g));
      svg('rect', { x: h.rect.x, y: h.rect.y, width: h.rect.w, height: h.rect.h, rx: 6, class: 'pp-box pp-kind-pod' }, hg);
      if (detail) {
        label(hg, h.rect.x + 8, h.rect.y + 16, h.pod.name, 'pp-text pp-strong', h.rect.w - 16, 12, { 'data-testid': 'pod-name' });
        label(hg, h.rect.x + 8, h.rect.y + 32, `${this.t('topology.hostNetwork')} · ${h.pod.namespace}`, 'pp-text pp-small pp-muted', h.rect.w - 16, 11);
      }
    }
    for (const d of b.devices) this.drawDevice(g, d.d, d.rect, detail, false);
    return g;
  }

  private drawNodePort(g: SVGGElement, b: NodeBox): void {
    const m = this.model!;
    const r = b.nodePort!;
    const ports = m.nodePorts.map((p) => `${p.port}/${p.protocol}`);
    const text = this.t('topology.nodePorts', ports.length > 3 ? `${ports.slice(0, 3).join(', ')} +${ports.length - 3}` : ports.join(', '));
    const ng = this.reg(b.node.nodePortId, svg('g', { class: 'pp-nodeport', 'data-testid': 'nodeport', 'data-ports': m.nodePorts.map((p) => p.port).join(' ') }, g));
    svg('rect', { x: r.x, y: r.y, width: r.w, height: r.h, rx: 10, class: 'pp-box pp-kind-nodeport' }, ng);
    label(ng, r.x + 8, r.y + 14, text, 'pp-text pp-small pp-mono', r.w - 16, 11);
    svg('title', {}, ng, ports.join(', '));
  }

  private drawPod(g: SVGGElement, p: NodeBox['pods'][number], detail: boolean): void {
    const pod = p.pod;
    const r = p.rect;
    const pg = this.reg(pod.id, svg('g', { class: 'pp-pod', 'data-testid': 'pod', 'data-pod': pod.key, tabindex: detail ? 0 : undefined, role: 'button', 'aria-label': `${pod.key} ${pod.ip}` }, g));
    svg('rect', { x: r.x, y: r.y, width: r.w, height: r.h, rx: 8, class: 'pp-box pp-kind-pod' }, pg);
    if (!detail) return;
    label(pg, r.x + 8, r.y + 17, pod.name, 'pp-text pp-strong', r.w - (p.badge ? 76 : 16), 12, { 'data-testid': 'pod-name' });
    label(pg, r.x + 8, r.y + 34, `${pod.ip} · ${pod.namespace}`, 'pp-text pp-mono pp-small', r.w - 16, 11, { 'data-testid': 'pod-ip' });
    if (p.badge && pod.isolation) this.drawBadge(pg, pod, p.badge);
    const pa = p.pause;
    const pauseG = svg('g', { class: 'pp-pause', 'data-testid': 'pause' }, pg);
    svg('rect', { x: pa.x, y: pa.y, width: pa.w, height: pa.h, rx: 3, class: 'pp-box pp-kind-pause' }, pauseG);
    label(pauseG, pa.x + 6, pa.y + 11, this.t('topology.pause.container'), 'pp-text pp-tiny pp-muted', pa.w - 12, 10);
    for (const c of p.containers) {
      const cg = this.reg(c.c.id, svg('g', { class: 'pp-container', 'data-testid': 'container', 'data-container': c.c.name }, pg));
      svg('rect', { x: c.rect.x, y: c.rect.y, width: c.rect.w, height: c.rect.h, rx: 3, class: 'pp-box pp-kind-container' }, cg);
      label(cg, c.rect.x + 6, c.rect.y + 11, `${c.c.name}${c.c.ports.length ? ` :${c.c.ports.map((x) => x.split(' ').pop()).join(',')}` : ''}`, 'pp-text pp-tiny', c.rect.w - 12, 10);
      if (c.c.image) svg('title', {}, cg, `${c.c.name} (${c.c.image})${c.c.ports.length ? ` — ${c.c.ports.join(', ')}` : ''}`);
    }
    for (const d of p.devices) this.drawDevice(pg, d.d, d.rect, true, false);
  }

  private drawBadge(pg: SVGGElement, pod: TopoPod, r: Rect): void {
    const iso = pod.isolation!;
    const dirs = [iso.ingress ? this.t('topology.ingress') : '', iso.egress ? this.t('topology.egress') : ''].filter(Boolean);
    const bg = this.reg(`badge:${pod.key}`, svg('g', { class: 'pp-badge', 'data-testid': 'policy-badge', 'data-policies': iso.policies.join(' ') }, pg));
    svg('rect', { x: r.x, y: r.y, width: r.w, height: r.h, rx: 8, class: 'pp-box pp-kind-badge' }, bg);
    // A small shield drawn as a path: no font is needed for the glyph.
    const sx = r.x + 6;
    const sy = r.y + 3;
    svg('path', { d: `M${sx} ${sy + 1} L${sx + 4} ${sy} L${sx + 8} ${sy + 1} L${sx + 8} ${sy + 5} Q${sx + 8} ${sy + 9} ${sx + 4} ${sy + 10} Q${sx} ${sy + 9} ${sx} ${sy + 5} Z`, class: 'pp-shield' }, bg);
    label(bg, r.x + 18, r.y + 12, dirs.map((d) => d.slice(0, 2)).join('+'), 'pp-text pp-tiny', r.w - 20, 10);
    svg('title', {}, bg, this.t('topology.isolated', `${dirs.join(', ')} — ${iso.policies.map((id) => id.slice(7)).join(', ')}`));
  }

  private drawDevice(g: SVGGElement, d: TopoDevice, r: Rect, detail: boolean, bar: boolean): void {
    const dg = this.reg(d.id, svg('g', { class: `pp-device pp-role-${d.role}`, 'data-testid': 'device', 'data-device': d.name, 'data-role': d.role }, g));
    svg('rect', { x: r.x, y: r.y, width: r.w, height: r.h, rx: bar ? 5 : 4, class: `pp-box pp-kind-${d.role}` }, dg);
    if (!detail) return;
    const addr = d.addresses.join(' ');
    if (bar) {
      label(dg, r.x + 10, r.y + 18, `${d.name} · ${addr} · ${d.kind}`, 'pp-text pp-mono pp-small', r.w - 20, 11);
    } else if (r.h >= 36) {
      label(dg, r.x + 8, r.y + 16, d.name, 'pp-text pp-mono pp-strong pp-small', r.w - 16, 11);
      label(dg, r.x + 8, r.y + 31, [addr, d.detail].filter(Boolean).join(' · ') || d.kind, 'pp-text pp-mono pp-tiny', r.w - 16, 10);
    } else {
      label(dg, r.x + 6, r.y + 14, d.name === 'lo' || !addr ? d.name : `${d.name} ${addr}`, 'pp-text pp-mono pp-tiny', r.w - 10, 10);
    }
    const tip = [d.name, d.kind, addr, d.mac, `mtu ${d.mtu}`, d.detail].filter(Boolean).join(' · ');
    svg('title', {}, dg, tip);
  }

  // ---- Services ---------------------------------------------------------------------------

  private drawService(s: ServiceBox, lod: Lod): SVGGElement {
    const svc = s.svc;
    const r = s.rect;
    const g = svg('g', { class: 'pp-service', 'data-testid': 'service', 'data-service': svc.key, tabindex: lod === 'detail' ? 0 : undefined, role: 'button', 'aria-label': `${svc.key} ${svc.clusterIP ?? ''}` });
    this.reg(svc.id, g);
    svg('rect', { x: r.x, y: r.y, width: r.w, height: r.h, rx: 14, class: 'pp-box pp-kind-service' }, g);
    if (lod !== 'detail') return g;
    label(g, r.x + 12, r.y + 18, `${svc.key} · ${svc.type}`, 'pp-text pp-strong pp-small', r.w - 24, 11, { 'data-testid': 'service-name' });
    const vip = svc.headless ? 'clusterIP: None' : svc.externalName ? `→ ${svc.externalName}` : svc.clusterIP ?? '';
    const ports = svc.ports.map((p) => `${p.port}→${p.targetPort}/${p.protocol}${p.nodePort !== undefined ? ` :${p.nodePort}` : ''}`).join(', ');
    label(g, r.x + 12, r.y + 36, `${vip}${ports ? ` · ${ports}` : ''}`, 'pp-text pp-mono pp-tiny', r.w - 24, 10, { 'data-testid': 'service-vip' });
    return g;
  }

  private drawEndpoints(): void {
    const L = this.layout;
    const g = this.layers.endpoints;
    clear(g);
    if (!L) return;
    const d = this.decor;
    for (const s of L.services) {
      const show = d.allEndpoints || d.selected === s.svc.id || d.lit.has(s.svc.id);
      for (const e of s.svc.endpoints) {
        if (!show && !d.lit.has(e.id)) continue;
        const pts = L.links.get(e.id);
        if (!pts) continue;
        const [a, b] = pts;
        const midY = (a.y + b.y) / 2;
        this.reg(e.id, svg('path', { d: `M${a.x} ${a.y} C${a.x} ${midY} ${b.x} ${midY} ${b.x} ${b.y}`, class: `pp-link pp-link-endpoint${e.ready ? '' : ' pp-not-ready'}`, 'data-testid': 'link', 'data-kind': 'endpoint' }, g));
      }
    }
  }

  private drawExtra(): void {
    const g = this.layers.extra;
    clear(g);
    const L = this.layout;
    if (!L) return;
    for (const l of this.decor.extraLinks) {
      const a = L.rects.get(l.from);
      const b = L.rects.get(l.to);
      if (!a || !b) continue;
      const pa: Point = { x: a.x + a.w / 2, y: a.y + a.h };
      const pb: Point = { x: b.x + b.w / 2, y: b.y + b.h };
      const dip = Math.max(pa.y, pb.y) + 70;
      this.reg(l.id, svg('path', { d: `M${pa.x} ${pa.y} C${pa.x} ${dip} ${pb.x} ${dip} ${pb.x} ${pb.y}`, class: `pp-link pp-link-${l.kind}`, 'data-testid': 'link', 'data-kind': l.kind }, g));
    }
  }
}

/** The polyline of a drawn tunnel (for the animation), matching drawExtra's curve ends. */
export function tunnelPoints(layout: Layout, l: TopoLink): Point[] | undefined {
  const a = layout.rects.get(l.from);
  const b = layout.rects.get(l.to);
  if (!a || !b) return undefined;
  const dip = Math.max(a.y + a.h, b.y + b.h) + 52;
  return [{ x: a.x + a.w / 2, y: a.y + a.h }, { x: a.x + a.w / 2, y: dip }, { x: b.x + b.w / 2, y: dip }, { x: b.x + b.w / 2, y: b.y + b.h }];
}

