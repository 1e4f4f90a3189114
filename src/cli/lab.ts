import { analyzeSources } from '../core/analyze';
import { buildLabPlan } from '../core/lab/build';
import { defaultPrefix, isValidPrefix } from '../core/lab/names';
import { formatLabReport } from '../core/lab/report';
import { renderLabScript } from '../core/lab/script';
import { parseArgs } from './args';
import { readSources } from './files';
import { labDown, labUp, listNamespaces } from './lab/lifecycle';
import { prepareLab } from './lab/prepare';
import { labProbe } from './lab/probe';
import type { CliResult } from './main';

/**
 * `podpath lab script|up|probe|down <paths…>`: the modelled cluster in Linux network
 * namespaces, and the simulator checked against the kernel. `script` is pure and runs
 * anywhere; the others need Linux and root.
 */

export const LAB_USAGE = `podpath lab script <paths…> [--prefix P]   print the shell script that builds the lab
podpath lab up <paths…> [--prefix P]       build it (Linux, root)
podpath lab probe <paths…> [--prefix P] [--format txt|json] [--timeout MS] [--max-flows N] [--verbose]
                                            probe every traced flow, compare with the simulator
podpath lab down <paths…> | --prefix P     remove everything the lab created (idempotent)`;

const OK = 0, DISAGREES = 1, USAGE = 2;

export function labCommand(argv: string[], cwd: string): CliResult {
  const [sub, ...rest] = argv;
  const args = parseArgs(rest, ['verbose']);
  const prefixOption = args.options.get('prefix');
  if (prefixOption !== undefined && !isValidPrefix(prefixOption)) return usage(`--prefix "${prefixOption}": a letter, then 1–11 lower-case letters or digits`);
  if (sub === 'down' && args.positionals.length === 0) {
    if (!prefixOption) return usage('podpath lab down: name the manifests (as for up) or --prefix');
    return down(prefixOption);
  }
  if (!['script', 'up', 'probe', 'down'].includes(sub ?? '')) return usage(sub ? `unknown lab command "${sub}"` : 'podpath lab: say script, up, probe or down');
  if (args.positionals.length === 0) return usage(`podpath lab ${sub}: name at least one YAML file or folder`);
  const { sources, errors } = readSources(args.positionals, cwd);
  if (errors.length) return { code: USAGE, stdout: '', stderr: errors.map((e) => `podpath: ${e}\n`).join('') };
  const analysis = analyzeSources(sources);
  const prefix = prefixOption ?? defaultPrefix(analysis.cluster);

  switch (sub) {
    case 'script': {
      const plan = buildLabPlan(analysis.dataplane, { prefix });
      return { code: OK, stdout: renderLabScript(plan), stderr: plan.blockers.map((b) => `podpath lab: cannot reproduce: ${b}\n`).join('') };
    }
    case 'down':
      return down(prefix);
    case 'up': {
      const prep = prepareLab(analysis.dataplane, prefix);
      if (prep.problem) return { code: USAGE, stdout: '', stderr: `podpath lab up: ${prep.problem}\n` };
      const r = labUp(prep.plan);
      const notes = prep.featureNotes.map((n) => `note: left out: ${n}\n`).join('');
      if (!r.ok) return { code: DISAGREES, stdout: notes, stderr: `podpath lab up: failed after ${r.applied} of ${r.total} commands:\n${r.error}\nRemove what was created with: podpath lab down --prefix ${prefix}\n` };
      return { code: OK, stdout: `${notes}lab ${prefix} is up: ${prep.plan.namespaces.length} namespaces, ${r.applied} commands in ${r.ms} ms\n`, stderr: '' };
    }
    case 'probe': {
      const prep = prepareLab(analysis.dataplane, prefix);
      if (prep.problem) return { code: USAGE, stdout: '', stderr: `podpath lab probe: ${prep.problem}\n` };
      const existing = new Set(listNamespaces());
      const absent = prep.plan.namespaces.filter((n) => !existing.has(n.name));
      if (absent.length) return { code: USAGE, stdout: '', stderr: `podpath lab probe: lab ${prefix} is not up (${absent[0].name} is missing); run podpath lab up first\n` };
      const number = (name: string) => (args.options.has(name) ? Number(args.options.get(name)) : undefined);
      const timeoutMs = number('timeout');
      const maxFlows = number('max-flows');
      if ((timeoutMs !== undefined && !(timeoutMs >= 50 && timeoutMs <= 60_000)) || (maxFlows !== undefined && !(Number.isInteger(maxFlows) && maxFlows > 0))) {
        return usage('podpath lab probe: --timeout is milliseconds (50–60000), --max-flows a positive integer');
      }
      const report = labProbe(analysis.dataplane, prep.plan, { ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(maxFlows !== undefined ? { maxFlows } : {}) });
      const notes = prep.featureNotes.map((n) => `note: left out: ${n}\n`).join('');
      const stdout = args.options.get('format') === 'json' ? JSON.stringify(report, null, 2) + '\n' : notes + formatLabReport(report, { verbose: args.flags.has('verbose') });
      return { code: report.agreed === report.compared && report.compared > 0 ? OK : DISAGREES, stdout, stderr: '' };
    }
  }
  return usage('podpath lab: say script, up, probe or down');
}

function down(prefix: string): CliResult {
  if (process.platform !== 'linux') return { code: OK, stdout: 'nothing to remove: not Linux\n', stderr: '' };
  const r = labDown(prefix);
  const stdout = `lab ${prefix}: removed ${r.deleted.length} namespace(s)${r.killed.length ? `, stopped ${r.killed.length} process(es)` : ''}\n`;
  return { code: r.errors.length ? DISAGREES : OK, stdout, stderr: r.errors.map((e) => `podpath lab down: ${e}\n`).join('') };
}

function usage(message: string): CliResult {
  return { code: USAGE, stdout: '', stderr: `${message}\n\n${LAB_USAGE}\n` };
}
