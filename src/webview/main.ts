import type { SourceRange } from '../core/common/source';
import type { TopoLink, TopoNode, TopologyModel } from '../core/topology/model';
import type { OverlayHop, TraceOverlay } from '../core/topology/overlay';
import { Camera, fitScale } from './camera';
import { clear, html, svg } from './dom';
import { exportSvg, svgToPngBase64 } from './export';
import { ENGLISH, StringKey, Strings, format, mergeStrings } from './l10n';
import { Layout, Rect, bounds, computeLayout, intersects } from './layout';
import { Lookup, Panel, buildLookup } from './panel';
import { HostMessage, PageCommand, PageMessage, PageState, isHostMessage } from './protocol';
import { Decor, Renderer } from './render';
import { SearchIndex } from './search';
import { PacketDot, activePath, drawMarkers, hopWaypoints, litElements } from './trace-view';

/**
 * The topology page. It receives a model (and maybe a trace) from the host, lays it out, draws
 * what is in view and keeps the user's zoom, selection and folded nodes across updates with
 * getState/setState. It computes nothing about networking: that all came from the core.
 */

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** In VS Code the webview API; standalone (tests, a browser) a stand-in that keeps state in memory. */
function connect(): VsCodeApi {
  if (typeof acquireVsCodeApi === 'function') return acquireVsCodeApi();
  let state: unknown;
  return {
    postMessage: (m) => { if (window.parent !== window) window.parent.postMessage(m, '*'); },
    getState: () => state,
    setState: (s) => { state = s; },
  };
}

/** Clusters at most this large open with every node expanded. */
/**
 * The smallest zoom the first view uses when it cannot show everything: pod names (12 px) at
 * 9 px on screen, node names (15 px) at 11 px.
 */
const LEGIBLE_SCALE = 0.75;
const EXPAND_PODS = 300;
const EXPAND_NODES = 24;
/** Draw every Service → endpoint link up to this many; beyond, only for the selected or traced Service. */
const ALL_ENDPOINTS = 300;

class App {
  private readonly api = connect();
  private state: PageState;
  private strings: Strings = mergeStrings({});
  private model?: TopologyModel;
  private layout?: Layout;
  private overlay?: TraceOverlay;
  /** The trace as sent, and its reply when the host traced it: the reply toggle picks one. */
  private forward?: TraceOverlay;
  private reply?: TraceOverlay;
  private showingReply = false;
  private branch = 0;
  private hop = 0;
  private path: OverlayHop[] = [];
  private lookup: Lookup = new Map();
  private index?: SearchIndex;
  private found = new Set<string>();
  private firstModel = true;
  private frame = 0;
  private saveTimer = 0;
  private playing = false;
  private readonly tunnels = new Map<string, TopoLink & { kind: 'tunnel' }>();
  private readonly bindings: [Element, StringKey, string | undefined][] = [];

  private readonly svgEl: SVGSVGElement;
  /** Label boxes measured once per text element (its place never changes; elements are replaced). */
  private readonly textBoxes = new WeakMap<SVGTextElement, Rect>();
  private readonly camera: Camera;
  private readonly renderer: Renderer;
  private readonly panel: Panel;
  private readonly dot: PacketDot;
  private readonly searchInput: HTMLInputElement;
  private readonly results: HTMLUListElement;
  private readonly summary: HTMLElement;
  private readonly status: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly playButton: HTMLButtonElement;
  private readonly replyButton: HTMLButtonElement;
  private readonly sideButton: HTMLButtonElement;
  private readonly main: HTMLElement;
  private readonly side: HTMLElement;

  constructor(root: HTMLElement) {
    const saved = this.api.getState() as PageState | undefined;
    this.state = saved && saved.v === 1 ? { ...saved, expanded: { ...(saved.expanded ?? {}) } } : { v: 1, expanded: {} };
    const t = this.t.bind(this);

    const app = html('div', { class: 'pp-app' }, root);
    const bar = html('div', { class: 'pp-toolbar', role: 'toolbar', 'data-testid': 'toolbar' }, app);
    this.bind(bar, 'topology.toolbar', 'aria-label');
    const search = html('div', { class: 'pp-search', role: 'search' }, bar);
    this.searchInput = html('input', { type: 'search', 'data-testid': 'search', autocomplete: 'off', spellcheck: 'false', 'aria-controls': 'pp-results', 'aria-autocomplete': 'list' }, search);
    this.bind(this.searchInput, 'topology.search', 'placeholder');
    this.bind(this.searchInput, 'topology.search', 'aria-label');
    this.results = html('ul', { id: 'pp-results', class: 'pp-results', role: 'listbox', 'data-testid': 'search-results', hidden: true }, search);
    const button = (glyph: string, key: StringKey, testid: string, action: () => void) => {
      const b = html('button', { type: 'button', class: 'pp-tool', 'data-testid': testid }, bar, glyph);
      this.bind(b, key, 'aria-label');
      this.bind(b, key, 'title');
      b.addEventListener('click', action);
      return b;
    };
    button('−', 'topology.zoomOut', 'zoom-out', () => this.command('zoomOut'));
    button('+', 'topology.zoomIn', 'zoom-in', () => this.command('zoomIn'));
    button('⤢', 'topology.fit', 'zoom-fit', () => this.command('fit'));
    button('⊞', 'topology.expandAll', 'expand-all', () => this.command('expandAll'));
    button('⊟', 'topology.collapseAll', 'collapse-all', () => this.command('collapseAll'));
    // Hop steps are chevrons and the animation a triangle, so "next hop" and "play" never look alike.
    button('‹', 'topology.previousHop', 'previous-hop', () => this.command('previousHop'));
    this.playButton = button('▶', 'topology.play', 'play', () => this.command('play'));
    button('›', 'topology.nextHop', 'next-hop', () => this.command('nextHop'));
    this.replyButton = button('⇄', 'topology.reply', 'toggle-reply', () => this.command('toggleReply'));
    this.replyButton.hidden = true;
    this.replyButton.setAttribute('aria-pressed', 'false');
    button('SVG', 'topology.exportSvg', 'export-svg', () => this.command('exportSvg'));
    button('PNG', 'topology.exportPng', 'export-png', () => this.command('exportPng'));
    this.summary = html('span', { class: 'pp-summary', 'data-testid': 'summary' }, bar);
    this.sideButton = button('◨', 'topology.toggleSide', 'toggle-side', () => this.command('toggleSide'));

    const main = html('div', { class: 'pp-main' }, app);
    const canvas = html('div', { class: 'pp-canvas' }, main);
    this.svgEl = svg('svg', { class: 'pp-diagram', 'data-testid': 'diagram', tabindex: 0, role: 'application', 'aria-roledescription': 'diagram' }, canvas);
    this.bind(this.svgEl, 'topology.diagram', 'aria-label');
    const viewport = svg('g', { class: 'pp-viewport', 'data-testid': 'viewport' }, this.svgEl);
    this.empty = html('div', { class: 'pp-empty', 'data-testid': 'empty' }, canvas);
    this.bind(this.empty, 'topology.waiting', undefined);
    const splitter = html('div', { class: 'pp-splitter', 'data-testid': 'side-splitter', role: 'separator', 'aria-orientation': 'vertical', tabindex: 0 }, main);
    this.bind(splitter, 'topology.resizeSide', 'title');
    this.bind(splitter, 'topology.resizeSide', 'aria-label');
    const side = html('aside', { class: 'pp-side', 'data-testid': 'side-panel' }, main);
    this.main = main;
    this.side = side;
    this.wireSplitter(splitter);
    this.applySide();
    this.status = html('div', { class: 'pp-status', role: 'status', 'aria-live': 'polite', 'data-testid': 'status' }, app);

    this.camera = new Camera(this.svgEl, viewport);
    this.renderer = new Renderer(viewport, t);
    this.dot = new PacketDot(() => this.renderer.packet);
    this.panel = new Panel(side, t, {
      hop: (i) => this.setHop(i, true),
      branch: (i) => this.setBranch(i),
      reveal: (r) => this.revealSource(r),
      select: (id) => this.select(id),
    });
    this.camera.onChange(() => {
      if (!this.model) return;
      this.state.view = { x: this.camera.x, y: this.camera.y, k: this.camera.k };
      this.state.userView = this.camera.user;
      this.scheduleFrame();
      this.save();
    });
    // Resized (a split editor, a side panel dragged, the window): refit until the user zooms.
    new ResizeObserver(() => {
      if (this.model && this.layout && !this.camera.user) this.firstView();
      this.scheduleFrame();
    }).observe(this.svgEl);
    this.wireInput();
    this.applyStrings();
    window.addEventListener('message', (e) => this.receive(e.data));
    this.post({ type: 'ready' });
  }

  // ---- messages ---------------------------------------------------------------------------

  private receive(data: unknown): void {
    if (!isHostMessage(data)) return;
    try {
      this.handle(data);
    } catch (e) {
      this.post({ type: 'error', message: String((e as Error)?.stack ?? e) });
    }
  }

  private handle(m: HostMessage): void {
    switch (m.type) {
      case 'l10n':
        this.strings = mergeStrings(m.strings);
        document.documentElement.lang = m.locale || 'en';
        this.applyStrings();
        return;
      case 'model':
        return this.setModel(m.model, m.overlay, m.reply);
      case 'trace':
        this.setTraces(m.overlay ?? undefined, m.reply ?? undefined);
        this.relayout();
        this.focusTrace();
        return;
      case 'reveal':
        if (m.id) this.reveal(m.id);
        else if (m.query) {
          const hit = this.index?.find(m.query, 1).hits[0];
          if (hit) this.reveal(hit.id);
        }
        return;
      case 'command':
        this.command(m.command);
    }
  }

  private post(m: PageMessage): void {
    this.api.postMessage(m);
  }

  // ---- model and trace --------------------------------------------------------------------

  private setModel(model: TopologyModel, overlay: TraceOverlay | null | undefined, reply?: TraceOverlay | null): void {
    const t0 = performance.now();
    this.model = model;
    this.lookup = buildLookup(model);
    this.index = new SearchIndex(model);
    if (overlay !== undefined) this.setTraces(overlay ?? undefined, reply ?? undefined);
    else this.setOverlay(this.overlay);
    if (this.state.selected && !this.lookup.has(this.state.selected) && !this.state.selected.startsWith('policy:')) delete this.state.selected;
    this.relayout();
    const first = this.firstModel;
    if (first) {
      this.firstModel = false;
      const v = this.state.view;
      if (v && this.state.userView) {
        this.camera.user = true;
        this.camera.set(v.x, v.y, v.k);
      } else this.firstView();
    }
    this.empty.hidden = true;
    document.body.dataset.ready = 'true';
    this.summary.textContent = this.t('topology.summary', model.stats.nodes, model.stats.pods, model.stats.services, model.stats.policies,
      `${model.cluster.plugin}${model.cluster.backend !== 'none' ? ` ${model.cluster.backend}` : ''} · ${model.cluster.kubeProxyMode}`);
    this.panel.showPolicies(model, this.state.selected);
    this.panel.showDetails(this.state.selected, this.lookup, model);
    this.panel.showLegend();
    // Measured to the first frame painted with the new diagram: rAF runs before paint, the task after it runs after.
    requestAnimationFrame(() => setTimeout(() => {
      const ms = Math.round((performance.now() - t0) * 10) / 10;
      document.body.dataset.renderMs = String(ms);
      if (first) {
        document.body.dataset.firstPaintMs = String(ms);
        document.body.dataset.firstPaintSinceNavigationMs = String(Math.round(performance.now()));
      }
      this.post({ type: 'rendered', ms, nodes: model.stats.nodes, pods: model.stats.pods, firstPaint: first });
    }, 0));
  }

  /** A trace and its reply arrive together; the toggle stays on the reply while there is one. */
  private setTraces(forward: TraceOverlay | undefined, reply: TraceOverlay | undefined): void {
    this.forward = forward;
    this.reply = forward ? reply : undefined;
    if (!this.reply) this.showingReply = false;
    this.replyButton.hidden = !this.reply;
    this.replyButton.setAttribute('aria-pressed', String(this.showingReply));
    this.setOverlay(this.showingReply ? this.reply : forward);
  }

  /** The reply toggle: the way back through conntrack instead of the request, and back again. */
  private toggleReply(): void {
    if (!this.reply) return;
    this.showingReply = !this.showingReply;
    this.replyButton.setAttribute('aria-pressed', String(this.showingReply));
    document.body.dataset.reply = this.showingReply ? 'shown' : 'hidden';
    this.setOverlay(this.showingReply ? this.reply : this.forward);
    this.relayout();
    this.focusTrace();
  }

  private setOverlay(overlay: TraceOverlay | undefined): void {
    const same = overlay && this.state.traceTitle === overlay.title;
    this.overlay = overlay;
    this.branch = same && (this.state.branch ?? 0) < (overlay?.branches.length ?? 0) ? this.state.branch ?? 0 : 0;
    this.path = activePath(overlay, this.branch);
    const want = same ? this.state.hop ?? 1 : 1;
    this.hop = this.path.some((h) => h.index === want) ? want : this.path[0]?.index ?? 0;
    this.state.traceTitle = overlay?.title;
    this.state.branch = this.branch;
    this.state.hop = this.hop;
    this.tunnels.clear();
    for (const l of overlay?.extraLinks ?? []) if (l.kind === 'tunnel') this.tunnels.set(l.id, l as TopoLink & { kind: 'tunnel' });
    this.dot.remove();
    this.stopPlaying();
    document.body.dataset.trace = overlay ? 'shown' : 'none';
    this.panel.showTrace(overlay, this.branch, this.path, this.hop);
    this.save();
  }

  private setBranch(i: number): void {
    if (!this.overlay) return;
    this.branch = i;
    this.path = activePath(this.overlay, i);
    if (!this.path.some((h) => h.index === this.hop)) this.hop = this.path[0]?.index ?? 0;
    this.state.branch = i;
    this.dot.remove();
    this.panel.showTrace(this.overlay, i, this.path, this.hop);
    this.relayout();
    this.save();
  }

  private traceNodes(): Set<string> {
    const s = new Set<string>();
    for (const h of this.path) if (this.model?.nodes.some((n) => n.name === h.node)) s.add(h.node);
    return s;
  }

  private isLarge(): boolean {
    return !!this.model && (this.model.stats.pods > EXPAND_PODS || this.model.nodes.length > EXPAND_NODES);
  }

  private expanded(n: TopoNode, traced: Set<string>): boolean {
    const chosen = this.state.expanded[n.name];
    if (chosen !== undefined) return chosen;
    return !this.isLarge() || traced.has(n.name);
  }

  private relayout(): void {
    if (!this.model) return;
    const traced = this.traceNodes();
    this.layout = computeLayout(this.model, (n) => this.expanded(n, traced));
    this.renderer.setModel(this.model, this.layout);
    this.draw();
  }

  // ---- drawing ----------------------------------------------------------------------------

  private scheduleFrame(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    if (!this.layout || !this.model) return;
    this.renderer.update(this.camera.visible(), this.camera.k);
    this.renderer.decorate(this.decor());
    drawMarkers(this.renderer.markers, this.layout, this.path, this.hop, this.camera.k, () => this.labelBoxes());
    if (this.dot.pos) this.dot.place(this.dot.pos, this.camera.k);
    this.panel.markPolicies(litElements(this.path));
    this.svgEl.setAttribute('data-zoom', String(Math.round(this.camera.k * 1000) / 1000));
  }

  /** The boxes of the labels on screen, in world coordinates (only the viewport is transformed). */
  private labelBoxes(): Rect[] {
    const out: Rect[] = [];
    for (const t of this.svgEl.querySelectorAll<SVGTextElement>('text.pp-text')) {
      let b = this.textBoxes.get(t);
      if (!b) {
        const { x, y, width, height } = t.getBBox();
        b = { x, y, w: width, h: height };
        this.textBoxes.set(t, b);
      }
      if (b.w > 0) out.push(b);
    }
    return out;
  }

  private decor(): Decor {
    const lit = litElements(this.path);
    const cur = new Set(this.path.find((h) => h.index === this.hop)?.elements ?? []);
    const endpoints = this.model ? this.model.services.reduce((s, x) => s + x.endpoints.length, 0) : 0;
    const found = new Set(this.found);
    const sel = this.state.selected;
    const policy = sel?.startsWith('policy:') ? this.model?.policies.find((p) => p.id === sel) : undefined;
    if (policy) for (const p of policy.pods) found.add(p);
    return {
      lit, current: cur, ...(sel ? { selected: sel } : {}), found, allEndpoints: endpoints <= ALL_ENDPOINTS,
      extraLinks: (this.overlay?.extraLinks ?? []).filter((l) => lit.has(l.id)),
    };
  }

  /** "Fit to window" (button, `0`): the whole cluster, and resizes refit again. */
  private fitAll(): void {
    this.camera.user = false;
    if (this.layout) this.camera.fit({ x: 0, y: 0, w: this.layout.width, h: this.layout.height });
  }

  /**
   * The view the page opens with (and keeps while the panel is resized, until the user zooms):
   * the whole cluster when its names are readable that way; otherwise the traced path, or the
   * selected element, at a scale where they are; with neither, the whole cluster as overview.
   */
  private firstView(): void {
    if (!this.layout) return;
    const all = { x: 0, y: 0, w: this.layout.width, h: this.layout.height };
    const { w, h } = this.camera.size();
    if (fitScale(all, w, h) >= LEGIBLE_SCALE) return this.camera.fit(all);
    const focus = this.path.length ? this.pathBounds() : this.state.selected ? this.layout.rects.get(this.state.selected) : undefined;
    if (!focus) return this.camera.fit(all);
    const k = Math.max(LEGIBLE_SCALE, Math.min(1.25, fitScale(focus, w, h)));
    // A path wider than the panel at that scale starts at its current hop.
    const hopRect = this.path.length ? this.layout.rects.get(this.path.find((p) => p.index === this.hop)?.focus ?? '') : undefined;
    const at = focus.w * k > w - 48 && hopRect ? hopRect : focus;
    this.camera.set(w / 2 - (at.x + at.w / 2) * k, h / 2 - (at.y + at.h / 2) * k, k);
  }

  private pathBounds(): Rect | undefined {
    if (!this.layout) return undefined;
    const rects = [...litElements(this.path)].map((id) => this.layout!.rects.get(id)).filter((r): r is Rect => !!r && r.w < 5000);
    const b = bounds(rects);
    return b ? { x: b.x - 40, y: b.y - 40, w: b.w + 80, h: b.h + 80 } : undefined;
  }

  // ---- side panel -------------------------------------------------------------------------

  private applySide(): void {
    const hidden = !!this.state.sideHidden;
    this.main.classList.toggle('pp-side-hidden', hidden);
    this.side.hidden = hidden;
    if (this.state.sideWidth) this.main.style.setProperty('--pp-side-width', `${this.state.sideWidth}px`);
    this.sideButton.setAttribute('aria-pressed', String(!hidden));
    document.body.dataset.side = hidden ? 'hidden' : 'shown';
  }

  /** Dragging the bar between diagram and panel sets the panel's width (kept in the page state). */
  private wireSplitter(bar: HTMLElement): void {
    let drag: { id: number; x: number; width: number } | undefined;
    bar.addEventListener('pointerdown', (e) => {
      drag = { id: e.pointerId, x: e.clientX, width: this.side.getBoundingClientRect().width };
      bar.setPointerCapture(e.pointerId);
    });
    bar.addEventListener('pointermove', (e) => {
      if (!drag || drag.id !== e.pointerId) return;
      this.setSideWidth(drag.width - (e.clientX - drag.x));
    });
    const end = (e: PointerEvent) => { if (drag?.id === e.pointerId) drag = undefined; };
    bar.addEventListener('pointerup', end);
    bar.addEventListener('pointercancel', end);
    bar.addEventListener('keydown', (e) => {
      const step = e.key === 'ArrowLeft' ? 24 : e.key === 'ArrowRight' ? -24 : 0;
      if (!step) return;
      e.preventDefault();
      this.setSideWidth(this.side.getBoundingClientRect().width + step);
    });
  }

  private setSideWidth(px: number): void {
    const max = Math.max(160, this.main.getBoundingClientRect().width - 160);
    this.state.sideWidth = Math.round(Math.min(max, Math.max(140, px)));
    this.applySide();
    this.save();
  }

  /** Bring the traced path into view (all of it, at a zoom where it can be read when possible). */
  private focusTrace(fit = false): void {
    if (!this.layout || !this.path.length) return;
    const rects = [...litElements(this.path)].map((id) => this.layout!.rects.get(id)).filter((r): r is Rect => !!r && r.w < 5000);
    const b = bounds(rects);
    if (!b) return;
    if (fit || !intersects(b, this.camera.visible())) this.camera.fit({ x: b.x - 40, y: b.y - 40, w: b.w + 80, h: b.h + 80 });
  }

  // ---- hops and animation -----------------------------------------------------------------

  private setHop(i: number, fromUser = false): void {
    const hop = this.path.find((h) => h.index === i);
    if (!hop) return;
    if (fromUser) this.stopPlaying();
    this.hop = i;
    this.state.hop = i;
    this.panel.setCurrent(this.path, i);
    this.status.textContent = this.t('topology.hop', hop.index, hop.summary);
    if (this.layout) {
      const r = this.layout.rects.get(hop.focus);
      if (r && !this.playing) this.dot.place({ x: r.x + r.w / 2, y: r.y + r.h / 2 }, this.camera.k);
      if (r && fromUser && !intersects(r, this.camera.visible())) this.camera.reveal(r, this.camera.k);
    }
    this.draw();
    this.save();
  }

  private step(delta: number): void {
    const at = this.path.findIndex((h) => h.index === this.hop);
    const next = this.path[Math.min(this.path.length - 1, Math.max(0, at + delta))];
    if (next) this.setHop(next.index, true);
  }

  private async play(): Promise<void> {
    if (this.playing) return this.stopPlaying();
    if (!this.layout || !this.path.length) return;
    this.playing = true;
    this.playButton.textContent = '❚❚';
    this.bindLabel(this.playButton, 'topology.pause');
    const reduce = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    let at = this.path.findIndex((h) => h.index === this.hop);
    if (at < 0 || at >= this.path.length - 1) {
      at = 0;
      this.dot.remove();
    }
    for (let i = at; i < this.path.length && this.playing; i++) {
      const hop = this.path[i];
      this.setHop(hop.index);
      const pts = hopWaypoints(this.layout, hop, this.dot.pos, this.tunnels);
      const done = await this.dot.run(pts, this.camera.k, reduce);
      if (!done) break;
      if (reduce) await new Promise((r) => setTimeout(r, 500));
    }
    this.stopPlaying();
  }

  private stopPlaying(): void {
    if (!this.playing) return;
    this.playing = false;
    this.dot.stop();
    this.playButton.textContent = '▶';
    this.bindLabel(this.playButton, 'topology.play');
  }

  // ---- selection, reveal ------------------------------------------------------------------

  private select(id: string | undefined): void {
    if (id) this.state.selected = id;
    else delete this.state.selected;
    this.renderer.decorate(this.decor());
    this.panel.showDetails(id, this.lookup, this.model);
    this.panel.showPolicies(this.model, id);
    this.panel.markPolicies(litElements(this.path));
    this.post({ type: 'selection', id: id ?? null });
    this.save();
  }

  /** Unfold the node holding an element, centre it, select it. */
  private reveal(id: string): void {
    if (!this.layout || !this.model) return;
    const owner = this.layout.owner.get(id);
    const node = owner ? this.model.nodes.find((n) => n.id === owner) : undefined;
    if (node && !this.layout.nodeByName.get(node.name)?.expanded && id !== node.id) {
      this.state.expanded[node.name] = true;
      this.relayout();
    }
    const r = this.layout.rects.get(id);
    if (r) this.camera.reveal(r);
    this.select(id);
    for (const el of this.renderer.elements(id)) {
      if (el.getAttribute('tabindex') === '0') {
        (el as SVGElement).focus({ preventScroll: true });
        break;
      }
    }
  }

  private revealSource(range: SourceRange): void {
    this.post({ type: 'revealSource', range });
  }

  private toggleNode(name: string): void {
    const b = this.layout?.nodeByName.get(name);
    if (!b) return;
    this.state.expanded[name] = !b.expanded;
    this.relayout();
    this.save();
    // Keep keyboard focus on the header that was toggled.
    const header = this.svgEl.querySelector(`[data-toggle="${CSS.escape(name)}"]`) as SVGElement | null;
    header?.focus({ preventScroll: true });
  }

  private setAll(expanded: boolean): void {
    if (!this.model) return;
    for (const n of this.model.nodes) this.state.expanded[n.name] = expanded;
    this.relayout();
    this.save();
  }

  // ---- commands, input --------------------------------------------------------------------

  private command(c: PageCommand): void {
    switch (c) {
      case 'zoomIn': return this.camera.zoomBy(1.25);
      case 'zoomOut': return this.camera.zoomBy(0.8);
      case 'fit': return this.fitAll();
      case 'expandAll': return this.setAll(true);
      case 'collapseAll': return this.setAll(false);
      case 'nextHop': return this.step(1);
      case 'previousHop': return this.step(-1);
      case 'play': void this.play(); return;
      case 'toggleReply': return this.toggleReply();
      case 'exportSvg': return this.exportAs('svg');
      case 'exportPng': return this.exportAs('png');
      case 'toggleSide':
        this.state.sideHidden = !this.state.sideHidden;
        this.applySide();
        this.save();
        return;
    }
  }

  private exportAs(fmt: 'svg' | 'png'): void {
    const cs = getComputedStyle(this.svgEl);
    const bg = cs.backgroundColor && cs.backgroundColor !== 'rgba(0, 0, 0, 0)' ? cs.backgroundColor : getComputedStyle(document.body).backgroundColor || '#ffffff';
    const out = exportSvg(this.svgEl, bg);
    if (fmt === 'svg') {
      this.post({ type: 'export', format: 'svg', data: out.text, fileName: 'podpath-topology.svg' });
      this.status.textContent = this.t('topology.exported', 'SVG');
      return;
    }
    svgToPngBase64(out.text, out.width, out.height).then((data) => {
      this.post({ type: 'export', format: 'png', data, fileName: 'podpath-topology.png' });
      this.status.textContent = this.t('topology.exported', 'PNG');
    }, (e: Error) => this.post({ type: 'error', message: e.message }));
  }

  private wireInput(): void {
    const svgEl = this.svgEl;
    svgEl.addEventListener('click', (e) => {
      const target = e.target as Element;
      const el = target.closest('[data-id]');
      this.select(el?.getAttribute('data-id') ?? undefined);
    });
    svgEl.addEventListener('dblclick', (e) => {
      const toggle = (e.target as Element).closest('[data-toggle]');
      if (toggle) this.toggleNode(toggle.getAttribute('data-toggle')!);
    });
    document.addEventListener('keydown', (e) => this.key(e));

    const input = this.searchInput;
    input.addEventListener('input', () => this.search(input.value));
    input.addEventListener('keydown', (e) => {
      const opts = Array.from(this.results.querySelectorAll<HTMLElement>('[role=option]'));
      if (e.key === 'ArrowDown' && opts.length) { e.preventDefault(); opts[0].focus(); }
      else if (e.key === 'Enter' && opts.length) { e.preventDefault(); this.pick(opts[0].getAttribute('data-id')!); }
      else if (e.key === 'Escape') { input.value = ''; this.search(''); svgEl.focus(); }
    });
    this.results.addEventListener('keydown', (e) => {
      const opts = Array.from(this.results.querySelectorAll<HTMLElement>('[role=option]'));
      const i = opts.indexOf(document.activeElement as HTMLElement);
      if (e.key === 'ArrowDown') { e.preventDefault(); opts[Math.min(opts.length - 1, i + 1)]?.focus(); }
      else if (e.key === 'ArrowUp') { e.preventDefault(); if (i <= 0) input.focus(); else opts[i - 1].focus(); }
      else if (e.key === 'Enter' && i >= 0) { e.preventDefault(); this.pick(opts[i].getAttribute('data-id')!); }
      else if (e.key === 'Escape') { input.focus(); }
    });
  }

  private search(q: string): void {
    clear(this.results);
    const { hits, total } = this.index?.find(q) ?? { hits: [], total: 0 };
    this.found = new Set(hits.map((h) => h.id));
    this.results.hidden = !q.trim();
    if (q.trim() && !hits.length) html('li', { class: 'pp-muted', 'data-testid': 'search-empty' }, this.results, this.t('topology.searchNoMatch', q));
    else if (hits.length) html('li', { class: 'pp-muted pp-small', role: 'presentation' }, this.results, this.t('topology.searchResults', total));
    for (const h of hits) {
      const li = html('li', { role: 'option', tabindex: -1, 'data-id': h.id, 'data-testid': 'search-hit' }, this.results);
      html('span', { class: 'pp-strong' }, li, h.label);
      html('span', { class: 'pp-muted' }, li, ` ${h.detail}`);
      li.addEventListener('click', () => this.pick(h.id));
    }
    this.renderer.decorate(this.decor());
  }

  private pick(id: string): void {
    this.results.hidden = true;
    this.reveal(id);
  }

  private key(e: KeyboardEvent): void {
    const target = e.target as HTMLElement;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'f') {
      e.preventDefault();
      this.searchInput.focus();
      return;
    }
    if (typing || e.altKey || e.ctrlKey || e.metaKey) return;
    const inDiagram = this.svgEl.contains(target);
    const toggle = target.closest?.('[data-toggle]');
    if ((e.key === 'Enter' || e.key === ' ') && toggle) {
      e.preventDefault();
      return this.toggleNode(toggle.getAttribute('data-toggle')!);
    }
    if (e.key === 'Enter' && inDiagram && (target as Element) !== this.svgEl && target.getAttribute('data-id')) {
      e.preventDefault();
      return this.select(target.getAttribute('data-id')!);
    }
    const pan = 80;
    switch (e.key) {
      case '/': e.preventDefault(); this.searchInput.focus(); return;
      case '+': case '=': e.preventDefault(); this.camera.zoomBy(1.25); return;
      case '-': case '_': e.preventDefault(); this.camera.zoomBy(0.8); return;
      case '0': e.preventDefault(); this.fitAll(); return;
      case 'n': case ']': e.preventDefault(); this.step(1); return;
      case 'p': case '[': e.preventDefault(); this.step(-1); return;
      case 'Escape': this.found.clear(); this.select(undefined); return;
    }
    if (!inDiagram) return;
    switch (e.key) {
      case 'ArrowLeft': e.preventDefault(); this.camera.pan(pan, 0); return;
      case 'ArrowRight': e.preventDefault(); this.camera.pan(-pan, 0); return;
      case 'ArrowUp': e.preventDefault(); this.camera.pan(0, pan); return;
      case 'ArrowDown': e.preventDefault(); this.camera.pan(0, -pan); return;
      case ' ': e.preventDefault(); void this.play(); return;
    }
  }

  // ---- strings, state ---------------------------------------------------------------------

  private t(key: StringKey, ...args: (string | number)[]): string {
    return format(this.strings[key] ?? ENGLISH[key], ...args);
  }

  private bind(el: Element, key: StringKey, attr: string | undefined): void {
    this.bindings.push([el, key, attr]);
  }

  private bindLabel(el: Element, key: StringKey): void {
    for (const b of this.bindings) if (b[0] === el) b[1] = key;
    this.applyStrings(false);
  }

  private applyStrings(redraw = true): void {
    for (const [el, key, attr] of this.bindings) {
      if (attr) el.setAttribute(attr, this.t(key));
      else el.textContent = this.t(key);
    }
    document.title = this.t('topology.title');
    if (!redraw) return;
    const t = this.t.bind(this);
    this.renderer.setStrings(t);
    this.panel.setStrings(t);
    if (this.model) {
      this.relayout();
      this.summary.textContent = this.t('topology.summary', this.model.stats.nodes, this.model.stats.pods, this.model.stats.services, this.model.stats.policies,
        `${this.model.cluster.plugin}${this.model.cluster.backend !== 'none' ? ` ${this.model.cluster.backend}` : ''} · ${this.model.cluster.kubeProxyMode}`);
      this.panel.showPolicies(this.model, this.state.selected);
      this.panel.showDetails(this.state.selected, this.lookup, this.model);
    }
    this.panel.showTrace(this.overlay, this.branch, this.path, this.hop);
    this.panel.showLegend();
  }

  private save(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => this.api.setState(this.state), 150);
  }
}

new App(document.getElementById('app') ?? document.body);
