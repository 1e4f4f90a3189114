/// <reference types="mocha" />
import * as assert from 'assert';
import { analyzeFolder, podsOfOwner } from '../integration/truth';
import { closeWorkbench, openWorkbench, saveScreenshot, screenshotOnFailure, workspace } from './session';
import { Workbench } from './workbench';

describe('seed 000 — two nodes with cbr0 and static routes', function () {
  let wb: Workbench;

  before(async function () {
    wb = await openWorkbench('seed-000');
  });
  afterEach(async function () {
    await screenshotOnFailure(this, wb);
  });
  after(async function () {
    await closeWorkbench(wb);
  });

  it('reports no problems', async function () {
    await wb.openFile('pods.yaml');
    // Wait for the analysis (its summary in the status bar), then look at the panel.
    await wb.page.locator('.statusbar-item', { hasText: '4 pods' }).first().waitFor({ timeout: 20_000 });
    await wb.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    await wb.page.locator('.markers-panel', { hasText: 'No problems have been detected in the workspace' }).waitFor({ timeout: 10_000 });
    assert.deepStrictEqual(await wb.readProblems(), []);
  });

  it('"Trace from pod1…", then pod4 and port 80: the trace document walks the seed\'s steps', async function () {
    await wb.openFile('pods.yaml');
    const lens = wb.codeLensLinks('Trace from pod1…').first(); // pod1 is the first object of the file
    await lens.waitFor({ state: 'visible', timeout: 20_000 });
    await lens.click();
    await wb.pickQuickItem('pod4');
    await wb.acceptInput(); // the port prompt, prefilled from pod4's container port
    await wb.page.locator('.tabs-container .tab.active', { hasText: 'trace' }).waitFor({ timeout: 20_000 });
    const text = wb.activeEditorText();
    await text.filter({ hasText: '10.1.2.3' }).waitFor({ timeout: 20_000 });
    assert.strictEqual(await wb.languageMode(), 'PodPath Trace');
    // Trace documents wrap; the editor draws only the lines in view, so the whole trace is read
    // with wrapping switched off for this editor (each hop one line, as the user can toggle it).
    await text.click();
    await wb.runCommand('View: Toggle Word Wrap');
    await text.filter({ hasText: '10.1.2.0/24 via 192.168.1.11' }).waitFor({ timeout: 20_000 });
    const shown = await wb.editorText();
    for (const piece of ['default/pod1', '10.1.1.2', 'cbr0', '10.1.2.0/24 via 192.168.1.11', 'node2']) {
      assert.ok(shown.includes(piece), `the trace shows no ${JSON.stringify(piece)}:\n${shown}`);
    }
    await saveScreenshot(wb, 'e2e-trace-document');

    // Read-only: typing changes nothing.
    await text.click();
    await wb.page.keyboard.type('tampered');
    await wb.page.waitForTimeout(300);
    assert.ok(!(await wb.editorText()).includes('tampered'), 'the trace document accepted typing');
  });
});

describe('seed 003 — the book lab: docker0, a ReplicationController behind a userspace Service', function () {
  let wb: Workbench;

  before(async function () {
    wb = await openWorkbench('seed-003');
  });
  afterEach(async function () {
    await screenshotOnFailure(this, wb);
  });
  after(async function () {
    await closeWorkbench(wb);
  });

  it('hover on the ReplicationController shows each replica\'s path: eth0, veth, docker0, node', async function () {
    await wb.openFile('frontend-controller.yaml');
    await wb.goTo(5, 9); // metadata.name: frontend
    const text = await wb.hoverAtCursor('docker0');
    const pods = podsOfOwner(analyzeFolder(workspace('seed-003')), 'frontend');
    assert.strictEqual(pods.length, 3);
    for (const p of pods) for (const piece of [p.ip, p.hostVeth, p.node]) assert.ok(text.includes(piece), `the hover shows no ${piece}:\n${text}`);
    assert.ok(text.includes('eth0'), text);
    await saveScreenshot(wb, 'e2e-hover');
    await wb.closeHover();
  });

  it('CodeLens on the Service: "Trace to this Service from…" and "3 endpoints"', async function () {
    await wb.openFile('frontend-service.yaml');
    await wb.codeLensLinks('3 endpoints').waitFor({ state: 'visible', timeout: 20_000 });
    assert.strictEqual(await wb.codeLensLinks('Trace to this Service from…').count(), 1);
  });
});

describe('Calico IPIP — a NetworkPolicy rule\'s hover lists the flows it admits', function () {
  let wb: Workbench;

  before(async function () {
    wb = await openWorkbench('calico-ipip');
  });
  afterEach(async function () {
    await screenshotOnFailure(this, wb);
  });
  after(async function () {
    await closeWorkbench(wb);
  });

  it('hover on api-from-frontend\'s ingress rule: frontend → api on the http port, and no other caller', async function () {
    await wb.openFile('policies.yaml');
    await wb.goTo(20, 9); // ingress[0]: - from:
    const text = await wb.hoverAtCursor('admits');
    const a = analyzeFolder(workspace('calico-ipip'));
    const api = podsOfOwner(a, 'api');
    const frontend = podsOfOwner(a, 'frontend');
    assert.ok(api.length > 0 && frontend.length > 0, 'the example has api and frontend pods');
    // Every listed flow comes from a frontend pod into an api pod (shop/debug is not admitted).
    const flows = text.split('\n').filter((l) => l.includes('→'));
    assert.ok(flows.length > 0, text);
    for (const f of flows) {
      assert.ok(frontend.some((p) => f.includes(p.key)) && api.some((p) => f.includes(p.key)), `not a frontend → api flow: ${f}`);
    }
    // One line per pair, as many as the policy's lens counts: each frontend pod to each api pod.
    assert.strictEqual(flows.length, frontend.length * api.length, text);
    await saveScreenshot(wb, 'e2e-policy-rule-hover');
    await wb.closeHover();
  });
});
