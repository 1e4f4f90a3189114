import { buildCluster } from '../../src/core/cluster/build';
import { Cluster } from '../../src/core/cluster/model';
import { Dataplane } from '../../src/core/dataplane/dataplane';
import { tracePacket } from '../../src/core/forward/engine';
import { loadManifests } from '../../src/core/manifest/load';
import { generateCluster } from './generate';
import { samplePods } from './naive';

/**
 * kube-proxy iptables mode against nftables mode on the same generated cluster: building the
 * cluster, programming every node (CNI and kube-proxy rules), and tracing pod → Service and
 * pod → pod once built. Both modes run in one process, interleaved request by request (which
 * goes first alternates), so a busy machine slows both alike and the ratio stays fair; each
 * figure is the best of its rounds (build, program) or the median over all rounds (traces, as
 * CPU time: on a shared machine other processes' load would otherwise outweigh the modes).
 * Usage: node out/test/bench/proxy-bench.js <pods>
 */
export interface ProxyModeResult {
  mode: 'iptables' | 'nftables';
  buildMs: number;
  /** Every node programmed: devices, routes, CNI rules and kube-proxy's rules. */
  programMs: number;
  serviceTraceMedianUs: number;
  serviceTracePerPathUs: number;
  podTraceMedianUs: number;
}

export interface ProxyBenchResult {
  pods: number;
  services: number;
  modes: ProxyModeResult[];
}

const MODES = ['iptables', 'nftables'] as const;

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function runProxyBench(size: number, rounds = 3): ProxyBenchResult {
  const loads = MODES.map((mode) => loadManifests(generateCluster(size, { proxy: mode }).files));
  const build = MODES.map(() => Infinity);
  const program = MODES.map(() => Infinity);
  const clusters: Cluster[] = [];
  const planes: Dataplane[] = [];
  for (let round = 0; round < rounds; round++) {
    MODES.forEach((mode, m) => {
      let t = process.hrtime.bigint();
      const cluster = buildCluster(loads[m].manifests);
      build[m] = Math.min(build[m], ms(t));
      if (cluster.config.kubeProxyMode !== mode) throw new Error(`expected kube-proxy mode ${mode}`);
      const dp = new Dataplane(cluster);
      t = process.hrtime.bigint();
      dp.all();
      program[m] = Math.min(program[m], ms(t));
      clusters[m] = cluster;
      planes[m] = dp;
    });
  }
  // The same requests in both modes (pod keys and Service keys do not depend on the mode).
  const pods = samplePods(clusters[0].pods, 200);
  const services = clusters[0].services;
  const requests = pods.map((p, i) => ({ from: p.key, to: i % 2 ? pods[(i * 7 + 3) % pods.length].key : `service:${services[(i * 13) % services.length].key}` }));
  const service = MODES.map(() => [] as number[]);
  const pod = MODES.map(() => [] as number[]);
  const paths = MODES.map(() => 0);
  const traces = MODES.map(() => 0);
  for (let round = -1; round < 5; round++) {
    for (const [k, r] of requests.entries()) {
      // Alternate which mode goes first, so neither always inherits the other's garbage.
      const order = (k + round) % 2 === 0 ? [0, 1] : [1, 0];
      order.forEach((m) => {
        const mode = MODES[m];
        // CPU time, not wall time: on a shared machine other processes would otherwise decide.
        const s = process.cpuUsage();
        const res = tracePacket(planes[m], r);
        const d = process.cpuUsage(s);
        const us = d.user + d.system;
        if (!res.ok || res.trace.verdict !== 'delivered') throw new Error(`${mode}: ${r.from} → ${r.to}: ${res.ok ? res.trace.reason : res.error}`);
        if (round < 0) return; // the warm-up round programs nothing new but lets the JIT settle
        if (r.to.startsWith('service:')) {
          service[m].push(us);
          paths[m] += Math.max(1, res.trace.branches.length);
          traces[m]++;
        } else {
          pod[m].push(us);
        }
      });
    }
  }
  return {
    pods: size, services: services.length,
    modes: MODES.map((mode, m) => ({
      mode, buildMs: build[m], programMs: program[m],
      serviceTraceMedianUs: median(service[m]), serviceTracePerPathUs: median(service[m]) / (paths[m] / traces[m]), podTraceMedianUs: median(pod[m]),
    })),
  };
}

if (require.main === module) {
  process.stdout.write(JSON.stringify(runProxyBench(Number(process.argv[2]))) + '\n');
}
