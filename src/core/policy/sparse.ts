import { IntArena, grownInt32 } from './int-arena';

/**
 * One value per peer, written sparsely: `base` for every peer but those `peers` lists, which
 * have `values` (same order). Stage verdicts and rows are kept this way: most peers share one.
 */
export interface Sparse {
  base: number;
  peers: Int32Array;
  values: Int32Array;
}

/**
 * Writes a Sparse from a dense scratch layout: named peers with their values, and the value of
 * all the others. Its base is the most common value, so only the peers that differ from it are
 * listed (the unnamed ones too, when their common value is not the most common one). One maker
 * serves a whole computation; its scratch buffers are reused from call to call.
 */
export class SparseMaker {
  private tally = new Int32Array(64);
  private readonly distinct: Int32Array;
  private readonly outPeers: Int32Array;
  private readonly outValues: Int32Array;

  /** `peers`: every peer a Sparse may cover (ids below `n`); `arena` holds the lists made. */
  constructor(n: number, private readonly peers: Int32Array, private readonly arena: IntArena) {
    this.distinct = new Int32Array(n + 1);
    this.outPeers = new Int32Array(n);
    this.outValues = new Int32Array(n);
  }

  /**
   * The first `count` of `named` with their values (in `value`, indexed by peer), every other
   * peer with `others`. `named` peers carry `mark` in `marks`, the others do not.
   */
  of(named: Int32Array, count: number, value: Int32Array, others: number, marks: Int32Array, mark: number): Sparse {
    const base = this.commonest(named, count, value, others);
    const outPeers = this.outPeers;
    const outValues = this.outValues;
    let len = 0;
    for (let i = 0; i < count; i++) {
      const v = value[named[i]];
      if (v === base) continue;
      outPeers[len] = named[i];
      outValues[len++] = v;
    }
    if (base !== others && this.peers.length > count) {
      const peers = this.peers;
      for (let i = 0; i < peers.length; i++) {
        const y = peers[i];
        if (marks[y] === mark) continue;
        outPeers[len] = y;
        outValues[len++] = others;
      }
    }
    return { base, peers: this.arena.copy(outPeers, len), values: this.arena.copy(outValues, len) };
  }

  /** The most common value over all peers (the lower one on a tie, so the choice is deterministic). */
  private commonest(named: Int32Array, count: number, value: Int32Array, others: number): number {
    const unnamed = this.peers.length - count;
    const distinct = this.distinct;
    let base = others;
    let best = unnamed;
    let kinds = 0;
    for (let i = 0; i < count; i++) {
      const v = value[named[i]];
      if (v >= this.tally.length) this.grow(v);
      const tally = this.tally;
      // tally[v] is 0 until v is first seen, then at least 1.
      let c = tally[v];
      if (c === 0) {
        distinct[kinds++] = v;
        if (v === others) c = unnamed;
      }
      tally[v] = ++c;
      if (c > best || (c === best && v < base)) {
        best = c;
        base = v;
      }
    }
    for (let i = 0; i < kinds; i++) this.tally[distinct[i]] = 0;
    return base;
  }

  private grow(v: number): void {
    this.tally = grownInt32(this.tally, v + 1);
  }
}
