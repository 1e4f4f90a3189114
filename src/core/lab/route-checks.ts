import { Hop, Trace } from '../forward/trace';
import { LabPlan, linuxDevice } from './plan';

/**
 * Where the kernel can say more: every routing decision a trace records ("route lookup for X:
 * … → out dev via gw") becomes an `ip route get X` in that namespace, and the kernel's answer
 * must name the same device and next hop.
 */

export interface RouteCheck {
  /** The lab namespace to ask. */
  netns: string;
  /** Where the trace made the decision, for messages: `node-1`, `node-1 default/client`. */
  where: string;
  dst: string;
  /** `local` for the local table, else `unicast`. */
  type: 'local' | 'unicast';
  dev: string;
  via?: string;
  /** The route as the trace prints it. */
  text: string;
}

/** The kernel's answer, from `ip -j route get`. */
export interface KernelRoute {
  type?: string;
  dst?: string;
  gateway?: string;
  dev?: string;
  prefsrc?: string;
}

export interface RouteCheckResult {
  check: RouteCheck;
  kernel?: KernelRoute;
  error?: string;
  agreed: boolean;
}

/** The routing decisions of every path of a trace, once per (namespace, destination). */
export function routeChecks(trace: Trace, plan: LabPlan): RouteCheck[] {
  const hops = [...trace.hops, ...trace.branches.flatMap((b) => b.hops)];
  const out = new Map<string, RouteCheck>();
  for (const h of hops) {
    const c = routeCheckOf(h, plan);
    if (c) out.set(`${c.netns} ${c.dst}`, c);
  }
  return [...out.values()];
}

function routeCheckOf(h: Hop, plan: LabPlan): RouteCheck | undefined {
  if (h.stage !== 'routing' || h.action !== 'routed' || h.decidedBy?.kind !== 'route') return undefined;
  const netns = h.netns === 'root' ? plan.nodeNamespaces.get(h.node) : plan.podNamespaces.get(h.netns);
  if (!netns) return undefined; // the underlay router: the model gives it no routing table
  const text = h.decidedBy.text;
  const where = h.netns === 'root' ? h.node : `${h.node} ${h.netns}`;
  const local = /^local (\S+) dev (\S+)/.exec(text);
  if (local) return { netns, where, dst: local[1], type: 'local', dev: local[2], text };
  const dev = /\bdev (\S+)/.exec(text)?.[1];
  if (!dev) return undefined;
  const via = /\bvia (\S+)/.exec(text)?.[1];
  // An overlay's outer header is routed after encapsulation: its destination is the outer one.
  const outer = h.summary.startsWith('outer header') ? h.packet.encap[0] : undefined;
  const dst = outer ? outer.dst : h.packet.dst;
  return { netns, where, dst, type: 'unicast', dev: linuxDevice(plan, netns, dev), ...(via ? { via } : {}), text };
}

export function compareRoute(check: RouteCheck, kernel: KernelRoute | undefined, error?: string): RouteCheckResult {
  if (!kernel) return { check, agreed: false, error: error ?? 'no answer' };
  const type = kernel.type ?? 'unicast';
  const agreed = type === check.type && kernel.dev === check.dev && (check.type === 'local' || (kernel.gateway ?? undefined) === check.via);
  return { check, kernel, agreed };
}

export function describeKernelRoute(k: KernelRoute): string {
  return [k.type && k.type !== 'unicast' ? k.type : '', k.dst, k.gateway ? `via ${k.gateway}` : '', k.dev ? `dev ${k.dev}` : '', k.prefsrc ? `src ${k.prefsrc}` : ''].filter(Boolean).join(' ');
}
