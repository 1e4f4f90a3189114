import { PodInfo } from './model';

const byPods = new WeakMap<readonly PodInfo[], Set<string>>();

/**
 * `name/protocol` of every container port the pods declare, made once per pods list, and per
 * workload's containers within it (its replicas share theirs and sit next to each other). An
 * unnamed port is written `undefined/TCP`: the form a lookup of `${name}/${protocol}` meets.
 * Callers do not change the set.
 */
export function declaredPortNames(pods: readonly PodInfo[]): ReadonlySet<string> {
  let names = byPods.get(pods);
  if (!names) {
    names = new Set<string>();
    let lastContainers: unknown;
    for (const pod of pods) {
      if (pod.containers === lastContainers) continue;
      lastContainers = pod.containers;
      for (const cp of pod.ports) names.add(`${cp.name}/${cp.protocol}`);
    }
    byPods.set(pods, names);
  }
  return names;
}
