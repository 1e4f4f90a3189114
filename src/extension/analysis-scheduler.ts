import * as vscode from 'vscode';
import { AnalysisClient, CancelToken, QueryTiming, isCancelled } from './analysis-client';
import type { DiagnosticsView } from './diagnostics';
import { jsonEqual } from './json-equal';
import { Answer, ProviderAnswers } from './provider-answers';
import type { AnswerSource, ProviderTiming } from './provider-timings';
import type { ExtensionSettings } from './settings';
import type { AnalysisApi, QueryMethod, UpdateReply } from './worker-protocol';
import type { ChangeReason, WorkspaceFiles } from './workspace-files';

/**
 * When to analyse, and what to do with the answer. Edits become updates for the worker (on
 * save, or as you type after a pause, per `podpath.analyzeOn`); answers become diagnostics,
 * a log line and an event the other views refresh on. An answer overtaken by a newer update
 * is dropped, so the editor only ever shows the newest analysis.
 */

/** How long an update may run before the window shows progress. */
const PROGRESS_AFTER_MS = 300;

type Query<M extends QueryMethod> = AnalysisApi[M];

/** The provider questions asked again after each analysis for the files on screen. */
const RENEWED = ['codeLenses', 'inlayHints'] as const;
export type RenewedMethod = (typeof RENEWED)[number];

/** A provider's answer, with how it was found and, when the worker was asked for it, the worker's timing. */
export interface ProviderAnswer<T> extends Answer<T> {
  source: AnswerSource;
  worker?: QueryTiming;
}

/**
 * An analysis now shown: its generation, and (performance.now() times) when the first change it
 * carries was noticed (an edit, a save starting), when its update was sent, when the worker's
 * answer arrived and when its diagnostics were all shown; with the worker's own time for it.
 * Where a save's time goes, for the benchmark.
 */
export interface PublishedAnalysis {
  generation: number;
  noticedAt: number;
  /** Of noticed → sent: collecting the changed files' text. */
  takeMs: number;
  sentAt: number;
  receivedAt: number;
  shownAt: number;
  workerMs: number;
}

export class AnalysisScheduler implements vscode.Disposable {
  private generation = 0;
  /** The generation whose diagnostics are shown (0: none yet, -1: unknown after a worker crash). */
  private shown = 0;
  private timer: NodeJS.Timeout | undefined;
  /** An update to send once the events already received are handled (see `soon`). */
  private immediate: NodeJS.Immediate | undefined;
  private started: Promise<void> | undefined;
  private running = 0;
  private idle: (() => void) | undefined;
  private applying: Promise<void> = Promise.resolve();
  /** When the first change not yet sent was noticed (undefined: none waiting). */
  private noticedAt: number | undefined;
  private readonly analysed = new vscode.EventEmitter<UpdateReply>();
  private readonly published = new vscode.EventEmitter<PublishedAnalysis>();
  private readonly refreshed = new vscode.EventEmitter<RenewedMethod>();
  private readonly providerTimed = new vscode.EventEmitter<ProviderTiming>();
  /** Provider answers kept from earlier analyses (see `answer`). */
  private readonly answers = new ProviderAnswers(
    () => ({ epoch: this.generation, updating: this.running > 0 }),
    // CodeLens and inlay hints are asked for again; a hover has no such event (the next one is current).
    (key) => {
      const method = RENEWED.find((m) => key.startsWith(`${m} `));
      if (method) this.refreshed.fire(method);
    },
  );
  private readonly subscriptions: vscode.Disposable[] = [];

  /** After every analysis the editor shows (views re-query on it). */
  readonly onDidAnalyse = this.analysed.event;
  /** The same moment, told with when its update was sent (tests know by it that a save's analysis is shown). */
  readonly onDidPublish = this.published.event;
  /**
   * The answers of `method` (CodeLens or inlay hints) the editor shows are out of date: the
   * provider tells the editor to ask again. Fired when a provider was answered from an earlier
   * analysis and the current answer has arrived, and after an analysis for a file on screen
   * whose answer it changed (not when it left the answer as it was).
   */
  readonly onDidRefreshAnswers = this.refreshed.event;
  /** Where each provider call's time went (the benchmark reads it through the test API). */
  readonly onDidTimeProvider = this.providerTimed.event;

  constructor(
    private readonly client: AnalysisClient,
    private readonly files: WorkspaceFiles,
    private readonly diagnostics: DiagnosticsView,
    private readonly log: vscode.LogOutputChannel,
    private readonly settings: () => ExtensionSettings,
  ) {
    client.onCrash = (loss) => {
      if (client.broken) {
        void vscode.window.showErrorMessage(vscode.l10n.t('PodPath: the analysis stopped after repeated crashes. See the PodPath output for details, then reload the window.'));
        return;
      }
      // The new worker starts empty: send every file again, and expect every diagnostic back.
      this.files.markReset();
      if (loss === 'too-large') {
        // The reply standing in for the analysis carries the finding; the same files would only
        // stop the new worker again, so they are sent with the next edit, not now.
        vscode.window.setStatusBarMessage(vscode.l10n.t('PodPath: the workspace is too large to analyse in the editor (see Problems)'), 15_000);
        return;
      }
      vscode.window.setStatusBarMessage(vscode.l10n.t('PodPath: the analysis worker stopped and is being restarted'), 10_000);
      this.shown = -1;
      this.schedule(0);
    };
    this.subscriptions.push(
      this.analysed,
      this.published,
      this.refreshed,
      this.providerTimed,
      files.onDidChange((reason) => this.changed(reason)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (['podpath.severity', 'podpath.defaultCluster'].some((s) => e.affectsConfiguration(s))) this.schedule(0);
      }),
    );
  }

  dispose(): void {
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    for (const d of this.subscriptions) d.dispose();
  }

  /** The first scan and analysis; later calls return the same promise. Not on the activation path. */
  start(): Promise<void> {
    return (this.started ??= this.files.scan());
  }

  /** Finds the files again and analyses everything (the "Analyze Workspace" command). */
  async reanalyse(): Promise<void> {
    if (!this.started) return this.start();
    await this.files.scan();
  }

  /**
   * Asks the worker a question about the current text: an update still waiting for its pause
   * is sent first, so positions in the question match the analysis that answers it.
   */
  async query<M extends QueryMethod>(method: M, args: Parameters<Query<M>>, token?: CancelToken): Promise<ReturnType<Query<M>>> {
    await this.start();
    if (this.waiting) this.sendNow();
    return this.client.query(method, args, token);
  }

  /**
   * A provider's question (CodeLens, inlay hints, hover), answered at once from an earlier
   * analysis, marked stale, when the worker is busy with a newer one (provider-answers.ts).
   * `key` names the question within `method`: the file, or the file and position. `token`:
   * the question is the caller's alone and cancelled with it (a hover); else it is shared.
   */
  async answer<M extends QueryMethod>(method: M, key: string, args: Parameters<Query<M>>, token?: CancelToken): Promise<ProviderAnswer<ReturnType<Query<M>>>> {
    await this.start();
    if (this.waiting) this.sendNow();
    let worker: QueryTiming | undefined;
    const ask = () => this.client.queryTimed(method, args, token).then((a) => {
      worker = a.timing;
      return a.value;
    });
    const answer = await this.answers.get(`${method} ${key}`, ask, !token);
    // Not stale and no worker timing: the kept answer, or a request another caller made.
    return { ...answer, source: answer.stale ? 'earlier' : worker ? 'worker' : 'kept', ...(worker && !answer.stale ? { worker } : {}) };
  }

  /** A provider call's timing, for whoever listens (the benchmark). */
  reportProviderTiming(timing: ProviderTiming): void {
    this.providerTimed.fire(timing);
  }

  private changed(reason: ChangeReason): void {
    const s = this.settings();
    switch (reason) {
      case 'scan': return this.schedule(0);
      case 'open':
      case 'save': return this.soon();
      case 'change': return s.analyzeOn === 'change' ? this.schedule(s.analyzeDelay) : undefined;
      case 'disk': return this.schedule(Math.max(s.analyzeDelay, 100));
    }
  }

  /** Sends an update after `ms` of quiet; a sooner request wins. */
  private schedule(ms: number): void {
    if (!this.started) return; // the first scan sends everything anyway
    this.noticedAt ??= performance.now();
    if (ms === 0) return this.sendNow();
    if (this.immediate) return; // going out sooner anyway
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.sendNow(), ms);
  }

  /**
   * Sends an update once the events already received are handled: saves and opens come in
   * bursts (Save All, a restored session) whose events arrive together and go out as one update,
   * without a timer's delay for the single save. (Later ones are merged by the worker's queue.)
   */
  private soon(): void {
    if (!this.started) return;
    this.noticedAt ??= performance.now();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.immediate ??= setImmediate(() => this.sendNow());
  }

  /** An update is waiting to be sent. */
  private get waiting(): boolean {
    return this.timer !== undefined || this.immediate !== undefined;
  }

  private sendNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    void this.send();
  }

  private async send(): Promise<void> {
    const taking = performance.now();
    const noticedAt = this.noticedAt ?? taking;
    this.noticedAt = undefined;
    const changes = this.files.takeChanges();
    const generation = ++this.generation;
    const sent = performance.now();
    this.busy(+1);
    let reply: UpdateReply;
    try {
      reply = await this.client.update({ generation, ...changes, settings: this.settings().service, shownGeneration: this.shown });
    } catch (e) {
      if (!isCancelled(e)) this.log.error(`analysis failed: ${(e as Error).message}`);
      return;
    } finally {
      this.busy(-1);
    }
    const receivedAt = performance.now();
    if (reply.generation < this.generation) {
      this.log.debug(`analysis #${reply.generation} dropped: #${this.generation} is newer`);
      return;
    }
    // Answers are applied one after the other (a big one is applied over several turns).
    this.applying = this.applying.then(async () => {
      if (reply.generation < this.shown) return;
      await this.diagnostics.apply(reply);
      this.shown = reply.generation;
      this.logReply(reply, Math.round(performance.now() - sent));
      this.analysed.fire(reply);
      this.renewOnScreen();
      this.published.fire({ generation: reply.generation, noticedAt, takeMs: sent - taking, sentAt: sent, receivedAt, shownAt: performance.now(), workerMs: reply.workerMs });
    });
    await this.applying;
  }

  /**
   * After an analysis is shown: the CodeLens and hints of the files on screen are asked again
   * (what the editor would ask next), and the editor is told to ask only for those whose answer
   * changed. A comment or a replica count leaves most lenses as they were: then the editor does
   * not ask at all, and if it does, the answer is current and comes at once.
   */
  private renewOnScreen(): void {
    const onScreen = new Set<string>();
    for (const editor of vscode.window.visibleTextEditors) {
      const file = this.files.fileOf(editor.document.uri);
      if (file) onScreen.add(file);
    }
    const hints = this.settings().hintsEnabled;
    for (const file of onScreen) {
      for (const method of RENEWED) {
        if (method === 'inlayHints' && !hints) continue;
        void this.answers.renew(`${method} ${file}`, () => this.client.query(method, [file]), jsonEqual).then((changed) => {
          if (changed) this.refreshed.fire(method);
        });
      }
    }
  }

  private logReply(r: UpdateReply, roundTrip: number): void {
    if (r.tooLarge) {
      this.log.warn(r.tooLarge.message);
      return;
    }
    const s = r.summary;
    const t = s.timings;
    this.log.info(vscode.l10n.t(
      'Analysed {0} files ({1} re-parsed): {2} nodes · {3} pods · {4} services · {5} policies · {6}; {7} errors, {8} warnings. {9} ms (parse {10}, build {11}, lint {12}); round trip {13} ms',
      r.files, r.reparsed.length, s.nodes, s.pods, s.services, s.policies, s.network, s.errors, s.warnings, t.total, t.parse, t.build, t.lint, roundTrip,
    ));
  }

  /** Counts running updates; a long one shows progress in the status bar until all are done. */
  private busy(delta: number): void {
    this.running += delta;
    if (delta > 0 && this.running === 1) {
      const done = new Promise<void>((resolve) => (this.idle = resolve));
      setTimeout(() => {
        if (this.running > 0) {
          void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('PodPath: analysing {0} files…', this.files.size) }, () => done);
        }
      }, PROGRESS_AFTER_MS);
    }
    if (this.running === 0) {
      this.idle?.();
      this.idle = undefined;
    }
  }
}
