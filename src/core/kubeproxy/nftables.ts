import { Cluster, NodeInfo, ServicePortInfo } from '../cluster/model';
import { Cause } from '../dataplane/model';
import { addressIn } from '../dataplane/nftables-eval';
import {
  NftElement, NftExpr, NftFamily, NftRuleset, NftTable, NftVerdict, addNftElement, addNftRule, addNftSet, ensureNftChain, newTable,
} from '../dataplane/nftables';
import { MASQ_MARK, protoLower, servicePortName } from './chain-names';
import { ProxyEndpoint, categorizeEndpoints, portPolicy, readyEndpoints } from './endpoints';
import {
  NFT_CLUSTER_IPS, NFT_CLUSTER_IPS_CHECK, NFT_FIREWALL_CHECK, NFT_FIREWALL_IPS, NFT_MARK_MASQ, NFT_MASQUERADING, NFT_NODEPORT_ENDPOINTS_CHECK,
  NFT_NODEPORT_IPS, NFT_NO_ENDPOINT_NODEPORTS, NFT_NO_ENDPOINT_SERVICES, NFT_REJECT_CHAIN, NFT_SERVICES, NFT_SERVICE_ENDPOINTS_CHECK,
  NFT_SERVICE_IPS, NFT_SERVICE_NODEPORTS, NFT_TABLE, endpointChainBase, nftAffinitySet, nftEndpointChain, nftExternalChain,
  nftFirewallChain, nftLocalChain, nftServiceChain, servicePortChainBase,
} from './nftables-names';
import { ProxiedPort, proxiedPorts } from './service-ports';
import { endpointCause, portCause } from './terms';

/**
 * kube-proxy in nftables mode (kubernetes pkg/proxy/nftables/proxier.go: setupNFTables and
 * syncProxyRules) for one node and one IP family: the `kube-proxy` table of family `ip` or
 * `ip6` with its sets and verdict maps, the base chains on the netfilter hooks, and per Service
 * port a service-/local-/external-/firewall- chain and an endpoint- chain per endpoint.
 *
 * The layout follows the current upstream proxier and its tests (pkg/proxy/nftables/
 * proxier_test.go, baseRules): filter chains before DNAT (`filter-prerouting-pre-dnat`,
 * `filter-output-pre-dnat`, priority dstnat-10) check load-balancer source ranges; filter chains
 * at priority 0 reject or drop traffic to Services without (local) endpoints and to unused
 * ClusterIPs and ports; the nat chains dispatch through the `service-ips` and
 * `service-nodeports` verdict maps.
 *
 * Settings are kube-proxy's defaults for this mode: masquerade bit 14 (0x4000), no
 * --masquerade-all, the local-traffic detector is the cluster CIDR, and NodePorts are accepted
 * on the node's primary address only (an unset --nodeport-addresses means "primary" in nftables
 * mode). Not modelled: healthCheckNodePort (served by kube-proxy itself, no rule) and terminating
 * endpoints (PodPath's endpoints carry only `ready`).
 */

const MARK_MASQ_JUMP: NftExpr = { e: 'verdict', verdict: { v: 'jump', chain: NFT_MARK_MASQ } };
const goto = (chain: string): NftVerdict => ({ v: 'goto', chain });
const jump = (chain: string): NftVerdict => ({ v: 'jump', chain });
const ctNew: NftExpr = { e: 'ct-state', states: ['new'] };
const SERVICE_KEY = ['daddr', 'l4proto', 'dport'] as const;
const NODEPORT_KEY = ['l4proto', 'dport'] as const;

/** The nft table family of an address already validated (its text has a colon only if IPv6). */
export function nftFamilyOf(ip: string): NftFamily {
  return ip.includes(':') ? 'ip6' : 'ip';
}

/**
 * The node's nftables: the table of the cluster's family (`ip`, or `ip6` for the IPv6 view of a
 * dual-stack cluster, which has a dataplane of its own), plus the `ip6` table when an IPv4
 * cluster still names IPv6 ClusterIPs (kube-proxy runs one proxier per family the node has).
 */
export function programNftables(cluster: Cluster, node: NodeInfo): NftRuleset {
  const own: NftFamily = cluster.config.family === 6 ? 'ip6' : 'ip';
  const tables = [programNftTable(cluster, node, own)];
  if (own === 'ip' && proxiedPorts(cluster).some((p) => nftFamilyOf(p.clusterIP) === 'ip6')) tables.push(programNftTable(cluster, node, 'ip6'));
  return { tables };
}

export function nodePortAddressElement(node: NodeInfo): NftElement {
  return { key: [node.ip], cause: { text: `node ${node.name}: its primary address accepts NodePorts`, locator: node.locator, path: node.path } };
}

interface PortNames {
  spn: string;
  proto: 'tcp' | 'udp' | 'sctp';
  base: string;
  endpoints: Map<string, string>;
}

// Names depend only on the (immutable) Service port: every node and family reuses them.
const namesCache = new WeakMap<ServicePortInfo, PortNames>();

function namesFor(p: ProxiedPort): PortNames {
  let n = namesCache.get(p.port);
  if (!n) {
    const proto = protoLower(p.port.protocol);
    n = { spn: servicePortName(p.svc.namespace, p.svc.name, p.port.name), proto, base: servicePortChainBase(p.svc.namespace, p.svc.name, proto, p.port.name), endpoints: new Map() };
    namesCache.set(p.port, n);
  }
  return n;
}

function endpointBase(p: ProxiedPort, n: PortNames, ep: ProxyEndpoint): string {
  let b = n.endpoints.get(ep.key);
  if (!b) {
    b = endpointChainBase(p.svc.namespace, p.svc.name, n.proto, p.port.name, ep.ip, ep.port);
    n.endpoints.set(ep.key, b);
  }
  return b;
}

/** `ip:port`, or `[ip]:port` for IPv6, as nft's `dnat to` takes it. */
function dnatTarget(ep: ProxyEndpoint): string {
  return ep.ip.includes(':') ? `[${ep.ip}]:${ep.port}` : `${ep.ip}:${ep.port}`;
}

export function programNftTable(cluster: Cluster, node: NodeInfo, family: NftFamily): NftTable {
  const t = newTable(family, NFT_TABLE, 'rules for kube-proxy');
  const base: Cause = { text: 'kube-proxy (nftables mode)', locator: cluster.config.locator, path: ['spec', 'kubeProxy', 'mode'] };
  const addrType = family === 'ip' ? 'ipv4_addr' : 'ipv6_addr';
  const inFamily = (ip: string) => nftFamilyOf(ip) === family;

  // Sets and maps, in the order setupNFTables creates them.
  const clusterIPs = addNftSet(t, { kind: 'set', name: NFT_CLUSTER_IPS, type: addrType, comment: 'Active ClusterIPs' });
  const nodePortIPs = addNftSet(t, { kind: 'set', name: NFT_NODEPORT_IPS, type: addrType, comment: 'IPs that accept NodePort traffic' });
  const noEndpointServices = addNftSet(t, { kind: 'map', name: NFT_NO_ENDPOINT_SERVICES, type: `${addrType} . inet_proto . inet_service : verdict`, comment: 'vmap to drop or reject packets to services with no endpoints' });
  const noEndpointNodePorts = addNftSet(t, { kind: 'map', name: NFT_NO_ENDPOINT_NODEPORTS, type: 'inet_proto . inet_service : verdict', comment: 'vmap to drop or reject packets to service nodeports with no endpoints' });
  const firewallIPs = addNftSet(t, { kind: 'map', name: NFT_FIREWALL_IPS, type: `${addrType} . inet_proto . inet_service : verdict`, comment: 'destinations that are subject to LoadBalancerSourceRanges' });
  const serviceIPs = addNftSet(t, { kind: 'map', name: NFT_SERVICE_IPS, type: `${addrType} . inet_proto . inet_service : verdict`, comment: 'ClusterIP, ExternalIP and LoadBalancer IP traffic' });
  const serviceNodePorts = addNftSet(t, { kind: 'map', name: NFT_SERVICE_NODEPORTS, type: 'inet_proto . inet_service : verdict', comment: 'NodePort traffic' });

  // Base chains: filtering on the Service address runs before DNAT rewrites it.
  const baseChain = (name: string, type: 'filter' | 'nat', hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting', priority: number) =>
    ensureNftChain(t, name, { base: { type, hook, priority } });
  baseChain('filter-prerouting-pre-dnat', 'filter', 'prerouting', -110);
  baseChain('filter-output-pre-dnat', 'filter', 'output', -110);
  baseChain('filter-forward', 'filter', 'forward', 0);
  baseChain('filter-input', 'filter', 'input', 0);
  baseChain('filter-output', 'filter', 'output', 0);
  baseChain('nat-prerouting', 'nat', 'prerouting', -100);
  baseChain('nat-output', 'nat', 'output', -100);
  baseChain('nat-postrouting', 'nat', 'postrouting', 100);
  const rule = (chain: string, exprs: NftExpr[], extra: { comment?: string; cause?: Cause } = {}) => addNftRule(t, chain, exprs, { cause: base, ...extra });
  const jumpRule = (from: string, to: string, onlyNew: boolean) => rule(from, [...(onlyNew ? [ctNew] : []), { e: 'verdict', verdict: jump(to) }]);
  for (const c of [NFT_NODEPORT_ENDPOINTS_CHECK, NFT_SERVICE_ENDPOINTS_CHECK, NFT_FIREWALL_CHECK, NFT_SERVICES, NFT_MASQUERADING, NFT_CLUSTER_IPS_CHECK, NFT_MARK_MASQ]) ensureNftChain(t, c);
  ensureNftChain(t, NFT_REJECT_CHAIN, { comment: 'helper for @no-endpoint-services / @no-endpoint-nodeports' });
  jumpRule('filter-prerouting-pre-dnat', NFT_FIREWALL_CHECK, true);
  jumpRule('filter-output-pre-dnat', NFT_FIREWALL_CHECK, true);
  jumpRule('filter-forward', NFT_SERVICE_ENDPOINTS_CHECK, true);
  jumpRule('filter-forward', NFT_CLUSTER_IPS_CHECK, true);
  jumpRule('filter-input', NFT_NODEPORT_ENDPOINTS_CHECK, true);
  jumpRule('filter-input', NFT_SERVICE_ENDPOINTS_CHECK, true);
  jumpRule('filter-output', NFT_SERVICE_ENDPOINTS_CHECK, true);
  jumpRule('filter-output', NFT_CLUSTER_IPS_CHECK, true);
  jumpRule('nat-prerouting', NFT_SERVICES, false);
  jumpRule('nat-output', NFT_SERVICES, false);
  jumpRule('nat-postrouting', NFT_MASQUERADING, false);

  rule(NFT_MARK_MASQ, [{ e: 'mark-set', op: 'or', value: MASQ_MARK }]);
  // Masquerade what was marked, once: the mark is cleared so a second pass does not SNAT again.
  rule(NFT_MASQUERADING, [{ e: 'mark-test', mask: MASQ_MARK, value: 0 }, { e: 'verdict', verdict: { v: 'return' } }]);
  rule(NFT_MASQUERADING, [{ e: 'mark-set', op: 'xor', value: MASQ_MARK }]);
  rule(NFT_MASQUERADING, [{ e: 'masquerade', fullyRandom: true }]);
  rule(NFT_CLUSTER_IPS_CHECK, [{ e: 'addr-set', dir: 'daddr', set: NFT_CLUSTER_IPS }, { e: 'verdict', verdict: { v: 'reject' } }], { comment: 'Reject traffic to invalid ports of ClusterIPs' });
  const serviceCIDRs = [cluster.config.serviceCIDR.text].filter(inFamily);
  if (serviceCIDRs.length) {
    rule(NFT_CLUSTER_IPS_CHECK, [{ e: 'addr-anon', dir: 'daddr', values: serviceCIDRs }, { e: 'verdict', verdict: { v: 'drop' } }], { comment: 'Drop traffic to unallocated ClusterIPs' });
  }
  rule(NFT_FIREWALL_CHECK, [{ e: 'vmap', key: [...SERVICE_KEY], map: NFT_FIREWALL_IPS }]);
  rule(NFT_NODEPORT_ENDPOINTS_CHECK, [{ e: 'addr-set', dir: 'daddr', set: NFT_NODEPORT_IPS }, { e: 'vmap', key: [...NODEPORT_KEY], map: NFT_NO_ENDPOINT_NODEPORTS }]);
  rule(NFT_REJECT_CHAIN, [{ e: 'verdict', verdict: { v: 'reject' } }]);
  rule(NFT_SERVICES, [{ e: 'vmap', key: [...SERVICE_KEY], map: NFT_SERVICE_IPS }]);
  rule(NFT_SERVICES, [{ e: 'addr-set', dir: 'daddr', set: NFT_NODEPORT_IPS }, { e: 'vmap', key: [...NODEPORT_KEY], map: NFT_SERVICE_NODEPORTS }]);
  rule(NFT_SERVICE_ENDPOINTS_CHECK, [{ e: 'vmap', key: [...SERVICE_KEY], map: NFT_NO_ENDPOINT_SERVICES }]);

  // NodePorts answer on the node's primary address of this family.
  if (inFamily(node.ip)) addNftElement(nodePortIPs, nodePortAddressElement(node));

  const clusterCIDR = cluster.config.clusterCIDR.text;
  const ports = proxiedPorts(cluster).filter((p) => inFamily(p.clusterIP));
  for (const p of ports) {
    writeServicePort(t, p, namesFor(p), node, clusterCIDR, inFamily, { clusterIPs, noEndpointServices, noEndpointNodePorts, firewallIPs, serviceIPs, serviceNodePorts });
  }
  return t;
}

interface Containers {
  clusterIPs: ReturnType<typeof addNftSet>;
  noEndpointServices: ReturnType<typeof addNftSet>;
  noEndpointNodePorts: ReturnType<typeof addNftSet>;
  firewallIPs: ReturnType<typeof addNftSet>;
  serviceIPs: ReturnType<typeof addNftSet>;
  serviceNodePorts: ReturnType<typeof addNftSet>;
}

function writeServicePort(
  t: NftTable, p: ProxiedPort, n: PortNames, node: NodeInfo, clusterCIDR: string, inFamily: (ip: string) => boolean, c: Containers,
): void {
  const { svc, port, clusterIP } = p;
  const { spn, proto } = n;
  const policy = portPolicy(svc, port);
  const ready = readyEndpoints(port).filter((e) => inFamily(e.ip));
  const eps = categorizeEndpoints(ready, policy, node);
  const cause = portCause(svc, port.index, `Service ${svc.key} port ${port.name || port.port}/${port.protocol}`);
  const add = (chain: string, exprs: NftExpr[], extra: { comment?: string; cause?: Cause } = {}) => addNftRule(t, chain, exprs, { cause, ...extra });

  const clusterChain = nftServiceChain(n.base);
  const localChain = nftLocalChain(n.base);
  const externalChain = nftExternalChain(n.base);
  const fwChain = nftFirewallChain(n.base);
  const affinity = svc.sessionAffinity === 'ClientIP';

  // Chains in the order syncProxyRules ensures them.
  for (const ep of eps.reachable) ensureNftChain(t, nftEndpointChain(endpointBase(p, n, ep)));
  const usesClusterChain = eps.cluster.length > 0 && policy.usesClusterEndpoints;
  if (usesClusterChain) ensureNftChain(t, clusterChain);
  const usesLocalChain = eps.local.length > 0 && policy.usesLocalEndpoints;
  if (usesLocalChain) ensureNftChain(t, localChain);

  const internalChain = policy.internalPolicyLocal ? localChain : clusterChain;
  const hasInternal = eps.hasAny && (!policy.internalPolicyLocal || eps.local.length > 0);
  const externalPolicyChain = policy.externalPolicyLocal ? localChain : clusterChain;
  const hasExternal = eps.hasAny && (!policy.externalPolicyLocal || eps.local.length > 0);
  // The external chain exists even without external endpoints: pod and node traffic short-circuits through it.
  const usesExternalChain = eps.hasAny && policy.externallyAccessible;
  if (usesExternalChain) ensureNftChain(t, externalChain);

  // No endpoints anywhere: reject (the client gets an answer). Endpoints elsewhere only: drop.
  const internalFilter: NftVerdict | undefined = !eps.hasAny ? goto(NFT_REJECT_CHAIN) : !hasInternal ? { v: 'drop' } : undefined;
  const externalFilter: NftVerdict | undefined = !eps.hasAny ? goto(NFT_REJECT_CHAIN) : !hasExternal ? { v: 'drop' } : undefined;

  const sourceRanges = (svc.loadBalancerSourceRanges ?? []).filter(inFamily);
  const lbIPs = svc.loadBalancerIPs.filter(inFamily);
  const usesFwChain = lbIPs.length > 0 && sourceRanges.length > 0;
  if (usesFwChain) ensureNftChain(t, fwChain);

  addNftElement(c.clusterIPs, { key: [clusterIP], cause });
  const svcKey = (ip: string) => [ip, proto, String(port.port)];
  if (hasInternal) addNftElement(c.serviceIPs, { key: svcKey(clusterIP), verdict: goto(internalChain), cause });
  else addNftElement(c.noEndpointServices, { key: svcKey(clusterIP), comment: spn, verdict: internalFilter!, cause });

  svc.externalIPs.forEach((ip, i) => {
    if (!inFamily(ip)) return;
    const ipCause = portCause(svc, port.index, `${cause.text}, external IP ${ip}`, ['spec', 'externalIPs', i]);
    if (eps.hasAny) addNftElement(c.serviceIPs, { key: svcKey(ip), verdict: goto(externalChain), cause: ipCause });
    if (externalFilter) addNftElement(c.noEndpointServices, { key: svcKey(ip), comment: spn, verdict: externalFilter, cause: ipCause });
  });
  for (const ip of lbIPs) {
    if (eps.hasAny) addNftElement(c.serviceIPs, { key: svcKey(ip), verdict: goto(externalChain), cause });
    if (usesFwChain) addNftElement(c.firewallIPs, { key: svcKey(ip), verdict: goto(fwChain), cause });
  }
  if (externalFilter) for (const ip of lbIPs) addNftElement(c.noEndpointServices, { key: svcKey(ip), comment: spn, verdict: externalFilter, cause });
  if (policy.nodePort !== undefined) {
    const npCause = portCause(svc, port.index, `${cause.text}, nodePort ${policy.nodePort}`, 'nodePort');
    // NodePorts are not subject to loadBalancerSourceRanges (upstream keeps it that way).
    if (eps.hasAny) addNftElement(c.serviceNodePorts, { key: [proto, String(policy.nodePort)], verdict: goto(externalChain), cause: npCause });
    if (externalFilter) addNftElement(c.noEndpointNodePorts, { key: [proto, String(policy.nodePort)], comment: spn, verdict: externalFilter, cause: npCause });
  }

  // Off-cluster clients of a ClusterIP are masqueraded: the reply must come back through this node.
  if (hasInternal) {
    add(internalChain, [{ e: 'addr', dir: 'daddr', value: clusterIP }, { e: 'addr', dir: 'saddr', value: clusterCIDR, neg: true }, MARK_MASQ_JUMP]);
  }

  if (usesExternalChain) {
    if (!policy.externalPolicyLocal) {
      // Endpoints may be on other nodes: SNAT so replies return through this node.
      add(externalChain, [MARK_MASQ_JUMP]);
    } else {
      // Pods reaching an external address behave as if they went out to the LB and back in.
      add(externalChain, [{ e: 'addr', dir: 'saddr', value: clusterCIDR }, { e: 'verdict', verdict: goto(clusterChain) }], { comment: 'short-circuit pod traffic' });
      // The node's own traffic would carry a local source address; it must be masqueraded.
      add(externalChain, [{ e: 'fib-local', dir: 'saddr' }, MARK_MASQ_JUMP], { comment: 'masquerade local traffic' });
      add(externalChain, [{ e: 'fib-local', dir: 'saddr' }, { e: 'verdict', verdict: goto(clusterChain) }], { comment: 'short-circuit local traffic' });
    }
    if (hasExternal) add(externalChain, [{ e: 'verdict', verdict: goto(externalPolicyChain) }]);
  }

  if (usesFwChain) {
    // A node inside the allowed ranges may reach the LB IP with the LB IP as its source.
    const allowFromNode = sourceRanges.some((r) => addressIn(node.ip, r));
    add(fwChain, [{ e: 'addr-anon', dir: 'saddr', values: [...sourceRanges, ...(allowFromNode ? lbIPs : [])], neg: true }, { e: 'verdict', verdict: { v: 'drop' } }]);
  }

  const epCauses = new Map<string, Cause>();
  const causeOf = (ep: ProxyEndpoint): Cause => {
    let x = epCauses.get(ep.key);
    if (!x) epCauses.set(ep.key, (x = endpointCause(ep.source, `endpoint ${ep.key} of ${spn}`)));
    return x;
  };
  if (affinity) {
    for (const ep of eps.reachable) {
      addNftSet(t, { kind: 'set', name: nftAffinitySet(endpointBase(p, n, ep)), type: nftFamilyOf(clusterIP) === 'ip' ? 'ipv4_addr' : 'ipv6_addr', flags: ['dynamic', 'timeout'], timeoutSeconds: svc.sessionAffinityTimeoutSeconds });
    }
  }
  const dispatch = (chain: string, endpoints: ProxyEndpoint[]) => {
    // Affinity first: a client seen before goes to the same endpoint.
    if (affinity) {
      for (const ep of endpoints) {
        const b = endpointBase(p, n, ep);
        add(chain, [{ e: 'addr-set', dir: 'saddr', set: nftAffinitySet(b) }, { e: 'verdict', verdict: goto(nftEndpointChain(b)) }], { cause: causeOf(ep) });
      }
    }
    add(chain, [{ e: 'numgen', mod: endpoints.length, verdicts: endpoints.map((ep) => goto(nftEndpointChain(endpointBase(p, n, ep)))) }]);
  };
  if (usesClusterChain) dispatch(clusterChain, eps.cluster);
  if (usesLocalChain) dispatch(localChain, eps.local);

  for (const ep of eps.reachable) {
    const b = endpointBase(p, n, ep);
    const chain = nftEndpointChain(b);
    const epCause = causeOf(ep);
    // Hairpin: a pod reaching itself through the Service must see the node as the source.
    add(chain, [{ e: 'addr', dir: 'saddr', value: ep.ip }, MARK_MASQ_JUMP], { cause: epCause });
    if (affinity) add(chain, [{ e: 'set-update', set: nftAffinitySet(b), dir: 'saddr' }], { cause: epCause });
    add(chain, [{ e: 'l4proto', proto }, { e: 'dnat', to: dnatTarget(ep) }], { cause: epCause });
  }
}

