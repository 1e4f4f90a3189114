import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { AnalysisClient, CancelledError, ClientLog, CancelToken } from '../../src/extension/analysis-client';
import { WorkerServer } from '../../src/extension/worker-server';
import { jsonEqual } from '../../src/extension/json-equal';
import type { AnalysisApi, AnalysisProgress, Request, Response, UpdateArgs, UpdateReply } from '../../src/extension/worker-protocol';
import { diagnosticLines } from '../../src/extension/worker-protocol';
import { DEFAULT_LIMITS, limitsFrom, tooLargeMessage, tooLargeReply } from '../../src/extension/worker-limits';
import { LanguageService } from '../../src/core/service/language-service';
import type { Diagnostic, ServiceFile, UpdateResult } from '../../src/core/service/types';
import { REPO_ROOT } from '../support/analyze';

// The analysis worker's protocol: first in-process with a stand-in service (to control timing),
// then with a real worker thread running the real LanguageService.

/** A service that reports one diagnostic per file whose text contains "bad". */
class FakeService implements Partial<AnalysisApi> {
  updates: ServiceFile[][] = [];
  update(files: ServiceFile[]): UpdateResult {
    this.updates.push(files);
    const diagnostics: Record<string, Diagnostic[]> = {};
    for (const f of files) {
      diagnostics[f.file] = f.text.includes('bad')
        ? [{ code: 'x', severity: 'error', message: `bad ${f.file}`, range: { file: f.file, start: { line: 1, column: 1 }, end: { line: 1, column: 4 } }, fixes: [] }]
        : [];
    }
    const summary = { files: files.length, nodes: 0, pods: 0, services: 0, policies: 0, network: '', errors: 0, warnings: 0, timings: { parse: 0, build: 0, lint: 0, total: 0 } };
    return { diagnostics, summary, reparsed: files.map((f) => f.file) };
  }
  nodes(): string[] {
    return ['node-1'];
  }
  hover(): never {
    throw new Error('boom');
  }
}

function harness() {
  const service = new FakeService();
  const sent: Response[] = [];
  const turns: (() => void)[] = [];
  const server = new WorkerServer(service as unknown as AnalysisApi, (r) => sent.push(r), (run) => turns.push(run));
  const runAll = () => {
    while (turns.length) turns.shift()!();
  };
  return { service, sent, server, runAll };
}

const settings = {};
/** An update reply's diagnostics, parsed (they travel as JSON per file). */
const parsed = (r: UpdateReply): Record<string, Diagnostic[]> => Object.fromEntries(Object.entries(r.diagnostics).map(([f, text]) => [f, diagnosticLines(text).map((l) => JSON.parse(l) as Diagnostic)]));
const update = (id: number, generation: number, changed: [string, string][], extra: Partial<UpdateArgs> = {}): Request => ({
  id, method: 'update',
  args: { generation, reset: false, changed: changed.map(([file, text]) => ({ file, text })), removed: [], settings, shownGeneration: 0, ...extra },
});

test('worker: updates queued behind each other run once, on the newest text; older ones are answered "cancelled"', () => {
  const { service, sent, server, runAll } = harness();
  server.receive(update(1, 1, [['a.yaml', 'ok'], ['b.yaml', 'ok']], { reset: true }));
  server.receive(update(2, 2, [['a.yaml', 'bad']]));
  server.receive({ id: 3, method: 'nodes', args: [] });
  server.receive(update(4, 3, [['b.yaml', 'bad']]));
  runAll();
  assert.equal(service.updates.length, 1, 'one analysis for three updates');
  assert.deepEqual(service.updates[0].map((f) => `${f.file}=${f.text}`), ['a.yaml=bad', 'b.yaml=bad']);
  assert.deepEqual(sent.map((r) => r.id), [1, 2, 4, 3], 'the query after an update sees the newest files');
  assert.ok('cancelled' in sent[0] && 'cancelled' in sent[1]);
  const reply = (sent[2] as { result: UpdateReply }).result;
  assert.equal(reply.generation, 3);
  assert.deepEqual(Object.keys(reply.diagnostics).sort(), ['a.yaml', 'b.yaml']);
  assert.deepEqual((sent[3] as { result: unknown }).result, ['node-1']);
});

test('worker: diagnostics are sent relative to what the host shows; unknown baseline → full', () => {
  const { sent, server, runAll } = harness();
  server.receive(update(1, 1, [['a.yaml', 'bad'], ['b.yaml', 'ok'], ['c.yaml', 'bad']], { reset: true }));
  runAll();
  const first = (sent.pop() as { result: UpdateReply }).result;
  assert.equal(first.full, false);
  assert.deepEqual(Object.fromEntries(Object.entries(parsed(first)).map(([f, d]) => [f, d.length])), { 'a.yaml': 1, 'c.yaml': 1 }, 'against "nothing shown", only files with problems');

  // The host shows generation 1; a fixes, c is deleted, b is untouched.
  server.receive(update(2, 2, [['a.yaml', 'ok']], { removed: ['c.yaml'], shownGeneration: 1 }));
  runAll();
  const second = (sent.pop() as { result: UpdateReply }).result;
  assert.equal(second.full, false);
  assert.deepEqual(parsed(second), { 'a.yaml': [], 'c.yaml': [] }, 'only what changed: a cleared, c gone');

  // The host dropped generation 2 (a newer one was pending) and still shows 1: the delta is taken from 1 again.
  server.receive(update(3, 3, [['b.yaml', 'bad']], { shownGeneration: 1 }));
  runAll();
  const third = (sent.pop() as { result: UpdateReply }).result;
  assert.deepEqual(Object.keys(third.diagnostics).sort(), ['a.yaml', 'b.yaml', 'c.yaml']);

  // After a worker restart the host does not know what it shows.
  server.receive(update(4, 4, [], { shownGeneration: -1 }));
  runAll();
  const fourth = (sent.pop() as { result: UpdateReply }).result;
  assert.equal(fourth.full, true);
  assert.deepEqual(Object.keys(fourth.diagnostics).sort(), ['a.yaml', 'b.yaml']);
});

test('worker: cancelled queries are dropped unanswered-by-the-service; errors come back as errors', () => {
  const { sent, server, runAll } = harness();
  server.receive({ id: 1, method: 'nodes', args: [] });
  server.receive({ id: 2, method: 'nodes', args: [] });
  server.receive({ id: 2, method: 'cancel', args: [] });
  server.receive({ id: 3, method: 'hover', args: ['a.yaml', { line: 1, column: 1 }] });
  server.receive({ id: 4, method: 'update' as never, args: {} as UpdateArgs });
  server.receive({ id: 5, method: 'nosuch' as never, args: [] });
  runAll();
  assert.deepEqual(sent.find((r) => r.id === 2), { id: 2, cancelled: true });
  assert.match((sent.find((r) => r.id === 3) as { error: string }).error, /boom/);
  assert.ok('error' in sent.find((r) => r.id === 4)!, 'a malformed update is an error, not a crash');
  assert.match((sent.find((r) => r.id === 5) as { error: string }).error, /unknown method/);
  assert.equal(sent.length, 5);
});

test('worker: an update reports its progress (files, then pods) before its answer', () => {
  const sent: Response[] = [];
  const turns: (() => void)[] = [];
  const server = new WorkerServer(new LanguageService() as unknown as AnalysisApi, (r) => sent.push(r), (run) => turns.push(run));
  server.receive({ id: 1, method: 'update', args: { generation: 1, reset: true, changed: example('seed-000'), removed: [], settings, shownGeneration: 0 } });
  while (turns.length) turns.shift()!();
  assert.deepEqual(sent.map((r) => Object.keys(r).filter((k) => k !== 'id')[0]), ['progress', 'progress', 'result']);
  const [parsedStage, built] = sent.map((r) => (r as { progress?: AnalysisProgress }).progress);
  assert.deepEqual(parsedStage, { stage: 'parsed', files: 2 });
  assert.equal(built?.stage, 'built');
  assert.equal(built?.pods, (sent[2] as { result: UpdateReply }).result.summary.pods);
});

test('worker: questions between stages are answered at once from the last analysis (stale); a newer update drops the running one', () => {
  const sent: Response[] = [];
  const turns: (() => void)[] = [];
  const server = new WorkerServer(new LanguageService() as unknown as AnalysisApi, (r) => sent.push(r), (run) => turns.push(run));
  const files = example('seed-000');
  const turn = () => turns.shift()!();
  server.receive({ id: 1, method: 'update', args: { generation: 1, reset: true, changed: files, removed: [], settings, shownGeneration: 0 } });
  while (turns.length) turn();
  const first = (sent.find((r) => r.id === 1 && 'result' in r) as { result: UpdateReply }).result;
  const nodesBefore = first.summary.nodes;
  assert.ok(nodesBefore > 0);

  // A second update that removes every file: after its first stage, a question still sees the old cluster.
  sent.length = 0;
  server.receive({ id: 2, method: 'update', args: { generation: 2, reset: false, changed: [], removed: files.map((f) => f.file), settings, shownGeneration: 1 } });
  turn(); // stage one (read) of update 2
  server.receive({ id: 3, method: 'nodes', args: [] });
  turn(); // the question, answered before the update goes on
  const answer = sent.find((r) => r.id === 3) as { result: string[]; stale?: true };
  assert.equal(answer.result.length, nodesBefore, 'answered from the previous complete analysis');
  assert.equal(answer.stale, true);

  // A newer update arrives while update 2 is between stages: 2 is dropped, 4 answers, in order.
  server.receive({ id: 4, method: 'update', args: { generation: 3, reset: false, changed: files, removed: [], settings, shownGeneration: 1 } });
  while (turns.length) turn();
  const order = sent.filter((r) => r.id !== 3 && !('progress' in r)).map((r) => [r.id, 'cancelled' in r ? 'cancelled' : 'result']);
  assert.deepEqual(order, [[2, 'cancelled'], [4, 'result']]);
  assert.equal((sent.find((r) => r.id === 4 && 'result' in r) as { result: UpdateReply }).result.summary.nodes, nodesBefore);
  server.receive({ id: 5, method: 'nodes', args: [] });
  while (turns.length) turn();
  const fresh = sent.find((r) => r.id === 5) as { result: string[]; stale?: true };
  assert.equal(fresh.stale, undefined, 'no update running: a fresh answer');
});

test('worker: an update queued with questions starts first; the questions are answered between its stages, from the analysis they were asked about', () => {
  const sent: Response[] = [];
  const turns: (() => void)[] = [];
  const server = new WorkerServer(new LanguageService() as unknown as AnalysisApi, (r) => sent.push(r), (run) => turns.push(run));
  const files = example('seed-000');
  server.receive({ id: 1, method: 'update', args: { generation: 1, reset: true, changed: files, removed: [], settings, shownGeneration: 0 } });
  while (turns.length) turns.shift()!();
  const nodesBefore = (sent.find((r) => r.id === 1 && 'result' in r) as { result: UpdateReply }).result.summary.nodes;
  sent.length = 0;

  // The question arrives first, then a save that removes every file.
  server.receive({ id: 2, method: 'nodes', args: [] });
  server.receive({ id: 3, method: 'update', args: { generation: 2, reset: false, changed: [], removed: files.map((f) => f.file), settings, shownGeneration: 1 } });
  while (turns.length) turns.shift()!();
  const order = sent.map((r) => `${r.id}:${Object.keys(r).filter((k) => k !== 'id' && k !== 'stale')[0]}`);
  assert.deepEqual(order.slice(0, 2), ['3:progress', '2:result'], 'the update started before the question was answered');
  const answer = sent.find((r) => r.id === 2) as { result: string[]; stale?: true };
  assert.equal(answer.result.length, nodesBefore, 'answered from the analysis it was asked about');
  assert.equal(answer.stale, true);
  assert.equal((sent.find((r) => r.id === 3 && 'result' in r) as { result: UpdateReply }).result.summary.files, 0, 'then the update completes');
});

test('worker: diagnostics lists are compared as the JSON they are sent as', () => {
  const d = { code: 'x', severity: 'error', message: 'm', range: { file: 'a', start: { line: 1, column: 2 } }, fixes: [{ title: 't', edits: [] }] };
  const cases: [unknown, unknown][] = [
    [[d], [structuredClone(d)]],
    [{ a: 1, b: 2 }, { b: 2, a: 1 }],
    [{ a: 1, gone: undefined }, { a: 1 }],
    [[], []],
    [null, null],
    [NaN, Infinity],
  ];
  for (const [a, b] of cases) {
    assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)), 'the same data once sent');
    assert.ok(jsonEqual(a, b) && jsonEqual(b, a), `${JSON.stringify(a)} equals ${JSON.stringify(b)} as JSON`);
  }
  const differ: [unknown, unknown][] = [
    [[d], [{ ...d, message: 'n' }]],
    [[d], [{ ...d, range: { ...d.range, start: { line: 1, column: 3 } } }]],
    [[d], [{ ...d, fixes: [] }]],
    [[d], [d, d]],
    [{ a: 1 }, { a: 1, b: 2 }],
    [{ a: 1, b: 2 }, { a: 1 }],
    [[1], { 0: 1 }],
    ['1', 1],
    [null, {}],
  ];
  for (const [a, b] of differ) {
    assert.notEqual(JSON.stringify(a), JSON.stringify(b));
    assert.equal(jsonEqual(a, b), false, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    assert.equal(jsonEqual(b, a), false, `${JSON.stringify(b)} vs ${JSON.stringify(a)}`);
  }
});

test('limits: settings are clamped; the too-large message gives the figures and what to do', () => {
  assert.deepEqual(limitsFrom(undefined, undefined), DEFAULT_LIMITS);
  assert.deepEqual(limitsFrom(512, 5), { maxMemoryMb: 512, timeBudgetMs: 5000 });
  assert.deepEqual(limitsFrom(1, 0.001), { maxMemoryMb: 64, timeBudgetMs: 1000 }, 'never so low an ordinary workspace cannot load');
  assert.deepEqual(limitsFrom(Number.NaN, 'x'), DEFAULT_LIMITS);
  const message = tooLargeMessage({ reason: 'memory', files: 3, bytes: 21_400_000, progress: { stage: 'built', files: 3, pods: 100_000 }, ms: 4200, limits: { maxMemoryMb: 2048, timeBudgetMs: 60_000 } });
  assert.equal(message, 'The workspace is too large to analyse in the editor (3 files, 21.4 MB, 100000 pods): it needed more than its memory limit of 2048 MB after 4.2 s (after building the cluster), so the analysis was stopped. Leave files out with `podpath.exclude`, raise `podpath.analysis.maxMemoryMb` or `podpath.analysis.timeBudgetSeconds`, or run the `podpath` command line.');
  const reply = tooLargeReply(7, new Map([['a.yaml', 10], ['b.yaml', 5000], ['c.yaml', 10]]), { reason: 'time', files: 3, bytes: 5020, ms: 60_000, limits: DEFAULT_LIMITS });
  assert.equal(reply.generation, 7);
  assert.equal(reply.full, true);
  assert.deepEqual(Object.fromEntries(Object.entries(parsed(reply)).map(([f, d]) => [f, d.map((x) => `${x.code}@${x.range.start.line}:${x.range.start.column}`)])), { 'a.yaml': [], 'b.yaml': ['analysis-too-large@1:1'], 'c.yaml': [] }, 'on the largest file');
  assert.match(parsed(reply)['b.yaml'][0].message, /\(3 files, 5 KB\): it went over its time budget of 60 s, so/);
});

// ---- a real worker thread, the real service ---------------------------------------------------

const WORKER = path.join(REPO_ROOT, 'out', 'src', 'extension', 'analysis-worker.js');
const quiet: ClientLog & { lines: string[] } = { lines: [], debug(m) { this.lines.push(m); }, info(m) { this.lines.push(m); }, warn(m) { this.lines.push(m); }, error(m) { this.lines.push(m); } };

function example(name: string): ServiceFile[] {
  const dir = path.join(REPO_ROOT, 'examples', name);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => ({ file: `${name}/${f}`, text: fs.readFileSync(path.join(dir, f), 'utf8') }));
}

test('real worker: update, incremental re-parse, queries, cancellation and restart after a crash', async (t) => {
  if (!fs.existsSync(WORKER)) {
    t.skip(`${WORKER} is not built (run npm run compile)`);
    return;
  }
  const client = new AnalysisClient(WORKER, quiet);
  let crashes = 0;
  client.onCrash = () => crashes++;
  try {
    const files = example('flannel-vxlan');
    const first = await client.update({ generation: 1, reset: true, changed: files, removed: [], settings: {}, shownGeneration: 0 });
    assert.equal(first.generation, 1);
    assert.equal(first.files, files.length);
    assert.deepEqual([...first.reparsed].sort(), files.map((f) => f.file));
    assert.ok(first.summary.pods >= 3, `pods: ${first.summary.pods}`);
    assert.match(first.summary.network, /flannel vxlan/);

    // One file changes: only it is re-parsed, and a Service selecting nothing shows up there.
    const app = files.find((f) => f.file.endsWith('app.yaml'))!;
    const broken = { file: app.file, text: app.text + '---\napiVersion: v1\nkind: Service\nmetadata: {name: orphan}\nspec:\n  selector: {app: nobody}\n  ports: [{port: 80}]\n' };
    const second = await client.update({ generation: 2, reset: false, changed: [broken], removed: [], settings: {}, shownGeneration: 1 });
    assert.deepEqual(second.reparsed, [app.file]);
    assert.deepEqual(Object.keys(second.diagnostics), [app.file], 'only the file whose problems changed');
    assert.ok(parsed(second)[app.file].some((d) => d.code === 'service-selects-nothing'));

    // Severities from the settings: 'off' removes the finding.
    const third = await client.update({ generation: 3, reset: false, changed: [], removed: [], settings: { severities: { 'service-selects-nothing': 'off' } }, shownGeneration: 2 });
    assert.ok(!parsed(third)[app.file]?.some((d) => d.code === 'service-selects-nothing'));

    assert.deepEqual(await client.query('nodes', []), ['node-1', 'node-2']);
    const traced = await client.query('trace', ['client', 'service:web', 80, 'tcp']);
    assert.ok(traced.ok && traced.trace, traced.error);
    assert.equal(traced.trace.verdict, 'delivered');
    assert.match(traced.document ?? '', /flannel-vxlan\/cluster\.yaml:\d+:\d+/, 'the trace document links back to the YAML');
    const lenses = await client.query('codeLenses', [app.file]);
    assert.ok(lenses.some((l) => l.title === 'Trace from client…' && l.command === 'podpath.traceFrom'));
    assert.ok(lenses.some((l) => l.title === 'Trace to this Service from…' && l.command === 'podpath.traceTo'));
    const model = await client.query('topology', []);
    assert.equal(model.version, 1);
    assert.deepEqual(model.nodes.map((n) => n.name), ['node-1', 'node-2']);
    const overlay = await client.query('traceOverlay', [traced.trace]);
    assert.ok(overlay, 'a trace overlay for the diagram');

    // A query cancelled before the worker gets to it is rejected at once.
    let cancel: () => void = () => {};
    const token: CancelToken = { isCancellationRequested: false, onCancellationRequested: (l) => ((cancel = l), { dispose() {} }) };
    const pending = client.query('connlist', ['txt'], token);
    cancel();
    await assert.rejects(pending, CancelledError);

    // The worker dies: pending requests fail, the host hears of it, the next request starts a new one.
    const worker = (client as unknown as { worker: { terminate(): Promise<number> } }).worker;
    // terminate() stops the thread before it can take another message, so a query posted right
    // after it is pending for certain (posted first, a quick worker could still answer it).
    const stopped = worker.terminate();
    const lost = client.query('nodes', []);
    await stopped;
    await assert.rejects(lost);
    assert.equal(crashes, 1);
    const again = await client.update({ generation: 4, reset: true, changed: files, removed: [], settings: {}, shownGeneration: -1 });
    assert.equal(again.full, true);
    assert.ok(again.summary.pods >= 3);
  } finally {
    client.dispose();
  }
});

// ---- limits: a workspace too large for the editor ---------------------------------------------

/** `n` Pods (and a Service over them) in `files` files: big enough to outgrow tiny limits. */
function bigWorkspace(n: number, files = 4): ServiceFile[] {
  const out: ServiceFile[] = [];
  for (let f = 0; f < files; f++) {
    const docs: string[] = [];
    for (let i = f; i < n; i += files) docs.push(`apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, labels: {app: a${i % 50}}}\nspec:\n  containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]\n`);
    if (f === 0) docs.push('apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: a1}, ports: [{port: 80, targetPort: 8080}]}\n');
    out.push({ file: `big/f${f}.yaml`, text: docs.join('---\n') });
  }
  return out;
}

const tooLargeOf = (r: UpdateReply) => Object.values(parsed(r)).flat().filter((d) => d.code === 'analysis-too-large');

test('real worker over its time budget: an analysis-too-large finding with the figures, the host keeps running, the worker restarts', async (t) => {
  if (!fs.existsSync(WORKER)) {
    t.skip(`${WORKER} is not built (run npm run compile)`);
    return;
  }
  const log: ClientLog & { lines: string[] } = { ...quiet, lines: [] };
  let budget = 300;
  const client = new AnalysisClient(WORKER, log, () => ({ maxMemoryMb: 1024, timeBudgetMs: budget }));
  const losses: string[] = [];
  client.onCrash = (loss) => losses.push(loss);
  // The host's own event loop keeps turning while the worker is busy: the analysis is not on it.
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 20);
  try {
    const files = bigWorkspace(20_000);
    const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
    const started = performance.now();
    const reply = await client.update({ generation: 1, reset: true, changed: files, removed: [], settings: {}, shownGeneration: 0 });
    const ms = performance.now() - started;
    console.log(`# time budget 300 ms: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB stopped after ${Math.round(ms)} ms; host timer ticked ${ticks} times meanwhile`);
    assert.equal(reply.generation, 1);
    assert.equal(reply.tooLarge?.reason, 'time');
    assert.ok(ticks >= 3, `the host's timers ran ${ticks} times during the analysis`);
    const found = tooLargeOf(reply);
    assert.equal(found.length, 1, 'one finding, on one file');
    assert.equal(found[0].severity, 'error');
    assert.match(found[0].message, new RegExp(`^The workspace is too large to analyse in the editor \\(4 files, ${(bytes / 1e6).toFixed(1)} MB[,)]`));
    assert.match(found[0].message, /over its time budget of 0\.3 s/);
    assert.ok(found[0].range.file.startsWith('big/'), found[0].range.file);
    assert.deepEqual(Object.keys(reply.diagnostics).sort(), files.map((f) => f.file).sort(), 'every other file is cleared');
    assert.deepEqual(losses, ['too-large']);
    assert.equal(client.broken, false, 'a workspace too large is not a broken worker');

    // The next (smaller) workspace gets a new worker and a real analysis (with room to start it on a busy machine).
    budget = 60_000;
    const small = example('flannel-vxlan');
    const again = await client.update({ generation: 2, reset: true, changed: small, removed: [], settings: {}, shownGeneration: 1 });
    assert.equal(again.tooLarge, undefined);
    assert.equal(again.full, true, 'the new worker has no baseline: everything is sent');
    assert.ok(again.summary.pods >= 3);
    assert.equal(client.starts, 2);
    assert.ok(log.lines.some((l) => /analysis worker restarted after it went over its time budget/.test(l)), log.lines.join('\n'));
  } finally {
    clearInterval(ticker);
    client.dispose();
  }
});

test('real worker over its memory limit: analysis-too-large instead of an out-of-memory abort', async (t) => {
  if (!fs.existsSync(WORKER)) {
    t.skip(`${WORKER} is not built (run npm run compile)`);
    return;
  }
  const log: ClientLog & { lines: string[] } = { ...quiet, lines: [] };
  const client = new AnalysisClient(WORKER, log, () => ({ maxMemoryMb: 64, timeBudgetMs: 120_000 }));
  const losses: string[] = [];
  client.onCrash = (loss) => losses.push(loss);
  try {
    const files = bigWorkspace(60_000, 8);
    const started = performance.now();
    const reply = await client.update({ generation: 1, reset: true, changed: files, removed: [], settings: {}, shownGeneration: 0 });
    console.log(`# memory limit 64 MB: ${files.length} files stopped after ${Math.round(performance.now() - started)} ms: ${reply.tooLarge?.message ?? 'analysed'}`);
    assert.equal(reply.tooLarge?.reason, 'memory', 'the 64 MB worker ran out of memory');
    const found = tooLargeOf(reply);
    assert.equal(found.length, 1);
    assert.match(found[0].message, /\(8 files, \d+\.\d MB.*\): it needed more than its memory limit of 64 MB after \d/);
    assert.deepEqual(losses, ['too-large']);
    assert.ok(log.lines.some((l) => /ERR_WORKER_OUT_OF_MEMORY|out of memory/i.test(l)), log.lines.join('\n'));
    // This process (the extension host's stand-in) is alive and answers with a new worker.
    const again = await client.update({ generation: 2, reset: true, changed: example('seed-000'), removed: [], settings: {}, shownGeneration: 1 });
    assert.ok(again.summary.pods >= 4);
  } finally {
    client.dispose();
  }
});

test('real worker: crashes restart it a bounded number of times, each one said in the log', async (t) => {
  if (!fs.existsSync(WORKER)) {
    t.skip(`${WORKER} is not built (run npm run compile)`);
    return;
  }
  const log: ClientLog & { lines: string[] } = { ...quiet, lines: [] };
  const client = new AnalysisClient(WORKER, log);
  const losses: string[] = [];
  client.onCrash = (loss) => losses.push(loss);
  try {
    for (let i = 0; i < 4; i++) {
      assert.ok(Array.isArray(await client.query('nodes', [])), 'a live worker answers');
      await (client as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(losses, ['crash', 'crash', 'crash', 'crash']);
    assert.equal(client.broken, true, 'after 4 crashes within a minute it gives up');
    await assert.rejects(client.query('nodes', []), /crashed repeatedly/);
    assert.equal(client.starts, 4);
    assert.equal(log.lines.filter((l) => /^analysis worker restarted after it exited with code \d+ \(\d crash/.test(l)).length, 3, log.lines.join('\n'));
  } finally {
    client.dispose();
  }
});

test('worker: a question\'s answer says how long it waited in the worker\'s queue and how long the service took', (t) => {
  // The worker's clock is performance.now(): a fake one that only the slow stages below move,
  // so the figures are exact whatever else the machine does.
  let clock = 1000;
  t.mock.method(performance, 'now', () => clock);
  const busyFor = (ms: number) => {
    clock += ms;
  };
  const { service, sent, server, runAll } = harness();
  const slowUpdate = service.update.bind(service);
  service.update = (files) => {
    busyFor(30);
    return slowUpdate(files);
  };
  (service as unknown as { nodes(): string[] }).nodes = () => {
    busyFor(15);
    return ['node-1'];
  };
  server.receive(update(1, 1, [['a.yaml', 'ok']], { reset: true }));
  server.receive({ id: 2, method: 'nodes', args: [] });
  runAll();
  const answer = sent.find((r) => r.id === 2) as { result: unknown; timing?: { queuedMs: number; serviceMs: number } };
  assert.deepEqual(answer.result, ['node-1']);
  assert.ok(answer.timing, 'a query answer carries its timing');
  assert.deepEqual(answer.timing, { queuedMs: 30, serviceMs: 15 }, 'waited behind the 30 ms update, then the service\'s own 15 ms');
  assert.equal('timing' in (sent.find((r) => r.id === 1) as object), false, 'an update reply has its own figures (workerMs)');
});

test('real worker: queryTimed gives the answer with its round trip, which holds the worker\'s queue and service time', async (t) => {
  if (!fs.existsSync(WORKER)) {
    t.skip(`${WORKER} is not built (run npm run compile)`);
    return;
  }
  const client = new AnalysisClient(WORKER, quiet);
  try {
    const files = example('flannel-vxlan');
    await client.update({ generation: 1, reset: true, changed: files, removed: [], settings: {}, shownGeneration: 0 });
    const { value, timing } = await client.queryTimed('nodes', []);
    assert.deepEqual(value, ['node-1', 'node-2']);
    assert.ok(timing.roundTripMs > 0, `round trip ${timing.roundTripMs} ms`);
    assert.ok(timing.queuedMs >= 0 && timing.serviceMs >= 0);
    assert.ok(timing.queuedMs + timing.serviceMs <= timing.roundTripMs, `worker ${timing.queuedMs} + ${timing.serviceMs} ms within the round trip of ${timing.roundTripMs} ms`);
  } finally {
    client.dispose();
  }
});
