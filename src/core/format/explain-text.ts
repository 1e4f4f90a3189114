import { formatLocation } from '../common/source';
import { DirectionVerdict, ruleSource } from '../policy/evaluate';
import { PipelineVerdict } from '../policy/pipeline';

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

/**
 * One direction through the whole policy pipeline. Without admin policies this is exactly the
 * NetworkPolicy explanation; with them, every stage is listed in evaluation order, with the
 * rule that decided (or passed) and where it is written.
 */
export function formatPipeline(v: PipelineVerdict): string[] {
  const onlyNp = v.steps.every((s) => s.api === 'NetworkPolicy');
  if (onlyNp && v.networkPolicy) return formatDirection(v.networkPolicy);
  const calico = v.steps.some((s) => s.tier !== undefined);
  const order = calico ? 'AdminNetworkPolicy by priority → Calico tiers by order, the default tier holding NetworkPolicy at order 1000 → BaselineAdminNetworkPolicy' : 'AdminNetworkPolicy by priority → NetworkPolicy → BaselineAdminNetworkPolicy';
  const lines = [`${v.direction} of ${v.pod.key}: policies in evaluation order (${order})`];
  v.steps.forEach((s, i) => {
    const where = s.source ? `   (${formatLocation(s.source)})` : '';
    const mark = s.action === 'Allow' ? '✓' : s.action === 'Deny' ? '✗' : s.action === 'Pass' ? '→' : '·';
    const api = s.api === 'Calico' ? `Calico ${s.policy ? s.policy.split('/')[0] : 'Tier'}` : s.api;
    lines.push(`  ${i + 1}. ${mark} ${api}: ${s.text}${where}`);
    if (s.api === 'NetworkPolicy' && v.networkPolicy?.isolated) lines.push(...formatDirection(v.networkPolicy).map((l) => `       ${l}`));
  });
  lines.push(`  ⇒ ${v.allowed ? 'allowed' : 'denied'}: ${v.summary}`);
  return lines;
}
