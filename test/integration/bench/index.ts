/**
 * The extension benchmark, run inside a real extension host (code-server's, by
 * scripts/e2e/run-bench.js) on a generated workspace (workspace.ts). It measures what the issue
 * sets targets for:
 *
 *   - activation: `extension.activate()` — loading dist/extension.js and running activate();
 *   - save → diagnostics, per kind of single-file edit (workspace.ts: a Service's selector, a
 *     Service's port, a pod template's label, replicas, a NetworkPolicy rule, a comment), each
 *     saved, then undone and saved: the time from `save()` until the Problems collection shows
 *     (or drops) the finding the edit brings, or, for an edit that changes no finding, until
 *     the extension says (its test API, `onDidPublish`) that the analysis of that save is shown;
 *   - hover, CodeLens and inlay hints asked right after each of those saves;
 *   - the main thread: a 10 ms timer notes every late tick while all of the above and a hover,
 *     CodeLens and a trace run (lag.ts).
 *
 * The numbers go to the JSON file named by PODPATH_BENCH_OUT; the runner prints the table.
 */
import * as fs from 'fs';
import * as inspector from 'inspector';
import { performance } from 'perf_hooks';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../expectations';
import { codeOf } from '../helpers';
import { say } from '../log';
import type { PublishedAnalysis } from '../../../src/extension/analysis-scheduler';
import type { PodPathTestApi } from '../../../src/extension/extension';
import type { ProviderTiming, TimedProvider } from '../../../src/extension/provider-timings';
import { FloorProviders, FloorSave } from './floors';
import { LagSampler } from './lag';
import { ProviderSample, splitOf, stats } from './splits';
import type { BenchEdit, BenchWorkspace } from './workspace';

/** Per edit kind: each round saves the edit and then its undoing. */
const ROUNDS = Number(process.env.PODPATH_BENCH_ROUNDS ?? 5);

function fileUri(relative: string): vscode.Uri {
  return vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, ...relative.split('/'));
}

/** Resolves (with the time it happened) once `uri`'s diagnostics satisfy `ok`; rejects after `timeoutMs`. */
function whenDiagnostics(uri: vscode.Uri, ok: (d: vscode.Diagnostic[]) => boolean, timeoutMs = 120_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!ok(vscode.languages.getDiagnostics(uri))) return false;
      const t = performance.now();
      sub.dispose();
      clearTimeout(timer);
      resolve(t);
      return true;
    };
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`diagnostics of ${uri.path} did not change as expected within ${timeoutMs} ms`));
    }, timeoutMs);
    check();
  });
}

const hasFinding = (code: string, line: number) => (ds: vscode.Diagnostic[]) => ds.some((d) => codeOf(d) === code && d.range.start.line + 1 === line);

/** Resolves (with the time it happened) once an analysis whose update was sent after `since` is shown. */
function whenPublished(api: PodPathTestApi, since: number, timeoutMs = 120_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const sub = api.onDidPublish((p) => {
      if (p.sentAt < since) return;
      const t = performance.now();
      sub.dispose();
      clearTimeout(timer);
      resolve(t);
    });
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no analysis was published within ${timeoutMs} ms of a save`));
    }, timeoutMs);
  });
}

/**
 * Makes `e` and undoes it, ROUNDS times, saving after each; times each save until its analysis
 * shows, and right after it asks for a hover (on the nearest object's name line above the
 * edit), the file's CodeLens and its inlay hints, as the editor would for a user looking on.
 */
type SavePart = 'toSend' | 'editorToWillSave' | 'willSaveToSent' | 'take' | 'roundTrip' | 'worker' | 'apply' | 'editorSave';
type AfterSave = Record<TimedProvider, ProviderSample[]>;

async function benchEdit(e: BenchEdit, api: PodPathTestApi, floor: FloorProviders, floorSave: FloorSave): Promise<{ saves: number[]; afterSave: AfterSave; parts: Record<SavePart, number[]>; timedOut?: string }> {
  const uri = fileUri(e.file);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc);
  await new Promise((r) => setTimeout(r, 500)); // let the open settle
  const line = doc.lineAt(e.line - 1).text;
  const col = line.indexOf(e.from);
  if (col < 0) throw new Error(`line ${e.line} of ${e.file} is ${JSON.stringify(line)}, without ${JSON.stringify(e.from)}`);
  const lines = doc.getText().split('\n');
  let nameLine = e.line - 1;
  while (nameLine > 0 && !lines[nameLine].startsWith('metadata: {name: ')) nameLine--;
  const replace = async (from: string, to: string) => {
    const we = new vscode.WorkspaceEdit();
    we.replace(uri, new vscode.Range(e.line - 1, col, e.line - 1, col + from.length), to);
    if (!(await vscode.workspace.applyEdit(we))) throw new Error('edit refused');
  };
  const saves: number[] = [];
  const afterSave: AfterSave = { hover: [], codeLens: [], inlayHints: [] };
  // Each question to PodPath, then the same to the floor providers (answering PodPath's answer at once).
  // The first question after a save meets an editor still busy with it: PodPath and the floor
  // take turns being first, so neither is always the one that pays for it.
  let floorFirst = false;
  const ask = async <T>(provider: TimedProvider, command: string, args: (target: vscode.Uri) => unknown[]): Promise<T> => {
    const records: ProviderTiming[] = [];
    const sub = api.onDidTimeProvider((t) => {
      if (t.provider === provider) records.push(t);
    });
    const askFloor = () => timed(() => vscode.commands.executeCommand(command, floor.document.uri, ...args(floor.document.uri)));
    const before = floorFirst ? await askFloor() : undefined;
    const [answer, wallMs] = await timed(() => vscode.commands.executeCommand<T>(command, uri, ...args(uri)));
    sub.dispose();
    const [, floorMs] = before ?? await askFloor();
    afterSave[provider].push({ wallMs, floorMs, ...(records.length ? { timing: records[records.length - 1] } : {}) });
    return answer;
  };
  const askProviders = async () => {
    const hovers = await ask<vscode.Hover[]>('hover', 'vscode.executeHoverProvider', () => [new vscode.Position(nameLine, 20)]);
    const lenses = await ask<vscode.CodeLens[]>('codeLens', 'vscode.executeCodeLensProvider', () => [100]);
    const hints = await ask<vscode.InlayHint[]>('inlayHints', 'vscode.executeInlayHintProvider', () => [new vscode.Range(0, 0, doc.lineCount, 0)]);
    // The next round's floor answers the same as PodPath did this round.
    floor.answerLike(hovers, lenses, hints);
    floorFirst = !floorFirst;
  };
  const finding = e.finding;
  const shows = finding ? hasFinding(finding.code, finding.line) : undefined;
  // Where each save's time went: the last analysis shown for it, by stage.
  const parts: Record<SavePart, number[]> = { toSend: [], editorToWillSave: [], willSaveToSent: [], take: [], roundTrip: [], worker: [], apply: [], editorSave: [] };
  const saveAndWait = async (expectFinding: boolean) => {
    const t0 = performance.now();
    let last: PublishedAnalysis | undefined;
    const sub = api.onDidPublish((p) => {
      if (p.sentAt >= t0) last = p;
    });
    const waiting = shows ? whenDiagnostics(uri, expectFinding ? shows : (ds) => !shows(ds)) : whenPublished(api, t0);
    await doc.save();
    parts.editorSave.push(performance.now() - t0);
    saves.push((await waiting) - t0);
    sub.dispose();
    if (last) {
      parts.toSend.push(last.sentAt - t0);
      // The save's start reaching the extension host (onWillSaveTextDocument: the editor's), then PodPath's part.
      parts.editorToWillSave.push(last.noticedAt - t0);
      parts.willSaveToSent.push(last.sentAt - last.noticedAt);
      parts.take.push(last.takeMs);
      parts.roundTrip.push(last.receivedAt - last.sentAt);
      parts.worker.push(last.workerMs);
      parts.apply.push(last.shownAt - last.receivedAt);
    }
    await askProviders();
    await floorSave.measure();
  };
  // A save whose analysis does not show within the wait ends this kind (said in the figures),
  // and the edit is undone and saved, so the kinds after it still run.
  let timedOut: string | undefined;
  try {
    for (let i = 0; i < ROUNDS; i++) {
      await replace(e.from, e.to);
      await saveAndWait(true);
      await replace(e.to, e.from);
      await saveAndWait(false);
    }
  } catch (err) {
    timedOut = (err as Error).message;
    say(`bench: ${e.kind}: ${timedOut}`);
    if (doc.lineAt(e.line - 1).text.includes(e.to)) await replace(e.to, e.from);
    await doc.save();
  }
  return { saves, afterSave, parts, ...(timedOut ? { timedOut } : {}) };
}

async function timed<T>(f: () => Thenable<T> | Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, Math.round((performance.now() - t0) * 10) / 10];
}

export async function run(): Promise<void> {
  const out = process.env.PODPATH_BENCH_OUT;
  const edit = JSON.parse(process.env.PODPATH_BENCH_EDIT ?? '{}') as BenchWorkspace;
  if (!out || !edit.editFile) throw new Error('PODPATH_BENCH_OUT and PODPATH_BENCH_EDIT must be set (run scripts/e2e/run-bench.js)');
  const result: Record<string, unknown> = { pods: edit.pods, rounds: ROUNDS };
  const lag = new LagSampler();
  lag.start();
  const profile = process.env.PODPATH_BENCH_PROFILE ? await startProfile() : undefined;

  // ---- activation -------------------------------------------------------------------------
  lag.phase('activation');
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  const wasActive = ext.isActive;
  const tActivate = performance.now();
  await ext.activate();
  result.activationMs = wasActive ? null : Math.round((performance.now() - tActivate) * 10) / 10;
  say(`bench ${edit.pods}: activation ${wasActive ? 'happened before the benchmark started' : `${result.activationMs} ms`}`);

  // ---- first analysis of the whole workspace ------------------------------------------------
  lag.phase('first analysis');
  const orphan = fileUri('orphan.yaml');
  const firstAt = await whenDiagnostics(orphan, hasFinding('service-selects-nothing', 5), 120_000);
  result.firstDiagnosticsMs = Math.round(firstAt - tActivate);
  say(`bench ${edit.pods}: first diagnostics ${result.firstDiagnosticsMs} ms after activation started`);

  // ---- save → diagnostics, one edit kind after the other ----------------------------------
  const api = ext.exports as PodPathTestApi | undefined;
  if (!api?.onDidPublish) throw new Error('the extension gave no test API (is the host in test mode?)');
  const uri = fileUri(edit.editFile);
  const doc = await vscode.workspace.openTextDocument(uri);
  const deploymentLine = doc.getText().split('\n').findIndex((l) => l.startsWith('metadata: {name: app-'));
  const saves: number[] = [];
  const afterSave: AfterSave = { hover: [], codeLens: [], inlayHints: [] };
  const allParts: Record<string, number[]> = {};
  const kinds: Record<string, unknown> = {};
  const wall = (xs: ProviderSample[]) => xs.map((x) => x.wallMs);
  const floor = await FloorProviders.open(doc.getText());
  const floorSave = await FloorSave.open(fileUri('save-floor.txt'), doc.getText());
  for (const e of edit.edits) {
    lag.phase(`save → diagnostics: ${e.kind}`);
    const r = await benchEdit(e, api, floor, floorSave);
    saves.push(...r.saves);
    for (const k of ['hover', 'codeLens', 'inlayHints'] as const) afterSave[k].push(...r.afterSave[k]);
    for (const [k, xs] of Object.entries(r.parts)) (allParts[k] ??= []).push(...xs);
    kinds[e.kind] = {
      waitsFor: e.finding ? `${e.finding.code} on line ${e.finding.line}` : 'the analysis-published signal',
      ...(r.timedOut ? { timedOut: r.timedOut } : {}),
      saveToDiagnosticsMs: stats(r.saves),
      // save → update sent (host; of it: the editor until onWillSaveTextDocument, then PodPath, of
      // which collecting the text), sent → answer received (queue, worker, message), the worker's
      // own time, received → diagnostics shown; and the editor's whole save (doc.save() resolving).
      savePartsMs: Object.fromEntries(Object.entries(r.parts).map(([k, xs]) => [k, stats(xs)])),
      afterSaveMs: { hover: stats(wall(r.afterSave.hover)), codeLens: stats(wall(r.afterSave.codeLens)), inlayHints: stats(wall(r.afterSave.inlayHints)) },
      providerSplitMs: { hover: splitOf(r.afterSave.hover), codeLens: splitOf(r.afterSave.codeLens), inlayHints: splitOf(r.afterSave.inlayHints) },
    };
    say(`bench ${edit.pods}: ${e.kind}: save → diagnostics ${JSON.stringify(stats(r.saves))} (medians: save → will-save ${stats(r.parts.editorToWillSave).median}, will-save → sent ${stats(r.parts.willSaveToSent).median}, round trip ${stats(r.parts.roundTrip).median}, worker ${stats(r.parts.worker).median}, apply ${stats(r.parts.apply).median}), providers after a save ${JSON.stringify(stats(wall([...r.afterSave.hover, ...r.afterSave.codeLens, ...r.afterSave.inlayHints])))}`);
  }
  floor.dispose();
  result.floorSaveMs = { toWillSave: stats(floorSave.willSave), save: stats(floorSave.save) };
  result.saveToDiagnosticsMs = { all: stats(saves) };
  result.savePartsMs = Object.fromEntries(Object.entries(allParts).map(([k, xs]) => [k, stats(xs)]));
  result.afterSaveMs = { hover: stats(wall(afterSave.hover)), codeLens: stats(wall(afterSave.codeLens)), inlayHints: stats(wall(afterSave.inlayHints)), all: stats(wall([...afterSave.hover, ...afterSave.codeLens, ...afterSave.inlayHints])) };
  result.providerSplitMs = { hover: splitOf(afterSave.hover), codeLens: splitOf(afterSave.codeLens), inlayHints: splitOf(afterSave.inlayHints) };
  result.kinds = kinds;
  say(`bench ${edit.pods}: save → diagnostics ${JSON.stringify(result.saveToDiagnosticsMs)}`);
  say(`bench ${edit.pods}: providers right after a save ${JSON.stringify(result.afterSaveMs)}`);

  // ---- hover, CodeLens, trace ----------------------------------------------------------------
  lag.phase('hover, CodeLens, trace');
  const [, hoverMs] = await timed(() => vscode.commands.executeCommand('vscode.executeHoverProvider', uri, new vscode.Position(deploymentLine, 20)));
  const [, lensMs] = await timed(() => vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri, 100));
  const [, hintsMs] = await timed(() => vscode.commands.executeCommand('vscode.executeInlayHintProvider', uri, new vscode.Range(0, 0, doc.lineCount, 0)));
  const ns = /namespace: ([\w-]+)/.exec(doc.lineAt(deploymentLine).text)?.[1] ?? 'team-0';
  const [, traceMs] = await timed(() => vscode.commands.executeCommand('podpath.trace', `deployment:${ns}/${edit.editApp}`, `service:${ns}/${edit.editApp}`, 80, 'tcp'));
  result.interactionsMs = { hover: hoverMs, codeLens: lensMs, inlayHints: hintsMs, trace: traceMs };
  say(`bench ${edit.pods}: ${JSON.stringify(result.interactionsMs)}`);
  await new Promise((r) => setTimeout(r, 1000)); // blocks right after the last answer count too

  lag.phase('end');
  result.mainThread = lag.stop();
  // The extension host's resident memory: its main thread and the analysis worker thread together.
  result.rssMb = Math.round(process.memoryUsage().rss / 1048576);
  if (profile) fs.writeFileSync(process.env.PODPATH_BENCH_PROFILE!, JSON.stringify(await profile()));
  fs.writeFileSync(out, JSON.stringify(result, null, 2));
  say(`bench ${edit.pods}: main thread max block ${(result.mainThread as { maxBlockMs: number }).maxBlockMs} ms`);
}

/**
 * A CPU profile of the extension host's main thread (PODPATH_BENCH_PROFILE=<file>.cpuprofile):
 * open it in Chrome DevTools or VS Code to see what blocked the thread. Returns the stop function.
 */
async function startProfile(): Promise<() => Promise<unknown>> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  await post('Profiler.start');
  return async () => {
    const { profile } = await post('Profiler.stop');
    session.disconnect();
    return profile;
  };
}
