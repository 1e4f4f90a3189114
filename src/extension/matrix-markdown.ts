/**
 * The reachability matrix as a Markdown table, for the preview: `podpath matrix` prints
 * tab-separated rows (columns only line up in a terminal with wide tab stops); the preview
 * aligns a table whatever the names' lengths. The legend says which way the arrows go.
 * Pure: the matrix text comes in as a string.
 */
export function matrixMarkdown(text: string): string {
  const lines = text.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!lines[i].includes('\t')) {
      // A title (`TCP/80`) or a blank line between blocks.
      if (lines[i].trim()) out.push(`### ${escape(lines[i].trim())}`, '');
      i++;
      continue;
    }
    const rows: string[][] = [];
    while (i < lines.length && lines[i].includes('\t')) rows.push(lines[i++].split('\t'));
    const [header, ...body] = rows;
    out.push(`| from ↓ \\ to → | ${header.slice(1).map(cell).join(' | ')} |`);
    out.push(`|---|${header.slice(1).map(() => ':---:').join('|')}|`);
    for (const r of body) out.push(`| ${cell(r[0])} | ${r.slice(1).map(cell).join(' | ')} |`);
    out.push('');
    // What follows the table is the legend (`rows: from … · columns: to …`, `. allowed  X blocked`).
    const legend: string[] = [];
    while (i < lines.length && !lines[i].includes('\t')) {
      if (lines[i].trim()) legend.push(lines[i].trim());
      i++;
    }
    for (const l of legend) out.push(`${escape(l)}  `);
    out.push('');
  }
  return out.join('\n').replace(/\n+$/, '') + '\n';
}

/** `.`, `X` and `~` in a table cell as code, so Markdown does not read them; names escaped. */
function cell(s: string): string {
  return /^[.X~]$/.test(s) ? `\`${s}\`` : escape(s);
}

function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]<>()#+!|]/g, (c) => `\\${c}`);
}
