import { ALL_PODS } from '../netpol-model';

/**
 * Truth tables in the upstream e2e format (truthtable.go): rows are the source pod, columns
 * the destination, `.` allowed, `X` blocked. A pod to itself is never compared (upstream
 * ignores loopback because CNIs differ); its cell is written `-` in both the expected and the
 * observed table, so a mismatch shows only real differences.
 *
 *   -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
 *   x/a  -   .   .   .   .   .   .   .   .
 *   x/b  X   -   .   .   .   .   .   .   .
 *   …
 */

/** allowed[from][to], indexed like ALL_PODS. */
export type Matrix = boolean[][];

export function parseTable(text: string, pods: readonly string[] = ALL_PODS): Matrix {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const fail = (why: string): never => {
    throw new Error(`bad truth table (${why}):\n${text}`);
  };
  if (lines.length !== pods.length + 1) fail(`expected a header and ${pods.length} rows, got ${lines.length} lines`);
  const header = lines[0].split(/\s+/);
  if (header[0] !== '-' || header.slice(1).join(' ') !== pods.join(' ')) fail(`header must be "- ${pods.join(' ')}"`);
  return pods.map((from, i) => {
    const cells = lines[i + 1].split(/\s+/);
    if (cells[0] !== from) fail(`row ${i + 1} must start with ${from}`);
    if (cells.length !== pods.length + 1) fail(`row ${from} has ${cells.length - 1} cells`);
    return pods.map((to, j) => {
      const mark = cells[j + 1];
      if (i === j) {
        if (mark !== '-') fail(`${from} → ${to} is a pod to itself: write "-"`);
        return true;
      }
      if (mark !== '.' && mark !== 'X') fail(`${from} → ${to} is "${mark}"; use "." or "X"`);
      return mark === '.';
    });
  });
}

export function renderTable(m: Matrix, pods: readonly string[] = ALL_PODS): string {
  const header = '-  ' + pods.map((p) => ` ${p}`).join('');
  const rows = pods.map((from, i) => from + pods.map((_, j) => `  ${i === j ? '-' : m[i][j] ? '.' : 'X'} `).join('').trimEnd());
  return [header, ...rows].join('\n');
}

/** The cells (diagonal excluded) where two tables differ, as `from → to: expected ., observed X`. */
export function differences(expected: Matrix, observed: Matrix, pods: readonly string[] = ALL_PODS): string[] {
  const out: string[] = [];
  pods.forEach((from, i) =>
    pods.forEach((to, j) => {
      if (i !== j && expected[i][j] !== observed[i][j]) out.push(`${from} → ${to}: expected ${expected[i][j] ? '.' : 'X'}, observed ${observed[i][j] ? '.' : 'X'}`);
    }),
  );
  return out;
}
