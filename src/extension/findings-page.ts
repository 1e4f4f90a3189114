/**
 * The page a problem's code links to: the finding's meaning first, then every finding, taken
 * from the README the extension ships (an installed VSIX has it as `readme.md`). It opens as a
 * read-only `podpath:` document, so the link works wherever the extension is installed, with no
 * network and no file the user could have moved. Pure: the README text comes in as a string.
 */

/** The README's "## Findings" section, up to the next section. */
export function findingsSection(readme: string): string {
  const lines = readme.split(/\r?\n/);
  const start = lines.findIndex((l) => /^## Findings\s*$/.test(l));
  if (start < 0) return '';
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (end < 0) end = lines.length;
  return lines.slice(start, end).join('\n').trim();
}

/** The meaning of one code, from the row of the findings table that lists it. */
export function meaningOf(section: string, code: string): string | undefined {
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4) continue;
    const codes = [...cells[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    if (codes.includes(code)) return cells.slice(2, -1).join('|').trim();
  }
  return undefined;
}

export function findingPage(readme: string, code: string): string {
  const section = findingsSection(readme);
  const meaning = meaningOf(section, code);
  const head = [`# PodPath finding \`${code}\``, '', meaning ?? 'This code is not in the findings table of this version of PodPath.', ''];
  return [...head, section.replace(/^## Findings/, '## All findings'), ''].join('\n');
}
