import { PodInfo } from './model';

/**
 * The order a built cluster keeps its pods in (namespace, then name: the key order), and
 * lookups that lean on it. Incremental steps compare two such lists in one walk and find a pod
 * in a namespace's list by halving.
 */

/** Negative, zero or positive as `a` comes before, with or after `b` in key order. */
export function comparePodKeys(a: PodInfo, b: PodInfo): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Per pods list: whether it is in key order with each key once, as a built cluster's is. */
const ordered = new WeakMap<readonly PodInfo[], boolean>();

/** Whether a pods list is in key order with each key once; walked once per list. */
export function inPodKeyOrder(pods: readonly PodInfo[]): boolean {
  let known = ordered.get(pods);
  if (known === undefined) {
    known = true;
    for (let i = 1; i < pods.length && known; i++) if (comparePodKeys(pods[i - 1], pods[i]) >= 0) known = false;
    ordered.set(pods, known);
  }
  return known;
}

/** Records that a list is in key order with each key once (a build made it so), sparing the walk. */
export function knownInPodKeyOrder(pods: readonly PodInfo[]): void {
  ordered.set(pods, true);
}

/** The first position in a list in name order whose pod's name is not before `name`. */
export function nameIndex(list: readonly PodInfo[], name: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].name < name) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/**
 * Walks two pod lists in key order (each key once) side by side, in one pass: `gone` gets each
 * pod of `before` that is not in `after` or is replaced there, `came` each pod of `after` that is
 * new or a replacement. A pod that is the same object in both is skipped, and so is a pair of the
 * same key that `alike` calls alike.
 */
export function diffInKeyOrder(
  before: readonly PodInfo[], after: readonly PodInfo[],
  gone: (p: PodInfo) => void, came: (p: PodInfo) => void, alike?: (old: PodInfo, now: PodInfo) => boolean,
): void {
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const a = before[i];
    const b = after[j];
    if (a === b) { i++; j++; continue; }
    const order = !a ? 1 : !b ? -1 : comparePodKeys(a, b);
    if (order === 0 && alike?.(a, b)) { i++; j++; continue; }
    if (order <= 0) { gone(a); i++; }
    if (order >= 0) { came(b); j++; }
  }
}
