/// <reference types="mocha" />
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { badgeProblemsIn } from '../support/badge-check';
import { closeWorkbench, openWorkbench, saveScreenshot, screenshotOnFailure } from './session';
import { Workbench } from './workbench';

const REPO = path.resolve(__dirname, '..', '..', '..');

/** Why the topology test cannot run against this build, or undefined when it can. */
function skipReason(): string | undefined {
  const bundle = path.join(REPO, 'dist', 'extension.js');
  if (!fs.existsSync(path.join(REPO, 'dist', 'webview.js'))) return 'dist/webview.js is missing: the topology page is not built';
  if (!fs.readFileSync(bundle, 'utf8').includes('createWebviewPanel')) return 'dist/extension.js opens no webview panel yet: "Show Topology" is not wired to the diagram';
  return undefined;
}

describe('topology webview — seed 000', function () {
  let wb: Workbench | undefined;

  before(async function () {
    const reason = skipReason();
    if (reason) {
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    wb = await openWorkbench('seed-000');
  });
  afterEach(async function () {
    await screenshotOnFailure(this, wb);
  });
  after(async function () {
    await closeWorkbench(wb);
  });

  it('"PodPath: Show Topology" draws both nodes and the cluster summary in a webview', async function () {
    await wb!.openFile('pods.yaml');
    await wb!.runCommand('PodPath: Show Topology');
    const frame = wb!.webviewContent();
    await frame.locator('[data-testid="diagram"]').waitFor({ state: 'visible', timeout: 30_000 });
    for (const node of ['node1', 'node2']) await frame.locator(`[data-testid="node"][data-node="${node}"]`).first().waitFor({ state: 'attached', timeout: 20_000 });
    const summary = (await frame.locator('[data-testid="summary"]').innerText()).trim();
    assert.match(summary, /2 nodes · 4 pods/);
    await saveScreenshot(wb!, 'e2e-topology');
  });

  it('a trace from the CodeLens lights up its hops in the diagram\'s side panel', async function () {
    await wb!.openFile('pods.yaml');
    await wb!.runCommand('PodPath: Show Topology'); // open, or brought to the front
    await wb!.webviewContent().locator('[data-testid="diagram"]').waitFor({ state: 'visible', timeout: 30_000 });
    await wb!.openFile('pods.yaml');
    await wb!.codeLensLinks('Trace from pod1…').first().click();
    await wb!.pickQuickItem('pod4');
    await wb!.acceptInput();
    await wb!.page.locator('.tabs-container .tab', { hasText: 'trace' }).first().waitFor({ timeout: 20_000 });
    // The diagram stays open beside the trace; its side panel lists the hops.
    const hops = wb!.webviewContent().locator('[data-testid="hop-list"] li');
    await hops.first().waitFor({ state: 'attached', timeout: 20_000 });
    assert.ok((await hops.count()) >= 8, `the topology lists ${await hops.count()} hops`);
    const panel = await wb!.webviewContent().locator('[data-testid="trace-panel"]').innerText();
    assert.match(panel, /pod4/);
    const badges = wb!.webviewContent().locator('[data-testid="hop-marker"]');
    await badges.first().waitFor({ state: 'attached', timeout: 20_000 });
    assert.deepEqual(await wb!.webviewContent().locator('[data-testid="diagram"]').evaluate(badgeProblemsIn), [], 'hop badges beside their elements, over no label');
    await saveScreenshot(wb!, 'e2e-topology-trace');
  });
});
