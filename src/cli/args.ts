/**
 * A small argv parser: `--option value`, `--option=value`, boolean `--flag`s, and positionals.
 * Each command declares what it takes, so a mistyped option is an error that names it instead
 * of silently swallowing the argument after it.
 */
export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string>;
  flags: Set<string>;
}

export interface CommandOptions {
  /** Options that take a value. */
  options: readonly string[];
  /** Options that take none. */
  flags?: readonly string[];
}

export type ParseResult = { ok: true; args: ParsedArgs } | { ok: false; error: string };

export function parseCommandArgs(argv: readonly string[], spec: CommandOptions): ParseResult {
  const flags = spec.flags ?? [];
  const out: ParsedArgs = { positionals: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      if (!a.startsWith('--')) return { ok: false, error: `unknown option ${a}${known(spec)}` };
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (flags.includes(name)) {
        if (eq > 0) return { ok: false, error: `--${name} takes no value` };
        out.flags.add(name);
        continue;
      }
      if (!spec.options.includes(name)) return { ok: false, error: `unknown option --${name}${known(spec)}` };
      let value: string;
      if (eq > 0) value = a.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
      else return { ok: false, error: `--${name} needs a value` };
      if (out.options.has(name) && out.options.get(name) !== value) return { ok: false, error: `--${name} is given twice` };
      out.options.set(name, value);
    } else {
      out.positionals.push(a);
    }
  }
  return { ok: true, args: out };
}

function known(spec: CommandOptions): string {
  const all = [...spec.options, ...(spec.flags ?? [])].map((o) => `--${o}`);
  return all.length ? ` (this command takes ${all.join(', ')})` : ' (this command takes no options)';
}
