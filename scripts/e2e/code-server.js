// Starts code-server (VS Code in a browser) for the editor suites, and always stops it again.
//
//   const { startCodeServer } = require('./code-server');
//   const cs = await startCodeServer({ workspace: '/abs/folder', extension: 'install' });
//   … open cs.url in a browser …
//   await cs.stop();
//
// Each start gets a free 127.0.0.1 port and fresh, throw-away user-data, extensions and config
// folders, so no state leaks from one run (or one developer's editor) into the next. The server
// runs in its own process group; stop() kills that group, and so does this process's exit.
'use strict';

const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const http = require('http');

const REPO = path.resolve(__dirname, '..', '..');

/** Runs the installer (cached after the first time) and returns code-server's entry script. */
function installCodeServer() {
  const out = execFileSync('bash', [path.join(__dirname, 'install-code-server.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 30 * 60 * 1000,
  });
  const entry = out.trim().split('\n').pop();
  if (!entry || !fs.existsSync(entry)) throw new Error(`install-code-server.sh printed no entry script (got ${JSON.stringify(out)})`);
  return entry;
}

/** A port nobody listens on right now (the kernel picks it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Installs the extension as a user does: `npm run package` builds podpath.vsix (the test:e2e
 * script runs it first) and code-server's own `--install-extension` unpacks it into the
 * throw-away extensions folder. What the suites see is exactly what the VSIX ships (its
 * `readme.md`, no sources, no maps), so a file the VSIX leaves out fails here too.
 */
function installExtensionVsix(entry, extensionsDir, userDataDir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  const vsix = path.join(REPO, 'podpath.vsix');
  const main = path.join(REPO, pkg.main || 'dist/extension.js');
  if (!fs.existsSync(vsix)) throw new Error('podpath.vsix is missing: run `npm run package` first');
  if (fs.existsSync(main) && fs.statSync(main).mtimeMs > fs.statSync(vsix).mtimeMs) {
    throw new Error('podpath.vsix is older than the build in dist/: run `npm run package` again');
  }
  execFileSync(process.execPath, [entry, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', vsix], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
    timeout: 120000,
  });
  const target = path.join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  if (!fs.existsSync(path.join(target, 'package.json'))) throw new Error(`code-server --install-extension left no ${target}`);
  return target;
}

/** Resolves when `url` answers HTTP (any status), rejects after `timeoutMs`. */
function waitForHttp(url, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error(`code-server exited early (code ${child.exitCode}, signal ${child.signalCode})`));
        return;
      }
      const req = http.get(url, (res) => {
        res.resume();
        resolve();
      });
      req.setTimeout(2000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        if (Date.now() > deadline) reject(new Error(`code-server did not answer on ${url} within ${timeoutMs} ms`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

const running = new Set();
function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal); // the whole group: code-server, its server and extension hosts
  } catch {
    /* already gone */
  }
}
process.on('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    for (const child of running) killGroup(child, 'SIGKILL');
    process.exit(128 + (os.constants.signals[sig] || 1));
  });
}

/**
 * Starts code-server on `workspace`.
 * @param {object} opts
 * @param {string} opts.workspace      folder to open (absolute)
 * @param {'install'|'none'} [opts.extension]  'install': install podpath.vsix with --install-extension
 * @param {string[]} [opts.args]       extra code-server arguments
 * @param {Record<string,string>} [opts.env]  extra environment (code-server passes it on to the extension host)
 * @param {string} [opts.logFile]      where code-server's stdout/stderr go (default: in the temp dir)
 * @param {number} [opts.startTimeoutMs]
 * @returns {Promise<{url: string, port: number, pid: number, tmp: string, userDataDir: string, extensionsDir: string, logFile: string, stop: () => Promise<void>}>}
 */
async function startCodeServer(opts) {
  const entry = installCodeServer();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-code-server-'));
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  // Quiet, deterministic editor: no welcome page, no tips, no telemetry, no auto updates.
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'security.workspace.trust.enabled': false,
        'editor.codeLens': true,
        'editor.inlayHints.enabled': 'on',
        'editor.hover.delay': 100,
        'files.autoSave': 'off',
        'window.restoreWindows': 'none',
        'workbench.welcomePage.walkthroughs.openOnInstall': false,
        'chat.commandCenter.enabled': false,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'extensions.ignoreRecommendations': true,
        // Built-in features that would run in the same extension host as PodPath and blur its
        // measurements: the git extension probing the workspace, and the port forwarder, which
        // runs `ps` every few seconds to find listening ports.
        'git.enabled': false,
        'git.openRepositoryInParentFolders': 'never',
        'remote.autoForwardPorts': false,
        'remote.autoForwardPortsSource': 'output',
      },
      null,
      2,
    ),
  );
  if ((opts.extension || 'install') === 'install') installExtensionVsix(entry, extensionsDir, userDataDir);

  const port = await freePort();
  const logFile = opts.logFile || path.join(tmp, 'code-server.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'a');
  const args = [
    entry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--config', path.join(tmp, 'config.yaml'),
    '--extensions-dir', extensionsDir,
    '--user-data-dir', userDataDir,
    ...(opts.args || []),
    opts.workspace,
  ];
  const child = spawn(process.execPath, args, {
    cwd: tmp,
    detached: true, // its own process group, so stop() reaches every process it starts
    stdio: ['ignore', log, log],
    env: { ...process.env, VSCODE_PROXY_URI: '', NODE_OPTIONS: '', ...(opts.env || {}) },
  });
  fs.closeSync(log);
  running.add(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));

  const stop = async () => {
    if (!running.has(child)) return;
    running.delete(child);
    killGroup(child, 'SIGTERM');
    const done = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
    killGroup(child, 'SIGKILL'); // stragglers in the group (extension hosts, watchers)
    if (!done) await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    if (!process.env.PODPATH_E2E_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitForHttp(`${url}healthz`, opts.startTimeoutMs || 60000, child);
  } catch (err) {
    let tail = '';
    try {
      tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      /* no log */
    }
    await stop();
    throw new Error(`${err.message}\n--- code-server log (last lines) ---\n${tail}`);
  }
  return { url, port, pid: child.pid, tmp, userDataDir, extensionsDir, logFile, stop };
}

/** The URL that opens `folder` in the workbench, optionally with a `payload` (see run-integration.js). */
function workbenchUrl(base, folder, payload) {
  let u = `${base}?folder=${encodeURIComponent(folder)}`;
  if (payload) u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return u;
}

/** Chromium as this machine has it (Debian's package), with the flags a closed network needs. */
const CHROMIUM = {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
  ],
};

module.exports = { REPO, installCodeServer, installExtensionVsix, startCodeServer, workbenchUrl, freePort, CHROMIUM };
