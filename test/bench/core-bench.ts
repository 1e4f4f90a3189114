import { buildCluster } from '../../src/core/cluster/build';
import { Dataplane } from '../../src/core/dataplane/dataplane';
import { candidateRules } from '../../src/core/dataplane/netfilter-eval';
import { lookupRoute } from '../../src/core/dataplane/routing';
import { tracePacket } from '../../src/core/forward/engine';
import { loadManifests } from '../../src/core/manifest/load';
import { generateCluster } from './generate';
import { naiveEndpointCount, naiveLookupRoute, naiveServiceRule, naiveServiceRuleMatches, samplePods } from './naive';

/**
 * One benchmark size, run in its own process so peak memory is its own. Prints one JSON line.
 * Usage: node out/test/bench/core-bench.js <pods>
 */
export interface CoreBenchResult {
  pods: number;
  nodes: number;
  services: number;
  parseMs: number;
  buildMs: number;
  firstTraceMs: number;
  /** Pod → pod on another node: one path. */
  podTraceMedianUs: number;
  podTraceP95Us: number;
  /** Pod → Service: one path per backend (10 here), so per path is the fair comparison. */
  serviceTraceMedianUs: number;
  serviceTracePerPathUs: number;
  peakRssMB: number;
  endpointsCoreMs: number;
  endpointsNaiveMs: number;
  routeCoreUs: number;
  routeNaiveUs: number;
  serviceRuleCoreUs: number;
  serviceRuleNaiveUs: number;
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))];
}

export function runCoreBench(size: number): CoreBenchResult {
  let peak = 0;
  const sample = () => { peak = Math.max(peak, process.memoryUsage().rss); };
  const gen = generateCluster(size);
  sample();
  let t = process.hrtime.bigint();
  const load = loadManifests(gen.files);
  const parseMs = ms(t);
  sample();
  t = process.hrtime.bigint();
  const cluster = buildCluster(load.manifests);
  const buildMs = ms(t);
  sample();
  if (cluster.pods.length !== size) throw new Error(`expected ${size} pods, built ${cluster.pods.length}: ${cluster.findings.slice(0, 3).map((f) => f.message).join('; ')}`);
  const dp = new Dataplane(cluster);

  // Pairs of pods on different nodes, and pod → Service, sampled across the cluster.
  const pods = samplePods(cluster.pods, 200);
  const services = cluster.services;
  t = process.hrtime.bigint();
  const first = tracePacket(dp, { from: pods[0].key, to: `service:${services[0].key}` });
  const firstTraceMs = ms(t);
  if (!first.ok || first.trace.verdict !== 'delivered') throw new Error(`first trace failed: ${first.ok ? first.trace.reason : first.error}`);
  // Program the nodes the timed traces touch, so the median measures tracing, not programming.
  const requests = pods.map((p, i) => ({ from: p.key, to: i % 2 ? pods[(i * 7 + 3) % pods.length].key : `service:${services[(i * 13) % services.length].key}` }));
  for (const r of requests) tracePacket(dp, r);
  sample();
  const podLatencies: number[] = [];
  const serviceLatencies: number[] = [];
  let paths = 0, serviceTraces = 0;
  for (let round = 0; round < 3; round++) {
    for (const r of requests) {
      const s = process.hrtime.bigint();
      const res = tracePacket(dp, r);
      const us = Number(process.hrtime.bigint() - s) / 1e3;
      if (!res.ok) throw new Error(res.error);
      if (r.to.startsWith('service:')) {
        serviceLatencies.push(us);
        paths += Math.max(1, res.trace.branches.length);
        serviceTraces++;
      } else {
        podLatencies.push(us);
      }
    }
  }
  sample();

  t = process.hrtime.bigint();
  const naiveCount = naiveEndpointCount(cluster);
  const endpointsNaiveMs = ms(t);
  t = process.hrtime.bigint();
  // The core computes endpoints inside buildCluster; rebuilding measures it with everything else.
  buildCluster(load.manifests);
  const endpointsCoreMs = ms(t);
  const coreCount = cluster.services.reduce((n, s) => n + (s.ports[0]?.endpoints.length ?? 0), 0);
  if (coreCount !== naiveCount) throw new Error(`endpoint counts differ: core ${coreCount}, naive ${naiveCount}`);

  const node = dp.node(cluster.nodes[0].name)!;
  const targets = pods.map((p) => p.ip);
  const loops = 20;
  t = process.hrtime.bigint();
  for (let i = 0; i < loops; i++) for (const ip of targets) lookupRoute(node.root, ip);
  const routeCoreUs = (ms(t) * 1000) / (loops * targets.length);
  t = process.hrtime.bigint();
  for (let i = 0; i < loops; i++) for (const ip of targets) naiveLookupRoute(node.root, ip);
  const routeNaiveUs = (ms(t) * 1000) / (loops * targets.length);

  const vips = services.slice(0, 200).map((s) => s.clusterIP!);
  // Finding the KUBE-SERVICES rule for a Service address: the evaluator's per-chain index
  // (candidates, then the same match test the naive scan does) against testing every rule.
  const kubeServices = node.netfilter.tables.get('nat')!.chains.get('KUBE-SERVICES')!;
  t = process.hrtime.bigint();
  for (let i = 0; i < loops; i++) for (const ip of vips) candidateRules(kubeServices, ip).find((k) => naiveServiceRuleMatches(kubeServices.rules[k], ip, 80));
  const serviceRuleCoreUs = (ms(t) * 1000) / (loops * vips.length);
  t = process.hrtime.bigint();
  for (let i = 0; i < loops; i++) for (const ip of vips) naiveServiceRule(node.netfilter, ip, 80);
  const serviceRuleNaiveUs = (ms(t) * 1000) / (loops * vips.length);
  sample();

  return {
    pods: size, nodes: cluster.nodes.length, services: services.length, parseMs, buildMs, firstTraceMs,
    podTraceMedianUs: median(podLatencies), podTraceP95Us: p95(podLatencies),
    serviceTraceMedianUs: median(serviceLatencies), serviceTracePerPathUs: median(serviceLatencies) / (paths / serviceTraces),
    peakRssMB: peak / 1048576,
    endpointsCoreMs, endpointsNaiveMs, routeCoreUs, routeNaiveUs, serviceRuleCoreUs, serviceRuleNaiveUs,
  };
}

if (require.main === module) {
  const size = Number(process.argv[2]);
  process.stdout.write(JSON.stringify(runCoreBench(size)) + '\n');
}
