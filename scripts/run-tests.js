#!/usr/bin/env node
// Runs every compiled `*.test.js` under out/test with node's built-in runner, in a stable order.
// The editor suites (out/test/e2e, out/test/integration) and the benchmark have runners of their own.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..', 'out', 'test');
const skip = new Set(['e2e', 'integration', 'bench', 'support', 'fixtures']);
const files = [];
(function walk(dir, top) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (!(top && skip.has(e.name))) walk(p, false); }
    else if (e.name.endsWith('.test.js')) files.push(path.relative(process.cwd(), p));
  }
})(root, true);
if (files.length === 0) {
  console.error('run-tests: no compiled tests under out/test (run `npm run compile` first)');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', ...process.argv.slice(2), ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
