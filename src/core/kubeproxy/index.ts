import { Finding, finding } from '../common/finding';
import { Cluster, NodeInfo } from '../cluster/model';
import { IpvsService, UserspaceProxyPort } from '../dataplane/model';
import { Ruleset, emptyRuleset } from '../dataplane/netfilter';
import { programIptables } from './iptables';
import { programIpvs } from './ipvs';
import { programUserspace } from './userspace';

export interface KubeProxyProgram {
  /** nat and filter tables as kube-proxy writes them on this node (plus ipsets in ipvs mode). */
  netfilter: Ruleset;
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
      case 'userspace': {
        const p = programUserspace(cluster, node);
        return { netfilter: p.netfilter, ipvs: [], userspace: p.userspace, findings: p.findings };
      }
      default:
        return { netfilter: programIptables(cluster, node), ipvs: [], userspace: [], findings: [] };
    }
  } catch (e) {
    // A bug here must not take the whole analysis down: report it and leave the node unprogrammed.
    const message = `kube-proxy rules for node ${node.name} could not be computed: ${(e as Error)?.message ?? String(e)}`;
    return { netfilter: emptyRuleset(), ipvs: [], userspace: [], findings: [finding('internal-error', 'error', message, cluster.config.locator.range)] };
  }
}
