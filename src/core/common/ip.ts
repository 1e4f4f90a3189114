import * as ipaddr from 'ipaddr.js';

/**
 * Addresses and blocks of both IP families. IPv4 is arithmetic on unsigned 32-bit numbers;
 * IPv6 on 128-bit bigints. A `Cidr` says its family in the data (`family: 6`, absent for
 * IPv4), so the functions here answer for either and the rest of PodPath never branches on
 * the family: a block of the other family simply contains nothing of this one.
 * IPv6 text is printed in the RFC 5952 form (`fd00:10:244::1`), as iproute2 and kubectl do.
 */

export type IpFamily = 4 | 6;

export interface Cidr {
  /** IPv4: network address as an unsigned 32-bit number (host bits cleared); IPv6: 0 (see base6). */
  base: number;
  prefix: number;
  /** Canonical text, e.g. `10.244.1.0/24`, `fd00:10:244:1::/64`. */
  text: string;
  /** 6 for an IPv6 block; absent for IPv4. */
  family?: 6;
  /** IPv6: network address as a 128-bit number (host bits cleared). */
  base6?: bigint;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * A dotted IPv4 address as an unsigned 32-bit number. Read digit by digit (a build reads every
 * pod's and endpoint's address); anything but four plain decimal parts takes the general path.
 */
export function ipToInt(ip: string): number {
  let n = 0, part = 0, digits = 0, dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46 && digits > 0 && dots < 3 && part <= 255) {
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
    } else {
      return ipToIntBySplit(ip);
    }
  }
  if (dots !== 3 || digits === 0 || part > 255) return ipToIntBySplit(ip);
  return n * 256 + part;
}

function ipToIntBySplit(ip: string): number {
  const parts = ip.split('.');
  return ((+parts[0] << 24) | (+parts[1] << 16) | (+parts[2] << 8) | +parts[3]) >>> 0;
}

export function intToIp(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses a dotted IPv4 address strictly (no leading zeros, no shorthand). */
export function parseIPv4(text: unknown): ParseResult<string> {
  if (typeof text !== 'string') return { ok: false, error: `expected an IPv4 address, got ${describe(text)}` };
  if (isFourPartDecimal(text)) return { ok: true, value: text };
  if (isIPv6Text(text)) return { ok: false, error: `"${text}" is IPv6; an IPv4 address is expected here` };
  return { ok: false, error: `"${text}" is not a valid IPv4 address` };
}

/**
 * Parses an address of either family. IPv4 strictly (as parseIPv4); IPv6 as the API server
 * does (netip.ParseAddr: no zone, any valid spelling), returned in its canonical RFC 5952 text.
 */
export function parseIP(text: unknown): ParseResult<string> {
  if (typeof text !== 'string') return { ok: false, error: `expected an IP address, got ${describe(text)}` };
  if (isFourPartDecimal(text)) return { ok: true, value: text };
  if (isIPv6Text(text)) return { ok: true, value: canonicalIPv6(text) };
  return { ok: false, error: `"${text}" is not a valid IP address` };
}

/** The family of an address written as text, or undefined when it is neither. */
export function familyOf(ip: string): IpFamily | undefined {
  if (isFourPartDecimal(ip)) return 4;
  return isIPv6Text(ip) ? 6 : undefined;
}

export function cidrFamily(c: Cidr): IpFamily {
  return c.family ?? 4;
}

function isIPv6Text(text: string): boolean {
  return text.includes(':') && IPV6_CHARACTERS.test(text) && ipaddr.IPv6.isValid(text);
}

/**
 * ipaddr.js answers "is this an address?" by parsing and catching the exception it throws
 * otherwise; an exception costs tens of microseconds, and traces ask for every name they
 * resolve (a pod's `ns/name` is not an address). These tests say no without parsing.
 */
const FOUR_PART_DECIMAL = /^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/;
/** What IPv6 text can hold (no zone: `%` is refused, as the API server does). */
const IPV6_CHARACTERS = /^[0-9A-Fa-f:.]+$/;

/** A dotted IPv4 address with four decimal parts, none above 255 and none with a leading zero (ipaddr.IPv4.isValidFourPartDecimal). */
function isFourPartDecimal(text: string): boolean {
  if (!FOUR_PART_DECIMAL.test(text)) return false;
  for (const part of text.split('.')) if (Number(part) > 255) return false;
  return true;
}

export function canonicalIPv6(text: string): string {
  return ipaddr.IPv6.parse(text).toString();
}

const v6Numbers = new Map<string, bigint>();

/** An IPv6 address as a 128-bit number (memoised: traces ask for the same few addresses often). */
export function ip6ToBig(ip: string): bigint {
  let n = v6Numbers.get(ip);
  if (n === undefined) {
    const groups = plainGroups(ip);
    n = 0n;
    if (groups) for (const g of groups) n = (n << 16n) | BigInt(g);
    else for (const b of ipaddr.IPv6.parse(ip).toByteArray()) n = (n << 8n) | BigInt(b);
    if (v6Numbers.size > 200_000) v6Numbers.clear();
    v6Numbers.set(ip, n);
  }
  return n;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * The eight groups of an address written in plain hex groups with at most one `::` (how every
 * address PodPath writes, and nearly every address in a manifest, looks); undefined for anything
 * else (an embedded IPv4 tail, a zone, a malformed text), which the full parser then reads.
 * A dual-stack build converts every pod's IPv6 address, so this path is worth its few lines.
 */
function plainGroups(ip: string): number[] | undefined {
  const halves = ip.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups: number[] = [];
  for (const part of head) {
    if (!HEX_GROUP.test(part)) return undefined;
    groups.push(parseInt(part, 16));
  }
  for (let i = 0; i < missing; i++) groups.push(0);
  for (const part of tail) {
    if (!HEX_GROUP.test(part)) return undefined;
    groups.push(parseInt(part, 16));
  }
  return groups;
}

/** A 128-bit number as RFC 5952 text: lower-case hex groups, the longest run of two or more zero groups as `::`. */
export function bigToIp6(n: bigint): string {
  return formatGroups(groupsOf(n));
}

function groupsOf(n: bigint): number[] {
  const groups: number[] = new Array(8);
  let rest = n;
  for (let i = 7; i >= 0; i--) {
    groups[i] = Number(rest & 0xffffn);
    rest >>= 16n;
  }
  return groups;
}

function formatGroups(groups: number[]): string {
  const [start, len] = longestZeroRun(groups);
  const hex = (from: number, to: number) => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  if (start < 0) return hex(0, 8);
  return `${hex(0, start)}::${hex(start + len, 8)}`;
}

/** RFC 5952 §4.2: the first of the longest runs of two or more zero groups ([-1, 0] when none). */
function longestZeroRun(groups: number[]): [number, number] {
  let bestStart = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  return bestStart < 0 ? [-1, 0] : [bestStart, bestLen];
}

/**
 * The text of a block's addresses whose offset fills only the last two groups, prepared once per
 * block: for each of the four ways those two groups can be zero or not, the fixed text before
 * them and which of them are still written. Every dual-stack pod's address is written this way.
 */
interface BlockText { pre: string[]; tail: ('both' | 'last' | 'none')[]; low: [number, number] }

function blockText(base6: bigint): BlockText {
  const groups = groupsOf(base6);
  const head = groups.slice(0, 6);
  const text: BlockText = { pre: [], tail: [], low: [groups[6], groups[7]] };
  for (let pattern = 0; pattern < 4; pattern++) {
    // Any non-zero value stands for a written group: only zero or not decides the runs.
    const sample = [...head, pattern & 2 ? 0 : 1, pattern & 1 ? 0 : 1];
    const [start, len] = longestZeroRun(sample);
    const hex = (from: number, to: number) => head.slice(from, Math.min(to, 6)).map((g) => g.toString(16)).join(':');
    if (start < 0) {
      text.pre.push(`${hex(0, 6)}:`);
      text.tail.push('both');
    } else if (start + len <= 6) {
      text.pre.push(`${hex(0, start)}::${hex(start + len, 6)}${start + len < 6 ? ':' : ''}`);
      text.tail.push('both');
    } else {
      text.pre.push(`${hex(0, start)}::`);
      text.tail.push(start + len === 7 ? 'last' : 'none');
    }
  }
  return text;
}

/** The network part of a 128-bit address under a prefix length. */
export function mask6(n: bigint, prefix: number): bigint {
  const host = BigInt(128 - prefix);
  return (n >> host) << host;
}

/** How many leading bits two IPv6 addresses share (RFC 6724 CommonPrefixLen). */
export function commonPrefixLength6(a: string, b: string): number {
  const x = ip6ToBig(a) ^ ip6ToBig(b);
  return x === 0n ? 128 : 128 - x.toString(2).length;
}

/** Bits in an address of the family: 32 or 128. */
export function addressBits(family: IpFamily): number {
  return family === 6 ? 128 : 32;
}

/** The well-known addresses and blocks each family's data path is built from. */
export const FAMILY_CONSTANTS: Record<IpFamily, { any: string; loopback: string; loopbackCidr: string; hostPrefix: number; neighbourProtocol: 'ARP' | 'NDP' }> = {
  4: { any: '0.0.0.0/0', loopback: '127.0.0.1', loopbackCidr: '127.0.0.0/8', hostPrefix: 32, neighbourProtocol: 'ARP' },
  // IPv6 resolves neighbours with Neighbor Discovery (RFC 4861), not ARP.
  6: { any: '::/0', loopback: '::1', loopbackCidr: '::1/128', hostPrefix: 128, neighbourProtocol: 'NDP' },
};

/** `ip:port` as URLs and tools write it: IPv6 in brackets (RFC 3986 §3.2.2), `[fd00::1]:80`. */
export function hostPort(ip: string, port: number | string | undefined): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function isIPv4(text: string): boolean {
  return isFourPartDecimal(text);
}

/**
 * Parses `a.b.c.d/n`. Host bits set (10.244.1.5/24) is an error, as kube-controller-manager
 * says for --cluster-cidr and the API server for NetworkPolicy ipBlock under strict IP/CIDR
 * validation (IsValidCIDRForLegacyField with strictValidation: "subnet"/"mask" form only).
 * Leading zeros in the address are rejected too; `allowHostBits` keeps only the network.
 */
export function parseCidr(text: unknown, opts: { allowHostBits?: boolean; family?: IpFamily } = {}): ParseResult<Cidr> {
  if (typeof text !== 'string') return { ok: false, error: `expected a CIDR such as 10.244.0.0/16, got ${describe(text)}` };
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, error: `"${text}" is not a CIDR: it has no /prefix (e.g. ${text}/${isIPv6Text(text) ? 64 : 24})` };
  const addr = text.slice(0, slash), prefixText = text.slice(slash + 1);
  if (isIPv6Text(addr)) {
    if (opts.family === 4) return { ok: false, error: `"${text}" is IPv6; an IPv4 CIDR is expected here` };
    return parseCidr6(text, addr, prefixText, opts);
  }
  if (opts.family === 6 && isFourPartDecimal(addr)) return { ok: false, error: `"${text}" is IPv4; an IPv6 CIDR is expected here` };
  if (!/^(0|[1-9]\d?)$/.test(prefixText) || +prefixText > 32) {
    return { ok: false, error: `"${text}" has an invalid prefix length "${prefixText}" (0–32)` };
  }
  if (!isFourPartDecimal(addr)) {
    return { ok: false, error: `"${text}" is not a valid CIDR: "${addr}" is not an IP address` };
  }
  const prefix = +prefixText;
  const n = ipToInt(addr);
  const base = (n & maskOf(prefix)) >>> 0;
  if (base !== n && !opts.allowHostBits) {
    return { ok: false, error: `"${text}" has host bits set; the network is ${intToIp(base)}/${prefix}` };
  }
  return { ok: true, value: { base, prefix, text: `${intToIp(base)}/${prefix}` } };
}

function parseCidr6(text: string, addr: string, prefixText: string, opts: { allowHostBits?: boolean }): ParseResult<Cidr> {
  if (!/^(0|[1-9]\d{0,2})$/.test(prefixText) || +prefixText > 128) {
    return { ok: false, error: `"${text}" has an invalid prefix length "${prefixText}" (0–128)` };
  }
  const prefix = +prefixText;
  const n = ip6ToBig(addr);
  const base6 = mask6(n, prefix);
  if (base6 !== n && !opts.allowHostBits) {
    return { ok: false, error: `"${text}" has host bits set; the network is ${bigToIp6(base6)}/${prefix}` };
  }
  return { ok: true, value: cidr6(base6, prefix) };
}

function cidr6(base6: bigint, prefix: number): Cidr {
  return { base: 0, prefix, text: `${bigToIp6(base6)}/${prefix}`, family: 6, base6 };
}

/** For trusted, already-validated input (defaults, generated configuration). */
export function cidr(text: string): Cidr {
  const r = parseCidr(text, { allowHostBits: true });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** Is the address in the block? An address of the other family never is. Numbers are IPv4. */
export function cidrContains(c: Cidr, ip: string | number): boolean {
  if (c.family === 6) {
    if (typeof ip === 'number' || !ip.includes(':')) return false;
    return mask6(ip6ToBig(ip), c.prefix) === c.base6;
  }
  if (typeof ip === 'string' && ip.includes(':')) return false;
  const n = typeof ip === 'number' ? ip : ipToInt(ip);
  return ((n & maskOf(c.prefix)) >>> 0) === c.base;
}

/** A key that tells blocks of one prefix length apart (for maps of routes): number or bigint. */
export function cidrKey(c: Cidr): number | bigint {
  return c.family === 6 ? c.base6! : c.base;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  if (a.family === 6) return mask6(a.base6!, Math.min(a.prefix, b.prefix)) === mask6(b.base6!, Math.min(a.prefix, b.prefix));
  const p = Math.min(a.prefix, b.prefix);
  const m = maskOf(p);
  return ((a.base & m) >>> 0) === ((b.base & m) >>> 0);
}

export function cidrSize(c: Cidr): number {
  return 2 ** (addressBits(cidrFamily(c)) - c.prefix);
}

/** Does `outer` contain all of `inner`? */
export function cidrContainsCidr(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family) return false;
  if (outer.family === 6) return inner.prefix >= outer.prefix && mask6(inner.base6!, outer.prefix) === outer.base6;
  return inner.prefix >= outer.prefix && cidrContains(outer, inner.base);
}

/**
 * The smallest CIDR containing all the given addresses and blocks, but never narrower than
 * `maxPrefix` (e.g. 16: a covering /16 at least). Undefined for an empty list.
 */
export function coveringCidr(items: readonly (Cidr | number)[], maxPrefix = 32): Cidr | undefined {
  if (items.length === 0) return undefined;
  let prefix = maxPrefix;
  const first = typeof items[0] === 'number' ? items[0] : items[0].base;
  for (const it of items) {
    const base = typeof it === 'number' ? it : it.base;
    if (typeof it !== 'number') prefix = Math.min(prefix, it.prefix);
    while (prefix > 0 && ((first & maskOf(prefix)) >>> 0) !== ((base & maskOf(prefix)) >>> 0)) prefix--;
  }
  const base = (first & maskOf(prefix)) >>> 0;
  return { base, prefix, text: `${intToIp(base)}/${prefix}` };
}

/** The n-th address of a CIDR (0 = network address). */
export function nthAddress(c: Cidr, n: number): string {
  if (c.family === 6) {
    // The common case (a block of /112 or wider, an offset within its last two groups) in plain
    // numbers. Pod addresses (/64 blocks) and ClusterIPs (a /112 range) take this path.
    if (c.prefix <= 112 && n >= 0 && n < 2 ** Math.min(32, 128 - c.prefix)) {
      let text = blockTexts.get(c);
      if (!text) blockTexts.set(c, (text = blockText(c.base6!)));
      // The block's own bits in the last two groups (a /112 has one of them) plus the offset:
      // no carry, since the offset stays within the block's host bits.
      const g6 = text.low[0] + Math.floor(n / 65536), g7 = text.low[1] + (n % 65536);
      const pattern = (g6 === 0 ? 2 : 0) | (g7 === 0 ? 1 : 0);
      const tail = text.tail[pattern];
      const pre = text.pre[pattern];
      return tail === 'both' ? `${pre}${g6.toString(16)}:${g7.toString(16)}` : tail === 'last' ? pre + g7.toString(16) : pre;
    }
    return bigToIp6(c.base6! + BigInt(n));
  }
  return intToIp((c.base + n) >>> 0);
}

const blockTexts = new WeakMap<Cidr, BlockText>();

/** The i-th subnet of the given prefix length inside `c`, or undefined when out of range. */
export function nthSubnet(c: Cidr, prefix: number, i: number): Cidr | undefined {
  if (prefix < c.prefix) return undefined;
  if (c.family === 6) {
    if (prefix > 128 || i < 0 || i >= 2 ** (prefix - c.prefix)) return undefined;
    return cidr6(c.base6! + (BigInt(i) << BigInt(128 - prefix)), prefix);
  }
  const count = 2 ** (prefix - c.prefix);
  if (i < 0 || i >= count) return undefined;
  const base = (c.base + i * 2 ** (32 - prefix)) >>> 0;
  return { base, prefix, text: `${intToIp(base)}/${prefix}` };
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'object') return Array.isArray(v) ? 'a list' : 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}
