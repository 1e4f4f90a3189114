import { analyzeSources } from '../../src/core/analyze';
import { formatDataplaneText } from '../../src/core/format/dataplane-text';
import { formatFindings } from '../../src/core/format/findings';
import { formatTraceText } from '../../src/core/format/trace-text';
import { tracePacket } from '../../src/core/forward/engine';
import { buildLabPlan } from '../../src/core/lab/build';
import { renderLabScript } from '../../src/core/lab/script';
import { computeConnlist, formatConnlist } from '../../src/core/policy/connlist';
import { computeReachability } from '../../src/core/policy/reachability';
import { FuzzFile } from './mutate';
import { hostileString } from './payloads';
import { Random } from './random';

/** What one case did: the problems found (empty when PodPath behaved) and how long it took. */
export interface CaseResult {
  problems: string[];
  ms: number;
  pods: number;
}

/**
 * The pod cap for fuzz cases. Absurd replica counts must be refused quickly; the default cap
 * (200,000, sized for real clusters) makes such a case a legitimate 10–20 s build, so the
 * fuzzer runs the same cap logic with a bound its 2 s per case can hold.
 */
const FUZZ_MAX_PODS = 5000;

/** Lines an injected payload would add to a generated script or ruleset if it got through. */
const INJECTED_LINE = /^\s*(touch \/tmp\/podpath-fuzz-pwned|-I PREROUTING 1 -j RETURN)/m;

/**
 * Runs one case through every stage a user reaches — parse, build, lint, findings in every
 * format, reachability and connlist, traces between known and hostile endpoints, the node's
 * data path text and the lab script — and reports anything that is PodPath's fault: an
 * exception, an `internal-error` finding, an internal error in a trace, or an injected line.
 */
export function runCase(files: readonly FuzzFile[], rng: Random): CaseResult {
  const problems: string[] = [];
  const started = performance.now();
  let pods = 0;
  const stage = <T>(name: string, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      problems.push(`${name} threw: ${(e as Error).stack ?? String(e)}`);
      return undefined;
    }
  };
  const analysis = stage('analyze', () => analyzeSources(files, { maxPods: FUZZ_MAX_PODS }));
  if (!analysis) return { problems, ms: performance.now() - started, pods };
  pods = analysis.cluster.pods.length;
  for (const f of analysis.findings) if (f.code === 'internal-error') problems.push(`internal-error finding: ${f.message}`);
  stage('findings', () => {
    formatFindings(analysis.findings, 'txt', 'fuzz');
    formatFindings(analysis.findings, 'sarif', 'fuzz');
  });
  stage('connlist', () => formatConnlist(computeConnlist(computeReachability(analysis.cluster)), 'txt'));
  const c = analysis.cluster;
  const candidates = [
    ...c.pods.slice(0, 4).map((p) => p.key),
    ...c.services.slice(0, 3).map((s) => `service:${s.key}`),
    ...c.workloads.slice(0, 2).map((w) => w.key),
    ...c.nodes.slice(0, 2).map((n) => n.name),
    ...c.services.slice(0, 2).map((s) => s.clusterIP ?? ''),
    '8.8.8.8', '10.96.0.1:99999', 'web.default.svc.cluster.local', 'frontend:http',
  ];
  for (let i = 0; i < 3; i++) {
    const from = rng.chance(0.2) ? hostileString(rng) : rng.pick(candidates);
    const to = rng.chance(0.2) ? hostileString(rng) : rng.pick(candidates);
    const port = rng.chance(0.7) ? undefined : rng.pick([80, 8080, 53, 30080, 1, 65535]);
    const r = stage('trace', () => tracePacket(analysis.dataplane, { from, to, ...(port !== undefined ? { port } : {}) }));
    if (!r) continue;
    if (!r.ok) {
      if (/internal error/i.test(r.error)) problems.push(`trace ${JSON.stringify(from)} → ${JSON.stringify(to)}: ${r.error}`);
      continue;
    }
    stage('trace text', () => formatTraceText(r.trace, { details: true }));
    stage('trace json', () => JSON.stringify(r.trace));
  }
  const node = c.nodes[0];
  if (node) stage('dataplane', () => formatDataplaneText(analysis.dataplane.node(node.name)!));
  const script = stage('lab script', () => renderLabScript(buildLabPlan(analysis.dataplane, { prefix: 'ppfuzz' })));
  if (script !== undefined && INJECTED_LINE.test(script)) problems.push('lab script: a manifest value added a line to the script');
  return { problems, ms: performance.now() - started, pods };
}
