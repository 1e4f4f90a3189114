import { Protocol, PROTOCOLS } from '../manifest/types';

/**
 * A set of connections: for each protocol (TCP, UDP, SCTP) a set of ports, kept as sorted,
 * disjoint, non-adjacent inclusive ranges. Immutable: every operation returns a new set.
 */
export type Range = readonly [number, number];

export const MIN_PORT = 1;
export const MAX_PORT = 65535;
const FULL: readonly Range[] = [[MIN_PORT, MAX_PORT]];

export class ConnSet {
  private constructor(private readonly byProtocol: Readonly<Record<Protocol, readonly Range[]>>) {}

  static readonly NONE = new ConnSet({ TCP: [], UDP: [], SCTP: [] });
  static readonly ALL = new ConnSet({ TCP: FULL, UDP: FULL, SCTP: FULL });

  /** All ports of one protocol, or the given range of it. */
  static of(protocol: Protocol, from = MIN_PORT, to = from === MIN_PORT ? MAX_PORT : from): ConnSet {
    const r: Record<Protocol, readonly Range[]> = { TCP: [], UDP: [], SCTP: [] };
    r[protocol] = [[Math.max(MIN_PORT, from), Math.min(MAX_PORT, to)]];
    return new ConnSet(r);
  }

  static port(protocol: Protocol, port: number): ConnSet {
    return ConnSet.of(protocol, port, port);
  }

  ranges(protocol: Protocol): readonly Range[] {
    return this.byProtocol[protocol];
  }

  isEmpty(): boolean {
    const r = this.byProtocol;
    return r.TCP.length === 0 && r.UDP.length === 0 && r.SCTP.length === 0;
  }

  isAll(): boolean {
    const r = this.byProtocol;
    return isFull(r.TCP) && isFull(r.UDP) && isFull(r.SCTP);
  }

  has(protocol: Protocol, port: number): boolean {
    for (const [lo, hi] of this.byProtocol[protocol]) {
      if (port < lo) return false;
      if (port <= hi) return true;
    }
    return false;
  }

  union(other: ConnSet): ConnSet {
    if (this === other || other.isEmpty() || this.isAll()) return this;
    if (this.isEmpty() || other.isAll()) return other;
    return this.combine(other, unionRanges);
  }

  intersect(other: ConnSet): ConnSet {
    if (this === other || other.isAll()) return this;
    if (this.isAll()) return other;
    return this.combine(other, intersectRanges);
  }

  complement(): ConnSet {
    return new ConnSet({ TCP: complementRanges(this.byProtocol.TCP), UDP: complementRanges(this.byProtocol.UDP), SCTP: complementRanges(this.byProtocol.SCTP) });
  }

  equals(other: ConnSet): boolean {
    return PROTOCOLS.every((p) => sameRanges(this.byProtocol[p], other.byProtocol[p]));
  }

  /**
   * The connlist convention of existing policy analyzers: `All Connections`, or each protocol
   * in name order with its ascending ports and ranges, all comma-joined:
   * `SCTP 9003,TCP 80,8080-8090,UDP 53`. An empty set is `No Connections`.
   */
  toString(): string {
    if (this.isAll()) return 'All Connections';
    if (this.isEmpty()) return 'No Connections';
    const parts: string[] = [];
    for (const p of [...PROTOCOLS].sort()) {
      const rs = this.byProtocol[p];
      if (rs.length === 0) continue;
      parts.push(`${p} ${rs.map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`)).join(',')}`);
    }
    return parts.join(',');
  }

  private combine(other: ConnSet, op: (a: readonly Range[], b: readonly Range[]) => Range[]): ConnSet {
    return new ConnSet({ TCP: op(this.byProtocol.TCP, other.byProtocol.TCP), UDP: op(this.byProtocol.UDP, other.byProtocol.UDP), SCTP: op(this.byProtocol.SCTP, other.byProtocol.SCTP) });
  }
}

function isFull(rs: readonly Range[]): boolean {
  return rs.length === 1 && rs[0][0] === MIN_PORT && rs[0][1] === MAX_PORT;
}

function sameRanges(a: readonly Range[], b: readonly Range[]): boolean {
  return a.length === b.length && a.every((r, i) => r[0] === b[i][0] && r[1] === b[i][1]);
}

function unionRanges(a: readonly Range[], b: readonly Range[]): Range[] {
  // Both lists are sorted: merge them by start, joining ranges that overlap or touch.
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i][0] <= b[j][0]) ? a[i++] : b[j++];
    const last = out.length ? out[out.length - 1] : undefined;
    if (last && next[0] <= last[1] + 1) {
      if (next[1] > last[1]) last[1] = next[1];
    } else out.push([next[0], next[1]]);
  }
  return out;
}

function intersectRanges(a: readonly Range[], b: readonly Range[]): Range[] {
  const out: Range[] = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i][0], b[j][0]);
    const hi = Math.min(a[i][1], b[j][1]);
    if (lo <= hi) out.push([lo, hi]);
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return out;
}

function complementRanges(a: readonly Range[]): Range[] {
  const out: Range[] = [];
  let next = MIN_PORT;
  for (const [lo, hi] of a) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_PORT) out.push([next, MAX_PORT]);
  return out;
}
