import type { Trace } from '../core/forward/trace';
import type { ReplyTrace } from '../core/forward/reply';
import type { Diagnostic, LanguageServiceApi, ServiceFile, ServiceSettings, Summary, UpdateResult } from '../core/service/types';
import type { TopologyModel, TraceOverlay } from '../core/topology';

/**
 * The messages between the extension host and the analysis worker. Plain data only: every
 * message crosses a `postMessage` (structured clone). Shared by analysis-client.ts (host side)
 * and worker-server.ts (worker side) so the two cannot drift apart.
 */

/** What the worker answers: the language service and the topology diagram's data. */
export interface AnalysisApi extends LanguageServiceApi {
  /** The diagram of the analysed cluster (topology-panel.ts draws it). */
  topology(): TopologyModel;
  /** What a trace lights up on that diagram. */
  traceOverlay(trace: Trace): TraceOverlay;
  /** What the reply of a trace lights up (the diagram's reply toggle). */
  replyOverlay(trace: Trace, reply: ReplyTrace): TraceOverlay;
  /** Set by the worker around `update`: called after each stage. */
  onProgress?: (progress: AnalysisProgress) => void;
  /** `update` one stage per step, committing only at the end (language-service.ts). */
  updateStages?(files: ServiceFile[], settings: ServiceSettings): Generator<unknown, UpdateResult, void>;
  /** Precomputes what the first question after an update would (false: nothing left to do). */
  warmUp?(): boolean;
}

/** Every `AnalysisApi` method except `update`, which has a protocol of its own. */
export type QueryMethod = Exclude<keyof AnalysisApi, 'update' | 'onProgress' | 'updateStages' | 'warmUp'>;

/**
 * How far an analysis got, sent while it runs: if the worker has to be stopped (over its time
 * budget or memory limit), the host can still say how big the workspace was.
 */
export interface AnalysisProgress {
  stage: 'parsed' | 'built';
  files: number;
  pods?: number;
  nodes?: number;
  services?: number;
}

/**
 * An update carries only what changed since the previous update the worker received; the
 * worker keeps the whole file set, so a keystroke in one file never copies the workspace again.
 */
export interface UpdateArgs {
  /** Increases with every update the host sends; a newer one supersedes the older ones. */
  generation: number;
  /** True when `changed` is the whole file set (first update, after a restart or a rescan). */
  reset: boolean;
  changed: ServiceFile[];
  removed: string[];
  settings: ServiceSettings;
  /**
   * The generation whose diagnostics the host shows right now (0: none, -1: unknown, as after a
   * worker restart). The worker sends diagnostics relative to it, so files whose problems did
   * not change cost nothing; without a known baseline it sends them all (`full`).
   */
  shownGeneration: number;
}

export interface UpdateReply {
  generation: number;
  /** True: `diagnostics` lists every file (replace all). False: only files that changed. */
  full: boolean;
  /**
   * Per file, its diagnostics as text, one JSON object per line (encodeDiagnostics; '' clears
   * the file). Strings cross to the host's thread as one copy, where thousands of objects would
   * be rebuilt there in one go; the host parses them a few files at a time, and only the lines
   * it did not show before (an edit changes a few of a file's problems, not all of them).
   */
  diagnostics: Record<string, string>;
  summary: Summary;
  /** Files the service re-parsed (the others came from its cache). */
  reparsed: string[];
  /** Files in the analysis. */
  files: number;
  /** Milliseconds the worker spent in `update`, measured in the worker. */
  workerMs: number;
  /** Set when the analysis was stopped (worker-limits.ts): the diagnostics hold the `analysis-too-large` finding. */
  tooLarge?: { message: string; reason: 'time' | 'memory' };
}

export type Request =
  | { id: number; method: 'update'; args: UpdateArgs }
  | { id: number; method: QueryMethod; args: unknown[] }
  /** The host no longer wants the answer to request `id` (a newer edit, a closed hover …). */
  | { id: number; method: 'cancel'; args: [] };

export type Response =
  /**
   * `stale`: answered from the previous complete analysis while a newer one was running.
   * `timing` (queries only): where the question's time went in the worker.
   */
  | { id: number; result: unknown; stale?: true; timing?: WorkerTiming }
  | { id: number; error: string }
  /** The request was dropped unanswered: cancelled, or an update a newer one superseded. */
  | { id: number; cancelled: true }
  /** Not an answer yet: how far the update `id` got. */
  | { id: number; progress: AnalysisProgress };

/**
 * A question's time in the worker, measured there: how long it waited in the worker's queue
 * (behind a running update's stage, a precomputation or other questions) and how long the
 * language service took to answer it. The rest of its round trip is messaging.
 */
export interface WorkerTiming {
  queuedMs: number;
  serviceMs: number;
}

export const QUERY_METHODS: readonly QueryMethod[] = [
  'hover', 'codeLenses', 'inlayHints', 'definition', 'references', 'traceTargets', 'traceSources', 'servicePorts', 'trace', 'dataplane', 'nodes', 'connlist', 'matrix',
  'topology', 'traceOverlay', 'replyOverlay',
];

/** A file's diagnostics as UpdateReply carries them: one JSON object per line (JSON text never holds a raw newline). */
export function encodeDiagnostics(list: readonly Diagnostic[]): string {
  return list.map((d) => JSON.stringify(d)).join('\n');
}

/** The lines of encodeDiagnostics' text, one diagnostic's JSON each. */
export function diagnosticLines(text: string): string[] {
  return text === '' ? [] : text.split('\n');
}
