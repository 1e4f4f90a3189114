import { Hop, Trace, Verdict } from '../forward/trace';
import { ReplyTrace } from '../forward/reply';
import { OUTSIDE_RESPONDER } from './flows';

/**
 * Simulator against kernel for one flow. The trace gives one path, or one branch per backend
 * with its probability; the kernel gives, per connection, whether someone answered, who (the
 * responder names its pod) and which source address it saw (so masquerading shows).
 *
 * A connection agrees with the trace when some path of the trace predicts exactly that:
 * delivered ⇔ answered by that path's pod, seeing that path's source address; rejected ⇔
 * refused; dropped or no route ⇔ no answer (a timeout, or an ICMP unreachable).
 *
 * With the trace's reply, an answer must also come from the source the reply trace says the
 * client sees (the Service address and port after conntrack's reverse DNAT, the NodePort …);
 * a path whose reply the client would not recognise expects no answer at all.
 */

export type KernelOutcome = 'answered' | 'refused' | 'unreachable' | 'timeout' | 'error';

export interface KernelAttempt {
  outcome: KernelOutcome;
  /** The responder's label (a pod key) when answered. */
  responder?: string;
  /** The client address the responder saw. */
  seenSource?: string;
  /** The client's own address and port, as its socket reports them. */
  localAddress?: string;
  localPort?: number;
  /** `ip:port` the reply came from, as the client saw it. */
  replySource?: string;
  error?: string;
}

/** One possible path of a trace, reduced to what the kernel can show. */
export interface ExpectedPath {
  probability: number;
  label: string;
  verdict: Verdict;
  /** Who answers when delivered: a pod key, or `node:<name>` for the node's own stack. */
  responder?: string;
  /** The source address the receiver sees. */
  seenSource?: string;
  /** `ip:port` the reply trace says the client sees answering (when the reply reaches it as expected). */
  replySource?: string;
  /** Set when the reply trace finds the reply unusable for the client: why. */
  replyFails?: string;
}

export interface FlowComparison {
  agreed: boolean;
  expected: ExpectedPath[];
  attempts: KernelAttempt[];
  /** For each attempt, the path it matched, or undefined. */
  matched: (ExpectedPath | undefined)[];
  /** Why it disagrees (empty when it agrees). */
  problems: string[];
}

export function expectedPaths(trace: Trace, reply?: ReplyTrace): ExpectedPath[] {
  const paths = trace.branches.length === 0
    ? [pathEnd(trace.hops, trace.verdict, 1, '')]
    : trace.branches.map((b) => pathEnd([...trace.hops, ...b.hops], b.verdict, b.probability, b.label));
  if (reply && reply.paths.length === paths.length) paths.forEach((p, i) => withReply(p, reply.paths[i]));
  return paths;
}

/** The client's own connection (the first one) is what the prober sees answering. */
function withReply(path: ExpectedPath, reply: ReplyTrace['paths'][number]): void {
  const own = reply.connections.find((c) => c.connection.index === 1);
  if (!own || (path.verdict !== 'delivered' && path.verdict !== 'exits-cluster')) return;
  const problems = reply.connections.flatMap((c) => c.problems);
  if (problems.length) path.replyFails = problems[0];
  else if (own.seenSource) path.replySource = `${own.seenSource.ip}:${own.seenSource.port}`;
}

function pathEnd(hops: Hop[], verdict: Verdict, probability: number, label: string): ExpectedPath {
  const last = hops[hops.length - 1];
  const path: ExpectedPath = { probability, label, verdict };
  if (verdict === 'delivered' && last) {
    path.seenSource = last.packet.src;
    if (last.netns !== 'root') path.responder = last.netns;
    else path.responder = /^pod (\S+) \(hostNetwork: true\)$/.exec(last.decidedBy?.text ?? '')?.[1] ?? `node:${last.node}`;
  }
  if (verdict === 'exits-cluster' && last) {
    // Out of the cluster: the outside client answers, and sees the source the packet left with.
    path.seenSource = last.packet.src;
    path.responder = OUTSIDE_RESPONDER;
  }
  return path;
}

/** Does one kernel attempt show what this path predicts? */
export function attemptMatches(path: ExpectedPath, a: KernelAttempt): boolean {
  switch (path.verdict) {
    case 'delivered':
    case 'exits-cluster':
      // The request arrives but the client cannot take the reply: the connection never completes.
      if (path.replyFails) return a.outcome === 'timeout' || a.outcome === 'error';
      return a.outcome === 'answered' && a.responder === path.responder && a.seenSource === path.seenSource
        && (path.replySource === undefined || a.replySource === path.replySource);
    case 'rejected':
      return a.outcome === 'refused';
    case 'dropped':
    case 'no-route':
      return a.outcome === 'timeout' || a.outcome === 'unreachable';
    default:
      return false;
  }
}

export function compareFlow(trace: Trace, attempts: KernelAttempt[], reply?: ReplyTrace): FlowComparison {
  const expected = expectedPaths(trace, reply);
  const matched = attempts.map((a) => expected.find((p) => attemptMatches(p, a)));
  const problems: string[] = [];
  attempts.forEach((a, i) => {
    if (!matched[i]) problems.push(`connection ${i + 1}: kernel ${describeAttempt(a)}; the trace expects ${expected.map(describePath).join(' or ')}`);
  });
  if (attempts.length === 0) problems.push('no connection was made');
  return { agreed: problems.length === 0, expected, attempts, matched, problems };
}

export function describePath(p: ExpectedPath): string {
  const reply = p.replyFails ? `, but no usable reply: ${p.replyFails}` : p.replySource ? `, reply from ${p.replySource}` : '';
  if (p.verdict === 'delivered') return `delivered to ${p.responder} (source ${p.seenSource}${reply})`;
  if (p.verdict === 'exits-cluster') return `leaves the cluster, answered by the ${p.responder} client (source ${p.seenSource}${reply})`;
  return p.verdict;
}

export function describeAttempt(a: KernelAttempt): string {
  if (a.outcome === 'answered') return `answered by ${a.responder} (saw ${a.seenSource}${a.replySource ? `; reply from ${a.replySource}` : ''})`;
  return a.error ? `${a.outcome} (${a.error})` : a.outcome;
}
