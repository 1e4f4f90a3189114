import type { QueryTiming } from './analysis-client';

/**
 * Where a provider's answer (hover, CodeLens, inlay hints) spent its time inside the extension
 * host, told to the extension's tests (the benchmark subtracts it from the editor's whole round
 * trip to see what is the editor's and what is PodPath's). Free of `vscode`.
 */

export type TimedProvider = 'hover' | 'codeLens' | 'inlayHints';

/**
 * How the answer was found: `kept`, the answer kept from the current analysis (no worker
 * asked); `worker`, asked of the worker and waited for; `earlier`, an earlier analysis' answer
 * given at once (marked stale) while the worker works on a newer one.
 */
export type AnswerSource = 'kept' | 'worker' | 'earlier';

export interface ProviderTiming {
  provider: TimedProvider;
  /** performance.now() when the editor called the provider. */
  startedAt: number;
  /** The whole time inside the provider. */
  totalMs: number;
  /** Waiting for a running workspace scan and naming the file. */
  fileMs: number;
  /** From asking the analysis until the answer was at hand. */
  answerMs: number;
  source: AnswerSource;
  /** When the worker was asked by this call: the round trip and the worker's share of it. */
  worker?: QueryTiming;
  /** Turning the answer into the editor's objects. */
  convertMs: number;
}

/** Times the phases of one provider call; `done` hands the record to `report`. */
export class ProviderStopwatch {
  private readonly startedAt = performance.now();
  private last = this.startedAt;
  private fileMs = 0;
  private answerMs = 0;

  constructor(private readonly provider: TimedProvider, private readonly report: (t: ProviderTiming) => void) {}

  /** The file is named. */
  fileFound(): void {
    this.fileMs = this.lap();
  }

  /** The answer is at hand. */
  answered(): void {
    this.answerMs = this.lap();
  }

  /** The editor's objects are made: the call is over. */
  done(source: AnswerSource, worker?: QueryTiming): void {
    const convertMs = this.lap();
    this.report({
      provider: this.provider, startedAt: this.startedAt, totalMs: round(this.last - this.startedAt),
      fileMs: round(this.fileMs), answerMs: round(this.answerMs), source, ...(worker ? { worker } : {}), convertMs: round(convertMs),
    });
  }

  private lap(): number {
    const now = performance.now();
    const ms = now - this.last;
    this.last = now;
    return ms;
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
