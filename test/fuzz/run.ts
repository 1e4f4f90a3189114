import * as fs from 'fs';
import * as path from 'path';
import { caseSeed, makeCase } from './cases';
import { loadSeedGroups } from './corpus';
import { runCase } from './pipeline';
import { Worker, isMainThread, parentPort, workerData } from 'worker_threads';

/**
 * `npm run fuzz -- [--cases N] [--seconds S] [--seed K] [--jobs J] [--replay I [--out DIR]]`
 *
 * A structure-aware fuzzer: mutates the bundled examples and the test fixtures (names, types,
 * nesting, anchors, sizes, whole-text damage) and runs each case through parse, build, lint,
 * findings, connlist, traces, the data path text and the lab script. Bounded by case count and
 * time; deterministic for a seed. Fails on any internal error or a case slower than 2 s.
 */
const SLOW_CASE_MS = 2000;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`fuzz: --${name} takes a whole number`);
    process.exit(2);
  }
  return n;
}

const root = path.resolve(__dirname, '..', '..', '..');
const groups = loadSeedGroups(root);
const seed = option('seed', 1);
const replay = option('replay', -1);

if (replay >= 0 && isMainThread) {
  const { files, rng } = makeCase(groups, caseSeed(seed, replay));
  const outIndex = process.argv.indexOf('--out');
  if (outIndex >= 0) {
    const dir = process.argv[outIndex + 1];
    for (const f of files) {
      const target = path.join(dir, path.basename(f.file));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, f.text);
    }
    console.log(`case ${replay} of seed ${seed}: ${files.length} files written to ${dir}`);
  }
  const r = runCase(files, rng);
  console.log(`case ${replay}: ${r.ms.toFixed(1)} ms, ${r.pods} pods, ${r.problems.length} problem(s)`);
  for (const p of r.problems) console.log(p);
  process.exit(r.problems.length || r.ms > SLOW_CASE_MS ? 1 : 0);
}

const maxCases = option('cases', 5000);
const maxSeconds = option('seconds', 120);
const jobs = Math.max(1, option('jobs', 1));

/** What a worker (or the whole run) found: counts, the slowest case, and the first failures. */
interface Tally {
  cases: number;
  failing: number;
  slowest: { ms: number; index: number; pods: number };
  peakRss: number;
  shown: string[];
}

/** Runs the cases `first`, `first + step`, … until the count or the time is used up. */
function runSlice(first: number, step: number, deadline: number, current?: Float64Array): Tally {
  const t: Tally = { cases: 0, failing: 0, slowest: { ms: 0, index: -1, pods: 0 }, peakRss: 0, shown: [] };
  for (let index = first; index < maxCases && performance.now() < deadline; index += step) {
    // The case being run and since when, for the main thread's watchdog (a hang is a finding too).
    if (current) {
      current[0] = index;
      current[1] = Date.now();
    }
    const { files, rng } = makeCase(groups, caseSeed(seed, index));
    const r = runCase(files, rng);
    t.cases++;
    if (r.ms > t.slowest.ms) t.slowest = { ms: r.ms, index, pods: r.pods };
    if (r.problems.length) {
      t.failing++;
      if (t.shown.length < 10) t.shown.push(`case ${index} (replay: npm run fuzz -- --seed ${seed} --replay ${index} --out /tmp/case):\n  ${r.problems[0].split('\n').slice(0, 6).join('\n  ')}`);
    }
    if ((t.cases & 63) === 0) t.peakRss = Math.max(t.peakRss, process.memoryUsage().rss);
    // A long run says how far it got, on stderr so the table stays alone on stdout.
    if (t.cases % 5000 === 0) process.stderr.write(`fuzz: ${t.cases} cases from ${first} by ${step}, ${t.failing} failing, slowest ${t.slowest.ms.toFixed(0)} ms (case ${t.slowest.index})\n`);
  }
  t.peakRss = Math.max(t.peakRss, process.memoryUsage().rss);
  return t;
}

function report(tallies: Tally[], seconds: number, peakRss: number): void {
  const cases = tallies.reduce((n, t) => n + t.cases, 0);
  const failing = tallies.reduce((n, t) => n + t.failing, 0);
  const slowest = tallies.map((t) => t.slowest).reduce((a, b) => (b.ms > a.ms ? b : a));
  for (const t of tallies) for (const s of t.shown) console.log(s);
  const slow = slowest.ms > SLOW_CASE_MS;
  console.log([
    '| seed | jobs | cases | seconds | cases/s | internal errors | slowest case | peak RSS MB (per process) |',
    '|---|---|---|---|---|---|---|---|',
    `| ${seed} | ${jobs} | ${cases} | ${seconds.toFixed(1)} | ${(cases / seconds).toFixed(0)} | ${failing} | ${slowest.ms.toFixed(0)} ms (case ${slowest.index}, ${slowest.pods} pods) | ${(peakRss / 2 ** 20).toFixed(0)} |`,
  ].join('\n'));
  if (failing || slow) {
    console.log(`fuzz: FAILED (${failing} case(s) with internal errors${slow ? `; slowest case over ${SLOW_CASE_MS} ms` : ''})`);
    process.exitCode = 1;
  } else {
    console.log('fuzz: no internal errors');
  }
}

if (!isMainThread) {
  // A worker of a --jobs run: its share of the case indices, reported back whole.
  const { first, step, deadline, current } = workerData as { first: number; step: number; deadline: number; current: SharedArrayBuffer };
  // The deadline comes as wall-clock time (each thread has its own performance clock).
  parentPort!.postMessage(runSlice(first, step, performance.now() + (deadline - Date.now()), new Float64Array(current)));
} else if (jobs === 1) {
  const started = performance.now();
  const t = runSlice(0, 1, started + maxSeconds * 1000);
  report([t], (performance.now() - started) / 1000, Math.max(t.peakRss, process.resourceUsage().maxRSS * 1024));
} else {
  // Case i goes to worker i mod jobs: the same cases as a serial run, split across cores.
  const started = performance.now();
  const deadline = Date.now() + maxSeconds * 1000;
  const slots = Array.from({ length: jobs }, () => new SharedArrayBuffer(16));
  const runs = Array.from({ length: jobs }, (_, first) => new Promise<Tally>((resolve, reject) => {
    const w = new Worker(__filename, { argv: process.argv.slice(2), workerData: { first, step: jobs, deadline, current: slots[first] } });
    w.once('message', resolve);
    w.once('error', reject);
  }));
  // Watchdog: a case still running after 30 s is named on stderr (replay it to see where it hangs).
  const reported = new Set<number>();
  const watchdog = setInterval(() => {
    for (const slot of slots) {
      const [index, since] = new Float64Array(slot);
      if (since > 0 && Date.now() - since > 30_000 && !reported.has(index)) {
        reported.add(index);
        process.stderr.write(`fuzz: case ${index} has run for ${((Date.now() - since) / 1000).toFixed(0)} s (replay: npm run fuzz -- --seed ${seed} --replay ${index})\n`);
      }
    }
  }, 5000);
  Promise.all(runs).then((tallies) => {
    clearInterval(watchdog);
    report(tallies, (performance.now() - started) / 1000, Math.max(...tallies.map((t) => t.peakRss)));
  });
}
