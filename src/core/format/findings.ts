import { Finding, formatFinding } from '../common/finding';

/** Findings as text (one per line), JSON, or SARIF 2.1.0 for code-scanning tools in CI. */
export type FindingsFormat = 'txt' | 'json' | 'sarif';

/**
 * Where SARIF artifact URIs start from. Finding paths are relative to `cwd`; in SARIF they are
 * relative to `root` (the repository or the analysed folder), named by the uriBaseId
 * `SRCROOT`, so code scanning resolves them against its checkout whatever folder PodPath ran in.
 */
export interface SarifBase {
  /** Absolute folder the artifact URIs are relative to. */
  root: string;
  /** Absolute folder finding paths are relative to. */
  cwd: string;
}

export const SARIF_URI_BASE_ID = 'SRCROOT';

export function formatFindings(findings: readonly Finding[], format: FindingsFormat, version: string, base?: SarifBase): string {
  if (format === 'txt') return findings.map(formatFinding).join('\n') + (findings.length ? '\n' : '');
  if (format === 'json') return JSON.stringify(findings, null, 2) + '\n';
  const codes = [...new Set(findings.map((f) => f.code))].sort();
  const sarif = {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [{
      tool: { driver: { name: 'PodPath', version, rules: codes.map((id) => ({ id, helpUri: `README.md#findings` })) } },
      ...(base ? { originalUriBaseIds: { [SARIF_URI_BASE_ID]: { uri: fileUri(base.root).replace(/\/?$/, '/') } } } : {}),
      results: findings.map((f) => ({
        ruleId: f.code,
        level: f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'note',
        message: { text: f.message },
        ...(f.range ? {
          locations: [{ physicalLocation: { artifactLocation: artifact(f.range.file, base), region: { startLine: f.range.start.line, startColumn: f.range.start.column, endLine: f.range.end.line, endColumn: f.range.end.column } } }],
        } : {}),
      })),
    }],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

/** A relative reference (RFC 3986 §4.2) from `root` to the finding's file, or the file as given when it lies outside. */
function artifact(file: string, base: SarifBase | undefined): { uri: string; uriBaseId?: string } {
  if (!base) return { uri: file };
  const abs = joinPath(base.cwd, file);
  const root = base.root.replace(/[\\/]+$/, '');
  const sep = abs.startsWith(root + '/') ? '/' : abs.startsWith(root + '\\') ? '\\' : undefined;
  if (!sep) return { uri: fileUri(abs) };
  return { uri: abs.slice(root.length + 1).split(/[\\/]/).map(encodeURIComponent).join('/'), uriBaseId: SARIF_URI_BASE_ID };
}

/** Joins a relative path onto a folder without touching the file system (`..` and `.` resolved). */
function joinPath(dir: string, file: string): string {
  if (/^([a-zA-Z]:)?[\\/]/.test(file)) return file;
  const parts = dir.split(/[\\/]/);
  for (const seg of file.split(/[\\/]/)) {
    if (seg === '..') parts.pop();
    else if (seg !== '.' && seg !== '') parts.push(seg);
  }
  return parts.join('/');
}

function fileUri(abs: string): string {
  const p = abs.replace(/\\/g, '/');
  return `file://${p.startsWith('/') ? '' : '/'}${p.split('/').map((s, i) => (i === 0 && /^[a-zA-Z]:$/.test(s) ? s : encodeURIComponent(s))).join('/')}`;
}
