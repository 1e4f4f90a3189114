/**
 * Which JSON files of a workspace are Kubernetes objects. `kubectl get -o json` output is
 * analysed like YAML; package.json, tsconfig.json, a lock file or a JSON schema are left alone,
 * so they never produce a finding. The test is the shape kubectl and the API server give every
 * object: a top-level JSON object whose `kind` is a string, with a string `apiVersion` (a `List`
 * or `*List` counts too when it has `items`).
 *
 * One pass over the text, looking at top-level keys only (nested `kind` keys — a JSON schema's,
 * a template's — do not count), without building the document: a large lock file costs a scan,
 * not a parse. Text after the keys may be unfinished (a file being typed): the keys decide.
 */
export function looksLikeKubernetesJson(text: string): boolean {
  // Most JSON never says "kind" (lock files, tsconfig): one indexOf and done. A key spelled
  // with escapes (`"ki\u006ed"`) is still found by the scan.
  if (!text.includes('"kind"') && !text.includes('\\u')) return false;
  const keys = topLevelStringKeys(text, ['apiVersion', 'kind', 'items']);
  if (typeof keys.kind !== 'string' || keys.kind === '') return false;
  if (typeof keys.apiVersion === 'string' && keys.apiVersion !== '') return true;
  return /List$/.test(keys.kind) && keys.items === true;
}

/** Is the file name one the JSON door reads? */
export function isJsonFileName(path: string): boolean {
  return /\.json$/i.test(path);
}

/**
 * The string values of some top-level keys of a JSON object (`true` when the key is there with
 * another kind of value). Stops as soon as every wanted key was seen or the object ends.
 */
function topLevelStringKeys(text: string, wanted: string[]): Record<string, string | true> {
  const found: Record<string, string | true> = {};
  const first = skipSpace(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  if (text[first] !== '{') return found;
  // Jump from one structural character to the next (the regex engine scans far faster than a
  // loop over characters): quotes open strings, brackets change the depth.
  const structural = /["{}[\]]/g;
  structural.lastIndex = first;
  let depth = 0;
  for (let m = structural.exec(text); m; m = structural.exec(text)) {
    const i = m.index;
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      if (end < 0) return found;
      structural.lastIndex = end + 1;
      if (depth !== 1) continue;
      const after = skipSpace(text, end + 1);
      if (text[after] !== ':') continue;
      const key = decode(text.slice(i, end + 1));
      if (key === undefined || !wanted.includes(key)) continue;
      const v = skipSpace(text, after + 1);
      if (text[v] === '"') {
        const vEnd = stringEnd(text, v);
        const value = vEnd < 0 ? undefined : decode(text.slice(v, vEnd + 1));
        found[key] = value ?? true;
        if (vEnd >= 0) structural.lastIndex = vEnd + 1;
      } else found[key] = true;
      if (wanted.every((k) => k in found)) return found;
    } else if (c === '{' || c === '[') depth++;
    else if (--depth <= 0) return found;
  }
  return found;
}

/** The index of the closing quote of the string starting at `start`, or -1. */
function stringEnd(text: string, start: number): number {
  let i = start;
  for (;;) {
    i = text.indexOf('"', i + 1);
    if (i < 0) return -1;
    // Escaped when preceded by an odd number of backslashes.
    let backslashes = 0;
    while (text.charCodeAt(i - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return i;
  }
}

function decode(literal: string): string | undefined {
  try {
    const v: unknown = JSON.parse(literal);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  return i;
}
