// Runs an extension test module (`extensionTestsPath`, a module exporting run()) inside
// code-server's real Node extension host, the way VS Code's own smoke tests drive a browser
// workbench:
//
//   1. start code-server on the workspace (see code-server.js);
//   2. open http://127.0.0.1:PORT/?folder=WS&payload=P in Chromium, where P is the URL-encoded JSON
//        [["extensionDevelopmentPath", "vscode-remote://127.0.0.1:PORT/<repo>"],
//         ["extensionTestsPath",       "vscode-remote://127.0.0.1:PORT/<module>"]]
//      so the workbench loads the repository as the extension under development and, once the
//      extension host is up, calls the module's run();
//   3. receive the host's console through `window.codeAutomationLog` and its exit code through
//      `window.codeAutomationExit`, both exposed to the page before it loads.
//
// code-server 4.100.3's workbench reads `payload` unconditionally; later releases only with
// `--vscode-option enable-smoke-test-driver` (passed here when CODE_SERVER_SMOKE_FLAG=1).
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const { REPO, startCodeServer, workbenchUrl, CHROMIUM } = require('./code-server');

/** Lines the test module prints start with this mark, so they stand out from the workbench's own log. */
const MARK = '\u2063podpath\u2063 ';

/**
 * @param {object} o
 * @param {string} o.workspace   folder to open
 * @param {string} o.testsPath   absolute path of the compiled module exporting run()
 * @param {Record<string,string>} [o.env]  extra environment for code-server and its extension host
 * @param {number} [o.timeoutMs] the whole run, default 10 minutes
 * @param {string} [o.logFile]   where the full workbench log goes
 * @param {(line: string) => void} [o.onLine]  each line the module printed (default: stdout)
 * @returns {Promise<{code: number, lines: string[]}>}
 */
async function runInExtensionHost(o) {
  const timeoutMs = o.timeoutMs || 10 * 60 * 1000;
  const onLine = o.onLine || ((l) => console.log(l));
  const logFile = o.logFile || path.join(REPO, 'test-artifacts', 'extension-host.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.createWriteStream(logFile);
  const lines = [];

  const env = { PODPATH_LOG_MARK: MARK, ...(o.env || {}) };
  const extraArgs = process.env.CODE_SERVER_SMOKE_FLAG === '1' ? ['--vscode-option', 'enable-smoke-test-driver'] : [];
  let cs;
  let browser;
  try {
    cs = await startCodeServer({ workspace: o.workspace, extension: 'none', args: extraArgs, env, logFile: logFile.replace(/\.log$/, '') + '.server.log' });
    browser = await chromium.launch({ ...CHROMIUM, headless: true, timeout: 60000 });
    const page = await browser.newPage();
    let finish;
    const exited = new Promise((resolve) => (finish = resolve));
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = (Array.isArray(args) ? args : [args]).map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
      log.write(`[${type}] ${text}\n`);
      if (text.startsWith(MARK)) {
        for (const l of text.slice(MARK.length).split('\n')) {
          lines.push(l);
          onLine(l);
        }
      }
    });
    await page.exposeFunction('codeAutomationExit', (code) => finish(Number(code)));
    page.on('pageerror', (err) => log.write(`[pageerror] ${err.stack || err}\n`));

    const remote = (p) => `vscode-remote://127.0.0.1:${cs.port}${p.split(path.sep).join('/')}`;
    const payload = [
      ['extensionDevelopmentPath', remote(REPO)],
      ['extensionTestsPath', remote(o.testsPath)],
    ];
    await page.goto(workbenchUrl(cs.url, o.workspace, payload), { timeout: 60000 });
    let timer;
    const code = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))]);
    clearTimeout(timer);
    if (code === 'timeout') {
      onLine(`extension host: no exit code after ${Math.round(timeoutMs / 1000)} s (full log: ${path.relative(REPO, logFile)})`);
      return { code: 1, lines };
    }
    return { code, lines };
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (cs) await cs.stop();
    log.end();
  }
}

/** A fresh copy of a folder under a temp dir (tests edit and save files in it). */
function copyWorkspace(from, tmpRoot, name) {
  const to = path.join(tmpRoot, name || path.basename(from));
  fs.cpSync(from, to, { recursive: true });
  return to;
}

module.exports = { runInExtensionHost, copyWorkspace, MARK };
