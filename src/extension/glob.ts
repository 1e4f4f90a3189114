/**
 * Just enough of VS Code's glob syntax to apply `files.exclude` and `podpath.exclude` to files
 * the watcher reports (`vscode.workspace.findFiles` applies them itself when scanning, but the
 * editor offers no public "does this path match" function).
 *
 * Supported: `**`, `*`, `?`, `{a,b}` (nestable), `[abc]` / `[!abc]`. A pattern excludes a file
 * when it matches the file's path or any folder above it, as in `files.exclude`.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more folders; a trailing `**` anything below.
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:[^/]*/)*';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      depth++;
      re += '(?:';
    } else if (c === '}' && depth > 0) {
      depth--;
      re += ')';
    } else if (c === ',' && depth > 0) re += '|';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export class ExcludeMatcher {
  private readonly patterns: RegExp[];

  constructor(globs: readonly string[]) {
    this.patterns = globs.filter((g) => g.trim() !== '').map((g) => globToRegExp(g.replace(/^\.?\//, '').replace(/\/+$/, '')));
  }

  /** `relativePath` is relative to its workspace folder, with forward slashes. */
  excludes(relativePath: string): boolean {
    if (this.patterns.length === 0) return false;
    const parts = relativePath.split('/');
    for (let n = parts.length; n > 0; n--) {
      const prefix = parts.slice(0, n).join('/');
      if (this.patterns.some((p) => p.test(prefix))) return true;
    }
    return false;
  }
}
