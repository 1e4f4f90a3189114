import type { TopoContainer, TopoDevice, TopoNode, TopoPod, TopoSegment, TopoService, TopologyModel } from '../core/topology/model';

/**
 * Where everything goes, in world units (1 unit = 1 CSS pixel at zoom 1). A deterministic grid,
 * not a force or layered layout: nodes are boxes in rows, pods a grid inside each node above
 * its veths, bridge, IP stack and devices — the seeds' own picture. It is a single pass over
 * the model (≈ 10 ms for 200 nodes / 5,000 pods) and the same input always gives the same
 * picture, so a save never reshuffles the diagram. No DOM here.
 */

export interface Point { x: number; y: number }
export interface Rect { x: number; y: number; w: number; h: number }

export interface PodBox {
  pod: TopoPod;
  rect: Rect;
  containers: { c: TopoContainer; rect: Rect }[];
  /** The pause container's row: the sandbox that holds the namespace. */
  pause: Rect;
  devices: { d: TopoDevice; rect: Rect }[];
  badge?: Rect;
  /** Host end of the veth pair, below the pod. */
  hostVeth?: { d: TopoDevice; rect: Rect };
}

export interface NodeBox {
  node: TopoNode;
  rect: Rect;
  expanded: boolean;
  header: Rect;
  nodePort?: Rect;
  /** Collapsed: the line standing in for its pods. */
  summary?: Rect;
  bridge?: { d: TopoDevice; rect: Rect };
  stack: Rect;
  /** The node's loopback, inside the stack bar. */
  lo?: { d: TopoDevice; rect: Rect };
  /** Overlay, ipvs and eth0 in the bottom row (plus any other root device). */
  devices: { d: TopoDevice; rect: Rect }[];
  pods: PodBox[];
  hostPods: { pod: TopoPod; rect: Rect }[];
  /** Bridge buses of pod rows above the last, and the spine down to the bridge (or stack). */
  buses: Point[][];
  /** Ids of the links inside this node (veth pairs, ports, device ↔ stack). */
  linkIds: string[];
  isolated: number;
}

export interface ServiceBox { svc: TopoService; rect: Rect }

export interface Layout {
  width: number;
  height: number;
  nodes: NodeBox[];
  nodeByName: Map<string, NodeBox>;
  services: ServiceBox[];
  serviceBand?: Rect;
  router: Rect;
  external: Rect;
  segments: { seg: TopoSegment; trunkX: number; top: number; buses: { y: number; x1: number; x2: number }[] }[];
  /** Every drawn element's box, by id (elements of a collapsed node map to its summary). */
  rects: Map<string, Rect>;
  /** Every drawn link's polyline, by id. */
  links: Map<string, Point[]>;
  /** Element id → the node it lives in. */
  owner: Map<string, string>;
}

export const SIZE = {
  podW: 184, podGap: 16, pad: 14, header: 58, vethGap: 60,
  bar: 28, barGap: 22, devW: 170, devH: 40, devGap: 14,
  nodeGapX: 60, nodeGapY: 92, minInner: 430, collapsedInner: 430,
  svcW: 232, svcH: 52, svcGap: 14, left: 280,
};

/** Pods per row inside a node: the same for every node so the grid lines up. */
export function podColumns(model: TopologyModel): number {
  const most = model.nodes.reduce((m, n) => Math.max(m, n.pods.length), 0);
  return Math.max(1, Math.min(6, Math.ceil(Math.sqrt(most * 1.5))));
}

/** Nodes per grid row: all side by side when few, else about a 16:10 picture of collapsed nodes. */
export function nodeColumns(count: number): number {
  if (count <= 4) return Math.max(1, count);
  return Math.max(2, Math.ceil(Math.sqrt(count * 2.2)));
}

export function podHeight(p: TopoPod): number {
  return 48 + 18 * (p.containers.length + 1) + 32;
}

export function computeLayout(model: TopologyModel, isExpanded: (node: TopoNode) => boolean): Layout {
  const rects = new Map<string, Rect>();
  const links = new Map<string, Point[]>();
  const owner = new Map<string, string>();
  const cols = podColumns(model);
  const boxes = model.nodes.map((n) => nodeBox(model, n, isExpanded(n), cols, rects, links, owner));

  // Grid: column widths and row heights from the largest box in each.
  const gcols = nodeColumns(boxes.length);
  const colW: number[] = [];
  const rowH: number[] = [];
  boxes.forEach((b, i) => {
    const c = i % gcols;
    const r = Math.floor(i / gcols);
    colW[c] = Math.max(colW[c] ?? 0, b.rect.w);
    rowH[r] = Math.max(rowH[r] ?? 0, b.rect.h);
  });
  const gridW = colW.reduce((s, w) => s + w, 0) + SIZE.nodeGapX * Math.max(0, colW.length - 1);
  const segCount = Math.max(1, model.segments.length);
  const gridX = SIZE.left + segCount * 12;

  // Services band above the grid.
  const services: ServiceBox[] = [];
  let top = 20;
  let serviceBand: Rect | undefined;
  if (model.services.length) {
    const perRow = Math.max(1, Math.floor((Math.max(gridW, SIZE.svcW) + SIZE.svcGap) / (SIZE.svcW + SIZE.svcGap)));
    const rows = Math.ceil(model.services.length / perRow);
    serviceBand = { x: gridX - 10, y: top, w: Math.max(gridW, Math.min(perRow, model.services.length) * (SIZE.svcW + SIZE.svcGap)) + 20, h: 34 + rows * (SIZE.svcH + SIZE.svcGap) };
    model.services.forEach((svc, i) => {
      const rect = { x: gridX + (i % perRow) * (SIZE.svcW + SIZE.svcGap), y: top + 30 + Math.floor(i / perRow) * (SIZE.svcH + SIZE.svcGap), w: SIZE.svcW, h: SIZE.svcH };
      services.push({ svc, rect });
      rects.set(svc.id, rect);
    });
    top += serviceBand.h + 70;
  }

  // Place the node boxes, shifting every rect they registered.
  const rowTop: number[] = [];
  let y = top;
  for (let r = 0; r < rowH.length; r++) {
    rowTop[r] = y;
    y += rowH[r] + SIZE.nodeGapY;
  }
  const colX: number[] = [];
  let x = gridX;
  for (let c = 0; c < colW.length; c++) {
    colX[c] = x;
    x += colW[c] + SIZE.nodeGapX;
  }
  boxes.forEach((b, i) => shiftNode(b, colX[i % gcols], rowTop[Math.floor(i / gcols)], links));

  // Underlay: a bus under each row per segment, a trunk per segment on the left, one router.
  const segIndex = new Map(model.segments.map((s, i) => [s.id, i]));
  const router: Rect = { x: 40, y: top + 120, w: 190, h: 54 };
  const external: Rect = { x: 40, y: top, w: 190, h: 54 };
  rects.set(model.router.id, router);
  rects.set(model.external.id, external);
  links.set('exit', [{ x: router.x + router.w / 2, y: router.y }, { x: external.x + external.w / 2, y: external.y + external.h }]);
  const segments: Layout['segments'] = model.segments.map((seg, s) => {
    const trunkX = SIZE.left - 30 + s * 12;
    const uy = router.y + 14 + s * 10;
    links.set(`uplink:${seg.cidr}`, [{ x: router.x + router.w, y: uy }, { x: trunkX, y: uy }]);
    return { seg, trunkX, top: uy, buses: [] };
  });
  for (let r = 0; r < rowH.length; r++) {
    const inRow = boxes.filter((_, i) => Math.floor(i / gcols) === r);
    for (const seg of segments) {
      const s = segIndex.get(seg.seg.id)!;
      const busY = rowTop[r] + rowH[r] + 30 + s * 10;
      let x2 = -1;
      for (const b of inRow) {
        if (b.node.segment !== seg.seg.id) continue;
        const eth0 = rects.get(`dev:${b.node.name}/eth0`);
        if (!eth0) continue;
        const cx = eth0.x + eth0.w / 2;
        links.set(`wire:${b.node.name}`, [{ x: cx, y: eth0.y + eth0.h }, { x: cx, y: busY }]);
        x2 = Math.max(x2, cx);
      }
      if (x2 >= 0) seg.buses.push({ y: busY, x1: seg.trunkX, x2 });
    }
  }
  for (const seg of segments) {
    const last = seg.buses[seg.buses.length - 1];
    // The segment's own box for hit-testing and camera: its trunk and buses' extent.
    rects.set(seg.seg.id, { x: seg.trunkX - 4, y: seg.top, w: Math.max(8, ...seg.buses.map((b) => b.x2 - seg.trunkX)), h: (last ? last.y : seg.top) - seg.top + 4 });
  }

  // Service → endpoint links: from the pill's bottom to the pod's top (or its node's summary).
  for (const sb of services) {
    for (const e of sb.svc.endpoints) {
      const target = e.pod ? rects.get(e.pod) : undefined;
      if (!target) continue;
      links.set(e.id, [{ x: sb.rect.x + sb.rect.w / 2, y: sb.rect.y + sb.rect.h }, { x: target.x + target.w / 2, y: target.y }]);
    }
  }

  const width = Math.max(gridX + gridW, serviceBand ? serviceBand.x + serviceBand.w : 0) + 40;
  const height = Math.max(y - SIZE.nodeGapY + 30 + segCount * 10 + 40, router.y + router.h + 40);
  return { width, height, nodes: boxes, nodeByName: new Map(boxes.map((b) => [b.node.name, b])), services, ...(serviceBand ? { serviceBand } : {}), router, external, segments, rects, links, owner };
}

/** One node's box at the origin; `shiftNode` moves it into the grid. */
function nodeBox(model: TopologyModel, n: TopoNode, expanded: boolean, cols: number, rects: Map<string, Rect>, allLinks: Map<string, Point[]>, owner: Map<string, string>): NodeBox {
  const linkIds: string[] = [];
  const links = { set: (id: string, pts: Point[]) => { linkIds.push(id); allLinks.set(id, pts); } };
  const { pad, podW, podGap, devW, devH, devGap, bar, barGap } = SIZE;
  const bridgeDev = n.devices.find((d) => d.role === 'bridge');
  const rowDevs = n.devices.filter((d) => d.role === 'overlay' || d.role === 'ipvs' || d.role === 'other' || d.role === 'eth0');
  const bottomCount = rowDevs.length + n.hostPods.length;
  const bottomW = bottomCount * devW + Math.max(0, bottomCount - 1) * devGap;
  const podCols = Math.min(cols, Math.max(1, n.pods.length));
  const gridW = expanded ? cols * podW + (cols - 1) * podGap : 0;
  const inner = Math.max(expanded ? SIZE.minInner : SIZE.collapsedInner, gridW, bottomW);
  const w = inner + 2 * pad;
  const own = (id: string) => owner.set(id, n.id);
  own(n.id);
  own(n.stackId);
  own(n.nodePortId);

  const header: Rect = { x: 0, y: 0, w, h: SIZE.header };
  const nodePort = model.nodePorts.length ? { x: w - pad - 190, y: 12, w: 190, h: 20 } : undefined;
  if (nodePort) rects.set(n.nodePortId, nodePort);
  let y = SIZE.header;
  const pods: PodBox[] = [];
  const buses: Point[][] = [];
  const spineX = pad / 2;
  let summary: Rect | undefined;
  let isolated = 0;
  for (const p of n.pods) if (p.isolation) isolated++;

  if (expanded && n.pods.length) {
    const rows = Math.ceil(n.pods.length / podCols);
    const portTargets: { id: string; from: Point; busY?: number }[] = [];
    let firstBusY = 0;
    for (let r = 0; r < rows; r++) {
      const rowPods = n.pods.slice(r * podCols, (r + 1) * podCols);
      const h = Math.max(...rowPods.map(podHeight));
      rowPods.forEach((p, c) => {
        const px = pad + c * (podW + podGap);
        const box = podBox(p, px, y, h);
        pods.push(box);
        rects.set(p.id, box.rect);
        own(p.id);
        for (const ct of box.containers) { rects.set(ct.c.id, ct.rect); own(ct.c.id); }
        for (const d of box.devices) { rects.set(d.d.id, d.rect); own(d.d.id); }
        if (box.badge) { rects.set(`badge:${p.key}`, box.badge); own(`badge:${p.key}`); }
        const eth0 = box.devices.find((d) => d.d.name === 'eth0');
        const hv = p.hostVeth ? n.devices.find((d) => d.id === p.hostVeth) : undefined;
        if (eth0 && hv) {
          const cx = eth0.rect.x + eth0.rect.w / 2;
          const vr = { x: cx - 62, y: y + h + 14, w: 124, h: 20 };
          box.hostVeth = { d: hv, rect: vr };
          rects.set(hv.id, vr);
          own(hv.id);
          links.set(`veth:${p.key}`, [{ x: cx, y: eth0.rect.y + eth0.rect.h }, { x: cx, y: vr.y }]);
          portTargets.push({ id: `port:${n.name}/${hv.name}`, from: { x: cx, y: vr.y + vr.h }, ...(r < rows - 1 ? { busY: y + h + 48 } : {}) });
        }
      });
      if (r < rows - 1) {
        const busY = y + h + 48;
        if (r === 0) firstBusY = busY;
        buses.push([{ x: spineX, y: busY }, { x: pad + (rowPods.length - 1) * (podW + podGap) + podW / 2, y: busY }]);
      }
      y += h + SIZE.vethGap;
    }
    // Ports: straight down to the bar below the last row; earlier rows via their bus and the spine.
    const barY = y;
    if (rows > 1) buses.push([{ x: spineX, y: firstBusY }, { x: spineX, y: barY }]);
    for (const t of portTargets) {
      links.set(t.id, t.busY === undefined ? [t.from, { x: t.from.x, y: barY }] : [t.from, { x: t.from.x, y: t.busY }, { x: spineX, y: t.busY }, { x: spineX, y: barY }]);
    }
  } else {
    summary = { x: pad, y: y, w: inner, h: 30 };
    rects.set(`podsum:${n.name}`, summary);
    // Everything inside the folded pods is found at the summary line.
    for (const p of n.pods) {
      rects.set(p.id, summary);
      own(p.id);
      for (const c of p.containers) { rects.set(c.id, summary); own(c.id); }
      for (const d of p.devices) { rects.set(d.id, summary); own(d.id); }
      if (p.hostVeth) { rects.set(p.hostVeth, summary); own(p.hostVeth); }
      if (p.isolation) rects.set(`badge:${p.key}`, summary);
    }
    y += 30 + 18;
  }

  let bridge: NodeBox['bridge'];
  let loDev: NodeBox['lo'];
  if (bridgeDev) {
    bridge = { d: bridgeDev, rect: { x: pad, y, w: inner, h: bar } };
    rects.set(bridgeDev.id, bridge.rect);
    own(bridgeDev.id);
    y += bar + barGap;
  }
  const stack: Rect = { x: pad, y, w: inner, h: bar };
  rects.set(n.stackId, stack);
  // The node's lo sits in the stack bar: traces to the node's own addresses loop over it.
  const lo = n.devices.find((d) => d.role === 'loopback');
  if (lo) {
    const r = { x: stack.x + stack.w - 48, y: stack.y + 4, w: 42, h: 20 };
    loDev = { d: lo, rect: r };
    rects.set(lo.id, r);
    own(lo.id);
  }
  y += bar + barGap;
  if (bridge) links.set(`up:${n.name}/${bridge.d.name}`, [{ x: pad + 40, y: bridge.rect.y + bar }, { x: pad + 40, y: stack.y }]);

  // Bottom row: hostNetwork pods at the left, then overlay/ipvs devices, eth0 last.
  const devices: NodeBox['devices'] = [];
  const hostPods: NodeBox['hostPods'] = [];
  let dx = pad + inner - bottomW;
  for (const p of n.hostPods) {
    const rect = { x: dx, y, w: devW, h: devH };
    hostPods.push({ pod: p, rect });
    rects.set(p.id, rect);
    own(p.id);
    for (const c of p.containers) { rects.set(c.id, rect); own(c.id); }
    dx += devW + devGap;
  }
  for (const d of rowDevs) {
    const rect = { x: dx, y, w: devW, h: devH };
    devices.push({ d, rect });
    rects.set(d.id, rect);
    own(d.id);
    links.set(`up:${n.name}/${d.name}`, [{ x: dx + devW / 2, y }, { x: dx + devW / 2, y: stack.y + bar }]);
    dx += devW + devGap;
  }
  y += devH + pad;
  const rect = { x: 0, y: 0, w, h: y };
  rects.set(n.id, rect);
  return { node: n, rect, expanded, header, ...(nodePort ? { nodePort } : {}), ...(summary ? { summary } : {}), ...(bridge ? { bridge } : {}), ...(loDev ? { lo: loDev } : {}), stack, devices, pods, hostPods, buses, linkIds, isolated };
}

function podBox(p: TopoPod, x: number, y: number, h: number): PodBox {
  const w = SIZE.podW;
  const rect = { x, y, w, h };
  const pause = { x: x + 8, y: y + 44, w: w - 16, h: 15 };
  const containers = p.containers.map((c, i) => ({ c, rect: { x: x + 8, y: y + 44 + 18 * (i + 1), w: w - 16, h: 15 } }));
  const eth0 = p.devices.find((d) => d.name === 'eth0');
  const lo = p.devices.find((d) => d.name === 'lo');
  const devices: PodBox['devices'] = [];
  if (eth0) devices.push({ d: eth0, rect: { x: x + 8, y: y + h - 28, w: w - (lo ? 62 : 16), h: 20 } });
  if (lo) devices.push({ d: lo, rect: { x: x + w - 50, y: y + h - 28, w: 42, h: 20 } });
  const badge = p.isolation ? { x: x + w - 58, y: y + 6, w: 52, h: 16 } : undefined;
  return { pod: p, rect, containers, pause, devices, ...(badge ? { badge } : {}) };
}

function shiftNode(b: NodeBox, dx: number, dy: number, links: Map<string, Point[]>): void {
  const moved = new Set<Rect>();
  const mv = (r: Rect | undefined) => {
    if (!r || moved.has(r)) return;
    moved.add(r);
    r.x += dx;
    r.y += dy;
  };
  mv(b.rect); mv(b.header); mv(b.nodePort); mv(b.summary); mv(b.bridge?.rect); mv(b.stack); mv(b.lo?.rect);
  for (const d of b.devices) mv(d.rect);
  for (const h of b.hostPods) mv(h.rect);
  for (const p of b.pods) {
    mv(p.rect); mv(p.pause); mv(p.badge); mv(p.hostVeth?.rect);
    for (const c of p.containers) mv(c.rect);
    for (const d of p.devices) mv(d.rect);
  }
  for (const bus of b.buses) for (const pt of bus) { pt.x += dx; pt.y += dy; }
  for (const id of b.linkIds) for (const pt of links.get(id) ?? []) { pt.x += dx; pt.y += dy; }
}

/** The route along a segment between two points on its buses (through the trunk when rows differ). */
export function segmentRoute(seg: Layout['segments'][number], from: Point, to: Point): Point[] {
  if (Math.abs(from.y - to.y) < 1) return [from, to];
  return [from, { x: seg.trunkX, y: from.y }, { x: seg.trunkX, y: to.y }, to];
}

export function intersects(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

export function center(r: Rect): Point {
  return { x: r.x + r.w / 2, y: r.y + r.h / 2 };
}

/** The box holding a set of rects (for fitting the camera on a path). */
export function bounds(list: Rect[]): Rect | undefined {
  if (!list.length) return undefined;
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (const r of list) {
    x1 = Math.min(x1, r.x); y1 = Math.min(y1, r.y);
    x2 = Math.max(x2, r.x + r.w); y2 = Math.max(y2, r.y + r.h);
  }
  return { x: x1, y: y1, w: x2 - x1, h: y2 - y1 };
}
