import { formatLocation } from '../common/source';
import { hostPort } from '../common/ip';
import { Hop, Packet, Trace } from '../forward/trace';
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
  for (const hop of trace.hops) n = formatHop(lines, hop, ++n, '', opts);
  trace.branches.forEach((b, i) => {
    lines.push('');
    lines.push(`  branch ${i + 1}/${trace.branches.length}  p=${b.probability.toFixed(4)}  → ${b.label}`);
    let m = n;
    for (const hop of b.hops) m = formatHop(lines, hop, ++m, '    ', opts);
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

function formatHop(lines: string[], hop: Hop, n: number, indent: string, opts: { details?: boolean }): number {
  const ns = hop.netns === 'root' ? 'root netns' : hop.netns === 'router' ? 'underlay' : `pod ${hop.netns}`;
  const place = hop.node.startsWith('(') ? ns : `${hop.node} · ${ns}`;
  const dev = hop.device && hop.device !== '-' ? ` · ${hop.device}` : '';
  lines.push(`${indent}${String(n).padStart(2)}. [${place}${dev}] ${hop.stage}/${hop.action}: ${hop.summary}`);
  if (hop.decidedBy) {
    const where = hop.decidedBy.source ? `   (${formatLocation(hop.decidedBy.source)})` : '';
    lines.push(`${indent}      ↳ ${hop.decidedBy.text}${where}`);
  }
  if (opts.details && hop.details) for (const d of hop.details) lines.push(`${indent}        ${d}`);
  if (opts.details) lines.push(`${indent}        packet: ${packetText(hop.packet)}`);
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
