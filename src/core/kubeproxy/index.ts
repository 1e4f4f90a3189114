import { Finding, finding } from '../common/finding';
import { Cluster, NodeInfo } from '../cluster/model';
import { IpvsService, UserspaceProxyPort } from '../dataplane/model';
import { Ruleset, emptyRuleset } from '../dataplane/netfilter';
import { NftRuleset, NftTable, addNftElement } from '../dataplane/nftables';
import { programIptables } from './iptables';
import { programIpvs } from './ipvs';
import { NFT_NODEPORT_IPS } from './nftables-names';
import { nftFamilyOf, nodePortAddressElement, programNftables } from './nftables';
import { programUserspace } from './userspace';

export interface KubeProxyProgram {
  /** nat and filter tables as kube-proxy writes them on this node (plus ipsets in ipvs mode). */
  netfilter: Ruleset;
  /** nftables mode: the `kube-proxy` tables (ip, and ip6 when some Service is IPv6). */
  nftables?: NftRuleset;
  /** ipvs mode: virtual servers; kube-ipvs0 holds their addresses. Empty otherwise. */
  ipvs: IpvsService[];
  /** userspace mode: the local ports kube-proxy listens on. Empty otherwise. */
  userspace: UserspaceProxyPort[];
  findings: Finding[];
}

/** What kube-proxy (in the cluster's configured mode) programs on one node. */
export function programKubeProxy(cluster: Cluster, node: NodeInfo): KubeProxyProgram {
  try {
    switch (cluster.config.kubeProxyMode) {
      case 'ipvs': {
        const p = programIpvs(cluster, node);
        return { netfilter: p.netfilter, ipvs: p.ipvs, userspace: [], findings: [] };
      }
      case 'nftables':
        // The iptables tables stay (CNI plugins still write there); kube-proxy writes none.
        return { netfilter: emptyRuleset(), nftables: sharedNftables(cluster, node), ipvs: [], userspace: [], findings: [] };
      case 'userspace': {
        const p = programUserspace(cluster, node);
        return { netfilter: p.netfilter, ipvs: [], userspace: p.userspace, findings: p.findings };
      }
      default:
        return { netfilter: sharedIptables(cluster, node), ipvs: [], userspace: [], findings: [] };
    }
  } catch (e) {
    // A bug here must not take the whole analysis down: report it and leave the node unprogrammed.
    const message = `kube-proxy rules for node ${node?.name ?? '?'} could not be computed: ${(e as Error)?.message ?? String(e)}`;
    return { netfilter: emptyRuleset(), ipvs: [], userspace: [], findings: [finding('internal-error', 'error', message, cluster?.config?.locator?.range)] };
  }
}

/**
 * In iptables mode the rules differ between nodes only where a traffic policy is Local (those
 * Services use this node's own endpoints). Nodes with the same local endpoints for such
 * Services get one shared, read-only rule set: a 1,000-node cluster usually needs one.
 */
const iptablesByCluster = new WeakMap<Cluster, Map<string, Ruleset>>();

function sharedIptables(cluster: Cluster, node: NodeInfo): Ruleset {
  let cache = iptablesByCluster.get(cluster);
  if (!cache) {
    cache = new Map();
    iptablesByCluster.set(cluster, cache);
  }
  const key = localitySignature(cluster, node);
  let rs = cache.get(key);
  if (!rs) {
    rs = programIptables(cluster, node);
    cache.set(key, rs);
  }
  return rs;
}

function localitySignature(cluster: Cluster, node: NodeInfo): string {
  const parts: string[] = [];
  for (const svc of cluster.services) {
    if (svc.externalTrafficPolicy !== 'Local' && svc.internalTrafficPolicy !== 'Local') continue;
    for (const port of svc.ports) for (const e of port.endpoints) if (e.node === node.name) parts.push(`${svc.key}#${port.index}@${e.ip}:${e.port}`);
  }
  return parts.join(',');
}

/**
 * nftables mode shares the same way, except the `nodeport-ips` set, which holds the node's own
 * address: each node gets a table of its own over the shared chains and maps.
 */
const nftablesByCluster = new WeakMap<Cluster, Map<string, NftRuleset>>();

function sharedNftables(cluster: Cluster, node: NodeInfo): NftRuleset {
  let cache = nftablesByCluster.get(cluster);
  if (!cache) {
    cache = new Map();
    nftablesByCluster.set(cluster, cache);
  }
  const key = localitySignature(cluster, node);
  let shared = cache.get(key);
  if (!shared) {
    shared = programNftables(cluster, node);
    cache.set(key, shared);
    return shared;
  }
  return { tables: shared.tables.map((t) => withOwnNodePortIPs(t, node)) };
}

/** A copy of `t` whose nodeport-ips set is this node's (sets map copied, everything else shared). */
function withOwnNodePortIPs(t: NftTable, node: NodeInfo): NftTable {
  const shared = t.sets.get(NFT_NODEPORT_IPS);
  if (!shared) return t;
  const own = { ...shared, elements: new Map() as typeof shared.elements };
  if (nftFamilyOf(node.ip) === t.family) addNftElement(own, nodePortAddressElement(node));
  const sets = new Map(t.sets);
  sets.set(NFT_NODEPORT_IPS, own);
  return { ...t, sets };
}
