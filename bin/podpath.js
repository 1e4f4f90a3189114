#!/usr/bin/env node
// The podpath command line: the webpack bundle (dist/cli.js) or the tsc output (out/), whichever
// was built last, so a developer's fresh `npm run compile` is never shadowed by an old bundle.
const fs = require('fs');
const path = require('path');
const candidates = [path.join(__dirname, '..', 'dist', 'cli.js'), path.join(__dirname, '..', 'out', 'src', 'cli', 'main.js')]
  .filter((f) => fs.existsSync(f))
  .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
if (candidates.length === 0) {
  process.stderr.write('podpath: not built yet; run `npm run build` first\n');
  process.exit(2);
}
// Before the bundle is loaded, so all of its code is compiled under them.
const v8 = require('v8');
for (const flag of require('./cli-v8-flags')) v8.setFlagsFromString(flag);
require(candidates[0]).main();
