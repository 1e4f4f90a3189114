import { Worker } from 'worker_threads';
import { AnalysisApi, QueryMethod, Request, Response, UpdateArgs, UpdateReply } from './worker-protocol';

/**
 * The extension host's side of the analysis worker: one promise per request, cancellation,
 * and a fresh worker after a crash. It knows nothing about VS Code (the tests drive it from
 * plain Node), only the shapes it needs: a log and a cancellation token.
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

interface Pending {
  method: string;
  started: number;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** More crashes than this within CRASH_WINDOW_MS and the client stops restarting the worker. */
const MAX_CRASHES = 3;
const CRASH_WINDOW_MS = 60_000;

export class AnalysisClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private crashes: number[] = [];
  private disposed = false;
  /** Called when a worker died: the next update must send every file again. */
  onCrash: () => void = () => {};

  constructor(private readonly workerPath: string, private readonly log: ClientLog) {}

  /** True once the worker crashed too often; requests then fail at once. */
  get broken(): boolean {
    return this.crashes.length > MAX_CRASHES;
  }

  update(args: UpdateArgs): Promise<UpdateReply> {
    return this.send('update', args) as Promise<UpdateReply>;
  }

  query<M extends QueryMethod>(method: M, args: Parameters<Query<M>>, token?: CancelToken): Promise<ReturnType<Query<M>>> {
    if (token?.isCancellationRequested) return Promise.reject(new CancelledError(method));
    const { id, promise } = this.post(method, args);
    const sub = token?.onCancellationRequested(() => {
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      this.worker?.postMessage({ id, method: 'cancel', args: [] } satisfies Request);
      p.reject(new CancelledError(method));
    });
    return promise.finally(() => sub?.dispose()) as Promise<ReturnType<Query<M>>>;
  }

  dispose(): void {
    this.disposed = true;
    this.failAll(new CancelledError('analysis'));
    const w = this.worker;
    this.worker = undefined;
    void w?.terminate();
  }

  private send(method: Request['method'], args: unknown): Promise<unknown> {
    return this.post(method, args).promise;
  }

  private post(method: Request['method'], args: unknown): { id: number; promise: Promise<unknown> } {
    const id = this.nextId++;
    const promise = new Promise<unknown>((resolve, reject) => {
      if (this.disposed) return reject(new CancelledError(method));
      if (this.broken) return reject(new Error('the PodPath analysis worker crashed repeatedly; reload the window to try again'));
      this.pending.set(id, { method, started: performance.now(), resolve, reject });
      this.ensureWorker().postMessage({ id, method, args } as Request);
    });
    return { id, promise };
  }

  /** Started on the first request, not at activation: activation stays cheap. */
  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const started = performance.now();
    const worker = new Worker(this.workerPath);
    worker.once('online', () => this.log.debug(`analysis worker started in ${Math.round(performance.now() - started)} ms`));
    worker.on('message', (m: Response) => this.receive(m));
    worker.on('error', (e) => this.log.error(`analysis worker failed: ${e.stack ?? e.message}`));
    worker.on('exit', (code) => this.exited(worker, code));
    this.worker = worker;
    return worker;
  }

  private receive(m: Response): void {
    const p = this.pending.get(m.id);
    if (!p) return; // cancelled on this side already
    this.pending.delete(m.id);
    const ms = Math.round(performance.now() - p.started);
    if ('cancelled' in m) {
      this.log.debug(`${p.method} #${m.id} superseded after ${ms} ms`);
      p.reject(new CancelledError(p.method));
    } else if ('error' in m) {
      this.log.error(`${p.method} #${m.id} failed after ${ms} ms: ${m.error}`);
      p.reject(new Error(m.error));
    } else {
      this.log.debug(`${p.method} #${m.id} answered in ${ms} ms`);
      p.resolve(m.result);
    }
  }

  private exited(worker: Worker, code: number): void {
    if (worker !== this.worker) return; // an old worker we replaced or terminated
    this.worker = undefined;
    if (this.disposed) return;
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    this.log.error(`analysis worker exited with code ${code}; ${this.broken ? 'giving up' : 'it restarts with the next request'}`);
    this.failAll(new Error(`the PodPath analysis worker exited (code ${code})`));
    this.onCrash();
  }

  private failAll(error: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(error);
  }
}
