import { execFileSync } from 'child_process';
import * as path from 'path';
import { CoreBenchResult } from './core-bench';

/**
 * `npm run bench`: each size in a fresh process (so peak memory is that size's alone), then
 * one table. Sizes can be narrowed: `npm run bench -- 100 1000`.
 */
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const SIZES = sizes.length ? sizes : [100, 1000, 10000, 100000];

function fmt(n: number, digits = 1): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padStart(widths[i])).join(' | ') + ' |';
  return [line(headers), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}

const results: CoreBenchResult[] = [];
for (const size of SIZES) {
  const out = execFileSync(process.execPath, ['--max-old-space-size=8192', path.join(__dirname, 'core-bench.js'), String(size)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  results.push(JSON.parse(out.trim().split('\n').pop()!));
  process.stderr.write(`  measured ${size} pods\n`);
}

console.log('\nForwarding core: manifests → cluster → traces (flannel vxlan, kube-proxy iptables, 10 replicas per Service)\n');
console.log(table(
  ['pods', 'nodes', 'services', 'parse ms', 'build ms', 'first trace ms', 'trace median µs', 'trace p95 µs', 'peak RSS MB'],
  results.map((r) => [String(r.pods), String(r.nodes), String(r.services), fmt(r.parseMs), fmt(r.buildMs), fmt(r.firstTraceMs), fmt(r.traceMedianUs), fmt(r.traceP95Us), fmt(r.peakRssMB, 0)]),
));
console.log('\nCore against the naive reference (same input, same run)\n');
console.log(table(
  ['pods', 'build incl. endpoints ms', 'naive endpoints alone ms', 'route lookup µs', 'naive route µs', 'Service lookup µs', 'naive linear scan µs'],
  results.map((r) => [String(r.pods), fmt(r.endpointsCoreMs), fmt(r.endpointsNaiveMs), fmt(r.routeCoreUs, 2), fmt(r.routeNaiveUs, 2), fmt(r.serviceRuleCoreUs, 2), fmt(r.serviceRuleNaiveUs, 2)]),
));
console.log('\nTargets: 10,000 pods built in under 500 ms; a trace in under 100 µs median once built.');
const at10k = results.find((r) => r.pods === 10000);
if (at10k) console.log(`At 10,000 pods: build ${fmt(at10k.buildMs)} ms (${at10k.buildMs < 500 ? 'met' : 'MISSED'}), trace median ${fmt(at10k.traceMedianUs)} µs (${at10k.traceMedianUs < 100 ? 'met' : 'MISSED'}).`);
