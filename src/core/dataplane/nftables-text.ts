import * as ipaddr from 'ipaddr.js';
import { ipToInt } from '../common/ip';
import { NftBaseChain, NftChain, NftElement, NftExpr, NftFamily, NftKeyField, NftRule, NftRuleset, NftSet, NftTable, NftVerdict } from './nftables';

/**
 * `nft list ruleset` text for an nftables ruleset, laid out the way nft 1.0 prints it (tabs,
 * `type … hook … priority …; policy accept;`, named standard priorities, `meta mark & 0x…`,
 * sorted set elements). The text is also valid `nft -f` input: the kernel lab loads exactly this.
 *
 * Checked against nft 1.0.6: the kernel lab loads this text and lists it back unchanged.
 */

export function renderNftRuleset(rs: NftRuleset): string {
  return rs.tables.map(renderNftTable).join('');
}

export function renderNftTable(t: NftTable): string {
  const blocks: string[] = [];
  for (const s of t.sets.values()) blocks.push(renderSet(s));
  for (const c of t.chains.values()) blocks.push(renderChain(t.family, c));
  const head = [`table ${t.family} ${t.name} {`];
  if (t.comment) head.push(`\tcomment ${nftString(t.comment)}`);
  return `${head.join('\n')}\n${blocks.join('\n')}}\n`;
}

function renderSet(s: NftSet): string {
  const lines = [`\t${s.kind} ${s.name} {`, `\t\ttype ${s.type}`];
  // nft reports the default size of a dynamic set.
  if (s.flags?.includes('dynamic')) lines.push('\t\tsize 65535');
  if (s.flags?.length) lines.push(`\t\tflags ${s.flags.join(',')}`);
  if (s.timeoutSeconds !== undefined) lines.push(`\t\ttimeout ${nftDuration(s.timeoutSeconds)}`);
  if (s.comment) lines.push(`\t\tcomment ${nftString(s.comment)}`);
  if (s.elements.size > 0) {
    const elements = sortedElements(s).map((e) => renderElementText(e));
    const perLine = ELEMENTS_PER_LINE[s.type.split(' : ')[0]] ?? 1;
    const rows: string[] = [];
    for (let i = 0; i < elements.length; i += perLine) rows.push(elements.slice(i, i + perLine).join(', '));
    lines.push(`\t\telements = { ${rows.join(',\n\t\t\t     ')} }`);
  }
  lines.push('\t}');
  return lines.join('\n') + '\n';
}

/** How many elements nft 1.0 prints per line, by key type (concatenations: one). */
const ELEMENTS_PER_LINE: Record<string, number> = { ipv4_addr: 2, inet_service: 5 };

export function renderElementText(e: NftElement): string {
  return `${e.key.join(' . ')}${e.comment ? ` comment ${nftString(e.comment)}` : ''}${e.verdict ? ` : ${renderVerdict(e.verdict)}` : ''}`;
}

const sortCache = new WeakMap<NftSet, { size: number; list: NftElement[] }>();

/**
 * Elements in the order nft 1.0 lists them (checked against nft 1.0.6): a single address,
 * port or protocol is compared as a number; a concatenation is compared as its raw bytes read
 * as one little-endian number, laid out in 4-byte registers (address, protocol + padding, port
 * in network order + padding), so its last bytes weigh most: the port's low byte first, then
 * the protocol, then the address from its last octet.
 */
export function sortedElements(s: NftSet): NftElement[] {
  const hit = sortCache.get(s);
  if (hit && hit.size === s.elements.size) return hit.list;
  const list = [...s.elements.values()].map((e) => ({ e, k: elementSortKey(e.key) }));
  list.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const out = list.map((x) => x.e);
  sortCache.set(s, { size: s.elements.size, list: out });
  return out;
}

const PROTO_NUMBERS: Record<string, number> = { tcp: 6, udp: 17, sctp: 132 };

function elementSortKey(key: string[]): bigint {
  if (key.length === 1) {
    const p = key[0];
    if (p in PROTO_NUMBERS) return BigInt(PROTO_NUMBERS[p]);
    if (/^\d+$/.test(p)) return BigInt(p);
    return bigEndian(addressBytes(p));
  }
  const bytes: number[] = [];
  for (const p of key) {
    if (p in PROTO_NUMBERS) bytes.push(PROTO_NUMBERS[p], 0, 0, 0);
    else if (/^\d+$/.test(p)) bytes.push((Number(p) >> 8) & 255, Number(p) & 255, 0, 0);
    else bytes.push(...addressBytes(p));
  }
  return littleEndian(bytes);
}

function addressBytes(text: string): number[] {
  const ip = text.split('/')[0];
  if (/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return ip.split('.').map(Number);
  try {
    return ipaddr.parse(ip).toByteArray();
  } catch {
    return [...Buffer.from(ip)];
  }
}

function bigEndian(bytes: number[]): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function littleEndian(bytes: number[]): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

function renderChain(family: NftFamily, c: NftChain): string {
  const lines = [`\tchain ${c.name} {`];
  if (c.comment) lines.push(`\t\tcomment ${nftString(c.comment)}`);
  if (c.base) lines.push(`\t\ttype ${c.base.type} hook ${c.base.hook} priority ${priorityText(family, c.base)}; policy accept;`);
  for (const r of c.rules) lines.push(`\t\t${renderNftRule(family, r)}`);
  lines.push('\t}');
  return lines.join('\n') + '\n';
}

const ruleTexts = new WeakMap<NftRule, string>();

/** One rule as nft prints it inside its chain (memoised: traces print the deciding rule). */
export function renderNftRule(family: NftFamily, r: NftRule): string {
  let text = ruleTexts.get(r);
  if (text === undefined) {
    text = r.exprs.map((e) => renderExpr(family, e)).join(' ') + (r.comment ? ` comment ${nftString(r.comment)}` : '');
    ruleTexts.set(r, text);
  }
  return text;
}

function renderExpr(family: NftFamily, e: NftExpr): string {
  const ne = (neg?: boolean) => (neg ? '!= ' : '');
  switch (e.e) {
    case 'ct-state': return `ct state ${e.states.join(',')}`;
    case 'addr': return `${family} ${e.dir} ${ne(e.neg)}${e.value}`;
    case 'addr-set': return `${family} ${e.dir} ${ne(e.neg)}@${e.set}`;
    // nft prints a one-element anonymous set as the bare value.
    case 'addr-anon': return e.values.length === 1 ? `${family} ${e.dir} ${ne(e.neg)}${e.values[0]}` : `${family} ${e.dir} ${ne(e.neg)}{ ${[...e.values].sort(compareAddresses).join(', ')} }`;
    case 'l4proto': return `meta l4proto ${e.proto}`;
    case 'dport': return `${e.proto} dport ${e.port}`;
    case 'fib-local': return `fib ${e.dir} type local`;
    case 'mark-test': return `meta mark & ${hex8(e.mask)} ${e.neg ? '!=' : '=='} ${hex8(e.value)}`;
    case 'mark-set': return `meta mark set meta mark ${e.op === 'or' ? '|' : '^'} ${hex8(e.value)}`;
    case 'set-update': return `update @${e.set} { ${family} ${e.dir} }`;
    case 'dnat': return `dnat to ${e.to}`;
    case 'masquerade': return e.fullyRandom ? 'masquerade fully-random' : 'masquerade';
    case 'vmap': return `${keyText(family, e.key)} vmap @${e.map}`;
    case 'numgen': return `numgen random mod ${e.mod} vmap { ${e.verdicts.map((v, i) => `${i} : ${renderVerdict(v)}`).join(', ')} }`;
    case 'verdict': return renderVerdict(e.verdict);
  }
}

export function keyText(family: NftFamily, key: NftKeyField[]): string {
  return key.map((k) => (k === 'daddr' ? `${family} daddr` : k === 'l4proto' ? 'meta l4proto' : 'th dport')).join(' . ');
}

export function renderVerdict(v: NftVerdict): string {
  return v.v === 'jump' || v.v === 'goto' ? `${v.v} ${v.chain}` : v.v;
}

/** Anonymous sets list in plain address order (checked: `{ 1.2.3.4, 203.0.113.0/25 }`). */
function compareAddresses(a: string, b: string): number {
  const x = a.includes(':') ? 0 : ipToInt(a.split('/')[0]), y = b.includes(':') ? 0 : ipToInt(b.split('/')[0]);
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

function hex8(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

/**
 * nft's standard priority names (nft(8) "CHAINS"): a priority within 10 of a name valid for the
 * hook prints as that name with an offset (`dstnat - 10`); others print as a number.
 */
const STANDARD_PRIORITIES: { name: string; value: number; hooks?: string[] }[] = [
  { name: 'raw', value: -300 },
  { name: 'mangle', value: -150 },
  { name: 'dstnat', value: -100, hooks: ['prerouting'] },
  { name: 'filter', value: 0 },
  { name: 'security', value: 50 },
  { name: 'srcnat', value: 100, hooks: ['postrouting'] },
];

function priorityText(_family: NftFamily, base: NftBaseChain): string {
  for (const p of STANDARD_PRIORITIES) {
    if (p.hooks && !p.hooks.includes(base.hook)) continue;
    const d = base.priority - p.value;
    if (Math.abs(d) > 10) continue;
    return d === 0 ? p.name : `${p.name} ${d < 0 ? '-' : '+'} ${Math.abs(d)}`;
  }
  return String(base.priority);
}

/** nft prints timeouts in the largest units that divide them: 10800s is `3h`. */
function nftDuration(seconds: number): string {
  const parts: string[] = [];
  let s = seconds;
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  if (s > 0 || parts.length === 0) parts.push(`${s}s`);
  return parts.join('');
}

/**
 * A double-quoted nft string. nft strings cannot escape a quote, so quotes, backslashes and
 * control characters are replaced; PodPath only writes validated object names into comments.
 */
export function nftString(text: string): string {
  return `"${text.replace(/["\\]/g, "'").replace(/[\u0000-\u001f\u007f]/g, ' ')}"`;
}

/** The rule as a trace shows it: `chain NAME: rule text`. */
export function describeNftRule(family: NftFamily, table: string, chain: string, rule: NftRule): string {
  return `${family} ${table} ${chain}: ${renderNftRule(family, rule)}`;
}
