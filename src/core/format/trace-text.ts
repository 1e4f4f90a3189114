import { formatLocation } from '../common/source';
import { hostPort } from '../common/ip';
import { Hop, Packet, Trace } from '../forward/trace';
import type { ReplyTrace } from '../forward/reply';
import { forTerminal } from './escape';

/**
 * A trace as text, read like the seeds' walkthroughs: one numbered step per hop with where it
 * happens (node · namespace · device), what happened, and below it what decided it and where
 * that comes from in the YAML. Branches (Service backends) follow the shared steps.
 */
export function formatTraceText(trace: Trace, opts: { details?: boolean } = {}): string {
  const lines: string[] = [];
  const p = trace.packet;
  const to = trace.to.via ? `${forTerminal(trace.to.name)} via ${forTerminal(trace.to.via)}` : `${endpoint(trace.to)}, port ${p.dport}`;
  lines.push(`${p.protocol.toUpperCase()} ${endpoint(trace.from)} → ${to}`);
  if (trace.from.ipAssigned || (trace.to.ipAssigned && !trace.to.via)) lines.push(`${ASSIGNED_MARK} address assigned by PodPath: the manifests carry none (a dump's status.podIP / spec.clusterIP would)`);
  lines.push('');
  let n = 0;
  // The packet is printed after the first hop and then only where a hop changed it (NAT, encap …).
  const shown = { packet: '' };
  for (const hop of trace.hops) n = formatHop(lines, hop, ++n, '', opts, shown);
  const afterShared = shown.packet;
  trace.branches.forEach((b, i) => {
    lines.push('');
    lines.push(`  branch ${i + 1}/${trace.branches.length}  p=${b.probability.toFixed(4)}  → ${b.label}`);
    let m = n;
    const inBranch = { packet: afterShared };
    for (const hop of b.hops) m = formatHop(lines, hop, ++m, '    ', opts, inBranch);
    lines.push(`    ⇒ ${b.verdict.toUpperCase()}: ${b.reason}`);
  });
  lines.push('');
  lines.push(`Verdict: ${trace.verdict.toUpperCase()} — ${trace.reason}`);
  for (const note of trace.notes) lines.push(`Note: ${note}`);
  return lines.join('\n') + '\n';
}

/** Follows an address PodPath made up (`10.244.1.34*`), here and in `podpath pods`. */
export const ASSIGNED_MARK = '*';

function endpoint(e: Trace['from']): string {
  const ip = e.ip ? `${e.ip}${e.ipAssigned ? ASSIGNED_MARK : ''}` : '';
  const where = [ip, e.node !== e.name ? e.node : undefined].filter(Boolean).join(' on ');
  return `${forTerminal(e.name)}${where && where !== e.name ? ` (${forTerminal(where)})` : ''}`;
}

/**
 * The reply section printed after a trace (`podpath trace --reply`): per forward path, each
 * connection's conntrack entries, the reply's hops (numbered R1, R2 … so they never read as
 * forward hops; a hop that undoes a translation names the forward hop), and what the client sees.
 */
export function formatReplyText(reply: ReplyTrace, opts: { details?: boolean } = {}): string {
  const lines: string[] = ['', 'Reply'];
  reply.paths.forEach((path, i) => {
    lines.push('');
    if (reply.paths.length > 1) lines.push(`  reply of branch ${i + 1}/${reply.paths.length}  → ${forTerminal(path.label)}`);
    if (path.noReply) {
      lines.push(`    ${path.noReply}`);
      return;
    }
    for (const c of path.connections) {
      const conn = c.connection;
      const of = path.connections.length > 1 ? ` ${conn.index} of ${path.connections.length}` : '';
      lines.push(`    connection${of} (forward hops ${conn.firstHop}–${conn.lastHop}): ${conn.protocol.toUpperCase()} ${hostPort(conn.original.src, conn.original.sport)} → ${hostPort(conn.original.dst, conn.original.dport)}`);
      if (conn.conntrack.length === 0) lines.push('      conntrack: no translation on the way');
      for (const e of conn.conntrack) lines.push(`      conntrack on ${forTerminal(e.node)}: ${e.text}`);
      let n = 0;
      const shown = { packet: '' };
      for (const hop of c.hops) {
        n = formatHop(lines, hop, ++n, '      ', opts, shown, 'R');
        for (const u of hop.undoes ?? []) lines.push(`      ${' '.repeat(6)}↺ undoes hop ${u.hop} on ${forTerminal(u.node)}: ${forTerminal(u.summary)}`);
      }
      lines.push(`      ⇒ ${c.verdict.toUpperCase()}: ${c.reason}`);
      lines.push(`      client sees the reply from ${c.seenSource ? hostPort(c.seenSource.ip, c.seenSource.port) : '(nothing: it never arrives)'}; it expects ${hostPort(c.expectedSource.ip, c.expectedSource.port)}`);
      if (c.asymmetric) lines.push(`      asymmetric: ${forTerminal(c.asymmetric)}`);
      for (const problem of c.problems) lines.push(`      PROBLEM: ${forTerminal(problem)}`);
    }
  });
  lines.push('');
  lines.push(`Reply verdict: ${reply.ok ? 'OK — every reply reaches its client from the address it connected to' : 'PROBLEM — see above'}`);
  for (const note of reply.notes) lines.push(`Reply note: ${note}`);
  return lines.join('\n') + '\n';
}

function formatHop(lines: string[], hop: Hop, n: number, indent: string, opts: { details?: boolean }, shown: { packet: string }, prefix = ''): number {
  const ns = hop.netns === 'root' ? 'root netns' : hop.netns === 'router' ? 'underlay' : `pod ${hop.netns}`;
  const place = hop.node.startsWith('(') ? ns : `${hop.node} · ${ns}`;
  const dev = hop.device && hop.device !== '-' ? ` · ${hop.device}` : '';
  lines.push(`${indent}${(prefix + String(n)).padStart(2)}. [${place}${dev}] ${hop.stage}/${hop.action}: ${hop.summary}`);
  if (hop.decidedBy) {
    const where = hop.decidedBy.source ? `   (${formatLocation(hop.decidedBy.source)})` : '';
    lines.push(`${indent}      ↳ ${hop.decidedBy.text}${where}`);
  }
  if (opts.details && hop.details) for (const d of hop.details) lines.push(`${indent}        ${d}`);
  const packet = packetText(hop.packet);
  if (opts.details && packet !== shown.packet) {
    lines.push(`${indent}        packet: ${packet}`);
    shown.packet = packet;
  }
  return n;
}

export function packetText(p: Packet): string {
  const inner = `${p.protocol.toUpperCase()} ${hostPort(p.src, p.sport)} → ${hostPort(p.dst, p.dport)}`;
  if (p.encap.length === 0) return inner;
  const outer = p.encap
    .map((e) => (e.kind === 'ipip' ? `IPIP ${e.src} → ${e.dst}` : `${e.kind === 'vxlan' ? `VXLAN vni ${e.vni} ` : 'flannel '}UDP ${hostPort(e.src, e.sport)} → ${hostPort(e.dst, e.dport)}`))
    .join(' / ');
  return `${outer} [${inner}]`;
}
