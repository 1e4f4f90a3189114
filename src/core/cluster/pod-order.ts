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
