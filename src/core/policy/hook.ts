import { Cluster, PodInfo } from '../cluster/model';
import { SourceRange } from '../common/source';
import { L4Protocol } from '../forward/trace';
import { Protocol } from '../manifest/types';
import { evaluateDirection, peerFor, ruleSource } from './evaluate';

/** One direction of one connection, as NetworkPolicy sees it (after DNAT and SNAT). */
export interface PolicyQuery {
  direction: 'ingress' | 'egress';
  /** The pod whose policies apply: the destination for ingress, the source for egress. */
  pod: PodInfo;
  /** The other side's address as the packet carries it. */
  peerIP: string;
  protocol: L4Protocol;
  port: number;
}

export interface PolicyDecision {
  allowed: boolean;
  /** Does the CNI enforce NetworkPolicy at all (flannel does not)? */
  enforced: boolean;
  /** Is the pod isolated in this direction (some policy selects it)? */
  isolated: boolean;
  summary: string;
  /** The policy rule that allowed it, or the first policy that selected the pod when none did. */
  decidedBy?: { text: string; source?: SourceRange };
  details: string[];
}

/** The point where the forwarding engine asks NetworkPolicy whether a flow may pass. */
export function checkPolicy(cluster: Cluster, q: PolicyQuery): PolicyDecision {
  const v = evaluateDirection(cluster, q.direction, q.pod, peerFor(cluster, q.peerIP), q.protocol.toUpperCase() as Protocol, q.port);
  const enforced = cluster.config.policyEnforced;
  const details = v.verdicts.map((r) => r.text);
  if (v.exemption) return { allowed: true, enforced, isolated: v.isolated, summary: v.exemption, details };
  if (v.allowedBy) {
    return { allowed: true, enforced, isolated: true, summary: `allowed by ${v.allowedBy.policy.key} ${q.direction}[${v.allowedBy.rule!.index}]`, decidedBy: { text: v.allowedBy.text, source: ruleSource(v.allowedBy) }, details };
  }
  const names = v.selecting.map((p) => p.key).join(', ');
  const first = v.selecting[0];
  return {
    allowed: false, enforced, isolated: true,
    summary: `selected by ${names} and no rule allows ${q.protocol.toUpperCase()} ${q.port} ${q.direction === 'ingress' ? 'from' : 'to'} ${q.peerIP}`,
    decidedBy: { text: `${first.key} selects ${q.pod.key} for ${q.direction}`, source: first.locator.at(['spec', 'podSelector']) },
    details,
  };
}
