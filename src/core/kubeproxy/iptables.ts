import { Cluster, NodeInfo, ServiceInfo, ServicePortInfo } from '../cluster/model';
import { Cause } from '../dataplane/model';
import { MatchTerm, Ruleset, TableName, Target, appendRule, emptyRuleset, ensureChain } from '../dataplane/netfilter';
import {
  KUBE_EXTERNAL_SERVICES, KUBE_FIREWALL, KUBE_FORWARD, KUBE_MARK_MASQ, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_PROXY_FIREWALL,
  KUBE_SERVICES, MASQ_MARK, extChain, protoLower, sepChain, servicePortName, svcChain, svlChain,
} from './chain-names';
import { ProxyEndpoint, categorizeEndpoints, portPolicy, readyEndpoints } from './endpoints';
import { ProxiedPort, proxiedPorts } from './service-ports';
import { comment, ctstate, dport, dst, dstLocal, endpointCause, portCause, protoTerms, src, srcLocal } from './terms';

/**
 * kube-proxy in iptables mode (pkg/proxy/iptables/proxier.go, syncProxyRules) for one node:
 * the filter and nat tables it restores, plus the jumps from the built-in chains that it
 * installs separately, in the order a node's iptables-save shows them.
 *
 * Settings are kube-proxy's defaults: masquerade bit 14 (0x4000), --masquerade-all off, the
 * local-traffic detector is the cluster CIDR, localhost NodePorts on, NodePorts on every
 * local address, and an iptables that supports --random-fully.
 *
 * Not modelled: loadBalancerSourceRanges (KUBE-FW-* chains) and healthCheckNodePort are not
 * read from the manifests; the nfacct counting rules kube-proxy adds when the kernel offers
 * nfacct are left out (they only count: the rules beside them decide the same packets).
 */

/** Above this many endpoints kube-proxy drops per-endpoint comments to keep the rules small. */
export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

interface PortNames {
  svc: string;
  svl: string;
  ext: string;
  spn: string;
  proto: 'tcp' | 'udp' | 'sctp';
  sep: Map<string, string>;
}

// Chain names depend only on the (immutable) Service port; every node reuses them.
const namesCache = new WeakMap<ServicePortInfo, PortNames>();

function namesFor(p: ProxiedPort): PortNames {
  let n = namesCache.get(p.port);
  if (!n) {
    const spn = servicePortName(p.svc.namespace, p.svc.name, p.port.name);
    const proto = protoLower(p.port.protocol);
    n = { spn, proto, svc: svcChain(spn, proto), svl: svlChain(spn, proto), ext: extChain(spn, proto), sep: new Map() };
    namesCache.set(p.port, n);
  }
  return n;
}

function sepFor(n: PortNames, ep: ProxyEndpoint): string {
  let name = n.sep.get(ep.key);
  if (!name) {
    name = sepChain(n.spn, n.proto, ep.key);
    n.sep.set(ep.key, name);
  }
  return name;
}

const jump = (chain: string): Target => ({ t: 'jump', chain });

export function programIptables(cluster: Cluster, node: NodeInfo): Ruleset {
  const rs = emptyRuleset();
  const clusterCIDR = cluster.config.clusterCIDR.text;
  const base: Cause = { text: 'kube-proxy (iptables mode)', locator: cluster.config.locator, path: ['spec', 'kubeProxy', 'mode'] };
  const add = (table: TableName, chain: string, terms: MatchTerm[], target: Target, cause: Cause = base) =>
    appendRule(rs, table, chain, terms, target, cause);

  // Chains in the order kube-proxy declares them in its restore input.
  for (const c of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL, KUBE_FIREWALL]) ensureChain(rs, 'filter', c);
  for (const c of [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ]) ensureChain(rs, 'nat', c);
  writeHookJumps(add);

  // Masquerade whatever was marked, once: clear the mark so a re-traversal does not SNAT again.
  const masqMark: MatchTerm = { m: 'mark', value: MASQ_MARK, mask: MASQ_MARK };
  add('nat', KUBE_POSTROUTING, [{ ...masqMark, neg: true }], { t: 'RETURN' });
  add('nat', KUBE_POSTROUTING, [], { t: 'MARK', op: 'xor', value: MASQ_MARK });
  add('nat', KUBE_POSTROUTING, [comment('kubernetes service traffic requiring SNAT')], { t: 'MASQUERADE', randomFully: true });
  add('nat', KUBE_MARK_MASQ, [], { t: 'MARK', op: 'or', value: MASQ_MARK });
  // localhost NodePorts need route_localnet; this rule closes the hole that opens (issue 90259).
  // route_localnet is IPv4's: kube-proxy writes the rule only into iptables, not ip6tables.
  if (cluster.config.family === 4) add('filter', KUBE_FIREWALL, [
    comment('block incoming localnet connections'), dst('127.0.0.0/8'), src('127.0.0.0/8', true),
    { m: 'ctstate', states: ['RELATED', 'ESTABLISHED', 'DNAT'], neg: true },
  ], { t: 'DROP' });

  const ports = proxiedPorts(cluster);
  let totalEndpoints = 0;
  for (const p of ports) totalEndpoints += p.port.endpoints.length;
  const largeCluster = totalEndpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;

  for (const p of ports) writeServicePort(p, namesFor(p), node, clusterCIDR, largeCluster, rs, add);

  // NodePorts are matched last so that no Service VIP can be shadowed by them.
  add('nat', KUBE_SERVICES, [comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain'), dstLocal()], jump(KUBE_NODEPORTS));
  add('filter', KUBE_FORWARD, [ctstate('INVALID')], { t: 'DROP' });
  add('filter', KUBE_FORWARD, [comment('kubernetes forwarding rules'), masqMark], { t: 'ACCEPT' });
  add('filter', KUBE_FORWARD, [comment('kubernetes forwarding conntrack rule'), ctstate('RELATED', 'ESTABLISHED')], { t: 'ACCEPT' });
  return rs;
}

/**
 * The rules `programIptables` writes for one Service's ports on `node`, alone: the same rules in
 * the same chains (a port's rules read only the port, its endpoints, the node and whether the
 * cluster as a whole is large), for a view that follows one Service without programming every
 * other one.
 */
export function serviceIptables(cluster: Cluster, node: NodeInfo, svc: ServiceInfo): Ruleset {
  const rs = emptyRuleset();
  const base: Cause = { text: 'kube-proxy (iptables mode)', locator: cluster.config.locator, path: ['spec', 'kubeProxy', 'mode'] };
  const add = (table: TableName, chain: string, terms: MatchTerm[], target: Target, cause: Cause = base) =>
    appendRule(rs, table, chain, terms, target, cause);
  for (const c of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES]) ensureChain(rs, 'filter', c);
  for (const c of [KUBE_SERVICES, KUBE_NODEPORTS]) ensureChain(rs, 'nat', c);
  const ports = proxiedPorts(cluster);
  let totalEndpoints = 0;
  for (const p of ports) totalEndpoints += p.port.endpoints.length;
  const largeCluster = totalEndpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;
  for (const p of ports) if (p.svc === svc) writeServicePort(p, namesFor(p), node, cluster.config.clusterCIDR.text, largeCluster, rs, add);
  return rs;
}

type Add = (table: TableName, chain: string, terms: MatchTerm[], target: Target, cause?: Cause) => unknown;

/**
 * The jumps from the built-in chains. kube-proxy prepends each one, so on a node they appear
 * in the reverse of the order it installs them; kubelet's KUBE-FIREWALL jump lands first.
 */
function writeHookJumps(add: Add): void {
  const isNew = ctstate('NEW');
  const lbFirewall = [isNew, comment('kubernetes load balancer firewall')];
  const portals = [isNew, comment('kubernetes service portals')];
  const external = [isNew, comment('kubernetes externally-visible service portals')];
  add('filter', 'INPUT', [], jump(KUBE_FIREWALL));
  add('filter', 'INPUT', lbFirewall, jump(KUBE_PROXY_FIREWALL));
  add('filter', 'INPUT', [comment('kubernetes health check service ports')], jump(KUBE_NODEPORTS));
  add('filter', 'INPUT', external, jump(KUBE_EXTERNAL_SERVICES));
  add('filter', 'FORWARD', lbFirewall, jump(KUBE_PROXY_FIREWALL));
  add('filter', 'FORWARD', [comment('kubernetes forwarding rules')], jump(KUBE_FORWARD));
  add('filter', 'FORWARD', portals, jump(KUBE_SERVICES));
  add('filter', 'FORWARD', external, jump(KUBE_EXTERNAL_SERVICES));
  add('filter', 'OUTPUT', [], jump(KUBE_FIREWALL));
  add('filter', 'OUTPUT', lbFirewall, jump(KUBE_PROXY_FIREWALL));
  add('filter', 'OUTPUT', portals, jump(KUBE_SERVICES));
  add('nat', 'PREROUTING', [comment('kubernetes service portals')], jump(KUBE_SERVICES));
  add('nat', 'OUTPUT', [comment('kubernetes service portals')], jump(KUBE_SERVICES));
  add('nat', 'POSTROUTING', [comment('kubernetes postrouting rules')], jump(KUBE_POSTROUTING));
}

function writeServicePort(
  p: ProxiedPort, n: PortNames, node: NodeInfo, clusterCIDR: string, largeCluster: boolean, rs: Ruleset, add: Add,
): void {
  const { svc, port, clusterIP } = p;
  const { spn, proto } = n;
  const policy = portPolicy(svc, port);
  const eps = categorizeEndpoints(readyEndpoints(port), policy, node);
  const cause = portCause(svc, port.index, `Service ${svc.key} port ${port.name || port.port}/${port.protocol}`);
  const match = (ip: string, dstPort: number): MatchTerm[] => [...protoTerms(proto), dst(ip), dport(dstPort)];

  const usesClusterChain = eps.cluster.length > 0 && policy.usesClusterEndpoints;
  const usesLocalChain = eps.local.length > 0 && policy.usesLocalEndpoints;
  // Cluster-IP traffic follows internalTrafficPolicy; NodePort/external/LB traffic goes via KUBE-EXT.
  const internalChain = policy.internalPolicyLocal ? n.svl : n.svc;
  const hasInternal = eps.hasAny && (!policy.internalPolicyLocal || eps.local.length > 0);
  const externalPolicyChain = policy.externalPolicyLocal ? n.svl : n.svc;
  const hasExternal = eps.hasAny && (!policy.externalPolicyLocal || eps.local.length > 0);
  // EXT exists even without external endpoints: pod and node traffic is short-circuited through it.
  const usesExtChain = eps.hasAny && policy.externallyAccessible;

  // Nothing anywhere: REJECT (the client gets an answer). Endpoints elsewhere only: DROP.
  const noEndpoints = { text: `${spn} has no endpoints`, target: { t: 'REJECT' } as Target };
  const noLocal = { text: `${spn} has no local endpoints`, target: { t: 'DROP' } as Target };
  const internalFilter = !eps.hasAny ? noEndpoints : !hasInternal ? noLocal : undefined;
  const externalFilter = !eps.hasAny ? noEndpoints : !hasExternal ? noLocal : undefined;

  // Declare this port's chains in kube-proxy's order before anything jumps to them.
  if (usesExtChain) ensureChain(rs, 'nat', n.ext);
  if (usesClusterChain) ensureChain(rs, 'nat', n.svc);
  if (usesLocalChain) ensureChain(rs, 'nat', n.svl);
  for (const ep of eps.reachable) ensureChain(rs, 'nat', sepFor(n, ep));

  if (hasInternal) add('nat', KUBE_SERVICES, [comment(`${spn} cluster IP`), ...match(clusterIP, port.port)], jump(internalChain), cause);
  else if (internalFilter) add('filter', KUBE_SERVICES, [comment(internalFilter.text), ...match(clusterIP, port.port)], internalFilter.target, cause);

  svc.externalIPs.forEach((ip, i) => {
    const ipCause = portCause(svc, port.index, `${cause.text}, external IP ${ip}`, ['spec', 'externalIPs', i]);
    if (eps.hasAny) add('nat', KUBE_SERVICES, [comment(`${spn} external IP`), ...match(ip, port.port)], jump(n.ext), ipCause);
    if (externalFilter) add('filter', KUBE_EXTERNAL_SERVICES, [comment(externalFilter.text), ...match(ip, port.port)], externalFilter.target, ipCause);
  });
  for (const ip of svc.loadBalancerIPs) {
    if (eps.hasAny) add('nat', KUBE_SERVICES, [comment(`${spn} loadbalancer IP`), ...match(ip, port.port)], jump(n.ext), cause);
  }
  if (externalFilter) {
    for (const ip of svc.loadBalancerIPs) add('filter', KUBE_EXTERNAL_SERVICES, [comment(externalFilter.text), ...match(ip, port.port)], externalFilter.target, cause);
  }
  if (policy.nodePort !== undefined) {
    const npCause = portCause(svc, port.index, `${cause.text}, nodePort ${policy.nodePort}`, 'nodePort');
    if (eps.hasAny) add('nat', KUBE_NODEPORTS, [comment(spn), ...protoTerms(proto), dport(policy.nodePort)], jump(n.ext), npCause);
    if (externalFilter) {
      add('filter', KUBE_EXTERNAL_SERVICES, [comment(externalFilter.text), dstLocal(), ...protoTerms(proto), dport(policy.nodePort)], externalFilter.target, npCause);
    }
  }

  // Off-cluster clients of a cluster IP are masqueraded: the reply must come back through this node.
  if (hasInternal) {
    add('nat', internalChain, [comment(`${spn} cluster IP`), ...match(clusterIP, port.port), src(clusterCIDR, true)], jump(KUBE_MARK_MASQ), cause);
  }

  if (usesExtChain) {
    if (!policy.externalPolicyLocal) {
      // Endpoints may be on other nodes: SNAT so replies return through this node.
      add('nat', n.ext, [comment(`masquerade traffic for ${spn} external destinations`)], jump(KUBE_MARK_MASQ), cause);
    } else {
      // Pods reaching an external address behave as if they went out to the LB and back in.
      add('nat', n.ext, [comment(`pod traffic for ${spn} external destinations`), src(clusterCIDR)], jump(n.svc), cause);
      // The node's own traffic would carry a local source address; it must be masqueraded.
      add('nat', n.ext, [comment(`masquerade LOCAL traffic for ${spn} external destinations`), srcLocal()], jump(KUBE_MARK_MASQ), cause);
      add('nat', n.ext, [comment(`route LOCAL traffic for ${spn} external destinations`), srcLocal()], jump(n.svc), cause);
    }
    if (hasExternal) add('nat', n.ext, [], jump(externalPolicyChain), cause);
  }

  // One cause per endpoint, shared by its dispatch and KUBE-SEP rules.
  const epCauses = new Map<string, Cause>();
  const causeOf = (ep: ProxyEndpoint): Cause => {
    let c = epCauses.get(ep.key);
    if (!c) epCauses.set(ep.key, (c = endpointCause(ep.source, `endpoint ${ep.key} of ${spn}`)));
    return c;
  };
  const write = (chain: string, endpoints: ProxyEndpoint[]) =>
    writeEndpointDispatch(add, chain, endpoints, n, svc.sessionAffinity === 'ClientIP' ? svc.sessionAffinityTimeoutSeconds : undefined, largeCluster, causeOf);
  if (usesClusterChain) write(n.svc, eps.cluster);
  if (usesLocalChain) write(n.svl, eps.local);

  for (const ep of eps.reachable) {
    const sep = sepFor(n, ep);
    const epCause = causeOf(ep);
    const c = largeCluster ? [] : [comment(spn)];
    // Hairpin: a pod reaching itself through the Service must see the node as the source.
    add('nat', sep, [...c, src(ep.ip)], jump(KUBE_MARK_MASQ), epCause);
    const affinity: MatchTerm[] = svc.sessionAffinity === 'ClientIP' ? [{ m: 'recent', name: sep, mode: 'set' }] : [];
    add('nat', sep, [...c, ...affinity, ...protoTerms(proto)], { t: 'DNAT', to: ep.key }, epCause);
  }
}

/**
 * Affinity checks first, then one rule per endpoint: the i-th of n matches with probability
 * 1/(n-i), so each endpoint ends up with 1/n overall; the last one always matches.
 */
function writeEndpointDispatch(
  add: Add, chain: string, endpoints: ProxyEndpoint[], n: PortNames, affinitySeconds: number | undefined, largeCluster: boolean,
  causeOf: (ep: ProxyEndpoint) => Cause,
): void {
  const commentFor = (ep: ProxyEndpoint): MatchTerm[] => (largeCluster ? [] : [comment(`${n.spn} -> ${ep.key}`)]);
  if (affinitySeconds !== undefined) {
    for (const ep of endpoints) {
      const sep = sepFor(n, ep);
      add('nat', chain, [...commentFor(ep), { m: 'recent', name: sep, mode: 'rcheck', seconds: affinitySeconds, reap: true }], jump(sep), causeOf(ep));
    }
  }
  const count = endpoints.length;
  endpoints.forEach((ep, i) => {
    const terms = commentFor(ep);
    if (i < count - 1) terms.push({ m: 'statistic', probability: 1 / (count - i) });
    add('nat', chain, terms, jump(sepFor(n, ep)), causeOf(ep));
  });
}
