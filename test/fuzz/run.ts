import * as fs from 'fs';
import * as path from 'path';
import { caseSeed, makeCase } from './cases';
import { loadSeedGroups } from './corpus';
import { runCase } from './pipeline';

/**
 * `npm run fuzz -- [--cases N] [--seconds S] [--seed K] [--replay I [--out DIR]]`
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

if (replay >= 0) {
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

/** What a run found: counts, the slowest case, and the first failures. */
interface Tally {
  cases: number;
  failing: number;
  slowest: { ms: number; index: number; pods: number };
  peakRss: number;
  shown: string[];
}

/** Runs cases 0, 1, 2 … until the count or the time is used up. */
function runCases(deadline: number): Tally {
  const t: Tally = { cases: 0, failing: 0, slowest: { ms: 0, index: -1, pods: 0 }, peakRss: 0, shown: [] };
  for (let index = 0; index < maxCases && performance.now() < deadline; index++) {
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
    if (t.cases % 5000 === 0) process.stderr.write(`fuzz: ${t.cases} cases, ${t.failing} failing, slowest ${t.slowest.ms.toFixed(0)} ms (case ${t.slowest.index})\n`);
  }
  t.peakRss = Math.max(t.peakRss, process.memoryUsage().rss);
  return t;
}

function report(t: Tally, seconds: number, peakRss: number): void {
  const { cases, failing, slowest } = t;
  for (const s of t.shown) console.log(s);
  const slow = slowest.ms > SLOW_CASE_MS;
  console.log([
    '| seed | cases | seconds | cases/s | internal errors | slowest case | peak RSS MB |',
    '|---|---|---|---|---|---|---|',
    `| ${seed} | ${cases} | ${seconds.toFixed(1)} | ${(cases / seconds).toFixed(0)} | ${failing} | ${slowest.ms.toFixed(0)} ms (case ${slowest.index}, ${slowest.pods} pods) | ${(peakRss / 2 ** 20).toFixed(0)} |`,
  ].join('\n'));
  if (failing || slow) {
    console.log(`fuzz: FAILED (${failing} case(s) with internal errors${slow ? `; slowest case over ${SLOW_CASE_MS} ms` : ''})`);
    process.exitCode = 1;
  } else {
    console.log('fuzz: no internal errors');
  }
}

const started = performance.now();
const tally = runCases(started + maxSeconds * 1000);
report(tally, (performance.now() - started) / 1000, Math.max(tally.peakRss, process.resourceUsage().maxRSS * 1024));
