import * as vscode from 'vscode';
import type { Diagnostic, QuickFix, Severity } from '../core/service/types';
import { toRange } from './convert';
import { TimeSlices } from './time-slices';
import { UpdateReply, diagnosticLines } from './worker-protocol';
import type { WorkspaceFiles } from './workspace-files';

/**
 * The core's findings in the Problems panel. Each diagnostic carries its code, linked to a page
 * made from the findings table of the README shipped with the extension, and the quick fixes the service
 * proposed, which code-actions.ts offers.
 */

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** Work per turn of the event loop: a huge first result must never stall the editor. */
const SLICE_MS = 8;
/** VS Code shows at most 1,000 problems per file; converting more would be wasted. */
const MAX_PER_FILE = 1000;

export class DiagnosticsView implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('podpath');
  private readonly fixes = new Map<string, { diagnostic: vscode.Diagnostic; fixes: QuickFix[] }[]>();
  /** Each code's page, made once: a file can hold a thousand problems of one code. */
  private readonly pages = new Map<string, vscode.Uri>();
  /**
   * The files shown with problems, in the order they were first shown (as the collection keeps
   * them), each with its codes: `firstWithCode` asks after every analysis, and walking every
   * problem of a large workspace to answer it would cost the editor's thread each time.
   */
  private readonly shown = new Map<string, { uri: vscode.Uri; codes: Set<string | number | undefined> }>();
  /**
   * Per file shown, its problems by the JSON line they came as: an edit changes a few of a
   * file's problems, so the next list converts only the lines it did not show before (a
   * 10,000-pod workspace's policy file holds about 900).
   */
  private readonly byLine = new Map<string, Map<string, Shown>>();

  /** `docs`: where a problem's code links to (a `podpath:` finding page, findings-page.ts). */
  constructor(private readonly files: WorkspaceFiles, private readonly docs: (code: string) => vscode.Uri) {}

  dispose(): void {
    this.collection.dispose();
  }

  clear(): void {
    this.collection.clear();
    this.fixes.clear();
    this.shown.clear();
    this.byLine.clear();
  }

  /**
   * Shows an update's diagnostics: every file when `full`, else only the files listed (the
   * worker sends only files whose problems changed). The work is cut into slices of SLICE_MS,
   * between files and between the diagnostics of one file, so no file, however many problems it
   * has, holds the editor up; a file's list is shown whole, once it is converted.
   */
  async apply(reply: UpdateReply): Promise<void> {
    if (reply.full) this.clear();
    const slices = new TimeSlices(SLICE_MS);
    for (const [file, text] of Object.entries(reply.diagnostics)) {
      await slices.due();
      const uri = this.files.uriOf(file);
      if (!uri) continue;
      const before = this.byLine.get(uri.toString());
      const now = new Map<string, Shown>();
      const converted: Shown[] = [];
      for (const line of mostSevere(diagnosticLines(text))) {
        let shown = before?.get(line) ?? now.get(line);
        if (!shown) {
          const pause = slices.due();
          if (pause) await pause;
          const d = JSON.parse(line) as Diagnostic;
          shown = { diagnostic: this.convert(d), fixes: d.fixes };
        }
        now.set(line, shown);
        converted.push(shown);
      }
      this.show(uri, converted, now);
    }
  }

  /** The first problem shown with this code, anywhere in the workspace (the status bar's notice). */
  firstWithCode(code: string): { uri: vscode.Uri; diagnostic: vscode.Diagnostic } | undefined {
    for (const { uri, codes } of this.shown.values()) {
      if (!codes.has(code)) continue;
      const diagnostic = this.collection.get(uri)?.find((x) => codeOf(x) === code);
      if (diagnostic) return { uri, diagnostic };
    }
    return undefined;
  }

  /** The quick fixes of one diagnostic VS Code hands back (a copy: matched by code, range, message). */
  fixesFor(uri: vscode.Uri, d: vscode.Diagnostic): QuickFix[] {
    const code = codeOf(d);
    const found = this.fixes.get(uri.toString())?.find(({ diagnostic: o }) =>
      o.message === d.message && o.range.isEqual(d.range) && codeOf(o) === code);
    return found?.fixes ?? [];
  }

  private show(uri: vscode.Uri, converted: Shown[], byLine: Map<string, Shown>): void {
    this.collection.set(uri, converted.map((c) => c.diagnostic));
    const key = uri.toString();
    if (byLine.size) this.byLine.set(key, byLine);
    else this.byLine.delete(key);
    if (converted.length === 0) this.shown.delete(key);
    else {
      const codes = new Set(converted.map((c) => codeOf(c.diagnostic)));
      const known = this.shown.get(key);
      if (known) known.codes = codes;
      else this.shown.set(key, { uri, codes });
    }
    const withFixes = converted.filter((c) => c.fixes.length > 0);
    if (withFixes.length) this.fixes.set(uri.toString(), withFixes);
    else this.fixes.delete(uri.toString());
  }

  private convert(d: Diagnostic): vscode.Diagnostic {
    const out = new vscode.Diagnostic(toRange(d.range), d.message, SEVERITY[d.severity] ?? vscode.DiagnosticSeverity.Warning);
    out.source = 'podpath';
    let page = this.pages.get(d.code);
    if (!page) this.pages.set(d.code, (page = this.docs(d.code)));
    out.code = { value: d.code, target: page };
    if (d.code === 'wrong-api-version') out.tags = [vscode.DiagnosticTag.Deprecated];
    const related: vscode.DiagnosticRelatedInformation[] = [];
    for (const r of d.related ?? []) {
      const uri = this.files.uriOf(r.range.file);
      if (uri) related.push(new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, toRange(r.range)), r.message));
    }
    if (related.length) out.relatedInformation = related;
    return out;
  }
}

function codeOf(d: vscode.Diagnostic): string | number | undefined {
  return typeof d.code === 'object' ? d.code.value : d.code;
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2, hint: 3 };

/** The lines of a file's list to show: all of them, or past MAX_PER_FILE the most severe (in their order within a severity). */
function mostSevere(lines: string[]): string[] {
  if (lines.length <= MAX_PER_FILE) return lines;
  const ranked = lines.map((line) => ({ line, rank: RANK[(JSON.parse(line) as Diagnostic).severity] }));
  return ranked.sort((a, b) => a.rank - b.rank).slice(0, MAX_PER_FILE).map((r) => r.line);
}

/** A problem as shown: the editor's object and its quick fixes. */
interface Shown {
  diagnostic: vscode.Diagnostic;
  fixes: QuickFix[];
}
