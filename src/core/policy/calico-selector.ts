/**
 * Calico's selector language (projectcalico/calico libcalico-go/lib/selector/parser; the
 * "Selectors" section of the NetworkPolicy resource reference):
 *
 *   all()                       every endpoint
 *   global()                    non-namespaced resources only (never a pod)
 *   k == 'v'   k != 'v'         `!=` also matches when k is absent
 *   k in {'a','b'}   k not in {...}   `not in` also matches when k is absent
 *   has(k)   !has(k)
 *   k contains 's'   k starts with 's'   k ends with 's'
 *   !expr   expr && expr   expr || expr   ( expr )
 *
 * `&&` binds tighter than `||`. Strings take single or double quotes. A syntax error carries
 * the 0-based offset inside the selector text so the finding points at the exact column.
 */

export type CalicoSelector =
  | { op: 'all' }
  | { op: 'global' }
  | { op: 'has'; key: string }
  | { op: 'eq' | 'ne' | 'contains' | 'starts' | 'ends'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'not'; arg: CalicoSelector }
  | { op: 'and' | 'or'; args: CalicoSelector[] };

export type SelectorParse = { ok: true; selector: CalicoSelector } | { ok: false; error: string; offset: number };

const KEY = /[A-Za-z0-9_.\/-]/;

class SyntaxError_ {
  constructor(readonly message: string, readonly offset: number) {}
}

export function parseCalicoSelector(text: string): SelectorParse {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const fail = (message: string, at = i): never => {
    throw new SyntaxError_(message, at);
  };
  const peek = (s: string) => text.startsWith(s, i);
  const eat = (s: string): boolean => {
    ws();
    if (peek(s)) {
      i += s.length;
      return true;
    }
    return false;
  };
  /** A word operator (`in`, `not`, `contains` …) must not run on into a key character. */
  const eatWord = (w: string): boolean => {
    ws();
    if (peek(w) && !KEY.test(text[i + w.length] ?? '')) {
      i += w.length;
      return true;
    }
    return false;
  };
  const key = (): string => {
    ws();
    const start = i;
    while (i < text.length && KEY.test(text[i])) i++;
    if (i === start) fail(i < text.length ? `unexpected ${JSON.stringify(text[i])}: expected a label key` : 'the selector ends where a label key was expected');
    return text.slice(start, i);
  };
  const str = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') fail(i < text.length ? `expected a quoted string, found ${JSON.stringify(text[i])}` : 'the selector ends where a quoted string was expected');
    const start = i;
    const end = text.indexOf(q, i + 1);
    if (end < 0) fail(`the string opened here is never closed`, start);
    i = end + 1;
    return text.slice(start + 1, end);
  };
  const set = (): string[] => {
    if (!eat('{')) fail(`expected "{" to open a set of values`);
    const values: string[] = [];
    ws();
    if (eat('}')) return values;
    for (;;) {
      values.push(str());
      if (eat('}')) return values;
      if (!eat(',')) fail(`expected "," or "}" in the set of values`);
    }
  };
  const primary = (): CalicoSelector => {
    ws();
    if (eat('!')) return { op: 'not', arg: primary() };
    if (eat('(')) {
      const open = i - 1;
      const e = or();
      if (!eat(')')) fail(i < text.length ? `expected ")" (the "(" at column ${open + 1} is not closed)` : `the "(" at column ${open + 1} is never closed`);
      return e;
    }
    if (eatWord('all')) {
      if (!eat('(') || !eat(')')) fail('all takes no argument: write all()');
      return { op: 'all' };
    }
    if (eatWord('global')) {
      if (!eat('(') || !eat(')')) fail('global takes no argument: write global()');
      return { op: 'global' };
    }
    if (eatWord('has')) {
      if (!eat('(')) fail('expected "(" after has');
      const k = key();
      if (!eat(')')) fail('expected ")" to close has(');
      return { op: 'has', key: k };
    }
    const k = key();
    ws();
    if (eat('==')) return { op: 'eq', key: k, value: str() };
    if (eat('!=')) return { op: 'ne', key: k, value: str() };
    if (eatWord('in')) return { op: 'in', key: k, values: set() };
    if (eatWord('not')) {
      if (!eatWord('in')) fail('expected "in" after "not"');
      return { op: 'notin', key: k, values: set() };
    }
    if (eatWord('contains')) return { op: 'contains', key: k, value: str() };
    if (eatWord('starts')) {
      if (!eatWord('with')) fail('expected "with" after "starts"');
      return { op: 'starts', key: k, value: str() };
    }
    if (eatWord('ends')) {
      if (!eatWord('with')) fail('expected "with" after "ends"');
      return { op: 'ends', key: k, value: str() };
    }
    if (peek('=') && !peek('==')) fail('use == to compare (a single = is not an operator)');
    return fail(i < text.length ? `unexpected ${JSON.stringify(text[i])} after the label key "${k}": expected ==, !=, in, not in, contains, starts with or ends with` : `the selector ends after the label key "${k}": expected an operator`);
  };
  const and = (): CalicoSelector => {
    const args = [primary()];
    while (eat('&&')) args.push(primary());
    return args.length === 1 ? args[0] : { op: 'and', args };
  };
  const or = (): CalicoSelector => {
    const args = [and()];
    while (eat('||')) args.push(and());
    return args.length === 1 ? args[0] : { op: 'or', args };
  };
  try {
    ws();
    // An empty selector selects everything (the policy reference: "selector ... default: all()").
    if (i === text.length) return { ok: true, selector: { op: 'all' } };
    const selector = or();
    ws();
    if (i < text.length) fail(text[i] === '&' || text[i] === '|' ? `use ${text[i]}${text[i]} (a single ${text[i]} is not an operator)` : `unexpected ${JSON.stringify(text[i])}: expected && or || between expressions`);
    return { ok: true, selector };
  } catch (e) {
    if (e instanceof SyntaxError_) return { ok: false, error: e.message, offset: Math.min(e.offset, text.length) };
    return { ok: false, error: String(e), offset: 0 };
  }
}

/**
 * Does an endpoint with these labels match? `global()` is for non-namespaced resources (host
 * endpoints, global network sets): a pod or namespace never matches it.
 */
export function calicoMatches(s: CalicoSelector, labels: Readonly<Record<string, string>>): boolean {
  switch (s.op) {
    case 'all': return true;
    case 'global': return false;
    case 'has': return Object.prototype.hasOwnProperty.call(labels, s.key);
    case 'eq': return has(labels, s.key) && labels[s.key] === s.value;
    case 'ne': return !has(labels, s.key) || labels[s.key] !== s.value;
    case 'in': return has(labels, s.key) && s.values.includes(labels[s.key]);
    case 'notin': return !has(labels, s.key) || !s.values.includes(labels[s.key]);
    case 'contains': return has(labels, s.key) && labels[s.key].includes(s.value);
    case 'starts': return has(labels, s.key) && labels[s.key].startsWith(s.value);
    case 'ends': return has(labels, s.key) && labels[s.key].endsWith(s.value);
    case 'not': return !calicoMatches(s.arg, labels);
    // Loops, not every/some: the reachability engine asks this for every class, no closure per call.
    case 'and':
      for (const a of s.args) if (!calicoMatches(a, labels)) return false;
      return true;
    case 'or':
      for (const a of s.args) if (calicoMatches(a, labels)) return true;
      return false;
  }
}

function has(labels: Readonly<Record<string, string>>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(labels, key);
}

/** Every label key the selector looks at (the reachability classes must tell them apart). */
export function selectorKeys(s: CalicoSelector, out: Set<string> = new Set()): Set<string> {
  switch (s.op) {
    case 'all': case 'global': break;
    case 'not': selectorKeys(s.arg, out); break;
    case 'and': case 'or': for (const a of s.args) selectorKeys(a, out); break;
    default: out.add(s.key);
  }
  return out;
}

/** Label pairs every match must carry (top-level `k == 'v'` terms): lets a label index narrow candidates. */
export function requiredPairs(s: CalicoSelector): [string, string][] {
  if (s.op === 'eq') return [[s.key, s.value]];
  if (s.op === 'and') return s.args.flatMap(requiredPairs);
  return [];
}

/** The selector written back in canonical form (for messages and hovers). */
export function formatCalicoSelector(s: CalicoSelector): string {
  const q = (v: string) => `'${v}'`;
  switch (s.op) {
    case 'all': return 'all()';
    case 'global': return 'global()';
    case 'has': return `has(${s.key})`;
    case 'eq': return `${s.key} == ${q(s.value)}`;
    case 'ne': return `${s.key} != ${q(s.value)}`;
    case 'in': return `${s.key} in {${s.values.map(q).join(', ')}}`;
    case 'notin': return `${s.key} not in {${s.values.map(q).join(', ')}}`;
    case 'contains': return `${s.key} contains ${q(s.value)}`;
    case 'starts': return `${s.key} starts with ${q(s.value)}`;
    case 'ends': return `${s.key} ends with ${q(s.value)}`;
    case 'not': return `!${s.arg.op === 'and' || s.arg.op === 'or' ? `(${formatCalicoSelector(s.arg)})` : formatCalicoSelector(s.arg)}`;
    case 'and': return s.args.map((a) => (a.op === 'or' ? `(${formatCalicoSelector(a)})` : formatCalicoSelector(a))).join(' && ');
    case 'or': return s.args.map(formatCalicoSelector).join(' || ');
  }
}
