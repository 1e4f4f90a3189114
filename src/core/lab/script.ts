import { LabCommand, LabPlan } from './plan';

/**
 * The lab plan as a POSIX shell script: the exact commands `podpath lab up` runs, with
 * iptables-restore input as here-documents, and a `down` recipe at the end.
 */
export function renderLabScript(plan: LabPlan, invocation = 'podpath lab'): string {
  const out: string[] = [
    '#!/bin/sh',
    `# PodPath kernel lab "${plan.prefix}" for cluster ${plan.cluster}: the modelled data path in Linux network namespaces.`,
    '# Run as root on Linux (needs iproute2 and iptables). Everything is created inside namespaces named',
    `# ${plan.prefix}-*; nothing outside them is touched.`,
    `# Kernel features used: ${plan.features.join(', ')}${plan.leftOut.length ? ` (left out: ${plan.leftOut.join(', ')})` : ''}.`,
  ];
  for (const b of plan.blockers) out.push(`# NOT REPRODUCIBLE: ${b}`);
  for (const r of plan.renamedDevices) out.push(`# device ${r.model} in ${r.netns} is called ${r.linux} (Linux refuses the model's name)`);
  out.push('set -eu', '');
  for (const s of plan.sections) {
    out.push(`# --- ${s.title}`);
    for (const n of s.notes ?? []) out.push(`#     ${n}`);
    for (const c of s.commands) out.push(renderCommand(c));
    out.push('');
  }
  out.push(
    `# To remove everything: ${invocation} down <same paths>  — or by hand:`,
    `#   for ns in $(ip netns list | awk '{print $1}' | grep '^${plan.prefix}-'); do`,
    '#     for pid in $(ip netns pids "$ns"); do kill "$pid"; done; ip netns delete "$ns"',
    '#   done',
  );
  return out.join('\n') + '\n';
}

export function renderCommand(c: LabCommand): string {
  const line = c.argv.map(shellQuote).join(' ');
  if (c.stdin === undefined) return line;
  const marker = c.stdin.includes('\nEOF\n') ? 'PODPATH_EOF' : 'EOF';
  return `${line} <<'${marker}'\n${c.stdin.replace(/\n$/, '')}\n${marker}`;
}

export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
