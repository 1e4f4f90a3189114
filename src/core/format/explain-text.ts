import { formatLocation } from '../common/source';
import { DirectionVerdict, ruleSource } from '../policy/evaluate';

/** One direction of `podpath explain`: who selects the pod, and what each rule said. */
export function formatDirection(v: DirectionVerdict): string[] {
  const head = `${v.direction} of ${v.pod.key}`;
  const lines: string[] = [];
  if (v.exemption && !v.isolated) {
    lines.push(`${head}: not isolated — ${v.exemption}; everything is allowed`);
    return lines;
  }
  lines.push(`${head}: selected by ${v.selecting.map((p) => `${p.key} (${formatLocation(p.locator.range)})`).join(', ') || 'no policy'}`);
  if (v.exemption) {
    lines.push(`  allowed anyway: ${v.exemption}`);
    return lines;
  }
  for (const r of v.verdicts) lines.push(`  ${r.allowed ? '✓' : '✗'} ${r.text}   (${formatLocation(ruleSource(r))})`);
  lines.push(v.allowed ? `  ⇒ allowed by ${v.allowedBy!.policy.key} ${v.direction}[${v.allowedBy!.rule!.index}]` : `  ⇒ denied: no rule of ${v.selecting.map((p) => p.key).join(', ')} allows it`);
  return lines;
}
