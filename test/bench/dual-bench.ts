import { buildCluster } from '../../src/core/cluster/build';
import { Dataplane } from '../../src/core/dataplane/dataplane';
import { TraceRequest, tracePacket } from '../../src/core/forward/engine';
import { loadManifests } from '../../src/core/manifest/load';
import { generateCluster } from './generate';
import { samplePods } from './naive';

/**
 * Dual-stack against single-stack, in one process so both meet the same machine load: the
 * same generated cluster with and without an IPv6 range beside each, built alternately
 * (median of several builds) and traced alternately (IPv4 on both, IPv6 on the dual-stack one).
 * Usage: node out/test/bench/dual-bench.js <pods>; prints one JSON line.
 */
export interface DualBenchResult {
  pods: number;
  builds: number;
  singleBuildMs: number;
  dualBuildMs: number;
  singlePodUs: number;
  dualPodUs: number;
  dual6PodUs: number;
  singleServicePathUs: number;
  dualServicePathUs: number;
  dual6ServicePathUs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function runDualBench(size: number, builds = 5): DualBenchResult {
  const single = loadManifests(generateCluster(size).files).manifests;
  const dual = loadManifests(generateCluster(size, { dualStack: true }).files).manifests;
  const times = { single: [] as number[], dual: [] as number[] };
  let clusters = { single: buildCluster(single), dual: buildCluster(dual) };
  for (let i = 0; i < builds; i++) {
    for (const which of i % 2 ? (['dual', 'single'] as const) : (['single', 'dual'] as const)) {
      const t = process.hrtime.bigint();
      const c = buildCluster(which === 'single' ? single : dual);
      times[which].push(Number(process.hrtime.bigint() - t) / 1e6);
      clusters = { ...clusters, [which]: c };
    }
  }
  if (clusters.dual.pods.some((p) => !p.ip6)) throw new Error('a dual-stack pod has no IPv6 address');
  const dps = { single: new Dataplane(clusters.single), dual: new Dataplane(clusters.dual) };
  const pods = samplePods(clusters.single.pods, 200);
  const services = clusters.single.services;
  const requests: TraceRequest[] = pods.map((p, i) => ({ from: p.key, to: i % 2 ? pods[(i * 7 + 3) % pods.length].key : `service:${services[(i * 13) % services.length].key}` }));
  const runs = [
    { name: 'single', dp: dps.single, family: {} },
    { name: 'dual', dp: dps.dual, family: {} },
    { name: 'dual6', dp: dps.dual, family: { family: 6 as const } },
  ];
  // Program every node the traces touch first, so the medians measure tracing.
  for (const r of runs) for (const q of requests) tracePacket(r.dp, { ...q, ...r.family });
  const pod: Record<string, number[]> = { single: [], dual: [], dual6: [] };
  const perPath: Record<string, number[]> = { single: [], dual: [], dual6: [] };
  for (let round = 0; round < 3; round++) {
    for (const q of requests) {
      for (const r of runs) {
        const t = process.hrtime.bigint();
        const res = tracePacket(r.dp, { ...q, ...r.family });
        const us = Number(process.hrtime.bigint() - t) / 1e3;
        if (!res.ok || res.trace.verdict !== 'delivered') throw new Error(`${r.name}: ${res.ok ? res.trace.reason : res.error}`);
        if (q.to.startsWith('service:')) perPath[r.name].push(us / Math.max(1, res.trace.branches.length));
        else pod[r.name].push(us);
      }
    }
  }
  return {
    pods: size, builds,
    singleBuildMs: median(times.single), dualBuildMs: median(times.dual),
    singlePodUs: median(pod.single), dualPodUs: median(pod.dual), dual6PodUs: median(pod.dual6),
    singleServicePathUs: median(perPath.single), dualServicePathUs: median(perPath.dual), dual6ServicePathUs: median(perPath.dual6),
  };
}

if (require.main === module) {
  process.stdout.write(JSON.stringify(runDualBench(Number(process.argv[2]))) + '\n');
}
