import { LabCommand, LabPlan } from './plan';
import { commentText, heredocMarker, isSafeToken } from './safe-text';

/**
 * The lab plan as a POSIX shell script: the exact commands `podpath lab up` runs, with
 * iptables-restore input as here-documents, and a `down` recipe at the end.
 *
 * Every comment line goes through `commentText` (no name can end it early), every argument is
 * a plain token (the plan refuses anything else), and each here-document gets a marker that no
 * line of its body equals.
 */
export function renderLabScript(plan: LabPlan, invocation = 'podpath lab'): string {
  const out: string[] = ['#!/bin/sh'];
  const comment = (text: string) => out.push(`# ${commentText(text)}`);
  comment(`PodPath kernel lab "${plan.prefix}" for cluster ${plan.cluster}: the modelled data path in Linux network namespaces.`);
  comment('Run as root on Linux (needs iproute2 and iptables). Everything is created inside namespaces named');
  comment(`${plan.prefix}-*, each marked with the lo alias ${plan.marker}; nothing outside them is touched.`);
  comment(`Kernel features used: ${plan.features.join(', ')}${plan.leftOut.length ? ` (left out: ${plan.leftOut.join(', ')})` : ''}.`);
  for (const b of plan.blockers) comment(`NOT REPRODUCIBLE: ${b}`);
  for (const r of plan.renamedDevices) comment(`device ${r.model} in ${r.netns} is called ${r.linux} (Linux refuses the model's name)`);
  out.push('set -eu', '');
  for (const s of plan.sections) {
    comment(`--- ${s.title}`);
    for (const n of s.notes ?? []) comment(`    ${n}`);
    for (const c of s.commands) out.push(renderCommand(c));
    out.push('');
  }
  comment(`To remove everything: ${invocation} down <same paths>  — or by hand, only namespaces with the lab's mark:`);
  comment(`  for ns in $(ip netns list | awk '{print $1}' | grep '^${plan.prefix}-'); do`);
  comment(`    ip -n "$ns" link show lo | grep -q 'alias ${plan.marker}$' || continue`);
  comment('    for pid in $(ip netns pids "$ns"); do kill "$pid"; done; ip netns delete "$ns"');
  comment('  done');
  return out.join('\n') + '\n';
}

export function renderCommand(c: LabCommand): string {
  const line = c.argv.map(shellQuote).join(' ');
  if (c.stdin === undefined) return line;
  const body = c.stdin.replace(/\n$/, '');
  const marker = heredocMarker(body);
  return `${line} <<'${marker}'\n${body}\n${marker}`;
}

/**
 * One shell word. The plan only holds plain tokens; anything else is single-quoted, with
 * control characters written as visible escapes, so even a word that slipped through could
 * only name something that does not exist, never end the line.
 */
export function shellQuote(word: string): string {
  if (isSafeToken(word)) return word;
  return `'${commentText(word).replace(/'/g, `'\\''`)}'`;
}
