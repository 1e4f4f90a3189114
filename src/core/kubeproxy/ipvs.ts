import { Cluster, NodeInfo } from '../cluster/model';
import { Cause, IpvsService } from '../dataplane/model';
import { MatchTerm, Ruleset, TableName, Target, appendRule, emptyRuleset, ensureChain } from '../dataplane/netfilter';
import { KUBE_FORWARD, KUBE_MARK_MASQ, KUBE_POSTROUTING, KUBE_PROXY_FIREWALL, KUBE_SERVICES, MASQ_MARK, protoLower } from './chain-names';
import { ProxyEndpoint, categorizeEndpoints, portPolicy, readyEndpoints } from './endpoints';
import { proxiedPorts } from './service-ports';
import { comment, ctstate, dstLocal, portCause, src } from './terms';

/**
 * kube-proxy in ipvs mode (pkg/proxy/ipvs/proxier.go; deprecated since Kubernetes 1.35).
 * IPVS does the load balancing: one virtual server per Service address and port, bound to the
 * kube-ipvs0 dummy device, with the endpoints as real servers. iptables is left with a fixed
 * set of rules whose matches are ipsets, so their number does not grow with Services:
 * masquerade for off-cluster clients, hairpin (KUBE-LOOP-BACK) and NodePorts.
 *
 * Defaults as in iptables mode (mark 0x4000, cluster-CIDR local detector, no masquerade-all,
 * --random-fully), scheduler rr. Not modelled: loadBalancerSourceRanges (KUBE-LOAD-BALANCER-FW
 * and the source sets stay empty) and healthCheckNodePort.
 */

// ipset names and the comments kube-proxy gives them (pkg/proxy/ipvs/ipset.go).
export const IPSETS = {
  loopBack: { name: 'KUBE-LOOP-BACK', comment: 'Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose' },
  clusterIP: { name: 'KUBE-CLUSTER-IP', comment: 'Kubernetes service cluster ip + port for masquerade purpose' },
  externalIP: { name: 'KUBE-EXTERNAL-IP', comment: 'Kubernetes service external ip + port for masquerade and filter purpose' },
  externalIPLocal: { name: 'KUBE-EXTERNAL-IP-LOCAL', comment: 'Kubernetes service external ip + port with externalTrafficPolicy=local' },
  loadBalancer: { name: 'KUBE-LOAD-BALANCER', comment: 'Kubernetes service lb portal' },
  loadBalancerFW: { name: 'KUBE-LOAD-BALANCER-FW', comment: 'Kubernetes service load balancer ip + port for load balancer with sourceRange' },
  loadBalancerLocal: { name: 'KUBE-LOAD-BALANCER-LOCAL', comment: 'Kubernetes service load balancer ip + port with externalTrafficPolicy=local' },
  loadBalancerSourceIP: { name: 'KUBE-LOAD-BALANCER-SOURCE-IP', comment: 'Kubernetes service load balancer ip + port + source IP for packet filter purpose' },
  loadBalancerSourceCIDR: { name: 'KUBE-LOAD-BALANCER-SOURCE-CIDR', comment: 'Kubernetes service load balancer ip + port + source cidr for packet filter purpose' },
  nodePortTCP: { name: 'KUBE-NODE-PORT-TCP', comment: 'Kubernetes nodeport TCP port for masquerade purpose' },
  nodePortLocalTCP: { name: 'KUBE-NODE-PORT-LOCAL-TCP', comment: 'Kubernetes nodeport TCP port with externalTrafficPolicy=local' },
  nodePortUDP: { name: 'KUBE-NODE-PORT-UDP', comment: 'Kubernetes nodeport UDP port for masquerade purpose' },
  nodePortLocalUDP: { name: 'KUBE-NODE-PORT-LOCAL-UDP', comment: 'Kubernetes nodeport UDP port with externalTrafficPolicy=local' },
  nodePortSCTP: { name: 'KUBE-NODE-PORT-SCTP-HASH', comment: "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'" },
  nodePortLocalSCTP: { name: 'KUBE-NODE-PORT-LOCAL-SCTP-HASH', comment: "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'" },
  healthCheckNodePort: { name: 'KUBE-HEALTH-CHECK-NODE-PORT', comment: 'Kubernetes health check node port' },
} as const;

type SetKey = keyof typeof IPSETS;

export const KUBE_NODE_PORT = 'KUBE-NODE-PORT';
export const KUBE_LOAD_BALANCER = 'KUBE-LOAD-BALANCER';
export const KUBE_SOURCE_RANGES_FIREWALL = 'KUBE-SOURCE-RANGES-FIREWALL';

export interface IpvsProgram {
  netfilter: Ruleset;
  ipvs: IpvsService[];
}

export function programIpvs(cluster: Cluster, node: NodeInfo): IpvsProgram {
  const rs = emptyRuleset();
  const sets = new Map<SetKey, Set<string>>();
  for (const key of Object.keys(IPSETS) as SetKey[]) sets.set(key, new Set());
  const member = (key: SetKey, entry: string) => sets.get(key)!.add(entry);
  const ipvs: IpvsService[] = [];

  for (const p of proxiedPorts(cluster)) {
    const { svc, port, clusterIP } = p;
    const proto = protoLower(port.protocol);
    const policy = portPolicy(svc, port);
    const ready = readyEndpoints(port);
    const eps = categorizeEndpoints(ready, policy, node);
    const cause = portCause(svc, port.index, `Service ${svc.key} port ${port.name || port.port}/${port.protocol}`);
    const persistence = svc.sessionAffinity === 'ClientIP' ? { persistenceSeconds: svc.sessionAffinityTimeoutSeconds } : {};
    // A Local policy uses local endpoints, falling back to all of them when the node has none
    // (so pods on this node can still reach the Service; kubernetes PR 97081).
    const pick = (onlyLocal: boolean): ProxyEndpoint[] => (onlyLocal && eps.local.length > 0 ? eps.local : eps.cluster);
    const virtualServer = (vip: string, vport: number, onlyLocal: boolean, c: Cause = cause): IpvsService => ({
      protocol: port.protocol, vip, port: vport, scheduler: 'rr', ...persistence,
      realServers: pick(onlyLocal).map((e) => ({ ip: e.ip, port: e.port, weight: 1 })),
      service: svc.key, portName: port.name, cause: c,
    });

    // Hairpin: a local endpoint reaching its own Service is masqueraded in POSTROUTING.
    for (const e of ready) if (e.node === node.name) member('loopBack', `${e.ip},${proto}:${e.port},${e.ip}`);

    member('clusterIP', `${clusterIP},${proto}:${port.port}`);
    ipvs.push(virtualServer(clusterIP, port.port, policy.internalPolicyLocal));

    svc.externalIPs.forEach((ip, i) => {
      member(policy.externalPolicyLocal ? 'externalIPLocal' : 'externalIP', `${ip},${proto}:${port.port}`);
      ipvs.push(virtualServer(ip, port.port, policy.externalPolicyLocal, portCause(svc, port.index, `${cause.text}, external IP ${ip}`, ['spec', 'externalIPs', i])));
    });
    for (const ip of svc.loadBalancerIPs) {
      member('loadBalancer', `${ip},${proto}:${port.port}`);
      if (policy.externalPolicyLocal) member('loadBalancerLocal', `${ip},${proto}:${port.port}`);
      ipvs.push(virtualServer(ip, port.port, policy.externalPolicyLocal));
    }
    if (policy.nodePort !== undefined) {
      const np = policy.nodePort;
      // TCP and UDP NodePorts are bitmap:port sets (port only); SCTP uses hash:ip,port.
      const entry = proto === 'sctp' ? `${node.ip},sctp:${np}` : String(np);
      const [all, local]: [SetKey, SetKey] = proto === 'tcp' ? ['nodePortTCP', 'nodePortLocalTCP'] : proto === 'udp' ? ['nodePortUDP', 'nodePortLocalUDP'] : ['nodePortSCTP', 'nodePortLocalSCTP'];
      member(all, entry);
      if (policy.externalPolicyLocal) member(local, entry);
      // One virtual server per node address; the node IP is not bound to kube-ipvs0.
      ipvs.push(virtualServer(node.ip, np, policy.externalPolicyLocal, portCause(svc, port.index, `${cause.text}, nodePort ${np}`, 'nodePort')));
    }
  }

  writeIptables(rs, cluster, sets);
  for (const [key, members] of sets) rs.ipsets.set(IPSETS[key].name, members);
  return { netfilter: rs, ipvs };
}

/** The fixed iptables rules of ipvs mode; rules whose ipset is empty are left out, as kube-proxy does. */
function writeIptables(rs: Ruleset, cluster: Cluster, sets: Map<SetKey, Set<string>>): void {
  const base: Cause = { text: 'kube-proxy (ipvs mode)', locator: cluster.config.locator, path: ['spec', 'kubeProxy', 'mode'] };
  const add = (table: TableName, chain: string, terms: MatchTerm[], target: Target) => appendRule(rs, table, chain, terms, target, base);
  const jump = (chain: string): Target => ({ t: 'jump', chain });
  const nonEmpty = (key: SetKey) => sets.get(key)!.size > 0;
  const matchSet = (key: SetKey, flags: string): MatchTerm[] => [comment(IPSETS[key].comment), { m: 'set', name: IPSETS[key].name, flags }];
  const masqMark: MatchTerm = { m: 'mark', value: MASQ_MARK, mask: MASQ_MARK };

  for (const c of [KUBE_SERVICES, KUBE_POSTROUTING, KUBE_NODE_PORT, KUBE_LOAD_BALANCER, KUBE_MARK_MASQ]) ensureChain(rs, 'nat', c);
  for (const c of [KUBE_FORWARD, KUBE_NODE_PORT, KUBE_PROXY_FIREWALL, KUBE_SOURCE_RANGES_FIREWALL]) ensureChain(rs, 'filter', c);
  // Jumps from the built-in chains. kube-proxy prepends each; listed here in the resulting order.
  add('nat', 'PREROUTING', [comment('kubernetes service portals')], jump(KUBE_SERVICES));
  add('nat', 'OUTPUT', [comment('kubernetes service portals')], jump(KUBE_SERVICES));
  add('nat', 'POSTROUTING', [comment('kubernetes postrouting rules')], jump(KUBE_POSTROUTING));
  add('filter', 'INPUT', [comment('kube-proxy firewall rules')], jump(KUBE_PROXY_FIREWALL));
  add('filter', 'INPUT', [comment('kubernetes health check rules')], jump(KUBE_NODE_PORT));
  add('filter', 'FORWARD', [comment('kube-proxy firewall rules')], jump(KUBE_PROXY_FIREWALL));
  add('filter', 'FORWARD', [comment('kubernetes forwarding rules')], jump(KUBE_FORWARD));

  // ipset → chain links, in kube-proxy's order (local NodePort sets before the general ones).
  const links: [SetKey, TableName, string, Target, string, ('tcp' | 'udp' | 'sctp')?][] = [
    ['loopBack', 'nat', KUBE_POSTROUTING, { t: 'MASQUERADE' }, 'dst,dst,src'],
    ['loadBalancer', 'nat', KUBE_SERVICES, jump(KUBE_LOAD_BALANCER), 'dst,dst'],
    ['loadBalancerLocal', 'nat', KUBE_LOAD_BALANCER, { t: 'RETURN' }, 'dst,dst'],
    ['nodePortLocalTCP', 'nat', KUBE_NODE_PORT, { t: 'RETURN' }, 'dst', 'tcp'],
    ['nodePortTCP', 'nat', KUBE_NODE_PORT, jump(KUBE_MARK_MASQ), 'dst', 'tcp'],
    ['nodePortLocalUDP', 'nat', KUBE_NODE_PORT, { t: 'RETURN' }, 'dst', 'udp'],
    ['nodePortUDP', 'nat', KUBE_NODE_PORT, jump(KUBE_MARK_MASQ), 'dst', 'udp'],
    ['nodePortLocalSCTP', 'nat', KUBE_NODE_PORT, { t: 'RETURN' }, 'dst,dst', 'sctp'],
    ['nodePortSCTP', 'nat', KUBE_NODE_PORT, jump(KUBE_MARK_MASQ), 'dst,dst', 'sctp'],
    ['loadBalancerFW', 'filter', KUBE_PROXY_FIREWALL, jump(KUBE_SOURCE_RANGES_FIREWALL), 'dst,dst'],
    ['loadBalancerSourceCIDR', 'filter', KUBE_SOURCE_RANGES_FIREWALL, { t: 'RETURN' }, 'dst,dst,src'],
    ['loadBalancerSourceIP', 'filter', KUBE_SOURCE_RANGES_FIREWALL, { t: 'RETURN' }, 'dst,dst,src'],
  ];
  for (const [key, table, chain, target, flags, proto] of links) {
    if (!nonEmpty(key)) continue;
    add(table, chain, [...(proto ? [{ m: 'proto', proto } as MatchTerm] : []), ...matchSet(key, flags)], target);
  }

  // Off-cluster clients of a cluster IP are masqueraded so replies come back through this node.
  if (nonEmpty('clusterIP')) add('nat', KUBE_SERVICES, [...matchSet('clusterIP', 'dst,dst'), src(cluster.config.clusterCIDR.text, true)], jump(KUBE_MARK_MASQ));
  // External IPs: accept traffic from outside the node (not bridged from a pod, not local) or to a local address.
  const externalRules = (key: SetKey) => {
    add('nat', KUBE_SERVICES, [...matchSet(key, 'dst,dst'), { m: 'raw', text: '-m physdev ! --physdev-is-in' }, { m: 'addrtype', dir: 'src', type: 'LOCAL', neg: true }], { t: 'ACCEPT' });
    add('nat', KUBE_SERVICES, [...matchSet(key, 'dst,dst'), dstLocal()], { t: 'ACCEPT' });
  };
  if (nonEmpty('externalIP')) {
    add('nat', KUBE_SERVICES, matchSet('externalIP', 'dst,dst'), jump(KUBE_MARK_MASQ));
    externalRules('externalIP');
  }
  if (nonEmpty('externalIPLocal')) externalRules('externalIPLocal');
  add('nat', KUBE_SERVICES, [dstLocal()], jump(KUBE_NODE_PORT));
  add('nat', KUBE_LOAD_BALANCER, [], jump(KUBE_MARK_MASQ));
  add('filter', KUBE_SOURCE_RANGES_FIREWALL, [], { t: 'DROP' });
  // Accept traffic to virtual servers so no later rule can get in IPVS's way.
  for (const key of ['clusterIP', 'loadBalancer'] as SetKey[]) {
    if (nonEmpty(key)) add('nat', KUBE_SERVICES, [{ m: 'set', name: IPSETS[key].name, flags: 'dst,dst' }], { t: 'ACCEPT' });
  }
  add('filter', KUBE_FORWARD, [comment('kubernetes forwarding rules'), masqMark], { t: 'ACCEPT' });
  add('filter', KUBE_FORWARD, [comment('kubernetes forwarding conntrack rule'), ctstate('RELATED', 'ESTABLISHED')], { t: 'ACCEPT' });
  add('filter', KUBE_NODE_PORT, matchSet('healthCheckNodePort', 'dst'), { t: 'ACCEPT' });
  add('nat', KUBE_POSTROUTING, [{ ...masqMark, neg: true }], { t: 'RETURN' });
  add('nat', KUBE_POSTROUTING, [], { t: 'MARK', op: 'xor', value: MASQ_MARK });
  add('nat', KUBE_POSTROUTING, [comment('kubernetes service traffic requiring SNAT')], { t: 'MASQUERADE', randomFully: true });
  add('nat', KUBE_MARK_MASQ, [], { t: 'MARK', op: 'or', value: MASQ_MARK });
}
