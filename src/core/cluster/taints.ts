import { Finding, finding } from '../common/finding';
import { SourceRange } from '../common/source';
import { TolerationSpec, WorkloadManifest } from '../manifest/types';
import { matchesMap } from './labels';
import { NodeInfo, NodeTaint } from './model';

/**
 * Taints and tolerations as the scheduler and the DaemonSet controller apply them
 * (kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/):
 *
 * - A toleration matches a taint when the effects agree (an empty toleration effect matches
 *   every effect) and either its key is empty with operator Exists (it tolerates everything),
 *   or the keys are equal and operator Exists (any value) or Equal with the same value.
 * - NoSchedule and NoExecute taints keep out every pod that does not tolerate them.
 *   A pod bound by spec.nodeName goes to the kubelet without the scheduler, which NoSchedule
 *   allows, but NoExecute evicts any running pod that does not tolerate it (Kubernetes API
 *   reference, core/v1 Taint effect). A NoExecute toleration with tolerationSeconds counts as
 *   tolerating: the pod runs until those seconds pass. The alpha operators Lt and Gt are not
 *   modelled (reported as invalid values).
 * - PreferNoSchedule is a preference: PodPath schedules onto nodes without an untolerated
 *   PreferNoSchedule taint when there are any, and onto the others only when there are none.
 * - `spec.unschedulable` (a cordoned node) counts as the taint
 *   node.kubernetes.io/unschedulable:NoSchedule, which the node lifecycle controller adds and
 *   the scheduler's NodeUnschedulable filter honours.
 */

/** What a toleration needs of a taint: key, value, effect. */
export type TaintLike = Pick<NodeTaint, 'key' | 'value' | 'effect'>;

export const UNSCHEDULABLE_TAINT_KEY = 'node.kubernetes.io/unschedulable';

/**
 * Tolerations the DaemonSet controller adds to every daemon pod by itself
 * (kubernetes.io/docs/concepts/workloads/controllers/daemonset/#taints-and-tolerations):
 * not-ready and unreachable (NoExecute), disk-, memory- and pid-pressure and unschedulable
 * (NoSchedule), and network-unavailable (NoSchedule) for hostNetwork pods only. It does not
 * add the control-plane toleration: a DaemonSet that should run there must say so.
 */
export function daemonSetTolerations(hostNetwork: boolean): TolerationSpec[] {
  const t = (key: string, effect: 'NoSchedule' | 'NoExecute'): TolerationSpec => ({ key: `node.kubernetes.io/${key}`, operator: 'Exists', effect, path: [] });
  const out = [
    t('not-ready', 'NoExecute'), t('unreachable', 'NoExecute'),
    t('disk-pressure', 'NoSchedule'), t('memory-pressure', 'NoSchedule'), t('pid-pressure', 'NoSchedule'),
    t('unschedulable', 'NoSchedule'),
  ];
  if (hostNetwork) out.push(t('network-unavailable', 'NoSchedule'));
  return out;
}

export function tolerates(toleration: TolerationSpec, taint: TaintLike): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (!toleration.key) return toleration.operator === 'Exists';
  if (toleration.key !== taint.key) return false;
  return toleration.operator === 'Exists' || (toleration.value ?? '') === (taint.value ?? '');
}

/** A node's taints, with a cordon written as the unschedulable taint. */
export function effectiveTaints(node: NodeInfo): TaintLike[] {
  const out: TaintLike[] = [...(node.taints ?? [])];
  if (node.unschedulable && !out.some((t) => t.key === UNSCHEDULABLE_TAINT_KEY && t.effect === 'NoSchedule')) {
    out.push({ key: UNSCHEDULABLE_TAINT_KEY, effect: 'NoSchedule' });
  }
  return out;
}

/** The taints of `effects` that no toleration matches. */
export function untoleratedTaints(node: NodeInfo, tolerations: readonly TolerationSpec[], effects: readonly NodeTaint['effect'][]): TaintLike[] {
  return effectiveTaints(node).filter((t) => effects.includes(t.effect) && !tolerations.some((tol) => tolerates(tol, t)));
}

/** Can the scheduler (or the DaemonSet controller) place a pod with these tolerations here? */
export function fitsTaints(node: NodeInfo, tolerations: readonly TolerationSpec[]): boolean {
  return untoleratedTaints(node, tolerations, ['NoSchedule', 'NoExecute']).length === 0;
}

/** PreferNoSchedule: the nodes without an untolerated one, when there are such nodes; else all. */
export function preferUntainted(nodes: NodeInfo[], tolerations: readonly TolerationSpec[]): NodeInfo[] {
  const preferred = nodes.filter((n) => untoleratedTaints(n, tolerations, ['PreferNoSchedule']).length === 0);
  return preferred.length ? preferred : nodes;
}

/** `key=value:Effect`, or `key:Effect`, as kubectl prints a taint. */
export function taintText(t: TaintLike): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
}

/** Why no node takes the pod, per node: the first untolerated taint of each, in node order. */
export function taintReasons(nodes: NodeInfo[], tolerations: readonly TolerationSpec[]): { node: NodeInfo; taint: TaintLike }[] {
  const out: { node: NodeInfo; taint: TaintLike }[] = [];
  for (const n of nodes) {
    const t = untoleratedTaints(n, tolerations, ['NoSchedule', 'NoExecute'])[0];
    if (t) out.push({ node: n, taint: t });
  }
  return out;
}

/** Where a node's taint is written, for a finding's related locations (nothing for the implied cordon taint). */
export function taintRelated(node: NodeInfo, taint: TaintLike): { message: string; range: SourceRange }[] {
  const written = node.taints?.find((t) => t.key === taint.key && t.effect === taint.effect && t.value === taint.value);
  return written ? [{ message: `taint ${taintText(taint)} of node ${node.name}`, range: written.locator.at(written.path) }] : [];
}

/**
 * A DaemonSet whose nodeName and nodeSelector allow some nodes but whose tolerations (with the
 * controller's own) admit none of them runs nowhere: one finding naming the taints. Running on
 * some nodes and not on tainted others is what DaemonSets usually do, and is not reported.
 */
export function daemonSetTaintFindings(workloads: readonly WorkloadManifest[], nodes: NodeInfo[]): Finding[] {
  const out: Finding[] = [];
  for (const w of workloads) {
    if (w.kind !== 'DaemonSet') continue;
    const spec = w.template.spec;
    const allowed = nodes.filter((n) => (!spec.nodeName || spec.nodeName === n.name) && matchesMap(n.labels, spec.nodeSelector));
    const tolerations = [...(spec.tolerations ?? []), ...daemonSetTolerations(spec.hostNetwork)];
    const blocked = taintReasons(allowed, tolerations);
    if (allowed.length === 0 || blocked.length < allowed.length) continue;
    const list = blocked.map((b) => `${b.node.name} (${taintText(b.taint)})`).join(', ');
    out.push(finding('untolerated-taint', 'warning', `DaemonSet ${w.meta.namespace}/${w.meta.name} runs on no node: every node it may run on has a taint it does not tolerate: ${list}`,
      w.locator.at([...w.templatePath, 'spec', spec.tolerations?.length ? 'tolerations' : 'containers']), blocked.flatMap((b) => taintRelated(b.node, b.taint))));
  }
  return out;
}
