import { spawnSync } from 'child_process';
import { LabCommand } from '../../core/lab/plan';
import { renderCommand } from '../../core/lab/script';

/** Running the lab's commands: always without a shell, always with a timeout. */

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Set when the command could not start or was killed by the timeout. */
  failure?: string;
}

export const COMMAND_TIMEOUT_MS = 15_000;

export function run(argv: string[], opts: { stdin?: string; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(argv[0], argv.slice(1), {
    input: opts.stdin ?? '',
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? COMMAND_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  const failure = r.error ? (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `timed out after ${opts.timeoutMs ?? COMMAND_TIMEOUT_MS} ms` : r.error.message : undefined;
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ...(failure ? { failure } : {}) };
}

export function runLabCommand(c: LabCommand): RunResult {
  return run(c.argv, c.stdin !== undefined ? { stdin: c.stdin } : {});
}

/** A failed command as one readable line (the script line and what it said). */
export function describeFailure(c: LabCommand, r: RunResult): string {
  const line = renderCommand({ argv: c.argv }) + (c.stdin !== undefined ? ' <<…' : '');
  return `${line}\n  → ${r.failure ?? `exit ${r.code}`}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').slice(0, 6).join('\n    ')}` : ''}`;
}

/** Blocks for `ms` milliseconds (the lab commands are synchronous, like the rest of the CLI). */
export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function hasCommand(name: string): boolean {
  const r = run(['sh', '-c', `command -v ${name}`], { timeoutMs: 5_000 });
  return r.code === 0 && r.stdout.trim() !== '';
}
