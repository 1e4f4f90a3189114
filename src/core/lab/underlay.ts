import { Cluster, NodeInfo } from '../cluster/model';
import { Cidr, cidr as parseCidrText, cidrsOverlap, intToIp } from '../common/ip';
import { NodeDataplane } from '../dataplane/model';
import { underlayGateway } from '../dataplane/underlay';
import { ip, sysctl } from './commands';
import { LabNames } from './names';
import { LabCommand, LabPlan, LabSection } from './plan';

/**
 * What the model calls the underlay, as namespaces: one bridge per node subnet in the
 * `underlay` namespace, each node's eth0 a veth leg of its subnet's bridge, a `router` namespace
 * with a leg in every subnet holding the nodes' default gateway (it knows node subnets only),
 * and an `outside` namespace with two client addresses behind the router.
 */

/** Test networks (RFC 5737) for the outside clients; the first that the cluster does not use. */
const OUTSIDE_CANDIDATES = ['198.51.100.0/24', '203.0.113.0/24', '192.0.2.0/24'];

export function pickOutside(cluster: Cluster, netns: string): LabPlan['outside'] {
  const used: Cidr[] = [cluster.config.clusterCIDR, cluster.config.serviceCIDR, ...cluster.nodes.flatMap((n) => [n.subnet, n.podCIDR])];
  const text = OUTSIDE_CANDIDATES.find((c) => !used.some((u) => cidrsOverlap(u, parseCidrText(c)))) ?? OUTSIDE_CANDIDATES[0];
  const c = parseCidrText(text);
  return { netns, ips: [intToIp(c.base + 7), intToIp(c.base + 200)], gateway: intToIp(c.base + 1), cidr: text };
}

export function underlaySection(cluster: Cluster, names: LabNames, nodes: NodeDataplane[], nodeNs: Map<string, string>, outside: LabPlan['outside']): LabSection {
  const ul = names.underlayNs;
  const rt = names.routerNs;
  const commands: LabCommand[] = [];
  // One L2 segment (bridge) per node subnet; the router has a leg in each.
  const subnets: { cidr: Cidr; first: NodeInfo }[] = [];
  for (const dp of nodes) if (!subnets.some((s) => s.cidr.text === dp.node.subnet.text)) subnets.push({ cidr: dp.node.subnet, first: dp.node });
  subnets.forEach((s, k) => {
    const br = `ul${k}`;
    commands.push(ip(ul, 'link', 'add', br, 'type', 'bridge'), ip(ul, 'link', 'set', br, 'up'));
    const gw = underlayGateway(cluster, s.first);
    commands.push(
      ip(ul, 'link', 'add', `g${k}`, 'type', 'veth', 'peer', 'name', `r${k}`, 'netns', rt),
      ip(ul, 'link', 'set', `g${k}`, 'master', br, 'up'),
      ip(rt, 'addr', 'add', `${gw}/${s.cidr.prefix}`, 'dev', `r${k}`),
      ip(rt, 'link', 'set', `r${k}`, 'up'),
    );
  });
  nodes.forEach((dp, i) => {
    const k = subnets.findIndex((s) => s.cidr.text === dp.node.subnet.text);
    // The node's eth0 is one end of a veth whose other end is a port of its subnet's bridge.
    commands.push(
      ip(ul, 'link', 'add', `n${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', nodeNs.get(dp.node.name)!),
      ip(ul, 'link', 'set', `n${i}`, 'master', `ul${k}`, 'up'),
    );
  });
  const prefix = outside.cidr.split('/')[1];
  commands.push(
    ip(rt, 'link', 'add', 'rx', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', names.outsideNs),
    ip(rt, 'addr', 'add', `${outside.gateway}/${prefix}`, 'dev', 'rx'),
    ip(rt, 'link', 'set', 'rx', 'up'),
    sysctl(rt, 'net.ipv4.ip_forward', '1'),
    ...outside.ips.map((a) => ip(names.outsideNs, 'addr', 'add', `${a}/${prefix}`, 'dev', 'eth0')),
    ip(names.outsideNs, 'link', 'set', 'eth0', 'up'),
    ip(names.outsideNs, 'route', 'add', 'default', 'via', outside.gateway, 'dev', 'eth0'),
  );
  return {
    title: `underlay: ${subnets.map((s) => s.cidr.text).join(', ')} joined by a router that knows node subnets only; outside clients ${outside.ips.join(', ')}`,
    commands,
    notes: ['the router has no route to pod or Service addresses, as the model says'],
  };
}

/**
 * The underlay's IPv6 side on a dual-stack cluster: the same bridges carry it; the router gets
 * each subnet's IPv6 gateway on its leg and forwards IPv6. The outside client stays IPv4-only.
 */
export function underlayIPv6Section(cluster6: Cluster, names: LabNames, nodes4: NodeDataplane[], nodes6: NodeDataplane[]): LabSection {
  const rt = names.routerNs;
  const commands: LabCommand[] = [sysctl(rt, 'net.ipv6.conf.all.forwarding', '1')];
  const subnets4: string[] = [];
  for (const dp of nodes4) if (!subnets4.includes(dp.node.subnet.text)) subnets4.push(dp.node.subnet.text);
  const done = new Set<string>();
  for (const dp6 of nodes6) {
    const dp4 = nodes4.find((n) => n.node.name === dp6.node.name)!;
    const k = subnets4.indexOf(dp4.node.subnet.text);
    const key = `${k}/${dp6.node.subnet.text}`;
    if (done.has(key)) continue;
    done.add(key);
    commands.push(ip(rt, 'addr', 'add', `${underlayGateway(cluster6, dp6.node)}/${dp6.node.subnet.prefix}`, 'dev', `r${k}`, 'nodad'));
  }
  return { title: `underlay (IPv6): router legs in ${[...new Set(nodes6.map((n) => n.node.subnet.text))].join(', ')}`, commands };
}
