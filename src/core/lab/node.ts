import { Device, Netns, NodeDataplane, Route } from '../dataplane/model';
import { ip, sysctl } from './commands';
import { LabNames } from './names';
import { KernelFeature, LabCommand, LabSection } from './plan';

/**
 * A node's root namespace and its pods' namespaces as commands: devices in the model's order
 * (bridge, veth pairs into the pods, vxlan, tunl0 …), addresses, routes, static neighbours and
 * FDB entries, sysctls. Learned entries (ARP replies, bridge learning) are left to the kernel.
 */

export function nodeDevicesSection(
  dp: NodeDataplane, names: LabNames, nodeNs: string, podNs: Map<string, string>, without: Set<KernelFeature>,
  features: Set<KernelFeature>, leftOut: Set<KernelFeature>,
): LabSection {
  const commands: LabCommand[] = [];
  const notes: string[] = [];
  const dev = (name: string) => names.device(nodeNs, name);
  for (const d of dp.root.devices) {
    if (d.kind === 'loopback') continue;
    const name = dev(d.name);
    switch (d.kind) {
      case 'ethernet':
        break; // eth0 was created as a veth leg of the underlay
      case 'bridge':
        commands.push(ip(nodeNs, 'link', 'add', name, 'type', 'bridge'));
        break;
      case 'veth': {
        const peer = d.peer!;
        // The peer's namespace id is `<node>/<pod key>`: cut the node's name off whole (a name is not split on '/').
        const pns = peer.netns.startsWith(`${dp.node.name}/`) ? podNs.get(peer.netns.slice(dp.node.name.length + 1)) : undefined;
        if (!pns) {
          notes.push(`${d.name} left out: its peer namespace ${peer.netns} is not part of the lab`);
          continue;
        }
        commands.push(ip(nodeNs, 'link', 'add', name, 'type', 'veth', 'peer', 'name', names.device(pns, peer.device), 'netns', pns));
        break;
      }
      case 'vxlan': {
        features.add('vxlan');
        const v = d.vxlan!;
        commands.push(ip(nodeNs, 'link', 'add', name, 'type', 'vxlan', 'id', String(v.vni), 'local', v.local, 'dev', dev(v.dev), 'dstport', String(v.port), ...(v.learning ? [] : ['nolearning'])));
        break;
      }
      case 'ipip':
        if (without.has('ipip')) {
          leftOut.add('ipip');
          notes.push(`${d.name} left out: the kernel has no ipip module (paths through it are not probed)`);
          continue;
        }
        features.add('ipip');
        // tunl0 is the ipip module's fallback device: it exists in every namespace once the module is loaded.
        break;
      case 'dummy':
        features.add('dummy');
        commands.push(ip(nodeNs, 'link', 'add', name, 'type', 'dummy'));
        break;
      case 'tun':
        notes.push(`${d.name} (TUN, read by ${d.tun?.daemon}) left out: the lab runs no ${d.tun?.daemon}`);
        continue;
    }
    commands.push(...linkSettings(nodeNs, name, d));
    if (d.master) {
      commands.push(ip(nodeNs, 'link', 'set', name, 'master', dev(d.master)));
      // The bridge CNI plugin (flannel's too, and kubenet) turns hairpin mode on, so a pod can reach itself through a Service.
      commands.push(ip(nodeNs, 'link', 'set', name, 'type', 'bridge_slave', 'hairpin', 'on'));
    }
    commands.push(...addresses(nodeNs, name, d), ip(nodeNs, 'link', 'set', name, 'up'));
  }
  return { title: `node ${dp.node.name}: devices (${dp.root.devices.map((d) => d.name).join(', ')})`, commands, ...(notes.length ? { notes } : {}) };
}

export function podSection(ns: Netns, names: LabNames, pns: string): LabSection {
  const commands: LabCommand[] = [];
  for (const d of ns.devices) {
    if (d.kind === 'loopback') continue;
    const name = names.device(pns, d.name);
    commands.push(...linkSettings(pns, name, d), ...addresses(pns, name, d), ip(pns, 'link', 'set', name, 'up'));
  }
  commands.push(...routes(ns, pns, names, new Set()));
  const learned = ns.neighbors.filter((n) => n.state !== 'PERMANENT');
  commands.push(...ns.neighbors.filter((n) => n.state === 'PERMANENT').map((n) => ip(pns, 'neigh', 'replace', n.ip, 'lladdr', n.mac, 'dev', names.device(pns, n.dev), 'nud', 'permanent')));
  return {
    title: `pod ${ns.pod} on ${ns.node}`,
    commands,
    ...(learned.length ? { notes: learned.map((n) => `learned by ${n.ip.includes(":") ? "NDP" : "ARP"}: ${n.ip} lladdr ${n.mac} dev ${n.dev}`) } : {}),
  };
}

export function nodeRoutingSection(dp: NodeDataplane, names: LabNames, nodeNs: string, without: Set<KernelFeature>, features: Set<KernelFeature>, leftOut: Set<KernelFeature>): LabSection {
  const root = dp.root;
  const skipDevices = new Set<string>();
  for (const d of root.devices) if ((d.kind === 'ipip' && without.has('ipip')) || d.kind === 'tun') skipDevices.add(d.name);
  const commands: LabCommand[] = [];
  const notes: string[] = [];
  for (const [key, value] of Object.entries(root.sysctls)) {
    if (key.startsWith('net.bridge.')) {
      if (without.has('br_netfilter')) {
        leftOut.add('br_netfilter');
        notes.push(`${key} left out: br_netfilter is missing, so bridged pod-to-pod traffic skips iptables (same-node NetworkPolicy is not enforced)`);
        continue;
      }
      features.add('br_netfilter');
    }
    const dev = /^net\.ipv4\.(conf|neigh)\.([^.]+)\./.exec(key)?.[2];
    if (dev && skipDevices.has(dev)) continue;
    commands.push(sysctl(nodeNs, key, value));
  }
  // Calico's Felix also sets proxy_delay=0 on its veths, so proxy ARP answers at once (the kernel default waits up to 0.8 s).
  for (const d of root.devices) if (d.proxyArp) commands.push(sysctl(nodeNs, `net.ipv4.neigh.${names.device(nodeNs, d.name)}.proxy_delay`, '0'));
  commands.push(...routes(root, nodeNs, names, skipDevices));
  for (const n of root.neighbors) {
    if (n.state !== 'PERMANENT') {
      notes.push(`learned by ${n.ip.includes(":") ? "NDP" : "ARP"}: ${n.ip} lladdr ${n.mac} dev ${n.dev}`);
      continue;
    }
    if (skipDevices.has(n.dev)) continue;
    commands.push(ip(nodeNs, 'neigh', 'replace', n.ip, 'lladdr', n.mac, 'dev', names.device(nodeNs, n.dev), 'nud', 'permanent'));
  }
  for (const f of root.fdb) {
    if (!f.permanent) {
      notes.push(`learned by ${f.master ?? f.dev}: ${f.mac} on port ${f.dev}`);
      continue;
    }
    if (skipDevices.has(f.dev)) continue;
    commands.push({ argv: ['bridge', '-n', nodeNs, 'fdb', 'append', f.mac, 'dev', names.device(nodeNs, f.dev), ...(f.dst ? ['dst', f.dst] : []), ...(f.master ? ['master'] : ['self']), 'permanent'] });
  }
  for (const m of dp.missingRoutes) notes.push(`not installed (the kernel refuses it): ${m.text}`);
  if (skipDevices.size) notes.push(`routes through ${[...skipDevices].join(', ')} left out`);
  return { title: `node ${dp.node.name}: sysctls, routes, static neighbours and FDB entries`, commands, ...(notes.length ? { notes } : {}) };
}

function linkSettings(ns: string, name: string, d: Device): LabCommand[] {
  const args = ['link', 'set', name, 'mtu', String(d.mtu)];
  if (d.mac && d.kind !== 'ipip') args.push('address', d.mac);
  return [ip(ns, ...args)];
}

function addresses(ns: string, name: string, d: Device): LabCommand[] {
  // IPv6 addresses skip duplicate address detection, which would hold them "tentative" for a while.
  return d.addresses.map((a) => ip(ns, 'addr', 'add', `${a.ip}/${a.prefix}`, 'dev', name, ...(a.ip.includes(':') ? ['nodad'] : [])));
}

/**
 * The IPv6 side of a node on a dual-stack cluster, over the devices the IPv4 side created:
 * devices only IPv6 has (flannel-v6.1, vxlan-v6.calico) are created, the others only get their
 * IPv6 addresses. Entries already written for IPv4 (a shared FDB entry) are not written twice.
 */
export function nodeIPv6Section(dp6: NodeDataplane, dp4: NodeDataplane, names: LabNames, nodeNs: string, features: Set<KernelFeature>): LabSection {
  const commands: LabCommand[] = [];
  const existing = new Set(dp4.root.devices.map((d) => d.name));
  for (const d of dp6.root.devices) {
    if (d.kind === 'loopback') continue;
    const name = names.device(nodeNs, d.name);
    if (!existing.has(d.name)) {
      if (d.kind !== 'vxlan') continue;
      features.add('vxlan');
      const v = d.vxlan!;
      commands.push(ip(nodeNs, 'link', 'add', name, 'type', 'vxlan', 'id', String(v.vni), 'local', v.local, 'dev', names.device(nodeNs, v.dev), 'dstport', String(v.port), ...(v.learning ? [] : ['nolearning'])));
      commands.push(...linkSettings(nodeNs, name, d), ...addresses(nodeNs, name, d), ip(nodeNs, 'link', 'set', name, 'up'));
    } else {
      commands.push(...addresses(nodeNs, name, d));
    }
  }
  return { title: `node ${dp6.node.name}: IPv6 devices and addresses`, commands };
}

export function podIPv6Section(ns: Netns, names: LabNames, pns: string): LabSection {
  const commands: LabCommand[] = [];
  for (const d of ns.devices) if (d.kind !== 'loopback') commands.push(...addresses(pns, names.device(pns, d.name), d));
  commands.push(...routes(ns, pns, names, new Set()));
  commands.push(...ns.neighbors.filter((n) => n.state === 'PERMANENT').map((n) => ip(pns, 'neigh', 'replace', n.ip, 'lladdr', n.mac, 'dev', names.device(pns, n.dev), 'nud', 'permanent')));
  return { title: `pod ${ns.pod} on ${ns.node}: IPv6`, commands };
}

/** Routes as `ip route replace` (connected routes the kernel already made are replaced by themselves). */
function routes(ns: Netns, netnsName: string, names: LabNames, skipDevices: Set<string>): LabCommand[] {
  const wanted = ns.routes.filter((r) => r.type !== 'local' && !(r.dev && skipDevices.has(r.dev)));
  // A gateway must be reachable before a route may use it (Calico's 169.254.1.1 link route comes first).
  const ordered = [...wanted.filter((r) => !r.via || r.onlink), ...wanted.filter((r) => r.via && !r.onlink)];
  return ordered.map((r) => ip(netnsName, 'route', 'replace', ...routeArgs(r, (d) => names.device(netnsName, d))));
}

export function routeArgs(r: Route, device: (name: string) => string): string[] {
  const out: string[] = [];
  if (r.type !== 'unicast') out.push(r.type);
  out.push(r.dst.prefix === 0 ? 'default' : r.dst.text);
  if (r.via) out.push('via', r.via);
  if (r.dev) out.push('dev', device(r.dev));
  if (r.proto) out.push('proto', r.proto);
  if (r.scope && r.scope !== 'global') out.push('scope', r.scope);
  if (r.src) out.push('src', r.src);
  if (r.onlink) out.push('onlink');
  return out;
}
