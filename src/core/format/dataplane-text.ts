import { Device, Netns, NodeDataplane } from '../dataplane/model';
import { renderIpsetSave, renderIptablesSave } from '../dataplane/netfilter';
import { renderNftRuleset } from '../dataplane/nftables-text';
import { formatRoute } from '../dataplane/routing';

export interface DataplaneSections {
  devices: boolean;
  routes: boolean;
  neighbors: boolean;
  iptables: boolean;
  ipvs: boolean;
  /** `nft list ruleset` of kube-proxy's tables (nftables mode only). */
  nftables?: boolean;
}

export const ALL_SECTIONS: DataplaneSections = { devices: true, routes: true, neighbors: true, iptables: true, ipvs: true, nftables: true };

/**
 * One node's data path in the words of the tools people run on it: `ip addr`, `ip route`,
 * `ip neigh`, `bridge fdb`, `iptables-save`, `nft list ruleset`, `ipvsadm -Ln` — for the node and
 * each pod namespace.
 */
export function formatDataplaneText(dp: NodeDataplane, sections: DataplaneSections = ALL_SECTIONS): string {
  const out: string[] = [];
  const n = dp.node;
  // The IPv6 data path of a dual-stack node prints as `ip -6 …` and `ip6tables-save` show it.
  const v6 = n.ip.includes(':');
  const tool = v6 ? { ip: 'ip -6', save: 'ip6tables-save', label: 'IPv6 ' } : { ip: 'ip', save: 'iptables-save', label: '' };
  const more = dp.morePodBlocks?.length ? `, Calico blocks also ${dp.morePodBlocks.map((b) => b.text).join(', ')}` : '';
  out.push(`# node ${n.name}: ${tool.label}${n.ip} (subnet ${n.subnet.text}), pod CIDR ${n.podCIDR.text}${more}`);
  section(out, dp.root, `node ${n.name} (root netns)`, sections, tool.ip);
  if (sections.routes && dp.missingRoutes.length) {
    out.push('', '## routes the CNI could not install');
    for (const m of dp.missingRoutes) out.push(`# ${m.text}`);
  }
  for (const key of [...dp.pods.keys()].sort()) section(out, dp.pods.get(key)!, `pod ${key}`, sections, tool.ip);
  if (sections.ipvs && dp.ipvs.length) {
    out.push('', '## ipvsadm -Ln');
    out.push('Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward Weight');
    for (const v of dp.ipvs) {
      out.push(`${v.protocol}  ${v.vip}:${v.port} ${v.scheduler}${v.persistenceSeconds ? ` persistent ${v.persistenceSeconds}` : ''}`);
      for (const r of v.realServers) out.push(`  -> ${`${r.ip}:${r.port}`.padEnd(28)} Masq    ${r.weight}`);
    }
  }
  if (sections.ipvs && dp.userspace.length) {
    out.push('', '## kube-proxy (userspace) listening ports');
    for (const u of dp.userspace) out.push(`${u.clusterIP}:${u.port}/${u.protocol} → :${u.proxyPort} → ${u.backends.map((b) => `${b.ip}:${b.port}`).join(', ') || '(no endpoints)'}   # ${u.service}${u.portName ? `:${u.portName}` : ''}`);
  }
  if (sections.iptables) {
    out.push('', `## ${tool.save} (node ${n.name})`);
    out.push(renderIptablesSave(dp.netfilter).trimEnd());
    const sets = renderIpsetSave(dp.netfilter);
    if (sets) out.push('', `## ipset save (node ${n.name})`, sets.trimEnd());
  }
  if (sections.nftables && dp.nftables?.tables.length) {
    out.push('', `## nft list ruleset (node ${n.name})`);
    out.push(renderNftRuleset(dp.nftables).trimEnd());
  }
  return out.join('\n') + '\n';
}

function section(out: string[], ns: Netns, title: string, s: DataplaneSections, ip = 'ip'): void {
  if (s.devices) {
    out.push('', `## ${title}: ${ip} addr`);
    ns.devices.forEach((d, i) => out.push(...formatDevice(d, i + 1)));
  }
  if (s.routes) {
    out.push('', `## ${title}: ${ip} route`);
    for (const r of ns.routes) if (r.type !== 'local') out.push(formatRoute(r));
  }
  if (s.neighbors && (ns.neighbors.length || ns.fdb.length)) {
    out.push('', `## ${title}: ${ip} neigh / bridge fdb`);
    for (const nb of ns.neighbors) out.push(`${nb.ip} dev ${nb.dev} lladdr ${nb.mac} ${nb.state}`);
    for (const f of ns.fdb) out.push(`${f.mac} dev ${f.dev}${f.dst ? ` dst ${f.dst}` : ''}${f.master ? ` master ${f.master}` : ' self'}${f.permanent ? ' permanent' : ''}`);
  }
}

function formatDevice(d: Device, index: number): string[] {
  const flags = d.kind === 'loopback' ? 'LOOPBACK,UP,LOWER_UP' : 'BROADCAST,MULTICAST,UP,LOWER_UP';
  const peer = d.peer ? `@${d.peer.device === 'eth0' && d.peer.netns.includes('/') ? `if-${d.peer.netns.split('/').slice(1).join('/')}` : d.peer.device}` : '';
  const lines = [`${index}: ${d.name}${peer}: <${flags}> mtu ${d.mtu}${d.master ? ` master ${d.master}` : ''}`];
  const link = d.kind === 'loopback' ? 'link/loopback 00:00:00:00:00:00' : d.kind === 'tun' || d.kind === 'ipip' ? `link/${d.kind === 'tun' ? 'none' : 'ipip 0.0.0.0 brd 0.0.0.0'}` : `link/ether ${d.mac}`;
  lines.push(`    ${link}`);
  const detail: string[] = [];
  if (d.kind === 'veth') detail.push('veth');
  if (d.kind === 'bridge') detail.push('bridge');
  if (d.vxlan) detail.push(`vxlan id ${d.vxlan.vni} local ${d.vxlan.local} dev ${d.vxlan.dev} dstport ${d.vxlan.port}${d.vxlan.learning ? '' : ' nolearning'}`);
  if (d.tun) detail.push(`tun (read by ${d.tun.daemon}, UDP ${d.tun.port})`);
  if (d.kind === 'dummy') detail.push('dummy');
  if (d.proxyArp) detail.push('proxy_arp 1');
  if (detail.length) lines.push(`    ${detail.join(' ')}`);
  for (const a of d.addresses) {
    const v6 = a.ip.includes(':');
    const scope = a.ip.startsWith('127.') || a.ip === '::1' ? 'host' : v6 && a.ip.startsWith('fe80:') ? 'link' : 'global';
    lines.push(`    ${v6 ? 'inet6' : 'inet'} ${a.ip}/${a.prefix} scope ${scope}${v6 ? '' : ` ${d.name}`}`);
  }
  return lines;
}
