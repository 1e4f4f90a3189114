import { Cluster, PodInfo } from '../cluster/model';
import { SourceRange } from '../common/source';
import { L4Protocol } from '../forward/trace';
import { Protocol } from '../manifest/types';
import { peerFor } from './evaluate';
import { PipelineStep, PolicyApi, evaluatePipeline } from './pipeline';

/** One direction of one connection, as policy sees it (after DNAT and SNAT). */
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
  /** Is the pod selected in this direction by a policy of any API? */
  isolated: boolean;
  /** The API whose stage decided (NetworkPolicy when nothing selects the pod). */
  api: PolicyApi;
  summary: string;
  /** The policy rule that decided, or the first policy that selected the pod when none allowed it. */
  decidedBy?: { text: string; source?: SourceRange };
  /** The stages consulted, in order (AdminNetworkPolicy by priority, Calico tiers with NetworkPolicy in the default tier, BaselineAdminNetworkPolicy). */
  steps: PipelineStep[];
  details: string[];
}

/** The point where the forwarding engine asks policy whether a flow may pass. */
export function checkPolicy(cluster: Cluster, q: PolicyQuery): PolicyDecision {
  const v = evaluatePipeline(cluster, q.direction, q.pod, peerFor(cluster, q.peerIP), q.protocol.toUpperCase() as Protocol, q.port);
  const enforced = cluster.config.policyEnforced;
  const np = v.networkPolicy?.verdicts.map((r) => r.text) ?? [];
  // A single NetworkPolicy stage reads as before; with admin policies each step is listed in order.
  const onlyNp = v.steps.every((s) => s.api === 'NetworkPolicy');
  const details = onlyNp ? np : [...v.steps.map((s) => `${s.api}: ${s.text}`), ...np.map((t) => `  ${t}`)];
  const api: PolicyApi = v.decidedAt === 'exemption' || v.decidedAt === 'default' ? 'NetworkPolicy' : v.decidedAt;
  const deciding = [...v.steps].reverse().find((s) => s.action !== 'NoMatch');
  const decidedBy = v.decidedAt === 'exemption' || v.decidedAt === 'default' || !deciding || (deciding.api === 'NetworkPolicy' && !deciding.policy)
    ? undefined
    : { text: deciding.action === 'Deny' && deciding.api === 'NetworkPolicy' ? `${deciding.policy} selects ${q.pod.key} for ${q.direction}` : deciding.text, ...(deciding.source ? { source: deciding.source } : {}) };
  return { allowed: v.allowed, enforced, isolated: v.selected, api, summary: v.summary, ...(decidedBy ? { decidedBy } : {}), steps: v.steps, details };
}
