import { TopoLink, TopologyModel, ids } from './model';

/**
 * The wires of the diagram, derived from the model's structure rather than stored in it:
 * pod eth0 ↔ host veth (the veth pair), host veth ↔ bridge (a bridge port) or ↔ the IP stack
 * (Calico routes each cali* interface), root devices ↔ the IP stack, eth0 ↔ its underlay
 * segment, segments ↔ the router, the router ↔ outside. Service → endpoint links live on the
 * Services (TopoEndpoint.id).
 */
export function topologyLinks(model: TopologyModel): TopoLink[] {
  const links: TopoLink[] = [];
  for (const n of model.nodes) {
    const bridge = n.devices.find((d) => d.role === 'bridge');
    const hostVeths = new Set<string>();
    for (const p of n.pods) {
      if (!p.hostVeth) continue;
      hostVeths.add(p.hostVeth);
      const eth0 = p.devices.find((d) => d.name === 'eth0');
      if (eth0) links.push({ id: ids.vethLink(p.key), kind: 'veth', from: eth0.id, to: p.hostVeth });
      const vethName = p.hostVeth.slice(ids.device(n.name, '').length);
      links.push({ id: ids.portLink(n.name, vethName), kind: 'port', from: p.hostVeth, to: bridge ? bridge.id : n.stackId });
    }
    for (const d of n.devices) {
      if (d.role === 'loopback' || hostVeths.has(d.id)) continue;
      links.push({ id: ids.upLink(n.name, d.name), kind: 'up', from: d.id, to: n.stackId });
    }
    if (n.devices.some((d) => d.name === 'eth0')) links.push({ id: ids.wire(n.name), kind: 'wire', from: ids.device(n.name, 'eth0'), to: n.segment });
  }
  for (const s of model.segments) links.push({ id: ids.uplink(s.cidr), kind: 'uplink', from: s.id, to: model.router.id });
  links.push({ id: ids.exit, kind: 'exit', from: model.router.id, to: model.external.id });
  return links;
}
