import { Finding } from '../common/finding';
import { Cluster, NodeInfo } from '../cluster/model';
import { IpvsService, UserspaceProxyPort } from '../dataplane/model';
import { Ruleset, emptyRuleset } from '../dataplane/netfilter';

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
  void cluster;
  void node;
  return { netfilter: emptyRuleset(), ipvs: [], userspace: [], findings: [] };
}
