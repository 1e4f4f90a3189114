/** A small argv parser: `--flag value`, `--flag=value`, boolean flags, and positionals. */
export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string>;
  flags: Set<string>;
}

export function parseArgs(argv: string[], booleanFlags: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { positionals: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (booleanFlags.includes(name)) out.flags.add(name);
      else if (eq > 0) out.options.set(name, a.slice(eq + 1));
      else if (i + 1 < argv.length) out.options.set(name, argv[++i]);
      else out.options.set(name, '');
    } else {
      out.positionals.push(a);
    }
  }
  return out;
}
