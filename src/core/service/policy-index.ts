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
  podsByNamespace: Map<string, PodInfo[]>;
  selected: Map<PolicyInfo, PodInfo[]>;
}

const policyIndexes = new WeakMap<Cluster, PolicyIndex>();

function policyIndex(cluster: Cluster): PolicyIndex {
  let index = policyIndexes.get(cluster);
  if (!index) {
    const podsByNamespace = new Map<string, PodInfo[]>();
    for (const p of cluster.pods) {
      if (p.hostNetwork) continue; // never selected by a NetworkPolicy
      const list = podsByNamespace.get(p.namespace);
      if (list) list.push(p); else podsByNamespace.set(p.namespace, [p]);
    }
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
    pods = (index.podsByNamespace.get(pol.namespace) ?? []).filter((p) => selectsPod(pol, p));
    index.selected.set(pol, pods);
  }
  return pods;
}
