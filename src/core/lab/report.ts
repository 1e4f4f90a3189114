import { FlowKind } from './flows';
import { ExpectedPath, KernelAttempt, describeAttempt, describePath } from './compare';
import { RouteCheckResult, describeKernelRoute } from './route-checks';
import { commentText } from './safe-text';

/** What `podpath lab probe` found, flow by flow: the simulator's answer next to the kernel's. */

export interface FlowReport {
  id: number;
  kind: FlowKind;
  from: string;
  to: string;
  protocol: string;
  port: number;
  /** The address and port the client connected to. */
  target: string;
  /** Set when the flow was traced but not probed. */
  skip?: string;
  expected: ExpectedPath[];
  attempts: KernelAttempt[];
  routes: RouteCheckResult[];
  agreed: boolean;
  problems: string[];
}

export interface LabReport {
  prefix: string;
  cluster: string;
  flows: FlowReport[];
  /** Flows probed and compared, and how many agreed (verdict, backend, source and routes). */
  compared: number;
  agreed: number;
  connections: number;
  routesChecked: number;
  routesAgreed: number;
  /** Things that went wrong around the flows (a responder that did not start …). */
  notes: string[];
}

export function summarizeReport(prefix: string, cluster: string, flows: FlowReport[], notes: string[]): LabReport {
  const probed = flows.filter((f) => !f.skip);
  const routeKeys = new Map<string, boolean>();
  for (const f of probed) for (const r of f.routes) routeKeys.set(`${r.check.netns} ${r.check.dst}`, r.agreed);
  return {
    prefix, cluster, flows, notes,
    compared: probed.length,
    agreed: probed.filter((f) => f.agreed).length,
    connections: probed.reduce((n, f) => n + f.attempts.length, 0),
    routesChecked: routeKeys.size,
    routesAgreed: [...routeKeys.values()].filter(Boolean).length,
  };
}

export function formatLabReport(r: LabReport, opts: { verbose?: boolean; onlyDisagreements?: boolean } = {}): string {
  const out: string[] = [`PodPath kernel lab ${r.prefix} — cluster ${r.cluster}`];
  for (const f of r.flows) {
    if (opts.onlyDisagreements && (f.agreed || f.skip)) continue;
    const head = `#${f.id} ${f.kind} ${f.from} → ${f.to} ${f.protocol}/${f.port} (${f.target})`;
    if (f.skip) {
      out.push(`  - ${head}: not probed: ${f.skip}`);
      continue;
    }
    out.push(`  ${f.agreed ? '✓' : '✗'} ${head}`);
    out.push(`      simulator: ${summarizeExpected(f.expected)}`);
    out.push(`      kernel:    ${summarizeAttempts(f.attempts)}`);
    if (opts.verbose || !f.agreed) {
      for (const rc of f.routes) {
        const k = rc.kernel ? describeKernelRoute(rc.kernel) : rc.error;
        out.push(`      ${rc.agreed ? 'route ok' : 'ROUTE DIFFERS'} in ${rc.check.where}: trace "${rc.check.text}", ip route get ${rc.check.dst}: ${k}`);
      }
    }
    for (const p of f.problems) out.push(`      ✗ ${p}`);
  }
  for (const n of r.notes) out.push(`  note: ${n}`);
  const skipped = r.flows.length - r.compared;
  out.push(`routes: ${r.routesChecked} checked with ip route get, ${r.routesAgreed} agreed`);
  out.push(`compared ${r.compared} flows, ${r.agreed} agreed (${r.connections} connections)${skipped ? `; ${skipped} traced but not probed` : ''}`);
  // Pod and Service names are printed: no control character of theirs reaches the terminal.
  return out.map(commentText).join('\n') + '\n';
}

function summarizeExpected(paths: ExpectedPath[]): string {
  if (paths.length === 1) return describePath(paths[0]);
  return paths.map((p) => `${(p.probability * 100).toFixed(0)}% ${describePath(p)}`).join('; ');
}

/** Identical outcomes folded: "3× answered by default/web-a (saw 10.244.1.88); 5× answered by …". */
function summarizeAttempts(attempts: KernelAttempt[]): string {
  const counts = new Map<string, number>();
  for (const a of attempts) {
    const key = describeAttempt(a);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].map(([k, n]) => (attempts.length > 1 ? `${n}× ${k}` : k)).join('; ') || 'no connection made';
}
