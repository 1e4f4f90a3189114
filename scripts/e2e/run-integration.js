#!/usr/bin/env node
// `npm run test:integration`: the integration suite (test/integration, mocha, asserting through
// the VS Code API) inside code-server's real Node extension host, opened on a fresh copy of
// test/fixtures/workspace. Needs `npm run build` first (the npm script does it).
//
// Env: PODPATH_TEST_GREP=<pattern> runs only matching tests; PODPATH_E2E_KEEP=1 keeps the temp dirs.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { REPO } = require('./code-server');
const { runInExtensionHost, copyWorkspace } = require('./extension-host');

async function main() {
  const tests = path.join(REPO, 'out', 'test', 'integration', 'index.js');
  for (const f of [tests, path.join(REPO, 'dist', 'extension.js')]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(REPO, f)} is missing: run \`npm run build\` first`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-integration-'));
  try {
    const workspace = copyWorkspace(path.join(REPO, 'test', 'fixtures', 'workspace'), tmp, 'workspace');
    const started = Date.now();
    console.log(`integration: running test/integration in code-server's extension host on ${workspace}`);
    const { code } = await runInExtensionHost({
      workspace,
      testsPath: tests,
      env: process.env.PODPATH_TEST_GREP ? { PODPATH_TEST_GREP: process.env.PODPATH_TEST_GREP } : {},
      logFile: path.join(REPO, 'test-artifacts', 'integration-host.log'),
      timeoutMs: 10 * 60 * 1000,
    });
    console.log(`integration: extension host exited with code ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s (log: test-artifacts/integration-host.log)`);
    return code;
  } finally {
    if (!process.env.PODPATH_E2E_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`integration: ${err.stack || err}`);
    process.exit(1);
  },
);
