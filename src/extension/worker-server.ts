import type { Diagnostic, ServiceFile, ServiceSettings, UpdateResult } from '../core/service/types';
import { jsonEqual } from './json-equal';
import { AnalysisApi, QUERY_METHODS, QueryMethod, Request, Response, UpdateArgs, UpdateReply, encodeDiagnostics } from './worker-protocol';

/** Baselines kept at most (each is every file's diagnostics). */
const MAX_BASELINES = 8;
const EMPTY = '';
const NONE: readonly Diagnostic[] = [];

/**
 * The worker side of the protocol, free of `worker_threads` so it can be tested in-process:
 * analysis-worker.ts connects it to the real port and the real service.
 *
 * Requests are queued and handled one per turn of the event loop, so messages that arrive while
 * the service is busy are all in the queue before the next one starts. That is what lets a newer
 * update supersede an older one: their file changes are merged and the service runs once, on the
 * newest text. An update runs one stage per turn (read, build, lint): a newer update arriving
 * between stages drops the running one, and questions arriving between stages are answered at
 * once from the last complete analysis (marked stale). Answers go out in the order updates
 * complete, and a dropped update never answers, so nothing older is published after something newer.
 */
export class WorkerServer {
  private readonly queue: Request[] = [];
  /** When each queued question arrived (its answer says how long it waited). */
  private readonly arrived = new Map<number, number>();
  private scheduled = false;
  /** The whole file set; updates only carry what changed. */
  private readonly files = new Map<string, string>();
  private settings: ServiceSettings = {};
  /** Per generation, each file's diagnostics: the baselines deltas are computed against. */
  private readonly shown = new Map<number, Map<string, readonly Diagnostic[]>>();
  /** The update being analysed, stage by stage. */
  private running: Running | undefined;
  /** Set after an update: when idle, the service may precompute (reachability) for the next question. */
  private warm = false;

  constructor(
    private readonly service: AnalysisApi,
    private readonly send: (response: Response) => void,
    private readonly defer: (run: () => void) => void = (run) => setImmediate(run),
  ) {}

  receive(request: Request): void {
    if (request.method === 'cancel') {
      this.cancel(request.id);
      return;
    }
    this.queue.push(request);
    if (request.method !== 'update') this.arrived.set(request.id, performance.now());
    if (!this.scheduled) {
      this.scheduled = true;
      this.defer(() => this.step());
    }
  }

  private cancel(id: number): void {
    const i = this.queue.findIndex((r) => r.id === id);
    // An update's file changes must still be applied, so only queries can be dropped.
    if (i >= 0 && this.queue[i].method !== 'update') {
      this.queue.splice(i, 1);
      this.arrived.delete(id);
      this.send({ id, cancelled: true });
    }
  }

  private step(): void {
    this.scheduled = false;
    try {
      this.turn();
    } finally {
      if ((this.queue.length > 0 || this.running || this.warm) && !this.scheduled) {
        this.scheduled = true;
        this.defer(() => this.step());
      }
    }
  }

  /**
   * One unit of work per turn of the event loop, in this order: a newer update replaces the
   * running one (whose file changes it already includes), and when none runs a queued update
   * starts; a question is answered from the last complete analysis; the running update goes one
   * stage further; when nothing else is left, the service precomputes what the next question
   * would need.
   */
  private turn(): void {
    const newer = this.queue.findIndex((r) => r.method === 'update');
    if (this.running && newer >= 0) {
      this.send({ id: this.running.id, cancelled: true });
      this.running = undefined;
    }
    // Idle: a queued update starts before the questions queued with it; they are answered
    // between its stages from the last complete analysis (what they were asked about), so a
    // slow question never holds up the diagnostics of a save.
    const next = this.running ? this.queue.find((r) => r.method !== 'update') : this.queue.find((r) => r.method === 'update') ?? this.queue[0];
    if (next) {
      this.queue.splice(this.queue.indexOf(next), 1);
      if (next.method === 'update') this.runUpdates(next);
      else if (next.method !== 'cancel') this.runQuery(next.id, next.method, next.args, !!this.running);
      return;
    }
    if (this.running) {
      this.advance(this.running);
      return;
    }
    if (this.warm) this.warm = this.service.warmUp?.() ?? false;
  }

  /** Starts the newest queued update; older queued ones only contribute their file changes. */
  private runUpdates(first: Request & { method: 'update' }): void {
    const updates = [first];
    for (let i = 0; i < this.queue.length; ) {
      const r = this.queue[i];
      if (r.method === 'update') {
        updates.push(r);
        this.queue.splice(i, 1);
      } else i++;
    }
    for (const stale of updates.slice(0, -1)) this.send({ id: stale.id, cancelled: true });
    const last = updates[updates.length - 1];
    try {
      for (const u of updates) this.applyChanges(u.args);
      const files: ServiceFile[] = [...this.files.keys()].sort().map((file) => ({ file, text: this.files.get(file)! }));
      const stages = this.service.updateStages?.(files, this.settings) ?? oneStage(() => this.service.update(files, this.settings));
      this.running = { id: last.id, args: last.args, files: files.length, stages, started: performance.now() };
      this.advance(this.running);
    } catch (e) {
      this.running = undefined;
      this.send({ id: last.id, error: errorText(e) });
    }
  }

  private applyChanges(args: UpdateArgs): void {
    if (args.reset) this.files.clear();
    for (const f of args.changed) this.files.set(f.file, f.text);
    for (const f of args.removed) this.files.delete(f);
    this.settings = args.settings;
  }

  /** Runs the next stage of `run`; after the last one, sends the answer. */
  private advance(run: Running): void {
    // Progress goes out while the analysis runs: if it has to be stopped, the host knows how far it got.
    this.service.onProgress = (progress) => this.send({ id: run.id, progress });
    try {
      const step = run.stages.next();
      if (!step.done) return;
      this.running = undefined;
      this.send({ id: run.id, result: this.reply(run, step.value) });
      this.warm = true;
    } catch (e) {
      this.running = undefined;
      this.send({ id: run.id, error: errorText(e) });
    } finally {
      this.service.onProgress = undefined;
    }
  }

  private reply(run: Running, result: UpdateResult): UpdateReply {
    const args = run.args;
    const current = new Map<string, readonly Diagnostic[]>(Object.entries(result.diagnostics));
    // Without a baseline (the host does not know what it shows) the host replaces everything.
    const baseline = args.shownGeneration === 0 ? new Map<string, readonly Diagnostic[]>() : this.shown.get(args.shownGeneration);
    const diagnostics: Record<string, string> = {};
    if (baseline) {
      // A file the baseline does not list shows nothing, the same as an empty list. Lists are
      // compared as data; only a file whose list differs is written out.
      for (const [file, list] of current) if (!jsonEqual(baseline.get(file) ?? NONE, list)) diagnostics[file] = encodeDiagnostics(list);
      for (const [file, list] of baseline) if (!current.has(file) && list.length > 0) diagnostics[file] = EMPTY;
    } else {
      for (const [file, list] of current) diagnostics[file] = encodeDiagnostics(list);
    }

    // Keep the baselines the host may still answer with: the one it shows and anything newer.
    this.shown.set(args.generation, current);
    for (const g of this.shown.keys()) if (g < args.shownGeneration || this.shown.size > MAX_BASELINES) this.shown.delete(g);

    return {
      generation: args.generation,
      full: !baseline,
      diagnostics,
      summary: result.summary,
      reparsed: result.reparsed,
      files: run.files,
      workerMs: Math.round(performance.now() - run.started),
    };
  }

  private runQuery(id: number, method: QueryMethod, args: unknown[], stale: boolean): void {
    const started = performance.now();
    const queuedMs = round(started - (this.arrived.get(id) ?? started));
    this.arrived.delete(id);
    if (!QUERY_METHODS.includes(method)) {
      this.send({ id, error: `unknown method ${String(method)}` });
      return;
    }
    try {
      const fn = this.service[method] as (...a: unknown[]) => unknown;
      const result = fn.apply(this.service, args);
      const timing = { queuedMs, serviceMs: round(performance.now() - started) };
      this.send(stale ? { id, result, stale: true, timing } : { id, result, timing });
    } catch (e) {
      this.send({ id, error: errorText(e) });
    }
  }
}

/** An update that runs in stages across turns of the event loop. */
interface Running {
  id: number;
  args: UpdateArgs;
  files: number;
  stages: Generator<unknown, UpdateResult, void>;
  started: number;
}

/** A service without stages runs its whole update as one. */
function* oneStage(run: () => UpdateResult): Generator<unknown, UpdateResult, void> {
  return run();
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
