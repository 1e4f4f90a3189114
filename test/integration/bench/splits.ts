/**
 * Where a provider question's time goes, per call: the editor's round trip (the command's whole
 * time minus the time inside PodPath's provider), PodPath's host work (naming the file, turning
 * the answer into the editor's objects, waiting on the analysis), and the worker's part (its queue,
 * that is a running update or precomputation, and the language service itself; the rest is messaging).
 * Alongside, the same question to a provider that answers at once (floors.ts).
 */
import type { ProviderTiming } from '../../../src/extension/provider-timings';

export interface ProviderSample {
  /** executeXProvider's whole time, seen by the caller. */
  wallMs: number;
  /** The same command for the floor provider, asked right after. */
  floorMs: number;
  /** PodPath's record of the call, when the provider was called (it always is for a manifest). */
  timing?: ProviderTiming;
}

export interface Stats {
  median: number;
  p95: number;
  max: number;
  n: number;
}

export function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const r = (x: number) => Math.round(x * 10) / 10;
  return s.length ? { median: r(at(0.5)), p95: r(at(0.95)), max: r(s[s.length - 1]), n: s.length } : { median: 0, p95: 0, max: 0, n: 0 };
}

export interface ProviderSplit {
  wall: Stats;
  floor: Stats;
  /** wall − time inside PodPath's provider: the editor's round trip for this call. */
  editor: Stats;
  /** Inside PodPath's provider. */
  host: Stats;
  file: Stats;
  answer: Stats;
  convert: Stats;
  /** Of the answers the worker was asked for (source `worker`): its queue, its service time, messaging, the host's own wait around it. */
  workerQueued: Stats;
  workerService: Stats;
  messaging: Stats;
  /** Of the answers the worker was asked for: the host's wait beyond the worker's round trip (the event loop, promise turns). */
  hostWait: Stats;
  /** How the answers were found. */
  sources: Record<string, number>;
}

export function splitOf(samples: ProviderSample[]): ProviderSplit {
  const timed = samples.filter((s) => s.timing);
  const asked = timed.filter((s) => s.timing!.worker);
  const sources: Record<string, number> = {};
  for (const s of timed) sources[s.timing!.source] = (sources[s.timing!.source] ?? 0) + 1;
  return {
    wall: stats(samples.map((s) => s.wallMs)),
    floor: stats(samples.map((s) => s.floorMs)),
    editor: stats(timed.map((s) => s.wallMs - s.timing!.totalMs)),
    host: stats(timed.map((s) => s.timing!.totalMs)),
    file: stats(timed.map((s) => s.timing!.fileMs)),
    answer: stats(timed.map((s) => s.timing!.answerMs)),
    convert: stats(timed.map((s) => s.timing!.convertMs)),
    workerQueued: stats(asked.map((s) => s.timing!.worker!.queuedMs)),
    workerService: stats(asked.map((s) => s.timing!.worker!.serviceMs)),
    messaging: stats(asked.map((s) => s.timing!.worker!.roundTripMs - s.timing!.worker!.queuedMs - s.timing!.worker!.serviceMs)),
    hostWait: stats(asked.map((s) => s.timing!.answerMs - s.timing!.worker!.roundTripMs)),
    sources,
  };
}
