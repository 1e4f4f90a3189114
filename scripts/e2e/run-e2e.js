#!/usr/bin/env node
// `npm run test:e2e`: the end-to-end suite (test/e2e) — a real VS Code (code-server) in a real
// browser (Debian's Chromium, driven by playwright-core), with the built extension installed
// the way a user's VSIX would be.
//
//   1. installs code-server and the Debian packages on first use (cached in .cache/);
//   2. copies the workspaces the specs open into a temp dir (they type and save in them):
//      fixture (test/fixtures/workspace) and the examples (seed-000, seed-003, …);
//   3. starts code-server with the extension copied into a fresh extensions dir;
//   4. runs the compiled specs (out/test/e2e/*.e2e.js) with mocha, screenshots to test-artifacts/;
//   5. stops code-server (always) and prints `e2e: N passed, N failed`.
//
// Needs `npm run build` first (the npm script does it). Env: PODPATH_TEST_GREP=<pattern> runs
// only matching tests; PODPATH_E2E_KEEP=1 keeps the temp dirs and code-server's log.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const Mocha = require('mocha');
const { REPO, startCodeServer, installCodeServer } = require('./code-server');

const ARTIFACTS = path.join(REPO, 'test-artifacts');

async function main() {
  const specsDir = path.join(REPO, 'out', 'test', 'e2e');
  for (const f of [specsDir, path.join(REPO, 'dist', 'extension.js')]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(REPO, f)} is missing: run \`npm run build\` first`);
  }
  const t0 = Date.now();
  installCodeServer();
  const tInstall = Date.now();

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-e2e-'));
  const workspaces = path.join(tmp, 'workspaces');
  fs.cpSync(path.join(REPO, 'test', 'fixtures', 'workspace'), path.join(workspaces, 'fixture'), { recursive: true });
  for (const ex of fs.readdirSync(path.join(REPO, 'examples'))) {
    fs.cpSync(path.join(REPO, 'examples', ex), path.join(workspaces, ex), { recursive: true });
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // Screenshots of an earlier run would pass for this one's.
  for (const f of fs.readdirSync(ARTIFACTS)) if (/^(e2e|failed)-.*\.png$/.test(f)) fs.rmSync(path.join(ARTIFACTS, f));

  let cs;
  try {
    cs = await startCodeServer({ workspace: path.join(workspaces, 'fixture'), extension: 'install', logFile: path.join(ARTIFACTS, 'e2e-code-server.log') });
    console.log(`e2e: code-server ${cs.url} (pid ${cs.pid}) ready in ${((Date.now() - tInstall) / 1000).toFixed(1)} s; install check ${((tInstall - t0) / 1000).toFixed(1)} s`);
    process.env.PODPATH_E2E_URL = cs.url;
    process.env.PODPATH_E2E_WORKSPACES = workspaces;
    process.env.PODPATH_E2E_ARTIFACTS = ARTIFACTS;

    // The specs share one browser through this module (loaded once: mocha's requires reuse it).
    const session = require(path.join(specsDir, 'session.js'));
    const mocha = new Mocha({ ui: 'bdd', timeout: 90_000, reporter: 'spec', color: false });
    if (process.env.PODPATH_TEST_GREP) mocha.grep(process.env.PODPATH_TEST_GREP);
    for (const f of fs.readdirSync(specsDir).filter((n) => n.endsWith('.e2e.js')).sort()) mocha.addFile(path.join(specsDir, f));
    const stats = await new Promise((resolve) => {
      const runner = mocha.run(() => resolve(runner.stats));
    });
    // The browser is shared by the specs; close it before code-server goes away.
    await session.closeBrowser();
    console.log(`e2e: ${stats.passes} passed, ${stats.failures} failed${stats.pending ? `, ${stats.pending} skipped` : ''} (${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in test-artifacts/)`);
    return stats.failures > 0 || stats.passes === 0 ? 1 : 0;
  } finally {
    if (cs) await cs.stop();
    if (!process.env.PODPATH_E2E_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`e2e: ${err.stack || err}`);
    process.exit(1);
  },
);
