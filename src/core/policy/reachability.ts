import { Cluster, PodInfo } from '../cluster/model';
import { ConnSet } from './connset';
import { allowedConns, peerFor } from './evaluate';

/**
 * Who may talk to whom: for every ordered pair of pods the connections both NetworkPolicy
 * directions allow (the source's egress and the destination's ingress). This is the one data
 * structure connlist, matrix, diff and the editor's hints all read.
 */
export interface Reachability {
  cluster: Cluster;
  /** Connections allowed from `src` to `dst` (pod to itself: everything). */
  allowed(src: PodInfo, dst: PodInfo): ConnSet;
}

export function computeReachability(cluster: Cluster): Reachability {
  return {
    cluster,
    allowed(src, dst) {
      if (src.key === dst.key) return ConnSet.ALL;
      const egress = allowedConns(cluster, 'egress', src, peerFor(cluster, dst.hostNetwork ? dst.ip : dst.ip));
      if (egress.isEmpty()) return egress;
      return egress.intersect(allowedConns(cluster, 'ingress', dst, peerFor(cluster, src.ip)));
    },
  };
}
