import { Cluster, PodInfo } from '../cluster/model';
import { policiesOf } from '../policy/evaluate';
import { PolicyInfo, selectsPod } from '../policy/model';

/**
 * NetworkPolicies by key and the pods each selects, for the editor's questions (lenses, hints,
 * Go to Definition): looked up once per cluster instead of once per policy over every pod —
 * 500 policies over 10,000 pods were five million label matches per request.
 */

/** Per cluster: policies by key, each namespace's pods a policy there may select, and what each selects. */
interface PolicyIndex {
  policies: Map<string, PolicyInfo>;
  podsByNamespace: Map<string, LabelGroup[]>;
  selected: Map<PolicyInfo, PodInfo[]>;
}

/** Pods of one namespace with the same labels: one speaks for all (by their places in `cluster.pods`). */
interface LabelGroup {
  pod: PodInfo;
  members: number[];
}

const policyIndexes = new WeakMap<Cluster, PolicyIndex>();

function policyIndex(cluster: Cluster): PolicyIndex {
  let index = policyIndexes.get(cluster);
  if (!index) {
    // Pods grouped by namespace and label set (a workload's replicas are one group): a policy
    // tests each group once.
    const groups = new Map<string, Map<string, LabelGroup>>();
    cluster.pods.forEach((p, order) => {
      if (p.hostNetwork) return; // never selected by a NetworkPolicy
      let byLabels = groups.get(p.namespace);
      if (!byLabels) groups.set(p.namespace, (byLabels = new Map()));
      const key = Object.keys(p.labels).sort().map((k) => `${k}=${p.labels[k]}`).join('\n');
      const g = byLabels.get(key);
      if (g) g.members.push(order); else byLabels.set(key, { pod: p, members: [order] });
    });
    const podsByNamespace = new Map([...groups].map(([ns, byLabels]) => [ns, [...byLabels.values()]]));
    const policies = new Map<string, PolicyInfo>();
    // The first of policies written twice under one key, as a search from the start finds it.
    for (const p of policiesOf(cluster)) if (!policies.has(p.key)) policies.set(p.key, p);
    index = { policies, podsByNamespace, selected: new Map() };
    policyIndexes.set(cluster, index);
  }
  return index;
}

export function policyByKey(cluster: Cluster, key: string): PolicyInfo | undefined {
  return policyIndex(cluster).policies.get(key);
}

/** The pods a NetworkPolicy selects, in cluster order (only its namespace's pods are looked at). */
export function podsSelectedBy(cluster: Cluster, pol: PolicyInfo): PodInfo[] {
  const index = policyIndex(cluster);
  let pods = index.selected.get(pol);
  if (!pods) {
    const order: number[] = [];
    for (const g of index.podsByNamespace.get(pol.namespace) ?? []) if (selectsPod(pol, g.pod)) order.push(...g.members);
    pods = order.sort((a, b) => a - b).map((i) => cluster.pods[i]);
    index.selected.set(pol, pods);
  }
  return pods;
}
