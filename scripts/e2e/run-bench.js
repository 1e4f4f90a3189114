#!/usr/bin/env node
// The extension benchmark: generated workspaces of 1,000 and 10,000 pods, each opened in a fresh
// code-server window whose extension host runs out/test/integration/bench/index.js. Prints a
// table against the issue's targets and writes test-artifacts/extension-bench.json.
//
//   node scripts/e2e/run-bench.js [--profile] [pods…]   (default: 1000 10000; needs `npm run build`)
//
// --profile also writes a CPU profile of the extension host per size (test-artifacts/*.cpuprofile).
//
// Exit code 1 when a target is missed, so it can gate a CI step if wanted.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { REPO } = require('./code-server');
const { runInExtensionHost } = require('./extension-host');

const PROFILE = process.argv.includes('--profile');
const TARGETS = { activationMs: 200, saveToDiagnosticsMs: 150, mainThreadBlockMs: 50 };

async function benchOne(pods, tmp) {
  const { writeBenchWorkspace } = require(path.join(REPO, 'out', 'test', 'integration', 'bench', 'workspace.js'));
  const ws = writeBenchWorkspace(pods, path.join(tmp, `bench-${pods}`));
  const outFile = path.join(tmp, `result-${pods}.json`);
  console.log(`bench: ${pods} pods in ${ws.files} files (${ws.folder})`);
  const { code } = await runInExtensionHost({
    workspace: ws.folder,
    testsPath: path.join(REPO, 'out', 'test', 'integration', 'bench', 'index.js'),
    env: {
      PODPATH_BENCH_OUT: outFile,
      PODPATH_BENCH_EDIT: JSON.stringify(ws),
      // --profile: a CPU profile of the extension host's main thread per size, in test-artifacts/.
      PODPATH_BENCH_PROFILE: PROFILE ? path.join(REPO, 'test-artifacts', `extension-bench-${pods}.cpuprofile`) : '',
    },
    logFile: path.join(REPO, 'test-artifacts', `extension-bench-${pods}.log`),
    timeoutMs: 10 * 60 * 1000,
    onLine: (l) => console.log(`  ${l}`),
  });
  if (code !== 0 || !fs.existsSync(outFile)) throw new Error(`the benchmark for ${pods} pods failed (exit ${code}); see test-artifacts/extension-bench-${pods}.log`);
  return JSON.parse(fs.readFileSync(outFile, 'utf8'));
}

function table(results) {
  const rows = [['pods', 'activation ms', 'first diagnostics ms', 'save→diag median', 'p95', 'max', 'hover ms', 'CodeLens ms', 'hints ms', 'trace ms', 'main thread max block ms']];
  for (const r of results) {
    const s = r.saveToDiagnosticsMs.all;
    const i = r.interactionsMs;
    rows.push([r.pods, r.activationMs ?? 'n/a', r.firstDiagnosticsMs, s.median, s.p95, s.max, i.hover, i.codeLens, i.inlayHints, i.trace, r.mainThread.maxBlockMs].map(String));
  }
  const w = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) => row.map((x, c) => x.padStart(w[c])).join('  ')).join('\n');
}

async function main() {
  const sizes = process.argv.slice(2).filter((a) => !a.startsWith('--')).map(Number).filter((n) => n > 0);
  if (sizes.length === 0) sizes.push(1000, 10000);
  for (const f of ['dist/extension.js', 'out/test/integration/bench/index.js']) {
    if (!fs.existsSync(path.join(REPO, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-bench-'));
  const results = [];
  try {
    for (const pods of sizes) results.push(await benchOne(pods, tmp));
  } finally {
    if (!process.env.PODPATH_E2E_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\nExtension benchmark (code-server ${'4.100.3'} extension host, ${os.cpus().length} cores; save→diagnostics over ${results[0].rounds * 2} saves)\n`);
  console.log(table(results));
  const misses = [];
  for (const r of results) {
    if (r.activationMs !== null && r.activationMs > TARGETS.activationMs) misses.push(`${r.pods} pods: activation ${r.activationMs} ms > ${TARGETS.activationMs} ms`);
    if (r.pods <= 1000 && r.saveToDiagnosticsMs.all.p95 > TARGETS.saveToDiagnosticsMs) misses.push(`${r.pods} pods: save → diagnostics p95 ${r.saveToDiagnosticsMs.all.p95} ms > ${TARGETS.saveToDiagnosticsMs} ms`);
    if (r.mainThread.maxBlockMs > TARGETS.mainThreadBlockMs) misses.push(`${r.pods} pods: main thread blocked ${r.mainThread.maxBlockMs} ms > ${TARGETS.mainThreadBlockMs} ms (${r.mainThread.blocksOver50ms.map((b) => `${b.ms} ms in ${b.phase}`).join(', ')})`);
  }
  console.log(`\ntargets: activation < ${TARGETS.activationMs} ms; save → diagnostics < ${TARGETS.saveToDiagnosticsMs} ms at 1,000 pods (p95); main thread never blocked > ${TARGETS.mainThreadBlockMs} ms`);
  console.log(misses.length ? `missed:\n  ${misses.join('\n  ')}` : 'all targets met');
  const file = path.join(REPO, 'test-artifacts', 'extension-bench.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ targets: TARGETS, results, misses }, null, 2));
  console.log(`(details: ${path.relative(REPO, file)})`);
  return misses.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench: ${err.stack || err}`);
    process.exit(1);
  },
);
