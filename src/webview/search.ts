import type { TopologyModel } from '../core/topology/model';

/**
 * Find a pod, node, Service, device or policy by name or address. A flat list scanned per
 * keystroke: 5,000 pods take well under a millisecond, so no index structure is needed.
 */

export interface SearchHit {
  id: string;
  label: string;
  detail: string;
}

interface Entry extends SearchHit {
  /** Exact tokens (name, key, IPs) rank first. */
  exact: string[];
  hay: string;
}

export class SearchIndex {
  private readonly entries: Entry[] = [];

  constructor(model: TopologyModel) {
    const add = (id: string, label: string, detail: string, exact: string[], extra: string[] = []) =>
      this.entries.push({ id, label, detail, exact: exact.map((s) => s.toLowerCase()), hay: [label, detail, ...exact, ...extra].join('\n').toLowerCase() });
    for (const n of model.nodes) {
      add(n.id, n.name, `node · ${n.ip} · ${n.podCIDR}`, [n.name, n.ip]);
      for (const p of [...n.pods, ...n.hostPods]) {
        add(p.id, p.key, `pod · ${p.ip} · ${n.name}`, [p.key, p.name, p.ip], Object.keys(p.labels).map((k) => `${k}=${p.labels[k]}`));
      }
      for (const d of n.devices) if (d.role === 'veth' || d.role === 'overlay' || d.role === 'bridge') add(d.id, `${n.name} ${d.name}`, `${d.kind}${d.addresses.length ? ` · ${d.addresses.join(' ')}` : ''}`, [d.name]);
    }
    for (const s of model.services) add(s.id, s.key, `Service ${s.type}${s.clusterIP ? ` · ${s.clusterIP}` : ''}`, [s.key, s.name, ...(s.clusterIP ? [s.clusterIP] : []), ...s.externalIPs, ...s.loadBalancerIPs]);
    for (const p of model.policies) add(p.id, p.key, 'NetworkPolicy', [p.key, p.name]);
  }

  find(query: string, limit = 50): { hits: SearchHit[]; total: number } {
    const q = query.trim().toLowerCase();
    if (!q) return { hits: [], total: 0 };
    const ranked: [number, number, Entry][] = [];
    this.entries.forEach((e, i) => {
      const rank = e.exact.includes(q) ? 0 : e.exact.some((x) => x.startsWith(q)) ? 1 : e.hay.includes(q) ? 2 : -1;
      if (rank >= 0) ranked.push([rank, i, e]);
    });
    ranked.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return { hits: ranked.slice(0, limit).map(([, , e]) => ({ id: e.id, label: e.label, detail: e.detail })), total: ranked.length };
  }
}
