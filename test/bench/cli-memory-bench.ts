import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateCluster } from './generate';

/**
 * Peak memory of the whole `podpath check` process on a generated workspace: the files are
 * written to a folder and the CLI runs in its own process, as in CI.
 * Prints one JSON line. Usage: node out/test/bench/cli-memory-bench.js <pods>
 */
export interface CliMemoryResult {
  pods: number;
  megabytes: number;
  peakRssMB: number;
  seconds: number;
  exitCode: number | null;
}

export function runCliMemoryBench(pods: number): CliMemoryResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-cli-mem-'));
  try {
    const g = generateCluster(pods, { policies: Math.max(1, pods / 20) });
    let bytes = 0;
    for (const f of g.files) {
      fs.writeFileSync(path.join(dir, f.file), f.text);
      bytes += Buffer.byteLength(f.text);
    }
    const rssFile = path.join(dir, 'max-rss');
    const main = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
    const t = performance.now();
    const r = spawnSync(process.execPath, ['--max-old-space-size=8192', '-r', path.join(__dirname, 'max-rss.js'), '-e', `require(${JSON.stringify(main)}).main(${JSON.stringify(['check', '--format', 'json', dir])})`], {
      env: { ...process.env, PODPATH_MAX_RSS_OUT: rssFile },
      maxBuffer: 1 << 30,
      encoding: 'utf8',
    });
    const seconds = (performance.now() - t) / 1000;
    if (!fs.existsSync(rssFile)) throw new Error(`podpath check did not finish: ${r.error ?? r.stderr}`);
    return { pods, megabytes: bytes / 1048576, peakRssMB: Number(fs.readFileSync(rssFile, 'utf8')) / 1048576, seconds, exitCode: r.status };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  process.stdout.write(JSON.stringify(runCliMemoryBench(Number(process.argv[2]) || 100000)) + '\n');
}
