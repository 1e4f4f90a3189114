import { parseManifestText } from '../../src/core/manifest/parse';
import { generateCluster } from './generate';

/**
 * YAML → objects throughput on the benchmark corpus (Deployments, Services, NetworkPolicies):
 * the reader PodPath uses against the full `yaml` parser it falls back to, same text, same run.
 * Prints one JSON line. Usage: node out/test/bench/parse-bench.js <pods>
 */
export interface ParseBenchResult {
  pods: number;
  megabytes: number;
  plainMBps: number;
  yamlMBps: number;
}

function bestOf(rounds: number, run: () => void): number {
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    run();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

export function runParseBench(pods: number): ParseBenchResult {
  const g = generateCluster(pods, { policies: Math.max(1, pods / 20) });
  const bytes = g.files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
  const mb = bytes / 1048576;
  const objects = (plainReader: boolean) => g.files.reduce((n, f) => n + parseManifestText(f.file, f.text, { plainReader }).objects.length, 0);
  // Both readers must yield the same number of objects, or the comparison means nothing.
  const a = objects(true), b = objects(false);
  if (a !== b) throw new Error(`the readers disagree: ${a} objects against ${b}`);
  // Best of ten: the reader runs warm in the editor (every save), and one run takes ~40 ms.
  const plainMs = bestOf(10, () => objects(true));
  const yamlMs = bestOf(3, () => objects(false));
  return { pods, megabytes: mb, plainMBps: mb / (plainMs / 1000), yamlMBps: mb / (yamlMs / 1000) };
}

if (require.main === module) {
  process.stdout.write(JSON.stringify(runParseBench(Number(process.argv[2]) || 10000)) + '\n');
}
