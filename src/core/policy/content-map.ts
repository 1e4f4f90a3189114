/**
 * A map keyed by the contents of integer sequences, for long keys: a stage's rules written out
 * as numbers, a class list, a sparse verdict (hundreds of numbers). A SequenceMap would make a
 * trie node per element; here a key costs one hash over its elements and, on a hit, one
 * comparison. The map keeps its own copy of each key, so callers may reuse a scratch buffer.
 */
export class ContentMap<V> {
  private readonly buckets = new Map<number, { key: Int32Array; value: V }[]>();
  private count = 0;

  /** `hashMask` keeps only some bits of the hash (tests make keys collide with it). */
  constructor(private readonly hashMask = -1) {}

  get size(): number {
    return this.count;
  }

  /** The value under the first `length` elements of `key` (all of them by default). */
  get(key: ArrayLike<number>, length = key.length): V | undefined {
    const bucket = this.buckets.get(hashOf(key, length) & this.hashMask);
    if (!bucket) return undefined;
    for (let i = 0; i < bucket.length; i++) if (sameContent(bucket[i].key, key, length)) return bucket[i].value;
    return undefined;
  }

  /** Files `value` under the first `length` elements of `key` (all of them by default). */
  set(key: ArrayLike<number>, value: V, length = key.length): void {
    const h = hashOf(key, length) & this.hashMask;
    let bucket = this.buckets.get(h);
    if (!bucket) this.buckets.set(h, (bucket = []));
    for (let i = 0; i < bucket.length; i++) {
      if (sameContent(bucket[i].key, key, length)) {
        bucket[i].value = value;
        return;
      }
    }
    const copy = key instanceof Int32Array ? key.slice(0, length) : Int32Array.from({ length }, (_, i) => key[i]);
    bucket.push({ key: copy, value });
    this.count++;
  }
}

/** FNV-1a over the elements (as 32-bit integers), the length mixed in first. */
function hashOf(key: ArrayLike<number>, length: number): number {
  let h = Math.imul(0x811c9dc5 ^ length, 0x01000193);
  for (let i = 0; i < length; i++) h = Math.imul(h ^ key[i], 0x01000193);
  return h;
}

function sameContent(stored: Int32Array, key: ArrayLike<number>, length: number): boolean {
  if (stored.length !== length) return false;
  for (let i = 0; i < length; i++) if (stored[i] !== key[i]) return false;
  return true;
}
