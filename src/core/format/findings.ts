import { Finding, formatFinding } from '../common/finding';

/** Findings as text (one per line), JSON, or SARIF 2.1.0 for code-scanning tools in CI. */
export type FindingsFormat = 'txt' | 'json' | 'sarif';

export function formatFindings(findings: readonly Finding[], format: FindingsFormat, version: string): string {
  if (format === 'txt') return findings.map(formatFinding).join('\n') + (findings.length ? '\n' : '');
  if (format === 'json') return JSON.stringify(findings, null, 2) + '\n';
  const codes = [...new Set(findings.map((f) => f.code))].sort();
  const sarif = {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [{
      tool: { driver: { name: 'PodPath', version, rules: codes.map((id) => ({ id, helpUri: `README.md#findings` })) } },
      results: findings.map((f) => ({
        ruleId: f.code,
        level: f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'note',
        message: { text: f.message },
        ...(f.range ? {
          locations: [{ physicalLocation: { artifactLocation: { uri: f.range.file }, region: { startLine: f.range.start.line, startColumn: f.range.start.column, endLine: f.range.end.line, endColumn: f.range.end.column } } }],
        } : {}),
      })),
    }],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
