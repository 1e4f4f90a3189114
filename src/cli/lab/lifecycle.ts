import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LabNames, isValidPrefix } from '../../core/lab/names';
import { LabPlan } from '../../core/lab/plan';
import { describeFailure, run, runLabCommand, sleepMs } from './exec';

/**
 * Bringing a lab up and taking it down. `down` removes exactly the namespaces named
 * `<prefix>-…` (which kills their devices, routes and rules with them) after stopping the
 * processes running inside them; it is safe to run any number of times, and after a failed `up`.
 */

/** Where a lab keeps its agent programs and the PIDs it started. */
export function stateDir(prefix: string): string {
  const base = fs.existsSync('/run') && canWrite('/run') ? '/run/podpath-lab' : path.join(os.tmpdir(), 'podpath-lab');
  return path.join(base, prefix);
}

export interface UpResult {
  ok: boolean;
  /** Commands run successfully. */
  applied: number;
  total: number;
  error?: string;
  ms: number;
}

export function labUp(plan: LabPlan): UpResult {
  const started = Date.now();
  const commands = plan.sections.flatMap((s) => s.commands);
  if (plan.blockers.length) return { ok: false, applied: 0, total: commands.length, error: plan.blockers.join('\n'), ms: 0 };
  labDown(plan.prefix); // a stale lab of the same prefix would make `ip netns add` fail
  let applied = 0;
  for (const c of commands) {
    const r = runLabCommand(c);
    if (r.code !== 0 || r.failure) {
      return { ok: false, applied, total: commands.length, error: describeFailure(c, r), ms: Date.now() - started };
    }
    applied++;
  }
  fs.mkdirSync(stateDir(plan.prefix), { recursive: true });
  fs.writeFileSync(path.join(stateDir(plan.prefix), 'namespaces'), plan.namespaces.map((n) => n.name).join('\n') + '\n');
  return { ok: true, applied, total: commands.length, ms: Date.now() - started };
}

export interface DownResult {
  deleted: string[];
  killed: number[];
  errors: string[];
}

/** Removes every namespace of this lab, and the processes in them. Idempotent. */
export function labDown(prefix: string): DownResult {
  if (!isValidPrefix(prefix)) return { deleted: [], killed: [], errors: [`invalid lab prefix "${prefix}"`] };
  const names = new LabNames(prefix);
  const out: DownResult = { deleted: [], killed: [], errors: [] };
  killTracked(prefix, out);
  // Bounded: namespaces whose processes are slow to die get a second pass.
  for (let attempt = 0; attempt < 3; attempt++) {
    const mine = listNamespaces().filter((n) => names.owns(n));
    if (mine.length === 0) break;
    for (const ns of mine) {
      for (const pid of namespacePids(ns)) killPid(pid, out);
      const r = run(['ip', 'netns', 'delete', ns]);
      if (r.code === 0) out.deleted.push(ns);
      else if (attempt === 2) out.errors.push(`ip netns delete ${ns}: ${r.stderr.trim() || r.failure}`);
    }
  }
  fs.rmSync(stateDir(prefix), { recursive: true, force: true });
  try {
    fs.rmdirSync(path.dirname(stateDir(prefix))); // only when no other lab is using it
  } catch {
    /* not empty, or already gone */
  }
  return out;
}

export function listNamespaces(): string[] {
  const r = run(['ip', 'netns', 'list']);
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter(Boolean);
}

function namespacePids(ns: string): number[] {
  const r = run(['ip', 'netns', 'pids', ns]);
  return r.stdout.split(/\s+/).map(Number).filter((n) => Number.isInteger(n) && n > 1 && n !== process.pid);
}

// ---- processes the lab starts ------------------------------------------------------------

export function trackPid(prefix: string, pid: number): void {
  fs.mkdirSync(stateDir(prefix), { recursive: true });
  fs.appendFileSync(path.join(stateDir(prefix), 'pids'), `${pid}\n`);
}

/** Stops the processes this lab recorded starting (by their PIDs only). */
export function killTracked(prefix: string, out: DownResult = { deleted: [], killed: [], errors: [] }): DownResult {
  const file = path.join(stateDir(prefix), 'pids');
  if (!fs.existsSync(file)) return out;
  const dir = stateDir(prefix);
  for (const pid of fs.readFileSync(file, 'utf8').split('\n').map(Number).filter((n) => Number.isInteger(n) && n > 1)) {
    // A PID can be reused once its process is gone: only stop it if it still runs one of this lab's agents.
    if (commandLine(pid).includes(dir)) killPid(pid, out);
  }
  fs.rmSync(file, { force: true });
  return out;
}

function killPid(pid: number, out: DownResult): void {
  if (!alive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 20 && alive(pid); i++) sleepMs(25);
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
  out.killed.push(pid);
}

/** Running, and not a zombie (a child this synchronous process has not reaped yet counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function canWrite(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
