import { buildCluster } from '../../src/core/cluster/build';
import { lintCluster } from '../../src/core/findings/lint';
import { loadManifests } from '../../src/core/manifest/load';
import { adminShadows } from '../../src/core/policy/admin-findings';
import { calicoShadows } from '../../src/core/policy/calico-findings';
import { generateCluster } from './generate';

/**
 * The lint over a built cluster, in a fresh process, as `podpath check` and the editor's
 * analysis pay it: all rules, and the part that checks AdminNetworkPolicy and Calico rules for
 * shadowing (the one that visits pairs). Prints one JSON line.
 * Usage: node out/test/bench/lint-bench.js <pods> <policies> <admin policies> <Calico policies>
 */
export interface LintBenchResult {
  pods: number;
  policies: number;
  adminPolicies: number;
  calicoPolicies: number;
  findings: number;
  /** lintCluster, first run. */
  lintMs: number;
  /** The shadowed-rule checks alone, run again after the lint (the policy classes, made once per cluster, are made by then). */
  adminShadowMs: number;
  calicoShadowMs: number;
  adminShadowed: number;
  calicoShadowed: number;
}

export function runLintBench(pods: number, policies: number, adminPolicies: number, calicoPolicies: number): LintBenchResult {
  const gen = generateCluster(pods, { policies, adminPolicies, calicoPolicies, plugin: 'calico' });
  const cluster = buildCluster(loadManifests(gen.files).manifests);
  global.gc?.();
  let t = performance.now();
  const findings = lintCluster(cluster).length;
  const lintMs = performance.now() - t;
  t = performance.now();
  const admin = adminShadows(cluster).length;
  const adminShadowMs = performance.now() - t;
  t = performance.now();
  const calico = calicoShadows(cluster).length;
  const calicoShadowMs = performance.now() - t;
  return { pods, policies, adminPolicies, calicoPolicies, findings, lintMs, adminShadowMs, calicoShadowMs, adminShadowed: admin, calicoShadowed: calico };
}

if (require.main === module) {
  const [pods, policies, admin, calico] = process.argv.slice(2).map(Number);
  process.stdout.write(JSON.stringify(runLintBench(pods, policies, admin || 0, calico || 0)) + '\n');
}
