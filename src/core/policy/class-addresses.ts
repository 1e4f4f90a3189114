import { Cidr, cidrContains } from '../common/ip';
import type { PeerClass } from './reachability';

/**
 * Classes by address, so a CIDR finds the classes inside it by binary search instead of testing
 * every class. Rules name address ranges (an AdminNetworkPolicy's networks, Calico nets, ipBlocks)
 * that mostly hold no pod at all; testing each range against every class was tens of thousands
 * of tests per computation. A class's pods all lie in the same blocks (blocks split classes),
 * so its representative's address stands for all of them.
 */
export class ClassAddresses {
  /** IPv4 classes sorted by address: their addresses and positions in `classes`. */
  private readonly v4Addresses: Float64Array;
  private readonly v4Classes: Int32Array;
  /** IPv6 classes, tested one by one (rare, and their ranges rarer). */
  private readonly v6Classes: readonly number[];
  private readonly v6Addresses: readonly string[];
  private readonly picked: Uint8Array;

  /** `classes` in id order; `address`: IPv4 as a number, IPv6 as text (as cidrContains takes them). */
  constructor(private readonly classes: readonly PeerClass[], address: (c: PeerClass) => number | string) {
    const v4: { at: number; address: number }[] = [];
    const v6Classes: number[] = [];
    const v6Addresses: string[] = [];
    classes.forEach((c, at) => {
      const a = address(c);
      if (typeof a === 'number') v4.push({ at, address: a });
      else {
        v6Classes.push(at);
        v6Addresses.push(a);
      }
    });
    v4.sort((x, y) => x.address - y.address || x.at - y.at);
    this.v4Addresses = Float64Array.from(v4, (x) => x.address);
    this.v4Classes = Int32Array.from(v4, (x) => x.at);
    this.v6Classes = v6Classes;
    this.v6Addresses = v6Addresses;
    this.picked = new Uint8Array(classes.length);
  }

  /** The classes whose address lies in any of `cidrs`, in the order of `classes`. */
  inAny(cidrs: readonly Cidr[]): PeerClass[] {
    const positions: number[] = [];
    const picked = this.picked;
    const pick = (at: number) => {
      if (picked[at]) return;
      picked[at] = 1;
      positions.push(at);
    };
    for (const c of cidrs) {
      if (c.family === 6) {
        for (let i = 0; i < this.v6Classes.length; i++) if (cidrContains(c, this.v6Addresses[i])) pick(this.v6Classes[i]);
        continue;
      }
      const last = c.base + 2 ** (32 - c.prefix) - 1;
      for (let i = this.firstAtOrAbove(c.base); i < this.v4Addresses.length && this.v4Addresses[i] <= last; i++) pick(this.v4Classes[i]);
    }
    for (const at of positions) picked[at] = 0;
    return positions.sort((a, b) => a - b).map((at) => this.classes[at]);
  }

  private firstAtOrAbove(address: number): number {
    let lo = 0;
    let hi = this.v4Addresses.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.v4Addresses[mid] < address) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
