import * as ipaddr from 'ipaddr.js';

/**
 * IPv4 arithmetic on unsigned 32-bit numbers. The forwarding core models IPv4 only; IPv6
 * addresses are recognised (so they get a clear finding) but not routed.
 */

export interface Cidr {
  /** Network address as an unsigned 32-bit number (host bits cleared). */
  base: number;
  prefix: number;
  /** Canonical text, e.g. `10.244.1.0/24`. */
  text: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

export function ipToInt(ip: string): number {
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
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return { ok: true, value: text };
  if (ipaddr.IPv6.isValid(text)) return { ok: false, error: `"${text}" is IPv6; PodPath models IPv4 data paths only` };
  return { ok: false, error: `"${text}" is not a valid IPv4 address` };
}

export function isIPv4(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text);
}

/**
 * Parses `a.b.c.d/n`. Host bits set (10.244.1.5/24) is an error, as kube-controller-manager
 * says for --cluster-cidr and the API server for NetworkPolicy ipBlock under strict IP/CIDR
 * validation (IsValidCIDRForLegacyField with strictValidation: "subnet"/"mask" form only).
 * Leading zeros in the address are rejected too; `allowHostBits` keeps only the network.
 */
export function parseCidr(text: unknown, opts: { allowHostBits?: boolean } = {}): ParseResult<Cidr> {
  if (typeof text !== 'string') return { ok: false, error: `expected a CIDR such as 10.244.0.0/16, got ${describe(text)}` };
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, error: `"${text}" is not a CIDR: it has no /prefix (e.g. ${text}/24)` };
  const addr = text.slice(0, slash), prefixText = text.slice(slash + 1);
  if (!/^(0|[1-9]\d?)$/.test(prefixText) || +prefixText > 32) {
    if (ipaddr.IPv6.isValid(addr)) return { ok: false, error: `"${text}" is IPv6; PodPath models IPv4 data paths only` };
    return { ok: false, error: `"${text}" has an invalid prefix length "${prefixText}" (0–32)` };
  }
  if (!ipaddr.IPv4.isValidFourPartDecimal(addr)) {
    if (ipaddr.IPv6.isValid(addr)) return { ok: false, error: `"${text}" is IPv6; PodPath models IPv4 data paths only` };
    return { ok: false, error: `"${text}" is not a valid CIDR: "${addr}" is not an IPv4 address` };
  }
  const prefix = +prefixText;
  const n = ipToInt(addr);
  const base = (n & maskOf(prefix)) >>> 0;
  if (base !== n && !opts.allowHostBits) {
    return { ok: false, error: `"${text}" has host bits set; the network is ${intToIp(base)}/${prefix}` };
  }
  return { ok: true, value: { base, prefix, text: `${intToIp(base)}/${prefix}` } };
}

/** For trusted, already-validated input (defaults, generated configuration). */
export function cidr(text: string): Cidr {
  const r = parseCidr(text, { allowHostBits: true });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

export function cidrContains(c: Cidr, ip: string | number): boolean {
  const n = typeof ip === 'number' ? ip : ipToInt(ip);
  return ((n & maskOf(c.prefix)) >>> 0) === c.base;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  const m = maskOf(p);
  return ((a.base & m) >>> 0) === ((b.base & m) >>> 0);
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** Does `outer` contain all of `inner`? */
export function cidrContainsCidr(outer: Cidr, inner: Cidr): boolean {
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
  return intToIp((c.base + n) >>> 0);
}

/** The i-th subnet of the given prefix length inside `c`, or undefined when out of range. */
export function nthSubnet(c: Cidr, prefix: number, i: number): Cidr | undefined {
  if (prefix < c.prefix) return undefined;
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
