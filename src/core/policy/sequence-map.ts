/**
 * A map keyed by sequences of integers: a trie of number-keyed maps. The reachability engine
 * looks up thousands of composite keys per run (a pod's label values, a row's stage ids);
 * numbers need no text built and hashed for every lookup as a joined string key would.
 * Sequences are compared element by element, so [1, 2] and [12] are different keys.
 */
export class SequenceMap<V> {
  private readonly root: SequenceNode<V> = {};
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The value under the first `length` elements of `key` (all of them by default). */
  get(key: ArrayLike<number>, length = key.length): V | undefined {
    let node: SequenceNode<V> | undefined = this.root;
    for (let i = 0; i < length && node; i++) node = node.next?.get(key[i]);
    return node?.value;
  }

  /** Files `value` under the first `length` elements of `key` (all of them by default). */
  set(key: ArrayLike<number>, value: V, length = key.length): void {
    let node = this.root;
    for (let i = 0; i < length; i++) {
      const next: Map<number, SequenceNode<V>> = (node.next ??= new Map());
      let child = next.get(key[i]);
      if (!child) next.set(key[i], (child = {}));
      node = child;
    }
    if (!node.has) {
      node.has = true;
      this.count++;
    }
    node.value = value;
  }
}

interface SequenceNode<V> {
  value?: V;
  has?: boolean;
  next?: Map<number, SequenceNode<V>>;
}
