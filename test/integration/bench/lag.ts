/**
 * How long the extension host's main thread is blocked: a 10 ms timer that notes every time it
 * fires late (a late tick means the thread was busy for that long), attributed to the phase the
 * benchmark is in, cross-checked with Node's own event-loop delay histogram.
 */
import { monitorEventLoopDelay, performance } from 'perf_hooks';

export interface Block {
  phase: string;
  atMs: number;
  ms: number;
}

export class LagSampler {
  private readonly intervalMs = 10;
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private current = 'start';
  private readonly histogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly maxByPhase = new Map<string, number>();
  readonly blocks: Block[] = [];

  start(): void {
    this.histogram.enable();
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const late = now - this.last - this.intervalMs;
      this.last = now;
      if (late > (this.maxByPhase.get(this.current) ?? 0)) this.maxByPhase.set(this.current, late);
      if (late > 50) this.blocks.push({ phase: this.current, atMs: Math.round(now), ms: Math.round(late) });
    }, this.intervalMs);
  }

  /** Later blocks are counted against `name`. */
  phase(name: string): void {
    this.current = name;
    if (!this.maxByPhase.has(name)) this.maxByPhase.set(name, 0);
  }

  stop(): { maxBlockMs: number; maxByPhase: Record<string, number>; blocksOver50ms: Block[]; histogram: { maxMs: number; p99Ms: number; meanMs: number } } {
    clearInterval(this.timer);
    this.histogram.disable();
    const byPhase: Record<string, number> = {};
    for (const [k, v] of this.maxByPhase) byPhase[k] = Math.round(Math.max(0, v) * 10) / 10;
    return {
      maxBlockMs: Math.max(0, ...Object.values(byPhase)),
      maxByPhase: byPhase,
      blocksOver50ms: this.blocks,
      // The histogram counts the timer's own resolution (10 ms) in every sample.
      histogram: { maxMs: this.histogram.max / 1e6, p99Ms: this.histogram.percentile(99) / 1e6, meanMs: this.histogram.mean / 1e6 },
    };
  }
}
