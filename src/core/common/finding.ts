import { SourceRange, formatLocation } from './source';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/**
 * A problem PodPath found in the user's manifests or in what they imply. Every stage returns
 * findings instead of throwing, so one bad object never hides the analysis of the rest.
 */
export interface Finding {
  /** Stable kebab-case code, documented in the README (e.g. `invalid-cidr`). */
  code: string;
  severity: Severity;
  message: string;
  range?: SourceRange;
  /** Other places that take part (the second of two duplicate IPs, …). */
  related?: { message: string; range: SourceRange }[];
}

export function finding(code: string, severity: Severity, message: string, range?: SourceRange, related?: Finding['related']): Finding {
  const f: Finding = { code, severity, message };
  if (range) f.range = range;
  if (related && related.length > 0) f.related = related;
  return f;
}

/** `file:line:col: severity code: message`, the form compilers use. */
export function formatFinding(f: Finding): string {
  return `${formatLocation(f.range)}: ${f.severity} ${f.code}: ${f.message}`;
}

const severityRank: Record<Severity, number> = { error: 0, warning: 1, info: 2, hint: 3 };

/** Findings in a stable order: by file, line, column, then code and message. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => {
    const fa = a.range?.file ?? '', fb = b.range?.file ?? '';
    if (fa !== fb) return fa < fb ? -1 : 1;
    const la = a.range?.start.line ?? 0, lb = b.range?.start.line ?? 0;
    if (la !== lb) return la - lb;
    const ca = a.range?.start.column ?? 0, cb = b.range?.start.column ?? 0;
    if (ca !== cb) return ca - cb;
    if (a.severity !== b.severity) return severityRank[a.severity] - severityRank[b.severity];
    if (a.code !== b.code) return a.code < b.code ? -1 : 1;
    return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
  });
}
