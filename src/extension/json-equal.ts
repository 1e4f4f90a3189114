/**
 * Whether two JSON-like values would come out of `JSON.stringify` as the same data: plain
 * objects (keys in any order, a key whose value is undefined counts as absent), arrays,
 * strings, finite numbers, booleans and null. The worker compares each file's diagnostics with
 * what the editor shows this way, instead of writing every file's list out as JSON each time
 * (at 10,000 pods that is megabytes per save): only a file that differs is serialised.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    // NaN and Infinity are written as null by JSON.stringify.
    if (typeof a === 'number' && typeof b === 'number') return !Number.isFinite(a) && !Number.isFinite(b);
    return false;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const y = b as unknown[];
    if (a.length !== y.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], y[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let count = 0;
  for (const k in x) {
    if (!Object.prototype.hasOwnProperty.call(x, k) || x[k] === undefined) continue;
    count++;
    if (!jsonEqual(x[k], y[k])) return false;
  }
  for (const k in y) {
    if (Object.prototype.hasOwnProperty.call(y, k) && y[k] !== undefined) count--;
  }
  return count === 0;
}
