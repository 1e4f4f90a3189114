import type { SourceRange } from '../core/common/source';
import type { TopoDevice, TopoNode, TopoPod, TopoPolicy, TopoService, TopologyModel } from '../core/topology/model';
import type { OverlayHop, PacketView, TraceOverlay } from '../core/topology/overlay';
import { clear, html } from './dom';
import type { StringKey } from './l10n';

/**
 * The side panel: the trace (verdict, branch, hop list, the packet's headers after the chosen
 * hop, what decided it), the selected element's details, and the policies. Everything from the
 * manifests or the trace goes in as text.
 */

type T = (key: StringKey, ...args: (string | number)[]) => string;

export interface PanelEvents {
  hop(index: number): void;
  branch(index: number): void;
  reveal(range: SourceRange): void;
  select(id: string): void;
}

export type Lookup = Map<string, { kind: 'node'; node: TopoNode } | { kind: 'pod'; pod: TopoPod } | { kind: 'device'; device: TopoDevice; node: string } | { kind: 'service'; svc: TopoService } | { kind: 'policy'; policy: TopoPolicy }>;

export function buildLookup(model: TopologyModel): Lookup {
  const m: Lookup = new Map();
  for (const n of model.nodes) {
    m.set(n.id, { kind: 'node', node: n });
    for (const d of n.devices) m.set(d.id, { kind: 'device', device: d, node: n.name });
    for (const p of [...n.pods, ...n.hostPods]) {
      m.set(p.id, { kind: 'pod', pod: p });
      for (const d of p.devices) m.set(d.id, { kind: 'device', device: d, node: n.name });
    }
  }
  for (const s of model.services) m.set(s.id, { kind: 'service', svc: s });
  for (const p of model.policies) m.set(p.id, { kind: 'policy', policy: p });
  return m;
}

export class Panel {
  private readonly traceBox: HTMLElement;
  private readonly hopList: HTMLOListElement;
  private readonly headerBox: HTMLElement;
  private readonly detailBox: HTMLElement;
  private readonly policyBox: HTMLElement;
  private readonly legendBox: HTMLElement;
  private hopButtons = new Map<number, HTMLButtonElement>();

  constructor(root: HTMLElement, private t: T, private readonly on: PanelEvents) {
    this.traceBox = html('section', { class: 'pp-section', 'data-testid': 'trace-panel' }, root);
    this.hopList = html('ol', { class: 'pp-hops', 'data-testid': 'hop-list' });
    this.headerBox = html('section', { class: 'pp-section', 'data-testid': 'hop-detail', 'aria-live': 'polite' }, root);
    this.detailBox = html('section', { class: 'pp-section', 'data-testid': 'details' }, root);
    this.policyBox = html('section', { class: 'pp-section', 'data-testid': 'policies' }, root);
    this.legendBox = html('section', { class: 'pp-section pp-legend', 'data-testid': 'legend' }, root);
    this.hopList.addEventListener('keydown', (e) => {
      const btn = (e.target as HTMLElement).closest('button[data-hop-index]');
      if (!btn) return;
      const i = Number(btn.getAttribute('data-hop-index'));
      const next = e.key === 'ArrowDown' ? i + 1 : e.key === 'ArrowUp' ? i - 1 : e.key === 'Home' ? -Infinity : e.key === 'End' ? Infinity : undefined;
      if (next === undefined) return;
      e.preventDefault();
      const keys = [...this.hopButtons.keys()];
      const target = next === -Infinity ? keys[0] : next === Infinity ? keys[keys.length - 1] : next;
      if (this.hopButtons.has(target)) {
        this.on.hop(target);
        this.hopButtons.get(target)!.focus();
      }
    });
  }

  setStrings(t: T): void {
    this.t = t;
  }

  showTrace(overlay: TraceOverlay | undefined, branch: number, path: OverlayHop[], current: number): void {
    const box = this.traceBox;
    clear(box);
    this.hopButtons.clear();
    html('h2', {}, box, this.t('topology.trace'));
    if (!overlay) {
      html('p', { class: 'pp-muted', 'data-testid': 'no-trace' }, box, this.t('topology.noTrace'));
      clear(this.headerBox);
      return;
    }
    html('p', { class: 'pp-trace-title', 'data-testid': 'trace-title' }, box, overlay.title);
    const active = overlay.branches[branch];
    const verdict = active ? active.verdict : overlay.verdict;
    const v = html('p', { class: `pp-verdict pp-verdict-${verdict}`, 'data-testid': 'verdict', 'data-verdict': verdict }, box);
    html('strong', {}, v, this.t('topology.verdict', this.t(`topology.verdict.${verdict}` as StringKey)));
    html('span', {}, v, ` — ${active ? active.reason : overlay.reason}`);
    if (overlay.branches.length) {
      const lab = html('label', { class: 'pp-branch' }, box, `${this.t('topology.branch')} `);
      const sel = html('select', { 'data-testid': 'branch-select' }, lab);
      overlay.branches.forEach((b, i) => {
        const o = html('option', { value: i }, sel, this.t('topology.branchOption', i + 1, b.probability.toFixed(4), b.label));
        if (i === branch) o.selected = true;
      });
      sel.addEventListener('change', () => this.on.branch(Number(sel.value)));
    }
    if (overlay.notes.length) {
      const ul = html('ul', { class: 'pp-notes', 'data-testid': 'trace-notes' }, box);
      for (const n of overlay.notes) html('li', {}, ul, n);
    }
    html('h3', {}, box, this.t('topology.hops'));
    clear(this.hopList);
    box.appendChild(this.hopList);
    for (const h of path) {
      const li = html('li', { class: `pp-hop pp-action-${h.action}` }, this.hopList);
      const btn = html('button', {
        type: 'button', class: 'pp-hop-button', 'data-testid': 'hop', 'data-hop-index': h.index, 'data-focus': h.focus,
        'data-stage': h.stage, 'data-action': h.action, 'aria-label': this.t('topology.hop', h.index, h.summary),
      }, li);
      html('span', { class: 'pp-hop-index' }, btn, `${h.index}`);
      html('span', { class: 'pp-hop-where' }, btn, `${h.stage}/${h.action} · ${h.device === '-' ? h.netns : h.device}`);
      html('span', { class: 'pp-hop-summary' }, btn, h.summary);
      btn.addEventListener('click', () => this.on.hop(h.index));
      this.hopButtons.set(h.index, btn);
    }
    this.setCurrent(path, current);
  }

  setCurrent(path: OverlayHop[], current: number): void {
    for (const [i, b] of this.hopButtons) {
      if (i === current) {
        b.setAttribute('aria-current', 'step');
        b.tabIndex = 0;
      } else {
        b.removeAttribute('aria-current');
        b.tabIndex = -1;
      }
    }
    this.hopButtons.get(current)?.scrollIntoView({ block: 'nearest' });
    const hop = path.find((h) => h.index === current);
    const box = this.headerBox;
    clear(box);
    if (!hop) return;
    html('h3', {}, box, this.t('topology.hop', hop.index, `${hop.stage}/${hop.action}`));
    html('p', { class: 'pp-hop-text', 'data-testid': 'hop-summary' }, box, hop.summary);
    html('h3', {}, box, this.t('topology.packet'));
    box.appendChild(this.packetTable(hop.packet));
    if (hop.decidedBy) {
      html('h3', {}, box, this.t('topology.decidedBy', hop.decidedBy.kind));
      html('pre', { class: 'pp-decided', 'data-testid': 'decided-by' }, box, hop.decidedBy.text);
      this.revealButton(box, hop.decidedBy.source);
    }
    if (hop.details?.length) {
      const pre = html('pre', { class: 'pp-details-text' }, box);
      pre.textContent = hop.details.join('\n');
    }
  }

  private packetTable(p: PacketView): HTMLTableElement {
    const table = html('table', { class: 'pp-packet', 'data-testid': 'packet-headers' });
    const changed = new Set(p.changed);
    const row = (name: string, cells: [string, boolean][], testid: string) => {
      const tr = html('tr', { 'data-testid': testid }, table);
      html('th', { scope: 'row' }, tr, name);
      const td = html('td', {}, tr);
      for (const [text, mark] of cells) {
        if (mark) html('mark', { title: this.t('topology.packet.changed'), 'data-changed': 'true' }, td, text);
        else td.appendChild(document.createTextNode(text));
      }
    };
    p.outer.forEach((o, i) => {
      const ports = o.sport !== undefined || o.dport !== undefined;
      row(this.t('topology.packet.outer', o.kind), [
        [`${o.src}${ports ? `:${o.sport ?? '*'}` : ''} → ${o.dst}${ports ? `:${o.dport ?? '*'}` : ''}`, i === 0 && changed.has('encap')],
        [o.vni !== undefined ? ` VNI ${o.vni}` : o.kind === 'ipip' ? ' proto 4' : '', false],
      ], 'packet-outer');
    });
    const h = p.inner;
    row(this.t('topology.packet.inner'), [
      [`${h.protocol} `, false],
      [h.src, changed.has('src')], [':', false], [String(h.sport), changed.has('sport')],
      [' → ', false],
      [h.dst, changed.has('dst')], [':', false], [String(h.dport), changed.has('dport')],
    ], 'packet-inner');
    if (h.srcMac || h.dstMac) row('MAC', [[`${h.srcMac ?? '?'} → ${h.dstMac ?? '?'}`, false]], 'packet-mac');
    if (changed.has('decap')) row('', [[this.t('topology.packet.changed') + ': decap', true]], 'packet-decap');
    return table;
  }

  private revealButton(box: HTMLElement, range: SourceRange | undefined): void {
    if (!range) {
      html('p', { class: 'pp-muted pp-small' }, box, this.t('topology.noSource'));
      return;
    }
    const b = html('button', { type: 'button', class: 'pp-reveal', 'data-testid': 'reveal-source', 'data-file': range.file, 'data-line': range.start.line }, box, `${this.t('topology.revealSource')} — ${range.file}:${range.start.line}`);
    b.addEventListener('click', () => this.on.reveal(range));
  }

  showDetails(id: string | undefined, lookup: Lookup, model: TopologyModel | undefined): void {
    const box = this.detailBox;
    clear(box);
    html('h2', {}, box, this.t('topology.details'));
    const item = id ? lookup.get(id) : undefined;
    if (!item || !model) {
      html('p', { class: 'pp-muted' }, box, this.t('topology.nothingSelected'));
      return;
    }
    const dl = html('dl', { class: 'pp-dl', 'data-testid': 'details-list', 'data-id': id });
    const row = (k: string, v: string) => { html('dt', {}, dl, k); html('dd', {}, dl, v); };
    let source: SourceRange | undefined;
    switch (item.kind) {
      case 'node': {
        const n = item.node;
        html('h3', {}, box, this.t('topology.node', n.name));
        row('IP', n.ip); row('pod CIDR', n.podCIDR); row('subnet', n.subnet);
        row('pods', String(n.pods.length + n.hostPods.length));
        labels(n.labels);
        source = n.source;
        break;
      }
      case 'pod': {
        const p = item.pod;
        html('h3', {}, box, p.key);
        row('IP', p.ipAssigned ? `${p.ip} ${this.t('topology.assigned')}` : p.ip); row('node', p.node); row('owner', p.owner);
        if (p.phase) row('phase', p.phase);
        if (p.hostNetwork) row(this.t('topology.hostNetwork'), 'true');
        row(this.t('topology.containers'), p.containers.map((c) => `${c.name}${c.image ? ` (${c.image})` : ''}${c.ports.length ? ` ${c.ports.join(', ')}` : ''}`).join('\n'));
        labels(p.labels);
        if (p.isolation) row(this.t('topology.policies'), `${[p.isolation.ingress ? this.t('topology.ingress') : '', p.isolation.egress ? this.t('topology.egress') : ''].filter(Boolean).join(', ')}: ${p.isolation.policies.map((x) => x.slice(7)).join(', ')}`);
        source = p.source;
        break;
      }
      case 'device': {
        const d = item.device;
        html('h3', {}, box, `${item.node} · ${d.name}`);
        row('kind', d.kind);
        if (d.addresses.length) row(this.t('topology.addresses'), d.addresses.join(', '));
        if (d.mac) row('MAC', d.mac);
        row('MTU', String(d.mtu));
        if (d.detail) row('', d.detail);
        source = d.source;
        break;
      }
      case 'service': {
        const s = item.svc;
        html('h3', {}, box, s.key);
        row('type', s.type);
        if (s.clusterIP) row('clusterIP', s.clusterIPAssigned ? `${s.clusterIP} ${this.t('topology.assigned')}` : s.clusterIP);
        if (s.externalIPs.length) row('externalIPs', s.externalIPs.join(', '));
        row('ports', s.ports.map((p) => `${p.name ? `${p.name} ` : ''}${p.port}→${p.targetPort}/${p.protocol}${p.nodePort !== undefined ? ` NodePort ${p.nodePort}${p.nodePortAssigned ? ` ${this.t('topology.assigned')}` : ''}` : ''}`).join('\n'));
        row(this.t('topology.endpoints'), s.endpoints.map((e) => `${e.ip}:${e.port}${e.pod ? ` (${e.pod.slice(4)})` : ''}${e.ready ? '' : ' not ready'}`).join('\n') || '—');
        source = s.source;
        break;
      }
      case 'policy': {
        const p = item.policy;
        html('h3', {}, box, p.key);
        row('policyTypes', [p.ingress ? 'Ingress' : '', p.egress ? 'Egress' : ''].filter(Boolean).join(', '));
        row('pods', p.pods.map((x) => x.slice(4)).join('\n') || '—');
        source = p.source;
        break;
      }
    }
    box.appendChild(dl);
    this.revealButton(box, source);

    function labels(l: Record<string, string>): void {
      const keys = Object.keys(l).sort();
      if (keys.length) row('labels', keys.map((k) => `${k}=${l[k]}`).join('\n'));
    }
  }

  showPolicies(model: TopologyModel | undefined, selected: string | undefined): void {
    const box = this.policyBox;
    clear(box);
    html('h2', {}, box, this.t('topology.policies'));
    if (!model) return;
    if (model.policies.length && !model.cluster.policyEnforced) html('p', { class: 'pp-warning', 'data-testid': 'policy-not-enforced' }, box, this.t('topology.notEnforced', model.cluster.plugin));
    if (!model.policies.length) {
      html('p', { class: 'pp-muted' }, box, this.t('topology.noPolicies'));
      return;
    }
    const ul = html('ul', { class: 'pp-policy-list' }, box);
    for (const p of model.policies.slice(0, 500)) {
      const li = html('li', {}, ul);
      const b = html('button', { type: 'button', class: 'pp-policy', 'data-testid': 'policy', 'data-id': p.id, 'aria-pressed': String(selected === p.id) }, li, this.t('topology.policySelects', p.key, p.pods.length));
      b.addEventListener('click', () => this.on.select(p.id));
    }
  }

  /** Policies a hop lights are marked in the list too. */
  markPolicies(lit: Set<string>): void {
    for (const b of Array.from(this.policyBox.querySelectorAll('button[data-id]'))) {
      const on = lit.has(b.getAttribute('data-id') ?? '');
      b.classList.toggle('pp-lit', on);
      if (on) b.setAttribute('data-lit', 'true'); else b.removeAttribute('data-lit');
    }
  }

  showLegend(): void {
    const box = this.legendBox;
    clear(box);
    html('h2', {}, box, this.t('topology.legend'));
    const ul = html('ul', {}, box);
    for (const [cls, key] of [['veth', 'topology.legend.veth'], ['port', 'topology.legend.bridge'], ['tunnel', 'topology.legend.tunnel'], ['endpoint', 'topology.legend.endpoint'], ['path', 'topology.legend.path']] as const) {
      const li = html('li', {}, ul);
      html('span', { class: `pp-swatch pp-swatch-${cls}`, 'aria-hidden': 'true' }, li);
      li.appendChild(document.createTextNode(this.t(key)));
    }
    html('p', { class: 'pp-muted pp-small' }, box, this.t('topology.keyboard'));
  }
}
