#!/usr/bin/env node
// The podpath command line: the bundled CLI when built, the compiled sources otherwise.
const fs = require('fs');
const path = require('path');
const bundled = path.join(__dirname, '..', 'dist', 'cli.js');
const compiled = path.join(__dirname, '..', 'out', 'src', 'cli', 'main.js');
require(fs.existsSync(bundled) ? bundled : compiled).main();
