import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LabNames, isValidPrefix } from '../../core/lab/names';
import { LabPlan, labMarker } from '../../core/lab/plan';
import { describeFailure, run, runLabCommand, sleepMs } from './exec';

/**
 * Bringing a lab up and taking it down, touching only what the lab made.
 *
 * A namespace is the lab's own when both hold: its name is in the lab's record
 * (`<state dir>/state.json`, written before the first namespace is created), and its `lo`
 * carries the lab's mark (the alias `podpath-lab:<prefix>`, set right after `ip netns add`).
 * The record alone would trust a name someone else reused; the mark alone would trust a
 * namespace this lab never recorded. `down` removes only such namespaces (stopping the
 * processes inside them first) and names every other `<prefix>-…` namespace it left alone,
 * with the reason. It is safe to run any number of times, and after a failed `up`.
 *
 * `up`, `probe` and `down` take the lab's lock (`<prefix>.lock` beside the state dir), so two
 * of them on the same prefix never run at once; the second says who holds it.
 */

/** Where a lab keeps its record, its agent programs and the PIDs it started. */
export function stateDir(prefix: string): string {
  return path.join(stateBase(), prefix);
}

function stateBase(): string {
  return fs.existsSync('/run') && canWrite('/run') ? '/run/podpath-lab' : path.join(os.tmpdir(), 'podpath-lab');
}

/** The lab's record of what it created. */
export interface LabState {
  prefix: string;
  marker: string;
  /** Every namespace this lab created or is about to create. */
  namespaces: string[];
}

export function readState(prefix: string): LabState | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(stateDir(prefix), 'state.json'), 'utf8')) as LabState;
    return s && s.prefix === prefix && Array.isArray(s.namespaces) ? s : undefined;
  } catch {
    return undefined;
  }
}

function writeState(s: LabState): void {
  fs.mkdirSync(stateDir(s.prefix), { recursive: true });
  const file = path.join(stateDir(s.prefix), 'state.json');
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(s, null, 2) + '\n');
  fs.renameSync(`${file}.tmp`, file);
}

/** Adds namespaces to the record (before they are created). */
export function recordNamespaces(prefix: string, names: string[]): void {
  const s = readState(prefix) ?? { prefix, marker: labMarker(prefix), namespaces: [] };
  writeState({ ...s, namespaces: [...new Set([...s.namespaces, ...names])] });
}

/** Removes namespaces from the record (after they are gone); an empty record is removed. */
export function forgetNamespaces(prefix: string, names: string[]): void {
  const s = readState(prefix);
  if (!s) return;
  const namespaces = s.namespaces.filter((n) => !names.includes(n));
  if (namespaces.length) {
    writeState({ ...s, namespaces });
    return;
  }
  fs.rmSync(path.join(stateDir(prefix), 'state.json'), { force: true });
  try {
    fs.rmdirSync(stateDir(prefix)); // only when nothing else (agents, PIDs) is kept there
  } catch {
    /* not empty, or already gone */
  }
}

/** The alias on a namespace's `lo`, where the lab puts its mark; undefined when unreadable. */
export function namespaceMark(ns: string): string | undefined {
  const r = run(['ip', '-n', ns, '-j', 'link', 'show', 'dev', 'lo']);
  try {
    return (JSON.parse(r.stdout) as { ifalias?: string }[])[0]?.ifalias;
  } catch {
    return undefined;
  }
}

/** Why this namespace is not this lab's to remove, or undefined when it is. */
export function notOwnedReason(prefix: string, ns: string, state = readState(prefix)): string | undefined {
  const recorded = !!state?.namespaces.includes(ns);
  const marked = namespaceMark(ns) === labMarker(prefix);
  if (recorded && marked) return undefined;
  if (!recorded && !marked) return 'not recorded by this lab and without its mark: made by something else';
  if (!recorded) return `carries the mark but this lab has no record of it (${path.join(stateDir(prefix), 'state.json')})`;
  return `recorded, but its lo has no alias ${labMarker(prefix)}: not the namespace this lab made`;
}

// ---- the lock ---------------------------------------------------------------------------

export interface LockHolder {
  pid: number;
  command: string;
  startedAt: string;
  /** /proc/<pid>/stat start time, so a reused PID is not taken for the holder. */
  startTicks?: string;
}

export type LockResult = { ok: true; release: () => void } | { ok: false; holder: LockHolder; message: string };

function lockFile(prefix: string): string {
  return path.join(stateBase(), `${prefix}.lock`);
}

/**
 * Takes the lab's lock for `command`. A lock whose holder is gone (or whose PID now belongs
 * to another process) is stale and taken over. Re-entrant for this process.
 */
export function acquireLabLock(prefix: string, command: string): LockResult {
  const file = lockFile(prefix);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const me: LockHolder = { pid: process.pid, command, startedAt: new Date().toISOString(), ...(startTicks(process.pid) ? { startTicks: startTicks(process.pid) } : {}) };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o644);
      fs.writeSync(fd, JSON.stringify(me) + '\n');
      fs.closeSync(fd);
      return { ok: true, release: () => releaseIfMine(file) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readHolder(file);
    if (holder && holder.pid === process.pid) return { ok: true, release: () => undefined };
    if (holder && holderAlive(holder)) {
      return { ok: false, holder, message: `lab ${prefix} is in use by pid ${holder.pid} (${holder.command}, started ${holder.startedAt}); wait for it, or stop that process` };
    }
    // Stale (the holder is gone, or the file is half-written by a process that died): take it over.
    fs.rmSync(file, { force: true });
  }
  return { ok: false, holder: { pid: 0, command: '?', startedAt: '?' }, message: `lab ${prefix}: could not take the lock ${file}` };
}

function releaseIfMine(file: string): void {
  // The directory holding the locks stays: removing it could race with another lab taking its own lock.
  if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
    return Number.isInteger(h.pid) && h.pid > 0 ? h : undefined;
  } catch {
    return undefined;
  }
}

function holderAlive(h: LockHolder): boolean {
  if (!alive(h.pid)) return false;
  return h.startTicks === undefined || startTicks(h.pid) === h.startTicks;
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
function startTicks(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

// ---- up and down --------------------------------------------------------------------------

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
  const fail = (error: string): UpResult => ({ ok: false, applied: 0, total: commands.length, error, ms: Date.now() - started });
  if (plan.blockers.length) return fail(plan.blockers.join('\n'));
  if (commands.length === 0) return fail('the plan has no commands');
  const lock = acquireLabLock(plan.prefix, 'podpath lab up');
  if (!lock.ok) return fail(lock.message);
  try {
    // A stale lab of the same prefix would make `ip netns add` fail: remove it (only what is ours).
    downUnlocked(plan.prefix);
    const wanted = new Set(plan.namespaces.map((n) => n.name));
    const foreign = listNamespaces().filter((n) => wanted.has(n));
    if (foreign.length) {
      return fail(`namespace ${foreign[0]}${foreign.length > 1 ? ` and ${foreign.length - 1} more` : ''} already exist${foreign.length > 1 ? '' : 's'} and ${foreign.length > 1 ? 'are' : 'is'} not this lab's (${notOwnedReason(plan.prefix, foreign[0])}); choose another --prefix`);
    }
    // Recorded before anything exists, so a failed or interrupted up can always be taken down.
    recordNamespaces(plan.prefix, [...wanted]);
    let applied = 0;
    for (let i = 0; i < commands.length; i++) {
      const c = commands[i];
      const r = runLabCommand(c);
      if (r.code !== 0 || r.failure) {
        // A namespace just made but not yet marked could not be told apart from a stranger's later: remove it now.
        const previous = commands[i - 1]?.argv;
        if (previous && previous[1] === 'netns' && previous[2] === 'add' && c.argv.includes('alias')) run(['ip', 'netns', 'delete', previous[3]]);
        return { ok: false, applied, total: commands.length, error: describeFailure(c, r), ms: Date.now() - started };
      }
      applied++;
    }
    return { ok: true, applied, total: commands.length, ms: Date.now() - started };
  } finally {
    lock.release();
  }
}

export interface DownResult {
  deleted: string[];
  killed: number[];
  /** `<prefix>-…` namespaces left alone, each with the reason. */
  refused: string[];
  errors: string[];
}

/** Removes every namespace this lab made (and the processes in them), and nothing else. Idempotent. */
export function labDown(prefix: string): DownResult {
  if (!isValidPrefix(prefix)) return { deleted: [], killed: [], refused: [], errors: [`invalid lab prefix "${prefix}"`] };
  const lock = acquireLabLock(prefix, 'podpath lab down');
  if (!lock.ok) return { deleted: [], killed: [], refused: [], errors: [lock.message] };
  try {
    return downUnlocked(prefix);
  } finally {
    lock.release();
  }
}

function downUnlocked(prefix: string): DownResult {
  const names = new LabNames(prefix);
  const out: DownResult = { deleted: [], killed: [], refused: [], errors: [] };
  killTracked(prefix, out);
  const state = readState(prefix);
  const refused = new Map<string, string>();
  // Bounded: namespaces whose processes are slow to die get a second pass.
  for (let attempt = 0; attempt < 3; attempt++) {
    const mine: string[] = [];
    for (const ns of listNamespaces().filter((n) => names.owns(n) && !refused.has(n))) {
      const reason = notOwnedReason(prefix, ns, state);
      if (reason) refused.set(ns, reason);
      else mine.push(ns);
    }
    if (mine.length === 0) break;
    for (const ns of mine) {
      for (const pid of namespacePids(ns)) killPid(pid, out);
      const r = run(['ip', 'netns', 'delete', ns]);
      if (r.code === 0) out.deleted.push(ns);
      else if (attempt === 2) out.errors.push(`ip netns delete ${ns}: ${r.stderr.trim() || r.failure}`);
    }
  }
  out.refused = [...refused].map(([ns, reason]) => `${ns}: ${reason}`).sort();
  const left = new Set(listNamespaces());
  if (out.errors.length === 0 && !(state?.namespaces ?? []).some((n) => left.has(n))) {
    fs.rmSync(stateDir(prefix), { recursive: true, force: true });
  } else {
    forgetNamespaces(prefix, out.deleted);
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
export function killTracked(prefix: string, out: DownResult = { deleted: [], killed: [], refused: [], errors: [] }): DownResult {
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
export function alive(pid: number): boolean {
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
