/// <reference types="mocha" />
/**
 * What the e2e specs share: one Chromium for the run, one page per workspace, and the places
 * the runner (scripts/e2e/run-e2e.js) prepared — code-server's URL, the workspace copies and the
 * artifacts folder — passed in the environment.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Browser, chromium } from 'playwright-core';
import { Workbench } from './workbench';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the e2e suite with \`npm run test:e2e\` (scripts/e2e/run-e2e.js)`);
  return v;
}

export const E2E = {
  /** code-server's base URL, e.g. http://127.0.0.1:41234/ */
  get url(): string {
    return env('PODPATH_E2E_URL');
  },
  /** The folder holding fresh copies of the workspaces (fixture, seed-000, seed-003 …). */
  get workspaces(): string {
    return env('PODPATH_E2E_WORKSPACES');
  },
  get artifacts(): string {
    const dir = env('PODPATH_E2E_ARTIFACTS');
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  },
};

/** Absolute path of one of the prepared workspaces. */
export function workspace(name: string): string {
  return path.join(E2E.workspaces, name);
}

let browser: Browser | undefined;

async function theBrowser(): Promise<Browser> {
  browser ??= await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    timeout: 60_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  return browser;
}

/** A new browser page showing the workbench on one workspace. */
export async function openWorkbench(name: string): Promise<Workbench> {
  const context = await (await theBrowser()).newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const wb = new Workbench(page);
  await wb.open(`${E2E.url}?folder=${encodeURIComponent(workspace(name))}`);
  return wb;
}

export async function closeWorkbench(wb: Workbench | undefined): Promise<void> {
  if (wb) await wb.page.context().close();
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = undefined;
}

/** A screenshot into the artifacts folder; returns its path. */
export async function saveScreenshot(wb: Workbench, name: string): Promise<string> {
  const file = path.join(E2E.artifacts, `${name.replace(/[^a-z0-9-]+/gi, '-').replace(/^-|-$/g, '')}.png`);
  await wb.screenshot(file);
  return file;
}

/** For afterEach: a screenshot of the page when the test just failed. */
export async function screenshotOnFailure(ctx: Mocha.Context, wb: Workbench | undefined): Promise<void> {
  const t = ctx.currentTest;
  if (wb && t && t.state === 'failed') {
    const file = await saveScreenshot(wb, `failed-${t.fullTitle()}`).catch(() => '');
    if (file) console.log(`      screenshot of the failure: ${path.relative(process.cwd(), file)}`);
  }
}
