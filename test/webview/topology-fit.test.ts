declare const window: any, document: any, getComputedStyle: any;
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { analyzeSources } from '../../src/core/analyze';
import { tracePacket } from '../../src/core/forward/engine';
import { buildTopology, overlayTrace } from '../../src/core/topology';
import { generateCluster } from '../bench/generate';
import { Browser, PageServer, artifact, browserSkipReason, ensureBundle, launchBrowser, openPage, servePage } from './harness';

// The diagram in a narrow editor column: its first view is legible, it refits when the panel is
// resized until the user zooms, its toolbar stays on one line with a tooltip on every button,
// and its side panel folds away and can be dragged wider or narrower.

const skip = browserSkipReason();
if (skip) console.log(`SKIP browser tests: ${skip}`);

/** 16 nodes, 400 pods, a traced path through a Service: too big to read at "fit". */
function bigTrace() {
  const g = generateCluster(400, { podsPerNode: 25, policies: 4 });
  const a = analyzeSources(g.files);
  const model = buildTopology(a);
  const r = tracePacket(a.dataplane, { from: a.cluster.pods[0].key, to: `service:${a.cluster.services[7].key}` });
  assert.ok(r.ok);
  return { model, overlay: overlayTrace(model, r.trace) };
}

async function show(page: Page, f: object): Promise<void> {
  const before = await page.evaluate(() => window.__podpath.sent.filter((m: any) => m.type === 'rendered').length);
  await page.evaluate((json: string) => window.postMessage(JSON.parse(json), '*'), JSON.stringify({ type: 'model', ...f }));
  await page.waitForFunction((n: number) => window.__podpath.sent.filter((m: any) => m.type === 'rendered').length > n, before);
}

/** On-screen font size (CSS px) of the names drawn inside the diagram's visible area. */
async function renderedNameSizes(page: Page): Promise<{ pod: number; node: number; visiblePods: number }> {
  return page.evaluate(() => {
    const svg = document.querySelector('[data-testid=diagram]');
    const box = svg.getBoundingClientRect();
    const k = Number(svg.getAttribute('data-zoom'));
    const inView = (e: any) => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.right > box.left && r.left < box.right && r.bottom > box.top && r.top < box.bottom;
    };
    const size = (sel: string) => {
      const els = [...document.querySelectorAll(sel)].filter(inView);
      return { n: els.length, px: els.length ? parseFloat(getComputedStyle(els[0]).fontSize) * k : 0 };
    };
    const pod = size('[data-testid=pod-name]');
    const node = size('[data-testid=node-name]');
    return { pod: pod.px, node: node.px, visiblePods: pod.n };
  });
}

const zoom = (page: Page) => page.getAttribute('[data-testid=diagram]', 'data-zoom').then(Number);
/** The camera: zoom and pan, as the viewport's transform. */
const view = (page: Page) => page.getAttribute('[data-testid=viewport]', 'transform');
const viewChanges = (page: Page, from: string | null) => page.waitForFunction((t: string | null) => document.querySelector('[data-testid=viewport]').getAttribute('transform') !== t, from);

describe('topology page in a narrow panel', { skip }, () => {
  let server: PageServer;
  let browser: Browser;

  before(async () => {
    ensureBundle();
    server = await servePage();
    browser = await launchBrowser();
  }, { timeout: 300_000 });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('first view legible, refit on resize until the user zooms, fit resumes it', { timeout: 180_000 }, async () => {
    const f = bigTrace();
    const page = await openPage(browser, server.url);
    await page.setViewportSize({ width: 560, height: 640 });
    await show(page, f);
    const first = await renderedNameSizes(page);
    assert.ok(first.visiblePods > 0, 'pods of the path are in view');
    assert.ok(first.pod >= 9, `pod names at ${first.pod.toFixed(1)} px`);
    assert.ok(first.node >= 11 || first.node === 0, `node names at ${first.node.toFixed(1)} px`);
    await page.screenshot({ path: artifact('narrow-panel-first-view.png') });

    // A wider panel: the page refits (its view changes) and stays legible.
    const v1 = await view(page);
    await page.setViewportSize({ width: 1100, height: 800 });
    await viewChanges(page, v1);
    const wider = await renderedNameSizes(page);
    assert.ok(wider.pod >= 9, `after resize: pod names at ${wider.pod.toFixed(1)} px`);
    await page.screenshot({ path: artifact('narrow-panel-after-resize.png') });

    // The user zooms: a resize keeps their view.
    await page.click('[data-testid=zoom-in]');
    const mine = await zoom(page);
    await page.setViewportSize({ width: 700, height: 700 });
    await page.waitForTimeout(300);
    assert.equal(await zoom(page), mine, 'the user\'s zoom survives a resize');
    await page.waitForFunction(() => window.__podpath.state?.userView === true);

    // "Fit to window" gives the view back to the page: the next resize refits again.
    await page.click('[data-testid=zoom-fit]');
    const fitted = await view(page);
    await page.setViewportSize({ width: 1300, height: 900 });
    await viewChanges(page, fitted);
    await page.close();
  });

  test('the toolbar stays on one line in a narrow panel and every button has a tooltip', { timeout: 120_000 }, async () => {
    const page = await openPage(browser, server.url);
    await page.setViewportSize({ width: 420, height: 600 });
    await show(page, bigTrace());
    const bar = await page.evaluate(() => {
      const el = document.querySelector('[data-testid=toolbar]');
      const buttons = [...el.querySelectorAll('button')];
      // A hidden button (the reply toggle without a reply) is on no row.
      const shown = buttons.filter((b: any) => b.getBoundingClientRect().width > 0);
      const tops = new Set(shown.map((b: any) => Math.round(b.getBoundingClientRect().top)));
      return { rows: tops.size, untitled: buttons.filter((b: any) => !b.title.trim()).map((b: any) => b.getAttribute('data-testid')), count: buttons.length };
    });
    assert.equal(bar.rows, 1, 'one row of buttons');
    assert.deepEqual(bar.untitled, []);
    assert.ok(bar.count >= 11);
    const glyphs = await page.evaluate(() => ['previous-hop', 'play', 'next-hop'].map((id) => document.querySelector(`[data-testid=${id}]`).textContent));
    assert.equal(new Set(glyphs).size, 3);
    assert.ok(!glyphs.some((g: string) => g !== '▶' && g.includes('▶')), 'only "play" is a triangle');
    await page.close();
  });

  test('the side panel folds away and is resized by dragging its edge; both are kept in the page state', { timeout: 120_000 }, async () => {
    const page = await openPage(browser, server.url);
    await page.setViewportSize({ width: 900, height: 600 });
    await show(page, bigTrace());
    const width = (sel: string) => page.evaluate((s: string) => document.querySelector(s).getBoundingClientRect().width, sel);
    // Two frames: the page has laid out the trace it was just shown (on a loaded machine the
    // splitter could still move after `show` returns, and the drag then starts beside it).
    await page.evaluate(() => new Promise((r) => { const frame = (globalThis as any).requestAnimationFrame; frame(() => frame(() => r(undefined))); }));
    const side0 = await width('[data-testid=side-panel]');
    assert.ok(side0 > 100 && side0 <= 340, `side panel ${side0} px`);
    const bar = await page.locator('[data-testid=side-splitter]').boundingBox();
    await page.mouse.move(bar!.x + 2, bar!.y + 100);
    await page.mouse.down();
    await page.mouse.move(bar!.x - 120, bar!.y + 100, { steps: 5 });
    await page.mouse.up();
    const side1 = await width('[data-testid=side-panel]');
    assert.ok(Math.abs(side1 - (side0 + 122)) < 8, `dragged ${side0} → ${side1} (${await page.evaluate(() => JSON.stringify([window.__podpath.state?.sideWidth, document.querySelector('.pp-main').style.cssText]))})`);
    await page.waitForFunction((w: number) => window.__podpath.state?.sideWidth === w, Math.round(side1));

    const diagram0 = await width('[data-testid=diagram]');
    await page.click('[data-testid=toggle-side]');
    assert.equal(await page.isVisible('[data-testid=side-panel]'), false);
    assert.ok((await width('[data-testid=diagram]')) > diagram0 + side1 - 10, 'the diagram takes the room');
    await page.waitForFunction(() => window.__podpath.state?.sideHidden === true);
    await page.click('[data-testid=toggle-side]');
    assert.equal(await page.isVisible('[data-testid=side-panel]'), true);
    await page.close();
  });
});
