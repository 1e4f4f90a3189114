import { analyzeSources } from '../core/analyze';
import { buildLabPlan } from '../core/lab/build';
import { defaultPrefix, isValidPrefix } from '../core/lab/names';
import { LIMIT_FLAGS, LabLimits } from '../core/lab/plan';
import { formatLabReport } from '../core/lab/report';
import { renderLabScript } from '../core/lab/script';
import { commentText } from '../core/lab/safe-text';
import { parseCommandArgs } from './args';
import { readSources } from './files';
import { labDown, labUp, listNamespaces, notOwnedReason } from './lab/lifecycle';
import { prepareLab } from './lab/prepare';
import { labProbe } from './lab/probe';
import type { CliResult } from './main';

/**
 * `podpath lab script|up|probe|down <paths…>`: the modelled cluster in Linux network
 * namespaces, and the simulator checked against the kernel. `script` is pure and runs
 * anywhere; the others need Linux and root.
 */

export const LAB_USAGE = `podpath lab script <paths…> [--prefix P] [limits]   print the shell script that builds the lab
podpath lab up <paths…> [--prefix P] [limits]       build it (Linux, root)
podpath lab probe <paths…> [--prefix P] [limits] [--format txt|json] [--timeout MS] [--max-flows N] [--verbose]
                                            probe every traced flow, compare with the simulator
podpath lab down <paths…> | --prefix P     remove what this lab created, and nothing else (idempotent)
limits: --max-pods N (default 200) --max-nodes N (default 20) --max-processes N (default 500)`;

const OK = 0, DISAGREES = 1, USAGE = 2;

export function labCommand(argv: string[], cwd: string): CliResult {
  const [sub, ...rest] = argv;
  const parsed = parseCommandArgs(rest, { options: ['prefix', 'format', 'timeout', 'max-flows', ...Object.values(LIMIT_FLAGS).map((f) => f.slice(2))], flags: ['verbose'] });
  if (!parsed.ok) return usage(`podpath lab: ${commentText(parsed.error)}`);
  const args = parsed.args;
  const format = args.options.get('format');
  if (format !== undefined && format !== 'txt' && format !== 'json') return usage('podpath lab: --format must be txt or json');
  const prefixOption = args.options.get('prefix');
  if (prefixOption !== undefined && !isValidPrefix(prefixOption)) return usage(`--prefix "${commentText(prefixOption)}": a letter, then 1–11 lower-case letters or digits`);
  const limits: Partial<LabLimits> = {};
  for (const [key, flag] of Object.entries(LIMIT_FLAGS) as [keyof LabLimits, string][]) {
    const text = args.options.get(flag.slice(2));
    if (text === undefined) continue;
    const n = Number(text);
    if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(n) || n < 1) return usage(`${flag} "${commentText(text)}": a positive whole number`);
    limits[key] = n;
  }
  if (sub === 'down' && args.positionals.length === 0) {
    if (!prefixOption) return usage('podpath lab down: name the manifests (as for up) or --prefix');
    return down(prefixOption);
  }
  if (!['script', 'up', 'probe', 'down'].includes(sub ?? '')) return usage(sub ? `unknown lab command "${commentText(sub)}"` : 'podpath lab: say script, up, probe or down');
  if (args.positionals.length === 0) return usage(`podpath lab ${sub}: name at least one YAML file or folder`);
  const { sources, errors } = readSources(args.positionals, cwd);
  if (errors.length) return { code: USAGE, stdout: '', stderr: errors.map((e) => `podpath: ${e}\n`).join('') };
  const analysis = analyzeSources(sources);
  const prefix = prefixOption ?? defaultPrefix(analysis.cluster);

  switch (sub) {
    case 'script': {
      const plan = buildLabPlan(analysis.dataplane, { prefix, limits });
      const stderr = plan.blockers.map((b) => `podpath lab: cannot reproduce: ${commentText(b)}\n`).join('');
      // A refused plan (too big, or names the lab will not write) has no commands at all.
      return { code: plan.sections.length === 0 ? DISAGREES : OK, stdout: renderLabScript(plan), stderr };
    }
    case 'down':
      return down(prefix);
    case 'up': {
      const prep = prepareLab(analysis.dataplane, prefix, limits);
      if (prep.problem) return { code: USAGE, stdout: '', stderr: `podpath lab up: ${commentText(prep.problem)}\n` };
      const r = labUp(prep.plan);
      const notes = prep.featureNotes.map((n) => `note: left out: ${n}\n`).join('');
      if (!r.ok) return { code: DISAGREES, stdout: notes, stderr: `podpath lab up: failed after ${r.applied} of ${r.total} commands:\n${r.error}\nRemove what was created with: podpath lab down --prefix ${prefix}\n` };
      return { code: OK, stdout: `${notes}lab ${prefix} is up: ${prep.plan.namespaces.length} namespaces, ${r.applied} commands in ${r.ms} ms\n`, stderr: '' };
    }
    case 'probe': {
      const prep = prepareLab(analysis.dataplane, prefix, limits);
      if (prep.problem) return { code: USAGE, stdout: '', stderr: `podpath lab probe: ${commentText(prep.problem)}\n` };
      const existing = new Set(listNamespaces());
      const absent = prep.plan.namespaces.filter((n) => !existing.has(n.name));
      if (absent.length) return { code: USAGE, stdout: '', stderr: `podpath lab probe: lab ${prefix} is not up (${absent[0].name} is missing); run podpath lab up first\n` };
      // Agents run as root inside these namespaces: only inside the lab's own.
      for (const n of prep.plan.namespaces) {
        const reason = notOwnedReason(prefix, n.name);
        if (reason) return { code: USAGE, stdout: '', stderr: `podpath lab probe: namespace ${n.name} is not this lab's (${reason}); run podpath lab up first or choose another --prefix\n` };
      }
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
  const refused = r.refused.length ? `podpath lab down: left alone ${r.refused.length} namespace(s) named ${prefix}-… that are not this lab's:\n${r.refused.map((x) => `  ${x}\n`).join('')}` : '';
  const stderr = refused + r.errors.map((e) => `podpath lab down: ${e}\n`).join('');
  return { code: r.errors.length || r.refused.length ? DISAGREES : OK, stdout, stderr };
}

function usage(message: string): CliResult {
  return { code: USAGE, stdout: '', stderr: `${message}\n\n${LAB_USAGE}\n` };
}
