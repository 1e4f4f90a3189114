/**
 * A read-only map written as an earlier map plus the entries that changed since, so that the
 * next build of a large index after a small edit costs the edit, not a copy of every entry.
 * The earlier map is never written to: the cluster it belongs to stays valid as it was.
 *
 * Layers do not stack: a map made over a LayeredMap takes that map's base and merges both sets
 * of changes, and once the changes grow past a share of the base, a plain Map is made instead.
 * So a lookup is at most two hash lookups, and memory stays within a fraction of one copy.
 */
export class LayeredMap<K, V> implements ReadonlyMap<K, V> {
  /** The share of the base's size the changes may reach before a plain copy is made. */
  static readonly FLATTEN_SHARE = 1 / 8;

  private constructor(
    private readonly base: ReadonlyMap<K, V>,
    /** Changed entries; `undefined` marks a deleted one (values are never undefined). */
    private readonly changed: ReadonlyMap<K, V | undefined>,
    readonly size: number,
  ) {}

  /**
   * `earlier` with the entries of `deletions` removed, then those of `writes` written, in that
   * order (a key in both ends up written). Neither `earlier` nor its layers are modified.
   */
  static from<K, V>(earlier: ReadonlyMap<K, V>, deletions: Iterable<K>, writes: Iterable<readonly [K, V]>): ReadonlyMap<K, V> {
    const layered = earlier instanceof LayeredMap ? (earlier as LayeredMap<K, V>) : undefined;
    const base = layered ? layered.base : earlier;
    const changed = new Map<K, V | undefined>(layered ? layered.changed : undefined);
    let size = earlier.size;
    for (const k of deletions) {
      if (!currentlyHas(base, changed, k)) continue;
      changed.set(k, undefined);
      size--;
    }
    for (const [k, v] of writes) {
      if (!currentlyHas(base, changed, k)) size++;
      changed.set(k, v);
    }
    if (changed.size > base.size * LayeredMap.FLATTEN_SHARE) return flatten(base, changed);
    return new LayeredMap(base, changed, size);
  }

  get(key: K): V | undefined {
    const c = this.changed.get(key);
    if (c !== undefined) return c;
    return this.changed.has(key) ? undefined : this.base.get(key);
  }

  has(key: K): boolean {
    return this.changed.has(key) ? this.changed.get(key) !== undefined : this.base.has(key);
  }

  /** Entries of the base that did not change, then the changed ones (not the order a fresh map would give). */
  *entries(): IterableIterator<[K, V]> {
    for (const e of this.base) if (!this.changed.has(e[0])) yield e;
    for (const [k, v] of this.changed) if (v !== undefined) yield [k, v];
  }

  *keys(): IterableIterator<K> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): IterableIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this);
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }
}

function currentlyHas<K, V>(base: ReadonlyMap<K, V>, changed: ReadonlyMap<K, V | undefined>, key: K): boolean {
  return changed.has(key) ? changed.get(key) !== undefined : base.has(key);
}

function flatten<K, V>(base: ReadonlyMap<K, V>, changed: ReadonlyMap<K, V | undefined>): Map<K, V> {
  const out = new Map<K, V>(base);
  for (const [k, v] of changed) {
    if (v === undefined) out.delete(k);
    else out.set(k, v);
  }
  return out;
}
