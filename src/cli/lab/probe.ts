import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { hostPort } from '../../core/common/ip';
import { Dataplane } from '../../core/dataplane/dataplane';
import { KernelAttempt, compareFlow } from '../../core/lab/compare';
import { FlowOptions, LabFlow, planFlows, planResponders } from '../../core/lab/flows';
import { LabPlan } from '../../core/lab/plan';
import { FlowReport, LabReport, summarizeReport } from '../../core/lab/report';
import { KernelRoute, RouteCheckResult, compareRoute, routeChecks } from '../../core/lab/route-checks';
import { ProbeResult, ProbeSpec, WATCH_PARENT_ENV, writeAgents } from './agents';
import { run, sleepMs } from './exec';
import { acquireLabLock, killTracked, stateDir, trackPid } from './lifecycle';

/**
 * `podpath lab probe`: start a responder in every namespace that has declared ports, open the
 * connections PodPath traced from their source namespaces, ask `ip route get` about every
 * routing decision the traces made, stop the responders, and compare.
 */

export interface ProbeOptions extends FlowOptions {
  /** Per-connection timeout. */
  timeoutMs?: number;
}

const RESPONDER_START_LIMIT_MS = 10_000;
const RESPONDER_LIFETIME_S = 600;

/**
 * Every agent started, so their pipes can be closed at the end. Each agent's stdin is a pipe
 * from this process: when this process dies, however it dies, the agents see end of file and
 * exit (see agents.ts), so an interrupted probe leaves no responder behind.
 */
class Agents {
  private readonly pipes: ChildProcess[] = [];

  constructor(private readonly prefix: string) {}

  start(netns: string, args: string[], logFd: number): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, ...args], {
      stdio: ['pipe', logFd, logFd],
      env: { ...process.env, [WATCH_PARENT_ENV]: '1' },
    });
    // `ip netns exec` execs node in place, so this PID is the agent's.
    if (child.pid) trackPid(this.prefix, child.pid);
    child.on('error', () => undefined);
    child.stdin?.on('error', () => undefined);
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.pipes.push(child);
    return child;
  }

  closeAll(): void {
    for (const c of this.pipes) c.stdin?.destroy();
  }
}

export function labProbe(dataplane: Dataplane, plan: LabPlan, options: ProbeOptions = {}): LabReport {
  const timeoutMs = options.timeoutMs ?? 1500;
  const notes: string[] = [];
  if (plan.processes > plan.limits.maxProcesses) {
    return summarizeReport(plan.prefix, plan.cluster, [], [`the probe would start ${plan.processes} processes, more than the limit of ${plan.limits.maxProcesses} (raise it with --max-processes ${plan.processes})`]);
  }
  const lock = acquireLabLock(plan.prefix, 'podpath lab probe');
  if (!lock.ok) return summarizeReport(plan.prefix, plan.cluster, [], [lock.message]);
  const dir = stateDir(plan.prefix);
  const programs = writeAgents(dir);
  const agents = new Agents(plan.prefix);
  const { flows, omitted } = planFlows(dataplane, plan, options);
  if (omitted) notes.push(`${omitted} more flows were left out by the bound on flows (--max-flows)`);
  const attempts = new Map<number, KernelAttempt[]>();
  try {
    notes.push(...startResponders(dataplane, plan, programs.responder, dir, agents));
    // The connections of each source namespace; a prober per namespace opens them (each with its own timeout).
    const bySource = new Map<string, ProbeSpec[]>();
    for (const f of flows) {
      if (f.skip) continue;
      const host = f.trace.packet.dst;
      const list = bySource.get(f.sourceNetns) ?? [];
      for (let k = 0; k < f.connections; k++) list.push({ id: `${f.id}.${k}`, protocol: f.request.protocol === 'udp' ? 'udp' : 'tcp', host, port: f.trace.packet.dport, timeoutMs, ...(f.sourceAddress ? { localAddress: f.sourceAddress } : {}) });
      bySource.set(f.sourceNetns, list);
    }
    for (const res of runProbers(bySource, programs.probe, dir, timeoutMs, agents, notes)) {
      const flowId = Number(res.id.split('.')[0]);
      const list = attempts.get(flowId) ?? [];
      list.push(toAttempt(res));
      attempts.set(flowId, list);
    }
  } finally {
    killTracked(plan.prefix);
    agents.closeAll();
    lock.release();
  }
  const routeCache = new Map<string, RouteCheckResult>();
  const reports = flows.map((f) => flowReport(f, attempts.get(f.id) ?? [], f.skip ? [] : checkRoutes(f, plan, routeCache)));
  return summarizeReport(plan.prefix, plan.cluster, reports, notes);
}

/**
 * One prober per source namespace, all at once; each writes its results to a file. Waits for
 * all of them, up to a bound derived from the per-connection timeout.
 */
function runProbers(bySource: Map<string, ProbeSpec[]>, program: string, dir: string, timeoutMs: number, agents: Agents, notes: string[]): ProbeResult[] {
  const runs = [...bySource].map(([netns, specs], i) => {
    const input = path.join(dir, `probe-${i}.json`);
    const output = path.join(dir, `probe-${i}.out`);
    const log = path.join(dir, `probe-${i}.log`);
    fs.writeFileSync(input, JSON.stringify(specs));
    fs.rmSync(output, { force: true });
    const logFd = fs.openSync(log, 'w');
    agents.start(netns, [program, input, output], logFd);
    fs.closeSync(logFd);
    return { netns, output, log, bound: Math.ceil(specs.length / 32) * (timeoutMs + 500) + 10_000 };
  });
  const deadline = Date.now() + Math.max(0, ...runs.map((r) => r.bound));
  while (Date.now() < deadline && runs.some((r) => !fs.existsSync(r.output))) sleepMs(25);
  const results: ProbeResult[] = [];
  for (const r of runs) {
    try {
      results.push(...(JSON.parse(fs.readFileSync(r.output, 'utf8')) as ProbeResult[]));
    } catch {
      notes.push(`prober in ${r.netns} gave no result: ${readSafe(r.log).trim().slice(0, 300) || 'no output'}`);
    }
  }
  return results;
}

function startResponders(dataplane: Dataplane, plan: LabPlan, program: string, dir: string, agents: Agents): string[] {
  const problems: string[] = [];
  const waiting: { ready: string; label: string; log: string }[] = [];
  planResponders(dataplane.cluster, plan).forEach((resp, i) => {
    const ready = path.join(dir, `responder-${i}.ready`);
    const log = path.join(dir, `responder-${i}.log`);
    fs.rmSync(ready, { force: true });
    const logFd = fs.openSync(log, 'w');
    agents.start(resp.netns, [program, resp.label, ready, String(RESPONDER_LIFETIME_S), ...resp.ports.map((p) => `${p.protocol}:${p.port}`)], logFd);
    fs.closeSync(logFd);
    waiting.push({ ready, label: resp.label, log });
  });
  const deadline = Date.now() + RESPONDER_START_LIMIT_MS;
  while (Date.now() < deadline && waiting.some((w) => !fs.existsSync(w.ready))) sleepMs(25);
  for (const w of waiting) {
    if (!fs.existsSync(w.ready)) problems.push(`responder for ${w.label} did not start: ${readSafe(w.log).trim().slice(0, 300) || 'no output'}`);
  }
  return problems;
}

function toAttempt(r: ProbeResult): KernelAttempt {
  const a: KernelAttempt = { outcome: r.outcome };
  if (r.reply) {
    a.responder = r.reply.label;
    a.seenSource = r.reply.peer;
  }
  if (r.localAddress) a.localAddress = r.localAddress;
  if (r.localPort) a.localPort = r.localPort;
  if (r.replyFrom) a.replySource = `${r.replyFrom.address}:${r.replyFrom.port}`;
  if (r.error) a.error = r.error;
  return a;
}

function checkRoutes(f: LabFlow, plan: LabPlan, cache: Map<string, RouteCheckResult>): RouteCheckResult[] {
  return routeChecks(f.trace, plan).map((check) => {
    const key = `${check.netns} ${check.dst}`;
    let result = cache.get(key);
    if (!result) {
      const r = run(['ip', '-n', check.netns, '-j', 'route', 'get', check.dst]);
      let kernel: KernelRoute | undefined;
      try {
        kernel = (JSON.parse(r.stdout) as KernelRoute[])[0];
      } catch {
        kernel = undefined;
      }
      result = compareRoute(check, kernel, r.stderr.trim() || r.failure);
      cache.set(key, result);
    }
    return result;
  });
}

function flowReport(f: LabFlow, attempts: KernelAttempt[], routes: RouteCheckResult[]): FlowReport {
  const base = {
    id: f.id, kind: f.kind, from: f.request.from, to: f.request.to, protocol: f.request.protocol, port: f.request.port,
    target: hostPort(f.trace.packet.dst, f.trace.packet.dport),
  };
  const cmp = compareFlow(f.trace, attempts, f.reply);
  if (f.skip) return { ...base, skip: f.skip, expected: cmp.expected, attempts: [], routes: [], agreed: false, problems: [] };
  const problems = [...cmp.problems, ...routes.filter((r) => !r.agreed).map((r) => `ip route get ${r.check.dst} in ${r.check.where} differs from the trace's "${r.check.text}"`)];
  return { ...base, expected: cmp.expected, attempts, routes, agreed: problems.length === 0, problems };
}

function readSafe(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
