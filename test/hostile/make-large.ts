/**
 * Hostile manifests, small for the tests and large for measuring by hand:
 *
 *   npm run compile && node out/test/hostile/make-large.js /tmp/hostile
 *   /usr/bin/time -v node out/test/hostile/make-large.js --analyze /tmp/hostile/merge-keys.yaml
 *
 * writes the large files into the folder, or analyses one file and prints time and peak memory.
 */
import * as fs from 'fs';
import * as path from 'path';

/** A ConfigMap whose `base` map of `keys` keys is merged (`<<: *a`) into `merges` other maps. */
export function mergeKeyFile(keys: number, merges: number): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: merges}', 'data:', '  base: &a'];
  for (let i = 0; i < keys; i++) lines.push(`    k${i}: v`);
  for (let i = 0; i < merges; i++) lines.push(`  m${i}: {<<: *a}`);
  return lines.join('\n') + '\n';
}

/** A Pod with `count` distinct labels. */
export function manyLabelsFile(count: number): string {
  const lines = ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: labels', '  labels:'];
  for (let i = 0; i < count; i++) lines.push(`    l${i}: v`);
  lines.push('spec: {containers: [{name: c}]}');
  return lines.join('\n') + '\n';
}

/** `workloads` Deployments of `replicas` replicas each. */
export function manyReplicasFile(workloads: number, replicas: number): string {
  const docs: string[] = [];
  for (let i = 0; i < workloads; i++) {
    docs.push([
      'apiVersion: apps/v1', 'kind: Deployment', `metadata: {name: d${i}}`, 'spec:', `  replicas: ${replicas}`,
      `  selector: {matchLabels: {app: d${i}}}`, '  template:', `    metadata: {labels: {app: d${i}}}`, '    spec: {containers: [{name: c}]}',
    ].join('\n'));
  }
  return docs.join('\n---\n') + '\n';
}

function main(argv: string[]): void {
  if (argv[0] === '--analyze') {
    // Loaded lazily so that writing the files does not need the compiled core.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { analyzeSources } = require('../../src/core/analyze') as typeof import('../../src/core/analyze');
    const file = argv[1];
    const t0 = process.hrtime.bigint();
    const a = analyzeSources([{ file, text: fs.readFileSync(file, 'utf8') }]);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const codes = [...new Set(a.findings.map((f) => f.code))].sort().join(',') || '(none)';
    console.log(`${path.basename(file)}: ${(ms / 1000).toFixed(2)} s, pods ${a.cluster.pods.length}, findings ${a.findings.length} [${codes}], rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
    return;
  }
  const dir = argv[0] ?? 'hostile-large';
  fs.mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    ['merge-keys.yaml', mergeKeyFile(100000, 999)],
    ['merge-keys-small.yaml', mergeKeyFile(20000, 999)],
    ['labels-25k.yaml', manyLabelsFile(25000)],
    ['labels-50k.yaml', manyLabelsFile(50000)],
    ['labels-100k.yaml', manyLabelsFile(100000)],
    ['labels-1m.yaml', manyLabelsFile(1000000)],
    ['replicas-20x100k.yaml', manyReplicasFile(20, 100000)],
  ];
  for (const [name, text] of files) {
    fs.writeFileSync(path.join(dir, name), text);
    console.log(`${path.join(dir, name)}: ${Buffer.byteLength(text)} bytes`);
  }
}

if (require.main === module) main(process.argv.slice(2));
