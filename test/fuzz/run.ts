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
const started = performance.now();
let cases = 0;
let failing = 0;
let slowest = { ms: 0, index: -1, pods: 0 };
let peakRss = process.memoryUsage().rss;
const shown: string[] = [];
while (cases < maxCases && performance.now() - started < maxSeconds * 1000) {
  const index = cases++;
  const { files, rng } = makeCase(groups, caseSeed(seed, index));
  const r = runCase(files, rng);
  if (r.ms > slowest.ms) slowest = { ms: r.ms, index, pods: r.pods };
  if (r.problems.length) {
    failing++;
    if (shown.length < 10) shown.push(`case ${index} (replay: npm run fuzz -- --seed ${seed} --replay ${index} --out /tmp/case):\n  ${r.problems[0].split('\n').slice(0, 6).join('\n  ')}`);
  }
  if ((index & 63) === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
const seconds = (performance.now() - started) / 1000;
peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
for (const s of shown) console.log(s);
const slow = slowest.ms > SLOW_CASE_MS;
console.log([
  '| seed | cases | seconds | cases/s | internal errors | slowest case | peak RSS MB |',
  '|---|---|---|---|---|---|---|',
  `| ${seed} | ${cases} | ${seconds.toFixed(1)} | ${(cases / seconds).toFixed(0)} | ${failing} | ${slowest.ms.toFixed(0)} ms (case ${slowest.index}, ${slowest.pods} pods) | ${(peakRss / 2 ** 20).toFixed(0)} |`,
].join('\n'));
if (failing || slow) {
  console.log(`fuzz: FAILED (${failing} case(s) with internal errors${slow ? `; slowest case over ${SLOW_CASE_MS} ms` : ''})`);
  process.exit(1);
}
console.log('fuzz: no internal errors');
