/**
 * Hop badges that cover a label or another badge, or stray from the element they number, as
 * drawn on screen. Runs inside the page (given the diagram's <svg>), so it must not use anything
 * from its module: the diagram page tests and the editor tests in code-server both pass it to
 * Playwright's `evaluate`. The list is empty when every badge of an element in view is beside it
 * in free space (and at least one is).
 */
export function badgeProblemsIn(diagram: any): string[] {
  const box = (e: any) => e.getBoundingClientRect();
  const cross = (a: any, b: any) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
  const texts = [...diagram.querySelectorAll('text.pp-text')].map((t: any) => [t.textContent, box(t)] as [string, any]).filter(([, b]) => b.width > 0);
  const badges = [...diagram.querySelectorAll('[data-testid=hop-marker]')].map((m: any) => [m.getAttribute('data-hop-index'), m.getAttribute('data-element'), box(m.querySelector('circle'))] as [string, string, any]);
  const problems: string[] = [];
  let checked = 0;
  for (const [i, element, b] of badges) {
    // The diagram mounts only what is near the view; a badge of an element out of it is not judged.
    const el = diagram.querySelector(`[data-id="${element}"]`);
    if (!el) continue;
    checked++;
    for (const [text, t] of texts) if (cross(b, t)) problems.push(`badge ${i} covers the label "${text}"`);
    for (const [j, , o] of badges) if (j !== i && cross(b, o)) problems.push(`badge ${i} covers badge ${j}`);
    const e = box(el);
    const gap = Math.hypot(Math.max(e.left - b.right, b.left - e.right, 0), Math.max(e.top - b.bottom, b.top - e.bottom, 0));
    // Beside it: no farther from its element than a few badge widths (a row of three included).
    if (gap > b.width * 4) problems.push(`badge ${i} is ${Math.round(gap)} px from ${element}`);
  }
  if (!checked) problems.push('no hop badge beside a drawn element');
  return problems;
}
