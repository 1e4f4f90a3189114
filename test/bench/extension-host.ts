import * as path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import { AnalysisClient } from '../../src/extension/analysis-client';
import type { UpdateReply } from '../../src/extension/worker-protocol';
import { generateCluster } from './generate';

/**
 * The editor's side of the analysis, measured without an editor: the extension host's main
 * thread only posts file texts to the worker and receives answers, so its longest stall is
 * what the user could feel. For each size: the first analysis, a save of the big file, a save
 * of a small one, a hover and the CodeLens of the big file; round trip and the main thread's
 * longest stall (event-loop delay) during each.
 *
 *   node out/test/bench/extension-host.js [pods …]      (after npm run compile)
 */
const WORKER = path.join(__dirname, '..', '..', 'src', 'extension', 'analysis-worker.js');
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const log = { debug() {}, info() {}, warn: (m: string) => console.error(m), error: (m: string) => console.error(m) };

async function measure<T>(run: () => Promise<T>): Promise<{ ms: number; stall: number; value: T }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  const value = await run();
  const ms = performance.now() - t0;
  h.disable();
  return { ms, stall: h.max / 1e6, value };
}

async function bench(pods: number): Promise<string[]> {
  const g = generateCluster(pods, { policies: Math.max(1, pods / 20) });
  const client = new AnalysisClient(WORKER, log);
  let generation = 0;
  let shown = 0;
  const update = async (changed: { file: string; text: string }[], reset = false): Promise<UpdateReply> => {
    const reply = await client.update({ generation: ++generation, reset, changed, removed: [], settings: {}, shownGeneration: shown });
    shown = reply.generation;
    return reply;
  };
  try {
    const rows: string[] = [];
    const row = (what: string, r: { ms: number; stall: number }, note = '') => rows.push(`| ${pods} | ${what} | ${r.ms.toFixed(0)} | ${r.stall.toFixed(1)} | ${note} |`);
    const first = await measure(() => update(g.files, true));
    row('first analysis (worker start included)', first, `${g.files.length} files, ${first.value.summary.pods} pods, worker ${first.value.workerMs} ms`);

    const apps = g.files.find((f) => f.file === 'apps.yaml')!;
    const edited = { file: apps.file, text: apps.text.replace('replicas: ', 'replicas:  ') };
    const save = await measure(() => update([edited]));
    row('save apps.yaml (the big file)', save, `re-parsed ${save.value.reparsed.length}, ${Object.keys(save.value.diagnostics).length} files' diagnostics sent, worker ${save.value.workerMs} ms (${stages(save.value)})`);

    const cluster = g.files.find((f) => f.file === 'cluster.yaml')!;
    const small = await measure(() => update([{ file: cluster.file, text: cluster.text + '# edited\n' }]));
    row('save cluster.yaml (a small file)', small, `worker ${small.value.workerMs} ms (${stages(small.value)})`);

    const line = apps.text.split('\n').findIndex((l) => l.startsWith('kind: Service')) + 1;
    const hover = await measure(() => client.query('hover', [apps.file, { line: line + 1, column: 20 }]));
    row('hover on a Service', hover, hover.value ? `${hover.value.markdown.length} chars` : 'no hover');
    const lenses = await measure(() => client.query('codeLenses', [apps.file]));
    row('CodeLens of apps.yaml', lenses, `${lenses.value.length} lenses`);
    const hints = await measure(() => client.query('inlayHints', [apps.file]));
    row('inlay hints of apps.yaml', hints, `${hints.value.length} hints`);
    return rows;
  } finally {
    client.dispose();
  }
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const n of sizes.length ? sizes : [1000, 10000]) rows.push(...(await bench(n)));
  console.log('| pods | step | round trip (ms) | longest main-thread stall (ms) | notes |');
  console.log('|---:|---|---:|---:|---|');
  for (const r of rows) console.log(r);
}

void main();

function stages(r: UpdateReply): string {
  const t = r.summary.timings;
  return `parse ${t.parse.toFixed(0)} · build ${t.build.toFixed(0)} · lint ${t.lint.toFixed(0)} · rest ${(r.workerMs - t.total).toFixed(0)}`;
}
