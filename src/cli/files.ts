import * as fs from 'fs';
import * as path from 'path';
import { SourceText } from '../core/manifest/load';

const SKIP_DIRS = new Set(['node_modules', '.git', 'out', 'dist']);

/**
 * Reads the YAML files named on the command line: files as given, folders recursively
 * (`*.yaml`, `*.yml`), in sorted order so output never depends on the file system.
 * Paths in findings are relative to the working directory.
 */
export function readSources(paths: string[], cwd = process.cwd()): { sources: SourceText[]; errors: string[] } {
  const files: string[] = [];
  const errors: string[] = [];
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      errors.push(`${p}: no such file or folder`);
      continue;
    }
    if (stat.isDirectory()) collect(abs, files);
    else files.push(abs);
  }
  const unique = [...new Set(files)].sort();
  const sources: SourceText[] = [];
  for (const f of unique) {
    try {
      sources.push({ file: path.relative(cwd, f) || f, text: fs.readFileSync(f, 'utf8') });
    } catch (e) {
      errors.push(`${f}: ${(e as Error).message}`);
    }
  }
  return { sources, errors };
}

function collect(dir: string, out: string[]): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) collect(path.join(dir, entry.name), out);
    } else if (/\.ya?ml$/i.test(entry.name)) {
      out.push(path.join(dir, entry.name));
    }
  }
}
