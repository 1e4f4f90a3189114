import type { ReplyTrace } from '../forward/reply';
import { Trace, TraceBranch, Verdict } from '../forward/trace';
import { TopologyModel } from './model';
import { TraceOverlay, overlayTrace } from './overlay';

/**
 * The reply of a trace on the diagram: for each forward path, its replies (innermost connection
 * first, as `podpath trace --reply` lists them) walked as one path from the server back to the
 * client. It is drawn like any trace, so the diagram needs nothing new to light it; the hops
 * that undo a translation are the `reverse-dnat` / `reverse-snat` ones.
 */
export function overlayReply(model: TopologyModel, trace: Trace, reply: ReplyTrace): TraceOverlay {
  const paths: TraceBranch[] = reply.paths.filter((p) => p.connections.length > 0).map((p) => {
    const own = p.connections[p.connections.length - 1];
    const problems = p.connections.flatMap((c) => c.problems);
    const verdict: Verdict = own.verdict;
    return {
      probability: p.probability,
      label: p.label ? `reply from ${p.label}` : 'reply',
      hops: p.connections.flatMap((c) => c.hops),
      verdict,
      reason: problems.length ? problems.join('; ') : own.reason,
    };
  });
  const single = paths.length === 1;
  const first = paths[0]?.hops[0]?.packet ?? trace.packet;
  const problems = reply.paths.flatMap((p) => p.connections.flatMap((c) => c.problems));
  const asTrace: Trace = {
    ...trace,
    from: trace.to,
    to: trace.from,
    packet: first,
    hops: single ? paths[0].hops : [],
    branches: single ? [] : paths,
    verdict: paths.length === 0 ? 'unresolved' : single ? paths[0].verdict : paths.every((p) => p.verdict === paths[0].verdict) ? paths[0].verdict : 'dropped',
    reason: paths.length === 0 ? 'no reply: the request was not answered' : reply.ok ? 'every reply reaches its client from the address it connected to' : problems[0] ?? 'a reply does not reach its client',
    notes: [...reply.notes, ...new Set(problems)],
  };
  const overlay = overlayTrace(model, asTrace);
  const p = trace.packet;
  return { ...overlay, title: `reply of ${p.protocol.toUpperCase()} ${trace.from.name} → ${trace.to.name} :${p.dport}` };
}
