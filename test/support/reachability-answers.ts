import { Cluster } from '../../src/core/cluster/model';
import { Reachability } from '../../src/core/policy/reachability';

/**
 * Every answer the views read of a reachability result: each ordered pair of pods' connections
 * and each pod's counts. Two results that answer alike give equal lists.
 */
export function reachabilityAnswers(r: Reachability, c: Cluster): string[] {
  const out: string[] = [];
  const counts = r.counts();
  for (const p of c.pods) {
    const cls = r.classOf(p);
    out.push(`${p.key} reached by ${counts.reachedBy[cls.id]} reaches ${counts.reaches[cls.id]}`);
    for (const q of c.pods) out.push(`${p.key} -> ${q.key}: ${r.allowed(p, q).toString()}`);
  }
  return out;
}
