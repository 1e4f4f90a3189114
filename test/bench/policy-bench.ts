import { buildCluster } from '../../src/core/cluster/build';
import { loadManifests } from '../../src/core/manifest/load';
import { computeReachability } from '../../src/core/policy/reachability';
import { naiveConnSet, portBoundaries } from '../support/naive-policy';
import { generateCluster } from './generate';

/**
 * One NetworkPolicy benchmark size in its own process: the full matrix (classes, per-class
 * peer indexes and the all-pairs reach counts) against the naive pair-by-pair reference.
 * Usage: node out/test/bench/policy-bench.js <pods> <policies> <naive sources, 0 = none> [admin policies] [Calico GlobalNetworkPolicies]
 */
export interface PolicyBenchResult {
  pods: number;
  policies: number;
  /** AdminNetworkPolicies (plus the baseline `default` when there are any). */
  adminPolicies: number;
  /** Calico GlobalNetworkPolicies (in a `platform` tier). */
  calicoPolicies: number;
  classes: number;
  /** First computation in a fresh process (includes JIT warm-up), as a CLI run sees it. */
  matrixMs: number;
  /** The first computation as one `podpath` run pays it: fresh processes with the CLI's V8 flags (median of three; set by the runner). */
  cliMatrixMs?: number;
  /** The second computation in that process, as the editor's worker sees it on the first save after it computed the matrix once. */
  secondMatrixMs: number;
  /** Median of the last five of ten more runs, as the editor (a long-lived process) sees it on each save. */
  warmMatrixMs: number;
  peakRssMB: number;
  /** Memory the matrix itself adds over the built cluster. */
  matrixRssMB: number;
  /** Naive time for all pairs, extrapolated from `naiveSources` sources × every destination. */
  naiveMs?: number;
  naiveSources?: number;
  /** Both agree on the sampled sources' reach counts. */
  agrees?: boolean;
}

export function runPolicyBench(pods: number, policies: number, naiveSources: number, adminPolicies = 0, calicoPolicies = 0): PolicyBenchResult {
  const gen = generateCluster(pods, { policies, adminPolicies, calicoPolicies, plugin: 'calico' });
  const cluster = buildCluster(loadManifests(gen.files).manifests);
  // The row must measure the pods it names (100 a node fill a Calico node's first /26 block: see calico-blocks.ts).
  if (cluster.pods.length !== pods) throw new Error(`expected ${pods} pods placed, got ${cluster.pods.length}`);
  if (cluster.policies.length !== policies) throw new Error(`expected ${policies} policies, got ${cluster.policies.length}`);
  const admins = (cluster.adminPolicies ?? []).filter((p) => p.kind === 'AdminNetworkPolicy' && !p.invalid).length;
  if (admins !== adminPolicies) throw new Error(`expected ${adminPolicies} AdminNetworkPolicies, got ${admins}`);
  const calicos = (cluster.calicoPolicies ?? []).filter((p) => !p.invalid).length;
  if (calicos !== calicoPolicies) throw new Error(`expected ${calicoPolicies} Calico policies, got ${calicos}`);
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const t = process.hrtime.bigint();
  const reach = computeReachability(cluster);
  const { reaches } = reach.counts();
  const matrixMs = Number(process.hrtime.bigint() - t) / 1e6;
  peak = Math.max(peak, process.memoryUsage().rss);
  // The engine keeps getting faster over its first runs while V8 compiles its hot functions
  // (run 2 is often several times run 10). An editor's worker computes it on every save, so the
  // figure is the median of the last five of ten runs; the first run is `matrixMs`, the second
  // `secondMatrixMs`.
  const warm: number[] = [];
  for (let i = 0; i < 10; i++) {
    const w = process.hrtime.bigint();
    computeReachability(cluster).counts();
    warm.push(Number(process.hrtime.bigint() - w) / 1e6);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const settled = warm.slice(-5).sort((a, b) => a - b);
  const result: PolicyBenchResult = { pods, policies, adminPolicies, calicoPolicies, classes: reach.classes.length, matrixMs, secondMatrixMs: warm[0], warmMatrixMs: settled[2], peakRssMB: peak / 1048576, matrixRssMB: (peak - before) / 1048576 };
  if (naiveSources > 0) {
    const boundaries = portBoundaries(cluster);
    const step = Math.max(1, Math.floor(cluster.pods.length / naiveSources));
    const sources = cluster.pods.filter((_, i) => i % step === 0).slice(0, naiveSources);
    let agrees = true;
    const n0 = process.hrtime.bigint();
    for (const src of sources) {
      let count = 0;
      for (const dst of cluster.pods) if (dst !== src && !naiveConnSet(cluster, src, dst, boundaries).isEmpty()) count++;
      const c = reach.classOf(src);
      if (c.representative === src && count !== reaches[c.id]) agrees = false;
    }
    const sampleMs = Number(process.hrtime.bigint() - n0) / 1e6;
    result.naiveMs = (sampleMs * cluster.pods.length) / sources.length;
    result.naiveSources = sources.length;
    result.agrees = agrees;
  }
  return result;
}

if (require.main === module) {
  const [pods, policies, naive, admin, calico] = process.argv.slice(2).map(Number);
  process.stdout.write(JSON.stringify(runPolicyBench(pods, policies, naive, admin || 0, calico || 0)) + '\n');
}
