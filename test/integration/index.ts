/// <reference types="mocha" />
/**
 * Entry point of the integration suite inside a VS Code extension host. VS Code loads this
 * module (the `extensionTestsPath`) after starting the extension under development and calls
 * `run()`; the suite's result is the promise's: a rejection makes the editor exit with code 1.
 *
 * The same module runs in two hosts:
 *   - desktop VS Code, through @vscode/test-electron (test/integration/run-desktop.ts);
 *   - code-server's Node extension host, driven from Chromium (scripts/e2e/run-integration.js).
 *
 * Everything is reported with console.log, because that is what both hosts forward to the
 * runner (code-server passes it to the page's `codeAutomationLog`); mocha's own reporters write
 * to process.stdout, which code-server's extension host does not forward.
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha = require('mocha');
import { say } from './log';

/** Mocha reporter that prints one line per test with console.log, and a closing count line. */
class ConsoleReporter {
  constructor(runner: Mocha.Runner) {
    let passed = 0;
    let failed = 0;
    let pending = 0;
    const indent = (t: Mocha.Runnable | Mocha.Suite): string => '  '.repeat(Math.max(0, depth(t) - 1));
    runner.on('suite', (s) => {
      if (s.title) say(`${indent(s)}${s.title}`);
    });
    runner.on('pass', (t) => {
      passed++;
      say(`${indent(t)}  ✔ ${t.title} (${t.duration ?? 0} ms)`);
    });
    runner.on('pending', (t) => {
      pending++;
      say(`${indent(t)}  - ${t.title} (skipped)`);
    });
    runner.on('fail', (t, err: Error) => {
      failed++;
      say(`${indent(t)}  ✘ ${t.title}\n${String(err && (err.stack || err.message) || err).replace(/^/gm, '      ')}`);
    });
    runner.once('end', () => {
      say(`integration: ${passed} passed, ${failed} failed${pending ? `, ${pending} skipped` : ''}`);
    });
  }
}

function depth(t: Mocha.Runnable | Mocha.Suite): number {
  let d = 0;
  for (let p: Mocha.Suite | undefined = t.parent; p; p = p.parent) d++;
  return d;
}

/** Loads every `*.itest.js` beside this file (or in `dir`) and runs them. */
export function runMocha(dir: string, suffix = '.itest.js', timeoutMs = 60_000): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: timeoutMs, reporter: ConsoleReporter as unknown as Mocha.ReporterConstructor, color: false });
  const grep = process.env.PODPATH_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(suffix)).sort()) mocha.addFile(path.join(dir, f));
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
    } catch (err) {
      reject(err);
    }
  });
}

export function run(): Promise<void> {
  return runMocha(__dirname);
}
