import { Cause } from './model';

/**
 * nftables rules as data, beside the iptables model in `netfilter.ts`. A ruleset is a list of
 * tables; each table (family `ip` or `ip6`) holds named sets, maps (here verdict maps) and
 * chains; a base chain is attached to a netfilter hook at a priority. A rule is the sequence of
 * expressions nft prints, matches and statements in written order, so the same structure is
 * rendered as `nft list ruleset` text (`nftables-text.ts`) and walked by the evaluator
 * (`nftables-eval.ts`).
 *
 * Only the expressions kube-proxy's nftables proxier writes are modelled
 * (kubernetes pkg/proxy/nftables/proxier.go).
 */

export type NftFamily = 'ip' | 'ip6';
export type NftHook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
export type NftChainType = 'filter' | 'nat';
export type NftAddrDir = 'saddr' | 'daddr';
export type NftProto = 'tcp' | 'udp' | 'sctp';

export type NftVerdict =
  | { v: 'accept' | 'drop' | 'reject' | 'return' }
  | { v: 'jump' | 'goto'; chain: string };

/** A part of a concatenated lookup key: `ip daddr . meta l4proto . th dport`. */
export type NftKeyField = 'daddr' | 'l4proto' | 'dport';

export type NftExpr =
  /** `ct state new`: the first packet of a connection is NEW. */
  | { e: 'ct-state'; states: string[] }
  /** `ip daddr 172.30.0.41`, `ip saddr != 10.0.0.0/8` (an address or a prefix). */
  | { e: 'addr'; dir: NftAddrDir; value: string; neg?: boolean }
  /** `ip daddr @cluster-ips` */
  | { e: 'addr-set'; dir: NftAddrDir; set: string; neg?: boolean }
  /** `ip saddr != { 203.0.113.0/25 }` (an anonymous set). */
  | { e: 'addr-anon'; dir: NftAddrDir; values: string[]; neg?: boolean }
  /** `meta l4proto tcp` */
  | { e: 'l4proto'; proto: NftProto }
  /** `tcp dport 80` */
  | { e: 'dport'; proto: NftProto; port: number }
  /** `fib saddr type local` / `fib daddr type local`: an address of this node. */
  | { e: 'fib-local'; dir: NftAddrDir }
  /** `mark and 0x4000 == 0` (nft prints `meta mark & 0x00004000 == 0x00000000`). */
  | { e: 'mark-test'; mask: number; value: number; neg?: boolean }
  /** `mark set mark or 0x4000` / `xor`. */
  | { e: 'mark-set'; op: 'or' | 'xor'; value: number }
  /** `update @set { ip saddr }`: records the client for session affinity. */
  | { e: 'set-update'; set: string; dir: NftAddrDir }
  /** `dnat to 10.180.0.1:80`: terminal, like iptables' DNAT target. */
  | { e: 'dnat'; to: string }
  /** `masquerade fully-random` */
  | { e: 'masquerade'; fullyRandom: boolean }
  /** `ip daddr . meta l4proto . th dport vmap @service-ips`: a verdict from a named map, or nothing. */
  | { e: 'vmap'; key: NftKeyField[]; map: string }
  /** `numgen random mod N vmap { 0 : goto A , 1 : goto B }`: one of N verdicts, each with probability 1/N. */
  | { e: 'numgen'; mod: number; verdicts: NftVerdict[] }
  | { e: 'verdict'; verdict: NftVerdict };

export interface NftRule {
  exprs: NftExpr[];
  comment?: string;
  /** Why the rule exists (a Service port, an endpoint), with its YAML location. */
  cause?: Cause;
}

export interface NftBaseChain {
  type: NftChainType;
  hook: NftHook;
  priority: number;
}

export interface NftChain {
  name: string;
  base?: NftBaseChain;
  comment?: string;
  rules: NftRule[];
}

export interface NftElement {
  /** The key's parts, as nft writes them: `['172.30.0.41', 'tcp', '80']`. */
  key: string[];
  comment?: string;
  /** Maps only: the verdict the key selects. */
  verdict?: NftVerdict;
  cause?: Cause;
}

export interface NftSet {
  kind: 'set' | 'map';
  name: string;
  /** `ipv4_addr`, `ipv4_addr . inet_proto . inet_service : verdict` … */
  type: string;
  flags?: string[];
  timeoutSeconds?: number;
  comment?: string;
  /** By key text (`172.30.0.41 . tcp . 80`), in the order they were added. */
  elements: Map<string, NftElement>;
}

export interface NftTable {
  family: NftFamily;
  name: string;
  comment?: string;
  /** Sets and maps in creation order (nft lists them in that order). */
  sets: Map<string, NftSet>;
  /** Chains in creation order. */
  chains: Map<string, NftChain>;
}

export interface NftRuleset {
  tables: NftTable[];
}

export function newTable(family: NftFamily, name: string, comment?: string): NftTable {
  return { family, name, ...(comment ? { comment } : {}), sets: new Map(), chains: new Map() };
}

/** Returns the chain, creating it (at the end of the creation order) when missing. */
export function ensureNftChain(table: NftTable, name: string, extra: { base?: NftBaseChain; comment?: string } = {}): NftChain {
  let c = table.chains.get(name);
  if (!c) {
    c = { name, ...(extra.base ? { base: extra.base } : {}), ...(extra.comment ? { comment: extra.comment } : {}), rules: [] };
    table.chains.set(name, c);
  }
  return c;
}

export function addNftRule(table: NftTable, chain: string, exprs: NftExpr[], extra: { comment?: string; cause?: Cause } = {}): NftRule {
  const rule: NftRule = { exprs, ...(extra.comment ? { comment: extra.comment } : {}), ...(extra.cause ? { cause: extra.cause } : {}) };
  ensureNftChain(table, chain).rules.push(rule);
  return rule;
}

export function addNftSet(table: NftTable, set: Omit<NftSet, 'elements'>): NftSet {
  let s = table.sets.get(set.name);
  if (!s) {
    s = { ...set, elements: new Map() };
    table.sets.set(set.name, s);
  }
  return s;
}

export function elementKey(key: readonly string[]): string {
  return key.join(' . ');
}

/** Adds an element; a key already present keeps its first value (as kube-proxy's ensureElem would not add it twice). */
export function addNftElement(set: NftSet, element: NftElement): void {
  const k = elementKey(element.key);
  if (!set.elements.has(k)) set.elements.set(k, element);
}

/** Base chains per table, found once per chains map (thousands of Service chains are not rescanned). */
const baseChainCache = new WeakMap<Map<string, NftChain>, { size: number; list: NftChain[] }>();

function baseChainsOfTable(table: NftTable): NftChain[] {
  const hit = baseChainCache.get(table.chains);
  if (hit && hit.size === table.chains.size) return hit.list;
  const list = [...table.chains.values()].filter((c) => c.base);
  baseChainCache.set(table.chains, { size: table.chains.size, list });
  return list;
}

/** The base chains of one hook across the tables of one family, in the order the kernel runs them. */
export function baseChainsOf(rs: NftRuleset, family: NftFamily, hook: NftHook): { table: NftTable; chain: NftChain }[] {
  const out: { table: NftTable; chain: NftChain }[] = [];
  for (const table of rs.tables) {
    if (table.family !== family) continue;
    for (const chain of baseChainsOfTable(table)) if (chain.base!.hook === hook) out.push({ table, chain });
  }
  // Lower priority first; equal priorities keep the order of creation (stable sort).
  return out.sort((a, b) => a.chain.base!.priority - b.chain.base!.priority);
}
