import { LanguageService } from '../../src/core/service/language-service';
import { ServiceFile } from '../../src/core/service/types';
import { generateCluster } from './generate';

/**
 * The language service (parse, build, lint, diagnostics; no editor) on a generated workspace
 * with every policy API: opened once, then one edit of each kind, each update timed in turn —
 * a NetworkPolicy's port, an AdminNetworkPolicy's port, a Calico rule's action, a pod label. The
 * policy APIs' findings check rules for shadowing, the part of an update that grows with pods
 * times rules. Prints one JSON line.
 * Usage: node out/test/bench/policy-edit-bench.js <pods> <policies> <admin policies> <Calico policies>
 */
export interface PolicyEditBenchResult {
  pods: number;
  policies: number;
  adminPolicies: number;
  calicoPolicies: number;
  /** Update milliseconds by what was done: open, then each edit. */
  updates: Record<string, number>;
  diagnostics: number;
}

const EDITS: [string, string, string, string][] = [
  ['NetworkPolicy port', 'policies.yaml', 'ports: [{port: http}]', 'ports: [{port: 8080}]'],
  ['AdminNetworkPolicy port', 'admin-policies.yaml', 'port: 9090}', 'port: 9091}'],
  ['Calico rule action', 'calico-policies.yaml', '- {action: Pass}', '- {action: Deny}'],
  ['pod label', 'apps.yaml', 'tier: web', 'tier: webb'],
];

export function runPolicyEditBench(pods: number, policies: number, adminPolicies: number, calicoPolicies: number): PolicyEditBenchResult {
  const g = generateCluster(pods, { policies, adminPolicies, calicoPolicies, plugin: 'calico' });
  let files: ServiceFile[] = g.files.map((f) => ({ file: f.file, text: f.text }));
  const service = new LanguageService();
  const updates: Record<string, number> = {};
  const timed = (label: string) => {
    const t = performance.now();
    service.update(files, {});
    updates[label] = performance.now() - t;
  };
  timed('open');
  for (const [label, file, from, to] of EDITS) {
    const f = files.find((x) => x.file === file);
    if (!f || !f.text.includes(from)) throw new Error(`${file} holds no ${from}`);
    files = files.map((x) => (x === f ? { file, text: f.text.replace(from, to) } : x));
    timed(label);
  }
  const diagnostics = Object.values(service.update(files, {}).diagnostics).reduce((n, d) => n + d.length, 0);
  return { pods, policies, adminPolicies, calicoPolicies, updates, diagnostics };
}

if (require.main === module) {
  const [pods, policies, admin, calico] = process.argv.slice(2).map(Number);
  process.stdout.write(JSON.stringify(runPolicyEditBench(pods, policies, admin || 0, calico || 0)) + '\n');
}
