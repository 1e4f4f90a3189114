import { cidr, cidrContains, cidrKey, commonPrefixLength6, ip6ToBig, ipToInt, mask6, maskOf } from '../common/ip';
import { Netns, Route } from './model';
import { deviceByName } from './table-lookup';

/**
 * Longest-prefix match over a namespace's main table, as `ip route get` answers it.
 * Routes are bucketed by prefix length once per namespace, so a lookup costs at most 33 map
 * probes however many routes a node has (Calico installs one per local pod).
 */
interface RouteIndex {
  lengths: number[];
  /** Per prefix length, routes by network (a number for IPv4, a bigint for IPv6: the table holds one family). */
  byLength: Map<number, Map<number | bigint, Route>>;
  count: number;
}

const routeIndexes = new WeakMap<Netns, RouteIndex>();

function indexOf(ns: Netns): RouteIndex {
  let idx = routeIndexes.get(ns);
  if (idx && idx.count === ns.routes.length) return idx;
  idx = { lengths: [], byLength: new Map(), count: ns.routes.length };
  for (const r of ns.routes) {
    let bucket = idx.byLength.get(r.dst.prefix);
    if (!bucket) {
      bucket = new Map();
      idx.byLength.set(r.dst.prefix, bucket);
    }
    // First route wins for equal prefixes, as with the kernel's first-inserted entry.
    if (!bucket.has(cidrKey(r.dst))) bucket.set(cidrKey(r.dst), r);
  }
  idx.lengths = [...idx.byLength.keys()].sort((a, b) => b - a);
  routeIndexes.set(ns, idx);
  return idx;
}

export function lookupRoute(ns: Netns, dst: string): Route | undefined {
  const idx = indexOf(ns);
  if (dst.includes(':')) {
    const n6 = ip6ToBig(dst);
    for (const len of idx.lengths) {
      const r = idx.byLength.get(len)!.get(mask6(n6, len));
      if (r && r.dst.family === 6) return r;
    }
    return undefined;
  }
  const n = ipToInt(dst);
  for (const len of idx.lengths) {
    const r = idx.byLength.get(len)!.get((n & maskOf(len)) >>> 0);
    if (r && r.dst.family !== 6) return r;
  }
  return undefined;
}

const routeTexts = new WeakMap<Route, string>();

/** `ip route` text for one route, as iproute2 prints it (memoised: routes are immutable once programmed). */
export function formatRoute(r: Route): string {
  let text = routeTexts.get(r);
  if (text === undefined) {
    text = renderRoute(r);
    routeTexts.set(r, text);
  }
  return text;
}

function renderRoute(r: Route): string {
  const host = r.dst.family === 6 ? 128 : 32;
  const dst = r.dst.prefix === 0 ? 'default' : r.dst.prefix === host ? r.dst.text.slice(0, r.dst.text.lastIndexOf('/')) : r.dst.text;
  const parts: string[] = r.type === 'unicast' ? [dst] : [r.type, dst];
  if (r.via) parts.push('via', r.via);
  if (r.dev) parts.push('dev', r.dev);
  if (r.proto) parts.push('proto', r.proto);
  if (r.scope && r.scope !== 'global') parts.push('scope', r.scope);
  if (r.src) parts.push('src', r.src);
  if (r.onlink) parts.push('onlink');
  return parts.join(' ');
}

export { deviceByName };

/** The address the kernel would pick as source on `dev` for a destination (same subnet first). */
export function sourceAddressFor(ns: Netns, dev: string, dst: string, route?: Route): string | undefined {
  if (route?.src) return route.src;
  const d = deviceByName(ns, dev);
  if (dst.includes(':') && !d?.addresses.some((a) => a.ip.includes(':'))) {
    // IPv6 source selection (RFC 6724 §5): with no address on the outgoing device, the kernel
    // takes the node's global address sharing the longest prefix with the destination (rule 8)
    // — a Calico host reaching a local pod speaks from its block's tunnel address, not eth0's.
    let best: string | undefined;
    let bestLen = -1;
    for (const x of ns.devices) {
      if (x.kind === 'loopback') continue;
      for (const a of x.addresses) {
        if (!a.ip.includes(':') || a.ip.startsWith('fe80:')) continue;
        const len = commonPrefixLength6(a.ip, dst);
        if (len > bestLen) { best = a.ip; bestLen = len; }
      }
    }
    return best;
  }
  if (!d || d.addresses.length === 0) {
    // A device without an address (a Calico veth, tunl0 without one) borrows the primary one.
    const eth = ns.devices.find((x) => x.kind !== 'loopback' && x.addresses.length > 0);
    return eth?.addresses[0]?.ip;
  }
  // Only an address of the destination's family can be the source.
  const v6 = dst.includes(':');
  const family = d.addresses.filter((a) => a.ip.includes(':') === v6);
  if (family.length === 0) return undefined;
  const same = family.find((a) => cidrContains(cidr(`${a.ip}/${a.prefix}`), dst));
  return (same ?? family[0]).ip;
}

/** Is `ip` assigned to any device of this namespace (the kernel's `local` table)? */
export function isLocalAddress(ns: Netns, ip: string): boolean {
  if (ip.startsWith('127.') || ip === '::1') return true;
  let cached = localAddresses.get(ns);
  if (!cached || cached.devices !== ns.devices.length) {
    cached = { devices: ns.devices.length, ips: new Set(ns.devices.flatMap((d) => d.addresses.map((a) => a.ip))) };
    localAddresses.set(ns, cached);
  }
  return cached.ips.has(ip);
}

const localAddresses = new WeakMap<Netns, { devices: number; ips: Set<string> }>();
