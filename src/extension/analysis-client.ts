import { Worker } from 'worker_threads';
import { AnalysisApi, AnalysisProgress, QueryMethod, Request, Response, UpdateArgs, UpdateReply, WorkerTiming } from './worker-protocol';
import { DEFAULT_LIMITS, TooLarge, WorkerLimits, tooLargeMessage, tooLargeReply } from './worker-limits';

/**
 * The extension host's side of the analysis worker: one promise per request, cancellation,
 * limits, and a fresh worker after a crash. It knows nothing about VS Code (the tests drive it
 * from plain Node), only the shapes it needs: a log and a cancellation token.
 *
 * The worker runs with a heap limit (`resourceLimits`) and every request with a time budget.
 * An update that goes over either is answered with an `analysis-too-large` finding (with the
 * workspace's figures) instead of an analysis; the worker is replaced, and the files are sent
 * again with the next edit rather than at once (the same files would only stop it again).
 */

export interface ClientLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Structurally a `vscode.CancellationToken`. */
export interface CancelToken {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

/** The answer will never come: the request was cancelled or superseded by a newer update. */
export class CancelledError extends Error {
  constructor(what: string) {
    super(`${what} cancelled`);
    this.name = 'CancelledError';
  }
}

export function isCancelled(e: unknown): boolean {
  return e instanceof CancelledError;
}

type Query<M extends QueryMethod> = AnalysisApi[M];

/** Where a question's time went: the whole round trip from the host, and the worker's part of it. */
export interface QueryTiming extends WorkerTiming {
  roundTripMs: number;
}

/** An answer with its timing (`queryTimed`). */
export interface TimedAnswer<T> {
  value: T;
  timing: QueryTiming;
}

interface Pending {
  method: string;
  started: number;
  resolve(value: unknown, timing?: QueryTiming): void;
  reject(error: Error): void;
  /** For an update: its generation, and how far the worker said it got. */
  generation?: number;
  progress?: AnalysisProgress;
  budget?: NodeJS.Timeout;
}

/** Why the worker had to be started afresh (see `onCrash`). */
export type WorkerLoss = 'crash' | 'too-large';

/** More crashes than this within CRASH_WINDOW_MS and the client stops restarting the worker. */
const MAX_CRASHES = 3;
const CRASH_WINDOW_MS = 60_000;

export class AnalysisClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private crashes: number[] = [];
  private disposed = false;
  /** Bytes per file of the worker's copy of the workspace (the figures of `analysis-too-large`). */
  private readonly sizes = new Map<string, number>();
  /** Set between a worker's death and the start of its replacement. */
  private lost: string | undefined;
  /** The error the worker reported before it exited (out of memory …). */
  private lastError: (Error & { code?: string }) | undefined;
  /** Workers started so far (the first one included). */
  starts = 0;
  /**
   * Called when a worker died or was stopped: the next update must send every file again.
   * 'crash': send them now. 'too-large': the same files would stop it again; wait for an edit.
   */
  onCrash: (loss: WorkerLoss) => void = () => {};

  constructor(private readonly workerPath: string, private readonly log: ClientLog, private readonly limits: () => WorkerLimits = () => DEFAULT_LIMITS) {}

  /** True once the worker crashed too often; requests then fail at once. */
  get broken(): boolean {
    return this.crashes.length > MAX_CRASHES;
  }

  update(args: UpdateArgs): Promise<UpdateReply> {
    if (args.reset) this.sizes.clear();
    for (const f of args.changed) this.sizes.set(f.file, Buffer.byteLength(f.text, 'utf8'));
    for (const f of args.removed) this.sizes.delete(f);
    const { id, promise } = this.post('update', args);
    const p = this.pending.get(id);
    if (p) p.generation = args.generation;
    return promise as Promise<UpdateReply>;
  }

  query<M extends QueryMethod>(method: M, args: Parameters<Query<M>>, token?: CancelToken): Promise<ReturnType<Query<M>>> {
    return this.queryTimed(method, args, token).then((a) => a.value);
  }

  /** `query`, with where the answer's time went (the providers report it to the benchmark). */
  queryTimed<M extends QueryMethod>(method: M, args: Parameters<Query<M>>, token?: CancelToken): Promise<TimedAnswer<ReturnType<Query<M>>>> {
    if (token?.isCancellationRequested) return Promise.reject(new CancelledError(method));
    const { id, promise } = this.post(method, args, true);
    const sub = token?.onCancellationRequested(() => {
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      this.worker?.postMessage({ id, method: 'cancel', args: [] } satisfies Request);
      p.reject(new CancelledError(method));
    });
    return promise.finally(() => sub?.dispose()) as Promise<TimedAnswer<ReturnType<Query<M>>>>;
  }

  dispose(): void {
    this.disposed = true;
    this.failAll(new CancelledError('analysis'));
    const w = this.worker;
    this.worker = undefined;
    void w?.terminate();
  }

  /** `timed`: the promise resolves to a TimedAnswer rather than the bare result. */
  private post(method: Request['method'], args: unknown, timed = false): { id: number; promise: Promise<unknown> } {
    const id = this.nextId++;
    const promise = new Promise<unknown>((resolve, reject) => {
      if (this.disposed) return reject(new CancelledError(method));
      if (this.broken) return reject(new Error('the PodPath analysis worker crashed repeatedly; reload the window to try again'));
      const answer = timed
        ? (value: unknown, timing?: QueryTiming) => resolve({ value, timing: timing ?? { roundTripMs: 0, queuedMs: 0, serviceMs: 0 } })
        : resolve;
      const p: Pending = { method, started: performance.now(), resolve: answer, reject };
      this.pending.set(id, p);
      this.ensureWorker().postMessage({ id, method, args } as Request);
      // The budget counts from the moment the request is sent; a queue of slow requests shares it.
      const budget = this.limits().timeBudgetMs;
      p.budget = setTimeout(() => this.overBudget(id, budget), budget);
      p.budget.unref?.();
    });
    return { id, promise };
  }

  /** Started on the first request, not at activation: activation stays cheap. */
  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const started = performance.now();
    const limits = this.limits();
    const worker = new Worker(this.workerPath, { resourceLimits: { maxOldGenerationSizeMb: limits.maxMemoryMb } });
    this.starts++;
    if (this.lost) {
      this.log.warn(`analysis worker restarted after it ${this.lost} (${this.crashes.length} crash${this.crashes.length === 1 ? '' : 'es'} in the last minute; at most ${MAX_CRASHES} are restarted)`);
      this.lost = undefined;
    }
    this.lastError = undefined;
    worker.once('online', () => this.log.debug(`analysis worker started in ${Math.round(performance.now() - started)} ms`));
    worker.on('message', (m: Response) => this.receive(m));
    worker.on('error', (e) => {
      if (worker !== this.worker) return;
      this.lastError = e;
      this.log.error(`analysis worker failed: ${e.stack ?? e.message}`);
    });
    worker.on('exit', (code) => this.exited(worker, code));
    this.worker = worker;
    return worker;
  }

  private receive(m: Response): void {
    const p = this.pending.get(m.id);
    if (!p) return; // cancelled on this side already
    if ('progress' in m) {
      p.progress = m.progress;
      return;
    }
    this.pending.delete(m.id);
    clearTimeout(p.budget);
    const elapsed = performance.now() - p.started;
    const ms = Math.round(elapsed);
    if ('cancelled' in m) {
      this.log.debug(`${p.method} #${m.id} superseded after ${ms} ms`);
      p.reject(new CancelledError(p.method));
    } else if ('error' in m) {
      this.log.error(`${p.method} #${m.id} failed after ${ms} ms: ${m.error}`);
      p.reject(new Error(m.error));
    } else {
      this.log.debug(`${p.method} #${m.id} answered in ${ms} ms`);
      p.resolve(m.result, { roundTripMs: Math.round(elapsed * 100) / 100, queuedMs: m.timing?.queuedMs ?? 0, serviceMs: m.timing?.serviceMs ?? 0 });
    }
  }

  private exited(worker: Worker, code: number): void {
    if (worker !== this.worker) return; // an old worker we replaced or terminated
    this.worker = undefined;
    if (this.disposed) return;
    // Out of memory while analysing: the workspace is too large, not the worker broken.
    if (this.lastError?.code === 'ERR_WORKER_OUT_OF_MEMORY' && this.answerTooLarge('memory')) return;
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    this.lost = `exited with code ${code}`;
    this.log.error(`analysis worker exited with code ${code}; ${this.broken ? 'giving up' : 'it restarts with the next request'}`);
    this.failAll(new Error(`the PodPath analysis worker exited (code ${code})`));
    this.onCrash('crash');
  }

  /** A request ran past the time budget: the worker is stopped (terminate interrupts running JavaScript). */
  private overBudget(id: number, budget: number): void {
    const p = this.pending.get(id);
    const worker = this.worker;
    if (!p || !worker || this.disposed) return;
    this.worker = undefined;
    void worker.terminate();
    if (this.answerTooLarge('time')) return;
    // A question (not an analysis) took too long: the analysis itself is fine, so it is sent again.
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    this.lost = `took longer than ${budget} ms to answer ${p.method}`;
    this.log.error(`analysis worker stopped: ${p.method} #${id} took longer than ${budget} ms`);
    this.failAll(new Error(`PodPath stopped ${p.method}: it took longer than ${Math.round(budget / 1000)} s`));
    this.onCrash('crash');
  }

  /**
   * When an update was running as the worker had to stop, it is answered with the
   * `analysis-too-large` finding; everything else pending fails. False when no update was pending.
   */
  private answerTooLarge(reason: 'time' | 'memory'): boolean {
    const updates = [...this.pending.entries()].filter(([, p]) => p.method === 'update');
    const running = updates[updates.length - 1];
    if (!running) return false;
    const [id, p] = running;
    this.pending.delete(id);
    clearTimeout(p.budget);
    const t: TooLarge = {
      reason, files: this.sizes.size, bytes: [...this.sizes.values()].reduce((a, b) => a + b, 0),
      ...(p.progress ? { progress: p.progress } : {}), ms: performance.now() - p.started, limits: this.limits(),
    };
    this.lost = reason === 'time' ? 'went over its time budget' : 'ran out of memory';
    this.log.error(`analysis stopped: ${tooLargeMessage(t)}`);
    p.resolve(tooLargeReply(p.generation ?? 0, this.sizes, t));
    this.failAll(new CancelledError('analysis'));
    this.onCrash('too-large');
    return true;
  }

  private failAll(error: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      clearTimeout(p.budget);
      p.reject(error);
    }
  }
}
