import { SourceRange, formatLocation } from '../common/source';
import { Hop, Trace } from '../forward/trace';
import type { ReplyTrace } from '../forward/reply';

/**
 * The links of a trace document, taken from the trace itself: each hop's `decidedBy.source`,
 * where the text document prints it (`   (file:line:col)` at the end of the hop's "↳" line).
 * Nothing is found by pattern in the text, which also holds manifest names: a pod named
 * `../../x.yaml:1:1` stays plain text. A link only ever points at a structured location in a
 * file of the analysed workspace (the editor checks the path once more before it opens anything).
 */

export interface TraceLink {
  /** Where the link sits in the document: 1-based line, 1-based column (UTF-16 units), length. */
  line: number;
  column: number;
  length: number;
  /** The YAML that decided the hop. */
  target: SourceRange;
}

/**
 * Links for `document` (the text `formatTraceText` made of `trace`). `isAnalysed` says whether a
 * file is one the analysis read; locations elsewhere (the settings' pseudo-file, a path that is
 * not the workspace's) get no link.
 */
export function traceLinks(trace: Trace, document: string, isAnalysed: (file: string) => boolean, reply?: ReplyTrace): TraceLink[] {
  const hops: Hop[] = [...trace.hops, ...trace.branches.flatMap((b) => b.hops), ...(reply?.paths.flatMap((p) => p.connections.flatMap((c) => c.hops)) ?? [])];
  const lines = document.split('\n');
  const out: TraceLink[] = [];
  // Hops are printed in this order; each one's location is looked for after the previous one,
  // at the end of a line, so a name elsewhere on a line cannot take its place.
  let next = 0;
  for (const hop of hops) {
    const source = hop.decidedBy?.source;
    if (!source) continue;
    const location = formatLocation(source);
    const suffix = `(${location})`;
    for (let i = next; i < lines.length; i++) {
      const line = lines[i].replace(/\r$/, '');
      if (!line.endsWith(suffix) || !line.includes('↳')) continue;
      next = i + 1;
      if (isAnalysed(source.file)) {
        out.push({ line: i + 1, column: line.length - suffix.length + 2, length: location.length, target: source });
      }
      break;
    }
  }
  return out;
}
