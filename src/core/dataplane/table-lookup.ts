import { Device, FdbEntry, Neighbor, Netns } from './model';

/**
 * Lookups in a network namespace's tables (devices, neighbours, bridge FDB) by key. A trace asks
 * them at almost every hop, and a node's tables hold an entry per pod, so a linear search cost
 * microseconds per hop at 100 pods a node. Each index is made on the first lookup and made again
 * when its table has grown (programming a node appends to them); the first entry with a key wins,
 * as a linear search would find it.
 */
class TableIndex<T> {
  private readonly indexes = new WeakMap<readonly T[], { length: number; byKey: Map<string, Map<string, T>> }>();

  /** `keyOf` gives an entry's key in two parts (a device and an address, say): nested maps need no joined text per lookup. */
  constructor(private readonly keyOf: (entry: T) => [string, string]) {}

  find(table: readonly T[], first: string, second: string): T | undefined {
    let index = this.indexes.get(table);
    if (!index || index.length !== table.length) {
      const byKey = new Map<string, Map<string, T>>();
      for (const entry of table) {
        const [a, b] = this.keyOf(entry);
        let inner = byKey.get(a);
        if (!inner) byKey.set(a, (inner = new Map()));
        if (!inner.has(b)) inner.set(b, entry);
      }
      index = { length: table.length, byKey };
      this.indexes.set(table, index);
    }
    return index.byKey.get(first)?.get(second);
  }
}

const devicesByName = new TableIndex<Device>((d) => [d.name, '']);
const neighborsByDevice = new TableIndex<Neighbor>((n) => [n.dev, n.ip]);
const neighborsByIP = new TableIndex<Neighbor>((n) => [n.ip, '']);
const fdbByMaster = new TableIndex<FdbEntry>((f) => [f.master ?? '', f.mac]);
const fdbByDevice = new TableIndex<FdbEntry>((f) => [f.dev, f.mac]);

export function deviceByName(ns: Netns, name: string): Device | undefined {
  return devicesByName.find(ns.devices, name, '');
}

/** The neighbour entry for `ip` on device `dev` (`ip neigh show dev DEV to IP`); any device when `dev` is not given. */
export function neighborFor(ns: Netns, ip: string, dev?: string): Neighbor | undefined {
  return dev === undefined ? neighborsByIP.find(ns.neighbors, ip, '') : neighborsByDevice.find(ns.neighbors, dev, ip);
}

/** The FDB entry for `mac` on a bridge's ports (`master`) or on a device (`dev`: a VXLAN device's remote VTEPs). */
export function fdbEntryFor(ns: Netns, mac: string, on: { master: string } | { dev: string }): FdbEntry | undefined {
  return 'master' in on ? fdbByMaster.find(ns.fdb, on.master, mac) : fdbByDevice.find(ns.fdb, on.dev, mac);
}
