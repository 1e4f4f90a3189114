import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../support/analyze';

// The core serves the CLI, the extension, tests and benchmarks: it must never depend on the editor.
test('src/core imports neither vscode nor anything outside src/core', () => {
  const core = path.join(REPO_ROOT, 'src', 'core');
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) {
        const text = fs.readFileSync(p, 'utf8');
        for (const m of text.matchAll(/(?:from\s+|require\()\s*['"]([^'"]+)['"]/g)) {
          const spec = m[1];
          if (spec === 'vscode') offenders.push(`${path.relative(REPO_ROOT, p)} imports vscode`);
          if (spec.startsWith('.') && !path.resolve(path.dirname(p), spec).startsWith(core)) offenders.push(`${path.relative(REPO_ROOT, p)} imports ${spec}`);
        }
      }
    }
  };
  walk(core);
  assert.ok(fs.readdirSync(core).length > 5, 'the core was found');
  assert.deepEqual(offenders, []);
});
