import { Cluster, PodInfo } from '../cluster/model';
import { policiesOf } from '../policy/evaluate';
import { PolicyInfo, selectsPod } from '../policy/model';

/**
 * NetworkPolicies by key and the pods each selects, for the editor's questions (lenses, hints,
 * Go to Definition): looked up once per cluster instead of once per policy over every pod —
 * 500 policies over 10,000 pods were five million label matches per request.
 */

/** Per cluster: policies by key; per pods list, the label groups and what each selector selects. */
interface PolicyIndex {
  policies: Map<string, PolicyInfo>;
  pods: PodsIndex;
}

/**
 * What depends on the pods list alone, kept per list: an edit that leaves every pod as it was
 * (a policy, a Service, a comment) builds a cluster with the very same list, whose groups and
 * selections are then taken over instead of walking 10,000 pods again.
 */
interface PodsIndex {
  podsByNamespace: Map<string, LabelGroup[]>;
  /** By namespace and podSelector (as JSON): the pods selected, in cluster order. */
  selected: Map<string, PodInfo[]>;
}

/** Pods of one namespace with the same labels: one speaks for all (by their places in `cluster.pods`). */
interface LabelGroup {
  pod: PodInfo;
  members: number[];
}

const policyIndexes = new WeakMap<Cluster, PolicyIndex>();
const podsIndexes = new WeakMap<PodInfo[], PodsIndex>();

function podsIndex(pods: PodInfo[]): PodsIndex {
  let index = podsIndexes.get(pods);
  if (!index) {
    // Pods grouped by namespace and label set (a workload's replicas are one group): a policy
    // tests each group once.
    const groups = new Map<string, Map<string, LabelGroup>>();
    pods.forEach((p, order) => {
      if (p.hostNetwork) return; // never selected by a NetworkPolicy
      let byLabels = groups.get(p.namespace);
      if (!byLabels) groups.set(p.namespace, (byLabels = new Map()));
      const key = Object.keys(p.labels).sort().map((k) => `${k}=${p.labels[k]}`).join('\n');
      const g = byLabels.get(key);
      if (g) g.members.push(order); else byLabels.set(key, { pod: p, members: [order] });
    });
    index = { podsByNamespace: new Map([...groups].map(([ns, byLabels]) => [ns, [...byLabels.values()]])), selected: new Map() };
    podsIndexes.set(pods, index);
  }
  return index;
}

function policyIndex(cluster: Cluster): PolicyIndex {
  let index = policyIndexes.get(cluster);
  if (!index) {
    const policies = new Map<string, PolicyInfo>();
    // The first of policies written twice under one key, as a search from the start finds it.
    for (const p of policiesOf(cluster)) if (!policies.has(p.key)) policies.set(p.key, p);
    index = { policies, pods: podsIndex(cluster.pods) };
    policyIndexes.set(cluster, index);
  }
  return index;
}

export function policyByKey(cluster: Cluster, key: string): PolicyInfo | undefined {
  return policyIndex(cluster).policies.get(key);
}

/**
 * The pods a NetworkPolicy selects, in cluster order (only its namespace's pods are looked at).
 * Which pods a policy selects depends on its namespace and podSelector alone (selectsPod).
 */
export function podsSelectedBy(cluster: Cluster, pol: PolicyInfo): PodInfo[] {
  const index = policyIndex(cluster).pods;
  const key = `${pol.namespace}\u0000${JSON.stringify(pol.podSelector)}`;
  let pods = index.selected.get(key);
  if (!pods) {
    const order: number[] = [];
    for (const g of index.podsByNamespace.get(pol.namespace) ?? []) if (selectsPod(pol, g.pod)) order.push(...g.members);
    pods = order.sort((a, b) => a - b).map((i) => cluster.pods[i]);
    index.selected.set(key, pods);
  }
  return pods;
}
