/**
 * Edit benchmark of the language service, with no editor: a generated workspace (the extension
 * benchmark's, see test/integration/bench/workspace.ts) is analysed once, then single-file edits
 * of each kind are applied one after another and each `update` (parse, build, lint, diagnostics)
 * is timed, with its stage timings (means over the rounds) and the load average of the machine.
 * Right after each update the editor's questions about the edited file are timed as the
 * extension benchmark asks them (test/integration/bench/index.ts): a hover on the nearest
 * object's `metadata: {name: …}` line above the edit (column 20), then the file's CodeLens and
 * its inlay hints — each the median over the rounds.
 *
 *   node out/test/bench/edit-bench.js [pods] [rounds]     (default 10000 pods, 5 rounds per kind)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeBenchWorkspace } from '../integration/bench/workspace';
import { LanguageService } from '../../src/core/service/language-service';
import { ServiceFile } from '../../src/core/service/types';

interface EditKind {
  name: string;
  file: string;
  /** The file's text after the n-th edit of this kind (n ≥ 1); n = 0 gives the original back. */
  apply(text: string, n: number): string;
}

function replaceOnce(text: string, from: RegExp, to: (m: RegExpExecArray) => string): string {
  const m = from.exec(text);
  if (!m) throw new Error(`no match for ${from}`);
  return text.slice(0, m.index) + to(m) + text.slice(m.index + m[0].length);
}

function timed(f: () => unknown): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

/**
 * The 1-based line the benchmark hovers after an edit: the nearest line at or above the first
 * edited line that starts `metadata: {name: ` (the first line when there is none), as the
 * extension benchmark picks it.
 */
function hoverLine(before: string, after: string): number {
  const a = before.split('\n');
  const b = after.split('\n');
  let edited = 0;
  while (edited < b.length - 1 && a[edited] === b[edited]) edited++;
  let line = edited;
  while (line > 0 && !b[line].startsWith('metadata: {name: ')) line--;
  return line + 1;
}

function main(): void {
  const pods = Number(process.argv[2] ?? 10000);
  const rounds = Number(process.argv[3] ?? 5);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-edit-bench-'));
  const ws = writeBenchWorkspace(pods, folder);
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else files.set(path.relative(folder, p), fs.readFileSync(p, 'utf8'));
    }
  };
  walk(folder);
  fs.rmSync(folder, { recursive: true, force: true });
  const edit = ws.editFile;
  const kinds: EditKind[] = [
    { name: 'comment', file: edit, apply: (t, n) => `# edited ${n}\n${t.replace(/^# edited \d+\n/, '')}` },
    { name: 'service selector', file: edit, apply: (t, n) => replaceOnce(t, /^( {2}selector: \{app: )([\w-]+?)(-x\d+)?\}$/m, (m) => `${m[1]}${m[2]}${n % 2 ? `-x${n}` : ''}}`) },
    { name: 'service port', file: edit, apply: (t, n) => replaceOnce(t, /ports: \[\{name: http, port: (\d+), targetPort: http\}\]/, () => `ports: [{name: http, port: ${80 + n}, targetPort: http}]`) },
    { name: 'pod label', file: edit, apply: (t, n) => replaceOnce(t, /(labels: \{app: [\w-]+, tier: \w+, team: [\w-]+, version: )v\w+\}/, (m) => `${m[1]}v${10 + n}}`) },
    // The extension benchmark's pod label edit: the `app` label, which policies and the
    // Deployment's own selector read (the pods leave their class for one of their own).
    { name: 'pod app label', file: edit, apply: (t, n) => replaceOnce(t, /(labels: \{app: )([\w-]+?)(-canary)?,/, (m) => `${m[1]}${m[2]}${n % 2 ? '-canary' : ''},`) },
    { name: 'replicas', file: edit, apply: (t, n) => replaceOnce(t, /replicas: \d+/, () => `replicas: ${n % 2 ? 11 : 10}`) },
    { name: 'policy rule', file: 'policies.yaml', apply: (t, n) => replaceOnce(t, /ports: \[\{protocol: TCP, port: \d+\}\]/, () => `ports: [{protocol: TCP, port: ${8080 + n}}]`) },
  ];
  const settings = {};
  const service = new LanguageService();
  const list = (): ServiceFile[] => [...files].map(([file, text]) => ({ file, text }));
  const t0 = performance.now();
  const first = service.update(list(), settings);
  console.log(`${ws.pods} pods in ${files.size} files: first analysis ${Math.round(performance.now() - t0)} ms (${JSON.stringify(first.summary.timings)}); load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  // Stage columns are means over the rounds; `rest` (diagnostics, quick fixes, summary) is the
  // median of each round's total minus its stages.
  // `min ms` is the fastest round: on a machine shared with other work it is the steadiest figure.
  const rows: string[][] = [['edit', 'median ms', 'min ms', 'max ms', 'parse', 'build', 'lint', 'rest', 'hover', 'lenses', 'hints']];
  for (const kind of kinds) {
    const original = files.get(kind.file)!;
    const totals: number[] = [];
    const rests: number[] = [];
    const asked = { hover: [] as number[], lenses: [] as number[], hints: [] as number[] };
    let stages = { parse: 0, build: 0, lint: 0 };
    // The text before each round's edit: an edit that undoes the last one is found by comparing with it.
    let before = original;
    for (let n = 1; n <= rounds; n++) {
      const text = kind.apply(original, n);
      files.set(kind.file, text);
      const s = performance.now();
      const r = service.update(list(), settings);
      totals.push(performance.now() - s);
      const t = r.summary.timings!;
      rests.push(totals[totals.length - 1] - t.parse - t.build - t.lint);
      stages = { parse: stages.parse + t.parse, build: stages.build + t.build, lint: stages.lint + t.lint };
      const line = hoverLine(before, text);
      before = text;
      asked.hover.push(timed(() => service.hover(kind.file, { line, column: 21 })));
      asked.lenses.push(timed(() => service.codeLenses(kind.file)));
      asked.hints.push(timed(() => service.inlayHints(kind.file)));
    }
    files.set(kind.file, original);
    service.update(list(), settings);
    totals.sort((a, b) => a - b);
    const avg = (x: number) => (x / rounds).toFixed(1);
    const median = totals[Math.floor(totals.length / 2)];
    rests.sort((a, b) => a - b);
    const diag = rests[Math.floor(rests.length / 2)];
    const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(1);
    rows.push([kind.name, median.toFixed(1), totals[0].toFixed(1), totals[totals.length - 1].toFixed(1), avg(stages.parse), avg(stages.build), avg(stages.lint), diag.toFixed(1), mid(asked.hover), mid(asked.lenses), mid(asked.hints)]);
  }
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log(rows.map((r) => r.map((x, c) => (c === 0 ? x.padEnd(w[c]) : x.padStart(w[c]))).join('  ')).join('\n'));
}

main();
