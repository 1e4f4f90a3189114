import { Dataplane } from '../dataplane/dataplane';
import { familyOf, hostPort } from '../common/ip';
import { sameItems } from '../common/same-items';
import { Connection, ConntrackHandover, Translation, Tuple, connectionsOf, tupleText } from './conntrack';
import { TraceRequest, tracePacket, walkReply } from './engine';
import { Hop, Trace, Verdict } from './trace';

/**
 * The reply of a traced connection: for every path the request took, each of its connections is
 * answered from the server's end with the reply tuple, walked through the same engine with the
 * conntrack state the request left. The result says, per connection, the source the client
 * sees and whether it is the one it expects — a reply that skips the node holding the
 * translation comes back untranslated, and the client does not recognise it.
 */

export interface ConnectionReply {
  connection: Connection;
  /** The reply as the server sends it (the received request, reversed). */
  sent: Tuple;
  hops: Hop[];
  verdict: Verdict;
  reason: string;
  /** The address and port the client connected to: the reply must come from there. */
  expectedSource: { ip: string; port: number };
  /** The reply's source as it reaches the client; absent when it never does. */
  seenSource?: { ip: string; port: number };
  /** Nodes the reply crosses, in order (the underlay router left out). */
  nodes: string[];
  /** Set when the reply does not retrace the request's nodes. */
  asymmetric?: string;
  /** What goes wrong for the client, one sentence each; empty when the reply is what it expects. */
  problems: string[];
}

export interface ReplyPath {
  probability: number;
  /** The forward branch's label (the backend), empty when the trace has no fan-out. */
  label: string;
  /** One reply per connection, in the order the replies travel (the innermost connection first). */
  connections: ConnectionReply[];
  /** Why there is no reply at all (the request never reached a server). */
  noReply?: string;
}

export interface ReplyTrace {
  paths: ReplyPath[];
  /** True when every answered path's replies reach their clients as the clients expect. */
  ok: boolean;
  notes: string[];
}

export type ReplyResult = { ok: true; trace: Trace; reply: ReplyTrace } | { ok: false; error: string };

/** `podpath trace --reply`: the forward trace and its reply. */
export function traceReply(dp: Dataplane, req: TraceRequest): ReplyResult {
  const forward = tracePacket(dp, req);
  if (!forward.ok) return forward;
  return { ok: true, trace: forward.trace, reply: replyOf(dp, forward.trace) };
}

/** The replies of a forward trace computed earlier on the same dataplane; never throws. */
export function replyOf(dp: Dataplane, trace: Trace): ReplyTrace {
  try {
    return repliesOf(dp, trace);
  } catch (e) {
    return { paths: [], ok: false, notes: [`internal error while tracing the reply: ${(e as Error).message ?? e}`] };
  }
}

function repliesOf(dp: Dataplane, trace: Trace): ReplyTrace {
  const paths = trace.branches.length
    ? trace.branches.map((b) => ({ probability: b.probability, label: b.label, hops: trace.hops.concat(b.hops), verdict: b.verdict, reason: b.reason }))
    : [{ probability: 1, label: '', hops: trace.hops, verdict: trace.verdict, reason: trace.reason }];
  const notes = new Set<string>();
  const out: ReplyPath[] = paths.map((p) => {
    const connections = connectionsOf(p.hops, p.verdict, trace.from.kind === 'external');
    const base = { probability: p.probability, label: p.label };
    if (connections.length === 0) return Object.assign({}, base, { connections: [], noReply: `no reply: the request was not answered (${p.verdict}: ${p.reason})` });
    // A reply travels in the request's family: on a dual-stack cluster, the IPv6 dataplane for IPv6.
    const familyDp = dp.forFamily(familyOf(connections[0].received.src) ?? 4) ?? dp;
    const replies = connections.slice().reverse().map((c) => replyOfConnection(familyDp, c, notes));
    return Object.assign({}, base, { connections: replies });
  });
  const answered = out.filter((p) => !p.noReply);
  return { paths: out, ok: answered.length > 0 && answered.every((p) => p.connections.every((c) => c.problems.length === 0)), notes: [...notes] };
}

function replyOfConnection(dp: Dataplane, c: Connection, notes: Set<string>): ConnectionReply {
  const sent: Tuple = { src: c.received.dst, sport: c.received.dport, dst: c.received.src, dport: c.received.sport };
  const conntrack = new ConntrackHandover(c);
  const walked = walkReply(dp, {
    node: c.server.node,
    netns: c.server.netns,
    who: serverWords(c),
    packet: { protocol: c.protocol, ...sent, encap: [] },
    conntrack,
  });
  walked.notes.forEach((n) => notes.add(n));
  const nodes: string[] = [];
  for (const h of walked.hops) if (!h.node.startsWith('(') && nodes[nodes.length - 1] !== h.node) nodes.push(h.node);
  const expectedSource = { ip: c.original.dst, port: c.original.dport };
  const last = walked.hops[walked.hops.length - 1];
  const reached = c.client.netns === 'outside'
    ? walked.verdict === 'exits-cluster'
    : walked.verdict === 'delivered' && last !== undefined && last.node === c.client.node && last.netns === c.client.netns;
  const seenSource = reached && last ? { ip: last.packet.src, port: last.packet.sport } : undefined;
  const problems: string[] = [];
  if (!reached) problems.push(`the reply does not reach the client: ${walked.verdict === 'delivered' ? `it is delivered to ${last?.netns === 'root' ? `node ${last?.node}` : last?.netns}` : walked.reason}`);
  for (const t of conntrack.pending()) problems.push(bypassText(t));
  if (seenSource && (seenSource.ip !== expectedSource.ip || seenSource.port !== expectedSource.port)) {
    problems.push(`the client expects the reply from ${hostPort(expectedSource.ip, expectedSource.port)} (where it connected) but sees ${hostPort(seenSource.ip, seenSource.port)}: ${c.protocol === 'tcp' ? 'no socket matches it, so the client answers with a TCP reset and the connection fails' : 'no socket matches it, so the client drops it'}`);
  }
  const forwardNodes = c.nodes.slice().reverse();
  const asymmetric = sameItems(nodes, forwardNodes) ? undefined : `the request crossed ${c.nodes.join(' → ') || '(no node)'}; the reply crosses ${nodes.join(' → ') || '(no node)'}`;
  return {
    connection: c,
    sent,
    hops: walked.hops,
    verdict: walked.verdict,
    reason: walked.reason,
    expectedSource,
    ...(seenSource ? { seenSource } : {}),
    nodes,
    ...(asymmetric ? { asymmetric } : {}),
    problems,
  };
}

function serverWords(c: Connection): string {
  switch (c.server.kind) {
    case 'pod': return `the server, pod ${c.server.netns},`;
    case 'proxy': return `kube-proxy on ${c.server.node}, answering on the client's connection,`;
    case 'node': return c.server.hostNetworkPod ? `the server, hostNetwork pod ${c.server.hostNetworkPod} (node ${c.server.node}'s namespace),` : `the server, node ${c.server.node},`;
    case 'outside': return `the server ${c.received.dst}`;
  }
}

function bypassText(t: Translation): string {
  const what = t.action === 'masquerade' ? 'MASQUERADE' : t.action === 'snat' ? 'SNAT' : t.action === 'redirected' ? 'REDIRECT' : 'DNAT';
  return `the reply bypasses the conntrack of ${t.node}, which holds the ${what} of hop ${t.hop} (${tupleText(t.before)} became ${tupleText(t.after)}), so it is never undone`;
}
