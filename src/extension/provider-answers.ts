/**
 * The last answer to each provider question (a file's CodeLens, its inlay hints, a hover at a
 * position), so the editor is answered at once from the previous analysis while the worker is
 * busy with a newer one, instead of waiting for it.
 *
 * A question is asked of the worker every time, unless the answer kept for it is current (no
 * update was sent since it was asked, and none was running then). If an earlier answer exists
 * and the worker's does not come within `waitMs` (at once while an update runs), the earlier
 * one is returned marked stale, and `onFresh` is told when the worker's arrives, so the editor
 * can ask again (CodeLens and inlay hints have a refresh event; a hover is simply current the
 * next time). The same question asked again while the worker is still on it shares that request.
 *
 * After an analysis is shown, `renew` asks again the questions of what the editor shows (a
 * visible file's CodeLens and hints) and reports whether each answer changed: the editor is
 * told to ask again only then, and when it does, the answer is current and comes at once.
 *
 * Free of `vscode` so it can be tested in plain Node; analysis-scheduler.ts owns one.
 */

export interface Answer<T> {
  value: T;
  /** From an earlier analysis than the one being computed or just shown. */
  stale: boolean;
}

/** Where the analysis is: `epoch` counts updates sent; `updating` while one is unanswered. */
export interface AnalysisClock {
  epoch: number;
  updating: boolean;
}

interface Kept<T> {
  value: T;
  /** The epoch it is current for; -1 when it was asked while an update ran (never current). */
  epoch: number;
  /** The order it was asked in: a later question reflects the same analysis or a newer one. */
  seq: number;
}

interface Flight<T> {
  epoch: number;
  promise: Promise<T>;
}

/** Answers kept at most: the oldest are forgotten first (hover positions add up). */
const MAX_KEPT = 500;

export class ProviderAnswers {
  private readonly kept = new Map<string, Kept<unknown>>();
  private readonly flights = new Map<string, Flight<unknown>>();
  private asked = 0;

  constructor(
    private readonly clock: () => AnalysisClock,
    private readonly onFresh: (key: string) => void,
    private readonly waitMs = 20,
    private readonly delay: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /**
   * The answer to the question `key` (`ask` puts it to the worker). `shared`: the request may be
   * shared with the same question asked again while it runs (false when `ask` carries a
   * cancellation of its own caller).
   */
  async get<T>(key: string, ask: () => Promise<T>, shared = true): Promise<Answer<T>> {
    const { epoch, updating } = this.clock();
    const kept = this.kept.get(key) as Kept<T> | undefined;
    if (kept && !updating && kept.epoch === epoch) return { value: kept.value, stale: false };

    const flight = this.flight(key, ask, epoch, updating, shared);
    if (!kept) return { value: await flight.promise, stale: false };

    // A worker that fails or is cancelled leaves the earlier answer standing.
    const earlier: Answer<T> = { value: kept.value, stale: true };
    const fresh = flight.promise.then((value): Answer<T> => ({ value, stale: false }), () => earlier);
    const late = this.delay(updating ? 0 : this.waitMs).then(() => undefined);
    const first = await Promise.race([fresh, late]);
    if (first) return first;
    void fresh.then((answer) => {
      if (!answer.stale) this.onFresh(key);
    });
    return earlier;
  }

  /**
   * Asks `key` again for the current analysis (sharing a request already under way) and keeps the
   * answer. Resolves true when the editor must ask again: the answer differs from the one kept
   * (by `same`), none was kept, or the worker failed (the kept one is no longer current).
   * Resolves false when the kept answer is current already or the new one equals it.
   */
  async renew<T>(key: string, ask: () => Promise<T>, same: (a: T, b: T) => boolean): Promise<boolean> {
    const { epoch, updating } = this.clock();
    const kept = this.kept.get(key) as Kept<T> | undefined;
    if (kept && !updating && kept.epoch === epoch) return false;
    try {
      const { value } = await this.fresh(key, ask, epoch, updating);
      return !kept || !same(kept.value, value);
    } catch {
      return true;
    }
  }

  /** Forgets every answer (the worker restarted, or the settings changed what answers say). */
  clear(): void {
    this.kept.clear();
  }

  /** The answer of the current analysis: `renew`'s request, shared. */
  private fresh<T>(key: string, ask: () => Promise<T>, epoch: number, updating: boolean): Promise<{ value: T }> {
    return this.flight(key, ask, epoch, updating, true).promise.then((value) => ({ value }));
  }

  /** The worker's answer to `key` for `epoch`: a request under way for it (when `shared`), else a new one, kept when it comes. */
  private flight<T>(key: string, ask: () => Promise<T>, epoch: number, updating: boolean, shared: boolean): Flight<T> {
    const running = shared ? (this.flights.get(key) as Flight<T> | undefined) : undefined;
    if (running && running.epoch === epoch) return running;
    const seq = ++this.asked;
    const asked: Flight<T> = {
      epoch,
      promise: ask().then((value) => {
        this.keep(key, { value, epoch: updating ? -1 : epoch, seq });
        return value;
      }),
    };
    if (shared) {
      this.flights.set(key, asked);
      const done = () => {
        if (this.flights.get(key) === asked) this.flights.delete(key);
      };
      asked.promise.then(done, done);
    }
    return asked;
  }

  private keep(key: string, answer: Kept<unknown>): void {
    // An answer that arrives after one asked later is older: it never replaces it.
    if ((this.kept.get(key)?.seq ?? 0) > answer.seq) return;
    this.kept.delete(key); // re-inserted last: the map's order is the order of use
    this.kept.set(key, answer);
    if (this.kept.size > MAX_KEPT) this.kept.delete(this.kept.keys().next().value as string);
  }
}
