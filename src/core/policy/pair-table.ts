/**
 * A memo from a pair of small non-negative integers to an integer (or -1: not known yet).
 * The reachability engine looks up millions of such pairs (one connection-set id combined
 * with another, one flow state stepped by one rule), so while both numbers stay small the
 * table is a flat typed array indexed by `a * capacity + b`, doubled as ids appear; past
 * `denseLimit` it continues in a map, so a pathological number of ids costs speed, not memory.
 */
export class PairTable {
  private capacity = 0;
  private table = new Int32Array(0);
  private overflow: Map<number, number> | undefined;

  constructor(private readonly denseLimit = 2048) {}

  get(a: number, b: number): number {
    const cap = this.capacity;
    if (a < cap && b < cap) return this.table[a * cap + b];
    if (!this.overflow) return -1;
    return this.overflow.get(a * 0x4000000 + b) ?? -1;
  }

  set(a: number, b: number, value: number): void {
    const need = a > b ? a : b;
    if (need >= this.capacity && need < this.denseLimit) this.grow(need);
    const cap = this.capacity;
    if (a < cap && b < cap) this.table[a * cap + b] = value;
    // Only pairs with an id past the limit land here (the table never grows that far).
    // Ids are far below 2^26 in any cluster PodPath can load, so the key stays an exact double.
    else (this.overflow ??= new Map()).set(a * 0x4000000 + b, value);
  }

  private grow(need: number): void {
    let cap = Math.max(16, this.capacity);
    while (cap <= need) cap *= 2;
    cap = Math.min(cap, this.denseLimit);
    const next = new Int32Array(cap * cap).fill(-1);
    const old = this.capacity;
    for (let a = 0; a < old; a++) next.set(this.table.subarray(a * old, a * old + old), a * cap);
    this.table = next;
    this.capacity = cap;
  }
}
