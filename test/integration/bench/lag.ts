/**
 * How long the extension host's main thread is blocked: a 10 ms timer that notes every time it
 * fires late, attributed to the phase the benchmark is in, cross-checked with Node's own
 * event-loop delay histogram.
 *
 * A late tick means the thread was busy for that long *or* was waiting for a CPU (on a loaded
 * machine the kernel deschedules it). On Linux the thread's own scheduler statistics tell the
 * two apart: /proc/<pid>/task/<tid>/schedstat holds the nanoseconds a thread has run on a CPU
 * and waited on a run queue (kernel Documentation/scheduler/sched-stats.rst). Each late tick
 * gets both for its interval; the time on the CPU is an upper bound on the block's own work (the
 * interval also holds the 10 ms the timer waited). The event loop's utilization per phase
 * (`performance.eventLoopUtilization`) is reported beside it.
 */
import * as fs from 'fs';
import { EventLoopUtilization, monitorEventLoopDelay, performance } from 'perf_hooks';

export interface Block {
  phase: string;
  atMs: number;
  ms: number;
  /** The thread's time on a CPU and waiting for one, over the late tick's interval (Linux). */
  cpuMs?: number;
  waitMs?: number;
}

/** The main thread's CPU and run-queue nanoseconds so far, or undefined off Linux. */
function threadClock(): (() => [number, number] | undefined) {
  // The extension host's main thread has the process id as its thread id.
  const file = `/proc/${process.pid}/task/${process.pid}/schedstat`;
  try {
    fs.readFileSync(file, 'utf8');
  } catch {
    return () => undefined;
  }
  return () => {
    try {
      const [run, wait] = fs.readFileSync(file, 'utf8').split(' ').map(Number);
      return [run / 1e6, wait / 1e6];
    } catch {
      return undefined;
    }
  };
}

export class LagSampler {
  private readonly intervalMs = 10;
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private lastClock: [number, number] | undefined;
  private readonly clock = threadClock();
  private current = 'start';
  private readonly histogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly maxByPhase = new Map<string, number>();
  /** Per phase: the most CPU time the thread used in a late tick's interval. */
  private readonly maxCpuByPhase = new Map<string, number>();
  private readonly utilization = new Map<string, EventLoopUtilization>();
  private phaseStart = performance.eventLoopUtilization();
  readonly blocks: Block[] = [];

  start(): void {
    this.histogram.enable();
    this.last = performance.now();
    this.lastClock = this.clock();
    this.phaseStart = performance.eventLoopUtilization();
    this.timer = setInterval(() => {
      const now = performance.now();
      const late = now - this.last - this.intervalMs;
      const clock = this.clock();
      const cpu = clock && this.lastClock ? clock[0] - this.lastClock[0] : undefined;
      const wait = clock && this.lastClock ? clock[1] - this.lastClock[1] : undefined;
      this.last = now;
      this.lastClock = clock;
      if (late > (this.maxByPhase.get(this.current) ?? 0)) this.maxByPhase.set(this.current, late);
      // Only late ticks count: a prompt one's interval is the timer's own wait.
      if (late > 5 && cpu !== undefined && cpu > (this.maxCpuByPhase.get(this.current) ?? 0)) this.maxCpuByPhase.set(this.current, cpu);
      if (late > 30) {
        this.blocks.push({ phase: this.current, atMs: Math.round(now), ms: Math.round(late), ...(cpu !== undefined ? { cpuMs: Math.round(cpu), waitMs: Math.round(wait!) } : {}) });
      }
    }, this.intervalMs);
  }

  /** Later blocks are counted against `name`. */
  phase(name: string): void {
    this.closePhase();
    this.current = name;
    if (!this.maxByPhase.has(name)) this.maxByPhase.set(name, 0);
  }

  stop(): {
    maxBlockMs: number;
    maxBlockCpuMs: number | null;
    maxByPhase: Record<string, number>;
    maxCpuByPhase: Record<string, number>;
    utilizationByPhase: Record<string, number>;
    blocksOver30ms: Block[];
    histogram: { maxMs: number; p99Ms: number; meanMs: number };
  } {
    clearInterval(this.timer);
    this.closePhase();
    this.histogram.disable();
    const round = (m: Map<string, number>) => {
      const out: Record<string, number> = {};
      for (const [k, v] of m) out[k] = Math.round(Math.max(0, v) * 10) / 10;
      return out;
    };
    const byPhase = round(this.maxByPhase);
    const cpuByPhase = round(this.maxCpuByPhase);
    const utilization: Record<string, number> = {};
    for (const [k, u] of this.utilization) utilization[k] = Math.round(u.utilization * 1000) / 1000;
    return {
      maxBlockMs: Math.max(0, ...Object.values(byPhase)),
      maxBlockCpuMs: this.lastClock ? Math.max(0, ...Object.values(cpuByPhase)) : null,
      maxByPhase: byPhase,
      maxCpuByPhase: cpuByPhase,
      utilizationByPhase: utilization,
      blocksOver30ms: this.blocks,
      // The histogram counts the timer's own resolution (10 ms) in every sample.
      histogram: { maxMs: this.histogram.max / 1e6, p99Ms: this.histogram.percentile(99) / 1e6, meanMs: this.histogram.mean / 1e6 },
    };
  }

  /** The event loop's utilization over the phase that ends now, added to the phase's earlier stretches. */
  private closePhase(): void {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, this.phaseStart);
    this.phaseStart = now;
    const before = this.utilization.get(this.current);
    const idle = delta.idle + (before?.idle ?? 0);
    const active = delta.active + (before?.active ?? 0);
    this.utilization.set(this.current, { idle, active, utilization: active / Math.max(1e-9, idle + active) });
  }
}
