/**
 * A page object for the VS Code workbench (code-server 4.100 / VS Code 1.100) as a user drives
 * it: keyboard shortcuts, the command palette (F1), and what is rendered on screen. Every wait is
 * bounded; selectors are the workbench's own CSS classes, gathered here so a VS Code update is
 * fixed in one place.
 */
import { FrameLocator, Locator, Page } from 'playwright-core';

export const SELECTORS = {
  workbench: '.monaco-workbench',
  quickInput: '.quick-input-widget',
  quickInputBox: '.quick-input-widget .quick-input-box input',
  quickInputRows: '.quick-input-widget .quick-input-list .monaco-list-row',
  /** The row Enter would accept. */
  quickInputFocused: '.quick-input-widget .quick-input-list .monaco-list-row.focused',
  activeEditor: '.editor-group-container.active .editor-instance',
  activeTab: '.tabs-container .tab.active',
  problemsRows: '.markers-panel .monaco-list-row',
  codeLens: '.codelens-decoration',
  hover: '.monaco-hover:not(.hidden)',
  statusItem: (id: string) => `.statusbar-item[id="${id}"]`,
  notifications: '.notifications-toasts .notification-toast',
  webview: 'iframe.webview.ready',
};

export interface ProblemRow {
  severity: 'Error' | 'Warning' | 'Info';
  message: string;
  line: number;
  column: number;
  /** Everything the row shows, e.g. `message podpath code [Ln 8, Col 13]`. */
  text: string;
}

export class Workbench {
  constructor(readonly page: Page, readonly timeoutMs = 20_000) {}

  /** Opens `url` and waits until the workbench has rendered and the extension host is up. */
  async open(url: string): Promise<void> {
    await this.page.goto(url, { timeout: 60_000 });
    await this.page.waitForSelector(SELECTORS.workbench, { timeout: 60_000 });
    // The status bar's language/remote items show once the workbench has restored.
    await this.page.waitForSelector('.statusbar-item', { timeout: 60_000 });
  }

  /** Quick Open (Ctrl+P): types a file name and opens the first match. */
  async openFile(name: string): Promise<void> {
    await this.page.keyboard.press('Control+P');
    const box = this.page.locator(SELECTORS.quickInputBox);
    await box.waitFor({ state: 'visible', timeout: this.timeoutMs });
    await box.fill(name);
    // Wait until the filtered list has the file in front, or Enter opens what was listed before.
    await this.page.locator(SELECTORS.quickInputFocused, { hasText: name }).first().waitFor({ timeout: this.timeoutMs });
    await this.page.keyboard.press('Enter');
    await this.page.locator(SELECTORS.activeTab, { hasText: name }).waitFor({ timeout: this.timeoutMs });
    await this.activeEditorText().first().waitFor({ timeout: this.timeoutMs });
  }

  /** The rendered lines of the active editor (only the visible ones are in the DOM). */
  activeEditorText(): Locator {
    return this.page.locator(`${SELECTORS.activeEditor} .view-lines`);
  }

  /** The visible text of the active editor, with the editor's non-breaking spaces made plain. */
  async editorText(): Promise<string> {
    return (await this.activeEditorText().first().innerText()).replace(/\u00a0/g, ' ');
  }

  /** Moves the cursor with Go to Line (Ctrl+G), `line` and `column` 1-based. */
  async goTo(line: number, column = 1): Promise<void> {
    await this.page.locator(`${SELECTORS.activeEditor} .monaco-editor`).first().click({ position: { x: 200, y: 5 } });
    await this.page.keyboard.press('Control+G');
    const box = this.page.locator(SELECTORS.quickInputBox);
    await box.waitFor({ state: 'visible', timeout: this.timeoutMs });
    await box.fill(`:${line}:${column}`); // Go to Line's own prefix is ':'
    await this.page.keyboard.press('Enter');
    await this.page.locator(SELECTORS.statusItem('status.editor.selection'), { hasText: `Ln ${line}, Col ${column}` }).waitFor({ timeout: this.timeoutMs });
  }

  /** Runs a command from the command palette (F1) by its title, e.g. "PodPath: Show Topology". */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const box = this.page.locator(SELECTORS.quickInputBox);
    await box.waitFor({ state: 'visible', timeout: this.timeoutMs });
    await box.fill(`>${title}`);
    await this.page.locator(SELECTORS.quickInputFocused, { hasText: title }).first().waitFor({ timeout: this.timeoutMs });
    await this.page.keyboard.press('Enter');
  }

  /** Shows the hover at the cursor (the "Show or Focus Hover" command) and returns its text. */
  async hoverAtCursor(mustContain: string): Promise<string> {
    // The editor asks for a hover once; one asked while the editor re-renders (a lens or hint
    // arriving) can be dismissed, so ask again until the overall timeout.
    const hover = this.page.locator(SELECTORS.hover, { hasText: mustContain }).first();
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      await this.runCommand('Show or Focus Hover');
      const left = deadline - Date.now();
      try {
        await hover.waitFor({ state: 'visible', timeout: Math.max(1000, Math.min(5000, left)) });
        return (await hover.innerText()).trim();
      } catch (e) {
        if (Date.now() >= deadline) throw e;
        await this.page.keyboard.press('Escape');
      }
    }
  }

  /** Hovers the mouse over the first rendered occurrence of `text` on a line of the editor. */
  async hoverWithMouse(text: string, mustContain: string): Promise<string> {
    const token = this.page.locator(`${SELECTORS.activeEditor} .view-line span span`, { hasText: text }).first();
    await token.hover({ timeout: this.timeoutMs });
    const hover = this.page.locator(SELECTORS.hover, { hasText: mustContain }).first();
    await hover.waitFor({ state: 'visible', timeout: this.timeoutMs });
    return (await hover.innerText()).trim();
  }

  async closeHover(): Promise<void> {
    await this.page.keyboard.press('Escape');
  }

  /** Opens the Problems panel (Ctrl+Shift+M) and returns its problem rows once `count` are shown. */
  async problems(count: number): Promise<ProblemRow[]> {
    await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const deadline = Date.now() + this.timeoutMs;
    let rows: ProblemRow[] = [];
    while (Date.now() < deadline) {
      rows = await this.readProblems();
      if (rows.length >= count) return rows;
      await this.page.waitForTimeout(200);
    }
    throw new Error(`the Problems panel shows ${rows.length} problems, expected ${count}: ${JSON.stringify(rows, null, 1)}`);
  }

  /** The problem rows of the Problems panel as shown (file rows are left out). */
  async readProblems(): Promise<ProblemRow[]> {
    const raw = await this.page.locator(SELECTORS.problemsRows).evaluateAll((els) => els.map((e) => ({ label: e.getAttribute('aria-label') ?? '', text: e.textContent ?? '' })));
    const out: ProblemRow[] = [];
    for (const r of raw) {
      // aria-label: "Warning: <message> at line 8 and character 13. generated by podpath"
      const m = /^(Error|Warning|Info): ([\s\S]*) at line (\d+) and character (\d+)\./.exec(r.label);
      if (m) out.push({ severity: m[1] as ProblemRow['severity'], message: m[2], line: Number(m[3]), column: Number(m[4]), text: r.text });
    }
    return out;
  }

  /** The CodeLens links rendered in the active editor, e.g. ["Trace to pod", "2 endpoints"]. */
  codeLensLinks(title?: string): Locator {
    const links = this.page.locator(`${SELECTORS.activeEditor} ${SELECTORS.codeLens} a`);
    return title ? links.filter({ hasText: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) : links;
  }

  /** Waits for the quick pick and chooses the first row whose text contains `text`. */
  async pickQuickItem(text: string): Promise<void> {
    const row = this.page.locator(SELECTORS.quickInputRows, { hasText: text }).first();
    await row.waitFor({ state: 'visible', timeout: this.timeoutMs });
    await row.click();
  }

  /** Waits for an input box and accepts it, optionally with a new value. */
  async acceptInput(value?: string): Promise<void> {
    const box = this.page.locator(SELECTORS.quickInputBox);
    await box.waitFor({ state: 'visible', timeout: this.timeoutMs });
    if (value !== undefined) await box.fill(value);
    await this.page.keyboard.press('Enter');
  }

  statusItem(id: string): Locator {
    return this.page.locator(SELECTORS.statusItem(id));
  }

  /** The language shown in the status bar for the active editor, e.g. "YAML". */
  async languageMode(): Promise<string> {
    return (await this.statusItem('status.editor.mode').innerText()).trim();
  }

  /** The content frame of the active webview (VS Code nests it: iframe.webview > #active-frame). */
  webviewContent(): FrameLocator {
    return this.page.frameLocator(SELECTORS.webview).frameLocator('#active-frame');
  }

  async screenshot(file: string): Promise<void> {
    await this.page.screenshot({ path: file });
  }
}
