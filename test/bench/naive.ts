import { Cluster, PodInfo } from '../../src/core/cluster/model';
import { cidrContains } from '../../src/core/common/ip';
import { Netns, Route } from '../../src/core/dataplane/model';
import { Rule, Ruleset } from '../../src/core/dataplane/netfilter';

/**
 * Naive reference implementations of the hot paths, written for clarity, so the benchmark can
 * show what the indexes in the core buy: pair-by-pair selector matching, a linear route scan,
 * and a linear walk of KUBE-SERVICES.
 */

/** Endpoints of every Service by testing each Service's selector against every pod. */
export function naiveEndpointCount(cluster: Cluster): number {
  let count = 0;
  for (const s of cluster.services) {
    if (!s.selector) continue;
    for (const p of cluster.pods) {
      if (p.namespace !== s.namespace) continue;
      if (Object.entries(s.selector).every(([k, v]) => p.labels[k] === v)) count++;
    }
  }
  return count;
}

/** Longest-prefix match by scanning every route. */
export function naiveLookupRoute(ns: Netns, dst: string): Route | undefined {
  let best: Route | undefined;
  for (const r of ns.routes) if (cidrContains(r.dst, dst) && (!best || r.dst.prefix > best.dst.prefix)) best = r;
  return best;
}

/** The KUBE-SERVICES rule a packet to `dst:port` hits, by testing every rule in order. */
export function naiveServiceRule(rs: Ruleset, dst: string, port: number): number {
  const chain = rs.tables.get('nat')?.chains.get('KUBE-SERVICES');
  if (!chain) return -1;
  return chain.rules.findIndex((r) => naiveServiceRuleMatches(r, dst, port));
}

export function naiveServiceRuleMatches(r: Rule, dst: string, port: number): boolean {
  const d = r.terms.find((t) => t.m === 'dst');
  const p = r.terms.find((t) => t.m === 'dport');
  return d?.m === 'dst' && (d.cidr === dst || d.cidr === `${dst}/32`) && p?.m === 'dport' && p.port === port;
}

export function samplePods(pods: PodInfo[], n: number): PodInfo[] {
  const out: PodInfo[] = [];
  const step = Math.max(1, Math.floor(pods.length / n));
  for (let i = 0; i < pods.length && out.length < n; i += step) out.push(pods[i]);
  return out;
}
