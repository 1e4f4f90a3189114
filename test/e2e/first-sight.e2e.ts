/// <reference types="mocha" />
declare const document: any, getComputedStyle: any;
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { badgeProblemsIn } from '../support/badge-check';
import { closeWorkbench, openWorkbench, saveScreenshot, screenshotOnFailure, workspace } from './session';
import { Workbench } from './workbench';

/**
 * A workspace as a user first opens it: manifests and a policy, no Cluster document, a Service
 * whose pods were relabelled. The notice and its two quick fixes, the finding page a problem's
 * code opens, the quick fix that follows a renamed label, a trace from the Service's lens in a
 * wrapped document, and the diagram legible in a side column, in the installed VSIX.
 */

const NAME = 'first-sight';

/**
 * A file's text once it matches `re`, or as it is after `timeoutMs`. PodPath analyses a save from
 * the moment it starts, so the lenses of the saved text can show before the editor has finished
 * writing the file to disk.
 */
async function textOnceMatching(file: string, re: RegExp, timeoutMs = 10_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const text = fs.readFileSync(file, 'utf8');
    if (re.test(text) || Date.now() > until) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const APP = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
spec:
  replicas: 2
  selector:
    matchLabels:
      app: frontend-v2
  template:
    metadata:
      labels:
        app: frontend-v2
    spec:
      containers:
        - name: web
          image: nginx
          ports:
            - containerPort: 80
---
apiVersion: v1
kind: Pod
metadata:
  name: client
  labels:
    app: client
spec:
  containers:
    - name: curl
      image: curlimages/curl
---
apiVersion: v1
kind: Service
metadata:
  name: frontend
spec:
  selector:
    app: frontend
  ports:
    - port: 80
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: frontend-from-client
spec:
  podSelector:
    matchLabels:
      app: frontend-v2
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app: client
`;

/** 1-based line of the first line of `APP` that contains `needle`. */
function lineOf(needle: string): number {
  return APP.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

/** Opens the quick fixes at the cursor (Ctrl+.) and applies the one whose title contains `title`. */
async function applyQuickFix(wb: Workbench, title: string): Promise<void> {
  const row = wb.page.locator('.action-widget .monaco-list-row', { hasText: title }).first();
  const deadline = Date.now() + 20_000;
  for (;;) {
    await wb.page.keyboard.press('Control+.');
    try {
      await row.waitFor({ state: 'visible', timeout: 4000 });
      break;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await wb.page.keyboard.press('Escape');
    }
  }
  // The widget's pointer block swallows clicks while it settles: choose with the keyboard.
  const focused = wb.page.locator('.action-widget .monaco-list-row.focused');
  for (let i = 0; i < 12; i++) {
    if (((await focused.getAttribute('aria-label').catch(() => '')) ?? '').includes(title)) break;
    await wb.page.keyboard.press('ArrowDown');
  }
  assert.ok(((await focused.getAttribute('aria-label')) ?? '').includes(title), `no quick fix "${title}" could be focused`);
  await wb.page.keyboard.press('Enter');
}

/**
 * Go to Line without clicking into the editor first (a click at the editor's top can land on a
 * CodeLens and run it): the editor Quick Open just opened has the focus.
 */
async function goToLine(wb: Workbench, line: number, column: number): Promise<void> {
  await wb.page.keyboard.press('Control+G');
  const box = wb.page.locator('.quick-input-widget .quick-input-box input');
  await box.waitFor({ state: 'visible' });
  await box.fill(`:${line}:${column}`);
  await wb.page.keyboard.press('Enter');
  await wb.statusItem('status.editor.selection').filter({ hasText: `Ln ${line}, Col ${column}` }).waitFor();
}

const notice = (wb: Workbench) => wb.page.locator('.statusbar-item', { hasText: 'No Cluster document' });

describe('first sight — a workspace without a Cluster document', function () {
  let wb: Workbench;

  before(async function () {
    const dir = workspace(NAME);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'app.yaml'), APP);
    wb = await openWorkbench(NAME);
    await wb.openFile('app.yaml');
  });
  afterEach(async function () {
    await screenshotOnFailure(this, wb);
  });
  after(async function () {
    await closeWorkbench(wb);
  });

  it('one notice: a status bar item and one problem on the first policy, naming the setting', async function () {
    await notice(wb).first().waitFor({ timeout: 30_000 });
    const rows = await wb.problems(2);
    const notices = rows.filter((r) => r.message.startsWith('No Cluster document in the workspace'));
    assert.strictEqual(notices.length, 1, JSON.stringify(rows, null, 1));
    assert.strictEqual(notices[0].line, lineOf('name: frontend-from-client'));
    assert.match(notices[0].message, /podpath\.defaultCluster\.networkPolicy/);
    assert.ok(!rows.some((r) => r.text.includes('policy-not-enforced')), 'no per-policy finding');
    await saveScreenshot(wb, 'e2e-no-cluster-notice');
  });

  it('a problem\'s code opens its finding page, inside the installed extension', async function () {
    await wb.problems(2);
    const link = wb.page.locator('.markers-panel .monaco-list-row a', { hasText: 'no-cluster-document' }).first();
    await link.click();
    await wb.page.locator('.tabs-container .tab', { hasText: 'finding no-cluster-document' }).first().waitFor({ timeout: 20_000 });
    // The tab shows before the page's lines are drawn: wait for them, then read.
    await wb.activeEditorText().filter({ hasText: 'PodPath finding' }).first().waitFor({ timeout: 20_000 });
    const text = await wb.editorText();
    assert.match(text, /# PodPath finding `no-cluster-document`/);
    assert.match(text, /All findings/);
    await saveScreenshot(wb, 'e2e-finding-page');
  });

  it('quick fix "Assume policies are enforced" sets podpath.defaultCluster.networkPolicy and the notice goes', async function () {
    await wb.openFile('app.yaml');
    await goToLine(wb, lineOf('name: frontend-from-client'), 9);
    await applyQuickFix(wb, 'Assume policies are enforced');
    await notice(wb).first().waitFor({ state: 'detached', timeout: 30_000 });
    const settings = path.join(workspace(NAME), '.vscode', 'settings.json');
    assert.match(fs.readFileSync(settings, 'utf8'), /"podpath\.defaultCluster\.networkPolicy": "enforced"/);
    // Back to no setting: the notice returns.
    fs.writeFileSync(settings, '{}\n');
    await notice(wb).first().waitFor({ timeout: 30_000 });
  });

  it('quick fix "Create a Cluster document" writes one for the CNI picked, and the notice goes', async function () {
    await wb.openFile('app.yaml');
    await goToLine(wb, lineOf('name: frontend-from-client'), 9);
    await applyQuickFix(wb, 'Create a Cluster document');
    await wb.pickQuickItem('Calico');
    await wb.page.locator('.tabs-container .tab.active', { hasText: 'podpath-cluster.yaml' }).waitFor({ timeout: 20_000 });
    const written = fs.readFileSync(path.join(workspace(NAME), 'podpath-cluster.yaml'), 'utf8');
    assert.match(written, /^# /);
    assert.match(written, /plugin: calico/);
    await notice(wb).first().waitFor({ state: 'detached', timeout: 30_000 });
    await saveScreenshot(wb, 'e2e-cluster-document-created');
  });

  it('a one-key selector whose pods were relabelled: "Select the pods labelled app=frontend-v2"', async function () {
    await wb.openFile('app.yaml');
    // The Service's selector line (the only line that is exactly `    app: frontend`).
    const line = APP.split('\n').findIndex((l) => l === '    app: frontend') + 1;
    await goToLine(wb, line, 10);
    await applyQuickFix(wb, 'Select the pods labelled app=frontend-v2');
    await wb.page.keyboard.press('Control+S');
    await wb.page.locator('.codelens-decoration a', { hasText: /^2 endpoints$/ }).first().waitFor({ timeout: 30_000 });
    const fixed = /selector:\n {4}app: frontend-v2\n {2}ports/;
    assert.match(await textOnceMatching(path.join(workspace(NAME), 'app.yaml'), fixed), fixed);
    await saveScreenshot(wb, 'e2e-selector-quick-fix');
  });

  it('the Service lens traces to it from a picked pod; the trace document wraps its lines', async function () {
    await wb.openFile('app.yaml');
    await wb.codeLensLinks('Trace to this Service from…').first().click();
    await wb.pickQuickItem('client');
    await wb.acceptInput(); // the port, preset to the Service's
    await wb.page.locator('.tabs-container .tab.active', { hasText: 'trace' }).waitFor({ timeout: 30_000 });
    await wb.page.locator('.editor-group-container.active .editor-instance .view-lines', { hasText: 'default/client' }).first().waitFor({ timeout: 20_000 });
    assert.strictEqual(await wb.languageMode(), 'PodPath Trace');
    // Word wrap on: no rendered line reaches past the editor's right edge.
    const overflow = await wb.page.evaluate(() => {
      const editor = document.querySelector('.editor-group-container.active .monaco-editor') as any;
      const right = editor.getBoundingClientRect().right;
      const lines = [...editor.querySelectorAll('.view-line > span')] as any[];
      return { lines: lines.length, past: lines.filter((l: any) => l.getBoundingClientRect().right > right + 1).length };
    });
    assert.ok(overflow.lines > 5, JSON.stringify(overflow));
    assert.strictEqual(overflow.past, 0, 'lines cut at the editor\'s edge');
    await saveScreenshot(wb, 'e2e-trace-wrapped');
  });

  it('the diagram opened from the trace is legible in its column, after opening and after a resize', async function () {
    await wb.runCommand('PodPath: Show Topology');
    const frame = wb.webviewContent();
    await frame.locator('[data-testid="diagram"]').waitFor({ state: 'visible', timeout: 30_000 });
    await frame.locator('[data-testid="pod-name"]').first().waitFor({ state: 'attached', timeout: 20_000 });
    const groups = await wb.page.locator('.editor-group-container').count();
    assert.ok(groups <= 2, `${groups} editor groups`);
    const size = () => frame.locator('[data-testid="diagram"]').evaluate((svg: any) => {
      const k = Number(svg.getAttribute('data-zoom'));
      const box = svg.getBoundingClientRect();
      const names = [...svg.ownerDocument.querySelectorAll('[data-testid=pod-name]')].filter((e: any) => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.left < box.right && r.right > box.left && r.top < box.bottom && r.bottom > box.top;
      });
      return { px: names.length ? parseFloat(getComputedStyle(names[0]).fontSize) * k : 0, names: names.length, width: box.width };
    });
    const first = await size();
    assert.ok(first.names > 0 && first.px >= 9, `pod names at ${first.px.toFixed(1)} px (${JSON.stringify(first)})`);
    await frame.locator('[data-testid="hop-marker"]').first().waitFor({ state: 'attached', timeout: 20_000 });
    assert.deepEqual(await frame.locator('[data-testid="diagram"]').evaluate(badgeProblemsIn), [], 'the trace\'s hop badges sit beside their elements, over no label');
    await saveScreenshot(wb, 'e2e-topology-side-column');
    await wb.page.setViewportSize({ width: 1000, height: 760 });
    await wb.page.waitForTimeout(1500);
    const after = await size();
    assert.notStrictEqual(after.width, first.width, 'the column was resized');
    assert.ok(after.names > 0 && after.px >= 9, `after a resize: pod names at ${after.px.toFixed(1)} px (${JSON.stringify(after)})`);
    await saveScreenshot(wb, 'e2e-topology-side-column-resized');
  });
});
