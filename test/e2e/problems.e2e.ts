/// <reference types="mocha" />
import * as assert from 'assert';
import { FIXTURE_PROBLEMS, ORPHAN_FIX } from '../integration/expectations';
import { closeWorkbench, openWorkbench, saveScreenshot, screenshotOnFailure } from './session';
import { Workbench } from './workbench';

const SEVERITY = { error: 'Error', warning: 'Warning', info: 'Info' } as const;

describe('Problems panel — the fixture workspace with intentional problems', function () {
  let wb: Workbench;

  before(async function () {
    wb = await openWorkbench('fixture');
  });
  afterEach(async function () {
    await screenshotOnFailure(this, wb);
  });
  after(async function () {
    await closeWorkbench(wb);
  });

  it('lists every problem with its message, code and line', async function () {
    await wb.openFile('problems.yaml');
    const rows = await wb.problems(FIXTURE_PROBLEMS.length);
    await saveScreenshot(wb, 'e2e-problems-panel');
    assert.strictEqual(rows.length, FIXTURE_PROBLEMS.length, JSON.stringify(rows, null, 1));
    for (const p of FIXTURE_PROBLEMS) {
      const row = rows.find((r) => r.message.includes(p.text));
      assert.ok(row, `no row for ${p.code} (${p.text}) in ${JSON.stringify(rows, null, 1)}`);
      assert.strictEqual(row.line, p.line, `${p.code}: line`);
      assert.strictEqual(row.severity, SEVERITY[p.severity], `${p.code}: severity`);
      assert.ok(row.text.includes(p.code), `${p.code}: the row does not show its code: ${row.text}`);
      assert.ok(row.text.includes(`[Ln ${p.line}, Col ${row.column}]`), `${p.code}: the row does not show its position: ${row.text}`);
    }
  });

  it('shows the cluster in the status bar', async function () {
    await wb.openFile('app.yaml'); // a YAML editor activates the extension
    const item = wb.page.locator('.statusbar-item', { hasText: '3 pods' }).first();
    await item.waitFor({ timeout: 20_000 });
    const text = await item.innerText();
    assert.match(text, /2 nodes/);
    assert.match(text, /flannel vxlan/);
  });

  it('drops a problem when its fix is typed and saved, and brings it back when the line is restored', async function () {
    await wb.openFile(ORPHAN_FIX.file);
    await wb.problems(FIXTURE_PROBLEMS.length); // the panel open, showing the analysed workspace
    await retypeLine(wb, ORPHAN_FIX.line, `  selector: ${ORPHAN_FIX.to}`);
    const fixed = FIXTURE_PROBLEMS.filter((p) => p.code !== ORPHAN_FIX.clears);
    await waitForProblems(wb, fixed.length, `${fixed.length} problems after the fix`);
    // The other problems of the file stay as they were shown (only the changed ones are converted
    // anew); the Service's lens follows once the editor asks again.
    await wb.page.locator('.codelens-decoration a', { hasText: /^2 endpoints$/ }).first().waitFor({ timeout: 30_000 });
    await saveScreenshot(wb, 'e2e-problems-after-fix');
    assert.deepStrictEqual(codesShown(await wb.readProblems()), fixed.map((p) => p.code).sort());

    await retypeLine(wb, ORPHAN_FIX.line, `  selector: ${ORPHAN_FIX.from}`);
    await waitForProblems(wb, FIXTURE_PROBLEMS.length, `${FIXTURE_PROBLEMS.length} problems after restoring the line`);
    await saveScreenshot(wb, 'e2e-problems-restored');
    assert.deepStrictEqual(codesShown(await wb.readProblems()), FIXTURE_PROBLEMS.map((p) => p.code).sort());
  });
});

/** Replaces a whole line by typing, as a user would, and saves (Ctrl+S). */
async function retypeLine(wb: Workbench, line: number, text: string): Promise<void> {
  await wb.goTo(line, 1);
  await wb.page.keyboard.press('Shift+End');
  // The editor auto-closes `{`; typing the `}` then steps over it instead of doubling it.
  await wb.page.keyboard.type(text);
  await wb.page.keyboard.press('Escape'); // no suggestion widget left to catch later keys
  await wb.page.keyboard.press('Control+S');
}

/** The finding codes the rows show, sorted. */
function codesShown(rows: { text: string }[]): string[] {
  return rows.map((r) => FIXTURE_PROBLEMS.find((p) => r.text.includes(p.code))?.code ?? `? ${r.text}`).sort();
}

/** Waits until the Problems panel shows exactly `count` problems. */
async function waitForProblems(wb: Workbench, count: number, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let n = -1;
  while (Date.now() < deadline) {
    n = (await wb.readProblems()).length;
    if (n === count) return;
    await wb.page.waitForTimeout(100);
  }
  throw new Error(`timed out waiting for ${what}: the panel shows ${n}`);
}
