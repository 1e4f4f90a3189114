declare const window: any;
import { spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import type { BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT } from '../support/analyze';
import { nonceFrom, topologyPageHtml } from '../../src/core/topology/page';

/**
 * The standalone page for the browser tests: the real bundle (dist/webview.js), the real
 * stylesheet and the real HTML shell with its CSP, served from 127.0.0.1 only, with a small
 * prelude standing in for VS Code's acquireVsCodeApi (it records what the page posts).
 * Fixture data goes in through the same message protocol the extension uses.
 */

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'webview');
const BUNDLE = path.join(REPO_ROOT, 'dist', 'webview.js');

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserSkipReason(): string | undefined {
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} is missing (Debian package "chromium"; .ci/run installs it) — browser tests skipped`;
  try {
    require.resolve('playwright-core');
  } catch {
    return 'playwright-core is not installed — browser tests skipped';
  }
  return undefined;
}

/** Builds dist/webview.js with webpack when it is missing or older than its sources. */
export function ensureBundle(): void {
  const sources = [path.join(REPO_ROOT, 'src', 'webview'), path.join(REPO_ROOT, 'src', 'core', 'topology')];
  const newest = Math.max(...sources.flatMap((d) => fs.readdirSync(d).map((f) => fs.statSync(path.join(d, f)).mtimeMs)));
  if (fs.existsSync(BUNDLE) && fs.statSync(BUNDLE).mtimeMs >= newest) return;
  const cli = require.resolve('webpack-cli/bin/cli.js', { paths: [REPO_ROOT] });
  const r = spawnSync(process.execPath, [cli, '--config-name', 'webview'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0 || !fs.existsSync(BUNDLE)) throw new Error(`webpack --config-name webview failed:\n${r.stdout}\n${r.stderr}`);
}

/** Stands in for VS Code: records messages and state, and CSP violations, for the assertions. */
const PRELUDE = `(() => {
  const record = { sent: [], state: window.__seedState, violations: [], errors: [] };
  window.__podpath = record;
  document.addEventListener('securitypolicyviolation', (e) => record.violations.push(e.violatedDirective + ' ' + e.blockedURI));
  window.addEventListener('error', (e) => record.errors.push(String(e.message)));
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => record.sent.push(JSON.parse(JSON.stringify(m))),
    getState: () => record.state,
    setState: (s) => { record.state = JSON.parse(JSON.stringify(s)); },
  });
})();
`;

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

export async function servePage(): Promise<PageServer> {
  const files: Record<string, { type: string; body: () => Buffer | string }> = {
    '/webview.js': { type: 'text/javascript', body: () => fs.readFileSync(BUNDLE) },
    '/topology.css': { type: 'text/css', body: () => fs.readFileSync(path.join(REPO_ROOT, 'media', 'topology.css')) },
    '/prelude.js': { type: 'text/javascript', body: () => PRELUDE },
  };
  let origin = '';
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (url === '/' || url === '/index.html') {
      const nonce = nonceFrom(randomBytes(24));
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(topologyPageHtml({ cspSource: origin, nonce, scriptUri: `${origin}/webview.js`, styleUri: `${origin}/topology.css`, preludeUris: [`${origin}/prelude.js`] }));
      return;
    }
    const f = files[url];
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': f.type, 'cache-control': 'no-store' });
    res.end(f.body());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `${origin}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Debian's Chromium, headless, a new empty profile, no network beyond the page's own server. */
export async function launchBrowser(): Promise<Browser> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 860 },
    deviceScaleFactor: 1,
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the page and waits until it has said `ready`. */
export async function openPage(b: Browser, url: string): Promise<Page> {
  const page = await b.context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => (window as any).__podpath?.sent.some((m: any) => m.type === 'ready'));
  return page;
}

/** Posts a host message the way VS Code delivers it (a `message` event on window). */
export async function send(page: Page, message: unknown): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message as any);
}

/** Messages the page has posted so far. */
export async function sent(page: Page): Promise<any[]> {
  return page.evaluate(() => (window as any).__podpath.sent);
}

export function artifact(name: string): string {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}
