import { grownInt32 } from './int-arena';
import { PROTOCOLS } from '../manifest/types';
import { ConnSet } from './connset';
import { ContentMap } from './content-map';
import { PairTable } from './pair-table';

/**
 * Connection sets as small integers: each distinct set gets one id, and union, intersection
 * and difference of two ids are computed once and then looked up. A cluster's policies name
 * few distinct port sets, so the all-pairs matrix combines ids in tables instead of building
 * sets pair by pair.
 */
export class ConnIds {
  static readonly NONE = 0;
  static readonly ALL = 1;

  private readonly sets: ConnSet[] = [];
  private readonly empty: boolean[] = [];
  /** Ids by the set's ranges written out as numbers (see writeKey): no text is built per set. */
  private readonly byRanges = new ContentMap<number>();
  private key = new Int32Array(64);
  private readonly unions = new PairTable();
  private readonly intersections = new PairTable();
  private readonly differences = new PairTable();

  constructor() {
    this.id(ConnSet.NONE);
    this.id(ConnSet.ALL);
  }

  /** The id of a set (the same id for equal sets). */
  id(c: ConnSet): number {
    const length = this.writeKey(c);
    let id = this.byRanges.get(this.key, length);
    if (id === undefined) {
      id = this.sets.length;
      this.sets.push(c);
      this.empty.push(c.isEmpty());
      this.byRanges.set(this.key, id, length);
    }
    return id;
  }

  /**
   * Writes a set into `key` as, per protocol in a fixed order, its number of ranges and then
   * their bounds; returns the length. Ranges are kept sorted, disjoint and non-adjacent, so
   * equal sets write equal keys and different sets different ones.
   */
  private writeKey(c: ConnSet): number {
    let length = 0;
    for (let p = 0; p < PROTOCOLS.length; p++) {
      const ranges = c.ranges(PROTOCOLS[p]);
      if (length + 1 + 2 * ranges.length > this.key.length) this.grow(length + 1 + 2 * ranges.length);
      const key = this.key;
      key[length++] = ranges.length;
      for (let i = 0; i < ranges.length; i++) {
        key[length++] = ranges[i][0];
        key[length++] = ranges[i][1];
      }
    }
    return length;
  }

  private grow(need: number): void {
    this.key = grownInt32(this.key, need);
  }

  set(id: number): ConnSet {
    return this.sets[id];
  }

  isEmpty(id: number): boolean {
    return this.empty[id];
  }

  get size(): number {
    return this.sets.length;
  }

  /** Whether two sets share a connection (an egress answer meets an ingress answer). */
  meets(a: number, b: number): boolean {
    return a !== ConnIds.NONE && b !== ConnIds.NONE && (a === ConnIds.ALL || b === ConnIds.ALL || !this.empty[this.intersect(a, b)]);
  }

  union(a: number, b: number): number {
    if (a === b || b === ConnIds.NONE || a === ConnIds.ALL) return a;
    if (a === ConnIds.NONE || b === ConnIds.ALL) return b;
    // Symmetric: one entry serves both orders.
    const lo = a < b ? a : b;
    const hi = a < b ? b : a;
    const r = this.unions.get(lo, hi);
    return r >= 0 ? r : this.unionOnce(lo, hi);
  }

  intersect(a: number, b: number): number {
    if (a === b || b === ConnIds.ALL || a === ConnIds.NONE) return a;
    if (a === ConnIds.ALL || b === ConnIds.NONE) return b;
    const lo = a < b ? a : b;
    const hi = a < b ? b : a;
    const r = this.intersections.get(lo, hi);
    return r >= 0 ? r : this.intersectOnce(lo, hi);
  }

  /** a without b. */
  minus(a: number, b: number): number {
    if (a === ConnIds.NONE || b === ConnIds.NONE) return a;
    if (a === b || b === ConnIds.ALL) return ConnIds.NONE;
    const r = this.differences.get(a, b);
    return r >= 0 ? r : this.minusOnce(a, b);
  }

  // The sets combined the first time a pair comes up, apart from the lookups above (callers
  // that take those in whole then take little).
  private unionOnce(lo: number, hi: number): number {
    const r = this.id(this.sets[lo].union(this.sets[hi]));
    this.unions.set(lo, hi, r);
    return r;
  }

  private intersectOnce(lo: number, hi: number): number {
    const r = this.id(this.sets[lo].intersect(this.sets[hi]));
    this.intersections.set(lo, hi, r);
    return r;
  }

  private minusOnce(a: number, b: number): number {
    const r = this.id(this.sets[a].intersect(this.sets[b].complement()));
    this.differences.set(a, b, r);
    return r;
  }
}
