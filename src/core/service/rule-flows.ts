import { Cluster, PodInfo } from '../cluster/model';
import { ConnSet } from '../policy/connset';
import { policyClasses } from '../policy/peer-classes';

/**
 * The flows a policy rule decides (or, for a NetworkPolicy rule, admits) between the workspace's
 * pods, for its hover: up to `max + 1` lines (one more than shown tells the caller there are
 * more). `decided` answers for a pod the rule applies to and another pod.
 *
 * A rule that decides nothing is the case to be quick for (a hover asks while the user reads a
 * shadowed rule): every pair must be tried before saying so, so pairs are tried a policy class
 * at a time (pods of a class are alike to every policy, peer-classes.ts) — a few thousand
 * tries where pod pairs were tens of millions at 10,000 pods. Host-networked pods are seen as
 * their node's address, alike only to pods of their own node, so each is tried on its own.
 */
export function ruleFlowExamples(
  cluster: Cluster,
  direction: 'ingress' | 'egress',
  applies: (pod: PodInfo) => boolean,
  decided: (subject: PodInfo, other: PodInfo) => ConnSet,
  max: number,
  line: (src: PodInfo, dst: PodInfo, conns: ConnSet) => string = (src, dst, conns) => `- \`${src.key}\` → \`${dst.key}\` : ${conns.toString()}`,
): string[] {
  const classes = policyClasses(cluster);
  // The other end: each class (its representative tried for all its pods), each host-networked pod on its own.
  const others = [...classes.map((o) => ({ tried: o.representative, pods: o.pods })), ...cluster.pods.filter((p) => p.hostNetwork).map((p) => ({ tried: p, pods: [p] }))];
  const flows: string[] = [];
  for (const c of classes) {
    const s = c.representative;
    if (!applies(s)) continue;
    for (const other of others) {
      // Within a class: a flow between two of its pods, if it has two.
      const tried = other.tried === s ? c.pods[1] : other.tried;
      if (!tried) continue;
      const conns = decided(s, tried);
      if (conns.isEmpty()) continue;
      // The answer holds for every pair of pods of the two classes: each pair is a flow to list.
      for (const subject of c.pods) {
        for (const peer of other.pods) {
          if (peer === subject) continue;
          const [src, dst] = direction === 'ingress' ? [peer, subject] : [subject, peer];
          flows.push(line(src, dst, conns));
          if (flows.length > max) return flows;
        }
      }
    }
  }
  return flows;
}
