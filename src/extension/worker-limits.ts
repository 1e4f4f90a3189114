import type { Diagnostic, Summary } from '../core/service/types';
import { AnalysisProgress, UpdateReply, encodeDiagnostics } from './worker-protocol';

/**
 * What the analysis worker may use, and what the editor says when a workspace needs more. The
 * worker runs untrusted input (a 5 KB manifest can ask for millions of pods; a YAML merge bomb
 * for gigabytes): with a heap limit and a time budget, such a workspace costs the editor one
 * stopped worker and a finding, never an out-of-memory abort of the extension host.
 * Pure (no `vscode`), so the rules are tested in plain Node.
 */

export interface WorkerLimits {
  /** V8 old-generation heap of the worker (worker_threads `resourceLimits.maxOldGenerationSizeMb`). */
  maxMemoryMb: number;
  /** How long one analysis (or one question about it) may take before the worker is stopped. */
  timeBudgetMs: number;
}

export const DEFAULT_LIMITS: WorkerLimits = { maxMemoryMb: 2048, timeBudgetMs: 60_000 };

/** Bounds for the settings: below these the analysis of an ordinary workspace would not fit. */
export const LIMIT_RANGE = { maxMemoryMb: { min: 64, max: 16_384 }, timeBudgetMs: { min: 1_000, max: 600_000 } };

/** `podpath.analysis.*` settings → limits, each clamped to LIMIT_RANGE; anything else → the default. */
export function limitsFrom(maxMemoryMb: unknown, timeBudgetSeconds: unknown): WorkerLimits {
  const clamp = (v: unknown, range: { min: number; max: number }, fallback: number) =>
    typeof v === 'number' && Number.isFinite(v) ? Math.min(range.max, Math.max(range.min, Math.round(v))) : fallback;
  return {
    maxMemoryMb: clamp(maxMemoryMb, LIMIT_RANGE.maxMemoryMb, DEFAULT_LIMITS.maxMemoryMb),
    timeBudgetMs: clamp(typeof timeBudgetSeconds === 'number' ? timeBudgetSeconds * 1000 : undefined, LIMIT_RANGE.timeBudgetMs, DEFAULT_LIMITS.timeBudgetMs),
  };
}

export const TOO_LARGE_CODE = 'analysis-too-large';

/** What was known of the workspace when the worker was stopped. */
export interface TooLarge {
  reason: 'time' | 'memory';
  files: number;
  bytes: number;
  /** Pods (and nodes, services) of the cluster, when the worker got as far as building it. */
  progress?: AnalysisProgress;
  /** How long the analysis had run. */
  ms: number;
  limits: WorkerLimits;
}

const STAGE_WORDS: Record<AnalysisProgress['stage'], string> = { parsed: 'after reading the files', built: 'after building the cluster' };

export function tooLargeMessage(t: TooLarge): string {
  const figures = [`${t.files} file${t.files === 1 ? '' : 's'}`, megabytes(t.bytes)];
  if (t.progress?.pods !== undefined) figures.push(`${t.progress.pods} pods`);
  const why = t.reason === 'time'
    ? `it went over its time budget of ${seconds(t.limits.timeBudgetMs)}`
    : `it needed more than its memory limit of ${t.limits.maxMemoryMb} MB after ${seconds(t.ms)}`;
  const where = t.progress ? ` (${STAGE_WORDS[t.progress.stage]})` : '';
  return `The workspace is too large to analyse in the editor (${figures.join(', ')}): ${why}${where}, so the analysis was stopped. `
    + 'Leave files out with `podpath.exclude`, raise `podpath.analysis.maxMemoryMb` or `podpath.analysis.timeBudgetSeconds`, or run the `podpath` command line.';
}

/**
 * The reply that stands in for an analysis that was stopped: one `analysis-too-large` error on
 * the largest file (the likeliest cause), every other file cleared, an empty summary.
 */
export function tooLargeReply(generation: number, sizes: ReadonlyMap<string, number>, t: TooLarge): UpdateReply {
  const files = [...sizes.keys()].sort();
  let largest = files[0];
  for (const f of files) if ((sizes.get(f) ?? 0) > (sizes.get(largest) ?? 0)) largest = f;
  const diagnostics: Record<string, string> = {};
  for (const f of files) diagnostics[f] = encodeDiagnostics([]);
  const message = tooLargeMessage(t);
  if (largest !== undefined) {
    const d: Diagnostic = { code: TOO_LARGE_CODE, severity: 'error', message, range: { file: largest, start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, fixes: [] };
    diagnostics[largest] = encodeDiagnostics([d]);
  }
  const summary: Summary = {
    files: files.length, nodes: 0, pods: 0, services: 0, policies: 0, network: '', errors: 1, warnings: 0,
    timings: { parse: 0, build: 0, lint: 0, total: Math.round(t.ms) },
  };
  return { generation, full: true, diagnostics, summary, reparsed: [], files: files.length, workerMs: Math.round(t.ms), tooLarge: { message, reason: t.reason } };
}

function megabytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} KB`;
}

function seconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}
